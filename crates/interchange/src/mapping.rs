//! The column-mapping file: parsing and checking, before any data file is opened.
//!
//! The format is documented in the crate docs and in `docs/mapping.md`. Parsing walks the TOML
//! tree by hand rather than through serde so that every error names the exact key.

use std::path::{Path, PathBuf};

use toml::{Table, Value};

use crate::Error;

/// The kind of record each row of the data file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    /// One row per polling station, with one or more copies (sources) of its result form.
    StationResults,
    /// One row per polling station: where it is in the area hierarchy, its name and its
    /// registered voters.
    Stations,
    /// One row per voter: the public fields of the registration and the private ones.
    VoterRoll,
}

impl RecordKind {
    pub const ALL: [RecordKind; 3] = [
        RecordKind::StationResults,
        RecordKind::Stations,
        RecordKind::VoterRoll,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::StationResults => "station-results",
            RecordKind::Stations => "stations",
            RecordKind::VoterRoll => "voter-roll",
        }
    }

    fn top_keys(self) -> &'static [&'static str] {
        match self {
            RecordKind::StationResults => &[
                "record",
                "description",
                "csv",
                "station",
                "contest",
                "counts",
                "source",
            ],
            RecordKind::Stations => &["record", "description", "csv", "station"],
            RecordKind::VoterRoll => &[
                "record",
                "description",
                "csv",
                "station",
                "voter",
                "private",
            ],
        }
    }
}

/// How the bytes of a cell are decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    /// ISO-8859-1: every byte is the code point of the same value.
    Latin1,
}

/// How to split the file into rows and cells.
#[derive(Debug, Clone)]
pub struct CsvOptions {
    pub delimiter: u8,
    pub quote: u8,
    pub header: bool,
    pub encoding: Encoding,
    /// Cell values (after trimming spaces) that mean "not available": such a count is missing,
    /// never zero.
    pub missing: Vec<String>,
}

/// One column named in a mapping, by 0-based index or by header name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnRef {
    Index(usize),
    Name(String),
}

/// A figure read from one column or summed over several; `key` is where the mapping says so.
#[derive(Debug, Clone)]
pub struct ColumnSpec {
    pub parts: Vec<ColumnRef>,
    pub key: String,
}

/// One level of the area hierarchy (province, district, ...), outermost first.
#[derive(Debug, Clone)]
pub struct AreaSpec {
    pub level: String,
    /// The area's name.
    pub column: ColumnSpec,
    /// The area's code, where the file has one (stations mappings only). Without it, an area's
    /// code is its name and the names of the areas above it, joined with `id_separator`.
    pub code: Option<ColumnSpec>,
}

/// Which columns identify the polling station and place it in the area hierarchy. In a voter
/// roll, the station is the voter's.
#[derive(Debug, Clone)]
pub struct StationSpec {
    /// Columns whose values, joined with `id_separator`, make the station's id.
    pub id: ColumnSpec,
    pub id_separator: String,
    pub areas: Vec<AreaSpec>,
    /// The station's name (stations mappings only); several columns are joined with a space.
    pub name: Option<ColumnSpec>,
    /// Registered voters (stations mappings only); an array is a sum.
    pub registered: Option<ColumnSpec>,
}

/// A voter's sex as the roll records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Sex {
    F,
    M,
    X,
}

impl Sex {
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::F => "F",
            Sex::M => "M",
            Sex::X => "X",
        }
    }
}

/// Where the birth year comes from.
#[derive(Debug, Clone)]
pub enum BirthSpec {
    /// A column holding the year.
    Year(ColumnSpec),
    /// A column holding the full date in the given layout; the year is taken from it.
    Date(ColumnSpec, DateFormat),
}

/// A date layout such as `DD/MM/YYYY` or `YYYYMMDD`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateFormat {
    pub text: String,
    parts: Vec<DatePart>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DatePart {
    Year,
    Month,
    Day,
    Literal(char),
}

