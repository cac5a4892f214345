//! Parallel vote tabulation (PVT, "quick count") as NDI teaches it (Estok, Nevitte & Cowan,
//! *The Quick Count and Election Observation*, 2002; NDI Apollo's estimator).
//!
//! Observers report the result form of a random sample of polling stations. Each station is
//! a cluster of voters, so a share is estimated with the ratio estimator `p̂ = Σa / Σm` (a: votes
//! for the choice, m: valid votes for all choices, per station) and its cluster variance.
//!
//! **Stations with missing figures.** A sampled station lacking a figure that an estimate
//! needs is listed as missing, and the caller says what the gap means ([`MissingFigures`]):
//!
//! - `NonResponse` (observer reports): the station voted but its report did not arrive. It is
//!   left out, and the stratum's reporting stations stand for it. Unbiased if stations fail to
//!   report at random within their stratum.
//! - `NotCounted` (a copy of the forms checked against its own full count): the source has no
//!   figures for the station, so its full count leaves the station out too. The station counts
//!   as a cluster with no votes (a = m = 0), which estimates exactly that full count.
//!
//! They differ only when gaps are uneven across strata. In the 2019 Indonesian file all 2,024
//! stations without official figures are in Aceh (13% of its stations); treated as
//! non-response, Aceh's weight is inflated by 13% and pair 1's share comes out about 1.4 points
//! low. Either way the response rate is reported, because no estimator can correct for
//! stations missing for reasons tied to the vote (observers kept out of strongholds).

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, Normal};

use crate::StatsError;
use crate::consistent_sampler::{SampleOptions, SeededTickets, Ticket, check_ids, sample_keyed};
use crate::seats::{Method, TieBreak, allocate};

/// What the sample-size formula needs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PlanInput {
    /// P: the expected share of the closest choice (0.5 is the safe, largest choice).
    pub expected_share: f64,
    /// E: the margin of error wanted, as a fraction (0.01 for ±1 point).
    pub margin_of_error: f64,
    /// Confidence level, e.g. 0.95.
    pub confidence: f64,
    /// N: registered voters.
    pub registered_voters: u64,
    /// Polling stations in the country (or stratum).
    pub stations: u64,
    /// Expected turnout, as a fraction.
    pub expected_turnout: f64,
}

/// The planned sample, in voters and in stations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SamplePlan {
    pub z: f64,
    /// n = P(1−P) / (E²/Z² + P(1−P)/N), rounded up.
    pub voters: u64,
    /// Voters expected at an average station: (N / stations) · turnout.
    pub voters_per_station: f64,
    /// ceil(n / voters_per_station), at most every station.
    pub stations: u64,
}

/// Sample size: `n = P(1−P) / (E²/Z² + P(1−P)/N)` voters, converted to stations with the
/// average registered voters per station and the expected turnout.
pub fn plan_sample(input: &PlanInput) -> Result<SamplePlan, StatsError> {
    let PlanInput {
        expected_share: p,
        margin_of_error: e,
        confidence,
        registered_voters,
        stations,
        expected_turnout,
    } = *input;
    crate::error::check_probability("the expected share", p, true)?;
    crate::error::check_probability("the margin of error", e, true)?;
    crate::error::check_probability("the confidence level", confidence, true)?;
    if !(expected_turnout > 0.0 && expected_turnout <= 1.0) {
        return Err(StatsError::OutOfRange {
            name: "the expected turnout",
            value: expected_turnout,
            expected: "greater than 0 and at most 1",
        });
    }
    if registered_voters == 0 || stations == 0 {
        return Err(StatsError::EmptySample {
            what: "a plan needs registered voters and polling stations",
        });
    }
    let z = z_for(confidence);
    let n_pop = registered_voters as f64;
    let pq = p * (1.0 - p);
    let voters = (pq / (e * e / (z * z) + pq / n_pop)).ceil();
    let per_station = n_pop / stations as f64 * expected_turnout;
    let k = (voters / per_station).ceil() as u64;
    Ok(SamplePlan {
        z,
        voters: voters as u64,
        voters_per_station: per_station,
        stations: k.min(stations),
    })
}

