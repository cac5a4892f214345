//! Observers in the log: form definitions recorded and versioned, checklists and incidents
//! recorded (what does not fit the form flagged, never refused), SMS recorded with the replies
//! the observer crate gives, two observers' checklists merged with exactly the conflicting
//! fields flagged, and replay giving the same state and lists.

mod common;

use common::*;
use ledger::event::*;
use ledger::report::observer::{self as seen, Report};
use ledger::report::{FlagFilter, flags};
use observer::report::{Answers, Severity, Value};
use tlog::note::PrivateKey;

const FORMS: &str = include_str!("../../../forms/cambodia-observer.toml");
const ORG: &str = "COMFREL";

/// Three phones, as the gateway's HMACs of their numbers.
const PHONES: [&str; 3] = [
    "3b1f0c9e5a7d2e4f6a8b0c1d2e3f405162738495a6b7c8d9e0f1a2b3c4d5e6f7",
    "a94c1e07b3d25f6e8c0a1b2c3d4e5f60718293a4b5c6d7e8f9012345c6d7e8f9",
    "0d2e4f6a8b9c1e3f5a7b9c0d2e4f6a8b0c1d3e5f7a9b1c3d5e7f9a0b2c4d6e8f",
];
/// A phone no gateway registered.
const STRANGER: &str = "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";

/// 2028-07-30T07:00:00Z.
const SEVEN: u64 = 1_848_553_200;

struct Observers {
    o1: PrivateKey,
    o2: PrivateKey,
    o3: PrivateKey,
    gateway: PrivateKey,
}

fn enrol_as(f: &mut Fixture, k: &PrivateKey, role: Role, org: &str) {
    let mut e = enrol(k, role, Scope::all());
    e.organisation = Some(org.into());
    let clerk = f.clerk.clone();
    f.sign(&clerk, Event::Enrol(e)).unwrap();
}

fn setup() -> (Fixture, Observers) {
    let mut f = Fixture::new();
    let o = Observers {
        o1: key("obs.one", 50),
        o2: key("obs.two", 51),
        o3: key("obs.three", 52),
        gateway: key("sms.gateway", 53),
    };
    for k in [&o.o1, &o.o2, &o.o3] {
        enrol_as(&mut f, k, Role::Observer, ORG);
    }
    enrol_as(&mut f, &o.gateway, Role::SmsGateway, ORG);
    f.sign(
        &o.o1,
        Event::ObserverForms(ObserverForms {
            file: "cambodia-observer.toml".into(),
            text: FORMS.into(),
        }),
    )
    .unwrap();
    (f, o)
}

fn answers(pairs: &[(&str, Value)]) -> Answers {
    pairs
        .iter()
        .map(|(t, v)| (t.to_string(), v.clone()))
        .collect()
}

fn opening(station: &str, pairs: &[(&str, Value)]) -> Event {
    Event::ObserverChecklist(ObserverChecklist {
        answers: answers(pairs),
        at: SEVEN,
        comment: None,
        form: "OPN".into(),
        schedule: observer::form::Schedule::Opening,
        serial: None,
        station: station.into(),
        version: 1,
    })
}

/// A clean opening checklist, with `changes` over it.
fn clean(changes: &[(&str, Value)]) -> Vec<(&'static str, Value)> {
    let mut a = vec![
        ("AA", Value::Integer(5)),
        ("AB", Value::Select(2)),
        ("AC", Value::Select(1)),
        ("AD", Value::Select(1)),
        ("AE", Value::Integer(2)),
        ("AF", Value::Multiselect(vec![1, 2])),
    ];
    for (t, v) in changes {
        a.iter_mut().find(|(tag, _)| tag == t).unwrap().1 = v.clone();
    }
    a
}

fn kinds_at(f: &Fixture, index: u64) -> Vec<String> {
    flags(f.election.conn(), &FlagFilter::default())
        .unwrap()
        .into_iter()
        .filter(|x| x.index == index)
        .map(|x| x.kind)
        .collect()
}

fn last(f: &Fixture) -> u64 {
    f.election.log().size() - 1
}

