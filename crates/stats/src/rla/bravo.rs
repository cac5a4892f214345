//! BRAVO ballot-polling audits (Lindeman, Stark & Yates 2012), computed as VotingWorks Arlo
//! and rlacalc compute them.
//!
//! For each reported winner `w` and loser `l`, with `s = v_w / (v_w + v_l)` from the reported
//! votes, every sampled ballot for `w` multiplies the test statistic `T_wl` by `s / 0.5` and
//! every ballot for `l` by `(1 − s) / 0.5`; other ballots leave it alone. The risk of the pair
//! is `1 / T_wl` (at most 1), and the audit may stop once every pair's risk is at or below the
//! risk limit. It is computed in logarithms so long samples cannot overflow.

use serde::Serialize;
use statrs::distribution::{Binomial, ContinuousCDF, DiscreteCDF, Normal};

use super::{Contest, check_risk_limit};
use crate::StatsError;

/// Arlo's default quantiles for the next round: the chance the round finishes the audit.
pub const ROUND_QUANTILES: [f64; 3] = [0.7, 0.8, 0.9];

/// Contests above this many ballots get a full hand count recommended when the 90% round would
/// need at least [`HAND_COUNT_SHARE`] of the ballots (Arlo's rule: the count is then less work).
pub const LARGE_CONTEST_BALLOTS: u64 = 100_000;
pub const HAND_COUNT_SHARE: f64 = 0.25;

/// The ballots drawn so far and the votes they show for each choice (in contest order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PollingSample {
    /// Every ballot drawn, including blank, invalid and other-contest ones.
    pub ballots_drawn: u64,
    pub votes: Vec<u64>,
}

impl PollingSample {
    /// An empty sample: the start of the audit.
    pub fn none(contest: &Contest) -> PollingSample {
        PollingSample {
            ballots_drawn: 0,
            votes: vec![0; contest.choices.len()],
        }
    }

    /// A sample from (choice name, sampled votes) pairs; unnamed choices count zero.
    pub fn from_named(
        contest: &Contest,
        ballots_drawn: u64,
        votes: &[(&str, u64)],
    ) -> Result<PollingSample, StatsError> {
        let mut sample = PollingSample::none(contest);
        sample.ballots_drawn = ballots_drawn;
        for (choice, n) in votes {
            sample.votes[contest.choice_index(choice)?] += n;
        }
        Ok(sample)
    }

    fn check(&self, contest: &Contest) -> Result<(), StatsError> {
        if self.votes.len() != contest.choices.len() {
            return Err(StatsError::ChoiceCountMismatch {
                station: "ballot-polling sample".into(),
                expected: contest.choices.len(),
                got: self.votes.len(),
            });
        }
        Ok(())
    }
}

/// The measured risk for one winner–loser pair.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairRisk {
    pub winner: String,
    pub loser: String,
    /// ln T_wl, the log of the BRAVO test statistic (unbounded).
    pub log_test_statistic: f64,
    /// min(1, 1/T_wl).
    pub risk: f64,
}

/// The BRAVO risk of the reported outcome given a sample: one figure per winner–loser pair.
pub fn risk(contest: &Contest, sample: &PollingSample) -> Result<Vec<PairRisk>, StatsError> {
    sample.check(contest)?;
    Ok(contest
        .pairs()
        .map(|(w, l)| {
            let log_t = log_test_statistic(
                contest.reported_votes[w],
                contest.reported_votes[l],
                sample.votes[w],
                sample.votes[l],
            );
            PairRisk {
                winner: contest.choices[w].clone(),
                loser: contest.choices[l].clone(),
                log_test_statistic: log_t,
                risk: (-log_t).exp().min(1.0),
            }
        })
        .collect())
}

/// rlacalc's `ballot_polling_risk_level`: the risk for one pair from reported votes and
/// sampled votes, `exp(−ln T)` without the cap at 1.
pub fn pair_risk_level(
    winner_votes: u64,
    loser_votes: u64,
    winner_obs: u64,
    loser_obs: u64,
) -> f64 {
    (-log_test_statistic(winner_votes, loser_votes, winner_obs, loser_obs)).exp()
}

