//! Signed submissions over HTTP, through the election's one intake path, with group commit
//! across concurrent submitters: `POST <prefix>/submit`.
//!
//! The body is a submission: its entries (canonical JSON, as `Entry::to_bytes` writes them,
//! which holds no newline), one per line. One writer thread owns the [`Election`]; handlers queue
//! their submissions, and the writer takes whatever has queued up while the previous step was
//! on its way to disk and gives it to [`Election::submit_group`], so many submitters share one
//! fsync and a refused submission never takes the others down.
//!
//! Answers, as JSON:
//! - 200 `{"first":N,"count":K}`: taken and durable; its entries are `N … N+K−1`;
//! - 422 `{"position":P,"index":I,"path":"body.station","message":"…"}`: refused, nothing
//!   recorded (`position` is the entry's line in the body, from 0);
//! - 400 for a body that is not entries (empty, or not UTF-8 lines), 413 above the size limit,
//!   408 for a body that does not arrive in time, 503 when the queue is full or the writer has
//!   stopped, 500 when the store failed (nothing taken).

use std::sync::{Arc, mpsc};
use std::time::Duration;

use crate::metrics::{Metrics, Outcome};

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use ledger::election::{Checked, Checker};
use ledger::{Election, SubmitError};
use serde::Serialize;

/// Submissions of at most this many entries are checked on the async thread that read them.
const CHECK_INLINE: usize = 16;

/// Limits of the intake.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The largest body accepted, in bytes.
    pub max_body: usize,
    /// Submissions waiting for the writer before new ones are turned away with 503.
    pub queue: usize,
    /// The most entries folded in one durable step.
    pub max_step_entries: usize,
    /// How long a client may take to send its body.
    pub body_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_body: 4 << 20,
            queue: 4096,
            max_step_entries: 16_384,
            body_timeout: Duration::from_secs(10),
        }
    }
}

/// A taken submission.
#[derive(Debug, Clone, Serialize)]
pub struct Taken {
    pub first: u64,
    pub count: usize,
}

/// A refused submission.
#[derive(Debug, Clone, Serialize)]
pub struct Refused {
    pub position: usize,
    pub index: u64,
    pub path: String,
    pub message: String,
}

type Reply = Result<Taken, (StatusCode, String)>;

struct Job {
    entries: Vec<Checked>,
    reply: tokio::sync::oneshot::Sender<Reply>,
}

enum Message {
    Job(Job),
    /// Finish what queued before this, then give the election back.
    Stop,
}

/// The writer's queue; cloned into every handler.
#[derive(Clone)]
pub struct Intake {
    queue: mpsc::SyncSender<Message>,
    limits: Limits,
    metrics: Arc<Metrics>,
    /// Parses and checks signatures on the threads that receive submissions, so that the
    /// writer only folds and commits.
    checker: Arc<Checker>,
}

impl Intake {
    /// Starts the writer thread that owns `election`. It stops when every [`Intake`] clone
    /// is dropped; joining the handle waits for its last step and gives the election back.
    pub fn start(
        election: Election,
        limits: Limits,
    ) -> (Intake, std::thread::JoinHandle<Election>) {
        Intake::start_observed(election, limits, Arc::new(Metrics::new(&[])))
    }

    /// [`Intake::start`], counting submissions and steps in `metrics`.
    pub fn start_observed(
        election: Election,
        limits: Limits,
        metrics: Arc<Metrics>,
    ) -> (Intake, std::thread::JoinHandle<Election>) {
        let (queue, jobs) = mpsc::sync_channel(limits.queue);
        let checker = Arc::new(Checker::new(&election));
        let observed = metrics.clone();
        let writer = std::thread::Builder::new()
            .name("intake".into())
            .spawn(move || write(election, jobs, limits.max_step_entries, &observed))
            .expect("a thread can be started");
        (
            Intake {
                queue,
                limits,
                metrics,
                checker,
            },
            writer,
        )
    }

    /// Asks the writer to stop once every submission queued so far is answered; later ones
    /// are turned away (503). Blocks while the queue is full.
    pub fn stop(&self) {
        let _ = self.queue.send(Message::Stop);
    }

    /// Queues `entries` as one submission and waits until it is durable or refused.
    pub async fn submit(&self, entries: Vec<Vec<u8>>) -> Reply {
        // A few entries are checked here; many, on a blocking thread, so that a large
        // submission does not hold up the other connections of this thread.
        let entries = if entries.len() <= CHECK_INLINE {
            self.check(entries)
        } else {
            let this = self.clone();
            tokio::task::spawn_blocking(move || this.check(entries))
                .await
                .map_err(|_| stopped())?
        };
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.enqueue(entries, reply)?;
        answer.await.unwrap_or_else(|_| Err(stopped()))
    }

    fn check(&self, entries: Vec<Vec<u8>>) -> Vec<Checked> {
        entries.into_iter().map(|e| self.checker.check(e)).collect()
    }

    /// [`Intake::submit`] from a thread outside the async runtime, such as the operator
    /// loop's: what the server records itself (a cosigned checkpoint) goes through the same
    /// intake, and the same fold, as every other entry.
    pub fn submit_blocking(&self, entries: Vec<Vec<u8>>) -> Reply {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.enqueue(self.check(entries), reply)?;
        answer.blocking_recv().unwrap_or_else(|_| Err(stopped()))
    }

