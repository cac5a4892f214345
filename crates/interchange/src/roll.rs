//! Reading a voter roll through a mapping.

use std::collections::BTreeMap;

use crate::Error;
use crate::mapping::{BirthSpec, DateFormat, RecordKind, Sex};
use crate::reader::{Cells, Columns, Reader, Record, Sealed};
use crate::table::{Resolved, Table};

/// One voter of the roll. Every field but the id may be missing from the mapping or the row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoterRow {
    /// The 1-based line of the data file where the row starts.
    pub line: u64,
    /// The voter's id on the roll.
    pub voter: String,
    /// The name as the roll prints it: the `name` columns, or else the family and given names.
    pub name: String,
    pub name_latin: Option<String>,
    pub family: Option<String>,
    pub given: Option<String>,
    pub family_latin: Option<String>,
    pub given_latin: Option<String>,
    pub sex: Option<Sex>,
    pub birth_year: Option<u16>,
    /// Month and day, where the mapping reads a full date of birth.
    pub birth_month_day: Option<(u8, u8)>,
    /// The voter's station, composed from the mapping's `station.id` columns.
    pub station: Option<String>,
    /// The area above the station (`voter.area`), for deduplication.
    pub area: Option<String>,
    /// The private fields that have a value, by name. They must never be published: the
    /// caller commits to them and keeps them apart.
    pub private: BTreeMap<String, String>,
    /// Cells that could not be read and were taken as missing, each error as one line naming
    /// file, line and column (lenient reading only).
    pub unreadable: Vec<String>,
}

enum BirthPlan {
    Year(Resolved),
    Date(Resolved, DateFormat),
}

/// How a mapping whose `record` is `"voter-roll"` reads a voter: its columns, resolved.
pub struct RollPlan {
    station: Option<Resolved>,
    station_separator: String,
    id: Resolved,
    id_separator: String,
    name: Option<Resolved>,
    name_latin: Option<Resolved>,
    family: Option<Resolved>,
    given: Option<Resolved>,
    family_latin: Option<Resolved>,
    given_latin: Option<Resolved>,
    sex: Option<Resolved>,
    sex_values: Vec<(Sex, Vec<String>)>,
    birth: Option<BirthPlan>,
    private: Vec<(String, Resolved)>,
    area: Option<Resolved>,
    /// A registration needs a name, the sex, the birth year and the station: strict reading
    /// refuses a row without them, lenient reading (for deduplication) takes them as missing.
    strict: bool,
    mapping_path: std::path::PathBuf,
}

/// Streams the voters of a roll through a mapping whose `record` is `"voter-roll"`.
pub type VoterRollReader = Reader<RollPlan>;