#[test]
fn forms_are_recorded_and_versioned_by_their_organisation() {
    let (mut f, o) = setup();
    let listed = seen::forms(f.election.conn()).unwrap();
    let names: Vec<(String, u32)> = listed
        .iter()
        .map(|x| (x.prefix.clone(), x.version))
        .collect();
    assert_eq!(
        names,
        [("CLS", 1), ("CNT", 1), ("INC", 1), ("MID", 1), ("OPN", 1)]
            .map(|(p, v)| (p.to_string(), v))
    );
    assert!(
        listed
            .iter()
            .all(|x| x.organisation == ORG && !x.superseded)
    );
    let define = |text: &str| {
        Event::ObserverForms(ObserverForms {
            file: "forms.toml".into(),
            text: text.into(),
        })
    };
    // The same file again adds nothing: refused as a duplicate.
    let err = f.sign(&o.o2, define(FORMS)).unwrap_err().to_string();
    assert!(err.contains("already recorded"), "{err}");
    // OPN changed under the same version: refused; under version 2: recorded beside version 1.
    let changed = FORMS.replacen("max = 9\n", "max = 12\n", 1);
    let err = f.sign(&o.o2, define(&changed)).unwrap_err().to_string();
    assert!(
        err.contains("version 1 of OPN is already recorded by COMFREL with a different definition"),
        "{err}"
    );
    let v2 = changed.replacen("version = 1", "version = 2", 1);
    f.sign(&o.o2, define(&v2)).unwrap();
    let listed = seen::forms(f.election.conn()).unwrap();
    let opn: Vec<(u32, bool)> = listed
        .iter()
        .filter(|x| x.prefix == "OPN")
        .map(|x| (x.version, x.superseded))
        .collect();
    assert_eq!(opn, [(1, true), (2, false)]);
    // A definition that does not read is refused by its file, line and key.
    let broken = FORMS.replacen("tag = \"AB\"", "tag = \"ab\"", 1);
    let err = f.sign(&o.o2, define(&broken)).unwrap_err().to_string();
    assert!(
        err.contains("body.text") && err.contains("forms.toml: line"),
        "{err}"
    );
    // Only an observer records forms.
    let err = f
        .sign(
            &o.gateway,
            define(&v2.replace("version = 2", "version = 3")),
        )
        .unwrap_err()
        .to_string();
    assert!(err.contains("this needs a observer"), "{err}");
    // A report of version 1 still reads against version 1: AA 12 is above its maximum 9.
    f.sign(
        &o.o1,
        opening("S-D11", &clean(&[("AA", Value::Integer(12))])),
    )
    .unwrap();
    assert_eq!(kinds_at(&f, last(&f)), ["observer_out_of_form"]);
    let mut v2_report = opening("S-D12", &clean(&[("AA", Value::Integer(12))]));
    if let Event::ObserverChecklist(c) = &mut v2_report {
        c.version = 2;
    }
    f.sign(&o.o1, v2_report).unwrap();
    assert!(kinds_at(&f, last(&f)).is_empty());
}

