//! Batch-comparison audits with the polling station as the batch: MACRO (Stark 2010) for one
//! contest at a time, as VotingWorks Arlo runs it, with stations drawn with probability
//! proportional to their error bound (PPEB; Aslam, Popa & Rivest 2008).
//!
//! Each station's reported result form is compared with a hand recount of its ballots. For a
//! winner `w`, loser `l` and station `p` with reported votes `v`, recounted votes `a`, ballots
//! `b_p` and contest-wide reported margin `V_wl`:
//!
//! - error bound `u_p = max_wl (v_wp − v_lp + b_p) / V_wl` (the most the form could overstate);
//! - overstatement `e_p = max_wl ((v_wp − v_lp) − (a_wp − a_lp)) / V_wl`, counted as 0 when
//!   the largest one is not an overstatement;
//! - total error bound `U = Σ_p u_p`; taint `t = e_p / u_p`;
//! - p-value after draws 1..k: `Π (1 − 1/U) / (1 − t_j)`; the audit stops once it is ≤ α;
//! - sample size with no further errors: `ceil(ln α / ln(1 − 1/U))`, at most every station.

use std::collections::HashMap;

use serde::Serialize;

use super::{Contest, check_risk_limit};
use crate::StatsError;
use crate::consistent_sampler::{SeededTickets, trim};

/// What a MACRO audit should do after a round.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum BatchDecision {
    /// The reported outcome stands.
    Confirmed,
    /// Draw more stations.
    Continue {
        /// Further draws that confirm the outcome if they find no more errors.
        further_draws: u64,
        /// The number of the next draw.
        next_first: u64,
    },
    /// Count every station by hand; the hand count decides the outcome.
    FullHandCount { reason: String },
}

/// [`BatchAudit::assess`]'s answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BatchAssessment {
    /// The MACRO risk over the drawn stations (its p-value is 1 when every station was counted).
    pub risk: BatchRisk,
    /// The audit's p-value: 0 after a full hand count that confirms.
    pub p_value: f64,
    /// Every station of the contest was counted by hand: the count is the outcome.
    pub full_hand_count_done: bool,
    pub decision: BatchDecision,
}

/// One station's reported result form for the contest: ballots cast and votes per choice (in
/// the contest's choice order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StationResult {
    pub station: String,
    pub ballots_cast: u64,
    pub votes: Vec<u64>,
}

/// The hand recount of one station's ballots: votes per choice, in contest order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StationRecount {
    pub station: String,
    pub votes: Vec<u64>,
}

/// One PPEB draw: its number (from 1), the consistent_sampler ticket it used, and the station.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StationDraw {
    pub draw: u64,
    pub ticket: String,
    pub station: String,
}

/// How a recount compares with the form, in units of the contest margin.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Overstatement {
    /// The worst pair's error in votes: reported margin minus recounted margin.
    pub counted_as: i64,
    /// `counted_as / V_wl` for that pair.
    pub weighted: f64,
}

/// What one audited draw contributed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DrawFinding {
    pub draw: usize,
    pub station: String,
    pub error_bound: f64,
    /// e_p: the overstatement counted against the outcome (0 if none).
    pub overstatement: f64,
    pub taint: f64,
    /// The p-value after this draw.
    pub p_value: f64,
}

/// The measured risk of a batch-comparison audit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BatchRisk {
    pub contest: String,
    pub risk_limit: f64,
    pub total_error_bound: f64,
    /// min(1, p) after the draws examined.
    pub p_value: f64,
    pub confirmed: bool,
    /// Why the audit must go to a full hand count, if it must.
    pub full_hand_count: Option<String>,
    /// Draws in order, up to the one that confirmed the outcome.
    pub findings: Vec<DrawFinding>,
}

/// A contest's stations, checked and ready for MACRO: error bounds computed once.
#[derive(Debug, Clone)]
pub struct BatchAudit {
    contest: Contest,
    /// Sorted by station id (byte order): the order PPEB accumulates error bounds in.
    stations: Vec<StationResult>,
    index: HashMap<String, usize>,
    bounds: Vec<f64>,
    total: f64,
}

