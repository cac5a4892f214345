//! `find`: "find my name" over 10,000,000 synthetic Khmer names (`synthetic::roll`, seed 2013):
//! how long the index takes to build and open and how large it is, then the p50 and p99 latency
//! of a search for exact, one-typo and two-typo queries in each script, and how often the true
//! voter is in the top 5. Each query is a voter's name as they might type it (either order;
//! typos from `synthetic::roll::{latin_typo, khmer_typo}`), with their birth year and commune,
//! as a voter asks; a second table asks with the name alone. Latency is wall time per search,
//! and the p99 of the thread's CPU time beside it (the machine is shared). The index file is written under
//! `target/bench-data` and removed at the end. `SCRUTINEER_BENCH_FIND_VOTERS` sets a smaller
//! roll.

use crate::logdata::{data_dir, thousands};
use ledger::event::Sex;
use roll::index::{Builder, Entry, Index, Query};
use std::io::BufWriter;
use std::time::{Duration, Instant};
use synthetic::Rng;
use synthetic::roll::{Config, Roll, Voter, khmer_typo, latin_typo};

/// Queries per kind.
const QUERIES: usize = 2_000;

pub fn run() -> anyhow::Result<()> {
    let voters: u64 = match std::env::var("SCRUTINEER_BENCH_FIND_VOTERS") {
        Ok(v) => v.parse()?,
        Err(_) => 10_000_000,
    };
    let roll = Roll::new(Config::new(2013, voters));
    let dir = data_dir();
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("find.idx");

    let start = Instant::now();
    let mut builder = Builder::new();
    for v in roll.iter() {
        let (area, station) = (v.village.commune().code(), v.station());
        builder.add(&Entry {
            voter: &v.voter,
            station: &station,
            area: &area,
            family: &v.family,
            given: &v.given,
            family_latin: &v.family_latin,
            given_latin: &v.given_latin,
            birth_year: v.birth_year,
            sex: if v.sex == Sex::F { 'F' } else { 'M' },
        })?;
    }
    let summary = builder.finish(&path, BufWriter::new(std::fs::File::create(&path)?))?;
    let build = start.elapsed();
    let start = Instant::now();
    let index = Index::open(&path)?;
    let open = start.elapsed();
    println!(
        "Index of {} names (5% planted duplicates) under {} keys: built in {:.1} s (generating the \
         roll included), {:.0} MB on disk, opened in {:.2} s.\n",
        thousands(summary.voters),
        thousands(summary.keys),
        build.as_secs_f64(),
        summary.bytes as f64 / 1e6,
        open.as_secs_f64()
    );

    for filters in [true, false] {
        println!(
            "{}\n",
            if filters {
                "With birth year and commune (`--birth-year Y --area COMMUNE`), top 5:"
            } else {
                "With the name alone, top 5 (recall is not meaningful: many voters share a name):"
            }
        );
        println!("| query | script | p50 | p99 | p99 CPU | true voter in top 5 |");
        println!("|---|---|---:|---:|---:|---:|");
        for typos in 0..=2u32 {
            for khmer in [false, true] {
                let mut rng = Rng::new(u64::from(typos) * 2 + u64::from(khmer) + 7);
                let mut times = Vec::with_capacity(QUERIES);
                let mut cpu = Vec::with_capacity(QUERIES);
                let mut hits = 0;
                for _ in 0..QUERIES {
                    let v = roll.voter(rng.below(voters));
                    let text = misspell(&v, &mut rng, khmer, typos);
                    let area = v.village.commune().code();
                    let q = if filters {
                        Query::parse(&text, Some(v.birth_year), Some(&area))?
                    } else {
                        Query::parse(&text, None, None)?
                    };
                    let (start, start_cpu) = (Instant::now(), thread_cpu());
                    let found = index.find(&q, 5)?;
                    times.push(start.elapsed());
                    cpu.push(thread_cpu() - start_cpu);
                    hits += usize::from(found.iter().any(|f| f.voter == v.voter));
                }
                times.sort();
                cpu.sort();
                let ms = |d: Duration| format!("{:.2} ms", d.as_secs_f64() * 1e3);
                println!(
                    "| {} | {} | {} | {} | {} | {:.1}% |",
                    ["exact", "one typo", "two typos"][typos as usize],
                    if khmer { "Khmer" } else { "Latin" },
                    ms(times[QUERIES / 2]),
                    ms(times[QUERIES * 99 / 100]),
                    ms(cpu[QUERIES * 99 / 100]),
                    100.0 * hits as f64 / QUERIES as f64
                );
            }
        }
        println!();
    }
    drop(index);
    std::fs::remove_file(&path)?;
    Ok(())
}

/// This thread's CPU time: on the shared machine, wall-clock p99 is mostly time spent waiting
/// for a core, which CPU time leaves out.
fn thread_cpu() -> Duration {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec into a valid, exclusive pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

/// A voter's name in one script, either order, with `typos` slips.
fn misspell(v: &Voter, rng: &mut Rng, khmer: bool, typos: u32) -> String {
    let (mut family, mut given) = if khmer {
        (v.family.clone(), v.given.clone())
    } else {
        (v.family_latin.clone(), v.given_latin.clone())
    };
    for _ in 0..typos {
        let part = if rng.unit() < 0.5 {
            &mut family
        } else {
            &mut given
        };
        *part = if khmer {
            khmer_typo(part, rng)
        } else {
            latin_typo(part, rng)
        };
    }
    if rng.unit() < 0.5 {
        format!("{given} {family}")
    } else {
        format!("{family} {given}")
    }
}
