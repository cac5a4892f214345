//! Witness time: a cosigned checkpoint of the log recorded in the log, checked against the
//! genesis's log key and the enrolled witnesses; `witnessed_time`; claimed times judged by it;
//! and replay of a log with flags, an amendment and recorded checkpoints.

mod common;

use common::*;
use ledger::event::*;
use ledger::report::{FlagFilter, flags, witnessed_time};
use ledger::witnessing::{checkpoint_entry, record_checkpoint};
use ledger::{Election, SubmitError};
use tlog::PrivateKey;
use tlog::note::{TYPE_COSIGNATURE_V1, add_signatures, open_checkpoint};

const T0: u64 = 1_374_998_400; // 2013-07-28T08:00:00Z

fn witness(name: &str, seed: u8) -> PrivateKey {
    PrivateKey::from_seed(name, TYPE_COSIGNATURE_V1, [seed; 32]).unwrap()
}

fn enrol_witnesses(f: &mut Fixture, witnesses: &[&PrivateKey]) {
    let clerk = f.clerk.clone();
    for w in witnesses {
        f.sign(&clerk, Event::Enrol(enrol(w, Role::Witness, Scope::all())))
            .unwrap();
    }
}

/// The log's checkpoint as it stands, cosigned by each witness at its time.
fn cosigned(election: &mut Election, log_key: &PrivateKey, by: &[(&PrivateKey, u64)]) -> Vec<u8> {
    let note = election.sign_checkpoint(log_key).unwrap();
    cosign(&note, by)
}

fn cosign(note: &[u8], by: &[(&PrivateKey, u64)]) -> Vec<u8> {
    let (_, text, _) = open_checkpoint(note).unwrap();
    let sigs: Vec<_> = by.iter().map(|(w, t)| w.sign_note(&text, *t)).collect();
    add_signatures(note, &sigs).unwrap()
}

