//! Observers' record reviewed: the forms each organisation recorded, checklists counted per
//! form and point of the day (signed and by SMS), incidents by category and severity, each
//! station's merged record with its conflicting fields, the SMS received, counted, refused and
//! repeated with the reply each got, and the public flags the reports raised. Read through
//! `ledger::report::observer` and `ledger::report::flags`.

use crate::{Result, Review};
use ledger::report::observer::{
    MergedRecord, RecordedForm, RecordedSms, Report, form_definition, forms, merged, reports,
    sms_messages,
};
use ledger::report::{Flag, FlagFilter, each_flag};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The kinds of public flag observers' reports raise (docs/flags.md).
pub const FLAG_KINDS: &[&str] = &[
    "observer_out_of_form",
    "observer_quality_check",
    "observer_conflict",
    "sms_unknown_sender",
];

/// Checklists of one form version at one point of the day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChecklistCount {
    pub organisation: String,
    pub form: String,
    pub version: u32,
    pub schedule: String,
    /// Signed by the observer's key.
    pub signed: u64,
    /// Read from an SMS (the unsigned channel).
    pub sms: u64,
    /// Distinct stations reported.
    pub stations: u64,
}

/// Incidents of one category and severity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IncidentCount {
    pub organisation: String,
    pub form: String,
    pub category: u32,
    /// The category's English label in the form's definition.
    pub label: String,
    pub severity: String,
    pub incidents: u64,
}

/// SMS by what became of them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SmsCounts {
    pub received: u64,
    pub accepted: u64,
    /// Accepted, but failing a quality check.
    pub flagged: u64,
    pub refused: u64,
    pub repeats: u64,
    pub unknown_sender: u64,
}

/// The observers' record of an election.
#[derive(Debug, Clone, Serialize)]
pub struct Observers {
    pub forms: Vec<RecordedForm>,
    pub checklists: Vec<ChecklistCount>,
    pub incidents: Vec<IncidentCount>,
    /// Stations reported by two or more observers of one organisation, merged.
    pub merged: Vec<MergedRecord>,
    pub sms: SmsCounts,
    pub messages: Vec<RecordedSms>,
    /// The flags observers' reports and messages raised, by kind, and each of them.
    pub flag_counts: BTreeMap<String, u64>,
    pub flags: Vec<Flag>,
}

