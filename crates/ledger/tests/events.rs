//! Entries: canonical form agrees with RFC 8785 as implemented by serde_jcs; bad input of every
//! kind is refused with a message that names the field; result forms that cannot be are
//! refused; tampering with one event changes the replayed digest and breaks the checkpoint.

mod common;

use common::*;
use ledger::event::*;
use ledger::{Applied, SubmitError};
use std::collections::BTreeMap;

fn refusal(r: Result<Vec<Applied>, SubmitError>) -> (String, String) {
    match r {
        Err(SubmitError::Refused { refusal, .. }) => (refusal.path, refusal.message),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn our_canonical_form_is_rfc_8785() {
    let f = Fixture::new();
    let mut samples = Vec::new();
    let official = f.official.clone();
    let mut khmer = result_form("S-D11", "official", 2, 1, 0);
    khmer.photos = vec!["ab".repeat(32)];
    samples.push(Entry::signed(Event::ResultForm(khmer), &official).to_bytes());
    samples.push(
        Entry::signed(
            Event::Register(Register {
                names: None,
                birth_year: 1961,
                commitment: Some("c29tZSBjb21taXRtZW50".into()),
                name: "សុខ ចាន់ \"quote\" \\ tab\t".into(),
                sex: Sex::F,
                station: "S-D11".into(),
                voter: "KH-0001".into(),
            }),
            &f.officer,
        )
        .to_bytes(),
    );
    samples.push(signed_genesis(
        genesis_config(&f.members, &[(&f.clerk, Role::CommissionClerk)]),
        &f.members,
    ));
    samples.extend(build_batch(
        &f.clerk,
        Content::Stations,
        vec![Event::Station(Station {
            area: "D11".into(),
            code: "S-9".into(),
            name: Some("École".into()),
            registered: Some(700),
        })],
        Some(("new station".into(), vec!["nec.a1".into()])),
    ));
    for bytes in samples {
        let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let jcs = serde_jcs::to_vec(&value).unwrap();
        assert_eq!(
            String::from_utf8(jcs).unwrap(),
            String::from_utf8(bytes.clone()).unwrap()
        );
        assert_eq!(Entry::parse(&bytes).unwrap().to_bytes(), bytes);
    }
}

#[test]
fn malformed_entries_are_refused_with_the_field_named() {
    let mut f = Fixture::new();
    let official = f.official.clone();
    let good = Entry::signed(
        Event::ResultForm(result_form("S-D11", "official", 2, 1, 0)),
        &official,
    )
    .to_bytes();
    let text = String::from_utf8(good.clone()).unwrap();

    // Truncated anywhere: refused, never a panic.
    for cut in [0, 1, 10, good.len() / 2, good.len() - 1] {
        let (path, _) = refusal(f.submit(vec![good[..cut].to_vec()]));
        assert!(!path.is_empty());
    }
    // Too large for an entry bundle.
    let mut huge = result_form("S-D11", "official", 2, 1, 0);
    huge.photos = vec!["ab".repeat(32); 1100];
    let huge = Entry::signed(Event::ResultForm(huge), &official).to_bytes();
    assert!(huge.len() > 65_535);
    match f.submit(vec![huge]) {
        Err(SubmitError::Log(e)) => assert!(e.to_string().contains("65,535"), "{e}"),
        other => panic!("{other:?}"),
    }
    let cases: Vec<(String, &str, &str)> = vec![
        (
            text.replace("\"kind\":\"result_form\"", "\"kind\":\"ballot_stuffing\""),
            "kind",
            "unknown kind",
        ),
        (
            text.replace("\"valid\":3", "\"valid\":-3"),
            "body.valid",
            "invalid value",
        ),
        (
            text.replace("\"valid\":3", "\"valid\":\"3\""),
            "body.valid",
            "invalid type",
        ),
        (
            text.replace("\"valid\":3", "\"valid\":3,\"extra\":1"),
            "body.extra",
            "unknown field",
        ),
        (text.replace("\"v\":1", "\"v\":2"), "v", "not supported"),
        // The kind ahead of the body: parsed in two passes, and refused as not canonical.
        (
            format!(
                "{{\"kind\":\"result_form\",{}",
                &text.replace(",\"kind\":\"result_form\"", "")[1..]
            ),
            "entry",
            "canonical",
        ),
        (
            text.replace("\"invalid\":0", "\"invalid\":0 "),
            "entry",
            "canonical",
        ),
        (
            text.replace("\"registered\":5", "\"registered\":null"),
            "entry",
            "canonical",
        ),
        (
            text.replace("\"registered\":5", "\"registered\":9007199254740993"),
            "body.registered",
            "2^53",
        ),
    ];
    for (bad, want_path, want) in cases {
        let (path, message) = refusal(f.submit(vec![bad.into_bytes()]));
        assert_eq!(path, want_path, "{message}");
        assert!(message.contains(want), "{path}: {message}");
    }
    let mut unknown_choice = result_form("S-D11", "official", 2, 1, 0);
    unknown_choice.votes.insert("C".into(), 0);
    let (path, message) = refusal(f.submit(vec![
        Entry::signed(Event::ResultForm(unknown_choice), &official).to_bytes(),
    ]));
    assert_eq!(path, "body.votes.C", "{message}");
    assert!(message.contains("not a choice"), "{message}");
    // A changed body no longer matches the signature.
    let (path, message) = refusal(f.submit(
        vec![text.replace("\"A\":2", "\"A\":1").replace("\"valid\":3", "\"valid\":2").into_bytes()],
    ));
    assert_eq!(
        (path.as_str(), message.as_str()),
        ("sig", "signature does not verify")
    );
    // Nothing was appended by any of that.
    assert_eq!(f.submit(vec![good]).unwrap(), vec![Applied::Done]);
}

#[test]
fn result_forms_that_do_not_add_up_are_recorded_and_flagged_and_malformed_ones_refused() {
    let mut f = Fixture::new();
    let official = f.official.clone();
    let mut sum_wrong = result_form("S-D12", "official", 2, 1, 0);
    sum_wrong.valid = 4;
    let mut over_issued = result_form("S-D21", "official", 2, 1, 0);
    over_issued.ballots_issued = Some(2);
    let mut over_received = result_form("S-D22", "official", 2, 1, 0);
    over_received.ballots_received = Some(5);
    // Evidence, not a reason to refuse: each form is taken and flagged.
    for (form, kind, want) in [
        (sum_wrong, "votes_not_valid", "add up to 3"),
        (over_issued, "counted_over_issued", "only 2 issued"),
        (over_received, "used_over_received", "only 5 received"),
    ] {
        let station = form.station.clone();
        f.submit(vec![
            Entry::signed(Event::ResultForm(form), &official).to_bytes(),
        ])
        .unwrap();
        let flags = ledger::report::flags(
            f.election.conn(),
            &ledger::report::FlagFilter {
                station: Some(&station),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(flags.len(), 1, "{flags:?}");
        assert_eq!(flags[0].kind, kind);
        let message = flags[0].detail["message"].as_str().unwrap();
        assert!(message.contains(want), "{message}");
    }
    // Malformed: a station that does not exist is still refused.
    let (p, m) = refusal(f.submit(vec![
            Entry::signed(
                Event::ResultForm(result_form("S-NONE", "official", 1, 1, 0)),
                &official,
            )
            .to_bytes(),
        ]));
    assert_eq!(p, "body.station", "{m}");
    assert!(m.contains("unknown station"), "{m}");
    // A choice that is not the contest's is refused too.
    let mut stray = result_form("S-D11", "official", 1, 1, 0);
    stray.votes.insert("Z".into(), 1);
    let (p, m) = refusal(f.submit(vec![
        Entry::signed(Event::ResultForm(stray), &official).to_bytes(),
    ]));
    assert_eq!(p, "body.votes.Z", "{m}");
    // Wrong role: the official cannot file a party's copy, nor a party agent the official one.
    let (p, m) = refusal(f.submit(vec![
            Entry::signed(
                Event::ResultForm(result_form("S-D11", "party:A", 2, 1, 0)),
                &official,
            )
            .to_bytes(),
        ]));
    assert_eq!(p, "body.source", "{m}");
    let agent = key("agent.a.1", 50);
    let clerk = f.clerk.clone();
    f.sign(
        &clerk,
        Event::Enrol(Enrol {
            name: agent.name().into(),
            organisation: None,
            party: Some("A".into()),
            person: None,
            role: Role::PartyAgent,
            scope: Scope::Areas(vec!["P1".into()]),
            vkey: agent.vkey().to_string(),
        }),
    )
    .unwrap();
    let (p, _) = refusal(f.submit(vec![
            Entry::signed(
                Event::ResultForm(result_form("S-D11", "official", 2, 1, 0)),
                &agent,
            )
            .to_bytes(),
        ]));
    assert_eq!(p, "body.source");
    // Its own party's copy, in its scope: taken. Outside its scope (P2): refused.
    f.submit(vec![
        Entry::signed(
            Event::ResultForm(result_form("S-D11", "party:A", 2, 1, 0)),
            &agent,
        )
        .to_bytes(),
    ])
    .unwrap();
    let (p, m) = refusal(f.submit(vec![
            Entry::signed(
                Event::ResultForm(result_form("S-D21", "party:A", 2, 1, 0)),
                &agent,
            )
            .to_bytes(),
        ]));
    assert!(p == "body.station" && m.contains("outside"), "{p}: {m}");
    // Two sources coexist for one station; a second copy from the same source does not.
    f.submit(vec![
        Entry::signed(
            Event::ResultForm(result_form("S-D11", "official", 3, 0, 0)),
            &official,
        )
        .to_bytes(),
    ])
    .unwrap();
    let (_, m) = refusal(f.submit(vec![
            Entry::signed(
                Event::ResultForm(result_form("S-D11", "official", 3, 0, 0)),
                &official,
            )
            .to_bytes(),
        ]));
    assert!(m.contains("already has"), "{m}");
}

#[test]
fn certification_takes_effect_only_when_the_forms_add_up() {
    let mut f = Fixture::new();
    let official = f.official.clone();
    let forms: Vec<Event> = [("S-D11", 3, 1), ("S-D12", 2, 2)]
        .iter()
        .map(|(s, a, b)| Event::ResultForm(result_form(s, "official", *a, *b, 0)))
        .collect();
    f.submit(build_batch(&official, Content::ResultForms, forms, None))
        .unwrap();
    let a1 = f.members[0].clone();
    let mut totals = BTreeMap::new();
    totals.insert("A".to_string(), 5);
    totals.insert("B".to_string(), 3);
    let wrong = Action::Certify(Certify {
        area: "P1".into(),
        contest: "assembly".into(),
        invalid: 0,
        totals: totals.clone(),
        valid: 9,
    });
    let p = f.propose(&a1, wrong).unwrap();
    match f.approve(&p, &[0, 1, 4, 5, 8]) {
        Applied::Decided {
            outcome: Err(why), ..
        } => assert!(why.contains("add up to valid 8"), "{why}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(f.status(&p), "failed");
    let right = Action::Certify(Certify {
        area: "P1".into(),
        contest: "assembly".into(),
        invalid: 0,
        totals,
        valid: 8,
    });
    let p = f.propose(&a1, right).unwrap();
    assert_eq!(
        f.approve(&p, &[0, 1, 4, 5, 8]),
        Applied::Decided {
            proposal: p.clone(),
            outcome: Ok(())
        }
    );
    // P2's stations have no official forms: certification cannot pass.
    let p2 = Action::Certify(Certify {
        area: "P2".into(),
        contest: "assembly".into(),
        invalid: 0,
        totals: BTreeMap::new(),
        valid: 0,
    });
    let p = f.propose(&a1, p2).unwrap();
    match f.approve(&p, &[0, 1, 4, 5, 8]) {
        Applied::Decided {
            outcome: Err(why), ..
        } => assert!(why.contains("no official result form"), "{why}"),
        other => panic!("{other:?}"),
    }
    let (replayed, operator, _) = f.replay();
    assert_eq!(replayed, operator);
}

#[test]
fn one_changed_event_changes_the_replayed_digest_and_breaks_the_checkpoint() {
    let mut f = Fixture::new();
    let official = f.official.clone();
    f.submit(vec![
        Entry::signed(
            Event::ResultForm(result_form("S-D11", "official", 3, 1, 0)),
            &official,
        )
        .to_bytes(),
    ])
    .unwrap();
    f.submit(vec![
        Entry::signed(
            Event::ResultForm(result_form("S-D21", "official", 1, 3, 0)),
            &official,
        )
        .to_bytes(),
    ])
    .unwrap();
    let (honest, operator, _) = f.replay();
    assert_eq!(honest, operator);
    let public = f.dir.path().join("public");
    let checkpoint = std::fs::read(public.join("checkpoint")).unwrap();

    // Rebuild the log with one byte of one event changed (3 votes for A become 2, and the
    // form still adds up), re-signed with the official's own key.
    let mut tampered = result_form("S-D11", "official", 2, 1, 0);
    tampered.ballots_issued = Some(5);
    tampered.ballots_received = Some(14);
    let rebuilt = f.rewritten(|entries| {
        let target = entries.len() - 2;
        entries[target] = Entry::signed(Event::ResultForm(tampered), &official).to_bytes();
    });
    let forged = rebuilt.public();
    let policy = rebuilt.policy();
    let replay = rebuilt.replay(None);
    assert!(
        replay.refusals.is_empty(),
        "the forged event is well formed and well signed"
    );
    assert_ne!(replay.digest, honest, "the replayed state differs");
    // The original checkpoint does not verify against the rebuilt tiles.
    std::fs::write(forged.join("checkpoint"), &checkpoint).unwrap();
    let err = tlog::verify::verify_log(
        &tlog::verify::DirSource::new(&forged),
        policy,
        None,
        &mut |_, _| {},
    )
    .unwrap_err();
    assert!(
        matches!(err, tlog::verify::VerifyError::Rewritten { .. }),
        "{err}"
    );
}

/// Found by the `event` fuzz target: a member named "" (unknown, so refused) had an empty
/// path, which names nothing.
#[test]
fn an_unknown_member_named_empty_is_refused_with_a_path() {
    let top =
        Entry::parse(br#"{"":1,"body":{"proposal":"p"},"kind":"approval","v":1}"#).unwrap_err();
    assert_eq!(top.path, "entry", "{top}");
    assert!(top.message.contains("unknown field"), "{top}");
    let body =
        Entry::parse(br#"{"body":{"":1,"proposal":"p"},"kind":"approval","v":1}"#).unwrap_err();
    assert_eq!(body.path, "body", "{body}");
    assert!(body.message.contains("unknown field"), "{body}");
}

/// RFC 8785 orders member names by UTF-16 code units; map keys outside the Basic
/// Multilingual Plane would come out of a `BTreeMap` in another order, so they are refused.
/// Found by the `event` fuzz target, checking accepted entries against serde_jcs.
#[test]
fn map_keys_outside_the_basic_multilingual_plane_are_refused() {
    let text = "{\"body\":{\"contest\":\"c\",\"invalid\":0,\"source\":\"official\",\"station\":\"s\",\
                \"valid\":3,\"votes\":{\"\u{ffff}\":1,\"\u{10000}\":2}},\"kind\":\"result_form\",\"v\":1}";
    let value: serde_json::Value = serde_json::from_str(text).unwrap();
    assert_ne!(
        serde_jcs::to_vec(&value).unwrap(),
        text.as_bytes(),
        "not JCS order"
    );
    let e = Entry::parse(text.as_bytes()).unwrap_err();
    assert_eq!(e.path, "body.votes.\u{10000}", "{e}");
    assert!(e.message.contains("Basic Multilingual Plane"), "{e}");
}

/// Guards against a repeated key being resolved silently (issue 12): a map's repeated key
/// decodes, the last one winning, so the entry parser names it by its JSON path rather than
/// only "not canonical"; and `no_duplicate_keys` finds one at any depth.
#[test]
fn a_repeated_key_is_refused_with_its_path() {
    let text = "{\"body\":{\"contest\":\"c\",\"invalid\":0,\"source\":\"official\",\"station\":\"s\",\
                \"valid\":3,\"votes\":{\"A\":1,\"A\":2}},\"kind\":\"result_form\",\"v\":1}";
    let e = Entry::parse(text.as_bytes()).unwrap_err();
    assert_eq!(e.path, "body.votes.A", "{e}");
    assert!(e.message.contains("duplicate key"), "{e}");

    use ledger::event::no_duplicate_keys;
    assert!(no_duplicate_keys(r#"{"a":[{"b":1},{"b":2}],"c":{"d":{"e":1}}}"#, "body").is_ok());
    let e = no_duplicate_keys(r#"{"a":[{"b":1},{"b":2,"b":3}]}"#, "body").unwrap_err();
    assert_eq!(e.path, "body.a[1].b", "{e}");
    let e = no_duplicate_keys(r#"{"x y":{"k":1,"k":1}}"#, "").unwrap_err();
    assert_eq!(e.path, "\"x y\".k", "{e}");
}

#[test]
fn hand_written_lines_are_signed_or_refused_by_line() {
    let k = key("clerk", 42);
    let text = "{\"kind\":\"approval\",\"body\":{\"proposal\":\"ab\"}}\n\n\
                {\"body\":{\"proposal\":\"cd\"},\"kind\":\"approval\"}\n";
    let signed = ledger::event::sign_lines(text, &k).unwrap();
    assert_eq!(signed.iter().map(|(l, _)| *l).collect::<Vec<_>>(), [1, 3]);
    let entry = Entry::parse(&signed[1].1).unwrap();
    assert_eq!(entry.author.as_deref(), Some("clerk"));
    assert!(entry.sig.is_some());
    let (line, why) = ledger::event::sign_lines(
        "{\"kind\":\"approval\",\"body\":{\"proposal\":\"ab\"}}\n{\"kind\":\"approval\",\"body\":{\"proposal\":\"a\",\"proposal\":\"b\"}}",
        &k,
    )
    .unwrap_err();
    assert_eq!(line, 2);
    assert!(why.contains("proposal"), "{why}");
    let (line, why) =
        ledger::event::sign_lines("{\"kind\":\"nonsense\",\"body\":{}}", &k).unwrap_err();
    assert_eq!(line, 1);
    assert!(why.contains("nonsense"), "{why}");
}

#[test]
fn a_receipt_says_what_each_entry_did() {
    let said = |a: Applied| a.describe(7);
    assert_eq!(said(Applied::Done), None);
    assert_eq!(said(Applied::InBatch), None);
    assert_eq!(
        said(Applied::Proposed("ab12".into())).unwrap(),
        "entry 7: proposal ab12 recorded; it takes effect once the approval rule is met"
    );
    assert_eq!(
        said(Applied::Decided {
            proposal: "ab12".into(),
            outcome: Err("the station exists".into())
        })
        .unwrap(),
        "entry 7: proposal ab12 closed without effect: the station exists"
    );
    assert_eq!(
        said(Applied::BatchOpened {
            id: "b1".into(),
            count: 3
        })
        .unwrap(),
        "entry 7: batch b1 of 3 entries"
    );
}
