//! Appending, reading back, proofs, group commit, and refusal of bad batches.

mod common;

use tlog::merkle::{verify_consistency, verify_inclusion};
use tlog::{GroupCommit, Log, LogError, Sequencer, SqliteStorage, record_hash};

#[test]
fn entries_survive_reopening_with_the_same_root() {
    let tmp = tempfile::tempdir().unwrap();
    let entries: Vec<Vec<u8>> = (0..1000).map(common::entry).collect();
    let root = {
        let mut log = common::new_log(tmp.path());
        for chunk in entries.chunks(77) {
            log.append(chunk).unwrap();
        }
        log.root()
    };
    let log = Log::open(SqliteStorage::open(&tmp.path().join("log.db")).unwrap()).unwrap();
    assert_eq!(log.size(), 1000);
    assert_eq!(log.root(), root);
    for i in [0u64, 1, 255, 256, 511, 767, 768, 999] {
        assert_eq!(log.entry(i).unwrap(), entries[i as usize], "entry {i}");
    }
    assert!(matches!(log.entry(1000), Err(LogError::NoSuchEntry { .. })));
}

#[test]
fn proofs_from_the_log_verify_and_prove_what_they_claim() {
    let tmp = tempfile::tempdir().unwrap();
    let mut log = common::new_log(tmp.path());
    let entries: Vec<Vec<u8>> = (0..700).map(common::entry).collect();
    log.append(&entries).unwrap();
    for size in [1u64, 2, 3, 255, 256, 257, 511, 512, 513, 700] {
        let root = log.root_at(size).unwrap();
        for index in [0, size / 3, size / 2, size - 1] {
            let proof = log.prove_inclusion(index, size).unwrap();
            let leaf = record_hash(&entries[index as usize]);
            verify_inclusion(index, size, leaf, &proof, root)
                .unwrap_or_else(|e| panic!("entry {index} in {size}: {e}"));
            // The same proof does not prove a different entry.
            let other = record_hash(b"not in the log");
            assert!(verify_inclusion(index, size, other, &proof, root).is_err());
        }
        for old in [1u64, size / 2, size - 1] {
            if old == 0 {
                continue;
            }
            let proof = log.prove_consistency(old, size).unwrap();
            verify_consistency(old, log.root_at(old).unwrap(), size, root, &proof)
                .unwrap_or_else(|e| panic!("{old} -> {size}: {e}"));
        }
    }
    assert!(matches!(
        log.prove_inclusion(5, 701),
        Err(LogError::SizeTooLarge { .. })
    ));
}

#[test]
fn an_oversized_entry_refuses_the_whole_batch() {
    let tmp = tempfile::tempdir().unwrap();
    let mut log = common::new_log(tmp.path());
    let batch = vec![b"fine".to_vec(), vec![0u8; 65_536]];
    let err = log.append(&batch).unwrap_err();
    assert!(
        matches!(
            err,
            LogError::EntryTooLarge {
                position: 1,
                size: 65_536
            }
        ),
        "{err}"
    );
    assert_eq!(log.size(), 0);
    // The largest allowed entry goes in and comes out whole.
    log.append(&[vec![1u8; 65_535]]).unwrap();
    assert_eq!(log.entry(0).unwrap().len(), 65_535);
}

#[test]
fn a_failing_state_update_leaves_the_log_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let mut log = common::new_log(tmp.path());
    log.append(&[b"first".to_vec()]).unwrap();
    let root = log.root();
    let err = log
        .append_with(&[b"second".to_vec()], |_, _| Err("state refused".into()))
        .unwrap_err();
    assert!(err.to_string().contains("state refused"), "{err}");
    assert_eq!((log.size(), log.root()), (1, root));
    // Nothing reached the disk either.
    drop(log);
    let log = Log::open(SqliteStorage::open(&tmp.path().join("log.db")).unwrap()).unwrap();
    assert_eq!((log.size(), log.root()), (1, root));
    // The caller's own tables commit with the entries.
    let mut log = log;
    log.storage()
        .connection()
        .execute_batch("CREATE TABLE folded(idx INTEGER, entry BLOB)")
        .unwrap();
    log.append_with(&[b"third".to_vec()], |conn, first| {
        conn.execute("INSERT INTO folded VALUES (?1, 'third')", [first as i64])?;
        Ok(())
    })
    .unwrap();
    let n: i64 = log
        .storage()
        .connection()
        .query_row("SELECT idx FROM folded", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
}

#[test]
fn damaged_storage_is_refused_at_open() {
    let tmp = tempfile::tempdir().unwrap();
    {
        let mut log = common::new_log(tmp.path());
        log.append(&(0..300).map(common::entry).collect::<Vec<_>>())
            .unwrap();
    }
    let conn = rusqlite::Connection::open(tmp.path().join("log.db")).unwrap();
    conn.execute(
        "UPDATE hash_tile SET hashes = zeroblob(length(hashes)) WHERE level = 0 AND idx = 1",
        [],
    )
    .unwrap();
    drop(conn);
    let err = Log::open(SqliteStorage::open(&tmp.path().join("log.db")).unwrap())
        .err()
        .expect("damage found");
    assert!(err.to_string().contains("corrupt"), "{err}");
}

#[test]
fn group_commit_serves_concurrent_callers_in_order() {
    let tmp = tempfile::tempdir().unwrap();
    let log = common::new_log(tmp.path());
    let seq = Sequencer::start(log, GroupCommit::default());
    let results: Vec<(usize, u64)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|t| {
                let seq = &seq;
                s.spawn(move || {
                    (0..50)
                        .map(|i| {
                            let entries = vec![
                                format!("{t}:{i}:a").into_bytes(),
                                format!("{t}:{i}:b").into_bytes(),
                            ];
                            (t, seq.append(entries).unwrap())
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let log = seq.stop();
    assert_eq!(log.size(), 800);
    // Each request's two entries are adjacent, at the index it was told.
    let mut firsts: Vec<u64> = results.iter().map(|(_, f)| *f).collect();
    firsts.sort();
    firsts.dedup();
    assert_eq!(firsts.len(), 400);
    for (_, first) in &results {
        let a = log.entry(*first).unwrap();
        let b = log.entry(first + 1).unwrap();
        assert_eq!(a[..a.len() - 1], b[..b.len() - 1]);
        assert!(a.ends_with(b"a") && b.ends_with(b"b"));
    }
}
