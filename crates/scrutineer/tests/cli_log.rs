//! The log's command line end to end: keys, a log, two witness servers, publication, a tile
//! server, verification over HTTP and from a directory, offline proofs, tampering, and errors
//! that name what is wrong.

mod common;
use common::served::Served;
use common::{failed, scrutineer, succeeded, text};
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::Duration;

fn run(args: &[&str], dir: &Path) -> Output {
    scrutineer()
        .args(args)
        .current_dir(dir)
        .env("XDG_DATA_HOME", dir.join("xdg"))
        .output()
        .unwrap()
}

fn ok(args: &[&str], dir: &Path) -> String {
    succeeded(args, &run(args, dir))
}

fn fails(args: &[&str], dir: &Path) -> String {
    let out = run(args, dir);
    failed(args, &out);
    text(&out)
}

fn serve(args: &[&str], dir: &Path) -> Served {
    Served::start(
        scrutineer()
            .args(args)
            .current_dir(dir)
            .stderr(Stdio::null()),
        Duration::from_secs(30),
    )
}

#[test]
fn a_log_is_witnessed_published_and_verified_from_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let log_vkey = ok(&["keygen", "elections.test/kh"], d).trim().to_string();
    assert!(d.join("elections.test_kh.key").exists());
    // Keys are never overwritten.
    assert!(fails(&["keygen", "elections.test/kh"], d).contains("refusing to overwrite"));
    let wa = ok(&["keygen", "--witness", "witness.a.test", "-o", "a.key"], d)
        .trim()
        .to_string();
    let wb = ok(&["keygen", "--witness", "witness.b.test", "-o", "b.key"], d)
        .trim()
        .to_string();

    ok(&["log", "init", "log", "--key", "elections.test_kh.key"], d);
    let events: String = (0..600).map(|i| format!("{{\"event\":{i}}}\n")).collect();
    std::fs::write(d.join("events.jsonl"), events).unwrap();
    let out = ok(&["log", "append", "log", "events.jsonl"], d);
    assert!(out.contains("appended 600 entries"), "{out}");

    for (name, key) in [("wa", "a.key"), ("wb", "b.key")] {
        ok(
            &["witness", "add-log", name, "elections.test/kh", &log_vkey],
            d,
        );
        let _ = key;
    }
    let a = serve(
        &[
            "witness",
            "serve",
            "wa",
            "--key",
            "a.key",
            "--listen",
            "127.0.0.1:0",
        ],
        d,
    );
    let b = serve(
        &[
            "witness",
            "serve",
            "wb",
            "--key",
            "b.key",
            "--listen",
            "127.0.0.1:0",
        ],
        d,
    );
    ok(&["log", "add-witness", "log", &wa, &a.url], d);
    ok(&["log", "add-witness", "log", &wb, &b.url], d);
    let out = ok(&["log", "witness", "log"], d);
    assert!(out.contains("2 cosignature(s)"), "{out}");

    ok(&["log", "publish", "log", "public"], d);
    let tiles = serve(&["log", "serve", "public", "--listen", "127.0.0.1:0"], d);

    // Over HTTP, with the quorum of both witnesses, remembering the checkpoint.
    let out = ok(
        &[
            "verify",
            &tiles.url,
            "--vkey",
            &log_vkey,
            "--witness",
            &wa,
            "--witness",
            &wb,
        ],
        d,
    );
    assert!(
        out.contains("OK: elections.test/kh holds 600 entries"),
        "{out}"
    );
    assert!(out.contains("first verification"), "{out}");

    // A quorum the checkpoint does not meet.
    let other = ok(&["keygen", "--witness", "witness.c.test", "-o", "c.key"], d)
        .trim()
        .to_string();
    let err = fails(
        &[
            "verify",
            "public",
            "--vkey",
            &log_vkey,
            "--witness",
            &wa,
            "--witness",
            &other,
            "--no-state",
        ],
        d,
    );
    assert!(err.contains("quorum not met"), "{err}");

    // More entries: the log grows, the witnesses follow, the verifier checks consistency.
    std::fs::write(d.join("more.jsonl"), "{\"event\":600}\n{\"event\":601}\n").unwrap();
    ok(&["log", "append", "log", "more.jsonl"], d);
    ok(&["log", "witness", "log"], d);
    ok(&["log", "publish", "log", "public"], d);
    let out = ok(
        &[
            "verify",
            &tiles.url,
            "--vkey",
            &log_vkey,
            "--witness",
            &wa,
            "--witness",
            &wb,
        ],
        d,
    );
    assert!(
        out.contains("extends the checkpoint verified before (size 600)"),
        "{out}"
    );

    // An offline proof of one entry.
    let proof = ok(
        &["log", "prove", "log", "123", "--entry-out", "entry.json"],
        d,
    );
    std::fs::write(d.join("entry.tlog-proof"), &proof).unwrap();
    assert!(proof.starts_with("c2sp.org/tlog-proof@v1\nindex 123\n"));
    let out = ok(
        &[
            "verify",
            "--proof",
            "entry.tlog-proof",
            "--vkey",
            &log_vkey,
            "--witness",
            &wa,
            "entry.json",
        ],
        d,
    );
    assert!(out.contains("is entry 123"), "{out}");
    std::fs::write(d.join("entry.json"), "{\"event\":124}").unwrap();
    let err = fails(
        &[
            "verify",
            "--proof",
            "entry.tlog-proof",
            "--vkey",
            &log_vkey,
            "entry.json",
        ],
        d,
    );
    assert!(err.contains("not at index 123"), "{err}");

    // Tampering with the published directory is named.
    let bundle = d.join("public/tile/entries/001");
    let mut bytes = std::fs::read(&bundle).unwrap();
    bytes[100] ^= 1;
    std::fs::write(&bundle, bytes).unwrap();
    let err = fails(&["verify", "public", "--vkey", &log_vkey, "--no-state"], d);
    assert!(err.contains("tile/entries/001"), "{err}");

    let status = ok(&["log", "status", "log"], d);
    assert!(status.contains("size:    602"), "{status}");
    assert!(status.contains("last cosigned size 602"), "{status}");
    drop((a, b, tiles));
}

