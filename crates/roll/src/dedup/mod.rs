//! Deduplication of a voter roll, after Fellegi and Sunter and as Splink does it: blocking
//! rules choose the candidate pairs, each pair is compared field by field into levels, m and u
//! are estimated from the data itself (u from random pairs, m and the share of duplicates by
//! expectation–maximisation), exact agreement on a common value weighs less than on a rare one
//! (term frequency adjustment), and each pair gets a match probability and an explanation.
//! Pairs at or above the threshold are joined into clusters (connected components).
//!
//! Memory is bounded by the records (compact, prepared once) and the candidate pairs (16 bytes
//! each, capped by `Settings::max_pairs`); blocks larger than `Settings::max_block` are skipped
//! and counted, so a loose rule cannot make the work quadratic.

mod block;
mod compare;
mod model;

use std::collections::HashMap;

use rayon::prelude::*;
use serde::Serialize;

use crate::name::{LatinKey, PersonName};
pub use block::{Key, Rule};
use compare::{FAMILY, FIXED, GIVEN, MAX_COLUMNS, Ready, STATION, level_of, levels};
pub use model::{Column, Level, Model};

/// A voter's date of birth, or only its year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Birth {
    pub year: u16,
    pub month: Option<u8>,
    pub day: Option<u8>,
}

/// One record of the roll, as deduplication sees it. Every field but the id may be missing.
#[derive(Debug, Clone, Default)]
pub struct Record {
    pub id: String,
    pub name: PersonName,
    pub birth: Option<Birth>,
    pub sex: Option<char>,
    pub station: Option<String>,
    /// The area the voter lives in above the station (a district, say): a voter registered
    /// again after moving village stays in it, where a namesake seldom is.
    pub area: Option<String>,
    /// The other fields, in the order of `Settings::fields`.
    pub fields: Vec<Option<String>>,
}

/// How to deduplicate.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The names of the records' other fields (an address, an ID number...), each compared
    /// exactly and by edit distance, with term frequencies.
    pub fields: Vec<String>,
    pub latin: LatinKey,
    /// Candidate pairs are those that agree on every key of at least one rule.
    pub rules: Vec<Rule>,
    /// m is learnt once per training rule, over the candidates that agree on it, leaving out
    /// the columns it fixes. A training rule trains only if it is also a blocking rule that
    /// ran (not left out for its size).
    pub training: Vec<Rule>,
    /// Pairs at or above this probability are duplicates.
    pub threshold: f64,
    /// A block (records sharing a rule's key) larger than this is skipped.
    pub max_block: usize,
    /// A rule that would compare more pairs than this is left out (and reported).
    pub max_rule_pairs: usize,
    /// More candidate pairs than this is an error: the rules are too loose.
    pub max_pairs: usize,
    /// Random pairs drawn to estimate u.
    pub random_pairs: usize,
    pub seed: u64,
    pub max_iterations: usize,
}

