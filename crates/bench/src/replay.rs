//! `replay`: [`ledger::replay::replay`] of the published national-scale synthetic election (the
//! log `scrutineer demo --scale national` records: 19,009 stations, 9,675,453 voters in 24
//! governed batches, four sources of result forms; about 9.7M entries), with election day's
//! poll book in the same log (the 9,675,453 pseudonyms on the station lists and about 7M
//! check-ins in station syncs, as `bench checkins` makes them), from its directory:
//! the checkpoint signature, every hash and tile, then the fold of every entry with every check,
//! into a new in-memory state database, and its state digest, which must equal the operator's.
//!
//! The log is recorded and published once and cached (see [`crate::electiondata`]). Under `all`
//! the tenth-scale election is used unless `SCRUTINEER_BENCH_NATIONAL=1`;
//! `SCRUTINEER_BENCH_ELECTION_SCALE` (`national`, `tenth`, `1/N`) overrides the scale.

use crate::electiondata::{
    ElectionLog, bytes, describe_scale, election_log, election_scale, peak_rss, reset_peak_rss,
};
use crate::logdata::{rate, scratch_dir, thousands};
use std::time::{Duration, Instant};
use synthetic::Scale;
use tlog::verify::{DirSource, verify_log};

/// Runs in memory when `--runs` is not given; the median is reported.
const RUNS: usize = 3;

/// Runs in memory: `--runs N`, else [`RUNS`].
fn runs() -> anyhow::Result<usize> {
    Ok(crate::option("--runs")
        .map(|v| v.parse::<usize>())
        .transpose()?
        .unwrap_or(RUNS)
        .max(1))
}

/// The scale to use: national when asked by name, the tenth under `all` unless
/// `SCRUTINEER_BENCH_NATIONAL=1`.
pub fn scale() -> anyhow::Result<Scale> {
    let national = !crate::running_all() || crate::national_requested();
    election_scale(if national {
        Scale::NATIONAL
    } else {
        Scale::TENTH
    })
}

pub fn run() -> anyhow::Result<()> {
    let log = election_log(scale()?)?;
    print_build(&log);
    let source = DirSource::new(&log.published);

    // Verification alone, for comparison (hashes and tiles, no fold).
    let start = Instant::now();
    verify_log(&source, &log.policy, None, &mut |_, _| {})?;
    let verify = start.elapsed();

    let count = runs()?;
    let mut runs = Vec::with_capacity(count);
    for _ in 0..count {
        runs.push(replay_once(&log, None)?);
    }
    runs.sort_by_key(|r| r.time);
    let median = &runs[count / 2];
    // `--memory-only` leaves out the run into a file, for quick comparisons of two builds.
    let on_disk = if std::env::args().any(|a| a == "--memory-only") {
        None
    } else {
        let dir = scratch_dir()?;
        Some(replay_once(&log, Some(&dir.path().join("state.db")))?)
    };

    println!("| what | time | entries/s | peak memory |\n|---|---:|---:|---:|");
    println!(
        "| replay of {} entries ({} pseudonyms, {} check-ins), state in memory (median of {count}; runs {}) | **{}** | {} | {} |",
        thousands(log.entries),
        thousands(log.pseudonyms),
        thousands(log.checkins),
        runs.iter()
            .map(|r| secs(r.time))
            .collect::<Vec<_>>()
            .join(", "),
        secs(median.time),
        rate(log.entries as f64, median.time),
        median.peak.map_or("–".into(), bytes)
    );
    if let Some(on_disk) = on_disk {
        println!(
            "| replay, state in a file (`--state-db`; one run) | {} | {} | {} |",
            secs(on_disk.time),
            rate(log.entries as f64, on_disk.time),
            on_disk.peak.map_or("–".into(), bytes)
        );
    }
    println!(
        "| of which, for comparison: verification alone (`verify_log`) | {} | {} | |",
        secs(verify),
        rate(log.entries as f64, verify)
    );
    println!(
        "\nCPU time (user + system, all threads) of the in-memory runs: {}; of the median: {}. The digest of the state matched the operator's ({}) in every run.",
        runs.iter()
            .map(|r| secs(r.cpu))
            .collect::<Vec<_>>()
            .join(", "),
        secs(median.cpu),
        log.digest
    );
    Ok(())
}

struct Run {
    time: Duration,
    cpu: Duration,
    peak: Option<u64>,
}

fn replay_once(log: &ElectionLog, state: Option<&std::path::Path>) -> anyhow::Result<Run> {
    let source = DirSource::new(&log.published);
    let measured = reset_peak_rss();
    let cpu = crate::logdata::Usage::now();
    let start = Instant::now();
    let replayed = ledger::replay::replay(&source, &log.policy, None, state, &mut |_, _| {})?;
    let time = start.elapsed();
    let cpu = crate::logdata::Usage::now().since(cpu).cpu;
    let peak = measured.then(peak_rss);
    anyhow::ensure!(
        replayed.verified.checkpoint.size == log.entries,
        "replayed {} entries, expected {}",
        replayed.verified.checkpoint.size,
        log.entries
    );
    anyhow::ensure!(
        replayed.refusals.is_empty(),
        "replay refused {} entries, the first: {}",
        replayed.refusals.len(),
        replayed.refusals[0]
    );
    anyhow::ensure!(
        replayed.digest == log.digest,
        "the replayed digest {} differs from the operator's {} (a stale cache? remove {})",
        replayed.digest,
        log.digest,
        log.published.parent().unwrap_or(&log.published).display()
    );
    drop(replayed);
    Ok(Run { time, cpu, peak })
}

pub fn print_build(log: &ElectionLog) {
    let when = if log.fresh {
        "recorded in this run"
    } else {
        "reused from the cache"
    };
    println!(
        "Election log at {} scale, {} entries ({} pseudonyms on the station lists, {} check-ins, \
         {} planted double votes), {when}: recorded through `Election::submit` in {} \
         ({} entries/s), signed and published in {}.\n",
        describe_scale(log.scale),
        thousands(log.entries),
        thousands(log.pseudonyms),
        thousands(log.checkins),
        thousands(log.planted),
        secs(log.build),
        rate(log.entries as f64, log.build),
        secs(log.publish),
    );
}

pub fn secs(t: Duration) -> String {
    format!("{:.1} s", t.as_secs_f64())
}
