//! HTTP(S) clients for the log's protocols: fetching published tiles, and posting checkpoints
//! to witnesses.

use std::sync::OnceLock;
use std::time::{Duration, Instant};
use tlog::verify::TileSource;
use tlog::witness::WitnessTransport;

/// The largest resource fetched: a full entry bundle of maximum-size entries.
const MAX_BODY: u64 = 256 * (65_535 + 2);

/// How long the network may take: each connection, each silence, each request, and the whole
/// run. `verify`, `replay` and the review commands take them as flags.
#[derive(clap::Args, Clone, Debug)]
#[command(next_help_heading = "Network")]
pub struct NetArgs {
    /// Give up connecting to a server after this long (seconds, or with a unit: 500ms, 2m).
    #[arg(long, value_name = "TIME", default_value = "10s", value_parser = parse_duration)]
    pub connect_timeout: Duration,
    /// Give up on a request when the server sends nothing for this long.
    #[arg(long, value_name = "TIME", default_value = "30s", value_parser = parse_duration)]
    pub read_timeout: Duration,
    /// Give up on one request (one tile, headers and body) after this long.
    #[arg(long, value_name = "TIME", default_value = "5m", value_parser = parse_duration)]
    pub request_timeout: Duration,
    /// Give up on the whole run after this long (a national log takes minutes).
    #[arg(long, value_name = "TIME", default_value = "4h", value_parser = parse_duration)]
    pub deadline: Duration,
}

impl Default for NetArgs {
    fn default() -> NetArgs {
        NetArgs {
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(30),
            request_timeout: Duration::from_secs(300),
            deadline: Duration::from_secs(4 * 3600),
        }
    }
}

/// The limits in force, and when the run started.
struct Limits {
    args: NetArgs,
    started: Instant,
}

static LIMITS: OnceLock<Limits> = OnceLock::new();

impl NetArgs {
    /// Makes these the limits of every HTTP client this process builds, and starts the
    /// deadline's clock. A command reads one published log, so one set is enough; the first
    /// call wins.
    pub fn install(&self) {
        let _ = LIMITS.set(Limits {
            args: self.clone(),
            started: Instant::now(),
        });
    }
}

fn limits() -> &'static Limits {
    LIMITS.get_or_init(|| Limits {
        args: NetArgs::default(),
        started: Instant::now(),
    })
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

fn agent() -> ureq::Agent {
    let limits = &limits().args;
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(Some(limits.connect_timeout))
        .timeout_per_read(Some(limits.read_timeout))
        .timeout_global(Some(limits.request_timeout))
        .max_redirects(5)
        .user_agent(concat!("scrutineer/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// What went wrong with one request, in words that say which limit ran out.
fn describe_error(e: &ureq::Error, budget: Duration) -> String {
    let limits = &limits().args;
    match e {
        ureq::Error::Timeout(ureq::Timeout::Connect) => format!(
            "no connection within {} (--connect-timeout)",
            seconds(limits.connect_timeout)
        ),
        ureq::Error::Timeout(ureq::Timeout::PerRead) => format!(
            "the server sent nothing for {} (--read-timeout)",
            seconds(limits.read_timeout)
        ),
        ureq::Error::Timeout(_) if budget < limits.request_timeout => format!(
            "no complete answer before the run's deadline ({} after it started; --deadline)",
            seconds(limits.deadline)
        ),
        ureq::Error::Timeout(_) => format!(
            "no complete answer within {} (--request-timeout)",
            seconds(limits.request_timeout)
        ),
        ureq::Error::TooManyRedirects => "redirected too many times (a redirect loop?)".into(),
        ureq::Error::BodyExceedsLimit(limit) => {
            format!("the answer is longer than {limit} bytes, more than any tile")
        }
        other => other.to_string(),
    }
}

/// A log published under a URL prefix.
pub struct HttpSource {
    prefix: String,
    agent: ureq::Agent,
}

impl HttpSource {
    pub fn new(prefix: &str) -> HttpSource {
        HttpSource {
            prefix: prefix.trim_end_matches('/').to_string(),
            agent: agent(),
        }
    }
}

impl TileSource for HttpSource {
    fn fetch(&self, path: &str) -> Result<Option<Vec<u8>>, String> {
        let url = format!("{}/{path}", self.prefix);
        let limits = limits();
        let mut last = String::new();
        // Retry transient failures; a 404 is an answer, not a failure.
        for attempt in 0..3u32 {
            if attempt > 0 {
                eprintln!("{url}: {last}; trying again ({} of 3)", attempt + 1);
                std::thread::sleep(Duration::from_millis(200 * u64::from(attempt)));
            }
            let left = limits
                .args
                .deadline
                .saturating_sub(limits.started.elapsed());
            if left.is_zero() {
                return Err(format!(
                    "{url}: not fetched: the run's deadline ({} after it started; --deadline) has passed",
                    seconds(limits.args.deadline)
                ));
            }
            let budget = left.min(limits.args.request_timeout);
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
                            return Err(format!("{url}: {}", describe_error(&e, budget)));
                        }
                        Err(e) => last = describe_error(&e, budget),
                    }
                }
                Err(e @ ureq::Error::TooManyRedirects) => {
                    return Err(format!("{url}: {}", describe_error(&e, budget)));
                }
                Err(e) => last = describe_error(&e, budget),
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
    pub fn new(prefix: &str) -> HttpWitness {
        HttpWitness {
            prefix: prefix.trim_end_matches('/').to_string(),
            agent: agent(),
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
