//! An election's results as plain data, for writing out: the geography (areas of each level
//! and the stations in the last level), the contests, and every station's result forms per
//! source. [`Tally::rows`] adds the forms up at any level; [`Tally::write_csv`] writes them as
//! CSV, and [`crate::cdf`] turns a tally into the NIST results format and back.
//!
//! The binary fills a tally from the election's state; this crate never knows about the log.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;

/// The geography, the contests and the station-level result forms of one election.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// The election's name.
    pub election: String,
    /// Area levels from the top down; stations sit in areas of the last level.
    pub levels: Vec<String>,
    pub areas: Vec<Area>,
    pub stations: Vec<Station>,
    pub parties: Vec<Party>,
    pub contests: Vec<Contest>,
    pub forms: Vec<Form>,
    /// Certified (contest, area) pairs.
    pub certified: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Area {
    pub code: String,
    pub name: String,
    /// Index into [`Tally::levels`].
    pub level: usize,
    pub parent: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Station {
    pub code: String,
    pub name: Option<String>,
    /// The area (of the last level) the station is in.
    pub area: String,
    /// Registered voters as published for the station.
    pub registered: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContestKind {
    PartyList,
    Candidates,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contest {
    pub id: String,
    pub name: String,
    pub kind: ContestKind,
    /// Choices in ballot order.
    pub choices: Vec<Choice>,
    /// Seats to fill, all constituencies together.
    pub seats: u64,
    /// The areas whose seats are allocated separately.
    pub constituencies: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub id: String,
    pub name: String,
    pub party: Option<String>,
}

/// One source's result form for one station and contest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    pub station: String,
    pub contest: String,
    /// `official`, `party:<id>` or `observer:<organisation>`.
    pub source: String,
    pub counts: Counts,
}

/// The figures of a form, or of forms added up. An optional figure of a sum is `None` when
/// any form in it lacks the figure: a partial sum would read as a whole one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub registered: Option<u64>,
    pub ballots_received: Option<u64>,
    pub ballots_issued: Option<u64>,
    pub spoiled: Option<u64>,
    pub unused: Option<u64>,
    pub valid: u64,
    pub invalid: u64,
    /// Votes per choice id; a choice a form leaves out had no votes.
    pub votes: BTreeMap<String, u64>,
}

impl Counts {
    fn add(&mut self, other: &Counts) {
        fn opt(a: &mut Option<u64>, b: Option<u64>) {
            *a = match (*a, b) {
                (Some(a), Some(b)) => Some(a.saturating_add(b)),
                _ => None,
            };
        }
        opt(&mut self.registered, other.registered);
        opt(&mut self.ballots_received, other.ballots_received);
        opt(&mut self.ballots_issued, other.ballots_issued);
        opt(&mut self.spoiled, other.spoiled);
        opt(&mut self.unused, other.unused);
        self.valid = self.valid.saturating_add(other.valid);
        self.invalid = self.invalid.saturating_add(other.invalid);
        for (choice, n) in &other.votes {
            let v = self.votes.entry(choice.clone()).or_default();
            *v = v.saturating_add(*n);
        }
    }
}

/// Where results are added up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// The whole election.
    Country,
    /// Areas of this level (an index into [`Tally::levels`]).
    Area(usize),
    Station,
}

impl Tally {
    /// Reads a level's name: `country`, `station`, or one of the area levels.
    pub fn level(&self, name: &str) -> Result<Level, String> {
        match name {
            "country" => Ok(Level::Country),
            "station" => Ok(Level::Station),
            _ => self
                .levels
                .iter()
                .position(|l| l == name)
                .map(Level::Area)
                .ok_or_else(|| {
                    let mut known = vec!["country".to_string()];
                    known.extend(self.levels.iter().cloned());
                    known.push("station".into());
                    format!(
                        "unknown level {name:?}; the levels are {}",
                        known.join(", ")
                    )
                }),
        }
    }

    /// The name of a level, as [`Tally::level`] reads it.
    pub fn level_name(&self, level: Level) -> &str {
        match level {
            Level::Country => "country",
            Level::Station => "station",
            Level::Area(i) => self.levels.get(i).map_or("area", |s| s.as_str()),
        }
    }

    /// The levels from the country down to `finest`.
    pub fn levels_down_to(&self, finest: Level) -> Vec<Level> {
        let mut out = vec![Level::Country];
        out.extend((0..self.levels.len()).map(Level::Area));
        out.push(Level::Station);
        out.retain(|l| *l <= finest);
        out
    }

