//! Writes a seed corpus for every fuzz target into `corpus/<target>/` (or the directory given
//! as the first argument). The seeds are valid inputs built with the real code, so the fuzzer
//! starts from deep inside each parser rather than from nothing.
//!
//! Run from `fuzz/`: `cargo run --release --example seeds`.

use std::path::PathBuf;
use tlog::note::{add_signatures, checkpoint_text, sign_checkpoint};
use tlog::proof_file::InclusionProof;
use tlog::tile::{TileId, push_bundle_entry};
use tlog::witness::AddCheckpoint;
use tlog_fuzz::{entries, log_key, mth, new_log, witness_keys};

fn main() {
    let out = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "corpus".into()));
    let mut n = 0;
    let mut put = |target: &str, name: &str, bytes: &[u8]| {
        let dir = out.join(target);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), bytes).unwrap();
        n += 1;
    };

    // Notes and checkpoints.
    let root = mth(&entries(5));
    let note = sign_checkpoint(&log_key(), 5, root);
    let text = checkpoint_text(tlog_fuzz::ORIGIN, 5, root);
    let cosigs: Vec<_> = witness_keys()
        .iter()
        .map(|w| w.sign_note(&text, 1_700_000_000))
        .collect();
    let cosigned = add_signatures(&note, &cosigs).unwrap();
    put("note", "raw-log-only", &[&[0u8, 0][..], &note].concat());
    put("note", "raw-cosigned", &[&[0u8, 0][..], &cosigned].concat());
    let sigs_only: Vec<u8> = cosigs.iter().flat_map(|s| s.to_bytes()).collect();
    put(
        "note",
        "raw-signature-lines",
        &[&[0u8, 0][..], &sigs_only].concat(),
    );
    for flags in [
        0b0000_0011u8,
        0b0000_1111,
        0b0001_1111,
        0b0011_0111,
        0b0100_1011,
        0b1000_1111,
    ] {
        let text = &text[..text.len() - 1];
        put(
            "note",
            &format!("signed-{flags:08b}"),
            &[&[flags, 3][..], text].concat(),
        );
    }

    // Keys.
    put("keys", "log-vkey", log_key().vkey().to_string().as_bytes());
    put(
        "keys",
        "witness-vkey",
        witness_keys()[0].vkey().to_string().as_bytes(),
    );
    put("keys", "log-skey", log_key().to_skey().as_bytes());
    put(
        "keys",
        "witness-skey",
        witness_keys()[0].to_skey().as_bytes(),
    );
    put(
        "keys",
        "c2sp-vkey",
        b"PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW\n",
    );

    // Policies (the target substitutes real keys for $L, $I, $W1..$W3).
    put("policy", "two-of-three", b"log $L\nwitness w1 $W1\nwitness w2 $W2\nwitness w3 $W3 https://w3.example/\ngroup g 2 w1 w2 w3\nquorum g\n");
    put("policy", "nested", b"# nested groups\nlog $L https://log.example/\nlog $I\nwitness a $W1\nwitness b $W2\nwitness c $W3\ngroup ab any a b\ngroup top all ab c\nquorum top\n");
    put("policy", "none", b"log $L\nquorum none\n");
    // Each group names the two before it: must be refused quickly, not fill memory.
    let mut doubling =
        String::from("log $L\nwitness a $W1\nwitness b $W2\ngroup g0 any a b\ngroup g1 any a g0\n");
    for i in 2..40 {
        doubling.push_str(&format!("group g{i} any g{} g{}\n", i - 1, i - 2));
    }
    doubling.push_str("quorum g39\n");
    put("policy", "doubling", doubling.as_bytes());

    // Proof files and the add-checkpoint requests, from a real log of 40 entries.
    let tmp = tempfile::tempdir().unwrap();
    let mut log = new_log(tmp.path());
    log.append(&entries(40)).unwrap();
    for (index, size) in [
        (0u64, 1u64),
        (3, 5),
        (0, 40),
        (17, 40),
        (39, 40),
        (255 % 40, 33),
    ] {
        let proof = InclusionProof {
            extra: (index % 2 == 1).then(|| b"extra".to_vec()),
            index,
            proof: log.prove_inclusion(index, size).unwrap(),
            checkpoint: sign_checkpoint(&log_key(), size, log.root_at(size).unwrap()),
        };
        put(
            "proof_file",
            &format!("{index}-of-{size}"),
            &[&[index as u8][..], &proof.to_bytes()].concat(),
        );
    }
    for (old, size) in [(0u64, 0u64), (0, 10), (10, 30), (30, 30), (1, 40)] {
        let req = AddCheckpoint {
            old_size: old,
            proof: log.prove_consistency(old, size).unwrap(),
            checkpoint: sign_checkpoint(&log_key(), size, log.root_at(size).unwrap()),
        };
        put(
            "witness_request",
            &format!("{old}-to-{size}"),
            &req.to_bytes(),
        );
        // As a raw request to the end-to-end witness target: op 0, two-byte length, body.
        let body = req.to_bytes();
        let mut raw = vec![0u8];
        raw.extend_from_slice(&(body.len() as u16).to_be_bytes());
        raw.extend_from_slice(&body);
        raw.extend_from_slice(&[0, 0]);
        put("witness", &format!("raw-{old}-to-{size}"), &raw);
    }

    // The witness target's built requests: op, which, size, old, proof mode, signer, flip (2).
    let grow = |which: u8, size: u8| [1u8, which, size, 0x80, 0, 0, 0, 0];
    put(
        "witness",
        "grow",
        &[grow(0, 10), grow(0, 30), grow(0, 40)].concat(),
    );
    put(
        "witness",
        "grow-then-fork",
        &[grow(0, 25), grow(1, 30)].concat(),
    );
    put(
        "witness",
        "fork-within-shared",
        &[grow(1, 15), grow(0, 20), grow(1, 40)].concat(),
    );
    put(
        "witness",
        "other-log",
        &[grow(0x80, 5), grow(0, 5), grow(0x81, 9)].concat(),
    );
    put(
        "witness",
        "bad-proofs",
        &[
            grow(0, 10),
            [1, 0, 20, 0x80, 2, 0, 0, 0],
            [1, 0, 20, 0x80, 3, 0, 0, 0],
            [1, 0, 20, 0x80, 4, 0, 0, 0],
        ]
        .concat(),
    );
    put(
        "witness",
        "signers",
        &[
            [1u8, 0, 10, 0, 0, 1, 0, 0],
            [1, 0, 10, 0, 0, 2, 0, 0],
            [1, 0, 10, 0, 0, 3, 0, 0],
            [1, 0, 10, 0, 0, 4, 0, 0],
        ]
        .concat(),
    );
    let mut made_up = vec![1u8, 2, 7, 0, 1];
    made_up.extend_from_slice(&[0xab; 32]);
    made_up.extend_from_slice(&[0, 0, 0]);
    put(
        "witness",
        "made-up-root",
        &[&made_up[..], &grow(0, 12)].concat(),
    );

    // Tile paths.
    for (i, id) in [
        TileId::hashes(0, 0, 256),
        TileId::hashes(0, 1, 5),
        TileId::hashes(1, 1_234_067, 256),
        TileId::hashes(2, 999, 255),
        TileId::entries(1000, 1),
        TileId::entries(u64::MAX, 256),
    ]
    .iter()
    .enumerate()
    {
        put("tile_path", &format!("path-{i}"), id.path().as_bytes());
    }

    // Entry bundles: the expected count, then the bundle.
    for size in [0usize, 1, 3, 256] {
        let mut bundle = (size as u16).to_be_bytes().to_vec();
        for e in entries(size as u64) {
            push_bundle_entry(&mut bundle, &e).unwrap();
        }
        put("bundle", &format!("bundle-{size}"), &bundle);
    }

    // The verifier: every fixture log untouched, seen before, rewritten, and lightly damaged.
    for i in 0..tlog_fuzz::SIZES.len() as u8 {
        put("verify_log", &format!("log{i}"), &[i, 0, 0]);
        put(
            "verify_log",
            &format!("log{i}-seen"),
            &[i, 2, i.saturating_sub(2)],
        );
        put(
            "verify_log",
            &format!("log{i}-rewritten"),
            &[i, 3, i, 1, 2, b'h', b'i', 3],
        );
        put(
            "verify_log",
            &format!("log{i}-flip"),
            &[i, 0, 0, 0, 1, 0, 7, 0x40],
        );
    }
    println!("wrote {n} seeds to {}", out.display());
}
