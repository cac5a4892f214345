//! tlog-policy files: `Policy::parse`, then `Policy::verify` with whatever was parsed.
//!
//! Input: the policy text. `$L`, `$I` and `$W1`–`$W3` are replaced by the vkeys of the fixture
//! log, an impostor log key and the three witnesses, so the fuzzer can shuffle real keys
//! around without having to invent valid ones.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use tlog::Policy;
use tlog::note::{PrivateKey, add_signatures, sign_checkpoint};
use tlog_fuzz::{impostor_key, log_key, witness_keys};

struct Fixture {
    keys: Vec<(String, String)>,
    /// Signed by the log only, and by the log and every witness.
    notes: Vec<Vec<u8>>,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let mut keys = vec![
            ("$L".to_string(), log_key().vkey().to_string()),
            ("$I".to_string(), impostor_key().vkey().to_string()),
        ];
        for (i, w) in witness_keys().iter().enumerate() {
            keys.push((format!("$W{}", i + 1), w.vkey().to_string()));
        }
        let note = sign_checkpoint(&log_key(), 9, tlog::EMPTY_HASH);
        let text = tlog::note::open_checkpoint(&note).unwrap().1;
        let cosigs: Vec<_> = witness_keys()
            .iter()
            .map(|w: &PrivateKey| w.sign_note(&text, 1_700_000_000))
            .collect();
        let all = add_signatures(&note, &cosigs).unwrap();
        Fixture {
            keys,
            notes: vec![note, all],
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let f = fixture();
    let mut text = text.to_string();
    for (k, v) in &f.keys {
        text = text.replace(k.as_str(), v);
    }
    match Policy::parse(&text) {
        Ok(policy) => {
            for note in &f.notes {
                if let Err(e) = policy.verify(note) {
                    assert!(!e.to_string().is_empty());
                }
            }
        }
        Err(e) => {
            let m = e.to_string();
            assert!(
                m.starts_with("policy line ") && m.len() > 15,
                "unclear: {m}"
            );
        }
    }
});
