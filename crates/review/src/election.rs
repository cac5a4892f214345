//! An election opened for review: the state of an election directory, the state rebuilt by a
//! replay of its published log, or the state database an earlier replay kept. A review opened
//! once serves many questions: the scope of each contest and area is read once and kept.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::Connection;
use serde::Serialize;

use crate::error::{Error, Result, state};
use crate::scope::Scope;

/// Where the reviewed state came from, as every report gives it.
#[derive(Debug, Clone, Serialize)]
pub struct Provenance {
    pub name: String,
    pub origin: String,
    /// "election directory", "replayed log" or "state database".
    pub kind: &'static str,
    pub path: String,
    /// Entries in the log, when known.
    pub entries: Option<u64>,
    /// The rebuilt state's digest (replays).
    pub digest: Option<String>,
    /// For a replay: whether the digest equals the one the commission published beside the log.
    pub matches_published_digest: Option<bool>,
}

/// (contest, area), as asked.
type ScopeKey = (Option<String>, Option<String>);

enum Held {
    Election(Box<ledger::Election>),
    State(Connection),
}

/// An election's state, opened for reading.
pub struct Review {
    held: Held,
    pub provenance: Provenance,
    scopes: Mutex<HashMap<ScopeKey, Arc<Scope>>>,
}

impl Review {
    /// The election of an election directory, opened by the caller.
    pub fn of_election(election: ledger::Election, path: &str) -> Result<Review> {
        let conn = election.conn();
        let provenance = Provenance {
            name: state(ledger::report::election_name(conn))?,
            origin: state(ledger::report::origin(conn))?,
            kind: "election directory",
            path: path.to_string(),
            entries: Some(election.log().size()),
            digest: None,
            matches_published_digest: None,
        };
        Ok(Review::new(Held::Election(Box::new(election)), provenance))
    }

    /// The state database kept by an earlier replay, opened read-only.
    pub fn of_state_db(db: &Path) -> Result<Review> {
        if !db.is_file() {
            return Err(Error::Refused(format!(
                "{} does not exist; make it with `scrutineer replay PUBLISHED --vkey KEY --state-db {}`",
                db.display(),
                db.display()
            )));
        }
        let conn = ledger::report::open_state(db).map_err(|e| match e {
            ledger::report::Error::NotState { .. } => Error::Refused(format!(
                "{} is not an election state database (made by `scrutineer replay --state-db`)",
                db.display()
            )),
            e => Error::Refused(format!("{}: {e}", db.display())),
        })?;
        let name = state(ledger::report::election_name(&conn))?;
        let provenance = Provenance {
            name,
            origin: state(ledger::report::origin(&conn))?,
            kind: "state database",
            path: db.display().to_string(),
            entries: None,
            digest: None,
            matches_published_digest: None,
        };
        Ok(Review::new(Held::State(conn), provenance))
    }

    /// The state rebuilt by a replay of the published log at `source`; `published` is the
    /// (size, digest) of the state digest the commission published beside it, if any.
    pub fn of_replay(
        replayed: ledger::replay::Replay,
        published: Option<(u64, String)>,
        source: &str,
    ) -> Result<Review> {
        let size = replayed.verified.checkpoint.size;
        let matches = published.map(|(s, d)| s == size && d == replayed.digest);
        let conn = replayed.state;
        let provenance = Provenance {
            name: state(ledger::report::election_name(&conn))?,
            origin: state(ledger::report::origin(&conn))?,
            kind: "replayed log",
            path: source.to_string(),
            entries: Some(size),
            digest: Some(replayed.digest),
            matches_published_digest: matches,
        };
        Ok(Review::new(Held::State(conn), provenance))
    }

    fn new(held: Held, provenance: Provenance) -> Review {
        Review {
            held,
            provenance,
            scopes: Mutex::new(HashMap::new()),
        }
    }

    /// The election this review was opened from, if it was an election directory.
    pub fn into_election(self) -> Option<ledger::Election> {
        match self.held {
            Held::Election(e) => Some(*e),
            Held::State(_) => None,
        }
    }

    /// The election, if this review was opened from its directory (its log proves entries).
    pub fn election(&self) -> Option<&ledger::Election> {
        match &self.held {
            Held::Election(e) => Some(e),
            Held::State(_) => None,
        }
    }

    /// The state, for `ledger::report`'s queries.
    pub fn conn(&self) -> &Connection {
        match &self.held {
            Held::Election(e) => e.conn(),
            Held::State(c) => c,
        }
    }

    /// One contest (`None`: the only one) in one area (`None`: everywhere), read once.
    pub fn scope(&self, contest: Option<&str>, area: Option<&str>) -> Result<Arc<Scope>> {
        let key = (contest.map(str::to_string), area.map(str::to_string));
        if let Some(s) = self.scopes.lock().expect("scope cache").get(&key) {
            return Ok(s.clone());
        }
        let scope = Arc::new(Scope::read(self.conn(), contest, area)?);
        self.scopes
            .lock()
            .expect("scope cache")
            .insert(key, scope.clone());
        Ok(scope)
    }
}
