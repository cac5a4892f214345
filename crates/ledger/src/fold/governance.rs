//! Governance: proposals, the commission's decisions on them, and each action taking effect when
//! the approval rule is met (or being dropped, with the rows a governed batch staged).

use super::keys::{describe_role, signer};
use super::results::{certify, contest};
use super::roll::{
    Change, area_exists, check_area, check_station, insert_area, record_change, removal_reason,
    upsert_station,
};
use super::*;

impl Fold {
    pub(super) fn proposal(
        &mut self,
        conn: &Connection,
        index: u64,
        id: &str,
        author: Signer,
        p: Proposal,
    ) -> Check<Applied> {
        let allowed = match &p.action {
            Action::Batch(m)
                if matches!(
                    m.content,
                    Content::Registrations | Content::Removals | Content::TemporaryCards
                ) =>
            {
                matches!(
                    author.role,
                    Role::CommissionMember | Role::CommissionClerk | Role::RegistrationOfficer
                )
            }
            Action::RemoveVoter(_) | Action::ReinstateVoter(_) => matches!(
                author.role,
                Role::CommissionMember | Role::CommissionClerk | Role::RegistrationOfficer
            ),
            _ => matches!(author.role, Role::CommissionMember | Role::CommissionClerk),
        };
        if !allowed {
            return refuse(
                "author",
                format!(
                    "{} ({}) may not propose {}",
                    author.name,
                    describe_role(&author),
                    p.action.name()
                ),
            );
        }
        if p.reason.trim().is_empty() {
            return refuse("body.reason", "a proposal must give its reason");
        }
        let rule = rule(conn)?;
        if rule.every_party_asked {
            check_asked(conn, &p.asked)?;
        }
        // Check the action now, so that a proposal that could never take effect is refused.
        let area = self.check_action(conn, &author, &p.action)?;
        conn.execute(
            "INSERT INTO proposal(id, idx, author, action, body, area, status) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending')",
            params![
                id,
                index as i64,
                author.name,
                p.action.name(),
                String::from_utf8(Event::Proposal(p.clone()).body_json()).expect("utf-8"),
                area
            ],
        )
        .map_err(sql)?;
        if let Action::Batch(m) = p.action {
            self.open_batch(
                conn,
                index,
                author,
                m,
                Some(id.to_string()),
                "body.action.batch",
            )?;
        }
        Ok(Applied::Proposed(id.to_string()))
    }