impl BatchAudit {
    /// Checks the stations against the contest: one row per station, one figure per choice,
    /// no choice above the ballots cast, no reported tie.
    pub fn new(contest: Contest, mut stations: Vec<StationResult>) -> Result<Self, StatsError> {
        if stations.is_empty() {
            return Err(StatsError::EmptySample {
                what: "no station results were given",
            });
        }
        if let Some(pair) = contest.reported_tie() {
            return Err(contest.zero_margin_error(pair));
        }
        stations.sort_by(|a, b| a.station.cmp(&b.station));
        let mut index = HashMap::with_capacity(stations.len());
        for (i, s) in stations.iter().enumerate() {
            check_votes(&contest, &s.station, &s.votes)?;
            if let Some(&v) = s.votes.iter().max()
                && v > s.ballots_cast
            {
                return Err(StatsError::InvalidContest {
                    reason: format!(
                        "station {:?} reports {v} votes for one choice but only {} ballots",
                        s.station, s.ballots_cast
                    ),
                });
            }
            if index.insert(s.station.clone(), i).is_some() {
                return Err(StatsError::DuplicateStation {
                    station: s.station.clone(),
                });
            }
        }
        let bounds: Vec<f64> = stations.iter().map(|s| error_bound(&contest, s)).collect();
        // Summed in station order with plain f64 addition, so an observer can repeat it.
        let total = bounds.iter().fold(0.0, |acc, u| acc + u);
        Ok(BatchAudit {
            contest,
            stations,
            index,
            bounds,
            total,
        })
    }

    /// Builds the contest from the stations themselves: reported votes and ballots are the
    /// sums of the station forms.
    pub fn from_stations(
        name: &str,
        choices: &[&str],
        num_winners: usize,
        stations: Vec<StationResult>,
    ) -> Result<Self, StatsError> {
        let mut totals = vec![0u64; choices.len()];
        let mut ballots = 0u64;
        for s in &stations {
            if s.votes.len() != choices.len() {
                return Err(StatsError::ChoiceCountMismatch {
                    station: s.station.clone(),
                    expected: choices.len(),
                    got: s.votes.len(),
                });
            }
            for (t, v) in totals.iter_mut().zip(&s.votes) {
                *t += v;
            }
            ballots += s.ballots_cast;
        }
        let named: Vec<(&str, u64)> = choices.iter().copied().zip(totals).collect();
        let contest = Contest::new(name, &named, ballots, num_winners)?;
        BatchAudit::new(contest, stations)
    }

    pub fn contest(&self) -> &Contest {
        &self.contest
    }

    /// Stations sorted by id, with their error bounds u_p.
    pub fn error_bounds(&self) -> impl Iterator<Item = (&str, f64)> {
        self.stations
            .iter()
            .zip(&self.bounds)
            .map(|(s, &u)| (s.station.as_str(), u))
    }

    /// U, the sum of every station's error bound.
    pub fn total_error_bound(&self) -> f64 {
        self.total
    }

    /// The overstatement a recount reveals in its station.
    pub fn overstatement(&self, recount: &StationRecount) -> Result<Overstatement, StatsError> {
        let reported = self.station(&recount.station)?;
        check_votes(&self.contest, &recount.station, &recount.votes)?;
        let mut worst: Option<Overstatement> = None;
        for (w, l) in self.contest.pairs() {
            let reported_margin = reported.votes[w] as i64 - reported.votes[l] as i64;
            let recounted_margin = recount.votes[w] as i64 - recount.votes[l] as i64;
            let error = reported_margin - recounted_margin;
            if error == 0 {
                continue;
            }
            let weighted = error as f64 / self.margin(w, l) as f64;
            if worst.is_none_or(|o| weighted > o.weighted) {
                worst = Some(Overstatement {
                    counted_as: error,
                    weighted,
                });
            }
        }
        Ok(worst.unwrap_or(Overstatement {
            counted_as: 0,
            weighted: 0.0,
        }))
    }

    /// Stations still to draw if no further errors turn up, as Arlo plans it: U with each
    /// recounted station's bound replaced by its actual overstatement, then
    /// `ceil(ln α / ln(1 − 1/U))`, at most the number of stations. When U ≤ 1 no error could
    /// change the outcome and one station suffices.
    pub fn sample_size(&self, alpha: f64, recounts: &[StationRecount]) -> Result<u64, StatsError> {
        check_risk_limit(alpha)?;
        let mut found: HashMap<&str, f64> = HashMap::new();
        for r in recounts {
            found.insert(r.station.as_str(), counted(self.overstatement(r)?));
        }
        if found.len() == self.stations.len() {
            return Ok(0); // every station has been recounted: that is a full hand count
        }
        let u = self
            .stations
            .iter()
            .zip(&self.bounds)
            .fold(0.0, |acc, (s, &bound)| {
                acc + found.get(s.station.as_str()).copied().unwrap_or(bound)
            });
        if u <= 1.0 {
            return Ok(1);
        }
        let n = (alpha.ln() / (1.0 - 1.0 / u).ln()).ceil();
        Ok((n as u64).min(self.stations.len() as u64))
    }

