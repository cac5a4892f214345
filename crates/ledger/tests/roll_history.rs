//! The roll's history: every change to a voter is kept with its log index (registrations,
//! updates, transfers, removals, reinstatements); removals proposed as one governed batch, with
//! a reason and an evidence hash per voter, take effect only with the approval rule met, in
//! intake and in replay; a wrongly removed voter can be reinstated.

mod common;

use common::*;
use ledger::event::*;
use ledger::report::{self, ChangeKind, RollChange};
use ledger::{Applied, SubmitError};
use tlog::Policy;

const EVIDENCE: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

fn kinds(h: &[RollChange]) -> Vec<ChangeKind> {
    h.iter().map(|c| c.kind).collect()
}

fn refusal(r: Result<Vec<Applied>, SubmitError>) -> String {
    match r {
        Err(SubmitError::Refused { refusal, .. }) => {
            format!("{}: {}", refusal.path, refusal.message)
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn removals(voters: &[&str]) -> Vec<Event> {
    voters
        .iter()
        .map(|v| {
            Event::Removal(Removal {
                evidence: EVIDENCE.into(),
                reason: RemovalReason::Duplicate,
                voter: v.to_string(),
            })
        })
        .collect()
}

fn removal_batch(f: &mut Fixture, voters: &[&str]) -> String {
    let officer = f.officer.clone();
    let entries = build_batch(
        &officer,
        Content::Removals,
        removals(voters),
        Some(("duplicates found by the dedup run".into(), vec![])),
    );
    match &f.submit(entries).unwrap()[0] {
        Applied::Proposed(id) => id.clone(),
        other => panic!("{other:?}"),
    }
}

/// Publishes and replays the log; returns the replayed state and checks its digest.
fn replayed(f: &mut Fixture) -> rusqlite::Connection {
    let key = f.log_key.clone();
    let note = f.election.sign_checkpoint(&key).unwrap();
    let out = f.dir.path().join("public");
    tlog::publish::publish(f.election.log(), &note, &out, &mut |_, _| {}).unwrap();
    let policy = Policy::k_of_n(key.vkey(), vec![], 0).unwrap();
    let r = ledger::replay::replay(
        &tlog::verify::DirSource::new(&out),
        &policy,
        None,
        None,
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!(
        r.digest,
        f.election.digest().unwrap(),
        "replay rebuilds the same state"
    );
    assert!(r.refusals.is_empty());
    r.state
}

#[test]
fn every_kind_of_change_is_kept_with_its_index() {
    let mut f = Fixture::new();
    let officer = f.officer.clone();
    let conn = f.election.conn();
    let h = report::voter_history(conn, "V001").unwrap();
    assert_eq!(kinds(&h), [ChangeKind::Register]);
    assert_eq!(h[0].station_after.as_deref(), Some("S-D12"));
    let registered = h[0].index;

    f.sign(
        &officer,
        Event::UpdateVoter(UpdateVoter {
            birth_year: Some(1979),
            commitment: None,
            name: Some("Voter One".into()),
            names: None,
            sex: None,
            voter: "V001".into(),
        }),
    )
    .unwrap();
    f.sign(
        &officer,
        Event::Transfer(Transfer {
            station: "S-D21".into(),
            voter: "V001".into(),
        }),
    )
    .unwrap();
    let a1 = f.members[0].clone();
    let p = f
        .propose(
            &a1,
            Action::RemoveVoter(RemoveVoter {
                reason: RemovalReason::Deceased,
                voter: "V001".into(),
            }),
        )
        .unwrap();
    f.approve(&p, &[0, 1, 4, 5, 8]);
    assert!(f.voter_removed("V001"));
    let r = f
        .propose(
            &a1,
            Action::ReinstateVoter(ReinstateVoter {
                reason: "the death record was a namesake's".into(),
                voter: "V001".into(),
            }),
        )
        .unwrap();
    assert!(f.approve(&r, &[0, 1, 4, 5, 8]).took_effect());
    assert!(!f.voter_removed("V001"));

    let h = report::voter_history(f.election.conn(), "V001").unwrap();
    assert_eq!(
        kinds(&h),
        [
            ChangeKind::Register,
            ChangeKind::Update,
            ChangeKind::Transfer,
            ChangeKind::Remove,
            ChangeKind::Reinstate
        ]
    );
    assert!(h.windows(2).all(|w| w[0].index < w[1].index));
    assert_eq!(h[1].fields, ["name", "birth_year"]);
    assert_eq!(
        (
            h[2].station_before.as_deref(),
            h[2].station_after.as_deref()
        ),
        (Some("S-D12"), Some("S-D21"))
    );
    let removal = &h[3];
    assert_eq!(removal.reason.as_deref(), Some("deceased"));
    assert_eq!(removal.station_before.as_deref(), Some("S-D21"));
    assert_eq!(removal.station_after, None);
    assert_eq!(removal.proposal.as_deref(), Some(p.as_str()));
    let approvers: Vec<_> = removal
        .approvers
        .iter()
        .map(|a| a.member.as_str())
        .collect();
    assert_eq!(approvers, ["nec.a1", "nec.a2", "nec.b1", "nec.b2", "nec.c"]);
    assert!(
        removal.entry < removal.index,
        "proposed before it took effect"
    );
    assert_eq!(h[4].station_after.as_deref(), Some("S-D21"));
    assert_eq!(
        h[4].reason.as_deref(),
        Some("the death record was a namesake's")
    );

    // The roll at any log size follows from the history.
    let mut at_start = Vec::new();
    report::each_voter_between::<report::Error>(
        f.election.conn(),
        registered + 1,
        removal.index + 1,
        |s| {
            at_start.push(s);
            Ok(())
        },
    )
    .unwrap();
    let v1 = at_start.iter().find(|s| s.voter == "V001").unwrap();
    assert_eq!(v1.before.as_deref(), Some("S-D12"));
    assert_eq!(v1.after, None, "removed by the end of the span");
    assert_eq!(
        kinds(&v1.changes),
        [ChangeKind::Update, ChangeKind::Transfer, ChangeKind::Remove]
    );
    assert_eq!(at_start.len(), 10);

    let state = replayed(&mut f);
    assert_eq!(report::voter_history(&state, "V001").unwrap(), h);
}

#[test]
fn a_removal_batch_approved_by_one_party_never_takes_effect() {
    let mut f = Fixture::new();
    let p = removal_batch(&mut f, &["V002", "V003", "V004"]);
    // Four members of party A and the consensus member: five approvals, one party.
    let last = f.approve(&p, &[0, 1, 2, 3, 8]);
    assert_eq!(
        last,
        Applied::Approved {
            proposal: p.clone()
        }
    );
    assert_eq!(f.status(&p), "pending");
    let pending = report::pending(f.election.conn()).unwrap();
    assert_eq!(pending[0].staged, 3, "status shows the staged removals");
    for v in ["V002", "V003", "V004"] {
        assert!(!f.voter_removed(v));
        assert_eq!(
            kinds(&report::voter_history(f.election.conn(), v).unwrap()),
            [ChangeKind::Register]
        );
    }
    // Replay re-checks the approvals: nobody is removed in the replayed state either.
    let state = replayed(&mut f);
    let removed: i64 = state
        .query_row(
            "SELECT count(*) FROM voter WHERE removed_at IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(removed, 0);

    // A member of party B joins: the whole batch takes effect at that approval.
    let last = f.approve(&p, &[4]);
    assert!(last.took_effect());
    for v in ["V002", "V003", "V004"] {
        assert!(f.voter_removed(v));
        let h = report::voter_history(f.election.conn(), v).unwrap();
        let r = h.last().unwrap();
        assert_eq!(r.kind, ChangeKind::Remove);
        assert_eq!(r.reason.as_deref(), Some("duplicate"));
        assert_eq!(r.evidence.as_deref(), Some(EVIDENCE));
        let parties: std::collections::BTreeSet<_> = r
            .approvers
            .iter()
            .filter_map(|a| a.party.as_deref())
            .collect();
        assert_eq!(parties.into_iter().collect::<Vec<_>>(), ["A", "B"]);
    }
    let state = replayed(&mut f);
    let removed: i64 = state
        .query_row(
            "SELECT count(*) FROM voter WHERE removed_at IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(removed, 3);
}

#[test]
fn a_rejected_removal_batch_leaves_nothing_staged() {
    let mut f = Fixture::new();
    let p = removal_batch(&mut f, &["V002"]);
    for i in [0, 1, 2, 4, 5] {
        let m = f.members[i].clone();
        f.sign(
            &m,
            Event::Rejection(Rejection {
                proposal: p.clone(),
                reason: "no evidence shown".into(),
            }),
        )
        .unwrap();
    }
    assert_eq!(f.status(&p), "rejected");
    let staged: i64 = f
        .election
        .conn()
        .query_row("SELECT count(*) FROM removal", [], |r| r.get(0))
        .unwrap();
    assert_eq!(staged, 0);
    assert!(!f.voter_removed("V002"));
    replayed(&mut f);
}

#[test]
fn a_batch_fails_whole_if_one_voter_left_the_roll_meanwhile() {
    let mut f = Fixture::new();
    let p = removal_batch(&mut f, &["V005", "V006"]);
    let a1 = f.members[0].clone();
    let single = f
        .propose(
            &a1,
            Action::RemoveVoter(RemoveVoter {
                reason: RemovalReason::MovedAway,
                voter: "V006".into(),
            }),
        )
        .unwrap();
    assert!(f.approve(&single, &[0, 1, 4, 5, 8]).took_effect());
    match f.approve(&p, &[0, 1, 4, 5, 8]) {
        Applied::Decided {
            outcome: Err(why), ..
        } => {
            assert!(why.contains("\"V006\" has been removed"), "{why}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(f.status(&p), "failed");
    assert!(!f.voter_removed("V005"));
    replayed(&mut f);
}

#[test]
fn removals_and_reinstatements_that_cannot_be_are_refused_by_place() {
    let mut f = Fixture::new();
    let officer = f.officer.clone();
    // Not governed.
    let plain = build_batch(&officer, Content::Removals, removals(&["V001"]), None);
    assert_eq!(
        refusal(f.submit(plain)),
        "body.content: voters are removed only with the commission's approval: propose the batch"
    );
    // A removal alone, outside a batch.
    let alone = Entry::signed(removals(&["V001"]).remove(0), &officer).to_bytes();
    assert!(
        refusal(f.submit(vec![alone]))
            .starts_with("kind: a removal is an entry of a governed batch")
    );
    // A bad evidence hash, an unknown voter, a voter listed twice.
    let mut bad = removals(&["V001"]);
    if let Event::Removal(r) = &mut bad[0] {
        r.evidence = "ABC".into();
    }
    let gov = Some(("r".to_string(), vec![]));
    let e = refusal(f.submit(build_batch(&officer, Content::Removals, bad, gov.clone())));
    assert!(
        e.starts_with("body.evidence: the evidence is the lowercase hex SHA-256"),
        "{e}"
    );
    let e = refusal(f.submit(build_batch(
        &officer,
        Content::Removals,
        removals(&["V404"]),
        gov.clone(),
    )));
    assert_eq!(e, "body.voter: unknown voter \"V404\"");
    let e = refusal(f.submit(build_batch(
        &officer,
        Content::Removals,
        removals(&["V001", "V001"]),
        gov,
    )));
    assert_eq!(
        e,
        "body.voter: voter \"V001\" is listed twice in this batch"
    );
    // Nothing of the refused batches was kept.
    let staged: i64 = f
        .election
        .conn()
        .query_row("SELECT count(*) FROM removal", [], |r| r.get(0))
        .unwrap();
    assert_eq!(staged, 0);

    // Reinstating a voter on the roll, or without a reason.
    let a1 = f.members[0].clone();
    let on_roll = f.propose(
        &a1,
        Action::ReinstateVoter(ReinstateVoter {
            reason: "error".into(),
            voter: "V001".into(),
        }),
    );
    match on_roll {
        Err(SubmitError::Refused { refusal, .. }) => assert_eq!(
            format!("{}: {}", refusal.path, refusal.message),
            "body.action.reinstate_voter.voter: voter \"V001\" is on the roll"
        ),
        other => panic!("{other:?}"),
    }
    let p = f
        .propose(
            &a1,
            Action::RemoveVoter(RemoveVoter {
                reason: RemovalReason::Deceased,
                voter: "V001".into(),
            }),
        )
        .unwrap();
    f.approve(&p, &[0, 1, 4, 5, 8]);
    let no_reason = f.propose(
        &a1,
        Action::ReinstateVoter(ReinstateVoter {
            reason: " ".into(),
            voter: "V001".into(),
        }),
    );
    match no_reason {
        Err(SubmitError::Refused { refusal, .. }) => {
            assert_eq!(refusal.path, "body.action.reinstate_voter.reason")
        }
        other => panic!("{other:?}"),
    }
    // A reinstatement approved by one party alone does not take effect either.
    let r = f
        .propose(
            &a1,
            Action::ReinstateVoter(ReinstateVoter {
                reason: "wrongly removed".into(),
                voter: "V001".into(),
            }),
        )
        .unwrap();
    assert!(!f.approve(&r, &[0, 1, 2, 3, 8]).took_effect());
    assert!(f.voter_removed("V001"));
    replayed(&mut f);
}

/// A registration in the history is the voter's own (read from their row of the roll, not
/// from `voter_event`): each voter's names them, their station and the entry that registered
/// them, and the roll between two sizes holds each of them once.
#[test]
fn each_voters_registration_is_their_own() {
    let f = Fixture::new();
    let conn = f.election.conn();
    let mut stmt = conn
        .prepare("SELECT id, station, registered_at FROM voter ORDER BY id")
        .unwrap();
    let roll: Vec<(String, String, i64)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(roll.len(), 10);
    for (voter, station, entry) in &roll {
        let h = report::voter_history(conn, voter).unwrap();
        assert_eq!(h.len(), 1, "{voter}: {h:?}");
        assert_eq!(h[0].voter, *voter);
        assert_eq!(h[0].kind, ChangeKind::Register);
        assert_eq!(h[0].station_after.as_deref(), Some(station.as_str()));
        assert_eq!((h[0].index, h[0].entry), (*entry as u64, *entry as u64));
        assert_eq!(h[0].proposal, None);
    }
    assert!(report::voter_history(conn, "nobody").unwrap().is_empty());
    let mut spans = Vec::new();
    report::each_voter_between::<report::Error>(conn, 0, u64::MAX, |s| {
        spans.push((s.voter, s.after, s.changes.len()));
        Ok(())
    })
    .unwrap();
    let expected: Vec<_> = roll
        .iter()
        .map(|(v, s, _)| (v.clone(), Some(s.clone()), 1))
        .collect();
    assert_eq!(spans, expected);
    let last = roll.iter().map(|r| r.2 as u64).max();
    assert_eq!(report::last_roll_change(conn).unwrap(), last);
}