fn log_test_statistic(v_w: u64, v_l: u64, obs_w: u64, obs_l: u64) -> f64 {
    if v_w <= v_l {
        // A reported tie (or an inverted pair) gives the sample no evidence: T stays 1.
        return 0.0;
    }
    let s = v_w as f64 / (v_w + v_l) as f64;
    let half = 0.5f64.ln();
    let mut log_t = 0.0;
    if obs_w > 0 {
        log_t += (s.ln() - half) * obs_w as f64;
    }
    if obs_l > 0 {
        // A loser reported with no votes turns up in the sample: ln(0) = −∞, risk 1.
        log_t += ((1.0 - s).ln() - half) * obs_l as f64;
    }
    log_t
}

/// The BRAVO average sample number: the expected number of further ballots needed when the
/// reported shares are right, for the tightest pair. `p_w` and `p_l` are the winner's and the
/// loser's shares of all ballots cast; `risk_so_far` is 1/T from the sample already drawn (1 at
/// the start). `ceil((ln(risk_so_far / alpha) + z_w / 2) / (p_w z_w + p_l z_l))` with
/// `s_w = p_w / (p_w + p_l)`, `z_w = ln(2 s_w)`, `z_l = ln(2 − 2 s_w)`.
pub fn average_sample_number(
    alpha: f64,
    p_w: f64,
    p_l: f64,
    risk_so_far: f64,
) -> Result<u64, StatsError> {
    check_risk_limit(alpha)?;
    crate::error::check_probability("the winner's share", p_w, false)?;
    crate::error::check_probability("the loser's share", p_l, false)?;
    if !(risk_so_far > 0.0 && risk_so_far.is_finite()) {
        return Err(StatsError::OutOfRange {
            name: "the risk so far",
            value: risk_so_far,
            expected: "a positive number",
        });
    }
    if p_w <= p_l {
        return Err(StatsError::ZeroMargin {
            winner: "winner".into(),
            loser: "loser".into(),
        });
    }
    let s_w = p_w / (p_w + p_l);
    let z_w = (2.0 * s_w).ln();
    // With no loser votes at all, the loser term vanishes (0 · ln 0 = 0).
    let loser_term = if p_l > 0.0 {
        p_l * (2.0 - 2.0 * s_w).ln()
    } else {
        0.0
    };
    let n = ((1.0 / alpha * risk_so_far).ln() + z_w / 2.0) / (p_w * z_w + loser_term);
    Ok(n.ceil().max(0.0) as u64)
}

/// rlacalc's `findAsn`: the ASN for a two-choice contest with the given margin (a fraction of
/// ballots), no invalid ballots and nothing sampled yet.
pub fn asn_for_margin(alpha: f64, margin: f64) -> Result<u64, StatsError> {
    if !(margin > 0.0 && margin <= 1.0) {
        return Err(StatsError::OutOfRange {
            name: "the margin",
            value: margin,
            expected: "greater than 0 and at most 1",
        });
    }
    // rlacalc's own construction: 100,000 ballots split (1 ± margin) / 2.
    let ballots = 100_000.0;
    let v_w = ballots * (0.5 + margin / 2.0);
    let v_l = ballots * (0.5 - margin / 2.0);
    average_sample_number(alpha, v_w / ballots, v_l / ballots, 1.0)
}