impl DateFormat {
    /// Parses a layout made of `YYYY`, `MM`, `DD` and separators; `YYYY` is required.
    pub fn parse(text: &str) -> Result<DateFormat, String> {
        let mut parts = Vec::new();
        let mut rest = text;
        while !rest.is_empty() {
            let (part, len) = if rest.starts_with("YYYY") {
                (DatePart::Year, 4)
            } else if rest.starts_with("MM") {
                (DatePart::Month, 2)
            } else if rest.starts_with("DD") {
                (DatePart::Day, 2)
            } else {
                let c = rest.chars().next().expect("not empty");
                if c.is_alphanumeric() {
                    return Err(format!(
                        "unexpected {c:?} in {text:?}; write the layout with YYYY, MM, DD and separators, e.g. \"DD/MM/YYYY\""
                    ));
                }
                (DatePart::Literal(c), c.len_utf8())
            };
            if !matches!(part, DatePart::Literal(_)) && parts.contains(&part) {
                return Err(format!("{text:?} names a part twice"));
            }
            parts.push(part);
            rest = &rest[len..];
        }
        if !parts.contains(&DatePart::Year) {
            return Err(format!("{text:?} has no YYYY"));
        }
        Ok(DateFormat {
            text: text.to_string(),
            parts,
        })
    }

    /// Reads a date laid out so; returns (year, month, day), with month and day 0 where the
    /// layout has none. A month or day written with one digit is accepted before a separator.
    pub fn read(&self, cell: &str) -> Result<(u16, u8, u8), String> {
        let bad = || format!("{cell:?} is not a date laid out as {:?}", self.text);
        let bytes = cell.as_bytes();
        let (mut year, mut month, mut day) = (None, 0u8, 0u8);
        let mut at = 0;
        for (n, part) in self.parts.iter().enumerate() {
            match part {
                DatePart::Literal(c) => {
                    let mut buf = [0u8; 4];
                    let lit = c.encode_utf8(&mut buf).as_bytes();
                    if !bytes[at..].starts_with(lit) {
                        return Err(bad());
                    }
                    at += lit.len();
                }
                numeric => {
                    let width = if *numeric == DatePart::Year { 4 } else { 2 };
                    let next_is_literal =
                        matches!(self.parts.get(n + 1), Some(DatePart::Literal(_)) | None);
                    let digits = bytes[at..]
                        .iter()
                        .take(width)
                        .take_while(|b| b.is_ascii_digit())
                        .count();
                    let short_ok = *numeric != DatePart::Year && next_is_literal && digits == 1;
                    if digits != width && !short_ok {
                        return Err(bad());
                    }
                    let value: u16 = cell[at..at + digits].parse().map_err(|_| bad())?;
                    at += digits;
                    match numeric {
                        DatePart::Year => year = Some(value),
                        DatePart::Month => month = value as u8,
                        _ => day = value as u8,
                    }
                }
            }
        }
        if at != bytes.len() {
            return Err(bad());
        }
        let year = year.ok_or_else(bad)?;
        let has = |p| self.parts.contains(&p);
        if has(DatePart::Month) && !(1..=12).contains(&month) {
            return Err(format!("{cell:?}: month {month} does not exist"));
        }
        if has(DatePart::Day) {
            let last = match month {
                2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
                2 => 28,
                4 | 6 | 9 | 11 => 30,
                _ => 31,
            };
            if day == 0 || day > last {
                return Err(format!("{cell:?}: day {day} does not exist"));
            }
        }
        Ok((year, month, day))
    }
}

/// The columns of a voter roll. Only the id is required; a registration also needs a name,
/// the sex, the birth and the station, which `import roll` checks.
#[derive(Debug, Clone)]
pub struct VoterSpec {
    /// The voter's id on the roll; several columns are joined with `id_separator`.
    pub id: ColumnSpec,
    pub id_separator: String,
    /// The name as published; several columns (given name, family name) are joined with a
    /// space, skipping empty ones. Without it, the name is the family and given names.
    pub name: Option<ColumnSpec>,
    /// The full name's romanisation, beside a name in Khmer script.
    pub name_latin: Option<ColumnSpec>,
    /// The family and given names apart, and their romanisations.
    pub family: Option<ColumnSpec>,
    pub given: Option<ColumnSpec>,
    pub family_latin: Option<ColumnSpec>,
    pub given_latin: Option<ColumnSpec>,
    pub sex: Option<ColumnSpec>,
    /// Cell values (compared without case) for each sex.
    pub sex_values: Vec<(Sex, Vec<String>)>,
    pub birth: Option<BirthSpec>,
    /// Private fields by name: committed to, never published. Several columns are joined with
    /// a space, skipping empty ones.
    pub private: Vec<(String, ColumnSpec)>,
    /// The area the voter lives in above the station (a district, say): public, and compared
    /// in deduplication, where a voter registered again after moving village within it shows.
    pub area: Option<ColumnSpec>,
}