impl VoterRollReader {
    /// Reads every field as optional: an empty or unreadable cell (an impossible date, an
    /// unknown sex) is missing, and the error is kept in the row's `unreadable`. Only the id
    /// is required. For deduplication, not registration.
    pub fn lenient(mut self) -> Self {
        self.record_mut().strict = false;
        self
    }
}

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
        let opt =
            |c: &Option<crate::mapping::ColumnSpec>| c.as_ref().map(|c| r.resolve(c)).transpose();
        let birth = match &v.birth {
            Some(BirthSpec::Year(c)) => Some(BirthPlan::Year(r.resolve(c)?)),
            Some(BirthSpec::Date(c, f)) => Some(BirthPlan::Date(r.resolve(c)?, f.clone())),
            None => None,
        };
        let private = v
            .private
            .iter()
            .map(|(k, c)| Ok((k.clone(), r.resolve(c)?)))
            .collect::<Result<Vec<_>, Error>>()?;
        let station = if mapping.station.id.parts.is_empty() {
            None
        } else {
            Some(r.resolve(&mapping.station.id)?)
        };
        Ok(RollPlan {
            station,
            station_separator: mapping.station.id_separator.clone(),
            id: r.resolve(&v.id)?,
            id_separator: v.id_separator.clone(),
            name: opt(&v.name)?,
            name_latin: opt(&v.name_latin)?,
            family: opt(&v.family)?,
            given: opt(&v.given)?,
            family_latin: opt(&v.family_latin)?,
            given_latin: opt(&v.given_latin)?,
            sex: opt(&v.sex)?,
            sex_values: v.sex_values.clone(),
            birth,
            private,
            area: opt(&v.area)?,
            strict: true,
            mapping_path: mapping.path.clone(),
        })
    }

    fn row(&self, cells: &Cells<'_>) -> Result<VoterRow, Error> {
        let (t, line) = (cells.table, cells.line);
        let mut unreadable = Vec::new();
        // A cell that cannot be read: the row's error when strict, else kept and missing.
        let mut soft = |e: Error| -> Result<(), Error> {
            if self.strict {
                Err(e)
            } else {
                unreadable.push(e.to_string());
                Ok(())
            }
        };
        let needed = |key: &str| -> Result<(), Error> {
            if self.strict {
                return Err(Error::Mapping {
                    file: self.mapping_path.clone(),
                    key: key.into(),
                    message: "missing: a registration needs it".into(),
                });
            }
            Ok(())
        };
        // Lenient reading takes an empty cell as missing, without complaint.
        let blank = |c: &Resolved| -> Result<bool, Error> {
            Ok(!self.strict && t.text_of(line, c, "")?.is_empty())
        };
        let voter = t.label(line, &self.id, &self.id_separator)?;
        let text = |c: &Option<Resolved>| -> Result<Option<String>, Error> {
            Ok(match c {
                Some(c) => Some(t.text_of(line, c, " ")?).filter(|s| !s.is_empty()),
                None => None,
            })
        };
        let station = match &self.station {
            Some(c) if blank(c)? => None,
            Some(c) => match t.label(line, c, &self.station_separator) {
                Ok(s) => Some(s),
                Err(e) => {
                    soft(e)?;
                    None
                }
            },
            None => {
                needed("station.id")?;
                None
            }
        };
        let family = text(&self.family)?;
        let given = text(&self.given)?;
        let family_latin = text(&self.family_latin)?;
        let given_latin = text(&self.given_latin)?;
        let name_latin = text(&self.name_latin)?;
        let area = text(&self.area)?;
        let printed = match text(&self.name)? {
            Some(n) => n,
            None => [&family, &given]
                .into_iter()
                .flatten()
                .cloned()
                .collect::<Vec<_>>()
                .join(" "),
        };
        if printed.is_empty() {
            let e = match self
                .name
                .as_ref()
                .or(self.family.as_ref())
                .or(self.given.as_ref())
            {
                Some(c) => t.cell_error(
                    line,
                    c.indexes[0],
                    format!("empty, but the mapping key `{}` needs a value", c.key),
                ),
                None => {
                    needed("voter.name")?;
                    return Err(Error::Row {
                        file: t.file.clone(),
                        line,
                        message: "no name".into(),
                    });
                }
            };
            if self.strict {
                return Err(e);
            }
        }
        let sex = match &self.sex {
            Some(c) if blank(c)? => None,
            Some(c) => match self.sex_of(t, line, c) {
                Ok(s) => s,
                Err(e) => {
                    soft(e)?;
                    None
                }
            },
            None => {
                needed("voter.sex")?;
                None
            }
        };
        let birth = match &self.birth {
            Some(BirthPlan::Year(c) | BirthPlan::Date(c, _)) if blank(c)? => None,
            Some(b) => match read_birth(t, line, b) {
                Ok(b) => b,
                Err(e) => {
                    soft(e)?;
                    None
                }
            },
            None => {
                needed("voter.birth_year")?;
                None
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
            name: printed,
            name_latin,
            family,
            given,
            family_latin,
            given_latin,
            sex,
            birth_year: birth.map(|b| b.0),
            birth_month_day: birth.and_then(|b| b.1),
            station,
            area,
            private,
            unreadable,
        })
    }
}

impl RollPlan {
    fn sex_of(&self, t: &Table, line: u64, c: &Resolved) -> Result<Option<Sex>, Error> {
        let sex_text = t.label(line, c, "")?.to_lowercase();
        self.sex_values
            .iter()
            .find(|(_, values)| values.contains(&sex_text))
            .map(|(s, _)| Some(*s))
            .ok_or_else(|| {
                let known: Vec<String> = self
                    .sex_values
                    .iter()
                    .flat_map(|(_, v)| v.iter().map(|s| format!("{s:?}")))
                    .collect();
                t.cell_error(
                    line,
                    c.indexes[0],
                    format!(
                        "{sex_text:?} is not one of {} (mapping key `voter.sex_values`)",
                        known.join(", ")
                    ),
                )
            })
    }
}

/// A birth year, with the month and day where they are known.
type YearMonthDay = (u16, Option<(u8, u8)>);

/// The birth year, and the month and day where the column holds a full date.
fn read_birth(t: &Table, line: u64, birth: &BirthPlan) -> Result<Option<YearMonthDay>, Error> {
    match birth {
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
            Ok(Some((cell.parse::<u16>().expect("four digits"), None)))
        }
        BirthPlan::Date(c, format) => {
            let cell = t.label(line, c, "")?;
            let (y, m, d) = format.read(&cell).map_err(|m| {
                t.cell_error(line, c.indexes[0], format!("{m} (mapping key `{}`)", c.key))
            })?;
            Ok(Some((y, Some((m, d)))))
        }
    }
}
