//! Read-only questions about an election's state: the headline numbers, pending proposals.
//!
//! Everything here reads effective state only (rows whose `proposal` is NULL; for `voter`,
//! also rows whose batch proposal was applied, see [`crate::state`]), except where a function
//! is about what is pending.

use crate::event::{Area, Contest, Party, Proposal, ResultForm, Station};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use std::collections::BTreeMap;

mod flags;
pub use flags::{
    Flag, FlagFilter, FlaggedForm, FormVersion, WitnessedTime, each_flag, flagged_entries,
    flagged_forms, flags, form_history, utc, witnessed_time,
};
mod complaint;
mod history;
pub mod observer;
pub mod pollbook;
pub use complaint::{
    ComplaintRecord, ComplaintStep, PendingDecision, complaints, pending_decisions,
};
pub use flags::amended_forms;
pub use history::first_roll_removal;
pub use history::{
    Approver, ChangeKind, RollChange, VoterSpan, each_voter_between, last_roll_change,
    voter_history,
};

/// Registered voters and stations in one top-level area.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AreaRoll {
    pub area: String,
    pub name: String,
    pub stations: u64,
    /// The stations' published registered-voter counts.
    pub registered: u64,
    /// Voters on the roll (registered and not removed).
    pub voters: u64,
}

/// One source's totals for a contest in one constituency (or nationally when `area` is None).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub contest: String,
    pub source: String,
    pub area: Option<String>,
    pub forms: u64,
    pub valid: u64,
    pub invalid: u64,
    pub votes: BTreeMap<String, u64>,
    /// Of the forms counted, those whose version in effect carries a flag (its numbers do not
    /// add up), and the valid ballots on them. Totals count every form in effect, flagged or
    /// not: the record is what was filed, and these say how much of it is in doubt
    /// (docs/flags.md).
    pub flagged: u64,
    pub flagged_valid: u64,
}

/// A pending proposal and who has decided on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pending {
    pub id: String,
    pub index: u64,
    pub author: String,
    pub action: String,
    pub reason: String,
    pub approvals: Vec<String>,
    pub rejections: Vec<String>,
    /// Distinct parties among the approvers.
    pub parties: Vec<String>,
    /// Entries staged by the proposal (for a batch).
    pub staged: u64,
}

/// Why a question about the state could not be answered. The text is what the state store or
/// the stored JSON said, or what is wrong with the question.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The state database failed (a missing table, a locked file, a corrupt page).
    #[error("{0}")]
    Sql(rusqlite::Error),
    /// A value stored as JSON in the state does not parse.
    #[error("{0}")]
    Json(serde_json::Error),
    #[error("{prefix:?}: give at least 8 digits of the proposal id")]
    ProposalPrefixTooShort { prefix: String },
    #[error("no proposal starts with {prefix}")]
    NoSuchProposal { prefix: String },
    #[error("{prefix} matches more than one proposal; give more digits")]
    AmbiguousProposal { prefix: String },
    #[error("area {code:?} has level {level}, which is not a level")]
    NoSuchLevel { code: String, level: i64 },
    #[error("{0}")]
    Round(std::num::TryFromIntError),
    #[error("the election's bulk threshold: {0}")]
    BulkThreshold(std::num::ParseIntError),
    /// [`open_state`] found a database, but not an election's state.
    #[error("{path} is not an election state database")]
    NotState { path: String },
    /// The state holds what the fold never writes.
    #[error("{0}")]
    State(String),
}

// Not `#[from]`: the inner error is the whole message, not a cause to print after it.
impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Error {
        Error::Sql(e)
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Error {
        Error::Json(e)
    }
}

fn q<T>(r: rusqlite::Result<T>) -> Result<T, Error> {
    r.map_err(Error::Sql)
}

/// The election's name.
pub fn election_name(conn: &Connection) -> Result<String, Error> {
    q(conn
        .query_row("SELECT value FROM election WHERE key = 'name'", [], |r| {
            r.get(0)
        })
        .optional())
    .map(|n| n.unwrap_or_default())
}

