//! Station-level forensics (integer percentages, the Election Forensics Toolkit tests, the
//! Klimek fingerprint and its fraud model, red flags) over a station-results file read
//! through a column mapping, or over the result forms recorded in an election, one source
//! (copy of the form) analysed and the others compared with it. docs/methods.md, section 10.

use std::path::Path;

use interchange::{Mapping, StationResultsReader};
use serde::Serialize;
use stats::forensics::{
    self, EftOptions, EftReport, FlagOptions, FraudFit, FraudFitOptions, IntegerOptions,
    IntegerTest, RedFlagReport, StationCounts,
};

use crate::Review;
use crate::error::{Result, refuse};

/// The station results to analyse: one source's, and the other sources' to compare.
#[derive(Debug, Clone)]
pub struct Stations {
    /// The file, or the election's name and where it was read.
    pub input: String,
    /// The mapping file, for a file.
    pub mapping: Option<String>,
    pub contest: Option<String>,
    pub choices: Vec<String>,
    pub source: String,
    pub stations: Vec<StationCounts>,
    /// The other sources, by name.
    pub others: Vec<(String, Vec<StationCounts>)>,
}

impl Stations {
    /// Reads a station-results file through its mapping; `source` names the copy of the form
    /// to analyse (default the mapping's first).
    pub fn from_file(file: &Path, mapping_path: &Path, source: Option<&str>) -> Result<Stations> {
        let mapping = Mapping::from_path(mapping_path)?;
        let index = match source {
            None => 0,
            Some(name) => match mapping.sources.iter().position(|s| s.name == name) {
                Some(i) => i,
                None => refuse!(
                    "{}: no source named {name:?}; the mapping has: {}",
                    mapping_path.display(),
                    mapping
                        .sources
                        .iter()
                        .map(|s| s.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            },
        };
        let mut copies: Vec<Vec<StationCounts>> = vec![Vec::new(); mapping.sources.len()];
        for row in StationResultsReader::open(file, &mapping)? {
            let row = row?;
            for (form, out) in row.forms.into_iter().zip(&mut copies) {
                out.push(StationCounts {
                    id: row.station.clone(),
                    registered: form.counts.registered,
                    ballots_issued: form.counts.ballots_issued,
                    valid: form.counts.valid,
                    invalid: form.counts.invalid,
                    total: form.counts.total,
                    votes: form.votes,
                });
            }
        }
        let stations = std::mem::take(&mut copies[index]);
        if stations.is_empty() {
            refuse!("{}: no station rows", file.display());
        }
        let others = mapping
            .sources
            .iter()
            .zip(copies)
            .enumerate()
            .filter(|(i, _)| *i != index)
            .map(|(_, (s, c))| (s.name.clone(), c))
            .collect();
        Ok(Stations {
            input: file.display().to_string(),
            mapping: Some(mapping_path.display().to_string()),
            contest: mapping.contest.clone(),
            choices: mapping.choices.clone(),
            source: mapping.sources[index].name.clone(),
            stations,
            others,
        })
    }

    /// The result forms recorded in the election for one contest (`None`: the only one) in one
    /// area (`None`: everywhere); `source` is the copy to analyse (default official), and every
    /// other source with forms is compared with it.
    pub fn from_election(
        review: &Review,
        contest: Option<&str>,
        area: Option<&str>,
        source: Option<&str>,
    ) -> Result<Stations> {
        let scope = review.scope(contest, area)?;
        let source = source.unwrap_or("official");
        scope.check_source(source)?;
        let counts = |name: &str| -> Vec<StationCounts> {
            scope
                .figures(name)
                .into_iter()
                .map(|(id, f)| StationCounts {
                    id,
                    registered: f.registered,
                    ballots_issued: None,
                    valid: Some(f.valid),
                    invalid: Some(f.invalid),
                    total: None,
                    votes: f.votes.iter().map(|v| Some(*v)).collect(),
                })
                .collect()
        };
        let stations = counts(source);
        if stations.is_empty() {
            refuse!(
                "no {source:?} result forms {} for contest {:?}",
                scope.area_text(),
                scope.contest.id
            );
        }
        let others = scope
            .sources()
            .into_iter()
            .filter(|s| s != source)
            .map(|s| {
                let c = counts(&s);
                (s, c)
            })
            .collect();
        let p = &review.provenance;
        Ok(Stations {
            input: format!("{} ({} {})", p.name, p.kind, p.path),
            mapping: None,
            contest: Some(scope.contest.id.clone()),
            choices: scope.contest.choices.iter().map(|c| c.id.clone()).collect(),
            source: source.to_string(),
            stations,
            others,
        })
    }
}

/// How to run the tests.
#[derive(Debug, Clone)]
pub struct Options {
    /// Seed of the Monte Carlo, the bootstrap and the model fit.
    pub seed: u64,
    /// Monte Carlo replicates of the integer-percentage test.
    pub replicates: usize,
    /// Bootstrap replicates of the toolkit intervals.
    pub bootstrap: usize,
    /// The choice tested as leader; default the one with most votes.
    pub leader: Option<String>,
    /// Turnout, in percent, at or above which a station is flagged.
    pub turnout_threshold: u64,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            seed: 1,
            replicates: 1000,
            bootstrap: 1000,
            leader: None,
            turnout_threshold: 95,
        }
    }
}

