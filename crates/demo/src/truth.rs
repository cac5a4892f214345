//! What the demo plants, and the truth file that lists it: every irregularity a review of the
//! record should find (as a finding's kind and subject, the words of the `report` crate), and
//! the second registrations, which deduplication on the public fields can only point to.

use std::collections::BTreeSet;

use ledger::event::{
    Action, CardBasis, Content, Entry, Event, Proposal, ResultForm, TemporaryCard, build_batch,
};
use serde::Serialize;
use synthetic::Cambodia2013;
use synthetic::pollbook::PollBook;

/// One planted irregularity, as the report should list it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Irregularity {
    /// The report's finding kind.
    pub kind: String,
    /// The report's finding subject: a station, a station and check-in, a commune.
    pub subject: String,
    /// What was planted, in words.
    pub planted: String,
    /// The log entries of what was planted, where the demo recorded them itself.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub entries: Vec<u64>,
}

/// A planted second registration: the voter id, and the person's first registration.
#[derive(Debug, Clone, Serialize)]
pub struct SecondRegistration {
    pub voter: String,
    pub first: String,
}

/// The truth file (`truth.json` beside the demo's output).
#[derive(Debug, Clone, Serialize)]
pub struct Truth {
    pub scale: String,
    pub seed: u64,
    /// Every irregularity the report must list as a finding, and nothing else.
    pub findings: Vec<Irregularity>,
    /// Leads, not findings: the report says how many pairs deduplication found.
    pub second_registrations: Vec<SecondRegistration>,
    pub notes: Vec<String>,
}

impl Truth {
    /// The findings as (kind, subject) pairs.
    pub fn expected(&self) -> BTreeSet<(String, String)> {
        self.findings
            .iter()
            .map(|f| (f.kind.clone(), f.subject.clone()))
            .collect()
    }
}

/// The official forms and what is planted in them.
pub struct OfficialForms {
    /// The clerk's batch.
    pub batch: Vec<Vec<u8>>,
    /// The station whose valid ballots are written 30 short of its votes
    /// (`votes_not_valid`; amended later), and the form the amendment files.
    pub short: usize,
    pub corrected: ResultForm,
    /// The station whose ballots issued are written 25 short of those counted
    /// (`counted_over_issued`; left as filed): a reconciliation gap of every kind too.
    pub over: usize,
    /// Five ballots of the stock not accounted for (`unaccounted_ballots`).
    pub unaccounted: usize,
    /// Seven ballots issued above the check-ins, seven fewer unused, and the count seven
    /// short of the ballots issued: ballots handed out that never reached the box.
    pub missing: usize,
}

/// The official forms, whose ballot accounting agrees with the poll book (`PollBook::
/// matching_forms`) except where planted: two forms do not add up, and two more have gaps
/// that only reconciliation shows.
pub fn official_forms(e: &Cambodia2013) -> OfficialForms {
    let n = e.stations.len();
    let mut taken = Vec::new();
    let mut pick = |from: usize, votes: u64| {
        let i = (0..n)
            .map(|k| (from + k) % n)
            .find(|&i| {
                !taken.contains(&i)
                    && !e.stations[i].manipulated()
                    && e.stations[i].votes.iter().sum::<u64>() > votes
            })
            .expect("a station with votes");
        taken.push(i);
        i
    };
    let short = pick(n / 3, 60);
    let over = pick(2 * n / 3, 60);
    let unaccounted = pick(n / 6, 20);
    let missing = pick(n / 2, 20);
    let mut corrected = None;
    let events = e
        .stations
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut form = e.form(s, "official", &s.official);
            if let Event::ResultForm(f) = &mut form {
                if i == short {
                    corrected = Some(f.clone());
                    f.valid -= 30;
                } else if i == over {
                    f.ballots_issued = f.ballots_issued.map(|b| b - 25);
                } else if i == unaccounted {
                    f.unused = f.unused.map(|u| u - 5);
                } else if i == missing {
                    f.ballots_issued = f.ballots_issued.map(|b| b + 7);
                    f.unused = f.unused.map(|u| u - 7);
                }
            }
            form
        })
        .collect();
    OfficialForms {
        batch: build_batch(&e.keys.clerk, Content::ResultForms, events, None),
        short,
        corrected: corrected.expect("the short station's form"),
        over,
        unaccounted,
        missing,
    }
}

