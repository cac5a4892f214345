//! The fault suite's input and network edges (docs/faults.md): hostile and oversized files,
//! hostile tile servers, closed pipes. Every case runs the binary and checks that it ends
//! quickly, without a panic, with one line on standard error that names the file and line, the
//! JSON path or the URL. Servers listen on 127.0.0.1 only; every loop is bounded.

mod common;
use common::{mapping, ok, run, scrutineer};

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

/// Runs a command that must fail: no panic, not killed, and its error the last line of
/// standard error, given once. Returns that line.
fn refused(args: &[&str], dir: &Path, within: Duration) -> String {
    let started = Instant::now();
    let out = run(args, dir);
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(
        out.status.code(),
        Some(1),
        "scrutineer {args:?} should fail with 1:\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("Caused by"), "{stderr}");
    assert!(
        took < within,
        "scrutineer {args:?} took {took:?}:\n{stderr}"
    );
    let last = stderr.trim_end().lines().last().unwrap_or("").to_string();
    assert!(last.starts_with("error: "), "{stderr}");
    last
}

/// A file of `len` bytes that takes no disk space: zeros with no line break.
fn sparse(path: &Path, len: u64) {
    std::fs::File::create(path).unwrap().set_len(len).unwrap();
}

// ------------------------------------------------------------------ oversized and malformed CSV

/// Guards against reading a file with no line breaks into memory whole (issue 12, defect 2: a
/// 2 GB sparse file ran 28 s and took 10.5 GB before an error): the first line fails at 1 MiB.
#[test]
fn a_csv_file_without_line_breaks_fails_at_once_naming_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    sparse(&d.join("sparse.csv"), 400 << 20);
    let line = refused(
        &[
            "forensics",
            "sparse.csv",
            "--mapping",
            &mapping("russia-duma-2011.toml"),
        ],
        d,
        Duration::from_secs(20),
    );
    assert!(line.contains("sparse.csv:1: "), "{line}");
    assert!(line.contains("runs past 1 MiB"), "{line}");

    // The same inside gzip: the bound is on what comes out of the decompressor.
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(d.join("bomb.csv.gz")).unwrap(),
        flate2::Compression::fast(),
    );
    gz.write_all(b"S1,1,2\n").unwrap();
    let zeros = vec![b'0'; 1 << 20];
    for _ in 0..8 {
        gz.write_all(&zeros).unwrap();
    }
    gz.finish().unwrap();
    let line = refused(
        &["forensics", "bomb.csv.gz", "--mapping", &plain_mapping(d)],
        d,
        Duration::from_secs(20),
    );
    assert!(line.contains("bomb.csv.gz:2: "), "{line}");
}

/// A mapping for header-less rows `station,votes A,votes B`.
fn plain_mapping(d: &Path) -> String {
    let path = d.join("plain.toml");
    std::fs::write(
        &path,
        "record = \"station-results\"\n[csv]\nheader = false\n[station]\nid = 0\n\
         [contest]\nchoices = [\"A\", \"B\"]\n[[source]]\nname = \"official\"\nvotes = [1, 2]\n",
    )
    .unwrap();
    path.display().to_string()
}

/// Guards against an unclosed quote reading the rest of a file into one record: a record is
/// bounded (4 MiB) even when each of its lines is short.
#[test]
fn an_unclosed_quote_fails_at_the_record_limit_naming_its_line() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let mut f = std::io::BufWriter::new(std::fs::File::create(d.join("quote.csv")).unwrap());
    f.write_all(b"S1,1,2\n\"S2,3,4\n").unwrap();
    for _ in 0..(600 * 1024) {
        f.write_all(b"short line\n").unwrap();
    }
    f.flush().unwrap();
    drop(f);
    let line = refused(
        &["forensics", "quote.csv", "--mapping", &plain_mapping(d)],
        d,
        Duration::from_secs(20),
    );
    assert!(line.contains("quote.csv:2: "), "{line}");
    assert!(line.contains("record runs past 4 MiB"), "{line}");
}

// ------------------------------------------------------------------ JSON files read whole

/// Guards against reading a file of entries of any size into memory: `log append` refuses a
/// file past the cap before reading it, and a line past the entry limit after 64 KiB of it.
#[test]
fn oversized_entry_files_and_lines_are_refused_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    ok(&["keygen", "faults.test/log"], d);
    ok(&["log", "init", "L", "--key", "faults.test_log.key"], d);
    sparse(&d.join("huge.jsonl"), (1 << 30) + 1);
    let line = refused(
        &["log", "append", "L", "huge.jsonl"],
        d,
        Duration::from_secs(20),
    );
    assert!(
        line.contains("huge.jsonl") && line.contains("1024 MiB"),
        "{line}"
    );
    sparse(&d.join("long.jsonl"), 300 << 20);
    let line = refused(
        &["log", "append", "L", "long.jsonl"],
        d,
        Duration::from_secs(20),
    );
    assert!(line.contains("long.jsonl: line 1: "), "{line}");
}

