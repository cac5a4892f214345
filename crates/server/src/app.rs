//! `scrutineer serve`: one process for an election. Intake (`POST /submit`, one writer thread
//! with group commit), the operator loop (checkpoint, witnesses, publication), and the reads:
//! the publication (tiles, checkpoint, state digest), inclusion proofs, evidence blobs, and the
//! read API (JSON report values of `review`), each read on its own read-only connection so
//! that reads never wait for intake. Per-client rate limits and metrics wrap every route.
//!
//! The handlers are thin: every question is a `review` report or a file of the publication,
//! and every write goes through intake, where the fold decides.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, MatchedPath, Path as UrlPath, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post, put};
use ledger::Election;
use ledger::dir::LogDir;
use serde::{Deserialize, Serialize};
use tlog::witness::Witness;
use tlog::{SqliteStorage, Vkey};

use crate::blobs::{BlobError, Blobs};
use crate::find::{Find, FindQuery};
use crate::fresh::PerPublication;
use crate::intake::Intake;
use crate::limit::{Limiter, Rate};
use crate::metrics::Metrics;
use crate::operator::{self, Operator};
use crate::routes::{self, Route};
use crate::{Timeouts, blobs, intake};

/// How the server runs; every field has a flag in `scrutineer serve`.
#[derive(Clone)]
pub struct Options {
    /// Where the publication is written (and served from).
    pub public: PathBuf,
    /// How often the operator loop checkpoints, witnesses and publishes.
    pub checkpoint_every: Duration,
    /// How long one witness request may take.
    pub witness_timeout: Duration,
    pub intake: intake::Limits,
    pub blobs: blobs::Limits,
    pub rate: Rate,
    pub timeouts: Timeouts,
    /// Also serve the witness endpoint, with this witness.
    pub witness: Option<Arc<Witness>>,
    /// Read-only connections kept open for the read API.
    pub readers: usize,
    /// Find my name: the index file to search, built from the roll when the server starts
    /// unless given (`roll index`); None builds it beside the election's database.
    pub find_index: Option<PathBuf>,
    /// Searches a second per client address (their own bucket, besides `rate`).
    pub find_rate: Rate,
    /// Write the public site beside the publication, at most once per `site_every`.
    pub site: bool,
    pub site_every: Duration,
    /// SMS gateway webhooks (`POST /sms/{gateway}`), when configured.
    pub sms: Option<crate::sms::Config>,
}

impl Options {
    /// The defaults, publishing into `public`.
    pub fn new(public: PathBuf) -> Options {
        Options {
            public,
            checkpoint_every: Duration::from_secs(10),
            witness_timeout: Duration::from_secs(10),
            intake: intake::Limits::default(),
            blobs: blobs::Limits::default(),
            rate: Rate::default(),
            timeouts: Timeouts::default(),
            witness: None,
            readers: 8,
            find_index: None,
            find_rate: Rate::per_second(5.0),
            site: true,
            site_every: Duration::from_secs(60),
            sms: None,
        }
    }
}

/// What every handler shares.
pub struct App {
    intake: Intake,
    public: PathBuf,
    blobs: Blobs,
    db: PathBuf,
    readers: usize,
    pool: Mutex<Vec<SqliteStorage>>,
    witnesses: Vec<(Vkey, String)>,
    operator: Arc<Mutex<operator::Status>>,
    metrics: Arc<Metrics>,
    limiter: Limiter,
    witness: Option<Arc<Witness>>,
    timeouts: Timeouts,
    find: Arc<Find>,
    sms: Option<crate::sms::Webhooks>,
    /// Each contest's results (None: the only one), read once per publication, so that
    /// read load does not read the whole contest per request.
    results: Arc<PerPublication<Option<String>, review::results::Results>>,
    /// The flags and alerts, read and indexed once per publication.
    flags: Arc<PerPublication<(), crate::flags::FlagIndex>>,
}

