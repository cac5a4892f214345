//! The witness end to end: `Witness::add_checkpoint` against a fresh witness database that
//! follows two logs, for a sequence of up to eight requests.
//!
//! Each request is either raw bytes, or built by the harness from choices in the input: which
//! history (the log, a fork of it that shares its first 20 entries, or a made-up root), the
//! sizes, which proof (right, wrong, cut, padded, from the fork), who signs, and a byte to flip.
//! The harness keeps its own model of what the witness last cosigned and checks every answer:
//! only the spec's status codes (never 500), 409 carries the witness's real size, and a 200
//! comes with a valid cosignature and never for a checkpoint inconsistent with the last one
//! cosigned. After the sequence, the database is reopened and must agree with the model.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::collections::HashMap;
use std::sync::OnceLock;
use tlog::Hash;
use tlog::note::{PrivateKey, TYPE_ED25519, checkpoint_text, open_checkpoint};
use tlog::witness::{AddCheckpoint, Witness, WitnessReply, add_log};
use tlog_fuzz::{Input, ORIGIN, impostor_key, log_key, mth, new_log, witness_keys};

const OTHER: &str = "other.scrutineer.example/log";
/// Sizes 0..=MAX of each history are known to the harness.
const MAX: u64 = 40;
/// The fork shares this many entries with the log.
const SHARED: u64 = 20;

fn other_key() -> PrivateKey {
    PrivateKey::from_seed(OTHER, TYPE_ED25519, [9; 32]).unwrap()
}

struct History {
    roots: Vec<Hash>,
    /// `proofs[old][new]` for old <= new.
    proofs: Vec<Vec<Vec<Hash>>>,
}

struct Fixture {
    histories: [History; 2],
    /// A witness database that follows both logs and has cosigned nothing yet; each run
    /// starts from a copy (quicker than making one).
    template: std::path::PathBuf,
    _tmp: tempfile::TempDir,
}

fn history(dir: &std::path::Path, entries: &[Vec<u8>]) -> History {
    std::fs::create_dir_all(dir).unwrap();
    let mut log = new_log(dir);
    log.append(entries).unwrap();
    let roots = (0..=MAX).map(|s| mth(&entries[..s as usize])).collect();
    let proofs = (0..=MAX)
        .map(|old| {
            (0..=MAX)
                .map(|new| {
                    if old <= new {
                        log.prove_consistency(old, new).unwrap()
                    } else {
                        Vec::new()
                    }
                })
                .collect()
        })
        .collect();
    History { roots, proofs }
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        let main = tlog_fuzz::entries(MAX);
        let mut fork = main.clone();
        for (i, e) in fork.iter_mut().enumerate().skip(SHARED as usize) {
            *e = format!("fork {i}").into_bytes();
        }
        let template = tmp.path().join("template.db");
        add_log(&template, ORIGIN, &log_key().vkey().to_string()).unwrap();
        add_log(&template, OTHER, &other_key().vkey().to_string()).unwrap();
        Fixture {
            template,
            histories: [
                history(&tmp.path().join("main"), &main),
                history(&tmp.path().join("fork"), &fork),
            ],
            _tmp: tmp,
        }
    })
}

fn note(text: &[u8], signers: &[(&PrivateKey, &[u8])]) -> Vec<u8> {
    let mut out = text.to_vec();
    out.push(b'\n');
    for (key, signed) in signers {
        out.extend_from_slice(&key.sign_note(signed, 0).to_bytes());
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    // Memory-backed where the machine has /dev/shm: each run makes a new witness database.
    let tmp = tlog_fuzz::scratch("scrutineer-fuzz-witness-");
    let db = tmp.path().join("witness.db");
    std::fs::copy(&f.template, &db).unwrap();
    let wkey = witness_keys().remove(0);
    let wvkey = wkey.vkey();
    let mut witness = Witness::open(&db, wkey.clone()).unwrap();
    let trusted: HashMap<&str, PrivateKey> = [(ORIGIN, log_key()), (OTHER, other_key())].into();
    // The model: per origin, the last cosigned size and root.
    let mut model: HashMap<String, (u64, Hash)> = trusted
        .keys()
        .map(|o| (o.to_string(), (0, tlog::EMPTY_HASH)))
        .collect();

    let mut input = Input(data);
    let mut step = 0u64;
    while !input.is_empty() && step < 8 {
        step += 1;
        let op = input.u8();
        let mut body = if op % 3 == 0 {
            let n = usize::from(input.u16() % 4096);
            input.bytes(n).to_vec()
        } else {
            build_request(f, &mut input, &model)
        };
        let flip = input.u16();
        if flip & 1 == 1 && !body.is_empty() {
            let at = usize::from(flip >> 1) % body.len();
            body[at] ^= input.u8() | 1;
        }
        let now = 1_700_000_000 + step;
        let reply = witness.add_checkpoint(&body, now);
        check_reply(&reply, &body, now, &wvkey, &trusted, &mut model, f);
    }

    // What was stored survives a reopen and matches the model.
    drop(witness);
    witness = Witness::open(&db, wkey).unwrap();
    let logs = witness.logs().unwrap();
    assert_eq!(logs.len(), 2, "the witness forgot a log");
    for log in logs {
        let (size, root) = model[&log.origin];
        assert_eq!(
            (log.size, log.root),
            (size, root),
            "stored state of {}",
            log.origin
        );
    }
});

