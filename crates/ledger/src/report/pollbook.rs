//! The poll book's public questions: the alerts it raised, check-ins per station, temporary
//! cards per officer and per commune, and whether a pseudonym is on a station's list. Nothing
//! here names a voter: alerts and counts are about check-ins, stations and officers.

use super::{Error, q};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use std::collections::BTreeMap;

/// A check-in an alert points to: where, its id, when it was claimed, and its log index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckinRef {
    pub station: String,
    pub checkin: String,
    pub at: u64,
    pub index: u64,
}

/// One alert of the poll book.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckinAlert {
    /// `double_checkin`, `card_reused`, `not_on_list`, `conflicting_checkin`, `unknown_card`,
    /// `card_wrong_station`, `card_unapproved` or `card_over_threshold`.
    pub kind: String,
    /// The log index of the entry that raised it, and the position in that entry.
    pub index: u64,
    pub position: u64,
    pub station: String,
    /// The check-in that raised it (None for a card issued above the threshold).
    pub checkin: Option<String>,
    /// Its claimed time (of the check-in, or of the card's issuance), Unix seconds.
    pub at: u64,
    /// The earlier check-in it repeats or contradicts.
    pub earlier: Option<CheckinRef>,
    /// The other station concerned: whose list holds the pseudonym, or the card's station.
    pub other_station: Option<String>,
    pub detail: Option<String>,
}

impl CheckinAlert {
    /// The alert on one line, times in UTC, e.g. "entry 812: double_checkin at 0101-001,
    /// check-in 0101-001-L004 at 2013-07-28T08:00:10Z; first at 0102-001, check-in
    /// 0102-001-00017 at 2013-07-28T00:40:00Z (entry 640)".
    pub fn describe(&self) -> String {
        let mut s = format!("entry {}: {} at {}", self.index, self.kind, self.station);
        if let Some(c) = &self.checkin {
            s.push_str(&format!(", check-in {c}"));
        }
        s.push_str(&format!(" at {}", super::utc(self.at)));
        if let Some(e) = &self.earlier {
            s.push_str(&format!(
                "; first at {}, check-in {} at {} (entry {})",
                e.station,
                e.checkin,
                super::utc(e.at),
                e.index
            ));
        }
        if let Some(o) = &self.other_station {
            s.push_str(&format!("; station {o}"));
        }
        if let Some(d) = &self.detail {
            s.push_str(&format!(" ({d})"));
        }
        s
    }
}

/// Every alert, in log order.
pub fn checkin_alerts(conn: &Connection) -> Result<Vec<CheckinAlert>, Error> {
    checkin_alerts_from(conn, 0)
}

/// The alerts raised by entries at log index `from` and after, in log order.
pub fn checkin_alerts_from(conn: &Connection, from: u64) -> Result<Vec<CheckinAlert>, Error> {
    let mut stmt = q(conn.prepare(
        "SELECT kind, idx, seq, station, checkin, at, other_station, other_checkin, other_at,
                other_idx, detail
         FROM checkin_alert WHERE idx >= ?1 ORDER BY idx, seq, kind",
    ))?;
    let rows = q(stmt.query_map([from as i64], |r| {
        let other_checkin: Option<String> = r.get(7)?;
        let other_station: Option<String> = r.get(6)?;
        let earlier = match (&other_checkin, &other_station) {
            (Some(c), Some(s)) => Some(CheckinRef {
                station: s.clone(),
                checkin: c.clone(),
                at: r.get::<_, i64>(8)? as u64,
                index: r.get::<_, i64>(9)? as u64,
            }),
            _ => None,
        };
        Ok(CheckinAlert {
            kind: r.get(0)?,
            index: r.get::<_, i64>(1)? as u64,
            position: r.get::<_, i64>(2)? as u64,
            station: r.get(3)?,
            checkin: r.get(4)?,
            at: r.get::<_, i64>(5)? as u64,
            other_station: if earlier.is_some() {
                None
            } else {
                other_station
            },
            earlier,
            detail: r.get(10)?,
        })
    }))?;
    rows.map(q).collect()
}

/// A station's check-ins, counted once per check-in id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StationCheckins {
    pub station: String,
    pub checkins: u64,
    /// Check-ins with a temporary card.
    pub cards: u64,
    /// Check-ins with a temporary card issued without an identity document.
    pub cards_without_document: u64,
}

