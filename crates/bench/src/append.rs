//! `append`: durable appends of 200-byte entries through [`tlog::Log`] on SQLite, committed in
//! batches of several sizes, beside plain SQLite inserts of 200-byte rows with the same
//! durability (WAL, `synchronous = FULL`, one transaction per batch), and through the
//! group-committing [`tlog::Sequencer`] from many threads.
//!
//! `SCRUTINEER_BENCH_BATCHES=1024,16384` limits the run to those batch sizes (and skips the
//! sequencer unless `0` is listed), for profiling.
//!
//! Every run starts from an empty database in a scratch directory on the data file system.
//! The timed span covers hashing, tile and bundle building, every commit, and closing the
//! database (which copies what is left in the WAL into the database file); the entries are
//! generated beforehand.

use crate::logdata::{ENTRY_SIZE, Usage, entries, new_log, rate, scratch_dir, thousands};
use rusqlite::{Connection, TransactionBehavior, params};
use std::sync::Barrier;
use std::time::{Duration, Instant};
use tlog::{GroupCommit, Sequencer};

/// Runs per figure; the median is reported.
const RUNS: usize = 5;

/// (entries per commit, entries per run).
const BATCHES: &[(usize, usize)] = &[
    (1, 2_000),
    (64, 64_000),
    (1_024, 409_600),
    (16_384, 1_048_576),
];

/// Sequencer loads: (client threads, entries per request, requests per client).
const CLIENTS: &[(usize, usize, usize)] =
    &[(64, 1, 100), (256, 1, 50), (16, 256, 64), (4, 4_096, 32)];

pub fn run() -> anyhow::Result<()> {
    println!(
        "Entries of {ENTRY_SIZE} bytes; every commit durable (WAL, synchronous=FULL). \
         Median of {RUNS} runs, each on a new database; range in brackets.\n"
    );
    println!(
        "| entries per commit | entries per run | `tlog::Log` entries/s | plain SQLite rows/s | log / plain | log: CPU µs, bytes written per entry | plain: CPU µs, bytes written per row |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    let only: Option<Vec<usize>> = match std::env::var("SCRUTINEER_BENCH_BATCHES") {
        Ok(list) => Some(
            list.split(',')
                .map(|b| b.trim().parse())
                .collect::<Result<_, _>>()?,
        ),
        Err(_) => None,
    };
    let wanted = |batch: usize| only.as_ref().is_none_or(|o| o.contains(&batch));
    for &(batch, total) in BATCHES.iter().filter(|(b, _)| wanted(*b)) {
        let data = entries(0, total);
        let mut log_runs = Vec::new();
        let mut plain_runs = Vec::new();
        // Alternate the two so that a change in machine load hits both alike.
        for _ in 0..RUNS {
            log_runs.push(append_log(&data, batch)?);
            plain_runs.push(insert_plain(&data, batch)?);
        }
        let (log, plain) = (Spread::of(&log_runs), Spread::of(&plain_runs));
        println!(
            "| {} | {} | {} | {} | {:.2} | {} | {} |",
            thousands(batch as u64),
            thousands(total as u64),
            log.rates(total),
            plain.rates(total),
            plain.median.as_secs_f64() / log.median.as_secs_f64(),
            per_item(&log_runs, total),
            per_item(&plain_runs, total),
        );
    }

    if !wanted(0) {
        return Ok(());
    }
    let default = GroupCommit::default();
    let eager = GroupCommit {
        max_delay: Duration::ZERO,
        ..default
    };
    println!(
        "\n`tlog::Sequencer`: client threads each send requests one after another and wait for \
         each to be durable. Group commit as by default (up to {} entries, or {} ms after the \
         first waiting request) and with no wait (`max_delay` 0: each commit takes what queued \
         up during the previous one). Median of {RUNS} runs:\n",
        default.max_entries,
        default.max_delay.as_millis()
    );
    println!(
        "| clients | entries per request | entries per run | default: entries/s | no wait: entries/s | no wait: CPU µs, bytes written per entry |"
    );
    println!("|---:|---:|---:|---:|---:|---:|");
    for &(clients, per_request, requests) in CLIENTS {
        let total = clients * per_request * requests;
        let mut default_runs = Vec::new();
        let mut eager_runs = Vec::new();
        for _ in 0..RUNS {
            default_runs.push(sequenced(clients, per_request, requests, default)?);
            eager_runs.push(sequenced(clients, per_request, requests, eager)?);
        }
        println!(
            "| {clients} | {} | {} | {} | {} | {} |",
            thousands(per_request as u64),
            thousands(total as u64),
            Spread::of(&default_runs).rates(total),
            Spread::of(&eager_runs).rates(total),
            per_item(&eager_runs, total),
        );
    }
    Ok(())
}