#[test]
fn bad_input_gets_errors_that_name_the_problem() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    ok(&["keygen", "elections.test/kh"], d);
    std::fs::write(d.join("broken.key"), "PRIVATE+KEY+x+00000000+AQ==\n").unwrap();
    let err = fails(&["log", "init", "log", "--key", "broken.key"], d);
    assert!(err.contains("broken.key"), "{err}");
    let err = fails(
        &[
            "log",
            "init",
            "log",
            "--key",
            "elections.test_kh.key",
            "--origin",
            "other.test/log",
        ],
        d,
    );
    assert!(err.contains("named after its origin"), "{err}");

    ok(&["log", "init", "log", "--key", "elections.test_kh.key"], d);
    let long = "x".repeat(70_000);
    std::fs::write(d.join("events.txt"), format!("fine\nalso fine\n{long}\n")).unwrap();
    let err = fails(&["log", "append", "log", "events.txt"], d);
    assert!(err.contains("events.txt: line 3"), "{err}");
    // Nothing was appended.
    assert!(ok(&["log", "status", "log"], d).contains("size:    0"));

    std::fs::write(d.join("raw.bin"), [0u8, 5, b'a', b'b']).unwrap();
    let err = fails(&["log", "append", "log", "--raw", "raw.bin"], d);
    assert!(err.contains("raw.bin: byte 0"), "{err}");

    let err = fails(&["verify", "nowhere", "--vkey", "not-a-key"], d);
    assert!(err.contains("--vkey"), "{err}");
    let err = fails(&["log", "witness", "log"], d);
    assert!(err.contains("no witnesses"), "{err}");
    let err = fails(&["log", "prove", "log", "0"], d);
    assert!(err.contains("not in the log"), "{err}");
    let err = fails(&["log", "status", "not-a-log"], d);
    assert!(err.contains("not a log directory"), "{err}");
}
