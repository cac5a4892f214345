//! `scrutineer sample` end to end: the peers' consistent_sampler vectors through the command
//! line, the help's own example, and errors that name the file and the line.

mod common;
use common::{failed, shared as shared_dir, succeeded};

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn sample(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scrutineer"))
        .arg("sample")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn ok(args: &[&str], dir: &Path) -> String {
    succeeded(args, &sample(args, dir))
}

/// Fails with no partial sample; its error.
fn fails(args: &[&str], dir: &Path) -> String {
    let out = sample(args, dir);
    assert!(out.stdout.is_empty(), "no partial sample on failure");
    failed(args, &out)
}

#[test]
fn reproduces_consistent_sampler_vectors() {
    let path = shared_dir().join("vectors/consistent_sampler.json");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for (n, case) in v["cases"].as_array().unwrap().iter().enumerate() {
        let ids: Vec<&str> = case["ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap())
            .collect();
        let file = format!("ids-{n}.txt");
        std::fs::write(dir.path().join(&file), ids.join("\n") + "\n").unwrap();
        let take = case["take"].to_string();
        let digits = case["digits"].to_string();
        let seed = case["seed"].as_str().unwrap();
        let mut args = vec![
            "--seed",
            seed,
            "--take",
            &take,
            "--digits",
            &digits,
            "--any-seed",
        ];
        if case["with_replacement"].as_bool().unwrap() {
            args.push("--with-replacement");
        }
        args.push(&file);
        let mut want = String::from("ticket,id,generation\n");
        for d in case["draws"].as_array().unwrap() {
            want += &format!(
                "{},{},{}\n",
                d["ticket"].as_str().unwrap(),
                d["id"].as_str().unwrap(),
                d["generation"]
            );
        }
        assert_eq!(ok(&args, dir.path()), want, "case {n}");
        // These seeds are not dice rolls: without --any-seed the command refuses them.
        args.retain(|a| *a != "--any-seed");
        let err = fails(&args, dir.path());
        assert!(err.contains("dice"), "{err}");
    }
}

#[test]
fn the_help_example_is_true() {
    let dir = tempfile::tempdir().unwrap();
    let ids: String = (1..=10).map(|i| format!("KDL-{i:04}\n")).collect();
    std::fs::write(dir.path().join("stations.txt"), ids).unwrap();
    let got = ok(
        &[
            "--seed",
            "16253441256312546312",
            "--take",
            "3",
            "stations.txt",
        ],
        dir.path(),
    );
    let help = Command::new(env!("CARGO_BIN_EXE_scrutineer"))
        .args(["sample", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    for line in got.lines() {
        assert!(help.contains(&format!("  {line}\n")), "help lacks {line:?}");
    }
    for word in [
        "dice",
        "ticket",
        "generation",
        "consistent_sampler",
        "Example",
    ] {
        assert!(help.contains(word), "help should explain {word}");
    }
}

#[test]
fn reads_standard_input_and_quotes_ids() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_scrutineer"))
        .args([
            "sample",
            "--seed",
            "66554433221166554433",
            "--take",
            "3",
            "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .current_dir(dir.path())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"Ward 1, Box 2\r\nsaid \"B\"\r\nC\r\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 4);
    assert!(text.contains(",\"Ward 1, Box 2\",1\n"), "{text}");
    assert!(text.contains(",\"said \"\"B\"\"\",1\n"), "{text}");
    assert!(text.contains(",C,1\n"), "{text}");
}

#[test]
fn with_replacement_can_draw_more_than_there_are_ids() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ids.txt"), "a\nb\n").unwrap();
    let args = ["--seed", "12121212121212121212", "--take", "5"];
    let out = ok(
        &[&args[..], &["--with-replacement", "ids.txt"]].concat(),
        dir.path(),
    );
    assert_eq!(out.lines().count(), 6);
    assert!(out.lines().skip(1).any(|l| !l.ends_with(",1")));
    let err = fails(&[&args[..], &["ids.txt"]].concat(), dir.path());
    assert!(err.contains("ids.txt has 2 ids"), "{err}");
}

#[test]
fn errors_name_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let seed = ["--seed", "12345612345612345612", "--take", "1"];
    std::fs::write(dir.path().join("dup.txt"), "A\nB\nA\n").unwrap();
    let err = fails(&[&seed[..], &["dup.txt"]].concat(), dir.path());
    assert!(err.contains("dup.txt:3") && err.contains("line 1"), "{err}");

    std::fs::write(dir.path().join("gap.txt"), "A\n\nB\n").unwrap();
    let err = fails(&[&seed[..], &["gap.txt"]].concat(), dir.path());
    assert!(err.contains("gap.txt:2") && err.contains("empty"), "{err}");

    std::fs::write(dir.path().join("bin.txt"), b"A\n\xff\n").unwrap();
    let err = fails(&[&seed[..], &["bin.txt"]].concat(), dir.path());
    assert!(err.contains("bin.txt:2") && err.contains("UTF-8"), "{err}");

    std::fs::write(dir.path().join("none.txt"), "").unwrap();
    let err = fails(&[&seed[..], &["none.txt"]].concat(), dir.path());
    assert!(err.contains("none.txt has no ids"), "{err}");

    let err = fails(&[&seed[..], &["missing.txt"]].concat(), dir.path());
    assert!(err.contains("missing.txt"), "{err}");

    std::fs::write(dir.path().join("ok.txt"), "A\nB\n").unwrap();
    let err = fails(&["--seed", "1234", "--take", "1", "ok.txt"], dir.path());
    assert!(err.contains("at least 20"), "{err}");
    let err = fails(
        &["--seed", "12345612345612345612", "--take", "x", "ok.txt"],
        dir.path(),
    );
    assert!(err.contains("--take"), "{err}");
}
