//! `intake`: signed-event intake through [`ledger::Election::submit`] — parse, signature check
//! against the author's enrolled key, role, scope and reference checks, one durable append to
//! the log and the fold into state, all in one SQLite transaction per submission.
//!
//! Each run starts a new election in a scratch directory on the benchmark disk: the genesis of
//! the national-scale synthetic election (`synthetic::Cambodia2013`), its 19,009 stations
//! (one governed batch and its approvals) and a polling official per station, enrolled by a
//! governed batch, each with the station's commune as scope. Then, timed, in submissions of 1,
//! 100 and 1,000 events:
//!
//! - voter registrations, each signed by the registration officer;
//! - official result forms, each signed by the polling official of its station (19,000
//!   different keys, each checked against its area scope);
//!
//! and bulk registrations: batches of 1,000 under one signed manifest each (the genesis's bulk
//! threshold), and one governed batch of 200,000 registrations with the five approvals that
//! put it into effect. Every event is signed before the clock starts (signing is the client's
//! work). Medians over the runs; every submission's commit is durable (`synchronous=FULL`).

use crate::logdata::{scratch_dir, thousands};
use ledger::Election;
use ledger::event::*;
use std::time::{Duration, Instant};
use synthetic::{Cambodia2013, Scale};
use tlog::note::{PrivateKey, TYPE_ED25519};
use tlog::{Log, LogMeta, SqliteStorage};

/// Runs (each on a new election); medians are reported.
const RUNS: usize = 5;

/// Individually signed events per submission size.
const SIZES: [(usize, usize); 3] = [(1, 1_000), (100, 20_000), (1_000, 20_000)];

/// Result forms per submission size (the stations are split between the sizes).
const FORM_SIZES: [(usize, usize); 3] = [(1, 1_000), (100, 9_000), (1_000, 9_000)];

const BULK_BATCHES: usize = 20;
const BULK_BATCH: usize = 1_000;
const GOVERNED_BATCH: usize = 200_000;

struct Workload {
    e: Cambodia2013,
    genesis: Vec<u8>,
    stations: Vec<Vec<u8>>,
    officials: Vec<Vec<u8>>,
    /// (submission size, submissions) for registrations and forms.
    registrations: Vec<(usize, Vec<Vec<Vec<u8>>>)>,
    forms: Vec<(usize, Vec<Vec<Vec<u8>>>)>,
    bulk: Vec<Vec<Vec<u8>>>,
    governed: Vec<Vec<u8>>,
}

fn register(e: &Cambodia2013, prefix: &str, n: usize) -> Event {
    let s = &e.stations[n % e.stations.len()];
    Event::Register(Register {
        names: None,
        birth_year: 1940 + (n % 56) as u16,
        commitment: None,
        name: format!("Voter {n}"),
        sex: if n.is_multiple_of(2) { Sex::F } else { Sex::M },
        station: s.code.clone(),
        voter: format!("{prefix}{n:08}"),
    })
}

fn official_form(e: &Cambodia2013, station: usize) -> Event {
    let s = &e.stations[station];
    let received = u64::from(s.registered) + u64::from(s.registered) / 50 + 10;
    Event::ResultForm(ResultForm {
        ballots_issued: Some(s.cast),
        ballots_received: Some(received),
        contest: synthetic::cambodia::CONTEST.into(),
        invalid: s.invalid,
        photos: vec![],
        registered: Some(u64::from(s.registered)),
        source: "official".into(),
        spoiled: Some(0),
        station: s.code.clone(),
        time: None,
        unused: Some(received - s.cast),
        valid: s.official.iter().sum(),
        votes: synthetic::cambodia::PARTIES
            .iter()
            .zip(s.official)
            .map(|(p, v)| (p.0.to_string(), v))
            .collect(),
    })
}

fn official_key(station: &str) -> PrivateKey {
    let mut seed = [0u8; 32];
    for (i, b) in station.bytes().enumerate() {
        seed[i % 32] ^= b;
        seed[(i * 7 + 3) % 32] = seed[(i * 7 + 3) % 32].wrapping_add(b);
    }
    seed[31] ^= 0xA5;
    PrivateKey::from_seed(&format!("po.{station}"), TYPE_ED25519, seed).expect("valid name")
}

