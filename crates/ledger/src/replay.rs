//! Rebuilding an election's state from its published log alone.
//!
//! [`replay`] verifies the log (signature, witness quorum, every hash) and, in the same pass,
//! folds every entry into a fresh state database with the very code intake uses, re-checking
//! every signature, role, scope and approval. An entry the fold refuses is recorded, not
//! applied. The result's digest must equal the operator's, which is published beside the
//! checkpoint as a signed note:
//!
//! ```text
//! scrutineer/state-digest/v1
//! <origin>
//! <tree size>
//! <hex SHA-256 state digest>
//!
//! — <log key name> <signature>
//! ```

use crate::event::Entry;
use crate::fold::{Fold, Prechecked, Refusal};
use crate::state;
use rusqlite::serialize::Data;
use rusqlite::{Connection, MAIN_DB, OpenFlags, params};
use std::path::Path;
use tlog::Policy;
use tlog::note::Vkey;
use tlog::verify::{
    PastRoots, TileSource, TrustedState, Verified, VerifyError, verify_log_rebuilding,
};

/// The file beside `checkpoint` that holds the operator's signed state digest.
pub const DIGEST_FILE: &str = "state-digest";

/// The directory beside it that keeps the digest of every size published, one immutable file
/// each (`state-digests/<size>`), so that a replay of a log that has grown since still finds
/// the digest of the size it replayed.
pub const DIGESTS_DIR: &str = "state-digests";

const DIGEST_HEADER: &str = "scrutineer/state-digest/v1";

/// The published path of the digest of `size` entries.
pub fn digest_path(size: u64) -> String {
    format!("{DIGESTS_DIR}/{size}")
}

/// Publishes the signed digest of the state at `size` into `out`: its own file first, then
/// the latest. Write it before the checkpoint of that size, so that whoever sees the
/// checkpoint finds its digest.
pub fn write_digest(
    out: &Path,
    key: &tlog::PrivateKey,
    size: u64,
    digest: &str,
) -> Result<(), tlog::publish::PublishError> {
    let note = sign_digest(key, size, digest);
    tlog::publish::write_atomic(&out.join(digest_path(size)), &note)?;
    tlog::publish::write_atomic(&out.join(DIGEST_FILE), &note)
}

/// A replayed election.
pub struct Replay {
    pub verified: Verified,
    pub digest: String,
    pub refusals: Vec<Refusal>,
    /// The rebuilt state.
    pub state: Connection,
}

