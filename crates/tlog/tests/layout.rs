//! The published directory is byte-compatible with C2SP tlog-tiles: paths and contents are
//! checked against a computation written here from the spec's own definitions, sharing no code
//! with the crate beyond the RFC 6962 leaf and node hash functions.

mod common;

use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;

fn leaf_hash(e: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([0]);
    h.update(e);
    h.finalize().into()
}

fn node(l: &[u8; 32], r: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([1]);
    h.update(l);
    h.update(r);
    h.finalize().into()
}

/// MTH(D[lo:hi]) over leaf hashes, straight from RFC 6962 §2.1.
fn mth(leaves: &[[u8; 32]]) -> [u8; 32] {
    match leaves.len() {
        0 => Sha256::digest([]).into(),
        1 => leaves[0],
        n => {
            let mut k = 1;
            while k * 2 < n {
                k *= 2;
            }
            node(&mth(&leaves[..k]), &mth(&leaves[k..]))
        }
    }
}

/// `N` in three-digit groups, all but the last prefixed with `x` (spec example:
/// 1234067 -> x001/x234/067).
fn n_path(n: u64) -> String {
    let s = format!("{n}");
    let pad = (3 - s.len() % 3) % 3;
    let s = format!("{}{s}", "0".repeat(pad));
    let groups: Vec<&str> = (0..s.len() / 3).map(|i| &s[i * 3..i * 3 + 3]).collect();
    let mut out = String::new();
    for (i, g) in groups.iter().enumerate() {
        if i + 1 < groups.len() {
            out.push('x');
            out.push_str(g);
            out.push('/');
        } else {
            out.push_str(g);
        }
    }
    out
}

/// Every file the spec says a log of these entries serves, with its exact bytes.
fn expected_files(entries: &[Vec<u8>]) -> BTreeMap<String, Vec<u8>> {
    let size = entries.len() as u64;
    let leaves: Vec<[u8; 32]> = entries.iter().map(|e| leaf_hash(e)).collect();
    let mut out = BTreeMap::new();
    // Hash tiles: the n-th tile at level l holds MTH(D[(n*256+i)*256^l : (n*256+i+1)*256^l]).
    let mut l = 0u32;
    while size >= 256u64.pow(l) {
        let span = 256u64.pow(l);
        let hashes_at_level = size / span;
        let tiles = hashes_at_level.div_ceil(256);
        for n in 0..tiles {
            let mut bytes = Vec::new();
            let mut w = 0;
            for i in 0..256 {
                let idx = n * 256 + i;
                if idx >= hashes_at_level {
                    break;
                }
                let lo = (idx * span) as usize;
                let hi = ((idx + 1) * span) as usize;
                bytes.extend_from_slice(&mth(&leaves[lo..hi]));
                w += 1;
            }
            let suffix = if w == 256 {
                String::new()
            } else {
                format!(".p/{w}")
            };
            out.insert(format!("tile/{l}/{}{suffix}", n_path(n)), bytes);
        }
        l += 1;
    }
    // Entry bundles: big-endian u16 length-prefixed entries.
    for (n, chunk) in entries.chunks(256).enumerate() {
        let mut bytes = Vec::new();
        for e in chunk {
            bytes.extend_from_slice(&(e.len() as u16).to_be_bytes());
            bytes.extend_from_slice(e);
        }
        let suffix = if chunk.len() == 256 {
            String::new()
        } else {
            format!(".p/{}", chunk.len())
        };
        out.insert(format!("tile/entries/{}{suffix}", n_path(n as u64)), bytes);
    }
    out
}

fn published_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_str().unwrap().to_string();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

#[test]
fn published_tiles_match_the_spec_at_tile_edges() {
    for size in [0u64, 1, 255, 256, 257, 65_536 + 3, 70_000] {
        let tmp = tempfile::tempdir().unwrap();
        let mut log = common::new_log(tmp.path());
        let entries: Vec<Vec<u8>> = (0..size).map(common::entry).collect();
        // Append in uneven batches so that tiles are rewritten across batch edges.
        let mut i = 0usize;
        let mut batch = 1usize;
        while i < entries.len() {
            let end = (i + batch).min(entries.len());
            log.append(&entries[i..end]).unwrap();
            i = end;
            batch = batch * 3 % 1000 + 1;
        }
        let key = common::log_key();
        let note = log.sign_checkpoint(&key).unwrap();
        let out = tmp.path().join("pub");
        tlog::publish::publish(&log, &note, &out, &mut |_, _| {}).unwrap();

        let mut want = expected_files(&entries);
        want.insert("checkpoint".into(), note.clone());
        let got = published_files(&out);
        let want_paths: Vec<&String> = want.keys().collect();
        let got_paths: Vec<&String> = got.keys().collect();
        assert_eq!(got_paths, want_paths, "size {size}: paths");
        for (path, bytes) in &want {
            assert!(got[path] == *bytes, "size {size}: contents of {path}");
        }
        // The checkpoint names the root the spec defines.
        let root = mth(&entries.iter().map(|e| leaf_hash(e)).collect::<Vec<_>>());
        let text = String::from_utf8(note).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], common::ORIGIN);
        assert_eq!(lines[1], size.to_string());
        use base64::prelude::*;
        assert_eq!(lines[2], BASE64_STANDARD.encode(root));
    }
}

#[test]
fn republishing_adds_and_replaces_only_what_changed() {
    let tmp = tempfile::tempdir().unwrap();
    let mut log = common::new_log(tmp.path());
    let key = common::log_key();
    let out = tmp.path().join("pub");
    let entries: Vec<Vec<u8>> = (0..1000).map(common::entry).collect();
    log.append(&entries[..600]).unwrap();
    let note = log.sign_checkpoint(&key).unwrap();
    let first = tlog::publish::publish(&log, &note, &out, &mut |_, _| {}).unwrap();
    assert_eq!(first.from_size, 0);
    let before = published_files(&out);
    // Mark the full tiles so that a rewrite would show.
    let full_tile = out.join("tile/0/000");
    let mtime = std::fs::metadata(&full_tile).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));

    log.append(&entries[600..]).unwrap();
    let note = log.sign_checkpoint(&key).unwrap();
    let second = tlog::publish::publish(&log, &note, &out, &mut |_, _| {}).unwrap();
    assert_eq!(second.from_size, 600);
    // 600 -> 1000: level-0 tiles 2 (now full) and 3 (partial 232), bundles the same, and the
    // level-1 partial tile (width 3).
    assert_eq!(second.written, 5);
    assert_eq!(
        std::fs::metadata(&full_tile).unwrap().modified().unwrap(),
        mtime
    );
    let after = published_files(&out);
    // Old partial tiles stay for clients of the older checkpoint.
    for (path, bytes) in &before {
        if path != "checkpoint" {
            assert_eq!(&after[path], bytes, "{path} changed");
        }
    }
    let mut want = expected_files(&entries);
    want.insert("checkpoint".into(), note);
    for (path, bytes) in &want {
        assert!(after[path] == *bytes, "{path}");
    }
}
