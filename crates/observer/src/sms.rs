//! Coded SMS reports, as NDI's Apollo reads them: `PREFIX OBSERVERID [X<serial>] AA1AB2 … @comment`.
//!
//! How a message is read:
//!
//! 1. Everything after the first `@` is the comment, kept as written (trimmed). Nothing before
//!    it is free text.
//! 2. Before the `@`, case is ignored, Khmer digits (០–៩) are read as 0–9, and spaces and
//!    punctuation are dropped, so `opn 1234, aa-1 ab.2` reads as `OPN1234AA1AB2`.
//! 3. The prefix is the longest form prefix the message starts with. Where a letter is expected,
//!    `0` reads as O and `1` as I or L; where a digit is expected, `O` reads as 0 and `I` and `L`
//!    as 1, unless that letter and the next start a field tag of the form (tags win).
//! 4. The observer id is the digits after the prefix (at most 16; kept as written, leading
//!    zeros and all). `X` and digits after it are the observer's serial number of the report.
//! 5. Then come answers: a two-letter tag and its digits. An integer's digits are its number; a
//!    select's are its option's number; a multiselect's are one digit per option (`AF135`).
//!    Text, comment and photo fields cannot be sent by SMS.
//!
//! A message is read whole, and every error found is in the reply, each in words the observer
//! can act on: "unknown form prefix ZZ", "field AB: 7 is above the maximum 3", "field AC is
//! missing". A message that reads cleanly is validated against its form through the same
//! [`crate::report::validate_answers`] as any report, so its quality checks flag it and the
//! confirmation asks the observer to check them.
//!
//! The sender's number never reaches this module: [`Repeats`] takes its HMAC, which is how
//! observers are enrolled.

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use crate::form::{FieldType, Form, Forms, Kind};
use crate::report::{self, Answers, Channel, Flag, Problem, Value, What};

/// Longest message read, in bytes: ten SMS parts.
pub const MAX_MESSAGE: usize = 1600;
const MAX_OBSERVER_DIGITS: usize = 16;

/// A message that read cleanly and fits its form: the answers of a checklist, whose station the
/// caller knows from the observer's enrolment.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Sms {
    pub form: String,
    pub version: u32,
    pub observer: String,
    pub serial: Option<u32>,
    pub answers: Answers,
    pub comment: Option<String>,
}

impl Sms {
    /// The message in its plain form (`OPN 100234 X17 AA5AB2AF12 @comment`), which reads back
    /// to the same answers.
    pub fn text(&self) -> String {
        let mut s = format!("{} {}", self.form, self.observer);
        if let Some(x) = self.serial {
            s.push_str(&format!(" X{x}"));
        }
        s.push(' ');
        for (tag, value) in &self.answers {
            s.push_str(tag);
            match value {
                Value::Integer(n) | Value::Select(n) => s.push_str(&n.to_string()),
                Value::Multiselect(v) => v.iter().for_each(|n| s.push_str(&n.to_string())),
                // Never read from an SMS.
                Value::Text(_) | Value::Photo(_) => {}
            }
        }
        if let Some(c) = &self.comment {
            s.push_str(" @");
            s.push_str(c);
        }
        s
    }

    /// The checklist this message reports, at the observer's station.
    pub fn checklist(&self, form: &Form, station: &str) -> Option<report::Checklist> {
        Some(report::Checklist {
            form: self.form.clone(),
            version: self.version,
            observer: self.observer.clone(),
            station: station.to_string(),
            schedule: form.schedule?,
            serial: self.serial,
            answers: self.answers.clone(),
            comment: self.comment.clone(),
        })
    }
}

/// What is wrong with a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    Empty,
    TooLong { bytes: usize },
    NoPrefix { known: Vec<String> },
    UnknownPrefix { given: String, known: Vec<String> },
    Incident { prefix: String },
    NoObserver { prefix: String },
    ObserverTooLong { digits: String },
    SerialTooLong { digits: String },
    Unreadable { text: String, after: String },
    Answer(Problem),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Empty => write!(f, "the message is empty"),
            Error::TooLong { bytes } => write!(
                f,
                "the message is {bytes} bytes long, more than {MAX_MESSAGE}"
            ),
            Error::NoPrefix { known } => write!(
                f,
                "the message must start with a form prefix ({})",
                known.join(", ")
            ),
            Error::UnknownPrefix { given, known } => write!(
                f,
                "unknown form prefix {given} (forms: {})",
                known.join(", ")
            ),
            Error::Incident { prefix } => write!(
                f,
                "{prefix} is an incident form; send incidents through the app"
            ),
            Error::NoObserver { prefix } => write!(f, "the observer id is missing after {prefix}"),
            Error::ObserverTooLong { digits } => write!(
                f,
                "observer id {digits} is longer than {MAX_OBSERVER_DIGITS} digits"
            ),
            Error::SerialTooLong { digits } => write!(f, "serial number X{digits} is too long"),
            Error::Unreadable { text, after } => write!(
                f,
                "cannot read \"{text}\" after {after}; put comments after @"
            ),
            Error::Answer(p) => write!(f, "{p}"),
        }
    }
}

