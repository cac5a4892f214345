//! One contest as recorded, and the stations of the area under review, with each source's
//! figures per station.

use std::collections::{BTreeMap, HashMap, HashSet};

use ledger::event::{Contest, ResultForm};
use rusqlite::Connection;
use serde::Serialize;

use crate::error::{Error, Param, Result, refuse, state};

/// A station in the reviewed area, with the areas above it.
#[derive(Debug, Clone, Serialize)]
pub struct ScopeStation {
    pub code: String,
    pub name: Option<String>,
    /// The area (of the last level) the station is in.
    pub area: String,
    /// Area codes from the top level down to `area`.
    #[serde(skip)]
    pub path: Vec<String>,
    pub registered: Option<u64>,
}

/// One contest as recorded, and the stations of the reviewed area.
pub struct Scope {
    pub contest: Contest,
    /// The area reviewed (code, name), or None for the whole election.
    pub area: Option<(String, String)>,
    pub levels: Vec<String>,
    /// Area code → (name, level index).
    pub areas: HashMap<String, (String, usize)>,
    /// Stations in effect in the area, sorted by code.
    pub stations: Vec<ScopeStation>,
    /// Every station code in effect, in the area or not.
    all_codes: HashSet<String>,
    conn_forms: Vec<ResultForm>,
}

/// The areas and the stations in effect in one area (or all), without any contest: what a
/// roll review needs.
pub struct Geography {
    /// The area reviewed (code, name), or None for the whole election.
    pub area: Option<(String, String)>,
    pub levels: Vec<String>,
    /// Area code → (name, level index).
    pub areas: HashMap<String, (String, usize)>,
    /// Stations in effect in the area, sorted by code.
    pub stations: Vec<ScopeStation>,
    /// Every station code in effect, in the area or not.
    pub all_codes: HashSet<String>,
}

impl Geography {
    /// Reads the levels, the areas, and the stations in `area` (or all).
    pub fn read(conn: &Connection, area: Option<&str>) -> Result<Geography> {
        let levels = state(ledger::report::levels(conn))?;
        let area_rows = state(ledger::report::areas(conn))?;
        let mut areas = HashMap::new();
        let mut parent: HashMap<String, Option<String>> = HashMap::new();
        for a in &area_rows {
            let level = levels.iter().position(|l| *l == a.level).unwrap_or(0);
            areas.insert(a.code.clone(), (a.name.clone(), level));
            parent.insert(a.code.clone(), a.parent.clone());
        }
        let chosen = match area {
            Some(code) => {
                let Some((name, _)) = areas.get(code) else {
                    return Err(Error::param(
                        Param::Area,
                        format!(
                            "{{}} {code:?}: the election has no area with that code \
                                 (codes are as in `scrutineer export --format csv --level LEVEL`)"
                        ),
                    ));
                };
                Some((code.to_string(), name.clone()))
            }
            None => None,
        };
        let mut stations = Vec::new();
        let mut all_codes = HashSet::new();
        for s in state(ledger::report::stations(conn))? {
            all_codes.insert(s.code.clone());
            let mut path = vec![s.area.clone()];
            let mut at = s.area.clone();
            while let Some(Some(p)) = parent.get(&at) {
                if path.len() > levels.len() + 1 {
                    break; // a cycle cannot happen through the fold; never loop on one
                }
                path.push(p.clone());
                at = p.clone();
            }
            path.reverse();
            if let Some((code, _)) = &chosen
                && !path.contains(code)
            {
                continue;
            }
            stations.push(ScopeStation {
                code: s.code,
                name: s.name,
                area: s.area,
                path,
                registered: s.registered,
            });
        }
        stations.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(Geography {
            area: chosen,
            levels,
            areas,
            stations,
            all_codes,
        })
    }

    /// The area of `station` at `level` (index into `levels`), if it has one.
    pub fn area_at<'a>(&self, station: &'a ScopeStation, level: usize) -> Option<&'a str> {
        area_at(&self.areas, station, level)
    }
}

/// The area of `station` at `level` among `areas` (code → name and level index).
fn area_at<'a>(
    areas: &HashMap<String, (String, usize)>,
    station: &'a ScopeStation,
    level: usize,
) -> Option<&'a str> {
    station
        .path
        .iter()
        .find(|a| areas.get(*a).is_some_and(|(_, l)| *l == level))
        .map(String::as_str)
}

