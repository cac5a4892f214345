//! The tlog-witness protocol: status codes, refusal of forks, atomic check-and-store, and the
//! log's client that retries a 409 at the witness's size.

mod common;

use std::path::Path;
use std::sync::Arc;
use tlog::note::Vkey;
use tlog::witness::{AddCheckpoint, Witness, WitnessReply, WitnessTransport, add_log};
use tlog::{Log, Policy, SqliteStorage};

struct Direct<'a>(&'a Witness);

impl WitnessTransport for Direct<'_> {
    fn add_checkpoint(&self, body: &[u8]) -> Result<(u16, String, Vec<u8>), String> {
        let reply = self.0.add_checkpoint(body, 1_700_000_000);
        Ok((
            reply.status(),
            reply.content_type().to_string(),
            reply.body(),
        ))
    }
    fn describe(&self) -> String {
        "in-process".into()
    }
}

fn witness(dir: &Path) -> Witness {
    let db = dir.join("witness.db");
    add_log(&db, common::ORIGIN, &common::log_key().vkey().to_string()).unwrap();
    Witness::open(&db, common::witness_key("witness.test/w1", 3)).unwrap()
}

fn log_with(dir: &Path, name: &str, entries: &[Vec<u8>]) -> Log<SqliteStorage> {
    let d = dir.join(name);
    std::fs::create_dir_all(&d).unwrap();
    let mut log = common::new_log(&d);
    log.append(entries).unwrap();
    log
}

fn request(log: &Log<SqliteStorage>, old: u64, size: u64) -> Vec<u8> {
    let root = log.root_at(size).unwrap();
    AddCheckpoint {
        old_size: old,
        proof: log.prove_consistency(old, size).unwrap(),
        checkpoint: tlog::note::sign_checkpoint(&common::log_key(), size, root),
    }
    .to_bytes()
}

#[test]
fn status_codes_follow_the_spec() {
    let tmp = tempfile::tempdir().unwrap();
    let w = witness(tmp.path());
    let entries: Vec<Vec<u8>> = (0..100).map(common::entry).collect();
    let log = log_with(tmp.path(), "honest", &entries);

    // First contact: old size 0, empty proof.
    let reply = w.add_checkpoint(&request(&log, 0, 10), 1);
    let WitnessReply::Cosigned(lines) = &reply else {
        panic!("{reply:?}")
    };
    assert_eq!(reply.status(), 200);
    let note = tlog::note::add_signatures(
        &tlog::note::sign_checkpoint(&common::log_key(), 10, log.root_at(10).unwrap()),
        &tlog::note::parse_signature_lines(lines).unwrap(),
    )
    .unwrap();
    let policy = Policy::k_of_n(common::log_key().vkey(), vec![w.vkey()], 1).unwrap();
    let cp = policy.verify(&note).unwrap();
    assert_eq!(cp.cosigned_by, vec![("witness.test/w1".to_string(), 1)]);

    // Growth with a proof.
    assert_eq!(w.add_checkpoint(&request(&log, 10, 50), 2).status(), 200);
    // Same size again: fine, and cosigned again.
    assert_eq!(w.add_checkpoint(&request(&log, 50, 50), 3).status(), 200);

    // Wrong old size: 409 with the witness's size as text/x.tlog.size.
    let reply = w.add_checkpoint(&request(&log, 10, 60), 4);
    assert_eq!(reply.status(), 409);
    assert_eq!(reply.content_type(), "text/x.tlog.size");
    assert_eq!(reply.body(), b"50\n");

    // Old size above the checkpoint's: 400.
    let mut bad = AddCheckpoint::parse(&request(&log, 50, 60)).unwrap();
    bad.old_size = 70;
    bad.proof.clear();
    assert_eq!(w.add_checkpoint(&bad.to_bytes(), 5).status(), 400);

    // Malformed bodies: 400.
    for body in [
        &b""[..],
        b"old 1",
        b"old 01\n\n",
        b"new 5\n\n",
        b"old 5\nnot base64!\n\n",
        b"old 50\n\n",
    ] {
        assert_eq!(
            w.add_checkpoint(body, 6).status(),
            400,
            "{:?}",
            String::from_utf8_lossy(body)
        );
    }

    // Unknown origin: 404.
    let stranger =
        tlog::PrivateKey::from_seed("other.example/log", tlog::note::TYPE_ED25519, [5; 32])
            .unwrap();
    let body = AddCheckpoint {
        old_size: 0,
        proof: vec![],
        checkpoint: tlog::note::sign_checkpoint(&stranger, 1, tlog::record_hash(b"x")),
    };
    assert_eq!(w.add_checkpoint(&body.to_bytes(), 7).status(), 404);

    // Right origin, wrong key: 403.
    let impostor =
        tlog::PrivateKey::from_seed(common::ORIGIN, tlog::note::TYPE_ED25519, [6; 32]).unwrap();
    let body = AddCheckpoint {
        old_size: 50,
        proof: log.prove_consistency(50, 60).unwrap(),
        checkpoint: tlog::note::sign_checkpoint(&impostor, 60, log.root_at(60).unwrap()),
    };
    assert_eq!(w.add_checkpoint(&body.to_bytes(), 8).status(), 403);

    // A proof that does not verify: 422.
    let mut bad = AddCheckpoint::parse(&request(&log, 50, 60)).unwrap();
    bad.proof[0] = tlog::record_hash(b"tampered");
    assert_eq!(w.add_checkpoint(&bad.to_bytes(), 9).status(), 422);

    // None of the refusals moved the witness.
    assert_eq!(w.logs().unwrap()[0].size, 50);
}

