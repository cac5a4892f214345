//! Risk-limiting audits of one contest's paper ballots against the official result forms
//! recorded in the election: MACRO batch comparison with the polling station as the batch,
//! BRAVO ballot polling, or ballot-level comparison (Kaplan–Markov) against cast vote records. [`Audit::build`] reads the contest; `plan`, `draw` and the
//! assessments return report values.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ledger::event::RlaPlan;
use serde::Serialize;
use stats::consistent_sampler::{SampleOptions, Ticket, sample_streamed};
use stats::rla::Contest;
use stats::rla::batch::{BatchAudit, BatchDecision, DrawFinding, StationRecount, StationResult};
use stats::rla::bravo::{self, PairRisk, PollingSample};
use stats::rla::comparison::{self, DEFAULT_GAMMA, Discrepancies};

use crate::audit::Revealed;
use crate::error::{Differs, Error, Param, Result, refuse};
use crate::scope::{Scope, ScopeStation};
use crate::seed::SeedRecord;
use crate::stations::StationFile;
use crate::text::list;
use crate::{Provenance, Review};

/// The most draws an audit may number: far beyond any real audit (a full hand count is less
/// work long before), and small enough to hold in memory.
pub const MAX_DRAWS: u64 = 10_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Batch comparison, the polling station as the batch.
    Macro,
    /// Ballot polling.
    Bravo,
    /// Ballot-level comparison with cast vote records (Kaplan–Markov, "super-simple").
    Comparison,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::Macro => "macro",
            Method::Bravo => "bravo",
            Method::Comparison => "comparison",
        }
    }

    pub fn parse(name: &str) -> Option<Method> {
        match name {
            "macro" => Some(Method::Macro),
            "bravo" => Some(Method::Bravo),
            "comparison" => Some(Method::Comparison),
            _ => None,
        }
    }

    /// Whether the method draws single ballots (not stations).
    pub fn draws_ballots(self) -> bool {
        matches!(self, Method::Bravo | Method::Comparison)
    }
}

/// What is audited: the method, the contest and area, the winners and the risk limit.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    pub method: Method,
    /// The contest's id; None for the election's only contest.
    pub contest: Option<String>,
    /// An area code; None for the whole election.
    pub area: Option<String>,
    pub winners: usize,
    pub risk_limit: f64,
}

/// A choice's reported total.
#[derive(Debug, Clone, Serialize)]
pub struct ChoiceTotal {
    pub choice: String,
    pub name: String,
    pub votes: u64,
    pub winner: bool,
}

/// The contest as reported.
#[derive(Debug, Clone, Serialize)]
pub struct ContestSummary {
    pub id: String,
    pub name: String,
    pub area: Option<String>,
    pub area_name: Option<String>,
    /// Stations with an official form: the audit's stations.
    pub stations: usize,
    /// Stations in the area without an official form: not audited.
    pub stations_without_official_form: Vec<String>,
    pub ballots: u64,
    pub choices: Vec<ChoiceTotal>,
    pub winners: Vec<String>,
    /// Smallest winner-minus-loser margin, in votes and as a share of ballots.
    pub smallest_margin: u64,
    pub diluted_margin: f64,
}

/// The audit's data: the reported contest and, per station, its official figures.
pub struct Audit {
    pub spec: Spec,
    pub scope: Arc<Scope>,
    pub contest: Contest,
    /// Stations with an official form, sorted by code.
    pub stations: Vec<StationResult>,
    index: HashMap<String, usize>,
    pub without_forms: Vec<String>,
    batch: Option<BatchAudit>,
}

impl Audit {
    /// Reads the contest's official forms in the area and checks that they can be audited.
    pub fn build(review: &Review, spec: &Spec) -> Result<Audit> {
        if !(spec.risk_limit > 0.0 && spec.risk_limit < 1.0) {
            return Err(Error::param(
                Param::RiskLimit,
                format!(
                    "{{}} {} must be between 0 and 1 (0.05 is a 5% risk limit)",
                    spec.risk_limit
                ),
            ));
        }
        let scope = review.scope(spec.contest.as_deref(), spec.area.as_deref())?;
        let official = scope.figures("official");
        let mut stations = Vec::new();
        let mut without_forms = Vec::new();
        for s in &scope.stations {
            match official.get(&s.code) {
                Some(f) => stations.push(StationResult {
                    station: s.code.clone(),
                    ballots_cast: f.valid + f.invalid,
                    votes: f.votes.clone(),
                }),
                None => without_forms.push(s.code.clone()),
            }
        }
        if stations.is_empty() {
            refuse!(
                "contest {:?} has no official result forms {}; there is nothing to audit",
                scope.contest.id,
                scope.area_text()
            );
        }
        let ids = scope.choice_ids();
        let mut totals = vec![0u64; ids.len()];
        let mut ballots = 0u64;
        for s in &stations {
            for (t, v) in totals.iter_mut().zip(&s.votes) {
                *t += v;
            }
            ballots += s.ballots_cast;
        }
        let named: Vec<(&str, u64)> = ids.iter().copied().zip(totals).collect();
        let in_scope = |e: stats::StatsError| {
            Error::Refused(format!(
                "contest {:?} {}: {e}",
                scope.contest.id,
                scope.area_text()
            ))
        };
        let contest =
            Contest::new(&scope.contest.id, &named, ballots, spec.winners).map_err(in_scope)?;
        let batch = match spec.method {
            Method::Macro => {
                Some(BatchAudit::new(contest.clone(), stations.clone()).map_err(in_scope)?)
            }
            Method::Bravo | Method::Comparison => None,
        };
        let index = stations
            .iter()
            .enumerate()
            .map(|(i, s)| (s.station.clone(), i))
            .collect();
        Ok(Audit {
            spec: spec.clone(),
            scope,
            contest,
            stations,
            index,
            without_forms,
            batch,
        })
    }

