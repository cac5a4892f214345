//! Complaints: filed by party agents and observers, refused only when unauthentic,
//! unauthorised or malformed; moved on by the commission's governed decisions, which have no
//! effect without the approval rule; judged against their deadlines by witness time only,
//! never by the time their authors claim; and the same lists after a replay.

mod common;

use common::*;
use ledger::event::*;
use ledger::report::{ComplaintRecord, FlagFilter, complaints, flags};
use ledger::witnessing::record_checkpoint;
use ledger::{Applied, Election, SubmitError};
use tlog::PrivateKey;
use tlog::note::{TYPE_COSIGNATURE_V1, add_signatures, open_checkpoint};

const T0: u64 = 1_374_998_400; // 2013-07-28T08:00:00Z
const DAY: u64 = 86_400;
const EVIDENCE: &str = "9b1e5b5d0f3c7b7a2c1e9d8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b";

fn witness(name: &str, seed: u8) -> PrivateKey {
    PrivateKey::from_seed(name, TYPE_COSIGNATURE_V1, [seed; 32]).unwrap()
}

/// The fixture's election, with a party agent of A acting everywhere, an observer, an agent
/// of B acting only in province P1, and two enrolled witnesses.
struct Filing {
    f: Fixture,
    agent: PrivateKey,
    observer: PrivateKey,
    agent_p1: PrivateKey,
    witnesses: [PrivateKey; 2],
}

fn filing() -> Filing {
    filing_with(None)
}

/// As [`filing`], with these deadlines in the genesis; areas and stations as the fixture's.
fn filing_with(deadlines: Option<ComplaintDeadlines>) -> Filing {
    let dir = tempfile::tempdir().unwrap();
    let log_key = key(ORIGIN, 1);
    let members = members();
    let (clerk, officer, official) = (
        key("nec.clerk", 2),
        key("reg.officer", 3),
        key("poll.official", 4),
    );
    let mut g = genesis_config(
        &members,
        &[
            (&clerk, Role::CommissionClerk),
            (&official, Role::PollingOfficial),
        ],
    );
    g.complaint_deadlines = deadlines;
    let election =
        Election::create(new_log(dir.path(), &log_key), &signed_genesis(g, &members)).unwrap();
    let mut f = Fixture {
        dir,
        election,
        log_key,
        members,
        clerk: clerk.clone(),
        officer,
        official,
    };
    let p = f.governed_batch(Content::Areas, two_provinces());
    f.approve(&p, &[0, 1, 4, 5, 8]);
    let stations = ["D11", "D12", "D21", "D22"]
        .iter()
        .map(|d| {
            Event::Station(Station {
                area: d.to_string(),
                code: format!("S-{d}"),
                name: None,
                registered: Some(5),
            })
        })
        .collect();
    let p = f.governed_batch(Content::Stations, stations);
    f.approve(&p, &[0, 1, 4, 5, 8]);
    let agent = key("agent.a", 40);
    let observer = key("observer.x", 41);
    let agent_p1 = key("agent.b.p1", 42);
    let witnesses = [witness("witness.a", 60), witness("witness.b", 61)];
    let mut enrolments = vec![
        Enrol {
            party: Some("A".into()),
            ..enrol(&agent, Role::PartyAgent, Scope::all())
        },
        Enrol {
            organisation: Some("Watch".into()),
            ..enrol(&observer, Role::Observer, Scope::all())
        },
        Enrol {
            party: Some("B".into()),
            ..enrol(&agent_p1, Role::PartyAgent, Scope::Areas(vec!["P1".into()]))
        },
    ];
    enrolments.extend(
        witnesses
            .iter()
            .map(|w| enrol(w, Role::Witness, Scope::all())),
    );
    for e in enrolments {
        f.sign(&clerk, Event::Enrol(e)).unwrap();
    }
    Filing {
        f,
        agent,
        observer,
        agent_p1,
        witnesses,
    }
}

fn about_station(station: &str, category: &str, time: Option<u64>) -> Complaint {
    Complaint {
        area: None,
        category: category.into(),
        evidence: vec![EVIDENCE.into()],
        station: Some(station.into()),
        text: "Agents were turned away at 07:10".into(),
        time,
    }
}

/// Files `c` as `by`; its index.
fn file(f: &mut Fixture, by: &PrivateKey, c: Complaint) -> u64 {
    f.election
        .submit(&[Entry::signed(Event::Complaint(c), by).to_bytes()])
        .unwrap()
        .first
}

