//! Conformance with the peers' test vectors in ../shared/vectors.

mod common;

use base64::prelude::*;
use serde_json::Value;
use tlog::merkle::{verify_consistency, verify_inclusion};
use tlog::note::{PrivateKey, TYPE_COSIGNATURE_V1, TYPE_ED25519, Vkey};
use tlog::{Hash, Policy, record_hash};

fn hash(v: &Value) -> Option<Hash> {
    let raw = BASE64_STANDARD.decode(v.as_str()?).ok()?;
    Some(Hash(raw.try_into().ok()?))
}

/// A root. Some cases use placeholders such as "don't care 1" that are not 32 bytes and are
/// only ever compared for equality; our API types a hash as 32 bytes, so a placeholder becomes
/// the SHA-256 of its bytes, which keeps equal placeholders equal and different ones different.
fn root(v: &Value) -> Option<Hash> {
    use sha2::Digest;
    let raw = BASE64_STANDARD.decode(v.as_str()?).ok()?;
    match <[u8; 32]>::try_from(raw.as_slice()) {
        Ok(h) => Some(Hash(h)),
        Err(_) => Some(Hash(sha2::Sha256::digest(&raw).into())),
    }
}

/// Decodes a hash field; a field that is not a valid 32-byte hash becomes `None`, which
/// only "must fail" cases use.
fn proof(v: &Value) -> Option<Vec<Hash>> {
    match v {
        Value::Null => Some(vec![]),
        Value::Array(items) => items.iter().map(hash).collect(),
        _ => None,
    }
}

fn cases(kind: &str) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let dir = common::vectors().join("merkle/testdata").join(kind);
    let mut stack = vec![dir];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json") {
                let v: Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
                out.push((p.display().to_string(), v));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn merkle_inclusion_vectors() {
    let all = cases("inclusion");
    assert!(all.len() > 50, "found only {} inclusion cases", all.len());
    let (mut ok, mut refused) = (0, 0);
    for (name, case) in all {
        let want_err = case["wantErr"].as_bool().unwrap();
        let got = match (
            hash(&case["root"]),
            hash(&case["leafHash"]),
            proof(&case["proof"]),
        ) {
            (Some(root), Some(leaf), Some(p)) => verify_inclusion(
                case["leafIdx"].as_u64().unwrap(),
                case["treeSize"].as_u64().unwrap(),
                leaf,
                &p,
                root,
            )
            .is_ok(),
            _ => false,
        };
        assert_eq!(got, !want_err, "{name}: {}", case["desc"]);
        if got { ok += 1 } else { refused += 1 }
    }
    assert!(ok > 0 && refused > 0);
}

#[test]
fn merkle_consistency_vectors() {
    let all = cases("consistency");
    assert!(all.len() > 50, "found only {} consistency cases", all.len());
    let (mut ok, mut refused) = (0, 0);
    for (name, case) in all {
        let want_err = case["wantErr"].as_bool().unwrap();
        let got = match (
            root(&case["root1"]),
            root(&case["root2"]),
            proof(&case["proof"]),
        ) {
            (Some(r1), Some(r2), Some(p)) => verify_consistency(
                case["size1"].as_u64().unwrap(),
                r1,
                case["size2"].as_u64().unwrap(),
                r2,
                &p,
            )
            .is_ok(),
            _ => false,
        };
        assert_eq!(got, !want_err, "{name}: {}", case["desc"]);
        if got { ok += 1 } else { refused += 1 }
    }
    assert!(ok > 0 && refused > 0);
}

fn signed_note() -> Value {
    serde_json::from_slice(&std::fs::read(common::vectors().join("signed_note.json")).unwrap())
        .unwrap()
}

#[test]
fn record_hash_of_hello_world() {
    let v = signed_note();
    for case in v["record_hash"].as_array().unwrap() {
        let want = case["hash_base64"].as_str().unwrap();
        assert_eq!(
            record_hash(case["entry"].as_str().unwrap().as_bytes()).to_string(),
            want
        );
    }
}

#[test]
fn our_signer_produces_the_go_test_sign_bytes() {
    let v = signed_note();
    for case in v["sign"].as_array().unwrap() {
        let key = PrivateKey::parse(case["skey"].as_str().unwrap()).unwrap();
        assert_eq!(key.vkey().to_string(), case["vkey"].as_str().unwrap());
        assert_eq!(key.kind(), TYPE_ED25519);
        let text = case["text"].as_str().unwrap().as_bytes();
        let sig = key.sign_note(text, 0);
        let note = signed_note::Note::new(text, &[sig]).unwrap().to_bytes();
        assert_eq!(
            String::from_utf8(note).unwrap(),
            case["want"].as_str().unwrap()
        );
        // The key file format round-trips.
        assert_eq!(key.to_skey(), case["skey"].as_str().unwrap());
    }
}

