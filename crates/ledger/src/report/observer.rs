//! Observers' record, read: the forms each organisation recorded (every version), the reports
//! (checklists and incidents, signed or read from an SMS), the merged record of each station
//! and point of the day with its conflicting fields, and every SMS a gateway recorded with its
//! derived reading and reply (`docs/observer-forms.md`).

use super::{Error, q};
use ::observer::merge::{self, Master};
use ::observer::report::{Checklist, Incident};
use rusqlite::{Connection, params};
use serde::Serialize;
use std::collections::BTreeMap;

/// One version of one form, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordedForm {
    pub organisation: String,
    pub prefix: String,
    pub version: u32,
    /// `checklist` or `incident`.
    pub kind: String,
    pub schedule: Option<String>,
    /// The log index of the definition that recorded it.
    pub index: u64,
    /// The definition file's name.
    pub file: String,
    /// Whether a later version supersedes it.
    pub superseded: bool,
}

/// Every form version recorded, by organisation, prefix and version.
pub fn forms(conn: &Connection) -> Result<Vec<RecordedForm>, Error> {
    let mut stmt = q(conn.prepare(
        "SELECT organisation, prefix, version, kind, schedule, idx, file,
         version < (SELECT MAX(version) FROM observer_form l
                    WHERE l.organisation = f.organisation AND l.prefix = f.prefix)
         FROM observer_form f ORDER BY organisation, prefix, version",
    ))?;
    let rows = q(stmt.query_map([], |r| {
        Ok(RecordedForm {
            organisation: r.get(0)?,
            prefix: r.get(1)?,
            version: r.get(2)?,
            kind: r.get(3)?,
            schedule: r.get(4)?,
            index: r.get::<_, i64>(5)? as u64,
            file: r.get(6)?,
            superseded: r.get(7)?,
        })
    }))?;
    q(rows.collect())
}

/// The definition file that recorded `organisation`'s `prefix` at `version`, with its name.
pub fn form_definition(
    conn: &Connection,
    organisation: &str,
    prefix: &str,
    version: u32,
) -> Result<Option<(String, String)>, Error> {
    use rusqlite::OptionalExtension;
    q(conn
        .query_row(
            "SELECT file, definition FROM observer_form
             WHERE organisation = ?1 AND prefix = ?2 AND version = ?3",
            params![organisation, prefix, version],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional())
}

/// A report as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Report {
    Checklist(Checklist),
    Incident(Incident),
}

/// One recorded report: where it is in the log, who filed it, and how it came.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordedReport {
    pub index: u64,
    /// Its position among the messages of an SMS entry (0 for a signed report).
    pub seq: u64,
    pub organisation: String,
    /// `signed` (by the observer's key) or `sms` (an unsigned message a gateway recorded).
    pub channel: String,
    /// Claimed time (signed) or the time the gateway received it (SMS), Unix seconds.
    pub at: u64,
    pub report: Report,
}

/// Every report, in log order.
pub fn reports(conn: &Connection) -> Result<Vec<RecordedReport>, Error> {
    let mut stmt = q(conn.prepare(
        "SELECT idx, seq, organisation, channel, at, kind, body FROM observer_report
         ORDER BY idx, seq",
    ))?;
    let rows = q(stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)? as u64,
            r.get::<_, i64>(1)? as u64,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, i64>(4)? as u64,
            r.get::<_, String>(5)?,
            r.get::<_, String>(6)?,
        ))
    }))?;
    let mut out = Vec::new();
    for row in rows {
        let (index, seq, organisation, channel, at, kind, body) = q(row)?;
        let report = match kind.as_str() {
            "checklist" => Report::Checklist(serde_json::from_str(&body).map_err(Error::Json)?),
            "incident" => Report::Incident(serde_json::from_str(&body).map_err(Error::Json)?),
            other => {
                return Err(Error::State(format!(
                    "an observer report of kind {other:?}"
                )));
            }
        };
        out.push(RecordedReport {
            index,
            seq,
            organisation,
            channel,
            at,
            report,
        });
    }
    Ok(out)
}

/// The master record of one station at one point of the day, for one organisation's form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MergedRecord {
    pub organisation: String,
    pub master: Master,
}

/// The master record of every station, form and version that two or more observers of one
/// organisation reported, each observer's latest checklist taken.
pub fn merged(conn: &Connection) -> Result<Vec<MergedRecord>, Error> {
    let mut groups: BTreeMap<(String, String, String, u32), BTreeMap<String, Checklist>> =
        BTreeMap::new();
    for r in reports(conn)? {
        if let Report::Checklist(c) = r.report {
            groups
                .entry((r.organisation, c.station.clone(), c.form.clone(), c.version))
                .or_default()
                .insert(c.observer.clone(), c);
        }
    }
    let mut out = Vec::new();
    for ((organisation, ..), by) in groups {
        if by.len() < 2 {
            continue;
        }
        let list: Vec<Checklist> = by.into_values().collect();
        let master = merge::merge(&list).map_err(|e| Error::State(e.to_string()))?;
        out.push(MergedRecord {
            organisation,
            master,
        });
    }
    Ok(out)
}

/// One SMS as a gateway recorded it, with what the fold read in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordedSms {
    pub index: u64,
    pub seq: u64,
    pub gateway: String,
    pub received_at: u64,
    /// HMAC-SHA256 of the sender's number.
    pub sender: String,
    pub text: String,
    /// `accepted`, `flagged` (accepted, failing a quality check), `refused`, `repeat` or
    /// `unknown_sender`.
    pub status: String,
    pub reply: String,
}