impl App {
    /// The size of the latest publication.
    fn published(&self) -> u64 {
        self.operator
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .published_size
    }

    /// `contest`'s results as of the latest publication, or of the one before while the
    /// latest's are read (a reader never waits on that).
    fn results(
        self: &Arc<Self>,
        contest: Option<String>,
    ) -> Result<Arc<review::results::Results>, ApiError> {
        let app = self.clone();
        let asked = contest.clone();
        self.results.get(contest, self.published(), move || {
            app.with_reader(|s| {
                Ok(review::results::Results::read(
                    s.connection(),
                    asked.as_deref(),
                )?)
            })
        })
    }

    /// The flags and alerts as of the latest publication, or of the one before while the
    /// latest's are read.
    fn flags(self: &Arc<Self>) -> Result<Arc<crate::flags::FlagIndex>, ApiError> {
        let db = self.db.clone();
        self.flags.get((), self.published(), move || {
            crate::flags::FlagIndex::read(&review::Review::of_state_db(&db)?)
        })
    }

    /// Runs `question` on a read-only connection of the pool (a new one when none is free).
    fn with_reader<T>(
        &self,
        question: impl FnOnce(&SqliteStorage) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let taken = self.pool.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let storage = match taken {
            Some(s) => s,
            None => SqliteStorage::open_read_only(&self.db).map_err(|e| {
                ApiError(
                    StatusCode::SERVICE_UNAVAILABLE,
                    format!("{}: {e}", self.db.display()),
                )
            })?,
        };
        let answer = question(&storage);
        let mut pool = self.pool.lock().unwrap_or_else(|p| p.into_inner());
        if pool.len() < self.readers {
            pool.push(storage);
        }
        answer
    }
}

/// A running server's parts: the intake writer and the operator loop.
pub struct Server {
    app: Arc<App>,
    writer: std::thread::JoinHandle<Election>,
    operator: Operator,
}

/// An answer that is not a success, as JSON `{"message": …}`.
pub struct ApiError(pub StatusCode, pub String);

/// 429 with Retry-After: `client` must wait `wait`.
fn too_many(client: std::net::IpAddr, wait: Duration) -> Response {
    let seconds = wait.as_secs_f64().ceil().max(1.0) as u64;
    let mut response = ApiError(
        StatusCode::TOO_MANY_REQUESTS,
        format!("too many requests from {client}; try again in {seconds} s"),
    )
    .into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    response
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "{}: {}", self.0, self.1)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        json_response(self.0, &serde_json::json!({ "message": self.1 }))
    }
}

