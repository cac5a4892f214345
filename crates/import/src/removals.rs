//! Proposing voter removals from a file, as one governed batch (`content: removals`): a reason
//! and the evidence's hash per voter. The file is what a deduplication run or a death register
//! match writes (`docs/roll.md` gives the format):
//!
//! - CSV with a header naming the columns `voter`, `reason` and optionally `evidence`, other
//!   columns ignored; or
//! - JSON lines (`.jsonl`, `.ndjson`), one object per line with the members `voter`, `reason`
//!   and optionally `evidence`, other members ignored.
//!
//! `reason` is one of `deceased`, `duplicate`, `not_eligible`, `moved_away`, `court_order`,
//! `own_request`; `evidence` is the lowercase hex SHA-256 of the evidence document, and the
//! caller's evidence file stands for the rows that give none. Every bad row is listed with its
//! line; one bad row refuses the file and nothing is recorded.

use crate::{BadRow, Error, Result, Span, bad_from_refusal};
use ledger::Election;
use ledger::event::{Content, Event, Removal, RemovalReason, build_batch};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

/// The largest removals file read (a national deduplication's output fits many times over).
pub const MAX_FILE: u64 = 1 << 30;
/// The longest line of a removals file.
const MAX_LINE: usize = 1 << 16;

/// What proposing the removals did.
#[derive(Debug, Clone, Serialize)]
pub struct RemovalsReport {
    pub file: PathBuf,
    /// Voters proposed for removal.
    pub voters: usize,
    /// The proposal members now approve (`scrutineer approve DIR PROPOSAL`).
    pub proposal: String,
    pub span: Span,
    /// The hex SHA-256 of the evidence file given for rows without their own, if one was.
    pub evidence: Option<String>,
}

/// Lowercase hex SHA-256 of a file's bytes.
pub fn evidence_hash(path: &Path) -> Result<String> {
    let mut f = std::fs::File::open(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(ledger::event::hex(&h.finalize()))
}

#[derive(serde::Deserialize)]
struct Row {
    voter: Option<String>,
    reason: Option<String>,
    evidence: Option<String>,
}

fn reason(s: &str) -> Option<RemovalReason> {
    serde_json::from_value(serde_json::Value::String(s.trim().to_string())).ok()
}

/// A removals file as read: each row's line and removal, and the rows that cannot be taken.
#[derive(Debug, Clone, Default)]
pub struct RemovalsFile {
    pub removals: Vec<(u64, Removal)>,
    pub bad: Vec<BadRow>,
}

/// Reads a removals file.
pub fn read_removals(path: &Path, evidence: Option<&str>) -> Result<RemovalsFile> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let size = std::fs::metadata(path).map_err(io)?.len();
    if size > MAX_FILE {
        return Err(Error::Refused(format!(
            "{}: {size} bytes, above the limit of {MAX_FILE} for a removals file",
            path.display()
        )));
    }
    let file = std::fs::File::open(path).map_err(io)?;
    let jsonl = matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("jsonl" | "ndjson")
    );
    let mut rows: Vec<(u64, Row)> = Vec::new();
    let mut bad = Vec::new();
    if jsonl {
        let mut reader = std::io::BufReader::new(file);
        let mut line = Vec::new();
        for n in 1u64.. {
            line.clear();
            let got = (&mut reader)
                .take(MAX_LINE as u64 + 1)
                .read_until(b'\n', &mut line)
                .map_err(io)?;
            if got == 0 {
                break;
            }
            if line.len() > MAX_LINE && !line.ends_with(b"\n") {
                return Err(Error::Refused(format!(
                    "{}:{n}: line longer than {MAX_LINE} bytes",
                    path.display()
                )));
            }
            let text = String::from_utf8_lossy(&line);
            if text.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<Row>(&text) {
                Ok(r) => rows.push((n, r)),
                Err(e) => bad.push(BadRow {
                    line: n,
                    field: "row".into(),
                    reason: format!("not a JSON object of voter, reason, evidence: {e}"),
                }),
            }
        }
    } else {
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(file);
        let header = reader
            .headers()
            .map_err(|e| Error::Refused(format!("{}:1: {e}", path.display())))?
            .clone();
        let column = |name: &str| header.iter().position(|h| h.trim() == name);
        let (Some(voter), Some(why)) = (column("voter"), column("reason")) else {
            return Err(Error::Refused(format!(
                "{}:1: the header must name the columns voter and reason (and optionally evidence); it has {}",
                path.display(),
                // Quoted, so that a header with a line break or a control character in a
                // quoted field still makes one line.
                header
                    .iter()
                    .take(20)
                    .map(|h| format!("{h:?}"))
                    .collect::<Vec<_>>()
                    .join(",")
            )));
        };
        let evidence_col = column("evidence");
        for record in reader.records() {
            let record = match record {
                Ok(r) => r,
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    return Err(Error::Refused(format!("{}:{line}: {e}", path.display())));
                }
            };
            let line = record.position().map_or(0, |p| p.line());
            if record.iter().map(str::len).sum::<usize>() > MAX_LINE {
                return Err(Error::Refused(format!(
                    "{}:{line}: line longer than {MAX_LINE} bytes",
                    path.display()
                )));
            }
            let get = |i: Option<usize>| i.and_then(|i| record.get(i)).map(str::to_string);
            rows.push((
                line,
                Row {
                    voter: get(Some(voter)),
                    reason: get(Some(why)),
                    evidence: get(evidence_col).filter(|e| !e.trim().is_empty()),
                },
            ));
        }
    }
    let mut out = Vec::new();
    for (line, row) in rows {
        let mut fail = |field: &str, why: String| {
            bad.push(BadRow {
                line,
                field: field.into(),
                reason: why,
            })
        };
        let voter = row.voter.unwrap_or_default().trim().to_string();
        if voter.is_empty() {
            fail("voter", "no voter id".into());
            continue;
        }
        let Some(r) = row.reason.as_deref().and_then(reason) else {
            fail(
                "reason",
                format!(
                    "{:?} is not a reason; use deceased, duplicate, not_eligible, moved_away, court_order or own_request",
                    row.reason.unwrap_or_default()
                ),
            );
            continue;
        };
        let Some(e) = row.evidence.or(evidence.map(str::to_string)) else {
            fail(
                "evidence",
                "no evidence: give the column or the evidence file".into(),
            );
            continue;
        };
        out.push((
            line,
            Removal {
                evidence: e.trim().to_string(),
                reason: r,
                voter,
            },
        ));
    }
    Ok(RemovalsFile { removals: out, bad })
}