/// The clerk's proposal to amend the short station's official form.
pub fn amendment(e: &Cambodia2013, corrected: ResultForm) -> Vec<u8> {
    let m = &e.keys.members;
    Entry::signed(
        Event::Proposal(Proposal {
            action: Action::AmendForm(corrected),
            asked: vec![m[0].name().into(), m[4].name().into()],
            reason: "the count sheet shows 30 more valid ballots than the form as filed".into(),
        }),
        &e.keys.clerk,
    )
    .to_bytes()
}

/// Cards issued without an identity document per commune where they concentrate.
pub const CARDS_PER_COMMUNE: u64 = 26;

/// The communes where the second registration officer issues cards without an identity
/// document, on two witnesses' word or another basis: the two where the CPP polled best.
pub fn card_communes(e: &Cambodia2013) -> Vec<String> {
    e.communes_by_share(0).into_iter().take(2).collect()
}

/// The concentrated cards: [`CARDS_PER_COMMUNE`] in each of [`card_communes`], spread over
/// the commune's stations, thirteen a day (under the officer's threshold of twenty), a month
/// before election day; as one signed batch of the second registration officer.
pub fn concentrated_cards(book: &PollBook) -> Vec<Vec<u8>> {
    let e = &book.election;
    let mut events = Vec::new();
    for (c, commune) in card_communes(e).iter().enumerate() {
        let stations: Vec<&str> = e
            .stations
            .iter()
            .filter(|s| &s.commune == commune)
            .map(|s| s.code.as_str())
            .collect();
        for k in 0..CARDS_PER_COMMUNE {
            let number = format!("TC3-{c}{k:04}");
            let mut salt = [0u8; 32];
            salt[..number.len()].copy_from_slice(number.as_bytes());
            let fields = [("registrant".to_string(), number.clone())].into();
            let day = 30 + 2 * c as u64 + k / 13;
            events.push(Event::TemporaryCard(TemporaryCard {
                at: synthetic::pollbook::ELECTION_DAY - 86_400 * day + 9 * 3_600 + k * 60,
                basis: if k % 3 == 0 {
                    CardBasis::Other
                } else {
                    CardBasis::TwoWitnesses
                },
                card: number,
                evidence: ledger::event::hex(&salt),
                registrant: Some(ledger::event::commitment(&salt, &fields)),
                station: stations[k as usize % stations.len()].to_string(),
                voter: None,
            }));
        }
    }
    build_batch(&book.officer2, Content::TemporaryCards, events, None)
}

/// Everything planted, as the truth file lists it.
/// What the demo planted on election day beyond the poll book and the official forms.
pub struct Day<'a> {
    pub observed: &'a crate::day::Observed,
    pub complaints: &'a crate::day::Complaints,
}