/// A message read against the forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Accepted {
        sms: Sms,
        flags: Vec<Flag>,
    },
    /// `about` is the form prefix and observer id when they were read.
    Refused {
        about: Option<(String, String)>,
        errors: Vec<Error>,
    },
}

impl Outcome {
    /// The reply to send back to the observer.
    pub fn reply(&self) -> String {
        match self {
            Outcome::Accepted { sms, flags } => {
                let n = sms.answers.len();
                let mut s = format!("OK {} {}", sms.form, sms.observer);
                if let Some(x) = sms.serial {
                    s.push_str(&format!(" X{x}"));
                }
                s.push_str(&format!(
                    ": {n} answer{} received",
                    if n == 1 { "" } else { "s" }
                ));
                if flags.is_empty() {
                    s.push_str(". Thank you.");
                } else {
                    let rules: Vec<&str> = flags.iter().map(|f| f.rule.as_str()).collect();
                    s.push_str(&format!(", but please check: {}.", rules.join("; ")));
                }
                s
            }
            Outcome::Refused { about, errors } => {
                let errors: Vec<String> = errors.iter().map(Error::to_string).collect();
                let head = match about {
                    Some((form, observer)) => format!("Error in {form} {observer}"),
                    None => "Error".into(),
                };
                format!(
                    "{head}: {}. Please correct and send again.",
                    errors.join("; ")
                )
            }
        }
    }
}

fn letters(c: char) -> &'static [char] {
    const A: [char; 26] = [
        'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', 'P', 'Q', 'R',
        'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z',
    ];
    match c {
        'A'..='Z' => {
            let i = c as usize - 'A' as usize;
            &A[i..i + 1]
        }
        '0' => &['O'],
        '1' => &['I', 'L'],
        _ => &[],
    }
}

fn digit(c: char) -> Option<char> {
    match c {
        '0'..='9' => Some(c),
        'O' => Some('0'),
        'I' | 'L' => Some('1'),
        _ => None,
    }
}

/// The significant characters before the `@` (upper case, Khmer digits as ASCII, no spaces or
/// punctuation), the byte offset of each in the text, and the comment after the `@`.
fn significant(text: &str) -> (Vec<char>, Vec<usize>, Option<&str>) {
    let (data, comment) = match text.split_once('@') {
        Some((d, c)) => (d, Some(c.trim()).filter(|c| !c.is_empty())),
        None => (text, None),
    };
    let mut chars = Vec::new();
    let mut offsets = Vec::new();
    for (i, c) in data.char_indices() {
        let c = match c {
            '\u{17E0}'..='\u{17E9}' => char::from_digit(c as u32 - 0x17E0, 10).expect("a digit"),
            // Khmer punctuation (khan, bariyoosan, …) separates as ASCII punctuation does.
            '\u{17D4}'..='\u{17DA}' => continue,
            c if c.is_whitespace() || c.is_ascii_punctuation() => continue,
            c => c.to_ascii_uppercase(),
        };
        chars.push(c);
        offsets.push(i);
    }
    (chars, offsets, comment)
}

/// The form field whose tag the two characters at `at` can spell.
fn tag_at<'f>(form: &'f Form, s: &[char], at: usize) -> Option<&'f str> {
    let (a, b) = (*s.get(at)?, *s.get(at + 1)?);
    for &x in letters(a) {
        for &y in letters(b) {
            if let Some(f) = form
                .fields()
                .find(|f| f.tag.as_bytes() == [x as u8, y as u8])
            {
                return Some(f.tag.as_str());
            }
        }
    }
    None
}

/// Digits from `at` (confusable letters read as digits unless they start a tag); the new
/// position and the digits.
fn digits(form: &Form, s: &[char], mut at: usize) -> (usize, String) {
    let mut out = String::new();
    while let Some(d) = s.get(at).and_then(|&c| digit(c)) {
        if s[at].is_ascii_alphabetic() && tag_at(form, s, at).is_some() {
            break;
        }
        out.push(d);
        at += 1;
    }
    (at, out)
}

