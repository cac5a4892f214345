//! The fault suite's witness cases (docs/faults.md): the witness endpoint served over HTTP on
//! 127.0.0.1 under idle and slow clients, racing first requests for two different trees, and
//! forks. Every loop is bounded in count and time.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tlog::note::{PrivateKey, TYPE_COSIGNATURE_V1, TYPE_ED25519};
use tlog::witness::{AddCheckpoint, Witness, add_log};
use tlog::{Log, LogMeta, SqliteStorage};

const ORIGIN: &str = "faults.test/witnessed";

fn log_key() -> PrivateKey {
    PrivateKey::from_seed(ORIGIN, TYPE_ED25519, [7; 32]).unwrap()
}

fn log_with(dir: &Path, entries: &[Vec<u8>]) -> Log<SqliteStorage> {
    std::fs::create_dir_all(dir).unwrap();
    let meta = LogMeta {
        origin: ORIGIN.to_string(),
        vkey: log_key().vkey().to_string(),
    };
    let mut log = Log::open(SqliteStorage::create(&dir.join("log.db"), &meta).unwrap()).unwrap();
    log.append(entries).unwrap();
    log
}

fn request(log: &Log<SqliteStorage>, old: u64, size: u64) -> Vec<u8> {
    AddCheckpoint {
        old_size: old,
        proof: log.prove_consistency(old, size).unwrap(),
        checkpoint: tlog::note::sign_checkpoint(&log_key(), size, log.root_at(size).unwrap()),
    }
    .to_bytes()
}

/// A witness following ORIGIN, served with `timeouts` on a background runtime.
fn start(dir: &Path, timeouts: server::Timeouts) -> SocketAddr {
    let db = dir.join("witness.db");
    add_log(&db, ORIGIN, &log_key().vkey().to_string()).unwrap();
    let key = PrivateKey::from_seed("faults.test/w1", TYPE_COSIGNATURE_V1, [3; 32]).unwrap();
    let witness = Arc::new(Witness::open(&db, key).unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            let app = server::witness::router_with(witness, "", timeouts.body);
            // The test process ends the server.
            let _ = server::serve(listener, app, timeouts, std::future::pending()).await;
        });
    });
    rx.recv().unwrap()
}

/// Posts an add-checkpoint request; returns the status and the body.
fn post(addr: SocketAddr, body: &[u8]) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "POST /add-checkpoint HTTP/1.1\r\nHost: w\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    // A refused request may be answered before its body is all sent.
    let _ = s.write_all(body);
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer).to_string();
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// True when the server has closed the connection (a read gives end of file or a reset)
/// within `wait`.
fn closed_within(s: &mut TcpStream, wait: Duration) -> bool {
    s.set_read_timeout(Some(wait)).unwrap();
    let mut buf = [0u8; 256];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue, // a 408 before closing
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return true,
            Err(_) => return false,
        }
    }
}

fn short() -> server::Timeouts {
    server::Timeouts {
        headers: Duration::from_millis(800),
        body: Duration::from_millis(800),
    }
}

/// Guards against idle connections held forever (issue 12, defect 6: 400 were held): a client
/// that connects and sends nothing, or stops halfway through its headers or its body, is
/// dropped after the timeout.
#[test]
fn idle_and_slow_connections_are_dropped() {
    let tmp = tempfile::tempdir().unwrap();
    let addr = start(tmp.path(), short());
    let mut idle: Vec<TcpStream> = (0..400)
        .map(|_| TcpStream::connect(addr).unwrap())
        .collect();
    let mut half_headers = TcpStream::connect(addr).unwrap();
    half_headers
        .write_all(b"POST /add-checkpoint HTTP/1.1\r\nHost: w\r\n")
        .unwrap();
    let mut half_body = TcpStream::connect(addr).unwrap();
    half_body
        .write_all(
            b"POST /add-checkpoint HTTP/1.1\r\nHost: w\r\nContent-Length: 100\r\n\r\nold 0\n",
        )
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let started = Instant::now();
    for (i, s) in idle.iter_mut().enumerate() {
        assert!(
            closed_within(s, Duration::from_secs(3)),
            "idle connection {i} is still open"
        );
    }
    assert!(closed_within(&mut half_headers, Duration::from_secs(3)));
    assert!(closed_within(&mut half_body, Duration::from_secs(3)));
    assert!(started.elapsed() < Duration::from_secs(10));
}

/// Guards against one slow client blocking the witness for everyone: while a client sends its
/// headers a byte at a time, another's request is answered at once.
#[test]
fn a_slow_client_does_not_block_others() {
    let tmp = tempfile::tempdir().unwrap();
    let addr = start(
        tmp.path(),
        server::Timeouts {
            headers: Duration::from_secs(5),
            body: Duration::from_secs(5),
        },
    );
    let slow = std::thread::spawn(move || {
        let mut s = TcpStream::connect(addr).unwrap();
        for b in b"POST /add-checkpoint HTTP/1.1\r\nHost: w\r\n"
            .iter()
            .take(20)
        {
            if s.write_all(&[*b]).is_err() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    std::thread::sleep(Duration::from_millis(200));
    let entries: Vec<Vec<u8>> = (0..10u8).map(|i| vec![i; 10]).collect();
    let log = log_with(&tmp.path().join("log"), &entries);
    let started = Instant::now();
    let (status, _) = post(addr, &request(&log, 0, 10));
    assert_eq!(status, 200);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    slow.join().unwrap();
}

/// Guards against a split view: 100 racing first requests, half for one tree of size 40 and
/// half for another of the same size, get exactly one cosignature, and the other tree is
/// refused with 409 thereafter.
#[test]
fn racing_first_requests_for_two_trees_get_one_cosignature() {
    let tmp = tempfile::tempdir().unwrap();
    let addr = start(tmp.path(), server::Timeouts::default());
    let honest: Vec<Vec<u8>> = (0..40u8).map(|i| vec![i; 20]).collect();
    let mut forged = honest.clone();
    forged[11] = b"another history".to_vec();
    let a = log_with(&tmp.path().join("a"), &honest);
    let b = log_with(&tmp.path().join("b"), &forged);
    let bodies = [request(&a, 0, 40), request(&b, 0, 40)];
    let results: Vec<(usize, u16)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..100)
            .map(|i| {
                let body = &bodies[i % 2];
                scope.spawn(move || (i % 2, post(addr, body).0))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let won: Vec<usize> = results
        .iter()
        .filter(|(_, s)| *s == 200)
        .map(|(t, _)| *t)
        .collect();
    assert_eq!(won.len(), 1, "{results:?}");
    assert!(
        results.iter().all(|(_, s)| *s == 200 || *s == 409),
        "{results:?}"
    );

    // The loser's tree, asked again from the size the witness holds: a fork, 409 with size 40.
    let loser = if won[0] == 0 { &b } else { &a };
    let (status, body) = post(addr, &request(loser, 40, 40));
    assert_eq!((status, body.as_str()), (409, "40\n"));
}

/// Guards against oversized requests being buffered: a body past the limit is refused.
#[test]
fn an_oversized_request_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let addr = start(tmp.path(), short());
    let body = vec![b'a'; tlog::witness::MAX_REQUEST_SIZE + 1];
    let (status, _) = post(addr, &body);
    assert_eq!(status, 413);
}