#[test]
fn the_c2sp_example_note_verifies_and_a_changed_byte_does_not() {
    let v = signed_note();
    for case in v["verify"].as_array().unwrap() {
        let key = Vkey::parse(case["vkey"].as_str().unwrap()).unwrap();
        let note = case["note"].as_str().unwrap().as_bytes();
        let (text, sigs) = split(note);
        let sig = sigs
            .iter()
            .find(|s| s.name() == key.name && s.id() == key.id)
            .unwrap();
        assert_eq!(
            key.verify(&text, sig.signature()).is_some(),
            case["valid"].as_bool().unwrap()
        );
        let mut changed = text.clone();
        changed[0] ^= 1;
        assert!(key.verify(&changed, sig.signature()).is_none());
    }
}

fn split(note: &[u8]) -> (Vec<u8>, Vec<signed_note::Signature>) {
    let parsed = signed_note::Note::from_bytes(note).unwrap();
    let sigs = tlog::note::parsed_signatures(note).unwrap();
    (parsed.text().to_vec(), sigs)
}

#[test]
fn bad_vkeys_are_refused() {
    let v = signed_note();
    for bad in v["bad_vkeys"].as_array().unwrap() {
        assert!(
            Vkey::parse(bad.as_str().unwrap()).is_err(),
            "{bad} should be refused"
        );
    }
    for bad in [
        "",
        "name",
        "name+1234+AAAA",
        "na me+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T",
    ] {
        assert!(Vkey::parse(bad).is_err(), "{bad:?} should be refused");
    }
    let cosigner = v["cosignature_v1_witness_vkey_example"].as_str().unwrap();
    assert_eq!(Vkey::parse(cosigner).unwrap().kind, TYPE_COSIGNATURE_V1);
}

#[test]
fn the_sigsum_checkpoint_verifies_with_any_quorum_up_to_eight() {
    let v = signed_note();
    let c = &v["cosigned_checkpoint"];
    let log = Vkey::parse(c["log_vkey"].as_str().unwrap()).unwrap();
    let witnesses: Vec<Vkey> = c["witness_vkeys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| Vkey::parse(w.as_str().unwrap()).unwrap())
        .collect();
    assert_eq!(witnesses.len(), 8);
    let note = c["note"].as_str().unwrap().as_bytes();
    for k in 0..=8 {
        let policy = Policy::k_of_n(log.clone(), witnesses.clone(), k).unwrap();
        let cp = policy
            .verify(note)
            .unwrap_or_else(|e| panic!("quorum {k}: {e}"));
        assert_eq!(cp.size, 381_382);
        assert_eq!(cp.cosigned_by.len(), 8);
        assert!(cp.cosigned_by.iter().all(|(_, t)| *t == 1_770_193_051));
    }
    // Fewer known witnesses than the quorum needs.
    let policy = Policy::k_of_n(log.clone(), witnesses[..3].to_vec(), 3).unwrap();
    assert!(policy.verify(note).is_ok());
    assert!(Policy::k_of_n(log.clone(), witnesses[..3].to_vec(), 4).is_err());

    // Any single changed byte is refused, whatever it hits. Skip changes to line structure
    // that leave an equivalent note (none exist for a letter-for-letter flip of base64).
    let policy = Policy::k_of_n(log, witnesses, 8).unwrap();
    let mut refused = 0;
    for i in 0..note.len() {
        if note[i] == b'\n' {
            continue;
        }
        let mut bad = note.to_vec();
        bad[i] = if bad[i] == b'A' { b'B' } else { b'A' };
        if bad == note {
            continue;
        }
        assert!(
            policy.verify(&bad).is_err(),
            "changing byte {i} ({:?}) went unnoticed",
            note[i] as char
        );
        refused += 1;
    }
    assert!(refused > 900);
}

#[test]
fn tlog_policy_files_express_groups() {
    let v = signed_note();
    let c = &v["cosigned_checkpoint"];
    let w: Vec<&str> = c["witness_vkeys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    let text = format!(
        "# two operators\nlog {}\n\nwitness A1 {}\nwitness A2 {} https://a2.example/\nwitness B1 {}\n\
         group A 2 A1 A2\ngroup B any B1\ngroup both all A B\nquorum both\n",
        c["log_vkey"].as_str().unwrap(),
        w[0],
        w[1],
        w[2]
    );
    let policy = Policy::parse(&text).unwrap();
    assert!(
        policy
            .verify(c["note"].as_str().unwrap().as_bytes())
            .is_ok()
    );

    for (bad, line) in [
        ("quorum none\nquorum none\n", 2),
        ("witness A x+00000000+AA==\nquorum A\n", 1),
        ("group G 1 X\nquorum G\n", 1),
        ("quorum X\n", 1),
        ("frobnicate\nquorum none\n", 1),
        ("log\n", 1),
    ] {
        let err = Policy::parse(bad).unwrap_err();
        assert_eq!(err.line, line, "{bad:?}: {err}");
    }
    assert!(Policy::parse("# nothing\n").is_err());
}
