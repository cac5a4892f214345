//! Synthetic observers for [`Cambodia2013`]: the observer group COMFREL records the
//! repository's form definition (`forms/cambodia-observer.toml`, compiled in), two of its
//! observers at each of the first stations file opening checklists, one signed and the other
//! signed or sent by SMS in turn, and some stations see an incident. Planted, with the truth
//! beside them:
//!
//! - at every third station the second observer disagrees on one or two fields: exactly those
//!   fields are flagged `observer_conflict` and are the merged record's conflicts;
//! - at every fifth station the first observer reports 12 officials (the form's maximum is 9):
//!   recorded and flagged `observer_out_of_form`;
//! - the SMS: each accepted message is sent again ten minutes later (a repeat, counted once),
//!   one message is malformed (refused, with its reply), and one comes from a number the
//!   gateway never registered (`sms_unknown_sender`).
//!
//! The log it writes after [`Cambodia2013`]'s genesis and stations, as submissions in order:
//! the enrolments (by the clerk), the definition (by the first observer), the gateway's
//! registrations of its observers' numbers, each observer's signed reports, and the gateway's
//! messages in one entry.

use crate::Rng;
use crate::cambodia::Cambodia2013;
use ledger::event::*;
use observer::report::{Answers, Severity, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use tlog::note::{PrivateKey, TYPE_ED25519};

/// The observer group's definition file.
pub const FORMS: &str = include_str!("../../../forms/cambodia-observer.toml");
pub const ORGANISATION: &str = "COMFREL";
/// 28 July 2013, 07:00 in Phnom Penh (00:00 UTC), when the stations opened.
pub const OPENING: u64 = 1_374_969_600;

/// What the observers' record must show.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Truth {
    /// Station → the tags on which its two observers disagree.
    pub conflicts: BTreeMap<String, Vec<String>>,
    /// The station of each checklist that does not fit the form.
    pub out_of_form: Vec<String>,
    /// SMS: received, counted as checklists, refused, repeats, from unregistered numbers.
    pub sms: [u64; 5],
}

/// One observer's opening checklist.
struct Checklist {
    station: String,
    observer: usize,
    answers: Answers,
    by_sms: bool,
}

/// The observer group's record for the first `stations` stations.
pub struct Observers {
    pub observers: Vec<PrivateKey>,
    pub gateway: PrivateKey,
    checklists: Vec<Checklist>,
    incidents: Vec<(usize, String)>,
    pub truth: Truth,
}

fn key(seed: u64, name: &str) -> PrivateKey {
    let mut h = Sha256::new();
    h.update(seed.to_be_bytes());
    h.update(name.as_bytes());
    PrivateKey::from_seed(name, TYPE_ED25519, h.finalize().into()).expect("valid names")
}

/// The HMAC of observer `i`'s number, as the gateway computes it (here: derived from `i`).
pub fn phone(i: usize) -> String {
    hex(&Sha256::digest(format!("phone {i}").as_bytes()))
}

fn clean() -> Answers {
    [
        ("AA", Value::Integer(5)),
        ("AB", Value::Select(2)),
        ("AC", Value::Select(1)),
        ("AD", Value::Select(1)),
        ("AE", Value::Integer(2)),
        ("AF", Value::Multiselect(vec![1, 2])),
    ]
    .into_iter()
    .map(|(t, v)| (t.to_string(), v))
    .collect()
}

impl Observers {
    /// At least two stations, so that one observer reports by SMS.
    pub fn new(election: &Cambodia2013, seed: u64, stations: usize) -> Observers {
        let mut rng = Rng::new(seed ^ 0x0b5e);
        let stations: Vec<&str> = election
            .stations
            .iter()
            .take(stations)
            .map(|s| s.code.as_str())
            .collect();
        let observers = (0..2 * stations.len())
            .map(|i| key(seed, &format!("observers.comfrel.{i}")))
            .collect();
        let mut truth = Truth::default();
        let mut checklists = Vec::new();
        let mut incidents = Vec::new();
        for (s, &code) in stations.iter().enumerate() {
            let mut first = clean();
            if s % 5 == 0 {
                // Both observers: one flag each.
                first.insert("AA".into(), Value::Integer(12));
                truth
                    .out_of_form
                    .extend([code.to_string(), code.to_string()]);
            }
            let mut second = clean();
            second.insert("AA".into(), first["AA"].clone());
            if s % 3 == 0 {
                let mut tags = vec!["AB".to_string()];
                second.insert("AB".into(), Value::Select(3));
                if rng.below(2) == 1 {
                    second.insert("AE".into(), Value::Integer(4));
                    tags.push("AE".into());
                }
                truth.conflicts.insert(code.to_string(), tags);
            }
            // Out-of-form answers cannot come by SMS: the gateway's reply refuses them.
            let by_sms = s % 2 == 1 && s % 5 != 0;
            checklists.push(Checklist {
                station: code.into(),
                observer: 2 * s,
                answers: first,
                by_sms: false,
            });
            checklists.push(Checklist {
                station: code.into(),
                observer: 2 * s + 1,
                answers: second,
                by_sms,
            });
            if s % 4 == 2 {
                incidents.push((2 * s, code.to_string()));
            }
        }
        let sent = checklists.iter().filter(|c| c.by_sms).count() as u64;
        // Each message twice, a malformed one and a stranger's.
        truth.sms = [2 * sent + 2, sent, 1, sent, 1];
        Observers {
            observers,
            gateway: key(seed, "observers.comfrel.gateway"),
            checklists,
            incidents,
            truth,
        }
    }

