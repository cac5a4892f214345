//! Reading station-level result rows through a mapping.

use std::io::Read;
use std::path::Path;

use crate::Error;
use crate::mapping::{CountField, Mapping, RecordKind};
use crate::table::{Resolved, Table};

/// The figures of one copy of a result form. `None` means the figure is not available
/// (an empty cell or a sentinel value), never zero.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub registered: Option<u64>,
    pub ballots_received: Option<u64>,
    pub ballots_issued: Option<u64>,
    pub ballots_spoiled: Option<u64>,
    pub ballots_unused: Option<u64>,
    pub ballots_cast: Option<u64>,
    pub valid: Option<u64>,
    pub invalid: Option<u64>,
    pub total: Option<u64>,
}

impl Counts {
    pub fn get(&self, field: CountField) -> Option<u64> {
        *self.slot(field)
    }

    pub fn set(&mut self, field: CountField, value: Option<u64>) {
        *self.slot_mut(field) = value;
    }

    fn slot(&self, field: CountField) -> &Option<u64> {
        match field {
            CountField::Registered => &self.registered,
            CountField::BallotsReceived => &self.ballots_received,
            CountField::BallotsIssued => &self.ballots_issued,
            CountField::BallotsSpoiled => &self.ballots_spoiled,
            CountField::BallotsUnused => &self.ballots_unused,
            CountField::BallotsCast => &self.ballots_cast,
            CountField::Valid => &self.valid,
            CountField::Invalid => &self.invalid,
            CountField::Total => &self.total,
        }
    }

    fn slot_mut(&mut self, field: CountField) -> &mut Option<u64> {
        match field {
            CountField::Registered => &mut self.registered,
            CountField::BallotsReceived => &mut self.ballots_received,
            CountField::BallotsIssued => &mut self.ballots_issued,
            CountField::BallotsSpoiled => &mut self.ballots_spoiled,
            CountField::BallotsUnused => &mut self.ballots_unused,
            CountField::BallotsCast => &mut self.ballots_cast,
            CountField::Valid => &mut self.valid,
            CountField::Invalid => &mut self.invalid,
            CountField::Total => &mut self.total,
        }
    }
}

/// One source's copy of a station's result form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResultForm {
    pub counts: Counts,
    /// Votes per choice, in the order of `Mapping::choices`.
    pub votes: Vec<Option<u64>>,
}

/// One row of a station-results file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StationResult {
    /// The 1-based line of the data file where the row starts.
    pub line: u64,
    /// The station's id, composed from the mapping's `station.id` columns.
    pub station: String,
    /// The station's areas, outermost first, in the order of `station.areas`.
    pub areas: Vec<String>,
    /// One form per source, in the order of the mapping's `[[source]]` tables.
    pub forms: Vec<ResultForm>,
}

#[derive(Debug)]
struct SourcePlan {
    counts: Vec<(CountField, Resolved)>,
    votes: Vec<Resolved>,
}

/// Streams the station results of a data file through a mapping. Each item is one row or
/// the error that stops at it (or, after [`StationResultsReader::keep_going`], the error of
/// that row alone); a bad row is an error, never a panic.
pub struct StationResultsReader {
    table: Table,
    id: Resolved,
    id_separator: String,
    areas: Vec<Resolved>,
    shared: Vec<(CountField, Resolved)>,
    sources: Vec<SourcePlan>,
}

impl StationResultsReader {
    /// Opens `path` (`.csv`, `.csv.gz` or `.csv.zip`) and resolves the mapping's columns
    /// against its header.
    pub fn open(path: impl AsRef<Path>, mapping: &Mapping) -> Result<Self, Error> {
        let path = path.as_ref();
        mapping.expect(RecordKind::StationResults)?;
        let input = crate::open::open_data(path)?;
        Self::from_reader(input, path, mapping)
    }

    /// Reads CSV bytes (already decompressed) from `input`; `name` names it in errors.
    pub fn from_reader(
        input: Box<dyn Read + Send>,
        name: impl AsRef<Path>,
        mapping: &Mapping,
    ) -> Result<Self, Error> {
        mapping.expect(RecordKind::StationResults)?;
        let table = Table::open(input, name.as_ref(), mapping)?;
        let resolver = table.resolver(mapping);
        let id = resolver.resolve(&mapping.station.id)?;
        let areas = mapping
            .station
            .areas
            .iter()
            .map(|a| resolver.resolve(&a.column))
            .collect::<Result<Vec<_>, _>>()?;
        let shared = mapping
            .shared_counts
            .iter()
            .map(|(f, s)| Ok((*f, resolver.resolve(s)?)))
            .collect::<Result<Vec<_>, Error>>()?;
        let sources = mapping
            .sources
            .iter()
            .map(|s| {
                Ok(SourcePlan {
                    counts: s
                        .counts
                        .iter()
                        .map(|(f, c)| Ok((*f, resolver.resolve(c)?)))
                        .collect::<Result<Vec<_>, Error>>()?,
                    votes: s
                        .votes
                        .iter()
                        .map(|c| resolver.resolve(c))
                        .collect::<Result<Vec<_>, Error>>()?,
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(StationResultsReader {
            table,
            id,
            id_separator: mapping.station.id_separator.clone(),
            areas,
            shared,
            sources,
        })
    }

    /// Carries on after a bad row (one that is well formed CSV but has a bad cell or the
    /// wrong number of fields), so that a caller can list every bad row. Broken quoting or
    /// bytes still end the reading.
    pub fn keep_going(mut self) -> Self {
        self.table.keep_going = true;
        self
    }

    /// The header row's names (empty if the mapping says the file has no header).
    pub fn header(&self) -> &[String] {
        &self.table.header
    }

    fn row(&self, line: u64) -> Result<StationResult, Error> {
        let t = &self.table;
        let station = t.label(line, &self.id, &self.id_separator)?;
        let areas = self
            .areas
            .iter()
            .map(|a| t.label(line, a, ""))
            .collect::<Result<Vec<_>, _>>()?;
        let mut shared = Counts::default();
        for (f, spec) in &self.shared {
            shared.set(*f, t.count(line, spec)?);
        }
        let mut forms = Vec::with_capacity(self.sources.len());
        for source in &self.sources {
            let mut counts = shared.clone();
            for (f, spec) in &source.counts {
                counts.set(*f, t.count(line, spec)?);
            }
            let votes = source
                .votes
                .iter()
                .map(|spec| t.count(line, spec))
                .collect::<Result<Vec<_>, _>>()?;
            forms.push(ResultForm { counts, votes });
        }
        Ok(StationResult {
            line,
            station,
            areas,
            forms,
        })
    }
}

impl Iterator for StationResultsReader {
    type Item = Result<StationResult, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let line = match self.table.next_row()? {
            Ok(line) => line,
            Err(e) => return Some(Err(e)),
        };
        let row = self.row(line);
        if row.is_err() {
            self.table.row_failed();
        }
        Some(row)
    }
}
