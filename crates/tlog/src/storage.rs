//! Where a log keeps its entries, tiles and checkpoints.
//!
//! The [`Storage`] trait is what a [`crate::Log`] needs from a backend. The embedded backend is
//! [`crate::SqliteStorage`]; a PostgreSQL backend would implement the same trait.
//!
//! A backend stores hash tiles and entry bundles in their published C2SP form, so publishing is
//! a copy. Entries of the last, incomplete bundle are kept one by one (the *tail*) so that small
//! appends never rewrite a whole bundle.

use crate::Hash;

/// A log's size and root.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TreeHead {
    pub size: u64,
    pub root: Hash,
}

/// What identifies a log: its origin and the verifier key of its checkpoint signer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogMeta {
    pub origin: String,
    pub vkey: String,
}

/// One atomic step of the log: everything that changes when entries are integrated.
#[derive(Debug)]
pub struct Integration<'a> {
    pub old: TreeHead,
    pub new: TreeHead,
    /// Hash tiles as `(level, index, hashes)`; each replaces any tile stored at its coordinates.
    pub tiles: Vec<(u8, u64, &'a [u8])>,
    /// Entry bundles that became full, as `(index, bundle)`.
    pub bundles: Vec<(u64, Vec<u8>)>,
    /// Whether the stored tail went into one of `bundles` and must be dropped.
    pub clear_tail: bool,
    /// Entries to add to the tail, as `(index, entry)`.
    pub tail: Vec<(u64, &'a [u8])>,
}

/// A backend failure.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("storage: {0}")]
    Backend(String),
    #[error("storage is corrupt: {0}")]
    Corrupt(String),
    #[error("no log here: {0}")]
    NotALog(String),
    #[error("another writer moved the log from size {from} to {to}")]
    AnotherWriter { from: u64, to: u64 },
    #[error("the change was refused by the caller's state update: {0}")]
    Apply(Box<dyn std::error::Error + Send + Sync>),
}

/// The error a caller's state update returns to abort an integration.
pub type ApplyError = Box<dyn std::error::Error + Send + Sync>;

/// A log backend. Every method but [`Storage::integrate`] and [`Storage::store_checkpoint`]
/// reads; `integrate` is atomic and durable when it returns `Ok`.
pub trait Storage {
    /// The backend's connection, handed (inside the open transaction) to callers that update
    /// their own state in the same atomic step as the log; the election record folds each
    /// entry into its tables this way.
    type Conn: ?Sized;

    /// The log's identity.
    fn meta(&self) -> Result<LogMeta, StorageError>;

    /// The current size and root.
    fn tree_head(&self) -> Result<TreeHead, StorageError>;

    /// The hash tile at `level`, `index` at its current width, or `None`.
    fn hash_tile(&self, level: u8, index: u64) -> Result<Option<Vec<u8>>, StorageError>;

    /// A full entry bundle, or `None`.
    fn bundle(&self, index: u64) -> Result<Option<Vec<u8>>, StorageError>;

    /// The entries of the incomplete last bundle, in order.
    fn tail(&self) -> Result<Vec<Vec<u8>>, StorageError>;

    /// Applies `change` and the caller's `apply` in one atomic, durable step. If `apply` fails
    /// nothing is stored.
    fn integrate(
        &mut self,
        change: &Integration<'_>,
        apply: &mut dyn FnMut(&Self::Conn) -> Result<(), ApplyError>,
    ) -> Result<(), StorageError>;

    /// The stored checkpoint for `size`, or the latest one when `size` is `None`.
    fn checkpoint(&self, size: Option<u64>) -> Result<Option<Vec<u8>>, StorageError>;

    /// Stores (or replaces) the signed checkpoint for `size`, cosignatures included.
    fn store_checkpoint(&mut self, size: u64, note: &[u8]) -> Result<(), StorageError>;

    /// The size of the last checkpoint that the named witness cosigned for this log.
    fn witness_size(&self, witness: &str) -> Result<u64, StorageError>;

    /// Records the size of the last checkpoint that the named witness cosigned.
    fn set_witness_size(&mut self, witness: &str, size: u64) -> Result<(), StorageError>;

    /// Every stored checkpoint, as `(size, note)` in order of size.
    fn checkpoints(&self) -> Result<Vec<(u64, Vec<u8>)>, StorageError>;

    /// The backend's own consistency check of its files, one line per problem (none when
    /// sound). It may read everything, so it runs on demand only.
    fn integrity(&self) -> Result<Vec<String>, StorageError>;
}