/// Check-ins per station (stations with at least one), by station code.
pub fn checkins_by_station(conn: &Connection) -> Result<Vec<StationCheckins>, Error> {
    let mut out: BTreeMap<String, StationCheckins> = BTreeMap::new();
    let mut stmt = q(conn.prepare("SELECT station, count(*) FROM checkin GROUP BY station"))?;
    let rows = q(stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))))?;
    for row in rows {
        let (station, n) = q(row)?;
        out.insert(
            station.clone(),
            StationCheckins {
                station,
                checkins: n as u64,
                cards: 0,
                cards_without_document: 0,
            },
        );
    }
    // Card check-ins, wherever the card was used (issued or not).
    let mut stmt = q(conn.prepare(
        "SELECT c.station, t.basis FROM checkin c
         LEFT JOIN temporary_card t ON t.card = CAST(substr(c.presented, 2) AS TEXT)
         WHERE c.presented >= x'01' AND c.presented < x'02'",
    ))?;
    let rows = q(stmt.query_map([], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
    }))?;
    for row in rows {
        let (station, basis) = q(row)?;
        if let Some(s) = out.get_mut(&station) {
            s.cards += 1;
            if basis.as_deref() != Some("identity_document") {
                s.cards_without_document += 1;
            }
        }
    }
    Ok(out.into_values().collect())
}

/// Temporary cards issued (in effect), grouped by officer or by commune.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CardCount {
    /// The officer's key name, or the commune's code.
    pub key: String,
    pub issued: u64,
    /// Issued on two witnesses' word or another basis, not an identity document.
    pub without_document: u64,
    pub two_witnesses: u64,
    pub other: u64,
    /// Issued directly above the officer's daily threshold.
    pub over_threshold: u64,
    /// Issued through a governed batch the commission approved.
    pub approved: u64,
}

/// Temporary cards per issuing officer.
pub fn cards_by_officer(conn: &Connection) -> Result<Vec<CardCount>, Error> {
    card_counts(conn, "t.officer")
}

/// Temporary cards per commune (the area of the station each card is for).
pub fn cards_by_commune(conn: &Connection) -> Result<Vec<CardCount>, Error> {
    card_counts(conn, "s.area")
}

fn card_counts(conn: &Connection, group: &str) -> Result<Vec<CardCount>, Error> {
    let mut stmt = q(conn.prepare(&format!(
        "SELECT {group}, count(*), sum(t.basis != 'identity_document'),
                sum(t.basis = 'two_witnesses'), sum(t.basis = 'other'),
                sum(t.over_threshold), sum(t.governed_by IS NOT NULL)
         FROM temporary_card t JOIN station s ON s.code = t.station
         WHERE t.proposal IS NULL GROUP BY {group} ORDER BY {group}"
    )))?;
    let rows = q(stmt.query_map([], |r| {
        let n = |i| r.get::<_, i64>(i).map(|v| v as u64);
        Ok(CardCount {
            key: r.get(0)?,
            issued: n(1)?,
            without_document: n(2)?,
            two_witnesses: n(3)?,
            other: n(4)?,
            over_threshold: n(5)?,
            approved: n(6)?,
        })
    }))?;
    rows.map(q).collect()
}

/// The station whose published list holds `pseudonym` (64 lowercase hex digits), if any: how
/// anyone checks a check-in against the lists.
pub fn pseudonym_station(conn: &Connection, pseudonym: &str) -> Result<Option<String>, Error> {
    let Some(raw) = crate::fold::decode_hex32(pseudonym) else {
        return Ok(None);
    };
    q(conn
        .query_row(
            "SELECT station FROM pseudonym p WHERE pseudonym = ?1
             AND (SELECT proposal IS NULL FROM pseudonym_list WHERE idx = p.idx)",
            params![&raw[..]],
            |r| r.get(0),
        )
        .optional())
}

/// How many pseudonyms each station's published list holds.
pub fn station_lists(conn: &Connection) -> Result<BTreeMap<String, u64>, Error> {
    let mut stmt = q(conn.prepare(
        "SELECT station, sum(count) FROM pseudonym_list WHERE proposal IS NULL GROUP BY station",
    ))?;
    let rows = q(stmt.query_map([], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
    }))?;
    rows.map(q).collect()
}

/// Whether a batch with this id is in the log (a sync sent again is recognised by it).
pub fn batch_recorded(conn: &Connection, id: &str) -> Result<bool, Error> {
    q(conn
        .query_row("SELECT 1 FROM batch WHERE id = ?1", [id], |_| Ok(()))
        .optional())
    .map(|r| r.is_some())
}

/// The log indexes of the temporary cards in effect for stations in area `commune` that were
/// issued without an identity document, in log order.
pub fn cards_without_document_in(conn: &Connection, commune: &str) -> Result<Vec<u64>, Error> {
    let mut stmt = q(conn.prepare(
        "SELECT t.idx FROM temporary_card t JOIN station s ON s.code = t.station
         WHERE t.proposal IS NULL AND s.area = ?1 AND t.basis != 'identity_document'
         ORDER BY t.idx",
    ))?;
    let rows = q(stmt.query_map([commune], |r| r.get::<_, i64>(0).map(|v| v as u64)))?;
    rows.map(q).collect()
}