/// The round size that finishes the audit with probability `quantile` if the reported shares
/// are right: Mark Lindeman's method as VotingWorks Arlo uses it (`bravo_sample_sizes`).
///
/// Solves the normal approximation `n s + z √(n s (1 − s)) = (threshold − n ln(2(1−s))) /
/// (ln(2s) − ln(2(1−s)))` for n, then walks n up until the `1 − quantile` binomial quantile of
/// winner ballots clears the threshold, and scales by `1 / (p_w + p_l)` for other ballots.
/// `sample_w` and `sample_l` are the ballots for the two already drawn.
pub fn quantile_sample_size(
    alpha: f64,
    p_w: f64,
    p_l: f64,
    sample_w: u64,
    sample_l: u64,
    quantile: f64,
) -> Result<u64, StatsError> {
    check_risk_limit(alpha)?;
    crate::error::check_probability("the completion probability", quantile, true)?;
    crate::error::check_probability("the winner's share", p_w, false)?;
    crate::error::check_probability("the loser's share", p_l, false)?;
    if p_w <= p_l {
        return Err(StatsError::ZeroMargin {
            winner: "winner".into(),
            loser: "loser".into(),
        });
    }
    let p_wr = p_w + p_l;
    let s_w = p_w / p_wr;
    let s_l = 1.0 - s_w;
    let plus = (s_w / 0.5).ln();
    let minus = if s_l > 0.0 {
        (s_l / 0.5).ln()
    } else {
        f64::NEG_INFINITY
    };
    let threshold = (1.0 / alpha).ln() - (sample_w as f64 * plus + term(sample_l, minus));
    if threshold <= 0.0 {
        return Ok(0);
    }
    if s_l == 0.0 {
        // Every counted ballot is the winner's: each one adds ln 2.
        return Ok((((threshold / plus).floor() + 1.0) / p_wr).ceil() as u64);
    }
    let z = -standard_normal().inverse_cdf(quantile);

    let d = s_w * s_l;
    let f = threshold / (plus - minus);
    let g = minus / (plus - minus) + s_w;
    let q_a = g * g;
    let q_b = -(z * z * d + 2.0 * f * g);
    let q_c = f * f;
    let radical = (q_b * q_b - 4.0 * q_a * q_c).max(0.0).sqrt();
    let mut size = if quantile > 0.5 {
        ((-q_b + radical) / (2.0 * q_a)).floor()
    } else {
        ((-q_b - radical) / (2.0 * q_a)).floor()
    }
    .max(0.0) as u64;

    // The approximation is close but not guaranteed; step up until the quantile really clears.
    loop {
        let x_c = binomial_quantile(1.0 - quantile, size, s_w) as f64;
        if x_c * plus + (size as f64 - x_c) * minus > threshold {
            break;
        }
        size += 1;
    }
    Ok((size as f64 / p_wr).ceil() as u64)
}

fn term(count: u64, log_factor: f64) -> f64 {
    if count == 0 {
        0.0
    } else {
        count as f64 * log_factor
    }
}

/// Arlo's `expected_prob`: the chance that a round of `asn` ballots finishes the audit, by the
/// same normal approximation, rounded to two decimals as Arlo shows it.
pub fn asn_completion_probability(
    alpha: f64,
    p_w: f64,
    p_l: f64,
    sample_w: u64,
    sample_l: u64,
    asn: u64,
) -> f64 {
    let p_wr = p_w + p_l;
    let s_w = p_w / p_wr;
    let s_l = 1.0 - s_w;
    let plus = (s_w / 0.5).ln();
    let minus = (s_l / 0.5).ln();
    let threshold = (1.0 / alpha).ln() - (sample_w as f64 * plus + term(sample_l, minus));
    if threshold <= 0.0 || s_l == 0.0 {
        return if threshold <= 0.0 { 0.0 } else { 1.0 };
    }
    let n = asn as f64 * p_wr;
    let r_x = (threshold - minus * n) / (plus - minus);
    let z = (r_x - n * s_w) / (n * s_w * s_l).sqrt();
    (standard_normal().cdf(-z) * 100.0).round() / 100.0
}

/// The size of the next round, by ASN and by Arlo's quantiles.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoundSizes {
    /// Expected further ballots (ASN).
    pub asn: u64,
    /// The chance a round of `asn` ballots finishes the audit.
    pub asn_completion_probability: f64,
    pub quantiles: Vec<QuantileSize>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuantileSize {
    /// The chance that a round of this many ballots finishes the audit.
    pub probability: f64,
    pub ballots: u64,
}