/// The observers' record, as recorded.
pub fn observers(review: &Review) -> Result<Observers> {
    let conn = review.conn();
    // Organisation, form, version and point of the day.
    type FormPoint = (String, String, u32, String);
    let mut checklists: BTreeMap<FormPoint, ChecklistCount> = BTreeMap::new();
    let mut stations: BTreeMap<FormPoint, BTreeSet<String>> = BTreeMap::new();
    let mut incidents: BTreeMap<(String, String, u32, u32, String), u64> = BTreeMap::new();
    for r in reports(conn)? {
        match r.report {
            Report::Checklist(c) => {
                let schedule = c.schedule.as_str().to_string();
                let key = (r.organisation.clone(), c.form.clone(), c.version, schedule);
                let n = checklists
                    .entry(key.clone())
                    .or_insert_with(|| ChecklistCount {
                        organisation: key.0.clone(),
                        form: key.1.clone(),
                        version: key.2,
                        schedule: key.3.clone(),
                        signed: 0,
                        sms: 0,
                        stations: 0,
                    });
                if r.channel == "sms" {
                    n.sms += 1;
                } else {
                    n.signed += 1;
                }
                stations.entry(key).or_default().insert(c.station);
            }
            Report::Incident(i) => {
                let severity = serde_json::to_value(i.severity)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default();
                *incidents
                    .entry((r.organisation, i.form, i.version, i.category, severity))
                    .or_default() += 1;
            }
        }
    }
    let checklists = checklists
        .into_iter()
        .map(|(key, mut n)| {
            n.stations = stations.get(&key).map_or(0, |s| s.len() as u64);
            n
        })
        .collect();
    // The categories' labels, from each definition once.
    let mut labels: BTreeMap<(String, String, u32), Option<observer::Form>> = BTreeMap::new();
    let mut incident_counts = Vec::new();
    for ((organisation, form, version, category, severity), n) in incidents {
        let key = (organisation.clone(), form.clone(), version);
        if !labels.contains_key(&key) {
            let parsed = form_definition(conn, &organisation, &form, version)?
                .and_then(|(file, text)| observer::Forms::parse(&text, &file).ok())
                .and_then(|f| f.get(&form).cloned());
            labels.insert(key.clone(), parsed);
        }
        let label = labels[&key]
            .as_ref()
            .and_then(|f| f.categories.iter().find(|c| c.value == category))
            .map_or_else(|| format!("category {category}"), |c| c.en.clone());
        incident_counts.push(IncidentCount {
            organisation,
            form,
            category,
            label,
            severity,
            incidents: n,
        });
    }
    let messages = sms_messages(conn)?;
    let mut sms = SmsCounts::default();
    for m in &messages {
        sms.received += 1;
        match m.status.as_str() {
            "accepted" => sms.accepted += 1,
            "flagged" => sms.flagged += 1,
            "refused" => sms.refused += 1,
            "repeat" => sms.repeats += 1,
            _ => sms.unknown_sender += 1,
        }
    }
    let mut flags = Vec::new();
    let mut flag_counts = BTreeMap::new();
    for kind in FLAG_KINDS {
        let filter = FlagFilter {
            kind: Some(kind),
            ..Default::default()
        };
        each_flag::<ledger::report::Error>(conn, &filter, &mut |f| {
            *flag_counts.entry(f.kind.clone()).or_insert(0) += 1;
            flags.push(f);
            Ok(())
        })?;
    }
    flags.sort_by(|a, b| (a.index, &a.kind).cmp(&(b.index, &b.kind)));
    Ok(Observers {
        forms: forms(conn)?,
        checklists,
        incidents: incident_counts,
        merged: merged(conn)?,
        sms,
        messages,
        flag_counts,
        flags,
    })
}

/// One form in effect, as the web form draws it: the latest version its organisation recorded.
#[derive(Debug, Clone, Serialize)]
pub struct FormInEffect {
    /// The log index of the definition that recorded this version.
    pub index: u64,
    /// The definition file's name.
    pub file: String,
    #[serde(flatten)]
    pub form: observer::Form,
}

/// An enrolled observer and the forms of their organisation in effect: what the web form needs
/// to draw its checklists and incident reports (`GET /api/observers/{key}`).
#[derive(Debug, Clone, Serialize)]
pub struct ObserverForms {
    pub observer: ledger::report::observer::ObserverKey,
    pub forms: Vec<FormInEffect>,
    /// The reports they signed that the log holds, so the form can show them counted.
    pub reports: Vec<ledger::report::observer::SignedReport>,
}

impl ObserverForms {
    /// The observer `name`'s forms; refused (naming [`crate::Param::Observer`]) when no
    /// observer of that name is enrolled.
    pub fn read(conn: &rusqlite::Connection, name: &str) -> Result<ObserverForms> {
        let Some(key) = ledger::report::observer::observer_key(conn, name)? else {
            return Err(crate::Error::param(
                crate::Param::Observer,
                format!("{{}} {name:?} is not an enrolled observer"),
            ));
        };
        let mut forms = Vec::new();
        if let Some(org) = &key.organisation {
            for f in ledger::report::observer::latest_forms(conn, org)? {
                let parsed = observer::Forms::parse(&f.definition, &f.file)
                    .map_err(|e| crate::Error::State(e.to_string()))?;
                if let Some(form) = parsed.get(&f.prefix) {
                    forms.push(FormInEffect {
                        index: f.index,
                        file: f.file,
                        form: form.clone(),
                    });
                }
            }
        }
        Ok(ObserverForms {
            reports: ledger::report::observer::signed_reports(conn, name)?,
            observer: key,
            forms,
        })
    }
}
