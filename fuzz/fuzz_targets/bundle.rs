//! Entry bundles: `split_bundle`.
//!
//! Input: two bytes for the expected entry count, then the bundle. What splits must rebuild
//! into the same bytes with `push_bundle_entry`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tlog::tile::{push_bundle_entry, split_bundle};
use tlog_fuzz::Input;

fuzz_target!(|data: &[u8]| {
    let mut input = Input(data);
    let expected = usize::from(input.u16());
    let bundle = input.rest();
    match split_bundle(bundle, expected) {
        Ok(entries) => {
            assert_eq!(entries.len(), expected);
            let mut again = Vec::new();
            for e in &entries {
                push_bundle_entry(&mut again, e).expect("a split entry fits a bundle");
            }
            assert_eq!(again, bundle, "bundle re-encodes differently");
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
});