#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error(transparent)]
    Verify(#[from] VerifyError),
    #[error("state database: {0}")]
    State(#[from] rusqlite::Error),
    #[error("{0}")]
    Other(String),
}

/// Verifies the log at `source` and folds it into a new state database at `state_path` (which
/// must not exist), or in memory. `progress` gets (entries done, entries in all).
pub fn replay(
    source: &dyn TileSource,
    policy: &Policy,
    previous: Option<&TrustedState>,
    state_path: Option<&Path>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Replay, ReplayError> {
    let conn = match state_path {
        Some(p) => {
            if p.exists() {
                return Err(ReplayError::Other(format!(
                    "{} already exists; replay builds a new state database",
                    p.display()
                )));
            }
            Connection::open(p)?
        }
        None => Connection::open_in_memory()?,
    };
    // A scratch rebuild: durability comes from the log, not from this file. The rollback
    // journal stays, in memory: the fold undoes a refused batch or a failed governed action
    // with ROLLBACK TO, which does nothing when the journal is off.
    // Larger pages than SQLite's 4 KiB: fewer page splits and page allocations as the roll,
    // the lists and the check-ins grow by millions of rows (set before any table exists).
    conn.pragma_update(None, "page_size", PAGE_SIZE)?;
    conn.pragma_update(None, "journal_mode", "MEMORY")?;
    conn.pragma_update(None, "synchronous", "OFF")?;
    conn.pragma_update(None, "locking_mode", "EXCLUSIVE")?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // Up to 1 GiB of page cache, so that a file-backed rebuild is not bound by reads of pages
    // it wrote a moment ago.
    conn.pragma_update(None, "cache_size", -1_048_576)?;
    state::stable_plans(&conn)?;
    // Indexes of random keys are built once at the end, over the whole table.
    state::create_deferring(&conn)?;
    conn.execute_batch("BEGIN")?;
    let (verified, conn, refusals, written) =
        verify_and_fold(conn, source, policy, previous, progress);
    let verified = verified?;
    let known: Vec<state::KnownTable> = written?;
    {
        let mut put =
            conn.prepare("INSERT OR REPLACE INTO refusal(idx, reason) VALUES (?1, ?2)")?;
        for r in &refusals {
            put.execute(params![
                r.index as i64,
                format!("{}: {}", r.path, r.message)
            ])?;
        }
    }
    conn.execute_batch("COMMIT")?;
    if verified.checkpoint.size > 0 {
        let origin: Option<String> = conn
            .query_row("SELECT value FROM election WHERE key = 'origin'", [], |r| {
                r.get(0)
            })
            .ok();
        if let Some(origin) = origin
            && origin != verified.checkpoint.origin
        {
            return Err(ReplayError::Other(format!(
                "the genesis names origin {origin:?} but the log is {:?}",
                verified.checkpoint.origin
            )));
        }
    }
    let mut conn = conn;
    let digest = index_and_digest(&mut conn, state_path, &known)?;
    Ok(Replay {
        verified,
        digest,
        refusals,
        state: conn,
    })
}

/// Builds the deferred indexes ([`state::create_deferred`]) and takes the state digest at the
/// same time, on two cores: the digest's second connection reads a copy of the in-memory state
/// (the indexes are not in the digest, so the copy can be taken before they exist; a state
/// over 2 GiB cannot be copied and is done on one core), or the file itself.
fn index_and_digest(
    conn: &mut Connection,
    file: Option<&Path>,
    known: &[state::KnownTable],
) -> rusqlite::Result<String> {
    let other = match file {
        None => {
            // SQLite copies a database into one allocation of at most 2 GiB
            // (SQLITE_MAX_ALLOCATION_SIZE), so a national state cannot be copied: it is then
            // indexed and digested on this connection alone. Only a database that is already
            // one block of memory is lent rather than copied, and a replay's is not.
            let Ok(Data::Owned(copy)) = conn.serialize(MAIN_DB) else {
                // The index builds' sorts then take a second core instead.
                build_deferred_on_two_cores(conn)?;
                return state::digest_knowing(conn, known);
            };
            let mut other = Connection::open_in_memory()?;
            other.deserialize(MAIN_DB, copy, true)?;
            // Pages read where they lie in the copy, rather than copied again into a cache.
            other.pragma_update(None, "mmap_size", i64::MAX)?;
            other
        }
        Some(path) => {
            // The file is shared with a reader from here on: the exclusive lock goes at the
            // next access, and each side waits out the other's lock (the index's commit, a
            // table's read) rather than fail.
            conn.pragma_update(None, "locking_mode", "NORMAL")?;
            conn.query_row("SELECT count(*) FROM sqlite_schema", [], |_| Ok(()))?;
            conn.busy_timeout(SHARED_FILE_WAIT)?;
            let other = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
            other.busy_timeout(SHARED_FILE_WAIT)?;
            other
        }
    };
    let conn = &*conn;
    state::digest_sharing(conn, || build_deferred_on_two_cores(conn), other, known)
}

/// Builds the deferred indexes with SQLite's sorter working on a second core: it sorts runs of
/// [`SORT_RUN_KIB`] in a worker thread while this one reads the table, then merges them. It
/// uses no worker while temporary data is kept in memory (`temp_store`), so the runs go to
/// temporary files for the build (unlinked at once; the OS's cache holds them). A run the size
/// of the whole table, SQLite's default here, is also sorted more slowly: national scale's
/// `pseudonym_unique` took 14.7 s in one run and 7.4 s in runs of 32 MiB on two cores.
fn build_deferred_on_two_cores(conn: &Connection) -> rusqlite::Result<()> {
    let cache: i64 = conn.pragma_query_value(None, "cache_size", |r| r.get(0))?;
    conn.pragma_update(None, "temp_store", "FILE")?;
    conn.pragma_update(None, "threads", 1)?;
    // The sorter's run is the main database's page cache, capped; an in-memory database's
    // pages are never evicted, so this limits only the sorter there.
    conn.pragma_update(None, "cache_size", -SORT_RUN_KIB)?;
    let built = state::create_deferred(conn);
    conn.pragma_update(None, "cache_size", cache)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.pragma_update(None, "threads", 0)?;
    built
}

/// The size of one sorted run when the deferred indexes are built (KiB).
const SORT_RUN_KIB: i64 = 64 << 10;

/// How long the index build and the digest's reader of a replayed state file wait for each
/// other's lock: one table's read, or the index's commit.
const SHARED_FILE_WAIT: std::time::Duration = std::time::Duration::from_secs(600);

/// The page size of a replayed state database.
const PAGE_SIZE: i64 = 16384;

/// Entries handed from verification to the fold at a time.
const CHUNK: usize = 2048;

/// Entries `first..` of the log, as read and hashed by verification.
struct Chunk {
    first: u64,
    entries: Vec<Read>,
}

/// An entry as verification read it: its bytes, its record hash, the entry parsed (and its
/// canonical form checked) ahead of the fold (`None` where parsing failed, so that the fold
/// parses again and refuses the entry with the parser's error), and for a recorded checkpoint
/// the log's root at the size it claims.
type Read = (Vec<u8>, tlog::Hash, Option<Entry>, Option<SizeRoot>);

/// The entries' bytes and the parsed batch entries of a chunk the fold has applied.
type Spent = (Vec<Vec<u8>>, Vec<Entry>);

/// A size of the log and its root there.
type SizeRoot = (u64, tlog::Hash);

/// For a recorded checkpoint, the size it claims and the log's true root at that size, from
/// the tree verification rebuilt (the fold compares the two).
fn checkpoint_root(
    index: u64,
    parsed: &Option<Entry>,
    past: &PastRoots,
) -> Option<(u64, tlog::Hash)> {
    let Some(Entry {
        event: crate::event::Event::Checkpoint(c),
        ..
    }) = parsed
    else {
        return None;
    };
    let (cp, _, _) = tlog::note::open_checkpoint(c.note.as_bytes()).ok()?;
    if cp.size() > index {
        return None;
    }
    Some((cp.size(), past.root_at(cp.size()).ok()?))
}

/// Verifies the log and folds its entries, in a pipeline over two threads: this one reads,
/// hashes and parses each entry (what does not depend on state), and the fold thread applies
/// them in log order to `conn`, with every check that depends on state. The fold sees exactly
/// the entries, in the order, that the single-threaded loop did; only its parsing moves.
fn verify_and_fold(
    conn: Connection,
    source: &dyn TileSource,
    policy: &Policy,
    previous: Option<&TrustedState>,
    progress: &mut dyn FnMut(u64, u64),
) -> (
    Result<Verified, VerifyError>,
    Connection,
    Vec<Refusal>,
    rusqlite::Result<Vec<state::KnownTable>>,
) {
    let (tx, rx) = std::sync::mpsc::sync_channel::<Chunk>(8);
    // What the fold is done with goes back to be freed where it was allocated.
    let (spent_tx, spent_rx) = std::sync::mpsc::channel::<Spent>();
    std::thread::scope(|s| {
        let folder = std::thread::Builder::new()
            .name("replay-fold".into())
            .spawn_scoped(s, move || {
                let mut fold = Fold::new();
                fold.index_lists_in_memory();
                fold.keep_spent();
                let mut refusals = Vec::new();
                let mut size = 0u64;
                for chunk in rx {
                    let mut bytes_spent = Vec::with_capacity(chunk.entries.len());
                    for (i, (bytes, leaf, parsed, root)) in chunk.entries.into_iter().enumerate() {
                        let index = chunk.first + i as u64;
                        fold.know_leaf(leaf);
                        if let Some((size, root)) = root {
                            fold.know_root(size, root);
                        }
                        let pre = parsed.map(|entry| Prechecked {
                            entry,
                            verified_with: None,
                        });
                        if let Err(r) = fold.apply_prechecked(&conn, index, &bytes, pre) {
                            refusals.push(r);
                        }
                        bytes_spent.push(bytes);
                        size = index + 1;
                    }
                    let _ = spent_tx.send((bytes_spent, fold.take_spent()));
                }
                if let Err(r) = fold.finish(&conn, size) {
                    refusals.push(r);
                }
                let written = fold.write_lists(&conn);
                (conn, refusals, written)
            })
            .expect("starting the fold thread");
        let mut chunk = Chunk {
            first: 0,
            entries: Vec::with_capacity(CHUNK),
        };
        let verified = verify_log_rebuilding(
            source,
            policy,
            previous,
            progress,
            &mut |index, entry, past| {
                if chunk.entries.is_empty() {
                    chunk.first = index;
                }
                let parsed = Entry::parse(entry).ok();
                let root = if entry.starts_with(crate::event::CHECKPOINT_PREFIX) {
                    checkpoint_root(index, &parsed, past)
                } else {
                    None
                };
                chunk
                    .entries
                    .push((entry.to_vec(), past.leaf(), parsed, root));
                if chunk.entries.len() == CHUNK {
                    let full = std::mem::replace(
                        &mut chunk,
                        Chunk {
                            first: index + 1,
                            entries: Vec::with_capacity(CHUNK),
                        },
                    );
                    // The fold thread only stops when the channel closes.
                    let _ = tx.send(full);
                    while let Ok(spent) = spent_rx.try_recv() {
                        drop(spent);
                    }
                }
            },
        );
        if !chunk.entries.is_empty() {
            let _ = tx.send(chunk);
        }
        drop(tx);
        // Until the fold thread ends and closes the channel.
        for spent in spent_rx {
            drop(spent);
        }
        let (conn, refusals, written) = folder.join().expect("the fold thread panicked");
        (verified, conn, refusals, written)
    })
}

/// The text of a state-digest note.
pub fn digest_text(origin: &str, size: u64, digest: &str) -> Vec<u8> {
    format!("{DIGEST_HEADER}\n{origin}\n{size}\n{digest}\n").into_bytes()
}

/// Signs a state-digest note with the log's key.
pub fn sign_digest(key: &tlog::PrivateKey, size: u64, digest: &str) -> Vec<u8> {
    let text = digest_text(key.name(), size, digest);
    let sig = key.sign_note(&text, 0);
    signed_note::Note::new(&text, &[sig])
        .expect("well-formed text")
        .to_bytes()
}

/// Reads a state-digest note, checking its signature by the log key; returns (size, digest).
pub fn open_digest(note: &[u8], log: &Vkey) -> Result<(u64, String), String> {
    let parsed = signed_note::Note::from_bytes(note).map_err(|e| format!("state digest: {e}"))?;
    let sigs = tlog::note::parsed_signatures(note).map_err(|e| e.to_string())?;
    let signed = sigs.iter().any(|s| {
        s.name() == log.name
            && s.id() == log.id
            && log.verify(parsed.text(), s.signature()).is_some()
    });
    if !signed {
        return Err("the state digest is not signed by the log's key".into());
    }
    let text = std::str::from_utf8(parsed.text()).map_err(|_| "state digest is not UTF-8")?;
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() != 4 || lines[0] != DIGEST_HEADER || lines[1] != log.name {
        return Err(format!("malformed state digest note: {text:?}"));
    }
    let size: u64 = lines[2]
        .parse()
        .map_err(|_| format!("state digest size {:?} is not a number", lines[2]))?;
    if lines[3].len() != 64 || !lines[3].bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("state digest {:?} is not a hex SHA-256", lines[3]));
    }
    Ok((size, lines[3].to_string()))
}
