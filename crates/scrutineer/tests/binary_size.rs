//! The binary only wires (issue 8): crates/scrutineer/src stays under 5,000 lines, and holds no
//! SQL and no rusqlite, so every question about the state goes through a library.

use std::path::{Path, PathBuf};

const MAX_LINES: usize = 5_000;

/// Every .rs file under `dir`.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn files() -> Vec<(PathBuf, String)> {
    let mut paths = Vec::new();
    sources(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut paths,
    );
    paths.sort();
    assert!(paths.len() > 10, "found only {paths:?}");
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p, text)
        })
        .collect()
}

#[test]
fn the_binary_is_under_five_thousand_lines() {
    let files = files();
    let lines: usize = files.iter().map(|(_, t)| t.lines().count()).sum();
    let mut by_size: Vec<(usize, &Path)> = files
        .iter()
        .map(|(p, t)| (t.lines().count(), p.as_path()))
        .collect();
    by_size.sort();
    eprintln!("crates/scrutineer/src: {lines} lines");
    assert!(
        lines <= MAX_LINES,
        "crates/scrutineer/src has {lines} lines, more than {MAX_LINES}: move logic into a library. \
         Largest files: {:?}",
        by_size.iter().rev().take(5).collect::<Vec<_>>()
    );
}

#[test]
fn the_binary_holds_no_sql() {
    for (path, text) in files() {
        for (i, line) in text.lines().enumerate() {
            for word in [
                "rusqlite",
                "SELECT ",
                "INSERT INTO",
                "UPDATE ",
                "CREATE TABLE",
            ] {
                assert!(
                    !line.contains(word),
                    "{}:{}: {word:?}: SQL belongs in ledger (ledger::report), not in the binary",
                    path.display(),
                    i + 1
                );
            }
        }
    }
}
