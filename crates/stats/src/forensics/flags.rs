//! Station-level red flags: numbers that cannot be, numbers that are suspiciously neat, and
//! copies of the same result form that disagree.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::{StationCounts, check_choice, check_choices};
use crate::StatsError;

/// Thresholds of the red flags.
#[derive(Debug, Clone, Serialize)]
pub struct FlagOptions {
    /// Turnout at or above this percentage is flagged (100% and above has its own flag).
    pub turnout_threshold_percent: u64,
    /// Identical forms and round percentages are only flagged at stations with at least
    /// this many ballots (or registered voters, for turnout): small stations repeat by
    /// chance.
    pub min_ballots: u64,
}

impl Default for FlagOptions {
    fn default() -> Self {
        FlagOptions {
            turnout_threshold_percent: 95,
            min_ballots: 100,
        }
    }
}

/// One kind of red flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RedFlag {
    /// More voters than registered voters.
    TurnoutAbove100,
    /// Turnout at or above the threshold, but not above 100%.
    TurnoutAboveThreshold,
    /// The votes for the choices add up to more than the valid ballots.
    VotesAboveValid,
    /// More ballots counted (valid + invalid) than ballots issued.
    BallotsAboveIssued,
    /// Every figure of the form (registered, issued, valid, invalid, votes) the same as
    /// another station's: a copied protocol.
    IdenticalForm,
    /// Turnout or the winner's share is exactly a multiple of 5%.
    RoundPercent,
    /// Another source's copy of the form gives different figures.
    SourceDisagreement,
}

impl RedFlag {
    pub fn describe(self) -> &'static str {
        match self {
            RedFlag::TurnoutAbove100 => "turnout above 100%",
            RedFlag::TurnoutAboveThreshold => "turnout at or above the threshold",
            RedFlag::VotesAboveValid => "votes add up to more than the valid ballots",
            RedFlag::BallotsAboveIssued => "more ballots counted than issued",
            RedFlag::IdenticalForm => "result form identical to another station's",
            RedFlag::RoundPercent => "turnout or winner's share exactly a multiple of 5%",
            RedFlag::SourceDisagreement => "another source's copy disagrees",
        }
    }
}

/// The flags raised at one station.
#[derive(Debug, Clone, Serialize)]
pub struct StationFlags {
    pub station: String,
    pub flags: Vec<RedFlag>,
}

/// A group of stations whose result forms are identical.
#[derive(Debug, Clone, Serialize)]
pub struct IdenticalForms {
    pub stations: Vec<String>,
    pub registered: Option<u64>,
    pub ballots_issued: Option<u64>,
    pub valid: Option<u64>,
    pub invalid: Option<u64>,
    pub votes: Vec<Option<u64>>,
}

/// One figure on which two copies of a form differ.
#[derive(Debug, Clone, Serialize)]
pub struct FieldDifference {
    pub field: String,
    pub reference: u64,
    pub other: u64,
}

/// A station where another source's copy differs from the reference copy.
#[derive(Debug, Clone, Serialize)]
pub struct SourceDisagreement {
    pub station: String,
    pub source: String,
    pub differences: Vec<FieldDifference>,
}

/// Comparison of one other source with the reference.
#[derive(Debug, Clone, Serialize)]
pub struct SourceComparison {
    pub source: String,
    /// Stations where both copies give at least one common figure.
    pub compared: usize,
    /// Of those, stations where some common figure differs.
    pub disagreeing: usize,
}

/// Every red flag, station by station, with totals.
#[derive(Debug, Clone, Serialize)]
pub struct RedFlagReport {
    pub stations: usize,
    pub options: FlagOptions,
    /// Stations raising each flag.
    pub totals: BTreeMap<RedFlag, usize>,
    /// Stations with at least one flag, in input order.
    pub flagged: Vec<StationFlags>,
    /// Groups of identical forms, largest first.
    pub identical: Vec<IdenticalForms>,
    pub comparisons: Vec<SourceComparison>,
    pub disagreements: Vec<SourceDisagreement>,
}

