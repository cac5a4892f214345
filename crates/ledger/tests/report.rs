//! `ledger::report`: the questions the command line asks of the state, answered from the fold's
//! tables, and the typed error whose text is what the caller shows.

mod common;

use common::*;
use ledger::event::*;
use ledger::report::{self, AreaPlace, Enrolled, Error};

#[test]
fn certification_adds_up_the_official_forms_in_effect_under_an_area() {
    let mut f = Fixture::new();
    let official = f.official.clone();
    for (station, a, b) in [("S-D11", 3, 1), ("S-D12", 2, 2), ("S-D21", 4, 0)] {
        f.sign(
            &official,
            Event::ResultForm(result_form(station, "official", a, b, 1)),
        )
        .unwrap();
    }
    // Staged, not in effect: left out until the commission approves it.
    f.governed_batch(
        Content::ResultForms,
        vec![Event::ResultForm(result_form("S-D22", "official", 9, 9, 9))],
    );

    let p1 = report::certification(f.election.conn(), "assembly", "P1").unwrap();
    assert_eq!((p1.valid, p1.invalid), (8, 2));
    assert_eq!(p1.totals["A"], 5);
    assert_eq!(p1.totals["B"], 3);
    let p2 = report::certification(f.election.conn(), "assembly", "P2").unwrap();
    assert_eq!((p2.valid, p2.invalid), (4, 1));
    let d12 = report::certification(f.election.conn(), "assembly", "D12").unwrap();
    assert_eq!((d12.valid, d12.area.as_str()), (4, "D12"));
    let none = report::certification(f.election.conn(), "senate", "P1").unwrap();
    assert_eq!((none.valid, none.totals.len()), (0, 0));
}

#[test]
fn areas_keys_and_settings_are_read_from_the_state() {
    let f = Fixture::new();
    let conn = f.election.conn();
    assert!(report::is_state(conn));
    assert_eq!(report::bulk_threshold(conn).unwrap(), 100);
    assert_eq!(
        report::area_place(conn, "D21").unwrap(),
        Some(AreaPlace {
            level: 1,
            parent: Some("P2".into()),
            proposal: None
        })
    );
    assert_eq!(report::area_place(conn, "D99").unwrap(), None);
    assert_eq!(
        report::enrolled(conn, "poll.official").unwrap(),
        Some(Enrolled {
            role: "polling_official".into(),
            party: None,
            organisation: None
        })
    );
    assert_eq!(
        report::enrolled(conn, "nec.a1").unwrap().map(|e| e.party),
        Some(Some("A".into()))
    );
    assert_eq!(report::enrolled(conn, "nobody").unwrap(), None);
    assert!(
        report::stations_where_sources_differ(conn, "official", "observer:X")
            .unwrap()
            .is_empty()
    );
}

#[test]
fn errors_say_what_is_wrong_in_one_line() {
    let f = Fixture::new();
    let conn = f.election.conn();
    let short = report::find_proposal(conn, "abc").unwrap_err();
    assert!(matches!(short, Error::ProposalPrefixTooShort { .. }));
    assert_eq!(
        short.to_string(),
        "\"abc\": give at least 8 digits of the proposal id"
    );
    assert_eq!(
        report::find_proposal(conn, "ffffffffff")
            .unwrap_err()
            .to_string(),
        "no proposal starts with ffffffffff"
    );

    // Not a state database: the SQLite message itself, and no state.
    let other = rusqlite::Connection::open_in_memory().unwrap();
    assert!(!report::is_state(&other));
    let e = report::election_name(&other).unwrap_err();
    assert!(matches!(e, Error::Sql(_)));
    assert_eq!(e.to_string(), "no such table: election");
    assert!(std::error::Error::source(&e).is_none());

    // A file that is not a state database: opened, then refused.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE t(x)")
        .unwrap();
    let e = report::open_state(&path).unwrap_err();
    assert!(matches!(e, Error::NotState { .. }), "{e}");
    assert_eq!(
        e.to_string(),
        format!("{} is not an election state database", path.display())
    );
    assert!(matches!(
        report::open_state(&dir.path().join("missing.db")),
        Err(Error::Sql(_))
    ));
}

#[test]
fn a_state_database_opens_read_only() {
    let f = Fixture::new();
    let conn = f.election.conn();
    let path = conn.path().unwrap().to_string();
    let opened = report::open_state(std::path::Path::new(&path)).unwrap();
    assert_eq!(report::election_name(&opened).unwrap(), "Test election");
    assert!(
        opened.execute_batch("DELETE FROM station").is_err(),
        "read-only"
    );
}