impl Settings {
    /// The default settings for records with these other fields. Blocking rules, strict ones
    /// first: the names (in either order, both scripts exact), their matching keys with the
    /// birth year, with the station and with the area, each name's key with the date of birth,
    /// with the birth year and the area, and with the station, the birth year
    /// with the station; then the looser ones, which a large roll leaves out
    /// (`max_rule_pairs`): each name with the birth year, both keys, the full date of birth,
    /// each other field, and each name alone.
    pub fn new(fields: Vec<String>, latin: LatinKey) -> Settings {
        let mut rules: Vec<Rule> = [
            vec![Key::Names],
            vec![Key::NamesKey, Key::BirthYear],
            vec![Key::NamesKey, Key::Station],
            vec![Key::NamesKey, Key::Area],
            // One name mistyped, the voter moved: the other name with the full date of birth,
            // or with the birth year and the area.
            vec![Key::FamilyKey, Key::BirthDate],
            vec![Key::GivenKey, Key::BirthDate],
            vec![Key::FamilyKey, Key::BirthYear, Key::Area],
            vec![Key::GivenKey, Key::BirthYear, Key::Area],
            vec![Key::FamilyKey, Key::Station],
            vec![Key::GivenKey, Key::Station],
            // Apart from the names, so that EM also sees pairs whose names differ.
            vec![Key::BirthYear, Key::Station],
            vec![Key::Family, Key::BirthYear],
            vec![Key::Given, Key::BirthYear],
            vec![Key::FamilyKey, Key::GivenKey],
            vec![Key::BirthDate],
        ]
        .into_iter()
        .map(Rule)
        .collect();
        rules.extend((0..fields.len()).map(|i| Rule(vec![Key::Field(i)])));
        rules.push(Rule(vec![Key::Given]));
        rules.push(Rule(vec![Key::Family]));
        // Names agreeing teaches how duplicates differ in birth, sex, station and the other
        // fields; a birth date, or a birth year at one station, teaches how their names differ.
        let training = [
            vec![Key::Names],
            vec![Key::BirthDate],
            vec![Key::BirthYear, Key::Station],
        ]
        .into_iter()
        .map(Rule)
        .collect();
        Settings {
            fields,
            latin,
            rules,
            training,
            threshold: 0.5,
            max_block: 500,
            max_rule_pairs: 10_000_000,
            max_pairs: 50_000_000,
            random_pairs: 1_000_000,
            seed: 42,
            max_iterations: 100,
        }
    }

    /// The column names of the comparison vector.
    pub fn columns(&self) -> Vec<String> {
        let mut out: Vec<String> = ["family", "given", "birth", "sex", "station"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        out.extend(self.fields.iter().cloned());
        out
    }
}

/// Why deduplication could not run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "record {record} (id {id:?}) has {found} other fields where the settings name {expected}"
    )]
    Fields {
        record: usize,
        id: String,
        found: usize,
        expected: usize,
    },
    #[error("{0} other fields: at most {max} can be compared", max = MAX_COLUMNS - FIXED)]
    TooManyFields(usize),
    #[error("the blocking rules give more than {0} candidate pairs; use stricter rules")]
    TooManyPairs(usize),
    #[error("{0} records: at most 4294967295 can be deduplicated at once")]
    TooManyRecords(usize),
    #[error("blocking rule {0}: {1}")]
    Rule(String, String),
}

/// Reports progress; every method has a default that does nothing.
pub trait Progress: Sync {
    fn stage(&self, _name: &str, _total: u64) {}
    fn advance(&self, _n: u64) {}
}

/// No progress reports.
pub struct Quiet;
impl Progress for Quiet {}

/// A pair of records and how likely they are the same person.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pair {
    /// Indexes into the records, `a < b`.
    pub a: u32,
    pub b: u32,
    pub probability: f64,
    /// log2 of the odds, prior included.
    pub weight: f64,
    /// The family and given names agree only crosswise.
    pub swapped: bool,
    gamma: u64,
}

/// What one field contributed to a pair's weight.
#[derive(Debug, Clone, Serialize)]
pub struct Agreement {
    pub field: String,
    pub level: &'static str,
    /// log2 Bayes factor, term frequency included.
    pub weight: f64,
}

/// What a run found.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub records: usize,
    pub candidate_pairs: usize,
    /// Blocks over `max_block`, skipped, and the pairs they would have made.
    pub skipped_blocks: usize,
    pub skipped_pairs: u64,
    /// Rules left out because they would compare more than `max_rule_pairs` pairs, each with
    /// that number.
    pub skipped_rules: Vec<(String, u64)>,
    pub duplicate_pairs: usize,
    pub clusters: usize,
    pub threshold: f64,
}

/// A deduplication of some records: the records prepared for comparison, the model estimated
/// from them, the pairs at or above the threshold and their clusters.
pub struct Dedup {
    settings: Settings,
    ids: Vec<String>,
    /// Term frequency of each record's value, for the name, station and other-field columns.
    tf: Vec<f32>,
    tf_columns: usize,
    m: Vec<Vec<f64>>,
    u: Vec<Vec<f64>>,
    pub model: Model,
    pub pairs: Vec<Pair>,
    pub summary: Summary,
}

