//! Parallel vote tabulation: a stratified sample of stations drawn from a public seed, the
//! sampled stations' figures from one or several sources (a copy of the forms recorded in
//! the election, or an observers' reports file), and the estimate judged against the official
//! result. docs/methods.md, section 6.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use ledger::event::PvtPlan;
use serde::Serialize;
use stats::pvt::{
    self, FrameStation, MissingFigures, OfficialResult, PlanInput, PvtEstimate, SamplePlan,
    StationFrame, StationReport, StratumDraw, StratumSize, Verdict,
};

use crate::audit::Revealed;
use crate::error::{Differs, Error, Param, Result, refuse};
use crate::rla::csv_field;
use crate::scope::{Scope, ScopeStation};
use crate::seed::SeedRecord;
use crate::stations::{StationFile, StationRow};
use crate::{Provenance, Review};

/// Which stations make the frame, and how they are stratified.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameSpec {
    /// The contest's id; None for the election's only contest.
    pub contest: Option<String>,
    /// An area code; None for the whole election.
    pub area: Option<String>,
    /// Strata: the areas of this level (its name), `none`, or None for the top level.
    pub level: Option<String>,
}

impl FrameSpec {
    /// The frame a committed plan describes.
    pub fn of(plan: &PvtPlan) -> FrameSpec {
        FrameSpec {
            contest: Some(plan.contest.clone()),
            area: plan.area.clone(),
            level: Some(plan.level.clone()),
        }
    }
}

/// The sampling frame: the stations of the area, each in its stratum.
pub struct Frame {
    pub spec: FrameSpec,
    pub scope: Arc<Scope>,
    /// The strata's level name, or None for no strata.
    pub level: Option<String>,
    pub stations: Vec<FrameStation>,
    pub frame: StationFrame,
}

/// The frame as reports give it.
#[derive(Debug, Clone, Serialize)]
pub struct FrameSummary {
    pub contest: String,
    pub area: Option<String>,
    pub stations: usize,
    pub strata_level: Option<String>,
    pub strata: Vec<StratumSize>,
}

impl Frame {
    pub fn read(review: &Review, spec: &FrameSpec) -> Result<Frame> {
        let scope = review.scope(spec.contest.as_deref(), spec.area.as_deref())?;
        if scope.stations.is_empty() {
            refuse!("there are no stations {}", scope.area_text());
        }
        let level = match spec.level.as_deref() {
            Some("none") => None,
            Some(l) => {
                let Some(i) = scope.levels.iter().position(|x| x == l) else {
                    return Err(Error::param(
                        Param::Level,
                        format!(
                            "{{}} {l:?}: the election's levels are {} (or none for no strata)",
                            scope.levels.join(", ")
                        ),
                    ));
                };
                Some(i)
            }
            None if scope.levels.is_empty() => None,
            None => Some(0),
        };
        let stations: Vec<FrameStation> = scope
            .stations
            .iter()
            .map(|s| FrameStation {
                station: s.code.clone(),
                stratum: match level {
                    Some(l) => scope.area_at(s, l).unwrap_or("").to_string(),
                    None => String::new(),
                },
            })
            .collect();
        let frame = StationFrame::new(&stations)?;
        Ok(Frame {
            spec: spec.clone(),
            level: level.map(|l| scope.levels[l].clone()),
            scope,
            stations,
            frame,
        })
    }

    pub fn summary(&self) -> FrameSummary {
        FrameSummary {
            contest: self.scope.contest.id.clone(),
            area: self.scope.area.as_ref().map(|a| a.0.clone()),
            stations: self.stations.len(),
            strata_level: self.level.clone(),
            strata: self.frame.stratum_sizes(),
        }
    }

    /// "12 strata by province" or "no strata".
    pub fn strata_text(&self) -> String {
        match &self.level {
            Some(l) => format!("{} strata by {l}", self.frame.stratum_sizes().len()),
            None => "no strata".into(),
        }
    }

    /// Draws `take` stations, stratum by stratum.
    pub fn draw(&self, seed: &str, take: usize) -> Result<Vec<StratumDraw>> {
        if take == 0 {
            return Err(Error::param(Param::Take, "{} must be at least 1 station"));
        }
        self.frame.draw(seed, take, 18).map_err(|e| match e {
            stats::StatsError::TakeExceedsIds { wanted, available } => Error::param(
                Param::Take,
                format!(
                    "{{}} {wanted}: there are only {available} stations {}",
                    self.scope.area_text()
                ),
            ),
            other => other.into(),
        })
    }

