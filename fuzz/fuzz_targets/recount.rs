//! Recount files: `interchange::ballots::BallotMarksReader` (a ballot-polling audit's
//! `ballot,choice` rows) and `read_station_counts` (station-level counts under the default
//! header `station,<choice id>…`, or through a mapping whose choices are matched by name).
//!
//! Input: a mode byte, then the CSV bytes.
//! - mode 0 (and anything unlisted): ballot marks, read from memory, with a check of each
//!   ballot id that refuses station `X` and ballot numbers above 1,000;
//! - mode 1: station counts under the default header (with `ballots_cast` optional);
//! - mode 2: station counts through a mapping that lists the choices by name, in another
//!   order than the contest's.
//!
//! Properties: never a panic, never an endless read; every error names the file (or, for a
//! column the mapping names past the file's last, the mapping and its key) and has a message,
//! and a line from 1 to the file's last where it gives one. Ballot marks come in the
//! order of their lines, each a `STATION:N` id (N ≥ 1) that the check passed, with a choice of
//! the contest or none; the reading stops at the first error. Station counts have one vote
//! figure per choice of the contest, in the order of their lines.
#![no_main]

use interchange::ballots::{BallotMarksReader, Choice, Contest, read_station_counts};
use interchange::{CountField, Mapping};
use libfuzzer_sys::fuzz_target;
use std::path::Path;
use tlog_fuzz::Input;

fn contest() -> Contest {
    let choice = |id: &str, name: &str| Choice {
        id: id.into(),
        name: name.into(),
    };
    Contest {
        id: "house".into(),
        choices: vec![
            choice("A", "Party A"),
            choice("B", "Blue Party"),
            choice("C", " Candidate C "),
        ],
    }
}

const FILE: &str = "recount.csv";

/// Lines a reader may name: from 1 to the last line (one past a final line break).
fn lines(csv: &[u8]) -> u64 {
    csv.iter().filter(|&&b| b == b'\n').count() as u64 + 1
}

fn check_error(e: &interchange::Error, name: &str, csv: &[u8]) {
    let text = e.to_string();
    assert!(text.starts_with(name), "{text}");
    assert!(text.len() > name.len() + 2, "{text}");
    if let Some(line) = e.line() {
        assert!((1..=lines(csv)).contains(&line), "line {line}: {text}");
    }
}

fn ballot_marks(csv: &[u8]) {
    let contest = contest();
    let mut checked = Vec::new();
    let reader = match BallotMarksReader::from_reader(
        Box::new(std::io::Cursor::new(csv.to_vec())),
        FILE,
        &contest,
    ) {
        Ok(r) => r,
        Err(e) => return check_error(&e, FILE, csv),
    };
    let mut last = 0;
    let mut failed = false;
    let mut reader = reader.check_ballots(|station, number, ballot| {
        checked.push(ballot.to_string());
        assert_eq!(format!("{station}:{number}"), ballot);
        if station == "X" || number > 1000 {
            return Err(format!("ballot {ballot:?} is not in this audit"));
        }
        Ok(())
    });
    let mut marks = Vec::new();
    for row in reader.by_ref() {
        assert!(!failed, "a row after an error");
        match row {
            Ok(m) => {
                // Lines are counted by LF, as the csv crate counts them: a record ended by a
                // bare CR shares its line number with the next one.
                assert!(m.line >= last, "rows out of order: {} after {last}", m.line);
                last = m.line;
                assert!(m.number >= 1 && m.number <= 1000 && m.station != "X");
                assert_eq!(m.ballot, format!("{}:{}", m.station, m.number));
                assert!(m.choice.is_none_or(|c| c < contest.choices.len()));
                marks.push(m.ballot);
            }
            Err(e) => {
                check_error(&e, FILE, csv);
                failed = true;
            }
        }
    }
    assert!(reader.next().is_none());
    drop(reader);
    // Every mark read was checked first, in order.
    assert!(marks.iter().zip(&checked).all(|(m, c)| m == c));
}

fn station_counts(dir: &Path, csv: &[u8], mapped: bool) {
    let path = dir.join(FILE);
    std::fs::write(&path, csv).unwrap();
    let name = path.display().to_string();
    let mapping = Mapping::parse(
        "record = \"station-results\"\n[station]\nid = 0\n[contest]\nchoices = [\"candidate c\", \"BLUE PARTY\", \"a\"]\n[[source]]\nname = \"recount\"\nvotes = [1, 2, 3]\n",
        "recount.toml",
    )
    .unwrap();
    let contest = contest();
    let extra = [("ballots_cast", CountField::BallotsCast)];
    match read_station_counts(&path, &contest, mapped.then_some(&mapping), &extra) {
        Ok(rows) => {
            let mut last = 0;
            for r in rows {
                assert!(r.line > last, "rows out of order");
                last = r.line;
                assert_eq!(r.votes.len(), contest.choices.len());
                assert!(!r.station.is_empty());
                if mapped {
                    assert_eq!(r.counts.ballots_cast, None);
                }
            }
        }
        // The mapping's columns past the file's last: an error about the mapping's key.
        Err(e) if e.key().is_some() => {
            assert!(mapped, "{e}");
            assert!(e.to_string().starts_with("recount.toml: key `"), "{e}");
        }
        Err(e) => check_error(&e, &name, csv),
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input(data);
    let mode = input.u8();
    let csv = input.rest();
    match mode {
        1 | 2 => station_counts(tlog_fuzz::scratch_dir(), csv, mode == 2),
        _ => ballot_marks(csv),
    }
});
