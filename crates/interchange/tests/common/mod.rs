//! The tally the interchange tests export and import: two provinces of two districts, five
//! stations, a party-list contest and a candidate race. The fuzz crate's `cdf` fixture
//! (`fuzz/src/cdf.rs`) includes this file and builds on it, so both stay one.
#![allow(dead_code)]

use interchange::tally::{Area, Choice, Contest, ContestKind, Counts, Form, Party, Station, Tally};
use std::collections::BTreeMap;

pub fn counts(valid_votes: &[(&str, u64)], invalid: u64, registered: Option<u64>) -> Counts {
    let votes: BTreeMap<String, u64> = valid_votes
        .iter()
        .map(|(k, v)| (k.to_string(), *v))
        .collect();
    Counts {
        registered,
        ballots_received: None,
        ballots_issued: registered.map(|r| r - 1),
        spoiled: None,
        unused: None,
        valid: votes.values().sum(),
        invalid,
        votes,
    }
}

/// Two provinces of two districts; stations S1..S5 (S5 alone in D22, with no registered
/// count); a party-list contest with official forms everywhere and party A's copies at three
/// stations, one of them different; a candidate contest in D11 only.
pub fn tally() -> Tally {
    let area = |code: &str, level: usize, parent: Option<&str>| Area {
        code: code.into(),
        name: format!("Area {code}"),
        level,
        parent: parent.map(Into::into),
    };
    let station = |code: &str, area: &str, registered: Option<u64>| Station {
        code: code.into(),
        name: Some(format!("School {code}")),
        area: area.into(),
        registered,
    };
    let choice = |id: &str, party: Option<&str>| Choice {
        id: id.into(),
        name: format!("Choice {id}"),
        party: party.map(Into::into),
    };
    Tally {
        election: "Test election".into(),
        levels: vec!["province".into(), "district".into()],
        areas: vec![
            area("P1", 0, None),
            area("P2", 0, None),
            area("D11", 1, Some("P1")),
            area("D12", 1, Some("P1")),
            area("D21", 1, Some("P2")),
            area("D22", 1, Some("P2")),
        ],
        stations: vec![
            station("S1", "D11", Some(100)),
            station("S2", "D11", Some(80)),
            station("S3", "D12", Some(120)),
            station("S4", "D21", Some(90)),
            station("S5", "D22", None),
        ],
        parties: vec![
            Party {
                id: "A".into(),
                name: "Party A".into(),
            },
            Party {
                id: "B".into(),
                name: "Party B".into(),
            },
        ],
        contests: vec![
            Contest {
                id: "assembly".into(),
                name: "Assembly".into(),
                kind: ContestKind::PartyList,
                choices: vec![
                    choice("A", Some("A")),
                    choice("B", Some("B")),
                    choice("C", None),
                ],
                seats: 5,
                constituencies: vec!["P1".into(), "P2".into()],
            },
            Contest {
                id: "mayor".into(),
                name: "Mayor".into(),
                kind: ContestKind::Candidates,
                choices: vec![choice("ann", Some("A")), choice("bob", None)],
                seats: 1,
                constituencies: vec!["D11".into()],
            },
        ],
        forms: vec![
            form(
                "S1",
                "assembly",
                "official",
                counts(&[("A", 50), ("B", 30), ("C", 5)], 3, Some(100)),
            ),
            form(
                "S2",
                "assembly",
                "official",
                counts(&[("A", 20), ("B", 40)], 2, Some(80)),
            ),
            form(
                "S3",
                "assembly",
                "official",
                counts(&[("A", 60), ("B", 30), ("C", 10)], 4, Some(120)),
            ),
            form(
                "S4",
                "assembly",
                "official",
                counts(&[("A", 10), ("B", 70), ("C", 1)], 1, Some(90)),
            ),
            form(
                "S5",
                "assembly",
                "official",
                counts(&[("A", 7), ("B", 8), ("C", 0)], 0, None),
            ),
            form(
                "S1",
                "assembly",
                "party:A",
                counts(&[("A", 50), ("B", 30), ("C", 5)], 3, Some(100)),
            ),
            form(
                "S3",
                "assembly",
                "party:A",
                counts(&[("A", 70), ("B", 20), ("C", 10)], 4, Some(120)),
            ),
            form(
                "S4",
                "assembly",
                "party:A",
                counts(&[("A", 10), ("B", 70), ("C", 1)], 1, Some(90)),
            ),
            form(
                "S1",
                "mayor",
                "official",
                counts(&[("ann", 45), ("bob", 40)], 3, Some(100)),
            ),
            form(
                "S2",
                "mayor",
                "official",
                counts(&[("ann", 33), ("bob", 27)], 2, Some(80)),
            ),
        ],
        certified: vec![],
    }
}

/// A form of `source` for `contest` at `station`.
pub fn form(station: &str, contest: &str, source: &str, counts: Counts) -> Form {
    Form {
        station: station.into(),
        contest: contest.into(),
        source: source.into(),
        counts,
    }
}
