//! Form definitions: what an observer organisation asks its observers, read from a TOML file.
//!
//! The format (documented with an example in docs/observer-forms.md; `forms/cambodia-observer.toml`
//! is a real-looking one):
//!
//! ```toml
//! [[form]]                       # one table per form; a file holds any number
//! prefix = "OPN"                 # 1-6 capital letters, unique in the file; starts an SMS
//! kind = "checklist"             # "checklist" or "incident"
//! version = 1                    # 1 or more; a report names the version it answers
//! schedule = "opening"           # checklists only: opening, midday, closing or count
//! name = { en = "Opening", km = "ការបើក" }
//! category = [ { value = 1, en = "…", km = "…" } ]   # incidents only: at least one
//!
//! [[form.group]]                 # groups in the order observers see them
//! name = { en = "Arrival", km = "…" }
//!
//! [[form.group.field]]
//! tag = "AA"                     # two capital letters, not starting with X, unique in the form
//! type = "integer"               # integer, select, multiselect, text, comment or photo
//! label = { en = "…", km = "…" }
//! min = 0                        # integers only; default 0, at least 0
//! max = 2000                     # integers only; default 4294967295 (u32), at least min
//! options = [ { value = 1, en = "Yes", km = "បាទ/ចាស" } ]  # select, multiselect: numbered
//! required = true                # default false
//!
//! [[form.check]]                 # quality checks: they flag a report, never refuse it
//! name = "ballots"               # unique in the form
//! rule = "AB + AC <= AA"         # grammar in crate::check
//! label = { en = "…", km = "…" }
//! ```
//!
//! Option numbers are 1 or more and unique in a field; a multiselect's are 1 to 9, because an SMS
//! sends its answer as one digit per option (`AF135`). Every label has English and Khmer text.
//! Unknown keys are refused. A refused definition names the file, the line where TOML gives one,
//! and the key (`form[0].group[1].field[2].max`, indices from 0).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::check::Rule;

/// Text in English and Khmer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Label {
    pub en: String,
    pub km: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Checklist,
    Incident,
}

/// The points of election day at which a checklist is filed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Schedule {
    Opening,
    Midday,
    Closing,
    Count,
}

impl Schedule {
    pub fn as_str(self) -> &'static str {
        match self {
            Schedule::Opening => "opening",
            Schedule::Midday => "midday",
            Schedule::Closing => "closing",
            Schedule::Count => "count",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    Integer,
    Select,
    Multiselect,
    Text,
    Comment,
    Photo,
}

impl FieldType {
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::Integer => "integer",
            FieldType::Select => "select",
            FieldType::Multiselect => "multiselect",
            FieldType::Text => "text",
            FieldType::Comment => "comment",
            FieldType::Photo => "photo",
        }
    }

    /// Whether an SMS can carry an answer of this type (a number or digits).
    pub fn by_sms(self) -> bool {
        matches!(
            self,
            FieldType::Integer | FieldType::Select | FieldType::Multiselect
        )
    }
}

/// A numbered choice of a select or multiselect field, or an incident category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub value: u32,
    pub en: String,
    pub km: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Field {
    pub tag: String,
    #[serde(rename = "type")]
    pub kind: FieldType,
    pub label: Label,
    pub min: u32,
    pub max: u32,
    pub options: Vec<Choice>,
    pub required: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Group {
    pub name: Label,
    pub fields: Vec<Field>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub name: String,
    /// The rule as written in the definition.
    pub rule: String,
    pub label: Label,
    #[serde(skip)]
    pub parsed: Rule,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Form {
    pub prefix: String,
    pub kind: Kind,
    pub version: u32,
    pub schedule: Option<Schedule>,
    pub name: Label,
    pub categories: Vec<Choice>,
    pub groups: Vec<Group>,
    pub checks: Vec<Check>,
}

impl Form {
    pub fn fields(&self) -> impl Iterator<Item = &Field> {
        self.groups.iter().flat_map(|g| g.fields.iter())
    }

    pub fn field(&self, tag: &str) -> Option<&Field> {
        self.fields().find(|f| f.tag == tag)
    }
}

/// The forms of one definition file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Forms {
    pub forms: Vec<Form>,
}

impl Forms {
    pub fn get(&self, prefix: &str) -> Option<&Form> {
        self.forms.iter().find(|f| f.prefix == prefix)
    }
}

/// A definition refused: the file, the line when known, the key and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefinitionError {
    pub file: String,
    pub line: Option<usize>,
    pub key: String,
    pub message: String,
}