/// What the audit should do now.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    /// Every pair's risk is at or below the risk limit: the reported outcome stands.
    Confirmed,
    /// Draw another round; the sizes say how many ballots.
    Continue { next_round: RoundSizes },
    /// Stop sampling and count every ballot by hand; the hand count decides the outcome.
    FullHandCount { reason: String },
}

/// The state of a ballot-polling audit after a sample, and what to do next.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assessment {
    pub contest: String,
    pub risk_limit: f64,
    pub ballots_drawn: u64,
    pub pairs: Vec<PairRisk>,
    /// The largest pair risk: the audit's risk level.
    pub risk: f64,
    #[serde(flatten)]
    pub decision: Decision,
}

/// The stopping rule and the escalation signal.
///
/// Confirmed when every pair's risk is ≤ `alpha`. A full hand count when the reported result
/// is a tie across the winner/loser line, when the sample has reached `escalate_after` ballots
/// (the limit the commission set in advance) without confirming, or — Arlo's rule — when the
/// contest has over 100,000 ballots and the 90% round would need a quarter of them.
/// Otherwise, the sizes of the next round.
pub fn assess(
    contest: &Contest,
    alpha: f64,
    sample: &PollingSample,
    escalate_after: Option<u64>,
) -> Result<Assessment, StatsError> {
    check_risk_limit(alpha)?;
    let pairs = risk(contest, sample)?;
    let max_risk = pairs.iter().map(|p| p.risk).fold(0.0, f64::max);
    let decision = decide(contest, alpha, sample, escalate_after, &pairs, max_risk)?;
    Ok(Assessment {
        contest: contest.name.clone(),
        risk_limit: alpha,
        ballots_drawn: sample.ballots_drawn,
        pairs,
        risk: max_risk,
        decision,
    })
}

fn decide(
    contest: &Contest,
    alpha: f64,
    sample: &PollingSample,
    escalate_after: Option<u64>,
    pairs: &[PairRisk],
    max_risk: f64,
) -> Result<Decision, StatsError> {
    if let Some((w, l)) = contest.reported_tie() {
        return Ok(Decision::FullHandCount {
            reason: format!(
                "{} and {} are reported tied; a sample cannot confirm a tie",
                contest.choices[w], contest.choices[l]
            ),
        });
    }
    if max_risk <= alpha {
        return Ok(Decision::Confirmed);
    }
    if let Some(p) = pairs
        .iter()
        .find(|p| p.log_test_statistic == f64::NEG_INFINITY)
    {
        return Ok(Decision::FullHandCount {
            reason: format!(
                "the sample holds a ballot for {}, which was reported with no votes; \
                 BRAVO can no longer confirm {} over {}",
                p.loser, p.winner, p.loser
            ),
        });
    }
    if let Some(limit) = escalate_after
        && sample.ballots_drawn >= limit
    {
        return Ok(Decision::FullHandCount {
            reason: format!(
                "{} ballots drawn, the escalation limit of {limit} is reached, \
                 and the risk is still {max_risk:.4} > {alpha}",
                sample.ballots_drawn
            ),
        });
    }
    let next_round = round_sizes(contest, alpha, sample, pairs)?;
    if contest.ballots_cast > LARGE_CONTEST_BALLOTS
        && let Some(q90) = next_round.quantiles.iter().find(|q| q.probability == 0.9)
        && q90.ballots as f64 >= HAND_COUNT_SHARE * contest.ballots_cast as f64
    {
        return Ok(Decision::FullHandCount {
            reason: format!(
                "the next round would need {} of {} ballots; counting them all is less work",
                q90.ballots, contest.ballots_cast
            ),
        });
    }
    Ok(Decision::Continue { next_round })
}

