//! Recount files, as the people who count by hand fill them in: the ballots a ballot-polling
//! audit drew and the mark found on each (`ballot,choice`), and station-level counts (the
//! header `station,<choice id>…`, or any layout through a mapping).
//!
//! This module knows files and a contest's choices, not audits: whether a ballot or a station
//! belongs to an audit, was drawn, or was given twice is the caller's question. Errors name the
//! file, the line and the column, in the words of [`Error`].

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::mapping::{CountField, Mapping};
use crate::results::{Counts, StationResultsReader};
use crate::{Column, Error};

/// A contest's choices as recount files name them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contest {
    pub id: String,
    /// In ballot order.
    pub choices: Vec<Choice>,
}

/// One choice of a contest: its id and its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub id: String,
    pub name: String,
}

impl Contest {
    /// The choice that `text` names, by id or by name, ignoring case and surrounding spaces.
    pub fn find(&self, text: &str) -> Option<usize> {
        let wanted = text.trim().to_lowercase();
        self.choices
            .iter()
            .position(|c| c.id.to_lowercase() == wanted || c.name.trim().to_lowercase() == wanted)
    }

    /// "CPP (Cambodian People's Party), CNRP (…)".
    pub fn choice_list(&self) -> String {
        self.choices
            .iter()
            .map(|c| format!("{} ({})", c.id, c.name))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn ids(&self) -> Vec<&str> {
        self.choices.iter().map(|c| c.id.as_str()).collect()
    }
}

/// Marks that mean the ballot shows no vote for any choice (compared in lower case).
pub const NO_VOTE: [&str; 7] = ["", "blank", "invalid", "spoiled", "none", "no vote", "-"];

/// A ballot id `STATION:N` (N from 1, no leading zero), split at its last colon.
pub fn split_ballot(id: &str) -> Option<(&str, u64)> {
    let (station, n) = id.rsplit_once(':')?;
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) || n.starts_with('0') {
        return None;
    }
    Some((station, n.parse().ok()?))
}

// ---------------------------------------------------------------- ballots

/// One row of a ballot-level recount: a ballot drawn, and what it shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BallotMark {
    /// The 1-based line of the file where the row starts.
    pub line: u64,
    /// The ballot id as written (trimmed), `STATION:N`.
    pub ballot: String,
    pub station: String,
    pub number: u64,
    /// The choice marked (an index into the contest's choices), or None for no vote.
    pub choice: Option<usize>,
}

/// Where a ballot-level recount's columns are, to name a cell in an error.
#[derive(Debug, Clone)]
pub struct BallotColumns {
    file: PathBuf,
    ballot: Column,
    choice: Column,
}

impl BallotColumns {
    /// An error about the ballot cell of the row at `line`.
    pub fn ballot_error(&self, line: u64, message: impl Into<String>) -> Error {
        self.error(line, &self.ballot, message.into())
    }

    /// An error about the choice cell of the row at `line`.
    pub fn choice_error(&self, line: u64, message: impl Into<String>) -> Error {
        self.error(line, &self.choice, message.into())
    }

    fn error(&self, line: u64, column: &Column, message: String) -> Error {
        Error::Cell {
            file: self.file.clone(),
            line,
            column: column.clone(),
            message,
        }
    }
}

/// A check of each ballot id, given (station, number, ballot id); the error says why the
/// ballot cannot be in this file.
type BallotCheck<'a> = Box<dyn FnMut(&str, u64, &str) -> Result<(), String> + 'a>;

/// Streams the rows of a ballot-level recount: a header with the columns `ballot` and
/// `choice` (any case, in any order; other columns are ignored), then one row per ballot.
/// Blank rows are skipped. The first bad row is an error, and the reading stops there.
pub struct BallotMarksReader<'a> {
    records: csv::StringRecordsIntoIter<Box<dyn Read + Send>>,
    width: usize,
    columns: BallotColumns,
    contest: &'a Contest,
    check: Option<BallotCheck<'a>>,
    done: bool,
}

impl<'a> BallotMarksReader<'a> {
    /// Opens `path` (`.csv`, `.csv.gz` or `.csv.zip`) and reads its header.
    pub fn open(path: impl AsRef<Path>, contest: &'a Contest) -> Result<Self, Error> {
        let path = path.as_ref();
        let input = crate::open::open_data(path)?;
        Self::from_reader(input, path, contest)
    }