impl Dedup {
    /// Runs the whole deduplication.
    pub fn run(
        records: Vec<Record>,
        settings: Settings,
        progress: &dyn Progress,
    ) -> Result<Dedup, Error> {
        let n = records.len();
        if u32::try_from(n).is_err() {
            return Err(Error::TooManyRecords(n));
        }
        if settings.fields.len() > MAX_COLUMNS - FIXED {
            return Err(Error::TooManyFields(settings.fields.len()));
        }
        for (i, r) in records.iter().enumerate() {
            if r.fields.len() != settings.fields.len() {
                return Err(Error::Fields {
                    record: i,
                    id: r.id.clone(),
                    found: r.fields.len(),
                    expected: settings.fields.len(),
                });
            }
        }
        for rule in &settings.rules {
            rule.check(&settings.fields)?;
        }
        progress.stage("preparing records", n as u64);
        let mut ids = Vec::with_capacity(n);
        let mut ready = Vec::with_capacity(n);
        for r in records {
            ready.push(Ready::new(&r, settings.latin));
            ids.push(r.id);
            progress.advance(1);
        }
        let (tf, tf_columns) = term_frequencies(&ready);
        let columns = FIXED + settings.fields.len();

        progress.stage(
            "estimating u from random pairs",
            settings.random_pairs as u64,
        );
        let (u, random_pairs) = estimate_u(&ready, columns, &settings, progress);

        let candidates = block::candidates(&ready, &settings, progress)?;
        progress.stage("estimating m by expectation-maximisation", 0);
        // A training rule trains only where it blocked too: otherwise its pairs are the few
        // that other rules found, chosen for agreeing on something else.
        let usable: Vec<Rule> = settings
            .training
            .iter()
            .filter(|t| {
                settings.rules.contains(t)
                    && !candidates
                        .skipped_rules
                        .iter()
                        .any(|(r, _)| *r == t.to_string())
            })
            .cloned()
            .collect();
        let training_rules = settings.training.clone();
        let training = block::training_patterns(
            &ready,
            &candidates.pairs,
            &training_rules,
            settings.max_block,
        )
        .into_iter()
        .zip(&training_rules)
        .map(|(p, t)| if usable.contains(t) { p } else { Vec::new() })
        .collect::<Vec<_>>();
        drop(ready);
        let mut counts: HashMap<u64, u64> = HashMap::new();
        for c in &candidates.pairs {
            *counts.entry(c.gamma & !block::SWAPPED).or_default() += 1;
        }
        let mut patterns: Vec<(u64, u64)> = counts.into_iter().collect();
        patterns.sort_unstable();
        let names = settings.columns();
        let (m, sessions, iterations, duplicates) =
            train(&settings, &training, &patterns, &u, &names, columns);
        // The number of duplicate pairs over all pairs. From the sessions when they can tell
        // it; else the share of duplicates among candidates, spread over all pairs (blocking is
        // meant to keep nearly every duplicate pair), which overcounts where candidates agree
        // on fields that go together.
        let duplicates = duplicates.unwrap_or_else(|| {
            model::share_of_duplicates(&patterns, &m, &u, settings.max_iterations)
                * candidates.pairs.len() as f64
        });
        let all_pairs = n as f64 * (n as f64 - 1.0) / 2.0;
        let prior = if all_pairs > 0.0 {
            (duplicates / all_pairs).clamp(1e-12, 1.0 - 1e-12)
        } else {
            0.5
        };
        let weights = model::pattern_weights(&patterns, &m, &u);
        let prior_weight = (prior / (1.0 - prior)).log2();

        let model = Model {
            prior,
            columns: settings
                .columns()
                .into_iter()
                .enumerate()
                .map(|(c, field)| Column {
                    field,
                    levels: levels(c)
                        .iter()
                        .enumerate()
                        .skip(1)
                        .map(|(l, label)| Level {
                            label,
                            m: m[c][l],
                            u: u[c][l],
                        })
                        .collect(),
                })
                .collect(),
            iterations,
            random_pairs,
            sessions,
        };
        let mut dedup = Dedup {
            settings,
            ids,
            tf,
            tf_columns,
            m,
            u,
            model,
            pairs: Vec::new(),
            summary: Summary {
                records: n,
                candidate_pairs: candidates.pairs.len(),
                skipped_blocks: candidates.skipped_blocks,
                skipped_pairs: candidates.skipped_pairs,
                skipped_rules: candidates.skipped_rules.clone(),
                duplicate_pairs: 0,
                clusters: 0,
                threshold: 0.0,
            },
        };
        progress.stage("scoring pairs", candidates.pairs.len() as u64);
        let threshold = dedup.settings.threshold;
        let mut pairs: Vec<Pair> = candidates
            .pairs
            .par_chunks(1 << 16)
            .flat_map_iter(|chunk| {
                let out: Vec<Pair> = chunk
                    .iter()
                    .filter_map(|c| {
                        let gamma = c.gamma & !block::SWAPPED;
                        let weight =
                            prior_weight + weights[&gamma] + dedup.tf_weight(c.a, c.b, gamma);
                        let probability = model::probability(weight);
                        (probability >= threshold).then_some(Pair {
                            a: c.a,
                            b: c.b,
                            probability,
                            weight,
                            swapped: c.gamma & block::SWAPPED != 0,
                            gamma,
                        })
                    })
                    .collect();
                progress.advance(chunk.len() as u64);
                out
            })
            .collect();
        drop(candidates);
        pairs.sort_unstable_by_key(|p| (p.a, p.b));
        dedup.summary.duplicate_pairs = pairs.len();
        dedup.summary.threshold = threshold;
        dedup.pairs = pairs;
        dedup.summary.clusters = dedup.clusters().len();
        Ok(dedup)
    }

