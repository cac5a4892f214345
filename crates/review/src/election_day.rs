//! Election day station by station and area by area, for the public site: each station's
//! check-ins and turnout, its temporary cards without a document and their share of its
//! turnout, the poll book's alerts that name it (as the station of the check-in or of the
//! earlier one, never the voter), its ballot reconciliation gaps, observers' checklists,
//! incidents and merged records, and the complaints about it; and for every area (and the
//! whole election) the counts of what lies below it, so that a reader sees where to look.
//!
//! Everything is read once from the other reviews ([`crate::pollbook`], [`crate::reconcile`],
//! [`crate::observer`]'s record, [`crate::complaints`], the public flags) and grouped here;
//! nothing is computed that those do not already say, except sums and shares.

use std::collections::{BTreeMap, HashMap};

use ledger::report::ComplaintRecord;
use ledger::report::observer::{MergedRecord, RecordedReport, Report};
use ledger::report::pollbook::CheckinAlert;
use serde::Serialize;

use crate::error::state;
use crate::observer::{ChecklistCount, IncidentCount, SmsCounts};
use crate::pollbook::PollBook;
use crate::reconcile::Gap;
use crate::scope::Geography;
use crate::{Result, Review};

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// What lies below an area (or at a station): the counts a reader scans to see where to look.
/// A count of zero is left out of the JSON (there is one of these per station and area).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Public flags about it (at its stations, or about the area itself).
    #[serde(skip_serializing_if = "is_zero")]
    pub flags: u64,
    /// Poll-book alerts raised at its stations.
    #[serde(skip_serializing_if = "is_zero")]
    pub alerts: u64,
    /// Ballot reconciliation gaps, and the stations with at least one.
    #[serde(skip_serializing_if = "is_zero")]
    pub gaps: u64,
    #[serde(skip_serializing_if = "is_zero")]
    pub stations_with_gaps: u64,
    #[serde(skip_serializing_if = "is_zero")]
    pub checklists: u64,
    #[serde(skip_serializing_if = "is_zero")]
    pub incidents: u64,
    /// Fields on which observers of one organisation disagree, over its merged records.
    #[serde(skip_serializing_if = "is_zero")]
    pub conflicts: u64,
    #[serde(skip_serializing_if = "is_zero")]
    pub complaints: u64,
    /// Not yet upheld or dismissed; and of those, waiting past a deadline by witness time.
    #[serde(skip_serializing_if = "is_zero")]
    pub complaints_open: u64,
    #[serde(skip_serializing_if = "is_zero")]
    pub complaints_overdue: u64,
    #[serde(skip_serializing_if = "is_zero")]
    pub checkins: u64,
    /// Check-ins with a temporary card issued without an identity document.
    #[serde(skip_serializing_if = "is_zero")]
    pub cards_without_document: u64,
}

impl Counts {
    fn add(&mut self, o: &Counts) {
        self.flags += o.flags;
        self.alerts += o.alerts;
        self.gaps += o.gaps;
        self.stations_with_gaps += o.stations_with_gaps;
        self.checklists += o.checklists;
        self.incidents += o.incidents;
        self.conflicts += o.conflicts;
        self.complaints += o.complaints;
        self.complaints_open += o.complaints_open;
        self.complaints_overdue += o.complaints_overdue;
        self.checkins += o.checkins;
        self.cards_without_document += o.cards_without_document;
    }

    fn complaint(&mut self, c: &Complaint) {
        self.complaints += 1;
        self.complaints_open += u64::from(!c.record.decided());
        self.complaints_overdue += u64::from(c.overdue);
    }
}

/// A complaint with whether it is overdue now (waiting past a deadline by witness time).
#[derive(Debug, Clone, Serialize)]
pub struct Complaint {
    #[serde(flatten)]
    pub record: ComplaintRecord,
    pub overdue: bool,
}

/// An observer's answer in the words of the form it was filed on: "Ballot box sealed: Yes".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Answer {
    pub tag: String,
    pub en: String,
    /// Khmer, where the form gives it (its English otherwise).
    pub km: String,
}