    /// Reads CSV bytes (already decompressed) from `input`; `name` names it in errors.
    pub fn from_reader(
        input: Box<dyn Read + Send>,
        name: impl AsRef<Path>,
        contest: &'a Contest,
    ) -> Result<Self, Error> {
        let file = name.as_ref().to_path_buf();
        let mut records = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(input)
            .into_records();
        let header = match records.next() {
            None => {
                return Err(Error::File {
                    file,
                    message: "the file is empty; a bravo recount has the header ballot,choice"
                        .into(),
                });
            }
            Some(Err(e)) => {
                return Err(Error::Row {
                    file,
                    line: 1,
                    message: format!("the header cannot be read: {e}"),
                });
            }
            Some(Ok(h)) => h,
        };
        let names: Vec<String> = header
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').trim().to_lowercase())
            .collect();
        let column = |wanted: &str| -> Result<Column, Error> {
            let found: Vec<usize> = (0..names.len()).filter(|&i| names[i] == wanted).collect();
            let message = match found.as_slice() {
                [i] => {
                    return Ok(Column {
                        index: *i,
                        name: Some(names[*i].clone()),
                    });
                }
                [] => format!(
                    "the header has no {wanted:?} column; a bravo recount has the header \
                     ballot,choice (other columns are ignored)"
                ),
                _ => format!("the header has {wanted:?} more than once"),
            };
            Err(Error::Row {
                file: file.clone(),
                line: 1,
                message,
            })
        };
        let (ballot, choice) = (column("ballot")?, column("choice")?);
        Ok(BallotMarksReader {
            records,
            width: names.len(),
            columns: BallotColumns {
                file,
                ballot,
                choice,
            },
            contest,
            check: None,
            done: false,
        })
    }

    /// Where the columns are, to name a cell in the caller's own errors.
    pub fn columns(&self) -> &BallotColumns {
        &self.columns
    }

    /// Checks each ballot id as soon as it is read, before its mark: `check(station, number,
    /// ballot)` says why that ballot cannot be in this file, and the error names its cell.
    pub fn check_ballots(
        mut self,
        check: impl FnMut(&str, u64, &str) -> Result<(), String> + 'a,
    ) -> Self {
        self.check = Some(Box::new(check));
        self
    }

    fn row(&mut self, record: csv::StringRecord) -> Result<Option<BallotMark>, Error> {
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(|c| c.trim().is_empty()) {
            return Ok(None);
        }
        let cell = |c: &Column| -> Result<&str, Error> {
            record
                .get(c.index)
                .map(str::trim)
                .ok_or_else(|| Error::Row {
                    file: self.columns.file.clone(),
                    line,
                    message: format!(
                        "the row has {} fields; the header has {}",
                        record.len(),
                        self.width
                    ),
                })
        };
        let ballot = cell(&self.columns.ballot)?;
        let Some((station, number)) = split_ballot(ballot) else {
            return Err(self.columns.ballot_error(
                line,
                format!(
                    "{ballot:?} is not a ballot id; ids are STATION:N as `rla draw` prints them"
                ),
            ));
        };
        if let Some(check) = &mut self.check {
            check(station, number, ballot).map_err(|m| self.columns.ballot_error(line, m))?;
        }
        let mark = cell(&self.columns.choice)?;
        let choice = if NO_VOTE.contains(&mark.to_lowercase().as_str()) {
            None
        } else {
            match self.contest.find(mark) {
                Some(i) => Some(i),
                None => {
                    return Err(self.columns.choice_error(
                        line,
                        format!(
                            "{mark:?} is not a choice of contest {} (its choices are {}); write \
                             blank or invalid for a ballot with no vote for any of them",
                            self.contest.id,
                            self.contest.choice_list()
                        ),
                    ));
                }
            }
        };
        Ok(Some(BallotMark {
            line,
            ballot: ballot.to_string(),
            station: station.to_string(),
            number,
            choice,
        }))
    }
}

