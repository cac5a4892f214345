//! Ballot-level comparison audits: the Kaplan–Markov p-value and the sample size of Stark's
//! "super-simple" method, as rlacalc computes them (Stark 2010; Lindeman & Stark 2012).
//!
//! `gamma` (> 1) is the error inflation factor; 1.03905 is the customary value. Overstatements
//! and understatements are counted in votes of margin: o1/u1 one vote, o2/u2 two votes.

use serde::Serialize;

use super::check_risk_limit;
use crate::StatsError;

/// The customary error inflation factor.
pub const DEFAULT_GAMMA: f64 = 1.03905;

/// The discrepancies found so far in a comparison audit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Discrepancies {
    /// One-vote overstatements of the margin.
    pub o1: u64,
    /// Two-vote overstatements.
    pub o2: u64,
    /// One-vote understatements.
    pub u1: u64,
    /// Two-vote understatements.
    pub u2: u64,
}

fn check(gamma: f64, diluted_margin: f64) -> Result<(), StatsError> {
    if !(gamma > 1.0 && gamma.is_finite()) {
        return Err(StatsError::OutOfRange {
            name: "gamma",
            value: gamma,
            expected: "greater than 1",
        });
    }
    if diluted_margin == 0.0 {
        return Err(StatsError::ZeroMargin {
            winner: "reported winner".into(),
            loser: "reported loser".into(),
        });
    }
    if !(diluted_margin > 0.0 && diluted_margin <= 1.0) {
        return Err(StatsError::OutOfRange {
            name: "the diluted margin",
            value: diluted_margin,
            expected: "greater than 0 and at most 1",
        });
    }
    Ok(())
}

/// The Kaplan–Markov p-value after `n` ballots:
/// `(1 − m/(2γ))^n · (1 − 1/(2γ))^−o1 · (1 − 1/γ)^−o2 · (1 + 1/(2γ))^−u1 · (1 + 1/γ)^−u2`.
pub fn kaplan_markov_p_value(
    n: u64,
    diluted_margin: f64,
    gamma: f64,
    found: &Discrepancies,
) -> Result<f64, StatsError> {
    check(gamma, diluted_margin)?;
    let p = (1.0 - diluted_margin / (2.0 * gamma)).powf(n as f64)
        * (1.0 - 1.0 / (2.0 * gamma)).powf(-(found.o1 as f64))
        * (1.0 - 1.0 / gamma).powf(-(found.o2 as f64))
        * (1.0 + 1.0 / (2.0 * gamma)).powf(-(found.u1 as f64))
        * (1.0 + 1.0 / gamma).powf(-(found.u2 as f64));
    Ok(p)
}

/// The ballots to examine so that, with the discrepancies found, the risk is at most `alpha`
/// (rlacalc's `nmin`):
/// `max(o1+o2+u1+u2, ceil(−2γ (ln α + o1 ln(1−1/(2γ)) + o2 ln(1−1/γ) + u1 ln(1+1/(2γ))
/// + u2 ln(1+1/γ)) / m))`.
pub fn comparison_sample_size(
    alpha: f64,
    diluted_margin: f64,
    gamma: f64,
    found: &Discrepancies,
) -> Result<u64, StatsError> {
    check_risk_limit(alpha)?;
    check(gamma, diluted_margin)?;
    let n = -2.0
        * gamma
        * (alpha.ln()
            + found.o1 as f64 * (1.0 - 1.0 / (2.0 * gamma)).ln()
            + found.o2 as f64 * (1.0 - 1.0 / gamma).ln()
            + found.u1 as f64 * (1.0 + 1.0 / (2.0 * gamma)).ln()
            + found.u2 as f64 * (1.0 + 1.0 / gamma).ln())
        / diluted_margin;
    let floor = found.o1 + found.o2 + found.u1 + found.u2;
    Ok((n.ceil().max(0.0) as u64).max(floor))
}

/// What a ballot-comparison audit should do after a round.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum ComparisonDecision {
    /// The reported outcome stands.
    Confirmed,
    /// Examine more ballots.
    Continue {
        /// Further draws that confirm the outcome if they find no more discrepancies.
        further_draws: u64,
        /// The number of the next draw.
        next_first: u64,
    },
    /// Count every ballot by hand; the hand count decides the outcome.
    FullHandCount { reason: String },
}

/// [`assess`]'s answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComparisonAssessment {
    pub p_value: f64,
    pub gamma: f64,
    pub discrepancies: Discrepancies,
    #[serde(flatten)]
    pub decision: ComparisonDecision,
}