    /// The plan an audit in the log commits to for a draw of `take` stations.
    pub fn committed_plan(&self, take: usize) -> Result<PvtPlan> {
        if take == 0 || take > self.stations.len() {
            return Err(Error::param(
                Param::Take,
                format!(
                    "{{}} {take}: draw between 1 and the {} stations {}",
                    self.stations.len(),
                    self.scope.area_text()
                ),
            ));
        }
        Ok(PvtPlan {
            contest: self.scope.contest.id.clone(),
            area: self.spec.area.clone(),
            level: self.level.clone().unwrap_or_else(|| "none".into()),
            take,
        })
    }

    /// Refuses when this draw is not the one `revealed` was committed to; returns the
    /// committed number of stations.
    /// How many stations a draw takes: the committed number for an audit in the log (which
    /// draws once), else `take`.
    pub fn draw_take(&self, source: &crate::audit::DrawSeed, take: Option<usize>) -> Result<usize> {
        if let crate::audit::DrawSeed::Recording(r) = source
            && r.round != 1
        {
            return Err(Error::Refused(format!(
                "audit {:?} already records its sample (round 1, entry {}); a PVT draws once",
                r.revealed.record.id, r.revealed.record.rounds[0].index
            )));
        }
        match (source.revealed(), take) {
            (Some(revealed), take) => self.check_committed(revealed, take),
            (None, Some(take)) => Ok(take),
            (None, None) => Err(Error::param(Param::Take, "{}: how many stations to draw")),
        }
    }

    pub fn check_committed(&self, revealed: &Revealed, take: Option<usize>) -> Result<usize> {
        let p = revealed.pvt()?;
        let area = |x: Option<&str>| x.map_or("(the whole election)".to_string(), str::to_string);
        revealed.check_parameters(vec![
            Differs {
                param: Param::Contest,
                committed: p.contest.clone(),
                given: self.scope.contest.id.clone(),
            },
            Differs {
                param: Param::Area,
                committed: area(p.area.as_deref()),
                given: area(self.spec.area.as_deref()),
            },
            Differs {
                param: Param::Level,
                committed: p.level.clone(),
                given: self.level.clone().unwrap_or_else(|| "none".into()),
            },
            Differs {
                param: Param::Take,
                committed: p.take.to_string(),
                given: take.unwrap_or(p.take).to_string(),
            },
        ])?;
        Ok(p.take)
    }
}

// ---------------------------------------------------------------- plan

/// What the sample size is asked to achieve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlanAsk {
    pub margin_of_error: f64,
    pub turnout: f64,
    pub confidence: f64,
    pub expected_share: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlanReport {
    pub election: Provenance,
    pub frame: FrameSummary,
    pub input: PlanInput,
    pub stations_without_registered: usize,
    pub plan: SamplePlan,
    /// Strata that would get fewer than 2 stations (no variance estimate there).
    #[serde(skip)]
    pub thin_strata: usize,
}

impl Frame {
    /// How many voters and stations the sample needs.
    pub fn plan(&self, election: &Provenance, ask: &PlanAsk) -> Result<PlanReport> {
        let registered: u64 = self
            .scope
            .stations
            .iter()
            .filter_map(|s| s.registered)
            .sum();
        let without = self
            .scope
            .stations
            .iter()
            .filter(|s| s.registered.is_none())
            .count();
        let input = PlanInput {
            expected_share: ask.expected_share,
            margin_of_error: ask.margin_of_error,
            confidence: ask.confidence,
            registered_voters: registered,
            stations: self.stations.len() as u64,
            expected_turnout: ask.turnout,
        };
        let plan = pvt::plan_sample(&input).map_err(|e| match e {
            stats::StatsError::EmptySample { .. } => Error::Refused(format!(
                "the stations {} have no registered voters recorded; a plan needs N",
                self.scope.area_text()
            )),
            other => other.into(),
        })?;
        let k = plan.stations as f64;
        let total = self.stations.len() as f64;
        let thin_strata = if self.level.is_some() {
            self.frame
                .stratum_sizes()
                .iter()
                .filter(|h| {
                    let share = k * h.stations as f64 / total;
                    share < 2.0 && (h.stations as f64) > share.round()
                })
                .count()
        } else {
            0
        };
        Ok(PlanReport {
            election: election.clone(),
            frame: self.summary(),
            input,
            stations_without_registered: without,
            plan,
            thin_strata,
        })
    }
}

