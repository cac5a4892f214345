//! `serve-load`: `scrutineer serve` (the `server::app` library) on 127.0.0.1 under many
//! concurrent clients, each on its own kept-alive connection, submitting signed result forms
//! (the official copy, the two parties' and the observers' of every station of the
//! national-scale synthetic election, each signed by its own enrolled key before the clock
//! starts) as fast as the server answers; then reading the published checkpoint and tiles.
//! Reports throughput and p50/p99 latency. Rate limits are off; everything else is as served.
//!
//! `SCRUTINEER_BENCH_SECONDS` (default 10) bounds each phase, `SCRUTINEER_BENCH_CLIENTS`
//! (default 64) sets the clients, and `SCRUTINEER_BENCH_DIVISOR` (default 1, national) the
//! election's scale, for a quick check that it runs.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ledger::Election;
use ledger::event::*;
use synthetic::{Cambodia2013, Scale};

use crate::logdata::{scratch_dir, thousands};

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn form(e: &Cambodia2013, station: usize, source: &str, key: &tlog::PrivateKey) -> Vec<u8> {
    let s = &e.stations[station];
    let votes: std::collections::BTreeMap<String, u64> = synthetic::cambodia::PARTIES
        .iter()
        .zip(s.official)
        .map(|(p, v)| (p.0.to_string(), v))
        .collect();
    Entry::signed(
        Event::ResultForm(ResultForm {
            ballots_issued: None,
            ballots_received: None,
            contest: synthetic::cambodia::CONTEST.into(),
            invalid: s.invalid,
            photos: vec![],
            registered: None,
            source: source.into(),
            spoiled: None,
            station: s.code.clone(),
            time: None,
            unused: None,
            valid: votes.values().sum(),
            votes,
        }),
        key,
    )
    .to_bytes()
}