/// A station-level figure set from one source, in the contest's choice order.
#[derive(Debug, Clone)]
pub struct Figures {
    pub registered: Option<u64>,
    pub valid: u64,
    pub invalid: u64,
    pub votes: Vec<u64>,
}

impl Scope {
    /// Reads the contest (`--contest`, or the only one) and the stations in `area` (or all).
    pub fn read(conn: &Connection, contest: Option<&str>, area: Option<&str>) -> Result<Scope> {
        let contests = state(ledger::report::contests(conn))?;
        let ids = || {
            contests
                .iter()
                .map(|c| c.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let contest = match (contest, contests.as_slice()) {
            (Some(id), _) => match contests.iter().find(|c| c.id == id) {
                Some(c) => c.clone(),
                None => {
                    refuse!(
                        "the election has no contest {id:?}; its contests are {}",
                        ids()
                    );
                }
            },
            (None, [one]) => one.clone(),
            (None, []) => refuse!("the election has no contest"),
            (None, _) => {
                return Err(Error::param(
                    Param::Contest,
                    format!(
                        "the election has several contests ({}); choose one with {{}}",
                        ids()
                    ),
                ));
            }
        };
        let geo = Geography::read(conn, area)?;
        let conn_forms = state(ledger::report::result_forms(conn))?
            .into_iter()
            .filter(|f| f.contest == contest.id)
            .collect();
        Ok(Scope {
            contest,
            area: geo.area,
            levels: geo.levels,
            areas: geo.areas,
            stations: geo.stations,
            all_codes: geo.all_codes,
            conn_forms,
        })
    }

    /// Whether the election has a station with this code (in the area or not).
    pub fn is_station(&self, code: &str) -> bool {
        self.all_codes.contains(code)
    }

    pub fn choice_ids(&self) -> Vec<&str> {
        self.contest.choices.iter().map(|c| c.id.as_str()).collect()
    }

    /// "in all areas" or "in area 08 (Kampong Cham)".
    pub fn area_text(&self) -> String {
        match &self.area {
            Some((code, name)) => format!("in area {code} ({name})"),
            None => "in the whole election".into(),
        }
    }

    /// The sources that have forms for this contest.
    pub fn sources(&self) -> Vec<String> {
        let mut s: Vec<String> = self.conn_forms.iter().map(|f| f.source.clone()).collect();
        s.sort();
        s.dedup();
        s
    }

    /// The figures of every station in scope that has a form from `source`.
    pub fn figures(&self, source: &str) -> BTreeMap<String, Figures> {
        let in_scope: HashMap<&str, &ScopeStation> =
            self.stations.iter().map(|s| (s.code.as_str(), s)).collect();
        let mut out = BTreeMap::new();
        for f in self.conn_forms.iter().filter(|f| f.source == source) {
            let Some(s) = in_scope.get(f.station.as_str()) else {
                continue;
            };
            out.insert(
                f.station.clone(),
                Figures {
                    registered: f.registered.or(s.registered),
                    valid: f.valid,
                    invalid: f.invalid,
                    votes: self
                        .contest
                        .choices
                        .iter()
                        .map(|c| f.votes.get(&c.id).copied().unwrap_or(0))
                        .collect(),
                },
            );
        }
        out
    }

    /// The photographs of `station`'s copies of the form, by source.
    pub fn photos(&self, station: &str) -> BTreeMap<String, Vec<String>> {
        // The forms are in station order (`ledger::report::result_forms`).
        let first = self
            .conn_forms
            .partition_point(|f| f.station.as_str() < station);
        self.conn_forms[first..]
            .iter()
            .take_while(|f| f.station == station)
            .filter(|f| !f.photos.is_empty())
            .map(|f| (f.source.clone(), f.photos.clone()))
            .collect()
    }

    /// Checks that `source` has forms, naming the sources that do otherwise.
    pub fn check_source(&self, source: &str) -> Result<()> {
        let sources = self.sources();
        if !sources.iter().any(|s| s == source) {
            refuse!(
                "no {source:?} result forms for contest {:?}; the sources with forms are: {}",
                self.contest.id,
                if sources.is_empty() {
                    "none yet".to_string()
                } else {
                    sources.join(", ")
                }
            );
        }
        Ok(())
    }

    /// The area of `station` at `level` (index into `levels`), if it has one.
    pub fn area_at<'a>(&self, station: &'a ScopeStation, level: usize) -> Option<&'a str> {
        area_at(&self.areas, station, level)
    }

    pub fn area_name(&self, code: &str) -> &str {
        self.areas.get(code).map_or("", |(n, _)| n.as_str())
    }
}