fn json_response(status: StatusCode, value: &impl Serialize) -> Response {
    let mut body = serde_json::to_vec(value).expect("report values serialise");
    body.push(b'\n');
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

impl Server {
    /// Starts intake on `election` (opened from `dir`) and the operator loop.
    pub fn start(dir: &LogDir, election: Election, options: Options) -> Result<Server, String> {
        let key = dir.key(election.log()).map_err(|e| e.to_string())?;
        let witnesses = dir.witness_vkeys().map_err(|e| e.to_string())?;
        let db = dir.dir.join("log.db");
        let templates: Vec<&'static str> = routes::served(options.witness.is_some())
            .map(|r| r.template)
            .collect();
        let metrics = Arc::new(Metrics::new(&templates));
        let records = ledger::report::records_checkpoints(election.conn());
        let (intake, writer) = Intake::start_observed(election, options.intake, metrics.clone());
        // Witness time: each cosigned checkpoint goes through the same intake and fold as any
        // entry, where the genesis names the log's key.
        let record_cosigned: Option<operator::RecordCosigned> = records.then(|| {
            let intake = intake.clone();
            // The log size just after the last checkpoint recorded: a checkpoint of that size
            // covers nothing new but its own record, and recording it would grow the log
            // forever, one entry a cycle.
            let recorded_through = std::sync::atomic::AtomicU64::new(0);
            Box::new(move |note: &[u8]| {
                let size = tlog::note::open_checkpoint(note)
                    .map_err(|e| e.to_string())?
                    .0
                    .size();
                if size == recorded_through.load(std::sync::atomic::Ordering::Relaxed) {
                    return Ok(());
                }
                let entry = ledger::witnessing::checkpoint_entry(note)?;
                let taken = intake
                    .submit_blocking(vec![entry])
                    .map_err(|(status, message)| format!("{status}: {message}"))?;
                recorded_through.store(taken.first + 1, std::sync::atomic::Ordering::Relaxed);
                Ok(())
            }) as operator::RecordCosigned
        });
        let operator = Operator::start(
            operator::Config {
                db: db.clone(),
                key,
                witnesses: witnesses.clone(),
                witness_timeout: options.witness_timeout,
                public: options.public.clone(),
                every: options.checkpoint_every,
                record_cosigned,
                site: options.site.then_some(options.site_every),
            },
            metrics.clone(),
        );
        let find_source = match &options.find_index {
            Some(file) => crate::find::Source::File(file.clone()),
            None => crate::find::Source::Build {
                db: db.clone(),
                out: crate::find::default_file(&dir.dir),
            },
        };
        let find = Find::start(find_source, Limiter::new(options.find_rate));
        let sms = options
            .sms
            .map(|config| crate::sms::Webhooks::start(config, intake.clone(), db.clone()));
        let app = Arc::new(App {
            find,
            intake,
            public: options.public.clone(),
            blobs: Blobs {
                dir: dir.dir.join("blobs"),
                limits: options.blobs.clone(),
            },
            db,
            readers: options.readers,
            pool: Mutex::new(Vec::new()),
            witnesses,
            operator: operator.status(),
            metrics,
            limiter: Limiter::new(options.rate),
            witness: options.witness.clone(),
            timeouts: options.timeouts,
            sms,
            results: Arc::default(),
            flags: Arc::default(),
        });
        Ok(Server {
            app,
            writer,
            operator,
        })
    }

    /// Every route, as [`routes::ROUTES`] lists them.
    pub fn router(&self) -> Router {
        router(self.app.clone())
    }

    pub fn timeouts(&self) -> Timeouts {
        self.app.timeouts
    }

    /// Stops intake once every submission queued is answered, then runs the operator's last
    /// cycle, which publishes everything acknowledged. Blocking: call it after the HTTP side
    /// has stopped, outside the async runtime.
    pub fn stop(self) -> Result<(Election, operator::Status), String> {
        self.app.intake.stop();
        let election = self
            .writer
            .join()
            .map_err(|_| "the intake writer panicked".to_string())?;
        let status = self.operator.stop();
        Ok((election, status))
    }
}

/// Serves `server` on `listener` until `shutdown`, then stops it (nothing acknowledged is
/// lost: an answer is sent only once its entries are durable).
pub async fn run(
    server: Server,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(Election, operator::Status), String> {
    let timeouts = server.timeouts();
    crate::serve(listener, server.router(), timeouts, shutdown)
        .await
        .map_err(|e| e.to_string())?;
    tokio::task::spawn_blocking(move || server.stop())
        .await
        .map_err(|e| e.to_string())?
}

/// The router of `app`: one handler per route of the table.
pub fn router(app: Arc<App>) -> Router {
    let mut router = Router::new();
    for r in routes::served(app.witness.is_some()) {
        router = router.route(r.template, handler(r));
    }
    router
        .route_layer(axum::middleware::from_fn_with_state(app.clone(), measure))
        .fallback(no_route)
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            rate_limit,
        ))
        .with_state(app)
}

