//! Bad input is refused with a message that says what is wrong, never with a panic.
//!
//! Each parser gets a hand-written list of malformed inputs, each paired with words its error
//! must contain. The fuzz targets in `fuzz/` explore further; this list runs on stable in CI.

mod common;

use tlog::Policy;
use tlog::note::{
    PrivateKey, TYPE_COSIGNATURE_V1, Vkey, add_signatures, open_checkpoint, parse_signature_lines,
    sign_checkpoint,
};
use tlog::proof_file::InclusionProof;
use tlog::tile::{TileId, split_bundle};
use tlog::verify::{TileSource, verify_log};
use tlog::witness::{AddCheckpoint, Witness, WitnessReply, add_log};

/// Asserts that `result` is an error whose message contains `want` (case-insensitive).
#[track_caller]
fn refused<T: std::fmt::Debug, E: std::fmt::Display>(what: &str, result: Result<T, E>, want: &str) {
    match result {
        Ok(v) => panic!("{what}: accepted as {v:?}"),
        Err(e) => {
            let m = e.to_string();
            assert!(
                m.to_lowercase().contains(&want.to_lowercase()),
                "{what}: message {m:?} does not say {want:?}"
            );
        }
    }
}

fn root() -> tlog::Hash {
    tlog::record_hash(b"root")
}

fn good_note() -> Vec<u8> {
    sign_checkpoint(&common::log_key(), 7, root())
}

fn log_sig_line() -> String {
    let note = String::from_utf8(good_note()).unwrap();
    note.rsplit_once("\n\n").unwrap().1.to_string()
}

#[test]
fn malformed_notes_and_checkpoints() {
    let sig = log_sig_line();
    let origin = common::ORIGIN;
    let root = root().to_string();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty", vec![], "no blank line"),
        (
            "text only",
            format!("{origin}\n7\n{root}\n").into_bytes(),
            "no blank line",
        ),
        (
            "no signatures",
            format!("{origin}\n7\n{root}\n\n").into_bytes(),
            "no signature lines",
        ),
        ("not UTF-8", b"\xff\xfe\n\n".to_vec(), "not UTF-8"),
        (
            "carriage return",
            format!("{origin}\r\n7\n{root}\n\n{sig}").into_bytes(),
            "control character",
        ),
        (
            "tab",
            format!("{origin}\t\n7\n{root}\n\n{sig}").into_bytes(),
            "control character",
        ),
        (
            "signature without newline",
            format!("{origin}\n7\n{root}\n\n{}", sig.trim_end()).into_bytes(),
            "does not end in a newline",
        ),
        (
            "hyphen for em dash",
            format!("{origin}\n7\n{root}\n\n- x AAAAAAAA\n").into_bytes(),
            "does not start with",
        ),
        (
            "no signature",
            format!("{origin}\n7\n{root}\n\n— name\n").into_bytes(),
            "no space",
        ),
        (
            "bad base64",
            format!("{origin}\n7\n{root}\n\n— name !!!!\n").into_bytes(),
            "not base64",
        ),
        (
            "short signature",
            format!("{origin}\n7\n{root}\n\n— name AAAA\n").into_bytes(),
            "too short",
        ),
        (
            "name with plus",
            format!("{origin}\n7\n{root}\n\n— a+b AAAAAAAA\n").into_bytes(),
            "key name",
        ),
        (
            "second line bad",
            format!("{origin}\n7\n{root}\n\n{sig}— x\n").into_bytes(),
            "signature line 2",
        ),
        (
            "too many signatures",
            format!("{origin}\n7\n{root}\n\n{}", sig.repeat(101)).into_bytes(),
            "at most 100",
        ),
        (
            "over 1 MB",
            [
                format!("{origin}\n7\n").as_bytes(),
                &vec![b'a'; 1_000_001],
                b"\n\n",
                sig.as_bytes(),
            ]
            .concat(),
            "1,000,000-byte",
        ),
    ];
    // Good notes, bad checkpoints.
    let bodies: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "two-line body",
            format!("{origin}\n7\n\n{sig}").into_bytes(),
            "no root hash",
        ),
        (
            "empty origin",
            format!("\n7\n{root}\n\n{sig}").into_bytes(),
            "origin line is empty",
        ),
        (
            "size with leading zero",
            format!("{origin}\n07\n{root}\n\n{sig}").into_bytes(),
            "leading zeros",
        ),
        (
            "negative size",
            format!("{origin}\n-7\n{root}\n\n{sig}").into_bytes(),
            "tree size \"-7\"",
        ),
        (
            "size too large",
            format!("{origin}\n18446744073709551616\n{root}\n\n{sig}").into_bytes(),
            "tree size",
        ),
        (
            "short root",
            format!("{origin}\n7\nAAAA\n\n{sig}").into_bytes(),
            "32 bytes",
        ),
        (
            "root not base64",
            format!("{origin}\n7\nnot a hash!\n\n{sig}").into_bytes(),
            "root hash",
        ),
    ];
    for (what, note, want) in &cases {
        refused(what, open_checkpoint(note), want);
        refused(what, common_policy().verify(note), want);
        refused(what, add_signatures(note, &[]), want);
    }
    for (what, note, want) in &bodies {
        refused(what, open_checkpoint(note), want);
        refused(what, common_policy().verify(note), want);
    }
}