    /// The id of record `i`.
    pub fn id(&self, i: u32) -> &str {
        &self.ids[i as usize]
    }

    /// The term frequency adjustment of a pair: exact agreement on a value that fewer records
    /// share than u assumes weighs more, on a common one less.
    fn tf_weight(&self, a: u32, b: u32, gamma: u64) -> f64 {
        let mut w = 0.0;
        for (t, c) in self.tf_column_indexes().enumerate() {
            let top = levels(c).len() - 1;
            if level_of(gamma, c) as usize == top {
                let fa = self.tf[a as usize * self.tf_columns + t];
                let fb = self.tf[b as usize * self.tf_columns + t];
                let f = fa.max(fb) as f64;
                if f > 0.0 {
                    w += (self.u[c][top] / f).log2();
                }
            }
        }
        w
    }

    fn tf_column_indexes(&self) -> impl Iterator<Item = usize> + use<'_> {
        [FAMILY, GIVEN, STATION]
            .into_iter()
            .chain(FIXED..FIXED + self.settings.fields.len())
    }

    /// Which fields agreed, at which level and with what weight, for a pair.
    pub fn explain(&self, pair: &Pair) -> Vec<Agreement> {
        let names = self.settings.columns();
        let tf_cols: Vec<usize> = self.tf_column_indexes().collect();
        let mut out = Vec::new();
        for (c, field) in names.into_iter().enumerate() {
            let l = level_of(pair.gamma, c) as usize;
            if l == 0 {
                continue;
            }
            let mut weight = (self.m[c][l] / self.u[c][l]).log2();
            if let Some(t) = tf_cols.iter().position(|&x| x == c)
                && l == levels(c).len() - 1
            {
                let fa = self.tf[pair.a as usize * self.tf_columns + t];
                let fb = self.tf[pair.b as usize * self.tf_columns + t];
                let f = fa.max(fb) as f64;
                if f > 0.0 {
                    weight += (self.u[c][l] / f).log2();
                }
            }
            out.push(Agreement {
                field,
                level: levels(c)[l],
                weight,
            });
        }
        out
    }

    /// The clusters of the pairs at or above the threshold (connected components), each its
    /// records' indexes in order, ordered by their first record.
    pub fn clusters(&self) -> Vec<Vec<u32>> {
        let mut parent: HashMap<u32, u32> = HashMap::new();
        fn find(parent: &mut HashMap<u32, u32>, x: u32) -> u32 {
            let mut root = x;
            while let Some(&p) = parent.get(&root) {
                if p == root {
                    break;
                }
                root = p;
            }
            let mut y = x;
            while y != root {
                let next = parent[&y];
                parent.insert(y, root);
                y = next;
            }
            root
        }
        for p in &self.pairs {
            parent.entry(p.a).or_insert(p.a);
            parent.entry(p.b).or_insert(p.b);
            let (ra, rb) = (find(&mut parent, p.a), find(&mut parent, p.b));
            if ra != rb {
                parent.insert(ra.max(rb), ra.min(rb));
            }
        }
        let mut groups: HashMap<u32, Vec<u32>> = HashMap::new();
        let members: Vec<u32> = parent.keys().copied().collect();
        for x in members {
            let r = find(&mut parent, x);
            groups.entry(r).or_default().push(x);
        }
        let mut out: Vec<Vec<u32>> = groups
            .into_values()
            .map(|mut g| {
                g.sort_unstable();
                g
            })
            .collect();
        out.sort_unstable_by_key(|g| g[0]);
        out
    }
}

