//! The Election Forensics Toolkit tests (Mebane and Kalinin's `BasicElectionForensics`,
//! R package EFToolkit), each with a nonparametric bootstrap interval over stations.
//!
//! As in the toolkit, the variables are turnout (counts: voters; percentages: voters /
//! registered, capped at 1) and each choice (counts: its votes; percentages: its votes /
//! ballots counted, capped at 1).

use std::collections::HashMap;

use rayon::prelude::*;
use serde::Serialize;

use super::dip::{DipWorkspace, dip_statistic, dip_with};
use super::rng::{Purpose, Rng};
use super::{StationCounts, check_choices};
use crate::StatsError;

/// Settings of the toolkit tests.
#[derive(Debug, Clone, Serialize)]
pub struct EftOptions {
    /// Bootstrap replicates for the intervals (the toolkit: 1000).
    pub bootstrap: usize,
    /// Bootstrap replicates used for the dip's interval: the first this many of
    /// `bootstrap`. The dip costs more than all the other statistics together.
    pub dip_bootstrap: usize,
    /// Monte Carlo replicates of the uniform null for the dip test's p-value.
    pub dip_null: usize,
    pub seed: u64,
    /// Coverage of the intervals.
    pub confidence: f64,
}

impl Default for EftOptions {
    fn default() -> Self {
        EftOptions {
            bootstrap: 1000,
            dip_bootstrap: 200,
            dip_null: 200,
            seed: 1,
            confidence: 0.95,
        }
    }
}

/// A statistic with its basic bootstrap interval.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Estimate {
    pub value: f64,
    pub lo: f64,
    pub hi: f64,
    /// Observations the statistic was computed from.
    pub n: usize,
}

/// The toolkit's results for one variable (turnout or a choice).
#[derive(Debug, Clone, Serialize)]
pub struct EftVariable {
    pub name: String,
    /// 2BL: mean second digit of counts >= 10; 4.187 under Benford's law.
    pub second_digit_mean: Option<Estimate>,
    /// Mean last digit of the counts; 4.5 if last digits are uniform.
    pub last_digit_mean: Option<Estimate>,
    /// Share of counts ending in 0 or 5; 0.2 if last digits are uniform.
    pub c05s: Option<Estimate>,
    /// Share of rounded percentages ending in 0 or 5; 0.2 if uniform.
    pub p05s: Option<Estimate>,
    /// Skewness of the percentages, m3 / m2^(3/2).
    pub skewness: Option<Estimate>,
    /// Kurtosis of the percentages, m4 / m2^2 (3 for a normal distribution).
    pub kurtosis: Option<Estimate>,
    /// Hartigan's dip of the percentages.
    pub dip: Option<Estimate>,
    /// Monte Carlo p-value of the dip against a uniform sample of the same size.
    pub dip_p_value: Option<f64>,
    /// Sobyanin–Sukhovolsky measure as the toolkit computes it: the OLS slope of the
    /// choice's share on turnout, minus the mean share. Choices only.
    pub sobyanin: Option<Estimate>,
    /// Pearson correlation of turnout and the choice's share. Choices only.
    pub correlation: Option<Estimate>,
}

/// What each statistic would be without manipulation.
#[derive(Debug, Clone, Serialize)]
pub struct Expected {
    pub second_digit_mean: f64,
    pub last_digit_mean: f64,
    pub c05s: f64,
    pub p05s: f64,
    pub skewness: f64,
    pub kurtosis: f64,
}

/// The toolkit's table.
#[derive(Debug, Clone, Serialize)]
pub struct EftReport {
    pub bootstrap: usize,
    pub dip_bootstrap: usize,
    pub dip_null: usize,
    pub seed: u64,
    pub confidence: f64,
    pub expected: Expected,
    pub variables: Vec<EftVariable>,
}

