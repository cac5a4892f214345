//! The operator's loop, on its own thread and its own connection to the store, off the intake
//! path: at a set cadence, sign a checkpoint of what intake has made durable, ask the
//! witnesses of `log.toml` to cosign it, and bring the publication up to date (tiles,
//! checkpoint, and the state digest signed for the same size).
//!
//! A slow or dead witness holds up only this loop (each request under `net`'s limits), never
//! intake, whose writer owns another connection. The tree and the state are read in one
//! snapshot (a read transaction), so the published digest is the state at exactly the
//! checkpoint's size while intake goes on.

use std::path::PathBuf;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use tlog::note::PrivateKey;
use tlog::{Log, SqliteStorage, Storage, Vkey};

use crate::metrics::Metrics;

/// Records a cosigned checkpoint in the log (witness time). Called with each checkpoint that
/// gained a cosignature; an error is logged and counted, never stops the loop.
pub type RecordCosigned = Box<dyn Fn(&[u8]) -> Result<(), String> + Send>;

/// What the loop needs.
pub struct Config {
    /// The election's `log.db`.
    pub db: PathBuf,
    /// The log's checkpoint-signing key.
    pub key: PrivateKey,
    /// The witnesses to ask (verifier key, URL), from `log.toml`.
    pub witnesses: Vec<(Vkey, String)>,
    /// How long one witness request may take in all (connecting, silence, the whole answer).
    pub witness_timeout: Duration,
    /// Where the publication is written.
    pub public: PathBuf,
    /// The cadence.
    pub every: Duration,
    /// Where a cosigned checkpoint is recorded as a log entry; None where the genesis names
    /// no log key.
    pub record_cosigned: Option<RecordCosigned>,
    /// Write the public site beside the publication, at most once per this long (and at the
    /// last cycle); None: never.
    pub site: Option<Duration>,
}

/// The names `net` gives the witness limits in its errors.
const WITNESS_FLAGS: net::Flags = net::Flags {
    connect_timeout: "--witness-timeout",
    read_timeout: "--witness-timeout",
    request_timeout: "--witness-timeout",
    deadline: "--witness-timeout",
};

/// One witness's last answer.
#[derive(Debug, Clone, Serialize)]
pub struct WitnessOutcome {
    pub name: String,
    pub url: String,
    /// Unix time of the last request.
    pub asked_at: u64,
    /// The size it was asked to cosign.
    pub size: u64,
    /// Why it did not cosign; None when it did.
    pub error: Option<String>,
}

/// What the loop has done, for the status route.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Status {
    /// Entries in the latest publication.
    pub published_size: u64,
    /// Unix time of the latest publication.
    pub published_at: Option<u64>,
    /// Cosignatures on the published checkpoint.
    pub cosignatures: usize,
    /// The log size the public site was last written at.
    pub site_size: Option<u64>,
    pub cycles: u64,
    /// The last cycle's failure, if it failed.
    pub error: Option<String>,
    pub witnesses: Vec<WitnessOutcome>,
}

