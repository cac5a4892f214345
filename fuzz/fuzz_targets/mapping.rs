//! Column-mapping files: `interchange::Mapping::parse`, then reading CSV through whatever
//! mapping was parsed.
//!
//! Input: the mapping text, then optionally a NUL byte and CSV bytes. Without CSV bytes, the
//! rows of every case in `tlog_fuzz::rows::CASES` of the same record kind are read through the
//! mapping (they have headers of many shapes), so that a fuzzed mapping meets real rows.
//!
//! Properties: never a panic; every error is a mapping error that names the mapping file, a
//! key and a message. A mapping that parses is consistent: a station-results mapping has at
//! least one source, distinct source names and choices, one vote column per choice in every
//! source, and no count both shared and per source; a station list has areas; a voter roll has
//! its voter columns; the CSV options are single bytes. Reading through it obeys every
//! property of the `csv_rows` target.
#![no_main]

use interchange::{Error, Mapping, RecordKind};
use libfuzzer_sys::fuzz_target;
use tlog_fuzz::rows::{CASES, check_csv, mappings};

fuzz_target!(|data: &[u8]| {
    let (text, csv) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], Some(&data[i + 1..])),
        None => (data, None),
    };
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    let mapping = match Mapping::parse(text, "fuzz.toml") {
        Ok(m) => m,
        Err(e) => {
            match &e {
                Error::Mapping { file, key, message } => {
                    assert_eq!(file.to_str(), Some("fuzz.toml"));
                    assert!(!key.is_empty(), "{e}");
                    assert!(!message.trim().is_empty(), "{e}");
                }
                other => panic!("not a mapping error: {other}"),
            }
            return;
        }
    };
    check_mapping(&mapping);
    match csv {
        Some(csv) => {
            check_csv(&mapping, csv, "data.csv");
        }
        None => {
            for (case, known) in CASES.iter().zip(mappings()) {
                if known.record == mapping.record {
                    check_csv(&mapping, case.csv, case.name);
                }
            }
        }
    }
});

fn check_mapping(m: &Mapping) {
    // A voter roll may have no station (a people file); every other kind names one.
    assert!(
        m.record == RecordKind::VoterRoll || !m.station.id.parts.is_empty(),
        "station.id names no column"
    );
    let mut levels: Vec<&str> = m.station.areas.iter().map(|a| a.level.as_str()).collect();
    levels.sort_unstable();
    levels.dedup();
    assert_eq!(levels.len(), m.station.areas.len(), "a level twice");
    for a in &m.station.areas {
        assert_eq!(a.column.parts.len(), 1);
    }
    match m.record {
        RecordKind::StationResults => {
            assert!(!m.sources.is_empty(), "no source");
            assert!(!m.choices.is_empty(), "no choice");
            for (i, c) in m.choices.iter().enumerate() {
                assert!(!m.choices[..i].contains(c), "choice {c:?} twice");
            }
            for (i, s) in m.sources.iter().enumerate() {
                assert!(m.sources[..i].iter().all(|t| t.name != s.name));
                assert_eq!(s.votes.len(), m.choices.len(), "votes of {}", s.name);
                for (f, _) in &s.counts {
                    assert!(
                        m.shared_counts.iter().all(|(g, _)| g != f),
                        "{f:?} shared and per source"
                    );
                }
            }
            assert!(m.voter.is_none());
        }
        RecordKind::Stations => {
            assert!(!m.station.areas.is_empty(), "a station list without areas");
            assert!(m.sources.is_empty() && m.voter.is_none());
        }
        RecordKind::VoterRoll => {
            let v = m.voter.as_ref().expect("a voter roll without [voter]");
            assert!(v.sex.as_ref().is_none_or(|s| s.parts.len() == 1));
            assert!(!v.id.parts.is_empty());
            assert!(v.name.is_some() || v.family.is_some() || v.given.is_some());
            assert!(m.sources.is_empty());
        }
    }
    for spec in [&m.station.name, &m.station.registered]
        .into_iter()
        .flatten()
    {
        assert!(!spec.parts.is_empty());
    }
}
