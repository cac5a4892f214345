//! Reading station-level result rows through a mapping.

use crate::Error;
use crate::mapping::{CountField, RecordKind};
use crate::reader::{Cells, Columns, Reader, Record, Sealed};
use crate::table::Resolved;

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

/// How a mapping whose `record` is `"station-results"` reads a row: its columns, resolved.
#[derive(Debug)]
pub struct ResultsPlan {
    id: Resolved,
    id_separator: String,
    areas: Vec<Resolved>,
    shared: Vec<(CountField, Resolved)>,
    sources: Vec<SourcePlan>,
}

/// Streams the station results of a data file through a mapping. Each item is one row or
/// the error that stops at it (or, after [`Reader::keep_going`], the error of that row
/// alone); a bad row is an error, never a panic.
pub type StationResultsReader = Reader<ResultsPlan>;

impl Sealed for ResultsPlan {}

impl Record for ResultsPlan {
    const KIND: RecordKind = RecordKind::StationResults;
    type Row = StationResult;

    fn plan(columns: &Columns<'_>) -> Result<Self, Error> {
        let (mapping, resolver) = (columns.mapping, &columns.resolver);
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
        Ok(ResultsPlan {
            id,
            id_separator: mapping.station.id_separator.clone(),
            areas,
            shared,
            sources,
        })
    }

    fn row(&self, cells: &Cells<'_>) -> Result<StationResult, Error> {
        let (t, line) = (cells.table, cells.line);
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