/// m per column and level: one EM session per training rule with pairs, each blind to the
/// columns its rule fixes, averaged over the sessions that learnt each column (as Splink
/// combines its sessions). A column no session learnt takes its m from EM over every
/// candidate. Returns m, the sessions, the iterations run in all, and the number of duplicate
/// pairs in the roll where the sessions tell it: a session found some duplicates among the
/// pairs agreeing on its rule, and the duplicates that agree there are a share of all
/// duplicates that the other sessions' m gives (the product of m for exact agreement on each
/// column the rule fixes); the estimates of the sessions that can make one are averaged.
fn train(
    settings: &Settings,
    training: &[Vec<(u64, u64)>],
    patterns: &[(u64, u64)],
    u: &[Vec<f64>],
    names: &[String],
    columns: usize,
) -> (Vec<Vec<f64>>, Vec<model::Session>, usize, Option<f64>) {
    let mut sum: Vec<Vec<f64>> = (0..columns).map(|c| vec![0.0; levels(c).len()]).collect();
    let mut learnt = vec![0usize; columns];
    let mut sessions = Vec::new();
    let mut iterations = 0;
    // Each session's blocked columns and the duplicate pairs EM found among its pairs.
    let mut found: Vec<(Vec<usize>, f64)> = Vec::new();
    for (rule, session) in settings.training.iter().zip(training) {
        let pairs: u64 = session.iter().map(|p| p.1).sum();
        if pairs == 0 {
            continue;
        }
        let mut skip = vec![false; columns];
        for c in block::blocked_columns(rule) {
            if c < columns {
                skip[c] = true;
            }
        }
        let (m, duplicates, n) =
            model::expectation_maximisation(session, u, &skip, true, settings.max_iterations);
        iterations += n;
        found.push((
            (0..columns).filter(|&c| skip[c]).collect(),
            duplicates * pairs as f64,
        ));
        for c in (0..columns).filter(|&c| !skip[c]) {
            for (s, x) in sum[c].iter_mut().zip(&m[c]) {
                *s += x;
            }
            learnt[c] += 1;
        }
        sessions.push(model::Session {
            rule: rule.to_string(),
            pairs,
            learnt: (0..columns)
                .filter(|&c| !skip[c])
                .map(|c| names[c].clone())
                .collect(),
            duplicates,
            iterations: n,
        });
    }
    let fallback = if learnt.contains(&0) {
        let (m, _, n) = model::expectation_maximisation(
            patterns,
            u,
            &vec![false; columns],
            false,
            settings.max_iterations,
        );
        iterations += n;
        Some(m)
    } else {
        None
    };
    let m: Vec<Vec<f64>> = (0..columns)
        .map(|c| match (learnt[c], &fallback) {
            (0, Some(f)) => f[c].clone(),
            (k, _) => sum[c].iter().map(|s| s / k as f64).collect(),
        })
        .collect();
    let estimates: Vec<f64> = found
        .iter()
        .filter(|(blocked, _)| blocked.iter().all(|&c| learnt[c] > 0))
        .map(|(blocked, n)| {
            let agree: f64 = blocked.iter().map(|&c| m[c][levels(c).len() - 1]).product();
            n / agree.max(1e-9)
        })
        .collect();
    let duplicates =
        (!estimates.is_empty()).then(|| estimates.iter().sum::<f64>() / estimates.len() as f64);
    (m, sessions, iterations, duplicates)
}

