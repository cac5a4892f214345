//! Complaints: filed by party agents and observers, moved on by the commission's governed
//! decisions, and judged against their deadlines by witness time only.
//!
//! A complaint is refused only when it is not authentic, not authorised (a role other than
//! party agent or observer, a place outside the author's scope) or not well formed. Once
//! recorded it stays on the record whatever the commission does with it.
//!
//! Deadlines run from the complaint's witness time: the earliest time of a recorded
//! checkpoint that covers it. Each recorded checkpoint then judges every complaint by its own
//! witness time `T` ([`Fold::judge_complaints`]):
//!
//! - a complaint still not acted on (no investigation opened, no decision) whose deadline to
//!   open an investigation is before `T` is flagged `complaint_investigation_overdue`, and
//!   one still undecided whose deadline to decide is before `T`, `complaint_decision_overdue`
//!   (on the complaint's entry, raised by the checkpoint's): the log as it stood when the
//!   checkpoint was recorded held no such decision, and real time was already past `T`;
//! - a decision is on time when the first recorded checkpoint that covers the entry where it
//!   took effect has a time within the deadline; otherwise that entry is flagged
//!   `complaint_investigation_late` (the first action on the complaint) or
//!   `complaint_decision_late`.
//!
//! The author's claimed time is recorded and judged as every claimed time is; it never moves
//! a deadline.

use super::flags::{Flag, raise};
use super::roll::area_exists;
use super::*;

/// The complaint's row as the judging of deadlines reads it.
struct Judged {
    idx: i64,
    station: Option<String>,
    area: String,
    category: String,
    /// The entry judged (a decision), or the complaint's own.
    entry: i64,
    deadline: i64,
}

impl Fold {
    pub(super) fn complaint(
        &mut self,
        conn: &Connection,
        author: &Signer,
        c: &Complaint,
        index: u64,
    ) -> Check<()> {
        require_role(author, &[Role::PartyAgent, Role::Observer])?;
        let (station, area) = match (&c.station, &c.area) {
            (Some(s), None) => {
                self.check_station_scope(conn, author, s, "body.station")?;
                (
                    Some(s.as_str()),
                    self.station_area(conn, s, "body.station")?,
                )
            }
            (None, Some(a)) => {
                area_exists(conn, a, "body.area")?;
                if !self.in_scope(conn, author, a)? {
                    return refuse(
                        "body.area",
                        format!(
                            "area {a:?} is outside the areas where {} may act",
                            author.name
                        ),
                    );
                }
                (None, a.clone())
            }
            _ => {
                return refuse(
                    "body",
                    "name either the station or the area the complaint is about, not both",
                );
            }
        };
        if let Some(m) = check_category(&c.category) {
            return refuse("body.category", m);
        }
        if c.text.trim().is_empty() {
            return refuse("body.text", "say what happened");
        }
        for (i, e) in c.evidence.iter().enumerate() {
            if !is_hex64(e) {
                return refuse(
                    format!("body.evidence[{i}]"),
                    "each piece of evidence is its lowercase hex SHA-256 hash",
                );
            }
        }
        let d = deadlines(conn)?.of(&c.category);
        conn.execute(
            "INSERT INTO complaint(idx, author, station, area, category, text, evidence, claimed,
             investigate_within, decide_within, status) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'received')",
            params![
                index as i64,
                author.name,
                station,
                area,
                c.category,
                c.text,
                (!c.evidence.is_empty()).then(|| c.evidence.join(",")),
                c.time.map(|t| t as i64),
                d.investigate_within as i64,
                d.decide_within as i64,
            ],
        )
        .map_err(sql)?;
        if let Some(t) = c.time {
            super::witness::claim_time(conn, index, t, station)?;
        }
        Ok(())
    }

    /// Checks a `complaint_decision` action against the complaint as it stands; returns the
    /// complaint's area, where the deciding members' scope must reach.
    pub(super) fn check_complaint_decision(
        &mut self,
        conn: &Connection,
        d: &ComplaintDecision,
        path: &str,
    ) -> Check<String> {
        let row: Option<(String, String)> = conn
            .prepare_cached("SELECT status, area FROM complaint WHERE idx = ?1")
            .map_err(sql)?
            .query_row([d.complaint as i64], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
            .map_err(sql)?;
        let Some((status, area)) = row else {
            return refuse(
                format!("{path}.complaint"),
                format!("no complaint was filed at entry {}", d.complaint),
            );
        };
        let status: ComplaintStatus = status.parse().map_err(sql_text)?;
        if let Some(why) = status.refuses(d.status) {
            return refuse(
                format!("{path}.status"),
                format!(
                    "complaint {} cannot become {}: {why}",
                    d.complaint,
                    d.status.as_str()
                ),
            );
        }
        Ok(area)
    }

    /// The decision takes effect at `index` (the entry whose approval met the rule).
    pub(super) fn decide_complaint(
        &mut self,
        conn: &Connection,
        index: u64,
        proposal: &str,
        d: &ComplaintDecision,
    ) -> Check<()> {
        self.check_complaint_decision(conn, d, "body.action.complaint_decision")?;
        let update = if d.status == ComplaintStatus::UnderInvestigation {
            "UPDATE complaint SET status = ?2, investigation = ?3, investigated_at = ?4 WHERE idx = ?1"
        } else {
            "UPDATE complaint SET status = ?2, decision = ?3, decided_at = ?4 WHERE idx = ?1"
        };
        conn.execute(
            update,
            params![
                d.complaint as i64,
                d.status.as_str(),
                proposal,
                index as i64
            ],
        )
        .map_err(sql)?;
        Ok(())
    }

    /// Judges the complaints by the checkpoint recorded at `index`, which covers the entries
    /// below `size` and whose witness time is `time` (see the module documentation).
    pub(super) fn judge_complaints(
        &mut self,
        conn: &Connection,
        index: u64,
        size: u64,
        time: u64,
    ) -> Check<()> {
        let (size, time) = (size as i64, time as i64);
        conn.execute(
            "UPDATE complaint SET witnessed = ?2 WHERE idx < ?1 AND (witnessed IS NULL OR witnessed > ?2)",
            params![size, time],
        )
        .map_err(sql)?;
        // Decisions this checkpoint is the first to cover: on time or late.
        let stages = [
            (
                "acted_witnessed",
                "coalesce(investigated_at, decided_at)",
                "investigate_within",
                "complaint_investigation_late",
            ),
            (
                "decided_witnessed",
                "decided_at",
                "decide_within",
                "complaint_decision_late",
            ),
        ];
        for (column, entry, within, kind) in stages {
            let covered = judged(
                conn,
                &format!(
                    "SELECT idx, station, area, category, {entry}, witnessed + {within} FROM complaint
                     WHERE {column} IS NULL AND {entry} < ?1 ORDER BY idx"
                ),
                size,
            )?;
            for c in covered {
                conn.execute(
                    &format!("UPDATE complaint SET {column} = ?2 WHERE idx = ?1"),
                    params![c.idx, time],
                )
                .map_err(sql)?;
                if time > c.deadline {
                    let what = if kind == "complaint_decision_late" {
                        "decided"
                    } else {
                        "first acted on"
                    };
                    flag(
                        conn,
                        index,
                        kind,
                        &c,
                        time,
                        format!(
                            "complaint {} ({}) was {what} at entry {}, first witnessed at {}, after its deadline {}",
                            c.idx,
                            c.category,
                            c.entry,
                            crate::report::utc(time as u64),
                            crate::report::utc(c.deadline as u64)
                        ),
                    )?;
                }
            }
        }
        // Complaints still waiting past a deadline: overdue.
        let stages = [
            (
                "investigation_overdue_at",
                "investigated_at IS NULL AND decided_at IS NULL",
                "investigate_within",
                "complaint_investigation_overdue",
                "no investigation was opened",
            ),
            (
                "decision_overdue_at",
                "decided_at IS NULL",
                "decide_within",
                "complaint_decision_overdue",
                "it was not decided",
            ),
        ];
        for (column, waiting, within, kind, what) in stages {
            let overdue = judged(
                conn,
                &format!(
                    "SELECT idx, station, area, category, idx, witnessed + {within} FROM complaint
                     WHERE {column} IS NULL AND {waiting} AND witnessed + {within} < ?1 ORDER BY idx"
                ),
                time,
            )?;
            for c in overdue {
                conn.execute(
                    &format!("UPDATE complaint SET {column} = ?2 WHERE idx = ?1"),
                    params![c.idx, index as i64],
                )
                .map_err(sql)?;
                flag(
                    conn,
                    index,
                    kind,
                    &c,
                    time,
                    format!(
                        "complaint {} ({}): {what} by its deadline {}; the checkpoint recorded at entry {index} was witnessed at {}",
                        c.idx,
                        c.category,
                        crate::report::utc(c.deadline as u64),
                        crate::report::utc(time as u64)
                    ),
                )?;
            }
        }
        Ok(())
    }
}

