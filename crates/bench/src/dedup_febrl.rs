//! `dedup-febrl`: pairwise precision, recall and F1 of `scrutineer roll dedup` (through
//! mappings/febrl.toml, at p >= 0.5) on FEBRL dataset2 and dataset3, with and without
//! soc_sec_id, beside Splink 5.0 (DuckDB) run on the same files in the same run with the
//! reference configuration in ../shared/tools/splink. The Splink venv is
//! `$SCRUTINEER_SPLINK_VENV`, or target/splink-venv, created when missing with
//! `python3 -m venv target/splink-venv && target/splink-venv/bin/pip install 'splink==5.0.0' pandas`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail};

fn shared() -> PathBuf {
    match std::env::var_os("SCRUTINEER_SHARED") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    }
}

/// The person a FEBRL rec_id names: `rec-N-org` and `rec-N-dup-K` are person N.
fn person(id: &str) -> &str {
    id.split('-').nth(1).unwrap_or(id)
}

/// (precision, recall, F1, seconds) of our dedup on one cell.
fn ours(file: &Path, ssn: bool) -> anyhow::Result<(f64, f64, f64, f64)> {
    let mapping = interchange::Mapping::from_path(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../mappings/febrl.toml"),
    )?;
    let started = Instant::now();
    let mut roll = review::roll::from_file(file, &mapping)?;
    if !ssn && let Some(i) = roll.fields.iter().position(|f| f == "soc_sec_id") {
        roll.fields.remove(i);
        for r in &mut roll.records {
            r.fields.remove(i);
        }
    }
    let mut sizes: HashMap<String, u64> = HashMap::new();
    for r in &roll.records {
        *sizes.entry(person(&r.id).to_string()).or_default() += 1;
    }
    let truth: u64 = sizes.values().map(|n| n * (n - 1) / 2).sum();
    let report = review::roll::dedup(roll, 0.5, &[], &roll::dedup::Quiet)?;
    let seconds = started.elapsed().as_secs_f64();
    let tp = report
        .pairs
        .iter()
        .filter(|p| person(&p.a) == person(&p.b))
        .count() as f64;
    let (p, r) = (
        tp / report.pairs.len().max(1) as f64,
        tp / truth.max(1) as f64,
    );
    let f1 = if p + r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    };
    Ok((p, r, f1, seconds))
}

/// The Splink venv's python, creating the venv if there is none.
pub(crate) fn splink_python() -> anyhow::Result<PathBuf> {
    let venv = std::env::var_os("SCRUTINEER_SPLINK_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/splink-venv")
        });
    let python = venv.join("bin/python");
    if !python.exists() {
        eprintln!(
            "creating {} (pip install splink==5.0.0 pandas)",
            venv.display()
        );
        let ok = Command::new("python3")
            .arg("-m")
            .arg("venv")
            .arg(&venv)
            .status()?
            .success()
            && Command::new(venv.join("bin/pip"))
                .args(["install", "-q", "splink==5.0.0", "pandas"])
                .status()?
                .success();
        if !ok {
            bail!("could not create the Splink venv at {}", venv.display());
        }
    }
    Ok(python)
}

/// (precision, recall, F1, seconds register-to-predict) of Splink on one cell.
fn splink(python: &Path, dataset: &str, ssn: bool) -> anyhow::Result<(f64, f64, f64, f64)> {
    let out = tempfile::tempdir()?;
    let variant = if ssn { "with_ssn" } else { "no_ssn" };
    let script = shared().join("tools/splink/splink_febrl_dedupe.py");
    let status = Command::new(python)
        .arg(&script)
        .args([dataset, variant])
        .env("SPLINK_OUT", out.path())
        .env("FEBRL_DIR", shared().join("data/febrl"))
        .stdout(std::process::Stdio::null())
        .status()
        .with_context(|| format!("running {}", script.display()))?;
    if !status.success() {
        bail!("{} {dataset} {variant} failed", script.display());
    }
    let path = out.path().join(format!("{dataset}_{variant}.json"));
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
    let row = json["rows"]
        .as_array()
        .and_then(|rows| {
            rows.iter()
                .find(|r| r["kind"] == "pairwise" && r["threshold"].as_f64() == Some(0.5))
        })
        .with_context(|| format!("{}: no pairwise row at 0.5", path.display()))?;
    let f = |k: &str| row[k].as_f64().unwrap_or(f64::NAN);
    Ok((
        f("precision"),
        f("recall"),
        f("f1"),
        json["wall_s_register_to_predict"]
            .as_f64()
            .unwrap_or(f64::NAN),
    ))
}

pub fn run() -> anyhow::Result<()> {
    let python = match splink_python() {
        Ok(p) => Some(p),
        Err(e) => {
            eprintln!("Splink not run: {e:#}");
            None
        }
    };
    println!("| file | soc_sec_id | ours P / R / F1 | ours s | Splink P / R / F1 | Splink s |");
    println!("|---|---|---|---|---|---|");
    for dataset in ["dataset2", "dataset3"] {
        for ssn in [true, false] {
            let file = shared().join(format!("data/febrl/{dataset}.csv"));
            let (p, r, f, s) = ours(&file, ssn)?;
            let theirs = match &python {
                Some(py) => {
                    let (sp, sr, sf, ss) = splink(py, dataset, ssn)?;
                    (format!("{sp:.4} / {sr:.4} / {sf:.4}"), format!("{ss:.1}"))
                }
                None => ("not run".into(), "-".into()),
            };
            println!(
                "| {dataset} | {} | {p:.4} / {r:.4} / {f:.4} | {s:.1} | {} | {} |",
                if ssn { "with" } else { "without" },
                theirs.0,
                theirs.1
            );
        }
    }
    println!(
        "\nPairwise at p >= 0.5; ours reads the file through mappings/febrl.toml, Splink's seconds are its register-to-predict steps."
    );
    Ok(())
}
