//! Signed submissions over HTTP on 127.0.0.1 from concurrent clients, with group commit: every
//! honest submission is taken with its own indexes, every bad one refused with its reason, and
//! the log holds exactly what was taken. Every loop is bounded.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use ledger::Election;
use ledger::event::*;
use server::intake::{Intake, Limits};
use synthetic::{Cambodia2013, Scale};
use tlog::{Log, LogMeta, SqliteStorage};

const CLIENTS: usize = 8;
const PER_CLIENT: usize = 25;

fn election(e: &Cambodia2013, dir: &std::path::Path) -> Election {
    let meta = LogMeta {
        origin: synthetic::cambodia::ORIGIN.into(),
        vkey: e.keys.log.vkey().to_string(),
    };
    let log = Log::open(SqliteStorage::create(&dir.join("log.db"), &meta).unwrap()).unwrap();
    let mut election = Election::create(log, &e.genesis_entry()).unwrap();
    let r = election.submit(&e.stations_submission()).unwrap();
    let id = r.applied[0].proposal().unwrap().to_string();
    election.submit(&e.approvals(&id)).unwrap();
    election
}

fn register(e: &Cambodia2013, voter: &str, station: &str) -> Vec<u8> {
    Entry::signed(
        Event::Register(Register {
            names: None,
            birth_year: 1970,
            commitment: None,
            name: format!("Voter {voter}"),
            sex: Sex::F,
            station: station.into(),
            voter: voter.into(),
        }),
        &e.keys.officer,
    )
    .to_bytes()
}

/// One HTTP/1.1 POST; (status, body).
fn post(addr: SocketAddr, path: &str, body: &[u8]) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: test\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    s.write_all(body).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let status = out[9..12].parse().unwrap();
    let body = out.split_once("\r\n\r\n").unwrap().1.to_string();
    (status, body)
}

#[test]
fn concurrent_submitters_share_steps_and_a_refused_one_takes_no_other_down() {
    let tmp = tempfile::tempdir().unwrap();
    let e = Cambodia2013::new(Scale { divisor: 100 }, 7);
    let election = election(&e, tmp.path());
    let size = election.log().size();
    let (intake, writer) = Intake::start(election, Limits::default());
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            addr_tx.send(listener.local_addr().unwrap()).unwrap();
            let app = intake.router("");
            server::serve(listener, app, server::Timeouts::default(), async {
                let _ = stop_rx.await;
            })
            .await
            .unwrap();
        });
    });
    let addr = addr_rx.recv().unwrap();
    let stations: Vec<String> = e.stations.iter().map(|s| s.code.clone()).collect();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let e_entries: Vec<(bool, Vec<u8>)> = (0..PER_CLIENT)
                .map(|i| {
                    let voter = format!("C{c}-{i}");
                    // Every fifth submission of client 0 names a station that does not exist.
                    if c == 0 && i % 5 == 0 {
                        (false, register(&e, &voter, "NOWHERE"))
                    } else {
                        (
                            true,
                            register(&e, &voter, &stations[(c * 31 + i) % stations.len()]),
                        )
                    }
                })
                .collect();
            std::thread::spawn(move || {
                e_entries
                    .into_iter()
                    .map(|(good, entry)| (good, post(addr, "/submit", &entry)))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut firsts = Vec::new();
    let mut refused = 0;
    for c in clients {
        for (good, (status, body)) in c.join().unwrap() {
            let v: serde_json::Value = serde_json::from_str(&body).unwrap();
            if good {
                assert_eq!(status, 200, "{body}");
                assert_eq!(v["count"], 1);
                firsts.push(v["first"].as_u64().unwrap());
            } else {
                assert_eq!(status, 422, "{body}");
                assert_eq!(v["path"], "body.station", "{body}");
                assert_eq!(v["position"], 0);
                refused += 1;
            }
        }
    }
    assert_eq!(refused, PER_CLIENT / 5);
    // Bad bodies: none, and not UTF-8.
    let (status, body) = post(addr, "/submit", b"\n\n");
    assert_eq!(status, 400, "{body}");
    let (status, body) = post(addr, "/submit", b"{\"a\":\xff}\n");
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("UTF-8"), "{body}");
    // A body above the limit.
    let (status, _) = post(addr, "/submit", &vec![b'x'; (4 << 20) + 1]);
    assert_eq!(status, 413);

    stop_tx.send(()).unwrap();
    server.join().unwrap();
    let mut election = writer.join().unwrap();
    // Every taken submission has its own index, and the log holds exactly those.
    firsts.sort();
    let taken = firsts.len() as u64;
    assert_eq!(firsts, (size..size + taken).collect::<Vec<_>>());
    assert_eq!(election.log().size(), size + taken);
    // Replaying the published log gives the operator's state.
    let note = election.sign_checkpoint(&e.keys.log).unwrap();
    let out = tmp.path().join("public");
    tlog::publish::publish(election.log(), &note, &out, &mut |_, _| {}).unwrap();
    let policy = tlog::Policy::k_of_n(e.keys.log.vkey(), vec![], 0).unwrap();
    let r = ledger::replay::replay(
        &tlog::verify::DirSource::new(&out),
        &policy,
        None,
        None,
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!(r.digest, election.digest().unwrap());
    assert!(r.refusals.is_empty());
}

/// What the server records itself (from the operator loop's thread, outside the runtime) goes
/// through the same intake and fold: taken with its index, or refused with the fold's reason.
#[test]
fn a_thread_outside_the_runtime_submits_through_the_same_intake() {
    let tmp = tempfile::tempdir().unwrap();
    let e = Cambodia2013::new(Scale { divisor: 1000 }, 7);
    let election = election(&e, tmp.path());
    let size = election.log().size();
    let (intake, writer) = Intake::start(election, Limits::default());
    let station = e.stations[0].code.clone();
    let good = register(&e, "B-1", &station);
    let bad = register(&e, "B-2", "NOWHERE");
    let from_thread = intake.clone();
    let (taken, refused) = std::thread::spawn(move || {
        (
            from_thread.submit_blocking(vec![good]),
            from_thread.submit_blocking(vec![bad]),
        )
    })
    .join()
    .unwrap();
    let taken = taken.unwrap();
    assert_eq!((taken.first, taken.count), (size, 1));
    let (status, body) = refused.unwrap_err();
    assert_eq!(status, 422);
    assert!(body.contains("body.station"), "{body}");
    intake.stop();
    let election = writer.join().unwrap();
    assert_eq!(election.log().size(), size + 1);
    // Once stopped, a submission is turned away, not lost silently.
    let (status, _) = intake
        .submit_blocking(vec![register(&e, "B-3", &station)])
        .unwrap_err();
    assert_eq!(status, 503);
}
