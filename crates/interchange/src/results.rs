//! Reading station-level result rows through a mapping.

use std::borrow::Cow;
use std::io::Read;
use std::path::{Path, PathBuf};

use csv::ByteRecord;

use crate::mapping::{ColumnRef, ColumnSpec, CountField, Encoding, Mapping, RecordKind};
use crate::{Column, Error};

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

/// A column spec with names resolved to indexes.
#[derive(Debug, Clone)]
struct Resolved {
    indexes: Vec<usize>,
    /// The mapping key, for messages.
    key: String,
}

#[derive(Debug)]
struct SourcePlan {
    counts: Vec<(CountField, Resolved)>,
    votes: Vec<Resolved>,
}

/// Streams the station results of a data file through a mapping. Each item is one row or
/// the error that stops at it; a bad row is an error, never a panic.
pub struct StationResultsReader {
    file: PathBuf,
    reader: csv::Reader<Box<dyn Read + Send>>,
    header: Vec<String>,
    encoding: Encoding,
    missing: Vec<String>,
    id: Resolved,
    id_separator: String,
    areas: Vec<Resolved>,
    shared: Vec<(CountField, Resolved)>,
    sources: Vec<SourcePlan>,
    record: ByteRecord,
    width: usize,
    done: bool,
}

impl StationResultsReader {
    /// Opens `path` (`.csv`, `.csv.gz` or `.csv.zip`) and resolves the mapping's columns
    /// against its header.
    pub fn open(path: impl AsRef<Path>, mapping: &Mapping) -> Result<Self, Error> {
        let path = path.as_ref();
        Self::check_record(mapping)?;
        let input = crate::open::open_data(path)?;
        Self::from_reader(input, path, mapping)
    }

    /// Reads CSV bytes (already decompressed) from `input`; `name` names it in errors.
    pub fn from_reader(
        input: Box<dyn Read + Send>,
        name: impl AsRef<Path>,
        mapping: &Mapping,
    ) -> Result<Self, Error> {
        let path = name.as_ref();
        Self::check_record(mapping)?;
        Self::build(input, path, mapping)
    }

    fn check_record(mapping: &Mapping) -> Result<(), Error> {
        if mapping.record != RecordKind::StationResults {
            return Err(Error::Mapping {
                file: mapping.path.clone(),
                key: "record".into(),
                message: format!("is {:?}, not \"station-results\"", mapping.record.as_str()),
            });
        }
        Ok(())
    }