    fn enqueue(
        &self,
        entries: Vec<Checked>,
        reply: tokio::sync::oneshot::Sender<Reply>,
    ) -> Result<(), (StatusCode, String)> {
        match self.queue.try_send(Message::Job(Job { entries, reply })) {
            Ok(()) => Ok(()),
            Err(mpsc::TrySendError::Full(_)) => Err((
                StatusCode::SERVICE_UNAVAILABLE,
                "the intake queue is full; send again shortly".into(),
            )),
            Err(mpsc::TrySendError::Disconnected(_)) => Err(stopped()),
        }
    }

    /// The routes under `prefix` (empty, or a path starting with `/`).
    pub fn router(self, prefix: &str) -> Router {
        let max = self.limits.max_body;
        Router::new()
            .route(&format!("{prefix}/submit"), post(submit))
            .layer(DefaultBodyLimit::max(max))
            .with_state(self)
    }
}

fn write(
    mut election: Election,
    jobs: mpsc::Receiver<Message>,
    max_step_entries: usize,
    metrics: &Metrics,
) -> Election {
    let mut stopping = false;
    while !stopping && let Ok(Message::Job(first)) = jobs.recv() {
        // Whatever queued up while the last step was being made joins this one.
        let mut step = vec![first];
        let mut entries = step[0].entries.len();
        while entries < max_step_entries {
            match jobs.try_recv() {
                Ok(Message::Job(job)) => {
                    entries += job.entries.len();
                    step.push(job);
                }
                Ok(Message::Stop) => {
                    stopping = true;
                    break;
                }
                Err(_) => break,
            }
        }
        let submissions: Vec<Vec<Checked>> = step
            .iter_mut()
            .map(|j| std::mem::take(&mut j.entries))
            .collect();
        let counts: Vec<usize> = submissions.iter().map(Vec::len).collect();
        match election.submit_checked_group(submissions) {
            Ok(outcomes) => {
                let taken: Vec<usize> = outcomes
                    .iter()
                    .zip(&counts)
                    .filter(|(o, _)| o.is_ok())
                    .map(|(_, c)| *c)
                    .collect();
                if !taken.is_empty() {
                    metrics.step(taken.len(), taken.iter().sum());
                }
                for ((job, outcome), count) in step.into_iter().zip(outcomes).zip(counts) {
                    let _ = job.reply.send(match outcome {
                        Ok(r) => Ok(Taken {
                            first: r.first,
                            count,
                        }),
                        Err(e) => Err(refusal(e)),
                    });
                }
            }
            Err(e) => {
                tracing::error!("intake step failed, nothing taken: {e}");
                for job in step {
                    let _ = job.reply.send(Err((
                        StatusCode::INTERNAL_SERVER_ERROR,
                        error_json(&format!("the store failed; nothing was taken: {e}")),
                    )));
                }
            }
        }
    }
    election
}

fn stopped() -> (StatusCode, String) {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        "the intake has stopped".into(),
    )
}

fn error_json(message: &str) -> String {
    serde_json::json!({ "message": message }).to_string()
}

fn refusal(e: SubmitError) -> (StatusCode, String) {
    match e {
        SubmitError::Refused { position, refusal } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            serde_json::to_string(&Refused {
                position,
                index: refusal.index,
                path: refusal.path,
                message: refusal.message,
            })
            .expect("strings serialise"),
        ),
        SubmitError::Log(e) => (StatusCode::UNPROCESSABLE_ENTITY, error_json(&e.to_string())),
        SubmitError::Setup(m) => (StatusCode::BAD_REQUEST, error_json(&m)),
    }
}

/// The entries of a body: one per line; a last newline and CR line ends are allowed.
pub fn split_entries(body: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let mut out = Vec::new();
    for (n, line) in body.split(|b| *b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        if std::str::from_utf8(line).is_err() {
            return Err(format!("line {}: not UTF-8", n + 1));
        }
        out.push(line.to_vec());
    }
    if out.is_empty() {
        return Err("the body holds no entry; send one entry per line".into());
    }
    Ok(out)
}

async fn submit(State(intake): State<Intake>, body: Body) -> Response {
    handle(&intake, body).await
}

/// Answers one `POST /submit`, counting the outcome.
pub async fn handle(intake: &Intake, body: Body) -> Response {
    let response = answer(intake, body).await;
    intake.metrics.submission(match response.status() {
        StatusCode::OK => Outcome::Accepted,
        StatusCode::UNPROCESSABLE_ENTITY => Outcome::Refused,
        _ => Outcome::TurnedAway,
    });
    response
}

async fn answer(intake: &Intake, body: Body) -> Response {
    let limits = intake.limits;
    let body = match tokio::time::timeout(
        limits.body_timeout,
        axum::body::to_bytes(body, limits.max_body),
    )
    .await
    {
        Ok(Ok(body)) => body,
        Ok(Err(_)) => {
            return json(
                StatusCode::PAYLOAD_TOO_LARGE,
                error_json(&format!(
                    "a submission is at most {} bytes",
                    limits.max_body
                )),
            );
        }
        Err(_) => {
            return json(
                StatusCode::REQUEST_TIMEOUT,
                error_json(&format!(
                    "the body did not arrive within {:?}",
                    limits.body_timeout
                )),
            );
        }
    };
    let entries = match split_entries(&body) {
        Ok(e) => e,
        Err(m) => return json(StatusCode::BAD_REQUEST, error_json(&m)),
    };
    match intake.submit(entries).await {
        Ok(t) => json(
            StatusCode::OK,
            serde_json::to_string(&t).expect("numbers serialise"),
        ),
        Err((status, body)) => {
            let body = if body.starts_with('{') {
                body
            } else {
                error_json(&body)
            };
            json(status, body)
        }
    }
}

fn json(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        format!("{body}\n"),
    )
        .into_response()
}
