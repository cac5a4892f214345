//! Reports: checklists and incidents as values the ledger can carry, and their validation
//! against a form.
//!
//! Validation has two outcomes, as the rules of the record ask. A report that does not fit its
//! form (a wrong type, a number out of range, an option the field does not have, a required
//! field unanswered) has problems: it is not a report of that form, and each problem is one
//! line an observer can act on ("field AB: 7 is above the maximum 3", "field AC is missing").
//! A report that fits but fails a quality check is a report with flags: it stands, flagged.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::form::{Choice, FieldType, Form, Kind, Label, Schedule};

/// Longest text or comment answer, and incident text, in characters: a report must fit in one
/// log entry (65,535 bytes) with room to spare, whatever the script.
pub const MAX_TEXT: usize = 2000;
/// Most evidence hashes an incident carries.
pub const MAX_EVIDENCE: usize = 32;

/// One answer. A select's value is its option's number; a multiselect's are its options'
/// numbers, ascending; a photo is the SHA-256 (64 lower-case hex digits) of its blob.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Value {
    Integer(u32),
    Select(u32),
    Multiselect(Vec<u32>),
    Text(String),
    Photo(String),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Integer(n) | Value::Select(n) => write!(f, "{n}"),
            Value::Multiselect(v) => {
                let s: Vec<String> = v.iter().map(u32::to_string).collect();
                write!(f, "{}", s.join(","))
            }
            Value::Text(t) => write!(f, "{t:?}"),
            Value::Photo(h) => write!(f, "photo {h}"),
        }
    }
}

/// Answers by field tag.
pub type Answers = BTreeMap<String, Value>;

/// A checklist filed by an observer at a station at one point of the day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checklist {
    pub form: String,
    pub version: u32,
    pub observer: String,
    pub station: String,
    pub schedule: Schedule,
    /// The observer's own serial number of the report (SMS `X<serial>`), if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial: Option<u32>,
    pub answers: Answers,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

/// A place in millionths of a degree (WGS 84), so that it stays an exact integer in the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    pub latitude_e6: i32,
    pub longitude_e6: i32,
}

/// An incident an observer saw, at a station or elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incident {
    pub form: String,
    pub version: u32,
    pub observer: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub station: Option<String>,
    /// The number of one of the form's categories.
    pub category: u32,
    pub severity: Severity,
    pub text: String,
    /// SHA-256 hashes (64 lower-case hex digits) of photos and documents kept as blobs.
    #[serde(default)]
    pub evidence: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// Answers to the incident form's own fields, if it has any.
    #[serde(default)]
    pub answers: Answers,
}

/// How a report arrived: an SMS can carry only numbers, so over SMS the form's required text,
/// comment and photo fields are not asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Sms,
    App,
}

/// A quality check a report failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flag {
    pub check: String,
    pub rule: String,
    pub label: Label,
}

/// Where a problem is: a field of the form, or a part of the report itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Place {
    Field(String),
    Report(String),
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Field(tag) => write!(f, "field {tag}"),
            Place::Report(name) => write!(f, "{name}"),
        }
    }
}

/// Why a report does not fit its form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum What {
    Missing,
    Unknown { form: String },
    WrongType { expected: FieldType },
    AboveMax { value: String, max: u32 },
    BelowMin { value: String, min: u32 },
    NotAnOption { value: String, options: Vec<u32> },
    RepeatedOption { value: u32 },
    TooLong { chars: usize, max: usize },
    NotAHash,
    NoValue,
    Twice,
    NotBySms { kind: FieldType },
    Other { message: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub place: Place,
    pub what: What,
}

impl Problem {
    pub fn field(tag: &str, what: What) -> Problem {
        Problem {
            place: Place::Field(tag.to_string()),
            what,
        }
    }

    pub fn report(name: &str, what: What) -> Problem {
        Problem {
            place: Place::Report(name.to_string()),
            what,
        }
    }
}

/// "1-3" for consecutive numbers, "1, 2, 5" otherwise.
fn numbers(options: &[u32]) -> String {
    let consecutive = options.windows(2).all(|w| w[1] == w[0] + 1);
    match (options.first(), options.last()) {
        (Some(a), Some(b)) if consecutive && options.len() > 2 => format!("{a}-{b}"),
        _ => options
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", "),
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = &self.place;
        match &self.what {
            What::Missing => write!(f, "{p} is missing"),
            What::Unknown { form } => match p {
                Place::Field(tag) => write!(f, "unknown field {tag} in form {form}"),
                Place::Report(name) => write!(f, "{name}: unknown in form {form}"),
            },
            What::WrongType { expected } => {
                write!(f, "{p}: expected a {} answer", expected.as_str())
            }
            What::AboveMax { value, max } => write!(f, "{p}: {value} is above the maximum {max}"),
            What::BelowMin { value, min } => write!(f, "{p}: {value} is below the minimum {min}"),
            What::NotAnOption { value, options } => {
                write!(f, "{p}: {value} is not an option ({})", numbers(options))
            }
            What::RepeatedOption { value } => write!(f, "{p}: option {value} is given twice"),
            What::TooLong { chars, max } => {
                write!(f, "{p}: {chars} characters, more than {max}")
            }
            What::NotAHash => write!(f, "{p}: not a SHA-256 hash (64 hex digits)"),
            What::NoValue => write!(f, "{p} has no value"),
            What::Twice => write!(f, "{p} is given twice"),
            What::NotBySms { kind } => {
                write!(
                    f,
                    "{p} is a {} field and cannot be sent by SMS",
                    kind.as_str()
                )
            }
            What::Other { message } => write!(f, "{p}: {message}"),
        }
    }
}