pub fn truth(
    book: &PollBook,
    scale: &str,
    seed: u64,
    forms: &OfficialForms,
    day: &Day,
    wave: &BTreeSet<String>,
    second: Vec<SecondRegistration>,
) -> Truth {
    let e = &book.election;
    let mut findings = Vec::new();
    let mut add_at = |kind: &str, subject: String, planted: String, entries: Vec<u64>| {
        findings.push(Irregularity {
            kind: kind.into(),
            subject,
            planted,
            entries,
        })
    };
    let (short, over) = (&e.stations[forms.short].code, &e.stations[forms.over].code);
    for (kind, size) in [
        ("unaccounted_ballots", 25),
        ("issued_vs_checkins", -25),
        ("counted_vs_issued", 25),
    ] {
        add_at(
            kind,
            over.clone(),
            format!(
                "the same form's ballots issued, 25 short, leave a gap of {size:+} in its \
                 ballot accounting"
            ),
            vec![],
        );
    }
    add_at(
        "unaccounted_ballots",
        e.stations[forms.unaccounted].code.clone(),
        "five ballots of the station's stock missing from its official form (unused 5 short)"
            .into(),
        vec![],
    );
    for (kind, size) in [("issued_vs_checkins", "+7"), ("counted_vs_issued", "-7")] {
        add_at(
            kind,
            e.stations[forms.missing].code.clone(),
            format!(
                "seven ballots issued above the voters checked in, which never reached the box \
                 (gap {size})"
            ),
            vec![],
        );
    }
    let o = &day.observed;
    for (station, tags) in &o.observers.truth.conflicts {
        add_at(
            "observer_conflict",
            station.clone(),
            format!("COMFREL's two observers disagree on {}", tags.join(", ")),
            vec![],
        );
    }
    for station in o
        .observers
        .truth
        .out_of_form
        .iter()
        .collect::<BTreeSet<_>>()
    {
        add_at(
            "observer_out_of_form",
            station.clone(),
            "both observers report 12 polling officials, where the form allows at most 9".into(),
            vec![],
        );
    }
    for (station, at) in o.quality.iter().zip(&o.quality_entries) {
        add_at(
            "observer_quality_check",
            station.clone(),
            "an observer reports two polling officials; the form's check wants three".into(),
            vec![*at],
        );
    }
    add_at(
        "observer_quality_check",
        o.sms_quality.clone(),
        "an observer's SMS reports two polling officials; the form's check wants three".into(),
        vec![o.sms_quality_entry],
    );
    add_at(
        "sms_unknown_sender",
        format!("sender {}", &o.stranger[..16]),
        "an SMS from a number no gateway registered".into(),
        vec![o.sms_entry],
    );
    for station in &o.observers.incident_stations() {
        add_at(
            "incident",
            station.clone(),
            "a high-severity incident: ink washed off with lime juice".into(),
            vec![],
        );
    }
    add_at(
        "incident",
        o.kept_out.clone(),
        "a critical incident: observers and agents kept out of the count".into(),
        vec![o.kept_out_entry],
    );
    let c = &day.complaints;
    add_at(
        "complaint_overdue",
        c.overdue.1.clone(),
        "a complaint of intimidation left undecided past its deadlines, by witness time".into(),
        vec![c.overdue.0],
    );
    add_at(
        "decision_without_effect",
        c.overdue.1.clone(),
        "its dismissal approved by one party's members only, so without effect".into(),
        vec![c.without_effect],
    );
    let mut add =
        |kind: &str, subject: String, planted: String| add_at(kind, subject, planted, vec![]);
    add(
        "votes_not_valid",
        short.clone(),
        "the official form's valid ballots written 30 short of its votes".into(),
    );
    add(
        "amended_form",
        short.clone(),
        "that form amended by the commission (clerk's proposal, five members' approvals)".into(),
    );
    add(
        "counted_over_issued",
        over.clone(),
        "the official form's ballots issued written 25 short of those counted".into(),
    );
    for s in e.stations.iter().filter(|s| s.manipulated()) {
        add(
            "copies_differ",
            s.code.clone(),
            "the official form moves a fifth of the CNRP's votes to the CPP; the parties' and \
             observers' copies give the true count"
                .into(),
        );
    }
    for a in &book.truth.alerts {
        let subject = match &a.checkin {
            Some(c) => format!("{} {c}", a.station),
            None => a.station.clone(),
        };
        add(
            a.kind,
            subject,
            match &a.earlier {
                Some((station, id)) => format!("repeats check-in {id} at {station}"),
                None => "planted in the poll book (synthetic::pollbook)".into(),
            },
        );
    }
    for c in card_communes(e) {
        add(
            "cards_without_document",
            c,
            format!(
                "{CARDS_PER_COMMUNE} temporary cards issued without an identity document by the \
                 second registration officer, in a commune where the CPP polled best"
            ),
        );
    }
    for c in wave {
        add(
            "removal_wave",
            c.clone(),
            "one voter in eight removed as no longer resident, in a commune where the CNRP \
             polled best"
                .into(),
        );
    }
    findings.sort();
    Truth {
        scale: scale.into(),
        seed,
        findings,
        second_registrations: second,
        notes: vec![
            "Findings: each must be listed by the report (kind and subject), and the report \
             must list nothing else."
                .into(),
            "Second registrations are leads, not findings: on the public fields (birth year, \
             no date) deduplication finds a share of them among namesakes (docs/dedup.md)."
                .into(),
            "Not irregular, also planted: deaths reported everywhere (one voter in a hundred \
             removed by an approved batch), and one party's attempt to remove a voter alone, \
             which never took effect; two complaints decided in time with both parties' \
             approvals (one upheld, one dismissed), and SMS repeats counted once."
                .into(),
            "PVT: nothing is planted that a PVT can see. The official forms differ from the \
             true count only at the stations listed as copies_differ, too few to move a \
             national share beyond sampling error, so the report must find no pvt_outside. \
             Among nine figures, one official share outside its 95% interval happens by chance \
             about a third of the time, which is why only the 99% interval decides."
                .into(),
        ],
    }
}
