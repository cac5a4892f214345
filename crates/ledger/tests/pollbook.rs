//! The poll book's rules in the fold: what is refused (not authentic, not authorised, not well
//! formed) and what is recorded and raised as an alert instead.

mod common;

use common::*;
use ledger::event::*;
use ledger::report::pollbook::{checkin_alerts, checkins_by_station, pseudonym_station};

const SECRET: &[u8] = b"the commission's secret";

fn p(voter: &str) -> String {
    pseudonym(SECRET, voter)
}

fn lists(f: &mut Fixture) {
    // V000..V009 sit at S-D11, S-D12, S-D21, S-D22 in turn.
    let stations = ["S-D11", "S-D12", "S-D21", "S-D22"];
    let events = stations
        .iter()
        .enumerate()
        .map(|(s, code)| {
            Event::Pseudonyms(Pseudonyms {
                pseudonyms: (0..10)
                    .filter(|i| i % 4 == s)
                    .map(|i| p(&format!("V{i:03}")))
                    .collect(),
                station: code.to_string(),
            })
        })
        .collect();
    let proposal = f.governed_batch(Content::Pseudonyms, events);
    f.approve(&proposal, &[0, 1, 4, 5, 8]);
}

fn checkins(station: &str, rows: &[(&str, u64, Presented)]) -> Event {
    Event::Checkins(Checkins {
        checkins: rows
            .iter()
            .map(|(id, at, presented)| CheckIn {
                id: id.to_string(),
                at: *at,
                presented: presented.clone(),
            })
            .collect(),
        station: station.into(),
    })
}

fn voter(v: &str) -> Presented {
    Presented::Pseudonym(p(v))
}

fn card(station: &str, number: &str, at: u64) -> Event {
    Event::TemporaryCard(TemporaryCard {
        at,
        basis: CardBasis::TwoWitnesses,
        card: number.into(),
        evidence: "ab".repeat(32),
        registrant: None,
        station: station.into(),
        voter: Some("V001".into()),
    })
}

fn kinds(f: &Fixture) -> Vec<String> {
    checkin_alerts(f.election.conn())
        .unwrap()
        .into_iter()
        .map(|a| a.kind)
        .collect()
}

#[test]
fn the_lists_are_governed_and_anyone_can_check_a_pseudonym() {
    let mut f = Fixture::new();
    let list = Event::Pseudonyms(Pseudonyms {
        pseudonyms: vec![p("V000")],
        station: "S-D11".into(),
    });
    let clerk = f.clerk.clone();
    let err = f.sign(&clerk, list.clone()).unwrap_err().to_string();
    assert!(err.contains("commission's approval"), "{err}");
    let err = f
        .submit(build_batch(&clerk, Content::Pseudonyms, vec![list], None))
        .unwrap_err()
        .to_string();
    assert!(err.contains("propose the batch"), "{err}");
    lists(&mut f);
    let conn = f.election.conn();
    assert_eq!(
        pseudonym_station(conn, &p("V004")).unwrap().as_deref(),
        Some("S-D11")
    );
    assert_eq!(pseudonym_station(conn, &p("V999")).unwrap(), None);
    // The secret is nowhere in the log.
    let mut seen = false;
    let size = f.election.log().size();
    f.election
        .log()
        .for_each_entry(0, size, |_, e| {
            seen |= e.windows(SECRET.len()).any(|w| w == SECRET);
        })
        .unwrap();
    assert!(!seen);
}

