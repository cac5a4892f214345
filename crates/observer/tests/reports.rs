//! Checklists and incidents validated against the repository's forms, and observers'
//! checklists merged into a station's master record.

use std::collections::BTreeMap;

use observer::form::Schedule;
use observer::merge::{MergeError, Merged, merge};
use observer::report::{Channel, Location, Report, Severity};
use observer::{Checklist, Forms, Incident, Value};

const FILE: &str = include_str!("../../../forms/cambodia-observer.toml");

fn forms() -> Forms {
    Forms::parse(FILE, "cambodia-observer.toml").unwrap()
}

fn count(observer: &str, answers: &[(&str, u32)]) -> Checklist {
    let mut a: BTreeMap<String, Value> = answers
        .iter()
        .map(|(t, v)| (t.to_string(), Value::Integer(*v)))
        .collect();
    a.insert("DM".into(), Value::Select(1));
    Checklist {
        form: "CNT".into(),
        version: 1,
        observer: observer.into(),
        station: "12-03-0417".into(),
        schedule: Schedule::Count,
        serial: None,
        answers: a,
        comment: None,
    }
}

const GOOD: &[(&str, u32)] = &[
    ("DA", 600),
    ("DB", 600),
    ("DC", 450),
    ("DD", 5),
    ("DE", 145),
    ("DF", 440),
    ("DG", 10),
    ("DH", 250),
    ("DJ", 180),
    ("DK", 10),
];

fn problems(r: Result<Vec<observer::report::Flag>, Vec<observer::report::Problem>>) -> Vec<String> {
    r.unwrap_err().iter().map(ToString::to_string).collect()
}

#[test]
fn a_checklist_that_does_not_fit_its_form_has_one_line_per_problem() {
    let forms = forms();
    let cnt = forms.get("CNT").unwrap();
    let good = count("100234", GOOD);
    assert_eq!(good.validate(cnt, Channel::App), Ok(vec![]));

    let mut bad = good.clone();
    bad.answers.insert("DD".into(), Value::Integer(150));
    bad.answers.insert("DM".into(), Value::Integer(1));
    bad.answers
        .insert("DP".into(), Value::Photo("not a hash".into()));
    bad.answers
        .insert("DQ".into(), Value::Text("ជ".repeat(2001)));
    bad.answers.insert("ZZ".into(), Value::Integer(1));
    bad.answers.remove("DA");
    bad.version = 2;
    bad.schedule = Schedule::Closing;
    bad.station = " ".into();
    assert_eq!(
        problems(bad.validate(cnt, Channel::App)),
        [
            "version: the report answers version 2 of CNT, the definition is version 1",
            "station is missing",
            "schedule: CNT is filed at count, not closing",
            "unknown field ZZ in form CNT",
            "field DA is missing",
            "field DD: 150 is above the maximum 100",
            "field DM: expected a select answer",
            "field DP: not a SHA-256 hash (64 hex digits)",
            "field DQ: 2001 characters, more than 2000",
        ]
    );
    let opn = forms.get("OPN").unwrap();
    assert_eq!(
        problems(good.validate(opn, Channel::App))[0],
        "form: the report is for CNT, the definition is OPN"
    );
}

