//! Ballot reconciliation per station, from the official result forms and the poll book:
//!
//! - `unaccounted_ballots`: the ballots received are not the ballots issued, spoiled and
//!   unused; the size is received − (issued + spoiled + unused);
//! - `issued_vs_checkins`: the ballots issued on the form are not the check-ins recorded at the
//!   station (each voter's, and each on a temporary card); the size is issued − check-ins;
//! - `counted_vs_issued`: the ballots counted (valid + invalid) are not the ballots issued;
//!   the size is counted − issued.
//!
//! Each check needs its figures: a form without the ballot-accounting fields (received,
//! issued, spoiled, unused) is counted as such, not as a gap, and a station where the poll
//! book was not used (no published list, no check-in) is not compared with check-ins. Gaps
//! are listed with their size and summarised by area, level by level (province, district,
//! commune). Read through `ledger::report` (the forms, check-ins per station, the lists).

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use crate::error::state;
use crate::scope::Geography;
use crate::{Result, Review};

/// The kinds of gap, in the order they are checked.
pub const GAP_KINDS: [&str; 3] = [
    "unaccounted_ballots",
    "issued_vs_checkins",
    "counted_vs_issued",
];

/// One gap on one station's official form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gap {
    pub station: String,
    pub contest: String,
    /// The station's areas, from the top level down.
    pub areas: Vec<String>,
    /// One of [`GAP_KINDS`].
    pub kind: &'static str,
    /// Signed: see the module documentation.
    pub size: i64,
    /// The figures compared, by name (`received`, `issued`, `spoiled`, `unused`, `checkins`,
    /// `counted`).
    pub figures: BTreeMap<&'static str, u64>,
}

impl Gap {
    /// The gap in words, e.g. "0101-001 (na-2013): issued 412 but 405 check-ins: 7".
    pub fn describe(&self) -> String {
        let f = |k: &str| self.figures.get(k).copied().unwrap_or(0);
        let what = match self.kind {
            "unaccounted_ballots" => format!(
                "received {} but issued {} + spoiled {} + unused {} = {}",
                f("received"),
                f("issued"),
                f("spoiled"),
                f("unused"),
                f("issued") + f("spoiled") + f("unused")
            ),
            "issued_vs_checkins" => {
                format!("issued {} but {} check-ins", f("issued"), f("checkins"))
            }
            _ => format!(
                "counted {} (valid + invalid) but issued {}",
                f("counted"),
                f("issued")
            ),
        };
        format!(
            "{} ({}): {}: {what}: gap {:+}",
            self.station, self.contest, self.kind, self.size
        )
    }
}

/// One area's reconciliation at a glance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AreaSummary {
    pub area: String,
    pub name: String,
    pub level: String,
    pub stations: u64,
    /// Official forms reconciled, and those without the ballot-accounting fields.
    pub forms: u64,
    pub without_accounting: u64,
    /// Stations with at least one gap; gaps of each kind; the sum of the gaps' sizes
    /// (absolute) of each kind.
    pub stations_with_gaps: u64,
    pub gaps: BTreeMap<&'static str, u64>,
    pub ballots: BTreeMap<&'static str, u64>,
}

/// The reconciliation of an area (or the whole election).
#[derive(Debug, Clone, Serialize)]
pub struct Reconciliation {
    /// The area reconciled (code, name), or None for the whole election.
    pub area: Option<(String, String)>,
    pub stations: u64,
    /// Official forms reconciled (one per station and contest).
    pub forms: u64,
    /// Stations with no official form.
    pub without_form: Vec<String>,
    /// Forms without one or more of received, issued, spoiled and unused: not gaps.
    pub without_accounting: Vec<String>,
    /// Stations where the poll book was not used (no list, no check-in): issued is not
    /// compared with check-ins there.
    pub without_poll_book: u64,
    pub gaps: Vec<Gap>,
    /// The election's area levels, top down, and each area in scope, level by level.
    pub levels: Vec<String>,
    pub by_area: Vec<AreaSummary>,
}

impl Reconciliation {
    /// Stations with at least one gap.
    pub fn stations_with_gaps(&self) -> u64 {
        self.gaps
            .iter()
            .map(|g| g.station.as_str())
            .collect::<HashSet<_>>()
            .len() as u64
    }
}