fn common_policy() -> Policy {
    Policy::k_of_n(common::log_key().vkey(), vec![], 0).unwrap()
}

#[test]
fn checkpoints_that_parse_but_do_not_verify() {
    let good = good_note();
    let text = open_checkpoint(&good).unwrap().1;
    let other =
        PrivateKey::from_seed("other.example/log", tlog::note::TYPE_ED25519, [1; 32]).unwrap();
    let impostor =
        PrivateKey::from_seed(common::ORIGIN, tlog::note::TYPE_ED25519, [2; 32]).unwrap();
    let forged = {
        // The log's name and key id, someone else's signature.
        let mut sig = impostor.sign_note(&text, 0);
        sig = signed_note::Signature::new(
            sig.name().into(),
            common::log_key().vkey().id,
            sig.signature().to_vec(),
        )
        .unwrap();
        [&text[..], b"\n", &sig.to_bytes()].concat()
    };
    let witness = common::witness_key("witness.example/w", 5);
    let policy = Policy::k_of_n(common::log_key().vkey(), vec![witness.vkey()], 1).unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "other log",
            sign_checkpoint(&other, 7, root()),
            "is not the log's origin",
        ),
        (
            "impostor",
            sign_checkpoint(&impostor, 7, root()),
            "no signature by the log key",
        ),
        ("forged", forged, "does not verify"),
        ("no cosignature", good.clone(), "quorum not met"),
    ];
    for (what, note, want) in &cases {
        refused(what, policy.verify(note), want);
    }
    // A cosignature dated past the largest time a verifier accepts.
    let late = witness.sign_note(&text, u64::MAX);
    let note = add_signatures(&good, &[late]).unwrap();
    refused("late cosignature", policy.verify(&note), "does not verify");
}

#[test]
fn malformed_signature_lines() {
    let sig = log_sig_line();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty", vec![], "end in a newline"),
        (
            "no newline",
            sig.trim_end().as_bytes().to_vec(),
            "end in a newline",
        ),
        ("not UTF-8", b"\xff\n".to_vec(), "not UTF-8"),
        (
            "control character",
            format!("{}\x01\n", sig.trim_end()).into_bytes(),
            "control character",
        ),
        (
            "blank line",
            format!("{sig}\n").into_bytes(),
            "signature line 2",
        ),
        ("garbage", b"hello\n".to_vec(), "does not start with"),
        ("bad base64", "— w AAA*\n".as_bytes().to_vec(), "not base64"),
    ];
    for (what, body, want) in &cases {
        refused(what, parse_signature_lines(body), want);
    }
}

