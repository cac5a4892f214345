//! Group commit: submissions from concurrent clients taken together in one durable step, each
//! taken or refused on its own.

mod common;

use common::*;
use ledger::SubmitError;
use ledger::event::*;

fn register(voter: &str, station: &str) -> Event {
    Event::Register(Register {
        names: None,
        birth_year: 1980,
        commitment: None,
        name: format!("Voter {voter}"),
        sex: Sex::M,
        station: station.into(),
        voter: voter.into(),
    })
}

/// Each submission, sent alone to `single`, is taken or refused as in the group, and both
/// elections end with the same state digest.
fn judged_as_alone(
    grouped: &Fixture,
    single: &mut Fixture,
    submissions: &[Vec<Vec<u8>>],
    out: &[Result<ledger::election::Receipt, ledger::election::SubmitError>],
) {
    for (i, s) in submissions.iter().enumerate() {
        let alone = single.election.submit(s);
        assert_eq!(alone.is_ok(), out[i].is_ok(), "submission {i}: {alone:?}");
    }
    assert_eq!(
        grouped.election.digest().unwrap(),
        single.election.digest().unwrap()
    );
}

fn voters(f: &Fixture) -> Vec<String> {
    let mut out = Vec::new();
    ledger::report::each_voter::<ledger::report::Error>(f.election.conn(), |v| {
        out.push(v.voter);
        Ok(())
    })
    .unwrap();
    out
}

#[test]
fn a_refused_submission_never_takes_the_others_down() {
    let mut f = Fixture::new();
    let size = f.election.log().size();
    let officer = f.officer.clone();
    let official = f.official.clone();
    let one = |e: Event, k: &tlog::PrivateKey| vec![Entry::signed(e, k).to_bytes()];
    let batch = build_batch(
        &officer,
        Content::Registrations,
        vec![register("G3", "S-D21"), register("G4", "S-D22")],
        None,
    );
    let mut short_batch = build_batch(
        &officer,
        Content::Registrations,
        vec![register("G5", "S-D21"), register("G6", "S-D22")],
        None,
    );
    short_batch.pop();
    let submissions = vec![
        one(register("G1", "S-D11"), &officer),
        one(register("X1", "S-NOWHERE"), &officer),
        batch,
        one(register("G1", "S-D12"), &officer), // the same voter again
        short_batch,
        vec![b"not json".to_vec()],
        Vec::new(),
        one(register("G2", "S-D12"), &officer),
        // A polling official may not register voters.
        one(register("X2", "S-D11"), &official),
    ];
    let out = f.election.submit_group(&submissions).unwrap();
    let taken: Vec<u64> = out
        .iter()
        .filter_map(|r| r.as_ref().ok().map(|r| r.first))
        .collect();
    // Consecutive indexes, in the order given: G1, the batch of three entries, G2.
    assert_eq!(taken, [size, size + 1, size + 4]);
    assert_eq!(f.election.log().size(), size + 5);
    for (i, why) in [
        (1, "station"),
        (3, "already registered"),
        (4, "missing its last"),
        (5, ""),
        (6, "no entry"),
        (8, ""),
    ] {
        let e = out[i].as_ref().err().unwrap_or_else(|| panic!("{i} taken"));
        assert!(e.to_string().contains(why), "{i}: {e}");
    }
    assert!(matches!(
        &out[1],
        Err(SubmitError::Refused { position: 0, refusal }) if refusal.path == "body.station"
    ));
    let v = voters(&f);
    for id in ["G1", "G2", "G3", "G4"] {
        assert!(v.contains(&id.to_string()), "{id} missing from {v:?}");
    }
    for id in ["X1", "X2", "G5", "G6"] {
        assert!(!v.contains(&id.to_string()), "{id} must not be on the roll");
    }
    // The log holds exactly what was taken: a replay of it gives the same state.
    let (replayed, operator, refusals) = f.replay();
    assert_eq!((replayed, refusals), (operator, 0));
}

#[test]
fn a_group_of_honest_submissions_is_one_step_and_equals_submitting_them_one_by_one() {
    let mut grouped = Fixture::new();
    let mut single = Fixture::new();
    let officer = grouped.officer.clone();
    let submissions: Vec<Vec<Vec<u8>>> = (0..50)
        .map(|i| {
            let station = ["S-D11", "S-D12", "S-D21", "S-D22"][i % 4];
            vec![Entry::signed(register(&format!("H{i}"), station), &officer).to_bytes()]
        })
        .collect();
    let out = grouped.election.submit_group(&submissions).unwrap();
    assert!(out.iter().all(Result::is_ok));
    for s in &submissions {
        single.election.submit(s).unwrap();
    }
    assert_eq!(
        grouped.election.digest().unwrap(),
        single.election.digest().unwrap()
    );
    assert_eq!(grouped.election.log().size(), single.election.log().size());
}