    /// Further draws that bring a p-value of `p_value` to `alpha` or below if none of them finds
    /// an error: the smallest `k` with `p · (1 − 1/U)^k ≤ α`, that is
    /// `ceil(ln(α / p) / ln(1 − 1/U))`; 0 when `p ≤ α`; 1 when `U ≤ 1` (one clean draw then
    /// makes the p-value 0).
    pub fn further_draws(&self, alpha: f64, p_value: f64) -> Result<u64, StatsError> {
        check_risk_limit(alpha)?;
        if !(p_value.is_finite() && p_value >= 0.0) {
            return Err(StatsError::OutOfRange {
                name: "the p-value",
                value: p_value,
                expected: "a number from 0 to 1",
            });
        }
        if p_value <= alpha {
            return Ok(0);
        }
        if self.total <= 1.0 {
            return Ok(1);
        }
        let k = ((alpha / p_value).ln() / (1.0 - 1.0 / self.total).ln()).ceil();
        Ok(k.max(1.0) as u64)
    }

    /// The expected number of distinct stations among `draws` PPEB draws:
    /// `Σ_p 1 − (1 − u_p / U)^draws`.
    pub fn expected_distinct_stations(&self, draws: u64) -> f64 {
        if self.total <= 0.0 {
            return 0.0;
        }
        let n = draws.min(i32::MAX as u64) as i32;
        self.bounds
            .iter()
            .map(|u| 1.0 - (1.0 - u / self.total).powi(n))
            .sum()
    }

    /// PPEB draws `first..first+count` (numbered from 1), with replacement.
    ///
    /// Draw j uses the consistent_sampler first ticket of the id `"ppeb-" + j` under the seed,
    /// read as a float `u`. With stations sorted by id and `C_p` the running f64 sum of their
    /// error bounds, the draw is the first station with `C_p > u · U`. In Python:
    /// `u = float(consistent_sampler.first_fraction(f"ppeb-{j}", seed))`, then
    /// `bisect.bisect_right(list(itertools.accumulate(bounds)), u * U)`.
    pub fn draw(&self, seed: &str, first: u64, count: u64) -> Result<Vec<StationDraw>, StatsError> {
        if first == 0 {
            return Err(StatsError::OutOfRange {
                name: "the first draw number",
                value: 0.0,
                expected: "1 or more",
            });
        }
        if self.total <= 0.0 {
            return Err(StatsError::EmptySample {
                what: "no station has any error bound, so none can be drawn",
            });
        }
        let tickets = SeededTickets::new(seed);
        let mut cumulative = Vec::with_capacity(self.bounds.len());
        let mut acc = 0.0;
        for u in &self.bounds {
            acc += u;
            cumulative.push(acc);
        }
        let last_positive = self
            .bounds
            .iter()
            .rposition(|&u| u > 0.0)
            .expect("total > 0");
        (first..first + count)
            .map(|j| {
                let full = tickets.first_fraction(&format!("ppeb-{j}"));
                let u: f64 = full.parse().map_err(|_| StatsError::MalformedTicket {
                    ticket: full.clone(),
                })?;
                let x = u * self.total;
                let i = cumulative.partition_point(|&c| c <= x).min(last_positive);
                Ok(StationDraw {
                    draw: j,
                    ticket: trim(&full, 18)?,
                    station: self.stations[i].station.clone(),
                })
            })
            .collect()
    }