#[test]
fn a_witness_never_cosigns_a_fork() {
    let tmp = tempfile::tempdir().unwrap();
    let w = witness(tmp.path());
    let honest: Vec<Vec<u8>> = (0..100).map(common::entry).collect();
    let log = log_with(tmp.path(), "honest", &honest);
    assert_eq!(w.add_checkpoint(&request(&log, 0, 40), 1).status(), 200);

    let mut forged = honest.clone();
    forged[20] = b"a rewritten fact".to_vec();
    let fork = log_with(tmp.path(), "fork", &forged);
    // Same size, different root: 409.
    assert_eq!(w.add_checkpoint(&request(&fork, 40, 40), 2).status(), 409);
    // Larger: the fork's own proof from 40 does not lead from the root the witness holds: 422.
    assert_eq!(w.add_checkpoint(&request(&fork, 40, 80), 3).status(), 422);
    // The honest log carries on.
    assert_eq!(w.add_checkpoint(&request(&log, 40, 80), 4).status(), 200);
    // And a fork from before the witness's size cannot roll it back.
    assert_eq!(w.add_checkpoint(&request(&fork, 0, 30), 5).status(), 409);

    // State survives a restart.
    drop(w);
    let w = Witness::open(
        &tmp.path().join("witness.db"),
        common::witness_key("witness.test/w1", 3),
    )
    .unwrap();
    let logs = w.logs().unwrap();
    assert_eq!(logs[0].size, 80);
    assert_eq!(logs[0].root, log.root_at(80).unwrap());
}