/// The two-sided normal quantile for a confidence level (1.959964 for 95%).
pub fn z_for(confidence: f64) -> f64 {
    Normal::new(0.0, 1.0)
        .expect("standard normal")
        .inverse_cdf(0.5 + confidence / 2.0)
}

/// A station of the sampling frame: its id and its stratum ("" when there are no strata).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FrameStation {
    pub station: String,
    pub stratum: String,
}

/// The stations drawn in one stratum, in consistent_sampler draw order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StratumDraw {
    pub stratum: String,
    /// K_h: stations of the stratum in the frame.
    pub stations_in_frame: u64,
    pub draws: Vec<Ticket>,
}

/// The sampling frame, checked and grouped by stratum once, ready for any number of draws.
#[derive(Debug, Clone)]
pub struct StationFrame {
    ids: Vec<String>,
    /// Strata in name order, each with the indices of its stations in frame order.
    strata: Vec<(String, Vec<usize>)>,
}

impl StationFrame {
    /// Refuses an empty frame and a station listed twice.
    pub fn new(stations: &[FrameStation]) -> Result<StationFrame, StatsError> {
        let ids: Vec<String> = stations.iter().map(|s| s.station.clone()).collect();
        check_ids(&ids)?;
        let mut strata: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, s) in stations.iter().enumerate() {
            strata.entry(s.stratum.as_str()).or_default().push(i);
        }
        let strata = strata
            .into_iter()
            .map(|(h, members)| (h.to_string(), members))
            .collect();
        Ok(StationFrame { ids, strata })
    }

    /// K_h for every stratum, in name order.
    pub fn stratum_sizes(&self) -> Vec<StratumSize> {
        self.strata
            .iter()
            .map(|(h, members)| StratumSize {
                stratum: h.clone(),
                stations: members.len() as u64,
            })
            .collect()
    }

    /// A stratified random sample of `take` stations from the public seed.
    ///
    /// Strata get `take` stations in proportion to their number of stations (Hare largest
    /// remainder; equal remainders go to the larger stratum, then by lot from the same seed).
    /// Within each stratum the stations are `consistent_sampler.sampler(ids_of_stratum, seed,
    /// take=k_h, digits=digits)`, so an observer can redo each stratum's draw with the standard
    /// tool. Strata come out in name order.
    pub fn draw(
        &self,
        seed: &str,
        take: usize,
        digits: usize,
    ) -> Result<Vec<StratumDraw>, StatsError> {
        if take > self.ids.len() {
            return Err(StatsError::TakeExceedsIds {
                wanted: take,
                available: self.ids.len(),
            });
        }
        let sizes: Vec<(&str, u64)> = self
            .strata
            .iter()
            .map(|(h, members)| (h.as_str(), members.len() as u64))
            .collect();
        let shares = allocate(
            Method::HareLargestRemainder,
            &sizes,
            take as u32,
            &TieBreak::Lot {
                seed: seed.to_string(),
            },
        )?;
        let tickets = SeededTickets::new(seed);
        self.strata
            .iter()
            .zip(shares.seats)
            .map(|((stratum, members), k_h)| {
                let draws = if k_h == 0 {
                    Vec::new()
                } else {
                    let keys = members
                        .iter()
                        .map(|&i| (tickets.first_key(&self.ids[i]), i))
                        .collect();
                    let options = SampleOptions {
                        digits,
                        ..SampleOptions::take(k_h as usize)
                    };
                    sample_keyed(&tickets, &self.ids, keys, &options)?
                };
                Ok(StratumDraw {
                    stratum: stratum.clone(),
                    stations_in_frame: members.len() as u64,
                    draws,
                })
            })
            .collect()
    }
}

/// [`StationFrame::draw`] for a frame used once.
pub fn draw_stratified(
    seed: &str,
    frame: &[FrameStation],
    take: usize,
    digits: usize,
) -> Result<Vec<StratumDraw>, StatsError> {
    StationFrame::new(frame)?.draw(seed, take, digits)
}

/// One stratum's observations for the ratio estimator: (a, m) per reporting station.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RatioStratum {
    pub stratum: String,
    /// K_h: clusters (stations) in the stratum's frame.
    pub clusters_in_frame: u64,
    /// (a_i, m_i) for each reporting cluster.
    pub observations: Vec<(f64, f64)>,
}