/// Registered voters by top-level area.
pub fn roll_by_area(conn: &Connection) -> Result<Vec<AreaRoll>, Error> {
    let mut stmt = q(conn.prepare(
        "SELECT a.code, a.name,
            (SELECT count(*) FROM station s WHERE s.top = a.code AND s.proposal IS NULL),
            (SELECT coalesce(sum(s.registered), 0) FROM station s WHERE s.top = a.code AND s.proposal IS NULL),
            coalesce(r.voters, 0)
         FROM area a LEFT JOIN (
            -- One pass over the roll (no index by station: see state::DEFERRED).
            SELECT s.top AS top, count(*) AS voters FROM voter v JOIN station s ON s.code = v.station
            WHERE v.removed_at IS NULL
              AND (v.proposal IS NULL OR v.proposal IN (SELECT id FROM proposal WHERE status = 'applied'))
            GROUP BY s.top) r ON r.top = a.code
         WHERE a.parent IS NULL AND a.proposal IS NULL ORDER BY a.code",
    ))?;
    let rows = q(stmt.query_map([], |r| {
        Ok(AreaRoll {
            area: r.get(0)?,
            name: r.get(1)?,
            stations: r.get::<_, i64>(2)? as u64,
            registered: r.get::<_, i64>(3)? as u64,
            voters: r.get::<_, i64>(4)? as u64,
        })
    }))?;
    q(rows.collect())
}

/// One voter of the public roll: what the log publishes, never the committed private fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RollEntry {
    pub voter: String,
    /// The full name as the roll prints it.
    pub name: String,
    /// The family and given names apart, and their romanisation, where the roll has them.
    pub names: Option<crate::event::VoterNames>,
    pub sex: crate::event::Sex,
    pub birth_year: u16,
    pub station: String,
    /// The log index of the registration.
    pub registered_at: u64,
}

/// Calls `each` for every voter on the effective roll (registered, approved, not removed), in
/// voter id order, without holding the roll in memory; stops at the first error `each` returns.
pub fn each_voter<E: From<Error>>(
    conn: &Connection,
    mut each: impl FnMut(RollEntry) -> Result<(), E>,
) -> Result<(), E> {
    let mut stmt = q(conn.prepare(
        "SELECT id, name, family, given, family_latin, given_latin, sex, birth_year, station, registered_at
         FROM voter WHERE removed_at IS NULL
           AND (proposal IS NULL OR proposal IN (SELECT id FROM proposal WHERE status = 'applied'))
         ORDER BY id",
    ))?;
    let mut rows = q(stmt.query([]))?;
    while let Some(r) = q(rows.next())? {
        let family: Option<String> = q(r.get(2))?;
        let given: Option<String> = q(r.get(3))?;
        let names = match (family, given) {
            (None, None) => None,
            (f, g) => Some(crate::event::VoterNames {
                family: f.unwrap_or_default(),
                family_latin: q(r.get(4))?,
                given: g.unwrap_or_default(),
                given_latin: q(r.get(5))?,
            }),
        };
        let sex = match q(r.get::<_, String>(6))?.as_str() {
            "F" => crate::event::Sex::F,
            "M" => crate::event::Sex::M,
            _ => crate::event::Sex::X,
        };
        each(RollEntry {
            voter: q(r.get(0))?,
            name: q(r.get(1))?,
            names,
            sex,
            birth_year: q(r.get::<_, i64>(7))? as u16,
            station: q(r.get(8))?,
            registered_at: q(r.get::<_, i64>(9))? as u64,
        })?;
    }
    Ok(())
}

