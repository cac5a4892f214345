//! Signed notes and checkpoints: `open_checkpoint`, `Policy::verify`, `parse_signature_lines`
//! and `add_signatures`.
//!
//! Input: a flags byte, a time byte, then the note text up to the first NUL and raw bytes
//! after it. With flag bit 0 clear the whole rest is the note as is. With it set, the harness
//! signs the text with the keys the other bits pick, so the fuzzer reaches the signature and
//! quorum checks with signatures that really verify.
#![no_main]

use ed25519_dalek::{Signature as EdSig, VerifyingKey};
use libfuzzer_sys::fuzz_target;
use signed_note::{Note, Signature, StandardVerifier, VerifierList};
use tlog::note::{add_signatures, open_checkpoint, parse_signature_lines};
use tlog_fuzz::{Input, impostor_key, log_key, policy, witness_keys};

fuzz_target!(|data: &[u8]| {
    let mut input = Input(data);
    let flags = input.u8();
    let t = input.u8();
    let time = if flags & 0x80 != 0 {
        // Past i64::MAX: a verifier must refuse such timestamps.
        u64::MAX - u64::from(t)
    } else {
        1_700_000_000 + u64::from(t)
    };
    let rest = input.rest();
    let note = if flags & 1 == 0 {
        rest.to_vec()
    } else {
        let (text, extra) = match rest.iter().position(|&b| b == 0) {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &[][..]),
        };
        let mut sigs = Vec::new();
        if flags & 2 != 0 {
            sigs.push(log_key().sign_note(text, 0));
        }
        for (i, w) in witness_keys().iter().enumerate() {
            if flags & (4 << i) != 0 {
                sigs.push(w.sign_note(text, time));
            }
        }
        if flags & 0x20 != 0 {
            sigs.push(impostor_key().sign_note(text, 0));
        }
        let mut note = text.to_vec();
        note.push(b'\n');
        if flags & 0x40 != 0 {
            // Signature lines first, then the raw bytes, so damage lands after good lines.
            for s in &sigs {
                note.extend_from_slice(&s.to_bytes());
            }
            note.extend_from_slice(extra);
        } else {
            note.extend_from_slice(extra);
            for s in &sigs {
                note.extend_from_slice(&s.to_bytes());
            }
        }
        note
    };
    check_note(&note);

    // Signature lines as a witness's response body.
    if let Ok(sigs) = parse_signature_lines(&note) {
        let joined: Vec<u8> = sigs.iter().flat_map(|s| s.to_bytes()).collect();
        assert_eq!(joined, note, "signature lines re-encode differently");
        // Attaching them to a good checkpoint must give a note that still opens.
        let base = tlog::note::sign_checkpoint(&log_key(), 3, tlog::EMPTY_HASH);
        match add_signatures(&base, &sigs) {
            Ok(out) => {
                let (_, _, all) = open_checkpoint(&out).expect("add_signatures made a bad note");
                assert!(
                    sigs.iter().all(|s| all.contains(s)),
                    "a signature was dropped"
                );
            }
            Err(e) => assert!(!e.to_string().is_empty()),
        }
    }
    // The input as a signature list added to itself as a note.
    if let Ok(sigs) = tlog::note::parsed_signatures(&note) {
        let _ = add_signatures(&note, &sigs);
    }
    if let Err(e) = add_signatures(&note, &[log_key().sign_note(b"x\n", 0)]) {
        assert!(!e.to_string().is_empty());
    }
});

fn check_note(note: &[u8]) {
    match open_checkpoint(note) {
        Ok((cp, text, sigs)) => {
            // Both formats are canonical: what parses re-encodes to the same bytes.
            assert_eq!(
                cp.to_bytes(),
                text,
                "checkpoint body re-encodes differently"
            );
            let mut again = text.clone();
            again.push(b'\n');
            for s in &sigs {
                again.extend_from_slice(&s.to_bytes());
            }
            assert_eq!(again, note, "note re-encodes differently");
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
    let policy = policy();
    match policy.verify(note) {
        Ok(cp) => {
            // Independent checks: the signed_note crate agrees the log signed it, and each
            // counted witness has a cosignature that verifies by plain Ed25519.
            let log = StandardVerifier::new(&log_key().vkey().to_string()).unwrap();
            let parsed = Note::from_bytes(note).expect("accepted note must parse");
            parsed
                .verify(&VerifierList::new(vec![Box::new(log)]))
                .expect("accepted note must carry the log's signature");
            assert!(cp.cosigned_by.len() >= 2, "quorum of 2 not met");
            let sigs = tlog::note::parsed_signatures(note).unwrap();
            for (name, time) in &cp.cosigned_by {
                let w = witness_keys()
                    .into_iter()
                    .find(|w| w.name() == name)
                    .unwrap();
                assert!(*time <= i64::MAX as u64);
                assert!(
                    sigs.iter().any(|s| cosigned(s, &w.vkey(), &cp.text, *time)),
                    "{name} counted without a valid cosignature"
                );
            }
            assert_eq!(cp.note, note);
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
}

fn cosigned(s: &Signature, w: &tlog::Vkey, text: &[u8], time: u64) -> bool {
    let sig = s.signature();
    if s.name() != w.name || s.id() != w.id || sig.len() != 72 {
        return false;
    }
    if sig[..8] != time.to_be_bytes() {
        return false;
    }
    let mut msg = format!("cosignature/v1\ntime {time}\n").into_bytes();
    msg.extend_from_slice(text);
    let key = VerifyingKey::from_bytes(&w.public).unwrap();
    let Ok(sig) = EdSig::from_slice(&sig[8..]) else {
        return false;
    };
    key.verify_strict(&msg, &sig).is_ok()
}
