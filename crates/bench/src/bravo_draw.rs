//! `bravo-draw`: a BRAVO ballot-polling draw of 1,000 ballots over a 10,000,000-ballot
//! manifest, as `scrutineer rla draw ELECTION --method bravo --seed DICE --count 1000 --json`
//! makes it (the release binary, as a child process), beside the same draw made the old way:
//! `stats::consistent_sampler::sample` over the materialised manifest, a `Vec` of the 10M
//! `STATION:N` ids, also in a child process (this binary, run with a hidden argument). Wall time
//! and peak resident memory (`wait4`'s `ru_maxrss`) of each child, medians of [`RUNS`]; the
//! benchmark's own memory is not in them. For comparison, `review::rla::Audit::build` and the
//! draw in this process, without process start and JSON.
//!
//! The election is built in a scratch directory at every run (a few seconds): the synthetic
//! Cambodia-2013 genesis and areas at 1/1000 scale, 20,000 stations each with an official
//! result form of 500 ballots, recorded through `Election::submit`. Every run checks that both
//! ways draw the same ballots in the same order.

use crate::demo_national::wait;
use crate::electiondata::{bytes, decided, proposal_of, scrutineer_binary};
use crate::logdata::{Usage, scratch_dir, thousands};
use crate::replay::secs;
use anyhow::{Context, bail};
use ledger::Election;
use std::io::{BufRead, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use synthetic::cambodia::{ORIGIN, StationPlan};
use synthetic::{Cambodia2013, Scale};
use tlog::{Log, LogMeta, SqliteStorage};

/// The hidden argument that makes this binary the materialised-manifest child.
pub const MATERIALISED: &str = "--materialised-draw";

const STATIONS: usize = 20_000;
const BALLOTS: u64 = 500;
const COUNT: u64 = 1_000;
/// Twenty dice, as rolled in public.
const SEED: &str = "35216452316254163524";
const RUNS: usize = 3;

pub fn run() -> anyhow::Result<()> {
    let binary = scrutineer_binary()?;
    let scratch = scratch_dir()?;
    let dir = scratch.path().join("election");
    let start = Instant::now();
    let manifest = build_election(&dir)?;
    let build = start.elapsed();
    let ballots: u64 = manifest.iter().map(|(_, b)| b).sum();
    let manifest_file = scratch.path().join("manifest.txt");
    let mut text = String::new();
    for (code, b) in &manifest {
        text.push_str(&format!("{code} {b}\n"));
    }
    std::fs::write(&manifest_file, text)?;
    eprintln!(
        "bravo-draw: recorded {} stations, {} ballots in {}",
        thousands(manifest.len() as u64),
        thousands(ballots),
        secs(build)
    );

    let count = COUNT.to_string();
    let streamed_args: Vec<&std::ffi::OsStr> = vec![
        "rla".as_ref(),
        "draw".as_ref(),
        dir.as_os_str(),
        "--method".as_ref(),
        "bravo".as_ref(),
        "--seed".as_ref(),
        SEED.as_ref(),
        "--count".as_ref(),
        count.as_ref(),
        "--json".as_ref(),
    ];
    let this = std::env::current_exe().context("this benchmark's own path")?;
    let materialised_args: Vec<&std::ffi::OsStr> = vec![
        MATERIALISED.as_ref(),
        manifest_file.as_os_str(),
        SEED.as_ref(),
        count.as_ref(),
    ];

    // Alternated run by run, so that a change of load hits both alike.
    let mut streamed = Vec::new();
    let mut materialised = Vec::new();
    for _ in 0..RUNS {
        let (run, out) = child(&binary, &streamed_args, scratch.path())?;
        let report: serde_json::Value =
            serde_json::from_str(&out).context("the JSON of `scrutineer rla draw`")?;
        let drawn: Vec<String> = report["ballot_draws"]
            .as_array()
            .context("the draw report has no ballot_draws")?
            .iter()
            .map(|d| d["ballot"].as_str().unwrap_or_default().to_string())
            .collect();
        let ballots_reported = report["contest"]["ballots"].as_u64();
        anyhow::ensure!(
            ballots_reported == Some(ballots),
            "the draw reports {ballots_reported:?} ballots, the election has {ballots}"
        );
        streamed.push((run, drawn));
        let (run, out) = child(&this, &materialised_args, scratch.path())?;
        materialised.push((run, out.lines().map(str::to_string).collect::<Vec<_>>()));
    }
    for ((_, a), (_, b)) in streamed.iter().zip(&materialised) {
        anyhow::ensure!(
            a.len() as u64 == COUNT && a == b,
            "the streamed and the materialised draws differ ({} and {} ballots)",
            a.len(),
            b.len()
        );
    }

    // In this process: the audit built from the election directory, then the draw.
    let mut in_process = Vec::new();
    for _ in 0..RUNS {
        in_process.push(draw_in_process(&dir)?);
    }
    in_process.sort_by_key(|r| r.0 + r.1);
    let (build_median, draw_median, cpu_median) = in_process[RUNS / 2];

    println!(
        "An election of {} stations with {} ballots each ({} ballots), recorded through \
         `Election::submit` in {} in a scratch directory; {} draws with replacement, seed \
         {SEED}. Medians of {RUNS} child processes, the two ways alternated; both drew the same \
         ballots in the same order in every run.\n",
        thousands(STATIONS as u64),
        BALLOTS,
        thousands(ballots),
        secs(build),
        thousands(COUNT)
    );
    println!("| how | wall time (runs) | CPU time | peak memory (max RSS) |\n|---|---:|---:|---:|");
    for (what, runs) in [
        (
            "`scrutineer rla draw ELECTION --method bravo --seed … --count 1000 --json` (streamed manifest)",
            streamed.iter().map(|(r, _)| *r).collect::<Vec<_>>(),
        ),
        (
            "the old way: `consistent_sampler::sample` over the materialised manifest (10M `STATION:N` strings)",
            materialised.iter().map(|(r, _)| *r).collect(),
        ),
    ] {
        let mut sorted = runs.clone();
        sorted.sort_by_key(|r| r.wall);
        let median = sorted[RUNS / 2];
        let mut peaks: Vec<u64> = runs.iter().map(|r| r.max_rss).collect();
        peaks.sort();
        println!(
            "| {what} | **{}** ({}) | {} | **{}** ({}) |",
            secs_2(median.wall),
            runs.iter()
                .map(|r| secs_2(r.wall))
                .collect::<Vec<_>>()
                .join(", "),
            secs_2(median.cpu),
            bytes(peaks[RUNS / 2]),
            runs.iter()
                .map(|r| bytes(r.max_rss))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    println!(
        "\nIn this process (no process start, no JSON; median of {RUNS}): `review::rla::Audit::build` \
         from the opened election {}, the draw (`Audit::draw_ids`) {}; CPU time of both {}.",
        secs_2(build_median),
        secs_2(draw_median),
        secs_2(cpu_median)
    );
    Ok(())
}

fn secs_2(t: Duration) -> String {
    format!("{:.2} s", t.as_secs_f64())
}

#[derive(Debug, Clone, Copy)]
struct ChildRun {
    wall: Duration,
    cpu: Duration,
    max_rss: u64,
}

/// Runs `program args` to completion in `dir`, returning its usage and standard output.
fn child(
    program: &Path,
    args: &[&std::ffi::OsStr],
    dir: &Path,
) -> anyhow::Result<(ChildRun, String)> {
    let stderr_path = dir.join("child.stderr");
    let stderr = std::fs::File::create(&stderr_path)?;
    let start = Instant::now();
    let mut c = Command::new(program)
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::from(stderr))
        .spawn()
        .with_context(|| format!("running {}", program.display()))?;
    let mut out = String::new();
    c.stdout.take().expect("piped").read_to_string(&mut out)?;
    let usage = wait(c.id() as i32)?;
    let wall = start.elapsed();
    if !usage.success {
        bail!(
            "{} failed: {}",
            program.display(),
            std::fs::read_to_string(&stderr_path)
                .unwrap_or_default()
                .trim()
        );
    }
    Ok((
        ChildRun {
            wall,
            cpu: usage.cpu,
            max_rss: usage.max_rss,
        },
        out,
    ))
}

/// Opens the election directory, builds the audit and draws: (build, draw) wall times and the
/// CPU time of both.
fn draw_in_process(dir: &Path) -> anyhow::Result<(Duration, Duration, Duration)> {
    let cpu = Usage::now();
    let start = Instant::now();
    let log = Log::open(SqliteStorage::open(&dir.join("log.db"))?)?;
    let election = Election::open(log).map_err(|e| anyhow::anyhow!("{e}"))?;
    let review = review::Review::of_election(election, &dir.display().to_string())?;
    let spec = review::rla::Spec {
        method: review::rla::Method::Bravo,
        contest: None,
        area: None,
        winners: 1,
        risk_limit: 0.05,
    };
    let audit = review::rla::Audit::build(&review, &spec)?;
    let build = start.elapsed();
    let start = Instant::now();
    let drawn = audit.draw_ids(SEED, 1, COUNT)?;
    let draw = start.elapsed();
    let cpu = Usage::now().since(cpu).cpu;
    anyhow::ensure!(drawn.len() as u64 == COUNT, "drew {} ballots", drawn.len());
    Ok((build, draw, cpu))
}

/// Records the election in `dir` as an election directory (`log.toml`, `log.db`, the log's
/// key) and returns its stations and ballots, in code order.
fn build_election(dir: &Path) -> anyhow::Result<Vec<(String, u64)>> {
    let mut e = Cambodia2013::new(Scale { divisor: 1000 }, crate::electiondata::SEED);
    let communes: Vec<(String, usize)> = e
        .stations
        .iter()
        .map(|s| (s.commune.clone(), s.province))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    // Party shares of the 494 valid votes; 6 invalid.
    let votes = [270, 200, 4, 4, 4, 4, 4, 4];
    let valid: u64 = votes.iter().sum();
    e.stations = (0..STATIONS)
        .map(|i| {
            let (commune, province) = &communes[i % communes.len()];
            StationPlan {
                code: format!("{commune}-{:04}", i / communes.len() + 1),
                commune: commune.clone(),
                province: *province,
                registered: 600,
                cast: BALLOTS,
                invalid: BALLOTS - valid,
                votes,
                official: votes,
                cnrp_agent: true,
            }
        })
        .collect();
    std::fs::create_dir_all(dir)?;
    let key_path = dir.join("log.key");
    let mut key_file = std::fs::File::create(&key_path)?;
    writeln!(key_file, "{}", e.keys.log.to_skey())?;
    std::fs::write(
        dir.join("log.toml"),
        format!(
            "origin = {ORIGIN:?}\nkey = {:?}\n",
            key_path.display().to_string()
        ),
    )?;
    let meta = LogMeta {
        origin: ORIGIN.to_string(),
        vkey: e.keys.log.vkey().to_string(),
    };
    let log = Log::open(SqliteStorage::create(&dir.join("log.db"), &meta)?)?;
    let mut election =
        Election::create(log, &e.genesis_entry()).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut submit = |entries: &[Vec<u8>]| {
        election
            .submit(entries)
            .map(|r| r.applied)
            .map_err(|e| anyhow::anyhow!("{e}"))
    };
    let id = proposal_of(&submit(&e.stations_submission())?)?;
    if !decided(&submit(&e.approvals(&id))?) {
        bail!("the stations did not take effect");
    }
    submit(&e.official_forms())?;
    let mut manifest: Vec<(String, u64)> = e
        .stations
        .iter()
        .map(|s| (s.code.clone(), s.cast))
        .collect();
    manifest.sort();
    Ok(manifest)
}

/// The child: reads `CODE BALLOTS` lines, materialises the manifest and draws from it with
/// `stats::consistent_sampler::sample`, printing the ballots drawn, one a line.
pub fn materialised_child(args: &[String]) -> anyhow::Result<()> {
    let [file, seed, count] = args else {
        bail!("usage: bench {MATERIALISED} MANIFEST SEED COUNT");
    };
    let count: usize = count.parse()?;
    let mut ids: Vec<String> = Vec::new();
    for line in std::io::BufReader::new(std::fs::File::open(file)?).lines() {
        let line = line?;
        let (code, ballots) = line
            .split_once(' ')
            .with_context(|| format!("{file}: {line:?} is not CODE BALLOTS"))?;
        let ballots: u64 = ballots.parse()?;
        ids.extend((1..=ballots).map(|n| format!("{code}:{n}")));
    }
    let options = stats::consistent_sampler::SampleOptions {
        with_replacement: true,
        drop: 0,
        take: count,
        digits: 18,
    };
    let tickets = stats::consistent_sampler::sample(&ids, seed, &options)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for t in tickets {
        writeln!(out, "{}", t.id)?;
    }
    out.flush()?;
    Ok(())
}
