//! Complaints as the record holds them: each with its place, its status, the commission's
//! decisions and their reasons, its deadlines by witness time, and whether it is overdue or
//! was decided late (`docs/complaints.md`).

use super::{Error, q};
use crate::event::{ComplaintStatus, Proposal};
use rusqlite::{Connection, params};
use serde::Serialize;

/// One decision of the commission on a complaint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComplaintStep {
    /// `under_investigation`, `upheld` or `dismissed`.
    pub status: String,
    /// The governing proposal, and the entry whose approval met the rule (when it took
    /// effect).
    pub proposal: String,
    pub index: u64,
    /// The commission's reasons (the proposal's).
    pub reason: String,
}

/// One complaint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComplaintRecord {
    /// The complaint's log index: its id.
    pub index: u64,
    /// The key that filed it.
    pub author: String,
    pub station: Option<String>,
    /// The area it is about (a station's own area for a complaint about a station).
    pub area: String,
    pub category: String,
    pub text: String,
    pub evidence: Vec<String>,
    /// The author's claimed time of filing, Unix seconds.
    pub claimed: Option<u64>,
    /// `received`, `under_investigation`, `upheld` or `dismissed`.
    pub status: String,
    /// When the witnesses saw it (the earliest time of a recorded checkpoint that covers it),
    /// and the deadlines that run from it; None until a checkpoint covers it.
    pub witnessed: Option<u64>,
    pub investigate_by: Option<u64>,
    pub decide_by: Option<u64>,
    pub investigation: Option<ComplaintStep>,
    pub decision: Option<ComplaintStep>,
    /// The checkpoint entries that showed a deadline passed with nothing done.
    pub investigation_overdue_at: Option<u64>,
    pub decision_overdue_at: Option<u64>,
    /// Whether the first action on it, and its decision, were first witnessed after their
    /// deadlines, as the checkpoint that first covered each judged it (flagged
    /// `complaint_investigation_late`, `complaint_decision_late`); None until one covers it.
    pub acted_late: Option<bool>,
    pub decided_late: Option<bool>,
}

impl ComplaintRecord {
    /// Still waiting past a deadline: not acted on past the deadline to open an
    /// investigation, or not decided past the deadline to decide, by witness time.
    pub fn overdue(&self) -> bool {
        self.decision.is_none()
            && (self.decision_overdue_at.is_some()
                || (self.investigation.is_none() && self.investigation_overdue_at.is_some()))
    }

    /// Whether it has been upheld or dismissed.
    pub fn decided(&self) -> bool {
        self.status
            .parse::<ComplaintStatus>()
            .is_ok_and(ComplaintStatus::is_decided)
    }
}

/// Every complaint about `area` (with everything below it) or about anywhere, in log order.
pub fn complaints(conn: &Connection, area: Option<&str>) -> Result<Vec<ComplaintRecord>, Error> {
    let mut stmt = q(conn.prepare(
        "WITH RECURSIVE under(code) AS (
            SELECT ?1 WHERE ?1 IS NOT NULL
            UNION ALL SELECT a.code FROM area a JOIN under u ON a.parent = u.code
         )
         SELECT c.idx, c.author, c.station, c.area, c.category, c.text, c.evidence, c.claimed,
                c.status, c.witnessed, c.investigate_within, c.decide_within,
                c.investigation, c.investigated_at, i.body, c.decision, c.decided_at, d.body,
                c.investigation_overdue_at, c.decision_overdue_at,
                CASE WHEN c.acted_witnessed IS NOT NULL THEN EXISTS(SELECT 1 FROM flag f
                  WHERE f.idx = coalesce(c.investigated_at, c.decided_at)
                    AND f.kind = 'complaint_investigation_late') END,
                CASE WHEN c.decided_witnessed IS NOT NULL THEN EXISTS(SELECT 1 FROM flag f
                  WHERE f.idx = c.decided_at AND f.kind = 'complaint_decision_late') END
         FROM complaint c
         LEFT JOIN proposal i ON i.id = c.investigation
         LEFT JOIN proposal d ON d.id = c.decision
         WHERE ?1 IS NULL OR c.area IN under
         ORDER BY c.idx",
    ))?;
    let mut rows = q(stmt.query(params![area]))?;
    let mut out = Vec::new();
    let u = |v: Option<i64>| v.map(|v| v as u64);
    while let Some(r) = q(rows.next())? {
        let step = |status: Option<&str>, p: usize| -> Result<Option<ComplaintStep>, Error> {
            let Some(proposal) = q(r.get::<_, Option<String>>(p))? else {
                return Ok(None);
            };
            let body: String = q(r.get(p + 2))?;
            let status = match status {
                Some(s) => s.to_string(),
                None => q(r.get::<_, String>(8))?,
            };
            Ok(Some(ComplaintStep {
                status,
                proposal,
                index: q(r.get::<_, i64>(p + 1))? as u64,
                reason: serde_json::from_str::<Proposal>(&body)?.reason,
            }))
        };
        let witnessed = u(q(r.get(9))?);
        let investigate_within: i64 = q(r.get(10))?;
        let decide_within: i64 = q(r.get(11))?;
        let evidence: Option<String> = q(r.get(6))?;
        let investigate_by = witnessed.map(|w| w + investigate_within as u64);
        let decide_by = witnessed.map(|w| w + decide_within as u64);
        out.push(ComplaintRecord {
            index: q(r.get::<_, i64>(0))? as u64,
            author: q(r.get(1))?,
            station: q(r.get(2))?,
            area: q(r.get(3))?,
            category: q(r.get(4))?,
            text: q(r.get(5))?,
            evidence: evidence
                .map(|e| e.split(',').map(str::to_string).collect())
                .unwrap_or_default(),
            claimed: u(q(r.get(7))?),
            status: q(r.get(8))?,
            witnessed,
            investigate_by,
            decide_by,
            investigation: step(Some("under_investigation"), 12)?,
            decision: step(None, 15)?,
            investigation_overdue_at: u(q(r.get(18))?),
            decision_overdue_at: u(q(r.get(19))?),
            acted_late: q(r.get(20))?,
            decided_late: q(r.get(21))?,
        });
    }
    Ok(out)
}

/// A decision on a complaint that was proposed but has no effect: the approval rule is not
/// met (yet), so the complaint stands as it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PendingDecision {
    /// The complaint's log index, and the status the proposal would give it.
    pub complaint: u64,
    pub status: String,
    /// The proposal, its entry, its reasons and who approved it.
    pub proposal: super::Pending,
}

/// Every decision on a complaint still waiting for the approval rule, oldest first.
pub fn pending_decisions(conn: &Connection) -> Result<Vec<PendingDecision>, Error> {
    let mut out = Vec::new();
    for p in super::pending(conn)? {
        if p.action != "complaint_decision" {
            continue;
        }
        let body: String = q(conn.query_row(
            "SELECT body FROM proposal WHERE id = ?1",
            params![p.id],
            |r| r.get(0),
        ))?;
        let proposal: Proposal = serde_json::from_str(&body).map_err(Error::from)?;
        if let crate::event::Action::ComplaintDecision(d) = proposal.action {
            out.push(PendingDecision {
                complaint: d.complaint,
                status: d.status.as_str().to_string(),
                proposal: p,
            });
        }
    }
    Ok(out)
}