    /// The forms added up per unit of `level`, contest and source, in unit order (by code),
    /// then contest, then source with `official` first. Units without forms have no row.
    /// `contest` and `source` keep only those forms when given.
    pub fn rows(
        &self,
        level: Level,
        contest: Option<&str>,
        source: Option<&str>,
    ) -> Result<Vec<Row>, String> {
        let units = self.units(level)?;
        let station_unit = self.station_units(level)?;
        // (unit, contest, (not official, source)) -> (forms, sums)
        type Key<'a> = (usize, &'a str, (bool, &'a str));
        let mut sums: BTreeMap<Key, (u64, Counts)> = BTreeMap::new();
        for f in &self.forms {
            if contest.is_some_and(|c| c != f.contest) || source.is_some_and(|s| s != f.source) {
                continue;
            }
            let Some(&unit) = station_unit.get(f.station.as_str()) else {
                return Err(format!(
                    "a {} form names station {:?}, which is not in the election",
                    f.source, f.station
                ));
            };
            let key = (
                unit,
                f.contest.as_str(),
                (f.source != "official", f.source.as_str()),
            );
            match sums.get_mut(&key) {
                Some((n, c)) => {
                    *n += 1;
                    c.add(&f.counts);
                }
                None => {
                    sums.insert(key, (1, f.counts.clone()));
                }
            }
        }
        Ok(sums
            .into_iter()
            .map(|((unit, contest, (_, source)), (forms, counts))| {
                let u = &units[unit];
                Row {
                    level,
                    code: u.code.clone(),
                    name: u.name.clone(),
                    parent: u.parent.clone(),
                    contest: contest.to_string(),
                    source: source.to_string(),
                    forms,
                    counts,
                }
            })
            .collect())
    }

    /// The units of a level, sorted by code.
    pub fn units(&self, level: Level) -> Result<Vec<Unit>, String> {
        let mut out: Vec<Unit> = match level {
            Level::Country => vec![Unit {
                code: String::new(),
                name: self.election.clone(),
                parent: None,
            }],
            Level::Area(i) => self
                .areas
                .iter()
                .filter(|a| a.level == i)
                .map(|a| Unit {
                    code: a.code.clone(),
                    name: a.name.clone(),
                    parent: a.parent.clone(),
                })
                .collect(),
            Level::Station => self
                .stations
                .iter()
                .map(|s| Unit {
                    code: s.code.clone(),
                    name: s.name.clone().unwrap_or_default(),
                    parent: Some(s.area.clone()),
                })
                .collect(),
        };
        out.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(out)
    }

    /// The published registered voters of each unit of `level`, by code: the stations'
    /// figures added up, or `None` when any station below lacks one.
    pub fn registered(&self, level: Level) -> Result<HashMap<String, Option<u64>>, String> {
        let units = self.units(level)?;
        let station_unit = self.station_units(level)?;
        let mut sums: Vec<Option<u64>> = vec![Some(0); units.len()];
        for s in &self.stations {
            let i = station_unit[s.code.as_str()];
            sums[i] = match (sums[i], s.registered) {
                (Some(a), Some(b)) => Some(a.saturating_add(b)),
                _ => None,
            };
        }
        Ok(units.into_iter().map(|u| u.code).zip(sums).collect())
    }

    /// The stations in any of `areas`, at any depth.
    pub fn stations_in(&self, areas: &[String]) -> Vec<&str> {
        let wanted: std::collections::HashSet<&str> = areas.iter().map(|a| a.as_str()).collect();
        let parent: HashMap<&str, Option<&str>> = self
            .areas
            .iter()
            .map(|a| (a.code.as_str(), a.parent.as_deref()))
            .collect();
        self.stations
            .iter()
            .filter(|s| {
                let mut code = Some(s.area.as_str());
                // Bounded walk: a cycle in a broken tally must not hang.
                for _ in 0..=self.levels.len() {
                    match code {
                        Some(c) if wanted.contains(c) => return true,
                        Some(c) => code = parent.get(c).copied().flatten(),
                        None => return false,
                    }
                }
                false
            })
            .map(|s| s.code.as_str())
            .collect()
    }

    /// For each station, the index (in [`Tally::units`] order) of its unit at `level`.
    fn station_units(&self, level: Level) -> Result<HashMap<&str, usize>, String> {
        let units = self.units(level)?;
        let index: HashMap<&str, usize> = units
            .iter()
            .enumerate()
            .map(|(i, u)| (u.code.as_str(), i))
            .collect();
        let areas: HashMap<&str, &Area> = self.areas.iter().map(|a| (a.code.as_str(), a)).collect();
        let mut out = HashMap::with_capacity(self.stations.len());
        for s in &self.stations {
            let unit = match level {
                Level::Country => 0,
                Level::Station => index[s.code.as_str()],
                Level::Area(target) => {
                    // Walk up from the station's area; a cycle or a gap is a broken tally.
                    let mut code = s.area.as_str();
                    let mut steps = 0;
                    loop {
                        let Some(a) = areas.get(code) else {
                            return Err(format!(
                                "station {:?} is under area {code:?}, which is not in the election",
                                s.code
                            ));
                        };
                        if a.level == target {
                            break index[a.code.as_str()];
                        }
                        steps += 1;
                        match (&a.parent, steps > self.levels.len()) {
                            (Some(p), false) => code = p,
                            _ => {
                                return Err(format!(
                                    "station {:?} has no {} above it",
                                    s.code,
                                    self.level_name(level)
                                ));
                            }
                        }
                    }
                }
            };
            out.insert(s.code.as_str(), unit);
        }
        Ok(out)
    }

    /// Writes one contest's results as CSV, one row per unit of `level` and source; see
    /// [`CSV_COLUMNS`] for the header. `source` keeps one source only.
    pub fn write_csv<W: Write>(
        &self,
        out: W,
        level: Level,
        contest: &str,
        source: Option<&str>,
    ) -> Result<(), String> {
        let Some(c) = self.contests.iter().find(|c| c.id == contest) else {
            return Err(format!("unknown contest {contest:?}"));
        };
        let rows = self.rows(level, Some(contest), source)?;
        let mut w = csv::Writer::from_writer(out);
        let mut header: Vec<&str> = CSV_COLUMNS.to_vec();
        header.extend(c.choices.iter().map(|c| c.id.as_str()));
        let io = |e: csv::Error| e.to_string();
        w.write_record(&header).map_err(io)?;
        let opt = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
        for r in &rows {
            let mut record = vec![
                self.level_name(level).to_string(),
                r.code.clone(),
                r.name.clone(),
                r.parent.clone().unwrap_or_default(),
                r.contest.clone(),
                r.source.clone(),
                r.forms.to_string(),
                opt(r.counts.registered),
                opt(r.counts.ballots_received),
                opt(r.counts.ballots_issued),
                opt(r.counts.spoiled),
                opt(r.counts.unused),
                r.counts.valid.to_string(),
                r.counts.invalid.to_string(),
            ];
            record.extend(
                c.choices
                    .iter()
                    .map(|ch| r.counts.votes.get(&ch.id).copied().unwrap_or(0).to_string()),
            );
            w.write_record(&record).map_err(io)?;
        }
        w.flush().map_err(|e| e.to_string())
    }
}

/// The fixed columns of [`Tally::write_csv`], before one column per choice (headed by the
/// choice's id, in ballot order).
///
/// - `level`: `station`, an area level, or `country`;
/// - `code`, `name`, `parent`: the unit (a station's parent is its area; the country's code
///   and parent are empty);
/// - `contest`, `source`: `official`, `party:<id>` or `observer:<organisation>`;
/// - `forms`: how many station forms were added up;
/// - `registered`, `ballots_received`, `ballots_issued`, `spoiled`, `unused`: as written on
///   the forms; empty when any form added up lacks the figure;
/// - `valid`, `invalid`: ballots.
pub const CSV_COLUMNS: &[&str] = &[
    "level",
    "code",
    "name",
    "parent",
    "contest",
    "source",
    "forms",
    "registered",
    "ballots_received",
    "ballots_issued",
    "spoiled",
    "unused",
    "valid",
    "invalid",
];

/// A station, an area, or the country.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    pub code: String,
    pub name: String,
    pub parent: Option<String>,
}

/// One source's forms for one contest, added up over a unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub level: Level,
    pub code: String,
    pub name: String,
    pub parent: Option<String>,
    pub contest: String,
    pub source: String,
    /// How many forms were added up.
    pub forms: u64,
    pub counts: Counts,
}
