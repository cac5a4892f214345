//! HTTP(S) clients for the log's protocols: fetching published tiles, and posting checkpoints
//! to witnesses.

use std::time::Duration;
use tlog::verify::TileSource;
use tlog::witness::WitnessTransport;

/// The largest resource fetched: a full entry bundle of maximum-size entries.
const MAX_BODY: u64 = 256 * (65_535 + 2);

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .user_agent(concat!("scrutineer/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
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
        let mut last = String::new();
        // Retry transient failures; a 404 is an answer, not a failure.
        for attempt in 0..3 {
            if attempt > 0 {
                std::thread::sleep(Duration::from_millis(200 * attempt));
            }
            match self.agent.get(&url).call() {
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
                    return response
                        .body_mut()
                        .with_config()
                        .limit(MAX_BODY)
                        .read_to_vec()
                        .map(Some)
                        .map_err(|e| e.to_string());
                }
                Err(e) => last = e.to_string(),
            }
        }
        Err(last)
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
