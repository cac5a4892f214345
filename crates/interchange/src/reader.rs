//! What every mapped reader shares: open a data file (plain, `.gz` or `.zip`) or a stream,
//! check that the mapping describes this kind of record, resolve its columns against the
//! header, then stream the rows, stopping at the first bad one unless told to keep going.
//! Each kind of record ([`crate::results`], [`crate::stations`], [`crate::roll`]) says only
//! how its columns resolve and how one row reads.

use std::io::Read;
use std::path::Path;

use crate::Error;
use crate::mapping::{Mapping, RecordKind};
use crate::table::{Resolver, Table};

mod sealed {
    /// Only this crate's record kinds are read through a [`super::Reader`].
    pub trait Sealed {}
}
pub(crate) use sealed::Sealed;

/// A kind of record that a mapping describes: how its columns resolve against a file's
/// header, and how one row reads. Implemented by this crate's record kinds only.
pub trait Record: Sized + Sealed {
    /// The mapping's `record` this kind reads.
    const KIND: RecordKind;
    /// One row, as this kind reads it.
    type Row;
    /// Resolves the mapping's columns against the file's header.
    fn plan(columns: &Columns<'_>) -> Result<Self, Error>;
    /// Reads the row the file is at.
    fn row(&self, cells: &Cells<'_>) -> Result<Self::Row, Error>;
}

/// A mapping and the header its columns resolve against, while a reader is set up.
pub struct Columns<'a> {
    pub(crate) mapping: &'a Mapping,
    pub(crate) resolver: Resolver<'a>,
}

/// The row a reader is at: its line, and its cells.
pub struct Cells<'a> {
    pub(crate) table: &'a Table,
    pub(crate) line: u64,
}

/// Streams the rows of a data file through a mapping. Each item is one row or the error that
/// stops at it (or, after [`Reader::keep_going`], the error of that row alone); a bad row is
/// an error, never a panic.
pub struct Reader<R> {
    table: Table,
    record: R,
}

impl<R: Record> Reader<R> {
    /// Opens `path` (`.csv`, `.csv.gz` or `.csv.zip`) and resolves the mapping's columns
    /// against its header.
    pub fn open(path: impl AsRef<Path>, mapping: &Mapping) -> Result<Self, Error> {
        let path = path.as_ref();
        mapping.expect(R::KIND)?;
        let input = crate::open::open_data(path)?;
        Self::from_reader(input, path, mapping)
    }

    /// Reads CSV bytes (already decompressed) from `input`; `name` names it in errors.
    pub fn from_reader(
        input: Box<dyn Read + Send>,
        name: impl AsRef<Path>,
        mapping: &Mapping,
    ) -> Result<Self, Error> {
        mapping.expect(R::KIND)?;
        let table = Table::open(input, name.as_ref(), mapping)?;
        let record = R::plan(&Columns {
            mapping,
            resolver: table.resolver(mapping),
        })?;
        Ok(Reader { table, record })
    }

    /// Carries on after a bad row (one that is well formed CSV but has a bad cell or the
    /// wrong number of fields), so that a caller can list every bad row. Broken quoting or
    /// bytes still end the reading.
    pub fn keep_going(mut self) -> Self {
        self.table.keep_going = true;
        self
    }

    pub(crate) fn record_mut(&mut self) -> &mut R {
        &mut self.record
    }

    /// The header row's names (empty if the mapping says the file has no header).
    pub fn header(&self) -> &[String] {
        &self.table.header
    }
}

impl<R: Record> Iterator for Reader<R> {
    type Item = Result<R::Row, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let line = match self.table.next_row()? {
            Ok(line) => line,
            Err(e) => return Some(Err(e)),
        };
        let row = self.record.row(&Cells {
            table: &self.table,
            line,
        });
        if row.is_err() {
            self.table.row_failed();
        }
        Some(row)
    }
}