/// A checklist as recorded, with its answers in the form's words.
#[derive(Debug, Clone, Serialize)]
pub struct ChecklistDay {
    #[serde(flatten)]
    pub recorded: RecordedReport,
    pub answers: Vec<Answer>,
}

/// `answers` as `form` words them; a tag or option the form does not define (an answer out
/// of form) is shown as it was sent.
pub fn answer_words(
    form: Option<&observer::Form>,
    answers: &observer::report::Answers,
) -> Vec<Answer> {
    use observer::report::Value;
    let pick = |en: &str, km: &str| {
        let km = if km.trim().is_empty() { en } else { km };
        (en.to_string(), km.to_string())
    };
    answers
        .iter()
        .map(|(tag, value)| {
            let field = form.and_then(|f| f.field(tag));
            let (label_en, label_km) = field.map_or((tag.clone(), tag.clone()), |f| {
                pick(&f.label.en, &f.label.km)
            });
            let option = |n: &u32| {
                field
                    .and_then(|f| f.options.iter().find(|o| o.value == *n))
                    .map_or((n.to_string(), n.to_string()), |o| pick(&o.en, &o.km))
            };
            let (en, km) = match value {
                Value::Integer(n) => (n.to_string(), n.to_string()),
                Value::Select(n) => option(n),
                Value::Multiselect(list) => {
                    let (en, km): (Vec<String>, Vec<String>) = list.iter().map(option).unzip();
                    (en.join(", "), km.join(", "))
                }
                Value::Text(t) | Value::Photo(t) => (t.clone(), t.clone()),
            };
            Answer {
                tag: tag.clone(),
                en: format!("{label_en}: {en}"),
                km: format!("{label_km}: {km}"),
            }
        })
        .collect()
}

/// One station's election day; what it lacks is left out of the JSON.
#[derive(Debug, Clone, Default, Serialize)]
pub struct StationDay {
    pub registered: Option<u64>,
    /// Check-ins with a temporary card (its check-ins, and those on a card without a
    /// document, are in `counts`).
    #[serde(skip_serializing_if = "is_zero")]
    pub cards: u64,
    /// Check-ins over registered voters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub turnout: Option<f64>,
    /// Check-ins on a card issued without an identity document, over all its check-ins.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cards_share: Option<f64>,
    /// Alerts raised here, or naming this station as the earlier check-in's or the other.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub alerts: Vec<CheckinAlert>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub gaps: Vec<Gap>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub checklists: Vec<ChecklistDay>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub incidents: Vec<RecordedReport>,
    /// Merged records of two or more observers here, with their conflicting fields.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub merged: Vec<MergedRecord>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub complaints: Vec<Complaint>,
    pub counts: Counts,
}

/// Election day everywhere.
#[derive(Debug, Clone, Serialize)]
pub struct ElectionDay {
    /// The whole election's counts.
    pub total: Counts,
    /// Each area's counts (every level), by area code (the site writes them on each area's
    /// page, not here).
    #[serde(skip)]
    pub areas: BTreeMap<String, Counts>,
    /// Each station's day, by station code.
    #[serde(skip)]
    pub stations: HashMap<String, StationDay>,
    /// Alerts by kind; cards per officer and per commune.
    pub alert_counts: BTreeMap<String, u64>,
    pub cards_by_officer: Vec<ledger::report::pollbook::CardCount>,
    pub cards_by_commune: Vec<ledger::report::pollbook::CardCount>,
    /// Reconciliation: forms reconciled, gaps by kind, every gap, forms lacking the
    /// ballot-accounting fields and stations without an official form.
    pub reconciled_forms: u64,
    pub gaps_by_kind: BTreeMap<&'static str, u64>,
    pub gaps: Vec<Gap>,
    pub without_accounting: Vec<String>,
    pub without_form: u64,
    /// Every complaint, in log order, with whether it is overdue.
    pub complaints: Vec<Complaint>,
    pub complaints_by_status: BTreeMap<String, u64>,
    /// Observers: checklists per form and point of the day, incidents by category and
    /// severity, SMS counts, and the merged records whose observers disagree.
    pub checklists: Vec<ChecklistCount>,
    pub incidents: Vec<IncidentCount>,
    pub sms: SmsCounts,
    pub conflicts: Vec<MergedRecord>,
}