fn handler(r: &Route) -> MethodRouter<Arc<App>> {
    match (r.method, r.path) {
        ("post", "/submit") => post(|State(app): State<Arc<App>>, body: Body| async move {
            intake::handle(&app.intake, body).await
        }),
        ("get", "/checkpoint") => get(|State(app): State<Arc<App>>| async move {
            crate::tiles::note(&app.public, "checkpoint").await
        }),
        ("get", "/state-digest") => get(|State(app): State<Arc<App>>| async move {
            crate::tiles::note(&app.public, ledger::replay::DIGEST_FILE).await
        }),
        ("get", "/state-digests/{size}") => get(
            |State(app): State<Arc<App>>, UrlPath(size): UrlPath<String>| async move {
                match size.parse::<u64>() {
                    Ok(n) => crate::tiles::note(&app.public, &ledger::replay::digest_path(n)).await,
                    Err(_) => no_route().await.into_response(),
                }
            },
        ),
        ("get", "/tile/{path}") => get(
            |State(app): State<Arc<App>>, UrlPath(path): UrlPath<String>| async move {
                crate::tiles::tile_file(&app.public, &path).await
            },
        ),
        ("get", "/proof/{index}") => get(proof),
        ("put", "/blob/{sha256}") => put(put_blob),
        ("get", "/blob/{sha256}") => get(get_blob),
        ("get", "/api/status") => get(status),
        ("get", "/api/headline") => get(|State(app): State<Arc<App>>| async move {
            read(app, |s| {
                Ok(review::summary::Headline::read(s.connection())?)
            })
            .await
        }),
        ("get", "/api/areas") => get(
            |State(app): State<Arc<App>>, Query(q): Query<ContestQuery>| async move {
                answer(app, move |app| {
                    Ok(app.results(q.contest)?.drilldown(None)?)
                })
                .await
            },
        ),
        ("get", "/api/areas/{code}") => get(
            |State(app): State<Arc<App>>,
             UrlPath(code): UrlPath<String>,
             Query(q): Query<ContestQuery>| async move {
                answer(app, move |app| {
                    Ok(app.results(q.contest)?.drilldown(Some(&code))?)
                })
                .await
            },
        ),
        ("get", "/api/stations/{code}") => get(
            |State(app): State<Arc<App>>,
             UrlPath(code): UrlPath<String>,
             Query(q): Query<ContestQuery>| async move {
                answer(app, move |app| {
                    Ok(app.results(q.contest)?.station(&code)?)
                })
                .await
            },
        ),
        ("get", "/api/find") => get(
            |State(app): State<Arc<App>>,
             client: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
             Query(q): Query<FindQuery>| async move {
                // Searches have their own bucket, besides the one every route shares.
                if let Some(ip) = client.map(|c| c.0.0.ip())
                    && let Err(wait) = app.find.limiter.take(ip, Instant::now())
                {
                    return too_many(ip, wait);
                }
                match app.find.search(&q) {
                    Ok(found) => json_response(StatusCode::OK, &found),
                    Err(e) => e.into_response(),
                }
            },
        ),
        ("get", "/") => get(|| async {
            (
                StatusCode::PERMANENT_REDIRECT,
                [(header::LOCATION, "/site/")],
            )
                .into_response()
        }),
        ("get", "/site/") => get(|State(app): State<Arc<App>>| async move {
            crate::site::file(&app.public, "index.html").await
        }),
        ("get", "/site/{path}") => get(
            |State(app): State<Arc<App>>, UrlPath(path): UrlPath<String>| async move {
                crate::site::file(&app.public, &path).await
            },
        ),
        ("get", "/openapi.json") => get(|State(app): State<Arc<App>>| async move {
            json_response(StatusCode::OK, &routes::openapi(app.witness.is_some()))
        }),
        ("get", "/metrics") => get(|State(app): State<Arc<App>>| async move {
            (
                [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
                app.metrics.render(),
            )
        }),
        ("post", "/add-checkpoint") => post(|State(app): State<Arc<App>>, body: Body| async move {
            match &app.witness {
                Some(w) => crate::witness::answer(w.clone(), app.timeouts.body, body).await,
                None => no_route().await.into_response(),
            }
        }),
        ("post", "/sms/{gateway}") => post(
            |State(app): State<Arc<App>>,
             UrlPath(gateway): UrlPath<String>,
             uri: axum::http::Uri,
             headers: HeaderMap,
             body: Body| async move {
                crate::sms::handle(app.sms.as_ref(), &gateway, uri.query(), &headers, body).await
            },
        ),
        ("get", "/api/observers/{key}") => get(
            |State(app): State<Arc<App>>, UrlPath(key): UrlPath<String>| async move {
                // The form checks a photo against these before it signs, so that a report
                // is never refused for its photo after it was signed.
                let photos = PhotoLimits {
                    types: app.blobs.limits.types.clone(),
                    max_bytes: app.blobs.limits.max_size,
                };
                read(app, move |s| {
                    Ok(ObserverAnswer {
                        observer: review::observer::ObserverForms::read(s.connection(), &key)?,
                        photos,
                    })
                })
                .await
            },
        ),
        ("get", "/api/flags") => get(
            |State(app): State<Arc<App>>, Query(q): Query<crate::flags::FlagsQuery>| async move {
                answer(app, move |app| {
                    let index = app.flags()?;
                    Ok(serde_json::to_value(index.page(&q)?).expect("findings serialise"))
                })
                .await
            },
        ),
        (method, path) => unreachable!("routes::ROUTES lists {method} {path} without a handler"),
    }
}

/// `GET /api/observers/{key}`: the observer and their forms, and what a photo may be.
#[derive(Serialize)]
struct ObserverAnswer {
    #[serde(flatten)]
    observer: review::observer::ObserverForms,
    photos: PhotoLimits,
}

/// The blob limits, as the observer form checks a photo.
#[derive(Serialize)]
struct PhotoLimits {
    types: Vec<String>,
    max_bytes: usize,
}

#[derive(Deserialize)]
struct ContestQuery {
    contest: Option<String>,
}

async fn no_route() -> ApiError {
    ApiError(
        StatusCode::NOT_FOUND,
        "no such route; the routes are listed at /openapi.json".into(),
    )
}

/// Request latency by route (only matched routes have a template).
async fn measure(
    State(app): State<Arc<App>>,
    path: Option<MatchedPath>,
    request: Request,
    next: Next,
) -> Response {
    let start = Instant::now();
    let response = next.run(request).await;
    app.metrics
        .request(path.as_ref().map(MatchedPath::as_str), start.elapsed());
    response
}

/// The per-client token bucket: 429 with Retry-After past it.
async fn rate_limit(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let client = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    if let Some(ip) = client
        && let Err(wait) = app.limiter.take(ip, Instant::now())
    {
        app.metrics.rate_limited();
        return too_many(ip, wait);
    }
    next.run(request).await
}

impl From<review::Error> for ApiError {
    fn from(e: review::Error) -> ApiError {
        use review::{Error, Param};
        let status = match &e {
            Error::Param {
                param: Param::Area | Param::Station | Param::Observer,
                ..
            } => StatusCode::NOT_FOUND,
            Error::Param { .. } | Error::Refused(_) => StatusCode::BAD_REQUEST,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError(
            status,
            e.render(&|p| match p {
                Param::Contest => "the query parameter contest".into(),
                Param::Area => "the area".into(),
                Param::Station => "the station".into(),
                Param::Observer => "the observer".into(),
                other => other.name().into(),
            }),
        )
    }
}

/// Runs `question` on a read-only connection of the pool, on a blocking thread.
async fn read<T: Serialize + Send + 'static>(
    app: Arc<App>,
    question: impl FnOnce(&SqliteStorage) -> Result<T, ApiError> + Send + 'static,
) -> Response {
    answer(app, move |app| app.with_reader(question)).await
}

/// Runs `question` on a blocking thread; its value as JSON.
async fn answer<T: Serialize + Send + 'static>(
    app: Arc<App>,
    question: impl FnOnce(&Arc<App>) -> Result<T, ApiError> + Send + 'static,
) -> Response {
    match tokio::task::spawn_blocking(move || question(&app)).await {
        Ok(Ok(value)) => json_response(StatusCode::OK, &value),
        Ok(Err(e)) => e.into_response(),
        Err(e) => ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

#[derive(Serialize)]
struct StatusReport {
    log: review::summary::LogStatus,
    operator: operator::Status,
}

async fn status(State(app): State<Arc<App>>) -> Response {
    let shared = app.clone();
    read(app, move |s| {
        let log = review::summary::LogStatus::read(s, &shared.witnesses)?;
        let operator = shared
            .operator
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        Ok(StatusReport { log, operator })
    })
    .await
}

async fn proof(State(app): State<Arc<App>>, UrlPath(index): UrlPath<String>) -> Response {
    let Ok(index) = index.parse::<u64>() else {
        return ApiError(
            StatusCode::BAD_REQUEST,
            format!("{index:?} is not an entry index"),
        )
        .into_response();
    };
    let public = app.public.clone();
    match tokio::task::spawn_blocking(move || crate::proof::proof(&public, index)).await {
        Ok(Ok(bytes)) => (
            [
                (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            bytes,
        )
            .into_response(),
        Ok(Err(crate::proof::NoProof::NotYet(m))) => {
            ApiError(StatusCode::NOT_FOUND, m).into_response()
        }
        Ok(Err(crate::proof::NoProof::Broken(m))) => {
            ApiError(StatusCode::INTERNAL_SERVER_ERROR, m).into_response()
        }
        Err(e) => ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

fn blob_error(e: BlobError) -> Response {
    let status = match &e {
        BlobError::BadName(_) => StatusCode::BAD_REQUEST,
        BlobError::Type(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        BlobError::Mismatch { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        BlobError::NotFound => StatusCode::NOT_FOUND,
        BlobError::Io(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    ApiError(status, e.to_string()).into_response()
}

async fn put_blob(
    State(app): State<Arc<App>>,
    UrlPath(name): UrlPath<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let media = match app.blobs.media_type(media) {
        Ok(m) => m,
        Err(e) => return blob_error(e),
    };
    let max = app.blobs.limits.max_size;
    let timeout = app.timeouts.body;
    let body = match tokio::time::timeout(timeout, axum::body::to_bytes(body, max)).await {
        Ok(Ok(b)) => b,
        Ok(Err(_)) => {
            return ApiError(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("a blob is at most {max} bytes"),
            )
            .into_response();
        }
        Err(_) => {
            return ApiError(
                StatusCode::REQUEST_TIMEOUT,
                format!("the body did not arrive within {timeout:?}"),
            )
            .into_response();
        }
    };
    let blobs = app.blobs.clone();
    match tokio::task::spawn_blocking(move || blobs.put(&name, &media, &body)).await {
        Ok(Ok(new)) => {
            let status = if new {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            json_response(status, &serde_json::json!({ "stored": new }))
        }
        Ok(Err(e)) => blob_error(e),
        Err(e) => ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

async fn get_blob(
    State(app): State<Arc<App>>,
    UrlPath(name): UrlPath<String>,
    headers: HeaderMap,
) -> Response {
    let etag = format!("\"{name}\"");
    let blobs = app.blobs.clone();
    let found = tokio::task::spawn_blocking(move || blobs.get(&name)).await;
    let (body, media) = match found {
        Ok(Ok(b)) => b,
        Ok(Err(e)) => return blob_error(e),
        Err(e) => {
            return ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response();
        }
    };
    let immutable = "public, max-age=31536000, immutable";
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag))
    {
        return (
            StatusCode::NOT_MODIFIED,
            [
                (header::ETAG, etag.as_str()),
                (header::CACHE_CONTROL, immutable),
            ],
        )
            .into_response();
    }
    (
        [
            (header::CONTENT_TYPE, media.as_str()),
            (header::ETAG, etag.as_str()),
            (header::CACHE_CONTROL, immutable),
        ],
        body,
    )
        .into_response()
}
