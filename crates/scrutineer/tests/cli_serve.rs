//! `scrutineer serve` on 127.0.0.1 with a port the system picks: a signed result form is taken
//! with its index, its inclusion proof is served once a publication covers it and checks with
//! `scrutineer verify --proof`, a replay over HTTP agrees with the served state digest, and
//! SIGTERM stops the server cleanly. Every wait is bounded.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ledger::event::{Entry, Event, ResultForm};
use synthetic::{Cambodia2013, Scale};

mod common;
use common::served::Served;

/// An election directory with stations in effect, made through the library.
fn election(dir: &Path) -> Cambodia2013 {
    let e = Cambodia2013::new(Scale { divisor: 1000 }, 5);
    let key = dir.join("log.key");
    std::fs::write(&key, format!("{}\n", e.keys.log.to_skey())).unwrap();
    let log_dir = ledger::dir::LogDir::init(&dir.join("election"), None, &key).unwrap();
    let mut election =
        ledger::Election::create(log_dir.log().unwrap(), &e.genesis_entry()).unwrap();
    let r = election.submit(&e.stations_submission()).unwrap();
    let id = r.applied[0].proposal().unwrap().to_string();
    election.submit(&e.approvals(&id)).unwrap();
    e
}

fn http(addr: SocketAddr, method: &str, path: &str, body: &[u8]) -> (u16, Vec<u8>) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: t\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    s.write_all(body).unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    let split = out.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let status = String::from_utf8_lossy(&out[9..12]).parse().unwrap();
    (status, out[split + 4..].to_vec())
}

#[test]
fn serve_takes_a_form_proves_it_and_stops_on_sigterm() {
    let tmp = tempfile::tempdir().unwrap();
    let e = election(tmp.path());
    let dir = tmp.path().join("election");
    let mut server = Served::start(
        Command::new(env!("CARGO_BIN_EXE_scrutineer"))
            .args(["serve", dir.to_str().unwrap(), "--listen", "127.0.0.1:0"])
            .args(["--checkpoint-every", "200ms"])
            .stderr(Stdio::null()),
        Duration::from_secs(30),
    );
    let addr = server.addr();

    let s = &e.stations[0];
    let votes: std::collections::BTreeMap<String, u64> = synthetic::cambodia::PARTIES
        .iter()
        .zip(s.official)
        .map(|(p, v)| (p.0.to_string(), v))
        .collect();
    let entry = Entry::signed(
        Event::ResultForm(ResultForm {
            ballots_issued: None,
            ballots_received: None,
            contest: synthetic::cambodia::CONTEST.into(),
            invalid: s.invalid,
            photos: vec![],
            registered: None,
            source: "official".into(),
            spoiled: None,
            station: s.code.clone(),
            time: None,
            unused: None,
            valid: votes.values().sum(),
            votes,
        }),
        &e.keys.clerk,
    )
    .to_bytes();
    let (status, body) = http(addr, "POST", "/submit", &entry);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let answer: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let index = answer["first"].as_u64().unwrap();

    // The proof, once a publication covers the entry.
    let deadline = Instant::now() + Duration::from_secs(30);
    let proof = loop {
        let (status, body) = http(addr, "GET", &format!("/proof/{index}"), b"");
        if status == 200 {
            break body;
        }
        assert_eq!(status, 404, "{}", String::from_utf8_lossy(&body));
        assert!(Instant::now() < deadline, "no proof of entry {index}");
        std::thread::sleep(Duration::from_millis(100));
    };
    std::fs::write(tmp.path().join("entry.json"), &entry).unwrap();
    std::fs::write(tmp.path().join("entry.tlog-proof"), &proof).unwrap();
    let vkey = e.keys.log.vkey().to_string();
    let verify = Command::new(env!("CARGO_BIN_EXE_scrutineer"))
        .current_dir(tmp.path())
        .args([
            "verify",
            "--proof",
            "entry.tlog-proof",
            "--vkey",
            &vkey,
            "entry.json",
        ])
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );

    // A replay over HTTP agrees with the digest the server serves.
    let url = format!("http://{addr}/");
    let replay = Command::new(env!("CARGO_BIN_EXE_scrutineer"))
        .args(["replay", &url, "--vkey", &vkey, "--deadline", "60s"])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&replay.stdout).to_string();
    assert!(
        replay.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&replay.stderr)
    );
    assert!(said.contains("matches"), "{said}");

    // SIGTERM: a clean stop, everything published.
    // SAFETY: kill with a child's pid and a valid signal number.
    assert_eq!(
        unsafe { libc::kill(server.child.id() as i32, libc::SIGTERM) },
        0
    );
    assert!(server.exit_within(Duration::from_secs(30)).success());
    let rest = server.rest_of_output(Duration::from_secs(10));
    assert!(
        rest.contains(&format!("stopped at {} entries", index + 1)),
        "{rest}"
    );
}