/// A tiny election: one member, one registration officer.
fn election(d: &Path) {
    ok(&["keygen", "elections.test/faults"], d);
    let member = ok(&["keygen", "m.chair", "-o", "m.chair.key"], d);
    let officer = ok(&["keygen", "officer", "-o", "officer.key"], d);
    let config = format!(
        "election = \"Faults\"\norigin = \"elections.test/faults\"\nlevels = [\"ward\"]\n\
         bulk_threshold = 100\n\n[rule]\nmin_approvals = 1\nmin_parties = 0\n\
         every_party_asked = false\n\n[[member]]\nname = \"m.chair\"\nperson = \"m.chair\"\n\
         vkey = \"{}\"\n\n[[key]]\nname = \"officer\"\nrole = \"registration_officer\"\n\
         scope = \"all\"\nvkey = \"{}\"\n",
        member.trim(),
        officer.trim()
    );
    std::fs::write(d.join("election.toml"), config).unwrap();
    ok(
        &[
            "init",
            "E",
            "--config",
            "election.toml",
            "--key",
            "elections.test_faults.key",
            "--member-key",
            "m.chair.key",
        ],
        d,
    );
}

/// Guards against a repeated key inside an event's body being resolved silently (issue 12,
/// defect 6: the last one won), at any depth, while a repeated top-level key was refused.
/// Also malformed and oversized event files: one line naming the file and line.
#[test]
fn event_files_with_duplicate_keys_bad_json_or_no_end_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    election(d);
    let cases: &[(&str, &str)] = &[
        (
            r#"{"kind":"register","body":{"voter":"A","voter":"B"}}"#,
            "ev.jsonl: line 1: body.voter: duplicate key",
        ),
        (
            r#"{"kind":"result_form","body":{"votes":{"RED":1,"BLUE":2,"RED":3}}}"#,
            "ev.jsonl: line 1: body.votes.RED: duplicate key",
        ),
        (
            r#"{"kind":"register","kind":"area","body":{}}"#,
            "ev.jsonl: line 1",
        ),
        (r#"{"kind":"register","body":{"#, "ev.jsonl: line 1"),
        ("\u{0}\u{1}", "ev.jsonl: line 1"),
    ];
    for (event, want) in cases {
        std::fs::write(d.join("ev.jsonl"), format!("{event}\n")).unwrap();
        let line = refused(
            &["submit", "E", "ev.jsonl", "--as", "officer.key"],
            d,
            Duration::from_secs(20),
        );
        assert!(line.contains(want), "{event}: {line}");
    }
    sparse(&d.join("huge.jsonl"), (1 << 30) + 1);
    let line = refused(
        &["submit", "E", "huge.jsonl", "--as", "officer.key"],
        d,
        Duration::from_secs(20),
    );
    assert!(line.contains("huge.jsonl: larger than"), "{line}");
    sparse(&d.join("cdf.json"), (256 << 20) + 1);
    let line = refused(
        &[
            "import",
            "cdf",
            "E",
            "cdf.json",
            "--as",
            "officer.key",
            "--source",
            "official",
        ],
        d,
        Duration::from_secs(20),
    );
    assert!(line.contains("cdf.json: larger than"), "{line}");
}

// ------------------------------------------------------------------ one-line errors, closed pipes

/// Guards against errors printed twice over four lines ("Error: X: cause" then "Caused by:
/// cause"): one line, naming the file.
#[test]
fn errors_are_one_line_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let cases: &[(&[&str], &str)] = &[
        (
            &["forensics", "data.csv", "--mapping", "missing.toml"],
            "missing.toml",
        ),
        (&["log", "init", "L", "--key", "missing.key"], "missing.key"),
        (&["status", "no-such-election"], "no-such-election"),
        (
            &["submit", "no-such-election", "ev.jsonl", "--as", "k.key"],
            "no-such-election",
        ),
        (&["log", "status", "no-such-log"], "no-such-log"),
    ];
    for (args, names) in cases {
        let line = refused(args, d, Duration::from_secs(20));
        assert!(line.contains(names), "{args:?}: {line}");
        // Each cause once.
        let body = line.trim_start_matches("error: ");
        let parts: Vec<&str> = body.split(": ").collect();
        for (i, p) in parts.iter().enumerate() {
            assert!(
                !parts[i + 1..].contains(p) || p.len() < 4,
                "{args:?}: {line}"
            );
        }
    }
}