/// Mean second digit under the second-digit Benford law:
/// sum over d of d * sum over k = 1..9 of log10(1 + 1/(10k + d)).
pub fn benford_second_digit_mean() -> f64 {
    (0..10)
        .map(|d| {
            let p: f64 = (1..10)
                .map(|k| (1.0 + 1.0 / (10 * k + d) as f64).log10())
                .sum();
            d as f64 * p
        })
        .sum()
}

const STATS: usize = 9;
const SECOND: usize = 0;
const LAST: usize = 1;
const C05: usize = 2;
const P05: usize = 3;
const SKEW: usize = 4;
const KURT: usize = 5;
const DIP: usize = 6;
const SOBYANIN: usize = 7;
const CORR: usize = 8;

/// No digit: the count is missing, or below 10 for the second digit.
const NONE: u8 = 15;

/// One variable's data, per station (index = station), packed for the bootstrap's many
/// passes.
struct Variable {
    name: String,
    /// Second digit of the count (NONE if missing or below 10).
    second: Vec<u8>,
    /// Last digit of the count (NONE if missing).
    last: Vec<u8>,
    /// The percentage (0 where missing, see `has_pct`).
    pct: Vec<f64>,
    has_pct: Vec<bool>,
    /// The rounded percentage ends in 0 or 5.
    p05: Vec<bool>,
    /// Turnout beside the share, for choices (NaN where either is missing).
    turnout: Option<Vec<f64>>,
    /// Stations with a percentage, ascending by it (for the dip on resamples).
    order: Vec<u32>,
}

impl Variable {
    fn new(
        name: String,
        counts: Vec<Option<u64>>,
        pct: Vec<Option<f64>>,
        turnout: Option<&[Option<f64>]>,
    ) -> Self {
        let second = counts
            .iter()
            .map(|c| c.and_then(second_digit).map_or(NONE, |d| d as u8))
            .collect();
        let last = counts
            .iter()
            .map(|c| c.map_or(NONE, |c| (c % 10) as u8))
            .collect();
        // R's round() rounds half to even; the toolkit relies on it.
        let p05 = pct
            .iter()
            .map(|p| {
                p.is_some_and(|p| {
                    matches!(((100.0 * p).round_ties_even() as i64).rem_euclid(10), 0 | 5)
                })
            })
            .collect();
        let turnout = turnout.map(|t| {
            t.iter()
                .zip(&pct)
                .map(|(t, s)| match (t, s) {
                    (Some(t), Some(_)) => *t,
                    _ => f64::NAN,
                })
                .collect()
        });
        let mut order: Vec<u32> = (0..pct.len() as u32)
            .filter(|&i| pct[i as usize].is_some())
            .collect();
        order.sort_by(|&a, &b| {
            pct[a as usize]
                .unwrap_or(0.0)
                .total_cmp(&pct[b as usize].unwrap_or(0.0))
        });
        Variable {
            name,
            second,
            last,
            has_pct: pct.iter().map(Option::is_some).collect(),
            pct: pct.iter().map(|p| p.unwrap_or(0.0)).collect(),
            p05,
            turnout,
            order,
        }
    }
}

fn second_digit(c: u64) -> Option<u64> {
    if c < 10 {
        return None;
    }
    let mut c = c;
    while c >= 100 {
        c /= 10;
    }
    Some(c % 10)
}

/// Buffers one thread reuses across bootstrap replicates.
#[derive(Default)]
struct Workspace {
    sorted: Vec<f64>,
    dip: DipWorkspace,
}

