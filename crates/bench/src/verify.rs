//! `verify`: full independent verification ([`tlog::verify::verify_log`] over a
//! [`tlog::verify::DirSource`]) of the large published log (10M entries of 200 bytes by default,
//! built and published once and cached; see [`crate::logdata`]). The verifier trusts only the
//! log's key: it reads every entry bundle and hash tile, hashes every entry and rebuilds every
//! tile and the root. The published files are in the OS cache after the first run, so the
//! figure is for a warm cache.

use crate::logdata::{BigLog, big_log, rate, thousands};
use std::time::{Duration, Instant};
use tlog::Policy;
use tlog::verify::{DirSource, verify_log};

/// Runs; the median is reported.
const RUNS: usize = 3;

pub fn run() -> anyhow::Result<()> {
    let big = big_log()?;
    print_build(&big);
    let size = big.log.size();
    let root = big.log.root();
    let policy = Policy::k_of_n(big.vkey.clone(), vec![], 0)?;
    let source = DirSource::new(&big.published);
    drop(big.log);

    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let start = Instant::now();
        let verified = verify_log(&source, &policy, None, &mut |_, _| {})?;
        times.push(start.elapsed());
        anyhow::ensure!(
            verified.checkpoint.size == size && verified.checkpoint.root == root,
            "verified a different tree"
        );
    }
    times.sort();
    let median = times[RUNS / 2];
    println!(
        "| what | time | entries/s |\n|---|---:|---:|\n| verify {} entries (median of {RUNS}; runs {}) | **{}** | {} |",
        thousands(size),
        times
            .iter()
            .map(|t| secs(*t))
            .collect::<Vec<_>>()
            .join(", "),
        secs(median),
        rate(size as f64, median)
    );
    Ok(())
}

/// Prints how long building the large log took (in this run or when it was cached).
pub fn print_build(big: &BigLog) {
    let size = big.log.size();
    let when = if big.fresh {
        "built in this run"
    } else {
        "reused from the cache"
    };
    println!(
        "Log of {} entries of {} bytes, {when}: appended in {} ({} entries/s, batches of {}), \
         published in {}.\n",
        thousands(size),
        crate::logdata::ENTRY_SIZE,
        secs(big.build.append),
        rate(size as f64, big.build.append),
        thousands(crate::logdata::BUILD_BATCH as u64),
        secs(big.build.publish),
    );
}

fn secs(t: Duration) -> String {
    format!("{:.1} s", t.as_secs_f64())
}
