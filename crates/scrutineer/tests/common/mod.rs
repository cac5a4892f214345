//! What the command-line tests share: the binary run in a directory (with text on its standard
//! input if need be), and the checks on how it ended: it succeeded (its output), it failed
//! without a panic, or it refused with exit code 1 (its error), or its `--json` answer.
//! `served` is a server run as a child process.
#![allow(dead_code)]

pub mod served;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// The binary under test, with backtraces off (a panic is still told by its "panicked").
pub fn scrutineer() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_scrutineer"));
    c.env("RUST_BACKTRACE", "0");
    c
}

/// Runs `scrutineer args…` in `dir` with nothing on its standard input.
pub fn run(args: &[&str], dir: &Path) -> Output {
    run_with(args, dir, None)
}

/// Runs `scrutineer args…` in `dir` with `stdin` on its standard input.
pub fn run_with(args: &[&str], dir: &Path, stdin: Option<&str>) -> Output {
    let mut child = scrutineer()
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        // A command that refuses its arguments exits without reading its input.
        if let Err(e) = input.write_all(text.as_bytes()) {
            assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
        }
    }
    drop(input);
    child.wait_with_output().unwrap()
}

/// Standard output and error together.
pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Asserts that the command succeeded; its standard output.
pub fn succeeded(args: &[&str], out: &Output) -> String {
    assert!(
        out.status.success(),
        "scrutineer {args:?} failed:\n{}",
        text(out)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// Asserts that the command failed, without a panic; its standard error.
pub fn failed(args: &[&str], out: &Output) -> String {
    assert!(
        !out.status.success(),
        "scrutineer {args:?} should have failed:\n{}",
        text(out)
    );
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

pub fn ok(args: &[&str], dir: &Path) -> String {
    succeeded(args, &run(args, dir))
}

pub fn ok_in(args: &[&str], dir: &Path, stdin: Option<&str>) -> String {
    succeeded(args, &run_with(args, dir, stdin))
}

/// Fails without a panic; standard output and error together.
pub fn fails(args: &[&str], dir: &Path) -> String {
    let out = run(args, dir);
    failed(args, &out);
    text(&out)
}

/// Refused as a command refuses what it is given: exit code 1, no panic; standard output and
/// error.
pub fn refused_in(args: &[&str], dir: &Path, stdin: Option<&str>) -> (String, String) {
    let out = run_with(args, dir, stdin);
    let stderr = failed(args, &out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "scrutineer {args:?} should have been refused:\n{}",
        text(&out)
    );
    (String::from_utf8_lossy(&out.stdout).into_owned(), stderr)
}

/// Refused with exit code 1 and no panic; its standard error.
pub fn refused(args: &[&str], dir: &Path) -> String {
    refused_in(args, dir, None).1
}

/// The command's answer with `--json` added.
pub fn json(args: &[&str], dir: &Path) -> serde_json::Value {
    let mut all = args.to_vec();
    all.push("--json");
    serde_json::from_str(&ok(&all, dir)).unwrap()
}

/// `../shared/` beside the checkout (or `$SCRUTINEER_SHARED`), read in place.
pub fn shared() -> std::path::PathBuf {
    match std::env::var_os("SCRUTINEER_SHARED") {
        Some(dir) => dir.into(),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    }
}

/// A column mapping of the repository's `mappings/`, as an argument.
pub fn mapping(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../mappings")
        .join(name)
        .display()
        .to_string()
}

/// The proposal id in an import's or a propose's output.
pub fn proposal_id(out: &str) -> String {
    out.split_whitespace()
        .skip_while(|w| *w != "proposal")
        .nth(1)
        .unwrap_or_else(|| panic!("no proposal id in {out:?}"))
        .to_string()
}