/// A ratio estimate with its standard error and normal-theory margins.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RatioEstimate {
    pub estimate: f64,
    pub variance: f64,
    pub standard_error: f64,
    /// z₀.₉₇₅ · SE and z₀.₉₉₅ · SE.
    pub margin_95: f64,
    pub margin_99: f64,
    pub interval_95: (f64, f64),
    pub interval_99: (f64, f64),
    /// Clusters used.
    pub clusters: usize,
}

impl RatioEstimate {
    fn new(estimate: f64, variance: f64, clusters: usize) -> RatioEstimate {
        let se = variance.max(0.0).sqrt();
        let (m95, m99) = (z_for(0.95) * se, z_for(0.99) * se);
        RatioEstimate {
            estimate,
            variance,
            standard_error: se,
            margin_95: m95,
            margin_99: m99,
            interval_95: (estimate - m95, estimate + m95),
            interval_99: (estimate - m99, estimate + m99),
            clusters,
        }
    }

    /// Whether a figure lies in the 95% (or 99%) interval.
    pub fn covers_95(&self, x: f64) -> bool {
        self.interval_95.0 <= x && x <= self.interval_95.1
    }

    pub fn covers_99(&self, x: f64) -> bool {
        self.interval_99.0 <= x && x <= self.interval_99.1
    }
}

/// The combined ratio estimator over strata (Cochran 1977, §6.11) with cluster variance.
///
/// With `w_h = K_h / k_h`: `p̂ = Σ_h w_h Σ a / Σ_h w_h Σ m`; with `d = a − p̂ m` and `s²_h` the
/// sample variance of d in stratum h: `V = Σ_h K_h² (1 − f_h) s²_h / k_h / X̂²`,
/// `X̂ = Σ_h w_h Σ m`, `f_h = k_h / K_h`. With one stratum this is exactly NDI's
/// `V = (1−f)/(k m̄²) · (Σa² − 2p̂Σam + p̂²Σm²)/(k−1)`.
pub fn ratio_estimate(strata: &[RatioStratum]) -> Result<RatioEstimate, StatsError> {
    let mut y = 0.0;
    let mut x = 0.0;
    let mut clusters = 0;
    for s in strata {
        let k = s.observations.len();
        if k == 0 {
            continue;
        }
        if k as u64 > s.clusters_in_frame {
            return Err(StatsError::OutOfRange {
                name: "reporting stations in a stratum",
                value: k as f64,
                expected: "at most the stations in the stratum's frame",
            });
        }
        if s.observations
            .iter()
            .any(|&(a, m)| !(a.is_finite() && m.is_finite() && a >= 0.0 && m >= 0.0))
        {
            return Err(StatsError::OutOfRange {
                name: "a station figure",
                value: f64::NAN,
                expected: "a finite, non-negative number",
            });
        }
        let w = s.clusters_in_frame as f64 / k as f64;
        y += w * s.observations.iter().map(|o| o.0).sum::<f64>();
        x += w * s.observations.iter().map(|o| o.1).sum::<f64>();
        clusters += k;
    }
    if clusters == 0 {
        return Err(StatsError::EmptySample {
            what: "no station reported the figures this estimate needs",
        });
    }
    if x <= 0.0 {
        return Err(StatsError::EmptySample {
            what: "the reporting stations have no votes in the denominator",
        });
    }
    let p = y / x;
    let mut v = 0.0;
    for s in strata {
        let k = s.observations.len();
        if k == 0 || k as u64 == s.clusters_in_frame {
            continue; // a stratum counted in full has no sampling variance
        }
        if k < 2 {
            return Err(StatsError::TooFewStations {
                stratum: s.stratum.clone(),
                reporting: k,
            });
        }
        let d: Vec<f64> = s.observations.iter().map(|&(a, m)| a - p * m).collect();
        let mean = d.iter().sum::<f64>() / k as f64;
        let s2 = d.iter().map(|di| (di - mean).powi(2)).sum::<f64>() / (k - 1) as f64;
        let big_k = s.clusters_in_frame as f64;
        let f = k as f64 / big_k;
        v += big_k * big_k * (1.0 - f) * s2 / k as f64;
    }
    Ok(RatioEstimate::new(p, v / (x * x), clusters))
}

