//! `Election::check`: a dry run that finds every refused entry of a submission, records
//! nothing, and agrees with intake; and the commitment to a voter's private fields.

mod common;

use common::*;
use ledger::SubmitError;
use ledger::event::*;
use std::collections::BTreeMap;

fn form(station: &str, valid: u64, invalid: u64, issued: Option<u64>) -> Event {
    let mut votes = BTreeMap::new();
    votes.insert("A".to_string(), valid / 2);
    votes.insert("B".to_string(), valid - valid / 2);
    Event::ResultForm(ResultForm {
        ballots_issued: issued,
        ballots_received: None,
        contest: "assembly".into(),
        invalid,
        photos: vec![],
        registered: Some(5),
        source: "official".into(),
        spoiled: None,
        station: station.into(),
        time: None,
        unused: None,
        valid,
        votes,
    })
}

#[test]
fn check_lists_every_refused_batch_entry_and_records_nothing() {
    let mut f = Fixture::new();
    let events = vec![
        form("S-D11", 4, 1, Some(5)),
        form("S-D12", 5, 1, Some(5)), // 6 counted, 5 issued: flagged, not refused
        form("S-NOWHERE", 2, 0, None),
        form("S-D21", 3, 0, None),
        form("S-D11", 1, 0, None), // the same station twice
    ];
    let entries = build_batch(&f.clerk.clone(), Content::ResultForms, events.clone(), None);
    let size = f.election.log().size();
    let digest = f.election.digest().unwrap();

    let refusals = f.election.check(&entries, &mut |_, _| {}).unwrap();
    let found: Vec<(usize, &str)> = refusals
        .iter()
        .map(|(p, r)| (*p, r.path.as_str()))
        .collect();
    assert_eq!(found, [(3, "body.station"), (5, "body")], "{refusals:?}");
    assert!(refusals[1].1.message.contains("already has"));
    assert_eq!(f.election.log().size(), size);
    assert_eq!(f.election.digest().unwrap(), digest);

    // Intake refuses the same submission at the first of them, and records nothing either.
    match f.election.submit(&entries) {
        Err(SubmitError::Refused { position, .. }) => assert_eq!(position, 3),
        other => panic!("{other:?}"),
    }
    assert_eq!(f.election.log().size(), size);

    // Without the refused entries the check is clean and intake takes the batch.
    let good: Vec<Event> = [0, 1, 3].iter().map(|&i| events[i].clone()).collect();
    let entries = build_batch(&f.clerk.clone(), Content::ResultForms, good, None);
    assert!(
        f.election
            .check(&entries, &mut |_, _| {})
            .unwrap()
            .is_empty()
    );
    f.election.submit(&entries).unwrap();
    assert_eq!(f.election.log().size(), size + 4);
    let flagged = ledger::report::flagged_forms(f.election.conn()).unwrap();
    assert_eq!(flagged.len(), 1);
    assert_eq!(flagged[0].station, "S-D12");
    assert_eq!(
        flagged[0].kinds,
        ["counted_over_issued", "counted_over_registered"]
    );

    // The operator's state is what replay rebuilds: checking left no trace.
    let (replayed, operator, refused) = f.replay();
    assert_eq!((replayed, refused), (operator, 0));
}

#[test]
fn check_reports_a_refused_manifest_alone() {
    let mut f = Fixture::new();
    // A registration officer may not file official result forms.
    let entries = build_batch(
        &f.officer.clone(),
        Content::ResultForms,
        vec![form("S-D11", 4, 1, None), form("S-D12", 4, 1, None)],
        None,
    );
    let refusals = f.election.check(&entries, &mut |_, _| {}).unwrap();
    assert_eq!(refusals.len(), 1, "{refusals:?}");
    assert_eq!((refusals[0].0, refusals[0].1.path.as_str()), (0, "author"));
}

#[test]
fn a_governed_stations_batch_brings_its_areas_into_effect() {
    let mut f = Fixture::new();
    let events = vec![
        area("P3", "province", None),
        area("D31", "district", Some("P3")),
        Event::Station(Station {
            area: "D31".into(),
            code: "S-D31".into(),
            name: None,
            registered: Some(9),
        }),
    ];
    let p = f.governed_batch(Content::Stations, events);
    f.approve(&p, &[0, 1, 4, 5, 8]);
    assert_eq!(f.status(&p), "applied");
    let pending: i64 = f
        .election
        .conn()
        .query_row(
            "SELECT count(*) FROM area WHERE proposal IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(pending, 0, "the batch's areas took effect with it");
    let roll = ledger::report::roll_by_area(f.election.conn()).unwrap();
    let p3 = roll
        .iter()
        .find(|r| r.area == "P3")
        .expect("P3 is in effect");
    assert_eq!((p3.stations, p3.registered), (1, 9));
    let (replayed, operator, refused) = f.replay();
    assert_eq!((replayed, refused), (operator, 0));
}

#[test]
fn the_commitment_is_sha256_of_salt_and_canonical_fields() {
    let mut fields = BTreeMap::new();
    fields.insert("id_number".to_string(), "K123".to_string());
    fields.insert("date_of_birth".to_string(), "1961-04-12".to_string());
    let salt = [7u8; 32];
    // Independently: SHA-256 over the salt and the sorted, spaceless JSON object.
    let mut bytes = salt.to_vec();
    bytes.extend_from_slice(br#"{"date_of_birth":"1961-04-12","id_number":"K123"}"#);
    use base64::prelude::*;
    use sha2::Digest;
    let want = BASE64_STANDARD.encode(sha2::Sha256::digest(&bytes));
    assert_eq!(commitment(&salt, &fields), want);
    // Another salt, another commitment: a guess cannot be checked without the salt.
    assert_ne!(commitment(&[8u8; 32], &fields), want);
}
