//! HTTP(S) clients for the log's protocols: fetching a published log's tiles
//! (`tlog::verify::TileSource`) and posting checkpoints to witnesses
//! (`tlog::witness::WitnessTransport`), under limits on each connection, each silence, each
//! request and the whole run. An error says which limit ran out in the words of the caller's
//! flags (`Flags`), so a command line names `--read-timeout` and another front end its own.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tlog::verify::{DirSource, TileSource};
use tlog::witness::WitnessTransport;

/// The largest resource fetched: a full entry bundle of maximum-size entries.
const MAX_BODY: u64 = 256 * (65_535 + 2);

/// The names of the caller's settings for each limit, as its errors should give them.
#[derive(Clone, Copy, Debug)]
pub struct Flags {
    pub connect_timeout: &'static str,
    pub read_timeout: &'static str,
    pub request_timeout: &'static str,
    pub deadline: &'static str,
}

/// How long the network may take, and when the run started (the deadline's clock).
#[derive(Clone, Debug)]
pub struct Limits {
    /// Give up connecting to a server after this long.
    pub connect_timeout: Duration,
    /// Give up on a request when the server sends nothing for this long.
    pub read_timeout: Duration,
    /// Give up on one request (headers and body) after this long.
    pub request_timeout: Duration,
    /// Give up on the whole run after this long.
    pub deadline: Duration,
    pub flags: Flags,
    started: Instant,
}

impl Limits {
    /// Limits whose deadline counts from now.
    pub fn new(
        connect_timeout: Duration,
        read_timeout: Duration,
        request_timeout: Duration,
        deadline: Duration,
        flags: Flags,
    ) -> Limits {
        Limits {
            connect_timeout,
            read_timeout,
            request_timeout,
            deadline,
            flags,
            started: Instant::now(),
        }
    }

    /// 10 s to connect, 30 s of silence, 5 minutes a request, 4 hours a run (a national log
    /// takes minutes).
    pub fn defaults(flags: Flags) -> Limits {
        Limits::new(
            Duration::from_secs(10),
            Duration::from_secs(30),
            Duration::from_secs(300),
            Duration::from_secs(4 * 3600),
            flags,
        )
    }

    fn agent(&self) -> ureq::Agent {
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(self.connect_timeout))
            .timeout_per_read(Some(self.read_timeout))
            .timeout_global(Some(self.request_timeout))
            .max_redirects(5)
            .user_agent(concat!("scrutineer/", env!("CARGO_PKG_VERSION")))
            .build()
            .into()
    }

    /// What went wrong with one request, in words that say which limit ran out.
    fn describe_error(&self, e: &ureq::Error, budget: Duration) -> String {
        let f = &self.flags;
        match e {
            ureq::Error::Timeout(ureq::Timeout::Connect) => format!(
                "no connection within {} ({})",
                seconds(self.connect_timeout),
                f.connect_timeout
            ),
            ureq::Error::Timeout(ureq::Timeout::PerRead) => format!(
                "the server sent nothing for {} ({})",
                seconds(self.read_timeout),
                f.read_timeout
            ),
            ureq::Error::Timeout(_) if budget < self.request_timeout => format!(
                "no complete answer before the run's deadline ({} after it started; {})",
                seconds(self.deadline),
                f.deadline
            ),
            ureq::Error::Timeout(_) => format!(
                "no complete answer within {} ({})",
                seconds(self.request_timeout),
                f.request_timeout
            ),
            ureq::Error::TooManyRedirects => "redirected too many times (a redirect loop?)".into(),
            ureq::Error::BodyExceedsLimit(limit) => {
                format!("the answer is longer than {limit} bytes, more than any tile")
            }
            other => other.to_string(),
        }
    }
}

