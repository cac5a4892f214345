//! Verifier keys and private key files: `Vkey::parse` and `PrivateKey::parse`.
//!
//! Input: the text of a key. Both parsers see it. What parses must print back to the same
//! text (key ids may be written in either case on input; we print lower case), and a vkey we
//! accept must be one the signed_note crate accepts too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signed_note::{StandardVerifier, Verifier};
use tlog::note::{PrivateKey, TYPE_ED25519, Vkey};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Vkey::parse(text) {
        Ok(v) => {
            let printed = v.to_string();
            assert_eq!(Vkey::parse(&printed).as_ref(), Ok(&v));
            assert_eq!(lower_id(text.trim(), 3), printed, "vkey prints differently");
            if v.kind == TYPE_ED25519 {
                let theirs = StandardVerifier::new(&printed)
                    .unwrap_or_else(|e| panic!("signed_note refuses {printed}: {e}"));
                assert_eq!(theirs.key_id(), v.id);
                assert_eq!(theirs.name(), v.name);
            }
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
    match PrivateKey::parse(text) {
        Ok(k) => {
            let printed = k.to_skey();
            let again = PrivateKey::parse(&printed).expect("printed key must parse");
            assert_eq!(again.vkey(), k.vkey());
            assert_eq!(
                lower_id(text.trim(), 5),
                printed,
                "private key prints differently"
            );
            // A parsed key signs, and its vkey checks the signature.
            let sig = k.sign_note(b"text\n", 1);
            assert!(k.vkey().verify(b"text\n", sig.signature()).is_some());
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
});

/// The key with its hex id in lower case. Names hold no '+' but base64 may, so fields are
/// counted from the left: the id is the one before the last of `fields`.
fn lower_id(key: &str, fields: usize) -> String {
    let mut parts: Vec<String> = key.splitn(fields, '+').map(str::to_string).collect();
    if parts.len() == fields {
        parts[fields - 2] = parts[fields - 2].to_ascii_lowercase();
    }
    parts.join("+")
}