/// At most 24 characters of what the observer typed, control characters as spaces, so that a
/// reply stays one line.
fn shorten(s: &str) -> String {
    let mut out: String = s
        .chars()
        .take(24)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if s.chars().nth(24).is_some() {
        out.push('…');
    }
    out
}

fn starts_with(s: &[char], prefix: &str) -> bool {
    s.len() >= prefix.len() && prefix.chars().zip(s).all(|(p, &c)| letters(c).contains(&p))
}

/// Reads a message against the forms.
pub fn read(forms: &Forms, text: &str) -> Outcome {
    let refuse = |about: Option<(String, String)>, e: Error| Outcome::Refused {
        about,
        errors: vec![e],
    };
    if text.len() > MAX_MESSAGE {
        return refuse(None, Error::TooLong { bytes: text.len() });
    }
    let (s, offsets, comment) = significant(text);
    let data = text.split('@').next().unwrap_or_default();
    if s.is_empty() && comment.is_none() {
        return refuse(None, Error::Empty);
    }
    let mut known: Vec<String> = forms.forms.iter().map(|f| f.prefix.clone()).collect();
    known.sort();
    let mut candidates: Vec<&Form> = forms
        .forms
        .iter()
        .filter(|f| starts_with(&s, &f.prefix))
        .collect();
    // The longest prefix followed by an observer id; else the longest, whose id is missing.
    candidates.sort_by_key(|f| {
        let no_id = s.get(f.prefix.len()).is_some_and(|&c| digit(c).is_none());
        (no_id, std::cmp::Reverse(f.prefix.len()))
    });
    let Some(form) = candidates.first().copied() else {
        let given: String = s
            .iter()
            .take_while(|c| c.is_ascii_uppercase())
            .take(10)
            .collect();
        return refuse(
            None,
            if given.is_empty() {
                Error::NoPrefix { known }
            } else {
                Error::UnknownPrefix { given, known }
            },
        );
    };
    let prefix = form.prefix.clone();
    if form.kind == Kind::Incident {
        return refuse(None, Error::Incident { prefix });
    }
    let (mut at, observer) = digits(form, &s, prefix.len());
    if observer.is_empty() {
        return refuse(None, Error::NoObserver { prefix });
    }
    if observer.len() > MAX_OBSERVER_DIGITS {
        return refuse(None, Error::ObserverTooLong { digits: observer });
    }
    let about = Some((prefix.clone(), observer.clone()));
    let mut errors = Vec::new();
    let mut serial = None;
    if s.get(at) == Some(&'X') && s.get(at + 1).and_then(|&c| digit(c)).is_some() {
        let (next, d) = digits(form, &s, at + 1);
        match d.parse::<u32>() {
            Ok(n) => serial = Some(n),
            Err(_) => errors.push(Error::SerialTooLong { digits: d }),
        }
        at = next;
    }
    let mut answers = Answers::new();
    let (mut seen, mut twice) = (BTreeSet::new(), BTreeSet::new());
    let mut last = format!("{prefix} {observer}");
    while at < s.len() {
        let Some(tag) = tag_at(form, &s, at) else {
            // Two letters and digits: an answer to a field the form does not have.
            // Only real digits here: confusable letters are more likely words.
            let pair: String = s[at..(at + 2).min(s.len())].iter().collect();
            let d: String = s
                .iter()
                .skip(at + 2)
                .take_while(|c| c.is_ascii_digit())
                .collect();
            let next = at + 2 + d.len();
            if pair.len() == 2 && pair.chars().all(|c| c.is_ascii_uppercase()) && !d.is_empty() {
                errors.push(Error::Answer(Problem::field(
                    &pair,
                    What::Unknown {
                        form: prefix.clone(),
                    },
                )));
                last = format!("{pair}{d}");
                at = next;
                continue;
            }
            errors.push(Error::Unreadable {
                text: shorten(data[offsets[at]..].trim()),
                after: last,
            });
            break;
        };
        let field = form.field(tag).expect("tag_at finds fields");
        let (next, d) = digits(form, &s, at + 2);
        at = next;
        last = format!("{tag}{d}");
        if !seen.insert(tag) {
            if twice.insert(tag) {
                errors.push(Error::Answer(Problem::field(tag, What::Twice)));
            }
            continue;
        }
        if d.is_empty() {
            errors.push(Error::Answer(Problem::field(tag, What::NoValue)));
            continue;
        }
        let value = match field.kind {
            FieldType::Integer => match d.parse::<u32>() {
                Ok(n) => Value::Integer(n),
                Err(_) => {
                    errors.push(Error::Answer(Problem::field(
                        tag,
                        What::AboveMax {
                            value: d.trim_start_matches('0').to_string(),
                            max: field.max,
                        },
                    )));
                    continue;
                }
            },
            FieldType::Select => match d.parse::<u32>() {
                Ok(n) => Value::Select(n),
                Err(_) => {
                    let options = field.options.iter().map(|c| c.value).collect();
                    errors.push(Error::Answer(Problem::field(
                        tag,
                        What::NotAnOption { value: d, options },
                    )));
                    continue;
                }
            },
            FieldType::Multiselect => {
                Value::Multiselect(d.chars().map(|c| c.to_digit(10).expect("digits")).collect())
            }
            kind => {
                errors.push(Error::Answer(Problem::field(tag, What::NotBySms { kind })));
                continue;
            }
        };
        answers.insert(tag.to_string(), value);
    }
    let comment = comment.map(str::to_string);
    if let Some(c) = &comment {
        let chars = c.chars().count();
        if chars > report::MAX_TEXT {
            errors.push(Error::Answer(Problem::report(
                "comment",
                What::TooLong {
                    chars,
                    max: report::MAX_TEXT,
                },
            )));
        }
    }
    let answered_badly = |tag: &str| {
        errors
            .iter()
            .any(|e| matches!(e, Error::Answer(p) if p.place == report::Place::Field(tag.into())))
    };
    match report::validate_answers(form, &answers, Channel::Sms) {
        Ok(flags) if errors.is_empty() => Outcome::Accepted {
            sms: Sms {
                form: prefix,
                version: form.version,
                observer,
                serial,
                answers,
                comment,
            },
            flags,
        },
        Ok(_) => Outcome::Refused { about, errors },
        Err(problems) => {
            // A field answered badly is not also missing.
            let more: Vec<Error> = problems
                .into_iter()
                .filter(|p| {
                    !(p.what == What::Missing
                        && matches!(&p.place, report::Place::Field(t) if answered_badly(t)))
                })
                .map(Error::Answer)
                .collect();
            errors.extend(more);
            Outcome::Refused { about, errors }
        }
    }
}

