//! Risk-limiting audits of the paper ballots: ballot polling (BRAVO), batch comparison with
//! the polling station as the batch (MACRO, as VotingWorks Arlo runs it), and the
//! Kaplan–Markov p-value of ballot-level comparison audits.
//!
//! The *risk* of an audit is the largest chance that it confirms a wrong reported outcome.
//! Every audit here stops only when the measured risk is at or below the risk limit `alpha`;
//! otherwise it asks for more ballots or stations, and in the end for a full hand count.

pub mod batch;
pub mod bravo;
pub mod comparison;

use serde::Serialize;

use crate::StatsError;

/// One contest as reported: its choices in ballot order, the reported votes for each, the
/// number of ballots cast in it and how many seats it fills.
///
/// Reported winners are the `num_winners` choices with the most votes; equal votes keep ballot
/// order. A tie across the winner/loser line is kept (not resolved): no audit can confirm it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contest {
    pub name: String,
    pub choices: Vec<String>,
    pub reported_votes: Vec<u64>,
    pub ballots_cast: u64,
    pub num_winners: usize,
    /// Indices into `choices`, most votes first.
    pub winners: Vec<usize>,
    /// Indices into `choices`, most votes first.
    pub losers: Vec<usize>,
}

impl Contest {
    pub fn new(
        name: &str,
        choices: &[(&str, u64)],
        ballots_cast: u64,
        num_winners: usize,
    ) -> Result<Contest, StatsError> {
        let invalid = |reason: String| StatsError::InvalidContest { reason };
        if choices.len() < 2 {
            return Err(invalid(format!(
                "contest {name:?} has {} choices; an audit needs at least a winner and a loser",
                choices.len()
            )));
        }
        if num_winners == 0 || num_winners >= choices.len() {
            return Err(invalid(format!(
                "contest {name:?} has {} choices and {num_winners} winners; \
                 there must be at least one winner and one loser",
                choices.len()
            )));
        }
        if ballots_cast == 0 {
            return Err(invalid(format!("contest {name:?} has no ballots cast")));
        }
        for (i, (choice, votes)) in choices.iter().enumerate() {
            if choices[..i].iter().any(|(c, _)| c == choice) {
                return Err(invalid(format!("choice {choice:?} is listed twice")));
            }
            if *votes > ballots_cast {
                return Err(invalid(format!(
                    "choice {choice:?} has {votes} votes but only {ballots_cast} ballots were cast"
                )));
            }
        }
        let mut order: Vec<usize> = (0..choices.len()).collect();
        order.sort_by(|&a, &b| choices[b].1.cmp(&choices[a].1)); // stable: ballot order on ties
        let losers = order.split_off(num_winners);
        Ok(Contest {
            name: name.to_string(),
            choices: choices.iter().map(|(c, _)| c.to_string()).collect(),
            reported_votes: choices.iter().map(|(_, v)| *v).collect(),
            ballots_cast,
            num_winners,
            winners: order,
            losers,
        })
    }

    /// Every (winner, loser) pair, as indices into `choices`.
    pub fn pairs(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.winners
            .iter()
            .flat_map(move |&w| self.losers.iter().map(move |&l| (w, l)))
    }

    /// The position of a choice by name.
    pub fn choice_index(&self, choice: &str) -> Result<usize, StatsError> {
        self.choices
            .iter()
            .position(|c| c == choice)
            .ok_or_else(|| StatsError::UnknownChoice {
                choice: choice.to_string(),
            })
    }

    /// The smallest winner-minus-loser vote margin over all pairs.
    pub fn smallest_margin(&self) -> u64 {
        self.pairs()
            .map(|(w, l)| self.reported_votes[w] - self.reported_votes[l])
            .min()
            .unwrap_or(0)
    }

    /// The smallest margin as a share of ballots cast (the "diluted margin").
    pub fn diluted_margin(&self) -> f64 {
        self.smallest_margin() as f64 / self.ballots_cast as f64
    }

    /// The first winner–loser pair with equal reported votes, if any.
    pub fn reported_tie(&self) -> Option<(usize, usize)> {
        self.pairs()
            .find(|&(w, l)| self.reported_votes[w] == self.reported_votes[l])
    }

    pub(crate) fn zero_margin_error(&self, (w, l): (usize, usize)) -> StatsError {
        StatsError::ZeroMargin {
            winner: self.choices[w].clone(),
            loser: self.choices[l].clone(),
        }
    }
}

pub(crate) fn check_risk_limit(alpha: f64) -> Result<(), StatsError> {
    crate::error::check_probability("the risk limit", alpha, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn winners_and_losers() {
        let c = Contest::new(
            "Mayor",
            &[("A", 30), ("B", 50), ("C", 20), ("D", 50)],
            160,
            2,
        )
        .unwrap();
        assert_eq!(c.winners, vec![1, 3]);
        assert_eq!(c.losers, vec![0, 2]);
        assert_eq!(c.pairs().count(), 4);
        assert_eq!(c.smallest_margin(), 20);
        assert_eq!(c.reported_tie(), None);
        let tied = Contest::new("T", &[("A", 30), ("B", 30), ("C", 1)], 61, 1).unwrap();
        assert_eq!(tied.reported_tie(), Some((0, 1)));
        assert_eq!(tied.diluted_margin(), 0.0);
    }

    #[test]
    fn inconsistent_contests_are_refused() {
        assert!(Contest::new("x", &[("A", 1)], 1, 1).is_err());
        assert!(Contest::new("x", &[("A", 1), ("B", 1)], 2, 2).is_err());
        assert!(Contest::new("x", &[("A", 1), ("B", 1)], 2, 0).is_err());
        assert!(Contest::new("x", &[("A", 1), ("B", 1)], 0, 1).is_err());
        assert!(Contest::new("x", &[("A", 5), ("B", 1)], 4, 1).is_err());
        assert!(Contest::new("x", &[("A", 1), ("A", 1)], 4, 1).is_err());
    }
}