    /// The MACRO p-value of the draws (station ids in draw order, repeats allowed) given the
    /// recounts of the drawn stations, and whether the audit can stop.
    ///
    /// Unlike Arlo, a taint of 1 or more (a recount with more ballots against the winner than
    /// the form had ballots) is not allowed to push the p-value below zero: it sends the audit
    /// to a full hand count.
    pub fn risk(
        &self,
        alpha: f64,
        draws: &[&str],
        recounts: &[StationRecount],
    ) -> Result<BatchRisk, StatsError> {
        check_risk_limit(alpha)?;
        let mut recounted: HashMap<&str, &StationRecount> = HashMap::new();
        for r in recounts {
            self.station(&r.station)?;
            check_votes(&self.contest, &r.station, &r.votes)?;
            if recounted.insert(r.station.as_str(), r).is_some() {
                return Err(StatsError::DuplicateStation {
                    station: r.station.clone(),
                });
            }
        }
        let mut result = BatchRisk {
            contest: self.contest.name.clone(),
            risk_limit: alpha,
            total_error_bound: self.total,
            p_value: 1.0,
            confirmed: false,
            full_hand_count: None,
            findings: Vec::new(),
        };
        if recounted.len() == self.stations.len() {
            // Every station's ballots were counted by hand: the count is the outcome. It
            // confirms the reported one only if every reported winner has more votes than every
            // reported loser; otherwise the hand count's outcome stands.
            let mut hand = vec![0u64; self.contest.choices.len()];
            for r in recounts {
                for (t, v) in hand.iter_mut().zip(&r.votes) {
                    *t += v;
                }
            }
            let overturned = self.contest.pairs().find(|&(w, l)| hand[w] <= hand[l]);
            match overturned {
                None => {
                    result.p_value = 0.0;
                    result.confirmed = true;
                }
                Some((w, l)) => {
                    let c = &self.contest.choices;
                    result.full_hand_count = Some(format!(
                        "every station was counted by hand: {:?} has {} votes and {:?} has {}, \
                         so the reported outcome does not stand; the hand count's does",
                        c[w], hand[w], c[l], hand[l]
                    ));
                }
            }
            return Ok(result);
        }
        let mut p = 1.0;
        for (k, &station) in draws.iter().enumerate() {
            let i = self.station_index(station)?;
            let recount = recounted
                .get(station)
                .ok_or_else(|| StatsError::MissingRecount {
                    station: station.to_string(),
                })?;
            let e_p = counted(self.overstatement(recount)?);
            let u_p = self.bounds[i];
            let taint = if e_p == 0.0 { 0.0 } else { e_p / u_p };
            if taint >= 1.0 {
                result.p_value = 1.0;
                result.full_hand_count = Some(format!(
                    "station {station:?} overstates the margin by its whole error bound \
                     (taint {taint:.3}); only a full hand count can settle the outcome"
                ));
                result.findings.push(DrawFinding {
                    draw: k + 1,
                    station: station.to_string(),
                    error_bound: u_p,
                    overstatement: e_p,
                    taint,
                    p_value: 1.0,
                });
                return Ok(result);
            }
            p *= (1.0 - 1.0 / self.total) / (1.0 - taint);
            result.findings.push(DrawFinding {
                draw: k + 1,
                station: station.to_string(),
                error_bound: u_p,
                overstatement: e_p,
                taint,
                p_value: p.clamp(0.0, 1.0),
            });
            if p <= alpha {
                result.p_value = p.max(0.0);
                result.confirmed = true;
                return Ok(result);
            }
        }
        result.p_value = p.min(1.0);
        Ok(result)
    }

    /// MACRO's decision after `draws` (station ids in draw order) with the hand counts in
    /// `recounts`, which may hold stations that were not drawn (they do not enter the p-value)
    /// and, when they cover every station, are a full hand count.
    ///
    /// - every station counted: the hand count is the outcome; it confirms the reported one
    ///   only if every reported winner beats every reported loser;
    /// - the p-value at or below α: confirmed;
    /// - a taint of 1 or more: a full hand count;
    /// - otherwise continue with the draws that confirm if they find no further error, unless
    ///   `escalate_after` draws (the limit set before the audit) have been made, or the draws
    ///   in all would reach the number of stations: then a full hand count is no more work.
    pub fn assess(
        &self,
        alpha: f64,
        draws: &[&str],
        recounts: &[StationRecount],
        escalate_after: Option<u64>,
    ) -> Result<BatchAssessment, StatsError> {
        check_risk_limit(alpha)?;
        let n_draws = draws.len() as u64;
        let drawn: std::collections::HashSet<&str> = draws.iter().copied().collect();
        let full_count = recounts.len() == self.stations.len();
        let drawn_recounts: Vec<StationRecount> = recounts
            .iter()
            .filter(|r| drawn.contains(r.station.as_str()))
            .cloned()
            .collect();
        let risk = self.risk(alpha, draws, &drawn_recounts)?;
        let stations = self.stations.len() as u64;
        let decision = if full_count {
            let hand = self.risk(alpha, &[], recounts)?;
            match hand.full_hand_count {
                None if hand.confirmed => BatchDecision::Confirmed,
                reason => BatchDecision::FullHandCount {
                    reason: format!(
                            "{}; the hand count's winners are {}",
                            reason.unwrap_or_else(
                                || "the hand count does not confirm the outcome".into()
                            ),
                            self.hand_count_winners(recounts).join(", ")
                        ),
                },
            }
        } else if risk.confirmed {
            BatchDecision::Confirmed
        } else if let Some(reason) = &risk.full_hand_count {
            BatchDecision::FullHandCount {
                reason: reason.clone(),
            }
        } else {
            let further = self.further_draws(alpha, risk.p_value)?;
            match escalate_after {
                Some(limit) if n_draws >= limit => BatchDecision::FullHandCount {
                    reason: format!(
                        "{n_draws} draws have not confirmed the outcome (p-value {:.4} > {alpha}), and \
                         the limit set before the audit is {limit} draws",
                        risk.p_value
                    ),
                },
                _ if n_draws.saturating_add(further) >= stations => BatchDecision::FullHandCount {
                    reason: format!(
                        "the p-value is {:.4} > {alpha}; confirming would take {further} more draws, \
                         {} in all, at least as many as the {stations} stations: counting them all \
                         is no more work",
                        risk.p_value,
                        n_draws + further
                    ),
                },
                _ => BatchDecision::Continue {
                    further_draws: further,
                    next_first: n_draws + 1,
                },
            }
        };
        Ok(BatchAssessment {
            p_value: if full_count { 0.0 } else { risk.p_value },
            full_hand_count_done: full_count,
            risk,
            decision,
        })
    }

