//! Ballot accounting for a synthetic poll book's election: each station's official form
//! agrees with its check-ins (issued = check-ins, counted = issued, received = issued +
//! spoiled + unused), except at a few stations where gaps are planted, and one form without
//! the ballot-accounting fields. The truth is kept beside the forms.

use crate::cambodia::CONTEST;
use crate::pollbook::PollBook;
use ledger::event::*;

/// A gap planted on a station's official form: its kind (as `review::reconcile` names it)
/// and its size.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Planted {
    pub station: String,
    pub kind: &'static str,
    pub size: i64,
}

/// The official forms and what was planted in them.
pub struct Accounts {
    /// The clerk's batch of every station's official form.
    pub forms: Vec<Vec<u8>>,
    pub planted: Vec<Planted>,
    /// Stations whose form has no ballot-accounting fields.
    pub without_accounting: Vec<String>,
}

/// The official forms of `book`'s election (at least ten stations), with gaps planted at its
/// second, fourth, sixth and eighth stations, and no accounting at its tenth.
pub fn accounts(book: &PollBook) -> Accounts {
    let stations = &book.election.stations;
    assert!(
        stations.len() >= 10,
        "plant in an election of 10 stations or more"
    );
    let mut planted = Vec::new();
    let mut without_accounting = Vec::new();
    let mut events = Vec::new();
    for (i, s) in stations.iter().enumerate() {
        let checkins = book.truth.checkins.get(&s.code).copied().unwrap_or(0);
        let mut issued = checkins;
        let mut counted = checkins;
        let spoiled = 2;
        let received = checkins + spoiled + 10 + u64::from(s.registered) / 50;
        let mut unused = received - issued - spoiled;
        let mut plant = |kind, size| {
            planted.push(Planted {
                station: s.code.clone(),
                kind,
                size,
            })
        };
        match i {
            // Five ballots of the station's stock not accounted for.
            1 => {
                unused -= 5;
                plant("unaccounted_ballots", 5);
            }
            // Seven more ballots handed out than voters checked in, the stock balanced.
            3 => {
                issued += 7;
                counted += 7;
                unused -= 7;
                plant("issued_vs_checkins", 7);
            }
            // Four ballots in the box that were never issued.
            5 => {
                counted += 4;
                plant("counted_vs_issued", 4);
            }
            // Three check-ins without a ballot on the form, whose box holds them anyway.
            7 => {
                issued -= 3;
                unused += 3;
                plant("issued_vs_checkins", -3);
                plant("counted_vs_issued", 3);
            }
            9 => without_accounting.push(s.code.clone()),
            _ => {}
        }
        let invalid = counted / 40;
        let valid = counted - invalid;
        let accounting = i != 9;
        events.push(Event::ResultForm(ResultForm {
            ballots_issued: accounting.then_some(issued),
            ballots_received: accounting.then_some(received),
            contest: CONTEST.into(),
            invalid,
            photos: vec![],
            registered: Some(u64::from(s.registered)),
            source: "official".into(),
            spoiled: accounting.then_some(spoiled),
            station: s.code.clone(),
            time: None,
            unused: accounting.then_some(unused),
            valid,
            votes: [("CPP", valid - valid / 2), ("CNRP", valid / 2)]
                .into_iter()
                .map(|(p, v)| (p.to_string(), v))
                .collect(),
        }));
    }
    planted.sort();
    Accounts {
        forms: build_batch(
            &book.election.keys.clerk,
            Content::ResultForms,
            events,
            None,
        ),
        planted,
        without_accounting,
    }
}
