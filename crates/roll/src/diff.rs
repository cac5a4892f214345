//! Roll diffs: what changed on a voter roll between two points (two log sizes, or two
//! snapshots), counted by area: additions, removals, moves and edits, each removal with the
//! proposal and members that approved it, the removal rate of each area, and a flag on areas
//! whose rate stands far above the rest, set beside each area's vote shares in the previous
//! results, because a deletion wave in one party's strongholds is the pattern to surface.
//!
//! The flag rule (`docs/methods.md`, section "Roll diffs"): among areas with at least
//! `min_roll` voters at the first point, let r be an area's removal rate, m the median rate,
//! MAD the median absolute deviation from m, and p the pooled rate (all removals over all
//! voters). An area's score is z = (r − m) / s with s = max(1.4826·MAD, √(p(1−p)/n)), n its
//! voters at the first point: the robust spread of the rates, but never less than the
//! binomial noise of an area that size. An area is flagged when z > `k` and it lost at least
//! `min_removals` voters. Median and MAD are not moved by a few outlying areas, so a wave in a
//! handful of areas does not hide itself by raising the bar.
//!
//! Pure: it never knows the log, SQL, files or the terminal. Callers feed it one voter at a
//! time ([`Diff::voter`]), so a national roll is never held in memory.

use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Where a voter stands on one side of the diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place<'a> {
    pub station: &'a str,
    pub area: &'a str,
}

/// A member who approved a removal, and their party.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Approver {
    pub member: String,
    pub party: Option<String>,
}

/// What the record says of a removal (nothing, for a snapshot diff).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RemovalRecord {
    pub reason: Option<String>,
    /// Hex SHA-256 of the evidence document.
    pub evidence: Option<String>,
    pub proposal: Option<String>,
    pub approvers: Vec<Approver>,
}

/// The flag rule's parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FlagRule {
    /// Robust z-score above which an area is flagged.
    pub k: f64,
    /// Areas with fewer voters at the first point are not scored.
    pub min_roll: u64,
    /// An area must have lost at least this many voters to be flagged.
    pub min_removals: u64,
}

impl Default for FlagRule {
    fn default() -> FlagRule {
        FlagRule {
            k: 4.0,
            min_roll: 30,
            min_removals: 5,
        }
    }
}

/// One area's changes.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AreaChanges {
    pub area: String,
    /// Voters on the roll in the area at the first point, and at the second.
    pub before: u64,
    pub after: u64,
    pub additions: u64,
    pub removals: u64,
    /// Voters who moved into the area from another, and out of it to another.
    pub moved_in: u64,
    pub moved_out: u64,
    /// Voters who moved between stations of the area.
    pub moved_within: u64,
    /// Voters still in the area whose recorded details changed.
    pub edits: u64,
    /// Removals by reason.
    pub reasons: BTreeMap<String, u64>,
    /// Removals over voters at the first point.
    pub removal_rate: Option<f64>,
    /// The robust score of the removal rate (see the module documentation); None when the
    /// area is too small to score.
    pub score: Option<f64>,
    pub flagged: bool,
    /// Each choice's share of the valid votes in the area's previous results.
    pub shares: BTreeMap<String, f64>,
}

/// One removed voter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Removed {
    pub voter: String,
    pub area: String,
    pub station: String,
    #[serde(flatten)]
    pub record: RemovalRecord,
}

/// One governing decision behind removals: how many it removed, where, and who approved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RemovalApproval {
    pub proposal: String,
    pub removals: u64,
    pub areas: BTreeSet<String>,
    pub approvers: Vec<Approver>,
    /// The distinct parties of the approvers.
    pub parties: BTreeSet<String>,
}

/// The whole diff.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RollDiff {
    pub areas: Vec<AreaChanges>,
    pub totals: AreaChanges,
    pub rule: FlagRule,
    /// The median and MAD of the scored areas' removal rates, and the pooled rate.
    pub median_rate: Option<f64>,
    pub mad: Option<f64>,
    pub pooled_rate: Option<f64>,
    /// The flagged areas, highest score first.
    pub flagged: Vec<String>,
    pub removed: Vec<Removed>,
    pub approvals: Vec<RemovalApproval>,
}