fn refused(r: Result<u64, SubmitError>) -> String {
    match r {
        Err(SubmitError::Refused { refusal, .. }) => refusal.to_string(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn form_at(station: &str, time: u64) -> Event {
    let mut form = result_form(station, "official", 2, 1, 0);
    form.time = Some(time);
    Event::ResultForm(form)
}

fn register(voter: usize) -> Event {
    Event::Register(Register {
        names: None,
        birth_year: 1980,
        commitment: None,
        name: format!("Voter {voter}"),
        sex: Sex::F,
        station: "S-D21".into(),
        voter: format!("W{voter:04}"),
    })
}

#[test]
fn a_good_checkpoint_gives_witness_time_and_flags_a_later_claimed_time() {
    let mut f = Fixture::new();
    let (wa, wb) = (witness("witness.a", 60), witness("witness.b", 61));
    enrol_witnesses(&mut f, &[&wa, &wb]);
    let official = f.official.clone();
    let honest = f
        .election
        .submit(&[Entry::signed(form_at("S-D11", T0 - 600), &official).to_bytes()])
        .unwrap()
        .first;
    let late = f
        .election
        .submit(&[Entry::signed(form_at("S-D12", T0 + 3600), &official).to_bytes()])
        .unwrap()
        .first;
    let key = f.log_key.clone();
    let note = cosigned(&mut f.election, &key, &[(&wa, T0), (&wb, T0 + 5)]);
    let size = f.election.log().size();
    let at = record_checkpoint(&mut f.election, &note).unwrap();
    assert_eq!(at, size);

    let conn = f.election.conn();
    let w = witnessed_time(conn, honest).unwrap().unwrap();
    assert_eq!(
        w.time,
        T0 + 5,
        "the latest cosignature: both witnesses vouch for it"
    );
    assert_eq!(w.witnesses, ["witness.a", "witness.b"]);
    assert_eq!((w.checkpoint, w.size), (at, size));
    assert_eq!(
        witnessed_time(conn, size - 1).unwrap().unwrap().time,
        T0 + 5
    );
    // The checkpoint's own entry is not covered by it.
    assert_eq!(witnessed_time(conn, at).unwrap(), None);

    let claimed = flags(
        conn,
        &FlagFilter {
            kind: Some("claimed_time_after_witness"),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(claimed.len(), 1, "{claimed:?}");
    assert_eq!(claimed[0].index, late);
    assert_eq!(claimed[0].raised_at, at);
    assert_eq!(claimed[0].station.as_deref(), Some("S-D12"));
    assert_eq!(claimed[0].detail["claimed"], T0 + 3600);
    assert_eq!(claimed[0].detail["witnessed"], T0 + 5);

    // A later checkpoint with an earlier time (a witness's clock) tightens the bound.
    let note = cosigned(&mut f.election, &key, &[(&wa, T0 - 10)]);
    let later = record_checkpoint(&mut f.election, &note).unwrap();
    let w = witnessed_time(f.election.conn(), honest).unwrap().unwrap();
    assert_eq!((w.time, w.checkpoint), (T0 - 10, later));
    assert_eq!(w.witnesses, ["witness.a"]);
}

#[test]
fn a_checkpoint_that_is_not_authentic_or_not_this_logs_is_refused() {
    let mut f = Fixture::new();
    let (wa, wb) = (witness("witness.a", 60), witness("witness.b", 61));
    enrol_witnesses(&mut f, &[&wa]);
    let key = f.log_key.clone();
    let note = f.election.sign_checkpoint(&key).unwrap();
    let size = f.election.log().size();

    // Unenrolled witness.
    let m = refused(record_checkpoint(
        &mut f.election,
        &cosign(&note, &[(&wb, T0)]),
    ));
    assert!(m.contains("not an enrolled witness"), "{m}");
    // Forged cosignature: an enrolled witness's line, signed over another time.
    let good = cosign(&note, &[(&wa, T0)]);
    let (_, text, _) = open_checkpoint(&note).unwrap();
    let forged_line = {
        let sig = wa.sign_note(&text, T0);
        let mut raw = sig.signature().to_vec();
        raw[7] ^= 1; // the timestamp the signature does not cover
        signed_note::Signature::new(sig.name().to_string(), sig.id(), raw).unwrap()
    };
    let forged = add_signatures(&note, &[forged_line]).unwrap();
    let m = refused(record_checkpoint(&mut f.election, &forged));
    assert!(m.contains("does not verify"), "{m}");
    // A witness key that is not the enrolled one under the same name.
    let impostor = witness("witness.a", 99);
    let m = refused(record_checkpoint(
        &mut f.election,
        &cosign(&note, &[(&impostor, T0)]),
    ));
    assert!(m.contains("key id"), "{m}");
    // No cosignature at all.
    let m = refused(record_checkpoint(&mut f.election, &note));
    assert!(m.contains("no witness cosigned"), "{m}");
    // Signed by another log key under this origin.
    let other = key_named(ORIGIN, 77);
    let fake = tlog::note::sign_checkpoint(&other, size, f.election.log().root());
    let m = refused(record_checkpoint(
        &mut f.election,
        &cosign(&fake, &[(&wa, T0)]),
    ));
    assert!(m.contains("not the genesis's log key"), "{m}");
    // The log's key on a root that is not the log's at that size.
    let wrong_root = tlog::note::sign_checkpoint(&key, size, tlog::record_hash(b"other"));
    let m = refused(record_checkpoint(
        &mut f.election,
        &cosign(&wrong_root, &[(&wa, T0)]),
    ));
    assert!(m.contains("not the log's root"), "{m}");
    // A size beyond the log.
    let beyond = tlog::note::sign_checkpoint(&key, size + 5, f.election.log().root());
    let m = refused(record_checkpoint(
        &mut f.election,
        &cosign(&beyond, &[(&wa, T0)]),
    ));
    assert!(m.contains("beyond the log"), "{m}");
    // A recorded checkpoint carries no author of its own.
    let mut signed = Entry::parse(&checkpoint_entry(&good).unwrap()).unwrap();
    signed = Entry::signed(signed.event, &f.clerk.clone());
    let m = match f.election.submit(&[signed.to_bytes()]) {
        Err(SubmitError::Refused { refusal, .. }) => refusal.to_string(),
        other => panic!("{other:?}"),
    };
    assert!(m.contains("no author"), "{m}");
    // Nothing refused left a trace; the honest checkpoint is taken.
    assert_eq!(witnessed_time(f.election.conn(), 0).unwrap(), None);
    record_checkpoint(&mut f.election, &good).unwrap();
    assert_eq!(
        witnessed_time(f.election.conn(), 0).unwrap().unwrap().time,
        T0
    );
    // A revoked witness's cosignature is refused.
    let members = f.members.clone();
    let p = f
        .propose(
            &members[0],
            Action::Revoke(Revoke {
                name: "witness.a".into(),
                reason: "key lost".into(),
            }),
        )
        .unwrap();
    assert!(f.approve(&p, &[0, 1, 4, 5, 8]).took_effect());
    let note = f.election.sign_checkpoint(&key).unwrap();
    let m = refused(record_checkpoint(
        &mut f.election,
        &cosign(&note, &[(&wa, T0)]),
    ));
    assert!(m.contains("revoked"), "{m}");
}

fn key_named(name: &str, seed: u8) -> PrivateKey {
    PrivateKey::from_seed(name, tlog::note::TYPE_ED25519, [seed; 32]).unwrap()
}

#[test]
fn replay_of_flags_an_amendment_and_checkpoints_reproduces_the_digest() {
    let mut f = Fixture::new();
    let (wa, wb) = (witness("witness.a", 60), witness("witness.b", 61));
    enrol_witnesses(&mut f, &[&wa, &wb]);
    let official = f.official.clone();
    let clerk = f.clerk.clone();
    let officer = f.officer.clone();
    let late = f
        .election
        .submit(&[Entry::signed(form_at("S-D11", T0 + 3600), &official).to_bytes()])
        .unwrap()
        .first;
    let mut wrong = result_form("S-D12", "official", 2, 2, 0);
    wrong.valid = 5;
    f.sign(&official, Event::ResultForm(wrong)).unwrap();
    let p = f
        .propose(
            &clerk,
            Action::AmendForm(result_form("S-D12", "official", 2, 2, 0)),
        )
        .unwrap();
    assert!(f.approve(&p, &[0, 1, 4, 5, 8]).took_effect());
    let key = f.log_key.clone();
    let first = cosigned(&mut f.election, &key, &[(&wa, T0), (&wb, T0 + 2)]);
    let first_size = f.election.log().size();
    assert!(!first_size.is_multiple_of(256) && first_size < 256);
    // More than a tile of entries before the checkpoint is recorded, so that replay reads
    // the root at its size from a full tile rather than from the right edge.
    for b in 0..3 {
        let events = (0..100).map(|i| register(b * 100 + i)).collect();
        f.submit(build_batch(&officer, Content::Registrations, events, None))
            .unwrap();
    }
    let at = record_checkpoint(&mut f.election, &first).unwrap();
    assert!(at > 256);
    let second = cosigned(&mut f.election, &key, &[(&wb, T0 + 60)]);
    record_checkpoint(&mut f.election, &second).unwrap();

    let operator: Vec<_> = flags(f.election.conn(), &FlagFilter::default()).unwrap();
    let kinds: Vec<&str> = operator.iter().map(|f| f.kind.as_str()).collect();
    assert_eq!(kinds, ["claimed_time_after_witness", "votes_not_valid"]);
    assert_eq!(operator[0].index, late);
    let witnessed = witnessed_time(f.election.conn(), late).unwrap();

    let replayed = f.replayed();
    assert!(replayed.refusals.is_empty(), "{:?}", replayed.refusals);
    assert_eq!(replayed.digest, f.election.digest().unwrap());
    assert_eq!(
        flags(&replayed.state, &FlagFilter::default()).unwrap(),
        operator
    );
    assert_eq!(witnessed_time(&replayed.state, late).unwrap(), witnessed);
    assert_eq!(witnessed.unwrap().checkpoint, at);
}