/// The HMAC of a sender's phone number (64 lower-case hex digits): the only form in which a
/// number is known here.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct SenderHmac(String);

impl SenderHmac {
    pub fn parse(s: &str) -> Result<SenderHmac, String> {
        let s = s.trim();
        if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(SenderHmac(s.to_ascii_lowercase()))
        } else {
            Err(format!(
                "{:?} is not an HMAC-SHA256 (64 hex digits)",
                shorten(s)
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What two messages share when they are identical for [`Repeats`]: the message after reading
/// (case, spaces and punctuation before the `@` aside) and its comment.
pub fn repeat_key(text: &str) -> String {
    let (s, _, comment) = significant(text);
    let mut key: String = s.into_iter().collect();
    if let Some(c) = comment {
        key.push('@');
        key.push_str(c);
    }
    key
}

/// Whether a message counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    Counted,
    /// An identical message from the same sender was counted less than 12 hours before (or
    /// after, for messages that arrive out of order) at this time.
    Repeat {
        counted_at: i64,
    },
}

/// Identical messages from one sender within 12 hours count once. The caller keeps this state
/// (in memory, or rebuilt from the recorded messages) and asks about each message in turn.
/// Identical means the same after reading: case, spaces and punctuation before the `@` do not
/// matter, the comment must be the same.
#[derive(Debug, Default, Clone)]
pub struct Repeats {
    counted: HashMap<(SenderHmac, String), i64>,
}

impl Repeats {
    /// Twelve hours, in seconds.
    pub const WINDOW: i64 = 12 * 3600;

    pub fn new() -> Repeats {
        Repeats::default()
    }

    /// Whether this message, received at `time` (seconds since 1970, UTC), counts.
    pub fn admit(&mut self, sender: &SenderHmac, time: i64, text: &str) -> Admission {
        let k = (sender.clone(), repeat_key(text));
        if let Some(&at) = self.counted.get(&k)
            && time.abs_diff(at) < Self::WINDOW as u64
        {
            return Admission::Repeat { counted_at: at };
        }
        self.counted.insert(k, time);
        Admission::Counted
    }

    /// Forgets messages counted before `time`, which can no longer be repeated after
    /// `time + WINDOW`.
    pub fn forget_before(&mut self, time: i64) {
        self.counted.retain(|_, &mut at| at >= time);
    }
}
