//! The verifier: `verify_log` over an in-memory copy of a small published log whose files the
//! fuzzer damages.
//!
//! Input:
//! - byte 0 picks the fixture log (sizes in `tlog_fuzz::SIZES`);
//! - byte 1 is flags: bit 0 "rewrite", bit 1 "the verifier saw this log before", bit 2 "the
//!   remembered root is damaged";
//! - byte 2 picks the earlier size the verifier remembers;
//! - with "rewrite", edits to the entry list (a malicious operator rewrites history, rebuilds
//!   every tile consistently and signs a new checkpoint with the real key), ended by op 3;
//! - then edits to the files: flip, cut, insert, delete, replace, copy one file over another,
//!   re-sign the checkpoint over other text, or append lines to the checkpoint.
//!
//! Checked: no panic; an accepted directory's entries hash to the accepted root (by a plain
//! RFC 6962 computation); with the original checkpoint the entries are exactly the original
//! ones; an accepted log extends what the verifier saw before; and an undamaged log (original
//! or consistently rewritten) that extends what was seen before is accepted.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::collections::BTreeMap;
use tlog::note::sign_checkpoint;
use tlog::tile::{entry_bundles, split_bundle};
use tlog::verify::{TrustedState, verify_log};
use tlog_fuzz::{Input, MemSource, Published, build_tiles, entry, log_key, log_policy, mth};

fuzz_target!(|data: &[u8]| {
    let logs = tlog_fuzz::published();
    let mut input = Input(data);
    let original: &Published = &logs[usize::from(input.u8()) % logs.len()];
    let flags = input.u8();
    let prev_pick = input.u8();
    let mut previous: Option<TrustedState> =
        (flags & 2 != 0).then(|| logs[usize::from(prev_pick) % logs.len()].state.clone());

    let mut files: BTreeMap<String, Vec<u8>> = original.files.clone();
    let mut entries = original.entries.clone();
    let rewrite = flags & 1 != 0;
    if rewrite {
        loop {
            match input.u8() % 4 {
                0 => {
                    let n = usize::from(input.u16()) % (entries.len() + 1);
                    entries.truncate(n);
                }
                1 => {
                    let e = input.chunk().to_vec();
                    entries.push(e);
                }
                2 => {
                    let i = usize::from(input.u16());
                    let e = input.chunk().to_vec();
                    if !entries.is_empty() {
                        let n = entries.len();
                        entries[i % n] = e;
                    }
                }
                _ => break,
            }
            if input.is_empty() {
                break;
            }
        }
        files = build_tiles(&entries);
        files.insert(
            "checkpoint".into(),
            sign_checkpoint(&log_key(), entries.len() as u64, mth(&entries)),
        );
    }
    if flags & 4 != 0
        && let Some(p) = previous.as_mut()
    {
        p.root = String::from_utf8_lossy(input.chunk()).into_owned();
    }

    // Damage to the files.
    let mut damaged = false;
    let mut resigned = false;
    while !input.is_empty() {
        let op = input.u8();
        let keys: Vec<String> = files.keys().cloned().collect();
        let name = keys[usize::from(input.u8()) % keys.len()].clone();
        let pos = usize::from(input.u16());
        damaged = true;
        match op % 8 {
            0 => {
                let x = input.u8() | 1;
                let f = files.get_mut(&name).unwrap();
                if !f.is_empty() {
                    let n = f.len();
                    f[pos % n] ^= x;
                }
            }
            1 => {
                let f = files.get_mut(&name).unwrap();
                let n = f.len();
                f.truncate(pos % (n + 1));
            }
            2 => {
                let bytes = input.chunk().to_vec();
                let f = files.get_mut(&name).unwrap();
                let at = pos % (f.len() + 1);
                f.splice(at..at, bytes);
            }
            3 => {
                files.remove(&name);
                if files.is_empty() {
                    return;
                }
            }
            4 => {
                let bytes = input.chunk().to_vec();
                files.insert(name, bytes);
            }
            5 => {
                let other = keys[pos % keys.len()].clone();
                let bytes = files[&other].clone();
                files.insert(name, bytes);
            }
            6 => {
                // The operator signs whatever text it likes.
                let text = input.chunk();
                let mut note = text.to_vec();
                note.push(b'\n');
                note.extend_from_slice(&log_key().sign_note(text, 0).to_bytes());
                files.insert("checkpoint".into(), note);
                resigned = true;
            }
            _ => {
                let bytes = input.chunk().to_vec();
                files.entry("checkpoint".into()).or_default().extend(bytes);
            }
        }
    }

    let result = verify_log(
        &MemSource(&files),
        &log_policy(),
        previous.as_ref(),
        &mut |_, _| {},
    );
    let expected = if rewrite { &entries } else { &original.entries };
    let prev_ok = previous.as_ref().is_none_or(|p| {
        let seen = &tlog_fuzz::published()
            .iter()
            .find(|l| l.state.size == p.size)
            .unwrap()
            .entries;
        p.size <= expected.len() as u64
            && expected[..p.size as usize] == seen[..]
            && (p.size == 0 || p.root == mth(seen).to_string())
    });
    match result {
        Ok(v) => {
            let size = v.checkpoint.size;
            let mut served = Vec::new();
            for id in entry_bundles(size) {
                let bundle = files.get(&id.path()).expect("accepted without a bundle");
                let got =
                    split_bundle(bundle, usize::from(id.width)).expect("accepted a bad bundle");
                served.extend(got.into_iter().map(<[u8]>::to_vec));
            }
            assert_eq!(
                mth(&served),
                v.checkpoint.root,
                "entries do not hash to the accepted root"
            );
            if !rewrite && !resigned {
                assert_eq!(
                    &served, &original.entries,
                    "accepted entries that differ from the original"
                );
            }
            if let Some(p) = &previous {
                assert!(size >= p.size, "accepted a rollback");
                if p.size > 0 {
                    assert_eq!(
                        p.root,
                        mth(&served[..p.size as usize]).to_string(),
                        "accepted a rewritten history"
                    );
                }
                assert!(
                    (0..p.size).all(|i| served[i as usize] == entry(i)),
                    "accepted a rewritten history"
                );
            }
        }
        Err(e) => {
            assert!(!e.to_string().is_empty());
            assert!(damaged || !prev_ok, "refused an undamaged log: {e}");
        }
    }
});