/// One sampled station's result form as the observer reported it. `None` is a figure that
/// was not reported (never zero).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StationReport {
    pub station: String,
    pub stratum: String,
    pub registered: Option<u64>,
    pub ballots_cast: Option<u64>,
    /// Votes per choice, in the order of the choices.
    pub votes: Vec<Option<u64>>,
}

/// The stations in each stratum's frame: K_h.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StratumSize {
    pub stratum: String,
    pub stations: u64,
}

/// One choice's estimated share of the valid votes (votes for all choices).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChoiceEstimate {
    pub choice: String,
    #[serde(flatten)]
    pub share: RatioEstimate,
}

/// The PVT's estimates.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PvtEstimate {
    pub stations_sampled: usize,
    pub missing_figures: MissingFigures,
    /// Stations whose vote figures were all reported.
    pub stations_reporting: usize,
    /// Sampled stations missing a vote figure.
    pub stations_missing: Vec<String>,
    /// Strata of the frame with no sampled station: the estimates do not cover them.
    pub strata_without_stations: Vec<String>,
    pub choices: Vec<ChoiceEstimate>,
    /// Ballots cast over registered voters, from stations reporting both (registered > 0).
    pub turnout: Option<RatioEstimate>,
    /// Why turnout is not estimated, when it is not (the shares still are).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub turnout_not_estimated: Option<String>,
}

/// What a sampled station's missing figure means (see the module notes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingFigures {
    /// The report did not arrive: leave the station out.
    NonResponse,
    /// The source has no figures for the station: count it as a station with no votes.
    NotCounted,
}

/// Estimates every choice's share of the valid votes, and turnout, from the sampled stations.
///
/// Shares use a = votes for the choice, m = votes for all choices; turnout uses a = ballots
/// cast, m = registered voters (stations with registered = 0 have no turnout).
pub fn estimate(
    choices: &[&str],
    frame: &[StratumSize],
    reports: &[StationReport],
    missing_figures: MissingFigures,
) -> Result<PvtEstimate, StatsError> {
    if reports.is_empty() {
        return Err(StatsError::EmptySample {
            what: "no sampled station was given",
        });
    }
    let sizes: HashMap<&str, u64> = frame
        .iter()
        .map(|s| (s.stratum.as_str(), s.stations))
        .collect();
    let mut seen = std::collections::HashSet::new();
    for r in reports {
        if r.votes.len() != choices.len() {
            return Err(StatsError::ChoiceCountMismatch {
                station: r.station.clone(),
                expected: choices.len(),
                got: r.votes.len(),
            });
        }
        if !sizes.contains_key(r.stratum.as_str()) {
            return Err(StatsError::InvalidContest {
                reason: format!(
                    "station {:?} is in stratum {:?}, which is not in the frame",
                    r.station, r.stratum
                ),
            });
        }
        if !seen.insert(r.station.as_str()) {
            return Err(StatsError::DuplicateStation {
                station: r.station.clone(),
            });
        }
    }

    let complete = |r: &StationReport| -> Option<Vec<u64>> { r.votes.iter().copied().collect() };
    let missing: Vec<String> = reports
        .iter()
        .filter(|r| complete(r).is_none())
        .map(|r| r.station.clone())
        .collect();
    // A station without its vote figures counts per `missing_figures`; a station that
    // reported its votes but not the figure at hand (ballots cast, say) did not count zero:
    // it is a non-response for that figure.
    let by_stratum = |f: &dyn Fn(&StationReport) -> Option<(f64, f64)>| -> Vec<RatioStratum> {
        let mut strata: BTreeMap<&str, Vec<(f64, f64)>> = frame
            .iter()
            .map(|s| (s.stratum.as_str(), Vec::new()))
            .collect();
        for r in reports {
            let o = match (f(r), missing_figures) {
                (Some(o), _) => o,
                (None, _) if complete(r).is_some() => continue,
                (None, MissingFigures::NotCounted) => (0.0, 0.0),
                (None, MissingFigures::NonResponse) => continue,
            };
            strata
                .get_mut(r.stratum.as_str())
                .expect("checked above")
                .push(o);
        }
        strata
            .into_iter()
            .map(|(h, observations)| RatioStratum {
                stratum: h.to_string(),
                clusters_in_frame: sizes[h],
                observations,
            })
            .collect()
    };

    let mut estimates = Vec::with_capacity(choices.len());
    for (c, choice) in choices.iter().enumerate() {
        let strata =
            by_stratum(&|r| complete(r).map(|v| (v[c] as f64, v.iter().sum::<u64>() as f64)));
        estimates.push(ChoiceEstimate {
            choice: choice.to_string(),
            share: ratio_estimate(&strata)?,
        });
    }
    let turnout_strata = by_stratum(&|r| match (r.ballots_cast, r.registered) {
        (Some(cast), Some(reg)) if reg > 0 => Some((cast as f64, reg as f64)),
        _ => None,
    });
    let reported_turnout = turnout_strata
        .iter()
        .any(|s| s.observations.iter().any(|&(_, m)| m > 0.0));
    let (turnout, turnout_not_estimated) = if reported_turnout {
        (Some(ratio_estimate(&turnout_strata)?), None)
    } else {
        (
            None,
            Some(
                "no sampled station reported both its ballots cast and its registered voters"
                    .to_string(),
            ),
        )
    };
    let strata_without_stations = frame
        .iter()
        .filter(|h| h.stations > 0 && !reports.iter().any(|r| r.stratum == h.stratum))
        .map(|h| h.stratum.clone())
        .collect();
    Ok(PvtEstimate {
        strata_without_stations,
        stations_sampled: reports.len(),
        missing_figures,
        stations_reporting: reports.len() - missing.len(),
        stations_missing: missing,
        choices: estimates,
        turnout,
        turnout_not_estimated,
    })
}