impl Iterator for BallotMarksReader<'_> {
    type Item = Result<BallotMark, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            let row = match self.records.next()? {
                Ok(record) => self.row(record),
                Err(e) => Err(Error::Row {
                    file: self.columns.file.clone(),
                    line: e.position().map_or(0, |p| p.line()),
                    message: e.to_string(),
                }),
            };
            match row {
                Ok(None) => continue,
                Ok(Some(mark)) => return Some(Ok(mark)),
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
        None
    }
}

// ---------------------------------------------------------------- stations

/// One row of a station-level recount, with the votes in the contest's choice order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StationCount {
    /// The 1-based line of the file where the row starts.
    pub line: u64,
    pub station: String,
    pub counts: Counts,
    pub votes: Vec<Option<u64>>,
}

/// Reads every row of a station-level file; the first bad row stops it with an error naming
/// the file, the line and the column (or the mapping key).
///
/// With `mapping` (reduced by the caller to the one source that holds the recount), its
/// choices are matched to the contest's by id or name. Without one, the file's header must be
/// `station,<choice id>…`, and any of `extra`'s columns (column name, count field) that the
/// header has are read too.
pub fn read_station_counts(
    path: &Path,
    contest: &Contest,
    mapping: Option<&Mapping>,
    extra: &[(&str, CountField)],
) -> Result<Vec<StationCount>, Error> {
    let (default, order);
    let given = mapping.is_some();
    let mapping = match mapping {
        Some(m) => {
            order = choice_order(m, contest)?;
            m
        }
        None => {
            default = default_mapping(contest, &header_names(path)?, extra)?;
            order = (0..contest.choices.len()).collect();
            &default
        }
    };
    let reader = StationResultsReader::open(path, mapping).map_err(|e| match e {
        // The default header's mapping names columns the file lacks: say what it should hold.
        Error::Mapping { message, .. } if !given => Error::Row {
            file: path.to_path_buf(),
            line: 1,
            message: format!(
                "{message}. Without a mapping the header must be station,{} (one column per \
                     choice id)",
                contest.ids().join(",")
            ),
        },
        e => e,
    })?;
    let mut rows = Vec::new();
    for row in reader {
        let row = row?;
        let form = row.forms.into_iter().next().unwrap_or_default();
        let votes = order.iter().map(|&i| form.votes[i]).collect();
        rows.push(StationCount {
            line: row.line,
            station: row.station,
            counts: form.counts,
            votes,
        });
    }
    Ok(rows)
}

/// The mapping of the header `station,<choice id>…` plus those of `extra`'s columns present.
fn default_mapping(
    contest: &Contest,
    present: &[String],
    extra: &[(&str, CountField)],
) -> Result<Mapping, Error> {
    let ids = quoted(&contest.ids());
    let mut text = format!(
        "record = \"station-results\"\n[station]\nid = \"station\"\n[contest]\nchoices = [{ids}]\n[[source]]\nname = \"file\"\n"
    );
    for (column, field) in extra {
        if present.iter().any(|h| h == column) {
            text.push_str(&format!("{} = {:?}\n", field.as_str(), column));
        }
    }
    text.push_str(&format!("votes = [{ids}]\n"));
    Mapping::parse(&text, "(the default header)")
}

