//! The fixture of the `cdf` target: a small tally (two provinces of two districts, five
//! stations, a party-list contest and a candidate race, forms from three sources) and its
//! export as a NIST CDF report.

use interchange::cdf::{ExportOptions, export};
use interchange::tally::{Area, Choice, Contest, ContestKind, Counts, Form, Party, Station, Tally};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The sources the fixture has forms from, and one it has none from.
pub const SOURCES: &[&str] = &["official", "party:A", "observer:watch", "party:Z"];

fn counts(votes: &[(&str, u64)], invalid: u64) -> Counts {
    let votes: BTreeMap<String, u64> = votes.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    Counts {
        registered: Some(100),
        ballots_received: None,
        ballots_issued: Some(99),
        spoiled: None,
        unused: None,
        valid: votes.values().sum(),
        invalid,
        votes,
    }
}

pub fn tally() -> &'static Tally {
    static T: OnceLock<Tally> = OnceLock::new();
    T.get_or_init(|| {
        let area = |code: &str, level: usize, parent: Option<&str>| Area {
            code: code.into(),
            name: format!("Area {code}"),
            level,
            parent: parent.map(Into::into),
        };
        let station = |code: &str, area: &str, registered: Option<u64>| Station {
            code: code.into(),
            name: (code != "S5").then(|| format!("School {code}")),
            area: area.into(),
            registered,
        };
        let form = |station: &str, contest: &str, source: &str, c: Counts| Form {
            station: station.into(),
            contest: contest.into(),
            source: source.into(),
            counts: c,
        };
        let choice = |id: &str, party: Option<&str>| Choice {
            id: id.into(),
            name: format!("Choice {id}"),
            party: party.map(Into::into),
        };
        Tally {
            election: "Fuzz election".into(),
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
                    counts(&[("A", 50), ("B", 30), ("C", 5)], 3),
                ),
                form(
                    "S2",
                    "assembly",
                    "official",
                    counts(&[("A", 20), ("B", 40)], 2),
                ),
                form(
                    "S3",
                    "assembly",
                    "official",
                    counts(&[("A", 60), ("B", 30), ("C", 10)], 4),
                ),
                form(
                    "S4",
                    "assembly",
                    "official",
                    counts(&[("A", 10), ("B", 70), ("C", 1)], 1),
                ),
                form(
                    "S5",
                    "assembly",
                    "official",
                    counts(&[("A", 7), ("B", 8), ("C", 0)], 0),
                ),
                form(
                    "S1",
                    "assembly",
                    "party:A",
                    counts(&[("A", 50), ("B", 30), ("C", 5)], 3),
                ),
                form(
                    "S3",
                    "assembly",
                    "party:A",
                    counts(&[("A", 70), ("B", 20), ("C", 10)], 4),
                ),
                form(
                    "S4",
                    "assembly",
                    "observer:watch",
                    counts(&[("A", 11), ("B", 69)], 1),
                ),
                form(
                    "S1",
                    "mayor",
                    "official",
                    counts(&[("ann", 45), ("bob", 40)], 3),
                ),
                form(
                    "S2",
                    "mayor",
                    "official",
                    counts(&[("ann", 33), ("bob", 27)], 2),
                ),
                form("S2", "mayor", "party:A", counts(&[("ann", 35)], 0)),
            ],
            certified: vec![("mayor".into(), "D11".into())],
        }
    })
}

pub fn options() -> ExportOptions {
    ExportOptions::new(
        "2013-07-28",
        "2013-07-29T10:00:00Z",
        "Fuzz commission",
        "scrutineer fuzz",
    )
}

/// The fixture exported with every level and source, as JSON.
pub fn report() -> &'static serde_json::Value {
    static R: OnceLock<serde_json::Value> = OnceLock::new();
    R.get_or_init(|| serde_json::to_value(export(tally(), &options()).unwrap()).unwrap())
}
