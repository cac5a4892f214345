//! Every public flag and every poll-book alert together, in log order, each with the entry it
//! is about: what the record shows to be wrong, filtered by kind and area. Flags are read
//! through `ledger::report::each_flag` (docs/flags.md), alerts through
//! `ledger::report::pollbook` (docs/pollbook.md).

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;

use crate::error::state;
use crate::scope::Geography;
use crate::{Error, Result, Review};

/// The poll book's alert kinds (docs/pollbook.md).
pub const ALERT_KINDS: [&str; 8] = [
    "double_checkin",
    "card_reused",
    "not_on_list",
    "conflicting_checkin",
    "unknown_card",
    "card_wrong_station",
    "card_unapproved",
    "card_over_threshold",
];

/// One flag or alert.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// The log index of the entry it is about, and for an alert the check-in's position in it.
    pub index: u64,
    pub position: Option<u64>,
    /// `flag` or `alert`.
    pub source: &'static str,
    pub kind: String,
    /// The entry whose fold raised it.
    pub raised_at: u64,
    pub station: Option<String>,
    pub area: Option<String>,
    pub message: String,
    /// A flag's figures (docs/flags.md); an alert's are in its message.
    pub detail: Option<serde_json::Value>,
}

/// The flags and alerts of an election or an area.
#[derive(Debug, Clone, Serialize)]
pub struct Findings {
    pub kind: Option<String>,
    pub area: Option<(String, String)>,
    pub by_kind: BTreeMap<String, u64>,
    pub findings: Vec<Finding>,
}

/// Every flag and alert of `kind` (or any) about `area` and everything below it (or
/// anywhere), in log order.
pub fn findings(review: &Review, kind: Option<&str>, area: Option<&str>) -> Result<Findings> {
    let conn = review.conn();
    if let Some(k) = kind {
        let known: Vec<&str> = ledger::fold::flags::KINDS
            .iter()
            .map(|(k, _)| *k)
            .chain(ALERT_KINDS)
            .collect();
        if !known.contains(&k) {
            return Err(Error::Refused(format!(
                "no flag or alert is of kind {k:?}; the kinds are {}",
                known.join(", ")
            )));
        }
    }
    let geo = match area {
        Some(_) => Some(Geography::read(conn, area)?),
        None => None,
    };
    let mut findings = Vec::new();
    let filter = ledger::report::FlagFilter {
        kind,
        station: None,
        area,
    };
    ledger::report::each_flag::<Error>(conn, &filter, &mut |f| {
        findings.push(Finding {
            index: f.index,
            position: None,
            source: "flag",
            message: f.detail["message"]
                .as_str()
                .map_or_else(|| f.kind.clone(), str::to_string),
            kind: f.kind,
            raised_at: f.raised_at,
            station: f.station,
            area: f.area,
            detail: Some(f.detail),
        });
        Ok(())
    })?;
    let stations: Option<HashSet<&str>> = geo
        .as_ref()
        .map(|g| g.stations.iter().map(|s| s.code.as_str()).collect());
    let station_area: BTreeMap<String, String> = state(ledger::report::stations(conn))?
        .into_iter()
        .map(|s| (s.code, s.area))
        .collect();
    for a in state(ledger::report::pollbook::checkin_alerts(conn))? {
        if kind.is_some_and(|k| k != a.kind)
            || stations
                .as_ref()
                .is_some_and(|s| !s.contains(a.station.as_str()))
        {
            continue;
        }
        findings.push(Finding {
            index: a.index,
            position: Some(a.position),
            source: "alert",
            message: a.describe(),
            area: station_area.get(&a.station).cloned(),
            kind: a.kind,
            raised_at: a.index,
            station: Some(a.station),
            detail: None,
        });
    }
    findings.sort_by(|a, b| (a.index, a.position, &a.kind).cmp(&(b.index, b.position, &b.kind)));
    let mut by_kind = BTreeMap::new();
    for f in &findings {
        *by_kind.entry(f.kind.clone()).or_insert(0) += 1;
    }
    Ok(Findings {
        kind: kind.map(str::to_string),
        area: geo.and_then(|g| g.area),
        by_kind,
        findings,
    })
}
