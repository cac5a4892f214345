//! Blocking: the candidate pairs are the records that share every key of at least one rule.
//! A pair is compared once, under the first rule that finds it; a block larger than the
//! settings' `max_block` is skipped and counted.

use std::hash::{Hash, Hasher};

use rayon::prelude::*;

use super::compare::{Ready, compare};
use super::{Error, Progress, Settings};

/// One part of a blocking rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// The family name, exactly (its normal form).
    Family,
    Given,
    /// The family name's matching key: Khmer script's, or the Latin name's phonetic key.
    FamilyKey,
    GivenKey,
    /// Family and given names in either order.
    Names,
    /// The two names' matching keys in either order.
    NamesKey,
    BirthDate,
    BirthYear,
    Sex,
    Station,
    /// The area above the station (`Record::area`).
    Area,
    /// One of the other fields, by its index in `Settings::fields`.
    Field(usize),
}

/// A blocking rule: records agreeing on all its keys are compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule(pub Vec<Key>);

impl std::fmt::Display for Rule {
    /// As `Rule::parse` reads it, other fields by their index (`field0`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, k) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("+")?;
            }
            match k {
                Key::Family => f.write_str("family")?,
                Key::Given => f.write_str("given")?,
                Key::FamilyKey => f.write_str("family_key")?,
                Key::GivenKey => f.write_str("given_key")?,
                Key::Names => f.write_str("names")?,
                Key::NamesKey => f.write_str("names_key")?,
                Key::BirthDate => f.write_str("birth_date")?,
                Key::BirthYear => f.write_str("birth_year")?,
                Key::Sex => f.write_str("sex")?,
                Key::Station => f.write_str("station")?,
                Key::Area => f.write_str("area")?,
                Key::Field(i) => write!(f, "field{i}")?,
            }
        }
        Ok(())
    }
}

impl Rule {
    /// Reads a rule written as keys joined with `+`, e.g. `family+birth_year` or `postcode`.
    /// The keys are `family`, `given`, `family_key`, `given_key`, `names`, `names_key`, `birth_date`,
    /// `birth_year`, `sex`, `station`, `area` and the names of the other fields.
    pub fn parse(text: &str, fields: &[String]) -> Result<Rule, Error> {
        let mut keys = Vec::new();
        for part in text.split('+').map(str::trim) {
            let key = match part {
                "family" => Key::Family,
                "given" => Key::Given,
                "family_key" => Key::FamilyKey,
                "given_key" => Key::GivenKey,
                "names" => Key::Names,
                "names_key" => Key::NamesKey,
                "birth_date" => Key::BirthDate,
                "birth_year" => Key::BirthYear,
                "sex" => Key::Sex,
                "station" => Key::Station,
                "area" => Key::Area,
                other => match fields.iter().position(|f| f == other) {
                    Some(i) => Key::Field(i),
                    None => {
                        let mut known: Vec<&str> = vec![
                            "family",
                            "given",
                            "family_key",
                            "given_key",
                            "names",
                            "names_key",
                            "birth_date",
                            "birth_year",
                            "sex",
                            "station",
                            "area",
                        ];
                        known.extend(fields.iter().map(String::as_str));
                        return Err(Error::Rule(
                            text.into(),
                            format!(
                                "unknown key {other:?}; expected one of: {}",
                                known.join(", ")
                            ),
                        ));
                    }
                },
            };
            keys.push(key);
        }
        Ok(Rule(keys))
    }

    pub(crate) fn check(&self, fields: &[String]) -> Result<(), Error> {
        if self.0.is_empty() {
            return Err(Error::Rule(String::new(), "no key".into()));
        }
        for k in &self.0 {
            if let Key::Field(i) = k
                && *i >= fields.len()
            {
                return Err(Error::Rule(
                    format!("{:?}", self.0),
                    format!("field {i} is past the {} fields", fields.len()),
                ));
            }
        }
        Ok(())
    }