/// Result totals per contest and source: nationally, and per constituency when `by_area`.
pub fn totals(conn: &Connection, by_area: bool) -> Result<Vec<Totals>, Error> {
    let group = if by_area { "s.top" } else { "NULL" };
    let mut stmt = q(conn.prepare(&format!(
        "SELECT f.contest, f.source, {group}, count(*), sum(f.valid), sum(f.invalid),
                count(g.idx), coalesce(sum(CASE WHEN g.idx IS NULL THEN 0 ELSE f.valid END), 0)
         FROM result_form f JOIN station s ON s.code = f.station
         LEFT JOIN (SELECT DISTINCT idx FROM flag) g ON g.idx = f.idx
         WHERE f.proposal IS NULL AND s.proposal IS NULL
         GROUP BY f.contest, f.source, {group} ORDER BY f.contest, f.source, {group}"
    )))?;
    let mut out: Vec<Totals> = q(q(stmt.query_map([], |r| {
        Ok(Totals {
            contest: r.get(0)?,
            source: r.get(1)?,
            area: r.get(2)?,
            forms: r.get::<_, i64>(3)? as u64,
            valid: r.get::<_, i64>(4)? as u64,
            invalid: r.get::<_, i64>(5)? as u64,
            votes: BTreeMap::new(),
            flagged: r.get::<_, i64>(6)? as u64,
            flagged_valid: r.get::<_, i64>(7)? as u64,
        })
    }))?
    .collect())?;
    let mut stmt = q(conn.prepare(&format!(
        "SELECT v.contest, v.source, {group}, v.choice, sum(v.votes)
         FROM result_vote v JOIN result_form f
           ON f.station = v.station AND f.contest = v.contest AND f.source = v.source
         JOIN station s ON s.code = v.station
         WHERE f.proposal IS NULL AND s.proposal IS NULL
         GROUP BY v.contest, v.source, {group}, v.choice"
    )))?;
    let mut rows = q(stmt.query([]))?;
    while let Some(r) = q(rows.next())? {
        let contest: String = q(r.get(0))?;
        let source: String = q(r.get(1))?;
        let area: Option<String> = q(r.get(2))?;
        let choice: String = q(r.get(3))?;
        let votes: i64 = q(r.get(4))?;
        if let Some(t) = out
            .iter_mut()
            .find(|t| t.contest == contest && t.source == source && t.area == area)
        {
            t.votes.insert(choice, votes as u64);
        }
    }
    Ok(out)
}

/// The contests of the election.
pub fn contests(conn: &Connection) -> Result<Vec<Contest>, Error> {
    let mut stmt = q(conn.prepare("SELECT body FROM contest ORDER BY id"))?;
    let bodies: Vec<String> = q(q(stmt.query_map([], |r| r.get(0)))?.collect())?;
    bodies
        .iter()
        .map(|b| serde_json::from_str(b).map_err(Error::from))
        .collect()
}

/// Proposals awaiting decision, oldest first.
pub fn pending(conn: &Connection) -> Result<Vec<Pending>, Error> {
    let mut stmt = q(conn.prepare(
        "SELECT id, idx, author, action, body FROM proposal WHERE status = 'pending' ORDER BY idx",
    ))?;
    let rows: Vec<(String, i64, String, String, String)> = q(q(stmt.query_map([], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    }))?
    .collect())?;
    let mut out = Vec::new();
    for (id, index, author, action, body) in rows {
        let p: Proposal = serde_json::from_str(&body).map_err(Error::from)?;
        let mut stmt = q(conn.prepare(
            "SELECT d.member, d.verdict, s.party FROM decision d JOIN signer s ON s.name = d.member
             WHERE d.proposal = ?1 ORDER BY d.idx",
        ))?;
        let decisions: Vec<(String, String, Option<String>)> =
            q(q(stmt.query_map([&id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))))?.collect())?;
        let mut parties: Vec<String> = decisions
            .iter()
            .filter(|d| d.1 == "approve")
            .filter_map(|d| d.2.clone())
            .collect();
        parties.sort();
        parties.dedup();
        let staged = staged(conn, &id)?;
        out.push(Pending {
            id,
            index: index as u64,
            author,
            action,
            reason: p.reason,
            approvals: decisions
                .iter()
                .filter(|d| d.1 == "approve")
                .map(|d| d.0.clone())
                .collect(),
            rejections: decisions
                .iter()
                .filter(|d| d.1 == "reject")
                .map(|d| d.0.clone())
                .collect(),
            parties,
            staged,
        });
    }
    Ok(out)
}

fn staged(conn: &Connection, proposal: &str) -> Result<u64, Error> {
    let mut n = 0;
    for table in [
        "area",
        "station",
        "voter",
        "result_form",
        "signer",
        "removal",
    ] {
        n += q(conn.query_row(
            &format!("SELECT count(*) FROM {table} WHERE proposal = ?1"),
            params![proposal],
            |r| r.get::<_, i64>(0),
        ))? as u64;
    }
    Ok(n)
}