/// Each record's term frequency in the family, given, station and other-field columns: the
/// share of the records with a value that have the same one.
fn term_frequencies(ready: &[Ready]) -> (Vec<f32>, usize) {
    let fields = ready.first().map_or(0, |r| r.fields.len());
    let columns = 3 + fields;
    let mut tf = vec![0f32; ready.len() * columns];
    for t in 0..columns {
        let value = |r: &Ready| -> Option<String> {
            match t {
                0 => r.family.text(),
                1 => r.given.text(),
                2 => r.station.as_deref().map(str::to_owned),
                _ => r.fields[t - 3].as_deref().map(str::to_owned),
            }
        };
        let mut counts: HashMap<String, u32> = HashMap::new();
        let mut total = 0u64;
        for r in ready {
            if let Some(v) = value(r) {
                *counts.entry(v).or_default() += 1;
                total += 1;
            }
        }
        for (i, r) in ready.iter().enumerate() {
            if let Some(v) = value(r) {
                tf[i * columns + t] = counts[&v] as f32 / total as f32;
            }
        }
    }
    (tf, columns)
}

/// u per column and level, from random pairs (all pairs when there are fewer).
fn estimate_u(
    ready: &[Ready],
    columns: usize,
    settings: &Settings,
    progress: &dyn Progress,
) -> (Vec<Vec<f64>>, u64) {
    let n = ready.len() as u64;
    let mut counts: Vec<Vec<u64>> = (0..columns).map(|c| vec![0; levels(c).len()]).collect();
    let all = n * n.saturating_sub(1) / 2;
    let mut drawn = 0;
    if all <= settings.random_pairs as u64 {
        for a in 0..ready.len() {
            for b in a + 1..ready.len() {
                model::tally(&mut counts, compare::compare(&ready[a], &ready[b]).0, 1);
            }
        }
        drawn = all;
    } else {
        let per_chunk = 1 << 14;
        let chunks = settings.random_pairs.div_ceil(per_chunk);
        let partial: Vec<Vec<Vec<u64>>> = (0..chunks)
            .into_par_iter()
            .map(|chunk| {
                let mut rng = SplitMix(settings.seed ^ (chunk as u64).wrapping_mul(0x9e37));
                let mut counts: Vec<Vec<u64>> =
                    (0..columns).map(|c| vec![0; levels(c).len()]).collect();
                for _ in 0..per_chunk {
                    let a = rng.below(n);
                    let mut b = rng.below(n - 1);
                    if b >= a {
                        b += 1;
                    }
                    let (gamma, _) = compare::compare(&ready[a as usize], &ready[b as usize]);
                    model::tally(&mut counts, gamma, 1);
                }
                progress.advance(per_chunk as u64);
                counts
            })
            .collect();
        for p in partial {
            for (c, row) in p.into_iter().enumerate() {
                for (l, x) in row.into_iter().enumerate() {
                    counts[c][l] += x;
                }
            }
        }
        drawn += (chunks * per_chunk) as u64;
    }
    (counts.iter().map(|c| model::shares(c)).collect(), drawn)
}