/// The figures of a result form, other than the votes per choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CountField {
    /// Voters on the list at the station.
    Registered,
    /// Blank ballots the station received.
    BallotsReceived,
    /// Ballots handed to voters (in the station, early, outside it).
    BallotsIssued,
    /// Ballots spoiled by voters and replaced.
    BallotsSpoiled,
    /// Ballots left unused (cancelled) after the count.
    BallotsUnused,
    /// Ballots found in the boxes.
    BallotsCast,
    /// Valid ballots.
    Valid,
    /// Invalid ballots.
    Invalid,
    /// Total ballots counted (valid + invalid), where the form gives it as one figure.
    Total,
}

impl CountField {
    pub const ALL: [CountField; 9] = [
        CountField::Registered,
        CountField::BallotsReceived,
        CountField::BallotsIssued,
        CountField::BallotsSpoiled,
        CountField::BallotsUnused,
        CountField::BallotsCast,
        CountField::Valid,
        CountField::Invalid,
        CountField::Total,
    ];

    /// The key used for this field in mapping files and CSV exports.
    pub fn as_str(self) -> &'static str {
        match self {
            CountField::Registered => "registered",
            CountField::BallotsReceived => "ballots_received",
            CountField::BallotsIssued => "ballots_issued",
            CountField::BallotsSpoiled => "ballots_spoiled",
            CountField::BallotsUnused => "ballots_unused",
            CountField::BallotsCast => "ballots_cast",
            CountField::Valid => "valid",
            CountField::Invalid => "invalid",
            CountField::Total => "total",
        }
    }

    pub fn from_key(key: &str) -> Option<CountField> {
        CountField::ALL.into_iter().find(|f| f.as_str() == key)
    }
}

/// One copy of the result form in each row: the official count, a party's copy, a crowd
/// transcription, ...
#[derive(Debug, Clone)]
pub struct SourceSpec {
    pub name: String,
    /// The count fields this source gives, beside those shared by all sources.
    pub counts: Vec<(CountField, ColumnSpec)>,
    /// Votes for each choice, in the order of `Mapping::choices`.
    pub votes: Vec<ColumnSpec>,
}

/// A parsed and checked mapping file.
#[derive(Debug, Clone)]
pub struct Mapping {
    /// Where the mapping came from, for error messages.
    pub path: PathBuf,
    pub record: RecordKind,
    pub description: Option<String>,
    pub csv: CsvOptions,
    pub station: StationSpec,
    /// The contest's name, if the mapping gives it.
    pub contest: Option<String>,
    /// The candidates or party lists, in ballot order.
    pub choices: Vec<String>,
    /// Count fields that every source shares (for example registered voters from the
    /// station list).
    pub shared_counts: Vec<(CountField, ColumnSpec)>,
    /// The copies of the result form; the first is the reference (usually the official) copy.
    pub sources: Vec<SourceSpec>,
    /// The voter roll's columns (voter-roll mappings only).
    pub voter: Option<VoterSpec>,
}

impl Mapping {
    /// Reads and checks a mapping file.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Mapping, Error> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            file: path.to_path_buf(),
            source,
        })?;
        Mapping::parse(&text, path)
    }

    /// Parses mapping text; `origin` names it in error messages.
    pub fn parse(text: &str, origin: impl AsRef<Path>) -> Result<Mapping, Error> {
        let p = Parser {
            file: origin.as_ref().to_path_buf(),
        };
        let table: Table = text.parse().map_err(|e: toml::de::Error| {
            let message = e.message().to_string();
            let line = e.span().map(|s| {
                let before = &text.as_bytes()[..s.start.min(text.len())];
                1 + before.iter().filter(|&&b| b == b'\n').count()
            });
            p.err(
                "(document)",
                match line {
                    Some(line) => format!("line {line}: {message}"),
                    None => message,
                },
            )
        })?;
        p.mapping(&table)
    }

    /// The source with this name.
    pub fn source(&self, name: &str) -> Option<&SourceSpec> {
        self.sources.iter().find(|s| s.name == name)
    }

    /// An error naming the `record` key unless this mapping describes `kind`.
    pub fn expect(&self, kind: RecordKind) -> Result<(), Error> {
        if self.record == kind {
            return Ok(());
        }
        Err(Error::Mapping {
            file: self.path.clone(),
            key: "record".into(),
            message: format!(
                "is {:?}, but {:?} is needed here",
                self.record.as_str(),
                kind.as_str()
            ),
        })
    }
}