/// A polling official per station, each scoped to its commune: the governed batch that
/// enrols them (two members asked), and their keys.
pub(crate) fn polling_officials(e: &Cambodia2013) -> (Vec<Vec<u8>>, Vec<PrivateKey>) {
    let keys: Vec<PrivateKey> = e.stations.iter().map(|s| official_key(&s.code)).collect();
    let enrolments: Vec<Event> = e
        .stations
        .iter()
        .zip(&keys)
        .map(|(s, k)| {
            Event::Enrol(Enrol {
                name: k.name().into(),
                organisation: None,
                party: None,
                person: None,
                role: Role::PollingOfficial,
                scope: Scope::Areas(vec![s.commune.clone()]),
                vkey: k.vkey().to_string(),
            })
        })
        .collect();
    let officials = build_batch(
        &e.keys.clerk,
        Content::Enrolments,
        enrolments,
        Some((
            "the polling officials".into(),
            vec![
                e.keys.members[0].name().into(),
                e.keys.members[4].name().into(),
            ],
        )),
    );
    (officials, keys)
}

fn workload() -> Workload {
    let e = Cambodia2013::new(Scale::NATIONAL, crate::electiondata::SEED);
    let (officials, keys) = polling_officials(&e);
    let officer = &e.keys.officer;
    let registrations = SIZES
        .iter()
        .map(|&(size, count)| {
            let prefix = format!("S{size}-");
            let entries: Vec<Vec<u8>> = (0..count)
                .map(|n| Entry::signed(register(&e, &prefix, n), officer).to_bytes())
                .collect();
            (size, entries.chunks(size).map(<[_]>::to_vec).collect())
        })
        .collect();
    let mut next = 0;
    let forms = FORM_SIZES
        .iter()
        .map(|&(size, count)| {
            let entries: Vec<Vec<u8>> = (next..next + count)
                .map(|i| Entry::signed(official_form(&e, i), &keys[i]).to_bytes())
                .collect();
            next += count;
            (size, entries.chunks(size).map(<[_]>::to_vec).collect())
        })
        .collect();
    let bulk = (0..BULK_BATCHES)
        .map(|b| {
            let prefix = format!("B{b:02}-");
            let events = (0..BULK_BATCH).map(|n| register(&e, &prefix, n)).collect();
            build_batch(officer, Content::Registrations, events, None)
        })
        .collect();
    let governed = build_batch(
        officer,
        Content::Registrations,
        (0..GOVERNED_BATCH).map(|n| register(&e, "G-", n)).collect(),
        Some((
            "a district's roll".into(),
            vec![
                e.keys.members[0].name().into(),
                e.keys.members[4].name().into(),
            ],
        )),
    );
    Workload {
        genesis: e.genesis_entry(),
        stations: e.stations_submission(),
        officials,
        registrations,
        forms,
        bulk,
        governed,
        e,
    }
}

fn submit(
    election: &mut Election,
    entries: &[Vec<u8>],
) -> anyhow::Result<ledger::election::Receipt> {
    election.submit(entries).map_err(|e| anyhow::anyhow!("{e}"))
}

fn proposal(receipt: &ledger::election::Receipt) -> anyhow::Result<String> {
    crate::electiondata::proposal_of(&receipt.applied)
}

/// A new election with its stations and polling officials in effect.
fn setup(w: &Workload, dir: &std::path::Path) -> anyhow::Result<Election> {
    let meta = LogMeta {
        origin: synthetic::cambodia::ORIGIN.into(),
        vkey: w.e.keys.log.vkey().to_string(),
    };
    let log = Log::open(SqliteStorage::create(&dir.join("log.db"), &meta)?)?;
    let mut election = Election::create(log, &w.genesis).map_err(|e| anyhow::anyhow!("{e}"))?;
    for batch in [&w.stations, &w.officials] {
        let id = proposal(&submit(&mut election, batch)?)?;
        submit(&mut election, &w.e.approvals(&id))?;
    }
    Ok(election)
}