    /// The winners by the hand counts: the `W` choices with most votes.
    fn hand_count_winners(&self, recounts: &[StationRecount]) -> Vec<String> {
        let c = &self.contest;
        let mut totals = vec![0u64; c.choices.len()];
        for r in recounts {
            for (t, v) in totals.iter_mut().zip(&r.votes) {
                *t += v;
            }
        }
        let mut order: Vec<usize> = (0..totals.len()).collect();
        order.sort_by(|&a, &b| totals[b].cmp(&totals[a]));
        order.truncate(c.num_winners);
        order.iter().map(|&i| c.choices[i].clone()).collect()
    }

    fn station(&self, station: &str) -> Result<&StationResult, StatsError> {
        Ok(&self.stations[self.station_index(station)?])
    }

    fn station_index(&self, station: &str) -> Result<usize, StatsError> {
        self.index
            .get(station)
            .copied()
            .ok_or_else(|| StatsError::UnknownStation {
                station: station.to_string(),
            })
    }

    fn margin(&self, w: usize, l: usize) -> u64 {
        self.contest.reported_votes[w] - self.contest.reported_votes[l]
    }
}

/// u_p: the largest overstatement this station's form could hide, in units of each pair's margin.
fn error_bound(contest: &Contest, s: &StationResult) -> f64 {
    contest
        .pairs()
        .map(|(w, l)| {
            let v_wl = contest.reported_votes[w] - contest.reported_votes[l];
            let most = s.votes[w] as f64 - s.votes[l] as f64 + s.ballots_cast as f64;
            most / v_wl as f64
        })
        .fold(0.0, f64::max)
}

/// Understatements (errors in the winner's favour) count as no error, to stay conservative.
fn counted(o: Overstatement) -> f64 {
    if o.counted_as > 0 { o.weighted } else { 0.0 }
}