    /// Checks that an action could take effect now; returns the area it concerns.
    pub(super) fn check_action(
        &mut self,
        conn: &Connection,
        author: &Signer,
        action: &Action,
    ) -> Check<Option<String>> {
        let p = "body.action";
        match action {
            Action::RemoveVoter(r) => {
                let station =
                    self.voter_station(conn, &r.voter, &format!("{p}.remove_voter.voter"))?;
                self.check_station_scope(
                    conn,
                    author,
                    &station,
                    &format!("{p}.remove_voter.voter"),
                )?;
                Ok(Some(self.station_area(conn, &station, p)?))
            }
            Action::ReinstateVoter(r) => {
                let path = format!("{p}.reinstate_voter.voter");
                let station = self.removed_voter_station(conn, &r.voter, &path)?;
                self.check_station_scope(conn, author, &station, &path)?;
                if r.reason.trim().is_empty() {
                    return refuse(
                        format!("{p}.reinstate_voter.reason"),
                        "say why the removal was wrong",
                    );
                }
                Ok(Some(self.station_area(conn, &station, p)?))
            }
            Action::Enrol(e) => {
                validate_enrol(conn, e, &format!("{p}.enrol"), false)?;
                Ok(None)
            }
            Action::Revoke(r) => {
                let s = signer(conn, &r.name)?;
                match s {
                    None => refuse(
                        format!("{p}.revoke.name"),
                        format!("unknown key {:?}", r.name),
                    ),
                    Some((_, Some(_), _)) => refuse(
                        format!("{p}.revoke.name"),
                        format!("{:?} is already revoked", r.name),
                    ),
                    _ => Ok(None),
                }
            }
            Action::ChangeRule(r) => {
                check_rule(conn, r, &format!("{p}.change_rule"))?;
                Ok(None)
            }
            Action::Area(a) => {
                check_area(conn, a, &format!("{p}.area"), None)?;
                Ok(a.parent.clone())
            }
            Action::Station(s) => {
                check_station(conn, s, &format!("{p}.station"), false, None)?;
                Ok(Some(s.area.clone()))
            }
            Action::Certify(c) => {
                let contest = contest(conn, &c.contest)?.ok_or_else(|| {
                    (
                        format!("{p}.certify.contest"),
                        format!("unknown contest {:?}", c.contest),
                    )
                })?;
                area_exists(conn, &c.area, &format!("{p}.certify.area"))?;
                for choice in c.totals.keys() {
                    if !contest.choices.iter().any(|x| &x.id == choice) {
                        return refuse(
                            format!("{p}.certify.totals.{choice}"),
                            format!("{choice:?} is not a choice in contest {:?}", c.contest),
                        );
                    }
                }
                Ok(Some(c.area.clone()))
            }
            Action::Batch(_) => Ok(None),
            Action::AmendForm(f) => Ok(Some(self.check_amendment(
                conn,
                author,
                f,
                &format!("{p}.amend_form"),
            )?)),
            Action::ComplaintDecision(d) => Ok(Some(self.check_complaint_decision(
                conn,
                d,
                &format!("{p}.complaint_decision"),
            )?)),
        }
    }

