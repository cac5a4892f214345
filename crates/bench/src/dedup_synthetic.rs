//! `dedup-synthetic`: `scrutineer roll dedup` on the synthetic Khmer roll (`synthetic::roll`,
//! seed 2013, 5% planted duplicates) through mappings/synthetic-khmer-roll.toml, beside Splink
//! 5.0 (DuckDB) on the same CSV in the same run (crates/bench/splink/synthetic_roll_dedupe.py,
//! in the venv of `dedup-febrl`). Each side runs as a child process: wall time, CPU time and
//! peak resident memory (`wait4`), and pairwise precision, recall and F1 at p >= 0.5 against
//! the roll's truth file.
//!
//! Two views of one roll: the commission's file, with the full date of birth (private: in a
//! registration's commitment), and the public roll an observer has (birth year only).
//!
//! Sizes: `SCRUTINEER_DEDUP_RECORDS` (comma-separated, default `1000000`); Splink runs up to
//! `SCRUTINEER_SPLINK_MAX` records (default 1,000,000).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, bail};

use crate::demo_national::wait;
use crate::electiondata::{bytes, scrutineer_binary};
use crate::logdata::{scratch_dir, thousands};
use crate::replay::secs;

struct Run {
    wall: std::time::Duration,
    cpu: std::time::Duration,
    max_rss: u64,
    precision: f64,
    recall: f64,
    f1: f64,
}

fn env_list(name: &str, default: &str) -> anyhow::Result<Vec<u64>> {
    std::env::var(name)
        .unwrap_or_else(|_| default.into())
        .split(',')
        .map(|s| {
            s.trim()
                .replace('_', "")
                .parse()
                .with_context(|| format!("{name}: {s:?} is not a number"))
        })
        .collect()
}

/// Each record's person, and the number of true pairs.
fn truth(path: &Path) -> anyhow::Result<(HashMap<String, String>, u64)> {
    let mut person = HashMap::new();
    let mut sizes: HashMap<String, u64> = HashMap::new();
    for row in csv::Reader::from_path(path)?.records() {
        let row = row?;
        person.insert(row[0].to_string(), row[1].to_string());
        *sizes.entry(row[1].to_string()).or_default() += 1;
    }
    Ok((person, sizes.values().map(|n| n * (n - 1) / 2).sum()))
}

fn run_child(
    mut cmd: Command,
    what: &str,
) -> anyhow::Result<(std::time::Duration, crate::demo_national::ChildUsage)> {
    let start = Instant::now();
    let child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting {what}"))?;
    let pid = child.id() as i32;
    let usage = wait(pid)?;
    let wall = start.elapsed();
    if !usage.success {
        let mut err = String::new();
        if let Some(mut e) = child.stderr {
            use std::io::Read;
            let _ = e.read_to_string(&mut err);
        }
        bail!("{what} failed: {err}");
    }
    Ok((wall, usage))
}

fn ours(
    dir: &Path,
    mapping: &Path,
    person: &HashMap<String, String>,
    true_pairs: u64,
) -> anyhow::Result<Run> {
    let out = dir.join(format!(
        "ours-{}",
        mapping.file_stem().and_then(|s| s.to_str()).unwrap_or("m")
    ));
    let mut cmd = Command::new(scrutineer_binary()?);
    cmd.args(["roll", "dedup"])
        .arg(dir.join("roll.csv"))
        .arg("--mapping")
        .arg(mapping)
        .arg("--out")
        .arg(&out);
    let (wall, usage) = run_child(cmd, "scrutineer roll dedup")?;
    let (mut found, mut right) = (0u64, 0u64);
    for row in csv::Reader::from_path(out.join("pairs.csv"))?.records() {
        let row = row?;
        found += 1;
        right += u64::from(person.get(&row[0]) == person.get(&row[1]));
    }
    let (precision, recall) = (
        right as f64 / found.max(1) as f64,
        right as f64 / true_pairs.max(1) as f64,
    );
    Ok(Run {
        wall,
        cpu: usage.cpu,
        max_rss: usage.max_rss,
        precision,
        recall,
        f1: f1(precision, recall),
    })
}

fn f1(p: f64, r: f64) -> f64 {
    if p + r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    }
}

