//! Observers' forms, checklists, incidents and SMS (`docs/observer-forms.md`).
//!
//! Refuse the unauthentic, record the suspicious: a report is refused only when its author may
//! not file it (not an observer, a station outside their scope), when it names a form version
//! its organisation never recorded or a form of the other kind, when it cannot be read at all
//! (the event's own parse), or when its observer already filed it (the same body and claimed
//! time: a re-send, which must count once). A report whose answers do not fit the form (out of range, not an
//! option, missing, unknown) is recorded and flagged `observer_out_of_form`; one that fails a
//! quality check is flagged `observer_quality_check`; a checklist whose answers differ from
//! another observer's of the same station, form and version is flagged `observer_conflict`,
//! naming exactly the fields that differ (`observer::merge`).
//!
//! SMS are always recorded. Each message's reading and reply are derived here, from the forms
//! in effect when its entry is folded, so replay derives the same: an identical message from the
//! same sender within 12 hours (by the gateway's received times) is a repeat and counts once; a
//! message from a sender HMAC no gateway registered is flagged `sms_unknown_sender` and not
//! counted; a message that reads cleanly is a checklist at the sender's station, counted exactly
//! as a signed one is, with the channel `sms`.
//!
//! Nothing here is touched by an election without observers: no table of the national record
//! gains a row or an index.

use std::collections::BTreeMap;
use std::sync::Arc;

use ::observer::form::Kind;
use ::observer::report::{Channel, Checklist, Flag as QualityFlag, Incident, Problem};
use ::observer::{Forms, merge, messages, sms};
use sha2::{Digest, Sha256};

use super::flags::{Flag, raise};
use super::*;

/// The kinds of public flag raised here (`fold::flags::KINDS` lists them with the others).
pub(crate) mod kind {
    pub const OUT_OF_FORM: &str = "observer_out_of_form";
    pub const QUALITY_CHECK: &str = "observer_quality_check";
    pub const CONFLICT: &str = "observer_conflict";
    pub const UNKNOWN_SENDER: &str = "sms_unknown_sender";
}

/// Definition files read, by the SHA-256 of their text: the same text always reads the same,
/// so the cache holds across rolled-back transactions.
#[derive(Default)]
pub struct Definitions(HashMap<[u8; 32], Arc<Forms>>);

impl Definitions {
    fn read(&mut self, text: &str, file: &str) -> Result<Arc<Forms>, String> {
        let hash: [u8; 32] = Sha256::digest(text.as_bytes()).into();
        if let Some(f) = self.0.get(&hash) {
            return Ok(f.clone());
        }
        let forms = Arc::new(Forms::parse(text, file).map_err(|e| e.to_string())?);
        self.0.insert(hash, forms.clone());
        Ok(forms)
    }
}

/// What became of one SMS (`sms_message.status`).
pub mod status {
    /// Read cleanly: a checklist, counted.
    pub const ACCEPTED: &str = "accepted";
    /// Read cleanly and counted, but it fails a quality check.
    pub const FLAGGED: &str = "flagged";
    /// Not read: the reply says what to correct.
    pub const REFUSED: &str = "refused";
    /// Identical to one counted less than 12 hours before.
    pub const REPEAT: &str = "repeat";
    /// From a number no gateway registered.
    pub const UNKNOWN_SENDER: &str = "unknown_sender";
}

/// The reply to a message from a number no gateway registered.
pub const UNKNOWN_SENDER_REPLY: &str =
    "This number is not registered for an observer; the message is recorded but not counted.";

fn organisation(author: &Signer) -> Check<&str> {
    author.organisation.as_deref().ok_or_else(|| {
        (
            "author".to_string(),
            format!("{} has no organisation", author.name),
        )
    })
}

impl Fold {
    pub(super) fn observer_event(
        &mut self,
        conn: &Connection,
        author: &Signer,
        event: Event,
        index: u64,
    ) -> Check<()> {
        match event {
            Event::ObserverForms(f) => self.observer_forms(conn, author, &f, index),
            Event::ObserverChecklist(c) => self.observer_checklist(conn, author, c, index),
            Event::ObserverIncident(i) => self.observer_incident(conn, author, i, index),
            Event::SmsSender(s) => self.sms_sender(conn, author, &s, index),
            Event::SmsMessages(m) => self.sms_messages(conn, author, &m, index),
            _ => unreachable!("only observers' events are dispatched here"),
        }
    }