// ---------------------------------------------------------------- draw

#[derive(Debug, Clone, Serialize)]
pub struct DrawReport {
    pub election: Provenance,
    pub frame: FrameSummary,
    pub seed: SeedRecord,
    pub take: usize,
    pub strata: Vec<StratumOut>,
    /// The sample recorded in the log.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recorded: Option<crate::audit::RecordedSample>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StratumOut {
    pub stratum: String,
    pub name: String,
    pub stations_in_frame: u64,
    pub drawn: usize,
    pub stations: Vec<DrawnStation>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DrawnStation {
    pub ticket: String,
    pub station: String,
    pub name: Option<String>,
    pub area: String,
}

impl DrawReport {
    /// The sample as the log records it: station codes, stratum by stratum.
    pub fn recorded_ids(&self) -> Vec<String> {
        self.strata
            .iter()
            .flat_map(|h| h.stations.iter().map(|s| s.station.clone()))
            .collect()
    }
}

impl Frame {
    pub fn draw_report(
        &self,
        election: &Provenance,
        seed: &str,
        seed_record: SeedRecord,
        take: usize,
    ) -> Result<DrawReport> {
        let draws = self.draw(seed, take)?;
        let info = self.info();
        let strata = draws
            .into_iter()
            .map(|h| StratumOut {
                name: self.scope.area_name(&h.stratum).to_string(),
                stations_in_frame: h.stations_in_frame,
                drawn: h.draws.len(),
                stations: h
                    .draws
                    .iter()
                    .map(|t| {
                        let s = info[t.id.as_str()];
                        DrawnStation {
                            ticket: t.ticket_number.clone(),
                            station: t.id.clone(),
                            name: s.name.clone(),
                            area: s.area.clone(),
                        }
                    })
                    .collect(),
                stratum: h.stratum,
            })
            .collect();
        Ok(DrawReport {
            election: election.clone(),
            frame: self.summary(),
            seed: seed_record,
            take,
            strata,
            recorded: None,
        })
    }

    /// The reports file to fill in: one row per station drawn.
    pub fn template(&self, report: &DrawReport) -> String {
        let mut text = String::from("station,registered,ballots_cast");
        for c in &self.scope.contest.choices {
            text.push(',');
            text.push_str(&csv_field(&c.id));
        }
        text.push('\n');
        for h in &report.strata {
            for s in &h.stations {
                text.push_str(&csv_field(&s.station));
                text.push_str(&",".repeat(2 + self.scope.contest.choices.len()));
                text.push('\n');
            }
        }
        text
    }