    /// The record's key under this rule (a hash, never 0), or 0 when a part is missing.
    fn key(&self, r: &Ready) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        for k in &self.0 {
            let present = match k {
                Key::Family => r.family.text().map(|t| t.hash(&mut h)),
                Key::Given => r.given.text().map(|t| t.hash(&mut h)),
                Key::FamilyKey => r.family.key().map(|t| t.hash(&mut h)),
                Key::GivenKey => r.given.key().map(|t| t.hash(&mut h)),
                Key::Names => match (r.family.text(), r.given.text()) {
                    (Some(f), Some(g)) => {
                        let (x, y) = if f <= g { (f, g) } else { (g, f) };
                        (x, y).hash(&mut h);
                        Some(())
                    }
                    _ => None,
                },
                Key::NamesKey => match (r.family.key(), r.given.key()) {
                    (Some(f), Some(g)) => {
                        let (x, y) = if f <= g { (f, g) } else { (g, f) };
                        (x, y).hash(&mut h);
                        Some(())
                    }
                    _ => None,
                },
                Key::BirthDate => r.days.map(|d| d.hash(&mut h)),
                Key::BirthYear => r.birth.map(|b| b.year.hash(&mut h)),
                Key::Sex => r.sex.map(|s| s.hash(&mut h)),
                Key::Station => r.station.as_ref().map(|s| s.hash(&mut h)),
                Key::Area => r.area.as_ref().map(|s| s.hash(&mut h)),
                Key::Field(i) => r.fields[*i].as_ref().map(|s| s.hash(&mut h)),
            };
            if present.is_none() {
                return 0;
            }
            0xffu8.hash(&mut h);
        }
        h.finish().max(1)
    }
}

/// A candidate pair and its comparison vector, with the top bit set when the names agree
/// only crosswise: 16 bytes.
pub(crate) struct Candidate {
    pub(crate) a: u32,
    pub(crate) b: u32,
    pub(crate) gamma: u64,
}

/// The top bit of a candidate's vector: names swapped.
pub(crate) const SWAPPED: u64 = 1 << 63;

pub(crate) struct Candidates {
    pub(crate) pairs: Vec<Candidate>,
    pub(crate) skipped_blocks: usize,
    pub(crate) skipped_pairs: u64,
    /// Rules left out whole, and the pairs each would have compared.
    pub(crate) skipped_rules: Vec<(String, u64)>,
}

/// Every candidate pair of the records under the settings' rules, compared.
pub(crate) fn candidates(
    ready: &[Ready],
    settings: &Settings,
    progress: &dyn Progress,
) -> Result<Candidates, Error> {
    let rules = &settings.rules;
    let r = rules.len();
    let n = ready.len();
    progress.stage("blocking", (n * r) as u64);
    // keys[i * r + k]: record i's key under rule k.
    let keys: Vec<u64> = ready
        .par_iter()
        .flat_map_iter(|rec| {
            progress.advance(r as u64);
            rules.iter().map(|rule| rule.key(rec)).collect::<Vec<_>>()
        })
        .collect();
    let mut out = Candidates {
        pairs: Vec::new(),
        skipped_blocks: 0,
        skipped_pairs: 0,
        skipped_rules: Vec::new(),
    };
    // The keys of each rule's skipped blocks: a pair sharing one was not compared there.
    let mut skipped: Vec<std::collections::HashSet<u64>> = Vec::with_capacity(r);
    for k in 0..r {
        let mut skipped_here = std::collections::HashSet::new();
        let mut keyed: Vec<(u64, u32)> = (0..n)
            .filter(|&i| keys[i * r + k] != 0)
            .map(|i| (keys[i * r + k], i as u32))
            .collect();
        keyed.sort_unstable();
        let mut blocks: Vec<&[(u64, u32)]> = Vec::new();
        for block in keyed.chunk_by(|x, y| x.0 == y.0) {
            let size = block.len();
            if size > settings.max_block {
                skipped_here.insert(block[0].0);
                out.skipped_blocks += 1;
                out.skipped_pairs += (size * (size - 1) / 2) as u64;
            } else if size > 1 {
                blocks.push(block);
            }
        }
        let total: u64 = blocks
            .iter()
            .map(|b| (b.len() * (b.len() - 1) / 2) as u64)
            .sum();
        if total > settings.max_rule_pairs as u64 {
            // Too loose for a roll this size: its blocks are many and each is under the cap.
            // Every key counts as skipped, so a later rule compares the pairs it finds.
            skipped_here.extend(blocks.iter().map(|b| b[0].0));
            skipped.push(skipped_here);
            out.skipped_rules.push((rules[k].to_string(), total));
            continue;
        }
        progress.stage(&format!("comparing pairs (rule {} of {r})", k + 1), total);
        skipped.push(skipped_here);
        // Whether an earlier rule already compared this pair.
        let earlier = |a: usize, b: usize| -> bool {
            (0..k).any(|j| {
                let key = keys[a * r + j];
                key != 0 && key == keys[b * r + j] && !skipped[j].contains(&key)
            })
        };
        let found: Vec<Candidate> = blocks
            .par_iter()
            .flat_map_iter(|block| {
                let mut found = Vec::new();
                for (x, &(_, a)) in block.iter().enumerate() {
                    for &(_, b) in &block[x + 1..] {
                        let (a, b) = (a.min(b), a.max(b));
                        if earlier(a as usize, b as usize) {
                            continue;
                        }
                        let (gamma, swapped) = compare(&ready[a as usize], &ready[b as usize]);
                        found.push(Candidate {
                            a,
                            b,
                            gamma: if swapped { gamma | SWAPPED } else { gamma },
                        });
                    }
                }
                progress.advance((block.len() * (block.len() - 1) / 2) as u64);
                found
            })
            .collect();
        if out.pairs.len() + found.len() > settings.max_pairs {
            return Err(Error::TooManyPairs(settings.max_pairs));
        }
        out.pairs.extend(found);
    }
    Ok(out)
}

