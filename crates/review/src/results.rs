//! Results as each source recorded them, area by area: an area's drill-down (the areas one
//! level below it, or its stations at the last level, with each source's totals and how many
//! stations have a copy that differs from the official one), and one station's copies side by
//! side with every difference named. The server's read API answers with these values.

use std::collections::BTreeMap;

use rusqlite::Connection;
use serde::Serialize;

use crate::error::{Error, Param, Result};
use crate::scope::{Figures, Scope, ScopeStation};

/// The source every other copy is compared with.
pub const OFFICIAL: &str = "official";

/// One source's figures added up over some stations.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Stations with a form from this source.
    pub forms: u64,
    pub valid: u64,
    pub invalid: u64,
    /// Votes by choice id.
    pub votes: BTreeMap<String, u64>,
}

/// A figure on which a source's copy of a station's form differs from the official copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    pub source: String,
    /// A choice id, or `valid` or `invalid`.
    pub figure: String,
    pub official: u64,
    pub copy: u64,
}

/// An area below the one drilled into, or a station.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub code: String,
    pub name: Option<String>,
    /// Stations in effect in it.
    pub stations: u64,
    /// Each source's totals over its stations.
    pub sources: BTreeMap<String, Tally>,
    /// Stations where some source's copy differs from the official copy.
    pub stations_differing: u64,
    /// For a station: every figure on which a copy differs from the official one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub differences: Vec<Difference>,
}

/// An area (or the whole election) and what is one level below it.
#[derive(Debug, Clone, Serialize)]
pub struct Drilldown {
    pub contest: String,
    /// The area drilled into (code, name), or None for the whole election.
    pub area: Option<(String, String)>,
    /// The level of the rows (a level's name), or `station`.
    pub below: String,
    /// The contest's choice ids, in ballot order.
    pub choices: Vec<String>,
    /// Every source with a form for this contest.
    pub sources: Vec<String>,
    /// The area's own totals.
    pub total: Row,
    pub rows: Vec<Row>,
}

impl Drilldown {
    /// The drill-down of `area` (None: the whole election) in `contest` (None: the only one).
    pub fn read(conn: &Connection, contest: Option<&str>, area: Option<&str>) -> Result<Drilldown> {
        let scope = Scope::read(conn, contest, area)?;
        let figures = all_figures(&scope);
        let stations: Vec<&ScopeStation> = scope.stations.iter().collect();
        Ok(drill(&scope, scope.area.clone(), &stations, &figures))
    }
}

/// Each source with its figures by station.
type SourceFigures = Vec<(String, BTreeMap<String, Figures>)>;

fn all_figures(scope: &Scope) -> SourceFigures {
    scope
        .sources()
        .iter()
        .map(|s| (s.clone(), scope.figures(s)))
        .collect()
}

/// The drill-down of `area` over its `stations`.
fn drill(
    scope: &Scope,
    area: Option<(String, String)>,
    stations: &[&ScopeStation],
    figures: &SourceFigures,
) -> Drilldown {
    let choices: Vec<String> = scope.choice_ids().iter().map(|c| c.to_string()).collect();
    let level = match &area {
        Some((code, _)) => scope.areas.get(code).map_or(0, |(_, l)| l + 1),
        None => 0,
    };
    let at_stations = level >= scope.levels.len();
    let below = if at_stations {
        "station".to_string()
    } else {
        scope.levels[level].clone()
    };
    let (code, name) = area
        .clone()
        .map_or(("".to_string(), None), |(c, n)| (c, Some(n)));
    let mut total = Row::new(code, name);
    let mut rows: BTreeMap<String, Row> = BTreeMap::new();
    for station in stations {
        let key = if at_stations {
            station.code.clone()
        } else {
            match scope.area_at(station, level) {
                Some(a) => a.to_string(),
                None => continue,
            }
        };
        let row = rows.entry(key.clone()).or_insert_with(|| {
            let name = if at_stations {
                station.name.clone()
            } else {
                Some(scope.area_name(&key).to_string())
            };
            Row::new(key, name)
        });
        let differences = add_station(row, station, figures, &choices, at_stations);
        add_station(&mut total, station, figures, &choices, false);
        row.differences.extend(differences);
    }
    Drilldown {
        contest: scope.contest.id.clone(),
        area,
        below,
        sources: figures.iter().map(|(s, _)| s.clone()).collect(),
        choices,
        total,
        rows: rows.into_values().collect(),
    }
}

/// One contest's results everywhere, read once: every area's drill-down and every station's
/// copies come from it without asking the state again, which is how the public site writes
/// them all (a station's drill-down is O(its stations), not O(the election's)).
pub struct Results {
    scope: Scope,
    figures: SourceFigures,
    /// Area code → the places in `scope.stations` of the stations under it.
    under: std::collections::HashMap<String, Vec<usize>>,
}

impl Results {
    /// `contest` (None: the only one) everywhere.
    pub fn read(conn: &Connection, contest: Option<&str>) -> Result<Results> {
        let scope = Scope::read(conn, contest, None)?;
        let figures = all_figures(&scope);
        let mut under: std::collections::HashMap<String, Vec<usize>> = Default::default();
        for (i, s) in scope.stations.iter().enumerate() {
            for a in &s.path {
                under.entry(a.clone()).or_default().push(i);
            }
        }
        Ok(Results {
            scope,
            figures,
            under,
        })
    }