/// A small deterministic generator (SplitMix64), so that a run is repeatable from its seed.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        ((self.next() as u128 * n as u128) >> 64) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::name::Name;

    fn person(id: &str, family: &str, given: &str, birth: Birth, street: &str) -> Record {
        Record {
            id: id.into(),
            name: PersonName {
                family: Name::new(None, Some(family)),
                given: Name::new(None, Some(given)),
            },
            birth: Some(birth),
            sex: None,
            station: None,
            area: None,
            fields: vec![Some(street.into())],
        }
    }

    /// A roll of 400 distinct people (names made of syllables) with three planted duplicates,
    /// one with a typo, one with the names swapped; the duplicates are found, clustered and
    /// explained.
    #[test]
    fn finds_planted_duplicates() {
        let syllables = [
            "ka", "lo", "mi", "ren", "sa", "to", "vel", "dar", "ni", "po", "qui", "bra", "ste",
            "hal", "jo", "ult", "fen", "gor", "wy", "zel",
        ];
        let mut rng = SplitMix(7);
        let mut word = |n: usize| -> String {
            (0..n)
                .map(|_| syllables[rng.below(syllables.len() as u64) as usize])
                .collect()
        };
        let mut records = Vec::new();
        for i in 0..400 {
            let (f, g, s) = (word(3), word(2), word(2));
            let birth = Birth {
                year: 1930 + (i * 37 % 70) as u16,
                month: Some((i % 12 + 1) as u8),
                day: Some((i * 13 % 28 + 1) as u8),
            };
            let street = format!("{} {s} street", i * 31 % 97 + 1);
            records.push(person(&format!("r{i}"), &f, &g, birth, &street));
        }
        let mut dup = records[10].clone();
        dup.id = "d10".into();
        let mut dup2 = records[20].clone();
        dup2.id = "d20".into();
        let typo = format!("{}x", dup2.name.family.latin.as_deref().unwrap());
        dup2.name.family = Name::new(None, Some(&typo));
        let mut dup3 = records[30].clone();
        dup3.id = "d30".into();
        std::mem::swap(&mut dup3.name.family, &mut dup3.name.given);
        records.extend([dup, dup2, dup3]);
        let settings = Settings::new(vec!["address".into()], LatinKey::General);
        let d = Dedup::run(records, settings, &Quiet).unwrap();
        let found: Vec<(&str, &str)> = d.pairs.iter().map(|p| (d.id(p.a), d.id(p.b))).collect();
        assert_eq!(found, [("r10", "d10"), ("r20", "d20"), ("r30", "d30")]);
        assert!(d.pairs[2].swapped);
        assert_eq!(d.clusters().len(), 3);
        let why = d.explain(&d.pairs[1]);
        let family = why.iter().find(|a| a.field == "family").unwrap();
        assert_eq!(family.level, "jaro-winkler >= 0.92");
        assert!(
            why.iter().all(|a| a.field != "sex"),
            "missing fields are left out"
        );
        assert!(d.model.prior > 0.0 && d.model.prior < 0.01);
    }

    fn year(year: u16) -> Birth {
        Birth {
            year,
            month: None,
            day: None,
        }
    }

    #[test]
    fn wrong_field_count_is_an_error_naming_the_record() {
        let mut r = person("x1", "a", "b", year(1950), "s");
        r.fields.push(None);
        let settings = Settings::new(vec!["address".into()], LatinKey::General);
        let e = Dedup::run(vec![r], settings, &Quiet).err().unwrap();
        assert!(e.to_string().contains("\"x1\""), "{e}");
    }

    #[test]
    fn empty_and_single_rolls_have_no_pairs() {
        let settings = Settings::new(vec![], LatinKey::General);
        let d = Dedup::run(Vec::new(), settings.clone(), &Quiet).unwrap();
        assert!(d.pairs.is_empty());
        let mut r = person("x", "a", "b", year(1950), "s");
        r.fields.clear();
        let d = Dedup::run(vec![r], settings, &Quiet).unwrap();
        assert!(d.pairs.is_empty() && d.clusters().is_empty());
    }
}