/// The comparison columns a rule's keys fix: pairs blocked by the rule agree on them, so a
/// training session on the rule says nothing about how duplicates compare there.
pub(crate) fn blocked_columns(rule: &Rule) -> Vec<usize> {
    use super::compare::{BIRTH, FAMILY, FIXED, GIVEN, SEX, STATION};
    let mut out = Vec::new();
    for k in &rule.0 {
        match k {
            Key::Family | Key::FamilyKey => out.push(FAMILY),
            Key::Given | Key::GivenKey => out.push(GIVEN),
            Key::Names | Key::NamesKey => out.extend([FAMILY, GIVEN]),
            Key::BirthDate | Key::BirthYear => out.push(BIRTH),
            Key::Sex => out.push(SEX),
            // One column holds both: a station lies in one area.
            Key::Station | Key::Area => out.push(STATION),
            Key::Field(i) => out.push(FIXED + i),
        }
    }
    out
}

/// For each training rule, the distinct comparison vectors (and how many pairs have each) of
/// the candidates that agree on every key of the rule, leaving out the rule's blocks over
/// `max_block` (their pairs were only compared when another rule found them, a biased few).
pub(crate) fn training_patterns(
    ready: &[Ready],
    candidates: &[Candidate],
    training: &[Rule],
    max_block: usize,
) -> Vec<Vec<(u64, u64)>> {
    let t = training.len();
    let n = ready.len();
    let keys: Vec<u64> = ready
        .par_iter()
        .flat_map_iter(|rec| {
            training
                .iter()
                .map(|rule| rule.key(rec))
                .collect::<Vec<_>>()
        })
        .collect();
    let mut too_big: Vec<std::collections::HashSet<u64>> = Vec::with_capacity(t);
    for k in 0..t {
        let mut keyed: Vec<u64> = (0..n)
            .map(|i| keys[i * t + k])
            .filter(|&key| key != 0)
            .collect();
        keyed.sort_unstable();
        too_big.push(
            keyed
                .chunk_by(|x, y| x == y)
                .filter(|b| b.len() > max_block)
                .map(|b| b[0])
                .collect(),
        );
    }
    let merged = candidates
        .par_chunks(1 << 16)
        .map(|chunk| {
            let mut counts: Vec<std::collections::HashMap<u64, u64>> = vec![Default::default(); t];
            for c in chunk {
                let (a, b) = (c.a as usize, c.b as usize);
                for (k, counts) in counts.iter_mut().enumerate() {
                    let key = keys[a * t + k];
                    if key != 0 && key == keys[b * t + k] && !too_big[k].contains(&key) {
                        *counts.entry(c.gamma & !SWAPPED).or_default() += 1;
                    }
                }
            }
            counts
        })
        .reduce(
            || vec![Default::default(); t],
            |mut x, y| {
                for (into, from) in x.iter_mut().zip(y) {
                    for (g, n) in from {
                        *into.entry(g).or_default() += n;
                    }
                }
                x
            },
        );
    merged
        .into_iter()
        .map(|counts| {
            let mut patterns: Vec<(u64, u64)> = counts.into_iter().collect();
            patterns.sort_unstable();
            patterns
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_read_by_name_and_unknown_keys_are_named() {
        let fields = vec!["postcode".to_string()];
        let r = Rule::parse("family + birth_year", &fields).unwrap();
        assert_eq!(r, Rule(vec![Key::Family, Key::BirthYear]));
        assert_eq!(
            Rule::parse("postcode", &fields).unwrap(),
            Rule(vec![Key::Field(0)])
        );
        let e = Rule::parse("family+zip", &fields).unwrap_err().to_string();
        assert!(e.contains("\"zip\"") && e.contains("postcode"), "{e}");
    }
}
