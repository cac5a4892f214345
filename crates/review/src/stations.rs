//! Station-level CSV files (recounts, observer reports), read through a column mapping or
//! the documented default header `station,<choice id>…`.

use std::path::Path;

use interchange::{Mapping, StationResultsReader};
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
        let name = self.file.display().to_string();
        let (mapping, order) = match self.mapping {
            Some(path) => self.user_mapping(path, contest)?,
            None => {
                let ids: Vec<&str> = contest.choices.iter().map(|c| c.id.as_str()).collect();
                let present = self.header_of(&name)?;
                let mut text = String::from(
                    "record = \"station-results\"\n[station]\nid = \"station\"\n[contest]\nchoices = [",
                );
                text.push_str(&quoted(&ids));
                text.push_str("]\n[[source]]\nname = \"file\"\n");
                for (column, field) in self.extra {
                    if present.iter().any(|h| h == column) {
                        text.push_str(&format!("{} = {:?}\n", field.as_str(), column));
                    }
                }
                text.push_str("votes = [");
                text.push_str(&quoted(&ids));
                text.push_str("]\n");
                let mapping = Mapping::parse(&text, "(the default header)")?;
                (mapping, (0..ids.len()).collect())
            }
        };
        let reader = StationResultsReader::open(self.file, &mapping).map_err(|e| {
            match (&e, self.mapping) {
                (interchange::Error::Mapping { message, .. }, None) => Error::Refused(format!(
                    "{name}:1: {message}. Without --mapping the header must be \
                     station,{} (one column per choice id)",
                    contest
                        .choices
                        .iter()
                        .map(|c| c.id.as_str())
                        .collect::<Vec<_>>()
                        .join(",")
                )),
                _ => Error::File(e),
            }
        })?;
        let mut rows = Vec::new();
        for row in reader {
            let row = row?;
            let form = row.forms.into_iter().next().unwrap_or_default();
            let votes = order.iter().map(|&i| form.votes[i]).collect();
            rows.push(StationRow {
                line: row.line,
                station: row.station,
                counts: form.counts,
                votes,
            });
        }
        Ok(rows)
    }

    /// The header names of the file (for the default header's optional columns).
    fn header_of(&self, name: &str) -> Result<Vec<String>> {
        let input = interchange::open_data(self.file)?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(input);
        let mut record = csv::StringRecord::new();
        match reader.read_record(&mut record) {
            Ok(true) => Ok(record
                .iter()
                .map(|h| h.trim_start_matches('\u{feff}').trim().to_string())
                .collect()),
            Ok(false) => refuse!("{name}: the file is empty; it needs a header row"),
            Err(e) => refuse!("{name}:1: the header cannot be read: {e}"),
        }
    }

    /// The user's mapping: one of its sources, its choices matched to the contest's by id or
    /// name. Returns the mapping reduced to that source, and for each contest choice the
    /// mapping's column index.
    fn user_mapping(&self, path: &Path, contest: &Contest) -> Result<(Mapping, Vec<usize>)> {
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
        let mut order = Vec::with_capacity(contest.choices.len());
        let mut used = vec![false; mapping.choices.len()];
        for (i, name) in mapping.choices.iter().enumerate() {
            let wanted = name.trim().to_lowercase();
            if !contest
                .choices
                .iter()
                .any(|c| c.id.to_lowercase() == wanted || c.name.trim().to_lowercase() == wanted)
            {
                refuse!(
                    "{map_name}: key `contest.choices[{i}]`: {name:?} is not a choice of contest {:?}; its choices are {}",
                    contest.id,
                    choice_list(contest)
                );
            }
        }
        for c in &contest.choices {
            let found = mapping.choices.iter().position(|name| {
                let n = name.trim().to_lowercase();
                n == c.id.to_lowercase() || n == c.name.trim().to_lowercase()
            });
            match found {
                Some(i) if !used[i] => {
                    used[i] = true;
                    order.push(i);
                }
                _ => refuse!(
                    "{map_name}: key `contest.choices`: contest {:?}'s choice {} ({}) is not mapped; \
                     every choice needs its column",
                    contest.id,
                    c.id,
                    c.name
                ),
            }
        }
        Ok((mapping, order))
    }
}

fn quoted(ids: &[&str]) -> String {
    ids.iter()
        .map(|i| format!("{i:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// "CPP (Cambodian People's Party), CNRP (…)".
pub fn choice_list(contest: &Contest) -> String {
    contest
        .choices
        .iter()
        .map(|c| format!("{} ({})", c.id, c.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One row of a ballot-polling recount file: the ballot id and the choice marked (its index
/// in the contest, or None for no vote).
#[derive(Debug, Clone)]
pub struct BallotRow {
    pub line: u64,
    pub ballot: String,
    pub choice: Option<usize>,
    /// The columns, for messages: `1 ("ballot")`.
    pub ballot_column: String,
    pub choice_column: String,
}

/// Reads a ballot-polling recount file with the header `ballot,choice` (other columns are
/// ignored); a mark is a choice's id or name, or blank, invalid, spoiled, none, no vote or -
/// for a ballot with no vote for any choice.
pub fn read_ballots(path: &Path, contest: &Contest) -> Result<Vec<BallotRow>> {
    let name = path.display().to_string();
    let input = interchange::open_data(path)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(input);
    let mut records = reader.records();
    let header = match records.next() {
        None => refuse!("{name}: the file is empty; a bravo recount has the header ballot,choice"),
        Some(Err(e)) => refuse!("{name}:1: the header cannot be read: {e}"),
        Some(Ok(h)) => h,
    };
    let names: Vec<String> = header
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_lowercase())
        .collect();
    let column = |wanted: &str| -> Result<usize> {
        let found: Vec<usize> = (0..names.len()).filter(|&i| names[i] == wanted).collect();
        match found.as_slice() {
            [i] => Ok(*i),
            [] => refuse!(
                "{name}:1: the header has no {wanted:?} column; a bravo recount has the header \
                 ballot,choice (other columns are ignored)"
            ),
            _ => refuse!("{name}:1: the header has {wanted:?} more than once"),
        }
    };
    let (bc, cc) = (column("ballot")?, column("choice")?);
    let mut out = Vec::new();
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                refuse!("{name}:{line}: {e}");
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cell = |i: usize| -> Result<&str> {
            match record.get(i) {
                Some(c) => Ok(c.trim()),
                None => refuse!(
                    "{name}:{line}: the row has {} fields; the header has {}",
                    record.len(),
                    names.len()
                ),
            }
        };
        let col = |i: usize| format!("{i} ({:?})", names[i]);
        let ballot = cell(bc)?.to_string();
        let mark = cell(cc)?;
        let lower = mark.to_lowercase();
        let choice = if ["", "blank", "invalid", "spoiled", "none", "no vote", "-"]
            .contains(&lower.as_str())
        {
            None
        } else {
            match contest
                .choices
                .iter()
                .position(|c| c.id.to_lowercase() == lower || c.name.trim().to_lowercase() == lower)
            {
                Some(i) => Some(i),
                None => refuse!(
                    "{name}:{line}: column {}: {mark:?} is not a choice of contest {} (its choices \
                     are {}); write blank or invalid for a ballot with no vote for any of them",
                    col(cc),
                    contest.id,
                    choice_list(contest)
                ),
            }
        };
        out.push(BallotRow {
            line,
            ballot,
            choice,
            ballot_column: col(bc),
            choice_column: col(cc),
        });
    }
    Ok(out)
}
