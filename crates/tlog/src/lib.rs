//! A C2SP transparency log: an append-only list of entries that anyone can check.
//!
//! - [`tile`]: tile coordinates, C2SP paths and entry bundles;
//! - [`merkle`]: RFC 6962 maths on tiles, inclusion and consistency proofs;
//! - [`note`]: keys, signed checkpoints, cosignature/v1 and trust policies (tlog-policy);
//! - [`Log`], [`Sequencer`]: durable, group-committed appends over a [`Storage`] backend
//!   ([`SqliteStorage`] is the embedded one);
//! - [`publish`]: writing a static tlog-tiles directory;
//! - [`verify`]: a client that trusts nothing but a policy and checks a published log;
//! - [`witness`]: the tlog-witness protocol, both the witness and the log's side;
//! - [`proof_file`]: offline proofs of inclusion (tlog-proof).
//!
//! This crate never knows about elections: an entry is an opaque byte string.

pub mod entries;
pub mod log;
pub mod merkle;
pub mod note;
pub mod proof_file;
pub mod publish;
pub mod sqlite;
pub mod storage;
pub mod tile;
pub mod verify;
pub mod witness;

pub use log::{GroupCommit, Log, LogError, Sequencer, StoreCheck};
pub use merkle::{EMPTY_HASH, Hash, ProofError, node_hash, record_hash};
pub use note::{Policy, PrivateKey, Vkey};
pub use sqlite::SqliteStorage;
pub use storage::{LogMeta, Storage, StorageError, TreeHead};
