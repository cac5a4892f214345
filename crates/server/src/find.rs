//! "Find my name" over HTTP (`GET /api/find`): the `roll::index` of the election's public roll,
//! built when the server starts (`review::roll::index::build_index`, on its own thread and
//! read-only connection, so intake never waits for it) or opened from a file built before
//! (`scrutineer roll index`). Each client has its own token bucket for searches, apart from the
//! one every route shares, so a search costs little and a flood of them is refused early.
//!
//! The index is of the roll as it stood when it was built: a roll changed after the server
//! started is found after a restart.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use axum::http::StatusCode;
use roll::index::{Index, Query};
use serde::{Deserialize, Serialize};

use crate::app::ApiError;
use crate::limit::Limiter;

/// The most voters one search returns.
pub const MAX_LIMIT: usize = 50;

/// Where the index comes from.
#[derive(Debug, Clone)]
pub enum Source {
    /// Built from the roll in the election's `log.db` into this file when the server starts.
    Build { db: PathBuf, out: PathBuf },
    /// A file built before (`scrutineer roll index`).
    File(PathBuf),
}

enum State {
    Building,
    Ready(Index),
    Failed(String),
}

/// The index as the handlers see it, and the searches' own rate limit.
pub struct Find {
    state: RwLock<State>,
    /// Each client's searches (the handler takes from it before searching).
    pub limiter: Limiter,
}

impl Find {
    /// Starts building or opening the index on its own thread; searches are answered 503
    /// until it is ready.
    pub fn start(source: Source, limiter: Limiter) -> Arc<Find> {
        let find = Arc::new(Find {
            state: RwLock::new(State::Building),
            limiter,
        });
        let shared = find.clone();
        std::thread::Builder::new()
            .name("find-index".into())
            .spawn(move || {
                let state = match open(&source) {
                    Ok(index) => State::Ready(index),
                    Err(e) => {
                        tracing::error!("find my name: {e}");
                        State::Failed(e)
                    }
                };
                *shared.state.write().unwrap_or_else(|p| p.into_inner()) = state;
            })
            .expect("a thread can be started");
        find
    }

    /// Answers one search.
    pub fn search(&self, q: &FindQuery) -> Result<Found, ApiError> {
        let query = q.parse()?;
        let limit = match q.limit.as_deref() {
            None => 10,
            Some(l) => match l.trim().parse::<usize>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
                _ => return Err(bad(format!("limit {l:?}: a number from 1 to {MAX_LIMIT}"))),
            },
        };
        let state = self.state.read().unwrap_or_else(|p| p.into_inner());
        match &*state {
            State::Ready(index) => Ok(Found {
                found: index
                    .find(&query, limit)
                    .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?,
            }),
            State::Building => Err(ApiError(
                StatusCode::SERVICE_UNAVAILABLE,
                "the index of the roll is still being built; try again shortly".into(),
            )),
            State::Failed(e) => Err(ApiError(StatusCode::SERVICE_UNAVAILABLE, e.clone())),
        }
    }
}

fn open(source: &Source) -> Result<Index, String> {
    match source {
        Source::File(path) => Index::open(path).map_err(|e| e.to_string()),
        Source::Build { db, out } => {
            let review = review::Review::of_state_db(db).map_err(|e| e.to_string())?;
            review::roll::index::build_index(&review, out, &mut |_| {})
                .map_err(|e| format!("building the index of the roll: {e}"))?;
            Index::open(out).map_err(|e| e.to_string())
        }
    }
}

fn bad(message: String) -> ApiError {
    ApiError(StatusCode::BAD_REQUEST, message)
}

/// The query string of `GET /api/find`.
#[derive(Debug, Default, Deserialize)]
pub struct FindQuery {
    pub q: Option<String>,
    pub birth_year: Option<String>,
    pub area: Option<String>,
    pub limit: Option<String>,
}

impl FindQuery {
    fn parse(&self) -> Result<Query, ApiError> {
        let Some(text) = &self.q else {
            return Err(bad("q: the name to look for is missing".into()));
        };
        let year = match self.birth_year.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(y) => match y.parse::<u16>() {
                Ok(y) => Some(y),
                Err(_) => return Err(bad(format!("birth_year {y:?}: not a year"))),
            },
        };
        let area = self.area.as_deref().filter(|a| !a.trim().is_empty());
        Query::parse(text, year, area).map_err(|e| bad(e.to_string()))
    }
}

/// The answer.
#[derive(Debug, Serialize)]
pub struct Found {
    pub found: Vec<roll::index::Found>,
}

/// Where `serve` builds the index: beside the election's database.
pub fn default_file(dir: &Path) -> PathBuf {
    dir.join("find-my-name.idx")
}
