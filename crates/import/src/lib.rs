//! Importing files into an election: rows read by `interchange` (stations, a voter roll,
//! result forms), and a file of proposed voter removals ([`propose_removals`]), become signed
//! `ledger` events, submitted as one batch that the election takes
//! whole or not at all; and the election as `interchange` sees it ([`tally()`]), which export
//! writes and a CDF import matches against. Observers' form definitions, reports and received
//! SMS are recorded by [`observer`].
//!
//! A row the reader cannot read, or that the election's checks refuse, is a bad row: by default
//! one bad row refuses the file and every bad row is listed ([`Error::BadRows`]); with
//! `skip_invalid` the bad rows are left out and listed in the report. Each import returns a
//! report value; the caller renders it ([`render`] has the command line's words). Progress and warnings go through [`Progress`].
//!
//! This crate never knows the command line, the terminal or HTTP, and never names a state
//! table: it reads the state through `ledger::report`.

use interchange::Mapping;
use ledger::event::{Content, Entry, Event, MAX_SAFE_INTEGER, build_batch};
use ledger::{Election, SubmitError};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

mod cdf;
mod checkins;
pub mod export;
pub mod observer;
mod removals;
pub mod render;
mod results;
mod roll;
mod stations;
mod tally;

pub use cdf::cdf_forms;
pub use checkins::{SyncReport, read_checkins, record_checkins};
pub use removals::{RemovalsFile, RemovalsReport, evidence_hash, propose_removals, read_removals};
pub use results::{ResultsImport, ResultsReport, result_form};
pub use roll::RollReport;
pub use stations::StationsReport;
pub use tally::tally;

/// A file of events to submit (one unsigned event a line, `docs/election-config.md`), each
/// signed with `key`: the lines and their entries. An error names the file and line.
pub fn sign_events_file(
    path: &std::path::Path,
    key: &tlog::PrivateKey,
) -> std::result::Result<(Vec<usize>, Vec<Vec<u8>>), String> {
    let bytes = interchange::read_capped(path, interchange::MAX_EVENTS_FILE, "a file of events")
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8(bytes).map_err(|e| {
        format!(
            "{}: not UTF-8 (byte {})",
            path.display(),
            e.utf8_error().valid_up_to()
        )
    })?;
    let signed = ledger::event::sign_lines(&text, key)
        .map_err(|(line, e)| format!("{}: line {line}: {e}", path.display()))?;
    if signed.is_empty() {
        return Err(format!("{} holds no events", path.display()));
    }
    Ok(signed.into_iter().unzip())
}

/// Why [`submit_events_file`] recorded nothing.
#[derive(Debug, thiserror::Error)]
pub enum EventsError {
    /// The file cannot be read or a line is not an event: names the file and line.
    #[error("{0}")]
    File(String),
    /// The election refused an event: the file, its line, the field and why.
    #[error("refused, nothing was recorded: {file}: line {line}: {path}: {message}")]
    Refused {
        file: String,
        line: usize,
        path: String,
        message: String,
    },
    /// The submission failed for another reason (the store).
    #[error(transparent)]
    Submit(SubmitError),
}

/// Signs each event of the file at `path` with `key` ([`sign_events_file`]) and submits them
/// as one step, all or none.
pub fn submit_events_file(
    election: &mut Election,
    path: &Path,
    key: &tlog::PrivateKey,
) -> std::result::Result<ledger::election::Receipt, EventsError> {
    let (lines, entries) = sign_events_file(path, key).map_err(EventsError::File)?;
    election.submit(&entries).map_err(|e| match e {
        SubmitError::Refused { position, refusal } => EventsError::Refused {
            file: path.display().to_string(),
            line: lines[position.min(lines.len() - 1)],
            path: refusal.path,
            message: refusal.message,
        },
        e => EventsError::Submit(e),
    })
}

