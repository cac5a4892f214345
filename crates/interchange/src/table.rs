//! What every record kind shares: splitting the file into rows and cells, resolving the
//! mapping's columns against the header, and reading one cell as a count or a label, with
//! errors that name the file, the line, the column and the mapping key.

use std::borrow::Cow;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use csv::ByteRecord;

use crate::mapping::{ColumnRef, ColumnSpec, Encoding, Mapping};
use crate::{Column, Error, TooLong};

/// The largest record (a row, with every line of its quoted cells). The CSV reader buffers a
/// record whole, so an unclosed quote would otherwise read the rest of the file into memory.
pub const MAX_RECORD_BYTES: u64 = 4 << 20;

/// Fails a read once the bytes handed out since the start of the current record (`start`,
/// kept by [`Table`] as it reads records) pass the limit. The reader reads ahead by up to its
/// buffer, so the bound holds to within one buffer.
struct RecordBound {
    inner: Box<dyn Read + Send>,
    delivered: u64,
    start: Arc<AtomicU64>,
    limit: u64,
}

impl Read for RecordBound {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let start = self.start.load(Ordering::Relaxed);
        if self.delivered.saturating_sub(start) > self.limit {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                TooLong {
                    line: 0,
                    what: "record",
                    limit: self.limit,
                },
            ));
        }
        let n = self.inner.read(buf)?;
        self.delivered += n as u64;
        Ok(n)
    }
}

/// A column spec with names resolved to indexes.
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    pub indexes: Vec<usize>,
    /// The mapping key, for messages.
    pub key: String,
}

/// The rows of one data file, read one at a time into `record`.
pub(crate) struct Table {
    pub file: PathBuf,
    reader: csv::Reader<Box<dyn Read + Send>>,
    pub header: Vec<String>,
    encoding: Encoding,
    missing: Vec<String>,
    record: ByteRecord,
    /// Where the current record starts: its byte offset, and its line.
    record_start: Arc<AtomicU64>,
    record_line: u64,
    width: usize,
    done: bool,
    /// Carry on after a bad row instead of stopping there.
    pub keep_going: bool,
}

impl Table {
    /// Reads the header (if the mapping says there is one).
    pub fn open(
        input: Box<dyn Read + Send>,
        path: &Path,
        mapping: &Mapping,
    ) -> Result<Table, Error> {
        let record_start = Arc::new(AtomicU64::new(0));
        let input = RecordBound {
            inner: input,
            delivered: 0,
            start: record_start.clone(),
            limit: MAX_RECORD_BYTES,
        };
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(mapping.csv.delimiter)
            .quote(mapping.csv.quote)
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(1 << 16)
            .from_reader(Box::new(input) as Box<dyn Read + Send>);
        let mut record = ByteRecord::new();
        let mut header = Vec::new();
        let file = path.to_path_buf();
        let width;
        let mut record_line = 1;
        if mapping.csv.header {
            let has = reader
                .read_byte_record(&mut record)
                .map_err(|e| csv_error(&file, 1, e))?;
            record_start.store(reader.position().byte(), Ordering::Relaxed);
            record_line = reader.position().line();
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
        Ok(Table {
            file,
            reader,
            header,
            encoding: mapping.csv.encoding,
            missing: mapping.csv.missing.clone(),
            record,
            record_start,
            record_line,
            width,
            done: false,
            keep_going: false,
        })
    }

    pub fn resolver<'a>(&'a self, mapping: &'a Mapping) -> Resolver<'a> {
        Resolver {
            mapping,
            data_file: &self.file,
            header: &self.header,
            has_header: mapping.csv.header,
        }
    }

    /// Moves to the next row: its line, or the error that makes the whole row unreadable.
    pub fn next_row(&mut self) -> Option<Result<u64, Error>> {
        if self.done {
            return None;
        }
        let mut record = std::mem::take(&mut self.record);
        let read = self.reader.read_byte_record(&mut record);
        self.record = record;
        let started = self.record_line;
        let position = self.reader.position();
        self.record_start.store(position.byte(), Ordering::Relaxed);
        self.record_line = position.line();
        match read {
            Ok(false) => {
                self.done = true;
                None
            }
            Err(e) => {
                // Broken bytes or quoting: what follows cannot be trusted to be rows.
                self.done = true;
                Some(Err(csv_error(&self.file, started, e)))
            }
            Ok(true) => {
                let line = self.record.position().map(|p| p.line()).unwrap_or(0);
                if self.width == 0 {
                    // No header: the first row sets the width the rest must match.
                    self.width = self.record.len();
                }
                if self.record.len() != self.width {
                    self.done = !self.keep_going;
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
                Some(Ok(line))
            }
        }
    }

    /// Ends the reading after a bad row, unless told to keep going.
    pub fn row_failed(&mut self) {
        if !self.keep_going {
            self.done = true;
        }
    }

    fn column(&self, index: usize) -> Column {
        Column {
            index,
            name: self.header.get(index).cloned(),
        }
    }

    pub fn cell_error(&self, line: u64, index: usize, message: String) -> Error {
        Error::Cell {
            file: self.file.clone(),
            line,
            column: self.column(index),
            message,
        }
    }

    pub fn text(&self, line: u64, index: usize) -> Result<Cow<'_, str>, Error> {
        let bytes = self.record.get(index).ok_or_else(|| {
            self.cell_error(
                line,
                index,
                format!("missing: the row has only {} fields", self.record.len()),
            )
        })?;
        decode(bytes, self.encoding).map_err(|m| self.cell_error(line, index, m))
    }

    fn is_missing(&self, cell: &str) -> bool {
        self.missing.iter().any(|m| m == cell)
    }

    /// A count, or the sum of several; `None` if any part is missing.
    pub fn count(&self, line: u64, spec: &Resolved) -> Result<Option<u64>, Error> {
        let mut sum: u64 = 0;
        let mut any_missing = false;
        for &i in &spec.indexes {
            let text = self.text(line, i)?;
            let cell = text.trim();
            if self.is_missing(cell) {
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

    /// The cells joined with `separator`; every one must have a value.
    pub fn label(&self, line: u64, spec: &Resolved, separator: &str) -> Result<String, Error> {
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

    /// The cells that have a value (not empty, not listed as missing), joined with `separator`;
    /// empty if none has.
    pub fn text_of(&self, line: u64, spec: &Resolved, separator: &str) -> Result<String, Error> {
        let mut out = String::new();
        for &i in &spec.indexes {
            let text = self.text(line, i)?;
            let cell = text.trim();
            if cell.is_empty() || self.is_missing(cell) {
                continue;
            }
            if !out.is_empty() {
                out.push_str(separator);
            }
            out.push_str(cell);
        }
        Ok(out)
    }
}

pub(crate) struct Resolver<'a> {
    mapping: &'a Mapping,
    data_file: &'a Path,
    header: &'a [String],
    has_header: bool,
}

impl Resolver<'_> {
    pub fn resolve(&self, spec: &ColumnSpec) -> Result<Resolved, Error> {
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

/// `started` is the line where the record being read starts, for errors that carry none.
fn csv_error(file: &Path, started: u64, e: csv::Error) -> Error {
    let line = e.position().map(|p| p.line()).unwrap_or(0);
    match e.into_kind() {
        csv::ErrorKind::Io(source) => match TooLong::of(&source) {
            Some(too_long) => Error::Row {
                file: file.to_path_buf(),
                line: if too_long.line > 0 {
                    too_long.line
                } else {
                    started
                },
                message: too_long.reason(),
            },
            None => Error::Io {
                file: file.to_path_buf(),
                source,
            },
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