fn refusal(r: Result<Applied, SubmitError>) -> String {
    match r {
        Err(SubmitError::Refused { refusal, .. }) => {
            format!("{}: {}", refusal.path, refusal.message)
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn decision(complaint: u64, status: ComplaintStatus) -> Action {
    Action::ComplaintDecision(ComplaintDecision { complaint, status })
}

/// Proposes a decision with its reasons; the proposal's id.
fn propose(f: &mut Fixture, complaint: u64, status: ComplaintStatus, reason: &str) -> String {
    let clerk = f.clerk.clone();
    match f
        .sign(
            &clerk,
            Event::Proposal(Proposal {
                action: decision(complaint, status),
                asked: vec![],
                reason: reason.into(),
            }),
        )
        .unwrap()
    {
        Applied::Proposed(id) => id,
        other => panic!("{other:?}"),
    }
}

/// Proposes and approves a decision (five members of both parties); the entry where it took
/// effect.
fn decide(f: &mut Fixture, complaint: u64, status: ComplaintStatus, reason: &str) -> u64 {
    let p = propose(f, complaint, status, reason);
    assert!(f.approve(&p, &[0, 1, 4, 5, 8]).took_effect());
    f.election.log().size() - 1
}

fn record(f: &Fixture, index: u64) -> ComplaintRecord {
    complaints(f.election.conn(), None)
        .unwrap()
        .into_iter()
        .find(|c| c.index == index)
        .unwrap()
}

/// Records the log's checkpoint as it stands, cosigned by both witnesses at `time`; the
/// index of the recorded checkpoint.
fn witnessed_at(
    election: &mut Election,
    log_key: &PrivateKey,
    ws: &[PrivateKey],
    time: u64,
) -> u64 {
    let note = election.sign_checkpoint(log_key).unwrap();
    let (_, text, _) = open_checkpoint(&note).unwrap();
    let sigs: Vec<_> = ws.iter().map(|w| w.sign_note(&text, time)).collect();
    record_checkpoint(election, &add_signatures(&note, &sigs).unwrap()).unwrap()
}

fn complaint_flags(f: &Fixture) -> Vec<(String, u64, u64)> {
    flags(f.election.conn(), &FlagFilter::default())
        .unwrap()
        .into_iter()
        .filter(|g| g.kind.starts_with("complaint_"))
        .map(|g| (g.kind, g.index, g.detail["complaint"].as_u64().unwrap()))
        .collect()
}

#[test]
fn a_complaint_is_refused_only_when_unauthentic_unauthorised_or_malformed() {
    let Filing {
        mut f,
        agent,
        observer,
        agent_p1,
        ..
    } = filing();
    let at_station = file(
        &mut f,
        &agent,
        about_station("S-D11", "intimidation", Some(T0)),
    );
    let about_area = file(
        &mut f,
        &observer,
        Complaint {
            area: Some("D21".into()),
            station: None,
            evidence: vec![],
            ..about_station("S-D11", "vote_buying", None)
        },
    );
    let in_scope = file(
        &mut f,
        &agent_p1,
        about_station("S-D12", "intimidation", None),
    );
    let listed = complaints(f.election.conn(), None).unwrap();
    assert_eq!(
        listed.iter().map(|c| c.index).collect::<Vec<_>>(),
        [at_station, about_area, in_scope]
    );
    let c = &listed[0];
    assert_eq!(
        (c.author.as_str(), c.station.as_deref(), c.area.as_str()),
        ("agent.a", Some("S-D11"), "D11")
    );
    assert_eq!((c.status.as_str(), c.claimed), ("received", Some(T0)));
    assert_eq!(c.evidence, [EVIDENCE]);
    assert_eq!((c.witnessed, c.decide_by), (None, None));
    assert_eq!(listed[1].area, "D21");
    // Listed by area, with everything below it.
    let in_p2: Vec<u64> = complaints(f.election.conn(), Some("P2"))
        .unwrap()
        .iter()
        .map(|c| c.index)
        .collect();
    assert_eq!(in_p2, [about_area]);

    let cases: Vec<(PrivateKey, Complaint, &str)> = vec![
        (
            agent.clone(),
            Complaint {
                area: Some("D11".into()),
                ..about_station("S-D11", "intimidation", None)
            },
            "body: name either the station or the area",
        ),
        (
            agent.clone(),
            Complaint {
                station: None,
                ..about_station("S-D11", "intimidation", None)
            },
            "body: name either the station or the area",
        ),
        (
            agent.clone(),
            about_station("S-D11", "Intimidation!", None),
            "body.category: category \"Intimidation!\" is not 1 to 64 characters",
        ),
        (
            agent.clone(),
            Complaint {
                text: "  ".into(),
                ..about_station("S-D11", "intimidation", None)
            },
            "body.text: say what happened",
        ),
        (
            agent.clone(),
            Complaint {
                evidence: vec![EVIDENCE.into(), "photo.jpg".into()],
                ..about_station("S-D11", "intimidation", None)
            },
            "body.evidence[1]: each piece of evidence is its lowercase hex SHA-256 hash",
        ),
        (
            agent.clone(),
            about_station("S-D99", "intimidation", None),
            "body.station: unknown station \"S-D99\"",
        ),
        (
            agent_p1.clone(),
            about_station("S-D21", "intimidation", None),
            "body.station: station \"S-D21\" is outside the areas where agent.b.p1 may act",
        ),
        (
            agent_p1.clone(),
            Complaint {
                area: Some("P2".into()),
                station: None,
                ..about_station("S-D11", "intimidation", None)
            },
            "body.area: area \"P2\" is outside the areas where agent.b.p1 may act",
        ),
        (
            f.official.clone(),
            about_station("S-D11", "intimidation", None),
            "author: poll.official is a polling official; this needs a party agent or observer",
        ),
    ];
    for (by, c, want) in cases {
        let got = refusal(f.sign(&by, Event::Complaint(c)));
        assert!(got.starts_with(want), "{got}\nwanted {want}");
    }
    // A key not enrolled is not authentic.
    let stranger = key("stranger", 43);
    let got = refusal(
        f.sign(
            &stranger,
            Event::Complaint(about_station("S-D11", "x", None)),
        )
        .map(|_| Applied::Done),
    );
    assert!(got.contains("stranger"), "{got}");
    assert_eq!(complaints(f.election.conn(), None).unwrap().len(), 3);
}

#[test]
fn the_commission_moves_a_complaint_by_governed_decisions_and_nothing_else() {
    let Filing {
        mut f,
        agent,
        observer,
        ..
    } = filing();
    let c = file(&mut f, &agent, about_station("S-D11", "intimidation", None));
    let other = file(
        &mut f,
        &observer,
        about_station("S-D22", "ballot_stuffing", None),
    );

    // Four approvals do not meet the rule: no effect.
    let p = propose(
        &mut f,
        c,
        ComplaintStatus::UnderInvestigation,
        "agents named the officer",
    );
    assert!(!f.approve(&p, &[0, 1, 4, 5]).took_effect());
    assert_eq!(record(&f, c).status, "received");
    assert_eq!(record(&f, c).investigation, None);
    let opened = f.election.log().size();
    assert!(f.approve(&p, &[8]).took_effect());
    let r = record(&f, c);
    assert_eq!(r.status, "under_investigation");
    let step = r.investigation.unwrap();
    assert_eq!(
        (step.status.as_str(), step.proposal.as_str(), step.index),
        ("under_investigation", p.as_str(), opened)
    );
    assert_eq!(step.reason, "agents named the officer");

    // A rejected decision has no effect either, and the complaint stays on the record.
    let members = f.members.clone();
    let p = propose(&mut f, other, ComplaintStatus::Dismissed, "no evidence");
    for m in &members[..5] {
        f.sign(
            m,
            Event::Rejection(Rejection {
                proposal: p.clone(),
                reason: "read the statement first".into(),
            }),
        )
        .unwrap();
    }
    assert_eq!(f.status(&p), "rejected");
    assert_eq!(record(&f, other).status, "received");

    // Two proposals for one complaint: the first to meet the rule decides; the second can
    // no longer take effect and is closed without effect.
    let uphold = propose(
        &mut f,
        c,
        ComplaintStatus::Upheld,
        "the officer admitted it",
    );
    let dismiss = propose(&mut f, c, ComplaintStatus::Dismissed, "no witness");
    assert!(f.approve(&uphold, &[0, 1, 4, 5, 8]).took_effect());
    match f.approve(&dismiss, &[0, 1, 4, 5, 8]) {
        Applied::Decided {
            outcome: Err(why), ..
        } => assert!(why.contains("already upheld"), "{why}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(f.status(&dismiss), "failed");
    let r = record(&f, c);
    assert_eq!(r.status, "upheld");
    assert!(r.decided());
    let d = r.decision.unwrap();
    assert_eq!(
        (d.status.as_str(), d.reason.as_str()),
        ("upheld", "the officer admitted it")
    );

    // Proposals that could never take effect are refused; a party agent proposes nothing.
    let clerk = f.clerk.clone();
    let cases = [
        (
            clerk.clone(),
            decision(c, ComplaintStatus::Dismissed),
            "body.action.complaint_decision.status: complaint",
        ),
        (
            clerk.clone(),
            decision(other, ComplaintStatus::Received),
            "body.action.complaint_decision.status: complaint",
        ),
        (
            clerk.clone(),
            decision(3, ComplaintStatus::Upheld),
            "body.action.complaint_decision.complaint: no complaint was filed at entry 3",
        ),
        (
            agent.clone(),
            decision(other, ComplaintStatus::Upheld),
            "author: agent.a (party agent of A) may not propose complaint_decision",
        ),
    ];
    for (by, action, want) in cases {
        let got = refusal(f.sign(
            &by,
            Event::Proposal(Proposal {
                action,
                asked: vec![],
                reason: "because".into(),
            }),
        ));
        assert!(got.starts_with(want), "{got}\nwanted {want}");
    }
    // Dismissed without an investigation.
    decide(
        &mut f,
        other,
        ComplaintStatus::Dismissed,
        "the station was closed that day",
    );
    let r = record(&f, other);
    assert_eq!(
        (r.status.as_str(), r.investigation.is_none()),
        ("dismissed", true)
    );
}

#[test]
fn a_complaint_is_overdue_by_witness_time_not_by_claimed_time_and_replay_agrees() {
    let Filing {
        mut f,
        agent,
        observer,
        witnesses,
        ..
    } = filing();
    let key = f.log_key.clone();
    // One claims a time long before the witnesses saw it, the other a time long after: by
    // claimed time the first would be overdue at once and the second never in this test.
    let early = file(
        &mut f,
        &agent,
        about_station("S-D11", "intimidation", Some(T0 - 30 * DAY)),
    );
    let late = file(
        &mut f,
        &observer,
        about_station("S-D21", "vote_buying", Some(T0 + 30 * DAY)),
    );
    let opened = decide(
        &mut f,
        early,
        ComplaintStatus::UnderInvestigation,
        "looking into it",
    );
    let first = witnessed_at(&mut f.election, &key, &witnesses, T0);
    let r = record(&f, early);
    assert_eq!(r.witnessed, Some(T0));
    assert_eq!(
        (r.investigate_by, r.decide_by),
        (Some(T0 + 2 * DAY), Some(T0 + 7 * DAY))
    );
    assert_eq!((r.acted_late, r.decided_late), (Some(false), None));
    assert!(!r.overdue());
    assert_eq!(complaint_flags(&f), []);
    // The later claimed time is judged as any claimed time is.
    let claimed = flags(
        f.election.conn(),
        &FlagFilter {
            kind: Some("claimed_time_after_witness"),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(claimed.iter().map(|g| g.index).collect::<Vec<_>>(), [late]);

    // Three days on: the second was never acted on.
    let second = witnessed_at(&mut f.election, &key, &witnesses, T0 + 3 * DAY);
    assert_eq!(
        complaint_flags(&f),
        [("complaint_investigation_overdue".to_string(), late, late)]
    );
    let r = record(&f, late);
    assert!(r.overdue());
    assert_eq!(
        (r.investigation_overdue_at, r.decision_overdue_at),
        (Some(second), None)
    );
    assert!(!record(&f, early).overdue());

    // It is dismissed after both deadlines; the first is never decided.
    let dismissed = decide(
        &mut f,
        late,
        ComplaintStatus::Dismissed,
        "out of time to check",
    );
    assert!(!record(&f, late).overdue(), "decided, whatever the time");
    let third = witnessed_at(&mut f.election, &key, &witnesses, T0 + 8 * DAY);
    let mut want = vec![
        ("complaint_investigation_overdue".to_string(), late, late),
        ("complaint_decision_overdue".to_string(), early, early),
        ("complaint_investigation_late".to_string(), dismissed, late),
        ("complaint_decision_late".to_string(), dismissed, late),
    ];
    want.sort_by_key(|w| (w.1, w.0.clone()));
    assert_eq!(complaint_flags(&f), want);
    let r = record(&f, late);
    assert_eq!((r.acted_late, r.decided_late), (Some(true), Some(true)));
    let r = record(&f, early);
    assert!(r.overdue());
    assert_eq!(r.decision_overdue_at, Some(third));
    let raised: Vec<u64> = flags(f.election.conn(), &FlagFilter::default())
        .unwrap()
        .iter()
        .filter(|g| g.kind.starts_with("complaint_"))
        .map(|g| g.raised_at)
        .collect();
    assert!(
        raised.iter().all(|r| *r == second || *r == third),
        "{raised:?}"
    );
    assert!(opened < first);

    // Another checkpoint raises nothing twice.
    witnessed_at(&mut f.election, &key, &witnesses, T0 + 9 * DAY);
    assert_eq!(complaint_flags(&f).len(), 4);

    let operator = complaints(f.election.conn(), None).unwrap();
    let replayed = f.replayed();
    assert!(replayed.refusals.is_empty(), "{:?}", replayed.refusals);
    assert_eq!(replayed.digest, f.election.digest().unwrap());
    assert_eq!(complaints(&replayed.state, None).unwrap(), operator);
    assert_eq!(
        flags(&replayed.state, &FlagFilter::default()).unwrap(),
        flags(f.election.conn(), &FlagFilter::default()).unwrap()
    );
}

#[test]
fn deadlines_come_from_the_genesis_by_category() {
    let deadlines = ledger::config::parse(&format!(
        "election = \"Test\"\norigin = \"{ORIGIN}\"\nlevels = [\"province\"]\n\
         [rule]\nmin_approvals = 1\nmin_parties = 0\nevery_party_asked = false\n\
         [[member]]\nname = \"m\"\nperson = \"m\"\nvkey = \"{}\"\n\
         [complaint_deadlines]\ninvestigate_within = 259200\ndecide_within = 864000\n\
         [complaint_deadlines.by_category.intimidation]\ninvestigate_within = 21600\ndecide_within = 172800\n",
        key("m", 9).vkey()
    ))
    .unwrap()
    .complaint_deadlines
    .unwrap();
    assert_eq!(deadlines.of("intimidation").investigate_within, 6 * 3600);
    assert_eq!(deadlines.of("vote_buying").decide_within, 10 * DAY);

    let Filing {
        mut f,
        agent,
        witnesses,
        ..
    } = filing_with(Some(deadlines.clone()));
    let key = f.log_key.clone();
    let urgent = file(&mut f, &agent, about_station("S-D11", "intimidation", None));
    let other = file(&mut f, &agent, about_station("S-D12", "vote_buying", None));
    witnessed_at(&mut f.election, &key, &witnesses, T0);
    let r = record(&f, urgent);
    assert_eq!(
        (r.investigate_by, r.decide_by),
        (Some(T0 + 6 * 3600), Some(T0 + 2 * DAY))
    );
    // A deadline has passed only when a checkpoint's time is past it, not at it.
    witnessed_at(&mut f.election, &key, &witnesses, T0 + 6 * 3600);
    assert_eq!(complaint_flags(&f), []);
    witnessed_at(&mut f.election, &key, &witnesses, T0 + 6 * 3600 + 1);
    witnessed_at(&mut f.election, &key, &witnesses, T0 + 2 * DAY + 1);
    assert_eq!(
        complaint_flags(&f),
        [
            ("complaint_decision_overdue".to_string(), urgent, urgent),
            (
                "complaint_investigation_overdue".to_string(),
                urgent,
                urgent
            ),
        ]
    );
    witnessed_at(&mut f.election, &key, &witnesses, T0 + 3 * DAY + 1);
    assert_eq!(complaint_flags(&f).len(), 3);
    assert!(record(&f, other).overdue());

    // Impossible deadlines are malformed.
    let mut bad = genesis_config(&members(), &[]);
    bad.complaint_deadlines = Some(ComplaintDeadlines {
        investigate_within: 11 * DAY,
        ..deadlines
    });
    let dir = tempfile::tempdir().unwrap();
    let err = match Election::create(new_log(dir.path(), &key), &signed_genesis(bad, &members())) {
        Err(SubmitError::Refused { refusal, .. }) => {
            format!("{}: {}", refusal.path, refusal.message)
        }
        other => panic!("{:?}", other.err()),
    };
    assert_eq!(
        err,
        "body.complaint_deadlines.investigate_within: opening an investigation cannot be due after the decision"
    );
}