/// Median, fastest and slowest of some runs.
struct Spread {
    median: Duration,
    min: Duration,
    max: Duration,
}

/// One timed run: its wall time and what it used.
type Run = (Duration, Usage);

/// Median CPU time and bytes written per item over `runs` of `count` items each.
fn per_item(runs: &[Run], count: usize) -> String {
    let mut cpu: Vec<Duration> = runs.iter().map(|r| r.1.cpu).collect();
    let mut written: Vec<u64> = runs.iter().map(|r| r.1.written).collect();
    cpu.sort();
    written.sort();
    format!(
        "{:.2} µs, {} B",
        cpu[cpu.len() / 2].as_secs_f64() * 1e6 / count as f64,
        written[written.len() / 2] / count as u64
    )
}

impl Spread {
    fn of(runs: &[Run]) -> Spread {
        let mut times: Vec<Duration> = runs.iter().map(|r| r.0).collect();
        times.sort();
        Spread {
            median: times[times.len() / 2],
            min: times[0],
            max: times[times.len() - 1],
        }
    }

    /// "median (slowest–fastest)" as rates of `count` per run.
    fn rates(&self, count: usize) -> String {
        let n = count as f64;
        format!(
            "**{}** ({}–{})",
            rate(n, self.median),
            rate(n, self.max),
            rate(n, self.min)
        )
    }
}

/// Appends `data` to a new log, `batch` entries per commit; returns the time taken.
fn append_log(data: &[[u8; ENTRY_SIZE]], batch: usize) -> anyhow::Result<Run> {
    let dir = scratch_dir()?;
    let mut log = new_log(dir.path())?;
    let (usage, start) = (Usage::now(), Instant::now());
    for chunk in data.chunks(batch) {
        log.append(chunk)?;
    }
    anyhow::ensure!(log.size() == data.len() as u64, "log size after appending");
    // Closing is timed too: it finishes copying the WAL into the database.
    drop(log);
    Ok((start.elapsed(), Usage::now().since(usage)))
}

/// The anchor: inserts `data` as rows of a plain SQLite table, one transaction per `batch`
/// rows, with the log's durability settings; returns the time taken.
fn insert_plain(data: &[[u8; ENTRY_SIZE]], batch: usize) -> anyhow::Result<Run> {
    let dir = scratch_dir()?;
    let mut conn = Connection::open(dir.path().join("plain.db"))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.execute_batch("CREATE TABLE row(idx INTEGER PRIMARY KEY, data BLOB NOT NULL);")?;
    let (usage, start) = (Usage::now(), Instant::now());
    let mut index = 0i64;
    for chunk in data.chunks(batch) {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        {
            let mut insert = tx.prepare_cached("INSERT INTO row(idx, data) VALUES (?1, ?2)")?;
            for row in chunk {
                insert.execute(params![index, &row[..]])?;
                index += 1;
            }
        }
        tx.commit()?;
    }
    drop(conn);
    Ok((start.elapsed(), Usage::now().since(usage)))
}

/// `clients` threads each send `requests` requests of `per_request` entries to a sequencer
/// over a new log, waiting for each to be acknowledged; returns the time until all are.
fn sequenced(
    clients: usize,
    per_request: usize,
    requests: usize,
    policy: GroupCommit,
) -> anyhow::Result<Run> {
    let dir = scratch_dir()?;
    let seq = Sequencer::start(new_log(dir.path())?, policy);
    let ready = Barrier::new(clients + 1);
    let (start, usage) = std::thread::scope(|s| -> anyhow::Result<(Instant, Usage)> {
        let workers: Vec<_> = (0..clients)
            .map(|c| {
                let (seq, ready) = (&seq, &ready);
                s.spawn(move || -> anyhow::Result<()> {
                    let first = (c * per_request * requests) as u64;
                    let mut batches: Vec<Vec<Vec<u8>>> = (0..requests)
                        .map(|r| {
                            entries(first + (r * per_request) as u64, per_request)
                                .iter()
                                .map(|e| e.to_vec())
                                .collect()
                        })
                        .collect();
                    ready.wait();
                    for batch in batches.drain(..) {
                        seq.append(batch)?;
                    }
                    Ok(())
                })
            })
            .collect();
        ready.wait();
        let (usage, start) = (Usage::now(), Instant::now());
        for w in workers {
            w.join().expect("client thread panicked")?;
        }
        Ok((start, usage))
    })?;
    let log = seq.stop();
    anyhow::ensure!(
        log.size() == (clients * per_request * requests) as u64,
        "log size after sequencing"
    );
    drop(log);
    Ok((start.elapsed(), Usage::now().since(usage)))
}
