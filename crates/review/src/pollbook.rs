//! The poll book reviewed: every alert it raised (second check-ins, pseudonyms not on the
//! station's list, conflicting re-sent check-ins, temporary cards misused or issued above the
//! threshold), counted by kind, with check-ins per station and temporary cards per officer and
//! per commune. Nothing in it names a voter. Read through `ledger::report::pollbook`.

use crate::{Result, Review};
use ledger::report::pollbook::{
    CardCount, CheckinAlert, StationCheckins, cards_by_commune, cards_by_officer, checkin_alerts,
    checkins_by_station,
};
use serde::Serialize;
use std::collections::BTreeMap;

/// The poll book of an election.
#[derive(Debug, Clone, Serialize)]
pub struct PollBook {
    /// Alerts by kind.
    pub counts: BTreeMap<String, u64>,
    pub alerts: Vec<CheckinAlert>,
    /// Stations with check-ins.
    pub stations: Vec<StationCheckins>,
    pub cards_by_officer: Vec<CardCount>,
    pub cards_by_commune: Vec<CardCount>,
}

impl PollBook {
    /// Check-ins recorded, over every station.
    pub fn checkins(&self) -> u64 {
        self.stations.iter().map(|s| s.checkins).sum()
    }
}

/// The poll book as recorded.
pub fn poll_book(review: &Review) -> Result<PollBook> {
    let conn = review.conn();
    let alerts = checkin_alerts(conn)?;
    let mut counts = BTreeMap::new();
    for a in &alerts {
        *counts.entry(a.kind.clone()).or_insert(0) += 1;
    }
    Ok(PollBook {
        counts,
        alerts,
        stations: checkins_by_station(conn)?,
        cards_by_officer: cards_by_officer(conn)?,
        cards_by_commune: cards_by_commune(conn)?,
    })
}