/// Finds the proposal whose id starts with `prefix` (at least 8 hex digits).
pub fn find_proposal(conn: &Connection, prefix: &str) -> Result<String, Error> {
    if prefix.len() < 8 {
        return Err(Error::ProposalPrefixTooShort {
            prefix: prefix.to_string(),
        });
    }
    let mut stmt =
        q(conn.prepare("SELECT id FROM proposal WHERE id >= ?1 AND id < ?2 ORDER BY id LIMIT 2"))?;
    let hi = format!("{prefix}\u{7f}");
    let ids: Vec<String> = q(q(stmt.query_map(params![prefix, hi], |r| r.get(0)))?.collect())?;
    match ids.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(Error::NoSuchProposal {
            prefix: prefix.to_string(),
        }),
        _ => Err(Error::AmbiguousProposal {
            prefix: prefix.to_string(),
        }),
    }
}

/// The current approval rule as JSON text.
pub fn rule(conn: &Connection) -> Result<crate::event::Rule, Error> {
    let text: String = q(conn.query_row(
        "SELECT value FROM election WHERE key = 'rule'",
        [],
        |r| r.get(0),
    ))?;
    serde_json::from_str(&text).map_err(Error::from)
}

/// A commission member: key name, person, party, and whether the key is revoked.
pub type MemberRow = (String, Option<String>, Option<String>, bool);

/// Commission members.
pub fn members(conn: &Connection) -> Result<Vec<MemberRow>, Error> {
    let mut stmt = q(conn.prepare(
        "SELECT name, person, party, revoked_at IS NOT NULL FROM signer
         WHERE role = 'commission_member' AND proposal IS NULL ORDER BY name",
    ))?;
    q(q(stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))))?.collect())
}

// ----- results, for export -----

/// The election's log origin.
pub fn origin(conn: &Connection) -> Result<String, Error> {
    q(conn
        .query_row("SELECT value FROM election WHERE key = 'origin'", [], |r| {
            r.get(0)
        })
        .optional())
    .map(|n| n.unwrap_or_default())
}

/// The area levels, from the top down.
pub fn levels(conn: &Connection) -> Result<Vec<String>, Error> {
    let text: String = q(conn.query_row(
        "SELECT value FROM election WHERE key = 'levels'",
        [],
        |r| r.get(0),
    ))?;
    serde_json::from_str(&text).map_err(Error::from)
}

/// The election's parties.
pub fn parties(conn: &Connection) -> Result<Vec<Party>, Error> {
    let mut stmt = q(conn.prepare("SELECT id, name FROM party ORDER BY id"))?;
    q(q(stmt.query_map([], |r| {
        Ok(Party {
            id: r.get(0)?,
            name: r.get(1)?,
        })
    }))?
    .collect())
}

/// Areas in effect, by code, with their level's name.
pub fn areas(conn: &Connection) -> Result<Vec<Area>, Error> {
    let levels = levels(conn)?;
    let mut stmt = q(conn.prepare(
        "SELECT code, name, level, parent FROM area WHERE proposal IS NULL ORDER BY code",
    ))?;
    let rows: Vec<(String, String, i64, Option<String>)> =
        q(q(stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))))?.collect())?;
    rows.into_iter()
        .map(|(code, name, level, parent)| {
            let level = usize::try_from(level)
                .ok()
                .and_then(|l| levels.get(l))
                .ok_or_else(|| Error::NoSuchLevel {
                    code: code.clone(),
                    level,
                })?;
            Ok(Area {
                code,
                level: level.clone(),
                name,
                parent,
            })
        })
        .collect()
}

/// Stations in effect, by code.
pub fn stations(conn: &Connection) -> Result<Vec<Station>, Error> {
    let mut stmt = q(conn.prepare(
        "SELECT code, name, area, registered FROM station WHERE proposal IS NULL ORDER BY code",
    ))?;
    q(q(stmt.query_map([], |r| {
        Ok(Station {
            area: r.get(2)?,
            code: r.get(0)?,
            name: r.get(1)?,
            registered: r.get::<_, Option<i64>>(3)?.map(|v| v as u64),
        })
    }))?
    .collect())
}