#[test]
fn quality_checks_flag_and_never_refuse() {
    let forms = forms();
    let cnt = forms.get("CNT").unwrap();
    let mut r = count("100234", GOOD);
    r.answers.insert("DE".into(), Value::Integer(150));
    r.answers.insert("DM".into(), Value::Select(3));
    let flags: Vec<String> = r
        .validate(cnt, Channel::App)
        .unwrap()
        .into_iter()
        .map(|f| f.check)
        .collect();
    assert_eq!(flags, ["reconciliation", "refusals"]);
    // A check over an unanswered field cannot tell, so it does not flag.
    r.answers.remove("DN");
    r.answers.insert("DM".into(), Value::Select(1));
    r.answers.remove("DK");
    let checks = observer::report::validate_answers(cnt, &r.answers, Channel::App);
    assert_eq!(problems(checks), ["field DK is missing"]);
    let opn = forms.get("OPN").unwrap();
    let only_flags = |answers: &[(&str, Value)]| -> Vec<String> {
        let a = answers
            .iter()
            .map(|(t, v)| (t.to_string(), v.clone()))
            .collect();
        observer::report::validate_answers(opn, &a, Channel::Sms)
            .unwrap()
            .into_iter()
            .map(|f| f.rule)
            .collect()
    };
    let base = [
        ("AA", Value::Integer(2)),
        ("AB", Value::Select(2)),
        ("AC", Value::Select(1)),
        ("AD", Value::Select(1)),
        ("AE", Value::Integer(2)),
    ];
    assert_eq!(only_flags(&base), ["AA >= 3", "AF required if AE > 0"]);
    let mut with_parties = base.to_vec();
    with_parties.push(("AF", Value::Multiselect(vec![1, 2])));
    with_parties[0].1 = Value::Integer(3);
    assert!(only_flags(&with_parties).is_empty());
}

