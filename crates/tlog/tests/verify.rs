//! Independent verification of published logs: every tampering is caught and named, and a
//! verifier that remembers an earlier checkpoint refuses rewritten or rolled-back histories.

mod common;

use std::path::{Path, PathBuf};
use tlog::Policy;
use tlog::verify::{DirSource, TrustedState, VerifyError, verify_log};

fn policy() -> Policy {
    Policy::k_of_n(common::log_key().vkey(), vec![], 0).unwrap()
}

/// Publishes `entries` (through a fresh log) into `dir/name`.
fn publish(dir: &Path, name: &str, entries: &[Vec<u8>]) -> PathBuf {
    let work = dir.join(format!("{name}-db"));
    std::fs::create_dir_all(&work).unwrap();
    let mut log = common::new_log(&work);
    log.append(entries).unwrap();
    let note = log.sign_checkpoint(&common::log_key()).unwrap();
    let out = dir.join(name);
    tlog::publish::publish(&log, &note, &out, &mut |_, _| {}).unwrap();
    out
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p)
            } else {
                out.push(p)
            }
        }
    }
    out.sort();
    out
}

fn verify(
    dir: &Path,
    previous: Option<&TrustedState>,
) -> Result<tlog::verify::Verified, VerifyError> {
    verify_log(&DirSource::new(dir), &policy(), previous, &mut |_, _| {})
}

#[test]
fn an_untouched_log_verifies() {
    let tmp = tempfile::tempdir().unwrap();
    for size in [0u64, 1, 256, 3000, 66_000] {
        let entries: Vec<Vec<u8>> = (0..size).map(common::entry).collect();
        let out = publish(tmp.path(), &format!("log{size}"), &entries);
        let v = verify(&out, None).unwrap_or_else(|e| panic!("size {size}: {e}"));
        assert_eq!(v.checkpoint.size, size);
        assert_eq!(v.bundles, size.div_ceil(256));
    }
}

#[test]
fn flipping_a_byte_of_any_file_is_caught_and_named() {
    let tmp = tempfile::tempdir().unwrap();
    // Every file of a 3,000-entry log.
    let entries: Vec<Vec<u8>> = (0..3000).map(common::entry).collect();
    let out = publish(tmp.path(), "small", &entries);
    let all = files(&out);
    assert_eq!(all.len(), 12 + 12 + 1 + 1);
    flip_and_verify(&out, all.iter().collect());

    // 66,000 entries: full level-0 and level-1 tiles, partial tiles at levels 0, 1 and 2.
    // Every file above level 0 and on the right edge, and a spread of the rest.
    let entries: Vec<Vec<u8>> = (0..66_000).map(common::entry).collect();
    let out = publish(tmp.path(), "large", &entries);
    let all = files(&out);
    let chosen: Vec<&PathBuf> = all
        .iter()
        .enumerate()
        .filter(|(i, p)| {
            let rel = p.strip_prefix(&out).unwrap().to_str().unwrap();
            i % 37 == 0
                || rel.contains(".p/")
                || rel == "checkpoint"
                || !rel.starts_with("tile/0/") && !rel.starts_with("tile/entries/")
                || rel.ends_with("/000")
        })
        .map(|(_, p)| p)
        .collect();
    assert!(chosen.len() >= 20, "only {} files chosen", chosen.len());
    flip_and_verify(&out, chosen);
}

fn flip_and_verify(out: &Path, chosen: Vec<&PathBuf>) {
    for path in chosen {
        let rel = path
            .strip_prefix(out)
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        let original = std::fs::read(path).unwrap();
        for at in [0, original.len() / 2, original.len() - 1] {
            let mut bad = original.clone();
            bad[at] ^= 0x20;
            std::fs::write(path, &bad).unwrap();
            let err = match verify(out, None) {
                Ok(_) => panic!("flipping byte {at} of {rel} went unnoticed"),
                Err(e) => e,
            };
            let message = err.to_string();
            assert!(
                message.contains(&rel),
                "flipping byte {at} of {rel}: the error does not name it: {message}"
            );
        }
        std::fs::write(path, &original).unwrap();
    }
    verify(out, None).expect("restored log verifies again");
}

#[test]
fn missing_and_truncated_files_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    let entries: Vec<Vec<u8>> = (0..1000).map(common::entry).collect();
    let out = publish(tmp.path(), "log", &entries);
    for rel in [
        "tile/entries/001",
        "tile/0/003.p/232",
        "tile/1/000.p/3",
        "checkpoint",
    ] {
        let path = out.join(rel);
        let original = std::fs::read(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        let err = verify(&out, None).unwrap_err().to_string();
        assert!(err.contains(rel) && err.contains("missing"), "{rel}: {err}");
        std::fs::write(&path, &original[..original.len() - 1]).unwrap();
        let err = verify(&out, None).unwrap_err().to_string();
        assert!(err.contains(rel), "truncated {rel}: {err}");
        std::fs::write(&path, &original).unwrap();
    }
}

#[test]
fn a_checkpoint_signed_by_another_key_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let entries: Vec<Vec<u8>> = (0..10).map(common::entry).collect();
    let out = publish(tmp.path(), "log", &entries);
    let other =
        tlog::PrivateKey::from_seed(common::ORIGIN, tlog::note::TYPE_ED25519, [9; 32]).unwrap();
    let policy = Policy::k_of_n(other.vkey(), vec![], 0).unwrap();
    let err = verify_log(&DirSource::new(&out), &policy, None, &mut |_, _| {}).unwrap_err();
    assert!(matches!(err, VerifyError::Checkpoint(_)), "{err}");
}

#[test]
fn a_remembered_checkpoint_catches_rewritten_and_rolled_back_history() {
    let tmp = tempfile::tempdir().unwrap();
    let honest: Vec<Vec<u8>> = (0..1500).map(common::entry).collect();
    let first = publish(tmp.path(), "first", &honest[..1000]);
    let state = TrustedState::from_checkpoint(&verify(&first, None).unwrap().checkpoint);
    let state_file = tmp.path().join("state.json");
    state.save(&state_file).unwrap();
    let state = TrustedState::load(&state_file).unwrap().unwrap();

    // The honest log grows: consistent.
    let grown = publish(tmp.path(), "grown", &honest);
    let v = verify(&grown, Some(&state)).unwrap();
    assert_eq!(v.consistent_with, Some(1000));

    // Same size, one entry rewritten and everything re-signed and re-hashed.
    let mut rewritten = honest[..1000].to_vec();
    rewritten[500] = b"a different fact".to_vec();
    let same_size = publish(tmp.path(), "same", &rewritten);
    verify(&same_size, None).expect("internally consistent");
    let err = verify(&same_size, Some(&state)).unwrap_err();
    assert!(matches!(err, VerifyError::Fork { size: 1000, .. }), "{err}");

    // Larger, with the rewrite inside the part verified before.
    let mut rewritten = honest.clone();
    rewritten[500] = b"a different fact".to_vec();
    let larger = publish(tmp.path(), "larger", &rewritten);
    verify(&larger, None).expect("internally consistent");
    let err = verify(&larger, Some(&state)).unwrap_err();
    assert!(
        matches!(err, VerifyError::Inconsistent { had: 1000, .. }),
        "{err}"
    );

    // Smaller.
    let smaller = publish(tmp.path(), "smaller", &honest[..999]);
    let err = verify(&smaller, Some(&state)).unwrap_err();
    assert!(
        matches!(
            err,
            VerifyError::Rollback {
                had: 1000,
                now: 999
            }
        ),
        "{err}"
    );
}