/// Result forms in effect (at stations in effect), by station, contest and source.
pub fn result_forms(conn: &Connection) -> Result<Vec<ResultForm>, Error> {
    let mut stmt = q(conn.prepare(
        "SELECT f.station, f.contest, f.source, f.registered, f.ballots_received, f.ballots_issued,
            f.spoiled, f.unused, f.valid, f.invalid, f.photos
         FROM result_form f JOIN station s ON s.code = f.station
         WHERE f.proposal IS NULL AND s.proposal IS NULL
         ORDER BY f.station, f.contest, f.source",
    ))?;
    let opt = |v: Option<i64>| v.map(|v| v as u64);
    let mut forms: Vec<ResultForm> = q(q(stmt.query_map([], |r| {
        Ok(ResultForm {
            ballots_issued: opt(r.get(5)?),
            ballots_received: opt(r.get(4)?),
            contest: r.get(1)?,
            invalid: r.get::<_, i64>(9)? as u64,
            photos: r
                .get::<_, Option<String>>(10)?
                .map(|p| p.split(',').map(str::to_string).collect())
                .unwrap_or_default(),
            registered: opt(r.get(3)?),
            source: r.get(2)?,
            spoiled: opt(r.get(6)?),
            station: r.get(0)?,
            time: None,
            unused: opt(r.get(7)?),
            valid: r.get::<_, i64>(8)? as u64,
            votes: BTreeMap::new(),
        })
    }))?
    .collect())?;
    let mut stmt = q(conn.prepare(
        "SELECT v.station, v.contest, v.source, v.choice, v.votes
         FROM result_vote v JOIN result_form f
           ON f.station = v.station AND f.contest = v.contest AND f.source = v.source
         JOIN station s ON s.code = v.station
         WHERE f.proposal IS NULL AND s.proposal IS NULL
         ORDER BY v.station, v.contest, v.source",
    ))?;
    let mut rows = q(stmt.query([]))?;
    // Both queries run in the same order, so the votes land on their form in one pass.
    let mut i = 0;
    while let Some(r) = q(rows.next())? {
        let (station, contest, source): (String, String, String) =
            (q(r.get(0))?, q(r.get(1))?, q(r.get(2))?);
        while i < forms.len()
            && (
                forms[i].station.as_str(),
                forms[i].contest.as_str(),
                forms[i].source.as_str(),
            ) < (station.as_str(), contest.as_str(), source.as_str())
        {
            i += 1;
        }
        if let Some(f) = forms.get_mut(i)
            && f.station == station
            && f.contest == contest
            && f.source == source
        {
            f.votes.insert(q(r.get(3))?, q::<i64>(r.get(4))? as u64);
        }
    }
    Ok(forms)
}

/// Certified (contest, area) pairs.
pub fn certifications(conn: &Connection) -> Result<Vec<(String, String)>, Error> {
    let mut stmt =
        q(conn.prepare("SELECT contest, area FROM certification ORDER BY contest, area"))?;
    q(q(stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))))?.collect())
}

// ----- audits in the log -----

/// An audit recorded in the log: its commitment and, once revealed, its seed and samples.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditRecord {
    pub id: String,
    /// The key that committed it (the only one that may reveal it and record its samples).
    pub author: String,
    pub purpose: String,
    /// What the seed will draw, as committed.
    pub draw: Option<crate::event::DrawPlan>,
    pub commitment: String,
    /// The commitment's entry index.
    pub committed_at: u64,
    pub salt: Option<String>,
    pub seed: Option<String>,
    /// The seed's entry index.
    pub revealed_at: Option<u64>,
    /// The recorded samples, by round.
    pub rounds: Vec<AuditRound>,
}

/// One round's recorded sample.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRound {
    pub round: u32,
    /// The sample's entry index.
    pub index: u64,
    /// Station codes or `STATION:N` ballots, in draw order.
    pub draws: Vec<String>,
}

