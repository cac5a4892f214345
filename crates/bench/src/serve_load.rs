//! `serve-load`: `scrutineer serve` (the `server::app` library) on 127.0.0.1 under many
//! concurrent clients, each on its own kept-alive connection, the load test.
//!
//! Submissions at saturation: every station's four result forms (the official copy signed by
//! its own polling official, the two parties' and the observer group's) and two observers'
//! opening checklists (each observer enrolled with their own key, `synthetic::observers`), one
//! entry per submission, all signed before the clock starts, sent as fast as the server
//! answers. Then read load, one route at a time: the checkpoint, hash tiles, entry bundles,
//! and the read API (`/api/stations/{code}`, `/api/areas/{code}`, `/api/find` over one
//! province's roll, `/api/flags` of a commune). For each: throughput, p50/p99/max latency,
//! answers other than 200 (none expected), the server's CPU per request and the load
//! generator's own CPU.
//!
//! The load generator is a few threads (`SCRUTINEER_BENCH_CLIENT_THREADS`, default 1), each an
//! event loop over its share of the connections, so it takes little of the cores it shares
//! with the server; its CPU is measured per thread and subtracted from the process's to give
//! the server's. Rate limits and the public site's writer are off; everything else is as
//! served (group commit, `synchronous=FULL`, a publication every
//! `SCRUTINEER_BENCH_CHECKPOINT_SECONDS`, default 10 as in `serve`).
//!
//! `SCRUTINEER_BENCH_SECONDS` (default 10) bounds the submission phase and each read phase
//! (at most 5 s), `SCRUTINEER_BENCH_CLIENTS` (default 256) sets the submitting connections and
//! `SCRUTINEER_BENCH_READ_CLIENTS` (default 64) the reading ones, and
//! `SCRUTINEER_BENCH_DIVISOR` (default 1, national: 19,009 stations, 114,054 submissions) the
//! election's scale.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ledger::Election;
use ledger::event::*;
use synthetic::observers::{OPENING, Observers};
use synthetic::{Cambodia2013, Scale};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::logdata::{scratch_dir, thousands};

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A whole HTTP/1.1 request, ready to write.
fn request(method: &str, path: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "{method} {path} HTTP/1.1\r\nHost: bench\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

/// This thread's CPU time.
fn thread_cpu() -> Duration {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec, which `t` is.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

/// The CPU time of the whole process (server and load generator), user and system.
fn process_cpu() -> Duration {
    // SAFETY: getrusage fills the zeroed struct it is given.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(u.ru_utime) + tv(u.ru_stime)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

/// Reads one response from `s` (`buf` keeps what arrived past it); its status.
async fn response(s: &mut tokio::net::TcpStream, buf: &mut Vec<u8>) -> std::io::Result<u16> {
    let bad = |m: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, m.to_string());
    let mut chunk = [0u8; 16 * 1024];
    let head_end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let n = s.read(&mut chunk).await?;
        if n == 0 {
            return Err(bad("the server closed the connection"));
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = std::str::from_utf8(&buf[..head_end]).map_err(|_| bad("a head not UTF-8"))?;
    let status: u16 = head
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("no status"))?;
    let length: usize = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse().ok())
        .ok_or_else(|| bad("no Content-Length"))?;
    while buf.len() < head_end + length {
        let n = s.read(&mut chunk).await?;
        if n == 0 {
            return Err(bad("the server closed the connection mid-body"));
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    buf.drain(..head_end + length);
    Ok(status)
}

/// One request on its own connection, outside the measured phases: its status and body.
fn fetch(addr: SocketAddr, path: &str) -> anyhow::Result<(u16, Vec<u8>)> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n"
    )?;
    let mut all = Vec::new();
    s.read_to_end(&mut all)?;
    let status = all
        .get(9..12)
        .and_then(|b| std::str::from_utf8(b).ok()?.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("http://{addr}{path}: no status in the answer"))?;
    let body = all
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(Vec::new(), |at| all[at + 4..].to_vec());
    Ok((status, body))
}

/// What one phase measured.
struct Phase {
    answered: usize,
    /// Answers other than 200, by status.
    not_ok: std::collections::BTreeMap<u16, usize>,
    took: Duration,
    latencies: Vec<Duration>,
    /// The load generator's CPU, and the whole process's, over the phase.
    client_cpu: Duration,
    process_cpu: Duration,
}

/// `connections` kept-alive connections, spread over `threads` event loops, sending
/// `requests`: each once (the connections take turns) when `once`, otherwise round and round
/// until `limit`. Every phase ends by `limit`; every exchange must finish within 30 s.
fn load(
    addr: SocketAddr,
    connections: usize,
    threads: usize,
    limit: Duration,
    requests: Arc<Vec<Vec<u8>>>,
    once: bool,
) -> anyhow::Result<Phase> {
    let threads = threads.clamp(1, connections);
    let cpu_before = process_cpu();
    let start = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let requests = requests.clone();
            std::thread::spawn(
                move || -> std::io::Result<(Vec<(u16, Duration)>, Duration)> {
                    let cpu = thread_cpu();
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()?;
                    let results = runtime.block_on(async move {
                        let mut tasks = Vec::new();
                        for c in (t..connections).step_by(threads) {
                            let requests = requests.clone();
                            tasks.push(tokio::spawn(async move {
                                let mut s = tokio::net::TcpStream::connect(addr).await?;
                                s.set_nodelay(true)?;
                                let mut buf = Vec::with_capacity(64 * 1024);
                                let mut mine = Vec::new();
                                for i in 0.. {
                                    let n = c + i * connections;
                                    if start.elapsed() >= limit || (once && n >= requests.len()) {
                                        break;
                                    }
                                    let r = &requests[n % requests.len()];
                                    let t = Instant::now();
                                    let status =
                                        tokio::time::timeout(Duration::from_secs(30), async {
                                            s.write_all(r).await?;
                                            response(&mut s, &mut buf).await
                                        })
                                        .await
                                        .map_err(
                                            |_| {
                                                std::io::Error::new(
                                                    std::io::ErrorKind::TimedOut,
                                                    "no answer within 30 s",
                                                )
                                            },
                                        )??;
                                    mine.push((status, t.elapsed()));
                                }
                                Ok::<_, std::io::Error>(mine)
                            }));
                        }
                        let mut all = Vec::new();
                        for task in tasks {
                            all.extend(task.await.map_err(std::io::Error::other)??);
                        }
                        Ok::<_, std::io::Error>(all)
                    })?;
                    drop(runtime);
                    Ok((results, thread_cpu() - cpu))
                },
            )
        })
        .collect();
    let mut results = Vec::new();
    let mut client_cpu = Duration::ZERO;
    for h in handles {
        let (r, cpu) = h
            .join()
            .map_err(|_| anyhow::anyhow!("a client thread panicked"))??;
        results.extend(r);
        client_cpu += cpu;
    }
    let took = start.elapsed();
    let process_cpu = process_cpu() - cpu_before;
    let mut not_ok = std::collections::BTreeMap::new();
    for (s, _) in &results {
        if *s != 200 {
            *not_ok.entry(*s).or_default() += 1;
        }
    }
    let mut latencies: Vec<Duration> = results.iter().map(|(_, l)| *l).collect();
    latencies.sort();
    Ok(Phase {
        answered: results.len(),
        not_ok,
        took,
        latencies,
        client_cpu,
        process_cpu,
    })
}

