//! A store damaged on disk: bytes flipped inside a stored hash tile or entry bundle. What is
//! published and what witnesses are asked to cosign must be checked against the signed root
//! first, so the operator learns of the damage before any observer does (issue 12, defect 3).

mod common;

use std::cell::Cell;
use tlog::note::Vkey;
use tlog::witness::WitnessTransport;
use tlog::{Log, SqliteStorage};

/// A log of `n` entries in `dir/log.db`, closed.
fn log_of(dir: &std::path::Path, n: u64) {
    let mut log = common::new_log(dir);
    let entries: Vec<Vec<u8>> = (0..n).map(common::entry).collect();
    log.append(&entries).unwrap();
    log.sign_checkpoint(&common::log_key()).unwrap();
}

fn open(dir: &std::path::Path) -> Log<SqliteStorage> {
    Log::open(SqliteStorage::open(&dir.join("log.db")).unwrap()).unwrap()
}

/// Flips 16 bytes at `offset` of a blob in the store, as a bad disk or a stray write would.
fn flip(dir: &std::path::Path, table: &str, column: &str, key: &str, offset: usize) {
    let conn = rusqlite::Connection::open(dir.join("log.db")).unwrap();
    let sql = format!("SELECT {column} FROM {table} WHERE {key}");
    let mut blob: Vec<u8> = conn.query_row(&sql, [], |r| r.get(0)).unwrap();
    for b in &mut blob[offset..offset + 16] {
        *b ^= 0xa5;
    }
    conn.execute(
        &format!("UPDATE {table} SET {column} = ?1 WHERE {key}"),
        [&blob],
    )
    .unwrap();
}

fn publish_to(log: &Log<SqliteStorage>, out: &std::path::Path) -> Result<u64, String> {
    let note = log.latest_checkpoint().unwrap().unwrap();
    tlog::publish::publish(log, &note, out, &mut |_, _| {})
        .map(|p| p.size)
        .map_err(|e| e.to_string())
}

/// Guards against: a full level-0 tile damaged in log.db (not on the right edge, so opening
/// the log does not notice) being published without a word.
#[test]
fn publish_refuses_a_damaged_hash_tile_and_names_it() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    log_of(d, 70_000);
    let out = d.join("public");
    assert_eq!(publish_to(&open(d), &out).unwrap(), 70_000);
    assert!(open(d).check_store().unwrap().problems.is_empty());

    // Tile 0/144 of a fresh publication: everything is checked.
    flip(d, "hash_tile", "hashes", "level = 0 AND idx = 144", 3 * 32);
    let log = open(d);
    let err = publish_to(&log, &d.join("fresh")).unwrap_err();
    assert!(err.contains("tile/0/144"), "{err}");
    assert!(
        !d.join("fresh/checkpoint").exists(),
        "nothing is published from a damaged store"
    );
    let found = log.check_store().unwrap();
    assert_eq!(found.problems.len(), 1, "{:?}", found.problems);
    assert!(found.problems[0].contains("tile/0/144"), "{found:?}");
}

/// Guards against: a stored entry altered in log.db; an incremental publication checks what it
/// writes, and the whole-store check finds it wherever it is.
#[test]
fn a_damaged_entry_is_found_by_publish_of_its_bundle_and_by_the_store_check() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    log_of(d, 1_000);
    let out = d.join("public");
    assert_eq!(publish_to(&open(d), &out).unwrap(), 1_000);
    {
        let mut log = open(d);
        let more: Vec<Vec<u8>> = (1_000..1_300).map(common::entry).collect();
        log.append(&more).unwrap();
        log.sign_checkpoint(&common::log_key()).unwrap();
    }
    // Bundle 3 (entries 768..1023) was published partly (768..999) and grows now.
    flip(d, "entry_bundle", "entries", "idx = 3", 100);
    let log = open(d);
    let err = publish_to(&log, &out).unwrap_err();
    assert!(err.contains("tile/entries/003"), "{err}");
    // Bundle 0 is not republished, but the whole-store check reads it too.
    flip(d, "entry_bundle", "entries", "idx = 0", 200);
    let found = open(d).check_store().unwrap();
    assert_eq!(found.problems.len(), 1, "the first damage found: {found:?}");
    assert!(found.problems[0].contains("tile/entries/000"), "{found:?}");
}

