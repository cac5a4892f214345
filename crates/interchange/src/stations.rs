//! Reading a list of polling stations (and the areas they sit in) through a mapping.

use std::io::Read;
use std::path::Path;

use crate::Error;
use crate::mapping::{Mapping, RecordKind};
use crate::table::{Resolved, Table};

/// One area a station sits in, at one level of the hierarchy.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AreaCell {
    /// The area's code: the mapping's `code` column, or else its name and the names of the
    /// areas above it, joined with `station.id_separator` (so that two districts of the same
    /// name in different provinces stay apart).
    pub code: String,
    pub name: String,
}

/// One row of a station list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StationRow {
    /// The 1-based line of the data file where the row starts.
    pub line: u64,
    /// The station's id, composed from the mapping's `station.id` columns.
    pub station: String,
    pub name: Option<String>,
    /// The station's areas, outermost first, in the order of `station.areas`.
    pub areas: Vec<AreaCell>,
    /// Registered voters; `None` where the cell is missing or the mapping does not say.
    pub registered: Option<u64>,
}

struct AreaPlan {
    name: Resolved,
    code: Option<Resolved>,
}

/// Streams the rows of a station list through a mapping whose `record` is `"stations"`.
pub struct StationListReader {
    table: Table,
    id: Resolved,
    separator: String,
    areas: Vec<AreaPlan>,
    name: Option<Resolved>,
    registered: Option<Resolved>,
}

impl StationListReader {
    /// Opens `path` (`.csv`, `.csv.gz` or `.csv.zip`) and resolves the mapping's columns.
    pub fn open(path: impl AsRef<Path>, mapping: &Mapping) -> Result<Self, Error> {
        let path = path.as_ref();
        mapping.expect(RecordKind::Stations)?;
        let input = crate::open::open_data(path)?;
        Self::from_reader(input, path, mapping)
    }

    /// Reads CSV bytes (already decompressed) from `input`; `name` names it in errors.
    pub fn from_reader(
        input: Box<dyn Read + Send>,
        name: impl AsRef<Path>,
        mapping: &Mapping,
    ) -> Result<Self, Error> {
        mapping.expect(RecordKind::Stations)?;
        let table = Table::open(input, name.as_ref(), mapping)?;
        let r = table.resolver(mapping);
        let s = &mapping.station;
        let id = r.resolve(&s.id)?;
        let areas = s
            .areas
            .iter()
            .map(|a| {
                Ok(AreaPlan {
                    name: r.resolve(&a.column)?,
                    code: a.code.as_ref().map(|c| r.resolve(c)).transpose()?,
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let name = s.name.as_ref().map(|c| r.resolve(c)).transpose()?;
        let registered = s.registered.as_ref().map(|c| r.resolve(c)).transpose()?;
        Ok(StationListReader {
            table,
            id,
            separator: s.id_separator.clone(),
            areas,
            name,
            registered,
        })
    }

    /// Carries on after a bad row, so that a caller can list every bad row.
    pub fn keep_going(mut self) -> Self {
        self.table.keep_going = true;
        self
    }

    pub fn header(&self) -> &[String] {
        &self.table.header
    }

    fn row(&self, line: u64) -> Result<StationRow, Error> {
        let t = &self.table;
        let station = t.label(line, &self.id, &self.separator)?;
        let mut areas: Vec<AreaCell> = Vec::with_capacity(self.areas.len());
        for plan in &self.areas {
            let name = t.label(line, &plan.name, "")?;
            let code = match &plan.code {
                Some(c) => t.label(line, c, "")?,
                None => match areas.last() {
                    Some(parent) => format!("{}{}{name}", parent.code, self.separator),
                    None => name.clone(),
                },
            };
            areas.push(AreaCell { code, name });
        }
        let name = match &self.name {
            Some(n) => Some(t.text_of(line, n, " ")?).filter(|n| !n.is_empty()),
            None => None,
        };
        let registered = match &self.registered {
            Some(r) => t.count(line, r)?,
            None => None,
        };
        Ok(StationRow {
            line,
            station,
            name,
            areas,
            registered,
        })
    }
}

impl Iterator for StationListReader {
    type Item = Result<StationRow, Error>;

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
