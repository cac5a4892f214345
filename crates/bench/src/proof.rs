//! `proof`: inclusion and consistency proofs from the large log (10M entries by default, built
//! once and cached; see [`crate::logdata`]), read from its SQLite store as `scrutineer log
//! prove` does. Each proof is made from scratch (a new tile reader per proof, no cache shared
//! between proofs). Indexes and old sizes are pseudo-random and the same on every run.

use crate::logdata::{big_log, rate, thousands};
use std::time::{Duration, Instant};
use tlog::merkle::{verify_consistency, verify_inclusion};
use tlog::record_hash;

/// Runs per figure; the median is reported.
const RUNS: usize = 5;
/// Proofs per run.
const PROOFS: usize = 10_000;

pub fn run() -> anyhow::Result<()> {
    let big = big_log()?;
    crate::verify::print_build(&big);
    let log = &big.log;
    let size = log.size();
    let root = log.root();
    let picks: Vec<u64> = (0..PROOFS as u64).map(|i| mix(i) % size).collect();

    // Correctness first (untimed): a sample of each kind of proof verifies.
    for &index in picks.iter().take(100) {
        let proof = log.prove_inclusion(index, size)?;
        verify_inclusion(index, size, record_hash(&log.entry(index)?), &proof, root)?;
        let old = index + 1;
        let proof = log.prove_consistency(old, size)?;
        verify_consistency(old, log.root_at(old)?, size, root, &proof)?;
    }

    println!(
        "Log of {} entries; {} proofs per run, median of {RUNS} runs.\n",
        thousands(size),
        thousands(PROOFS as u64)
    );
    println!("| what | per second | per proof |");
    println!("|---|---:|---:|");
    let inclusion = median(|| {
        for &index in &picks {
            std::hint::black_box(log.prove_inclusion(index, size)?);
        }
        Ok(())
    })?;
    row("inclusion proof, latest tree", inclusion);

    let inclusion_old = median(|| {
        for &index in &picks {
            // In the tree of a pseudo-random earlier size that contains the entry.
            let at = index + 1 + mix(index) % (size - index);
            std::hint::black_box(log.prove_inclusion(index, at)?);
        }
        Ok(())
    })?;
    row("inclusion proof, earlier tree", inclusion_old);

    let consistency = median(|| {
        for &old in &picks {
            std::hint::black_box(log.prove_consistency(old + 1, size)?);
        }
        Ok(())
    })?;
    row("consistency proof to the latest tree", consistency);

    let proofs: Vec<_> = picks
        .iter()
        .map(|&i| {
            Ok((
                i,
                record_hash(&log.entry(i)?),
                log.prove_inclusion(i, size)?,
            ))
        })
        .collect::<anyhow::Result<_>>()?;
    let checking = median(|| {
        for (index, leaf, proof) in &proofs {
            verify_inclusion(*index, size, *leaf, proof, root)?;
        }
        Ok(())
    })?;
    row("checking an inclusion proof (for comparison)", checking);
    Ok(())
}

fn row(what: &str, per_run: Duration) {
    println!(
        "| {what} | **{}** | {:.1} µs |",
        rate(PROOFS as f64, per_run),
        per_run.as_secs_f64() * 1e6 / PROOFS as f64
    );
}

fn median(mut f: impl FnMut() -> anyhow::Result<()>) -> anyhow::Result<Duration> {
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let start = Instant::now();
        f()?;
        times.push(start.elapsed());
    }
    times.sort();
    Ok(times[RUNS / 2])
}

/// A fixed pseudo-random sequence (splitmix64).
fn mix(i: u64) -> u64 {
    let mut z = i
        .wrapping_add(0x9E37_79B9_7F4A_7C15)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