fn report(what: &str, p: &Phase) {
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let pct = |q: f64| {
        p.latencies
            .get(((p.latencies.len() as f64 * q) as usize).min(p.latencies.len().saturating_sub(1)))
            .map_or(0.0, |d| ms(*d))
    };
    let secs = p.took.as_secs_f64();
    let not_ok = if p.not_ok.is_empty() {
        "0".to_string()
    } else {
        p.not_ok
            .iter()
            .map(|(s, n)| format!("{n}×{s}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let server_cpu = p.process_cpu.saturating_sub(p.client_cpu);
    println!(
        "| {what} | {} | {not_ok} | {:.0}/s | {:.1} ms | {:.1} ms | {:.1} ms | {:.0} µs | {:.0}% | {:.0}% |",
        thousands(p.answered as u64),
        p.answered as f64 / secs,
        pct(0.50),
        pct(0.99),
        p.latencies.last().map_or(0.0, |d| ms(*d)),
        server_cpu.as_secs_f64() * 1e6 / p.answered.max(1) as f64,
        server_cpu.as_secs_f64() * 100.0 / secs,
        p.client_cpu.as_secs_f64() * 100.0 / secs,
    );
}

/// An observer's opening checklist, every answer within the form.
fn checklist(station: &str, observer: &tlog::PrivateKey) -> Vec<u8> {
    let answers: observer::report::Answers = [
        ("AA", observer::report::Value::Integer(5)),
        ("AB", observer::report::Value::Select(2)),
        ("AC", observer::report::Value::Select(1)),
        ("AD", observer::report::Value::Select(1)),
        ("AE", observer::report::Value::Integer(2)),
        ("AF", observer::report::Value::Multiselect(vec![1, 2])),
    ]
    .into_iter()
    .map(|(t, v)| (t.to_string(), v))
    .collect();
    Entry::signed(
        Event::ObserverChecklist(ObserverChecklist {
            answers,
            at: OPENING + 1800,
            comment: None,
            form: "OPN".into(),
            schedule: observer::form::Schedule::Opening,
            serial: None,
            station: station.into(),
            version: 1,
        }),
        observer,
    )
    .to_bytes()
}

fn submit(election: &mut Election, entries: &[Vec<u8>]) -> anyhow::Result<Option<String>> {
    let r = election
        .submit(entries)
        .map_err(|e| anyhow::anyhow!("setting up: {e}"))?;
    Ok(r.applied
        .first()
        .and_then(|a| a.proposal())
        .map(str::to_string))
}

/// Submits a governed batch and the commission's approvals of it.
fn governed(e: &Cambodia2013, election: &mut Election, batch: &[Vec<u8>]) -> anyhow::Result<()> {
    let id = submit(election, batch)?.ok_or_else(|| anyhow::anyhow!("nothing was proposed"))?;
    submit(election, &e.approvals(&id))?;
    Ok(())
}

pub fn run() -> anyhow::Result<()> {
    let seconds = env("SCRUTINEER_BENCH_SECONDS", 10);
    // Group commit takes whatever queued during the last durable step, so throughput grows
    // with the submitters until the latency bound: 256 is near saturation at p99 <= 50 ms
    // on two cores (BENCHMARKS.md gives 64, 128, 256 and 512).
    let connections = env("SCRUTINEER_BENCH_CLIENTS", 256) as usize;
    let read_connections = env("SCRUTINEER_BENCH_READ_CLIENTS", 64) as usize;
    let threads = env("SCRUTINEER_BENCH_CLIENT_THREADS", 1) as usize;
    let checkpoint_every = env("SCRUTINEER_BENCH_CHECKPOINT_SECONDS", 10);
    let limit = Duration::from_secs(seconds);
    let scratch = scratch_dir()?;
    let dir = scratch.path();
    let divisor = env("SCRUTINEER_BENCH_DIVISOR", 1) as u32;
    let e = Cambodia2013::new(Scale { divisor }, 3);
    let key = dir.join("log.key");
    std::fs::write(&key, format!("{}\n", e.keys.log.to_skey()))?;
    let log_dir = ledger::dir::LogDir::init(&dir.join("election"), None, &key)?;
    let mut election = Election::create(log_dir.log()?, &e.genesis_entry())
        .map_err(|e| anyhow::anyhow!("setting up: {e}"))?;
    governed(&e, &mut election, &e.stations_submission())?;
    submit(&mut election, &e.enrolments())?;
    let (officials, official_keys) = crate::intake::polling_officials(&e);
    governed(&e, &mut election, &officials)?;
    let observers = Observers::new(&e, 3, e.stations.len());
    submit(&mut election, &observers.enrolments(&e))?;
    submit(&mut election, &observers.submissions()[0])?;
    // One province's roll (the smallest), for find my name.
    let province = (0..synthetic::cambodia::CONSTITUENCIES.len())
        .min_by_key(|&p| e.stations.iter().filter(|s| s.province == p).count())
        .unwrap_or(0);
    let roll = e.roll_voters(province);
    governed(&e, &mut election, &e.roll_submission(province))?;

    let sources = [
        ("party:CPP", &e.keys.cpp_agent),
        ("party:CNRP", &e.keys.cnrp_agent),
        ("observer:COMFREL", &e.keys.observer),
    ];
    let mut submissions = Vec::with_capacity(6 * e.stations.len());
    for (i, s) in e.stations.iter().enumerate() {
        let body = Entry::signed(e.form(s, "official", &s.official), &official_keys[i]).to_bytes();
        submissions.push(request("POST", "/submit", &body));
        for (source, key) in &sources {
            let body = Entry::signed(e.form(s, source, &s.votes), key).to_bytes();
            submissions.push(request("POST", "/submit", &body));
        }
        for o in [2 * i, 2 * i + 1] {
            let body = checklist(&s.code, &observers.observers[o]);
            submissions.push(request("POST", "/submit", &body));
        }
    }
    let total = submissions.len();
    eprintln!(
        "serve-load: {total} submissions signed ({} stations, {} voters in the roll of {}); serving",
        e.stations.len(),
        roll.len(),
        synthetic::cambodia::CONSTITUENCIES[province].0
    );

    let mut options = server::app::Options::new(dir.join("public"));
    options.rate = server::limit::Rate::per_second(0.0);
    options.find_rate = server::limit::Rate::per_second(0.0);
    options.checkpoint_every = Duration::from_secs(checkpoint_every);
    options.site = false;
    let served =
        server::app::Server::start(&log_dir, election, options).map_err(anyhow::Error::msg)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = runtime.spawn(server::app::run(served, listener, async {
        let _ = stopped.await;
    }));
    // The find-my-name index is built when the server starts: wait for it (at most 5
    // minutes), so that its building is not measured as intake's.
    let deadline = Instant::now() + Duration::from_secs(300);
    while fetch(addr, "/api/find?q=a")?.0 == 503 {
        anyhow::ensure!(
            Instant::now() < deadline,
            "find my name was not ready in 5 minutes"
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    println!(
        "Loopback, {} cores, {connections} kept-alive connections submitting and \
         {read_connections} reading, over {threads} client \
         thread(s); a publication every {checkpoint_every} s; the submissions for {seconds} s at \
         most, each read for {} s at most.\n",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        seconds.min(5)
    );
    println!(
        "| phase | answered | not 200 | throughput | p50 | p99 | max | server CPU per request | server CPU | load generator CPU |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let load_before = load_average();
    let submit_phase = load(
        addr,
        connections,
        threads,
        limit,
        Arc::new(submissions),
        true,
    )?;
    let load_after = load_average();
    // Group commit's step sizes, from the server's own metrics.
    let metrics = String::from_utf8_lossy(&fetch(addr, "/metrics")?.1).to_string();
    let metric = |name: &str| -> f64 {
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
            .unwrap_or(0.0)
    };
    let steps = metric("scrutineer_intake_step_entries_count");
    report(
        "result forms and checklists, POST /submit, one entry each",
        &submit_phase,
    );

    // Let a publication cover what was taken (at most 60 s), then read it.
    let deadline = Instant::now() + Duration::from_secs(60);
    let published = loop {
        let (_, body) = fetch(addr, "/api/status")?;
        let status: serde_json::Value = serde_json::from_slice(&body)?;
        let size = |v: &serde_json::Value| v.as_u64().unwrap_or(0);
        let published = size(&status["operator"]["published_size"]);
        if published >= size(&status["log"]["size"]) || Instant::now() > deadline {
            break published;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let reads = limit.min(Duration::from_secs(5));
    let mut rng = synthetic::Rng::new(7);
    let mut pick = |n: usize| rng.below(n as u64) as usize;
    let full_tiles = (published / 256).max(1);
    let tiles: Vec<Vec<u8>> = (0..4096)
        .map(|_| {
            let t = tlog::tile::TileId::hashes(0, pick(full_tiles as usize) as u64, 256);
            request("GET", &format!("/{}", t.path()), b"")
        })
        .collect();
    let bundles: Vec<Vec<u8>> = (0..4096)
        .map(|_| {
            let t = tlog::tile::TileId::entries(pick(full_tiles as usize) as u64, 256);
            request("GET", &format!("/{}", t.path()), b"")
        })
        .collect();
    let stations: Vec<Vec<u8>> = (0..4096)
        .map(|_| {
            let s = &e.stations[pick(e.stations.len())];
            request("GET", &format!("/api/stations/{}", s.code), b"")
        })
        .collect();
    let areas: Vec<Vec<u8>> = (0..4096)
        .map(|_| {
            let s = &e.stations[pick(e.stations.len())];
            request("GET", &format!("/api/areas/{}", s.commune), b"")
        })
        .collect();
    // The flags of a commune, a page of 20.
    let flags: Vec<Vec<u8>> = (0..4096)
        .map(|_| {
            let s = &e.stations[pick(e.stations.len())];
            request(
                "GET",
                &format!("/api/flags?area={}&limit=20", s.commune),
                b"",
            )
        })
        .collect();
    // A voter's romanised name with one letter left out: a misspelling.
    let finds: Vec<Vec<u8>> = (0..4096.min(roll.len()))
        .map(|_| {
            let r = &roll[pick(roll.len())].0;
            let names = r.names.as_ref();
            let name = names
                .map(|n| {
                    format!(
                        "{} {}",
                        n.family_latin.as_deref().unwrap_or(&n.family),
                        n.given_latin.as_deref().unwrap_or(&n.given)
                    )
                })
                .unwrap_or_else(|| r.name.clone());
            let mut chars: Vec<char> = name.chars().collect();
            if chars.len() > 4 {
                chars.remove(chars.len() / 2);
            }
            let q: String = chars
                .into_iter()
                .map(|c| if c == ' ' { '+' } else { c })
                .collect();
            request("GET", &format!("/api/find?q={q}"), b"")
        })
        .collect();
    for (what, requests) in [
        ("GET /checkpoint", vec![request("GET", "/checkpoint", b"")]),
        ("GET /tile/0/… (full hash tiles)", tiles),
        ("GET /tile/entries/… (full entry bundles)", bundles),
        ("GET /api/stations/{code}", stations),
        ("GET /api/areas/{commune}", areas),
        ("GET /api/find?q=… (a misspelt name)", finds),
        ("GET /api/flags?area={commune}&limit=20", flags),
    ] {
        if requests.is_empty() {
            continue;
        }
        let p = load(
            addr,
            read_connections,
            threads,
            reads,
            Arc::new(requests),
            false,
        )?;
        report(what, &p);
    }
    let _ = stop.send(());
    let (election, status) = runtime.block_on(serving)?.map_err(anyhow::Error::msg)?;
    println!(
        "\n{} durable steps took the submissions, {:.1} entries each on average.",
        thousands(steps as u64),
        metric("scrutineer_intake_step_entries_sum") / steps.max(1.0)
    );
    println!(
        "Load average (1 min) {load_before} before the submissions, {load_after} after. {} \
         entries in the log at the end, {} published.",
        thousands(election.log().size()),
        thousands(status.published_size)
    );
    Ok(())
}