/// A witness that counts the requests it gets and answers none.
struct Counting(Cell<u32>);

impl WitnessTransport for Counting {
    fn add_checkpoint(&self, _: &[u8]) -> Result<(u16, String, Vec<u8>), String> {
        self.0.set(self.0.get() + 1);
        Err("not answering".into())
    }
    fn describe(&self) -> String {
        "counting".into()
    }
}

/// Guards against: asking witnesses to cosign a root whose tiles are damaged in the store.
#[test]
fn no_witness_is_asked_to_cosign_a_damaged_store() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    log_of(d, 600);
    let witness: Vkey = common::witness_key("witness.test/w", 3).vkey();
    let transport = Counting(Cell::new(0));
    let witnesses: Vec<(Vkey, &dyn WitnessTransport)> = vec![(witness, &transport)];

    // A sound store: the witness is asked.
    let mut log = open(d);
    let note = log.latest_checkpoint().unwrap().unwrap();
    let (_, results) = tlog::witness::witness_checkpoint(&mut log, &note, &witnesses).unwrap();
    assert!(results[0].is_err());
    assert_eq!(transport.0.get(), 1);
    drop(log);

    flip(d, "hash_tile", "hashes", "level = 0 AND idx = 1", 0);
    let mut log = open(d);
    let err = tlog::witness::witness_checkpoint(&mut log, &note, &witnesses).unwrap_err();
    assert!(err.to_string().contains("tile/0/001"), "{err}");
    assert_eq!(transport.0.get(), 1, "the witness was not asked again");
}

/// Guards against: SQLite-level damage that the tiles do not show; the on-demand check runs
/// SQLite's own integrity check as well.
#[test]
fn the_store_check_runs_sqlites_integrity_check() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    log_of(d, 300);
    let found = open(d).check_store().unwrap();
    assert!(found.problems.is_empty(), "{found:?}");
    assert_eq!((found.size, found.checkpoints), (300, 1));
    // An index entry that no longer matches its table: the tiles are fine, SQLite is not.
    let conn = rusqlite::Connection::open(d.join("log.db")).unwrap();
    conn.execute_batch(
        "CREATE INDEX tail_by_entry ON tail_entry(entry);
         PRAGMA writable_schema = ON;
         UPDATE sqlite_schema SET sql = 'CREATE INDEX tail_by_entry ON tail_entry(idx)' WHERE name = 'tail_by_entry';
         PRAGMA writable_schema = OFF;",
    )
    .unwrap();
    drop(conn);
    let found = open(d).check_store().unwrap();
    assert!(
        found
            .problems
            .iter()
            .any(|p| p.contains("SQLite integrity")),
        "{found:?}"
    );
}

/// Guards against: a stored entry of the last, incomplete bundle made longer than an entry can
/// be (a damaged row); publishing it must be refused by name, not panic.
#[test]
fn an_oversized_stored_entry_is_refused_not_a_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    log_of(d, 300);
    let conn = rusqlite::Connection::open(d.join("log.db")).unwrap();
    conn.execute(
        "UPDATE tail_entry SET entry = ?1 WHERE idx = 260",
        [vec![b'x'; 70_000]],
    )
    .unwrap();
    drop(conn);
    let log = open(d);
    let err = publish_to(&log, &d.join("public")).unwrap_err();
    assert!(err.contains("tile/entries/001.p/44"), "{err}");
    assert!(!open(d).check_store().unwrap().problems.is_empty());
}
