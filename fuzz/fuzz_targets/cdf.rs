//! NIST SP 1500-100 results (JSON): `interchange::cdf::parse`, then `cdf::import` of every
//! source into the fixture tally of `tlog_fuzz::cdf`.
//!
//! Input: a mode byte. Mode 0 (and anything unlisted): the rest is the document. Mode 1: a
//! count byte, then that many structural mutations of the fixture's own export (delete,
//! replace, rename, retype a node, move a well-typed piece elsewhere ...), and a style byte
//! for how it is written.
//!
//! Properties: never a panic. Every error has a JSON path from `$` and a message. A report
//! that parses writes back (serde) to a document that parses to the same report. An import
//! gives forms sorted by station and contest, each once, for stations and contests of the
//! tally, with votes only for the contest's choices, valid ballots equal to the sum of the
//! votes, and no figure past 2^53 − 1. The untouched export imports back to the tally's own
//! numbers for every source.
#![no_main]

use interchange::cdf::{self, MAX_COUNT};
use libfuzzer_sys::fuzz_target;
use std::collections::BTreeMap;
use tlog_fuzz::Input;
use tlog_fuzz::cdf::{SOURCES, report, tally};

fuzz_target!(|data: &[u8]| {
    let mut input = Input(data);
    let (bytes, untouched) = match input.u8() {
        1 => {
            let mut doc = report().clone();
            let n = input.u8() % 5;
            for _ in 0..n {
                tlog_fuzz::json::mutate(&mut doc, &mut input);
            }
            let style = input.u8();
            // Style 1 duplicates a member: not the export any more.
            (
                tlog_fuzz::json::write(&doc, style),
                n == 0 && style % 16 != 1,
            )
        }
        _ => (input.rest().to_vec(), false),
    };
    let report = match cdf::parse(&bytes) {
        Ok(r) => r,
        Err(e) => {
            assert!(!untouched, "the export does not parse: {e}");
            check_error(&e);
            return;
        }
    };
    let again = serde_json::to_vec(&report).unwrap();
    assert_eq!(
        cdf::parse(&again).as_ref(),
        Ok(&report),
        "a parsed report writes back differently"
    );
    for source in SOURCES {
        match cdf::import(&report, tally(), source) {
            Ok(imported) => {
                check_import(&imported);
                if untouched {
                    assert_eq!(numbers(&imported), expected(source), "{source}");
                }
            }
            Err(e) => {
                assert!(
                    !untouched || expected(source).is_empty(),
                    "the export does not import ({source}): {e}"
                );
                check_error(&e);
            }
        }
    }
});

fn check_error(e: &cdf::CdfError) {
    assert!(e.path.starts_with('$'), "path {:?}: {e}", e.path);
    assert!(!e.message.trim().is_empty(), "{e}");
}

fn check_import(imported: &cdf::Imported) {
    let t = tally();
    assert!(!imported.forms.is_empty());
    for pair in imported.forms.windows(2) {
        assert!(
            (&pair[0].station, &pair[0].contest) < (&pair[1].station, &pair[1].contest),
            "forms out of order or twice"
        );
    }
    for f in &imported.forms {
        assert!(t.stations.iter().any(|s| s.code == f.station), "{f:?}");
        let contest = t
            .contests
            .iter()
            .find(|c| c.id == f.contest)
            .expect("contest");
        for choice in f.counts.votes.keys() {
            assert!(contest.choices.iter().any(|c| &c.id == choice), "{f:?}");
        }
        let sum: u64 = f.counts.votes.values().sum();
        assert_eq!(f.counts.valid, sum, "{f:?}");
        assert!(
            f.counts.valid <= MAX_COUNT && f.counts.invalid <= MAX_COUNT,
            "{f:?}"
        );
        assert!(f.path.starts_with('$'));
    }
}

type Numbers = BTreeMap<(String, String), (u64, u64, BTreeMap<String, u64>)>;

fn nonzero(votes: &BTreeMap<String, u64>) -> BTreeMap<String, u64> {
    votes
        .iter()
        .filter(|(_, v)| **v > 0)
        .map(|(k, v)| (k.clone(), *v))
        .collect()
}

fn numbers(imported: &cdf::Imported) -> Numbers {
    imported
        .forms
        .iter()
        .map(|f| {
            (
                (f.station.clone(), f.contest.clone()),
                (f.counts.valid, f.counts.invalid, nonzero(&f.counts.votes)),
            )
        })
        .collect()
}

fn expected(source: &str) -> Numbers {
    tally()
        .forms
        .iter()
        .filter(|f| f.source == source)
        .map(|f| {
            (
                (f.station.clone(), f.contest.clone()),
                (f.counts.valid, f.counts.invalid, nonzero(&f.counts.votes)),
            )
        })
        .collect()
}