#[test]
fn malformed_keys() {
    let vkey = common::log_key().vkey().to_string();
    let (name, rest) = vkey.split_once('+').unwrap();
    let (id, key) = rest.split_once('+').unwrap();
    let bad_vkeys: Vec<(&str, String, &str)> = vec![
        ("empty", String::new(), "malformed verifier key"),
        ("name only", name.to_string(), "malformed verifier key"),
        ("no key", format!("{name}+{id}"), "malformed verifier key"),
        (
            "short id",
            format!("{name}+{}+{key}", &id[1..]),
            "8 hex digits",
        ),
        (
            "id not hex",
            format!("{name}+zzzzzzzz+{key}"),
            "8 hex digits",
        ),
        (
            "wrong id",
            format!("{name}+00000000+{key}"),
            "key id does not match",
        ),
        ("key not base64", format!("{name}+{id}+!!!!"), "base64"),
        (
            "empty name",
            format!("+{id}+{key}"),
            "malformed verifier key",
        ),
        (
            "control character in name",
            format!("a\x01b+{id}+{key}"),
            "malformed verifier key",
        ),
        (
            "unknown type",
            format!("{name}+{id}+Aw=="),
            "signature type 0x03",
        ),
    ];
    for (what, text, want) in &bad_vkeys {
        refused(what, Vkey::parse(text), want);
    }
    // A type byte we do not know, with a correct id.
    let raw = [&[0x02u8][..], &[9u8; 32]].concat();
    let b64 = base64_encode(&raw);
    let kid = tlog::note::key_id("k", 0x02, &[9; 32]);
    refused(
        "type 0x02",
        Vkey::parse(&format!("k+{kid:08x}+{b64}")),
        "only 0x01 (Ed25519) and 0x04",
    );

    let skey = common::log_key().to_skey();
    let body = skey.strip_prefix("PRIVATE+KEY+").unwrap();
    let (name, rest) = body.split_once('+').unwrap();
    let (id, key) = rest.split_once('+').unwrap();
    let bad_skeys: Vec<(&str, String, &str)> = vec![
        ("empty", String::new(), "no PRIVATE+KEY+ prefix"),
        ("a vkey", vkey.clone(), "no PRIVATE+KEY+ prefix"),
        ("no id", format!("PRIVATE+KEY+{name}"), "no key id"),
        ("no key", format!("PRIVATE+KEY+{name}+{id}"), "no key"),
        (
            "short id",
            format!("PRIVATE+KEY+{name}+{}+{key}", &id[1..]),
            "8 hex digits",
        ),
        (
            "signed id",
            format!("PRIVATE+KEY+{name}++{}+{key}", &id[2..]),
            "8 hex digits",
        ),
        (
            "not base64",
            format!("PRIVATE+KEY+{name}+{id}+***"),
            "not base64",
        ),
        (
            "short seed",
            format!("PRIVATE+KEY+{name}+{id}+AQID"),
            "not 32 bytes",
        ),
        (
            "wrong id",
            format!("PRIVATE+KEY+{name}+00000000+{key}"),
            "does not match",
        ),
        (
            "space in name",
            format!("PRIVATE+KEY+a b+{id}+{key}"),
            "contains a space",
        ),
        (
            "control character in name",
            format!("PRIVATE+KEY+a\x07b+{id}+{key}"),
            "control character",
        ),
        (
            "unknown type",
            format!("PRIVATE+KEY+{name}+{id}+Ag=="),
            "unknown signature type",
        ),
    ];
    for (what, text, want) in &bad_skeys {
        refused(what, PrivateKey::parse(text), want);
    }
    refused(
        "generate with a control character",
        PrivateKey::generate("bell\x07", TYPE_COSIGNATURE_V1),
        "control character",
    );
}

fn base64_encode(raw: &[u8]) -> String {
    use base64::prelude::*;
    BASE64_STANDARD.encode(raw)
}