    pub(super) fn decide(
        &mut self,
        conn: &Connection,
        index: u64,
        author: &Signer,
        proposal: &str,
        rejection: Option<&str>,
    ) -> Check<Applied> {
        require_role(author, &[Role::CommissionMember])?;
        let row: Option<(String, String, Option<String>)> = conn
            .query_row(
                "SELECT status, body, area FROM proposal WHERE id = ?1",
                [proposal],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(sql)?;
        let Some((status, body, area)) = row else {
            return refuse("body.proposal", format!("unknown proposal {proposal}"));
        };
        if status != "pending" {
            return refuse(
                "body.proposal",
                format!("proposal {proposal} was already decided ({status})"),
            );
        }
        if let Some(area) = &area
            && !self.in_scope(conn, author, area)?
        {
            return refuse(
                "author",
                format!(
                    "{} may not decide on area {area:?}, outside their scope",
                    author.name
                ),
            );
        }
        let verdict = if rejection.is_some() {
            "reject"
        } else {
            "approve"
        };
        let inserted = conn
            .execute(
                "INSERT OR IGNORE INTO decision(proposal, member, verdict, idx, reason) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![proposal, author.name, verdict, index as i64, rejection],
            )
            .map_err(sql)?;
        if inserted == 0 {
            return refuse(
                "author",
                format!("{} has already decided on proposal {proposal}", author.name),
            );
        }
        let p: Proposal = serde_json::from_str(&body).expect("stored proposals parse");
        let rule = rule(conn)?;
        let tally = tally(conn, proposal)?;
        if rejection.is_some() {
            let members = count_members(conn)?;
            if members.saturating_sub(tally.rejections) < u64::from(rule.min_approvals) {
                set_status(
                    conn,
                    proposal,
                    "rejected",
                    index,
                    "rejected by the commission",
                )?;
                self.drop_pending(conn, proposal, &p.action)?;
                return Ok(Applied::Decided {
                    proposal: proposal.to_string(),
                    outcome: Err("rejected".into()),
                });
            }
            return Ok(Applied::Approved {
                proposal: proposal.to_string(),
            });
        }
        let asked_ok = !rule.every_party_asked || check_asked(conn, &p.asked).is_ok();
        if tally.approvals < u64::from(rule.min_approvals)
            || tally.parties < u64::from(rule.min_parties)
            || !asked_ok
        {
            return Ok(Applied::Approved {
                proposal: proposal.to_string(),
            });
        }
        // The rule is met: the action takes effect now, or fails and says why.
        self.savepoint(conn, "action")?;
        let outcome = self.take_effect(conn, index, proposal, &p.action);
        match &outcome {
            Ok(()) => {
                self.release(conn, "action")?;
                set_status(conn, proposal, "applied", index, "applied")?;
            }
            Err((path, message)) => {
                self.roll_back(conn, "action")?;
                self.ancestors.clear();
                set_status(
                    conn,
                    proposal,
                    "failed",
                    index,
                    &format!("{path}: {message}"),
                )?;
                self.drop_pending(conn, proposal, &p.action)?;
            }
        }
        Ok(Applied::Decided {
            proposal: proposal.to_string(),
            outcome: outcome.map_err(|(path, message)| format!("{path}: {message}")),
        })
    }

    pub(super) fn take_effect(
        &mut self,
        conn: &Connection,
        index: u64,
        proposal: &str,
        action: &Action,
    ) -> Check<()> {
        let p = "body.action";
        match action {
            Action::RemoveVoter(r) => {
                let entry = proposal_index(conn, proposal)?;
                self.remove_voter(
                    conn,
                    Change {
                        reason: Some(removal_reason(r.reason)),
                        proposal: Some(proposal),
                        ..Change::new(&r.voter, index, entry, "remove")
                    },
                    &format!("{p}.remove_voter.voter"),
                )?;
            }
            Action::ReinstateVoter(r) => {
                let path = format!("{p}.reinstate_voter.voter");
                let station = self.removed_voter_station(conn, &r.voter, &path)?;
                conn.execute(
                    "UPDATE voter SET removed_at = NULL, removal_reason = NULL WHERE id = ?1",
                    [&r.voter],
                )
                .map_err(sql)?;
                let entry = proposal_index(conn, proposal)?;
                record_change(
                    conn,
                    &Change {
                        after: Some(&station),
                        reason: Some(&r.reason),
                        proposal: Some(proposal),
                        ..Change::new(&r.voter, index, entry, "reinstate")
                    },
                )?;
            }
            Action::Enrol(e) => {
                validate_enrol(conn, e, &format!("{p}.enrol"), false)?;
                insert_signer(conn, e, index, None)?;
            }
            Action::Revoke(r) => revoke(conn, r, index)?,
            Action::ChangeRule(r) => {
                check_rule(conn, r, &format!("{p}.change_rule"))?;
                conn.execute(
                    "UPDATE election SET value = ?1 WHERE key = 'rule'",
                    [serde_json::to_string(r).expect("rule")],
                )
                .map_err(sql)?;
            }
            Action::Area(a) => insert_area(conn, a, None, &format!("{p}.area"))?,
            Action::Station(s) => {
                self.station_areas.clear();
                upsert_station(conn, s, None, &format!("{p}.station"), false)?;
            }
            Action::Certify(c) => certify(conn, c, index, proposal)?,
            Action::Batch(m) => {
                if m.content == Content::Removals {
                    self.remove_staged(conn, index, proposal)?;
                }
                // A voter keeps its batch's proposal: the proposal's status says it is in
                // effect (see `crate::state`), so approval rewrites no voter row.
                for table in STAGED_TABLES.iter().filter(|t| **t != "voter") {
                    conn.execute(
                        &format!("UPDATE {table} SET proposal = NULL WHERE proposal = ?1"),
                        [proposal],
                    )
                    .map_err(sql)?;
                }
                self.ancestors.clear();
            }
            Action::AmendForm(f) => {
                let entry = proposal_index(conn, proposal)?;
                let body: String = conn
                    .query_row("SELECT body FROM proposal WHERE id = ?1", [proposal], |r| {
                        r.get(0)
                    })
                    .map_err(sql)?;
                let reason = serde_json::from_str::<Proposal>(&body)
                    .map(|p| p.reason)
                    .map_err(|e| sql_text(e.to_string()))?;
                self.amend_form(conn, index, entry, proposal, &reason, f)?;
            }
            Action::ComplaintDecision(d) => self.decide_complaint(conn, index, proposal, d)?,
        }
        Ok(())
    }

    /// Removes the rows a rejected or failed batch proposal had staged.
    pub(super) fn drop_pending(
        &mut self,
        conn: &Connection,
        proposal: &str,
        action: &Action,
    ) -> Check<()> {
        if let Action::Batch(_) = action {
            conn.execute(
                "DELETE FROM result_vote WHERE (station, contest, source) IN
                 (SELECT station, contest, source FROM result_form WHERE proposal = ?1)",
                [proposal],
            )
            .map_err(sql)?;
            // A list's pseudonyms are staged through their list's row.
            match &mut self.lists {
                None => {
                    conn.execute(
                        "DELETE FROM pseudonym
                         WHERE station IN (SELECT station FROM pseudonym_list WHERE proposal = ?1)
                           AND idx IN (SELECT idx FROM pseudonym_list WHERE proposal = ?1)",
                        [proposal],
                    )
                    .map_err(sql)?;
                }
                Some(lists) => {
                    let staged = conn
                        .prepare("SELECT idx FROM pseudonym_list WHERE proposal = ?1")
                        .and_then(|mut q| {
                            q.query_map([proposal], |r| r.get::<_, i64>(0).map(|i| i as u64))?
                                .collect::<rusqlite::Result<std::collections::HashSet<u64>>>()
                        })
                        .map_err(sql)?;
                    if !staged.is_empty() {
                        lists.drop_lists(&staged);
                    }
                }
            }
            // Only a batch of registrations stages voters, found by reading the whole roll
            // (no index by proposal: `crate::state::DEFERRED`).
            let registrations =
                matches!(action, Action::Batch(m) if m.content == Content::Registrations);
            for table in STAGED_TABLES
                .iter()
                .chain(&["removal"])
                .filter(|t| registrations || **t != "voter")
            {
                conn.execute(
                    &format!("DELETE FROM {table} WHERE proposal = ?1"),
                    [proposal],
                )
                .map_err(sql)?;
            }
            self.ancestors.clear();
        }
        Ok(())
    }
}

impl Fold {
    /// Applies the removals a batch staged, in the batch's order; one voter no longer on the
    /// roll fails the whole batch.
    fn remove_staged(&mut self, conn: &Connection, index: u64, proposal: &str) -> Check<()> {
        let entry = proposal_index(conn, proposal)?;
        let staged: Vec<(String, String, String)> = conn
            .prepare("SELECT voter, reason, evidence FROM removal WHERE proposal = ?1 ORDER BY idx")
            .map_err(sql)?
            .query_map([proposal], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(sql)?
            .collect::<Result<_, _>>()
            .map_err(sql)?;
        for (voter, reason, evidence) in &staged {
            self.remove_voter(
                conn,
                Change {
                    reason: Some(reason),
                    evidence: Some(evidence),
                    proposal: Some(proposal),
                    ..Change::new(voter, index, entry, "remove")
                },
                "body.action.batch",
            )?;
        }
        conn.execute("DELETE FROM removal WHERE proposal = ?1", [proposal])
            .map_err(sql)?;
        Ok(())
    }
}

/// A governed batch's registrations enter the history when the batch takes effect.
fn proposal_index(conn: &Connection, proposal: &str) -> Check<u64> {
    conn.query_row("SELECT idx FROM proposal WHERE id = ?1", [proposal], |r| {
        r.get::<_, i64>(0)
    })
    .map(|i| i as u64)
    .map_err(sql)
}

/// Tables whose rows a governed batch stages until it is approved.
const STAGED_TABLES: [&str; 7] = [
    "area",
    "station",
    "voter",
    "result_form",
    "signer",
    "pseudonym_list",
    "temporary_card",
];

pub(super) fn rule(conn: &Connection) -> Check<Rule> {
    let text: String = conn
        .query_row("SELECT value FROM election WHERE key = 'rule'", [], |r| {
            r.get(0)
        })
        .map_err(sql)?;
    serde_json::from_str(&text).map_err(|e| sql_text(e.to_string()))
}

pub(super) fn count_members(conn: &Connection) -> Check<u64> {
    conn.query_row(
        "SELECT count(*) FROM signer WHERE role = 'commission_member' AND revoked_at IS NULL AND proposal IS NULL",
        [],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n as u64)
    .map_err(sql)
}

pub(super) struct Tally {
    approvals: u64,
    rejections: u64,
    parties: u64,
}

pub(super) fn tally(conn: &Connection, proposal: &str) -> Check<Tally> {
    conn.query_row(
        "SELECT
            sum(d.verdict = 'approve'),
            sum(d.verdict = 'reject'),
            count(DISTINCT CASE WHEN d.verdict = 'approve' THEN s.party END)
         FROM decision d JOIN signer s ON s.name = d.member WHERE d.proposal = ?1",
        [proposal],
        |r| {
            Ok(Tally {
                approvals: r.get::<_, Option<i64>>(0)?.unwrap_or(0) as u64,
                rejections: r.get::<_, Option<i64>>(1)?.unwrap_or(0) as u64,
                parties: r.get::<_, i64>(2)? as u64,
            })
        },
    )
    .map_err(sql)
}

pub(super) fn set_status(
    conn: &Connection,
    proposal: &str,
    status: &str,
    index: u64,
    outcome: &str,
) -> Check<()> {
    conn.execute(
        "UPDATE proposal SET status = ?2, decided_at = ?3, outcome = ?4 WHERE id = ?1",
        params![proposal, status, index as i64, outcome],
    )
    .map_err(sql)?;
    Ok(())
}

/// Under `every_party_asked`, the proposal must name at least one member of every party that
/// has members.
pub(super) fn check_asked(conn: &Connection, asked: &[String]) -> Check<()> {
    let mut stmt = conn
        .prepare(
            "SELECT DISTINCT party FROM signer WHERE role = 'commission_member' AND party IS NOT NULL
             AND revoked_at IS NULL AND proposal IS NULL ORDER BY party",
        )
        .map_err(sql)?;
    let parties: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .map_err(sql)?
        .collect::<Result<_, _>>()
        .map_err(sql)?;
    for party in parties {
        let mut found = false;
        for name in asked {
            if let Some((s, None, None)) = signer(conn, name)?
                && s.role == Role::CommissionMember
                && s.party.as_deref() == Some(party.as_str())
            {
                found = true;
                break;
            }
        }
        if !found {
            return refuse(
                "body.asked",
                format!(
                    "the rule requires asking members of every party; no member of {party} is asked"
                ),
            );
        }
    }
    Ok(())
}

pub(super) fn check_rule(conn: &Connection, r: &Rule, path: &str) -> Check<()> {
    let members = count_members(conn)?;
    let parties: i64 = conn
        .query_row("SELECT count(*) FROM party", [], |r| r.get(0))
        .map_err(sql)?;
    if r.min_approvals == 0 {
        return refuse(
            format!("{path}.min_approvals"),
            "at least one approval is needed",
        );
    }
    if u64::from(r.min_approvals) > members {
        return refuse(
            format!("{path}.min_approvals"),
            format!(
                "{} approvals can never be reached by {members} members",
                r.min_approvals
            ),
        );
    }
    if i64::from(r.min_parties) > parties {
        return refuse(
            format!("{path}.min_parties"),
            format!(
                "{} parties can never be reached with {parties} parties",
                r.min_parties
            ),
        );
    }
    Ok(())
}
