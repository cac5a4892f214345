//! Witness add-checkpoint request bodies: `AddCheckpoint::parse`.
//!
//! Input: the request body. What parses must re-encode to the same bytes, and stay within the
//! spec's limits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tlog::witness::{AddCheckpoint, MAX_REQUEST_SIZE};

fuzz_target!(|data: &[u8]| {
    match AddCheckpoint::parse(data) {
        Ok(req) => {
            assert!(data.len() <= MAX_REQUEST_SIZE);
            assert!(req.proof.len() <= 63);
            assert_eq!(req.to_bytes(), data, "request re-encodes differently");
        }
        Err(e) => assert!(!e.is_empty()),
    }
});