/// Reconciles the official forms of every station in `area` (or all).
pub fn reconcile(review: &Review, area: Option<&str>) -> Result<Reconciliation> {
    let conn = review.conn();
    let geo = Geography::read(conn, area)?;
    let checkins: HashMap<String, u64> =
        state(ledger::report::pollbook::checkins_by_station(conn))?
            .into_iter()
            .map(|s| (s.station, s.checkins))
            .collect();
    let lists = state(ledger::report::pollbook::station_lists(conn))?;
    let mut forms: HashMap<String, Vec<ledger::event::ResultForm>> = HashMap::new();
    for f in state(ledger::report::result_forms(conn))? {
        if f.source == "official" {
            forms.entry(f.station.clone()).or_default().push(f);
        }
    }
    let mut r = Reconciliation {
        area: geo.area.clone(),
        stations: geo.stations.len() as u64,
        forms: 0,
        without_form: Vec::new(),
        without_accounting: Vec::new(),
        without_poll_book: 0,
        gaps: Vec::new(),
        levels: geo.levels.clone(),
        by_area: Vec::new(),
    };
    // Per area: (stations, forms, without accounting, stations with gaps, gaps, ballots).
    let mut sums: BTreeMap<(usize, String), AreaSummary> = BTreeMap::new();
    for s in &geo.stations {
        let first_gap = r.gaps.len();
        let station_forms = forms.remove(&s.code).unwrap_or_default();
        if station_forms.is_empty() {
            r.without_form.push(s.code.clone());
        }
        let used_poll_book = checkins.contains_key(&s.code) || lists.contains_key(&s.code);
        if !used_poll_book {
            r.without_poll_book += 1;
        }
        let mut lacking = 0;
        for f in &station_forms {
            r.forms += 1;
            let mut gap = |kind, size: i64, figures: &[(&'static str, u64)]| {
                if size != 0 {
                    r.gaps.push(Gap {
                        station: s.code.clone(),
                        contest: f.contest.clone(),
                        areas: s.path.clone(),
                        kind,
                        size,
                        figures: figures.iter().copied().collect(),
                    });
                }
            };
            let counted = f.valid + f.invalid;
            match (f.ballots_received, f.ballots_issued, f.spoiled, f.unused) {
                (Some(received), Some(issued), Some(spoiled), Some(unused)) => gap(
                    GAP_KINDS[0],
                    received as i64 - (issued + spoiled + unused) as i64,
                    &[
                        ("received", received),
                        ("issued", issued),
                        ("spoiled", spoiled),
                        ("unused", unused),
                    ],
                ),
                _ => lacking += 1,
            }
            if let Some(issued) = f.ballots_issued {
                if used_poll_book {
                    let n = checkins.get(&s.code).copied().unwrap_or(0);
                    gap(
                        GAP_KINDS[1],
                        issued as i64 - n as i64,
                        &[("issued", issued), ("checkins", n)],
                    );
                }
                gap(
                    GAP_KINDS[2],
                    counted as i64 - issued as i64,
                    &[("counted", counted), ("issued", issued)],
                );
            }
        }
        if lacking > 0 {
            r.without_accounting.push(s.code.clone());
        }
        let gaps = &r.gaps[first_gap..];
        for level in 0..geo.levels.len() {
            let Some(code) = geo.area_at(s, level) else {
                continue;
            };
            let sum = sums
                .entry((level, code.to_string()))
                .or_insert_with(|| AreaSummary {
                    area: code.to_string(),
                    name: geo
                        .areas
                        .get(code)
                        .map(|(n, _)| n.clone())
                        .unwrap_or_default(),
                    level: geo.levels[level].clone(),
                    stations: 0,
                    forms: 0,
                    without_accounting: 0,
                    stations_with_gaps: 0,
                    gaps: BTreeMap::new(),
                    ballots: BTreeMap::new(),
                });
            sum.stations += 1;
            sum.forms += station_forms.len() as u64;
            sum.without_accounting += lacking;
            sum.stations_with_gaps += u64::from(!gaps.is_empty());
            for g in gaps {
                *sum.gaps.entry(g.kind).or_insert(0) += 1;
                *sum.ballots.entry(g.kind).or_insert(0) += g.size.unsigned_abs();
            }
        }
    }
    r.by_area = sums.into_values().collect();
    Ok(r)
}