/// Why an import recorded nothing.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file or the mapping cannot be read.
    #[error(transparent)]
    Read(#[from] interchange::Error),
    /// The election's state cannot be read.
    #[error(transparent)]
    Report(#[from] ledger::report::Error),
    /// The private file of a roll cannot be written or settled.
    #[error(transparent)]
    Private(#[from] ledger::private::PrivateError),
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Rows cannot be taken and leaving them out was not asked for.
    #[error(
        "refused, nothing was recorded: {} of the rows of {} cannot be taken",
        bad.len(), file.display()
    )]
    BadRows { file: PathBuf, bad: Vec<BadRow> },
    /// Leaving the bad rows out left nothing.
    #[error("nothing was recorded: every row of {} was refused", file.display())]
    EveryRowRefused { file: PathBuf, bad: Vec<BadRow> },
    /// Several of something and none chosen: the caller must say which.
    #[error("{context}: several {what:?} ({}); choose one", among.join(", "))]
    Choose {
        what: Choice,
        context: String,
        among: Vec<String>,
    },
    /// The signer is enrolled in a role that files no forms of its own, so the forms' source
    /// must be given.
    #[error("{name:?} is a {role}; say which copy these forms are")]
    SourceNeeded { name: String, role: String },
    /// Checking the batch failed (not a refusal of a row).
    #[error(transparent)]
    Check(SubmitError),
    /// Submitting the batch failed (not a refusal of a row).
    #[error(transparent)]
    Submit(SubmitError),
    /// Anything else that stops the import, on one line.
    #[error("{0}")]
    Refused(String),
}

/// What an import needs chosen when a file or an election offers several.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// The mapping describes several copies of the form.
    Copy,
    /// The election has several contests.
    Contest,
}

pub type Result<T> = std::result::Result<T, Error>;

/// A row that cannot be taken, and why.
#[derive(Debug, Clone, Serialize)]
pub struct BadRow {
    pub line: u64,
    /// Where in the row: a column, or an event field and its mapping key.
    pub field: String,
    pub reason: String,
}

/// A step of an import that takes long enough to show.
#[derive(Debug, Clone)]
pub enum Step {
    /// Reading the file (its name); counted in bytes.
    Reading(String),
    /// Running the election's checks without recording; counted in entries.
    Checking,
    /// Recording the batch; counted in entries.
    Recording,
}

/// What the caller sees while an import runs. Every method does nothing by default.
pub trait Progress {
    fn begin(&mut self, _step: Step, _total: u64) {}
    fn advance(&mut self, _done: u64) {}
    fn end(&mut self) {}
    /// The file has been read: so many rows.
    fn read(&mut self, _rows: u64, _file: &Path) {}
    /// Something went wrong on the way out that the error itself does not say.
    fn warn(&mut self, _message: &str) {}
}

/// No progress shown.
pub struct Quiet;
impl Progress for Quiet {}

/// Log indexes of a recorded batch, first and last.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Span {
    pub first: u64,
    pub last: u64,
}

impl Span {
    fn of(receipt: &ledger::election::Receipt) -> Span {
        Span {
            first: receipt.first,
            last: receipt.first + receipt.applied.len() as u64 - 1,
        }
    }
}

impl std::fmt::Display for Span {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}..{}", self.first, self.last)
    }
}

/// One import: the election, the signer, the file and its mapping, and the rows' fate.
pub struct Import<'a> {
    pub election: &'a mut Election,
    key: tlog::PrivateKey,
    /// The election directory, where a roll's private file goes by default.
    dir: PathBuf,
    file: PathBuf,
    mapping: Mapping,
    skip_invalid: bool,
    bad: Vec<BadRow>,
    progress: &'a mut dyn Progress,
}