/// Runs `args` with standard output a pipe whose reader has already gone.
fn with_closed_stdout(args: &[&str], dir: &Path) -> Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let child = scrutineer()
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::from(writer))
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.wait_with_output().unwrap()
}

/// Guards against the panic on a closed pipe (issue 12, defect 4: `log status L | head -1`
/// exited 101 with "failed printing to stdout: Broken pipe"): every command ends quietly.
#[test]
fn commands_end_quietly_when_their_reader_goes_away() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    ok(&["keygen", "faults.test/pipe"], d);
    ok(&["log", "init", "L", "--key", "faults.test_pipe.key"], d);
    let entries: String = (0..300).map(|i| format!("{{\"n\":{i}}}\n")).collect();
    std::fs::write(d.join("e.jsonl"), entries).unwrap();
    ok(&["log", "append", "L", "e.jsonl"], d);
    ok(&["log", "publish", "L", "public"], d);
    let ids: String = (0..20_000).map(|i| format!("S{i}\n")).collect();
    std::fs::write(d.join("ids.txt"), ids).unwrap();
    let cases: &[&[&str]] = &[
        &["--help"],
        &["log", "status", "L"],
        &["log", "prove", "L", "7"],
        &["keygen", "faults.test/other", "-o", "other.key"],
        &["sample", "--seed", "1", "--take", "20000", "ids.txt"],
    ];
    for args in cases {
        let out = with_closed_stdout(args, d);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_ne!(out.status.code(), Some(101), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(!stderr.contains("Broken pipe"), "{args:?}: {stderr}");
    }
}

// ------------------------------------------------------------------ hostile tile servers

/// A published log: `small` holds 10 entries, `public` 300 of the same log.
struct Published {
    dir: tempfile::TempDir,
    vkey: String,
}

fn published() -> Published {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let vkey = ok(&["keygen", "faults.test/tiles"], d).trim().to_string();
    ok(&["log", "init", "L", "--key", "faults.test_tiles.key"], d);
    let entries: String = (0..300).map(|i| format!("{{\"n\":{i}}}\n")).collect();
    let first: String = entries.lines().take(10).map(|l| format!("{l}\n")).collect();
    let rest: String = entries.lines().skip(10).map(|l| format!("{l}\n")).collect();
    std::fs::write(d.join("first.jsonl"), first).unwrap();
    std::fs::write(d.join("rest.jsonl"), rest).unwrap();
    ok(&["log", "append", "L", "first.jsonl"], d);
    ok(&["log", "publish", "L", "small"], d);
    ok(&["log", "append", "L", "rest.jsonl"], d);
    ok(&["log", "publish", "L", "public"], d);
    Published { dir, vkey }
}

/// How a hostile server answers one request for `path`.
type Answer = dyn Fn(&str, &mut TcpStream) + Send + Sync;

/// Serves on 127.0.0.1 until 200 connections have come (more than any case makes).
fn hostile(answer: Box<Answer>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let answer = std::sync::Arc::new(answer);
        for stream in listener.incoming().take(200) {
            let Ok(mut stream) = stream else { continue };
            let answer = answer.clone();
            std::thread::spawn(move || {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while head.len() < 8192 && !head.ends_with(b"\r\n\r\n") {
                    match stream.read(&mut byte) {
                        Ok(1) => head.push(byte[0]),
                        _ => return,
                    }
                }
                let head = String::from_utf8_lossy(&head);
                let path = head
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or("/")
                    .trim_start_matches('/')
                    .to_string();
                answer(&path, &mut stream);
            });
        }
    });
    url
}

fn respond(stream: &mut TcpStream, status: &str, body: &[u8]) {
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(body);
}

fn serve_file(root: &Path, path: &str, stream: &mut TcpStream) {
    match std::fs::read(root.join(path)) {
        Ok(body) => respond(stream, "200 OK", &body),
        Err(_) => respond(stream, "404 Not Found", b""),
    }
}

/// verify with short limits against `url`; returns the error line.
fn verify_fails(p: &Published, url: &str) -> String {
    refused(
        &[
            "verify",
            url,
            "--vkey",
            &p.vkey,
            "--no-state",
            "--connect-timeout",
            "2s",
            "--read-timeout",
            "1s",
            "--request-timeout",
            "3s",
            "--deadline",
            "4s",
        ],
        p.dir.path(),
        Duration::from_secs(20),
    )
}

