//! Governance: governed actions take effect only when members of more than one party approve,
//! in intake and in replay; forged, replayed, out-of-scope and revoked approvals are refused;
//! changing the rule needs the rule.

mod common;

use common::*;
use ledger::event::*;
use ledger::{Applied, SubmitError};

fn remove(voter: &str) -> Action {
    Action::RemoveVoter(RemoveVoter {
        reason: RemovalReason::Deceased,
        voter: voter.into(),
    })
}

fn refused(r: Result<Applied, SubmitError>) -> String {
    match r {
        Err(SubmitError::Refused { refusal, .. }) => {
            format!("{}: {}", refusal.path, refusal.message)
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn one_party_alone_cannot_remove_a_voter_and_two_parties_can() {
    let mut f = Fixture::new();
    let a1 = f.members[0].clone();
    let p = f.propose(&a1, remove("V003")).unwrap();
    // Four members of party A and the consensus member: five approvals, one party.
    let last = f.approve(&p, &[0, 1, 2, 3, 8]);
    assert_eq!(
        last,
        Applied::Approved {
            proposal: p.clone()
        }
    );
    assert_eq!(f.status(&p), "pending");
    assert!(!f.voter_removed("V003"));
    let (replayed, operator, refusals) = f.replay();
    assert_eq!(replayed, operator);
    assert_eq!(refusals, 0);

    // A member of party B joins: the rule is met and the removal takes effect.
    let last = f.approve(&p, &[4]);
    assert_eq!(
        last,
        Applied::Decided {
            proposal: p.clone(),
            outcome: Ok(())
        }
    );
    assert_eq!(f.status(&p), "applied");
    assert!(f.voter_removed("V003"));
    let (replayed, operator, refusals) = f.replay();
    assert_eq!(replayed, operator, "replay rebuilds the same state");
    assert_eq!(refusals, 0);
    // Nothing more can be decided on it.
    let b2 = f.members[5].clone();
    let err = refused(f.sign(
        &b2,
        Event::Approval(Approval {
            proposal: p.clone(),
        }),
    ));
    assert!(err.contains("already decided"), "{err}");
}

#[test]
fn forged_replayed_and_unauthorised_approvals_are_refused() {
    let mut f = Fixture::new();
    let a1 = f.members[0].clone();
    let p = f.propose(&a1, remove("V001")).unwrap();

    // Forged: signed by another key under member b1's name.
    let impostor = key("nec.b1", 99);
    let err = refused(f.sign(
        &impostor,
        Event::Approval(Approval {
            proposal: p.clone(),
        }),
    ));
    assert!(err.contains("signature does not verify"), "{err}");

    // Replayed: the same approval entry submitted twice.
    let b1 = f.members[4].clone();
    let approval = Entry::signed(
        Event::Approval(Approval {
            proposal: p.clone(),
        }),
        &b1,
    )
    .to_bytes();
    f.submit(vec![approval.clone()]).unwrap();
    let err = match f.submit(vec![approval]) {
        Err(SubmitError::Refused { refusal, .. }) => refusal.message,
        other => panic!("{other:?}"),
    };
    assert!(err.contains("already decided"), "{err}");

    // Not a member.
    let clerk = f.clerk.clone();
    let err = refused(f.sign(
        &clerk,
        Event::Approval(Approval {
            proposal: p.clone(),
        }),
    ));
    assert!(err.contains("commission member"), "{err}");

    // Unknown proposal.
    let err = refused(f.sign(
        &b1,
        Event::Approval(Approval {
            proposal: "ab".repeat(32),
        }),
    ));
    assert!(err.contains("unknown proposal"), "{err}");

    // Out of scope: a new member whose scope is province P2 cannot decide on a voter in P1.
    let scoped = key("nec.d1", 77);
    let enrol = Action::Enrol(Enrol {
        name: scoped.name().into(),
        organisation: None,
        party: Some("B".into()),
        person: Some("Scoped member".into()),
        role: Role::CommissionMember,
        scope: Scope::Areas(vec!["P2".into()]),
        vkey: scoped.vkey().to_string(),
    });
    let e = f.propose(&a1, enrol).unwrap();
    f.approve(&e, &[0, 1, 4, 5, 8]);
    assert_eq!(f.status(&e), "applied");
    let err = refused(f.sign(
        &scoped,
        Event::Approval(Approval {
            proposal: p.clone(),
        }),
    ));
    assert!(err.contains("outside their scope"), "{err}");
    // V002 is at S-D21 in P2: within scope.
    let q = f.propose(&a1, remove("V002")).unwrap();
    assert!(matches!(
        f.sign(&scoped, Event::Approval(Approval { proposal: q })),
        Ok(Applied::Approved { .. })
    ));

    // None of the refused entries reached the log; the replay agrees.
    let (replayed, operator, refusals) = f.replay();
    assert_eq!((replayed, refusals), (operator, 0));
}

#[test]
fn a_revoked_key_can_no_longer_act() {
    let mut f = Fixture::new();
    let officer = f.officer.clone();
    let register = |i: u32| {
        Event::Register(Register {
            names: None,
            birth_year: 1990,
            commitment: None,
            name: format!("New {i}"),
            sex: Sex::F,
            station: "S-D11".into(),
            voter: format!("N{i}"),
        })
    };
    f.sign(&officer, register(1)).unwrap();
    f.sign(
        &officer,
        Event::Revoke(Revoke {
            name: officer.name().into(),
            reason: "laptop stolen".into(),
        }),
    )
    .unwrap();
    let err = refused(f.sign(&officer, register(2)));
    assert!(err.contains("revoked"), "{err}");

    // Revoking someone else needs the commission.
    let clerk = f.clerk.clone();
    let official = f.official.clone();
    let err = refused(f.sign(
        &clerk,
        Event::Revoke(Revoke {
            name: official.name().into(),
            reason: "x".into(),
        }),
    ));
    assert!(err.contains("propose it"), "{err}");
    let a1 = f.members[0].clone();
    let p = f
        .propose(
            &a1,
            Action::Revoke(Revoke {
                name: clerk.name().into(),
                reason: "left the commission".into(),
            }),
        )
        .unwrap();
    f.approve(&p, &[0, 1, 4, 5, 8]);
    let err = refused(f.propose(&clerk, remove("V001")).map(|_| Applied::Done));
    assert!(err.contains("revoked"), "{err}");
    let (replayed, operator, _) = f.replay();
    assert_eq!(replayed, operator);
}

#[test]
fn changing_the_rule_needs_the_rule() {
    let mut f = Fixture::new();
    let a1 = f.members[0].clone();
    let stricter = Action::ChangeRule(Rule {
        every_party_asked: true,
        min_approvals: 7,
        min_parties: 2,
    });
    let p = f.propose(&a1, stricter).unwrap();
    // Party A and the consensus member alone cannot change it.
    f.approve(&p, &[0, 1, 2, 3, 8]);
    assert_eq!(f.status(&p), "pending");
    f.approve(&p, &[4]);
    assert_eq!(f.status(&p), "applied");

    // The new rule governs what follows: seven approvals, and every party must be asked.
    let err = refused(f.propose(&a1, remove("V001")).map(|_| Applied::Done));
    assert!(err.contains("no member of A is asked"), "{err}");
    let asked = vec![
        f.members[0].name().to_string(),
        f.members[4].name().to_string(),
    ];
    let q = match f
        .sign(
            &a1,
            Event::Proposal(Proposal {
                action: remove("V001"),
                asked,
                reason: "duplicate".into(),
            }),
        )
        .unwrap()
    {
        Applied::Proposed(id) => id,
        other => panic!("{other:?}"),
    };
    f.approve(&q, &[0, 1, 4, 5, 8]);
    assert_eq!(f.status(&q), "pending", "five approvals no longer suffice");
    f.approve(&q, &[2, 6]);
    assert_eq!(f.status(&q), "applied");

    // A rule that can never be met is refused.
    let impossible = Action::ChangeRule(Rule {
        every_party_asked: false,
        min_approvals: 10,
        min_parties: 2,
    });
    let asked = vec![
        f.members[0].name().to_string(),
        f.members[4].name().to_string(),
    ];
    let err = refused(f.sign(
        &a1,
        Event::Proposal(Proposal {
            action: impossible,
            asked,
            reason: "x".into(),
        }),
    ));
    assert!(err.contains("can never be reached"), "{err}");
    let (replayed, operator, _) = f.replay();
    assert_eq!(replayed, operator);
}

#[test]
fn rejection_by_enough_members_closes_a_proposal_and_drops_its_batch() {
    let mut f = Fixture::new();
    let voters: Vec<Event> = (0..150)
        .map(|i| {
            Event::Register(Register {
                names: None,
                birth_year: 1970,
                commitment: None,
                name: format!("Bulk {i}"),
                sex: Sex::X,
                station: "S-D22".into(),
                voter: format!("B{i:04}"),
            })
        })
        .collect();
    // Above the threshold of 100: an officer's plain batch is refused...
    let officer = f.officer.clone();
    let err = match f.submit(build_batch(
        &officer,
        Content::Registrations,
        voters.clone(),
        None,
    )) {
        Err(SubmitError::Refused { refusal, .. }) => refusal.message,
        other => panic!("{other:?}"),
    };
    assert!(err.contains("above the threshold"), "{err}");
    // ...and a governed one waits for approval, its voters not yet on the roll.
    let entries = build_batch(
        &officer,
        Content::Registrations,
        voters,
        Some(("new registrations".into(), vec![])),
    );
    let p = match &f.submit(entries).unwrap()[0] {
        Applied::Proposed(id) => id.clone(),
        other => panic!("{other:?}"),
    };
    let effective: i64 = f
        .election
        .conn()
        .query_row(
            "SELECT count(*) FROM voter WHERE proposal IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(effective, 10);
    for i in [0usize, 1, 2, 3, 4] {
        let m = f.members[i].clone();
        f.sign(
            &m,
            Event::Rejection(Rejection {
                proposal: p.clone(),
                reason: "unverified".into(),
            }),
        )
        .unwrap();
    }
    assert_eq!(f.status(&p), "rejected");
    let all: i64 = f
        .election
        .conn()
        .query_row("SELECT count(*) FROM voter", [], |r| r.get(0))
        .unwrap();
    assert_eq!(all, 10);
    let (replayed, operator, _) = f.replay();
    assert_eq!(replayed, operator);
}

#[test]
fn a_genesis_missing_a_founding_signature_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let members = members();
    let g = genesis_config(&members, &[]);
    let mut entry = Entry::genesis(g, &members[0]);
    for m in &members[1..8] {
        entry.cosign(m);
    }
    let log_key = key(ORIGIN, 1);
    let err = match ledger::Election::create(new_log(dir.path(), &log_key), &entry.to_bytes()) {
        Err(SubmitError::Refused { refusal, .. }) => refusal.message,
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("accepted"),
    };
    assert!(err.contains("missing: nec.c"), "{err}");
    // A cosignature by the wrong key for a member's name is caught too.
    let mut entry = Entry::genesis(genesis_config(&members, &[]), &members[0]);
    for m in &members[1..8] {
        entry.cosign(m);
    }
    entry.cosign(&key("nec.c", 200));
    let dir = tempfile::tempdir().unwrap();
    assert!(ledger::Election::create(new_log(dir.path(), &log_key), &entry.to_bytes()).is_err());
}

/// Large submissions check signatures on worker threads against the keys as they stood before
/// the submission; a key enrolled or revoked inside the submission must still be honoured in
/// log order.
#[test]
fn keys_enrolled_or_revoked_inside_a_large_submission_count_from_their_entry() {
    let mut f = Fixture::new();
    let officer = f.officer.clone();
    let clerk = f.clerk.clone();
    let register = |i: u32| {
        Event::Register(Register {
            names: None,
            birth_year: 1990,
            commitment: None,
            name: format!("New {i}"),
            sex: Sex::M,
            station: "S-D11".into(),
            voter: format!("N{i:04}"),
        })
    };
    let signed = |by: &tlog::note::PrivateKey, e: Event| Entry::signed(e, by).to_bytes();

    // A new party agent, enrolled at entry 150, files its party's copy at entry 151.
    let agent = key("agent.a.9", 77);
    let mut entries: Vec<Vec<u8>> = (0..150).map(|i| signed(&officer, register(i))).collect();
    entries.push(signed(
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
    ));
    entries.push(signed(
        &agent,
        Event::ResultForm(result_form("S-D11", "party:A", 3, 1, 1)),
    ));
    entries.extend((150..300).map(|i| signed(&officer, register(i))));
    let size = f.election.log().size();
    let applied = f
        .submit(entries)
        .expect("the agent's form counts from its enrolment");
    assert_eq!(applied.len(), 302);
    assert_eq!(f.election.log().size(), size + 302);

    // A forged signature deep inside a large submission is found, and nothing is taken.
    let size = f.election.log().size();
    let digest = f.election.digest().unwrap();
    let mut entries: Vec<Vec<u8>> = (300..500).map(|i| signed(&officer, register(i))).collect();
    let mut forged = Entry::signed(register(500), &officer);
    forged.sig = Entry::signed(register(501), &officer).sig;
    entries.insert(170, forged.to_bytes());
    match f.submit(entries) {
        Err(SubmitError::Refused { position, refusal }) => {
            assert_eq!((position, refusal.path.as_str()), (170, "sig"));
            assert!(refusal.message.contains("does not verify"), "{refusal:?}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(f.election.log().size(), size);
    assert_eq!(f.election.digest().unwrap(), digest);

    // The officer revokes its own key at entry 100: what it signed after is refused, though
    // its signature is good and the key was in effect when the submission began.
    let mut entries: Vec<Vec<u8>> = (600..700).map(|i| signed(&officer, register(i))).collect();
    entries.push(signed(
        &officer,
        Event::Revoke(Revoke {
            name: officer.name().into(),
            reason: "laptop stolen".into(),
        }),
    ));
    entries.extend((700..800).map(|i| signed(&officer, register(i))));
    match f.submit(entries) {
        Err(SubmitError::Refused { position, refusal }) => {
            assert_eq!((position, refusal.path.as_str()), (101, "author"));
            assert!(refusal.message.contains("revoked"), "{refusal:?}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(f.election.log().size(), size);
    let (replayed, operator, refusals) = f.replay();
    assert_eq!((replayed, refusals), (operator, 0));
}

/// The voters on the roll in effect, as the report reads it, whose id starts with `prefix`.
fn roll_ids(f: &Fixture, prefix: &str) -> Vec<String> {
    let mut ids = Vec::new();
    ledger::report::each_voter::<ledger::report::Error>(f.election.conn(), |v| {
        if v.voter.starts_with(prefix) {
            ids.push(v.voter);
        }
        Ok(())
    })
    .unwrap();
    ids
}

fn roll_total(f: &Fixture) -> u64 {
    ledger::report::roll_by_area(f.election.conn())
        .unwrap()
        .iter()
        .map(|a| a.voters)
        .sum()
}

#[test]
fn a_governed_batch_of_registrations_is_on_the_roll_only_once_approved() {
    let mut f = Fixture::new();
    let voters: Vec<Event> = (0..3)
        .map(|i| {
            Event::Register(Register {
                names: None,
                birth_year: 1990,
                commitment: None,
                name: format!("Governed {i}"),
                sex: Sex::F,
                station: "S-D12".into(),
                voter: format!("G{i:03}"),
            })
        })
        .collect();
    let p = f.governed_batch(Content::Registrations, voters);
    let officer = f.officer.clone();
    let update = |name: &str| {
        Event::UpdateVoter(UpdateVoter {
            birth_year: None,
            commitment: None,
            name: Some(name.into()),
            names: None,
            sex: None,
            voter: "G001".into(),
        })
    };

    // Staged: not on the roll the report reads, and refused by the fold's lookups.
    assert_eq!(roll_ids(&f, "G"), Vec::<String>::new());
    assert_eq!(roll_total(&f), 10);
    let err = refused(f.sign(&officer, update("Governed One")));
    assert_eq!(
        err,
        format!("body.voter: voter \"G001\" awaits the commission's approval (proposal {p})")
    );
    let a1 = f.members[0].clone();
    let err = refused(f.propose(&a1, remove("G002")).map(Applied::Proposed));
    assert!(err.contains("awaits the commission's approval"), "{err}");
    assert!(
        ledger::report::voter_history(f.election.conn(), "G000")
            .unwrap()
            .is_empty()
    );
    // A second batch registering the same voter is refused while the first is staged.
    let again = build_batch(
        &officer,
        Content::Registrations,
        vec![Event::Register(Register {
            names: None,
            birth_year: 1990,
            commitment: None,
            name: "Governed 0".into(),
            sex: Sex::F,
            station: "S-D12".into(),
            voter: "G000".into(),
        })],
        None,
    );
    match f.submit(again) {
        Err(SubmitError::Refused { refusal, .. }) => {
            assert_eq!(refusal.message, "voter \"G000\" is already registered")
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    let (replayed, operator, _) = f.replay();
    assert_eq!(replayed, operator);

    // Approved: on the roll, in the history at the approval's index, and open to changes.
    let last = f.approve(&p, &[0, 1, 4, 5, 8]);
    assert_eq!(
        last,
        Applied::Decided {
            proposal: p.clone(),
            outcome: Ok(())
        }
    );
    assert_eq!(roll_ids(&f, "G"), ["G000", "G001", "G002"]);
    assert_eq!(roll_total(&f), 13);
    let history = ledger::report::voter_history(f.election.conn(), "G000").unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].station_after.as_deref(), Some("S-D12"));
    assert!(history[0].index > history[0].entry);
    f.sign(&officer, update("Governed One")).unwrap();
    let p2 = f.propose(&a1, remove("G002")).unwrap();
    f.approve(&p2, &[0, 1, 4, 5, 8]);
    assert!(f.voter_removed("G002"));
    assert_eq!(roll_ids(&f, "G"), ["G000", "G001"]);
    assert_eq!(roll_total(&f), 12);
    let (replayed, operator, refusals) = f.replay();
    assert_eq!(replayed, operator);
    assert_eq!(refusals, 0);
}
