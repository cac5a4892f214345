//! The roll's history: every change to a voter that took effect, with its log index, and the
//! roll between two points of the log (two log sizes) derived from it.

use super::{Error, q};
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use std::collections::HashMap;

/// What a change did to a voter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Register,
    Update,
    Transfer,
    Remove,
    Reinstate,
}

impl ChangeKind {
    fn parse(s: &str) -> Option<ChangeKind> {
        Some(match s {
            "register" => ChangeKind::Register,
            "update" => ChangeKind::Update,
            "transfer" => ChangeKind::Transfer,
            "remove" => ChangeKind::Remove,
            "reinstate" => ChangeKind::Reinstate,
            _ => return None,
        })
    }
}

/// A commission member who approved the proposal behind a change, and their party.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Approver {
    pub member: String,
    pub party: Option<String>,
}

/// One change to one voter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RollChange {
    pub voter: String,
    /// The log index at which the change took effect (for a governed change, the approval
    /// that met the rule).
    pub index: u64,
    /// The log index of the entry that carried it (the registration, the proposal).
    pub entry: u64,
    pub kind: ChangeKind,
    pub station_before: Option<String>,
    pub station_after: Option<String>,
    /// The fields an update changed.
    pub fields: Vec<String>,
    /// A removal's reason (`deceased`, `duplicate`, …) or a reinstatement's, in words.
    pub reason: Option<String>,
    /// A batch removal's evidence (hex SHA-256 of the document).
    pub evidence: Option<String>,
    /// The governing proposal, if the change was governed.
    pub proposal: Option<String>,
    /// Who approved that proposal by the time it took effect.
    pub approvers: Vec<Approver>,
}

/// One voter between two log sizes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VoterSpan {
    pub voter: String,
    /// The voter's station on the roll at the first size (None: not on the roll).
    pub before: Option<String>,
    /// The voter's station on the roll at the second size.
    pub after: Option<String>,
    /// The changes that took effect between the two sizes, in log order.
    pub changes: Vec<RollChange>,
}

struct Approvals<'c> {
    conn: &'c Connection,
    known: HashMap<String, Vec<(u64, Approver)>>,
}

impl Approvals<'_> {
    fn by(&mut self, proposal: &str, until: u64) -> Result<Vec<Approver>, Error> {
        if !self.known.contains_key(proposal) {
            let mut stmt = q(self.conn.prepare_cached(
                "SELECT d.idx, d.member, s.party FROM decision d LEFT JOIN signer s ON s.name = d.member
                 WHERE d.proposal = ?1 AND d.verdict = 'approve' ORDER BY d.idx",
            ))?;
            let rows = q(stmt.query_map([proposal], |r| {
                Ok((
                    r.get::<_, i64>(0)? as u64,
                    Approver {
                        member: r.get(1)?,
                        party: r.get(2)?,
                    },
                ))
            }))?;
            let rows = q(rows.collect::<Result<Vec<_>, _>>())?;
            self.known.insert(proposal.to_string(), rows);
        }
        Ok(self.known[proposal]
            .iter()
            .filter(|(i, _)| *i <= until)
            .map(|(_, a)| a.clone())
            .collect())
    }
}

const CHANGE_COLUMNS: &str =
    "voter, idx, entry, kind, station_before, station_after, fields, reason, evidence, proposal";