/// A registration signed by the officer (any number of them can be taken: each voter id once).
fn registration(e: &Cambodia2013, voter: &str) -> Vec<u8> {
    Entry::signed(
        Event::Register(ledger::event::Register {
            names: None,
            birth_year: 1970,
            commitment: None,
            name: format!("Voter {voter}"),
            sex: ledger::event::Sex::F,
            station: e.stations[0].code.clone(),
            voter: voter.into(),
        }),
        &e.keys.officer,
    )
    .to_bytes()
}

/// Starts `serve` on a free port; the child and its address.
fn start(dir: &Path) -> (Served, SocketAddr) {
    let server = Served::start(
        Command::new(env!("CARGO_BIN_EXE_scrutineer"))
            .args(["serve", dir.to_str().unwrap(), "--listen", "127.0.0.1:0"])
            .args(["--checkpoint-every", "100ms", "--rate", "0"])
            .stderr(Stdio::null()),
        Duration::from_secs(30),
    );
    let addr = server.addr();
    (server, addr)
}

/// POST /submit that tolerates the server dying: None when there is no answer.
fn try_submit(addr: SocketAddr, body: &[u8]) -> Option<(u16, Vec<u8>)> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(
        s,
        "POST /submit HTTP/1.1\r\nHost: t\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .ok()?;
    s.write_all(body).ok()?;
    let mut out = Vec::new();
    s.read_to_end(&mut out).ok()?;
    let split = out.windows(4).position(|w| w == b"\r\n\r\n")?;
    let status = String::from_utf8_lossy(out.get(9..12)?).parse().ok()?;
    Some((status, out[split + 4..].to_vec()))
}

/// The fault suite's kill case for the server (issue 11): SIGKILL under submission load, 20
/// times; every submission that was answered with an index is at that index after the
/// restarts, the store checks whole, and once served again and stopped, the published log
/// verifies and replays to the served digest.
#[test]
fn every_acknowledged_submission_survives_sigkill() {
    let tmp = tempfile::tempdir().unwrap();
    let e = std::sync::Arc::new(election(tmp.path()));
    let dir = tmp.path().join("election");
    let mut acknowledged: Vec<(u64, Vec<u8>)> = Vec::new();
    for round in 0..20 {
        let (mut server, addr) = start(&dir);
        let clients: Vec<_> = (0..4)
            .map(|c| {
                let e = e.clone();
                std::thread::spawn(move || {
                    let mut taken = Vec::new();
                    for i in 0..400 {
                        let entry = registration(&e, &format!("K{round}-{c}-{i}"));
                        match try_submit(addr, &entry) {
                            Some((200, body)) => {
                                let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
                                taken.push((v["first"].as_u64().unwrap(), entry));
                            }
                            Some((status, body)) => {
                                panic!("status {status}: {}", String::from_utf8_lossy(&body))
                            }
                            None => break, // killed
                        }
                    }
                    taken
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(100 + 20 * round));
        server.child.kill().unwrap();
        server.child.wait().unwrap();
        for c in clients {
            acknowledged.extend(c.join().unwrap());
        }
    }
    assert!(acknowledged.len() > 20, "{}", acknowledged.len());
    let (_, election, _) = ledger::dir::open_election(&dir).unwrap();
    for (index, entry) in &acknowledged {
        assert_eq!(
            &election.log().entry(*index).unwrap(),
            entry,
            "entry {index}"
        );
    }
    let check = election.log().check_store().unwrap();
    assert!(check.problems.is_empty(), "{:?}", check.problems);
    let size = election.log().size();
    drop(election);
    // Served once more and stopped: everything is published, and a replay agrees.
    let (mut server, addr) = start(&dir);
    let deadline = Instant::now() + Duration::from_secs(30);
    while http(addr, "GET", "/checkpoint", b"").0 != 200 {
        assert!(Instant::now() < deadline, "nothing published");
        std::thread::sleep(Duration::from_millis(50));
    }
    // SAFETY: kill with a child's pid and a valid signal number.
    assert_eq!(
        unsafe { libc::kill(server.child.id() as i32, libc::SIGTERM) },
        0
    );
    assert!(server.child.wait().unwrap().success());
    let public = dir.join("public");
    let replay = Command::new(env!("CARGO_BIN_EXE_scrutineer"))
        .args(["replay", public.to_str().unwrap(), "--vkey"])
        .arg(e.keys.log.vkey().to_string())
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&replay.stdout).to_string();
    assert!(
        replay.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&replay.stderr)
    );
    assert!(said.contains("matches"), "{said}");
    assert!(said.contains(&format!("{size}")), "{said}");
}