    fn batch(&self) -> &BatchAudit {
        self.batch.as_ref().expect("a macro audit has its batches")
    }

    pub fn summary(&self) -> ContestSummary {
        let c = &self.contest;
        ContestSummary {
            id: self.scope.contest.id.clone(),
            name: self.scope.contest.name.clone(),
            area: self.scope.area.as_ref().map(|a| a.0.clone()),
            area_name: self.scope.area.as_ref().map(|a| a.1.clone()),
            stations: self.stations.len(),
            stations_without_official_form: self.without_forms.clone(),
            ballots: c.ballots_cast,
            choices: self
                .scope
                .contest
                .choices
                .iter()
                .enumerate()
                .map(|(i, ch)| ChoiceTotal {
                    choice: ch.id.clone(),
                    name: ch.name.clone(),
                    votes: c.reported_votes[i],
                    winner: c.winners.contains(&i),
                })
                .collect(),
            winners: c.winners.iter().map(|&w| c.choices[w].clone()).collect(),
            smallest_margin: c.smallest_margin(),
            diluted_margin: c.diluted_margin(),
        }
    }

    /// Whether `station` is one of the audit's stations.
    pub fn has_station(&self, station: &str) -> bool {
        self.index.contains_key(station)
    }

    /// The ballot manifest, "STATION:N" for N = 1..B of every station in station order, made
    /// one id at a time.
    fn ballot_ids(&self) -> impl Iterator<Item = String> + '_ {
        self.stations
            .iter()
            .flat_map(|s| (1..=s.ballots_cast).map(move |n| format!("{}:{n}", s.station)))
    }

    /// BRAVO draws `first..first+count` (with replacement) from the manifest, without building
    /// it: memory stays with the draws, not the ballots.
    fn draw_ballots(&self, seed: &str, first: u64, count: u64) -> Result<Vec<Ticket>> {
        if self.contest.ballots_cast == 0 {
            refuse!("the official forms report no ballots; there is nothing to draw");
        }
        let too_large = |p: Param| Error::param(p, "{} is too large");
        let options = SampleOptions {
            with_replacement: true,
            drop: usize::try_from(first - 1).map_err(|_| too_large(Param::First))?,
            take: usize::try_from(count).map_err(|_| too_large(Param::Count))?,
            digits: 18,
        };
        Ok(sample_streamed(self.ballot_ids(), seed, &options)?)
    }

    /// Draws `first..first+count` as recorded in the log: station codes (macro) or ballot
    /// ids (bravo), in draw order.
    pub fn draw_ids(&self, seed: &str, first: u64, count: u64) -> Result<Vec<String>> {
        if count == 0 {
            return Ok(Vec::new());
        }
        Ok(match self.spec.method {
            Method::Macro => self
                .batch()
                .draw(seed, first, count)?
                .into_iter()
                .map(|d| d.station)
                .collect(),
            Method::Bravo | Method::Comparison => self
                .draw_ballots(seed, first, count)?
                .into_iter()
                .map(|t| t.id)
                .collect(),
        })
    }

    /// The plan an audit in the log commits to for this audit.
    pub fn committed_plan(&self) -> RlaPlan {
        RlaPlan {
            method: self.spec.method.name().to_string(),
            contest: self.scope.contest.id.clone(),
            area: self.spec.area.clone(),
            winners: self.spec.winners,
            risk_limit: self.spec.risk_limit,
        }
    }

    /// Refuses when this audit is not the one `revealed` was committed to draw.
    pub fn check_committed(&self, revealed: &Revealed) -> Result<()> {
        let p = revealed.rla()?;
        let area = |x: Option<&str>| x.map_or("(the whole election)".to_string(), str::to_string);
        let given = self.committed_plan();
        revealed.check_parameters(vec![
            Differs {
                param: Param::Method,
                committed: p.method.clone(),
                given: given.method,
            },
            Differs {
                param: Param::Contest,
                committed: p.contest.clone(),
                given: given.contest,
            },
            Differs {
                param: Param::Area,
                committed: area(p.area.as_deref()),
                given: area(given.area.as_deref()),
            },
            Differs {
                param: Param::Winners,
                committed: p.winners.to_string(),
                given: given.winners.to_string(),
            },
            Differs {
                param: Param::RiskLimit,
                committed: p.risk_limit.to_string(),
                given: given.risk_limit.to_string(),
            },
        ])
    }

    /// The spec a committed plan describes.
    pub fn spec_of(plan: &RlaPlan) -> Result<Spec> {
        let Some(method) = Method::parse(&plan.method) else {
            refuse!(
                "the committed method {:?} is not macro, bravo or comparison",
                plan.method
            );
        };
        Ok(Spec {
            method,
            contest: Some(plan.contest.clone()),
            area: plan.area.clone(),
            winners: plan.winners,
            risk_limit: plan.risk_limit,
        })
    }
}

/// Refuses a draw number beyond [`MAX_DRAWS`].
pub fn check_draws(last: Option<u64>, param: Param) -> Result<()> {
    match last {
        Some(n) if n <= MAX_DRAWS => Ok(()),
        _ => Err(Error::param(
            param,
            format!("{{}} is beyond {MAX_DRAWS} draws; an audit that large is a full hand count"),
        )),
    }
}