/// The next round's sizes, for the tightest pair (smallest winner, largest loser), as Arlo
/// plans them; the ASN uses the smallest test statistic over all pairs.
pub fn round_sizes(
    contest: &Contest,
    alpha: f64,
    sample: &PollingSample,
    pairs: &[PairRisk],
) -> Result<RoundSizes, StatsError> {
    let ballots = contest.ballots_cast as f64;
    let &w = contest
        .winners
        .iter()
        .min_by_key(|&&w| contest.reported_votes[w])
        .expect("a contest has a winner");
    let &l = contest
        .losers
        .iter()
        .max_by_key(|&&l| contest.reported_votes[l])
        .expect("a contest has a loser");
    if contest.reported_votes[w] == contest.reported_votes[l] {
        return Err(contest.zero_margin_error((w, l)));
    }
    let p_w = contest.reported_votes[w] as f64 / ballots;
    let p_l = contest.reported_votes[l] as f64 / ballots;
    let min_log_t = pairs
        .iter()
        .map(|p| p.log_test_statistic)
        .fold(f64::INFINITY, f64::min);
    let risk_so_far = if min_log_t.is_finite() {
        (-min_log_t).exp()
    } else {
        1.0
    };
    let asn = average_sample_number(alpha, p_w, p_l, risk_so_far)?;
    let (sample_w, sample_l) = (sample.votes[w], sample.votes[l]);
    let quantiles = ROUND_QUANTILES
        .iter()
        .map(|&q| {
            Ok(QuantileSize {
                probability: q,
                ballots: quantile_sample_size(alpha, p_w, p_l, sample_w, sample_l, q)?,
            })
        })
        .collect::<Result<_, StatsError>>()?;
    Ok(RoundSizes {
        asn,
        asn_completion_probability: asn_completion_probability(
            alpha, p_w, p_l, sample_w, sample_l, asn,
        ),
        quantiles,
    })
}

fn standard_normal() -> Normal {
    Normal::new(0.0, 1.0).expect("the standard normal is valid")
}