    fn build(input: Box<dyn Read + Send>, path: &Path, mapping: &Mapping) -> Result<Self, Error> {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(mapping.csv.delimiter)
            .quote(mapping.csv.quote)
            .has_headers(false)
            .flexible(false)
            .buffer_capacity(1 << 16)
            .from_reader(input);
        let mut record = ByteRecord::new();
        let mut header = Vec::new();
        let file = path.to_path_buf();
        let width;
        if mapping.csv.header {
            let has = reader
                .read_byte_record(&mut record)
                .map_err(|e| csv_error(&file, e))?;
            if !has {
                return Err(Error::Row {
                    file,
                    line: 1,
                    message: "the file is empty; the mapping expects a header row".into(),
                });
            }
            for (i, cell) in record.iter().enumerate() {
                let mut name =
                    decode(cell, mapping.csv.encoding).map_err(|message| Error::Cell {
                        file: file.clone(),
                        line: 1,
                        column: Column {
                            index: i,
                            name: None,
                        },
                        message,
                    })?;
                if i == 0 {
                    // A UTF-8 byte order mark is not part of the first name.
                    name = Cow::Owned(name.trim_start_matches('\u{feff}').to_string());
                }
                header.push(name.trim().to_string());
            }
            width = header.len();
        } else {
            width = 0;
        }

        let resolver = Resolver {
            mapping,
            data_file: &file,
            header: &header,
            has_header: mapping.csv.header,
        };
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
            file,
            reader,
            header,
            encoding: mapping.csv.encoding,
            missing: mapping.csv.missing.clone(),
            id,
            id_separator: mapping.station.id_separator.clone(),
            areas,
            shared,
            sources,
            record,
            width,
            done: false,
        })
    }

    /// The header row's names (empty if the mapping says the file has no header).
    pub fn header(&self) -> &[String] {
        &self.header
    }

    fn column(&self, index: usize) -> Column {
        Column {
            index,
            name: self.header.get(index).cloned(),
        }
    }

    fn cell_error(&self, line: u64, index: usize, message: String) -> Error {
        Error::Cell {
            file: self.file.clone(),
            line,
            column: self.column(index),
            message,
        }
    }

    fn text(&self, line: u64, index: usize) -> Result<Cow<'_, str>, Error> {
        let bytes = self.record.get(index).ok_or_else(|| {
            self.cell_error(
                line,
                index,
                format!("missing: the row has only {} fields", self.record.len()),
            )
        })?;
        decode(bytes, self.encoding).map_err(|m| self.cell_error(line, index, m))
    }

    fn count(&self, line: u64, spec: &Resolved) -> Result<Option<u64>, Error> {
        let mut sum: u64 = 0;
        let mut any_missing = false;
        for &i in &spec.indexes {
            let text = self.text(line, i)?;
            let cell = text.trim();
            if self.missing.iter().any(|m| m == cell) {
                any_missing = true;
                continue;
            }
            let value = parse_count(cell).map_err(|m| {
                self.cell_error(line, i, format!("{m} (mapping key `{}`)", spec.key))
            })?;
            sum = sum.checked_add(value).ok_or_else(|| {
                self.cell_error(
                    line,
                    i,
                    format!("sum overflows (mapping key `{}`)", spec.key),
                )
            })?;
        }
        // A sum with a missing part is missing as a whole: a partial sum would look real.
        Ok(if any_missing { None } else { Some(sum) })
    }

    fn label(&self, line: u64, spec: &Resolved, separator: &str) -> Result<String, Error> {
        let mut out = String::new();
        for (n, &i) in spec.indexes.iter().enumerate() {
            let text = self.text(line, i)?;
            let cell = text.trim();
            if cell.is_empty() {
                return Err(self.cell_error(
                    line,
                    i,
                    format!("empty, but the mapping key `{}` needs a value", spec.key),
                ));
            }
            if n > 0 {
                out.push_str(separator);
            }
            out.push_str(cell);
        }
        Ok(out)
    }

    fn row(&self, line: u64) -> Result<StationResult, Error> {
        let station = self.label(line, &self.id, &self.id_separator)?;
        let areas = self
            .areas
            .iter()
            .map(|a| self.label(line, a, ""))
            .collect::<Result<Vec<_>, _>>()?;
        let mut shared = Counts::default();
        for (f, spec) in &self.shared {
            shared.set(*f, self.count(line, spec)?);
        }
        let mut forms = Vec::with_capacity(self.sources.len());
        for source in &self.sources {
            let mut counts = shared.clone();
            for (f, spec) in &source.counts {
                counts.set(*f, self.count(line, spec)?);
            }
            let votes = source
                .votes
                .iter()
                .map(|spec| self.count(line, spec))
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
        if self.done {
            return None;
        }
        let mut record = std::mem::take(&mut self.record);
        let read = self.reader.read_byte_record(&mut record);
        self.record = record;
        match read {
            Ok(false) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(csv_error(&self.file, e)))
            }
            Ok(true) => {
                let line = self.record.position().map(|p| p.line()).unwrap_or(0);
                if self.width == 0 {
                    // No header: the first row sets the width the rest must match.
                    self.width = self.record.len();
                }
                if self.record.len() != self.width {
                    self.done = true;
                    return Some(Err(Error::Row {
                        file: self.file.clone(),
                        line,
                        message: format!(
                            "has {} fields where the header has {}",
                            self.record.len(),
                            self.width
                        ),
                    }));
                }
                let row = self.row(line);
                if row.is_err() {
                    self.done = true;
                }
                Some(row)
            }
        }
    }
}

