//! Where the peers' test vectors and the real data live: `../shared/` beside the checkout,
//! or wherever `SCRUTINEER_SHARED` points.

#![allow(dead_code)] // each test binary uses a different part

use std::path::PathBuf;

pub fn shared_dir() -> PathBuf {
    match std::env::var_os("SCRUTINEER_SHARED") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    }
}

pub fn vector(name: &str) -> serde_json::Value {
    let path = shared_dir().join("vectors").join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