/// Every audit, in the order committed.
pub fn audits(conn: &Connection) -> Result<Vec<AuditRecord>, Error> {
    let mut stmt = q(conn.prepare("SELECT id FROM audit ORDER BY committed_at"))?;
    let ids: Vec<String> = q(q(stmt.query_map([], |r| r.get(0)))?.collect())?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.extend(audit(conn, &id)?);
    }
    Ok(out)
}

/// The audit `id`, or None when no such audit was committed.
pub fn audit(conn: &Connection, id: &str) -> Result<Option<AuditRecord>, Error> {
    type Row = (
        String,
        String,
        Option<String>,
        String,
        i64,
        Option<String>,
        Option<String>,
        Option<i64>,
    );
    let row: Option<Row> = q(conn
        .query_row(
            "SELECT author, purpose, draw, commitment, committed_at, salt, seed, revealed_at
             FROM audit WHERE id = ?1",
            [id],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                ))
            },
        )
        .optional())?;
    let Some((author, purpose, draw, commitment, committed_at, salt, seed, revealed_at)) = row
    else {
        return Ok(None);
    };
    let draw = match draw {
        Some(text) => Some(serde_json::from_str(&text)?),
        None => None,
    };
    let mut stmt = q(
        conn.prepare("SELECT round, idx, draws FROM audit_sample WHERE audit = ?1 ORDER BY round")
    )?;
    let rows: Vec<(i64, i64, String)> =
        q(q(stmt.query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))))?.collect())?;
    let rounds = rows
        .into_iter()
        .map(|(round, index, draws)| {
            Ok(AuditRound {
                round: u32::try_from(round).map_err(Error::Round)?,
                index: index as u64,
                draws: serde_json::from_str(&draws).map_err(Error::from)?,
            })
        })
        .collect::<Result<_, Error>>()?;
    Ok(Some(AuditRecord {
        id: id.to_string(),
        author,
        purpose,
        draw,
        commitment,
        committed_at: committed_at as u64,
        salt,
        seed,
        revealed_at: revealed_at.map(|i| i as u64),
        rounds,
    }))
}

/// How many `source` result forms of `contest` (in effect) took effect after the entry at
/// `index`: recorded after it, or staged in a governed batch before it and approved after it.
pub fn forms_recorded_after(
    conn: &Connection,
    contest: &str,
    source: &str,
    index: u64,
) -> Result<u64, Error> {
    // A batch's entries follow its manifest (or its proposal) at idx + 1 ..= idx + count.
    q(conn.query_row(
        "SELECT count(*) FROM result_form f
         WHERE f.contest = ?1 AND f.source = ?2 AND f.proposal IS NULL
           AND (f.idx > ?3 OR EXISTS (
               SELECT 1 FROM batch b JOIN proposal p ON p.id = b.proposal
               WHERE p.decided_at > ?3 AND f.idx > b.idx AND f.idx <= b.idx + b.count))",
        params![contest, source, index as i64],
        |r| r.get::<_, i64>(0),
    ))
    .map(|n| n as u64)
}

// ----- questions the command line asks -----

/// Opens a state database (one that `ledger::replay` wrote) read-only, for these questions.
pub fn open_state(path: &std::path::Path) -> Result<Connection, Error> {
    let conn = q(Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    ))?;
    if !is_state(&conn) {
        return Err(Error::NotState {
            path: path.display().to_string(),
        });
    }
    Ok(conn)
}

/// Whether the election records its cosigned checkpoints: its genesis names the log's key.
pub fn records_checkpoints(conn: &Connection) -> bool {
    conn.query_row("SELECT 1 FROM election WHERE key = 'log_key'", [], |_| {
        Ok(())
    })
    .is_ok()
}

/// Whether `conn` holds an election's state (made by intake or replay), not some other database.
pub fn is_state(conn: &Connection) -> bool {
    conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('election', 'result_form', 'station')",
        [],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n == 3)
    .unwrap_or(false)
}

/// How many entries a batch must reach before the commission must approve it.
pub fn bulk_threshold(conn: &Connection) -> Result<u64, Error> {
    let text: String = q(conn.query_row(
        "SELECT value FROM election WHERE key = 'bulk_threshold'",
        [],
        |r| r.get(0),
    ))?;
    text.parse().map_err(Error::BulkThreshold)
}