impl fmt::Display for DefinitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.file)?;
        if let Some(line) = self.line {
            write!(f, "line {line}: ")?;
        }
        if !self.key.is_empty() {
            write!(f, "{}: ", self.key)?;
        }
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for DefinitionError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    form: Vec<Spanned<RawForm>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawForm {
    prefix: String,
    kind: Kind,
    version: i64,
    schedule: Option<Schedule>,
    name: Label,
    #[serde(default)]
    category: Vec<Choice>,
    #[serde(default)]
    group: Vec<Spanned<RawGroup>>,
    #[serde(default)]
    check: Vec<Spanned<RawCheck>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    name: Label,
    #[serde(default)]
    field: Vec<Spanned<RawField>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    tag: String,
    #[serde(rename = "type")]
    kind: FieldType,
    label: Label,
    min: Option<i64>,
    max: Option<i64>,
    options: Option<Vec<Choice>>,
    #[serde(default)]
    required: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCheck {
    name: String,
    rule: String,
    label: Label,
}

struct Ctx<'a> {
    file: &'a str,
    text: &'a str,
}

impl Ctx<'_> {
    fn line(&self, at: usize) -> usize {
        let at = at.min(self.text.len());
        1 + self.text.as_bytes()[..at]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
    }

    fn err<T>(
        &self,
        span: &std::ops::Range<usize>,
        key: String,
        message: impl Into<String>,
    ) -> Result<T, DefinitionError> {
        Err(DefinitionError {
            file: self.file.to_string(),
            line: Some(self.line(span.start)),
            key,
            message: message.into(),
        })
    }
}

fn is_tag(t: &str) -> bool {
    t.len() == 2 && t.bytes().all(|b| b.is_ascii_uppercase())
}

impl Forms {
    /// Reads a definition file's text; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Forms, DefinitionError> {
        let cx = Ctx { file, text };
        let raw: RawFile = toml::from_str(text).map_err(|e| DefinitionError {
            file: file.to_string(),
            line: e.span().map(|s| cx.line(s.start)),
            key: String::new(),
            message: e.message().trim().replace('\n', " "),
        })?;
        if raw.form.is_empty() {
            return Err(DefinitionError {
                file: file.to_string(),
                line: None,
                key: "form".into(),
                message: "no form is defined".into(),
            });
        }
        let mut forms: Vec<Form> = Vec::new();
        for (i, f) in raw.form.iter().enumerate() {
            let form = read_form(&cx, i, f.get_ref(), &f.span())?;
            if forms.iter().any(|o| o.prefix == form.prefix) {
                return cx.err(
                    &f.span(),
                    format!("form[{i}].prefix"),
                    format!("{} is the prefix of an earlier form", form.prefix),
                );
            }
            forms.push(form);
        }
        Ok(Forms { forms })
    }
}

fn label(
    cx: &Ctx,
    span: &std::ops::Range<usize>,
    key: String,
    l: &Label,
) -> Result<Label, DefinitionError> {
    if l.en.trim().is_empty() {
        return cx.err(span, format!("{key}.en"), "is empty");
    }
    if l.km.trim().is_empty() {
        return cx.err(span, format!("{key}.km"), "is empty");
    }
    Ok(Label {
        en: l.en.trim().to_string(),
        km: l.km.trim().to_string(),
    })
}

