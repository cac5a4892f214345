//! The column-mapping file: parsing and checking, before any data file is opened.
//!
//! The format is documented in the crate docs and in `docs/mapping.md`. Parsing walks the TOML
//! tree by hand rather than through serde so that every error names the exact key.

use std::path::{Path, PathBuf};

use toml::{Table, Value};

use crate::Error;

/// The kind of record each row of the data file holds. Only station results exist today;
/// voter rolls and station lists will be added beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    /// One row per polling station, with one or more copies (sources) of its result form.
    StationResults,
}

impl RecordKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::StationResults => "station-results",
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
    pub column: ColumnSpec,
}

/// Which columns identify the polling station and place it in the area hierarchy.
#[derive(Debug, Clone)]
pub struct StationSpec {
    /// Columns whose values, joined with `id_separator`, make the station's id.
    pub id: ColumnSpec,
    pub id_separator: String,
    pub areas: Vec<AreaSpec>,
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
}

struct Parser {
    file: PathBuf,
}

const TOP_KEYS: &[&str] = &[
    "record",
    "description",
    "csv",
    "station",
    "contest",
    "counts",
    "source",
];

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
                    &join(prefix, k),
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
        self.no_unknown_keys(t, "", TOP_KEYS)?;
        let record = match self.opt_str(t, "", "record")?.as_deref() {
            Some("station-results") => RecordKind::StationResults,
            Some(other) => {
                return Err(self.err(
                    "record",
                    format!(
                        "unknown record kind {other:?}; this version reads \"station-results\""
                    ),
                ));
            }
            None => return Err(self.err("record", "missing (say record = \"station-results\")")),
        };
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
        let station = self.station(self.table(t, "", "station")?)?;
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
        Ok(Mapping {
            path: self.file.clone(),
            record,
            description,
            csv,
            station,
            contest,
            choices,
            shared_counts,
            sources,
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

    fn station(&self, t: &Table) -> Result<StationSpec, Error> {
        self.no_unknown_keys(t, "station", &["id", "id_separator", "areas"])?;
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
                    self.no_unknown_keys(at, &key, &["level", "column"])?;
                    let level = self
                        .opt_str(at, &key, "level")?
                        .ok_or_else(|| self.err(&format!("{key}.level"), "missing"))?;
                    let column = match at.get("column") {
                        Some(v) => self.column_spec(v, &format!("{key}.column"))?,
                        None => return Err(self.err(&format!("{key}.column"), "missing")),
                    };
                    if column.parts.len() != 1 {
                        return Err(self.err(&format!("{key}.column"), "an area is one column"));
                    }
                    areas.push(AreaSpec { level, column });
                }
            }
            Some(other) => {
                return Err(self.err(
                    "station.areas",
                    format!("expected an array of tables, found {}", other.type_str()),
                ));
            }
        }
        Ok(StationSpec {
            id,
            id_separator,
            areas,
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
                    &join(prefix, k),
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

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}