/// Guards against a `verify` that waits minutes in silence on a server that never answers
/// (issue 12, defect 5: 184 s, then "timeout: global"): the limits are flags, and the error
/// names the URL that did not answer.
#[test]
fn a_silent_server_is_given_up_on_within_the_limits_naming_the_url() {
    let p = published();
    let url = hostile(Box::new(|_, stream| {
        // Accepts, reads the request, never answers (the thread holds the socket for a while).
        let mut sink = [0u8; 64];
        let _ = stream.set_read_timeout(Some(Duration::from_secs(15)));
        let _ = stream.read(&mut sink);
    }));
    let started = Instant::now();
    let line = verify_fails(&p, &url);
    assert!(started.elapsed() < Duration::from_secs(10), "{line}");
    assert!(line.contains(&format!("{url}checkpoint")), "{line}");
    assert!(
        line.contains("--read-timeout") || line.contains("--deadline"),
        "{line}"
    );

    // replay takes the same flags.
    let out = run(
        &[
            "replay",
            &url,
            "--vkey",
            &p.vkey,
            "--read-timeout",
            "500ms",
            "--deadline",
            "2s",
        ],
        p.dir.path(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(&format!("{url}checkpoint")), "{stderr}");
}

/// Guards against hostile layouts served over HTTP: a checkpoint larger than its tiles,
/// truncated tiles, an endless body and a redirect loop each end quickly with one line that
/// names the URL or the tile.
#[test]
fn hostile_tile_servers_are_refused_quickly_by_name() {
    let p = published();
    let root = p.dir.path().to_path_buf();

    // The checkpoint of 300 entries over the tiles of 10.
    let (public, small) = (root.join("public"), root.join("small"));
    let url = hostile(Box::new(move |path, stream| {
        if path == "checkpoint" {
            serve_file(&public, path, stream)
        } else {
            serve_file(&small, path, stream)
        }
    }));
    let line = verify_fails(&p, &url);
    assert!(line.contains(url.trim_end_matches('/')), "{line}");
    assert!(line.contains("tile/entries/000 is missing"), "{line}");

    // Every tile cut in half.
    let public = root.join("public");
    let url = hostile(Box::new(move |path, stream| {
        let body = std::fs::read(public.join(path)).unwrap_or_default();
        let body = if path == "checkpoint" {
            &body[..]
        } else {
            &body[..body.len() / 2]
        };
        respond(stream, "200 OK", body);
    }));
    let line = verify_fails(&p, &url);
    assert!(line.contains(url.trim_end_matches('/')), "{line}");
    assert!(line.contains("tile/"), "{line}");

    // A tile whose body never ends (bounded here: at most 64 MiB, then the socket closes).
    let public = root.join("public");
    let url = hostile(Box::new(move |path, stream| {
        if path == "checkpoint" {
            return serve_file(&public, path, stream);
        }
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
        let chunk = vec![0u8; 1 << 16];
        for _ in 0..1024 {
            if stream.write_all(&chunk).is_err() {
                break;
            }
        }
    }));
    let line = verify_fails(&p, &url);
    assert!(line.contains(&format!("{url}tile/")), "{line}");
    assert!(line.contains("longer than"), "{line}");

    // A redirect to itself.
    let url = hostile(Box::new(|path, stream| {
        let _ = write!(
            stream,
            "HTTP/1.1 302 Found\r\nLocation: /{path}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
    }));
    let line = verify_fails(&p, &url);
    assert!(line.contains(&format!("{url}checkpoint")), "{line}");
    assert!(line.contains("redirect"), "{line}");

    // And the honest server, for contrast, passes.
    let public = root.join("public");
    let url = hostile(Box::new(move |path, stream| {
        serve_file(&public, path, stream)
    }));
    let out = ok(&["verify", &url, "--vkey", &p.vkey, "--no-state"], &root);
    assert!(
        out.starts_with("OK: faults.test/tiles holds 300 entries"),
        "{out}"
    );
}

/// Guards against a checkpoint or note that is not one: garbage, an oversized note and a
/// checkpoint signed by another key each refused by name.
#[test]
fn malformed_checkpoints_are_refused_by_name() {
    let p = published();
    let root = p.dir.path().to_path_buf();
    let bodies: Vec<(Vec<u8>, &str)> = vec![
        (b"\x00\x01garbage".to_vec(), "checkpoint"),
        (vec![b'a'; 1 << 20], "checkpoint"),
        (
            std::fs::read(root.join("public/checkpoint"))
                .unwrap()
                .into_iter()
                .map(|b| if b == b'\n' { b'\r' } else { b })
                .collect(),
            "checkpoint",
        ),
    ];
    for (body, names) in bodies {
        let public = root.join("public");
        let body = std::sync::Arc::new(body);
        let url = hostile(Box::new(move |path, stream| {
            if path == "checkpoint" {
                respond(stream, "200 OK", &body)
            } else {
                serve_file(&public, path, stream)
            }
        }));
        let line = verify_fails(&p, &url);
        assert!(line.contains(names), "{line}");
    }
}