fn build_request(f: &Fixture, input: &mut Input, model: &HashMap<String, (u64, Hash)>) -> Vec<u8> {
    let which = input.u8();
    let origin = if which & 0x80 != 0 { OTHER } else { ORIGIN };
    let lineage = usize::from(which % 3);
    let size_byte = input.u8();
    let (size, root) = match lineage {
        0 | 1 => {
            let s = u64::from(size_byte) % (MAX + 1);
            (s, f.histories[lineage].roots[s as usize])
        }
        _ => {
            let s = if size_byte & 0x80 != 0 {
                input.u64()
            } else {
                u64::from(size_byte)
            };
            let mut r = [0u8; 32];
            r.copy_from_slice(&{
                let mut b = input.bytes(32).to_vec();
                b.resize(32, 0);
                b
            });
            (s, Hash(r))
        }
    };
    let old_byte = input.u8();
    let old = if old_byte & 0x80 != 0 {
        // An honest client: the size the witness last cosigned.
        model[origin].0
    } else {
        u64::from(old_byte) % (MAX + 1)
    };
    let history = &f.histories[lineage.min(1)];
    let mut proof = if old <= size && size <= MAX {
        history.proofs[old as usize][size as usize].clone()
    } else {
        Vec::new()
    };
    match input.u8() % 6 {
        0 => {}
        1 => proof.clear(),
        2 => {
            if !proof.is_empty() {
                let i = usize::from(input.u8()) % proof.len();
                proof[i].0[usize::from(input.u8()) % 32] ^= 1;
            }
        }
        3 => {
            if old <= size && size <= MAX {
                proof = f.histories[1 - lineage.min(1)].proofs[old as usize][size as usize].clone();
            }
        }
        4 => {
            proof.pop();
        }
        _ => proof.push(Hash([input.u8(); 32])),
    }
    let text = checkpoint_text(origin, size, root);
    let log = if origin == ORIGIN {
        log_key()
    } else {
        other_key()
    };
    let checkpoint = match input.u8() % 5 {
        0 => note(&text, &[(&log, &text)]),
        1 => note(&text, &[(&impostor_key(), &text)]),
        2 => note(&text, &[(&witness_keys()[1], &text)]),
        3 => note(&text, &[(&impostor_key(), &text), (&log, &text)]),
        _ => note(&text, &[(&log, b"another text\n")]),
    };
    AddCheckpoint {
        old_size: old,
        proof,
        checkpoint,
    }
    .to_bytes()
}

fn check_reply(
    reply: &WitnessReply,
    body: &[u8],
    now: u64,
    wvkey: &tlog::Vkey,
    trusted: &HashMap<&str, PrivateKey>,
    model: &mut HashMap<String, (u64, Hash)>,
    f: &Fixture,
) {
    let status = reply.status();
    assert!(
        [200, 400, 403, 404, 409, 422].contains(&status),
        "status {status}: {reply:?}"
    );
    assert!(!reply.body().is_empty());
    // Anything but 400 means the request parsed.
    let parsed = AddCheckpoint::parse(body)
        .ok()
        .and_then(|r| open_checkpoint(&r.checkpoint).ok().map(|c| (r, c)));
    if status != 400 {
        assert!(
            parsed.is_some(),
            "{status} for a request that does not parse"
        );
    }
    match reply {
        WitnessReply::Cosigned(lines) => {
            let (req, (cp, text, _)) = parsed.unwrap();
            let origin = cp.origin().to_string();
            let key = trusted
                .get(origin.as_str())
                .expect("cosigned an unknown log");
            let policy = tlog::Policy::k_of_n(key.vkey(), vec![], 0).unwrap();
            policy
                .verify(&req.checkpoint)
                .expect("cosigned a checkpoint the log did not sign");
            let sigs = tlog::note::parse_signature_lines(lines).unwrap();
            assert_eq!(sigs.len(), 1);
            assert_eq!(
                (sigs[0].name(), sigs[0].id()),
                (wvkey.name.as_str(), wvkey.id)
            );
            assert_eq!(wvkey.verify(&text, sigs[0].signature()), Some(Some(now)));
            let (had_size, had_root) = model[&origin];
            assert_eq!(req.old_size, had_size, "cosigned from the wrong old size");
            let (size, root) = (cp.size(), *cp.hash());
            assert!(size >= had_size, "cosigned a rollback");
            if size == had_size {
                assert_eq!(root, had_root, "cosigned a fork at size {size}");
            } else if had_size > 0 {
                // Consistent only if one known history holds both trees.
                assert!(
                    size <= MAX
                        && f.histories.iter().any(|h| {
                            h.roots[had_size as usize] == had_root && h.roots[size as usize] == root
                        }),
                    "cosigned size {size} inconsistent with size {had_size}"
                );
            }
            model.insert(origin, (size, root));
        }
        WitnessReply::Conflict(theirs) => {
            assert_eq!(reply.content_type(), "text/x.tlog.size");
            let origin = parsed.unwrap().1.0.origin().to_string();
            assert_eq!(*theirs, model[&origin].0, "409 with the wrong size");
        }
        WitnessReply::UnknownLog(_) => {
            let origin = parsed.unwrap().1.0.origin().to_string();
            assert!(!trusted.contains_key(origin.as_str()));
        }
        _ => {}
    }
}
