//! A server run as a child process by a test (`scrutineer serve`, `log serve`, `witness
//! serve`): it names where it listens on its first line of output, the rest of its output is
//! read on a thread of its own (so its last lines never go into a closed pipe), and it is
//! killed when dropped, so a failing test leaves no server behind. Used by
//! crates/scrutineer/tests and, through `#[path]`, by crates/site/tests/browser.rs: std only.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

pub struct Served {
    pub child: Child,
    /// The URL its first line names, without a trailing slash (`http://127.0.0.1:PORT`).
    pub url: String,
    rest: Receiver<String>,
}

impl Served {
    /// Starts `cmd` with its output piped and waits at most `limit` for the first line, which
    /// must name an `http://` URL.
    pub fn start(cmd: &mut Command, limit: Duration) -> Served {
        let mut child = cmd.stdout(Stdio::piped()).spawn().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = stdout.read_line(&mut line);
            let _ = tx.send(line);
            let mut rest = Vec::new();
            let _ = stdout.read_to_end(&mut rest);
            let _ = tx.send(String::from_utf8_lossy(&rest).into_owned());
        });
        let mut served = Served {
            child,
            url: String::new(),
            rest: rx,
        };
        let line = served
            .rest
            .recv_timeout(limit)
            .unwrap_or_else(|_| panic!("{cmd:?} said nothing within {limit:?}"));
        served.url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("{cmd:?}: no URL in its first line {line:?}"))
            .trim_end_matches('/')
            .to_string();
        served
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        let host = self.url.trim_start_matches("http://");
        host.split('/')
            .next()
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("no address in {:?}", self.url))
    }

    /// Waits at most `limit` for it to end by itself; how it ended.
    pub fn exit_within(&mut self, limit: Duration) -> ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(exit) = self.child.try_wait().unwrap() {
                return exit;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not stop within {limit:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// What it wrote after its first line, once it has ended (waiting at most `limit`).
    pub fn rest_of_output(&self, limit: Duration) -> String {
        self.rest
            .recv_timeout(limit)
            .unwrap_or_else(|_| panic!("the server's output did not end within {limit:?}"))
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