/// One request on a kept-alive connection; the status.
fn exchange(
    stream: &mut BufReader<TcpStream>,
    method: &str,
    path: &str,
    body: &[u8],
) -> std::io::Result<u16> {
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: bench\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let s = stream.get_mut();
    s.write_all(head.as_bytes())?;
    s.write_all(body)?;
    let mut line = String::new();
    stream.read_line(&mut line)?;
    let status: u16 = line.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    let mut length = 0usize;
    loop {
        line.clear();
        stream.read_line(&mut line)?;
        if line == "\r\n" || line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            length = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    stream.read_exact(&mut body)?;
    Ok(status)
}

struct Phase {
    answered: usize,
    refused: usize,
    took: Duration,
    latencies: Vec<Duration>,
}

/// `clients` threads each sending the requests `work` gives it until it runs out or `limit`
/// passes.
fn load(
    addr: SocketAddr,
    clients: usize,
    limit: Duration,
    work: impl Fn(usize, usize) -> Option<(&'static str, String, Vec<u8>)> + Send + Sync + 'static,
) -> anyhow::Result<Phase> {
    let work = Arc::new(work);
    let results = Arc::new(Mutex::new(Vec::new()));
    let start = Instant::now();
    let threads: Vec<_> = (0..clients)
        .map(|c| {
            let work = work.clone();
            let results = results.clone();
            std::thread::spawn(move || -> std::io::Result<()> {
                let s = TcpStream::connect(addr)?;
                s.set_nodelay(true)?;
                s.set_read_timeout(Some(Duration::from_secs(30)))?;
                let mut s = BufReader::new(s);
                let mut mine = Vec::new();
                let mut i = 0;
                while start.elapsed() < limit {
                    let Some((method, path, body)) = work(c, i) else {
                        break;
                    };
                    let t = Instant::now();
                    let status = exchange(&mut s, method, &path, &body)?;
                    mine.push((status, t.elapsed()));
                    i += 1;
                }
                results.lock().expect("results").extend(mine);
                Ok(())
            })
        })
        .collect();
    for t in threads {
        t.join()
            .map_err(|_| anyhow::anyhow!("a client panicked"))??;
    }
    let took = start.elapsed();
    let results = std::mem::take(&mut *results.lock().expect("results"));
    let refused = results.iter().filter(|(s, _)| *s != 200).count();
    let mut latencies: Vec<Duration> = results.iter().map(|(_, l)| *l).collect();
    latencies.sort();
    Ok(Phase {
        answered: results.len(),
        refused,
        took,
        latencies,
    })
}

fn report(what: &str, clients: usize, p: &Phase) {
    let pct = |q: f64| {
        p.latencies
            .get(((p.latencies.len() as f64 * q) as usize).min(p.latencies.len().saturating_sub(1)))
            .map_or(0.0, |d| d.as_secs_f64() * 1e3)
    };
    println!(
        "| {what} | {clients} | {} | {} | {:.0}/s | {:.1} ms | {:.1} ms |",
        thousands(p.answered as u64),
        p.refused,
        p.answered as f64 / p.took.as_secs_f64(),
        pct(0.50),
        pct(0.99)
    );
}

pub fn run() -> anyhow::Result<()> {
    let seconds = env("SCRUTINEER_BENCH_SECONDS", 10);
    let clients = env("SCRUTINEER_BENCH_CLIENTS", 64) as usize;
    let limit = Duration::from_secs(seconds);
    let scratch = scratch_dir()?;
    let dir = scratch.path();
    let divisor = env("SCRUTINEER_BENCH_DIVISOR", 1) as u32;
    let e = Cambodia2013::new(Scale { divisor }, 3);
    let key = dir.join("log.key");
    std::fs::write(&key, format!("{}\n", e.keys.log.to_skey()))?;
    let log_dir = ledger::dir::LogDir::init(&dir.join("election"), None, &key)?;
    let mut election = Election::create(log_dir.log()?, &e.genesis_entry())?;
    let r = election.submit(&e.stations_submission())?;
    let id = r.applied[0]
        .proposal()
        .ok_or_else(|| anyhow::anyhow!("the stations were not proposed"))?
        .to_string();
    election.submit(&e.approvals(&id))?;
    election.submit(&e.enrolments())?;
    let sources = [
        ("official", &e.keys.clerk),
        ("party:CPP", &e.keys.cpp_agent),
        ("party:CNRP", &e.keys.cnrp_agent),
        ("observer:COMFREL", &e.keys.observer),
    ];
    let forms: Vec<Vec<u8>> = sources
        .iter()
        .flat_map(|(source, key)| (0..e.stations.len()).map(|s| form(&e, s, source, key)))
        .collect();
    let total = forms.len();
    eprintln!("serve-load: {total} forms signed; serving");

    let mut options = server::app::Options::new(dir.join("public"));
    options.rate = server::limit::Rate::per_second(0.0);
    options.checkpoint_every = Duration::from_secs(1);
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

    println!(
        "Loopback, {seconds} s at most per phase, each client on one kept-alive connection.\n"
    );
    println!("| phase | clients | answered | not 200 | throughput | p50 | p99 |");
    println!("|---|---|---|---|---|---|---|");
    let forms = Arc::new(forms);
    let per_client = total.div_ceil(clients);
    let shared = forms.clone();
    let submit = load(addr, clients, limit, move |c, i| {
        let n = c * per_client + i;
        (i < per_client && n < shared.len())
            .then(|| ("POST", "/submit".to_string(), shared[n].clone()))
    })?;
    report("result forms, POST /submit", clients, &submit);
    // Let a publication cover what was taken, then read it.
    std::thread::sleep(Duration::from_secs(2));
    let reads = load(addr, clients, limit.min(Duration::from_secs(5)), |_, i| {
        let path = if i % 2 == 0 {
            "/checkpoint".to_string()
        } else {
            "/tile/0/000".to_string()
        };
        Some(("GET", path, Vec::new()))
    })?;
    report("GET /checkpoint and a tile", clients, &reads);
    let _ = stop.send(());
    let (election, status) = runtime.block_on(serving)?.map_err(anyhow::Error::msg)?;
    println!(
        "\n{} entries in the log at the end, {} published.",
        thousands(election.log().size()),
        thousands(status.published_size)
    );
    Ok(())
}