#[test]
fn signed_reports_are_recorded_and_what_does_not_fit_is_flagged_not_refused() {
    let (mut f, o) = setup();
    f.sign(&o.o1, opening("S-D11", &clean(&[]))).unwrap();
    assert!(kinds_at(&f, last(&f)).is_empty());
    // Out of range: recorded, flagged with the observer crate's words.
    f.sign(
        &o.o1,
        opening("S-D12", &clean(&[("AA", Value::Integer(12))])),
    )
    .unwrap();
    let out = flags(
        f.election.conn(),
        &FlagFilter {
            kind: Some("observer_out_of_form"),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].station.as_deref(), Some("S-D12"));
    assert_eq!(
        out[0].detail["reports"][0]["problems"],
        serde_json::json!(["field AA: 12 is above the maximum 9"])
    );
    // A failed quality check: recorded, flagged with the rule.
    f.sign(
        &o.o1,
        opening("S-D21", &clean(&[("AA", Value::Integer(2))])),
    )
    .unwrap();
    let idx = last(&f);
    assert_eq!(kinds_at(&f, idx), ["observer_quality_check"]);
    let q = flags(
        f.election.conn(),
        &FlagFilter {
            kind: Some("observer_quality_check"),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(q[0].detail["reports"][0]["checks"][0]["rule"], "AA >= 3");
    // A missing required answer and an unknown field: recorded, flagged.
    let mut missing = clean(&[]);
    missing.retain(|(t, _)| *t != "AC");
    missing.push(("ZZ", Value::Integer(1)));
    f.sign(&o.o1, opening("S-D22", &missing)).unwrap();
    let detail = &flags(f.election.conn(), &FlagFilter::default())
        .unwrap()
        .into_iter()
        .find(|x| x.index == last(&f))
        .unwrap()
        .detail;
    assert_eq!(
        detail["reports"][0]["problems"],
        serde_json::json!(["unknown field ZZ in form OPN", "field AC is missing"])
    );
    // An incident, with evidence and a place; one with a category the form lacks is flagged.
    let incident = |category| {
        Event::ObserverIncident(ObserverIncident {
            answers: Answers::new(),
            at: SEVEN + 3600,
            category,
            evidence: vec!["ab".repeat(32)],
            form: "INC".into(),
            location: Some(observer::report::Location {
                latitude_e6: 11_562_108,
                longitude_e6: 104_888_535,
            }),
            severity: Severity::High,
            station: Some("S-D11".into()),
            text: "Ink washed off with lime juice".into(),
            version: 1,
        })
    };
    f.sign(&o.o2, incident(3)).unwrap();
    assert!(kinds_at(&f, last(&f)).is_empty());
    f.sign(&o.o2, incident(42)).unwrap();
    assert_eq!(kinds_at(&f, last(&f)), ["observer_out_of_form"]);
    let reports = seen::reports(f.election.conn()).unwrap();
    assert_eq!(reports.len(), 6);
    assert!(reports.iter().all(|r| r.channel == "signed"));
    match &reports[4].report {
        Report::Incident(i) => {
            assert_eq!((i.category, i.severity), (3, Severity::High));
            assert_eq!(i.observer, "obs.two");
        }
        other => panic!("{other:?}"),
    }

    // Refused: the wrong role, a form version never recorded, a form of the other kind, an
    // unknown station, an entry that is not signed at all.
    let official = f.official.clone();
    let err = f
        .sign(&official, opening("S-D11", &clean(&[])))
        .unwrap_err()
        .to_string();
    assert!(err.contains("this needs a observer"), "{err}");
    let mut v3 = opening("S-D11", &clean(&[]));
    if let Event::ObserverChecklist(c) = &mut v3 {
        c.version = 3;
    }
    let err = f.sign(&o.o1, v3).unwrap_err().to_string();
    assert!(
        err.contains("body.version") && err.contains("no version 3"),
        "{err}"
    );
    let mut inc = opening("S-D11", &clean(&[]));
    if let Event::ObserverChecklist(c) = &mut inc {
        c.form = "INC".into();
    }
    let err = f.sign(&o.o1, inc).unwrap_err().to_string();
    assert!(err.contains("INC is an incident form"), "{err}");
    let err = f
        .sign(&o.o1, opening("S-NONE", &clean(&[])))
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown station"), "{err}");
    let mut unsigned = Entry::signed(opening("S-D11", &clean(&[])), &o.o1);
    unsigned.sig = Some("AAAA".into());
    let err = f.submit(vec![unsigned.to_bytes()]).unwrap_err().to_string();
    assert!(err.contains("sig"), "{err}");
    // A report that cannot be read at all: an answer that is not a value.
    let bad = r#"{"kind":"observer_checklist","body":{"answers":{"AA":5},"at":1,"form":"OPN","schedule":"opening","station":"S-D11","version":1}}"#;
    let (_, why) = sign_lines(bad, &o.o1).unwrap_err();
    assert!(why.contains("body.answers"), "{why}");
    assert_eq!(seen::reports(f.election.conn()).unwrap().len(), 6);
}

#[test]
fn two_observers_disagreeing_flag_exactly_the_conflicting_fields() {
    let (mut f, o) = setup();
    f.sign(&o.o1, opening("S-D11", &clean(&[]))).unwrap();
    // Agrees on everything (AF as a set, in another order), and adds a photo the first left
    // out: a blank does not disagree.
    let mut same = clean(&[("AF", Value::Multiselect(vec![2, 1]))]);
    same.push(("AG", Value::Photo("cd".repeat(32))));
    f.sign(&o.o2, opening("S-D11", &same)).unwrap();
    assert!(kinds_at(&f, last(&f)).is_empty());
    // Differs on AB and AE.
    f.sign(
        &o.o3,
        opening(
            "S-D11",
            &clean(&[("AB", Value::Select(3)), ("AE", Value::Integer(0))]),
        ),
    )
    .unwrap();
    let idx = last(&f);
    let conflict = flags(
        f.election.conn(),
        &FlagFilter {
            kind: Some("observer_conflict"),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(conflict.len(), 1);
    assert_eq!(conflict[0].index, idx);
    assert_eq!(conflict[0].station.as_deref(), Some("S-D11"));
    let report = &conflict[0].detail["reports"][0];
    assert_eq!(report["fields"], serde_json::json!(["AB", "AE"]));
    assert_eq!(report["with"], serde_json::json!(["obs.one", "obs.two"]));
    // The master record: the same two fields in conflict, the rest agreed.
    let merged = seen::merged(f.election.conn()).unwrap();
    assert_eq!(merged.len(), 1);
    let m = &merged[0].master;
    assert_eq!(m.station, "S-D11");
    assert_eq!(m.conflicts, ["AB", "AE"]);
    assert_eq!(m.observers, ["obs.one", "obs.three", "obs.two"]);
    // Another station, one observer: no master record.
    f.sign(&o.o1, opening("S-D12", &clean(&[]))).unwrap();
    assert_eq!(seen::merged(f.election.conn()).unwrap().len(), 1);
}

/// (minutes after 07:00, phone (3 is the stranger), text)
const MESSAGES: &[(u64, usize, &str)] = &[
    (0, 0, "OPN 100234 AA5AB2AC1AD1AE3AF12"),
    (1, 1, "opn.100235, aa5 ab2 ac1 ad1 ae3 af12"),
    (2, 2, "OPN 100236 AA5 AB2 AC1 AD1 AE0 @ all calm"),
    (3, 0, "0PN 1OO234 AA5AB2AC1AD1AE3AF12"),
    (4, 1, "OPN 100245 AA12AB2AC1AD1AE0"),
    (5, 2, "OPN 100250 AA5AB2AD1AE0"),
    (6, 0, "ZZ 100234 AA1"),
    (7, 1, "OPN 100256 AA5AB2AC1AD1AE0 all good"),
    (8, 2, "OPN 100243 AA2AB2AC1AD1AE0"),
    (9, 0, "OPN 100234 aa5 ab2 ac1 ad1 ae3 af12"),
    (10, 3, "OPN 100299 AA5AB2AC1AD1AE0"),
    (
        11,
        1,
        "CNT 100235 DA600DB600DC450DD5DE145DF440DG10DH250DJ180DK10DM1",
    ),
    (12, 1, "OPN 100235 AA5AB3AC1AD1AE3AF12"),
    (13, 0, ""),
    (14, 2, "MID 100236 BA25BB3BC1BD2"),
];

fn phone(i: usize) -> &'static str {
    if i == 3 { STRANGER } else { PHONES[i] }
}

#[test]
fn sms_are_recorded_with_the_observer_crates_replies_and_counted_as_checklists() {
    let (mut f, o) = setup();
    // The gateway registers the three phones; a registration for another organisation's
    // observer, or by an observer, is refused.
    for (i, k) in [&o.o1, &o.o2, &o.o3].iter().enumerate() {
        f.sign(
            &o.gateway,
            Event::SmsSender(SmsSender {
                observer: k.name().into(),
                sender: PHONES[i].into(),
                station: if i < 2 { "S-D11" } else { "S-D21" }.into(),
            }),
        )
        .unwrap();
    }
    let other = key("obs.other", 54);
    enrol_as(&mut f, &other, Role::Observer, "NICFEC");
    let err = f
        .sign(
            &o.gateway,
            Event::SmsSender(SmsSender {
                observer: "obs.other".into(),
                sender: STRANGER.into(),
                station: "S-D11".into(),
            }),
        )
        .unwrap_err()
        .to_string();
    assert!(err.contains("not of COMFREL"), "{err}");
    let err = f
        .sign(
            &o.o1,
            Event::SmsMessages(SmsMessages {
                channel: SmsChannel::Unsigned,
                messages: vec![],
            }),
        )
        .unwrap_err()
        .to_string();
    assert!(err.contains("sms gateway"), "{err}");

    let message = |(min, p, text): &(u64, usize, &str)| SmsMessage {
        received_at: SEVEN + min * 60,
        sender: phone(*p).into(),
        text: text.to_string(),
    };
    // Two entries, as a gateway syncs them.
    let (a, b) = MESSAGES.split_at(8);
    for part in [a, b] {
        f.sign(
            &o.gateway,
            Event::SmsMessages(SmsMessages {
                channel: SmsChannel::Unsigned,
                messages: part.iter().map(message).collect(),
            }),
        )
        .unwrap();
    }
    let recorded = seen::sms_messages(f.election.conn()).unwrap();
    assert_eq!(recorded.len(), MESSAGES.len());

    // The replies are the observer crate's for the same messages, received in this order,
    // except for the stranger, who is told the message was not counted.
    let file: String = MESSAGES
        .iter()
        .map(|(min, p, text)| {
            format!(
                "{},{},{text}\n",
                observer::messages::format_time((SEVEN + min * 60) as i64),
                phone(*p)
            )
        })
        .collect();
    let forms = observer::Forms::parse(FORMS, "cambodia-observer.toml").unwrap();
    let checked = observer::messages::check(&forms, file.as_bytes());
    let mut checked = checked.iter();
    for (r, m) in recorded.iter().zip(MESSAGES) {
        let expected = checked.next().unwrap().reply().unwrap();
        if m.1 == 3 {
            assert_eq!(r.status, "unknown_sender");
            assert!(r.reply.contains("not registered"), "{}", r.reply);
        } else {
            assert_eq!(r.reply, expected, "{}", m.2);
        }
    }
    let replies: Vec<(&str, &str)> = recorded
        .iter()
        .map(|r| (r.status.as_str(), r.reply.as_str()))
        .collect();
    assert_eq!(
        replies[..10],
        [
            ("accepted", "OK OPN 100234: 6 answers received. Thank you."),
            ("accepted", "OK OPN 100235: 6 answers received. Thank you."),
            ("accepted", "OK OPN 100236: 5 answers received. Thank you."),
            // Confusable characters read as the first message, but it is not the same text:
            // counted again (the merge takes the observer's latest).
            ("accepted", "OK OPN 100234: 6 answers received. Thank you."),
            (
                "refused",
                "Error in OPN 100245: field AA: 12 is above the maximum 9. Please correct and send again."
            ),
            (
                "refused",
                "Error in OPN 100250: field AC is missing. Please correct and send again."
            ),
            (
                "refused",
                "Error: unknown form prefix ZZ (forms: CLS, CNT, INC, MID, OPN). Please correct and send again."
            ),
            (
                "refused",
                "Error in OPN 100256: cannot read \"all good\" after AE0; put comments after @. Please correct and send again."
            ),
            (
                "flagged",
                "OK OPN 100243: 5 answers received, but please check: AA >= 3."
            ),
            (
                "repeat",
                "Already received at 2028-07-30 07:00:00 UTC; counted once."
            ),
        ]
    );

    // The accepted ones are checklists at their senders' stations, from the unsigned channel,
    // counted as signed ones are: the second entry's OPN from phone 1 differs from phone 0's
    // at S-D11 on AB, and is flagged so, as are the failed quality check and the stranger.
    let reports = seen::reports(f.election.conn()).unwrap();
    let got: Vec<(String, String, String)> = reports
        .iter()
        .map(|r| match &r.report {
            Report::Checklist(c) => (c.form.clone(), c.observer.clone(), c.station.clone()),
            Report::Incident(_) => panic!("no incident by SMS"),
        })
        .collect();
    let want = [
        ("OPN", "obs.one", "S-D11"),
        ("OPN", "obs.two", "S-D11"),
        ("OPN", "obs.three", "S-D21"),
        ("OPN", "obs.one", "S-D11"),
        ("OPN", "obs.three", "S-D21"),
        ("CNT", "obs.two", "S-D11"),
        ("OPN", "obs.two", "S-D11"),
        ("MID", "obs.three", "S-D21"),
    ]
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()));
    assert_eq!(got, want);
    assert!(reports.iter().all(|r| r.channel == "sms"));
    let second = last(&f);
    assert_eq!(
        kinds_at(&f, second),
        [
            "observer_conflict",
            "observer_quality_check",
            "sms_unknown_sender"
        ]
    );
    assert!(kinds_at(&f, second - 1).is_empty());
    let conflict = flags(
        f.election.conn(),
        &FlagFilter {
            kind: Some("observer_conflict"),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        conflict[0].detail["reports"][0]["fields"],
        serde_json::json!(["AB"])
    );
    // The entry holds messages from S-D11 and S-D21, but its conflicts are all at S-D11 (the
    // sender's registered station), so the flag names it and its area.
    assert_eq!(conflict[0].station.as_deref(), Some("S-D11"));
    assert!(conflict[0].area.is_some());
    assert_eq!(conflict[0].stations(), ["S-D11"]);
    let merged = seen::merged(f.election.conn()).unwrap();
    assert_eq!(merged.len(), 1);
    assert_eq!(merged[0].master.conflicts, ["AB"]);

    // Replay of the published log rebuilds the same state and the same lists.
    let before = (
        seen::sms_messages(f.election.conn()).unwrap(),
        seen::reports(f.election.conn()).unwrap(),
        seen::merged(f.election.conn()).unwrap(),
        flags(f.election.conn(), &FlagFilter::default()).unwrap(),
    );
    let r = f.replayed();
    assert!(r.refusals.is_empty(), "{:?}", r.refusals);
    assert_eq!(r.digest, f.election.digest().unwrap());
    let after = (
        seen::sms_messages(&r.state).unwrap(),
        seen::reports(&r.state).unwrap(),
        seen::merged(&r.state).unwrap(),
        flags(&r.state, &FlagFilter::default()).unwrap(),
    );
    assert_eq!(before, after);
}

#[test]
fn a_repeat_counts_again_after_twelve_hours() {
    let (mut f, o) = setup();
    f.sign(
        &o.gateway,
        Event::SmsSender(SmsSender {
            observer: o.o1.name().into(),
            sender: PHONES[0].into(),
            station: "S-D11".into(),
        }),
    )
    .unwrap();
    let text = "OPN 100234 AA5AB2AC1AD1AE3AF12";
    for at in [SEVEN, SEVEN + 12 * 3600 - 1, SEVEN + 12 * 3600] {
        f.sign(
            &o.gateway,
            Event::SmsMessages(SmsMessages {
                channel: SmsChannel::Unsigned,
                messages: vec![SmsMessage {
                    received_at: at,
                    sender: PHONES[0].into(),
                    text: text.into(),
                }],
            }),
        )
        .unwrap();
    }
    let status: Vec<String> = seen::sms_messages(f.election.conn())
        .unwrap()
        .into_iter()
        .map(|m| m.status)
        .collect();
    assert_eq!(status, ["accepted", "repeat", "accepted"]);
}

/// A signed report sent again (a phone re-sending what it queued while offline) is refused as a
/// duplicate naming the entry that holds it, so it counts once; the same answers at another
/// claimed time are a second report.
#[test]
fn a_report_sent_twice_is_recorded_once() {
    let (mut f, o) = setup();
    f.sign(&o.o1, opening("S-D11", &clean(&[]))).unwrap();
    let first = last(&f);
    let err = f
        .sign(&o.o1, opening("S-D11", &clean(&[])))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(&format!("duplicate of entry {first}")),
        "{err}"
    );
    assert_eq!(last(&f), first);
    // Another observer's identical checklist is theirs, not a duplicate.
    f.sign(&o.o2, opening("S-D11", &clean(&[]))).unwrap();
    let mut later = opening("S-D11", &clean(&[]));
    if let Event::ObserverChecklist(c) = &mut later {
        c.at += 60;
    }
    f.sign(&o.o1, later).unwrap();
    let incident = Event::ObserverIncident(ObserverIncident {
        answers: Answers::new(),
        at: SEVEN,
        category: 3,
        evidence: vec![],
        form: "INC".into(),
        location: None,
        severity: Severity::Medium,
        station: None,
        text: "Queue turned away at 07:00".into(),
        version: 1,
    });
    f.sign(&o.o1, incident.clone()).unwrap();
    let first = last(&f);
    let err = f.sign(&o.o1, incident).unwrap_err().to_string();
    assert!(
        err.contains(&format!("duplicate of entry {first}")),
        "{err}"
    );
    assert_eq!(seen::reports(f.election.conn()).unwrap().len(), 4);
}