fn judged(conn: &Connection, query: &str, bound: i64) -> Check<Vec<Judged>> {
    conn.prepare_cached(query)
        .map_err(sql)?
        .query_map([bound], |r| {
            Ok(Judged {
                idx: r.get(0)?,
                station: r.get(1)?,
                area: r.get(2)?,
                category: r.get(3)?,
                entry: r.get(4)?,
                deadline: r.get(5)?,
            })
        })
        .map_err(sql)?
        .collect::<Result<_, _>>()
        .map_err(sql)
}

fn flag(
    conn: &Connection,
    index: u64,
    kind: &'static str,
    c: &Judged,
    time: i64,
    message: String,
) -> Check<()> {
    raise(
        conn,
        index,
        Flag {
            idx: c.entry as u64,
            kind,
            station: c.station.as_deref(),
            area: Some(&c.area),
            detail: serde_json::json!({
                "complaint": c.idx,
                "category": c.category,
                "deadline": c.deadline,
                "witnessed": time,
                "checkpoint": index,
                "message": message,
            }),
        },
    )
}

/// The genesis's complaint deadlines, or the defaults.
pub(crate) fn deadlines(conn: &Connection) -> Check<ComplaintDeadlines> {
    let text: Option<String> = conn
        .prepare_cached("SELECT value FROM election WHERE key = 'complaint_deadlines'")
        .map_err(sql)?
        .query_row([], |r| r.get(0))
        .optional()
        .map_err(sql)?;
    match text {
        Some(t) => serde_json::from_str(&t).map_err(|e| sql_text(e.to_string())),
        None => Ok(ComplaintDeadlines {
            by_category: Default::default(),
            decide_within: DEFAULT_COMPLAINT_DEADLINES.decide_within,
            investigate_within: DEFAULT_COMPLAINT_DEADLINES.investigate_within,
        }),
    }
}