/// Computes every statistic of `v`, station i counted `w[i]` times.
fn statistics(v: &Variable, w: &[u32], with_dip: bool, ws: &mut Workspace) -> [f64; STATS] {
    let mut out = [f64::NAN; STATS];
    // Digit statistics from weighted histograms of the digits: no branches per station.
    let mut second = [0u64; 16];
    let mut last = [0u64; 16];
    for ((&s, &l), &wi) in v.second.iter().zip(&v.last).zip(w) {
        second[s as usize] += wi as u64;
        last[l as usize] += wi as u64;
    }
    let n2: u64 = second[..10].iter().sum();
    let nl: u64 = last[..10].iter().sum();
    if n2 > 0 {
        out[SECOND] = (0..10).map(|d| d as f64 * second[d] as f64).sum::<f64>() / n2 as f64;
    }
    if nl > 0 {
        out[LAST] = (0..10).map(|d| d as f64 * last[d] as f64).sum::<f64>() / nl as f64;
        out[C05] = (last[0] + last[5]) as f64 / nl as f64;
    }

    let (mut np, mut sx, mut sp) = (0u64, 0.0, 0u64);
    for (((&p, &has), &p05), &wi) in v.pct.iter().zip(&v.has_pct).zip(&v.p05).zip(w) {
        let wi = wi as u64 * has as u64;
        np += wi;
        sx += wi as f64 * p;
        sp += wi * p05 as u64;
    }
    if np > 0 {
        let npf = np as f64;
        out[P05] = sp as f64 / npf;
        let mean = sx / npf;
        let (mut m2, mut m3, mut m4) = (0.0, 0.0, 0.0);
        for ((&p, &has), &wi) in v.pct.iter().zip(&v.has_pct).zip(w) {
            let wi = (wi as u64 * has as u64) as f64;
            let d = p - mean;
            let d2 = d * d;
            m2 += wi * d2;
            m3 += wi * d2 * d;
            m4 += wi * d2 * d2;
        }
        let (m2, m3, m4) = (m2 / npf, m3 / npf, m4 / npf);
        if m2 > 0.0 {
            out[SKEW] = m3 / m2.powf(1.5);
            out[KURT] = m4 / (m2 * m2);
        }
        if with_dip {
            ws.sorted.clear();
            for &i in &v.order {
                let i = i as usize;
                for _ in 0..w[i] {
                    ws.sorted.push(v.pct[i]);
                }
            }
            out[DIP] = dip_with(&ws.sorted, &mut ws.dip);
        }
    }

    if let Some(turnout) = &v.turnout {
        let (mut n, mut st, mut ss) = (0.0, 0.0, 0.0);
        for ((&t, &s), &wi) in turnout.iter().zip(&v.pct).zip(w) {
            if wi == 0 || t.is_nan() {
                continue;
            }
            let wi = wi as f64;
            n += wi;
            st += wi * t;
            ss += wi * s;
        }
        if n > 1.0 {
            let (mt, ms) = (st / n, ss / n);
            let (mut stt, mut sss, mut sts) = (0.0, 0.0, 0.0);
            for ((&t, &s), &wi) in turnout.iter().zip(&v.pct).zip(w) {
                if wi == 0 || t.is_nan() {
                    continue;
                }
                let wi = wi as f64;
                let (dt, ds) = (t - mt, s - ms);
                stt += wi * dt * dt;
                sss += wi * ds * ds;
                sts += wi * dt * ds;
            }
            if stt > 0.0 {
                out[SOBYANIN] = sts / stt - ms;
                if sss > 0.0 {
                    out[CORR] = sts / (stt * sss).sqrt();
                }
            }
        }
    }
    out
}

fn count_n(v: &Variable) -> [usize; STATS] {
    let n_counts = v.last.iter().filter(|&&d| d != NONE).count();
    let n_second = v.second.iter().filter(|&&d| d != NONE).count();
    let n_pct = v.order.len();
    let n_pairs = v
        .turnout
        .as_ref()
        .map_or(0, |t| t.iter().filter(|t| !t.is_nan()).count());
    [
        n_second, n_counts, n_counts, n_pct, n_pct, n_pct, n_pct, n_pairs, n_pairs,
    ]
}