struct Resolver<'a> {
    mapping: &'a Mapping,
    data_file: &'a Path,
    header: &'a [String],
    has_header: bool,
}

impl Resolver<'_> {
    fn resolve(&self, spec: &ColumnSpec) -> Result<Resolved, Error> {
        let mut indexes = Vec::with_capacity(spec.parts.len());
        for (n, part) in spec.parts.iter().enumerate() {
            let key = if spec.parts.len() > 1 {
                format!("{}[{n}]", spec.key)
            } else {
                spec.key.clone()
            };
            let err = |message: String| Error::Mapping {
                file: self.mapping.path.clone(),
                key: key.clone(),
                message,
            };
            let index = match part {
                ColumnRef::Index(i) => {
                    if self.has_header && *i >= self.header.len() {
                        return Err(err(format!(
                            "column index {i} is past the last column ({}) of {}",
                            self.header.len().saturating_sub(1),
                            self.data_file.display()
                        )));
                    }
                    *i
                }
                ColumnRef::Name(name) => {
                    if !self.has_header {
                        return Err(err(format!(
                            "names column {name:?}, but csv.header = false; use a 0-based index"
                        )));
                    }
                    let found: Vec<usize> = self
                        .header
                        .iter()
                        .enumerate()
                        .filter(|(_, h)| *h == name)
                        .map(|(i, _)| i)
                        .collect();
                    match found.as_slice() {
                        [i] => *i,
                        [] => {
                            return Err(err(format!(
                                "no column named {name:?} in the header of {}",
                                self.data_file.display()
                            )));
                        }
                        many => {
                            return Err(err(format!(
                                "the header of {} has {name:?} at columns {many:?}; use a 0-based index",
                                self.data_file.display()
                            )));
                        }
                    }
                }
            };
            indexes.push(index);
        }
        Ok(Resolved {
            indexes,
            key: spec.key.clone(),
        })
    }
}

fn decode(bytes: &[u8], encoding: Encoding) -> Result<Cow<'_, str>, String> {
    match encoding {
        Encoding::Utf8 => std::str::from_utf8(bytes).map(Cow::Borrowed).map_err(|e| {
            format!(
                "not valid UTF-8 (byte {}); set csv.encoding in the mapping",
                e.valid_up_to()
            )
        }),
        Encoding::Latin1 => Ok(if bytes.is_ascii() {
            Cow::Borrowed(std::str::from_utf8(bytes).unwrap_or_default())
        } else {
            Cow::Owned(bytes.iter().map(|&b| b as char).collect())
        }),
    }
}

/// A count is a whole number written with digits only.
fn parse_count(cell: &str) -> Result<u64, String> {
    if cell.is_empty() {
        return Err("empty, and the mapping does not list \"\" as missing".into());
    }
    if let Some(rest) = cell.strip_prefix('-')
        && !rest.is_empty()
        && rest.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(format!(
            "negative count {cell:?}; if it marks a missing figure, add it to csv.missing"
        ));
    }
    if !cell.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("expected a whole number, found {cell:?}"));
    }
    cell.parse::<u64>()
        .map_err(|_| format!("number {cell:?} is too large"))
}

fn csv_error(file: &Path, e: csv::Error) -> Error {
    let line = e.position().map(|p| p.line()).unwrap_or(0);
    match e.into_kind() {
        csv::ErrorKind::Io(source) => Error::Io {
            file: file.to_path_buf(),
            source,
        },
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => Error::Row {
            file: file.to_path_buf(),
            line,
            message: format!("has {len} fields where earlier rows have {expected_len}"),
        },
        other => Error::Row {
            file: file.to_path_buf(),
            line,
            message: format!("{other:?}"),
        },
    }
}