/// Every SMS recorded, in log order.
pub fn sms_messages(conn: &Connection) -> Result<Vec<RecordedSms>, Error> {
    let mut stmt = q(conn.prepare(
        "SELECT idx, seq, gateway, received_at, sender, text, status, reply FROM sms_message
         ORDER BY idx, seq",
    ))?;
    let rows = q(stmt.query_map([], |r| {
        Ok(RecordedSms {
            index: r.get::<_, i64>(0)? as u64,
            seq: r.get::<_, i64>(1)? as u64,
            gateway: r.get(2)?,
            received_at: r.get::<_, i64>(3)? as u64,
            sender: r.get(4)?,
            text: r.get(5)?,
            status: r.get(6)?,
            reply: r.get(7)?,
        })
    }))?;
    q(rows.collect())
}

/// The message at `seq` of the `sms_messages` entry `index`, as recorded, found by its sender
/// and text (the table's key), so that a webhook can answer with its reply.
pub fn sms_message(
    conn: &Connection,
    index: u64,
    seq: u64,
    sender: &str,
    text: &str,
) -> Result<Option<RecordedSms>, Error> {
    let mut stmt = q(conn.prepare_cached(
        "SELECT gateway, received_at, status, reply FROM sms_message
         WHERE sender = ?1 AND repeat_key = ?2 AND idx = ?3 AND seq = ?4",
    ))?;
    let key = ::observer::sms::repeat_key(text);
    let mut rows = q(
        stmt.query_map(params![sender, key, index as i64, seq as i64], |r| {
            Ok(RecordedSms {
                index,
                seq,
                gateway: r.get(0)?,
                received_at: r.get::<_, i64>(1)? as u64,
                sender: sender.to_string(),
                text: text.to_string(),
                status: r.get(2)?,
                reply: r.get(3)?,
            })
        }),
    )?;
    q(rows.next().transpose())
}

/// An enrolled observer, as the web form shows them: their key, organisation and scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObserverKey {
    pub name: String,
    /// The verifier key enrolled (`name+id+key`), so a page can check the key it holds.
    pub vkey: String,
    pub organisation: Option<String>,
    /// The areas they may report on, as enrolled.
    pub scope: serde_json::Value,
    pub revoked: bool,
}

/// The key `name` when it is enrolled as an observer (in effect or revoked), else None.
pub fn observer_key(conn: &Connection, name: &str) -> Result<Option<ObserverKey>, Error> {
    use rusqlite::OptionalExtension;
    let row = q(conn
        .query_row(
            "SELECT vkey, organisation, scope, revoked_at IS NOT NULL FROM signer
             WHERE name = ?1 AND role = 'observer'",
            [name],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, bool>(3)?,
                ))
            },
        )
        .optional())?;
    let Some((vkey, organisation, scope, revoked)) = row else {
        return Ok(None);
    };
    Ok(Some(ObserverKey {
        name: name.to_string(),
        vkey,
        organisation,
        scope: serde_json::from_str(&scope).map_err(Error::Json)?,
        revoked,
    }))
}

/// The latest version of one form, with the definition file that recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LatestForm {
    pub prefix: String,
    pub version: u32,
    /// The log index of the definition.
    pub index: u64,
    pub file: String,
    /// The definition file's text.
    pub definition: String,
}

/// The latest version of each form `organisation` recorded.
pub fn latest_forms(conn: &Connection, organisation: &str) -> Result<Vec<LatestForm>, Error> {
    let mut stmt = q(conn.prepare(
        "SELECT prefix, version, idx, file, definition FROM observer_form f
         WHERE organisation = ?1 AND version = (SELECT MAX(version) FROM observer_form l
               WHERE l.organisation = f.organisation AND l.prefix = f.prefix)
         ORDER BY prefix",
    ))?;
    let rows = q(stmt.query_map([organisation], |r| {
        Ok(LatestForm {
            prefix: r.get(0)?,
            version: r.get(1)?,
            index: r.get::<_, i64>(2)? as u64,
            file: r.get(3)?,
            definition: r.get(4)?,
        })
    }))?;
    q(rows.collect())
}

/// One report an observer signed, as their web form lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignedReport {
    pub index: u64,
    /// `checklist` or `incident`.
    pub kind: String,
    pub form: String,
    pub version: u32,
    /// Empty for an incident at no station.
    pub station: String,
    pub schedule: Option<String>,
    /// Claimed time, Unix seconds.
    pub at: u64,
}

/// The reports `observer` signed, in log order.
pub fn signed_reports(conn: &Connection, observer: &str) -> Result<Vec<SignedReport>, Error> {
    let mut stmt = q(conn.prepare(
        "SELECT idx, kind, form, version, station, schedule, at FROM observer_report
         WHERE observer = ?1 AND channel = 'signed' ORDER BY idx",
    ))?;
    let rows = q(stmt.query_map([observer], |r| {
        Ok(SignedReport {
            index: r.get::<_, i64>(0)? as u64,
            kind: r.get(1)?,
            form: r.get(2)?,
            version: r.get(3)?,
            station: r.get(4)?,
            schedule: r.get(5)?,
            at: r.get::<_, i64>(6)? as u64,
        })
    }))?;
    q(rows.collect())
}
