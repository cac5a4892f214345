//! A polling station's sync from a CSV file: its check-ins, signed once by the polling official
//! as one batch of `checkins` entries (`docs/pollbook.md`).
//!
//! The file has a header naming the columns `id`, `at` and `presented` (in any order, other
//! columns ignored): the check-in id, the claimed time in Unix seconds, and the voter's
//! pseudonym (64 lowercase hex digits) or `card:` and a temporary card's number. Every bad row
//! is listed with its line and column; one bad row refuses the file and nothing is recorded.
//! A sync sent again unchanged is the same batch: it is recognised and nothing is recorded
//! twice; a sync sent again with more check-ins records them all, and the fold counts those it
//! has seen once.

use crate::{BadRow, Error, Result, Span};
use ledger::Election;
use ledger::event::{CheckIn, Checkins, Content, Event, Presented, batch_id, build_batch};
use ledger::report::pollbook::{CheckinAlert, batch_recorded, checkin_alerts_from};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The largest sync file read (a station's day is a few hundred rows).
pub const MAX_FILE: u64 = 64 << 20;

/// Check-ins per entry: about 45 KB, well under the 65,535-byte entry.
pub const ENTRY_CHECKINS: usize = 500;

/// What recording a sync did.
#[derive(Debug, Clone, Serialize)]
pub struct SyncReport {
    pub file: PathBuf,
    pub station: String,
    /// Check-ins in the file.
    pub checkins: usize,
    /// The batch's id.
    pub batch: String,
    /// Where it was recorded; None when the same sync was recorded before.
    pub span: Option<Span>,
    /// The alerts this sync raised.
    pub alerts: Vec<CheckinAlert>,
}

/// Reads a sync file: each row's line and check-in, or every bad row.
pub fn read_checkins(path: &Path) -> Result<Vec<(u64, CheckIn)>> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let size = std::fs::metadata(path).map_err(io)?.len();
    if size > MAX_FILE {
        return Err(Error::Refused(format!(
            "{}: {size} bytes, above the limit of {MAX_FILE} for a station's sync",
            path.display()
        )));
    }
    let file = std::fs::File::open(path).map_err(io)?;
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(file);
    let header = reader
        .headers()
        .map_err(|e| Error::Refused(format!("{}:1: {e}", path.display())))?
        .clone();
    let column = |name: &str| header.iter().position(|h| h.trim() == name);
    let (Some(id), Some(at), Some(presented)) = (column("id"), column("at"), column("presented"))
    else {
        return Err(Error::Refused(format!(
            "{}:1: the header must name the columns id, at and presented",
            path.display()
        )));
    };
    let mut rows = Vec::new();
    let mut bad = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            Error::Refused(format!("{}:{line}: {e}", path.display()))
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let get = |i: usize| record.get(i).unwrap_or("").trim();
        let mut fail = |field: &str, reason: String| {
            bad.push(BadRow {
                line,
                field: field.into(),
                reason,
            })
        };
        if let Err(e) = ledger::event::check_checkin_id(get(id)) {
            fail("id", e);
            continue;
        }
        let time = match get(at).parse::<u64>() {
            Ok(t) if t <= ledger::event::MAX_SAFE_INTEGER => t,
            _ => {
                fail("at", format!("{:?} is not a time in Unix seconds", get(at)));
                continue;
            }
        };
        match Presented::parse(get(presented)) {
            Ok(p) => rows.push((
                line,
                CheckIn {
                    id: get(id).to_string(),
                    at: time,
                    presented: p,
                },
            )),
            Err(e) => fail("presented", e),
        }
    }
    if !bad.is_empty() {
        return Err(Error::BadRows {
            file: path.to_path_buf(),
            bad,
        });
    }
    if rows.is_empty() {
        return Err(Error::Refused(format!(
            "{}: no check-ins to record",
            path.display()
        )));
    }
    Ok(rows)
}

/// Records a station's sync, signed by `key` (a polling official of the station).
pub fn record_checkins(
    election: &mut Election,
    key: &tlog::PrivateKey,
    station: &str,
    path: &Path,
) -> Result<SyncReport> {
    let rows = read_checkins(path)?;
    let checkins: Vec<CheckIn> = rows.into_iter().map(|(_, c)| c).collect();
    let events: Vec<Event> = checkins
        .chunks(ENTRY_CHECKINS)
        .map(|part| {
            Event::Checkins(Checkins {
                checkins: part.to_vec(),
                station: station.to_string(),
            })
        })
        .collect();
    let id = batch_id(key.name(), Content::Checkins, &events);
    let mut report = SyncReport {
        file: path.to_path_buf(),
        station: station.to_string(),
        checkins: checkins.len(),
        batch: id.clone(),
        span: None,
        alerts: Vec::new(),
    };
    if batch_recorded(election.conn(), &id)? {
        return Ok(report);
    }
    let entries = build_batch(key, Content::Checkins, events, None);
    let receipt = election.submit(&entries).map_err(Error::Submit)?;
    let span = Span::of(&receipt);
    report.alerts = checkin_alerts_from(election.conn(), span.first)?;
    report.span = Some(span);
    Ok(report)
}
