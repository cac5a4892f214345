//! The Fellegi–Sunter model: for each column and level, m (how often true duplicates show it)
//! and u (how often two different people do). u comes from random pairs, as Splink does; m and
//! the share of duplicates come from expectation–maximisation over the candidate pairs' vectors,
//! counted by distinct vector so that an iteration costs the number of patterns, not pairs.
//! As in Splink, m is learnt in sessions, one per training rule, each over the candidates that
//! agree on the rule and blind to the columns it fixes, and the sessions' m are averaged: EM
//! over all candidates at once lets the commonest kind of candidate (namesakes, on a roll with
//! few names) pass for the duplicates.

use std::collections::HashMap;

use serde::Serialize;

use super::compare::{level_of, levels};

/// A level's parameters.
#[derive(Debug, Clone, Serialize)]
pub struct Level {
    pub label: &'static str,
    pub m: f64,
    pub u: f64,
}

/// A column's parameters, level by level ("missing" is left out: it weighs nothing).
#[derive(Debug, Clone, Serialize)]
pub struct Column {
    pub field: String,
    pub levels: Vec<Level>,
}

/// The estimated model.
#[derive(Debug, Clone, Serialize)]
pub struct Model {
    /// The probability that two records drawn at random are the same person.
    pub prior: f64,
    pub columns: Vec<Column>,
    /// EM iterations run, and the random pairs u was estimated from.
    pub iterations: usize,
    pub random_pairs: u64,
    /// The training sessions m was estimated in.
    pub sessions: Vec<Session>,
}

/// One EM training session: the candidate pairs that agree on a training rule, with the
/// columns the rule fixes left out (pairs chosen for agreeing there say nothing about them).
#[derive(Debug, Clone, Serialize)]
pub struct Session {
    /// The rule, written as `Rule::parse` reads it.
    pub rule: String,
    pub pairs: u64,
    /// The columns it learnt m for.
    pub learnt: Vec<String>,
    /// The share of its pairs EM took for duplicates.
    pub duplicates: f64,
    pub iterations: usize,
}

/// Counts of each level per column over some pairs: `counts[column][level]`.
pub(crate) fn tally(counts: &mut [Vec<u64>], gamma: u64, weight: u64) {
    for (c, row) in counts.iter_mut().enumerate() {
        row[level_of(gamma, c) as usize] += weight;
    }
}

/// Share of each level among the non-missing, with one pseudo-count per level so that a
/// level never seen in the sample is rare, not impossible.
pub(crate) fn shares(counts: &[u64]) -> Vec<f64> {
    let seen: u64 = counts[1..].iter().sum();
    let k = (counts.len() - 1) as f64;
    let mut out = vec![0.0];
    out.extend(
        counts[1..]
            .iter()
            .map(|&c| (c as f64 + 1.0 / k) / (seen as f64 + 1.0)),
    );
    out
}

const FLOOR: f64 = 1e-9;

/// EM over distinct comparison vectors (`patterns`: vector and how many pairs have it). The
/// columns marked in `skip` are left out: neither used nor learnt. With `fix_u`, u stays as
/// given (random pairs), as Splink trains; otherwise it is learnt too. Returns m per column and
/// level (a skipped column keeps its starting values), the share of duplicates among the
/// pairs, and the iterations run.
pub(crate) fn expectation_maximisation(
    patterns: &[(u64, u64)],
    u_random: &[Vec<f64>],
    skip: &[bool],
    fix_u: bool,
    max_iterations: usize,
) -> (Vec<Vec<f64>>, f64, usize) {
    let columns = u_random.len();
    let used: Vec<usize> = (0..columns).filter(|&c| !skip[c]).collect();
    // Start: duplicates mostly agree exactly, others as random pairs do.
    let mut m: Vec<Vec<f64>> = (0..columns)
        .map(|c| {
            let k = levels(c).len();
            let mut v = vec![0.0; k];
            for (l, x) in v.iter_mut().enumerate().skip(1) {
                *x = if l == k - 1 {
                    0.8
                } else {
                    0.2 / (k - 2) as f64
                };
            }
            v
        })
        .collect();
    let mut u = u_random.to_vec();
    let mut lambda = 0.1;
    let total: u64 = patterns.iter().map(|p| p.1).sum();
    if total == 0 {
        return (m, 0.0, 0);
    }
    let mut iterations = 0;
    for _ in 0..max_iterations {
        iterations += 1;
        let mut mc: Vec<Vec<f64>> = m.iter().map(|v| vec![0.0; v.len()]).collect();
        let mut uc = mc.clone();
        let mut matches = 0.0;
        for &(gamma, n) in patterns {
            let (mut pm, mut pu) = (lambda, 1.0 - lambda);
            for &c in &used {
                let l = level_of(gamma, c) as usize;
                if l != 0 {
                    pm *= m[c][l];
                    pu *= u[c][l];
                }
            }
            let w = if pm + pu > 0.0 { pm / (pm + pu) } else { 0.0 };
            let n = n as f64;
            matches += w * n;
            for &c in &used {
                let l = level_of(gamma, c) as usize;
                mc[c][l] += w * n;
                uc[c][l] += (1.0 - w) * n;
            }
        }
        let new_lambda = (matches / total as f64).clamp(FLOOR, 1.0 - FLOOR);
        let mut change = (new_lambda - lambda).abs();
        for &c in &used {
            let new_m = normalise(&mc[c]);
            change = new_m
                .iter()
                .zip(&m[c])
                .map(|(a, b)| (a - b).abs())
                .fold(change, f64::max);
            m[c] = new_m;
            if !fix_u {
                u[c] = normalise(&uc[c]);
            }
        }
        lambda = new_lambda;
        if change < 1e-7 {
            break;
        }
    }
    (m, lambda, iterations)
}

