//! The synthetic observers recorded through intake: every planted conflict is flagged with
//! exactly its fields and is the merged record's conflicts, every out-of-range checklist is
//! flagged and nothing else is, the SMS counts are the truth's, and a replay of the published
//! log gives the same digest.

use ledger::Election;
use ledger::event::entry_id;
use ledger::report::observer::{merged, sms_messages};
use ledger::report::{FlagFilter, flags};
use std::collections::BTreeMap;
use synthetic::observers::Observers;
use synthetic::{Cambodia2013, Scale};
use tlog::{Log, LogMeta, SqliteStorage};

#[test]
fn the_planted_conflicts_and_out_of_form_reports_are_flagged_and_nothing_else() {
    let tmp = tempfile::tempdir().unwrap();
    let election = Cambodia2013::new(Scale { divisor: 2000 }, 7);
    let observers = Observers::new(&election, 7, 12);
    let meta = LogMeta {
        origin: synthetic::cambodia::ORIGIN.into(),
        vkey: election.keys.log.vkey().to_string(),
    };
    let log = Log::open(SqliteStorage::create(&tmp.path().join("log.db"), &meta).unwrap()).unwrap();
    let mut e = Election::create(log, &election.genesis_entry()).unwrap();
    let stations = election.stations_submission();
    let approvals = election.approvals(&entry_id(&stations[0]));
    let mut all = vec![stations, approvals, observers.enrolments(&election)];
    all.extend(observers.submissions());
    for (i, s) in all.iter().enumerate() {
        if let Err(err) = e.submit(s) {
            panic!("submission {i}: {err}");
        }
    }
    let conn = e.conn();
    let of = |kind| {
        flags(
            conn,
            &FlagFilter {
                kind: Some(kind),
                ..Default::default()
            },
        )
        .unwrap()
    };
    let mut conflicts = BTreeMap::new();
    for f in of("observer_conflict") {
        for r in f.detail["reports"].as_array().unwrap() {
            let fields: Vec<String> = serde_json::from_value(r["fields"].clone()).unwrap();
            conflicts.insert(r["station"].as_str().unwrap().to_string(), fields);
        }
    }
    let truth = &observers.truth;
    assert!(!truth.conflicts.is_empty());
    assert_eq!(conflicts, truth.conflicts);
    let merged: BTreeMap<String, Vec<String>> = merged(conn)
        .unwrap()
        .into_iter()
        .filter(|m| !m.master.conflicts.is_empty())
        .map(|m| (m.master.station, m.master.conflicts))
        .collect();
    assert_eq!(merged, truth.conflicts);
    let mut out: Vec<String> = of("observer_out_of_form")
        .into_iter()
        .map(|f| f.station.unwrap())
        .collect();
    out.sort();
    let mut want = truth.out_of_form.clone();
    want.sort();
    assert_eq!(out, want);
    assert!(of("observer_quality_check").is_empty());
    assert_eq!(of("sms_unknown_sender").len(), 1);
    let sms = sms_messages(conn).unwrap();
    let count = |s: &str| sms.iter().filter(|m| m.status == s).count() as u64;
    assert_eq!(
        [
            sms.len() as u64,
            count("accepted"),
            count("refused"),
            count("repeat"),
            count("unknown_sender")
        ],
        truth.sms
    );
    // Replay gives the operator's digest.
    let digest = e.digest().unwrap();
    let key = election.keys.log.clone();
    let note = e.sign_checkpoint(&key).unwrap();
    let out = tmp.path().join("public");
    tlog::publish::publish(e.log(), &note, &out, &mut |_, _| {}).unwrap();
    let policy = tlog::Policy::k_of_n(key.vkey(), vec![], 0).unwrap();
    let r = ledger::replay::replay(
        &tlog::verify::DirSource::new(&out),
        &policy,
        None,
        None,
        &mut |_, _| {},
    )
    .unwrap();
    assert!(r.refusals.is_empty());
    assert_eq!(r.digest, digest);
}
