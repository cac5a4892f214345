//! The embedded backend: one SQLite database in WAL mode.
//!
//! Tables: `meta` (origin, vkey), `tree_head` (one row), `hash_tile`, `entry_bundle` (full
//! bundles), `tail_entry` (entries of the incomplete last bundle), `checkpoint`, and
//! `witness_progress`. An integration is one `BEGIN IMMEDIATE` transaction committed with
//! `synchronous = FULL`, so once it returns the entries survive a crash or power cut.
//!
//! Copying committed pages from the WAL into the database file (a checkpoint) is left to a
//! background thread with its own connection, so a commit waits for its own WAL write only;
//! see [`Checkpointer`].

use crate::Hash;
use crate::storage::{ApplyError, Integration, LogMeta, Storage, StorageError, TreeHead};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use std::path::Path;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tree_head(
    id INTEGER PRIMARY KEY CHECK (id = 1),
    size INTEGER NOT NULL,
    root BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS hash_tile(
    level INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    hashes BLOB NOT NULL,
    PRIMARY KEY (level, idx));
CREATE TABLE IF NOT EXISTS entry_bundle(idx INTEGER PRIMARY KEY, entries BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS tail_entry(idx INTEGER PRIMARY KEY, entry BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS checkpoint(size INTEGER PRIMARY KEY, note BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS witness_progress(witness TEXT PRIMARY KEY, size INTEGER NOT NULL);
";

/// Roughly how much is written to the WAL between two background checkpoints (SQLite's own
/// default is 1,000 pages, about 4 MiB; a smaller step keeps the checkpoints overlapping the
/// commits that follow instead of falling a commit behind).
const CHECKPOINT_BYTES: usize = 1 << 20;

/// WAL pages after which a commit checkpoints by itself, should the [`Checkpointer`] fall
/// behind.
const WAL_FALLBACK_PAGES: u32 = 8_192;

/// A stored checkpoint: its size and the signed note.
pub type Stored = (u64, Vec<u8>);

/// A log stored in one SQLite file.
pub struct SqliteStorage {
    // Declared before `conn` so that it stops first, and closing `conn` (the last connection)
    // finishes the checkpoint and removes the WAL.
    checkpointer: Checkpointer,
    conn: Connection,
    /// Bytes integrated since the last checkpoint was asked for (an estimate of the WAL's
    /// growth).
    unchecked: usize,
}

/// Checkpoints the WAL on its own thread and connection, about every [`CHECKPOINT_BYTES`].
///
/// Without it SQLite checkpoints inside the committing call whenever the WAL passes 1,000
/// pages: the commit then also waits for the pages to be copied into the database file and
/// for that file's `fsync`. Durability does not depend on checkpoints (a commit is durable
/// once the WAL is synced), so they can overlap the next batch instead. If this thread cannot
/// keep up, commits checkpoint by themselves past [`WAL_FALLBACK_PAGES`].
struct Checkpointer {
    wake: Option<std::sync::mpsc::SyncSender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Checkpointer {
    fn start(path: &Path) -> Result<Checkpointer, StorageError> {
        let conn = Connection::open(path)
            .map_err(|e| StorageError::Backend(format!("cannot open {}: {e}", path.display())))?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(backend)?;
        // One pending wake-up is enough: a checkpoint copies everything committed before it.
        let (wake, woken) = std::sync::mpsc::sync_channel::<()>(1);
        let thread = std::thread::Builder::new()
            .name("tlog-checkpoint".into())
            .spawn(move || {
                while woken.recv().is_ok() {
                    // A failed or partial passive checkpoint is harmless: the next one, a
                    // commit past the fallback, or closing the database completes the copy.
                    let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                }
            })
            .map_err(|e| StorageError::Backend(format!("cannot start the checkpointer: {e}")))?;
        Ok(Checkpointer {
            wake: Some(wake),
            thread: Some(thread),
        })
    }

    /// Asks for a checkpoint, without waiting.
    fn nudge(&self) {
        if let Some(wake) = &self.wake {
            let _ = wake.try_send(());
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.wake.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn backend(e: rusqlite::Error) -> StorageError {
    StorageError::Backend(e.to_string())
}

fn to_i64(v: u64) -> Result<i64, StorageError> {
    i64::try_from(v).map_err(|_| StorageError::Backend(format!("{v} is too large for SQLite")))
}

impl SqliteStorage {
    /// Creates a new, empty log database at `path` (which must not hold a log already).
    pub fn create(path: &Path, meta: &LogMeta) -> Result<SqliteStorage, StorageError> {
        let mut conn = open_connection(path)?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(backend)?;
        let existing: Option<String> = tx
            .query_row("SELECT value FROM meta WHERE key = 'origin'", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(backend)?;
        if let Some(origin) = existing {
            return Err(StorageError::Backend(format!(
                "{} already holds the log {origin:?}",
                path.display()
            )));
        }
        tx.execute(
            "INSERT INTO meta(key, value) VALUES ('origin', ?1), ('vkey', ?2)",
            params![meta.origin, meta.vkey],
        )
        .map_err(backend)?;
        tx.execute(
            "INSERT INTO tree_head(id, size, root) VALUES (1, 0, ?1)",
            params![crate::EMPTY_HASH.0.to_vec()],
        )
        .map_err(backend)?;
        tx.commit().map_err(backend)?;
        Ok(SqliteStorage {
            checkpointer: Checkpointer::start(path)?,
            conn,
            unchecked: 0,
        })
    }

    /// Opens an existing log database.
    pub fn open(path: &Path) -> Result<SqliteStorage, StorageError> {
        if !path.exists() {
            return Err(StorageError::NotALog(format!(
                "{} does not exist",
                path.display()
            )));
        }
        let conn = open_connection(path)?;
        let storage = SqliteStorage {
            checkpointer: Checkpointer::start(path)?,
            conn,
            unchecked: 0,
        };
        storage.meta()?;
        Ok(storage)
    }

    /// Opens an existing log database for reading only, with no checkpointer: a server's
    /// readers take one each, so that reads never wait for the writer (WAL readers see the
    /// last commit). Every write through it fails.
    pub fn open_read_only(path: &Path) -> Result<SqliteStorage, StorageError> {
        if !path.exists() {
            return Err(StorageError::NotALog(format!(
                "{} does not exist",
                path.display()
            )));
        }
        let conn = Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| StorageError::Backend(format!("cannot open {}: {e}", path.display())))?;
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .map_err(backend)?;
        let storage = SqliteStorage {
            checkpointer: Checkpointer {
                wake: None,
                thread: None,
            },
            conn,
            unchecked: 0,
        };
        storage.meta()?;
        Ok(storage)
    }

    /// How many checkpoints are stored, and the latest `n` of them, oldest first: what a
    /// status page needs without reading every checkpoint of a long-running log.
    pub fn recent_checkpoints(&self, n: usize) -> Result<(u64, Vec<Stored>), StorageError> {
        let count: i64 = self
            .conn
            .query_row("SELECT count(*) FROM checkpoint", [], |r| r.get(0))
            .map_err(backend)?;
        let mut stmt = self
            .conn
            .prepare("SELECT size, note FROM checkpoint ORDER BY size DESC LIMIT ?1")
            .map_err(backend)?;
        let mut rows: Vec<Stored> = stmt
            .query_map([to_i64(n as u64)?], |r| {
                Ok((r.get::<_, i64>(0)? as u64, r.get::<_, Vec<u8>>(1)?))
            })
            .map_err(backend)?
            .collect::<rusqlite::Result<_>>()
            .map_err(backend)?;
        rows.reverse();
        Ok((count as u64, rows))
    }

    /// The underlying connection, for callers that keep their own tables in the same file.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}

fn open_connection(path: &Path) -> Result<Connection, StorageError> {
    let conn = Connection::open(path)
        .map_err(|e| StorageError::Backend(format!("cannot open {}: {e}", path.display())))?;
    conn.busy_timeout(std::time::Duration::from_secs(30))
        .map_err(backend)?;
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(backend)?;
    // Acknowledged means on disk, not only in the OS cache.
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(backend)?;
    conn.pragma_update(None, "wal_autocheckpoint", WAL_FALLBACK_PAGES)
        .map_err(backend)?;
    conn.execute_batch(SCHEMA).map_err(backend)?;
    Ok(conn)
}

impl Storage for SqliteStorage {
    type Conn = Connection;

    fn meta(&self) -> Result<LogMeta, StorageError> {
        let get = |key: &str| -> Result<String, StorageError> {
            self.conn
                .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
                .optional()
                .map_err(backend)?
                .ok_or_else(|| StorageError::NotALog(format!("no {key} recorded")))
        };
        Ok(LogMeta {
            origin: get("origin")?,
            vkey: get("vkey")?,
        })
    }

    fn tree_head(&self) -> Result<TreeHead, StorageError> {
        let (size, root): (i64, Vec<u8>) = self
            .conn
            .query_row("SELECT size, root FROM tree_head WHERE id = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .map_err(backend)?;
        let root: [u8; 32] = root
            .try_into()
            .map_err(|_| StorageError::Corrupt("root hash is not 32 bytes".into()))?;
        Ok(TreeHead {
            size: u64::try_from(size)
                .map_err(|_| StorageError::Corrupt("negative tree size".into()))?,
            root: Hash(root),
        })
    }

    fn hash_tile(&self, level: u8, index: u64) -> Result<Option<Vec<u8>>, StorageError> {
        self.conn
            .prepare_cached("SELECT hashes FROM hash_tile WHERE level = ?1 AND idx = ?2")
            .map_err(backend)?
            .query_row(params![level, to_i64(index)?], |r| r.get(0))
            .optional()
            .map_err(backend)
    }

    fn bundle(&self, index: u64) -> Result<Option<Vec<u8>>, StorageError> {
        self.conn
            .prepare_cached("SELECT entries FROM entry_bundle WHERE idx = ?1")
            .map_err(backend)?
            .query_row(params![to_i64(index)?], |r| r.get(0))
            .optional()
            .map_err(backend)
    }

    fn tail(&self) -> Result<Vec<Vec<u8>>, StorageError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT entry FROM tail_entry ORDER BY idx")
            .map_err(backend)?;
        let rows = stmt.query_map([], |r| r.get(0)).map_err(backend)?;
        rows.collect::<Result<_, _>>().map_err(backend)
    }

    fn integrate(
        &mut self,
        change: &Integration<'_>,
        apply: &mut dyn FnMut(&Self::Conn) -> Result<(), ApplyError>,
    ) -> Result<(), StorageError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(backend)?;
        {
            // Guard against two writers: the head must still be where this change starts.
            // Cached statements: intake commits thousands of times a second.
            let size: i64 = tx
                .prepare_cached("SELECT size FROM tree_head WHERE id = 1")
                .and_then(|mut s| s.query_row([], |r| r.get(0)))
                .map_err(backend)?;
            if size != to_i64(change.old.size)? {
                return Err(StorageError::AnotherWriter {
                    from: change.old.size,
                    to: size as u64,
                });
            }
            let mut put_tile = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO hash_tile(level, idx, hashes) VALUES (?1, ?2, ?3)",
                )
                .map_err(backend)?;
            for (level, index, hashes) in &change.tiles {
                put_tile
                    .execute(params![level, to_i64(*index)?, hashes])
                    .map_err(backend)?;
            }
            let mut put_bundle = tx
                .prepare_cached("INSERT INTO entry_bundle(idx, entries) VALUES (?1, ?2)")
                .map_err(backend)?;
            for (index, bundle) in &change.bundles {
                put_bundle
                    .execute(params![to_i64(*index)?, bundle])
                    .map_err(backend)?;
            }
            if change.clear_tail {
                tx.prepare_cached("DELETE FROM tail_entry")
                    .and_then(|mut s| s.execute([]))
                    .map_err(backend)?;
            }
            let mut put_tail = tx
                .prepare_cached("INSERT INTO tail_entry(idx, entry) VALUES (?1, ?2)")
                .map_err(backend)?;
            for (index, entry) in &change.tail {
                put_tail
                    .execute(params![to_i64(*index)?, entry])
                    .map_err(backend)?;
            }
            let new_size = to_i64(change.new.size)?;
            tx.prepare_cached("UPDATE tree_head SET size = ?1, root = ?2 WHERE id = 1")
                .and_then(|mut s| s.execute(params![new_size, change.new.root.0.as_slice()]))
                .map_err(backend)?;
        }
        apply(&tx).map_err(StorageError::Apply)?;
        tx.commit().map_err(backend)?;
        // Page headers and the B-tree pages a commit touches come on top of the blobs.
        self.unchecked += 4 * 4_096
            + change.tiles.iter().map(|t| t.2.len()).sum::<usize>()
            + change.bundles.iter().map(|b| b.1.len()).sum::<usize>()
            + change.tail.iter().map(|t| t.1.len()).sum::<usize>();
        if self.unchecked >= CHECKPOINT_BYTES {
            self.unchecked = 0;
            self.checkpointer.nudge();
        }
        Ok(())
    }

    fn checkpoint(&self, size: Option<u64>) -> Result<Option<Vec<u8>>, StorageError> {
        match size {
            Some(size) => self
                .conn
                .query_row(
                    "SELECT note FROM checkpoint WHERE size = ?1",
                    params![to_i64(size)?],
                    |r| r.get(0),
                )
                .optional()
                .map_err(backend),
            None => self
                .conn
                .query_row(
                    "SELECT note FROM checkpoint ORDER BY size DESC LIMIT 1",
                    [],
                    |r| r.get(0),
                )
                .optional()
                .map_err(backend),
        }
    }

    fn store_checkpoint(&mut self, size: u64, note: &[u8]) -> Result<(), StorageError> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO checkpoint(size, note) VALUES (?1, ?2)",
                params![to_i64(size)?, note],
            )
            .map_err(backend)?;
        Ok(())
    }

    fn witness_size(&self, witness: &str) -> Result<u64, StorageError> {
        let size: Option<i64> = self
            .conn
            .query_row(
                "SELECT size FROM witness_progress WHERE witness = ?1",
                [witness],
                |r| r.get(0),
            )
            .optional()
            .map_err(backend)?;
        Ok(size.unwrap_or(0) as u64)
    }

    fn checkpoints(&self) -> Result<Vec<(u64, Vec<u8>)>, StorageError> {
        let mut stmt = self
            .conn
            .prepare("SELECT size, note FROM checkpoint ORDER BY size")
            .map_err(backend)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)))
            .map_err(backend)?;
        rows.map(|r| {
            let (size, note) = r.map_err(backend)?;
            let size = u64::try_from(size)
                .map_err(|_| StorageError::Corrupt(format!("a checkpoint of size {size}")))?;
            Ok((size, note))
        })
        .collect()
    }

    fn integrity(&self) -> Result<Vec<String>, StorageError> {
        // A file too damaged to run the check is itself the finding.
        let lines: rusqlite::Result<Vec<String>> = self
            .conn
            .prepare("PRAGMA integrity_check")
            .and_then(|mut stmt| stmt.query_map([], |r| r.get::<_, String>(0))?.collect());
        Ok(match lines {
            Ok(lines) => lines
                .into_iter()
                .filter(|l| l != "ok")
                .map(|l| format!("SQLite integrity check: {l}"))
                .collect(),
            Err(e) => vec![format!("SQLite integrity check: {e}")],
        })
    }

    fn set_witness_size(&mut self, witness: &str, size: u64) -> Result<(), StorageError> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO witness_progress(witness, size) VALUES (?1, ?2)",
                params![witness, to_i64(size)?],
            )
            .map_err(backend)?;
        Ok(())
    }
}