#[test]
fn malformed_policies() {
    let log = common::log_key().vkey().to_string();
    let w = common::witness_key("w.example", 4).vkey().to_string();
    let cases: Vec<(&str, String, &str)> = vec![
        ("empty", String::new(), "no quorum line"),
        ("comment only", "# nothing\n".into(), "no quorum line"),
        (
            "unknown keyword",
            format!("log {log}\nwitnes a {w}\nquorum none\n"),
            "line 2: unknown keyword \"witnes\"",
        ),
        (
            "log without key",
            "log\nquorum none\n".into(),
            "line 1: want: log <vkey>",
        ),
        (
            "bad log key",
            "log nonsense\nquorum none\n".into(),
            "line 1: malformed verifier key",
        ),
        (
            "witness key as log",
            format!("log {w}\nquorum none\n"),
            "must be type 0x01",
        ),
        (
            "log key as witness",
            format!("witness a {log}\nquorum none\n"),
            "must be type 0x04",
        ),
        (
            "duplicate log",
            format!("log {log}\nlog {log}\nquorum none\n"),
            "line 2: duplicate log key",
        ),
        (
            "duplicate witness name",
            format!("witness a {w}\nwitness a {w}\nquorum none\n"),
            "already defined",
        ),
        (
            "witness named none",
            format!("witness none {w}\nquorum none\n"),
            "already defined",
        ),
        (
            "undefined member",
            format!("witness a {w}\ngroup g any a b\nquorum g\n"),
            "member \"b\" is not defined",
        ),
        (
            "member twice",
            format!("witness a {w}\ngroup g any a a\nquorum g\n"),
            "listed twice",
        ),
        (
            "threshold zero",
            format!("witness a {w}\ngroup g 0 a\nquorum g\n"),
            "threshold \"0\"",
        ),
        (
            "threshold too big",
            format!("witness a {w}\ngroup g 2 a\nquorum g\n"),
            "1..=1",
        ),
        (
            "group too short",
            "group g any\nquorum none\n".into(),
            "want: group",
        ),
        (
            "undefined quorum",
            "quorum g\n".into(),
            "\"g\" is not defined",
        ),
        (
            "two quorums",
            "quorum none\nquorum none\n".into(),
            "more than one quorum",
        ),
        (
            "quorum with extra word",
            "quorum none x\n".into(),
            "want: quorum <name>",
        ),
        (
            "carriage return",
            "quorum none\r\n".into(),
            "control character",
        ),
    ];
    for (what, text, want) in &cases {
        refused(what, Policy::parse(text), want);
    }
}

#[test]
fn malformed_proof_files() {
    let tmp = tempfile::tempdir().unwrap();
    let mut log = common::new_log(tmp.path());
    let entries: Vec<Vec<u8>> = (0..9).map(common::entry).collect();
    log.append(&entries).unwrap();
    let note = log.sign_checkpoint(&common::log_key()).unwrap();
    let good = InclusionProof {
        extra: None,
        index: 4,
        proof: log.prove_inclusion(4, 9).unwrap(),
        checkpoint: note.clone(),
    };
    let text = String::from_utf8(good.to_bytes()).unwrap();
    let (head, cp) = text.split_once("\n\n").unwrap();
    let hashes: Vec<&str> = head.lines().skip(2).collect();
    let h = hashes.join("\n");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty", vec![], "line 1: empty proof file"),
        (
            "wrong header",
            format!("c2sp.org/tlog-proof@v2\nindex 4\n{h}\n\n{cp}").into_bytes(),
            "line 1: first line must be c2sp.org/tlog-proof@v1",
        ),
        (
            "no index",
            "c2sp.org/tlog-proof@v1\n".into(),
            "line 2: missing index line",
        ),
        (
            "index misspelt",
            format!("c2sp.org/tlog-proof@v1\nidx 4\n{h}\n\n{cp}").into_bytes(),
            "line 2: want \"index <n>\"",
        ),
        (
            "index with leading zero",
            format!("c2sp.org/tlog-proof@v1\nindex 04\n{h}\n\n{cp}").into_bytes(),
            "leading zeros",
        ),
        (
            "negative index",
            format!("c2sp.org/tlog-proof@v1\nindex -4\n{h}\n\n{cp}").into_bytes(),
            "leading zeros",
        ),
        (
            "huge index",
            format!("c2sp.org/tlog-proof@v1\nindex 99999999999999999999\n{h}\n\n{cp}").into_bytes(),
            "too large",
        ),
        (
            "bad extra",
            format!("c2sp.org/tlog-proof@v1\nextra ***\nindex 4\n{h}\n\n{cp}").into_bytes(),
            "line 2: extra data is not base64",
        ),
        (
            "extra then nothing",
            "c2sp.org/tlog-proof@v1\nextra AA==\n".into(),
            "line 3: missing index line",
        ),
        (
            "hash not base64",
            format!("c2sp.org/tlog-proof@v1\nindex 4\n***\n\n{cp}").into_bytes(),
            "line 3: proof hash is not base64",
        ),
        (
            "short hash",
            format!("c2sp.org/tlog-proof@v1\nindex 4\n{h}\nAAAA\n\n{cp}").into_bytes(),
            "proof hash is not 32 bytes",
        ),
        (
            "no blank line",
            format!("c2sp.org/tlog-proof@v1\nindex 4\n{h}").into_bytes(),
            "ends before the empty line",
        ),
        (
            "64 hashes",
            format!(
                "c2sp.org/tlog-proof@v1\nindex 4\n{}\n{cp}",
                format!("{}\n", hashes[0]).repeat(64)
            )
            .into_bytes(),
            "more than 63 proof hashes",
        ),
        (
            "not UTF-8",
            b"c2sp.org/tlog-proof@v1\n\xff".to_vec(),
            "not UTF-8",
        ),
        ("over 1 MB", vec![b'a'; 1_000_001], "over 1 MB"),
    ];
    for (what, file, want) in &cases {
        refused(what, InclusionProof::parse(file), want);
    }
    // Files that parse but prove nothing.
    let policy = common_policy();
    let check = |file: String| {
        InclusionProof::parse(file.as_bytes())
            .unwrap()
            .verify(&entries[4], &policy)
    };
    refused(
        "bad checkpoint",
        check(format!(
            "c2sp.org/tlog-proof@v1\nindex 4\n{h}\n\nnot a note\n"
        )),
        "checkpoint in the proof: not a signed note",
    );
    refused(
        "wrong index",
        check(format!("c2sp.org/tlog-proof@v1\nindex 5\n{h}\n\n{cp}")),
        "not at index 5",
    );
    refused(
        "index past the end",
        check(format!("c2sp.org/tlog-proof@v1\nindex 9\n{h}\n\n{cp}")),
        "outside a tree of size 9",
    );
    refused(
        "missing hash",
        check(format!(
            "c2sp.org/tlog-proof@v1\nindex 4\n{}\n\n{cp}",
            hashes[1..].join("\n")
        )),
        "does not verify",
    );
    refused(
        "wrong entry",
        good.verify(b"another entry", &policy),
        "not at index 4",
    );
}

