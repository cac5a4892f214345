//! Audits in the log: the seed is committed before the roll, revealed after it and must match;
//! the sample is recorded; only the audit's author may carry it on; replay agrees.

mod common;

use common::*;
use ledger::SubmitError;
use ledger::event::*;

fn refused(r: Result<ledger::Applied, SubmitError>) -> String {
    match r {
        Err(SubmitError::Refused { refusal, .. }) => {
            format!("{}: {}", refusal.path, refusal.message)
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

const SEED: &str = "31415926535612341234";

#[test]
fn the_commitment_formula_is_the_one_stats_uses() {
    let salt = [7u8; 32];
    let seed = stats::seed::AuditSeed::parse("1234561234561234561234").unwrap();
    assert_eq!(
        ledger::audit::commitment(&hex(&salt), seed.as_str()),
        stats::seed::seed_commitment(&seed, &salt)
    );
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn a_seed_must_match_what_was_committed_before_the_roll() {
    let mut f = Fixture::new();
    let a1 = f.members[0].clone();
    let salt = hex(&[9u8; 32]);
    let seed = SEED.replace(['9', '0'], "1");
    let commitment = ledger::audit::commitment(&salt, &seed);
    // Nothing can be revealed or sampled before a commitment.
    let err = refused(f.sign(
        &a1,
        Event::AuditSeed(AuditSeed {
            audit: "rla-1".into(),
            salt: salt.clone(),
            seed: seed.clone(),
        }),
    ));
    assert!(err.contains("no audit"), "{err}");
    f.sign(
        &a1,
        Event::AuditCommitment(AuditCommitment {
            audit: "rla-1".into(),
            commitment,
            purpose: "MACRO audit of P1".into(),
            draw: None,
        }),
    )
    .unwrap();
    let err = refused(f.sign(
        &a1,
        Event::AuditSample(AuditSample {
            audit: "rla-1".into(),
            draws: vec!["S-D11".into()],
            round: 1,
        }),
    ));
    assert!(err.contains("not revealed"), "{err}");
    // Someone else cannot reveal it; a different seed is refused; a non-dice seed is refused.
    let b1 = f.members[4].clone();
    let err = refused(f.sign(
        &b1,
        Event::AuditSeed(AuditSeed {
            audit: "rla-1".into(),
            salt: salt.clone(),
            seed: seed.clone(),
        }),
    ));
    assert!(err.contains("belongs to"), "{err}");
    let other = seed.replacen('1', "2", 1);
    let err = refused(f.sign(
        &a1,
        Event::AuditSeed(AuditSeed {
            audit: "rla-1".into(),
            salt: salt.clone(),
            seed: other,
        }),
    ));
    assert!(err.contains("do not match the commitment"), "{err}");
    let err = refused(f.sign(
        &a1,
        Event::AuditSeed(AuditSeed {
            audit: "rla-1".into(),
            salt: salt.clone(),
            seed: "12345678901234567890".into(),
        }),
    ));
    assert!(err.contains("not a die face"), "{err}");
    // The right seed, then the sample.
    f.sign(
        &a1,
        Event::AuditSeed(AuditSeed {
            audit: "rla-1".into(),
            salt: salt.clone(),
            seed: seed.clone(),
        }),
    )
    .unwrap();
    let err = refused(f.sign(
        &a1,
        Event::AuditSeed(AuditSeed {
            audit: "rla-1".into(),
            salt,
            seed,
        }),
    ));
    assert!(err.contains("already revealed"), "{err}");
    f.sign(
        &a1,
        Event::AuditSample(AuditSample {
            audit: "rla-1".into(),
            draws: vec!["S-D11".into(), "S-D22".into()],
            round: 1,
        }),
    )
    .unwrap();
    let err = refused(f.sign(
        &a1,
        Event::AuditSample(AuditSample {
            audit: "rla-1".into(),
            draws: vec!["S-D12".into()],
            round: 1,
        }),
    ));
    assert!(err.contains("already recorded"), "{err}");
    // A registration officer may not run audits.
    let officer = f.officer.clone();
    let err = refused(f.sign(
        &officer,
        Event::AuditCommitment(AuditCommitment {
            audit: "x".into(),
            commitment: "ab".repeat(32),
            purpose: "p".into(),
            draw: None,
        }),
    ));
    assert!(err.contains("may not run an audit"), "{err}");
    let (replayed, operator, refusals) = f.replay();
    assert_eq!((replayed, refusals), (operator, 0));
}

/// An audit's report says how many official forms took effect after its commitment: a form
/// staged in a governed batch before the commitment but approved after it is one of them.
#[test]
fn forms_approved_after_the_commitment_count_as_recorded_after_it() {
    let mut f = Fixture::new();
    let form = |station: &str| Event::ResultForm(result_form(station, "official", 3, 1, 1));
    let staged = f.governed_batch(Content::ResultForms, vec![form("S-D11"), form("S-D12")]);
    let a1 = f.members[0].clone();
    f.sign(
        &a1,
        Event::AuditCommitment(AuditCommitment {
            audit: "rla-late".into(),
            commitment: ledger::audit::commitment(&hex(&[3u8; 32]), SEED),
            purpose: "MACRO audit".into(),
            draw: None,
        }),
    )
    .unwrap();
    let committed_at = f.election.log().size() - 1;
    let after = |f: &Fixture| {
        ledger::report::forms_recorded_after(
            f.election.conn(),
            "assembly",
            "official",
            committed_at,
        )
        .unwrap()
    };
    assert_eq!(after(&f), 0, "staged forms are not in effect yet");
    f.approve(&staged, &[0, 1, 4, 5, 8]);
    assert_eq!(after(&f), 2, "approved after the commitment");
    let clerk = f.clerk.clone();
    f.sign(&clerk, form("S-D21")).unwrap();
    assert_eq!(after(&f), 3);
    // Forms in effect before the commitment are not counted.
    assert_eq!(
        ledger::report::forms_recorded_after(
            f.election.conn(),
            "assembly",
            "official",
            f.election.log().size()
        )
        .unwrap(),
        0
    );
}

/// What a seed will draw is a typed part of the commitment: stored as committed, given back
/// by the report, and refused with its path when it cannot be drawn.
#[test]
fn the_draw_plan_is_part_of_the_commitment() {
    use ledger::event::{DrawPlan, PvtPlan, RlaPlan};
    let mut f = Fixture::new();
    let a1 = f.members[0].clone();
    let plan = DrawPlan::Rla(RlaPlan {
        method: "macro".into(),
        contest: "P1".into(),
        area: Some("D1".into()),
        winners: 1,
        risk_limit: 0.05,
    });
    let commit = |id: &str, draw: Option<DrawPlan>| {
        Event::AuditCommitment(AuditCommitment {
            audit: id.into(),
            commitment: "ab".repeat(32),
            purpose: "MACRO audit of P1".into(),
            draw,
        })
    };
    f.sign(&a1, commit("rla-1", Some(plan.clone()))).unwrap();
    let record = ledger::report::audit(f.election.conn(), "rla-1")
        .unwrap()
        .unwrap();
    assert_eq!(record.draw, Some(plan.clone()));
    assert_eq!(record.purpose, "MACRO audit of P1");
    assert_eq!(
        plan.to_string(),
        "rla macro: contest P1, area D1, 1 winner, risk limit 0.05"
    );
    let pvt = DrawPlan::Pvt(PvtPlan {
        contest: "P1".into(),
        area: None,
        level: "none".into(),
        take: 0,
    });
    let err = refused(f.sign(&a1, commit("pvt-1", Some(pvt))));
    assert!(err.contains("body.draw.take"), "{err}");
    let bad_method = DrawPlan::Rla(RlaPlan {
        method: "dice".into(),
        ..match &plan {
            DrawPlan::Rla(p) => p.clone(),
            _ => unreachable!(),
        }
    });
    let err = refused(f.sign(&a1, commit("rla-2", Some(bad_method))));
    assert!(err.contains("body.draw.method"), "{err}");
    let bad_limit = DrawPlan::Rla(RlaPlan {
        risk_limit: 1.0,
        ..match &plan {
            DrawPlan::Rla(p) => p.clone(),
            _ => unreachable!(),
        }
    });
    let err = refused(f.sign(&a1, commit("rla-3", Some(bad_limit))));
    assert!(err.contains("body.draw.risk_limit"), "{err}");
    // An unknown member inside the plan is refused by the entry parser, with its path.
    let entry = br#"{"author":"a","body":{"audit":"x","commitment":"ab","draw":{"contest":"P1","extra":1,"method":"macro","risk_limit":0.05,"tool":"rla","winners":1},"purpose":"p"},"kind":"audit_commitment","sig":"AA==","v":1}"#;
    let err = ledger::event::Entry::parse(entry).unwrap_err().to_string();
    assert!(err.contains("body.draw"), "{err}");
    let (replayed, operator, refusals) = f.replay();
    assert_eq!((replayed, refusals), (operator, 0));
}