fn change(r: &rusqlite::Row<'_>, approvals: &mut Approvals<'_>) -> Result<RollChange, Error> {
    let kind: String = q(r.get(3))?;
    let index = q(r.get::<_, i64>(1))? as u64;
    let proposal: Option<String> = q(r.get(9))?;
    let approvers = match &proposal {
        Some(p) => approvals.by(p, index)?,
        None => Vec::new(),
    };
    Ok(RollChange {
        voter: q(r.get(0))?,
        index,
        entry: q(r.get::<_, i64>(2))? as u64,
        kind: ChangeKind::parse(&kind).ok_or_else(|| {
            Error::Sql(rusqlite::Error::InvalidColumnType(
                3,
                format!("kind {kind:?}"),
                rusqlite::types::Type::Text,
            ))
        })?,
        station_before: q(r.get(4))?,
        station_after: q(r.get(5))?,
        fields: q(r.get::<_, Option<String>>(6))?
            .map(|f| {
                f.split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
        reason: q(r.get(7))?,
        evidence: q(r.get(8))?,
        proposal,
        approvers,
    })
}

/// A voter's registration as the roll has it, read from `voter` (the history does not copy
/// it into `voter_event`; see [`crate::state`]): the voter, the index at which it took effect
/// (the registration itself, or the approval that applied its batch), the registration's
/// entry, the station now, and the governing proposal. Only voters on the roll in effect.
const REGISTERED: &str =
    "SELECT v.id, CASE WHEN v.proposal IS NULL THEN v.registered_at ELSE p.decided_at END,
        v.registered_at, v.station, v.proposal
     FROM voter v LEFT JOIN proposal p ON p.id = v.proposal
     WHERE (v.proposal IS NULL OR p.status = 'applied')";

/// A registration row of [`REGISTERED`].
struct Registered {
    voter: String,
    index: u64,
    entry: u64,
    station: String,
    proposal: Option<String>,
}

fn registered(r: &rusqlite::Row<'_>) -> rusqlite::Result<Registered> {
    Ok(Registered {
        voter: r.get(0)?,
        index: r.get::<_, i64>(1)? as u64,
        entry: r.get::<_, i64>(2)? as u64,
        station: r.get(3)?,
        proposal: r.get(4)?,
    })
}

impl Registered {
    /// The registration as a change. `later` are the voter's changes after it, in log order:
    /// the station it was registered at is the one the first of them started from (each
    /// change but a reinstatement, which follows a removal, records it), or the station now.
    fn change(
        self,
        later: &[RollChange],
        approvals: &mut Approvals<'_>,
    ) -> Result<RollChange, Error> {
        let station = later
            .iter()
            .find_map(|c| c.station_before.clone())
            .unwrap_or(self.station);
        let approvers = match &self.proposal {
            Some(p) => approvals.by(p, self.index)?,
            None => Vec::new(),
        };
        Ok(RollChange {
            voter: self.voter,
            index: self.index,
            entry: self.entry,
            kind: ChangeKind::Register,
            station_before: None,
            station_after: Some(station),
            fields: Vec::new(),
            reason: None,
            evidence: None,
            proposal: self.proposal,
            approvers,
        })
    }
}

/// Every change to one voter, in log order; empty for a voter the roll never had.
pub fn voter_history(conn: &Connection, voter: &str) -> Result<Vec<RollChange>, Error> {
    let mut approvals = Approvals {
        conn,
        known: HashMap::new(),
    };
    let mut stmt = q(conn.prepare(&format!(
        "SELECT {CHANGE_COLUMNS} FROM voter_event WHERE voter = ?1 ORDER BY idx"
    )))?;
    let mut rows = q(stmt.query([voter]))?;
    let mut later = Vec::new();
    while let Some(r) = q(rows.next())? {
        later.push(change(r, &mut approvals)?);
    }
    let reg = q(conn
        .query_row(&format!("{REGISTERED} AND v.id = ?1"), [voter], registered)
        .optional())?;
    let Some(reg) = reg else {
        return Ok(later);
    };
    let mut out = vec![reg.change(&later, &mut approvals)?];
    out.extend(later);
    Ok(out)
}

/// The highest log index at which the roll changed, if it ever did.
pub fn last_roll_change(conn: &Connection) -> Result<Option<u64>, Error> {
    q(conn
        .query_row(
            "SELECT max(i) FROM (
                SELECT max(idx) AS i FROM voter_event
                UNION ALL SELECT max(registered_at) FROM voter WHERE proposal IS NULL
                UNION ALL SELECT max(decided_at) FROM proposal p
                    WHERE status = 'applied'
                      AND EXISTS (SELECT 1 FROM batch b WHERE b.proposal = p.id AND b.content = 'registrations'))",
            [],
            |r| r.get::<_, Option<i64>>(0),
        )
        .optional())
    .map(|v| v.flatten().map(|i| i as u64))
}

/// Calls `each` for every voter on the roll at log size `from` or changed between `from` and
/// `to` (changes at indexes `from..to`), in voter id order, without holding the roll in memory;
/// stops at the first error `each` returns. The roll at size N is each voter's last change
/// before index N.
pub fn each_voter_between<E: From<Error>>(
    conn: &Connection,
    from: u64,
    to: u64,
    mut each: impl FnMut(VoterSpan) -> Result<(), E>,
) -> Result<(), E> {
    let mut approvals = Approvals {
        conn,
        known: HashMap::new(),
    };
    // Two walks in voter id order, merged: the registrations (from `voter`) and the changes
    // after them (`voter_event`, whose key starts with the voter).
    let mut voters = q(conn.prepare(&format!("{REGISTERED} ORDER BY v.id")))?;
    let mut voters = q(voters.query([]))?;
    let mut events = q(conn.prepare(&format!(
        "SELECT {CHANGE_COLUMNS} FROM voter_event ORDER BY voter, idx"
    )))?;
    let mut events = q(events.query([]))?;
    let mut next_event = q(events.next())?
        .map(|r| change(r, &mut approvals))
        .transpose()?;
    let mut next_voter = q(voters.next())?
        .map(registered)
        .transpose()
        .map_err(Error::Sql)?;
    loop {
        // The next voter in id order, with or without a registration in effect.
        let voter = match (&next_voter, &next_event) {
            (None, None) => break,
            (Some(v), Some(e)) if e.voter < v.voter => e.voter.clone(),
            (Some(v), _) => v.voter.clone(),
            (None, Some(e)) => e.voter.clone(),
        };
        let mut later = Vec::new();
        while let Some(e) = next_event.take_if(|e| e.voter == voter) {
            later.push(e);
            next_event = q(events.next())?
                .map(|r| change(r, &mut approvals))
                .transpose()?;
        }
        let mut changes = Vec::with_capacity(later.len() + 1);
        if let Some(v) = next_voter.take_if(|v| v.voter == voter) {
            changes.push(v.change(&later, &mut approvals)?);
            next_voter = q(voters.next())?
                .map(registered)
                .transpose()
                .map_err(Error::Sql)?;
        }
        changes.extend(later);
        let mut span = VoterSpan {
            voter,
            before: None,
            after: None,
            changes: Vec::new(),
        };
        for c in changes.into_iter().take_while(|c| c.index < to) {
            if c.index < from {
                span.before = c.station_after.clone();
            }
            span.after = c.station_after.clone();
            if c.index >= from {
                span.changes.push(c);
            }
        }
        if span.before.is_some() || !span.changes.is_empty() {
            each(span)?;
        }
    }
    Ok(())
}

/// The log index of the first removal from the roll, if there was one: where a roll diff of
/// the removals starts.
pub fn first_roll_removal(conn: &Connection) -> Result<Option<u64>, Error> {
    q(conn
        .query_row(
            "SELECT min(idx) FROM voter_event WHERE kind = 'remove'",
            [],
            |r| r.get::<_, Option<i64>>(0),
        )
        .optional())
    .map(|v| v.flatten().map(|i| i as u64))
}