pub use interchange::ballots::split_ballot;

// ---------------------------------------------------------------- plan

#[derive(Debug, Clone, Serialize)]
pub struct PlanReport {
    pub election: Provenance,
    pub method: Method,
    pub risk_limit: f64,
    pub contest: ContestSummary,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub macro_plan: Option<MacroPlan>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bravo_plan: Option<BravoPlan>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comparison_plan: Option<ComparisonPlan>,
    /// The first round's draws.
    #[serde(skip)]
    pub first_round: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct MacroPlan {
    pub total_error_bound: f64,
    /// Draws that confirm the outcome if no recount finds an error.
    pub draws: u64,
    pub expected_distinct_stations: f64,
    /// Set when the first round would need every station: count them all instead.
    pub full_hand_count: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ComparisonPlan {
    /// The error inflation factor γ.
    pub gamma: f64,
    /// Ballots that confirm the outcome if no discrepancy is found.
    pub draws: u64,
    /// Set when the first round would need every ballot.
    pub full_hand_count: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BravoPlan {
    #[serde(flatten)]
    pub decision: bravo::Decision,
    /// The round `draw` takes by default: the 90% quantile.
    pub default_round: Option<u64>,
}

impl Audit {
    /// How large the first round must be.
    pub fn plan(&self, election: &Provenance) -> Result<PlanReport> {
        let alpha = self.spec.risk_limit;
        let mut comparison_plan = None;
        let (macro_plan, bravo_plan, first_round) = match self.spec.method {
            Method::Macro => {
                let batch = self.batch();
                let draws = batch.sample_size(alpha, &[])?;
                let stations = self.stations.len() as u64;
                let full = (draws >= stations && stations > 1).then(|| {
                    format!(
                        "the first round would need {draws} draws for {stations} stations; counting every \
                         station by hand is no more work"
                    )
                });
                (
                    Some(MacroPlan {
                        total_error_bound: batch.total_error_bound(),
                        draws,
                        expected_distinct_stations: batch.expected_distinct_stations(draws),
                        full_hand_count: full,
                    }),
                    None,
                    draws,
                )
            }
            Method::Bravo => {
                let assessed = bravo::assess(
                    &self.contest,
                    alpha,
                    &PollingSample::none(&self.contest),
                    None,
                )?;
                let q90 = q90(&assessed.decision);
                (
                    None,
                    Some(BravoPlan {
                        decision: assessed.decision,
                        default_round: q90,
                    }),
                    q90.unwrap_or(0),
                )
            }
            Method::Comparison => {
                let draws = self.comparison_size()?;
                let ballots = self.contest.ballots_cast;
                comparison_plan = Some(ComparisonPlan {
                    gamma: DEFAULT_GAMMA,
                    draws,
                    full_hand_count: (draws >= ballots).then(|| {
                        format!(
                            "the first round would need {draws} draws for {ballots} ballots; \
                             counting every ballot by hand is no more work"
                        )
                    }),
                });
                (None, None, draws)
            }
        };
        Ok(PlanReport {
            election: election.clone(),
            method: self.spec.method,
            risk_limit: alpha,
            contest: self.summary(),
            macro_plan,
            bravo_plan,
            comparison_plan,
            first_round,
        })
    }

    /// Ballots a comparison audit examines if it finds no discrepancy.
    fn comparison_size(&self) -> Result<u64> {
        Ok(comparison::comparison_sample_size(
            self.spec.risk_limit,
            self.contest.diluted_margin(),
            DEFAULT_GAMMA,
            &Discrepancies::default(),
        )?)
    }

    /// The first round's size: the plan's draws (macro) or its 90% round (bravo).
    /// The draws a round makes, `(first, count)`, draws counted from 1: a recorded audit fixes
    /// where its next round starts, and the first round's size is the plan's unless given.
    pub fn draw_range(
        &self,
        source: &crate::audit::DrawSeed,
        first: Option<u64>,
        count: Option<u64>,
    ) -> Result<(u64, u64)> {
        use crate::audit::DrawSeed;
        if first == Some(0) {
            return Err(Error::param(Param::First, "{} counts draws from 1"));
        }
        let first = match source {
            DrawSeed::Recording(r) => {
                self.check_committed(&r.revealed)?;
                match first {
                    Some(f) if f != r.first => {
                        return Err(Error::param(
                            Param::First,
                            format!(
                                "{{}} {f}: audit {:?} records {} draws before round {}, so its \
                                 first draw is {} (leave it out)",
                                r.revealed.record.id,
                                r.first - 1,
                                r.round,
                                r.first
                            ),
                        ));
                    }
                    _ => r.first,
                }
            }
            DrawSeed::Read(revealed) => {
                self.check_committed(revealed)?;
                first.unwrap_or(1)
            }
            DrawSeed::Given(..) => first.unwrap_or(1),
        };
        let count = match (count, first) {
            (Some(0), _) => return Err(Error::param(Param::Count, "{} must be at least 1")),
            (Some(n), _) => n,
            (None, 1) => self.first_round()?,
            (None, _) => {
                return Err(Error::param(
                    Param::Count,
                    "give {} for a later round: the number of draws the assessment asked for",
                ));
            }
        };
        check_draws(first.checked_add(count).map(|n| n - 1), Param::Count)?;
        Ok((first, count))
    }

    pub fn first_round(&self) -> Result<u64> {
        match self.spec.method {
            Method::Macro => Ok(self.batch().sample_size(self.spec.risk_limit, &[])?),
            Method::Comparison => self.comparison_size(),
            Method::Bravo => {
                let assessed = bravo::assess(
                    &self.contest,
                    self.spec.risk_limit,
                    &PollingSample::none(&self.contest),
                    None,
                )?;
                match assessed.decision {
                    bravo::Decision::Continue { next_round } => Ok(next_round
                        .quantiles
                        .iter()
                        .find(|q| q.probability == 0.9)
                        .map_or(next_round.asn, |q| q.ballots)),
                    bravo::Decision::FullHandCount { reason } => {
                        refuse!("the plan is a full hand count, not a sample: {reason}")
                    }
                    bravo::Decision::Confirmed => refuse!("nothing to draw"),
                }
            }
        }
    }
}

fn q90(d: &bravo::Decision) -> Option<u64> {
    match d {
        bravo::Decision::Continue { next_round } => next_round
            .quantiles
            .iter()
            .find(|q| q.probability == 0.9)
            .map(|q| q.ballots),
        _ => None,
    }
}

// ---------------------------------------------------------------- draw

/// A round's draws.
#[derive(Debug, Clone, Serialize)]
pub struct DrawReport {
    pub election: Provenance,
    pub method: Method,
    pub risk_limit: f64,
    pub contest: ContestSummary,
    pub seed: SeedRecord,
    pub first: u64,
    pub count: u64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub station_draws: Vec<StationDraw>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stations: Vec<DrawnStation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ballot_draws: Vec<BallotDraw>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ballots: Vec<DrawnBallot>,
    /// The round recorded in the log.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recorded: Option<crate::audit::RecordedSample>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StationDraw {
    pub draw: u64,
    pub ticket: String,
    pub station: String,
    pub error_bound: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct DrawnStation {
    pub station: String,
    pub name: Option<String>,
    pub area: String,
    pub area_name: String,
    /// Draws (numbers) that chose it.
    pub draws: Vec<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BallotDraw {
    pub draw: u64,
    pub ticket: String,
    pub ballot: String,
    /// How many times this ballot has now been drawn.
    pub generation: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct DrawnBallot {
    pub ballot: String,
    pub station: String,
    /// The ballot's position in the station's manifest, 1..B.
    pub number: u64,
    pub draws: Vec<u64>,
}

impl DrawReport {
    /// The draws as the log records them: station codes (macro) or ballot ids (bravo).
    pub fn recorded_ids(&self) -> Vec<String> {
        match self.method {
            Method::Macro => self
                .station_draws
                .iter()
                .map(|x| x.station.clone())
                .collect(),
            Method::Bravo | Method::Comparison => {
                self.ballot_draws.iter().map(|x| x.ballot.clone()).collect()
            }
        }
    }
}

impl Audit {
    /// Draws `first..first+count` from `seed`.
    pub fn draw(
        &self,
        election: &Provenance,
        seed: &str,
        seed_record: SeedRecord,
        first: u64,
        count: u64,
    ) -> Result<DrawReport> {
        if first == 0 {
            return Err(Error::param(Param::First, "{} counts draws from 1"));
        }
        if count == 0 {
            return Err(Error::param(Param::Count, "{} must be at least 1"));
        }
        check_draws(first.checked_add(count).map(|n| n - 1), Param::Count)?;
        let mut report = DrawReport {
            election: election.clone(),
            method: self.spec.method,
            risk_limit: self.spec.risk_limit,
            contest: self.summary(),
            seed: seed_record,
            first,
            count,
            station_draws: Vec::new(),
            stations: Vec::new(),
            ballot_draws: Vec::new(),
            ballots: Vec::new(),
            recorded: None,
        };
        match self.spec.method {
            Method::Macro => {
                let batch = self.batch();
                let bounds: HashMap<&str, f64> = batch.error_bounds().collect();
                let draws = batch.draw(seed, first, count)?;
                let mut by_station: BTreeMap<String, Vec<u64>> = BTreeMap::new();
                for x in &draws {
                    by_station
                        .entry(x.station.clone())
                        .or_default()
                        .push(x.draw);
                    report.station_draws.push(StationDraw {
                        draw: x.draw,
                        ticket: x.ticket.clone(),
                        station: x.station.clone(),
                        error_bound: bounds[x.station.as_str()],
                    });
                }
                let info: HashMap<&str, &ScopeStation> = self
                    .scope
                    .stations
                    .iter()
                    .map(|s| (s.code.as_str(), s))
                    .collect();
                report.stations = by_station
                    .into_iter()
                    .map(|(station, draws)| {
                        let s = info[station.as_str()];
                        DrawnStation {
                            name: s.name.clone(),
                            area: s.area.clone(),
                            area_name: self.scope.area_name(&s.area).to_string(),
                            station,
                            draws,
                        }
                    })
                    .collect();
            }
            Method::Bravo | Method::Comparison => {
                let tickets = self.draw_ballots(seed, first, count)?;
                let mut by_ballot: BTreeMap<(usize, u64), (String, Vec<u64>)> = BTreeMap::new();
                for (i, t) in tickets.iter().enumerate() {
                    let j = first + i as u64;
                    let (station, number) =
                        split_ballot(&t.id).expect("manifest ids are STATION:N");
                    let k = self.index[station];
                    by_ballot
                        .entry((k, number))
                        .or_insert_with(|| (t.id.clone(), Vec::new()))
                        .1
                        .push(j);
                    report.ballot_draws.push(BallotDraw {
                        draw: j,
                        ticket: t.ticket_number.clone(),
                        ballot: t.id.clone(),
                        generation: t.generation,
                    });
                }
                report.ballots = by_ballot
                    .into_iter()
                    .map(|((k, number), (ballot, draws))| DrawnBallot {
                        ballot,
                        station: self.stations[k].station.clone(),
                        number,
                        draws,
                    })
                    .collect();
            }
        }
        Ok(report)
    }

    /// The recount file to fill in, in the layout the assessment reads without a mapping.
    pub fn template(&self, report: &DrawReport) -> String {
        let mut out = String::new();
        match self.spec.method {
            Method::Macro => {
                out.push_str("station");
                for c in &self.scope.contest.choices {
                    out.push(',');
                    out.push_str(&csv_field(&c.id));
                }
                out.push('\n');
                for s in &report.stations {
                    out.push_str(&csv_field(&s.station));
                    for _ in &self.scope.contest.choices {
                        out.push(',');
                    }
                    out.push('\n');
                }
            }
            Method::Bravo | Method::Comparison => {
                out.push_str("ballot,station,number,choice\n");
                for b in &report.ballots {
                    out.push_str(&format!(
                        "{},{},{},\n",
                        csv_field(&b.ballot),
                        csv_field(&b.station),
                        b.number
                    ));
                }
            }
        }
        out
    }
}

/// Quotes a CSV field when it holds a comma, a quote or a line break (RFC 4180).
pub fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}

// ---------------------------------------------------------------- assess

/// The draws an assessment reads: their seed, how many, and the audit in the log they come
/// from.
#[derive(Debug, Clone)]
pub struct Drawn {
    pub seed: String,
    pub draws: u64,
    pub audit: Option<String>,
}

/// Where the hand counts are.
#[derive(Debug, Clone)]
pub struct Recounts {
    pub files: Vec<PathBuf>,
    /// macro: a station-results mapping for the files, and which of its sources to read.
    pub mapping: Option<PathBuf>,
    pub from: Option<String>,
}

impl Recounts {
    /// "a.csv" or "a.csv, b.csv".
    pub fn names(&self) -> String {
        self.files
            .iter()
            .map(|f| f.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Discrepancy {
    pub station: String,
    pub times_drawn: usize,
    pub reported: BTreeMap<String, u64>,
    pub recounted: BTreeMap<String, u64>,
    /// The worst pair's overstatement of the reported margin, in votes (negative: the recount
    /// favours the winner more than the form).
    pub overstatement_votes: i64,
    /// e_p, in units of the contest margin (0 when not an overstatement).
    pub overstatement: f64,
    pub error_bound: f64,
    pub taint: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct MacroAssessment {
    pub election: Provenance,
    pub method: Method,
    pub risk_limit: f64,
    pub contest: ContestSummary,
    pub seed: String,
    /// The audit in the log whose recorded draws these are.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit: Option<String>,
    pub draws: u64,
    /// Drawn stations counted by hand.
    pub stations_recounted: usize,
    /// Rows of the files for stations not drawn: not part of the p-value.
    pub rows_not_drawn: usize,
    /// Every station of the contest was counted by hand: the count is the outcome.
    pub full_hand_count_done: bool,
    pub total_error_bound: f64,
    pub p_value: f64,
    /// Draws in order, up to the one that confirmed the outcome.
    pub findings: Vec<DrawFinding>,
    /// Recounted stations whose count differs from the official form.
    pub discrepancies: Vec<Discrepancy>,
    #[serde(flatten)]
    pub decision: BatchDecision,
    /// The p-value reached the risk limit before the last draw.
    #[serde(skip)]
    pub confirmed_early: bool,
}

/// A drawn ballot whose hand interpretation differs from its cast vote record.
#[derive(Debug, Clone, Serialize)]
pub struct BallotDiscrepancy {
    pub ballot: String,
    pub times_drawn: u64,
    /// The choice the record gives (None: no vote, or no record).
    pub recorded: Option<String>,
    pub has_record: bool,
    /// The choice counted by hand (None: no vote).
    pub counted: Option<String>,
    /// The worst pair's overstatement of the margin, in votes (-2 to 2).
    pub overstatement_votes: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ComparisonReport {
    pub election: Provenance,
    pub method: Method,
    pub risk_limit: f64,
    pub contest: ContestSummary,
    pub seed: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit: Option<String>,
    pub draws: u64,
    pub distinct_ballots: usize,
    pub cast_vote_records: usize,
    pub diluted_margin: f64,
    pub discrepant_ballots: Vec<BallotDiscrepancy>,
    #[serde(flatten)]
    pub assessment: comparison::ComparisonAssessment,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChoiceCount {
    pub choice: String,
    pub ballots: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct BravoAssessment {
    pub election: Provenance,
    pub method: Method,
    pub risk_limit: f64,
    pub contest: ContestSummary,
    pub seed: String,
    /// The audit in the log whose recorded draws these are.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit: Option<String>,
    pub draws: u64,
    pub distinct_ballots: usize,
    /// Draws showing each choice (a ballot drawn twice counts twice).
    pub sample: Vec<ChoiceCount>,
    /// Draws of ballots with no vote for any choice.
    pub no_vote: u64,
    pub pairs: Vec<PairRisk>,
    /// The largest pair risk.
    pub risk: f64,
    #[serde(flatten)]
    pub decision: bravo::Decision,
    /// The next round's size (the 90% quantile), when it continues.
    #[serde(skip)]
    pub next_round: Option<u64>,
}

impl Audit {
    /// The draws an assessment reads from audit `revealed` in the log: every recorded draw,
    /// checked against a fresh draw from its seed. `draws` (when given) must be their number.
    pub fn recorded_draws(&self, revealed: &Revealed, draws: Option<u64>) -> Result<Drawn> {
        self.check_committed(revealed)?;
        let id = &revealed.record.id;
        let recorded = revealed.recorded_draws()?;
        if recorded.is_empty() {
            refuse!("audit {id:?} has no recorded sample yet: draw and record round 1 first");
        }
        let n = recorded.len() as u64;
        check_draws(Some(n), Param::Draws)?;
        if let Some(d) = draws
            && d != n
        {
            return Err(Error::param(
                Param::Draws,
                format!(
                    "{{}} {d}: audit {id:?} records {n} draws in {} round(s); the assessment \
                     takes them all",
                    revealed.record.rounds.len()
                ),
            ));
        }
        let fresh = self.draw_ids(revealed.seed.as_str(), 1, n)?;
        revealed.check_recorded(&fresh)?;
        Ok(Drawn {
            seed: revealed.seed.to_string(),
            draws: n,
            audit: Some(id.clone()),
        })
    }

    /// MACRO: reads the hand counts of the drawn stations and decides.
    pub fn assess_macro(
        &self,
        election: &Provenance,
        source: &Drawn,
        files: &Recounts,
        escalate_after: Option<u64>,
    ) -> Result<MacroAssessment> {
        let alpha = self.spec.risk_limit;
        let seed = source.seed.as_str();
        let n_draws = source.draws;
        let batch = self.batch();
        let draws = batch.draw(seed, 1, n_draws)?;
        let mut drawn: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
        for d in &draws {
            drawn.entry(d.station.as_str()).or_default().push(d.draw);
        }
        let name = files.names();
        let choices = self.scope.choice_ids();
        // Station → where its count was first given, and the count.
        let mut seen: HashMap<String, (String, Vec<u64>)> = HashMap::new();
        let mut recounts = Vec::new();
        let mut not_drawn = 0usize;
        for file in &files.files {
            let rows = StationFile {
                file,
                mapping: files.mapping.as_deref(),
                from: files.from.as_deref(),
                extra: &[],
            }
            .read(&self.scope.contest)?;
            for row in rows {
                let at = format!("{}:{}", file.display(), row.line);
                if !self.index.contains_key(&row.station) {
                    if self.scope.is_station(&row.station) {
                        refuse!(
                            "{at}: column station: station {:?} is not in this audit: it is outside {} or has no official form",
                            row.station,
                            self.scope.area_text()
                        );
                    }
                    refuse!(
                        "{at}: column station: unknown station {:?}; station ids are the election's station codes",
                        row.station
                    );
                }
                let mut votes = Vec::with_capacity(choices.len());
                for (c, v) in choices.iter().zip(&row.votes) {
                    match v {
                        Some(v) => votes.push(*v),
                        None => refuse!(
                            "{at}: station {:?} has no count for choice {c}{}; write 0 for none",
                            row.station,
                            if files.mapping.is_some() {
                                String::new()
                            } else {
                                format!(" (column {c:?})")
                            }
                        ),
                    }
                }
                if let Some((earlier, counted)) = seen.get(&row.station) {
                    if *counted == votes {
                        continue; // the same count again: a station drawn in two rounds
                    }
                    refuse!(
                        "{at}: station {:?} has a different count at {earlier}; give each station's count once",
                        row.station
                    );
                }
                seen.insert(row.station.clone(), (at, votes.clone()));
                if !drawn.contains_key(row.station.as_str()) {
                    // Not drawn: it does not enter the p-value (a full hand count file is all rows).
                    not_drawn += 1;
                }
                recounts.push(StationRecount {
                    station: row.station,
                    votes,
                });
            }
        }
        let missing: Vec<String> = drawn
            .keys()
            .filter(|s| !seen.contains_key(**s))
            .map(|s| s.to_string())
            .collect();
        if !missing.is_empty() {
            refuse!(
                "{name}: no count for {} of the {} stations drawn in draws 1-{}: {}",
                missing.len(),
                drawn.len(),
                n_draws,
                list(&missing, 8)
            );
        }
        let draw_ids: Vec<&str> = draws.iter().map(|d| d.station.as_str()).collect();
        let assessed = batch.assess(alpha, &draw_ids, &recounts, escalate_after)?;
        let bounds: HashMap<&str, f64> = batch.error_bounds().collect();
        let mut discrepancies = Vec::new();
        for r in &recounts {
            let k = self.index[&r.station];
            let reported = &self.stations[k].votes;
            if *reported == r.votes {
                continue;
            }
            let o = batch.overstatement(r)?;
            let u = bounds[r.station.as_str()];
            let e = if o.counted_as > 0 { o.weighted } else { 0.0 };
            discrepancies.push(Discrepancy {
                station: r.station.clone(),
                times_drawn: drawn.get(r.station.as_str()).map_or(0, Vec::len),
                reported: choices
                    .iter()
                    .map(|c| c.to_string())
                    .zip(reported.iter().copied())
                    .collect(),
                recounted: choices
                    .iter()
                    .map(|c| c.to_string())
                    .zip(r.votes.iter().copied())
                    .collect(),
                overstatement_votes: o.counted_as,
                overstatement: e,
                error_bound: u,
                taint: if e == 0.0 { 0.0 } else { e / u },
            });
        }
        Ok(MacroAssessment {
            election: election.clone(),
            method: self.spec.method,
            risk_limit: alpha,
            contest: self.summary(),
            seed: seed.to_string(),
            audit: source.audit.clone(),
            draws: n_draws,
            stations_recounted: recounts.len() - not_drawn,
            rows_not_drawn: not_drawn,
            full_hand_count_done: assessed.full_hand_count_done,
            total_error_bound: assessed.risk.total_error_bound,
            p_value: assessed.p_value,
            confirmed_early: assessed.risk.confirmed
                && (assessed.risk.findings.len() as u64) < n_draws,
            findings: assessed.risk.findings,
            discrepancies,
            decision: assessed.decision,
        })
    }

    /// The contest as recount files name its choices.
    fn file_contest(&self) -> interchange::ballots::Contest {
        crate::stations::file_contest(&self.scope.contest)
    }

    /// Why ballot `number` of `station` cannot be on a recount of this audit, if it cannot.
    fn check_ballot(&self, station: &str, number: u64, ballot: &str) -> Result<(), String> {
        match self.index.get(station) {
            None => Err(format!(
                "ballot {ballot:?}: {station:?} is not a station of this audit"
            )),
            Some(&k) if number > self.stations[k].ballots_cast => Err(format!(
                "there is no ballot {ballot:?}: station {station} has {} ballots on its official form",
                self.stations[k].ballots_cast
            )),
            _ => Ok(()),
        }
    }

    /// The marks on the drawn ballots, from the recount files: (ballot id, the choice marked
    /// or None for no vote), one per distinct ballot drawn; `times` counts the draws of each.
    fn read_marks(
        &self,
        files: &Recounts,
        n_draws: u64,
        times: &HashMap<&str, u64>,
    ) -> Result<Vec<(String, Option<usize>)>> {
        let contest = self.file_contest();
        let mut marks: Vec<(String, Option<usize>)> = Vec::new();
        let mut seen: HashMap<String, (String, Option<usize>)> = HashMap::new();
        for file in &files.files {
            let name = file.display().to_string();
            let reader = interchange::ballots::BallotMarksReader::open(file, &contest)?
                .check_ballots(|station, number, ballot| {
                    self.check_ballot(station, number, ballot)?;
                    if !times.contains_key(ballot) {
                        return Err(format!(
                            "ballot {ballot:?} was not drawn in draws 1-{n_draws} (is the number \
                             of draws right?)"
                        ));
                    }
                    Ok(())
                });
            let columns = reader.columns().clone();
            for row in reader {
                let row = row?;
                if let Some((earlier, marked)) = seen.get(&row.ballot) {
                    if *marked == row.choice {
                        continue; // the same ballot again: drawn in two rounds
                    }
                    return Err(columns
                        .choice_error(
                            row.line,
                            format!(
                                "ballot {:?} is marked differently at {earlier}; list a ballot \
                                 once, however often it was drawn",
                                row.ballot
                            ),
                        )
                        .into());
                }
                seen.insert(
                    row.ballot.clone(),
                    (format!("{name}:{}", row.line), row.choice),
                );
                marks.push((row.ballot, row.choice));
            }
        }
        if marks.len() < times.len() {
            let mut missing: Vec<String> = times
                .keys()
                .filter(|b| !seen.contains_key(**b))
                .map(|b| b.to_string())
                .collect();
            missing.sort();
            refuse!(
                "{}: no row for {} of the {} ballots drawn in draws 1-{}: {}",
                files.names(),
                missing.len(),
                times.len(),
                n_draws,
                list(&missing, 8)
            );
        }
        Ok(marks)
    }

    /// Ballot comparison: reads the cast vote records (what the tabulation recorded on each
    /// ballot, `ballot,choice` for every ballot of the manifest) and the hand interpretation of
    /// the drawn ballots, counts the discrepancies in votes of margin, and decides by the
    /// Kaplan–Markov p-value. The records must add up to the official forms, station by
    /// station: an audit against records that are not the announced result checks nothing.
    pub fn assess_comparison(
        &self,
        election: &Provenance,
        source: &Drawn,
        files: &Recounts,
        cvrs: &Path,
        escalate_after: Option<u64>,
    ) -> Result<ComparisonReport> {
        if files.mapping.is_some() {
            return Err(Error::param(
                Param::From,
                "a mapping reads station-level recounts (macro); a comparison recount is ballot,choice",
            ));
        }
        let name = cvrs.display().to_string();
        let choices = self.contest.choices.len();
        let mut cvr: HashMap<String, Option<usize>> = HashMap::new();
        let mut tally: HashMap<&str, Vec<u64>> = HashMap::new();
        let contest = self.file_contest();
        let reader = interchange::ballots::BallotMarksReader::open(cvrs, &contest)?
            .check_ballots(|station, number, ballot| self.check_ballot(station, number, ballot));
        let columns = reader.columns().clone();
        for row in reader {
            let row = row?;
            if cvr.insert(row.ballot.clone(), row.choice).is_some() {
                return Err(columns
                    .ballot_error(
                        row.line,
                        format!("ballot {:?} has a second record", row.ballot),
                    )
                    .into());
            }
            if let Some(c) = row.choice {
                let key = self.stations[self.index[&row.station]].station.as_str();
                tally.entry(key).or_insert_with(|| vec![0; choices])[c] += 1;
            }
        }
        for s in &self.stations {
            let counted = tally.get(s.station.as_str());
            for (i, &reported) in s.votes.iter().enumerate() {
                let recorded = counted.map_or(0, |t| t[i]);
                if recorded != reported {
                    refuse!(
                        "{name}: the records of station {} give {} {recorded} votes, and its \
                         official form {reported}; the records must add up to the forms",
                        s.station,
                        self.contest.choices[i]
                    );
                }
            }
        }
        let seed = source.seed.as_str();
        let n_draws = source.draws;
        let tickets = self.draw_ballots(seed, 1, n_draws)?;
        let mut times: HashMap<&str, u64> = HashMap::new();
        for t in &tickets {
            *times.entry(t.id.as_str()).or_default() += 1;
        }
        let marks = self.read_marks(files, n_draws, &times)?;
        let c = &self.contest;
        let pairs: Vec<(usize, usize)> = c.pairs().collect();
        let mut found = Discrepancies::default();
        let mut ballots = Vec::new();
        for (ballot, actual) in &marks {
            let n = times[ballot.as_str()];
            // A drawn ballot with no record counts as the worst case, a two-vote overstatement.
            let (recorded, over) = match cvr.get(ballot) {
                None => (None, 2),
                Some(&reported) => {
                    let v = |x: Option<usize>, i: usize| i64::from(x == Some(i));
                    let over = pairs
                        .iter()
                        .map(|&(w, l)| {
                            (v(reported, w) - v(reported, l)) - (v(*actual, w) - v(*actual, l))
                        })
                        .max()
                        .unwrap_or(0);
                    (reported, over)
                }
            };
            match over {
                2 => found.o2 += n,
                1 => found.o1 += n,
                -1 => found.u1 += n,
                -2 => found.u2 += n,
                _ => {}
            }
            if over != 0 || !cvr.contains_key(ballot) {
                ballots.push(BallotDiscrepancy {
                    ballot: ballot.clone(),
                    times_drawn: n,
                    recorded: recorded.map(|i| c.choices[i].clone()),
                    has_record: cvr.contains_key(ballot),
                    counted: actual.map(|i| c.choices[i].clone()),
                    overstatement_votes: over,
                });
            }
        }
        ballots.sort_by(|a, b| a.ballot.cmp(&b.ballot));
        let assessed = comparison::assess(
            self.spec.risk_limit,
            n_draws,
            c.diluted_margin(),
            DEFAULT_GAMMA,
            &found,
            c.ballots_cast,
            escalate_after,
        )?;
        Ok(ComparisonReport {
            election: election.clone(),
            method: self.spec.method,
            risk_limit: self.spec.risk_limit,
            contest: self.summary(),
            seed: seed.to_string(),
            audit: source.audit.clone(),
            draws: n_draws,
            distinct_ballots: times.len(),
            cast_vote_records: cvr.len(),
            diluted_margin: c.diluted_margin(),
            discrepant_ballots: ballots,
            assessment: assessed,
        })
    }

    /// BRAVO: reads the drawn ballots' marks and decides.
    pub fn assess_bravo(
        &self,
        election: &Provenance,
        source: &Drawn,
        files: &Recounts,
        escalate_after: Option<u64>,
    ) -> Result<BravoAssessment> {
        if files.mapping.is_some() {
            return Err(Error::param(
                Param::From,
                "a mapping reads station-level recounts (macro); a bravo file is ballot,choice",
            ));
        }
        let seed = source.seed.as_str();
        let n_draws = source.draws;
        let tickets = self.draw_ballots(seed, 1, n_draws)?;
        let mut times: HashMap<&str, u64> = HashMap::new();
        for t in &tickets {
            *times.entry(t.id.as_str()).or_default() += 1;
        }
        let marks = self.read_marks(files, n_draws, &times)?;
        let c = &self.contest;
        let mut votes = vec![0u64; c.choices.len()];
        let mut no_vote = 0;
        for (ballot, choice) in &marks {
            let n = times[ballot.as_str()];
            match choice {
                Some(i) => votes[*i] += n,
                None => no_vote += n,
            }
        }
        let sample = PollingSample {
            ballots_drawn: n_draws,
            votes: votes.clone(),
        };
        let assessed = bravo::assess(c, self.spec.risk_limit, &sample, escalate_after)?;
        let next_round = match &assessed.decision {
            bravo::Decision::Continue { next_round } => Some(
                next_round
                    .quantiles
                    .iter()
                    .find(|q| q.probability == 0.9)
                    .map_or(next_round.asn, |q| q.ballots),
            ),
            _ => None,
        };
        Ok(BravoAssessment {
            election: election.clone(),
            method: self.spec.method,
            risk_limit: self.spec.risk_limit,
            contest: self.summary(),
            seed: seed.to_string(),
            audit: source.audit.clone(),
            draws: n_draws,
            distinct_ballots: times.len(),
            sample: c
                .choices
                .iter()
                .zip(&votes)
                .map(|(ch, n)| ChoiceCount {
                    choice: ch.clone(),
                    ballots: *n,
                })
                .collect(),
            no_vote,
            pairs: assessed.pairs,
            risk: assessed.risk,
            decision: assessed.decision,
            next_round,
        })
    }
}

/// The round an assessment continues with, as (first draw, count), if it does.
impl MacroAssessment {
    pub fn continue_with(&self) -> Option<(u64, u64)> {
        match self.decision {
            BatchDecision::Continue {
                further_draws,
                next_first,
            } => Some((next_first, further_draws)),
            _ => None,
        }
    }
}

impl BravoAssessment {
    pub fn continue_with(&self, source: &Drawn) -> Option<(u64, u64)> {
        self.next_round.map(|q90| (source.draws + 1, q90))
    }
}

impl ComparisonReport {
    pub fn continue_with(&self) -> Option<(u64, u64)> {
        match self.assessment.decision {
            comparison::ComparisonDecision::Continue {
                further_draws,
                next_first,
            } => Some((next_first, further_draws)),
            _ => None,
        }
    }
}
