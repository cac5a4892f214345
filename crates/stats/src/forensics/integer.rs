//! The integer-percentage test (Kobak, Shpilkin & Pshenichnikov 2016, Annals of Applied
//! Statistics 10(1)): stations whose turnout or leader's share is a whole percent are
//! counted and compared with a binomial Monte Carlo of the same stations.

use rayon::prelude::*;
use serde::Serialize;

use super::rng::{Binomial, Purpose, Rng};
use super::{StationCounts, check_choice, check_choices};
use crate::StatsError;

/// Settings of the test; the defaults are the published ones.
#[derive(Debug, Clone, Serialize)]
pub struct IntegerOptions {
    /// Monte Carlo replicates (the paper: 1000).
    pub replicates: usize,
    pub seed: u64,
    /// Stations with fewer registered voters are left out (the paper: 100).
    pub min_registered: u64,
    /// Stations above this turnout, in percent, are left out (the paper: 99).
    pub max_turnout_percent: u64,
    /// Stations above this leader's share, in percent, are left out (the paper: 99).
    pub max_share_percent: u64,
}

impl Default for IntegerOptions {
    fn default() -> Self {
        IntegerOptions {
            replicates: 1000,
            seed: 1,
            min_registered: 100,
            max_turnout_percent: 99,
            max_share_percent: 99,
        }
    }
}

/// What the test found.
#[derive(Debug, Clone, Serialize)]
pub struct IntegerTest {
    /// The choice whose share is tested (the leader).
    pub leader: usize,
    /// Stations given.
    pub stations: usize,
    /// Stations that pass the inclusion criteria.
    pub included: usize,
    /// Included stations whose turnout or leader's share is within 0.05 percentage points
    /// of a whole percent.
    pub integer: usize,
    /// Of those, how many by turnout and how many by share (a station can be both).
    pub integer_turnout: usize,
    pub integer_share: usize,
    pub replicates: usize,
    pub seed: u64,
    /// Mean and standard deviation of the integer count over the Monte Carlo replicates.
    pub mc_mean: f64,
    pub mc_sd: f64,
    /// Smallest and largest integer count over the replicates.
    pub mc_min: u64,
    pub mc_max: u64,
    /// Observed integer stations minus the Monte Carlo mean.
    pub excess: f64,
    /// The excess in Monte Carlo standard deviations.
    pub z: f64,
    /// One-sided Monte Carlo p-value, (1 + #{replicates >= observed}) / (1 + replicates).
    pub p_value: f64,
}

/// True when 100 * num / den is within 0.05 of a whole number, decided exactly in integers:
/// |100 num/den - k| <= 1/20  <=>  |2000 num - 20 k den| <= den, with k the nearest integer.
/// The bound is inclusive, which is what the published counts imply (a station at exactly
/// 49.05% counts as integer there, through floating-point rounding).
#[inline]
pub(crate) fn is_integer_percent(num: u64, den: u64) -> bool {
    let (num, den) = (num as i128, den as i128);
    let k = (200 * num + den) / (2 * den);
    (2000 * num - 20 * k * den).abs() <= den
}

/// A denominator with its reciprocal, so the Monte Carlo's integer check needs no division.
#[derive(Clone, Copy)]
struct Denominator {
    den: i64,
    per_cent: f64,
}

impl Denominator {
    fn new(den: u64) -> Self {
        Denominator {
            den: den as i64,
            per_cent: 100.0 / den as f64,
        }
    }

    /// The same test as [`is_integer_percent`]. The nearest whole percent comes from
    /// floating point, which cannot pick the wrong one for a value within 0.05 of it
    /// (its error is below 1e-12); the test itself is exact in integers.
    #[inline]
    fn is_integer(self, num: u64) -> bool {
        let k = (num as f64 * self.per_cent).round() as i64;
        (2000 * num as i64 - 20 * k * self.den).abs() <= self.den
    }
}

struct Included {
    registered: Denominator,
    ballots: Denominator,
    voters: Binomial,
    leader: Binomial,
}

