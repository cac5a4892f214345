//! Intake: the one way to write. A submission is validated, sequenced into the log and applied
//! to state in one SQLite transaction; if any entry is refused, nothing is appended.

use crate::event::{Entry, Event};
use crate::fold::{Applied, Fold, Prechecked, Refusal, signature_verifies, signer_key};
use crate::state;
use ed25519_dalek::VerifyingKey;
use rusqlite::Connection;
use std::collections::HashMap;
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

    /// Parses every entry and checks the signatures of signed ones against their authors'
    /// current keys, spread over the machine's cores. The fold checks again wherever a key
    /// changes within the submission.
    fn precheck(&self, entries: &[Vec<u8>]) -> Vec<Option<Prechecked>> {
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(entries.len().div_ceil(256))
            .max(1);
        let chunk = entries.len().div_ceil(threads).max(1);
        let parsed: Vec<Option<Entry>> = std::thread::scope(|s| {
            let handles: Vec<_> = entries
                .chunks(chunk)
                .map(|c| {
                    s.spawn(move || c.iter().map(|e| Entry::parse(e).ok()).collect::<Vec<_>>())
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().expect("parsing thread"))
                .collect()
        });
        let mut keys: HashMap<String, Option<(String, VerifyingKey)>> = HashMap::new();
        for e in parsed.iter().flatten() {
            if let (Some(author), Some(_)) = (&e.author, &e.sig)
                && !keys.contains_key(author)
            {
                keys.insert(author.clone(), signer_key(self.conn(), author));
            }
        }
        let keys = &keys;
        std::thread::scope(|s| {
            let handles: Vec<_> = parsed
                .chunks(chunk)
                .map(|c| {
                    s.spawn(move || {
                        c.iter()
                            .map(|e| {
                                let e = e.clone()?;
                                let verified_with = match &e.author {
                                    Some(author) if e.cosigs.is_empty() => keys
                                        .get(author)
                                        .and_then(|k| k.as_ref())
                                        .filter(|(_, key)| signature_verifies(&e, key))
                                        .map(|(vkey, _)| vkey.clone()),
                                    _ => None,
                                };
                                Some(Prechecked {
                                    entry: e,
                                    verified_with,
                                })
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().expect("verifying thread"))
                .collect()
        })
    }

    /// Validates, appends and applies `entries` as one atomic step.
    pub fn submit(&mut self, entries: &[Vec<u8>]) -> Result<Receipt, SubmitError> {
        self.submit_with(entries, &mut |_, _| {})
    }

    /// [`Election::submit`], telling `progress` (entries applied, entries in all) as it goes.
    pub fn submit_with(
        &mut self,
        entries: &[Vec<u8>],
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Receipt, SubmitError> {
        let mut refused: Option<(usize, Refusal)> = None;
        let mut applied = Vec::with_capacity(entries.len());
        let mut pre = self.precheck(entries).into_iter();
        let fold = &mut self.fold;
        let total = entries.len() as u64;
        let result = self.log.append_with(entries, |conn, first| {
            for (i, e) in entries.iter().enumerate() {
                if i.is_multiple_of(4096) {
                    progress(i as u64, total);
                }
                match fold.apply_prechecked(conn, first + i as u64, e, pre.next().flatten()) {
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

    /// Checks `entries` as [`Election::submit`] would, records nothing, and returns every
    /// refusal with the entry's position in `entries`, not only the first: a refused entry of a
    /// batch is set aside and the rest of the batch is still checked. An importer uses this to
    /// list every bad row at once. `progress` gets (entries checked, entries in all).
    pub fn check(
        &mut self,
        entries: &[Vec<u8>],
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Vec<(usize, Refusal)>, SubmitError> {
        let first = self.log.size();
        let conn = self.log.storage().connection();
        let setup = |e: rusqlite::Error| SubmitError::Setup(format!("checking: {e}"));
        conn.execute_batch("BEGIN").map_err(setup)?;
        self.fold.set_checking(true);
        let mut refusals = Vec::new();
        let total = entries.len() as u64;
        for (i, e) in entries.iter().enumerate() {
            if i.is_multiple_of(4096) {
                progress(i as u64, total);
            }
            let index = first + i as u64;
            let outcome = self.fold.apply(conn, index, e);
            refusals.extend(
                self.fold
                    .take_skipped()
                    .into_iter()
                    .map(|r| ((r.index - first) as usize, r)),
            );
            if let Err(r) = outcome {
                // Not a batch entry (a manifest, or a single event): what follows depends on it.
                refusals.push((i, r));
                break;
            }
        }
        if refusals.is_empty()
            && let Err(r) = self.fold.finish(conn, first + total)
        {
            refusals.push((entries.len().saturating_sub(1), r));
        }
        progress(total, total);
        self.fold.set_checking(false);
        self.fold.reset();
        conn.execute_batch("ROLLBACK").map_err(setup)?;
        Ok(refusals)
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