fn choices(
    cx: &Ctx,
    span: &std::ops::Range<usize>,
    key: &str,
    list: &[Choice],
    top: u32,
) -> Result<Vec<Choice>, DefinitionError> {
    if list.is_empty() {
        return cx.err(span, key.to_string(), "is empty");
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (j, c) in list.iter().enumerate() {
        let k = format!("{key}[{j}]");
        if c.value == 0 || c.value > top {
            return cx.err(
                span,
                format!("{k}.value"),
                format!("{} is not from 1 to {top}", c.value),
            );
        }
        if !seen.insert(c.value) {
            return cx.err(
                span,
                format!("{k}.value"),
                format!("{} is numbered twice", c.value),
            );
        }
        let l = label(
            cx,
            span,
            k,
            &Label {
                en: c.en.clone(),
                km: c.km.clone(),
            },
        )?;
        out.push(Choice {
            value: c.value,
            en: l.en,
            km: l.km,
        });
    }
    Ok(out)
}

fn read_form(
    cx: &Ctx,
    i: usize,
    f: &RawForm,
    span: &std::ops::Range<usize>,
) -> Result<Form, DefinitionError> {
    let key = format!("form[{i}]");
    if f.prefix.is_empty()
        || f.prefix.len() > 6
        || !f.prefix.bytes().all(|b| b.is_ascii_uppercase())
    {
        return cx.err(
            span,
            format!("{key}.prefix"),
            format!("{:?} is not 1 to 6 capital letters", f.prefix),
        );
    }
    if f.version < 1 || f.version > i64::from(u32::MAX) {
        return cx.err(
            span,
            format!("{key}.version"),
            format!("{} is not a version from 1", f.version),
        );
    }
    let name = label(cx, span, format!("{key}.name"), &f.name)?;
    match (f.kind, f.schedule) {
        (Kind::Checklist, None) => {
            return cx.err(
                span,
                format!("{key}.schedule"),
                "a checklist needs one: opening, midday, closing or count",
            );
        }
        (Kind::Incident, Some(_)) => {
            return cx.err(
                span,
                format!("{key}.schedule"),
                "is for checklists; an incident can happen at any time",
            );
        }
        _ => {}
    }
    let categories = match f.kind {
        Kind::Incident => choices(cx, span, &format!("{key}.category"), &f.category, u32::MAX)?,
        Kind::Checklist if !f.category.is_empty() => {
            return cx.err(span, format!("{key}.category"), "is for incident forms");
        }
        Kind::Checklist => Vec::new(),
    };
    if f.kind == Kind::Checklist && f.group.is_empty() {
        return cx.err(
            span,
            format!("{key}.group"),
            "a checklist needs at least one group of fields",
        );
    }
    let mut groups = Vec::new();
    let mut tags: BTreeMap<String, FieldType> = BTreeMap::new();
    for (g, raw) in f.group.iter().enumerate() {
        let gkey = format!("{key}.group[{g}]");
        let gspan = raw.span();
        let rg = raw.get_ref();
        let gname = label(cx, &gspan, format!("{gkey}.name"), &rg.name)?;
        if rg.field.is_empty() {
            return cx.err(&gspan, format!("{gkey}.field"), "the group has no fields");
        }
        let mut fields = Vec::new();
        for (j, rf) in rg.field.iter().enumerate() {
            let fkey = format!("{gkey}.field[{j}]");
            let field = read_field(cx, &fkey, rf.get_ref(), &rf.span())?;
            if tags.insert(field.tag.clone(), field.kind).is_some() {
                return cx.err(
                    &rf.span(),
                    format!("{fkey}.tag"),
                    format!(
                        "{} is the tag of an earlier field of {}",
                        field.tag, f.prefix
                    ),
                );
            }
            fields.push(field);
        }
        groups.push(Group {
            name: gname,
            fields,
        });
    }
    let mut checks: Vec<Check> = Vec::new();
    for (c, raw) in f.check.iter().enumerate() {
        let ckey = format!("{key}.check[{c}]");
        let cspan = raw.span();
        let rc = raw.get_ref();
        if rc.name.trim().is_empty() {
            return cx.err(&cspan, format!("{ckey}.name"), "is empty");
        }
        if checks.iter().any(|o| o.name == rc.name.trim()) {
            return cx.err(
                &cspan,
                format!("{ckey}.name"),
                format!("{:?} is the name of an earlier check", rc.name.trim()),
            );
        }
        let parsed = Rule::parse(&rc.rule).or_else(|m| {
            cx.err(
                &cspan,
                format!("{ckey}.rule"),
                format!("{:?}: {m}", rc.rule),
            )
        })?;
        for (tag, compared) in parsed.tags() {
            match tags.get(tag) {
                None => {
                    return cx.err(
                        &cspan,
                        format!("{ckey}.rule"),
                        format!("names {tag}, which is no field of {}", f.prefix),
                    );
                }
                Some(t) if compared && !matches!(t, FieldType::Integer | FieldType::Select) => {
                    return cx.err(&cspan, format!("{ckey}.rule"), format!("compares {tag}, a {} field; only integer and select fields have a number", t.as_str()));
                }
                Some(_) => {}
            }
        }
        checks.push(Check {
            name: rc.name.trim().to_string(),
            rule: rc.rule.trim().to_string(),
            label: label(cx, &cspan, format!("{ckey}.label"), &rc.label)?,
            parsed,
        });
    }
    Ok(Form {
        prefix: f.prefix.clone(),
        kind: f.kind,
        version: f.version as u32,
        schedule: f.schedule,
        name,
        categories,
        groups,
        checks,
    })
}

fn read_field(
    cx: &Ctx,
    key: &str,
    f: &RawField,
    span: &std::ops::Range<usize>,
) -> Result<Field, DefinitionError> {
    if !is_tag(&f.tag) {
        return cx.err(
            span,
            format!("{key}.tag"),
            format!("{:?} is not two capital letters", f.tag),
        );
    }
    // X followed by digits is an SMS's serial number.
    if f.tag.starts_with('X') {
        return cx.err(
            span,
            format!("{key}.tag"),
            format!(
                "{} starts with X, which marks a serial number in an SMS",
                f.tag
            ),
        );
    }
    let label = label(cx, span, format!("{key}.label"), &f.label)?;
    let (mut min, mut max) = (0, u32::MAX);
    if f.kind == FieldType::Integer {
        if let Some(m) = f.min {
            if !(0..=i64::from(u32::MAX)).contains(&m) {
                return cx.err(
                    span,
                    format!("{key}.min"),
                    format!("{m} is not from 0 to {}", u32::MAX),
                );
            }
            min = m as u32;
        }
        if let Some(m) = f.max {
            if !(0..=i64::from(u32::MAX)).contains(&m) {
                return cx.err(
                    span,
                    format!("{key}.max"),
                    format!("{m} is not from 0 to {}", u32::MAX),
                );
            }
            max = m as u32;
        }
        if min > max {
            return cx.err(
                span,
                format!("{key}.min"),
                format!("{min} is above the maximum {max}"),
            );
        }
    } else if f.min.is_some() || f.max.is_some() {
        let which = if f.min.is_some() { "min" } else { "max" };
        return cx.err(
            span,
            format!("{key}.{which}"),
            format!("is for integer fields; {} is {}", f.tag, f.kind.as_str()),
        );
    }
    let options = match (f.kind, &f.options) {
        (FieldType::Select, Some(o)) => choices(cx, span, &format!("{key}.options"), o, u32::MAX)?,
        (FieldType::Multiselect, Some(o)) => choices(cx, span, &format!("{key}.options"), o, 9)?,
        (FieldType::Select | FieldType::Multiselect, None) => {
            return cx.err(
                span,
                format!("{key}.options"),
                format!("a {} field needs its options", f.kind.as_str()),
            );
        }
        (_, Some(_)) => {
            return cx.err(
                span,
                format!("{key}.options"),
                format!(
                    "are for select and multiselect fields; {} is {}",
                    f.tag,
                    f.kind.as_str()
                ),
            );
        }
        (_, None) => Vec::new(),
    };
    Ok(Field {
        tag: f.tag.clone(),
        kind: f.kind,
        label,
        min,
        max,
        options,
        required: f.required,
    })
}