/// Big enough that worker threads check the signatures while the fold runs: a submission
/// refused halfway (whose remaining entries' checks must be skipped, not given to the next
/// submission) and a forged signature must each be judged exactly as if the submissions had
/// come one by one.
#[test]
fn a_large_group_checked_on_worker_threads_equals_submitting_one_by_one() {
    let mut grouped = Fixture::new();
    let mut single = Fixture::new();
    let officer = grouped.officer.clone();
    let forger = key(officer.name(), 99);
    let stations = ["S-D11", "S-D12", "S-D21", "S-D22"];
    let many = |prefix: &str, n: usize, k: &tlog::PrivateKey| -> Vec<Vec<u8>> {
        (0..n)
            .map(|i| {
                Entry::signed(register(&format!("{prefix}{i}"), stations[i % 4]), k).to_bytes()
            })
            .collect()
    };
    let mut halfway = many("R", 40, &officer);
    halfway[10] = Entry::signed(register("R10", "S-NOWHERE"), &officer).to_bytes();
    let submissions = vec![
        many("A", 40, &officer),
        halfway,
        // The voter the refused one registered before its refusal: taken.
        many("R", 1, &officer),
        many("B", 40, &officer),
        many("F", 3, &forger),
        many("C", 40, &officer),
    ];
    let out = grouped.election.submit_group(&submissions).unwrap();
    let refused: Vec<usize> = (0..out.len()).filter(|&i| out[i].is_err()).collect();
    assert_eq!(refused, [1, 4], "{out:?}");
    assert!(matches!(
        &out[1],
        Err(SubmitError::Refused { position: 10, refusal }) if refusal.path == "body.station"
    ));
    judged_as_alone(&grouped, &mut single, &submissions, &out);
    let v = voters(&grouped);
    assert!(v.contains(&"B39".to_string()) && v.contains(&"C0".to_string()));
    assert!(v.contains(&"R0".to_string()) && !v.contains(&"R1".to_string()));
    assert!(!v.contains(&"F0".to_string()));
    let (replayed, operator, refusals) = grouped.replay();
    assert_eq!((replayed, refusals), (operator, 0));
}

/// Entries parsed and signature-checked ahead, on the threads that received them (what the
/// server does), are judged exactly as the intake thread judges raw bytes: a key enrolled in
/// the same group (unknown to the checker) is checked by the fold, a key revoked in the same
/// group (known to the checker) is still refused, forgeries and unparsable entries are
/// refused, and the state is the same as submitting each alone.
#[test]
fn entries_checked_ahead_are_judged_as_the_intake_thread_judges_them() {
    let mut grouped = Fixture::new();
    let mut single = Fixture::new();
    let (officer, clerk) = (grouped.officer.clone(), grouped.clerk.clone());
    let forger = key(officer.name(), 99);
    let agent = key("agent.a.1", 50);
    let agent_forger = key("agent.a.1", 51);
    let one = |e: Event, k: &tlog::PrivateKey| vec![Entry::signed(e, k).to_bytes()];
    let form = |station: &str| Event::ResultForm(result_form(station, "party:A", 2, 1, 0));
    let submissions = [
        one(register("H0", "S-D11"), &officer),
        one(register("F0", "S-D11"), &forger),
        vec![b"not json".to_vec()],
        one(
            Event::Enrol(Enrol {
                name: agent.name().into(),
                organisation: None,
                party: Some("A".into()),
                person: None,
                role: Role::PartyAgent,
                scope: Scope::Areas(vec!["P1".into()]),
                vkey: agent.vkey().to_string(),
            }),
            &clerk,
        ),
        one(form("S-D11"), &agent),
        one(form("S-D12"), &agent_forger),
        one(
            Event::Revoke(Revoke {
                name: officer.name().into(),
                reason: "lost".into(),
            }),
            &officer,
        ),
        one(register("H1", "S-D12"), &officer),
    ];
    let checker = ledger::election::Checker::new(&grouped.election);
    let checked: Vec<Vec<ledger::election::Checked>> = submissions
        .iter()
        .map(|s| s.iter().map(|e| checker.check(e.clone())).collect())
        .collect();
    let out = grouped.election.submit_checked_group(checked).unwrap();
    let refused: Vec<usize> = (0..out.len()).filter(|&i| out[i].is_err()).collect();
    assert_eq!(refused, [1, 2, 5, 7], "{out:?}");
    for (i, path) in [(1, "sig"), (2, "entry"), (5, "sig"), (7, "author")] {
        assert!(
            matches!(&out[i], Err(SubmitError::Refused { refusal, .. }) if refusal.path == path),
            "{i}: {:?}",
            out[i]
        );
    }
    judged_as_alone(&grouped, &mut single, &submissions, &out);
    let (replayed, operator, refusals) = grouped.replay();
    assert_eq!((replayed, refusals), (operator, 0));
}