fn check_votes(contest: &Contest, station: &str, votes: &[u64]) -> Result<(), StatsError> {
    if votes.len() != contest.choices.len() {
        return Err(StatsError::ChoiceCountMismatch {
            station: station.to_string(),
            expected: contest.choices.len(),
            got: votes.len(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn station(id: &str, ballots: u64, a: u64, b: u64) -> StationResult {
        StationResult {
            station: id.into(),
            ballots_cast: ballots,
            votes: vec![a, b],
        }
    }

    fn recount(id: &str, a: u64, b: u64) -> StationRecount {
        StationRecount {
            station: id.into(),
            votes: vec![a, b],
        }
    }

    /// Ten stations of 100 ballots, 60:40 each: totals 600:400, margin 200.
    fn ten_stations() -> BatchAudit {
        let stations = (0..10)
            .map(|i| station(&format!("S{i:02}"), 100, 60, 40))
            .collect();
        BatchAudit::from_stations("President", &["A", "B"], 1, stations).unwrap()
    }

    /// A hundred stations of 100 ballots, 60:40 each: u_p = 0.06, U = 6 as for ten.
    fn hundred_stations() -> BatchAudit {
        let stations = (0..100)
            .map(|i| station(&format!("S{i:03}"), 100, 60, 40))
            .collect();
        BatchAudit::from_stations("President", &["A", "B"], 1, stations).unwrap()
    }

    #[test]
    fn macro_decides_continue_until_the_draws_reach_the_limit() {
        let audit = hundred_stations();
        let draws = ["S001", "S002", "S003"];
        let clean: Vec<StationRecount> = draws.iter().map(|s| recount(s, 60, 40)).collect();
        // p = (5/6)^3 = 0.5787; more draws: ceil(ln(0.1 / 0.5787) / ln(5/6)) = 10.
        let a = audit.assess(0.1, &draws, &clean, None).unwrap();
        assert!((a.p_value - (5.0f64 / 6.0).powi(3)).abs() < 1e-12);
        assert_eq!(
            a.decision,
            BatchDecision::Continue {
                further_draws: 10,
                next_first: 4
            }
        );
        assert!(!a.full_hand_count_done);
        // The limit set before the audit: three draws without confirming is the end.
        let a = audit.assess(0.1, &draws, &clean, Some(3)).unwrap();
        match a.decision {
            BatchDecision::FullHandCount { reason } => {
                assert!(
                    reason.contains("the limit set before the audit is 3 draws"),
                    "{reason}"
                )
            }
            other => panic!("{other:?}"),
        }
        // A recount of a station not drawn does not enter the p-value.
        let mut extra = clean.clone();
        extra.push(recount("S050", 0, 100));
        let b = audit.assess(0.1, &draws, &extra, None).unwrap();
        assert_eq!(b.p_value, a.p_value);
    }

    #[test]
    fn macro_confirms_and_sends_hopeless_audits_to_a_full_count() {
        let audit = ten_stations(); // U = 6, ten stations
        let ids: Vec<String> = (0..10).map(|i| format!("S{i:02}")).collect();
        // 13 clean draws: (5/6)^13 = 0.093 <= 0.1.
        let draws: Vec<&str> = (0..13).map(|k| ids[k % 9].as_str()).collect();
        let clean: Vec<StationRecount> = ids[..9].iter().map(|s| recount(s, 60, 40)).collect();
        let a = audit.assess(0.1, &draws, &clean, None).unwrap();
        assert_eq!(a.decision, BatchDecision::Confirmed);
        // Three clean draws would need ten more: 13 draws for 10 stations is a full count.
        let a = audit.assess(0.1, &draws[..3], &clean[..3], None).unwrap();
        match a.decision {
            BatchDecision::FullHandCount { reason } => {
                assert!(
                    reason.contains("counting them all is no more work"),
                    "{reason}"
                )
            }
            other => panic!("{other:?}"),
        }
        // A drawn station whose recount flips it entirely: taint >= 1.
        let flipped = vec![recount("S00", 0, 100)];
        let a = audit.assess(0.1, &["S00"], &flipped, None).unwrap();
        assert!(matches!(a.decision, BatchDecision::FullHandCount { .. }));
    }

    #[test]
    fn macro_full_hand_count_is_the_outcome() {
        let audit = ten_stations();
        let agree: Vec<StationRecount> = (0..10)
            .map(|i| recount(&format!("S{i:02}"), 60, 40))
            .collect();
        let a = audit.assess(0.05, &["S00"], &agree, None).unwrap();
        assert!(a.full_hand_count_done);
        assert_eq!(a.p_value, 0.0);
        assert_eq!(a.decision, BatchDecision::Confirmed);
        // The hand count reverses the outcome: it stands, and the decision names its winner.
        let reversed: Vec<StationRecount> = (0..10)
            .map(|i| recount(&format!("S{i:02}"), 40, 60))
            .collect();
        let a = audit.assess(0.05, &["S00"], &reversed, None).unwrap();
        match a.decision {
            BatchDecision::FullHandCount { reason } => {
                assert!(
                    reason.contains("the hand count's winners are B"),
                    "{reason}"
                )
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn error_bounds_by_hand() {
        let audit = ten_stations();
        // u_p = (60 − 40 + 100) / 200 = 0.6; U = 6.
        for (_, u) in audit.error_bounds() {
            assert_eq!(u, 0.6);
        }
        assert!((audit.total_error_bound() - 6.0).abs() < 1e-12);
        // n = ceil(ln 0.1 / ln(1 − 1/6)) = ceil(12.63) = 13, capped at 10 stations.
        assert_eq!(audit.sample_size(0.1, &[]).unwrap(), 10);
        assert_eq!(audit.sample_size(0.5, &[]).unwrap(), 4); // ln .5 / ln(5/6) = 3.8
    }

    #[test]
    fn p_value_by_hand() {
        // 40 stations of 100 ballots at 70:30: margin 1600, u_p = 140/1600, U = 3.5.
        let stations: Vec<StationResult> = (0..40)
            .map(|i| station(&format!("P{i:02}"), 100, 70, 30))
            .collect();
        let audit = BatchAudit::from_stations("x", &["A", "B"], 1, stations).unwrap();
        assert!((audit.total_error_bound() - 3.5).abs() < 1e-12);
        let draws = ["P03", "P17", "P03", "P29", "P11", "P08", "P21"];
        let clean: Vec<StationRecount> = ["P03", "P17", "P29", "P11", "P08", "P21"]
            .iter()
            .map(|s| recount(s, 70, 30))
            .collect();
        let r = audit.risk(0.1, &draws, &clean).unwrap();
        // (1 − 1/3.5)^k: 0.714, 0.510, 0.364, 0.260, 0.186, 0.133, 0.0949 → stops at draw 7.
        assert!(r.confirmed);
        assert_eq!(r.findings.len(), 7);
        assert!((r.p_value - (2.5f64 / 3.5).powi(7)).abs() < 1e-12);

        // One station recounts at 65:35: error 10 votes, e_p = 10/1600, taint = 10/140.
        let mut with_error = clean.clone();
        with_error[1] = recount("P17", 65, 35);
        let r = audit.risk(0.1, &draws, &with_error).unwrap();
        let taint = 10.0 / 140.0;
        assert!((r.findings[1].taint - taint).abs() < 1e-12);
        let want = (2.5f64 / 3.5).powi(7) / (1.0 - taint);
        assert!(!r.confirmed);
        assert!((r.p_value - want).abs() < 1e-12, "{} vs {want}", r.p_value);

        // An error in the winner's favour counts as none.
        let mut favour = clean.clone();
        favour[1] = recount("P17", 75, 25);
        assert!(audit.risk(0.1, &draws, &favour).unwrap().confirmed);
    }

    #[test]
    fn whole_bound_overstatement_means_hand_count() {
        let audit = ten_stations();
        // Every ballot in S03 was really for B.
        let r = audit
            .risk(0.1, &["S03"], &[recount("S03", 0, 100)])
            .unwrap();
        assert!(!r.confirmed);
        assert!(r.full_hand_count.is_some());
        assert_eq!(r.p_value, 1.0);
    }

    #[test]
    fn multi_choice_takes_the_worst_pair() {
        // Winner A; losers B and C with different margins.
        let stations = vec![
            StationResult {
                station: "1".into(),
                ballots_cast: 100,
                votes: vec![50, 30, 20],
            },
            StationResult {
                station: "2".into(),
                ballots_cast: 100,
                votes: vec![50, 30, 20],
            },
        ];
        let audit = BatchAudit::from_stations("x", &["A", "B", "C"], 1, stations).unwrap();
        // V_AB = 40, V_AC = 60. u_1 = max((20+100)/40, (30+100)/60) = 3.
        assert_eq!(audit.error_bounds().next().unwrap().1, 3.0);
        // Recount moves 4 votes A→C: pair AB error 4 (4/40 = 0.1), AC error 8 (8/60 ≈ 0.133).
        let o = audit
            .overstatement(&StationRecount {
                station: "1".into(),
                votes: vec![46, 30, 24],
            })
            .unwrap();
        assert_eq!(o.counted_as, 8);
        assert!((o.weighted - 8.0 / 60.0).abs() < 1e-15);
    }

    #[test]
    fn ppeb_draws_follow_error_bounds() {
        // One big station and many small ones: the big one is drawn about as often as its share.
        let mut stations = vec![station("BIG", 1000, 700, 300)];
        stations.extend((0..50).map(|i| station(&format!("s{i:02}"), 20, 14, 6)));
        let audit = BatchAudit::from_stations("x", &["A", "B"], 1, stations).unwrap();
        let share =
            audit.error_bounds().find(|s| s.0 == "BIG").unwrap().1 / audit.total_error_bound();
        let draws = audit.draw("12345612345612345612", 1, 2000).unwrap();
        let big = draws.iter().filter(|d| d.station == "BIG").count() as f64 / 2000.0;
        assert!((big - share).abs() < 0.04, "{big} vs {share}");
        // Draws are reproducible and numbered; a later round continues the same stream.
        let later = audit.draw("12345612345612345612", 1001, 5).unwrap();
        assert_eq!(&draws[1000..1005], &later[..]);
        assert_eq!(later[0].draw, 1001);
        assert_eq!(
            later[0].ticket,
            trim(
                &crate::consistent_sampler::first_fraction("ppeb-1001", "12345612345612345612"),
                18
            )
            .unwrap()
        );
    }

    #[test]
    fn zero_bound_stations_are_never_drawn() {
        let stations = vec![station("empty", 0, 0, 0), station("full", 100, 60, 40)];
        let audit = BatchAudit::from_stations("x", &["A", "B"], 1, stations).unwrap();
        let draws = audit.draw("66666666666666666666", 1, 50).unwrap();
        assert!(draws.iter().all(|d| d.station == "full"));
    }

    #[test]
    fn bad_input() {
        let audit = ten_stations();
        assert!(matches!(
            audit.risk(0.1, &["S01"], &[]),
            Err(StatsError::MissingRecount { .. })
        ));
        assert!(matches!(
            audit.risk(0.1, &["nowhere"], &[]),
            Err(StatsError::UnknownStation { .. })
        ));
        assert!(matches!(
            audit.risk(0.1, &[], &[recount("S01", 1, 1), recount("S01", 1, 1)]),
            Err(StatsError::DuplicateStation { .. })
        ));
        assert!(matches!(
            audit.overstatement(&StationRecount {
                station: "S01".into(),
                votes: vec![1]
            }),
            Err(StatsError::ChoiceCountMismatch { .. })
        ));
        assert!(audit.risk(1.5, &[], &[]).is_err());
        assert!(audit.draw("1", 0, 1).is_err());
        let tie = BatchAudit::from_stations("x", &["A", "B"], 1, vec![station("1", 10, 5, 5)]);
        assert!(matches!(tie, Err(StatsError::ZeroMargin { .. })));
        assert!(matches!(
            BatchAudit::from_stations("x", &["A", "B"], 1, vec![]),
            Err(StatsError::InvalidContest { .. }) | Err(StatsError::EmptySample { .. })
        ));
        let dup = vec![station("1", 10, 6, 4), station("1", 10, 6, 4)];
        assert!(matches!(
            BatchAudit::from_stations("x", &["A", "B"], 1, dup),
            Err(StatsError::DuplicateStation { .. })
        ));
        let over = vec![station("1", 10, 11, 4)];
        assert!(BatchAudit::from_stations("x", &["A", "B"], 1, over).is_err());
    }

    #[test]
    fn further_draws_and_distinct_stations() {
        let audit = ten_stations(); // U = 6
        assert_eq!(audit.further_draws(0.1, 0.05).unwrap(), 0);
        // (5/6)^k <= 0.1: k = ceil(ln 0.1 / ln(5/6)) = 13, the plan's uncapped size.
        assert_eq!(audit.further_draws(0.1, 1.0).unwrap(), 13);
        // From p = 0.2: ln(0.5) / ln(5/6) = 3.8 → 4, and 0.2 · (5/6)^4 = 0.0965 ≤ 0.1.
        assert_eq!(audit.further_draws(0.1, 0.2).unwrap(), 4);
        assert!(audit.further_draws(0.1, f64::NAN).is_err());
        assert!(audit.further_draws(0.0, 0.5).is_err());
        // Ten equal stations: 10 (1 − 0.9^n).
        let d = audit.expected_distinct_stations(5);
        assert!((d - 10.0 * (1.0 - 0.9f64.powi(5))).abs() < 1e-12, "{d}");
        assert_eq!(audit.expected_distinct_stations(0), 0.0);
    }

    #[test]
    fn a_full_recount_settles_it() {
        let audit = ten_stations();
        let all: Vec<StationRecount> = (0..10)
            .map(|i| recount(&format!("S{i:02}"), 60, 40))
            .collect();
        let r = audit.risk(0.1, &[], &all).unwrap();
        assert!(r.confirmed);
        assert_eq!(r.p_value, 0.0);
        assert_eq!(audit.sample_size(0.1, &all).unwrap(), 0);

        // A full recount that reverses the result (B wins 520:480) does not confirm A.
        let mut reversed: Vec<StationRecount> = (0..10)
            .map(|i| recount(&format!("S{i:02}"), 48, 52))
            .collect();
        let r = audit.risk(0.1, &[], &reversed).unwrap();
        assert!(!r.confirmed);
        assert_eq!(r.p_value, 1.0);
        let why = r.full_hand_count.expect("the hand count's outcome stands");
        assert!(
            why.contains("\"A\" has 480 votes and \"B\" has 520"),
            "{why}"
        );

        // Nor does a tie: 500:500 leaves the winner to the law, not to the audit.
        for (i, r) in reversed.iter_mut().enumerate().take(5) {
            *r = recount(&format!("S{i:02}"), 52, 48);
        }
        let r = audit.risk(0.1, &[], &reversed).unwrap();
        assert!(!r.confirmed, "{r:?}");
        let why = r.full_hand_count.expect("a tie is not a confirmation");
        assert!(why.contains("has 500 votes and \"B\" has 500"), "{why}");

        // A recount with the wrong number of figures is refused, not summed.
        let mut short = all.clone();
        short[3].votes.pop();
        assert!(audit.risk(0.1, &[], &short).is_err());
    }
}
