//! A station's sync file that `scrutineer checkin` reads (`import::read_checkins`): CSV with an
//! id, at and presented header.
//!
//! Properties: never a panic. Every check-in names a line from 1 to the file's last, with a
//! well-formed id; every bad row names its line and column. An error names the file, on one
//! line.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let name = "sync.csv";
    let path = tlog_fuzz::scratch_dir().join(name);
    std::fs::write(&path, data).unwrap();
    let lines = data.iter().filter(|b| **b == b'\n').count() as u64 + 1;
    match import::read_checkins(&path) {
        Ok(rows) => {
            assert!(!rows.is_empty());
            for (line, c) in &rows {
                assert!((1..=lines).contains(line), "line {line} of {lines}");
                assert!(ledger::event::check_checkin_id(&c.id).is_ok());
            }
        }
        Err(import::Error::BadRows { bad, .. }) => {
            for b in &bad {
                assert!((1..=lines).contains(&b.line), "line {} of {lines}", b.line);
                assert!(["id", "at", "presented"].contains(&b.field.as_str()));
            }
        }
        Err(e) => {
            let message = e.to_string();
            assert!(message.contains(name), "{message}");
            assert!(!message.contains('\n'), "{message}");
        }
    }
});