#[test]
fn malformed_witness_requests() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("witness.db");
    add_log(&db, common::ORIGIN, &common::log_key().vkey().to_string()).unwrap();
    let witness = Witness::open(&db, common::witness_key("w.example", 3)).unwrap();
    let cp = String::from_utf8(good_note()).unwrap();
    let hash = root().to_string();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty", vec![], "no old size line"),
        (
            "no old line",
            cp.clone().into_bytes(),
            "first line must be \"old <size>\"",
        ),
        (
            "old misspelt",
            format!("Old 0\n\n{cp}").into_bytes(),
            "first line must be",
        ),
        (
            "old empty",
            format!("old \n\n{cp}").into_bytes(),
            "not a decimal",
        ),
        (
            "old with leading zero",
            format!("old 00\n\n{cp}").into_bytes(),
            "leading zeros",
        ),
        (
            "old too large",
            format!("old 18446744073709551616\n\n{cp}").into_bytes(),
            "too large",
        ),
        (
            "proof not base64",
            format!("old 3\n***\n\n{cp}").into_bytes(),
            "proof line 1 is not base64",
        ),
        (
            "short proof hash",
            format!("old 3\n{hash}\nAAAA\n\n{cp}").into_bytes(),
            "proof line 2 is not a 32-byte hash",
        ),
        (
            "no blank line",
            format!("old 3\n{hash}\n").into_bytes(),
            "ends before the empty line",
        ),
        (
            "64 proof lines",
            format!("old 3\n{}\n{cp}", format!("{hash}\n").repeat(64)).into_bytes(),
            "more than 63",
        ),
        ("not UTF-8", b"old 0\n\n\xff".to_vec(), "not UTF-8"),
        (
            "too large",
            [format!("old 0\n\n{cp}").as_bytes(), &vec![b'a'; 65_536]].concat(),
            "too large",
        ),
    ];
    for (what, body, want) in &cases {
        refused(what, AddCheckpoint::parse(body), want);
        let reply = witness.add_checkpoint(body, 1);
        assert_eq!(reply.status(), 400, "{what}: {reply:?}");
        let WitnessReply::BadRequest(m) = reply else {
            unreachable!()
        };
        assert!(
            m.to_lowercase().contains(&want.to_lowercase()),
            "{what}: {m:?}"
        );
    }
    // Requests that parse, with a checkpoint that does not.
    for (what, body, want) in [
        (
            "checkpoint not a note",
            "old 0\n\nhello\n".to_string(),
            "not a signed note",
        ),
        (
            "checkpoint body wrong",
            format!("old 0\n\n{}\n\n{}", common::ORIGIN, log_sig_line()),
            "malformed checkpoint body",
        ),
    ] {
        let reply = witness.add_checkpoint(body.as_bytes(), 1);
        assert_eq!(reply.status(), 400, "{what}: {reply:?}");
        let m = String::from_utf8(reply.body()).unwrap();
        assert!(m.contains(want), "{what}: {m:?}");
    }
    // A size-0 checkpoint whose root is not the empty tree's: the sizes match, the roots do
    // not, so 409 (C2SP tlog-witness), and the witness stays at the empty tree.
    let bogus = AddCheckpoint {
        old_size: 0,
        proof: vec![],
        checkpoint: sign_checkpoint(&common::log_key(), 0, root()),
    };
    assert_eq!(
        witness.add_checkpoint(&bogus.to_bytes(), 1),
        WitnessReply::Conflict(0)
    );
    let empty = AddCheckpoint {
        checkpoint: sign_checkpoint(&common::log_key(), 0, tlog::EMPTY_HASH),
        ..bogus
    };
    assert_eq!(witness.add_checkpoint(&empty.to_bytes(), 1).status(), 200);
}