/// Runs the test with `leader` as the tested choice. `progress` is called once per finished
/// replicate, from any thread.
pub fn integer_percentages(
    stations: &[StationCounts],
    leader: usize,
    options: &IntegerOptions,
    progress: &(dyn Fn() + Sync),
) -> Result<IntegerTest, StatsError> {
    let choices = check_choices(stations)?;
    check_choice(leader, choices)?;
    if options.replicates < 2 {
        return Err(StatsError::OutOfRange {
            name: "replicates",
            value: options.replicates as f64,
            expected: "at least 2",
        });
    }
    let mut included = Vec::new();
    let (mut integer, mut integer_turnout, mut integer_share) = (0usize, 0usize, 0usize);
    for s in stations {
        let (Some(registered), Some(voters), Some(ballots), Some(Some(votes))) = (
            s.registered,
            s.voters(),
            s.ballots(),
            s.votes.get(leader).copied(),
        ) else {
            continue;
        };
        let keep = ballots > 0
            && registered >= options.min_registered
            && 100 * voters as u128 <= options.max_turnout_percent as u128 * registered as u128
            && 100 * votes as u128 <= options.max_share_percent as u128 * ballots as u128;
        if !keep {
            continue;
        }
        let t = is_integer_percent(voters, registered);
        let l = is_integer_percent(votes, ballots);
        integer += (t || l) as usize;
        integer_turnout += t as usize;
        integer_share += l as usize;
        included.push(Included {
            registered: Denominator::new(registered),
            ballots: Denominator::new(ballots),
            voters: Binomial::new(registered, voters as f64 / registered as f64),
            leader: Binomial::new(ballots, votes as f64 / ballots as f64),
        });
    }
    if included.is_empty() {
        return Err(StatsError::EmptySample {
            what: "no station passes the inclusion criteria of the integer-percentage test",
        });
    }
    // 2000 * num must fit in an i64 in the fast check.
    if let Some(s) = included
        .iter()
        .find(|s| s.registered.den >= 1 << 40 || s.ballots.den >= 1 << 40)
    {
        return Err(StatsError::OutOfRange {
            name: "registered voters or ballots at one station",
            value: s.registered.den.max(s.ballots.den) as f64,
            expected: "below 2^40",
        });
    }

    // Each replicate has its own stream and draws station by station in input order, so
    // the counts depend on neither the thread count nor the blocking below. Replicates
    // run in groups that sweep the stations block by block, so a block's parameters are
    // read from cache once per group rather than from memory once per replicate.
    const GROUP: u64 = 8;
    const BLOCK: usize = 1024;
    let groups: Vec<u64> = (0..options.replicates as u64)
        .step_by(GROUP as usize)
        .collect();
    let counts: Vec<u64> = groups
        .into_par_iter()
        .flat_map_iter(|first| {
            let last = (first + GROUP).min(options.replicates as u64);
            let mut rngs: Vec<Rng> = (first..last)
                .map(|r| Rng::stream(options.seed, Purpose::IntegerMonteCarlo, r))
                .collect();
            let mut n = vec![0u64; rngs.len()];
            for block in included.chunks(BLOCK) {
                for (rng, n) in rngs.iter_mut().zip(&mut n) {
                    for s in block {
                        let v = s.voters.sample(rng);
                        let l = s.leader.sample(rng);
                        *n += (s.registered.is_integer(v) || s.ballots.is_integer(l)) as u64;
                    }
                }
            }
            for _ in first..last {
                progress();
            }
            n
        })
        .collect();

    let r = counts.len() as f64;
    let mc_mean = counts.iter().map(|&c| c as f64).sum::<f64>() / r;
    let mc_sd = (counts
        .iter()
        .map(|&c| (c as f64 - mc_mean).powi(2))
        .sum::<f64>()
        / (r - 1.0))
        .sqrt();
    let at_least = counts.iter().filter(|&&c| c >= integer as u64).count();
    let excess = integer as f64 - mc_mean;
    Ok(IntegerTest {
        leader,
        stations: stations.len(),
        included: included.len(),
        integer,
        integer_turnout,
        integer_share,
        replicates: options.replicates,
        seed: options.seed,
        mc_mean,
        mc_sd,
        mc_min: counts.iter().copied().min().unwrap_or(0),
        mc_max: counts.iter().copied().max().unwrap_or(0),
        excess,
        z: if mc_sd > 0.0 {
            excess / mc_sd
        } else {
            f64::INFINITY
        },
        p_value: (1 + at_least) as f64 / (1.0 + r),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn station(id: &str, registered: u64, issued: u64, leader: u64, other: u64) -> StationCounts {
        StationCounts {
            id: id.into(),
            registered: Some(registered),
            ballots_issued: Some(issued),
            valid: Some(leader + other),
            invalid: Some(0),
            total: None,
            votes: vec![Some(leader), Some(other)],
        }
    }

    #[test]
    fn integer_percent_is_exact_at_the_boundary() {
        assert!(is_integer_percent(981, 2000)); // 49.05%: exactly 0.05 away
        assert!(!is_integer_percent(982, 2000)); // 49.10%
        assert!(is_integer_percent(979, 2000)); // 48.95%
        assert!(!is_integer_percent(1, 3)); // 33.33%
        assert!(!is_integer_percent(333, 1000)); // 33.3%
        assert!(is_integer_percent(1999, 2000)); // 99.95%: 0.05 from 100
        assert!(is_integer_percent(50, 100));
        assert!(is_integer_percent(0, 7));
        assert!(is_integer_percent(7, 7));
    }

    #[test]
    fn the_fast_check_agrees_with_the_exact_one() {
        for den in (1..3000u64).chain([9_999, 123_457, 1_000_000]) {
            let d = Denominator::new(den);
            let step = (den / 500).max(1);
            for num in (0..=den).step_by(step as usize).chain([den]) {
                assert_eq!(
                    d.is_integer(num),
                    is_integer_percent(num, den),
                    "{num}/{den}"
                );
            }
        }
    }

    #[test]
    fn filter_and_counts_follow_the_definitions() {
        let stations = vec![
            station("a", 1000, 700, 350, 350), // 70% turnout: integer
            station("b", 1000, 703, 352, 351), // 70.3%, 50.07%: not integer
            station("c", 99, 50, 20, 30),      // too few registered
            station("d", 1000, 995, 400, 595), // turnout above 99%
            station("e", 1000, 600, 598, 2),   // share above 99%
            station("f", 1000, 613, 307, 307), // 61.3%, 50.0%: integer by share
            StationCounts {
                votes: vec![None, Some(3)],
                ..station("g", 1000, 500, 0, 3)
            }, // leader's figure missing
        ];
        let t = integer_percentages(
            &stations,
            0,
            &IntegerOptions {
                replicates: 50,
                ..Default::default()
            },
            &|| {},
        )
        .unwrap();
        assert_eq!((t.stations, t.included, t.integer), (7, 3, 2));
        // "a" is integer by both turnout (70%) and share (50%).
        assert_eq!((t.integer_turnout, t.integer_share), (1, 2));
        assert!(t.mc_sd >= 0.0 && t.p_value > 0.0 && t.p_value <= 1.0);
    }

    #[test]
    fn the_result_does_not_depend_on_the_thread_count() {
        let stations: Vec<StationCounts> = (0..500)
            .map(|i| station(&i.to_string(), 500 + i, 300 + i / 2, 100 + i / 3, 150))
            .collect();
        let opts = IntegerOptions {
            replicates: 64,
            seed: 99,
            ..Default::default()
        };
        let run = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| integer_percentages(&stations, 0, &opts, &|| {}).unwrap())
        };
        let (one, three) = (run(1), run(3));
        assert_eq!(one.mc_mean.to_bits(), three.mc_mean.to_bits());
        assert_eq!(one.mc_sd.to_bits(), three.mc_sd.to_bits());
        assert_eq!(one.p_value, three.p_value);
        let other_seed = integer_percentages(
            &stations,
            0,
            &IntegerOptions {
                seed: 100,
                ..opts.clone()
            },
            &|| {},
        )
        .unwrap();
        assert_ne!(one.mc_mean, other_seed.mc_mean);
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        assert!(integer_percentages(&[], 0, &IntegerOptions::default(), &|| {}).is_err());
        let s = vec![station("a", 1000, 700, 350, 350)];
        assert!(integer_percentages(&s, 5, &IntegerOptions::default(), &|| {}).is_err());
        let one = IntegerOptions {
            replicates: 1,
            ..Default::default()
        };
        assert!(integer_percentages(&s, 0, &one, &|| {}).is_err());
        let tiny = vec![station("a", 10, 7, 3, 4)];
        assert!(integer_percentages(&tiny, 0, &IntegerOptions::default(), &|| {}).is_err());
        let mut ragged = s.clone();
        ragged.push(StationCounts {
            votes: vec![Some(1)],
            ..station("b", 1000, 700, 350, 350)
        });
        assert!(integer_percentages(&ragged, 0, &IntegerOptions::default(), &|| {}).is_err());
    }
}
