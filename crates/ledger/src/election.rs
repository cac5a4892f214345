//! Intake: the one way to write. A submission is validated, sequenced into the log and applied
//! to state in one SQLite transaction; if any entry is refused, nothing is appended.

use crate::event::{Entry, Event};
use crate::fold::{Applied, Fold, Refusal};
use crate::state;
use rusqlite::Connection;
use tlog::{Log, LogError, SqliteStorage};

/// Why a submission was not taken.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("entry {position} of the submission was refused: {refusal}")]
    Refused { position: usize, refusal: Refusal },
    #[error(transparent)]
    Log(#[from] LogError),
    #[error("{0}")]
    Setup(String),
}

/// What a taken submission did.
#[derive(Debug, Clone)]
pub struct Receipt {
    /// Log index of the submission's first entry.
    pub first: u64,
    /// What each entry did, in order.
    pub applied: Vec<Applied>,
}

/// An election: its log, with the state folded from it in the same database.
pub struct Election {
    log: Log<SqliteStorage>,
    fold: Fold,
}

impl Election {
    /// Starts an election in a new, empty log: the genesis becomes entry 0. The genesis's origin
    /// must be the log's.
    pub fn create(log: Log<SqliteStorage>, genesis: &[u8]) -> Result<Election, SubmitError> {
        if log.size() != 0 {
            return Err(SubmitError::Setup(format!(
                "the log already holds {} entries; an election starts in an empty log",
                log.size()
            )));
        }
        let entry = Entry::parse(genesis).map_err(|e| SubmitError::Refused {
            position: 0,
            refusal: Refusal {
                index: 0,
                path: e.path,
                message: e.message,
            },
        })?;
        let Event::Genesis(g) = &entry.event else {
            return Err(SubmitError::Setup(
                "the first entry must be a genesis".into(),
            ));
        };
        if g.origin != log.origin() {
            return Err(SubmitError::Setup(format!(
                "the genesis names origin {:?} but the log's origin is {:?}",
                g.origin,
                log.origin()
            )));
        }
        state::create(log.storage().connection()).map_err(|e| SubmitError::Setup(e.to_string()))?;
        let mut election = Election {
            log,
            fold: Fold::new(),
        };
        election.submit(&[genesis.to_vec()])?;
        Ok(election)
    }

    /// Opens an election whose log already holds its genesis.
    pub fn open(log: Log<SqliteStorage>) -> Result<Election, SubmitError> {
        if log.size() == 0 {
            return Err(SubmitError::Setup(
                "this log holds no election yet (no genesis)".into(),
            ));
        }
        state::create(log.storage().connection()).map_err(|e| SubmitError::Setup(e.to_string()))?;
        Ok(Election {
            log,
            fold: Fold::new(),
        })
    }

    /// Validates, appends and applies `entries` as one atomic step.
    pub fn submit(&mut self, entries: &[Vec<u8>]) -> Result<Receipt, SubmitError> {
        let mut refused: Option<(usize, Refusal)> = None;
        let mut applied = Vec::with_capacity(entries.len());
        let fold = &mut self.fold;
        let result = self.log.append_with(entries, |conn, first| {
            for (i, e) in entries.iter().enumerate() {
                match fold.apply(conn, first + i as u64, e) {
                    Ok(a) => applied.push(a),
                    Err(r) => {
                        refused = Some((i, r));
                        return Err("refused".into());
                    }
                }
            }
            if let Err(r) = fold.finish(conn, first + entries.len() as u64) {
                refused = Some((entries.len().saturating_sub(1), r));
                return Err("refused".into());
            }
            Ok(())
        });
        match result {
            Ok(first) => Ok(Receipt { first, applied }),
            Err(e) => {
                self.fold.reset();
                match refused {
                    Some((position, refusal)) => Err(SubmitError::Refused { position, refusal }),
                    None => Err(e.into()),
                }
            }
        }
    }

    pub fn log(&self) -> &Log<SqliteStorage> {
        &self.log
    }

    pub fn log_mut(&mut self) -> &mut Log<SqliteStorage> {
        &mut self.log
    }

    /// The state tables, for reading.
    pub fn conn(&self) -> &Connection {
        self.log.storage().connection()
    }

    /// The state digest (see [`state::digest`]).
    pub fn digest(&self) -> rusqlite::Result<String> {
        state::digest(self.conn())
    }
}
