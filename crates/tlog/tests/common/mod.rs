//! Shared test support: where the peers' vectors live.
#![allow(dead_code)]

use std::path::PathBuf;

/// `../shared` beside the checkout, or `$SCRUTINEER_SHARED`.
pub fn shared() -> PathBuf {
    if let Ok(p) = std::env::var("SCRUTINEER_SHARED") {
        return PathBuf::from(p);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared")
}

pub fn vectors() -> PathBuf {
    shared().join("vectors")
}

use tlog::note::{PrivateKey, TYPE_COSIGNATURE_V1, TYPE_ED25519};
use tlog::{Log, LogMeta, SqliteStorage};

pub const ORIGIN: &str = "test.scrutineer.example/log";

/// A fixed log key, so tests are reproducible.
pub fn log_key() -> PrivateKey {
    PrivateKey::from_seed(ORIGIN, TYPE_ED25519, [7; 32]).unwrap()
}

/// A fixed witness key.
pub fn witness_key(name: &str, seed: u8) -> PrivateKey {
    PrivateKey::from_seed(name, TYPE_COSIGNATURE_V1, [seed; 32]).unwrap()
}

/// A new log in `dir/log.db`.
pub fn new_log(dir: &std::path::Path) -> Log<SqliteStorage> {
    let meta = LogMeta {
        origin: ORIGIN.to_string(),
        vkey: log_key().vkey().to_string(),
    };
    Log::open(SqliteStorage::create(&dir.join("log.db"), &meta).unwrap()).unwrap()
}

/// The test entry at `i`: distinct, with varied lengths (including empty).
pub fn entry(i: u64) -> Vec<u8> {
    let mut e = format!("entry {i}").into_bytes();
    e.resize((i % 300) as usize, b'.');
    e
}

/// RFC 6962 MTH over entries, written plainly from §2.1 for comparison.
pub fn mth(entries: &[Vec<u8>]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    fn rec(leaves: &[[u8; 32]]) -> [u8; 32] {
        match leaves.len() {
            0 => Sha256::digest([]).into(),
            1 => leaves[0],
            n => {
                let mut k = 1;
                while k * 2 < n {
                    k *= 2;
                }
                let mut h = Sha256::new();
                h.update([1]);
                h.update(rec(&leaves[..k]));
                h.update(rec(&leaves[k..]));
                h.finalize().into()
            }
        }
    }
    let leaves: Vec<[u8; 32]> = entries
        .iter()
        .map(|e| {
            let mut h = Sha256::new();
            h.update([0]);
            h.update(e);
            h.finalize().into()
        })
        .collect();
    rec(&leaves)
}