fn splink(python: &Path, dir: &Path, public: bool) -> anyhow::Result<Run> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("splink/synthetic_roll_dedupe.py");
    let json = dir.join(if public {
        "splink-public.json"
    } else {
        "splink.json"
    });
    let mut cmd = Command::new(python);
    // DuckDB spills to .tmp in its working directory.
    cmd.current_dir(dir)
        .arg(&script)
        .arg(dir.join("roll.csv"))
        .arg(dir.join("truth.csv"))
        .arg(&json);
    if public {
        cmd.arg("public");
    }
    let (wall, usage) = run_child(cmd, "Splink")?;
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json)?)?;
    let f = |k: &str| v[k].as_f64().unwrap_or(f64::NAN);
    Ok(Run {
        wall,
        cpu: usage.cpu,
        max_rss: usage.max_rss,
        precision: f("precision"),
        recall: f("recall"),
        f1: f("f1"),
    })
}

fn row(records: u64, view: &str, who: &str, r: &Run) {
    println!(
        "| {} | {view} | {who} | {:.4} / {:.4} / **{:.4}** | **{}** | {} | **{}** |",
        thousands(records),
        r.precision,
        r.recall,
        r.f1,
        secs(r.wall),
        secs(r.cpu),
        bytes(r.max_rss)
    );
}

pub fn run() -> anyhow::Result<()> {
    let sizes = env_list("SCRUTINEER_DEDUP_RECORDS", "1000000")?;
    let splink_max = env_list("SCRUTINEER_SPLINK_MAX", "1000000")?[0];
    let python = match splink_python() {
        Ok(p) => Some(p),
        Err(e) => {
            eprintln!("Splink not run: {e:#}");
            None
        }
    };
    let mappings = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../mappings");
    let commission = mappings.join("synthetic-khmer-roll.toml");
    println!(
        "| records | view | tool | P / R / F1 | wall | CPU (user + system) | peak memory |\n|---:|---|---|---|---:|---:|---:|"
    );
    for n in sizes {
        let scratch = scratch_dir()?;
        let dir = scratch.path();
        eprintln!(
            "writing the synthetic roll of {n} records in {}",
            dir.display()
        );
        let roll = synthetic::roll::Roll::new(synthetic::roll::Config::new(2013, n));
        let create = |name: &str| -> anyhow::Result<std::io::BufWriter<std::fs::File>> {
            Ok(std::io::BufWriter::new(std::fs::File::create(
                dir.join(name),
            )?))
        };
        synthetic::roll::write_csv(&roll, create("roll.csv")?, create("truth.csv")?)?;
        // The public roll: the birth year, no private field.
        let text = std::fs::read_to_string(&commission)?;
        let public_text = text.split("\n[private]").next().unwrap_or(&text).replace(
            "birth_date = \"date_of_birth\"\nbirth_date_format = \"YYYY-MM-DD\"",
            "birth_year = \"birth_year\"",
        );
        let public = dir.join("public.toml");
        std::fs::write(&public, public_text)?;
        let (person, true_pairs) = truth(&dir.join("truth.csv"))?;
        eprintln!(
            "{} true pairs; running scrutineer roll dedup",
            thousands(true_pairs)
        );
        row(
            n,
            "commission (date of birth)",
            "scrutineer",
            &ours(dir, &commission, &person, true_pairs)?,
        );
        if let Some(py) = python.as_ref().filter(|_| n <= splink_max) {
            eprintln!("running Splink");
            row(
                n,
                "commission (date of birth)",
                "Splink 5.0",
                &splink(py, dir, false)?,
            );
        }
        row(
            n,
            "public (birth year)",
            "scrutineer",
            &ours(dir, &public, &person, true_pairs)?,
        );
        if let Some(py) = python.as_ref().filter(|_| n <= splink_max) {
            row(
                n,
                "public (birth year)",
                "Splink 5.0",
                &splink(py, dir, true)?,
            );
        }
        drop(scratch);
    }
    println!(
        "\nPairwise at p >= 0.5 against the roll's truth; each run a child process, its peak resident memory from wait4."
    );
    Ok(())
}

use crate::dedup_febrl::splink_python;
