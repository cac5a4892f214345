//! tlog-proof files: `InclusionProof::parse`, then `verify` against a fixture entry.
//!
//! Input: one byte choosing the entry (`entry(b % 40)`), then the proof file. The seeds are
//! real proofs from the fixture log (`examples/seeds.rs`), so mutations start from files whose
//! checkpoint signature verifies.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tlog::proof_file::InclusionProof;
use tlog_fuzz::{Input, entries, entry, log_policy, mth};

fuzz_target!(|data: &[u8]| {
    let mut input = Input(data);
    let chosen = entry(u64::from(input.u8()) % 40);
    let file = input.rest();
    let proof = match InclusionProof::parse(file) {
        Ok(p) => p,
        Err(e) => {
            assert!(!e.to_string().is_empty());
            return;
        }
    };
    // The format is canonical: what parses re-encodes to the same bytes.
    assert_eq!(proof.to_bytes(), file, "proof file re-encodes differently");
    match proof.verify(&chosen, &log_policy()) {
        Ok(cp) => {
            // Only the real log signs, so an accepted proof must be true of the real log.
            assert!(proof.index < cp.size);
            assert_eq!(cp.root, mth(&entries(cp.size)), "accepted a false root");
            assert_eq!(chosen, entry(proof.index), "accepted the wrong entry");
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
});