/// The Kaplan–Markov decision after `n` draws with the discrepancies `found`, in a contest of
/// `ballots` ballots: confirmed once the p-value is at or below `alpha`; otherwise the draws
/// that would confirm if no more discrepancies turn up (rlacalc's `nmin` less `n`), unless
/// `escalate_after` draws have been made or the draws in all would reach the ballots, when a
/// full hand count is no more work.
pub fn assess(
    alpha: f64,
    n: u64,
    diluted_margin: f64,
    gamma: f64,
    found: &Discrepancies,
    ballots: u64,
    escalate_after: Option<u64>,
) -> Result<ComparisonAssessment, StatsError> {
    check_risk_limit(alpha)?;
    let p_value = kaplan_markov_p_value(n, diluted_margin, gamma, found)?.min(1.0);
    let decision = if p_value <= alpha {
        ComparisonDecision::Confirmed
    } else {
        let further = comparison_sample_size(alpha, diluted_margin, gamma, found)?
            .saturating_sub(n)
            .max(1);
        match escalate_after {
            Some(limit) if n >= limit => ComparisonDecision::FullHandCount {
                reason: format!(
                    "{n} draws have not confirmed the outcome (p-value {p_value:.4} > {alpha}), and \
                     the limit set before the audit is {limit} draws"
                ),
            },
            _ if n.saturating_add(further) >= ballots => ComparisonDecision::FullHandCount {
                reason: format!(
                    "the p-value is {p_value:.4} > {alpha}; confirming would take {further} more \
                     draws, {} in all, at least as many as the {ballots} ballots",
                    n + further
                ),
            },
            _ => ComparisonDecision::Continue {
                further_draws: further,
                next_first: n + 1,
            },
        }
    };
    Ok(ComparisonAssessment {
        p_value,
        gamma,
        discrepancies: *found,
        decision,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // rlacalc's doctests for nmin, based on Stark's "Gentle introduction", p. 5.
    #[test]
    fn rlacalc_sample_sizes() {
        let none = Discrepancies::default();
        let size = |alpha, m, d: &Discrepancies| {
            comparison_sample_size(alpha, m, DEFAULT_GAMMA, d).unwrap()
        };
        assert_eq!(size(0.1, 0.2, &none), 24);
        assert_eq!(size(0.1, 0.1, &none), 48);
        assert_eq!(size(0.1, 0.002, &none), 2393);
        assert_eq!(size(0.1, 0.05, &none), 96);
        assert_eq!(size(0.2, 0.05, &none), 67);
        let o1 = Discrepancies { o1: 1, ..none };
        assert_eq!(size(0.1, 0.05, &o1), 123);
        let o1u1 = Discrepancies {
            o1: 1,
            u1: 1,
            ..none
        };
        assert_eq!(size(0.1, 0.005, &o1u1), 1067);
    }

    #[test]
    fn rlacalc_p_value_doctest() {
        // New Hampshire 2016, one one-vote overstatement in 200 ballots.
        let margin = (354040.0 - 337589.0) / (354040.0 + 337589.0 + 33234.0);
        let p = kaplan_markov_p_value(
            200,
            margin,
            DEFAULT_GAMMA,
            &Discrepancies {
                o1: 1,
                ..Default::default()
            },
        )
        .unwrap();
        assert!((p / 0.21438135077031842 - 1.0).abs() < 1e-12, "{p}");
    }

    #[test]
    fn kaplan_markov_decides() {
        let none = Discrepancies::default();
        // rlacalc 0.4.0: no discrepancies in 200 ballots at a diluted margin of 0.05.
        let a = assess(0.05, 200, 0.05, DEFAULT_GAMMA, &none, 10_000, None).unwrap();
        let p = (1.0 - 0.05 / (2.0 * DEFAULT_GAMMA)).powi(200);
        assert!((a.p_value - p).abs() < 1e-15);
        assert!((a.p_value - 0.0076663).abs() < 5e-8, "{}", a.p_value);
        assert_eq!(a.decision, ComparisonDecision::Confirmed);
        // 50 clean draws are not enough: the plan's 125 in all.
        let a = assess(0.05, 50, 0.05, DEFAULT_GAMMA, &none, 10_000, None).unwrap();
        assert_eq!(
            a.decision,
            ComparisonDecision::Continue {
                further_draws: 75,
                next_first: 51
            }
        );
        let a = assess(0.05, 50, 0.05, DEFAULT_GAMMA, &none, 100, None).unwrap();
        assert!(matches!(
            a.decision,
            ComparisonDecision::FullHandCount { .. }
        ));
        let a = assess(0.05, 50, 0.05, DEFAULT_GAMMA, &none, 10_000, Some(50)).unwrap();
        assert!(matches!(
            a.decision,
            ComparisonDecision::FullHandCount { .. }
        ));
        // A two-vote overstatement costs many draws.
        let o2 = Discrepancies { o2: 1, ..none };
        let a = assess(0.05, 200, 0.05, DEFAULT_GAMMA, &o2, 10_000, None).unwrap();
        assert!(a.p_value > 0.05, "{}", a.p_value);
    }

    #[test]
    fn bad_input() {
        let d = Discrepancies::default();
        assert!(matches!(
            kaplan_markov_p_value(10, 0.0, DEFAULT_GAMMA, &d),
            Err(StatsError::ZeroMargin { .. })
        ));
        assert!(kaplan_markov_p_value(10, 0.1, 1.0, &d).is_err());
        assert!(kaplan_markov_p_value(10, -0.1, DEFAULT_GAMMA, &d).is_err());
        assert!(comparison_sample_size(0.0, 0.1, DEFAULT_GAMMA, &d).is_err());
    }
}