#[test]
fn malformed_tile_paths() {
    for bad in [
        "",
        "tile",
        "tile/",
        "tile/0",
        "tile/0/",
        "tile/0/1",
        "tile/0/0001",
        "tile/-1/000",
        "tile/+1/000",
        "tile/0/x001",
        "tile/0/001/000",
        "tile/0/x1000/000",
        "tile/0/x000/001",
        "tile/0/000.p/",
        "tile/0/000.p/0",
        "tile/0/000.p/256",
        "tile/0/000.p/+5",
        "tile/0/000.p/5/",
        "tile/0/000.p5",
        "tile/entry/000",
        "tile/entries/000.p/1.p/1",
        "tile/0/x018/x446/x744/x073/x709/x551/616",
        "/tile/0/000",
        "tile/0/000\n",
    ] {
        refused(bad, TileId::parse(bad), "not a C2SP tile path");
    }
}

#[test]
fn malformed_entry_bundles() {
    let cases: Vec<(&str, Vec<u8>, usize, &str)> = vec![
        (
            "one byte",
            vec![0],
            1,
            "ends inside the length prefix of entry 0",
        ),
        (
            "cut entry",
            vec![0, 5, b'a', b'b'],
            1,
            "entry 0 of the bundle is cut short: its length prefix says 5 bytes but 2 remain",
        ),
        (
            "cut second entry",
            vec![0, 1, b'a', 0, 9],
            2,
            "entry 1 of the bundle is cut short",
        ),
        (
            "too few",
            vec![0, 1, b'a'],
            2,
            "holds 1 entries where 2 were expected",
        ),
        (
            "too many",
            vec![0, 0, 0, 0],
            1,
            "holds 2 entries where 1 were expected",
        ),
        ("empty bundle", vec![], 1, "holds 0 entries"),
        ("huge expected", vec![], usize::MAX, "holds 0 entries"),
    ];
    for (what, bundle, expected, want) in &cases {
        refused(what, split_bundle(bundle, *expected), want);
    }
}

/// A published directory in memory, for damaging the verifier's input.
struct Mem(std::collections::BTreeMap<String, Vec<u8>>);

impl TileSource for Mem {
    fn fetch(&self, path: &str) -> Result<Option<Vec<u8>>, String> {
        Ok(self.0.get(path).cloned())
    }
    fn describe(&self) -> String {
        "memory".into()
    }
}