    /// The contest, its levels, areas and stations.
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// The drill-down of `area` (None: the whole election).
    pub fn drilldown(&self, area: Option<&str>) -> Result<Drilldown> {
        let Some(code) = area else {
            let all: Vec<&ScopeStation> = self.scope.stations.iter().collect();
            return Ok(drill(&self.scope, None, &all, &self.figures));
        };
        let Some((name, _)) = self.scope.areas.get(code) else {
            return Err(Error::param(
                Param::Area,
                format!("{{}} {code:?}: the election has no area with that code"),
            ));
        };
        let stations: Vec<&ScopeStation> = self
            .under
            .get(code)
            .map(|v| v.iter().map(|&i| &self.scope.stations[i]).collect())
            .unwrap_or_default();
        let area = Some((code.to_string(), name.clone()));
        Ok(drill(&self.scope, area, &stations, &self.figures))
    }

    /// The copies of one station's form.
    pub fn station(&self, code: &str) -> Result<StationForms> {
        let found = self
            .scope
            .stations
            .binary_search_by(|s| s.code.as_str().cmp(code))
            .ok();
        let Some(s) = found.map(|i| &self.scope.stations[i]) else {
            return Err(no_station(code));
        };
        Ok(station_forms(&self.scope, s, &self.figures))
    }
}

fn no_station(code: &str) -> Error {
    Error::Param {
        param: Param::Station,
        text: format!("{{}} {code:?}: the election has no station in effect with that code"),
    }
}

fn station_forms(scope: &Scope, s: &ScopeStation, figures: &SourceFigures) -> StationForms {
    let choices: Vec<String> = scope.choice_ids().iter().map(|c| c.to_string()).collect();
    let mut row = Row::new(s.code.clone(), s.name.clone());
    row.differences = add_station(&mut row, s, figures, &choices, true);
    StationForms {
        contest: scope.contest.id.clone(),
        areas: s
            .path
            .iter()
            .map(|a| (a.clone(), scope.area_name(a).to_string()))
            .collect(),
        choices,
        photos: scope.photos(&s.code),
        station: row,
    }
}

/// One station's copies of its form, side by side.
#[derive(Debug, Clone, Serialize)]
pub struct StationForms {
    pub contest: String,
    /// The areas above the station, from the top level down: (code, name).
    pub areas: Vec<(String, String)>,
    pub choices: Vec<String>,
    /// The photographs of each source's copy (SHA-256 of each, hex), where it has any.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub photos: BTreeMap<String, Vec<String>>,
    /// The station, each source's copy as a tally of one form, and its differences.
    pub station: Row,
}

impl StationForms {
    /// The copies of `station`'s form in `contest` (None: the only one).
    pub fn read(conn: &Connection, contest: Option<&str>, station: &str) -> Result<StationForms> {
        let scope = Scope::read(conn, contest, None)?;
        let Some(s) = scope.stations.iter().find(|s| s.code == station) else {
            return Err(no_station(station));
        };
        Ok(station_forms(&scope, s, &all_figures(&scope)))
    }
}

impl Row {
    fn new(code: String, name: Option<String>) -> Row {
        Row {
            code,
            name,
            stations: 0,
            sources: BTreeMap::new(),
            stations_differing: 0,
            differences: Vec::new(),
        }
    }
}

/// Adds `station`'s forms to `row`; returns its differences from the official copy when
/// `name_them`.
fn add_station(
    row: &mut Row,
    station: &ScopeStation,
    figures: &[(String, BTreeMap<String, Figures>)],
    choices: &[String],
    name_them: bool,
) -> Vec<Difference> {
    row.stations += 1;
    let official = figures
        .iter()
        .find(|(s, _)| s == OFFICIAL)
        .and_then(|(_, f)| f.get(&station.code));
    let mut differences = Vec::new();
    let mut differs = false;
    for (source, by_station) in figures {
        let Some(f) = by_station.get(&station.code) else {
            continue;
        };
        let tally = row.sources.entry(source.clone()).or_default();
        tally.forms += 1;
        tally.valid += f.valid;
        tally.invalid += f.invalid;
        for (choice, v) in choices.iter().zip(&f.votes) {
            *tally.votes.entry(choice.clone()).or_default() += v;
        }
        let Some(o) = official.filter(|_| source != OFFICIAL) else {
            continue;
        };
        let pairs = [
            ("valid", o.valid, f.valid),
            ("invalid", o.invalid, f.invalid),
        ]
        .into_iter()
        .chain(
            choices
                .iter()
                .zip(o.votes.iter().zip(&f.votes))
                .map(|(c, (a, b))| (c.as_str(), *a, *b)),
        );
        for (figure, official, copy) in pairs {
            if official != copy {
                differs = true;
                if name_them {
                    differences.push(Difference {
                        source: source.clone(),
                        figure: figure.to_string(),
                        official,
                        copy,
                    });
                }
            }
        }
    }
    if differs {
        row.stations_differing += 1;
    }
    differences
}
