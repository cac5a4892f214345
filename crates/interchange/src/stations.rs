//! Reading a list of polling stations (and the areas they sit in) through a mapping.

use crate::Error;
use crate::mapping::RecordKind;
use crate::reader::{Cells, Columns, Reader, Record, Sealed};
use crate::table::Resolved;

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

/// How a mapping whose `record` is `"stations"` reads a station list: its columns, resolved.
pub struct StationsPlan {
    id: Resolved,
    separator: String,
    areas: Vec<AreaPlan>,
    name: Option<Resolved>,
    registered: Option<Resolved>,
}

/// Streams the rows of a station list through a mapping whose `record` is `"stations"`.
pub type StationListReader = Reader<StationsPlan>;

impl Sealed for StationsPlan {}

impl Record for StationsPlan {
    const KIND: RecordKind = RecordKind::Stations;
    type Row = StationRow;

    fn plan(columns: &Columns<'_>) -> Result<Self, Error> {
        let r = &columns.resolver;
        let s = &columns.mapping.station;
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
        Ok(StationsPlan {
            id,
            separator: s.id_separator.clone(),
            areas,
            name,
            registered,
        })
    }

    fn row(&self, cells: &Cells<'_>) -> Result<StationRow, Error> {
        let (t, line) = (cells.table, cells.line);
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