/// What a long run reports as it goes; the caller draws the bars.
pub trait Progress: Sync {
    /// A stage starts: "integer-percentage MC" and "toolkit bootstrap" with their counts of
    /// steps, "fitting the fraud model" with none.
    fn stage(&self, _name: &str, _steps: Option<u64>) {}
    /// One step of the current stage is done.
    fn step(&self) {}
    /// The current stage is done.
    fn done(&self) {}
}

/// No progress shown.
pub struct Quiet;
impl Progress for Quiet {}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The file (or the election) analysed.
    pub file: String,
    pub mapping: Option<String>,
    pub contest: Option<String>,
    pub source: String,
    pub choices: Vec<String>,
    pub stations: usize,
    pub leader: Leader,
    pub integer_percentages: IntegerTest,
    pub toolkit: EftReport,
    pub fingerprint: FingerprintSummary,
    pub fraud_model: FraudFit,
    pub red_flags: RedFlagReport,
}

#[derive(Debug, Clone, Serialize)]
pub struct Leader {
    pub index: usize,
    pub name: String,
    /// Share of all ballots counted, over the stations where both are given.
    pub share: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct FingerprintSummary {
    pub bins: usize,
    pub stations: usize,
    pub above_full_turnout: usize,
    /// Where the caller wrote the picture, if it did.
    pub svg: Option<String>,
}

/// Runs every test on `stations`; returns the report and the fingerprint as SVG.
pub fn run(stations: &Stations, o: &Options, progress: &dyn Progress) -> Result<(Report, String)> {
    let s = &stations.stations;
    let lead = choose_leader(stations, o)?;
    let leader = lead.index;
    progress.stage("integer-percentage MC", Some(o.replicates as u64));
    let integer = integer_test(stations, leader, o, &|| progress.step())?;
    progress.done();
    progress.stage("toolkit bootstrap", Some(o.bootstrap as u64));
    let toolkit = forensics::eft_tests(
        s,
        &stations.choices,
        &EftOptions {
            bootstrap: o.bootstrap,
            seed: o.seed,
            ..Default::default()
        },
        &|| progress.step(),
    )?;
    progress.done();
    progress.stage("fitting the fraud model", None);
    let fingerprint = forensics::fingerprint(s, leader, 100)?;
    let fraud_model = forensics::fit_fraud_model(
        s,
        leader,
        &FraudFitOptions {
            seed: o.seed,
            ..Default::default()
        },
    )?;
    progress.done();
    let title = format!(
        "{}{} — {} copy",
        stations
            .contest
            .as_deref()
            .unwrap_or("Election fingerprint"),
        stations.contest.as_ref().map_or("", |_| ": fingerprint"),
        stations.source
    );
    let svg = fingerprint.svg(&title, &stations.choices[leader]);
    let red_flags = red_flag_test(stations, leader, o)?;
    let report = Report {
        file: stations.input.clone(),
        mapping: stations.mapping.clone(),
        contest: stations.contest.clone(),
        source: stations.source.clone(),
        choices: stations.choices.clone(),
        stations: s.len(),
        leader: lead,
        integer_percentages: integer,
        toolkit,
        fingerprint: FingerprintSummary {
            bins: fingerprint.bins,
            stations: fingerprint.stations,
            above_full_turnout: fingerprint.above_full_turnout,
            svg: None,
        },
        fraud_model,
        red_flags,
    };
    Ok((report, svg))
}

/// What the forensics plots draw, over the analysed copy: the last digit of every count of
/// ten or more (uniform when no one made the counts up), and each station's turnout against
/// the leader's share of its valid votes (the election's fingerprint).
#[derive(Debug, Clone, Serialize)]
pub struct Shapes {
    pub last_digits: [u64; 10],
    /// (turnout, leader's share) of each station with registered voters and valid votes.
    pub fingerprint: Vec<(f64, f64)>,
}

/// The plots' numbers for `stations`, `leader` being the index of the choice tested.
pub fn shapes(stations: &Stations, leader: usize) -> Shapes {
    let mut last_digits = [0u64; 10];
    let mut fingerprint = Vec::new();
    for s in &stations.stations {
        for v in s.votes.iter().flatten() {
            if *v >= 10 {
                last_digits[(*v % 10) as usize] += 1;
            }
        }
        let valid: u64 = s.votes.iter().flatten().sum();
        let cast = valid + s.invalid.unwrap_or(0);
        if let Some(r) = s.registered.filter(|r| *r > 0 && valid > 0) {
            let lead = s.votes.get(leader).copied().flatten().unwrap_or(0);
            fingerprint.push((cast as f64 / r as f64, lead as f64 / valid as f64));
        }
    }
    Shapes {
        last_digits,
        fingerprint,
    }
}

/// The part of the forensics that is cheap enough to run at every publication (the public
/// site): the leader, the whole-number-percentage test and the red flags, without the
/// toolkit's bootstrap or the fraud model's fit (at 66,822 stations, about a tenth of
/// [`run`]'s time).
#[derive(Debug, Clone, Serialize)]
pub struct Screen {
    pub stations: usize,
    pub leader: Leader,
    pub integer_percentages: IntegerTest,
    pub red_flags: RedFlagReport,
}

/// Screens `stations` (see [`Screen`]); `o.bootstrap` is not used.
pub fn screen(stations: &Stations, o: &Options) -> Result<Screen> {
    let leader = choose_leader(stations, o)?;
    Ok(Screen {
        stations: stations.stations.len(),
        integer_percentages: integer_test(stations, leader.index, o, &|| {})?,
        red_flags: red_flag_test(stations, leader.index, o)?,
        leader,
    })
}

/// The choice tested: `o.leader` if named, else the one with the most votes; with its share
/// of all ballots counted.
fn choose_leader(stations: &Stations, o: &Options) -> Result<Leader> {
    let s = &stations.stations;
    let leader = match &o.leader {
        None => forensics::leader(s)?,
        Some(name) => match stations.choices.iter().position(|c| c == name) {
            Some(i) => i,
            None => refuse!(
                "no choice named {name:?}; the choices are: {}",
                stations.choices.join(", ")
            ),
        },
    };
    let (votes, ballots) = s.iter().fold((0u128, 0u128), |(v, b), st| {
        match (st.votes[leader], st.ballots()) {
            (Some(x), Some(y)) => (v + x as u128, b + y as u128),
            _ => (v, b),
        }
    });
    Ok(Leader {
        index: leader,
        name: stations.choices[leader].clone(),
        share: if ballots > 0 {
            votes as f64 / ballots as f64
        } else {
            f64::NAN
        },
    })
}

fn integer_test(
    stations: &Stations,
    leader: usize,
    o: &Options,
    step: &(dyn Fn() + Sync),
) -> Result<IntegerTest> {
    Ok(forensics::integer_percentages(
        &stations.stations,
        leader,
        &IntegerOptions {
            replicates: o.replicates,
            seed: o.seed,
            ..Default::default()
        },
        step,
    )?)
}

fn red_flag_test(stations: &Stations, leader: usize, o: &Options) -> Result<RedFlagReport> {
    Ok(forensics::red_flags(
        &stations.stations,
        &stations.others,
        leader,
        &FlagOptions {
            turnout_threshold_percent: o.turnout_threshold,
            ..Default::default()
        },
    )?)
}