/// The smallest k with P(X ≤ k) ≥ q for X ~ Binomial(n, p) (scipy's `binom.ppf`).
fn binomial_quantile(q: f64, n: u64, p: f64) -> u64 {
    let Ok(b) = Binomial::new(p, n) else {
        return 0;
    };
    let (mut lo, mut hi) = (0u64, n);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if b.cdf(mid) >= q {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    lo
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arlo_contest() -> Contest {
        Contest::new("Arlo", &[("cand1", 600), ("cand2", 400)], 1000, 1).unwrap()
    }

    // VotingWorks Arlo's BRAVO tests: 600/400 of 1000 at a 10% risk limit.
    #[test]
    fn arlo_round_sizes() {
        let c = arlo_contest();
        let sample = PollingSample::none(&c);
        let pairs = risk(&c, &sample).unwrap();
        let sizes = round_sizes(&c, 0.1, &sample, &pairs).unwrap();
        assert_eq!(sizes.asn, 119);
        let q: Vec<u64> = sizes.quantiles.iter().map(|q| q.ballots).collect();
        assert_eq!(q, vec![184, 244, 351]);
        assert!((0.0..=1.0).contains(&sizes.asn_completion_probability));
    }

    #[test]
    fn arlo_risk_72_47() {
        let c = arlo_contest();
        let s = PollingSample::from_named(&c, 119, &[("cand1", 72), ("cand2", 47)]).unwrap();
        let a = assess(&c, 0.1, &s, None).unwrap();
        assert_eq!((a.risk * 10_000.0).round() / 10_000.0, 0.0714);
        assert_eq!(a.decision, Decision::Confirmed);
        // At a 5% limit the same sample is not enough, and the next round is smaller than the
        // first because evidence has accumulated.
        let a = assess(&c, 0.05, &s, None).unwrap();
        let Decision::Continue { next_round } = a.decision else {
            panic!("expected another round, got {:?}", a.decision);
        };
        assert!(next_round.asn > 0 && next_round.asn < 119);
    }

    #[test]
    fn every_winner_loser_pair_is_tested() {
        // Two seats, three candidates: A and B win, C loses; a ballot for B says nothing
        // about A against C.
        let c = Contest::new("Council", &[("A", 500), ("B", 400), ("C", 100)], 1000, 2).unwrap();
        let s = PollingSample::from_named(&c, 30, &[("B", 30)]).unwrap();
        let pairs = risk(&c, &s).unwrap();
        assert_eq!(pairs.len(), 2);
        let a_c = pairs.iter().find(|p| p.winner == "A").unwrap();
        let b_c = pairs.iter().find(|p| p.winner == "B").unwrap();
        assert_eq!(a_c.risk, 1.0);
        let s_bc: f64 = 400.0 / 500.0;
        assert!((b_c.risk - (0.5 / s_bc).powi(30)).abs() < 1e-12);
        let a = assess(&c, 0.1, &s, None).unwrap();
        assert!(matches!(a.decision, Decision::Continue { .. }));
    }

    #[test]
    fn loser_with_no_reported_votes_found_in_sample() {
        let c = Contest::new("x", &[("A", 900), ("B", 0)], 1000, 1).unwrap();
        let s = PollingSample::from_named(&c, 10, &[("A", 9), ("B", 1)]).unwrap();
        let pairs = risk(&c, &s).unwrap();
        assert_eq!(pairs[0].risk, 1.0);
        let a = assess(&c, 0.1, &s, None).unwrap();
        assert!(
            matches!(a.decision, Decision::FullHandCount { .. }),
            "{a:?}"
        );
        let s = PollingSample::from_named(&c, 10, &[("A", 10)]).unwrap();
        assert!((risk(&c, &s).unwrap()[0].risk - 0.5f64.powi(10)).abs() < 1e-15);
    }

    #[test]
    fn escalation_to_a_full_hand_count() {
        // A reported tie can only be settled by counting.
        let tied = Contest::new("x", &[("A", 500), ("B", 500)], 1000, 1).unwrap();
        let a = assess(&tied, 0.1, &PollingSample::none(&tied), None).unwrap();
        assert!(matches!(a.decision, Decision::FullHandCount { .. }));
        assert!(matches!(
            average_sample_number(0.1, 0.5, 0.5, 1.0),
            Err(StatsError::ZeroMargin { .. })
        ));
        // The sample went the loser's way up to the commission's limit.
        let c = arlo_contest();
        let s = PollingSample::from_named(&c, 400, &[("cand1", 190), ("cand2", 210)]).unwrap();
        let a = assess(&c, 0.1, &s, Some(400)).unwrap();
        assert!(
            matches!(a.decision, Decision::FullHandCount { .. }),
            "{a:?}"
        );
        // Large contest with a razor-thin margin: the 90% round is over a quarter of it.
        let thin = Contest::new("x", &[("A", 100_500), ("B", 99_500)], 200_000, 1).unwrap();
        let a = assess(&thin, 0.1, &PollingSample::none(&thin), None).unwrap();
        assert!(
            matches!(a.decision, Decision::FullHandCount { .. }),
            "{a:?}"
        );
    }

    #[test]
    fn bad_input() {
        let c = arlo_contest();
        assert!(assess(&c, 0.0, &PollingSample::none(&c), None).is_err());
        assert!(assess(&c, 1.0, &PollingSample::none(&c), None).is_err());
        let short = PollingSample {
            ballots_drawn: 1,
            votes: vec![1],
        };
        assert!(matches!(
            risk(&c, &short),
            Err(StatsError::ChoiceCountMismatch { .. })
        ));
        assert!(matches!(
            PollingSample::from_named(&c, 1, &[("nobody", 1)]),
            Err(StatsError::UnknownChoice { .. })
        ));
        assert!(asn_for_margin(0.1, 0.0).is_err());
        assert!(asn_for_margin(0.1, f64::NAN).is_err());
        assert!(quantile_sample_size(0.1, 0.6, 0.4, 0, 0, 1.0).is_err());
    }

    #[test]
    fn landslide_with_no_loser_votes() {
        // rlacalc answers 4 for a 100% margin at 10% risk; the formula gives the same.
        assert_eq!(asn_for_margin(0.1, 1.0).unwrap(), 4);
        assert!(quantile_sample_size(0.1, 1.0, 0.0, 0, 0, 0.9).unwrap() >= 4);
    }
}