    /// The clerk enrols the observers and the gateway.
    pub fn enrolments(&self, election: &Cambodia2013) -> Vec<Vec<u8>> {
        let enrol = |k: &PrivateKey, role| Enrol {
            name: k.name().into(),
            organisation: Some(ORGANISATION.into()),
            party: None,
            person: None,
            role,
            scope: Scope::all(),
            vkey: k.vkey().to_string(),
        };
        self.observers
            .iter()
            .map(|k| enrol(k, Role::Observer))
            .chain([enrol(&self.gateway, Role::SmsGateway)])
            .map(|e| Entry::signed(Event::Enrol(e), &election.keys.clerk).to_bytes())
            .collect()
    }

    /// Everything after the enrolments, as submissions in order.
    pub fn submissions(&self) -> Vec<Vec<Vec<u8>>> {
        let mut out = vec![vec![
            Entry::signed(
                Event::ObserverForms(ObserverForms {
                    file: "cambodia-observer.toml".into(),
                    text: FORMS.into(),
                }),
                &self.observers[0],
            )
            .to_bytes(),
        ]];
        out.push(
            self.checklists
                .iter()
                .filter(|c| c.by_sms)
                .map(|c| {
                    Entry::signed(
                        Event::SmsSender(SmsSender {
                            observer: self.observers[c.observer].name().into(),
                            sender: phone(c.observer),
                            station: c.station.clone(),
                        }),
                        &self.gateway,
                    )
                    .to_bytes()
                })
                .collect(),
        );
        let mut signed = Vec::new();
        for c in self.checklists.iter().filter(|c| !c.by_sms) {
            let event = Event::ObserverChecklist(ObserverChecklist {
                answers: c.answers.clone(),
                at: OPENING + 1800,
                comment: None,
                form: "OPN".into(),
                schedule: observer::form::Schedule::Opening,
                serial: None,
                station: c.station.clone(),
                version: 1,
            });
            signed.push(Entry::signed(event, &self.observers[c.observer]).to_bytes());
        }
        for (o, station) in &self.incidents {
            let event = Event::ObserverIncident(ObserverIncident {
                answers: Answers::new(),
                at: OPENING + 5400,
                category: 3,
                evidence: vec![hex(&Sha256::digest(station.as_bytes()))],
                form: "INC".into(),
                location: None,
                severity: Severity::High,
                station: Some(station.clone()),
                text: "Ink washed off with lime juice".into(),
                version: 1,
            });
            signed.push(Entry::signed(event, &self.observers[*o]).to_bytes());
        }
        out.push(signed);
        let mut messages = Vec::new();
        for (n, c) in self.checklists.iter().filter(|c| c.by_sms).enumerate() {
            let text = format!("OPN {} {}", 100_000 + c.observer, sms_answers(&c.answers));
            let at = OPENING + 1800 + 60 * n as u64;
            for later in [0, 600] {
                messages.push(SmsMessage {
                    received_at: at + later,
                    sender: phone(c.observer),
                    text: text.clone(),
                });
            }
        }
        let sender = self
            .checklists
            .iter()
            .find(|c| c.by_sms)
            .map_or(1, |c| c.observer);
        messages.push(SmsMessage {
            received_at: OPENING + 3600,
            sender: phone(sender),
            text: format!("OPN {} AA5AB2AC1AD1AE2AF12 all fine", 100_000 + sender),
        });
        messages.push(SmsMessage {
            received_at: OPENING + 3660,
            sender: phone(usize::MAX),
            text: "OPN 199999 AA5AB2AC1AD1AE2AF12".into(),
        });
        out.push(vec![
            Entry::signed(
                Event::SmsMessages(SmsMessages {
                    channel: SmsChannel::Unsigned,
                    messages,
                }),
                &self.gateway,
            )
            .to_bytes(),
        ]);
        out
    }
}

impl Observers {
    /// The stations where an incident is reported, in order.
    pub fn incident_stations(&self) -> Vec<String> {
        self.incidents.iter().map(|(_, s)| s.clone()).collect()
    }
}

/// Answers as an SMS codes them: each tag and its digits.
fn sms_answers(a: &Answers) -> String {
    a.iter()
        .map(|(tag, v)| match v {
            Value::Integer(n) | Value::Select(n) => format!("{tag}{n}"),
            Value::Multiselect(o) => {
                format!("{tag}{}", o.iter().map(u32::to_string).collect::<String>())
            }
            Value::Text(_) | Value::Photo(_) => String::new(),
        })
        .collect()
}
