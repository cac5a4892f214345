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

/// The official forms, two of which do not add up: at one station the valid ballots written
/// are 30 short of the votes (`votes_not_valid`; amended later), at another the ballots
/// issued are 25 short of those counted (`counted_over_issued`; left as filed). Returns the
/// batch, the two stations' indexes, and the form the amendment files.
pub fn official_forms(e: &Cambodia2013) -> (Vec<Vec<u8>>, usize, usize, ResultForm) {
    let n = e.stations.len();
    let pick = |from: usize| {
        (from..n)
            .chain(0..from)
            .find(|&i| !e.stations[i].manipulated() && e.stations[i].votes.iter().sum::<u64>() > 60)
            .expect("a station with votes")
    };
    let short = pick(n / 3);
    let over = (0..n)
        .map(|k| (2 * n / 3 + k) % n)
        .find(|&i| i != short && !e.stations[i].manipulated() && e.stations[i].cast > 60)
        .expect("a second station with votes");
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
                }
            }
            form
        })
        .collect();
    let batch = ledger::event::build_batch(
        &e.keys.clerk,
        ledger::event::Content::ResultForms,
        events,
        None,
    );
    (
        batch,
        short,
        over,
        corrected.expect("the short station's form"),
    )
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
pub fn truth(
    book: &PollBook,
    scale: &str,
    seed: u64,
    forms: (usize, usize),
    wave: &BTreeSet<String>,
    second: Vec<SecondRegistration>,
) -> Truth {
    let e = &book.election;
    let mut findings = Vec::new();
    let mut add = |kind: &str, subject: String, planted: String| {
        findings.push(Irregularity {
            kind: kind.into(),
            subject,
            planted,
        })
    };
    let (short, over) = (&e.stations[forms.0].code, &e.stations[forms.1].code);
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
             which never took effect."
                .into(),
        ],
    }
}