/// The official result to test: votes per choice (same order), and optionally turnout figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OfficialResult {
    pub votes: Vec<u64>,
    pub registered: Option<u64>,
    pub ballots_cast: Option<u64>,
}

/// Whether one official figure lies inside the PVT's intervals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FigureVerdict {
    /// A choice's name, or "turnout".
    pub figure: String,
    pub official: f64,
    pub estimate: f64,
    pub interval_95: (f64, f64),
    pub interval_99: (f64, f64),
    pub inside_95: bool,
    pub inside_99: bool,
}

/// The PVT's verdict on the official result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    pub figures: Vec<FigureVerdict>,
    /// Every official figure lies in its 95% interval.
    pub all_inside_95: bool,
    /// Every official figure lies in its 99% interval. An official figure outside it is
    /// strong evidence that the official count differs from the forms at the stations.
    pub all_inside_99: bool,
}

/// Compares the official shares (and turnout, when both sides have it) with the PVT.
pub fn verdict(pvt: &PvtEstimate, official: &OfficialResult) -> Result<Verdict, StatsError> {
    if official.votes.len() != pvt.choices.len() {
        return Err(StatsError::ChoiceCountMismatch {
            station: "official result".into(),
            expected: pvt.choices.len(),
            got: official.votes.len(),
        });
    }
    let valid: u64 = official.votes.iter().sum();
    if valid == 0 {
        return Err(StatsError::EmptySample {
            what: "the official result has no votes",
        });
    }
    let judge = |figure: &str, official: f64, e: &RatioEstimate| FigureVerdict {
        figure: figure.to_string(),
        official,
        estimate: e.estimate,
        interval_95: e.interval_95,
        interval_99: e.interval_99,
        inside_95: e.covers_95(official),
        inside_99: e.covers_99(official),
    };
    let mut figures: Vec<FigureVerdict> = pvt
        .choices
        .iter()
        .zip(&official.votes)
        .map(|(c, &v)| judge(&c.choice, v as f64 / valid as f64, &c.share))
        .collect();
    if let (Some(t), Some(reg), Some(cast)) =
        (&pvt.turnout, official.registered, official.ballots_cast)
        && reg > 0
    {
        figures.push(judge("turnout", cast as f64 / reg as f64, t));
    }
    Ok(Verdict {
        all_inside_95: figures.iter().all(|f| f.inside_95),
        all_inside_99: figures.iter().all(|f| f.inside_99),
        figures,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ndi_formula_by_hand() {
        // Five stations of a frame of 50: (a, m) = (30,100) (50,120) (20,80) (60,110) (40,90).
        // Σa = 200, Σm = 500, p̂ = 0.4, m̄ = 100, f = 0.1, k = 5.
        // Σa² = 900+2500+400+3600+1600 = 9000; Σam = 3000+6000+1600+6600+3600 = 20800;
        // Σm² = 10000+14400+6400+12100+8100 = 51000.
        // V = 0.9 / (5 · 100²) · (9000 − 2·0.4·20800 + 0.16·51000) / 4
        //   = 0.9 / 50000 · (9000 − 16640 + 8160) / 4 = 0.9 / 50000 · 130 = 0.00234.
        let s = RatioStratum {
            stratum: String::new(),
            clusters_in_frame: 50,
            observations: vec![
                (30., 100.),
                (50., 120.),
                (20., 80.),
                (60., 110.),
                (40., 90.),
            ],
        };
        let e = ratio_estimate(&[s]).unwrap();
        assert!((e.estimate - 0.4).abs() < 1e-15);
        assert!((e.variance - 0.00234).abs() < 1e-15, "{}", e.variance);
        assert!((e.margin_95 - 1.959963984540054 * 0.00234f64.sqrt()).abs() < 1e-12);
        assert!(e.covers_95(0.4) && !e.covers_95(0.6));
    }

    #[test]
    fn strata_combine() {
        // Two strata with different shares: the combined estimate weights each by K_h / k_h.
        let a = RatioStratum {
            stratum: "north".into(),
            clusters_in_frame: 100,
            observations: vec![(80., 100.), (90., 100.)],
        };
        let b = RatioStratum {
            stratum: "south".into(),
            clusters_in_frame: 300,
            observations: vec![(20., 100.), (10., 100.)],
        };
        let e = ratio_estimate(&[a, b]).unwrap();
        // Ŷ = 50·170 + 150·30 = 13000; X̂ = 50·200 + 150·200 = 40000.
        assert!((e.estimate - 0.325).abs() < 1e-15);
        // d = a − 0.325m: north 47.5, 57.5 (s² = 50); south −12.5, −22.5 (s² = 50).
        // V = (100²·0.98·50/2 + 300²·(1 − 2/300)·50/2) / 40000².
        let v = (10_000.0 * 0.98 * 25.0 + 90_000.0 * (1.0 - 2.0 / 300.0) * 25.0) / 1.6e9;
        assert!((e.variance - v).abs() < 1e-15);
    }

    #[test]
    fn plan_by_hand() {
        // P = 0.5, E = 0.01, 95%, N = 1,000,000: n = 0.25 / (0.0001/3.8415 + 0.25e-6) = 9513.
        let plan = plan_sample(&PlanInput {
            expected_share: 0.5,
            margin_of_error: 0.01,
            confidence: 0.95,
            registered_voters: 1_000_000,
            stations: 2_000,
            expected_turnout: 0.8,
        })
        .unwrap();
        assert_eq!(plan.voters, 9513);
        // 500 registered per station, 400 voters: ceil(9513 / 400) = 24 stations.
        assert_eq!(plan.voters_per_station, 400.0);
        assert_eq!(plan.stations, 24);
        assert!((plan.z - 1.959963984540054).abs() < 1e-12);
    }

    fn frame() -> Vec<FrameStation> {
        let mut f = Vec::new();
        for (h, n) in [("A", 60), ("B", 30), ("C", 10)] {
            for i in 0..n {
                f.push(FrameStation {
                    station: format!("{h}-{i:03}"),
                    stratum: h.to_string(),
                });
            }
        }
        f
    }

    #[test]
    fn stratified_draw_is_proportional_and_reproducible() {
        let seed = "65432165432165432165";
        let draws = draw_stratified(seed, &frame(), 20, 18).unwrap();
        let k: Vec<usize> = draws.iter().map(|d| d.draws.len()).collect();
        assert_eq!(k, vec![12, 6, 2]);
        // Each stratum is the standard tool's sample of that stratum's ids.
        for d in &draws {
            let ids: Vec<String> = frame()
                .into_iter()
                .filter(|s| s.stratum == d.stratum)
                .map(|s| s.station)
                .collect();
            let alone = crate::consistent_sampler::sample(
                &ids,
                seed,
                &SampleOptions {
                    digits: 18,
                    ..SampleOptions::take(d.draws.len())
                },
            )
            .unwrap();
            assert_eq!(alone, d.draws);
            assert!(d.draws.iter().all(|t| t.id.starts_with(&d.stratum)));
        }
        assert!(matches!(
            draw_stratified(seed, &frame(), 101, 18),
            Err(StatsError::TakeExceedsIds { .. })
        ));
    }

    fn report(station: &str, stratum: &str, votes: &[Option<u64>]) -> StationReport {
        StationReport {
            station: station.into(),
            stratum: stratum.into(),
            registered: Some(500),
            ballots_cast: votes
                .iter()
                .map(|v| v.unwrap_or(0))
                .sum::<u64>()
                .checked_add(5),
            votes: votes.to_vec(),
        }
    }

    #[test]
    fn estimate_and_verdict() {
        let frame = [StratumSize {
            stratum: "".into(),
            stations: 40,
        }];
        let reports = vec![
            report("1", "", &[Some(30), Some(70)]),
            report("2", "", &[Some(50), Some(70)]),
            report("3", "", &[Some(20), Some(60)]),
            report("4", "", &[None, Some(50)]),
            report("5", "", &[Some(60), Some(50)]),
            report("6", "", &[Some(40), Some(50)]),
        ];
        let e = estimate(
            &["Ruling", "Opposition"],
            &frame,
            &reports,
            MissingFigures::NonResponse,
        )
        .unwrap();
        assert_eq!(e.stations_missing, vec!["4".to_string()]);
        assert_eq!(e.stations_reporting, 5);
        // Same (a, m) as the hand example but f = 5/40.
        assert!((e.choices[0].share.estimate - 0.4).abs() < 1e-15);
        let v = 0.875 / 50_000.0 * 130.0;
        assert!((e.choices[0].share.variance - v).abs() < 1e-15);
        assert!((e.choices[1].share.estimate - 0.6).abs() < 1e-15);
        assert!(e.turnout.is_some());

        let honest = verdict(
            &e,
            &OfficialResult {
                votes: vec![41, 59],
                registered: None,
                ballots_cast: None,
            },
        )
        .unwrap();
        assert!(honest.all_inside_95);
        let inflated = verdict(
            &e,
            &OfficialResult {
                votes: vec![70, 30],
                registered: None,
                ballots_cast: None,
            },
        )
        .unwrap();
        assert!(!inflated.all_inside_99);
        assert!(!inflated.figures[0].inside_99);
    }

    /// Reports with votes but no ballots cast (a template filled in with the choice columns
    /// only): the shares are estimated, turnout is not, and the estimate says why. Before,
    /// "not counted" turned each missing turnout into a (0, 0) cluster and the whole estimate
    /// failed with an empty denominator.
    #[test]
    fn shares_without_turnout_when_no_ballots_cast_are_reported() {
        let frame = [StratumSize {
            stratum: "".into(),
            stations: 40,
        }];
        let mut reports: Vec<StationReport> = [[30, 70], [50, 70], [20, 60], [60, 50]]
            .iter()
            .enumerate()
            .map(|(i, v)| StationReport {
                ballots_cast: None,
                ..report(&i.to_string(), "", &[Some(v[0]), Some(v[1])])
            })
            .collect();
        reports.push(StationReport {
            ballots_cast: None,
            ..report("9", "", &[None, None])
        });
        for missing in [MissingFigures::NotCounted, MissingFigures::NonResponse] {
            let e = estimate(&["Ruling", "Opposition"], &frame, &reports, missing).unwrap();
            assert!(e.turnout.is_none(), "{missing:?}");
            assert!(
                e.turnout_not_estimated
                    .as_deref()
                    .is_some_and(|w| w.contains("ballots cast")),
                "{missing:?}"
            );
            assert_eq!(e.stations_missing, vec!["9".to_string()]);
        }
        let e = estimate(
            &["Ruling", "Opposition"],
            &frame,
            &reports,
            MissingFigures::NonResponse,
        )
        .unwrap();
        assert!((e.choices[0].share.estimate - 160.0 / 410.0).abs() < 1e-12);
    }

    #[test]
    fn missing_figures_two_ways() {
        // Every station sampled; one of X's four has no figures in this source.
        let frame = [
            StratumSize {
                stratum: "X".into(),
                stations: 4,
            },
            StratumSize {
                stratum: "Y".into(),
                stations: 4,
            },
        ];
        let mut reports: Vec<StationReport> = (0..4)
            .map(|i| report(&format!("x{i}"), "X", &[Some(10), Some(10)]))
            .chain((0..4).map(|i| report(&format!("y{i}"), "Y", &[Some(30), Some(10)])))
            .collect();
        reports[0].votes = vec![None, None];
        // Not counted: the full count of what the source has, (30 + 120) / (60 + 160).
        let e = estimate(&["A", "B"], &frame, &reports, MissingFigures::NotCounted).unwrap();
        assert!((e.choices[0].share.estimate - 150.0 / 220.0).abs() < 1e-15);
        assert_eq!(e.choices[0].share.variance, 0.0); // a census of both strata
        // Non-response: X's three stand for four, (4/3 · 30 + 120) / (4/3 · 60 + 160).
        let e = estimate(&["A", "B"], &frame, &reports, MissingFigures::NonResponse).unwrap();
        assert!((e.choices[0].share.estimate - 160.0 / 240.0).abs() < 1e-15);
        assert_eq!(e.stations_missing, vec!["x0".to_string()]);
        assert!(e.strata_without_stations.is_empty());
        let mut more = frame.to_vec();
        more.push(StratumSize {
            stratum: "Z".into(),
            stations: 3,
        });
        let e = estimate(&["A", "B"], &more, &reports, MissingFigures::NotCounted).unwrap();
        assert_eq!(e.strata_without_stations, vec!["Z".to_string()]);
    }

    #[test]
    fn bad_input() {
        let frame = [StratumSize {
            stratum: "".into(),
            stations: 40,
        }];
        assert!(matches!(
            estimate(&["A", "B"], &frame, &[], MissingFigures::NonResponse),
            Err(StatsError::EmptySample { .. })
        ));
        let one = vec![report("1", "", &[Some(30), Some(70)])];
        assert!(matches!(
            estimate(&["A", "B"], &frame, &one, MissingFigures::NonResponse),
            Err(StatsError::TooFewStations { .. })
        ));
        let none_reported = vec![
            report("1", "", &[None, None]),
            report("2", "", &[None, None]),
        ];
        assert!(matches!(
            estimate(
                &["A", "B"],
                &frame,
                &none_reported,
                MissingFigures::NonResponse
            ),
            Err(StatsError::EmptySample { .. })
        ));
        let zeros = vec![
            report("1", "", &[Some(0), Some(0)]),
            report("2", "", &[Some(0), Some(0)]),
        ];
        assert!(estimate(&["A", "B"], &frame, &zeros, MissingFigures::NonResponse).is_err());
        let wrong = vec![report("1", "", &[Some(1)])];
        assert!(matches!(
            estimate(&["A", "B"], &frame, &wrong, MissingFigures::NonResponse),
            Err(StatsError::ChoiceCountMismatch { .. })
        ));
        let stray = vec![report("1", "elsewhere", &[Some(1), Some(2)])];
        assert!(estimate(&["A", "B"], &frame, &stray, MissingFigures::NonResponse).is_err());
        let twice = vec![
            report("1", "", &[Some(1), Some(2)]),
            report("1", "", &[Some(1), Some(2)]),
        ];
        assert!(matches!(
            estimate(&["A", "B"], &frame, &twice, MissingFigures::NonResponse),
            Err(StatsError::DuplicateStation { .. })
        ));
        assert!(
            plan_sample(&PlanInput {
                expected_share: 0.5,
                margin_of_error: 0.0,
                confidence: 0.95,
                registered_voters: 1,
                stations: 1,
                expected_turnout: 0.5
            })
            .is_err()
        );
    }
}
