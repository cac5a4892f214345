//! Election entries: `ledger::Entry::parse`.
//!
//! Input: a mode byte, then what the mode reads.
//! - 0 (and anything unlisted): the rest is the entry, as is.
//! - 1: a sample byte picks one of the real entries of `samples` (every kind, every governed
//!   action, batch manifests and members); a count byte, then that many structural mutations
//!   of its JSON (delete, replace, rename, retype a node ...); a style byte for how it is
//!   written (compact, pretty, a duplicated member ...).
//! - 2: an event built by the generator from the input, in an envelope the input chooses
//!   (signed, in a batch, cosigned, unsigned), encoded with `to_bytes`.
//!
//! Properties: never a panic; an accepted entry re-encodes to exactly its bytes, parses again
//! to the same entry, is the RFC 8785 form of its JSON (checked with serde_jcs), carries no
//! integer past 2^53 − 1, and its signed message is the same JSON without `sig` and `cosigs`;
//! every error has a non-empty path and message. An entry built with the ledger's own types
//! (mode 2) must be accepted unless it holds an integer past 2^53 − 1 or a map key outside the
//! Basic Multilingual Plane.
#![no_main]

use ledger::event::{Cosig, Entry, MAX_SAFE_INTEGER};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use std::sync::OnceLock;
use tlog_fuzz::Input;
use tlog_fuzz::election::{Ctx, gen_event, keys, samples};

fn sample_values() -> &'static [(Vec<u8>, Value)] {
    static S: OnceLock<Vec<(Vec<u8>, Value)>> = OnceLock::new();
    S.get_or_init(|| {
        samples()
            .into_iter()
            .map(|b| {
                let v = serde_json::from_slice(&b).unwrap();
                (b, v)
            })
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input(data);
    match input.u8() {
        1 => {
            let samples = sample_values();
            let (bytes, value) = &samples[usize::from(input.u8()) % samples.len()];
            let n = input.u8() % 4;
            if n == 0 {
                // Untouched samples must parse.
                check(bytes, true);
                return;
            }
            let mut doc = value.clone();
            for _ in 0..n {
                tlog_fuzz::json::mutate(&mut doc, &mut input);
            }
            let style = input.u8();
            check(&tlog_fuzz::json::write(&doc, style), false);
        }
        2 => {
            let event = gen_event(&mut input, &Ctx::default());
            let all = keys().all();
            let signer = all[usize::from(input.u8()) % all.len()];
            let entry = match input.u8() % 4 {
                0 => Entry::in_batch(event, "0123456789abcdef0123456789abcdef"),
                1 => {
                    let mut e = Entry::signed(event, signer);
                    e.cosign(all[usize::from(input.u8()) % all.len()]);
                    e
                }
                2 => Entry {
                    author: None,
                    batch: None,
                    event,
                    cosigs: vec![Cosig {
                        author: String::new(),
                        sig: String::new(),
                    }],
                    sig: None,
                },
                _ => Entry::signed(event, signer),
            };
            let bytes = entry.to_bytes();
            match Entry::parse(&bytes) {
                Ok(parsed) => assert_eq!(parsed, entry, "a typed entry parses to another"),
                Err(e) => {
                    let m = e.message.as_str();
                    assert!(
                        m.contains("2^53") || m.contains("Basic Multilingual Plane"),
                        "an entry built with the ledger's types is refused: {e}"
                    );
                }
            }
            check(&bytes, false);
        }
        _ => check(input.rest(), false),
    }
});

fn check(bytes: &[u8], must_parse: bool) {
    let entry = match Entry::parse(bytes) {
        Ok(e) => e,
        Err(e) => {
            assert!(!must_parse, "a real entry is refused: {e}");
            assert!(!e.path.is_empty(), "error without a path: {e}");
            assert!(!e.message.is_empty(), "error without a message: {e}");
            return;
        }
    };
    assert_eq!(
        entry.to_bytes(),
        bytes,
        "accepted entry re-encodes differently"
    );
    assert_eq!(Entry::parse(bytes).as_ref(), Ok(&entry));
    let value: Value = serde_json::from_slice(bytes).expect("accepted entry is JSON");
    let jcs = serde_jcs::to_vec(&value).expect("serde_jcs");
    assert_eq!(
        String::from_utf8_lossy(&jcs),
        String::from_utf8_lossy(bytes),
        "accepted entry is not RFC 8785 canonical"
    );
    assert!(
        integers_safe(&value),
        "accepted entry holds an integer past 2^53 - 1"
    );
    let mut unsigned = value;
    let o = unsigned.as_object_mut().expect("an entry is an object");
    o.remove("sig");
    o.remove("cosigs");
    assert_eq!(
        serde_jcs::to_vec(&unsigned).unwrap(),
        entry.signed_message(),
        "signed message is not the envelope without sig and cosigs"
    );
}

fn integers_safe(v: &Value) -> bool {
    match v {
        Value::Number(n) => n.as_u64().is_some_and(|x| x <= MAX_SAFE_INTEGER),
        Value::Array(a) => a.iter().all(integers_safe),
        Value::Object(o) => o.values().all(integers_safe),
        _ => true,
    }
}