/// Shares of the non-missing levels, floored so that no level is impossible.
fn normalise(counts: &[f64]) -> Vec<f64> {
    let seen: f64 = counts[1..].iter().sum();
    let mut out = vec![0.0];
    out.extend(counts[1..].iter().map(|&c| {
        if seen > 0.0 {
            (c / seen).max(FLOOR)
        } else {
            1.0 / (counts.len() - 1) as f64
        }
    }));
    out
}

/// The share of duplicates among pairs with these vectors, m and u being known: EM on the one
/// remaining parameter.
pub(crate) fn share_of_duplicates(
    patterns: &[(u64, u64)],
    m: &[Vec<f64>],
    u: &[Vec<f64>],
    max_iterations: usize,
) -> f64 {
    let total: u64 = patterns.iter().map(|p| p.1).sum();
    if total == 0 {
        return 0.0;
    }
    // Each vector's Bayes factor m/u, once.
    let factors: Vec<(f64, f64)> = patterns
        .iter()
        .map(|&(gamma, n)| {
            let log2: f64 = (0..m.len())
                .map(|c| {
                    let l = level_of(gamma, c) as usize;
                    if l == 0 {
                        0.0
                    } else {
                        (m[c][l] / u[c][l]).log2()
                    }
                })
                .sum();
            (log2.exp2(), n as f64)
        })
        .collect();
    let mut lambda = 0.1;
    for _ in 0..max_iterations.max(1) * 10 {
        let odds = lambda / (1.0 - lambda);
        let matches: f64 = factors
            .iter()
            .map(|&(f, n)| {
                let o = odds * f;
                if o.is_infinite() {
                    n
                } else {
                    n * o / (1.0 + o)
                }
            })
            .sum();
        let new_lambda = (matches / total as f64).clamp(FLOOR, 1.0 - FLOOR);
        let change = (new_lambda - lambda).abs() / lambda;
        lambda = new_lambda;
        if change < 1e-9 {
            break;
        }
    }
    lambda
}

/// The match weight (log2 Bayes factor) of each distinct vector, before term frequencies.
pub(crate) fn pattern_weights(
    patterns: &[(u64, u64)],
    m: &[Vec<f64>],
    u: &[Vec<f64>],
) -> HashMap<u64, f64> {
    patterns
        .iter()
        .map(|&(gamma, _)| {
            let w = (0..m.len())
                .map(|c| {
                    let l = level_of(gamma, c) as usize;
                    if l == 0 {
                        0.0
                    } else {
                        (m[c][l] / u[c][l]).log2()
                    }
                })
                .sum();
            (gamma, w)
        })
        .collect()
}

/// Probability from a match weight and the prior's log odds.
pub(crate) fn probability(weight: f64) -> f64 {
    1.0 / (1.0 + (-weight).exp2())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two columns of 7 levels (names); duplicates agree exactly, others differ.
    #[test]
    fn em_separates_duplicates_from_others() {
        let exact = 6u64 | 6 << 3;
        let differ = 1u64 | 1 << 3;
        let one = 6u64 | 1 << 3;
        let patterns = [(exact, 100), (differ, 880), (one, 20)];
        let u = vec![
            vec![0.0, 0.9, 0.02, 0.02, 0.02, 0.02, 0.02],
            vec![0.0, 0.9, 0.02, 0.02, 0.02, 0.02, 0.02],
        ];
        let (m, lambda, _) = expectation_maximisation(&patterns, &u, &[false; 2], false, 200);
        assert!((lambda - 0.1).abs() < 0.03, "{lambda}");
        assert!(m[0][6] > 0.9 && m[1][6] > 0.8, "{m:?}");
        let w = pattern_weights(&patterns, &m, &u);
        assert!(w[&exact] > 5.0 && w[&differ] < 0.0);
        assert!((probability(0.0) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn unseen_levels_are_rare_not_impossible() {
        let s = shares(&[5, 100, 0, 0]);
        assert!(s[2] > 0.0 && s[2] < 0.01);
        assert!((s[1..].iter().sum::<f64>() - 1.0).abs() < 1e-9);
    }
}