struct Parser {
    file: PathBuf,
}

impl Parser {
    fn err(&self, key: &str, message: impl Into<String>) -> Error {
        Error::Mapping {
            file: self.file.clone(),
            key: key.to_string(),
            message: message.into(),
        }
    }

    fn no_unknown_keys(&self, table: &Table, prefix: &str, allowed: &[&str]) -> Result<(), Error> {
        for k in table.keys() {
            if !allowed.contains(&k.as_str()) {
                return Err(self.err(
                    &join(prefix, &key_name(k)),
                    format!("unknown key; expected one of: {}", allowed.join(", ")),
                ));
            }
        }
        Ok(())
    }

    fn table<'a>(&self, parent: &'a Table, prefix: &str, key: &str) -> Result<&'a Table, Error> {
        match parent.get(key) {
            Some(Value::Table(t)) => Ok(t),
            Some(other) => Err(self.err(
                &join(prefix, key),
                format!("expected a table, found {}", other.type_str()),
            )),
            None => Err(self.err(&join(prefix, key), "missing")),
        }
    }

    fn opt_str(&self, parent: &Table, prefix: &str, key: &str) -> Result<Option<String>, Error> {
        match parent.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(self.err(
                &join(prefix, key),
                format!("expected a string, found {}", other.type_str()),
            )),
        }
    }

    fn mapping(&self, t: &Table) -> Result<Mapping, Error> {
        let kinds = RecordKind::ALL
            .map(|k| format!("{:?}", k.as_str()))
            .join(", ");
        let record = match self.opt_str(t, "", "record")?.as_deref() {
            Some(name) => RecordKind::ALL
                .into_iter()
                .find(|k| k.as_str() == name)
                .ok_or_else(|| {
                    self.err(
                        "record",
                        format!("unknown record kind {name:?}; this version reads {kinds}"),
                    )
                })?,
            None => {
                return Err(self.err(
                    "record",
                    format!("missing (say which kind of rows the file holds: {kinds})"),
                ));
            }
        };
        let mut allowed = record.top_keys().to_vec();
        allowed.sort_unstable();
        for k in t.keys() {
            if !allowed.contains(&k.as_str()) {
                let hint = if RecordKind::ALL
                    .iter()
                    .any(|r| r.top_keys().contains(&k.as_str()))
                {
                    format!("not used when record = {:?}", record.as_str())
                } else {
                    "unknown key".to_string()
                };
                return Err(self.err(
                    &key_name(k),
                    format!("{hint}; expected one of: {}", allowed.join(", ")),
                ));
            }
        }
        let description = self.opt_str(t, "", "description")?;
        let csv = match t.get("csv") {
            None => CsvOptions {
                delimiter: b',',
                quote: b'"',
                header: true,
                encoding: Encoding::Utf8,
                missing: vec![String::new()],
            },
            Some(_) => self.csv(self.table(t, "", "csv")?)?,
        };
        // A voter's station is optional: a people file such as FEBRL has none.
        let station = match (record, t.get("station")) {
            (RecordKind::VoterRoll, None) => StationSpec {
                id: ColumnSpec {
                    parts: Vec::new(),
                    key: "station.id".into(),
                },
                id_separator: "/".into(),
                areas: Vec::new(),
                name: None,
                registered: None,
            },
            _ => self.station(self.table(t, "", "station")?, record)?,
        };
        let mut mapping = Mapping {
            path: self.file.clone(),
            record,
            description,
            csv,
            station,
            contest: None,
            choices: Vec::new(),
            shared_counts: Vec::new(),
            sources: Vec::new(),
            voter: None,
        };
        match record {
            RecordKind::StationResults => self.results(t, &mut mapping)?,
            RecordKind::Stations => {}
            RecordKind::VoterRoll => {
                mapping.voter = Some(self.voter(t)?);
            }
        }
        Ok(mapping)
    }

    fn results(&self, t: &Table, mapping: &mut Mapping) -> Result<(), Error> {
        let contest_t = self.table(t, "", "contest")?;
        self.no_unknown_keys(contest_t, "contest", &["name", "choices"])?;
        let contest = self.opt_str(contest_t, "contest", "name")?;
        let choices = self.string_list(contest_t, "contest", "choices")?;
        if choices.is_empty() {
            return Err(self.err("contest.choices", "names no choice"));
        }
        for (i, c) in choices.iter().enumerate() {
            if choices[..i].contains(c) {
                return Err(self.err(&format!("contest.choices[{i}]"), format!("{c:?} twice")));
            }
        }
        let shared_counts = match t.get("counts") {
            None => Vec::new(),
            Some(_) => self.counts(self.table(t, "", "counts")?, "counts", &[])?,
        };
        let sources_v = match t.get("source") {
            Some(Value::Array(a)) => a,
            Some(other) => {
                return Err(self.err(
                    "source",
                    format!("expected [[source]] tables, found {}", other.type_str()),
                ));
            }
            None => return Err(self.err("source", "missing: add at least one [[source]] table")),
        };
        if sources_v.is_empty() {
            return Err(self.err("source", "no source given"));
        }
        let mut sources = Vec::new();
        for (i, v) in sources_v.iter().enumerate() {
            let prefix = format!("source[{i}]");
            let Value::Table(st) = v else {
                return Err(self.err(&prefix, "expected a table"));
            };
            let source = self.source(st, &prefix, &choices, &shared_counts)?;
            if sources.iter().any(|s: &SourceSpec| s.name == source.name) {
                return Err(self.err(
                    &format!("{prefix}.name"),
                    format!("source {:?} named twice", source.name),
                ));
            }
            sources.push(source);
        }
        mapping.contest = contest;
        mapping.choices = choices;
        mapping.shared_counts = shared_counts;
        mapping.sources = sources;
        Ok(())
    }

    fn voter(&self, t: &Table) -> Result<VoterSpec, Error> {
        let v = self.table(t, "", "voter")?;
        self.no_unknown_keys(
            v,
            "voter",
            &[
                "id",
                "id_separator",
                "name",
                "name_latin",
                "family",
                "given",
                "family_latin",
                "given_latin",
                "sex",
                "sex_values",
                "birth_year",
                "birth_date",
                "birth_date_format",
                "area",
            ],
        )?;
        let required = |key: &str, what: &str| -> Result<ColumnSpec, Error> {
            match v.get(key) {
                Some(value) => self.column_spec(value, &join("voter", key)),
                None => Err(self.err(
                    &join("voter", key),
                    format!("missing: name the column(s) {what}"),
                )),
            }
        };
        let id = required("id", "holding the voter's id on the roll")?;
        let id_separator = self
            .opt_str(v, "voter", "id_separator")?
            .unwrap_or_else(|| "/".to_string());
        let optional = |key: &str| -> Result<Option<ColumnSpec>, Error> {
            v.get(key)
                .map(|value| self.column_spec(value, &join("voter", key)))
                .transpose()
        };
        let name = optional("name")?;
        let name_latin = optional("name_latin")?;
        let family = optional("family")?;
        let given = optional("given")?;
        let family_latin = optional("family_latin")?;
        let given_latin = optional("given_latin")?;
        if family_latin.is_some() && family.is_none() {
            return Err(self.err("voter.family_latin", "goes with voter.family"));
        }
        if given_latin.is_some() && given.is_none() {
            return Err(self.err("voter.given_latin", "goes with voter.given"));
        }
        if name_latin.is_some() && name.is_none() {
            return Err(self.err("voter.name_latin", "goes with voter.name"));
        }
        if name.is_none() && family.is_none() && given.is_none() {
            return Err(self.err(
                "voter.name",
                "missing: name the column(s) holding the voter's name (name, or family and given)",
            ));
        }
        let area = optional("area")?;
        let sex = optional("sex")?;
        if sex.as_ref().is_some_and(|s| s.parts.len() != 1) {
            return Err(self.err("voter.sex", "the sex is one column"));
        }
        let sex_values = match v.get("sex_values") {
            None => vec![
                (Sex::F, vec!["f".to_string(), "female".to_string()]),
                (Sex::M, vec!["m".to_string(), "male".to_string()]),
                (Sex::X, vec!["x".to_string()]),
            ],
            Some(Value::Table(values)) => {
                let mut out: Vec<(Sex, Vec<String>)> = Vec::new();
                for key in values.keys() {
                    let sex = match key.as_str() {
                        "F" => Sex::F,
                        "M" => Sex::M,
                        "X" => Sex::X,
                        _ => {
                            return Err(self.err(
                                &join("voter.sex_values", &key_name(key)),
                                "unknown key; expected one of: F, M, X",
                            ));
                        }
                    };
                    let list = self.string_list(values, "voter.sex_values", key)?;
                    out.push((sex, list.iter().map(|s| s.trim().to_lowercase()).collect()));
                }
                for (i, (sex, list)) in out.iter().enumerate() {
                    for value in list {
                        if out[..i].iter().any(|(_, l)| l.contains(value)) {
                            return Err(self.err(
                                &format!("voter.sex_values.{}", sex.as_str()),
                                format!("{value:?} is listed for two sexes"),
                            ));
                        }
                    }
                }
                out
            }
            Some(other) => {
                return Err(self.err(
                    "voter.sex_values",
                    format!(
                        "expected a table such as {{ F = [\"P\"], M = [\"L\"] }}, found {}",
                        other.type_str()
                    ),
                ));
            }
        };
        let birth = match (v.get("birth_year"), v.get("birth_date")) {
            (Some(year), None) => {
                if v.contains_key("birth_date_format") {
                    return Err(self.err(
                        "voter.birth_date_format",
                        "goes with birth_date, not birth_year",
                    ));
                }
                let spec = self.column_spec(year, "voter.birth_year")?;
                if spec.parts.len() != 1 {
                    return Err(self.err("voter.birth_year", "the birth year is one column"));
                }
                Some(BirthSpec::Year(spec))
            }
            (None, Some(date)) => {
                let spec = self.column_spec(date, "voter.birth_date")?;
                if spec.parts.len() != 1 {
                    return Err(self.err("voter.birth_date", "the birth date is one column"));
                }
                let text = self
                    .opt_str(v, "voter", "birth_date_format")?
                    .ok_or_else(|| {
                        self.err(
                        "voter.birth_date_format",
                        "missing: say how the date is written, e.g. \"DD/MM/YYYY\" or \"YYYYMMDD\"",
                    )
                    })?;
                let format =
                    DateFormat::parse(&text).map_err(|m| self.err("voter.birth_date_format", m))?;
                Some(BirthSpec::Date(spec, format))
            }
            (Some(_), Some(_)) => {
                return Err(self.err(
                    "voter.birth_date",
                    "give birth_year or birth_date, not both",
                ));
            }
            (None, None) => {
                if v.contains_key("birth_date_format") {
                    return Err(self.err(
                        "voter.birth_date_format",
                        "goes with birth_date, which is missing",
                    ));
                }
                None
            }
        };
        let mut private = Vec::new();
        match t.get("private") {
            None => {}
            Some(Value::Table(p)) => {
                for (k, value) in p {
                    let key = join("private", &key_name(k));
                    if k.is_empty()
                        || !k
                            .bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                    {
                        return Err(self.err(
                            &key,
                            "a private field's name is lowercase letters, digits and _",
                        ));
                    }
                    private.push((k.clone(), self.column_spec(value, &key)?));
                }
            }
            Some(other) => {
                return Err(self.err(
                    "private",
                    format!(
                        "expected a table of field = column(s), found {}",
                        other.type_str()
                    ),
                ));
            }
        }
        private.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(VoterSpec {
            id,
            id_separator,
            name,
            name_latin,
            family,
            given,
            family_latin,
            given_latin,
            sex,
            sex_values,
            birth,
            private,
            area,
        })
    }

    fn csv(&self, t: &Table) -> Result<CsvOptions, Error> {
        self.no_unknown_keys(
            t,
            "csv",
            &["delimiter", "quote", "header", "encoding", "missing"],
        )?;
        let one_byte = |key: &str, default: u8| -> Result<u8, Error> {
            match self.opt_str(t, "csv", key)? {
                None => Ok(default),
                Some(s) => {
                    let s = if s == "\\t" { "\t".to_string() } else { s };
                    if s.len() == 1 && s.is_ascii() {
                        Ok(s.as_bytes()[0])
                    } else {
                        Err(self.err(
                            &join("csv", key),
                            format!("must be one ASCII character, found {s:?}"),
                        ))
                    }
                }
            }
        };
        let delimiter = one_byte("delimiter", b',')?;
        let quote = one_byte("quote", b'"')?;
        let header = match t.get("header") {
            None => true,
            Some(Value::Boolean(b)) => *b,
            Some(other) => {
                return Err(self.err(
                    "csv.header",
                    format!("expected true or false, found {}", other.type_str()),
                ));
            }
        };
        let encoding = match self.opt_str(t, "csv", "encoding")? {
            None => Encoding::Utf8,
            Some(e) => match e.to_ascii_lowercase().replace('_', "-").as_str() {
                "utf-8" | "utf8" => Encoding::Utf8,
                "latin-1" | "latin1" | "iso-8859-1" => Encoding::Latin1,
                _ => {
                    return Err(self.err(
                        "csv.encoding",
                        format!("unsupported encoding {e:?}; use \"utf-8\" or \"latin-1\" (convert others with iconv first)"),
                    ));
                }
            },
        };
        let missing = match t.get("missing") {
            None => vec![String::new()],
            Some(_) => self
                .string_list(t, "csv", "missing")?
                .into_iter()
                .map(|s| s.trim().to_string())
                .collect(),
        };
        Ok(CsvOptions {
            delimiter,
            quote,
            header,
            encoding,
            missing,
        })
    }

    fn station(&self, t: &Table, record: RecordKind) -> Result<StationSpec, Error> {
        let allowed: &[&str] = match record {
            RecordKind::StationResults => &["id", "id_separator", "areas"],
            RecordKind::Stations => &["id", "id_separator", "areas", "name", "registered"],
            RecordKind::VoterRoll => &["id", "id_separator"],
        };
        for k in t.keys() {
            if !allowed.contains(&k.as_str()) {
                let hint = match (record, k.as_str()) {
                    (RecordKind::StationResults, "registered") => {
                        "registered voters go in [counts] or a [[source]] of station results"
                    }
                    (RecordKind::VoterRoll, "areas") => {
                        "a voter roll places each voter at a station; the station list places stations in areas"
                    }
                    _ => "unknown key",
                };
                return Err(self.err(
                    &join("station", &key_name(k)),
                    format!("{hint}; expected one of: {}", allowed.join(", ")),
                ));
            }
        }
        let id = match t.get("id") {
            Some(v) => self.column_spec(v, "station.id")?,
            None => {
                return Err(self.err(
                    "station.id",
                    "missing: name the column(s) that identify a station",
                ));
            }
        };
        let id_separator = self
            .opt_str(t, "station", "id_separator")?
            .unwrap_or_else(|| "/".to_string());
        let mut areas = Vec::new();
        match t.get("areas") {
            None => {}
            Some(Value::Array(a)) => {
                for (i, v) in a.iter().enumerate() {
                    let key = format!("station.areas[{i}]");
                    let Value::Table(at) = v else {
                        return Err(self.err(&key, "expected { level = \"...\", column = ... }"));
                    };
                    let area_keys: &[&str] = if record == RecordKind::Stations {
                        &["level", "column", "code"]
                    } else {
                        &["level", "column"]
                    };
                    self.no_unknown_keys(at, &key, area_keys)?;
                    let level = self
                        .opt_str(at, &key, "level")?
                        .ok_or_else(|| self.err(&format!("{key}.level"), "missing"))?;
                    if areas.iter().any(|a: &AreaSpec| a.level == level) {
                        return Err(
                            self.err(&format!("{key}.level"), format!("level {level:?} twice"))
                        );
                    }
                    let one_column = |name: &str| -> Result<Option<ColumnSpec>, Error> {
                        let Some(v) = at.get(name) else {
                            return Ok(None);
                        };
                        let spec = self.column_spec(v, &format!("{key}.{name}"))?;
                        if spec.parts.len() != 1 {
                            return Err(self.err(&format!("{key}.{name}"), "an area is one column"));
                        }
                        Ok(Some(spec))
                    };
                    let column = one_column("column")?
                        .ok_or_else(|| self.err(&format!("{key}.column"), "missing"))?;
                    let code = one_column("code")?;
                    areas.push(AreaSpec {
                        level,
                        column,
                        code,
                    });
                }
            }
            Some(other) => {
                return Err(self.err(
                    "station.areas",
                    format!("expected an array of tables, found {}", other.type_str()),
                ));
            }
        }
        if record == RecordKind::Stations && areas.is_empty() {
            return Err(self.err(
                "station.areas",
                "missing: a station list places every station in the area hierarchy, outermost level first",
            ));
        }
        let name = t
            .get("name")
            .map(|v| self.column_spec(v, "station.name"))
            .transpose()?;
        let registered = t
            .get("registered")
            .map(|v| self.column_spec(v, "station.registered"))
            .transpose()?;
        Ok(StationSpec {
            id,
            id_separator,
            areas,
            name,
            registered,
        })
    }

    fn counts(
        &self,
        t: &Table,
        prefix: &str,
        skip: &[&str],
    ) -> Result<Vec<(CountField, ColumnSpec)>, Error> {
        let mut out = Vec::new();
        for (k, v) in t {
            if skip.contains(&k.as_str()) {
                continue;
            }
            let Some(field) = CountField::from_key(k) else {
                let mut allowed: Vec<&str> = skip.to_vec();
                allowed.extend(CountField::ALL.iter().map(|f| f.as_str()));
                return Err(self.err(
                    &join(prefix, &key_name(k)),
                    format!("unknown key; expected one of: {}", allowed.join(", ")),
                ));
            };
            out.push((field, self.column_spec(v, &join(prefix, k))?));
        }
        out.sort_by_key(|(f, _)| *f);
        Ok(out)
    }

    fn source(
        &self,
        t: &Table,
        prefix: &str,
        choices: &[String],
        shared: &[(CountField, ColumnSpec)],
    ) -> Result<SourceSpec, Error> {
        let name = self.opt_str(t, prefix, "name")?.ok_or_else(|| {
            self.err(
                &format!("{prefix}.name"),
                "missing (for example name = \"official\")",
            )
        })?;
        let counts = self.counts(t, prefix, &["name", "votes"])?;
        for (field, spec) in &counts {
            if shared.iter().any(|(f, _)| f == field) {
                return Err(self.err(
                    &spec.key,
                    format!(
                        "{} is already given in [counts] for every source",
                        field.as_str()
                    ),
                ));
            }
        }
        let votes = match t.get("votes") {
            Some(Value::Array(a)) => a
                .iter()
                .enumerate()
                .map(|(i, v)| self.column_spec(v, &format!("{prefix}.votes[{i}]")))
                .collect::<Result<Vec<_>, _>>()?,
            Some(other) => {
                return Err(self.err(
                    &format!("{prefix}.votes"),
                    format!(
                        "expected an array with one column per choice, found {}",
                        other.type_str()
                    ),
                ));
            }
            None => {
                return Err(self.err(&format!("{prefix}.votes"), "missing: one column per choice"));
            }
        };
        if votes.len() != choices.len() {
            return Err(self.err(
                &format!("{prefix}.votes"),
                format!(
                    "gives {} columns but contest.choices names {} choices; give one per choice, in the same order",
                    votes.len(),
                    choices.len()
                ),
            ));
        }
        Ok(SourceSpec {
            name,
            counts,
            votes,
        })
    }

    fn column_ref(&self, v: &Value, key: &str) -> Result<ColumnRef, Error> {
        match v {
            Value::Integer(i) if *i >= 0 => Ok(ColumnRef::Index(*i as usize)),
            Value::Integer(i) => Err(self.err(key, format!("column index {i} is negative; indexes start at 0"))),
            Value::String(s) if !s.is_empty() => Ok(ColumnRef::Name(s.clone())),
            Value::String(_) => Err(self.err(key, "empty column name")),
            other => Err(self.err(
                key,
                format!(
                    "expected a column (0-based index or header name) or an array of them, found {}",
                    other.type_str()
                ),
            )),
        }
    }

    fn column_spec(&self, v: &Value, key: &str) -> Result<ColumnSpec, Error> {
        let parts = match v {
            Value::Array(a) => {
                if a.is_empty() {
                    return Err(self.err(key, "empty array: name at least one column"));
                }
                a.iter()
                    .enumerate()
                    .map(|(i, v)| self.column_ref(v, &format!("{key}[{i}]")))
                    .collect::<Result<Vec<_>, _>>()?
            }
            v => vec![self.column_ref(v, key)?],
        };
        Ok(ColumnSpec {
            parts,
            key: key.to_string(),
        })
    }

    fn string_list(&self, t: &Table, prefix: &str, key: &str) -> Result<Vec<String>, Error> {
        let full = join(prefix, key);
        match t.get(key) {
            Some(Value::Array(a)) => a
                .iter()
                .enumerate()
                .map(|(i, v)| match v {
                    Value::String(s) => Ok(s.clone()),
                    other => Err(self.err(
                        &format!("{full}[{i}]"),
                        format!("expected a string, found {}", other.type_str()),
                    )),
                })
                .collect(),
            Some(other) => Err(self.err(
                &full,
                format!("expected an array of strings, found {}", other.type_str()),
            )),
            None => Err(self.err(&full, "missing")),
        }
    }
}

/// A key of the mapping file as it is written in a key path: as it is if it is a bare TOML key,
/// otherwise quoted, so that an empty key or one with a dot or a space can still be seen.
fn key_name(key: &str) -> String {
    if !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        key.to_string()
    } else {
        format!("{key:?}")
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}
