//! Crash safety: a child process appends in a loop and is killed with SIGKILL at random
//! moments; after each kill, every acknowledged entry is there, no batch is half-written, and
//! the root is the one the entries define.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tlog::{Log, SqliteStorage};

const CHILD: &str = "TLOG_CRASH_CHILD";

/// The size of the batch that starts at `start`: deterministic, so the parent knows every
/// batch edge; between 1 and 97 entries.
fn batch_at(start: u64) -> u64 {
    start.wrapping_mul(2_654_435_761) % 97 + 1
}

fn child(dir: &std::path::Path) -> ! {
    let db = dir.join("log.db");
    let mut log = if db.exists() {
        Log::open(SqliteStorage::open(&db).unwrap()).unwrap()
    } else {
        common::new_log(dir)
    };
    let stdout = std::io::stdout();
    loop {
        let start = log.size();
        let entries: Vec<Vec<u8>> = (start..start + batch_at(start))
            .map(common::entry)
            .collect();
        log.append(&entries).unwrap();
        let mut out = stdout.lock();
        writeln!(out, "ack {}", log.size()).unwrap();
        out.flush().unwrap();
    }
}

#[test]
fn acknowledged_entries_survive_sigkill() {
    if let Ok(dir) = std::env::var(CHILD) {
        child(std::path::Path::new(&dir));
    }
    let tmp = tempfile::tempdir().unwrap();
    let mut seed = Instant::now().elapsed().as_nanos() as u64 ^ 0x9E37_79B9_7F4A_7C15;
    let mut rounds_with_progress = 0;
    for round in 0..25 {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let delay = Duration::from_millis(20 + (seed >> 33) % 400);
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "acknowledged_entries_survive_sigkill",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD, tmp.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut acked = 0u64;
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(n) = line.strip_prefix("ack ") {
                    acked = n.parse().unwrap();
                }
            }
            acked
        });
        std::thread::sleep(delay);
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let acked = reader.join().unwrap();

        let storage = match SqliteStorage::open(&tmp.path().join("log.db")) {
            Ok(s) => s,
            // Killed while creating the log, before anything was acknowledged: the file holds
            // no log yet, and the next round creates it again.
            Err(tlog::StorageError::NotALog(_)) if acked == 0 => continue,
            Err(e) => panic!("round {round}: reopening after SIGKILL: {e}"),
        };
        let log = Log::open(storage)
            .unwrap_or_else(|e| panic!("round {round}: reopening after SIGKILL: {e}"));
        let size = log.size();
        assert!(
            size >= acked,
            "round {round}: acknowledged {acked} entries, found {size}"
        );
        // The size is on a batch edge: no batch was half-written.
        let mut edge = 0;
        while edge < size {
            edge += batch_at(edge);
        }
        assert_eq!(edge, size, "round {round}: size {size} is inside a batch");
        let mut entries: Vec<Vec<u8>> = Vec::with_capacity(size as usize);
        log.for_each_entry(0, size, |_, e| entries.push(e.to_vec()))
            .unwrap();
        for (i, e) in entries.iter().enumerate() {
            assert_eq!(*e, common::entry(i as u64), "round {round}: entry {i}");
        }
        assert_eq!(log.root().0, common::mth(&entries), "round {round}: root");
        if acked > 0 {
            rounds_with_progress += 1;
        }
        eprintln!("round {round}: killed after {delay:?}, {acked} acknowledged, {size} present");
    }
    assert!(
        rounds_with_progress >= 20,
        "only {rounds_with_progress} rounds acknowledged anything"
    );
}