/// A diff being built, one voter at a time.
#[derive(Debug, Default)]
pub struct Diff {
    areas: BTreeMap<String, AreaChanges>,
    removed: Vec<Removed>,
}

impl Diff {
    pub fn new() -> Diff {
        Diff::default()
    }

    fn area(&mut self, code: &str) -> &mut AreaChanges {
        if !self.areas.contains_key(code) {
            self.areas.insert(
                code.to_string(),
                AreaChanges {
                    area: code.to_string(),
                    ..AreaChanges::default()
                },
            );
        }
        self.areas.get_mut(code).expect("inserted")
    }

    /// Makes an area known even if nothing happened in it (so that it counts in the median).
    pub fn area_known(&mut self, code: &str) {
        self.area(code);
    }

    /// One voter: where they stood at each point (None: not on the roll), whether their
    /// details changed, and what the record says of their removal if they were removed.
    pub fn voter(
        &mut self,
        voter: &str,
        before: Option<Place<'_>>,
        after: Option<Place<'_>>,
        edited: bool,
        removal: Option<RemovalRecord>,
    ) {
        if let Some(b) = &before {
            self.area(b.area).before += 1;
        }
        if let Some(a) = &after {
            self.area(a.area).after += 1;
        }
        match (before, after) {
            (None, None) => {}
            (None, Some(a)) => self.area(a.area).additions += 1,
            (Some(b), None) => {
                let record = removal.unwrap_or_default();
                let area = self.area(b.area);
                area.removals += 1;
                let reason = record.reason.clone().unwrap_or_else(|| "unknown".into());
                *area.reasons.entry(reason).or_default() += 1;
                self.removed.push(Removed {
                    voter: voter.to_string(),
                    area: b.area.to_string(),
                    station: b.station.to_string(),
                    record,
                });
            }
            (Some(b), Some(a)) => {
                if b.area != a.area {
                    self.area(b.area).moved_out += 1;
                    self.area(a.area).moved_in += 1;
                } else if b.station != a.station {
                    self.area(a.area).moved_within += 1;
                } else if edited {
                    self.area(a.area).edits += 1;
                }
            }
        }
    }

    /// Scores the areas and sets each area's vote shares (votes per choice in the previous
    /// results, by area).
    pub fn finish(
        self,
        rule: FlagRule,
        votes: &BTreeMap<String, BTreeMap<String, u64>>,
    ) -> RollDiff {
        let mut areas: Vec<AreaChanges> = self.areas.into_values().collect();
        for a in &mut areas {
            if a.before > 0 {
                a.removal_rate = Some(a.removals as f64 / a.before as f64);
            }
            if let Some(v) = votes.get(&a.area) {
                let valid: u64 = v.values().sum();
                if valid > 0 {
                    a.shares = v
                        .iter()
                        .map(|(c, n)| (c.clone(), *n as f64 / valid as f64))
                        .collect();
                }
            }
        }
        let scored: Vec<usize> = (0..areas.len())
            .filter(|&i| areas[i].before >= rule.min_roll.max(1))
            .collect();
        let (mut median_rate, mut mad, mut pooled_rate) = (None, None, None);
        let mut flagged = Vec::new();
        if !scored.is_empty() {
            let rates: Vec<f64> = scored
                .iter()
                .map(|&i| areas[i].removal_rate.unwrap_or(0.0))
                .collect();
            let m = median(&rates);
            let d = median(&rates.iter().map(|r| (r - m).abs()).collect::<Vec<_>>());
            let (removed, voters) = scored.iter().fold((0u64, 0u64), |(r, n), &i| {
                (r + areas[i].removals, n + areas[i].before)
            });
            let p = removed as f64 / voters as f64;
            for &i in &scored {
                let a = &mut areas[i];
                let n = a.before as f64;
                let s = (1.4826 * d).max((p * (1.0 - p) / n).sqrt());
                let r = a.removal_rate.unwrap_or(0.0);
                let z = if s > 0.0 { (r - m) / s } else { 0.0 };
                a.score = Some(z);
                a.flagged = z > rule.k && a.removals >= rule.min_removals;
                if a.flagged {
                    flagged.push((z, a.area.clone()));
                }
            }
            (median_rate, mad, pooled_rate) = (Some(m), Some(d), Some(p));
        }
        flagged.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        let mut totals = AreaChanges {
            area: "all".into(),
            ..AreaChanges::default()
        };
        for a in &areas {
            totals.before += a.before;
            totals.after += a.after;
            totals.additions += a.additions;
            totals.removals += a.removals;
            totals.moved_in += a.moved_in;
            totals.moved_out += a.moved_out;
            totals.moved_within += a.moved_within;
            totals.edits += a.edits;
            for (r, n) in &a.reasons {
                *totals.reasons.entry(r.clone()).or_default() += n;
            }
        }
        if totals.before > 0 {
            totals.removal_rate = Some(totals.removals as f64 / totals.before as f64);
        }
        let mut approvals: BTreeMap<String, RemovalApproval> = BTreeMap::new();
        for r in &self.removed {
            if let Some(p) = &r.record.proposal {
                let e = approvals
                    .entry(p.clone())
                    .or_insert_with(|| RemovalApproval {
                        proposal: p.clone(),
                        removals: 0,
                        areas: BTreeSet::new(),
                        approvers: r.record.approvers.clone(),
                        parties: r
                            .record
                            .approvers
                            .iter()
                            .filter_map(|a| a.party.clone())
                            .collect(),
                    });
                e.removals += 1;
                e.areas.insert(r.area.clone());
            }
        }
        RollDiff {
            areas,
            totals,
            rule,
            median_rate,
            mad,
            pooled_rate,
            flagged: flagged.into_iter().map(|f| f.1).collect(),
            removed: self.removed,
            approvals: approvals.into_values().collect(),
        }
    }
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place<'a>(station: &'a str, area: &'a str) -> Option<Place<'a>> {
        Some(Place { station, area })
    }