/// Raises the red flags of `stations` (the reference copy); `others` are other sources'
/// copies, matched to the reference by station id.
pub fn red_flags(
    stations: &[StationCounts],
    others: &[(String, Vec<StationCounts>)],
    winner: usize,
    options: &FlagOptions,
) -> Result<RedFlagReport, StatsError> {
    let choices = check_choices(stations)?;
    check_choice(winner, choices)?;
    let mut flags: Vec<Vec<RedFlag>> = vec![Vec::new(); stations.len()];

    for (s, f) in stations.iter().zip(&mut flags) {
        if let (Some(v), Some(r)) = (s.voters(), s.registered) {
            if v > r {
                f.push(RedFlag::TurnoutAbove100);
            } else if r > 0
                && 100 * v as u128 >= options.turnout_threshold_percent as u128 * r as u128
            {
                f.push(RedFlag::TurnoutAboveThreshold);
            }
        }
        let votes: Option<u128> = s.votes.iter().map(|v| v.map(u128::from)).sum();
        if let (Some(valid), Some(votes)) = (s.valid, votes)
            && votes > valid as u128
        {
            f.push(RedFlag::VotesAboveValid);
        }
        if let (Some(b), Some(i)) = (s.ballots(), s.ballots_issued)
            && b > i
        {
            f.push(RedFlag::BallotsAboveIssued);
        }
        let round = |num: Option<u64>, den: Option<u64>| match (num, den) {
            (Some(n), Some(d)) => {
                n > 0 && d >= options.min_ballots && (20 * n as u128).is_multiple_of(d as u128)
            }
            _ => false,
        };
        if round(s.voters(), s.registered) || round(s.votes[winner], s.ballots()) {
            f.push(RedFlag::RoundPercent);
        }
    }

    // Identical forms: every figure the same, at stations large enough that chance
    // repeats are rare (with two choices and no registered count, small forms repeat often).
    type Form<'a> = (
        &'a [Option<u64>],
        Option<u64>,
        Option<u64>,
        Option<u64>,
        Option<u64>,
    );
    let mut groups: HashMap<Form, Vec<usize>> = HashMap::new();
    for (i, s) in stations.iter().enumerate() {
        if s.ballots().is_some_and(|b| b >= options.min_ballots)
            && s.votes.iter().all(Option::is_some)
        {
            groups
                .entry((&s.votes, s.valid, s.invalid, s.registered, s.ballots_issued))
                .or_default()
                .push(i);
        }
    }
    let mut identical: Vec<Vec<usize>> = groups.into_values().filter(|g| g.len() > 1).collect();
    identical.sort_by(|a, b| b.len().cmp(&a.len()).then(a[0].cmp(&b[0])));
    for g in &identical {
        for &i in g {
            flags[i].push(RedFlag::IdenticalForm);
        }
    }

    let index: HashMap<&str, usize> = stations
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    let mut comparisons = Vec::new();
    let mut disagreements = Vec::new();
    for (name, copies) in others {
        let (mut compared, mut disagreeing) = (0, 0);
        for other in copies {
            let Some(&i) = index.get(other.id.as_str()) else {
                continue;
            };
            let reference = &stations[i];
            let mut fields: Vec<(String, Option<u64>, Option<u64>)> = vec![
                ("valid".into(), reference.valid, other.valid),
                ("invalid".into(), reference.invalid, other.invalid),
                ("total".into(), reference.total, other.total),
            ];
            for (c, (a, b)) in reference.votes.iter().zip(&other.votes).enumerate() {
                fields.push((format!("votes[{c}]"), *a, *b));
            }
            let common: Vec<(String, u64, u64)> = fields
                .into_iter()
                .filter_map(|(f, a, b)| Some((f, a?, b?)))
                .collect();
            if common.is_empty() {
                continue;
            }
            compared += 1;
            let differences: Vec<FieldDifference> = common
                .into_iter()
                .filter(|(_, a, b)| a != b)
                .map(|(field, reference, other)| FieldDifference {
                    field,
                    reference,
                    other,
                })
                .collect();
            if !differences.is_empty() {
                disagreeing += 1;
                if !flags[i].contains(&RedFlag::SourceDisagreement) {
                    flags[i].push(RedFlag::SourceDisagreement);
                }
                disagreements.push(SourceDisagreement {
                    station: reference.id.clone(),
                    source: name.clone(),
                    differences,
                });
            }
        }
        comparisons.push(SourceComparison {
            source: name.clone(),
            compared,
            disagreeing,
        });
    }

    let mut totals = BTreeMap::new();
    let mut flagged = Vec::new();
    for (s, mut f) in stations.iter().zip(flags) {
        if f.is_empty() {
            continue;
        }
        f.sort();
        for &flag in &f {
            *totals.entry(flag).or_insert(0) += 1;
        }
        flagged.push(StationFlags {
            station: s.id.clone(),
            flags: f,
        });
    }
    Ok(RedFlagReport {
        stations: stations.len(),
        options: options.clone(),
        totals,
        flagged,
        identical: identical
            .iter()
            .map(|g| {
                let s = &stations[g[0]];
                IdenticalForms {
                    stations: g.iter().map(|&i| stations[i].id.clone()).collect(),
                    registered: s.registered,
                    ballots_issued: s.ballots_issued,
                    valid: s.valid,
                    invalid: s.invalid,
                    votes: s.votes.clone(),
                }
            })
            .collect(),
        comparisons,
        disagreements,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(
        id: &str,
        registered: u64,
        issued: u64,
        valid: u64,
        invalid: u64,
        votes: &[u64],
    ) -> StationCounts {
        StationCounts {
            id: id.into(),
            registered: Some(registered),
            ballots_issued: Some(issued),
            valid: Some(valid),
            invalid: Some(invalid),
            total: None,
            votes: votes.iter().map(|&v| Some(v)).collect(),
        }
    }

    #[test]
    fn each_flag_is_raised_where_it_should_be_and_nowhere_else() {
        let stations = vec![
            s("clean", 1000, 613, 600, 13, &[301, 299]),
            s("over", 1000, 1010, 1000, 10, &[501, 499]),
            s("high", 1000, 960, 950, 10, &[601, 349]),
            s("sum", 1000, 613, 600, 13, &[401, 299]),
            s("stuffed", 1000, 613, 620, 13, &[321, 299]),
            s("twin1", 1000, 517, 500, 17, &[201, 299]),
            s("twin2", 1000, 517, 500, 17, &[201, 299]),
            s("cousin", 1100, 517, 500, 17, &[201, 299]),
            s("round", 1000, 700, 690, 10, &[301, 389]),
        ];
        let others = vec![(
            "party".to_string(),
            vec![
                s("clean", 1000, 613, 600, 13, &[301, 299]),
                s("high", 1000, 960, 950, 10, &[591, 359]),
                s("nowhere", 1000, 613, 600, 13, &[301, 299]),
            ],
        )];
        let r = red_flags(&stations, &others, 0, &FlagOptions::default()).unwrap();
        let of = |id: &str| -> Vec<RedFlag> {
            r.flagged
                .iter()
                .find(|f| f.station == id)
                .map(|f| f.flags.clone())
                .unwrap_or_default()
        };
        assert_eq!(of("clean"), vec![]);
        assert_eq!(of("over"), vec![RedFlag::TurnoutAbove100]);
        assert_eq!(
            of("high"),
            vec![RedFlag::TurnoutAboveThreshold, RedFlag::SourceDisagreement]
        );
        assert_eq!(of("sum"), vec![RedFlag::VotesAboveValid]);
        assert_eq!(of("stuffed"), vec![RedFlag::BallotsAboveIssued]);
        assert_eq!(of("twin1"), vec![RedFlag::IdenticalForm]);
        assert_eq!(of("twin2"), vec![RedFlag::IdenticalForm]);
        // Same votes, but a different register: not a copied form.
        assert_eq!(of("cousin"), vec![]);
        assert_eq!(of("round"), vec![RedFlag::RoundPercent]);
        assert_eq!(r.identical.len(), 1);
        assert_eq!(r.identical[0].stations, ["twin1", "twin2"]);
        assert_eq!(r.comparisons[0].compared, 2);
        assert_eq!(r.comparisons[0].disagreeing, 1);
        let d = &r.disagreements[0];
        assert_eq!(d.station, "high");
        assert_eq!(d.differences.len(), 2);
        assert_eq!(
            (d.differences[0].reference, d.differences[0].other),
            (601, 591)
        );
        assert_eq!(r.totals[&RedFlag::IdenticalForm], 2);
    }

    #[test]
    fn missing_figures_raise_nothing() {
        let mut st = s("a", 1000, 613, 600, 13, &[301, 299]);
        st.registered = None;
        st.valid = None;
        st.votes[0] = None;
        let r = red_flags(&[st], &[], 1, &FlagOptions::default()).unwrap();
        assert!(r.flagged.is_empty());
    }
}