/// Where an area sits, whether in effect or staged by a pending proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaPlace {
    /// Index into the election's levels, from the top down.
    pub level: i64,
    pub parent: Option<String>,
    /// The pending proposal that staged it, or None when it is in effect.
    pub proposal: Option<String>,
}

/// The area `code`, in effect or staged, or None when the election has no such area.
pub fn area_place(conn: &Connection, code: &str) -> Result<Option<AreaPlace>, Error> {
    // Cached: an import asks this once for every area of every row.
    let mut stmt =
        q(conn.prepare_cached("SELECT level, parent, proposal FROM area WHERE code = ?1"))?;
    q(stmt
        .query_row([code], |r| {
            Ok(AreaPlace {
                level: r.get(0)?,
                parent: r.get(1)?,
                proposal: r.get(2)?,
            })
        })
        .optional())
}

/// An enrolled key as the election knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolled {
    /// The role, as the event spells it (`party_agent`, `observer`, `polling_official`, …).
    pub role: String,
    pub party: Option<String>,
    pub organisation: Option<String>,
}

/// The key `name`, or None when it is not enrolled (in effect or staged).
pub fn enrolled(conn: &Connection, name: &str) -> Result<Option<Enrolled>, Error> {
    q(conn
        .query_row(
            "SELECT role, party, organisation FROM signer WHERE name = ?1",
            [name],
            |r| {
                Ok(Enrolled {
                    role: r.get(0)?,
                    party: r.get(1)?,
                    organisation: r.get(2)?,
                })
            },
        )
        .optional())
}

/// The certification of `area` in `contest` as its official forms in effect add up now: the
/// forms of every station in the area or below it.
pub fn certification(
    conn: &Connection,
    contest: &str,
    area: &str,
) -> Result<crate::event::Certify, Error> {
    let (valid, invalid): (i64, i64) = q(conn.query_row(
        "WITH RECURSIVE under(code) AS (
            SELECT ?1 UNION ALL SELECT a.code FROM area a JOIN under u ON a.parent = u.code)
         SELECT coalesce(sum(f.valid), 0), coalesce(sum(f.invalid), 0)
         FROM station s JOIN result_form f ON f.station = s.code
         WHERE s.area IN under AND s.proposal IS NULL AND f.contest = ?2
           AND f.source = 'official' AND f.proposal IS NULL",
        params![area, contest],
        |r| Ok((r.get(0)?, r.get(1)?)),
    ))?;
    let mut stmt = q(conn.prepare(
        "WITH RECURSIVE under(code) AS (
            SELECT ?1 UNION ALL SELECT a.code FROM area a JOIN under u ON a.parent = u.code)
         SELECT v.choice, sum(v.votes) FROM station s
         JOIN result_form f ON f.station = s.code
         JOIN result_vote v ON v.station = f.station AND v.contest = f.contest AND v.source = f.source
         WHERE s.area IN under AND s.proposal IS NULL AND f.contest = ?2
           AND f.source = 'official' AND f.proposal IS NULL
         GROUP BY v.choice",
    ))?;
    let totals: BTreeMap<String, u64> = q(q(stmt.query_map(params![area, contest], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
    }))?
    .collect())?;
    Ok(crate::event::Certify {
        area: area.to_string(),
        contest: contest.to_string(),
        invalid: invalid as u64,
        totals,
        valid: valid as u64,
    })
}

/// Stations where a form of `source` and a form of `other` give a choice different votes, in
/// any contest, by code.
pub fn stations_where_sources_differ(
    conn: &Connection,
    source: &str,
    other: &str,
) -> Result<Vec<String>, Error> {
    let mut stmt = q(conn.prepare(
        "SELECT o.station FROM result_vote o JOIN result_vote c
           ON c.station = o.station AND c.contest = o.contest AND c.choice = o.choice
         WHERE o.source = ?1 AND c.source = ?2 AND o.votes != c.votes
         GROUP BY o.station ORDER BY o.station",
    ))?;
    q(q(stmt.query_map(params![source, other], |r| r.get(0)))?.collect())
}