    #[test]
    fn counts_each_kind_of_change_in_its_area() {
        let mut d = Diff::new();
        d.voter("1", None, place("s1", "A"), false, None);
        d.voter("2", place("s1", "A"), None, false, None);
        d.voter("3", place("s1", "A"), place("s2", "B"), false, None);
        d.voter("4", place("s1", "A"), place("s3", "A"), false, None);
        d.voter("5", place("s1", "A"), place("s1", "A"), true, None);
        d.voter("6", place("s1", "A"), place("s1", "A"), false, None);
        let r = d.finish(FlagRule::default(), &BTreeMap::new());
        let a = &r.areas[0];
        assert_eq!(
            (
                a.before,
                a.after,
                a.additions,
                a.removals,
                a.moved_out,
                a.moved_within,
                a.edits
            ),
            (5, 4, 1, 1, 1, 1, 1)
        );
        assert_eq!(r.areas[1].moved_in, 1);
        assert_eq!(a.reasons["unknown"], 1);
        assert_eq!(r.totals.removals, 1);
        assert!(r.flagged.is_empty(), "too small to score");
    }

    #[test]
    fn flags_areas_far_above_the_rest_and_not_the_noise() {
        let mut d = Diff::new();
        let mut votes = BTreeMap::new();
        for a in 0..40u64 {
            let area = format!("C{a:02}");
            // Background: 1 to 4 removals of 200; areas 7, 19 and 33: 30 of 200.
            let removed = if [7, 19, 33].contains(&a) {
                30
            } else {
                1 + a % 4
            };
            for v in 0..200 {
                let id = format!("{area}-{v}");
                let after = if v < removed { None } else { place("s", &area) };
                d.voter(&id, place("s", &area), after, false, None);
            }
            votes.insert(
                area,
                BTreeMap::from([("X".to_string(), 60), ("Y".to_string(), 40)]),
            );
        }
        let r = d.finish(FlagRule::default(), &votes);
        assert_eq!(r.flagged, ["C07", "C19", "C33"]);
        assert!((r.areas[0].shares["X"] - 0.6).abs() < 1e-12);
        // With no removals anywhere, nothing is flagged (no division by zero).
        let mut d = Diff::new();
        for a in 0..10 {
            for v in 0..50 {
                let area = format!("A{a}");
                d.voter(
                    &format!("{a}-{v}"),
                    place("s", &area),
                    place("s", &area),
                    false,
                    None,
                );
            }
        }
        let r = d.finish(FlagRule::default(), &BTreeMap::new());
        assert!(r.flagged.is_empty());
        assert_eq!(r.pooled_rate, Some(0.0));
    }
}