#[test]
fn incidents_are_validated_against_their_categories() {
    let forms = forms();
    let inc = forms.get("INC").unwrap();
    let good = Incident {
        form: "INC".into(),
        version: 1,
        observer: "100234".into(),
        station: Some("12-03-0417".into()),
        category: 3,
        severity: Severity::High,
        text: "ទឹកខ្មៅលុបចេញដោយសាប៊ូ: ink came off with soap in front of the officials".into(),
        evidence: vec!["9f2c1e07b3d25f6e8c0a1b2c3d4e5f60718293a4b5c6d7e8f9012345c6d7e8f9".into()],
        location: Some(Location {
            latitude_e6: 11_556_400,
            longitude_e6: 104_928_200,
        }),
        answers: [
            ("EA".to_string(), Value::Integer(40)),
            ("EB".to_string(), Value::Select(1)),
        ]
        .into(),
    };
    assert_eq!(good.validate(inc), Ok(vec![]));
    let json = serde_json::to_string(&good).unwrap();
    assert_eq!(serde_json::from_str::<Incident>(&json).unwrap(), good);
    // Either kind as one value, tagged by kind.
    let report = Report::Incident(good.clone());
    let json = serde_json::to_string(&report).unwrap();
    assert!(
        json.starts_with(r#"{"kind":"incident","form":"INC""#),
        "{json}"
    );
    assert_eq!(serde_json::from_str::<Report>(&json).unwrap(), report);
    assert_eq!(report.validate(&forms, Channel::App), Ok(vec![]));
    let checklist = Report::Checklist(count("100234", GOOD));
    let back: Report = serde_json::from_str(&serde_json::to_string(&checklist).unwrap()).unwrap();
    assert_eq!(back, checklist);
    let mut elsewhere = good.clone();
    elsewhere.form = "ZZZ".into();
    assert_eq!(
        problems(Report::Incident(elsewhere).validate(&forms, Channel::App)),
        ["form: ZZZ is not a form of this definition"]
    );

    let mut bad = good.clone();
    bad.category = 9;
    bad.text = "  ".into();
    bad.evidence.push("9F2C".into());
    bad.location = Some(Location {
        latitude_e6: 91_000_000,
        longitude_e6: 104_928_200,
    });
    bad.answers.insert("EB".into(), Value::Select(3));
    assert_eq!(
        problems(bad.validate(inc)),
        [
            "category: 9 is not an option (1-7)",
            "text is missing",
            "evidence[1]: not a SHA-256 hash (64 hex digits)",
            "location.latitude_e6: 91000000 is not from -90000000 to 90000000",
            "field EB: 3 is not an option (1, 2)",
        ]
    );
    let cnt = forms.get("CNT").unwrap();
    assert_eq!(
        problems(count("1", GOOD).validate(inc, Channel::App))[..2],
        [
            "form: the report is for CNT, the definition is INC".to_string(),
            "form: INC is an incident form, not a checklist".to_string()
        ]
    );
    let mut as_checklist = good.clone();
    as_checklist.form = "CNT".into();
    assert!(
        problems(as_checklist.validate(cnt))
            .contains(&"form: CNT is a checklist, not an incident".to_string())
    );
}

#[test]
fn merged_checklists_flag_exactly_the_conflicting_fields() {
    let a = count("100234", GOOD);
    let mut b = count("100877", GOOD);
    // Disagreements on two figures, and on a multiselect only in order (no conflict).
    b.answers.insert("DC".into(), Value::Integer(451));
    b.answers.insert("DJ".into(), Value::Integer(181));
    // One observer left a field blank: not a conflict.
    b.answers.remove("DK");
    let mut a = a;
    a.answers.insert("DQ".into(), Value::Text("calm".into()));
    a.comment = Some("count started at 15:20".into());
    let master = merge(&[a.clone(), b.clone()]).unwrap();
    assert_eq!(master.conflicts, ["DC", "DJ"]);
    assert_eq!(master.observers, ["100234", "100877"]);
    assert_eq!(
        master.fields["DC"],
        Merged::Conflict {
            answers: [
                ("100234".to_string(), Value::Integer(450)),
                ("100877".to_string(), Value::Integer(451))
            ]
            .into()
        }
    );
    assert_eq!(
        master.fields["DK"],
        Merged::Agreed {
            value: Value::Integer(10),
            observers: vec!["100234".into()]
        }
    );
    assert_eq!(
        master.fields["DA"],
        Merged::Agreed {
            value: Value::Integer(600),
            observers: vec!["100234".into(), "100877".into()]
        }
    );
    assert_eq!(master.comments["100234"], "count started at 15:20");
    assert_eq!(
        master
            .fields
            .values()
            .filter(|m| matches!(m, Merged::Conflict { .. }))
            .count(),
        2
    );

    // Three observers at an opening: multiselects compare as sets.
    let opening = |observer: &str, parties: Vec<u32>, agents: u32| Checklist {
        form: "OPN".into(),
        version: 1,
        observer: observer.into(),
        station: "03-01-0102".into(),
        schedule: Schedule::Opening,
        serial: None,
        answers: [
            ("AA".to_string(), Value::Integer(5)),
            ("AE".to_string(), Value::Integer(agents)),
            ("AF".to_string(), Value::Multiselect(parties)),
        ]
        .into(),
        comment: None,
    };
    let m = merge(&[
        opening("1", vec![1, 2], 2),
        opening("2", vec![2, 1], 2),
        opening("3", vec![2, 1, 1], 3),
    ])
    .unwrap();
    assert_eq!(m.conflicts, ["AE"]);
    let m = merge(&[opening("1", vec![1, 2], 2), opening("2", vec![1, 3], 2)]).unwrap();
    assert_eq!(m.conflicts, ["AF"]);
    let m = merge(&[opening("1", vec![1, 2], 2)]).unwrap();
    assert!(m.conflicts.is_empty());

    // Checklists of different stations, points or forms, or one observer twice, are not merged.
    let mut elsewhere = b.clone();
    elsewhere.station = "12-03-0418".into();
    assert_eq!(
        merge(&[a.clone(), elsewhere]).unwrap_err().to_string(),
        "checklists of different stations (12-03-0417 and 12-03-0418) are not merged"
    );
    let mut later = b.clone();
    later.schedule = Schedule::Closing;
    assert_eq!(
        merge(&[a.clone(), later]).unwrap_err().to_string(),
        "checklists of different schedule points (count and closing) are not merged"
    );
    assert_eq!(
        merge(&[a.clone(), a.clone()]).unwrap_err(),
        MergeError::SameObserver {
            observer: "100234".into()
        }
    );
    assert_eq!(merge(&[]).unwrap_err(), MergeError::Nothing);
}
