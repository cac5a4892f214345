//! Benchmarks for the performance targets in the brief (§7).
//!
//! Run one with `cargo run --release -p bench -- NAME [--checkins N]`, or all of them with
//! `cargo run --release -p bench -- all`. Each prints its figures as Markdown; the latest
//! results are kept in `BENCHMARKS.md`. Timings are medians over repeated runs. Under `all`,
//! the election benchmarks use the tenth-scale election and `demo-national` is skipped, unless
//! `SCRUTINEER_BENCH_NATIONAL=1`.

mod append;
mod bravo_draw;
mod checkins;
mod dedup_febrl;
mod dedup_synthetic;
mod demo_national;
mod electiondata;
mod find;
mod forensics_mc;
mod intake;
mod logdata;
mod proof;
mod replay;
mod serve_load;
mod verify;

use std::sync::atomic::{AtomicBool, Ordering};

use std::time::{Duration, Instant};

// Replay allocates on one thread and frees on another; glibc's arenas make that contend.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

static RUNNING_ALL: AtomicBool = AtomicBool::new(false);

/// Whether this run is `bench all`.
pub fn running_all() -> bool {
    RUNNING_ALL.load(Ordering::Relaxed)
}

/// Whether `SCRUTINEER_BENCH_NATIONAL=1` asks for the national-scale election under `all`.
pub fn national_requested() -> bool {
    std::env::var("SCRUTINEER_BENCH_NATIONAL").is_ok_and(|v| v == "1")
}

type Bench = fn() -> anyhow::Result<()>;

/// Every benchmark, by the name used on the command line.
const BENCHES: &[(&str, &str, Bench)] = &[
    (
        "append",
        "durable log appends of 200-byte entries, beside plain SQLite inserts",
        append::run,
    ),
    (
        "proof",
        "inclusion and consistency proofs from a 10M-entry log",
        proof::run,
    ),
    (
        "verify",
        "full verification of a published 10M-entry log",
        verify::run,
    ),
    (
        "forensics-mc",
        "integer-percentage Monte Carlo, 1000 replicates over the Russian 2011 stations",
        forensics_mc::run,
    ),
    (
        "intake",
        "signed-event intake through Election::submit: verify, authorise, append, apply",
        intake::run,
    ),
    (
        "replay",
        "replay of the published national-scale election log with its poll book (--runs N, --memory-only)",
        replay::run,
    ),
    (
        "bravo-draw",
        "a BRAVO draw of 1,000 over a 10M-ballot manifest: `scrutineer rla draw`, beside the materialised manifest",
        bravo_draw::run,
    ),
    (
        "find",
        "find my name over 10M synthetic Khmer names: build, p50/p99 per query kind, top-5 recall",
        find::run,
    ),
    (
        "dedup-febrl",
        "roll dedup on FEBRL dataset2/3 with and without soc_sec_id, beside Splink 5.0 on the same files",
        dedup_febrl::run,
    ),
    (
        "dedup-synthetic",
        "roll dedup on the 1M synthetic Khmer roll (commission's and public views), beside Splink 5.0 on the same table",
        dedup_synthetic::run,
    ),
    (
        "serve-load",
        "scrutineer serve on loopback: result forms and checklists from many concurrent clients, then tiles and the read API; throughput, p50/p99/max, CPU per request",
        serve_load::run,
    ),
    (
        "checkins",
        "intake of 7M check-ins in station batches with double-vote detection, then replay (--checkins N)",
        checkins::run,
    ),
    (
        "demo-national",
        "wall time and peak memory of `scrutineer demo --scale national`",
        demo_national::run,
    ),
];

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = names();
    if args.first().map(String::as_str) == Some(bravo_draw::MATERIALISED) {
        return bravo_draw::materialised_child(&args[1..]);
    }
    if args.is_empty() || args.iter().any(|a| a == "-h" || a == "--help") {
        eprintln!("usage: bench NAME... | all\n\nbenchmarks:");
        for (name, what, _) in BENCHES {
            eprintln!("  {name:<24} {what}");
        }
        return Ok(());
    }
    let all = args.iter().any(|a| a == "all");
    RUNNING_ALL.store(all, Ordering::Relaxed);
    for wanted in &args {
        if wanted != "all" && !BENCHES.iter().any(|(n, _, _)| n == wanted) {
            anyhow::bail!("unknown benchmark {wanted:?}; run with --help to list them");
        }
    }
    for (name, what, run) in BENCHES {
        if all || args.iter().any(|a| a == name) {
            println!("## {name}: {what}\n");
            run()?;
            println!();
        }
    }
    Ok(())
}

/// Options that take a value, and the benchmarks they are for.
const OPTIONS: &[&str] = &["--checkins", "--runs"];

/// Options that take no value.
const FLAGS: &[&str] = &["--memory-only"];

/// The command line without the options and their values.
fn names() -> Vec<String> {
    let mut out = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if OPTIONS.contains(&a.as_str()) {
            args.next();
        } else if FLAGS.contains(&a.as_str()) {
            continue;
        } else {
            out.push(a);
        }
    }
    out
}

/// The value of an option (`--checkins 200000`), if given.
pub fn option(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

/// Runs `f` `runs` times and returns the median wall time.
#[allow(dead_code)]
pub fn median_time(runs: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs.max(1))
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}