#[test]
fn malformed_published_files() {
    let tmp = tempfile::tempdir().unwrap();
    let mut log = common::new_log(tmp.path());
    log.append(&(0..300).map(common::entry).collect::<Vec<_>>())
        .unwrap();
    let note = log.sign_checkpoint(&common::log_key()).unwrap();
    let mut files = std::collections::BTreeMap::new();
    files.insert("checkpoint".to_string(), note);
    for id in tlog::tile::hash_tiles(300).chain(tlog::tile::entry_bundles(300)) {
        let bytes = match id.kind {
            tlog::tile::TileKind::Hashes(l) => log.hash_tile_at(l, id.index, 300).unwrap(),
            tlog::tile::TileKind::Entries => log.bundle_at(id.index, 300).unwrap(),
        };
        files.insert(id.path(), bytes);
    }
    let policy = common_policy();
    let check = |files: &std::collections::BTreeMap<String, Vec<u8>>| {
        verify_log(&Mem(files.clone()), &policy, None, &mut |_, _| {}).map(|v| v.checkpoint.size)
    };
    assert_eq!(check(&files).unwrap(), 300);
    type Hurt = Box<dyn Fn(&mut Vec<u8>)>;
    let damage: Vec<(&str, &str, Hurt, &str)> = vec![
        (
            "checkpoint garbage",
            "checkpoint",
            Box::new(|f| *f = b"hello".to_vec()),
            "checkpoint: not a signed note",
        ),
        (
            "checkpoint empty",
            "checkpoint",
            Box::new(|f| f.clear()),
            "no blank line",
        ),
        (
            "bundle cut",
            "tile/entries/001.p/44",
            Box::new(|f| f.truncate(f.len() - 1)),
            "tile/entries/001.p/44: entry 43 of the bundle is cut short",
        ),
        (
            "bundle extra",
            "tile/entries/000",
            Box::new(|f| f.extend_from_slice(&[0, 0])),
            "tile/entries/000: the bundle holds 257 entries where 256",
        ),
        (
            "bundle odd byte",
            "tile/entries/000",
            Box::new(|f| f.push(0)),
            "ends inside the length prefix of entry 256",
        ),
        (
            "tile short",
            "tile/0/001.p/44",
            Box::new(|f| f.truncate(31)),
            "tile/0/001.p/44 holds 31 bytes",
        ),
        (
            "tile long",
            "tile/1/000.p/1",
            Box::new(|f| f.push(0)),
            "tile/1/000.p/1 holds 33 bytes",
        ),
    ];
    for (what, path, hurt, want) in &damage {
        let mut bad = files.clone();
        hurt(
            bad.get_mut(*path)
                .unwrap_or_else(|| panic!("{path} not published")),
        );
        refused(what, check(&bad), want);
    }
    let mut bad = files.clone();
    bad.remove("tile/0/000");
    refused("tile missing", check(&bad), "tile/0/000 is missing");
}

/// add_signatures hands back only notes that open again (found by the `note` fuzz target: a
/// signature name with a control character made a note nobody could read).
#[test]
fn added_signatures_keep_the_note_readable() {
    let good = good_note();
    let odd = signed_note::Signature::new("a\x01b".into(), 1, vec![0; 64]).unwrap();
    refused(
        "control character in a name",
        add_signatures(&good, &[odd]),
        "control character",
    );
    let many: Vec<_> = (0..100)
        .map(|i| common::witness_key(&format!("w{i}.example"), 1).sign_note(b"x\n", 0))
        .collect();
    refused(
        "101 signatures",
        add_signatures(&good, &many),
        "at most 100",
    );
}

/// Groups that name groups are copied in full; a chain where each group names the two before
/// it doubles at each line (found by hand while writing the `policy` fuzz target: 890 bytes
/// used over 2 GB). The parser stops at a bound instead.
#[test]
fn nested_policy_groups_are_bounded() {
    let w = common::witness_key("w.example", 4).vkey().to_string();
    let v = common::witness_key("v.example", 5).vkey().to_string();
    let mut text = format!("witness a {w}\nwitness b {v}\ngroup g0 any a b\ngroup g1 any a g0\n");
    for i in 2..60 {
        text.push_str(&format!("group g{i} any g{} g{}\n", i - 1, i - 2));
    }
    text.push_str("quorum g59\n");
    refused(
        "doubling groups",
        Policy::parse(&text),
        "groups nest too deeply",
    );
    // A modest nesting still parses.
    let ok =
        format!("witness a {w}\nwitness b {v}\ngroup g0 any a b\ngroup g1 all g0 a\nquorum g1\n");
    assert!(Policy::parse(&ok).is_ok());
}