fn is_hash(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn option_numbers(options: &[Choice]) -> Vec<u32> {
    options.iter().map(|c| c.value).collect()
}

/// Checks answers against a form's fields: every problem, in the order of the form's fields
/// (answers to unknown tags first), or the flags of the quality checks the answers fail.
pub fn validate_answers(
    form: &Form,
    answers: &Answers,
    channel: Channel,
) -> Result<Vec<Flag>, Vec<Problem>> {
    let mut problems = Vec::new();
    for tag in answers.keys() {
        if form.field(tag).is_none() {
            problems.push(Problem::field(
                tag,
                What::Unknown {
                    form: form.prefix.clone(),
                },
            ));
        }
    }
    for field in form.fields() {
        let tag = field.tag.as_str();
        let Some(value) = answers.get(tag) else {
            if field.required && (channel == Channel::App || field.kind.by_sms()) {
                problems.push(Problem::field(tag, What::Missing));
            }
            continue;
        };
        let wrong = || {
            Problem::field(
                tag,
                What::WrongType {
                    expected: field.kind,
                },
            )
        };
        match (field.kind, value) {
            (FieldType::Integer, Value::Integer(n)) => {
                if *n > field.max {
                    problems.push(Problem::field(
                        tag,
                        What::AboveMax {
                            value: n.to_string(),
                            max: field.max,
                        },
                    ));
                } else if *n < field.min {
                    problems.push(Problem::field(
                        tag,
                        What::BelowMin {
                            value: n.to_string(),
                            min: field.min,
                        },
                    ));
                }
            }
            (FieldType::Select, Value::Select(n)) => {
                if !field.options.iter().any(|c| c.value == *n) {
                    problems.push(Problem::field(
                        tag,
                        What::NotAnOption {
                            value: n.to_string(),
                            options: option_numbers(&field.options),
                        },
                    ));
                }
            }
            (FieldType::Multiselect, Value::Multiselect(v)) => {
                let mut seen = Vec::new();
                for n in v {
                    if !field.options.iter().any(|c| c.value == *n) {
                        problems.push(Problem::field(
                            tag,
                            What::NotAnOption {
                                value: n.to_string(),
                                options: option_numbers(&field.options),
                            },
                        ));
                    } else if seen.contains(n) {
                        problems.push(Problem::field(tag, What::RepeatedOption { value: *n }));
                    }
                    seen.push(*n);
                }
                if v.is_empty() {
                    problems.push(Problem::field(tag, What::NoValue));
                }
            }
            (FieldType::Text | FieldType::Comment, Value::Text(t)) => {
                let chars = t.chars().count();
                if chars > MAX_TEXT {
                    problems.push(Problem::field(
                        tag,
                        What::TooLong {
                            chars,
                            max: MAX_TEXT,
                        },
                    ));
                }
            }
            (FieldType::Photo, Value::Photo(h)) => {
                if !is_hash(h) {
                    problems.push(Problem::field(tag, What::NotAHash));
                }
            }
            _ => problems.push(wrong()),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(form
        .checks
        .iter()
        .filter(|c| c.parsed.flags(answers))
        .map(|c| Flag {
            check: c.name.clone(),
            rule: c.rule.clone(),
            label: c.label.clone(),
        })
        .collect())
}

/// The problems of a report's own parts (not its answers) against its form.
fn header(
    form: &Form,
    prefix: &str,
    version: u32,
    kind: Kind,
    observer: &str,
    problems: &mut Vec<Problem>,
) {
    if form.prefix != prefix {
        problems.push(Problem::report(
            "form",
            What::Other {
                message: format!(
                    "the report is for {prefix}, the definition is {}",
                    form.prefix
                ),
            },
        ));
    }
    if form.kind != kind {
        let (is, asked) = match form.kind {
            Kind::Checklist => ("a checklist", "an incident"),
            Kind::Incident => ("an incident form", "a checklist"),
        };
        problems.push(Problem::report(
            "form",
            What::Other {
                message: format!("{} is {is}, not {asked}", form.prefix),
            },
        ));
    }
    if form.version != version {
        problems.push(Problem::report(
            "version",
            What::Other {
                message: format!(
                    "the report answers version {version} of {}, the definition is version {}",
                    form.prefix, form.version
                ),
            },
        ));
    }
    if observer.trim().is_empty() {
        problems.push(Problem::report("observer", What::Missing));
    }
}

impl Checklist {
    /// Checks the checklist against its form: its problems, or the flags it raises.
    pub fn validate(&self, form: &Form, channel: Channel) -> Result<Vec<Flag>, Vec<Problem>> {
        let mut problems = Vec::new();
        header(
            form,
            &self.form,
            self.version,
            Kind::Checklist,
            &self.observer,
            &mut problems,
        );
        if self.station.trim().is_empty() {
            problems.push(Problem::report("station", What::Missing));
        }
        if let Some(s) = form.schedule.filter(|s| *s != self.schedule) {
            problems.push(Problem::report(
                "schedule",
                What::Other {
                    message: format!(
                        "{} is filed at {}, not {}",
                        form.prefix,
                        s.as_str(),
                        self.schedule.as_str()
                    ),
                },
            ));
        }
        if let Some(c) = &self.comment {
            let chars = c.chars().count();
            if chars > MAX_TEXT {
                problems.push(Problem::report(
                    "comment",
                    What::TooLong {
                        chars,
                        max: MAX_TEXT,
                    },
                ));
            }
        }
        finish(form, &self.answers, channel, problems)
    }
}

fn finish(
    form: &Form,
    answers: &Answers,
    channel: Channel,
    mut problems: Vec<Problem>,
) -> Result<Vec<Flag>, Vec<Problem>> {
    match validate_answers(form, answers, channel) {
        Ok(flags) if problems.is_empty() => Ok(flags),
        Ok(_) => Err(problems),
        Err(more) => {
            problems.extend(more);
            Err(problems)
        }
    }
}

impl Incident {
    /// Checks the incident against its form: its problems, or the flags it raises.
    pub fn validate(&self, form: &Form) -> Result<Vec<Flag>, Vec<Problem>> {
        let mut problems = Vec::new();
        header(
            form,
            &self.form,
            self.version,
            Kind::Incident,
            &self.observer,
            &mut problems,
        );
        if !form.categories.iter().any(|c| c.value == self.category) {
            problems.push(Problem::report(
                "category",
                What::NotAnOption {
                    value: self.category.to_string(),
                    options: option_numbers(&form.categories),
                },
            ));
        }
        let chars = self.text.chars().count();
        if self.text.trim().is_empty() {
            problems.push(Problem::report("text", What::Missing));
        } else if chars > MAX_TEXT {
            problems.push(Problem::report(
                "text",
                What::TooLong {
                    chars,
                    max: MAX_TEXT,
                },
            ));
        }
        if self.evidence.len() > MAX_EVIDENCE {
            problems.push(Problem::report(
                "evidence",
                What::Other {
                    message: format!("{} hashes, more than {MAX_EVIDENCE}", self.evidence.len()),
                },
            ));
        }
        for (i, h) in self.evidence.iter().enumerate() {
            if !is_hash(h) {
                problems.push(Problem::report(&format!("evidence[{i}]"), What::NotAHash));
            }
        }
        if let Some(l) = self.location {
            if !(-90_000_000..=90_000_000).contains(&l.latitude_e6) {
                problems.push(Problem::report(
                    "location.latitude_e6",
                    What::Other {
                        message: format!("{} is not from -90000000 to 90000000", l.latitude_e6),
                    },
                ));
            }
            if !(-180_000_000..=180_000_000).contains(&l.longitude_e6) {
                problems.push(Problem::report(
                    "location.longitude_e6",
                    What::Other {
                        message: format!("{} is not from -180000000 to 180000000", l.longitude_e6),
                    },
                ));
            }
        }
        finish(form, &self.answers, Channel::App, problems)
    }
}

/// Either kind of report as one value, tagged by `kind` in JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Report {
    Checklist(Checklist),
    Incident(Incident),
}

impl Report {
    pub fn form(&self) -> &str {
        match self {
            Report::Checklist(c) => &c.form,
            Report::Incident(i) => &i.form,
        }
    }

    /// Checks the report against the form of its prefix among `forms`.
    pub fn validate(
        &self,
        forms: &crate::Forms,
        channel: Channel,
    ) -> Result<Vec<Flag>, Vec<Problem>> {
        let Some(form) = forms.get(self.form()) else {
            let message = format!("{} is not a form of this definition", self.form());
            return Err(vec![Problem::report("form", What::Other { message })]);
        };
        match self {
            Report::Checklist(c) => c.validate(form, channel),
            Report::Incident(i) => i.validate(form),
        }
    }
}
