//! What the server's HTTP tests share: `server::app` run on 127.0.0.1 on its own runtime, and
//! one request per connection, answered with its status, headers and body.
#![allow(dead_code)] // each test file uses its own part

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

use ledger::Election;
use ledger::dir::LogDir;
use server::app::{Options, Server};
use server::operator::Status;

/// The server over `dir/election`, listening on a free port of 127.0.0.1; stopped by
/// [`Running::stop`] or when dropped.
pub struct Running {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<(Election, Status)>>,
}

impl Running {
    pub fn start(dir: &Path, options: Options) -> Running {
        let log_dir = LogDir::open(&dir.join("election")).unwrap();
        let election = Election::open(log_dir.log().unwrap()).unwrap();
        let server = Server::start(&log_dir, election, options).unwrap();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                server::app::run(server, listener, async {
                    let _ = stopped.await;
                })
                .await
                .unwrap()
            })
        });
        Running {
            addr: addr_rx.recv_timeout(Duration::from_secs(20)).unwrap(),
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// Stops the server as a signal would and gives back its election and last status.
    pub fn stop(mut self) -> (Election, Status) {
        let _ = self.stop.take().unwrap().send(());
        self.thread.take().unwrap().join().unwrap()
    }

    pub fn get(&self, path: &str) -> Answer {
        request(self.addr, "GET", path, &[], b"")
    }

    pub fn submit(&self, body: &[u8]) -> Answer {
        request(self.addr, "POST", "/submit", &[], body)
    }

    /// Waits (at most 30 s) until `path` answers other than `while_status`.
    pub fn until(&self, path: &str, while_status: u16) -> Answer {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let a = self.get(path);
            if a.status != while_status || Instant::now() > deadline {
                return a;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits (at most 20 s) until the published checkpoint covers `size` entries.
    pub fn published(&self, size: u64) -> Vec<u8> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let a = self.get("/checkpoint");
            if a.status == 200 {
                let (cp, _, _) = tlog::note::open_checkpoint(&a.body).unwrap();
                if cp.size() >= size {
                    return a.body;
                }
            }
            assert!(
                Instant::now() < deadline,
                "nothing published covering {size}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

pub struct Answer {
    pub status: u16,
    /// Names in lower case.
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).to_string()
    }

    /// The `message` of a JSON refusal.
    pub fn message(&self) -> String {
        self.json()["message"].as_str().unwrap_or("").to_string()
    }
}

/// One HTTP/1.1 request on its own connection.
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Answer {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: test\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    // A refused request may be answered before its body is all sent.
    let _ = s.write_all(body);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let split = out
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| {
            panic!(
                "no answer to {method} {path}: {}",
                String::from_utf8_lossy(&out)
            )
        });
    let head = String::from_utf8_lossy(&out[..split]).to_string();
    let mut lines = head.lines();
    let status = lines.next().unwrap()[9..12].parse().unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Answer {
        status,
        headers,
        body: out[split + 4..].to_vec(),
    }
}
