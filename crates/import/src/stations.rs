//! Areas and polling stations, as one batch the commission approves.

use crate::{BadRow, Error, Import, Result, Span, Staged, safe};
use ledger::Applied;
use ledger::event::{Area, Content, Event, Station};
use serde::Serialize;
use std::collections::HashMap;

/// What a stations import proposed.
#[derive(Debug, Clone, Serialize)]
pub struct StationsReport {
    /// The proposal's id: the batch takes effect once members approve it.
    pub proposal: String,
    pub areas: usize,
    pub stations: usize,
    /// Registered voters over the stations taken, where the file gives them.
    pub registered: u64,
    pub span: Span,
    /// The rows left out, by line.
    pub left_out: Vec<BadRow>,
}

impl Import<'_> {
    /// Proposes the file's new areas and its stations as one governed batch, with `reason`.
    pub fn stations(&mut self, reason: &str) -> Result<StationsReport> {
        let levels = ledger::report::levels(self.election.conn())?;
        let mapped: Vec<&str> = self
            .mapping
            .station
            .areas
            .iter()
            .map(|s| s.level.as_str())
            .collect();
        if mapped != levels {
            return Err(Error::Refused(format!(
                "{}: key `station.areas`: names the levels {} but the election's levels are {}; name every level, top down, as the election does",
                self.mapping.path.display(),
                mapped.join(" > "),
                levels.join(" > ")
            )));
        }
        let (input, counter) = self.input()?;
        let reader = interchange::StationListReader::from_reader(input, &self.file, &self.mapping)?
            .keep_going();
        let rows = self.collect(reader, counter)?;

        // Areas in first-seen order, and where each existing one already sits.
        struct NewArea {
            area: Area,
            line: u64,
        }
        let mut seen: HashMap<String, (usize, String, Option<String>, u64)> = HashMap::new();
        let mut new_areas: Vec<Vec<NewArea>> = (0..levels.len()).map(|_| Vec::new()).collect();
        let mut stations = Staged::default();
        let conn = self.election.conn();
        let mut bad = Vec::new();
        'rows: for row in &rows {
            let mut parent: Option<String> = None;
            for (level, cell) in row.areas.iter().enumerate() {
                let key = format!("station.areas[{level}]");
                match seen.get(&cell.code) {
                    Some((l, name, p, first)) => {
                        if *l != level || *p != parent || *name != cell.name {
                            bad.push(BadRow {
                                line: row.line,
                                field: format!("area (mapping key `{key}`)"),
                                reason: format!(
                                    "area {:?} is placed differently on line {first}: a code names one area",
                                    cell.code
                                ),
                            });
                            continue 'rows;
                        }
                    }
                    None => {
                        match ledger::report::area_place(conn, &cell.code)? {
                            Some(ledger::report::AreaPlace {
                                level: l,
                                parent: p,
                                ..
                            }) if l as usize != level || p != parent => {
                                bad.push(BadRow {
                                    line: row.line,
                                    field: format!("area (mapping key `{key}`)"),
                                    reason: format!(
                                        "area {:?} already exists in the election as a {} under {}",
                                        cell.code,
                                        levels.get(l as usize).map_or("?", String::as_str),
                                        p.as_deref().unwrap_or("nothing")
                                    ),
                                });
                                continue 'rows;
                            }
                            Some(_) => {}
                            None => new_areas[level].push(NewArea {
                                area: Area {
                                    code: cell.code.clone(),
                                    level: levels[level].clone(),
                                    name: cell.name.clone(),
                                    parent: parent.clone(),
                                },
                                line: row.line,
                            }),
                        }
                        seen.insert(
                            cell.code.clone(),
                            (level, cell.name.clone(), parent.clone(), row.line),
                        );
                    }
                }
                parent = Some(cell.code.clone());
            }
            let registered_here = match row.registered.map(|r| safe(r, "registered")) {
                Some(Err(reason)) => {
                    bad.push(BadRow {
                        line: row.line,
                        field: "registered (mapping key `station.registered`)".into(),
                        reason,
                    });
                    continue;
                }
                Some(Ok(r)) => Some(r),
                None => None,
            };
            stations.push(
                Event::Station(Station {
                    area: parent.expect("a stations mapping names at least one level"),
                    code: row.station.clone(),
                    name: row.name.clone(),
                    registered: registered_here,
                }),
                row.line,
            );
        }
        self.bad.extend(bad);
        let mut staged = Staged::default();
        for level in new_areas {
            for a in level {
                staged.push(Event::Area(a.area), a.line);
            }
        }
        staged.events.extend(stations.events);
        staged.lines.extend(stations.lines);
        let asked = self.asked()?;
        let field_key = |field: &str| -> Option<String> {
            match field {
                "code" => Some("station.id".into()),
                "registered" => Some("station.registered".into()),
                "name" => Some("station.name".into()),
                "area" | "parent" => Some("station.areas".into()),
                _ => None,
            }
        };
        let (receipt, taken) = self.submit(
            Content::Stations,
            staged,
            Some((reason.to_string(), asked)),
            &field_key,
        )?;
        let areas = taken
            .events
            .iter()
            .filter(|e| matches!(e, Event::Area(_)))
            .count();
        let registered = taken
            .events
            .iter()
            .map(|e| match e {
                Event::Station(s) => s.registered.unwrap_or(0),
                _ => 0,
            })
            .sum();
        let Some(Applied::Proposed(id)) = receipt.applied.first() else {
            return Err(Error::Refused(
                "the election did not record the batch as a proposal".into(),
            ));
        };
        Ok(StationsReport {
            proposal: id.clone(),
            areas,
            stations: taken.events.len() - areas,
            registered,
            span: Span::of(&receipt),
            left_out: self.left_out(),
        })
    }
}
