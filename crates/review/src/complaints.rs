//! Complaints reviewed: every complaint (or those of an area), counted by status, with those
//! waiting past a deadline by witness time marked overdue. Read through
//! `ledger::report::complaints` (docs/complaints.md).

use std::collections::BTreeMap;

use ledger::report::ComplaintRecord;
use serde::Serialize;

use crate::error::state;
use crate::scope::Geography;
use crate::{Result, Review};

/// The complaints of an election or an area.
#[derive(Debug, Clone, Serialize)]
pub struct Complaints {
    /// The area (code, name), or None for the whole election.
    pub area: Option<(String, String)>,
    /// Whether only the overdue are listed.
    pub overdue_only: bool,
    /// Every complaint in the area by status, and how many are overdue.
    pub by_status: BTreeMap<String, u64>,
    pub overdue: u64,
    /// Decided, but after a deadline (by the checkpoint that first covered the decision).
    pub decided_late: u64,
    pub complaints: Vec<ComplaintRecord>,
}

/// The complaints about `area` (and everything below it) or all; with `overdue_only`, only
/// those waiting past a deadline.
pub fn complaints(review: &Review, area: Option<&str>, overdue_only: bool) -> Result<Complaints> {
    let conn = review.conn();
    let area = match area {
        Some(a) => Geography::read(conn, Some(a))?.area,
        None => None,
    };
    let all = state(ledger::report::complaints(
        conn,
        area.as_ref().map(|a| a.0.as_str()),
    ))?;
    let mut by_status = BTreeMap::new();
    for c in &all {
        *by_status.entry(c.status.clone()).or_insert(0) += 1;
    }
    let overdue = all.iter().filter(|c| c.overdue()).count() as u64;
    let decided_late = all
        .iter()
        .filter(|c| c.acted_late == Some(true) || c.decided_late == Some(true))
        .count() as u64;
    Ok(Complaints {
        area,
        overdue_only,
        by_status,
        overdue,
        decided_late,
        complaints: all
            .into_iter()
            .filter(|c| !overdue_only || c.overdue())
            .collect(),
    })
}