/// The running loop.
pub struct Operator {
    stop: mpsc::Sender<()>,
    thread: std::thread::JoinHandle<()>,
    status: Arc<Mutex<Status>>,
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl Operator {
    /// Starts the loop: a first cycle at once, then one every `config.every`.
    pub fn start(config: Config, metrics: Arc<Metrics>) -> Operator {
        let status = Arc::new(Mutex::new(Status::default()));
        let (stop, stopped) = mpsc::channel();
        let shared = status.clone();
        let thread = std::thread::Builder::new()
            .name("operator".into())
            .spawn(move || {
                let (mut last, mut stopping) = (None, false);
                let mut site_due = std::time::Instant::now();
                let mut site_size = None;
                loop {
                    let mut outcome = cycle(&config, &mut last);
                    // The publication is told before the site is written, which takes a
                    // while: readers answer from it meanwhile.
                    if let Ok(Some(c)) = &outcome {
                        let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
                        metrics.published(c.size);
                        s.published_size = c.size;
                        s.published_at = Some(now());
                        s.cosignatures = c.cosignatures;
                        s.witnesses = c.witnesses.clone();
                    }
                    // The site is rebuilt from the whole state, so not at every cycle.
                    if let (Some(every), Ok(_)) = (config.site, &outcome)
                        && let Some((size, _)) = &last
                        && site_size != Some(*size)
                        && (stopping || std::time::Instant::now() >= site_due)
                    {
                        match write_site(&config) {
                            Ok(()) => site_size = Some(*size),
                            Err(e) => outcome = Err(e),
                        }
                        site_due = std::time::Instant::now() + every;
                    }
                    let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
                    s.cycles += 1;
                    s.site_size = site_size;
                    match outcome {
                        Ok(_) => s.error = None,
                        Err(e) => {
                            tracing::error!("operator: {e}");
                            metrics.operator_failed();
                            s.error = Some(e);
                        }
                    }
                    drop(s);
                    if stopping {
                        break;
                    }
                    // Stopped: one last cycle publishes what intake took last.
                    stopping = !matches!(
                        stopped.recv_timeout(config.every),
                        Err(RecvTimeoutError::Timeout)
                    );
                }
            })
            .expect("a thread can be started");
        Operator {
            stop,
            thread,
            status,
        }
    }

    /// The loop's status, shared with it.
    pub fn status(&self) -> Arc<Mutex<Status>> {
        self.status.clone()
    }

    /// Runs a last cycle (after intake has stopped, so that it publishes everything
    /// acknowledged) and waits for the loop to end.
    pub fn stop(self) -> Status {
        let _ = self.stop.send(());
        let _ = self.thread.join();
        let s = self.status.lock().unwrap_or_else(|p| p.into_inner());
        s.clone()
    }
}

/// A publication made by one cycle.
pub struct Cycle {
    pub size: u64,
    pub cosignatures: usize,
    pub witnesses: Vec<WitnessOutcome>,
}

/// One cycle; `last` is the (size, state digest) of the previous one, so an unchanged log is
/// neither digested nor published again unless a witness is behind. Ok(None): nothing to do.
pub fn cycle(c: &Config, last: &mut Option<(u64, String)>) -> Result<Option<Cycle>, String> {
    let db = c.db.display().to_string();
    let fail = |e: &dyn std::fmt::Display| format!("{db}: {e}");
    let storage = SqliteStorage::open(&c.db).map_err(|e| fail(&e))?;
    // The digest's second connection, whose snapshot begins just after this one's.
    let mut second = ledger::state::SecondReader::open(&c.db);
    // One read snapshot for the tree and the state, so both are at the same size.
    storage
        .connection()
        .execute_batch("BEGIN")
        .map_err(|e| fail(&e))?;
    let mut log = Log::open(storage).map_err(|e| fail(&e))?;
    if let Some(second) = &mut second {
        second.begin();
    }
    let size = log.size();
    let behind: Vec<(Vkey, String)> = c
        .witnesses
        .iter()
        .filter(|(k, _)| log.storage().witness_size(&k.name).unwrap_or(0) < size)
        .cloned()
        .collect();
    let digest = match last {
        Some((s, d)) if *s == size => {
            if behind.is_empty() {
                let _ = log.storage().connection().execute_batch("COMMIT");
                return Ok(None);
            }
            d.clone()
        }
        _ => ledger::state::digest_at_size(log.storage().connection(), size, second.take())
            .map_err(|e| fail(&e))?,
    };
    // Its snapshot ends here, with this one's, not after the witnesses have answered.
    drop(second);
    log.storage()
        .connection()
        .execute_batch("COMMIT")
        .map_err(|e| fail(&e))?;
    let mut note = log.sign_checkpoint(&c.key).map_err(|e| fail(&e))?;
    let mut outcomes = Vec::new();
    if !behind.is_empty() {
        let asked_at = now();
        let limits = net::Limits::new(
            c.witness_timeout,
            c.witness_timeout,
            c.witness_timeout,
            c.witness_timeout * (behind.len() as u32 + 1),
            WITNESS_FLAGS,
        );
        let (cosigned, results) =
            net::witness_checkpoint(&mut log, &note, &behind, &limits).map_err(|e| fail(&e))?;
        for ((key, url), result) in behind.iter().zip(results) {
            outcomes.push(WitnessOutcome {
                name: key.name.clone(),
                url: url.clone(),
                asked_at,
                size,
                error: result.err().map(|e| e.to_string()),
            });
        }
        if cosigned != note {
            // Witness time: the cosigned checkpoint becomes a log entry.
            record_cosigned_checkpoint(c, &cosigned);
        }
        note = cosigned;
    }
    // The digest first, so that whoever sees the checkpoint finds the digest of its size.
    ledger::replay::write_digest(&c.public, &c.key, size, &digest)
        .map_err(|e| format!("publishing the state digest: {e}"))?;
    tlog::publish::publish(&log, &note, &c.public, &mut |_, _| {})
        .map_err(|e| format!("publishing to {}: {e}", c.public.display()))?;
    let cosignatures = tlog::note::open_checkpoint(&note)
        .map(|(_, _, sigs)| sigs.len().saturating_sub(1))
        .unwrap_or(0);
    *last = Some((size, digest));
    Ok(Some(Cycle {
        size,
        cosignatures,
        witnesses: outcomes,
    }))
}

/// Writes the public site from the state (a read-only connection of its own).
fn write_site(c: &Config) -> Result<(), String> {
    let db = c.db.display();
    let storage = SqliteStorage::open_read_only(&c.db).map_err(|e| format!("{db}: {e}"))?;
    let status = review::summary::LogStatus::read(&storage, &c.witnesses)
        .map_err(|e| format!("{db}: {e}"))?;
    let review = review::Review::of_state_db(&c.db).map_err(|e| e.to_string())?;
    site::write(&review, Some(&status), &c.public).map_err(|e| e.to_string())?;
    Ok(())
}

/// The one place a cosigned checkpoint is handed on to be recorded in the log.
fn record_cosigned_checkpoint(c: &Config, cosigned: &[u8]) {
    if let Some(record) = &c.record_cosigned
        && let Err(e) = record(cosigned)
    {
        tracing::error!("recording the cosigned checkpoint: {e}");
    }
}
