//! The removals file that `scrutineer roll remove` reads (`import::read_removals`): CSV with a
//! voter, reason and evidence header, or JSON lines.
//!
//! Input: a byte that picks CSV or JSON lines, a byte that says whether an evidence file's hash
//! is given, then the file's bytes.
//!
//! Properties: never a panic. Every removal and every bad row names a line from 1 to the file's
//! last; a removal has a voter and a reason, and its evidence is the row's or the given one.
//! An error that stops the reading names the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tlog_fuzz::Input;

fuzz_target!(|data: &[u8]| {
    let mut input = Input(data);
    let jsonl = input.u8() & 1 == 1;
    let given = (input.u8() & 1 == 1).then(|| "ab".repeat(32));
    let bytes = input.rest();
    let name = if jsonl {
        "removals.jsonl"
    } else {
        "removals.csv"
    };
    let path = tlog_fuzz::scratch_dir().join(name);
    std::fs::write(&path, bytes).unwrap();
    let lines = bytes.iter().filter(|b| **b == b'\n').count() as u64 + 1;
    match import::read_removals(&path, given.as_deref()) {
        Ok(file) => {
            let (rows, bad) = (file.removals, file.bad);
            for (line, r) in &rows {
                assert!((1..=lines).contains(line), "line {line} of {lines}");
                assert!(!r.voter.trim().is_empty());
                assert!(r.voter == r.voter.trim());
            }
            for b in &bad {
                assert!((1..=lines).contains(&b.line), "line {} of {lines}", b.line);
                assert!(!b.reason.is_empty());
            }
            if given.is_some() {
                assert!(bad.iter().all(|b| b.field != "evidence"));
            }
        }
        Err(e) => {
            let message = e.to_string();
            assert!(message.contains(name), "{message}");
            assert!(!message.contains('\n'), "{message}");
        }
    }
});
