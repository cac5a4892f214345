//! Election forensics over station-level results: tests that look for numbers that were
//! written rather than counted.
//!
//! - [`integer_percentages`]: the integer-percentage test of Kobak, Shpilkin & Pshenichnikov
//!   (2016) with its binomial Monte Carlo null;
//! - [`eft_tests`]: the Election Forensics Toolkit tests (Mebane; Kalinin): 2BL, last digit,
//!   C05s, P05s, skewness, kurtosis, the dip test, the Sobyanin–Sukhovolsky measure and the
//!   turnout–share correlation, each with a bootstrap interval;
//! - [`fingerprint`] and [`fit_fraud_model`]: the election fingerprint of Klimek et al.
//!   (2012), drawn as SVG, and its fraud-model fit;
//! - [`red_flags`]: stations whose numbers cannot be, or are suspiciously neat.
//!
//! Everything is pure and deterministic: the same stations and seed give the same result
//! on any number of threads. Formulas and sources are in `docs/methods.md`, section 10.

mod dip;
mod eft;
mod fingerprint;
mod flags;
mod integer;
pub mod rng;

pub use dip::dip_statistic;
pub use eft::{EftOptions, EftReport, EftVariable, Estimate, eft_tests};
pub use fingerprint::{Fingerprint, FraudFit, FraudFitOptions, fingerprint, fit_fraud_model};
pub use flags::{
    FlagOptions, IdenticalForms, RedFlag, RedFlagReport, SourceDisagreement, StationFlags,
    red_flags,
};
pub use integer::{IntegerOptions, IntegerTest, integer_percentages};

use serde::Serialize;

use crate::StatsError;

/// One station's result form, as the forensics need it. `None` is a figure the form does
/// not give (never zero).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StationCounts {
    pub id: String,
    pub registered: Option<u64>,
    pub ballots_issued: Option<u64>,
    pub valid: Option<u64>,
    pub invalid: Option<u64>,
    /// Valid + invalid, where the form gives it as one figure.
    pub total: Option<u64>,
    /// Votes per choice, in ballot order.
    pub votes: Vec<Option<u64>>,
}

impl StationCounts {
    /// Ballots counted: valid + invalid, or the form's total if those are not both given.
    pub fn ballots(&self) -> Option<u64> {
        match (self.valid, self.invalid) {
            // A sum past u64 cannot be a real count; treat it as not given.
            (Some(v), Some(i)) => v.checked_add(i),
            _ => self.total,
        }
    }

    /// Voters who took part: ballots issued where the form has them, else ballots counted.
    pub fn voters(&self) -> Option<u64> {
        self.ballots_issued.or_else(|| self.ballots())
    }

    /// Turnout, voters / registered, when both are known and registered > 0.
    pub fn turnout(&self) -> Option<f64> {
        match (self.voters(), self.registered) {
            (Some(v), Some(r)) if r > 0 => Some(v as f64 / r as f64),
            _ => None,
        }
    }

    /// Share of ballots counted that went to `choice`, when known and ballots > 0.
    pub fn share(&self, choice: usize) -> Option<f64> {
        match (self.votes.get(choice).copied().flatten(), self.ballots()) {
            (Some(v), Some(b)) if b > 0 => Some(v as f64 / b as f64),
            _ => None,
        }
    }
}

/// The choice with the most votes over all stations (the "leader" or "winner" of the
/// forensics literature); ties go to the earlier choice in ballot order.
pub fn leader(stations: &[StationCounts]) -> Result<usize, StatsError> {
    let choices = check_choices(stations)?;
    let mut totals = vec![0u128; choices];
    for s in stations {
        for (t, v) in totals.iter_mut().zip(&s.votes) {
            *t += v.unwrap_or(0) as u128;
        }
    }
    let mut best = 0;
    for (i, t) in totals.iter().enumerate() {
        if *t > totals[best] {
            best = i;
        }
    }
    Ok(best)
}

/// Checks that there are stations and that each has one vote figure per choice; returns the
/// number of choices.
pub(crate) fn check_choices(stations: &[StationCounts]) -> Result<usize, StatsError> {
    let first = stations.first().ok_or(StatsError::EmptySample {
        what: "no station results were given",
    })?;
    let choices = first.votes.len();
    if choices == 0 {
        return Err(StatsError::InvalidContest {
            reason: "the stations have no vote figures".into(),
        });
    }
    for s in stations {
        if s.votes.len() != choices {
            return Err(StatsError::ChoiceCountMismatch {
                station: s.id.clone(),
                expected: choices,
                got: s.votes.len(),
            });
        }
    }
    Ok(choices)
}

pub(crate) fn check_choice(choice: usize, choices: usize) -> Result<(), StatsError> {
    if choice >= choices {
        return Err(StatsError::InvalidContest {
            reason: format!("choice {choice} does not exist; the contest has {choices} choices"),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Absurd figures (zeros, u64::MAX, votes above ballots, more voters than registered)
    /// give results or errors from every test, never a panic or an overflow.
    #[test]
    fn absurd_figures_never_panic() {
        let big = u64::MAX;
        let mut stations = Vec::new();
        for (i, (r, u, v, n, a, b)) in [
            (0, 0, 0, 0, 0, 0),
            (big, big, big, big, big, big),
            (100, 500, 10, 0, 400, 300),
            (1 << 41, 1 << 40, 1 << 40, 0, 1 << 39, 1 << 39),
            (150, 120, 110, 5, 60, 50),
            (150, 120, 110, 5, 60, 50),
            (1000, 0, 0, 0, 0, 0),
        ]
        .into_iter()
        // Enough ordinary stations that the fraud fit runs over the absurd ones too.
        .chain((0..20).map(|k| (300 + k, 200, 190, 10, 100 + k, 90 - k)))
        .enumerate()
        {
            stations.push(StationCounts {
                id: i.to_string(),
                registered: Some(r),
                ballots_issued: Some(u),
                valid: Some(v),
                invalid: Some(n),
                total: None,
                votes: vec![Some(a), Some(b)],
            });
        }
        stations.push(StationCounts {
            id: "blank".into(),
            votes: vec![None, None],
            ..Default::default()
        });
        let names = vec!["A".to_string(), "B".to_string()];
        let _ = leader(&stations);
        let _ = integer_percentages(
            &stations,
            0,
            &IntegerOptions {
                replicates: 10,
                ..Default::default()
            },
            &|| {},
        );
        let _ = eft_tests(
            &stations,
            &names,
            &EftOptions {
                bootstrap: 10,
                dip_null: 5,
                ..Default::default()
            },
            &|| {},
        );
        let _ = fingerprint(&stations, 1, 100).map(|f| f.svg("t", "A"));
        assert!(fit_fraud_model(&stations, 0, &FraudFitOptions::default()).is_ok());
        let others = vec![("copy".to_string(), stations.clone())];
        let r = red_flags(&stations, &others, 0, &FlagOptions::default()).unwrap();
        assert!(r.totals.contains_key(&RedFlag::TurnoutAbove100));
    }
}
