//! Station-level CSV files (recounts, observer reports), read through a column mapping or
//! the documented default header `station,<choice id>…`.

use std::path::Path;

use interchange::Mapping;
use ledger::event::Contest;

use crate::error::{Error, Param, Result, refuse};

/// One row of a station-level file, with the votes in the contest's choice order.
#[derive(Debug, Clone)]
pub struct StationRow {
    pub line: u64,
    pub station: String,
    pub counts: interchange::Counts,
    pub votes: Vec<Option<u64>>,
}

/// How to read a station-level CSV file: through `--mapping` (and `--from`), or with the
/// documented header `station,<choice id>…` plus any of `extra` (count fields) present.
pub struct StationFile<'a> {
    pub file: &'a Path,
    pub mapping: Option<&'a Path>,
    pub from: Option<&'a str>,
    /// Optional columns of the default header, by name: (column, field).
    pub extra: &'a [(&'a str, interchange::CountField)],
}

impl StationFile<'_> {
    /// Reads every row; the first bad row stops it with an error naming the file, the line and
    /// the column (or the mapping key).
    pub fn read(&self, contest: &Contest) -> Result<Vec<StationRow>> {
        let file_contest = file_contest(contest);
        let mapping = match self.mapping {
            Some(path) => Some(self.one_source(path)?),
            None => None,
        };
        let rows = interchange::ballots::read_station_counts(
            self.file,
            &file_contest,
            mapping.as_ref(),
            self.extra,
        )?;
        Ok(rows
            .into_iter()
            .map(|r| StationRow {
                line: r.line,
                station: r.station,
                counts: r.counts,
                votes: r.votes,
            })
            .collect())
    }

    /// The user's mapping reduced to the one source that holds the figures.
    fn one_source(&self, path: &Path) -> Result<Mapping> {
        let mut mapping = Mapping::from_path(path)?;
        let map_name = path.display().to_string();
        let names: Vec<&str> = mapping.sources.iter().map(|s| s.name.as_str()).collect();
        let index = match (self.from, names.as_slice()) {
            (Some(f), _) => match names.iter().position(|n| *n == f) {
                Some(i) => i,
                None => refuse!(
                    "{map_name}: has no source {f:?}; its [[source]] tables are {}",
                    names.join(", ")
                ),
            },
            (None, [_]) => 0,
            (None, _) => {
                return Err(Error::param(
                    Param::From,
                    format!(
                        "{map_name} describes several copies of the form ({}); choose one with {{}}",
                        names.join(", ")
                    ),
                ));
            }
        };
        mapping.sources = vec![mapping.sources[index].clone()];
        Ok(mapping)
    }
}

/// A contest as recount files name its choices.
pub fn file_contest(contest: &Contest) -> interchange::ballots::Contest {
    interchange::ballots::Contest {
        id: contest.id.clone(),
        choices: contest
            .choices
            .iter()
            .map(|c| interchange::ballots::Choice {
                id: c.id.clone(),
                name: c.name.clone(),
            })
            .collect(),
    }
}