impl ElectionDay {
    /// Reads election day from every review of it.
    pub fn read(review: &Review) -> Result<ElectionDay> {
        let conn = review.conn();
        let geo = Geography::read(conn, None)?;
        let poll_book = crate::pollbook::poll_book(review)?;
        let reconciliation = crate::reconcile::reconcile(review, None)?;
        let complaints = crate::complaints::complaints(review, None, false)?;
        let observers = crate::observer::observers(review)?;
        let reports = state(ledger::report::observer::reports(conn))?;
        let flags = state(ledger::report::flags(
            conn,
            &ledger::report::FlagFilter::default(),
        ))?;
        let PollBook {
            counts: alert_counts,
            alerts,
            stations: checkins,
            cards_by_officer,
            cards_by_commune,
        } = poll_book;

        let mut stations: HashMap<String, StationDay> = geo
            .stations
            .iter()
            .map(|s| {
                let day = StationDay {
                    registered: s.registered,
                    ..StationDay::default()
                };
                (s.code.clone(), day)
            })
            .collect();
        // Counts of what is about an area itself (a complaint or flag with no station).
        let mut about_area: HashMap<String, Counts> = HashMap::new();
        for c in checkins {
            if let Some(d) = stations.get_mut(&c.station) {
                d.counts.checkins = c.checkins;
                d.counts.cards_without_document = c.cards_without_document;
                d.turnout = d
                    .registered
                    .filter(|r| *r > 0)
                    .map(|r| c.checkins as f64 / r as f64);
                d.cards_share =
                    (c.checkins > 0).then(|| c.cards_without_document as f64 / c.checkins as f64);
                d.cards = c.cards;
            }
        }
        for a in alerts {
            if let Some(d) = stations.get_mut(&a.station) {
                d.counts.alerts += 1;
            }
            // Shown at every station it names, counted once, where it was raised.
            let mut named = vec![a.station.clone()];
            named.extend(a.earlier.as_ref().map(|e| e.station.clone()));
            named.extend(a.other_station.clone());
            named.sort();
            named.dedup();
            for s in named {
                if let Some(d) = stations.get_mut(&s) {
                    d.alerts.push(a.clone());
                }
            }
        }
        for g in &reconciliation.gaps {
            if let Some(d) = stations.get_mut(&g.station) {
                d.counts.gaps += 1;
                d.counts.stations_with_gaps = 1;
                d.gaps.push(g.clone());
            }
        }
        // Each form version's definition, parsed once, for the answers' words.
        let mut forms: HashMap<(String, String, u32), Option<observer::Form>> = HashMap::new();
        for r in reports {
            let station = match &r.report {
                Report::Checklist(c) => Some(c.station.clone()),
                Report::Incident(i) => i.station.clone(),
            };
            let Some(d) = station.and_then(|s| stations.get_mut(&s)) else {
                continue;
            };
            match &r.report {
                Report::Checklist(c) => {
                    let key = (r.organisation.clone(), c.form.clone(), c.version);
                    if !forms.contains_key(&key) {
                        let parsed = state(ledger::report::observer::form_definition(
                            conn, &key.0, &key.1, key.2,
                        ))?
                        .and_then(|(file, text)| observer::Forms::parse(&text, &file).ok())
                        .and_then(|f| f.get(&c.form).cloned());
                        forms.insert(key.clone(), parsed);
                    }
                    let answers = answer_words(forms[&key].as_ref(), &c.answers);
                    d.counts.checklists += 1;
                    d.checklists.push(ChecklistDay {
                        recorded: r,
                        answers,
                    });
                }
                Report::Incident(_) => {
                    d.counts.incidents += 1;
                    d.incidents.push(r);
                }
            }
        }
        for m in &observers.merged {
            if let Some(d) = stations.get_mut(&m.master.station) {
                d.counts.conflicts += m.master.conflicts.len() as u64;
                d.merged.push(m.clone());
            }
        }
        let complaints_out: Vec<Complaint> = complaints
            .complaints
            .into_iter()
            .map(|record| Complaint {
                overdue: record.overdue(),
                record,
            })
            .collect();
        for c in &complaints_out {
            match c.record.station.as_ref().and_then(|s| stations.get_mut(s)) {
                Some(d) => {
                    d.counts.complaint(c);
                    d.complaints.push(c.clone());
                }
                None => about_area
                    .entry(c.record.area.clone())
                    .or_default()
                    .complaint(c),
            }
        }
        // Flags about no place (the whole election) count in the total only; one about
        // several stations (a gateway's SMS entry) once at each, and once in each area above
        // any of them (below, after the sums).
        let mut unplaced = Counts::default();
        let mut spread: Vec<Vec<String>> = Vec::new();
        for f in &flags {
            let mut at = f.stations();
            at.retain(|s| stations.contains_key(s));
            match at.len() {
                1 => {
                    if let Some(d) = stations.get_mut(&at[0]) {
                        d.counts.flags += 1;
                    }
                }
                0 => match &f.area {
                    Some(a) => about_area.entry(a.clone()).or_default().flags += 1,
                    None => unplaced.flags += 1,
                },
                _ => spread.push(at),
            }
        }

        // Sums over the stations under each area, and what is about an area itself, added to
        // it and every area above it.
        let mut total = unplaced;
        let mut areas: BTreeMap<String, Counts> = BTreeMap::new();
        let mut above: HashMap<&str, &[String]> = HashMap::new();
        for s in &geo.stations {
            let c = &stations[&s.code].counts;
            total.add(c);
            for (i, a) in s.path.iter().enumerate() {
                areas.entry(a.clone()).or_default().add(c);
                above.entry(a.as_str()).or_insert(&s.path[..i]);
            }
        }
        for (area, c) in &about_area {
            total.add(c);
            let chain = above.get(area.as_str()).copied().unwrap_or(&[]);
            for a in chain.iter().chain(std::iter::once(area)) {
                areas.entry(a.clone()).or_default().add(c);
            }
        }
        let path: HashMap<&str, &[String]> = geo
            .stations
            .iter()
            .map(|s| (s.code.as_str(), s.path.as_slice()))
            .collect();
        for at in &spread {
            total.flags += 1;
            let mut above: Vec<&String> = at
                .iter()
                .filter_map(|s| path.get(s.as_str()))
                .flat_map(|p| p.iter())
                .collect();
            above.sort();
            above.dedup();
            for a in above {
                areas.entry(a.clone()).or_default().flags += 1;
            }
            for s in at {
                if let Some(d) = stations.get_mut(s) {
                    d.counts.flags += 1;
                }
            }
        }
        let mut gaps_by_kind = BTreeMap::new();
        for g in &reconciliation.gaps {
            *gaps_by_kind.entry(g.kind).or_insert(0) += 1;
        }
        Ok(ElectionDay {
            total,
            areas,
            stations,
            alert_counts,
            cards_by_officer,
            cards_by_commune,
            reconciled_forms: reconciliation.forms,
            gaps_by_kind,
            gaps: reconciliation.gaps,
            without_accounting: reconciliation.without_accounting,
            without_form: reconciliation.without_form.len() as u64,
            complaints: complaints_out,
            complaints_by_status: complaints.by_status,
            checklists: observers.checklists,
            incidents: observers.incidents,
            sms: observers.sms,
            conflicts: observers
                .merged
                .into_iter()
                .filter(|m| !m.master.conflicts.is_empty())
                .collect(),
        })
    }

    /// One station's day (an empty one for a station not in effect).
    pub fn station(&self, code: &str) -> StationDay {
        self.stations.get(code).cloned().unwrap_or_default()
    }

    /// An area's counts (zero for an area with nothing below it).
    pub fn area(&self, code: &str) -> Counts {
        self.areas.get(code).cloned().unwrap_or_default()
    }
}