fn quoted(ids: &[&str]) -> String {
    ids.iter()
        .map(|i| format!("{i:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The names in a file's header row.
fn header_names(path: &Path) -> Result<Vec<String>, Error> {
    let input = crate::open::open_data(path)?;
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
        Ok(false) => Err(Error::File {
            file: path.to_path_buf(),
            message: "the file is empty; it needs a header row".into(),
        }),
        Err(e) => Err(Error::Row {
            file: path.to_path_buf(),
            line: 1,
            message: format!("the header cannot be read: {e}"),
        }),
    }
}

/// For each of the contest's choices, the index of the mapping's choice that names it (by id
/// or name). Every mapped choice must be one of the contest's, and every contest choice mapped.
pub fn choice_order(mapping: &Mapping, contest: &Contest) -> Result<Vec<usize>, Error> {
    let err = |key: String, message: String| Error::Mapping {
        file: mapping.path.clone(),
        key,
        message,
    };
    for (i, name) in mapping.choices.iter().enumerate() {
        if contest.find(name).is_none() {
            return Err(err(
                format!("contest.choices[{i}]"),
                format!(
                    "{name:?} is not a choice of contest {:?}; its choices are {}",
                    contest.id,
                    contest.choice_list()
                ),
            ));
        }
    }
    let mut order = Vec::with_capacity(contest.choices.len());
    let mut used = vec![false; mapping.choices.len()];
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
            _ => {
                return Err(err(
                    "contest.choices".into(),
                    format!(
                        "contest {:?}'s choice {} ({}) is not mapped; every choice needs its column",
                        contest.id, c.id, c.name
                    ),
                ));
            }
        }
    }
    Ok(order)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contest() -> Contest {
        let choice = |id: &str, name: &str| Choice {
            id: id.into(),
            name: name.into(),
        };
        Contest {
            id: "house".into(),
            choices: vec![choice("A", "Party A "), choice("B", "Blue Party")],
        }
    }

    fn marks<'a>(text: &str, contest: &'a Contest) -> Result<BallotMarksReader<'a>, Error> {
        BallotMarksReader::from_reader(
            Box::new(std::io::Cursor::new(text.to_string())),
            "r.csv",
            contest,
        )
    }

    fn all(text: &str) -> Result<Vec<BallotMark>, String> {
        let c = contest();
        marks(text, &c)
            .map_err(|e| e.to_string())?
            .collect::<Result<_, _>>()
            .map_err(|e| e.to_string())
    }

    #[test]
    fn ballot_ids_split_at_the_last_colon() {
        assert_eq!(split_ballot("010101-001:17"), Some(("010101-001", 17)));
        assert_eq!(split_ballot("a:b:3"), Some(("a:b", 3)));
        assert_eq!(split_ballot("x:03"), None);
        assert_eq!(split_ballot("x:"), None);
        assert_eq!(split_ballot("x"), None);
        assert_eq!(split_ballot("x:1e3"), None);
    }

    #[test]
    fn marks_are_read_by_choice_id_or_name_in_any_column_order() {
        let rows = all("\u{feff}Note, CHOICE ,Ballot\nx,a,S1:1\n,,\nseen, blue party ,S1:2\n,blank,S2:10\n,-,S2:11\n").unwrap();
        let got: Vec<(u64, &str, &str, u64, Option<usize>)> = rows
            .iter()
            .map(|r| {
                (
                    r.line,
                    r.ballot.as_str(),
                    r.station.as_str(),
                    r.number,
                    r.choice,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (2, "S1:1", "S1", 1, Some(0)),
                (4, "S1:2", "S1", 2, Some(1)),
                (5, "S2:10", "S2", 10, None),
                (6, "S2:11", "S2", 11, None),
            ]
        );
    }

    #[test]
    fn a_bad_file_or_row_is_named_by_file_line_and_column() {
        let cases = [
            (
                "",
                "r.csv: the file is empty; a bravo recount has the header ballot,choice",
            ),
            (
                "ballot,vote\nS1:1,A\n",
                "r.csv:1: the header has no \"choice\" column; a bravo recount has the header ballot,choice (other columns are ignored)",
            ),
            (
                "ballot,choice,Ballot\n",
                "r.csv:1: the header has \"ballot\" more than once",
            ),
            (
                "ballot,choice\nS1:1,A\nS1-3,A\n",
                "r.csv:3: column 0 (\"ballot\"): \"S1-3\" is not a ballot id; ids are STATION:N as `rla draw` prints them",
            ),
            (
                "ballot,choice\nS1:1,C\n",
                "r.csv:2: column 1 (\"choice\"): \"C\" is not a choice of contest house (its choices are A (Party A ), B (Blue Party)); write blank or invalid for a ballot with no vote for any of them",
            ),
            (
                "choice,ballot\nA\n",
                "r.csv:2: the row has 1 fields; the header has 2",
            ),
            (
                "ballot,choice\nS1:1,A\nS1:2\n",
                "r.csv:3: the row has 1 fields",
            ),
        ];
        for (text, want) in cases {
            let got = all(text).unwrap_err();
            assert!(got.starts_with(want), "{text:?}: {got}");
        }
        // Bytes that are not UTF-8: the CSV reader's own words, at their line.
        let c = contest();
        let bytes = b"ballot,choice\nS1:1,A\nS1:2,\xff\n".to_vec();
        let got =
            BallotMarksReader::from_reader(Box::new(std::io::Cursor::new(bytes)), "r.csv", &c)
                .unwrap()
                .collect::<Result<Vec<_>, _>>()
                .unwrap_err()
                .to_string();
        assert!(got.starts_with("r.csv:3: CSV parse error"), "{got}");
    }

    #[test]
    fn the_callers_check_comes_before_the_mark_and_the_reading_stops_at_an_error() {
        let c = contest();
        let mut reader = marks("ballot,choice\nS1:1,A\nS9:4,nobody\nS1:2,A\n", &c)
            .unwrap()
            .check_ballots(|station, number, ballot| {
                if station == "S9" {
                    Err(format!(
                        "ballot {ballot:?}: {station:?} (ballot {number}) is not in this audit"
                    ))
                } else {
                    Ok(())
                }
            });
        let columns = reader.columns().clone();
        assert_eq!(reader.next().unwrap().unwrap().ballot, "S1:1");
        assert_eq!(
            reader.next().unwrap().unwrap_err().to_string(),
            "r.csv:3: column 0 (\"ballot\"): ballot \"S9:4\": \"S9\" (ballot 4) is not in this audit"
        );
        assert!(reader.next().is_none());
        assert_eq!(
            columns.choice_error(7, "marked differently").to_string(),
            "r.csv:7: column 1 (\"choice\"): marked differently"
        );
    }

    fn file(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn station_counts_read_the_default_header_and_its_optional_columns() {
        let dir = tempfile::tempdir().unwrap();
        let path = file(
            &dir,
            "s.csv",
            "station,B,A,ballots_cast\nS1,3,4,9\nS2,,1,\n",
        );
        let extra = [
            ("ballots_cast", CountField::BallotsCast),
            ("invalid", CountField::Invalid),
        ];
        let rows = read_station_counts(&path, &contest(), None, &extra).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].line, rows[0].station.as_str()), (2, "S1"));
        assert_eq!(rows[0].votes, [Some(4), Some(3)], "in the contest's order");
        assert_eq!(rows[0].counts.ballots_cast, Some(9));
        assert_eq!(rows[1].votes, [Some(1), None]);

        let short = file(&dir, "short.csv", "station,A\nS1,3\n");
        let err = read_station_counts(&short, &contest(), None, &[])
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(&format!("{}:1: ", short.display()))
                && err.ends_with(
                    "Without a mapping the header must be station,A,B (one column per choice id)"
                ),
            "{err}"
        );
        let empty = file(&dir, "empty.csv", "");
        assert_eq!(
            read_station_counts(&empty, &contest(), None, &[])
                .unwrap_err()
                .to_string(),
            format!(
                "{}: the file is empty; it needs a header row",
                empty.display()
            )
        );
    }

    #[test]
    fn a_mappings_choices_are_matched_to_the_contests_by_id_or_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = file(&dir, "m.csv", "uik,blue,a\nS1,5,6\n");
        let mapping = |choices: &str| {
            Mapping::parse(
                &format!(
                    "record = \"station-results\"\n[station]\nid = \"uik\"\n[contest]\nchoices = [{choices}]\n[[source]]\nname = \"recount\"\nvotes = [\"blue\", \"a\"]\n"
                ),
                "m.toml",
            )
            .unwrap()
        };
        let m = mapping("\"Blue Party\", \"a\"");
        assert_eq!(choice_order(&m, &contest()).unwrap(), [1, 0]);
        let rows = read_station_counts(&path, &contest(), Some(&m), &[]).unwrap();
        assert_eq!(rows[0].votes, [Some(6), Some(5)]);

        let unknown = mapping("\"Green\", \"a\"");
        assert_eq!(
            choice_order(&unknown, &contest()).unwrap_err().to_string(),
            "m.toml: key `contest.choices[0]`: \"Green\" is not a choice of contest \"house\"; its choices are A (Party A ), B (Blue Party)"
        );
        let twice = mapping("\"a\", \"A\"");
        assert_eq!(
            choice_order(&twice, &contest()).unwrap_err().to_string(),
            "m.toml: key `contest.choices`: contest \"house\"'s choice B (Blue Party) is not mapped; every choice needs its column"
        );
    }
}
