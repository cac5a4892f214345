//! The master record of a station at one point of the day: the checklists of every observer
//! there, merged, with exactly the fields on which they disagree flagged.
//!
//! A field answered the same by everyone who answered it is agreed (an observer who left it
//! blank does not disagree); a field answered differently by two observers is a conflict, with
//! each observer's answer kept. Multiselect answers are compared as sets.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::form::Schedule;
use crate::report::{Checklist, Value};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum Merged {
    Agreed {
        value: Value,
        observers: Vec<String>,
    },
    Conflict {
        answers: BTreeMap<String, Value>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Master {
    pub form: String,
    pub version: u32,
    pub station: String,
    pub schedule: Schedule,
    pub observers: Vec<String>,
    pub fields: BTreeMap<String, Merged>,
    /// The tags of the conflicting fields, in order.
    pub conflicts: Vec<String>,
    /// Each observer's comment, if any.
    pub comments: BTreeMap<String, String>,
}

/// Why checklists cannot be merged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MergeError {
    Nothing,
    Differ {
        what: &'static str,
        first: String,
        other: String,
    },
    SameObserver {
        observer: String,
    },
}

impl fmt::Display for MergeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MergeError::Nothing => write!(f, "no checklist to merge"),
            MergeError::Differ { what, first, other } => {
                write!(
                    f,
                    "checklists of different {what}s ({first} and {other}) are not merged"
                )
            }
            MergeError::SameObserver { observer } => {
                write!(
                    f,
                    "observer {observer} filed two of these checklists; merge one per observer"
                )
            }
        }
    }
}

impl std::error::Error for MergeError {}

fn normal(v: &Value) -> Value {
    match v {
        Value::Multiselect(o) => {
            let mut o = o.clone();
            o.sort_unstable();
            o.dedup();
            Value::Multiselect(o)
        }
        v => v.clone(),
    }
}

/// Merges the checklists of one form, version, station and schedule point, one per observer.
pub fn merge(reports: &[Checklist]) -> Result<Master, MergeError> {
    let first = reports.first().ok_or(MergeError::Nothing)?;
    let mut observers: Vec<String> = Vec::new();
    for r in reports {
        let differ = |what, a: String, b: String| MergeError::Differ {
            what,
            first: a,
            other: b,
        };
        if r.form != first.form {
            return Err(differ("form", first.form.clone(), r.form.clone()));
        }
        if r.version != first.version {
            return Err(differ(
                "version",
                first.version.to_string(),
                r.version.to_string(),
            ));
        }
        if r.station != first.station {
            return Err(differ("station", first.station.clone(), r.station.clone()));
        }
        if r.schedule != first.schedule {
            return Err(differ(
                "schedule point",
                first.schedule.as_str().into(),
                r.schedule.as_str().into(),
            ));
        }
        if observers.contains(&r.observer) {
            return Err(MergeError::SameObserver {
                observer: r.observer.clone(),
            });
        }
        observers.push(r.observer.clone());
    }
    let mut answers: BTreeMap<&str, BTreeMap<String, Value>> = BTreeMap::new();
    for r in reports {
        for (tag, v) in &r.answers {
            answers
                .entry(tag)
                .or_default()
                .insert(r.observer.clone(), normal(v));
        }
    }
    let mut fields = BTreeMap::new();
    let mut conflicts = Vec::new();
    for (tag, by) in answers {
        let mut values = by.values();
        let one = values.next().expect("an answer").clone();
        let merged = if values.all(|v| *v == one) {
            Merged::Agreed {
                value: one,
                observers: by.into_keys().collect(),
            }
        } else {
            conflicts.push(tag.to_string());
            Merged::Conflict { answers: by }
        };
        fields.insert(tag.to_string(), merged);
    }
    Ok(Master {
        form: first.form.clone(),
        version: first.version,
        station: first.station.clone(),
        schedule: first.schedule,
        observers,
        fields,
        conflicts,
        comments: reports
            .iter()
            .filter_map(|r| Some((r.observer.clone(), r.comment.clone()?)))
            .collect(),
    })
}
