//! Reading a voter roll through a mapping.

use std::collections::BTreeMap;

use crate::Error;
use crate::mapping::{BirthSpec, DateFormat, RecordKind, Sex};
use crate::reader::{Cells, Columns, Reader, Record, Sealed};
use crate::table::Resolved;

/// One voter of the roll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoterRow {
    /// The 1-based line of the data file where the row starts.
    pub line: u64,
    /// The voter's id on the roll.
    pub voter: String,
    pub name: String,
    pub sex: Sex,
    pub birth_year: u16,
    /// The voter's station, composed from the mapping's `station.id` columns.
    pub station: String,
    /// The private fields that have a value, by name. They must never be published: the
    /// caller commits to them and keeps them apart.
    pub private: BTreeMap<String, String>,
}

enum BirthPlan {
    Year(Resolved),
    Date(Resolved, DateFormat),
}

/// How a mapping whose `record` is `"voter-roll"` reads a voter: its columns, resolved.
pub struct RollPlan {
    station: Resolved,
    station_separator: String,
    id: Resolved,
    id_separator: String,
    name: Resolved,
    sex: Resolved,
    sex_values: Vec<(Sex, Vec<String>)>,
    birth: BirthPlan,
    private: Vec<(String, Resolved)>,
}

/// Streams the voters of a roll through a mapping whose `record` is `"voter-roll"`.
pub type VoterRollReader = Reader<RollPlan>;

impl Sealed for RollPlan {}

impl Record for RollPlan {
    const KIND: RecordKind = RecordKind::VoterRoll;
    type Row = VoterRow;

    fn plan(columns: &Columns<'_>) -> Result<Self, Error> {
        let (mapping, r) = (columns.mapping, &columns.resolver);
        let v = mapping.voter.as_ref().ok_or_else(|| Error::Mapping {
            file: mapping.path.clone(),
            key: "voter".into(),
            message: "missing".into(),
        })?;
        let birth = match &v.birth {
            BirthSpec::Year(c) => BirthPlan::Year(r.resolve(c)?),
            BirthSpec::Date(c, f) => BirthPlan::Date(r.resolve(c)?, f.clone()),
        };
        let private = v
            .private
            .iter()
            .map(|(k, c)| Ok((k.clone(), r.resolve(c)?)))
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(RollPlan {
            station: r.resolve(&mapping.station.id)?,
            station_separator: mapping.station.id_separator.clone(),
            id: r.resolve(&v.id)?,
            id_separator: v.id_separator.clone(),
            name: r.resolve(&v.name)?,
            sex: r.resolve(&v.sex)?,
            sex_values: v.sex_values.clone(),
            birth,
            private,
        })
    }

    fn row(&self, cells: &Cells<'_>) -> Result<VoterRow, Error> {
        let (t, line) = (cells.table, cells.line);
        let voter = t.label(line, &self.id, &self.id_separator)?;
        let station = t.label(line, &self.station, &self.station_separator)?;
        let name = t.text_of(line, &self.name, " ")?;
        if name.is_empty() {
            return Err(t.cell_error(
                line,
                self.name.indexes[0],
                format!(
                    "empty, but the mapping key `{}` needs a value",
                    self.name.key
                ),
            ));
        }
        let sex_col = self.sex.indexes[0];
        let sex_text = t.label(line, &self.sex, "")?.to_lowercase();
        let sex = self
            .sex_values
            .iter()
            .find(|(_, values)| values.contains(&sex_text))
            .map(|(s, _)| *s)
            .ok_or_else(|| {
                let known: Vec<String> = self
                    .sex_values
                    .iter()
                    .flat_map(|(_, v)| v.iter().map(|s| format!("{s:?}")))
                    .collect();
                t.cell_error(
                    line,
                    sex_col,
                    format!(
                        "{sex_text:?} is not one of {} (mapping key `voter.sex_values`)",
                        known.join(", ")
                    ),
                )
            })?;
        let birth_year = match &self.birth {
            BirthPlan::Year(c) => {
                let cell = t.label(line, c, "")?;
                if cell.len() != 4 || !cell.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(t.cell_error(
                        line,
                        c.indexes[0],
                        format!(
                            "expected a four-digit year, found {cell:?} (mapping key `{}`)",
                            c.key
                        ),
                    ));
                }
                cell.parse::<u16>().expect("four digits")
            }
            BirthPlan::Date(c, format) => {
                let cell = t.label(line, c, "")?;
                format
                    .read(&cell)
                    .map_err(|m| {
                        t.cell_error(line, c.indexes[0], format!("{m} (mapping key `{}`)", c.key))
                    })?
                    .0
            }
        };
        let mut private = BTreeMap::new();
        for (field, c) in &self.private {
            let value = t.text_of(line, c, " ")?;
            if !value.is_empty() {
                private.insert(field.clone(), value);
            }
        }
        Ok(VoterRow {
            line,
            voter,
            name,
            sex,
            birth_year,
            station,
            private,
        })
    }
}