#[test]
fn check_ins_are_refused_only_when_unauthorised_or_malformed() {
    let mut f = Fixture::new();
    lists(&mut f);
    let (officer, official) = (f.officer.clone(), f.official.clone());
    let one = checkins("S-D11", &[("1", 100, voter("V000"))]);
    let err = f.sign(&officer, one.clone()).unwrap_err().to_string();
    assert!(err.contains("polling official"), "{err}");
    let err = f
        .sign(&official, checkins("S-NONE", &[("1", 100, voter("V000"))]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown station"), "{err}");
    // A pseudonym that is not 64 hex digits is malformed: refused with its JSON path.
    let bad = r#"{"kind":"checkins","body":{"checkins":[["1",100,"ABC"]],"station":"S-D11"}}"#;
    let (line, why) = sign_lines(bad, &official).unwrap_err();
    assert_eq!(line, 1);
    assert!(why.contains("body.checkins[0]"), "{why}");
    // A station outside the official's areas.
    let scoped = key("poll.d21", 40);
    let mut e = enrol(
        &scoped,
        Role::PollingOfficial,
        Scope::Areas(vec!["D21".into()]),
    );
    e.person = None;
    let proposal = f.propose(&f.clerk.clone(), Action::Enrol(e)).unwrap();
    f.approve(&proposal, &[0, 1, 4, 5, 8]);
    let err = f.sign(&scoped, one).unwrap_err().to_string();
    assert!(err.contains("outside the areas"), "{err}");
    assert!(kinds(&f).is_empty());
}

#[test]
fn second_check_ins_and_misused_cards_are_recorded_and_flagged() {
    let mut f = Fixture::new();
    lists(&mut f);
    let (officer, official) = (f.officer.clone(), f.official.clone());
    f.sign(&officer, card("S-D12", "TC-1", 1_000)).unwrap();
    let day = checkins(
        "S-D11",
        &[
            ("1", 100, voter("V000")),
            ("2", 110, voter("V004")),
            ("3", 120, voter("V001")),
            ("4", 130, Presented::Card("TC-1".into())),
            ("5", 140, Presented::Card("TC-404".into())),
        ],
    );
    f.sign(&official, day.clone()).unwrap();
    // Sent again unchanged, alone: counted once, nothing raised.
    let before = kinds(&f);
    f.sign(&official, day).unwrap();
    assert_eq!(kinds(&f), before);
    assert_eq!(
        before,
        ["not_on_list", "card_wrong_station", "unknown_card"]
    );
    // At another station, the same voter and the same card; and an id sent again changed.
    f.sign(
        &official,
        checkins(
            "S-D12",
            &[
                ("1", 200, voter("V000")),
                ("2", 210, Presented::Card("TC-1".into())),
            ],
        ),
    )
    .unwrap();
    f.sign(&official, checkins("S-D11", &[("2", 999, voter("V004"))]))
        .unwrap();
    let alerts = checkin_alerts(f.election.conn()).unwrap();
    let last: Vec<&str> = alerts[3..].iter().map(|a| a.kind.as_str()).collect();
    assert_eq!(
        last,
        [
            "double_checkin",
            "not_on_list",
            "card_reused",
            "conflicting_checkin"
        ]
    );
    let double = &alerts[3];
    let first = double.earlier.as_ref().unwrap();
    assert_eq!(
        (first.station.as_str(), first.checkin.as_str()),
        ("S-D11", "1")
    );
    assert_eq!(
        (double.station.as_str(), double.at, first.at),
        ("S-D12", 200, 100)
    );
    assert!(first.index < double.index);
    let counts: Vec<(String, u64)> = checkins_by_station(f.election.conn())
        .unwrap()
        .into_iter()
        .map(|s| (s.station, s.checkins))
        .collect();
    assert_eq!(counts, [("S-D11".to_string(), 5), ("S-D12".to_string(), 2)]);
}

#[test]
fn cards_above_the_daily_threshold_need_the_commissions_approval() {
    let mut f = Fixture::new();
    let (officer, official) = (f.officer.clone(), f.official.clone());
    let day = 20_000 * 86_400;
    // The default threshold of the genesis: that many on one day are fine, one more is flagged.
    let direct: Vec<Event> = (0..=DEFAULT_CARD_THRESHOLD)
        .map(|i| card("S-D11", &format!("D-{i}"), day + i))
        .collect();
    f.submit(build_batch(&officer, Content::TemporaryCards, direct, None))
        .unwrap();
    assert_eq!(kinds(&f), ["card_over_threshold"]);
    // Through a governed batch: staged until approved, and then not above any threshold.
    let governed = build_batch(
        &officer,
        Content::TemporaryCards,
        vec![card("S-D11", "G-1", day + 500)],
        Some(("after the flood".into(), vec![])),
    );
    let proposal = f.submit(governed).unwrap()[0]
        .proposal()
        .unwrap()
        .to_string();
    let over = format!("D-{DEFAULT_CARD_THRESHOLD}");
    f.sign(
        &official,
        checkins(
            "S-D11",
            &[
                ("1", day + 1_000, Presented::Card("D-0".into())),
                ("2", day + 1_001, Presented::Card(over)),
                ("3", day + 1_002, Presented::Card("G-1".into())),
            ],
        ),
    )
    .unwrap();
    f.approve(&proposal, &[0, 1, 4, 5, 8]);
    f.sign(
        &official,
        checkins(
            "S-D11",
            &[("4", day + 2_000, Presented::Card("G-2".into()))],
        ),
    )
    .unwrap();
    assert_eq!(
        kinds(&f),
        [
            "card_over_threshold",
            "card_unapproved",
            "card_unapproved",
            "unknown_card"
        ]
    );
    let officers = ledger::report::pollbook::cards_by_officer(f.election.conn()).unwrap();
    assert_eq!(officers.len(), 1);
    let o = &officers[0];
    assert_eq!(
        (o.issued, o.without_document, o.over_threshold, o.approved),
        (DEFAULT_CARD_THRESHOLD + 2, DEFAULT_CARD_THRESHOLD + 2, 1, 1)
    );
}

#[test]
fn a_reopened_state_keeps_detecting_double_check_ins_across_stations() {
    let mut f = Fixture::new();
    lists(&mut f);
    let official = f.official.clone();
    f.sign(&official, checkins("S-D11", &[("1", 100, voter("V000"))]))
        .unwrap();
    f.sign(&official, checkins("S-D99", &[("1", 105, voter("V777"))]))
        .unwrap_err();
    f.sign(&official, checkins("S-D12", &[("1", 106, voter("V777"))]))
        .unwrap();
    let digest = f.election.digest().unwrap();
    // The operator restarts: the state is read back from the database alone.
    let path = f.dir.path().join("log.db");
    let reopened = |f: &mut Fixture| {
        let log = tlog::Log::open(tlog::SqliteStorage::open(&path).unwrap()).unwrap();
        f.election = ledger::Election::open(log).unwrap();
    };
    reopened(&mut f);
    assert_eq!(f.election.digest().unwrap(), digest);
    // The voter of S-D11 votes again at S-D12, and the one off every list votes again at S-D21.
    f.sign(
        &official,
        checkins(
            "S-D12",
            &[("2", 200, voter("V000")), ("3", 210, voter("V777"))],
        ),
    )
    .unwrap();
    let alerts = checkin_alerts(f.election.conn()).unwrap();
    let kinds: Vec<&str> = alerts.iter().map(|a| a.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "not_on_list",
            "double_checkin",
            "not_on_list",
            "double_checkin",
            "not_on_list"
        ]
    );
    let first = alerts[1].earlier.as_ref().unwrap();
    assert_eq!(
        (first.station.as_str(), first.checkin.as_str(), first.at),
        ("S-D11", "1", 100)
    );
    let first = alerts[3].earlier.as_ref().unwrap();
    assert_eq!(
        (first.station.as_str(), first.checkin.as_str(), first.at),
        ("S-D12", "1", 106)
    );
    // And once more after a second restart: the first check-ins stay the first.
    reopened(&mut f);
    f.sign(&official, checkins("S-D21", &[("1", 300, voter("V000"))]))
        .unwrap();
    let alerts = checkin_alerts(f.election.conn()).unwrap();
    let last = alerts.last().unwrap();
    assert_eq!(last.kind, "not_on_list");
    let double = &alerts[alerts.len() - 2];
    assert_eq!(double.kind, "double_checkin");
    assert_eq!(double.earlier.as_ref().unwrap().station, "S-D11");
    // Replay of the published log gives the operator's state.
    let (replayed, operator, refused) = f.replay();
    assert_eq!((replayed, refused), (operator, 0));
}

#[test]
fn a_pending_list_is_not_in_effect_and_a_rejected_one_leaves_nothing() {
    let mut f = Fixture::new();
    lists(&mut f);
    let official = f.official.clone();
    let list = |voters: &[&str]| {
        vec![Event::Pseudonyms(Pseudonyms {
            pseudonyms: voters.iter().map(|v| p(v)).collect(),
            station: "S-D21".into(),
        })]
    };
    // A pseudonym on a list in effect cannot be listed again, pending or not.
    let clerk = f.clerk.clone();
    let twice = build_batch(
        &clerk,
        Content::Pseudonyms,
        list(&["V100", "V000"]),
        Some(("again".into(), vec![])),
    );
    let err = f.submit(twice).unwrap_err().to_string();
    assert!(err.contains("already on a station's list"), "{err}");
    let pending = f.governed_batch(Content::Pseudonyms, list(&["V100", "V101"]));
    let conn = f.election.conn();
    assert_eq!(pseudonym_station(conn, &p("V100")).unwrap(), None);
    assert_eq!(
        ledger::report::pollbook::station_lists(conn)
            .unwrap()
            .get("S-D21"),
        Some(&2)
    );
    f.sign(&official, checkins("S-D21", &[("1", 100, voter("V100"))]))
        .unwrap();
    assert_eq!(kinds(&f), ["not_on_list"]);
    for i in [0usize, 1, 2, 3, 4] {
        let m = f.members[i].clone();
        f.sign(
            &m,
            Event::Rejection(Rejection {
                proposal: pending.clone(),
                reason: "not the frozen roll".into(),
            }),
        )
        .unwrap();
    }
    assert_eq!(f.status(&pending), "rejected");
    // Rejected: its pseudonyms are on no list, and may be listed again.
    let again = f.governed_batch(Content::Pseudonyms, list(&["V101", "V100"]));
    f.approve(&again, &[0, 1, 4, 5, 8]);
    let conn = f.election.conn();
    assert_eq!(
        pseudonym_station(conn, &p("V100")).unwrap().as_deref(),
        Some("S-D21")
    );
    assert_eq!(
        ledger::report::pollbook::station_lists(conn)
            .unwrap()
            .get("S-D21"),
        Some(&4)
    );
    // Checked in off the list before, on the list now: the second check-in is a double vote.
    f.sign(&official, checkins("S-D21", &[("2", 200, voter("V100"))]))
        .unwrap();
    assert_eq!(kinds(&f), ["not_on_list", "double_checkin"]);
    let (replayed, operator, refused) = f.replay();
    assert_eq!((replayed, refused), (operator, 0));
}

/// A replay keeps the lists and first check-ins in memory until the fold is done: a batch of
/// check-ins refused part-way (in a log whose operator skipped intake's checks) must leave no
/// first check-in there either, or the voter's real check-in later would be taken for a second.
#[test]
fn a_refused_sync_in_replay_leaves_no_first_check_in() {
    let mut f = Fixture::new();
    lists(&mut f);
    // V004 is on S-D11's list; the batch's second sync is empty, so the batch is refused.
    let mut extra = build_batch(
        &f.official,
        Content::Checkins,
        vec![
            checkins("S-D11", &[("10", 100, voter("V004"))]),
            checkins("S-D11", &[]),
        ],
        None,
    );
    extra.extend(build_batch(
        &f.official,
        Content::Checkins,
        vec![checkins("S-D11", &[("11", 200, voter("V004"))])],
        None,
    ));
    let forged = f.forged(extra);
    let size = forged.size;
    let replay = forged.replay(None);
    assert_eq!(replay.refusals.len(), 1, "{:?}", replay.refusals);
    assert_eq!(replay.refusals[0].index, size + 2);
    assert_eq!(checkin_alerts(&replay.state).unwrap(), []);
    let first: (String, String, i64) = replay
        .state
        .query_row(
            "SELECT first_station, first_checkin, first_at FROM pseudonym WHERE pseudonym = unhex(?1)",
            [p("V004")],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(first, ("S-D11".into(), "11".into(), 200));
    let counted: Vec<(String, u64)> = checkins_by_station(&replay.state)
        .unwrap()
        .into_iter()
        .map(|s| (s.station, s.checkins))
        .collect();
    assert_eq!(counted, [("S-D11".to_string(), 1)]);
}