/// Proposes the file's removals as one governed batch signed by `key`, with `reason` as the
/// proposal's reason. The election's checks run first: every row it would refuse (an unknown
/// or already removed voter, one listed twice, a malformed evidence hash, a voter outside the
/// signer's areas) is listed by line and nothing is recorded.
pub fn propose_removals(
    election: &mut Election,
    key: &tlog::PrivateKey,
    file: &Path,
    reason: &str,
    evidence_file: Option<&Path>,
) -> Result<RemovalsReport> {
    let evidence = evidence_file.map(evidence_hash).transpose()?;
    let RemovalsFile {
        removals: rows,
        mut bad,
    } = read_removals(file, evidence.as_deref())?;
    if rows.is_empty() && bad.is_empty() {
        return Err(Error::Refused(format!(
            "nothing to propose: {} lists no voter",
            file.display()
        )));
    }
    let conn = election.conn();
    let asked = if ledger::report::rule(conn)?.every_party_asked {
        ledger::report::members(conn)?
            .into_iter()
            .filter(|m| !m.3)
            .map(|m| m.0)
            .collect()
    } else {
        Vec::new()
    };
    let events: Vec<Event> = rows.iter().map(|r| Event::Removal(r.1.clone())).collect();
    let entries = build_batch(
        key,
        Content::Removals,
        events,
        Some((reason.to_string(), asked)),
    );
    if !rows.is_empty() {
        let refusals = election
            .check(&entries, &mut |_, _| {})
            .map_err(Error::Check)?;
        let field_key = |_: &str| None;
        for (position, r) in refusals {
            if position == 0 {
                return Err(Error::Refused(format!(
                    "refused, nothing was recorded: the batch itself: {}: {}",
                    r.path, r.message
                )));
            }
            bad.push(bad_from_refusal(rows[position - 1].0, &r, &field_key));
        }
    }
    if !bad.is_empty() {
        bad.sort_by_key(|b| b.line);
        return Err(Error::BadRows {
            file: file.to_path_buf(),
            bad,
        });
    }
    let receipt = election.submit(&entries).map_err(Error::Submit)?;
    let proposal = receipt
        .applied
        .first()
        .and_then(|a| a.proposal())
        .unwrap_or_default()
        .to_string();
    Ok(RemovalsReport {
        file: file.to_path_buf(),
        voters: rows.len(),
        proposal,
        span: Span::of(&receipt),
        evidence,
    })
}