#[test]
fn racing_requests_cannot_roll_the_witness_back() {
    let tmp = tempfile::tempdir().unwrap();
    let w = Arc::new(witness(tmp.path()));
    let entries: Vec<Vec<u8>> = (0..200).map(common::entry).collect();
    let log = log_with(tmp.path(), "honest", &entries);
    assert_eq!(w.add_checkpoint(&request(&log, 0, 10), 1).status(), 200);
    // Every request claims to start at 10; once one lands, the rest must get 409.
    let bodies: Vec<(u64, Vec<u8>)> = (11..=60).map(|s| (s, request(&log, 10, s))).collect();
    let results: Vec<(u64, u16)> = std::thread::scope(|scope| {
        let handles: Vec<_> = bodies
            .iter()
            .map(|(s, body)| {
                let w = w.clone();
                scope.spawn(move || (*s, w.add_checkpoint(body, 2).status()))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let won: Vec<u64> = results
        .iter()
        .filter(|(_, c)| *c == 200)
        .map(|(s, _)| *s)
        .collect();
    assert_eq!(won.len(), 1, "{results:?}");
    assert!(results.iter().all(|(_, c)| *c == 200 || *c == 409));
    assert_eq!(w.logs().unwrap()[0].size, won[0]);
}

#[test]
fn the_log_client_retries_a_conflict_and_attaches_cosignatures() {
    let tmp = tempfile::tempdir().unwrap();
    let w1 = witness(&tmp.path().join("w1").tap_mkdir());
    let db2 = tmp.path().join("w2.db");
    add_log(&db2, common::ORIGIN, &common::log_key().vkey().to_string()).unwrap();
    let w2 = Witness::open(&db2, common::witness_key("witness.test/w2", 4)).unwrap();
    let entries: Vec<Vec<u8>> = (0..300).map(common::entry).collect();
    let mut log = log_with(tmp.path(), "honest", &entries[..100]);
    let key = common::log_key();

    // w1 already cosigned size 60 for someone else's request; the log does not know.
    let other = log_with(tmp.path(), "mirror", &entries[..60]);
    assert_eq!(w1.add_checkpoint(&request(&other, 0, 60), 1).status(), 200);

    let note = log.sign_checkpoint(&key).unwrap();
    let (t1, t2) = (Direct(&w1), Direct(&w2));
    let witnesses: Vec<(Vkey, &dyn WitnessTransport)> = vec![(w1.vkey(), &t1), (w2.vkey(), &t2)];
    let (cosigned, results) =
        tlog::witness::witness_checkpoint(&mut log, &note, &witnesses).unwrap();
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let policy = Policy::k_of_n(key.vkey(), vec![w1.vkey(), w2.vkey()], 2).unwrap();
    assert_eq!(policy.verify(&cosigned).unwrap().size, 100);
    assert_eq!(log.latest_checkpoint().unwrap().unwrap(), cosigned);

    // Growth: the log remembers what each witness last cosigned and sends proofs from there.
    log.append(&entries[100..]).unwrap();
    let note = log.sign_checkpoint(&key).unwrap();
    let (cosigned, results) =
        tlog::witness::witness_checkpoint(&mut log, &note, &witnesses).unwrap();
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(policy.verify(&cosigned).unwrap().size, 300);
}

trait TapMkdir {
    fn tap_mkdir(self) -> Self;
}

impl TapMkdir for std::path::PathBuf {
    fn tap_mkdir(self) -> Self {
        std::fs::create_dir_all(&self).unwrap();
        self
    }
}

/// Guards against a refusal the operator cannot read: a witness that cosigned another tree of
/// the same size answers 409 with its size, and the log used to report only "(409): 40".
#[test]
fn a_witness_holding_a_same_size_fork_is_reported_as_a_fork() {
    let tmp = tempfile::tempdir().unwrap();
    let w = witness(tmp.path());
    let honest: Vec<Vec<u8>> = (0..40).map(common::entry).collect();
    let mut forged = honest.clone();
    forged[7] = b"another history".to_vec();
    let fork = log_with(tmp.path(), "fork", &forged);
    assert_eq!(w.add_checkpoint(&request(&fork, 0, 40), 1).status(), 200);

    let mut log = log_with(tmp.path(), "honest", &honest);
    let note = log.sign_checkpoint(&common::log_key()).unwrap();
    let err = tlog::witness::cosign_checkpoint(&mut log, &note, &w.vkey(), &Direct(&w))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("holds a different checkpoint of the same size 40")
            && err.contains("the log forked"),
        "{err}"
    );
    assert!(!err.ends_with(": 40"), "{err}");
}