/// Time and CPU of one timed phase.
#[derive(Clone, Copy)]
struct Phase {
    events: usize,
    time: Duration,
    cpu: Duration,
}

fn timed(
    election: &mut Election,
    submissions: &[Vec<Vec<u8>>],
    events: usize,
) -> anyhow::Result<Phase> {
    let cpu = crate::logdata::Usage::now();
    let start = Instant::now();
    for s in submissions {
        submit(election, s)?;
    }
    let time = start.elapsed();
    Ok(Phase {
        events,
        time,
        cpu: crate::logdata::Usage::now().since(cpu).cpu,
    })
}

pub fn run() -> anyhow::Result<()> {
    let start = Instant::now();
    let w = workload();
    eprintln!(
        "intake: signed the workload in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    // Per run: registrations by size, forms by size, bulk, governed.
    let mut results: Vec<Vec<Phase>> = Vec::new();
    for run in 0..RUNS {
        let dir = scratch_dir()?;
        let mut election = setup(&w, dir.path())?;
        let mut phases = Vec::new();
        for (_, subs) in w.registrations.iter().chain(&w.forms) {
            let n = subs.iter().map(Vec::len).sum();
            phases.push(timed(&mut election, subs, n)?);
        }
        phases.push(timed(&mut election, &w.bulk, BULK_BATCHES * BULK_BATCH)?);
        let cpu = crate::logdata::Usage::now();
        let t = Instant::now();
        let id = proposal(&submit(&mut election, &w.governed)?)?;
        let receipt = submit(&mut election, &w.e.approvals(&id))?;
        anyhow::ensure!(
            crate::electiondata::decided(&receipt.applied),
            "the governed batch did not take effect"
        );
        phases.push(Phase {
            events: GOVERNED_BATCH,
            time: t.elapsed(),
            cpu: crate::logdata::Usage::now().since(cpu).cpu,
        });
        eprintln!(
            "intake run {}: {}",
            run + 1,
            phases
                .iter()
                .map(|p| format!("{:.0}/s", p.events as f64 / p.time.as_secs_f64()))
                .collect::<Vec<_>>()
                .join(", ")
        );
        results.push(phases);
    }

    let row = |i: usize, what: String| {
        let mut rates: Vec<f64> = results
            .iter()
            .map(|r| r[i].events as f64 / r[i].time.as_secs_f64())
            .collect();
        let mut cpus: Vec<f64> = results
            .iter()
            .map(|r| r[i].cpu.as_secs_f64() * 1e6 / r[i].events as f64)
            .collect();
        rates.sort_by(f64::total_cmp);
        cpus.sort_by(f64::total_cmp);
        println!(
            "| {what} | {} | **{}** ({}–{}) | {:.1} µs |",
            thousands(results[0][i].events as u64),
            thousands(rates[RUNS / 2].round() as u64),
            thousands(rates[0].round() as u64),
            thousands(rates[RUNS - 1].round() as u64),
            cpus[RUNS / 2],
        );
    };
    println!(
        "| what | events per run | events/s, median of {RUNS} (slowest–fastest) | CPU per event |\n|---|---:|---:|---:|"
    );
    let mut i = 0;
    for (size, _) in &w.registrations {
        row(
            i,
            format!("registrations, each signed by the officer; {size} per submission"),
        );
        i += 1;
    }
    for (size, _) in &w.forms {
        row(
            i,
            format!(
                "official result forms, each signed by its station's polling official; {size} per submission"
            ),
        );
        i += 1;
    }
    row(
        i,
        format!("bulk registrations: batches of {BULK_BATCH} under one signed manifest"),
    );
    row(
        i + 1,
        format!(
            "bulk registrations: one governed batch of {}, with its 5 approvals",
            thousands(GOVERNED_BATCH as u64)
        ),
    );
    Ok(())
}