impl<'a> Import<'a> {
    /// `mapping` must already be checked for the kind imported (`Mapping::expect`).
    pub fn new(
        election: &'a mut Election,
        key: tlog::PrivateKey,
        dir: &Path,
        file: &Path,
        mapping: Mapping,
        skip_invalid: bool,
        progress: &'a mut dyn Progress,
    ) -> Import<'a> {
        Import {
            election,
            key,
            dir: dir.to_path_buf(),
            file: file.to_path_buf(),
            mapping,
            skip_invalid,
            bad: Vec::new(),
            progress,
        }
    }

    /// Opens the data file with a counter of the bytes read, for the progress shown.
    fn input(&mut self) -> Result<(Box<dyn std::io::Read + Send>, Arc<AtomicU64>)> {
        let size = std::fs::metadata(&self.file)
            .map_err(|source| Error::Io {
                path: self.file.clone(),
                source,
            })?
            .len();
        let counter = Arc::new(AtomicU64::new(0));
        let input = interchange::open_data_counted(&self.file, Some(counter.clone()))?;
        let name = self
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        self.progress.begin(Step::Reading(name), size);
        Ok((input, counter))
    }

    /// Collects the rows; a row the reader cannot read becomes a bad row, and an unreadable
    /// file stops the import.
    fn collect<T>(
        &mut self,
        rows: impl Iterator<Item = std::result::Result<T, interchange::Error>>,
        counter: Arc<AtomicU64>,
    ) -> Result<Vec<T>> {
        let mut out = Vec::new();
        let mut read = 0u64;
        for row in rows {
            read += 1;
            if read.is_multiple_of(1024) {
                self.progress.advance(counter.load(Ordering::Relaxed));
            }
            match row {
                Ok(r) => out.push(r),
                Err(interchange::Error::Cell {
                    line,
                    column,
                    message,
                    ..
                }) => self.bad.push(BadRow {
                    line,
                    field: format!("column {column}"),
                    reason: message,
                }),
                Err(interchange::Error::Row { line, message, .. }) => self.bad.push(BadRow {
                    line,
                    field: "row".to_string(),
                    reason: message,
                }),
                Err(e) => return Err(e.into()),
            }
        }
        self.progress.end();
        self.progress.read(read, &self.file);
        Ok(out)
    }

    /// Refuses the import if rows are bad and leaving them out was not asked for.
    fn stop_if_bad(&self) -> Result<()> {
        if self.bad.is_empty() || self.skip_invalid {
            return Ok(());
        }
        Err(Error::BadRows {
            file: self.file.clone(),
            bad: sorted(&self.bad),
        })
    }

    /// The rows left out so far, by line.
    fn left_out(&self) -> Vec<BadRow> {
        sorted(&self.bad)
    }

    /// Submits `staged` as one batch: chooses the events ([`Import::choose`]), then records
    /// them. Returns the receipt and the events taken.
    fn submit(
        &mut self,
        content: Content,
        staged: Staged,
        governed: Option<(String, Vec<String>)>,
        field_key: &dyn Fn(&str) -> Option<String>,
    ) -> Result<(ledger::election::Receipt, Staged)> {
        let staged = self.choose(content, staged, governed.clone(), field_key)?;
        let receipt = self.record(content, &staged, governed, field_key)?;
        Ok((receipt, staged))
    }

    /// The events to submit: `staged` without the rows that cannot be taken (skip_invalid),
    /// or an error listing them. Records nothing.
    fn choose(
        &mut self,
        content: Content,
        mut staged: Staged,
        governed: Option<(String, Vec<String>)>,
        field_key: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Staged> {
        self.check_sizes(&mut staged);
        if !self.bad.is_empty() && !self.skip_invalid {
            // Some rows are bad already; find those the election would refuse too, then stop.
            if !staged.events.is_empty() {
                let entries = build(&self.key, content, &staged, governed.clone());
                self.find_refused(&entries, &staged, field_key)?;
            }
            self.stop_if_bad()?;
        }
        if staged.events.is_empty() {
            return Err(Error::Refused(format!(
                "nothing to import: no row of {} is left",
                self.file.display()
            )));
        }
        if self.skip_invalid {
            // Leaving a row out can change what else is refused (an area and its stations),
            // so check again until nothing is.
            for round in 0.. {
                let entries = build(&self.key, content, &staged, governed.clone());
                let refused = self.find_refused(&entries, &staged, field_key)?;
                if !refused.contains(&true) {
                    break;
                }
                if round == 8 {
                    return Err(Error::Refused(
                        "refused, nothing was recorded: rows keep being refused after 8 rounds of leaving bad rows out".into(),
                    ));
                }
                staged.retain(|i| !refused[i]);
                if staged.events.is_empty() {
                    return Err(Error::EveryRowRefused {
                        file: self.file.clone(),
                        bad: self.left_out(),
                    });
                }
            }
        }
        Ok(staged)
    }

    /// Submits the chosen events as one batch.
    fn record(
        &mut self,
        content: Content,
        staged: &Staged,
        governed: Option<(String, Vec<String>)>,
        field_key: &dyn Fn(&str) -> Option<String>,
    ) -> Result<ledger::election::Receipt> {
        let entries = build(&self.key, content, staged, governed);
        self.progress.begin(Step::Recording, entries.len() as u64);
        let progress = &mut *self.progress;
        let result = self
            .election
            .submit_with(&entries, &mut |done, _| progress.advance(done));
        self.progress.end();
        match result {
            Ok(receipt) => Ok(receipt),
            Err(SubmitError::Refused {
                position: 0,
                refusal,
            }) => Err(Error::Refused(format!(
                "refused, nothing was recorded: the batch itself: {}: {}",
                refusal.path, refusal.message
            ))),
            Err(SubmitError::Refused { .. }) if !self.skip_invalid => {
                // List every refused row, not only the first.
                self.find_refused(&entries, staged, field_key)?;
                self.stop_if_bad()?;
                Err(Error::Refused("refused, nothing was recorded".into()))
            }
            Err(e) => Err(Error::Submit(e)),
        }
    }

    /// Runs the election's checks over `entries` (the batch of `staged`) without recording
    /// anything; each refused event's row becomes a bad row. Returns which events were refused.
    fn find_refused(
        &mut self,
        entries: &[Vec<u8>],
        staged: &Staged,
        field_key: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Vec<bool>> {
        self.progress.begin(Step::Checking, entries.len() as u64);
        let progress = &mut *self.progress;
        let refusals = self
            .election
            .check(entries, &mut |done, _| progress.advance(done))
            .map_err(Error::Check)?;
        self.progress.end();
        let mut refused = vec![false; staged.events.len()];
        for (position, r) in refusals {
            if position == 0 {
                return Err(Error::Refused(format!(
                    "refused, nothing was recorded: the batch itself: {}: {}",
                    r.path, r.message
                )));
            }
            refused[position - 1] = true;
            self.bad
                .push(bad_from_refusal(staged.lines[position - 1], &r, field_key));
        }
        Ok(refused)
    }

    /// An entry larger than the log takes would refuse the whole batch at append time.
    fn check_sizes(&mut self, staged: &mut Staged) {
        let mut too_big = vec![false; staged.events.len()];
        for (i, e) in staged.events.iter().enumerate() {
            let size = Entry::in_batch(e.clone(), &"0".repeat(32)).to_bytes().len();
            if size > tlog::tile::MAX_ENTRY_SIZE {
                too_big[i] = true;
                self.bad.push(BadRow {
                    line: staged.lines[i],
                    field: "row".into(),
                    reason: format!(
                        "its event would be {size} bytes, above the log's limit of {}",
                        tlog::tile::MAX_ENTRY_SIZE
                    ),
                });
            }
        }
        if too_big.contains(&true) {
            staged.retain(|i| !too_big[i]);
        }
    }

    /// Members to ask, when the rule says every party must be asked: all of them.
    fn asked(&self) -> Result<Vec<String>> {
        let conn = self.election.conn();
        let rule = ledger::report::rule(conn)?;
        if !rule.every_party_asked {
            return Ok(Vec::new());
        }
        Ok(ledger::report::members(conn)?
            .into_iter()
            .filter(|m| !m.3)
            .map(|m| m.0)
            .collect())
    }
}

fn sorted(bad: &[BadRow]) -> Vec<BadRow> {
    let mut sorted = bad.to_vec();
    sorted.sort_by_key(|b| b.line);
    sorted
}

/// Events to submit, each with the line of the row it came from.
#[derive(Default)]
struct Staged {
    events: Vec<Event>,
    lines: Vec<u64>,
}

impl Staged {
    fn push(&mut self, event: Event, line: u64) {
        self.events.push(event);
        self.lines.push(line);
    }

    fn retain(&mut self, keep: impl Fn(usize) -> bool) {
        let mut i = 0;
        self.events.retain(|_| {
            i += 1;
            keep(i - 1)
        });
        let mut i = 0;
        self.lines.retain(|_| {
            i += 1;
            keep(i - 1)
        });
    }
}

fn build(
    key: &tlog::PrivateKey,
    content: Content,
    staged: &Staged,
    governed: Option<(String, Vec<String>)>,
) -> Vec<Vec<u8>> {
    build_batch(key, content, staged.events.clone(), governed)
}

fn bad_from_refusal(
    line: u64,
    r: &ledger::Refusal,
    field_key: &dyn Fn(&str) -> Option<String>,
) -> BadRow {
    let field = match r.path.strip_prefix("body.") {
        Some(field) => field.to_string(),
        None if r.path == "body" => "row".to_string(),
        None => r.path.clone(),
    };
    let field = match field_key(&field) {
        Some(key) => format!("{field} (mapping key `{key}`)"),
        None => field,
    };
    BadRow {
        line,
        field,
        reason: r.message.clone(),
    }
}

/// A count as the log takes it: at most 2^53 - 1, so that every JSON reader reads it exactly.
fn safe(v: u64, what: &str) -> std::result::Result<u64, String> {
    if v > MAX_SAFE_INTEGER {
        Err(format!("{what} {v} is larger than 2^53 - 1"))
    } else {
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_above_two_to_the_53_is_refused_by_name() {
        assert_eq!(safe(MAX_SAFE_INTEGER, "valid"), Ok(MAX_SAFE_INTEGER));
        let e = safe(MAX_SAFE_INTEGER + 1, "valid").unwrap_err();
        assert_eq!(e, "valid 9007199254740992 is larger than 2^53 - 1");
    }

    #[test]
    fn a_refused_field_is_named_with_its_mapping_key() {
        let r = ledger::Refusal {
            index: 9,
            path: "body.station".into(),
            message: "no such station".into(),
        };
        let key = |f: &str| (f == "station").then(|| "station.id".to_string());
        let b = bad_from_refusal(7, &r, &key);
        assert_eq!(b.line, 7);
        assert_eq!(b.field, "station (mapping key `station.id`)");
        let whole = ledger::Refusal {
            index: 9,
            path: "body".into(),
            message: "bad".into(),
        };
        assert_eq!(bad_from_refusal(3, &whole, &key).field, "row");
    }

    #[test]
    fn staged_rows_keep_their_lines_when_some_are_left_out() {
        let mut s = Staged::default();
        for (i, line) in [2u64, 3, 5].iter().enumerate() {
            s.push(
                Event::Area(ledger::event::Area {
                    code: format!("A{i}"),
                    level: "province".into(),
                    name: format!("A{i}"),
                    parent: None,
                }),
                *line,
            );
        }
        s.retain(|i| i != 1);
        assert_eq!(s.lines, vec![2, 5]);
        assert_eq!(s.events.len(), 2);
    }
}
