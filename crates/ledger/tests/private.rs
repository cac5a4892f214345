//! The private files of roll imports while other commands settle what stopped imports left.

mod common;

use common::*;
use ledger::private::{Resolution, resolve, write_before_submit};

/// Guards against: a command that opens the election (and so settles leftovers) while an
/// import writes its intent. It once took the lock of the import's fresh, empty intent before
/// the import did, removed it as a leftover, and the import failed with "pending-<batch>.json:
/// No such file or directory" (seen in CI as a refused concurrent import).
#[test]
fn an_import_writing_its_intent_is_never_undone_by_a_concurrent_resolve() {
    let f = Fixture::new();
    let private = f.dir.path().join("private");
    std::fs::create_dir_all(&private).unwrap();
    let done = std::sync::atomic::AtomicBool::new(false);
    let mut resolves = 0;
    let stolen = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        let writer = s.spawn(|| {
            let result = (0..1_500).try_for_each(|i| {
                let batch = format!("{i:032x}");
                let file = private.join(format!("roll-{batch}.jsonl"));
                let pending = write_before_submit(&private, &batch, &file, &[])?;
                pending.discard()
            });
            done.store(true, std::sync::atomic::Ordering::Release);
            result
        });
        // What resolve does to an intent still under its temporary name, aimed at the
        // writer's next one, so that the moment between its creation and its lock is met.
        s.spawn(|| {
            let mut i = 0;
            while !done.load(std::sync::atomic::Ordering::Acquire) {
                let tmp = private.join(format!("pending-{i:032x}.json.tmp"));
                let next = private.join(format!("pending-{:032x}.json.tmp", i + 1));
                if next.exists() {
                    i += 1;
                }
                if let Ok(file) = std::fs::File::open(&tmp)
                    && file.try_lock().is_ok()
                    && tmp.exists()
                {
                    let _ = std::fs::remove_file(&tmp);
                    stolen.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            }
        });
        while !done.load(std::sync::atomic::Ordering::Acquire) {
            for r in resolve(&f.election, &private).unwrap() {
                assert!(matches!(r, Resolution::InProgress { .. }), "{r}");
            }
            resolves += 1;
        }
        writer.join().unwrap().unwrap();
    });
    assert!(resolves > 0);
    eprintln!(
        "{resolves} resolves; {} fresh intents taken before their writer locked them",
        stolen.into_inner()
    );
    assert_eq!(std::fs::read_dir(&private).unwrap().count(), 0);
}
