//! `checkins`: intake of election day's check-ins in station batches, with double-vote
//! detection, then the replay of the whole log.
//!
//! The election is the synthetic Cambodia 2013 (`synthetic::pollbook`) at the scale that gives
//! about `--checkins N` check-ins (default 7,000,000, Cambodia's turnout: the national
//! election, 19,009 stations). Untimed: the genesis, the stations, a polling official per
//! province, every station's pseudonym list (9.7M pseudonyms at national scale, governed
//! batches and their approvals), and each station's sync, signed by its official and written
//! to a scratch file: the station's voters who turned out (72%) and, for one check-in in a
//! thousand, a voter of another station of the province who already voted there (a planted
//! double vote). Timed: reading the syncs back and recording them through
//! `Election::submit_group`, 32 stations to a durable commit (as the server's group commit
//! takes concurrent syncs); every check-in is checked against the station list and every
//! earlier check-in. Then every planted double vote must have raised its alert and nothing
//! else, the log is published, and its replay timed (state in memory).

use crate::electiondata::{bytes, peak_rss, reset_peak_rss};
use crate::logdata::{scratch_dir, thousands};
use crate::replay::secs;
use ledger::Election;
use ledger::event::*;
use std::io::{BufReader, BufWriter, Read, Write};
use std::time::Instant;
use synthetic::pollbook::{ELECTION_DAY, PollBook, TURNOUT};
use synthetic::{Cambodia2013, Scale};
use tlog::{Log, LogMeta, SqliteStorage};

/// Check-ins when `--checkins` is not given.
pub const DEFAULT_CHECKINS: u64 = 7_000_000;

/// Station syncs per durable commit.
pub const GROUP: usize = 32;

/// One check-in in this many is a planted second check-in.
pub const DOUBLE_EVERY: u64 = 1_000;

pub fn run() -> anyhow::Result<()> {
    let wanted = crate::option("--checkins")
        .map(|v| v.replace([',', '_'], "").parse::<u64>())
        .transpose()?
        .unwrap_or(DEFAULT_CHECKINS)
        .max(1_000);
    let divisor = ((DEFAULT_CHECKINS as f64 / wanted as f64).round() as u32).max(1);
    let election = Cambodia2013::new(Scale { divisor }, crate::electiondata::SEED);
    let book = PollBook::unplanned(election, crate::electiondata::SEED, false);
    let dir = scratch_dir()?;

    // Setup, untimed.
    let start = Instant::now();
    let meta = LogMeta {
        origin: synthetic::cambodia::ORIGIN.into(),
        vkey: book.election.keys.log.vkey().to_string(),
    };
    let log = Log::open(SqliteStorage::create(&dir.path().join("log.db"), &meta)?)?;
    let head = book.head();
    let mut e = Election::create(log, &head[0][0])?;
    for s in &head[1..] {
        e.submit(s)?;
    }
    for p in 0..24 {
        for s in book.lists_submission(p) {
            e.submit(&s)?;
        }
    }
    let setup_entries = e.log().size();
    let setup = start.elapsed();

    // Each station's sync, signed, to a scratch file.
    let start = Instant::now();
    let syncs = dir.path().join("syncs.bin");
    let (stations, checkins, planted) = write_syncs(&book, &syncs)?;
    let signing = start.elapsed();

    // Timed: intake.
    let measured = reset_peak_rss();
    let mut reader = BufReader::new(std::fs::File::open(&syncs)?);
    let cpu = crate::logdata::Usage::now();
    let start = Instant::now();
    let mut group = Vec::with_capacity(GROUP);
    let mut read = 0usize;
    while read < stations {
        group.clear();
        while group.len() < GROUP && read < stations {
            group.push(read_sync(&mut reader)?);
            read += 1;
        }
        for (i, r) in e.submit_group(&group)?.into_iter().enumerate() {
            if let Err(err) = r {
                anyhow::bail!("a station's sync was refused ({i} of its group): {err}");
            }
        }
    }
    let intake = start.elapsed();
    let used = crate::logdata::Usage::now().since(cpu);
    let peak = measured.then(peak_rss);
    let entries = e.log().size() - setup_entries;

    let alerts = ledger::report::pollbook::checkin_alerts(e.conn())?;
    let doubles = alerts.iter().filter(|a| a.kind == "double_checkin").count() as u64;
    let off_list = alerts.iter().filter(|a| a.kind == "not_on_list").count() as u64;
    anyhow::ensure!(
        doubles == planted && off_list == planted && alerts.len() as u64 == 2 * planted,
        "{planted} double votes planted, but {doubles} double_checkin and {off_list} not_on_list alerts of {} alerts",
        alerts.len()
    );
    let recorded: u64 = ledger::report::pollbook::checkins_by_station(e.conn())?
        .iter()
        .map(|s| s.checkins)
        .sum();
    anyhow::ensure!(
        recorded == checkins,
        "{checkins} check-ins sent, {recorded} recorded"
    );

    // Replay of the whole log, state in memory.
    let digest = e.digest()?;
    let note = e.sign_checkpoint(&book.election.keys.log)?;
    let public = dir.path().join("public");
    tlog::publish::publish(e.log(), &note, &public, &mut |_, _| {})?;
    let size = e.log().size();
    drop(e);
    std::fs::remove_file(&syncs)?;
    let policy = tlog::Policy::k_of_n(book.election.keys.log.vkey(), vec![], 0)?;
    let replay_measured = reset_peak_rss();
    let start = Instant::now();
    let replayed = ledger::replay::replay(
        &tlog::verify::DirSource::new(&public),
        &policy,
        None,
        None,
        &mut |_, _| {},
    )?;
    let replay = start.elapsed();
    let replay_peak = replay_measured.then(peak_rss);
    anyhow::ensure!(
        replayed.digest == digest && replayed.refusals.is_empty(),
        "the replay's digest differs from the operator's, or it refused entries"
    );

    println!(
        "Synthetic Cambodia 2013 at 1/{divisor} scale: {} stations, {} pseudonyms on their lists; setup ({} entries) in {}, syncs signed in {}.\n",
        thousands(book.election.stations.len() as u64),
        thousands(book.election.voters()),
        thousands(setup_entries),
        secs(setup),
        secs(signing),
    );
    println!("| what | count | time | per second | peak memory |\n|---|---:|---:|---:|---:|");
    println!(
        "| intake of check-ins in station batches ({} syncs, {} entries, {GROUP} syncs a commit), {} double votes detected | {} | {} | **{}** | {} |",
        thousands(stations as u64),
        thousands(entries),
        thousands(planted),
        thousands(checkins),
        secs(intake),
        thousands((checkins as f64 / intake.as_secs_f64()).round() as u64),
        peak.map_or("–".into(), bytes)
    );
    println!(
        "| of which CPU time (all threads), and bytes written | | {} | {} | |",
        secs(used.cpu),
        bytes(used.written)
    );
    println!(
        "| replay of the whole log (state in memory) | {} entries | {} | {} entries/s | {} |",
        thousands(size),
        secs(replay),
        thousands((size as f64 / replay.as_secs_f64()).round() as u64),
        replay_peak.map_or("–".into(), bytes)
    );
    Ok(())
}