/// `30`, `30s`, `500ms`, `5m`, `4h`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !(c.is_ascii_digit() || c == '.')) {
        Some(i) => text.split_at(i),
        None => (text, "s"),
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration (examples: 30, 30s, 500ms, 5m, 4h)"))?;
    let seconds = match unit.trim() {
        "ms" => value / 1000.0,
        "s" => value,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        other => {
            return Err(format!(
                "unknown unit {other:?} in {text:?}; use ms, s, m or h"
            ));
        }
    };
    if !seconds.is_finite() || seconds <= 0.0 || seconds > 1e9 {
        return Err(format!("{text:?} is not a positive duration"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 1.0 {
        format!("{} ms", d.as_millis())
    } else {
        format!("{s:.0} s")
    }
}

/// A published log: a directory, or an http(s) URL.
pub fn open_source(source: &str, limits: &Limits) -> Result<Box<dyn TileSource>, String> {
    if source.starts_with("http://") || source.starts_with("https://") {
        return Ok(Box::new(HttpSource::new(source, limits)));
    }
    let dir = PathBuf::from(source);
    if !dir.is_dir() {
        return Err(format!(
            "{source} is neither a directory nor an http(s) URL"
        ));
    }
    Ok(Box::new(DirSource::new(dir)))
}

/// A log published under a URL prefix.
pub struct HttpSource {
    prefix: String,
    agent: ureq::Agent,
    limits: Arc<Limits>,
}

impl HttpSource {
    pub fn new(prefix: &str, limits: &Limits) -> HttpSource {
        HttpSource {
            prefix: prefix.trim_end_matches('/').to_string(),
            agent: limits.agent(),
            limits: Arc::new(limits.clone()),
        }
    }
}

impl TileSource for HttpSource {
    fn fetch(&self, path: &str) -> Result<Option<Vec<u8>>, String> {
        let url = format!("{}/{path}", self.prefix);
        let limits = &self.limits;
        let mut last = String::new();
        // Retry transient failures; a 404 is an answer, not a failure.
        for attempt in 0..3u32 {
            if attempt > 0 {
                eprintln!("{url}: {last}; trying again ({} of 3)", attempt + 1);
                std::thread::sleep(Duration::from_millis(200 * u64::from(attempt)));
            }
            let left = limits.deadline.saturating_sub(limits.started.elapsed());
            if left.is_zero() {
                return Err(format!(
                    "{url}: not fetched: the run's deadline ({} after it started; {}) has passed",
                    seconds(limits.deadline),
                    limits.flags.deadline
                ));
            }
            let budget = left.min(limits.request_timeout);
            let request = self
                .agent
                .get(&url)
                .config()
                .timeout_global(Some(budget))
                .build();
            match request.call() {
                Ok(mut response) => {
                    let status = response.status().as_u16();
                    if status == 404 {
                        return Ok(None);
                    }
                    if status != 200 {
                        last = format!("HTTP {status}");
                        if status < 500 {
                            break;
                        }
                        continue;
                    }
                    match response
                        .body_mut()
                        .with_config()
                        .limit(MAX_BODY)
                        .read_to_vec()
                    {
                        Ok(body) => return Ok(Some(body)),
                        Err(e @ ureq::Error::BodyExceedsLimit(_)) => {
                            return Err(format!("{url}: {}", limits.describe_error(&e, budget)));
                        }
                        Err(e) => last = limits.describe_error(&e, budget),
                    }
                }
                Err(e @ ureq::Error::TooManyRedirects) => {
                    return Err(format!("{url}: {}", limits.describe_error(&e, budget)));
                }
                Err(e) => last = limits.describe_error(&e, budget),
            }
        }
        Err(format!("{url}: {last}"))
    }

    fn describe(&self) -> String {
        self.prefix.clone()
    }
}

/// A witness reached at its submission prefix.
pub struct HttpWitness {
    prefix: String,
    agent: ureq::Agent,
}

impl HttpWitness {
    pub fn new(prefix: &str, limits: &Limits) -> HttpWitness {
        HttpWitness {
            prefix: prefix.trim_end_matches('/').to_string(),
            agent: limits.agent(),
        }
    }
}

impl WitnessTransport for HttpWitness {
    fn add_checkpoint(&self, body: &[u8]) -> Result<(u16, String, Vec<u8>), String> {
        let url = format!("{}/add-checkpoint", self.prefix);
        let mut response = self
            .agent
            .post(&url)
            .content_type("text/plain; charset=utf-8")
            .send(body)
            .map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let body = response
            .body_mut()
            .with_config()
            .limit(1 << 20)
            .read_to_vec()
            .map_err(|e| e.to_string())?;
        Ok((status, content_type, body))
    }

    fn describe(&self) -> String {
        self.prefix.clone()
    }
}

/// Asks each witness at its URL (`(verifier key, submission prefix)`) to cosign `note`, a
/// checkpoint of `log`, each request under `limits`, and stores the checkpoint with every
/// cosignature gathered: `tlog::witness::witness_checkpoint` over [`HttpWitness`].
pub fn witness_checkpoint<S: tlog::Storage>(
    log: &mut tlog::Log<S>,
    note: &[u8],
    witnesses: &[(tlog::Vkey, String)],
    limits: &Limits,
) -> Result<tlog::witness::Witnessed, tlog::witness::CosignError> {
    let transports: Vec<HttpWitness> = witnesses
        .iter()
        .map(|(_, url)| HttpWitness::new(url, limits))
        .collect();
    let asking: Vec<(tlog::Vkey, &dyn WitnessTransport)> = witnesses
        .iter()
        .zip(&transports)
        .map(|((k, _), t)| (k.clone(), t as &dyn WitnessTransport))
        .collect();
    tlog::witness::witness_checkpoint(log, note, &asking)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;

    const FLAGS: Flags = Flags {
        connect_timeout: "connect-limit",
        read_timeout: "silence-limit",
        request_timeout: "request-limit",
        deadline: "run-limit",
    };

    fn quick() -> Limits {
        Limits::new(
            Duration::from_secs(2),
            Duration::from_millis(300),
            Duration::from_secs(5),
            Duration::from_secs(10),
            FLAGS,
        )
    }

    /// A server on 127.0.0.1 that takes `connections` requests, answering each with `answer`
    /// (or, when it is None, with silence for a second).
    fn serve(connections: usize, answer: Option<&'static str>) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            for stream in listener.incoming().take(connections) {
                let Ok(mut stream) = stream else { return };
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf);
                match answer {
                    Some(a) => {
                        let _ = stream.write_all(a.as_bytes());
                    }
                    None => std::thread::sleep(Duration::from_secs(1)),
                }
            }
        });
        format!("http://{addr}")
    }

    #[test]
    fn durations_take_units_and_refuse_nonsense() {
        assert_eq!(parse_duration("30").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("4h").unwrap(), Duration::from_secs(4 * 3600));
        assert!(parse_duration("0").unwrap_err().contains("not a positive"));
        assert!(
            parse_duration("3 weeks")
                .unwrap_err()
                .contains("unknown unit")
        );
        assert!(
            parse_duration("soon")
                .unwrap_err()
                .contains("not a duration")
        );
    }

    #[test]
    fn a_silent_server_is_named_by_the_callers_flag() {
        let url = serve(3, None);
        let source = HttpSource::new(&url, &quick());
        let err = source.fetch("checkpoint").unwrap_err();
        assert!(err.starts_with(&format!("{url}/checkpoint: ")), "{err}");
        assert!(err.contains("(silence-limit)"), "{err}");
    }

    #[test]
    fn a_missing_file_is_an_answer_and_a_found_one_its_body() {
        let url = serve(
            1,
            Some("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"),
        );
        assert_eq!(
            HttpSource::new(&url, &quick()).fetch("tile/0/000").unwrap(),
            None
        );
        let url = serve(
            1,
            Some("HTTP/1.1 200 OK\r\ncontent-length: 5\r\nconnection: close\r\n\r\nhello"),
        );
        assert_eq!(
            HttpSource::new(&url, &quick()).fetch("checkpoint").unwrap(),
            Some(b"hello".to_vec())
        );
    }

    #[test]
    fn a_passed_deadline_fetches_nothing() {
        let mut limits = quick();
        limits.deadline = Duration::from_millis(1);
        std::thread::sleep(Duration::from_millis(5));
        let err = HttpSource::new("http://127.0.0.1:9", &limits)
            .fetch("checkpoint")
            .unwrap_err();
        assert!(
            err.contains("deadline") && err.contains("run-limit"),
            "{err}"
        );
    }

    #[test]
    fn a_source_is_a_directory_or_a_url() {
        let dir = tempfile::tempdir().unwrap();
        let limits = quick();
        assert!(open_source(dir.path().to_str().unwrap(), &limits).is_ok());
        assert_eq!(
            open_source("https://log.example/kh", &limits)
                .unwrap()
                .describe(),
            "https://log.example/kh"
        );
        let err = open_source("no/such/dir", &limits).err().unwrap();
        assert_eq!(err, "no/such/dir is neither a directory nor an http(s) URL");
    }
}