    /// The definition of `prefix` at `version` that `organisation` recorded.
    fn observer_form(
        &mut self,
        conn: &Connection,
        organisation: &str,
        prefix: &str,
        version: u32,
    ) -> Check<Option<::observer::Form>> {
        let row: Option<(String, String)> = conn
            .prepare_cached(
                "SELECT definition, file FROM observer_form
                 WHERE organisation = ?1 AND prefix = ?2 AND version = ?3",
            )
            .map_err(sql)?
            .query_row(params![organisation, prefix, version], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()
            .map_err(sql)?;
        let Some((text, file)) = row else {
            return Ok(None);
        };
        let forms = self.definitions.read(&text, &file).map_err(sql_text)?;
        Ok(forms.get(prefix).cloned())
    }

    /// The latest version of each form `organisation` recorded.
    fn latest_forms(&mut self, conn: &Connection, organisation: &str) -> Check<Forms> {
        let rows: Vec<(String, u32)> = conn
            .prepare_cached(
                "SELECT prefix, MAX(version) FROM observer_form WHERE organisation = ?1
                 GROUP BY prefix ORDER BY prefix",
            )
            .map_err(sql)?
            .query_map([organisation], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(sql)?
            .collect::<Result<_, _>>()
            .map_err(sql)?;
        let mut forms = Vec::new();
        for (prefix, version) in rows {
            if let Some(f) = self.observer_form(conn, organisation, &prefix, version)? {
                forms.push(f);
            }
        }
        Ok(Forms { forms })
    }

    fn observer_forms(
        &mut self,
        conn: &Connection,
        author: &Signer,
        f: &ObserverForms,
        index: u64,
    ) -> Check<()> {
        require_role(author, &[Role::Observer])?;
        let org = organisation(author)?;
        let forms = self
            .definitions
            .read(&f.text, &f.file)
            .map_err(|e| ("body.text".to_string(), e))?;
        let mut new = 0;
        for (i, form) in forms.forms.iter().enumerate() {
            let path = format!("body.text: form[{i}] ({})", form.prefix);
            if let Some(recorded) = self.observer_form(conn, org, &form.prefix, form.version)? {
                if recorded != *form {
                    return refuse(
                        path,
                        format!(
                            "version {} of {} is already recorded by {org} with a different definition; give the changed form a new version",
                            form.version, form.prefix
                        ),
                    );
                }
                continue;
            }
            let latest: Option<u32> = conn
                .prepare_cached(
                    "SELECT MAX(version) FROM observer_form WHERE organisation = ?1 AND prefix = ?2",
                )
                .map_err(sql)?
                .query_row(params![org, form.prefix], |r| r.get(0))
                .map_err(sql)?;
            if let Some(latest) = latest.filter(|l| *l > form.version) {
                return refuse(
                    path,
                    format!(
                        "version {} of {} is older than version {latest}, already recorded by {org}",
                        form.version, form.prefix
                    ),
                );
            }
            conn.prepare_cached(
                "INSERT INTO observer_form(organisation, prefix, version, idx, kind, schedule, file, definition)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .map_err(sql)?
            .execute(params![
                org,
                form.prefix,
                form.version,
                index as i64,
                match form.kind {
                    Kind::Checklist => "checklist",
                    Kind::Incident => "incident",
                },
                form.schedule.map(|s| s.as_str()),
                f.file,
                f.text,
            ])
            .map_err(sql)?;
            new += 1;
        }
        if new == 0 {
            return refuse(
                "body.text",
                format!("every form of {} is already recorded by {org}", f.file),
            );
        }
        Ok(())
    }

    /// The recorded form a signed report names, of the kind it must be.
    fn report_form(
        &mut self,
        conn: &Connection,
        org: &str,
        prefix: &str,
        version: u32,
        kind: Kind,
    ) -> Check<::observer::Form> {
        let Some(form) = self.observer_form(conn, org, prefix, version)? else {
            return refuse(
                "body.version",
                format!("{org} has recorded no version {version} of a form {prefix:?}"),
            );
        };
        if form.kind != kind {
            return refuse(
                "body.form",
                match kind {
                    Kind::Checklist => format!("{prefix} is an incident form, not a checklist"),
                    Kind::Incident => format!("{prefix} is a checklist, not an incident form"),
                },
            );
        }
        Ok(form)
    }

    fn observer_checklist(
        &mut self,
        conn: &Connection,
        author: &Signer,
        c: ObserverChecklist,
        index: u64,
    ) -> Check<()> {
        require_role(author, &[Role::Observer])?;
        let org = organisation(author)?;
        self.check_station_scope(conn, author, &c.station, "body.station")?;
        let area = self.station_area(conn, &c.station, "body.station")?;
        let form = self.report_form(conn, org, &c.form, c.version, Kind::Checklist)?;
        let checklist = Checklist {
            form: c.form,
            version: c.version,
            observer: author.name.clone(),
            station: c.station,
            schedule: c.schedule,
            serial: c.serial,
            answers: c.answers,
            comment: c.comment,
        };
        let report = Stored::checklist(org, &checklist, c.at, "signed", index, 0);
        report.not_a_duplicate(conn)?;
        super::witness::claim_time(conn, index, c.at, Some(&report.station))?;
        let validated = checklist.validate(&form, Channel::App);
        report.insert(conn)?;
        let mut found = Found::default();
        found.validated(0, &report, validated);
        found.conflicts(conn, 0, org, &checklist)?;
        found.raise(conn, index, Some(&report.station), Some(&area))
    }

    fn observer_incident(
        &mut self,
        conn: &Connection,
        author: &Signer,
        i: ObserverIncident,
        index: u64,
    ) -> Check<()> {
        require_role(author, &[Role::Observer])?;
        let org = organisation(author)?;
        let area = match &i.station {
            Some(s) => {
                self.check_station_scope(conn, author, s, "body.station")?;
                Some(self.station_area(conn, s, "body.station")?)
            }
            None => None,
        };
        let form = self.report_form(conn, org, &i.form, i.version, Kind::Incident)?;
        let at = i.at;
        let incident = Incident {
            form: i.form,
            version: i.version,
            observer: author.name.clone(),
            station: i.station,
            category: i.category,
            severity: i.severity,
            text: i.text,
            evidence: i.evidence,
            location: i.location,
            answers: i.answers,
        };
        let report = Stored::incident(org, &incident, at, index);
        report.not_a_duplicate(conn)?;
        super::witness::claim_time(conn, index, at, incident.station.as_deref())?;
        let validated = incident.validate(&form);
        report.insert(conn)?;
        let mut found = Found::default();
        found.validated(0, &report, validated);
        found.raise(conn, index, incident.station.as_deref(), area.as_deref())
    }

    fn sms_sender(
        &mut self,
        conn: &Connection,
        author: &Signer,
        s: &SmsSender,
        index: u64,
    ) -> Check<()> {
        require_role(author, &[Role::SmsGateway])?;
        let org = organisation(author)?;
        if !is_hex64(&s.sender) {
            return refuse(
                "body.sender",
                format!(
                    "{:?} is not an HMAC-SHA256 (64 lowercase hex digits)",
                    s.sender
                ),
            );
        }
        match super::keys::signer(conn, &s.observer)? {
            Some((o, None, None)) if o.role == Role::Observer => {
                if o.organisation.as_deref() != Some(org) {
                    return refuse(
                        "body.observer",
                        format!(
                            "{} is an observer of {}, not of {org}",
                            o.name,
                            o.organisation.as_deref().unwrap_or("no organisation")
                        ),
                    );
                }
            }
            _ => {
                return refuse(
                    "body.observer",
                    format!("{:?} is not an enrolled, unrevoked observer", s.observer),
                );
            }
        }
        self.station_area(conn, &s.station, "body.station")?;
        conn.prepare_cached(
            "INSERT OR REPLACE INTO sms_sender(sender, observer, station, idx) VALUES (?1, ?2, ?3, ?4)",
        )
        .map_err(sql)?
        .execute(params![s.sender, s.observer, s.station, index as i64])
        .map_err(sql)?;
        Ok(())
    }

    fn sms_messages(
        &mut self,
        conn: &Connection,
        author: &Signer,
        m: &SmsMessages,
        index: u64,
    ) -> Check<()> {
        require_role(author, &[Role::SmsGateway])?;
        let org = organisation(author)?.to_string();
        if m.messages.is_empty() {
            return refuse("body.messages", "an entry holds at least one message");
        }
        let forms = self.latest_forms(conn, &org)?;
        let mut found = Found::default();
        let mut unknown = Vec::new();
        for (seq, msg) in m.messages.iter().enumerate() {
            let key = sms::repeat_key(&msg.text);
            let counted_at: Option<i64> = conn
                .prepare_cached(
                    "SELECT received_at FROM sms_message WHERE sender = ?1 AND repeat_key = ?2
                     AND status != 'repeat' ORDER BY idx DESC, seq DESC LIMIT 1",
                )
                .map_err(sql)?
                .query_row(params![msg.sender, key], |r| r.get(0))
                .optional()
                .map_err(sql)?;
            let at = msg.received_at as i64;
            let (status, reply) = match counted_at {
                Some(c) if at.abs_diff(c) < sms::Repeats::WINDOW as u64 => {
                    (status::REPEAT, messages::repeat_reply(c))
                }
                _ => {
                    let outcome = sms::read(&forms, &msg.text);
                    let reply = outcome.reply();
                    match self.sms_checklist(conn, &org, &forms, msg, outcome, index, seq)? {
                        Read::Unknown => {
                            unknown.push(seq);
                            (status::UNKNOWN_SENDER, UNKNOWN_SENDER_REPLY.to_string())
                        }
                        Read::Refused => (status::REFUSED, reply),
                        Read::Counted(checklist, validated) => {
                            let report = Stored::checklist(
                                &org,
                                &checklist,
                                msg.received_at,
                                "sms",
                                index,
                                seq,
                            );
                            let flagged = matches!(&validated, Ok(f) if !f.is_empty());
                            found.validated(seq, &report, validated);
                            found.conflicts(conn, seq, &org, &checklist)?;
                            (
                                if flagged {
                                    status::FLAGGED
                                } else {
                                    status::ACCEPTED
                                },
                                reply,
                            )
                        }
                    }
                }
            };
            conn.prepare_cached(
                "INSERT INTO sms_message(sender, repeat_key, idx, seq, gateway, received_at, text, status, reply)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )
            .map_err(sql)?
            .execute(params![
                msg.sender,
                key,
                index as i64,
                seq as i64,
                author.name,
                at,
                msg.text,
                status,
                reply
            ])
            .map_err(sql)?;
        }
        let latest = m.messages.iter().map(|m| m.received_at).max().unwrap_or(0);
        super::witness::claim_time(conn, index, latest, None)?;
        if !unknown.is_empty() {
            let senders: Vec<&str> = unknown
                .iter()
                .map(|&i| m.messages[i].sender.as_str())
                .collect();
            raise(
                conn,
                index,
                Flag {
                    idx: index,
                    kind: kind::UNKNOWN_SENDER,
                    station: None,
                    area: None,
                    detail: serde_json::json!({
                        "messages": unknown,
                        "senders": senders,
                        "message": format!(
                            "{} message(s) from numbers no gateway registered for an observer",
                            unknown.len()
                        ),
                    }),
                },
            )?;
        }
        // Each kind's flag names a station when its reports are all about one (each report's
        // station is its sender's, as the gateway registered it); otherwise the reports name
        // theirs (`report::Flag::stations`).
        let mut places: [(Option<String>, Option<String>); 3] = Default::default();
        for (place, reports) in places.iter_mut().zip(found.kinds()) {
            if let Some(s) = one_station(reports) {
                let area = self.station_area(conn, &s, "body.messages")?;
                *place = (Some(s), Some(area));
            }
        }
        found.raise_at(conn, index, places)
    }

    /// A message read against the forms: the checklist it reports at its sender's station,
    /// recorded, or why it is not counted.
    #[allow(clippy::too_many_arguments)]
    fn sms_checklist(
        &mut self,
        conn: &Connection,
        org: &str,
        forms: &Forms,
        msg: &SmsMessage,
        outcome: sms::Outcome,
        index: u64,
        seq: usize,
    ) -> Check<Read> {
        let sender: Option<(String, String)> = conn
            .prepare_cached(
                "SELECT s.observer, s.station FROM sms_sender s JOIN signer g ON g.name = s.observer
                 WHERE s.sender = ?1 AND g.revoked_at IS NULL AND g.proposal IS NULL
                 AND g.organisation = ?2",
            )
            .map_err(sql)?
            .query_row(params![msg.sender, org], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
            .map_err(sql)?;
        let Some((observer, station)) = sender else {
            return Ok(Read::Unknown);
        };
        let sms::Outcome::Accepted { sms, .. } = outcome else {
            return Ok(Read::Refused);
        };
        let form = forms
            .get(&sms.form)
            .expect("an accepted message names a form");
        let Some(mut checklist) = sms.checklist(form, &station) else {
            return Ok(Read::Refused);
        };
        checklist.observer = observer;
        let validated = checklist.validate(form, Channel::Sms);
        Stored::checklist(org, &checklist, msg.received_at, "sms", index, seq).insert(conn)?;
        Ok(Read::Counted(checklist, validated))
    }
}

enum Read {
    Unknown,
    Refused,
    Counted(Checklist, Result<Vec<QualityFlag>, Vec<Problem>>),
}

/// A report as stored in `observer_report`.
struct Stored {
    station: String,
    form: String,
    version: u32,
    observer: String,
    idx: u64,
    seq: usize,
    kind: &'static str,
    organisation: String,
    schedule: Option<&'static str>,
    category: Option<u32>,
    severity: Option<&'static str>,
    at: u64,
    channel: &'static str,
    body: String,
}

impl Stored {
    fn checklist(
        org: &str,
        c: &Checklist,
        at: u64,
        channel: &'static str,
        idx: u64,
        seq: usize,
    ) -> Stored {
        Stored {
            station: c.station.clone(),
            form: c.form.clone(),
            version: c.version,
            observer: c.observer.clone(),
            idx,
            seq,
            kind: "checklist",
            organisation: org.to_string(),
            schedule: Some(c.schedule.as_str()),
            category: None,
            severity: None,
            at,
            channel,
            body: serde_json::to_string(c).expect("a checklist serialises"),
        }
    }

    fn incident(org: &str, i: &Incident, at: u64, idx: u64) -> Stored {
        Stored {
            station: i.station.clone().unwrap_or_default(),
            form: i.form.clone(),
            version: i.version,
            observer: i.observer.clone(),
            idx,
            seq: 0,
            kind: "incident",
            organisation: org.to_string(),
            schedule: None,
            category: Some(i.category),
            severity: Some(severity_name(i.severity)),
            at,
            channel: "signed",
            body: serde_json::to_string(i).expect("an incident serialises"),
        }
    }

    /// Refuses a signed report its observer already filed, byte for byte (the same body and
    /// claimed time): a phone re-sending what it queued offline must count once. One lookup
    /// on the table's key (station, form, version, observer).
    fn not_a_duplicate(&self, conn: &Connection) -> Check<()> {
        use rusqlite::OptionalExtension;
        let earlier: Option<i64> = conn
            .prepare_cached(
                "SELECT idx FROM observer_report
                 WHERE station = ?1 AND form = ?2 AND version = ?3 AND observer = ?4
                 AND channel = ?5 AND kind = ?6 AND at = ?7 AND body = ?8 LIMIT 1",
            )
            .map_err(sql)?
            .query_row(
                params![
                    self.station,
                    self.form,
                    self.version,
                    self.observer,
                    self.channel,
                    self.kind,
                    self.at as i64,
                    self.body
                ],
                |r| r.get(0),
            )
            .optional()
            .map_err(sql)?;
        match earlier {
            Some(idx) => refuse(
                "entry",
                format!(
                    "duplicate of entry {idx}: {} filed this {} already",
                    self.observer, self.kind
                ),
            ),
            None => Ok(()),
        }
    }

    fn insert(&self, conn: &Connection) -> Check<()> {
        conn.prepare_cached(
            "INSERT INTO observer_report(station, form, version, observer, idx, seq, kind,
             organisation, schedule, category, severity, at, channel, body)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        )
        .map_err(sql)?
        .execute(params![
            self.station,
            self.form,
            self.version,
            self.observer,
            self.idx as i64,
            self.seq as i64,
            self.kind,
            self.organisation,
            self.schedule,
            self.category,
            self.severity,
            self.at as i64,
            self.channel,
            self.body,
        ])
        .map_err(sql)?;
        Ok(())
    }
}

pub(crate) fn severity_name(s: ::observer::report::Severity) -> &'static str {
    use ::observer::report::Severity::*;
    match s {
        Low => "low",
        Medium => "medium",
        High => "high",
        Critical => "critical",
    }
}

/// The station every one of `reports` names, when they name one.
fn one_station(reports: &[serde_json::Value]) -> Option<String> {
    let mut stations = reports
        .iter()
        .map(|r| r.get("station").and_then(|s| s.as_str()));
    let first = stations.next()??;
    stations
        .all(|s| s == Some(first))
        .then(|| first.to_string())
}

/// What an entry's reports raise, gathered so that the entry carries one flag of each kind.
#[derive(Default)]
struct Found {
    out_of_form: Vec<serde_json::Value>,
    quality: Vec<serde_json::Value>,
    conflicts: Vec<serde_json::Value>,
}

impl Found {
    fn validated(
        &mut self,
        seq: usize,
        report: &Stored,
        validated: Result<Vec<QualityFlag>, Vec<Problem>>,
    ) {
        let about = |what: &str, list: serde_json::Value| {
            serde_json::json!({
                "seq": seq,
                "observer": report.observer,
                "form": report.form,
                "version": report.version,
                "station": report.station,
                what: list,
            })
        };
        match validated {
            Ok(flags) if flags.is_empty() => {}
            Ok(flags) => {
                let checks: Vec<serde_json::Value> = flags
                    .iter()
                    .map(|f| serde_json::json!({"check": f.check, "rule": f.rule}))
                    .collect();
                self.quality.push(about("checks", checks.into()));
            }
            Err(problems) => {
                let lines: Vec<String> = problems.iter().map(Problem::to_string).collect();
                self.out_of_form.push(about("problems", lines.into()));
            }
        }
    }

    /// Compares `c` with the latest checklist of every other observer of its organisation at
    /// the same station, form and version.
    fn conflicts(&mut self, conn: &Connection, seq: usize, org: &str, c: &Checklist) -> Check<()> {
        let mut latest: BTreeMap<String, String> = BTreeMap::new();
        let mut stmt = conn
            .prepare_cached(
                "SELECT observer, body FROM observer_report
                 WHERE station = ?1 AND form = ?2 AND version = ?3 AND observer != ?4
                 AND kind = 'checklist' AND organisation = ?5 ORDER BY observer, idx, seq",
            )
            .map_err(sql)?;
        let mut rows = stmt
            .query(params![c.station, c.form, c.version, c.observer, org])
            .map_err(sql)?;
        while let Some(r) = rows.next().map_err(sql)? {
            latest.insert(r.get(0).map_err(sql)?, r.get(1).map_err(sql)?);
        }
        let mut fields = BTreeSet::new();
        let mut with = Vec::new();
        for (observer, body) in latest {
            let other: Checklist =
                serde_json::from_str(&body).map_err(|e| sql_text(e.to_string()))?;
            let master = merge::merge(&[other, c.clone()]).map_err(|e| sql_text(e.to_string()))?;
            if !master.conflicts.is_empty() {
                fields.extend(master.conflicts);
                with.push(observer);
            }
        }
        if !fields.is_empty() {
            self.conflicts.push(serde_json::json!({
                "seq": seq,
                "observer": c.observer,
                "form": c.form,
                "version": c.version,
                "station": c.station,
                "schedule": c.schedule.as_str(),
                "fields": fields,
                "with": with,
            }));
        }
        Ok(())
    }

    fn raise(
        self,
        conn: &Connection,
        index: u64,
        station: Option<&str>,
        area: Option<&str>,
    ) -> Check<()> {
        let place = (station.map(str::to_string), area.map(str::to_string));
        self.raise_at(conn, index, [place.clone(), place.clone(), place])
    }

    /// The reports of each kind, in the order `raise_at` takes their places.
    fn kinds(&self) -> [&Vec<serde_json::Value>; 3] {
        [&self.out_of_form, &self.quality, &self.conflicts]
    }

    /// Raises each kind's flag at its place (station, area).
    fn raise_at(
        self,
        conn: &Connection,
        index: u64,
        places: [(Option<String>, Option<String>); 3],
    ) -> Check<()> {
        let all = [
            (
                kind::OUT_OF_FORM,
                self.out_of_form,
                "answers that do not fit the form",
            ),
            (
                kind::QUALITY_CHECK,
                self.quality,
                "answers that fail the form's quality checks",
            ),
            (
                kind::CONFLICT,
                self.conflicts,
                "answers that differ from another observer's at the same station",
            ),
        ];
        for ((kind, reports, what), (station, area)) in all.into_iter().zip(places) {
            if reports.is_empty() {
                continue;
            }
            let message = format!("{} observer report(s) with {what}", reports.len());
            raise(
                conn,
                index,
                Flag {
                    idx: index,
                    kind,
                    station: station.as_deref(),
                    area: area.as_deref(),
                    detail: serde_json::json!({"reports": reports, "message": message}),
                },
            )?;
        }
        Ok(())
    }
}