/// Writes every station's signed sync; returns (stations, check-ins, planted double votes).
fn write_syncs(book: &PollBook, path: &std::path::Path) -> anyhow::Result<(usize, u64, u64)> {
    let mut out = BufWriter::new(std::fs::File::create(path)?);
    let (total, planted) = station_syncs(book, |entries| {
        out.write_all(&(entries.len() as u32).to_le_bytes())?;
        for entry in entries {
            out.write_all(&(entry.len() as u32).to_le_bytes())?;
            out.write_all(&entry)?;
        }
        Ok(())
    })?;
    out.flush()?;
    Ok((book.election.stations.len(), total, planted))
}

/// Makes every station's sync, signed by its province's official, in station order, and hands
/// each to `each`: the station's voters who turned out and, for one check-in in
/// [`DOUBLE_EVERY`], a voter of another station of the province who already voted there (a
/// planted double vote). Returns (check-ins, planted double votes).
pub fn station_syncs(
    book: &PollBook,
    mut each: impl FnMut(Vec<Vec<u8>>) -> anyhow::Result<()>,
) -> anyhow::Result<(u64, u64)> {
    let mut rng = synthetic::Rng::new(crate::electiondata::SEED ^ 0xC4EC);
    let stations = &book.election.stations;
    // Per province, a voter who already checked in, to vote again at the next station.
    let mut voted_in: Vec<Option<(usize, u64)>> = vec![None; 24];
    let mut first = [1u64; 24];
    let (mut total, mut planted) = (0u64, 0u64);
    for (si, s) in stations.iter().enumerate() {
        let start = first[s.province];
        first[s.province] += u64::from(s.registered);
        let mut checkins = Vec::new();
        for k in 0..u64::from(s.registered) {
            if rng.unit() >= TURNOUT {
                continue;
            }
            let n = checkins.len();
            let at = ELECTION_DAY + rng.below(8 * 3_600);
            checkins.push(CheckIn {
                id: format!("{n:05}"),
                at,
                presented: Presented::Pseudonym(book.pseudonym_of(si, start + k)),
            });
            total += 1;
            if total.is_multiple_of(DOUBLE_EVERY)
                && let Some((other, v)) = voted_in[s.province]
                && other != si
            {
                checkins.push(CheckIn {
                    id: format!("{:05}", n + 1),
                    at: at + 1,
                    presented: Presented::Pseudonym(book.pseudonym_of(other, v)),
                });
                total += 1;
                planted += 1;
                voted_in[s.province] = None;
            } else if voted_in[s.province].is_none_or(|(o, _)| o != si) && rng.below(50) == 0 {
                voted_in[s.province] = Some((si, start + k));
            }
        }
        if checkins.is_empty() {
            checkins.push(CheckIn {
                id: "00000".into(),
                at: ELECTION_DAY,
                presented: Presented::Pseudonym(book.pseudonym_of(si, start)),
            });
            total += 1;
        }
        let events = checkins
            .chunks(synthetic::pollbook::ENTRY_CHECKINS)
            .map(|part| {
                Event::Checkins(Checkins {
                    checkins: part.to_vec(),
                    station: s.code.clone(),
                })
            })
            .collect();
        each(build_batch(
            &book.officials[s.province],
            Content::Checkins,
            events,
            None,
        ))?;
    }
    Ok((total, planted))
}

fn read_sync(r: &mut impl Read) -> anyhow::Result<Vec<Vec<u8>>> {
    let mut word = [0u8; 4];
    r.read_exact(&mut word)?;
    let n = u32::from_le_bytes(word) as usize;
    let mut entries = Vec::with_capacity(n);
    for _ in 0..n {
        r.read_exact(&mut word)?;
        let mut entry = vec![0u8; u32::from_le_bytes(word) as usize];
        r.read_exact(&mut entry)?;
        entries.push(entry);
    }
    Ok(entries)
}