    fn info(&self) -> HashMap<&str, &ScopeStation> {
        self.scope
            .stations
            .iter()
            .map(|s| (s.code.as_str(), s))
            .collect()
    }
}

// ---------------------------------------------------------------- estimate

/// Where the sampled stations' figures come from.
#[derive(Debug, Clone)]
pub enum Figures {
    /// A copy of the forms recorded in the election: official, party:PARTY or
    /// observer:ORGANISATION.
    Source(String),
    /// A CSV file of reports, through a mapping (and one of its sources) or the default header.
    File {
        path: PathBuf,
        mapping: Option<PathBuf>,
        from: Option<String>,
    },
}

/// The sample an estimate reads: its seed and size, and the audit in the log it comes from.
#[derive(Debug, Clone)]
pub struct Sample {
    pub seed: String,
    pub take: usize,
    pub audit: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EstimateReport {
    pub election: Provenance,
    pub frame: FrameSummary,
    pub seed: String,
    /// The audit in the log whose recorded sample this is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit: Option<String>,
    pub take: usize,
    /// Where the figures came from: a source in the election, or a reports file.
    pub figures_from: String,
    /// Rows of the reports file for stations not in the sample (ignored).
    pub rows_ignored: usize,
    pub estimate: PvtEstimate,
    /// The official forms added up over the frame's stations.
    pub official: Option<OfficialOut>,
    pub verdict: Option<Verdict>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OfficialOut {
    pub stations_with_forms: usize,
    pub votes: BTreeMap<String, u64>,
    pub registered: Option<u64>,
    pub ballots_cast: u64,
}

impl Frame {
    /// The sample an estimate reads: the one recorded by audit `audit` in the log (checked
    /// against a fresh draw from its seed), or the one `seed` draws with `take` stations.
    pub fn sample(
        &self,
        review: &Review,
        audit: Option<&str>,
        seed: Option<&str>,
        take: Option<usize>,
    ) -> Result<Sample> {
        match (audit, seed) {
            (Some(id), _) => {
                let revealed = Revealed::read(review, id)?;
                self.check_committed(&revealed, take)?;
                self.recorded_sample(&revealed, take)
            }
            (None, Some(seed)) => {
                let seed = crate::seed::parse_seed(seed)?;
                let Some(take) = take else {
                    return Err(Error::param(
                        Param::Take,
                        "{} K: how many stations were drawn",
                    ));
                };
                Ok(Sample {
                    seed: seed.to_string(),
                    take,
                    audit: None,
                })
            }
            (None, None) => refuse!("give the seed and the number of stations drawn, or an audit"),
        }
    }

    /// One estimate per source of figures, all from the same sample.
    pub fn estimates(
        &self,
        election: &Provenance,
        sample: &Sample,
        figures: &[Figures],
        missing: MissingFigures,
    ) -> Result<Vec<EstimateReport>> {
        figures
            .iter()
            .map(|f| self.estimate(election, sample, f, missing))
            .collect()
    }
}

impl Frame {
    /// The sample recorded by audit `revealed`, checked against a fresh draw from its seed.
    pub fn recorded_sample(&self, revealed: &Revealed, take: Option<usize>) -> Result<Sample> {
        let id = &revealed.record.id;
        let take = self.check_committed(revealed, take)?;
        let rounds = revealed.rounds()?;
        if rounds.is_empty() {
            refuse!("audit {id:?} has no recorded sample yet: draw and record it first");
        }
        if rounds.len() > 1 {
            refuse!(
                "audit {id:?} records {} rounds; a PVT draws its sample once",
                rounds.len()
            );
        }
        let fresh: Vec<String> = self
            .draw(revealed.seed.as_str(), take)?
            .into_iter()
            .flat_map(|h| h.draws.into_iter().map(|t| t.id))
            .collect();
        revealed.check_recorded(&fresh)?;
        Ok(Sample {
            seed: revealed.seed.to_string(),
            take,
            audit: Some(id.clone()),
        })
    }

    /// Estimates the shares and turnout from the sampled stations' `figures`, and judges the
    /// official result over the same frame.
    pub fn estimate(
        &self,
        election: &Provenance,
        sample: &Sample,
        figures: &Figures,
        missing: MissingFigures,
    ) -> Result<EstimateReport> {
        let draws = self.draw(&sample.seed, sample.take)?;
        let info = self.info();
        let mut sampled: Vec<(String, String)> = Vec::new(); // (station, stratum)
        for h in &draws {
            for t in &h.draws {
                sampled.push((t.id.clone(), h.stratum.clone()));
            }
        }
        let choices = self.scope.choice_ids();
        let mut rows_ignored = 0;
        let (reports, figures_from) = match figures {
            Figures::Source(source) => {
                self.scope.check_source(source)?;
                let figures = self.scope.figures(source);
                let reports = sampled
                    .iter()
                    .map(|(station, stratum)| match figures.get(station) {
                        Some(f) => StationReport {
                            station: station.clone(),
                            stratum: stratum.clone(),
                            registered: f.registered,
                            ballots_cast: Some(f.valid + f.invalid),
                            votes: f.votes.iter().map(|v| Some(*v)).collect(),
                        },
                        None => StationReport {
                            station: station.clone(),
                            stratum: stratum.clone(),
                            registered: info[station.as_str()].registered,
                            ballots_cast: None,
                            votes: vec![None; choices.len()],
                        },
                    })
                    .collect::<Vec<_>>();
                (reports, format!("{source} forms in the election"))
            }
            Figures::File {
                path,
                mapping,
                from,
            } => {
                use interchange::CountField as F;
                let name = path.display().to_string();
                let rows = StationFile {
                    file: path,
                    mapping: mapping.as_deref(),
                    from: from.as_deref(),
                    extra: &[
                        ("registered", F::Registered),
                        ("ballots_cast", F::BallotsCast),
                    ],
                }
                .read(&self.scope.contest)?;
                let in_sample: HashMap<&str, usize> = sampled
                    .iter()
                    .enumerate()
                    .map(|(i, (s, _))| (s.as_str(), i))
                    .collect();
                let mut found: Vec<Option<StationRow>> = vec![None; sampled.len()];
                let mut lines: HashMap<String, u64> = HashMap::new();
                for row in rows {
                    let at = format!("{name}:{}", row.line);
                    if !info.contains_key(row.station.as_str()) {
                        if self.scope.is_station(&row.station) {
                            refuse!(
                                "{at}: column station: station {:?} is outside {}",
                                row.station,
                                self.scope.area_text()
                            );
                        }
                        refuse!(
                            "{at}: column station: unknown station {:?}; station ids are the election's station codes",
                            row.station
                        );
                    }
                    if let Some(earlier) = lines.insert(row.station.clone(), row.line) {
                        refuse!(
                            "{at}: station {:?} is already on line {earlier}; give each station once",
                            row.station
                        );
                    }
                    match in_sample.get(row.station.as_str()) {
                        Some(&i) => found[i] = Some(row),
                        None => rows_ignored += 1,
                    }
                }
                let reports = sampled
                    .iter()
                    .zip(found)
                    .map(|((station, stratum), row)| {
                        let registered = info[station.as_str()].registered;
                        match row {
                            Some(r) => {
                                let c = &r.counts;
                                let cast =
                                    c.ballots_cast.or(c.total).or(match (c.valid, c.invalid) {
                                        (Some(v), Some(i)) => Some(v + i),
                                        _ => None,
                                    });
                                StationReport {
                                    station: station.clone(),
                                    stratum: stratum.clone(),
                                    registered: c.registered.or(registered),
                                    ballots_cast: cast,
                                    votes: r.votes,
                                }
                            }
                            None => StationReport {
                                station: station.clone(),
                                stratum: stratum.clone(),
                                registered,
                                ballots_cast: None,
                                votes: vec![None; choices.len()],
                            },
                        }
                    })
                    .collect();
                (reports, format!("reports file {name}"))
            }
        };
        let estimate = pvt::estimate(&choices, &self.frame.stratum_sizes(), &reports, missing)
            .map_err(|err| match err {
                stats::StatsError::TooFewStations { stratum, reporting } => {
                    Error::Refused(format!(
                        "estimating from {figures_from}: stratum {stratum:?} ({}) has {reporting} \
                     reporting station(s) in the sample; its variance needs at least 2: draw more \
                     stations, or use fewer strata",
                        self.scope.area_name(&stratum)
                    ))
                }
                other => Error::Refused(format!("estimating from {figures_from}: {other}")),
            })?;

        // The official result over the same frame.
        let official_forms = self.scope.figures("official");
        let (official, verdict) = if official_forms.is_empty() {
            (None, None)
        } else {
            let mut votes = vec![0u64; choices.len()];
            let mut cast = 0;
            let mut registered = Some(0u64);
            for f in official_forms.values() {
                for (t, v) in votes.iter_mut().zip(&f.votes) {
                    *t += v;
                }
                cast += f.valid + f.invalid;
                registered = registered.zip(f.registered).map(|(a, b)| a + b);
            }
            let result = OfficialResult {
                votes: votes.clone(),
                registered,
                ballots_cast: Some(cast),
            };
            let verdict = pvt::verdict(&estimate, &result)?;
            (
                Some(OfficialOut {
                    stations_with_forms: official_forms.len(),
                    votes: choices.iter().map(|c| c.to_string()).zip(votes).collect(),
                    registered,
                    ballots_cast: cast,
                }),
                Some(verdict),
            )
        };
        Ok(EstimateReport {
            election: election.clone(),
            frame: self.summary(),
            seed: sample.seed.clone(),
            audit: sample.audit.clone(),
            take: sample.take,
            figures_from,
            rows_ignored,
            estimate,
            official,
            verdict,
        })
    }
}