/// Linear-interpolation quantile (R's type 7) of ascending `sorted`.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * q;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Runs every toolkit test on turnout and on each choice. `progress` is called once per
/// finished bootstrap replicate.
pub fn eft_tests(
    stations: &[StationCounts],
    choice_names: &[String],
    options: &EftOptions,
    progress: &(dyn Fn() + Sync),
) -> Result<EftReport, StatsError> {
    let choices = check_choices(stations)?;
    if choice_names.len() != choices {
        return Err(StatsError::InvalidContest {
            reason: format!(
                "{} choice names for {choices} vote figures per station",
                choice_names.len()
            ),
        });
    }
    if options.bootstrap < 2 {
        return Err(StatsError::OutOfRange {
            name: "bootstrap replicates",
            value: options.bootstrap as f64,
            expected: "at least 2",
        });
    }
    if !(options.confidence > 0.0 && options.confidence < 1.0) {
        return Err(StatsError::OutOfRange {
            name: "confidence",
            value: options.confidence,
            expected: "strictly between 0 and 1",
        });
    }
    if stations.len() > u32::MAX as usize {
        return Err(StatsError::OutOfRange {
            name: "stations",
            value: stations.len() as f64,
            expected: "below 2^32",
        });
    }

    let turnout: Vec<Option<f64>> = stations
        .iter()
        .map(|s| s.turnout().map(|t| t.min(1.0)))
        .collect();
    let mut variables = vec![Variable::new(
        "turnout".into(),
        stations.iter().map(|s| s.voters()).collect(),
        turnout.clone(),
        None,
    )];
    for (c, name) in choice_names.iter().enumerate() {
        variables.push(Variable::new(
            name.clone(),
            stations.iter().map(|s| s.votes[c]).collect(),
            stations
                .iter()
                .map(|s| s.share(c).map(|x| x.min(1.0)))
                .collect(),
            Some(&turnout),
        ));
    }

    let ones = vec![1u32; stations.len()];
    let mut ws = Workspace::default();
    let point: Vec<[f64; STATS]> = variables
        .iter()
        .map(|v| statistics(v, &ones, true, &mut ws))
        .collect();

    let n = stations.len() as u64;
    let replicates: Vec<Vec<[f64; STATS]>> = (0..options.bootstrap as u64)
        .into_par_iter()
        .map_init(
            || (vec![0u32; stations.len()], Workspace::default()),
            |(weights, ws), r| {
                let mut rng = Rng::stream(options.seed, Purpose::Bootstrap, r);
                weights.iter_mut().for_each(|w| *w = 0);
                for _ in 0..n {
                    weights[rng.below(n) as usize] += 1;
                }
                let out = variables
                    .iter()
                    .map(|v| statistics(v, weights, r < options.dip_bootstrap as u64, ws))
                    .collect();
                progress();
                out
            },
        )
        .collect();

    // The dip's null: dips of sorted uniform samples of each size, made from exponential
    // spacings (no sort needed), shared by variables of the same size.
    let mut null_dips: HashMap<usize, Vec<f64>> = HashMap::new();
    for v in &variables {
        let size = v.order.len();
        if size == 0 || null_dips.contains_key(&size) {
            continue;
        }
        let dips = (0..options.dip_null as u64)
            .into_par_iter()
            .map(|r| {
                let mut rng = Rng::stream(options.seed ^ size as u64, Purpose::DipNull, r);
                let mut acc = 0.0;
                let mut u: Vec<f64> = (0..size)
                    .map(|_| {
                        acc += rng.exponential();
                        acc
                    })
                    .collect();
                let total = acc + rng.exponential();
                u.iter_mut().for_each(|x| *x /= total);
                dip_statistic(&u)
            })
            .collect();
        null_dips.insert(size, dips);
    }

    let alpha = 1.0 - options.confidence;
    let mut out = Vec::new();
    for (k, v) in variables.iter().enumerate() {
        let ns = count_n(v);
        let estimate = |s: usize| -> Option<Estimate> {
            let value = point[k][s];
            if !value.is_finite() {
                return None;
            }
            let mut boot: Vec<f64> = replicates
                .iter()
                .map(|r| r[k][s])
                .filter(|x| x.is_finite())
                .collect();
            boot.sort_by(f64::total_cmp);
            // Basic bootstrap interval (Davison & Hinkley 1997, eq. 5.6), as the toolkit's
            // boot.ci(type = "basic").
            Some(Estimate {
                value,
                lo: 2.0 * value - quantile(&boot, 1.0 - alpha / 2.0),
                hi: 2.0 * value - quantile(&boot, alpha / 2.0),
                n: ns[s],
            })
        };
        let dip = estimate(DIP);
        let dip_p_value = dip.and_then(|d| {
            let null = null_dips.get(&v.order.len())?;
            let at_least = null.iter().filter(|&&x| x >= d.value).count();
            Some((1 + at_least) as f64 / (1 + null.len()) as f64)
        });
        out.push(EftVariable {
            name: v.name.clone(),
            second_digit_mean: estimate(SECOND),
            last_digit_mean: estimate(LAST),
            c05s: estimate(C05),
            p05s: estimate(P05),
            skewness: estimate(SKEW),
            kurtosis: estimate(KURT),
            dip,
            dip_p_value,
            sobyanin: estimate(SOBYANIN),
            correlation: estimate(CORR),
        });
    }
    Ok(EftReport {
        bootstrap: options.bootstrap,
        dip_bootstrap: options.dip_bootstrap.min(options.bootstrap),
        dip_null: options.dip_null,
        seed: options.seed,
        confidence: options.confidence,
        expected: Expected {
            second_digit_mean: benford_second_digit_mean(),
            last_digit_mean: 4.5,
            c05s: 0.2,
            p05s: 0.2,
            skewness: 0.0,
            kurtosis: 3.0,
        },
        variables: out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn benford_second_digit_mean_is_4_187() {
        assert_eq!(format!("{:.3}", benford_second_digit_mean()), "4.187");
    }

    #[test]
    fn second_digit_is_the_second_from_the_left() {
        assert_eq!(second_digit(9), None);
        assert_eq!(second_digit(10), Some(0));
        assert_eq!(second_digit(47), Some(7));
        assert_eq!(second_digit(1234), Some(2));
    }

    fn station(id: usize, registered: u64, voters: u64, a: u64, b: u64) -> StationCounts {
        StationCounts {
            id: id.to_string(),
            registered: Some(registered),
            ballots_issued: Some(voters),
            valid: Some(a + b),
            invalid: Some(0),
            total: None,
            votes: vec![Some(a), Some(b)],
        }
    }

    #[test]
    fn statistics_match_hand_computation() {
        let stations = vec![
            station(0, 100, 50, 20, 30),
            station(1, 200, 150, 105, 45),
            station(2, 100, 80, 40, 40),
            station(3, 400, 200, 55, 145),
        ];
        let names = vec!["A".to_string(), "B".to_string()];
        let opts = EftOptions {
            bootstrap: 50,
            dip_null: 20,
            ..Default::default()
        };
        let r = eft_tests(&stations, &names, &opts, &|| {}).unwrap();
        let a = &r.variables[1];
        assert_eq!(a.name, "A");
        // A's counts 20, 105, 40, 55: second digits 0, 0, 0, 5; last digits 0, 5, 0, 5.
        assert_eq!(a.second_digit_mean.unwrap().value, 1.25);
        assert_eq!(a.last_digit_mean.unwrap().value, 2.5);
        assert_eq!(a.c05s.unwrap().value, 1.0);
        // Shares 40%, 70%, 50%, 27.5% (rounds half to even: 28): three end in 0 or 5.
        assert_eq!(a.p05s.unwrap().value, 0.75);
        // Turnout 0.5, 0.75, 0.8, 0.5 against shares 0.4, 0.7, 0.5, 0.275.
        let (t, s) = ([0.5, 0.75, 0.8, 0.5], [0.4, 0.7, 0.5, 0.275]);
        let mean = |x: &[f64]| x.iter().sum::<f64>() / 4.0;
        let (mt, ms) = (mean(&t), mean(&s));
        let stt: f64 = t.iter().map(|x| (x - mt).powi(2)).sum();
        let sss: f64 = s.iter().map(|x| (x - ms).powi(2)).sum();
        let sts: f64 = t.iter().zip(&s).map(|(x, y)| (x - mt) * (y - ms)).sum();
        assert!((a.sobyanin.unwrap().value - (sts / stt - ms)).abs() < 1e-12);
        assert!((a.correlation.unwrap().value - sts / (stt * sss).sqrt()).abs() < 1e-12);
        let m2: f64 = s.iter().map(|x| (x - ms).powi(2)).sum::<f64>() / 4.0;
        let m3: f64 = s.iter().map(|x| (x - ms).powi(3)).sum::<f64>() / 4.0;
        assert!((a.skewness.unwrap().value - m3 / m2.powf(1.5)).abs() < 1e-12);
        // Turnout has no Sobyanin or correlation of its own.
        assert!(r.variables[0].sobyanin.is_none());
        for v in &r.variables {
            for e in [v.second_digit_mean, v.last_digit_mean, v.c05s, v.skewness]
                .into_iter()
                .flatten()
            {
                assert!(e.lo <= e.hi, "{}: {e:?}", v.name);
            }
        }
    }

    #[test]
    fn benford_counts_give_the_benford_mean_inside_the_interval() {
        // Counts spread log-uniformly over whole decades follow Benford's law; from three
        // digits up their last digit is close to uniform (mean 4.497 for the third digit).
        let mut rng = Rng::stream(5, Purpose::Bootstrap, 0);
        let stations: Vec<StationCounts> = (0..4000)
            .map(|i| {
                let a = 10f64.powf(2.0 + 2.0 * rng.uniform()) as u64;
                let b = 10f64.powf(2.0 + 2.0 * rng.uniform()) as u64;
                station(i, 2 * (a + b), a + b, a, b)
            })
            .collect();
        let names = vec!["A".to_string(), "B".to_string()];
        let opts = EftOptions {
            bootstrap: 200,
            dip_null: 20,
            ..Default::default()
        };
        let r = eft_tests(&stations, &names, &opts, &|| {}).unwrap();
        let e = r.variables[1].second_digit_mean.unwrap();
        assert!(e.lo < 4.187 && 4.187 < e.hi, "{e:?}");
        let l = r.variables[1].last_digit_mean.unwrap();
        assert!(l.lo < 4.5 && 4.5 < l.hi, "{l:?}");
    }

    #[test]
    fn bootstrap_is_reproducible_across_thread_counts() {
        let stations: Vec<StationCounts> = (0..300)
            .map(|i| {
                station(
                    i,
                    500 + i as u64,
                    250 + (i as u64 * 7) % 200,
                    100 + (i as u64 * 13) % 90,
                    60,
                )
            })
            .collect();
        let names = vec!["A".to_string(), "B".to_string()];
        let opts = EftOptions {
            bootstrap: 40,
            dip_null: 10,
            seed: 3,
            ..Default::default()
        };
        let run = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| eft_tests(&stations, &names, &opts, &|| {}).unwrap())
        };
        let (a, b) = (run(1), run(2));
        let (x, y) = (a.variables[1].dip.unwrap(), b.variables[1].dip.unwrap());
        assert_eq!(
            (x.lo.to_bits(), x.hi.to_bits()),
            (y.lo.to_bits(), y.hi.to_bits())
        );
        assert_eq!(a.variables[2].dip_p_value, b.variables[2].dip_p_value);
    }

    #[test]
    fn bad_options_are_errors() {
        let stations = vec![station(0, 100, 50, 20, 30)];
        let names = vec!["A".to_string(), "B".to_string()];
        let bad = EftOptions {
            bootstrap: 1,
            ..Default::default()
        };
        assert!(eft_tests(&stations, &names, &bad, &|| {}).is_err());
        let bad = EftOptions {
            confidence: 1.0,
            ..Default::default()
        };
        assert!(eft_tests(&stations, &names, &bad, &|| {}).is_err());
        assert!(eft_tests(&stations, &names[..1], &EftOptions::default(), &|| {}).is_err());
        assert!(eft_tests(&[], &names, &EftOptions::default(), &|| {}).is_err());
    }
}
