//! The election as `interchange` sees it: what export writes and what a CDF import matches
//! its stations, contests and choices against.

use interchange::tally::{self, Tally};
use ledger::Election;
use ledger::event::ContestKind;

/// The election's geography, contests and result forms in effect, as interchange sees them.
pub fn tally(election: &Election) -> Result<Tally, ledger::report::Error> {
    let conn = election.conn();
    let levels = ledger::report::levels(conn)?;
    let areas = ledger::report::areas(conn)?
        .into_iter()
        .map(|a| tally::Area {
            level: levels.iter().position(|l| *l == a.level).unwrap_or(0),
            code: a.code,
            name: a.name,
            parent: a.parent,
        })
        .collect();
    let stations = ledger::report::stations(conn)?
        .into_iter()
        .map(|s| tally::Station {
            code: s.code,
            name: s.name,
            area: s.area,
            registered: s.registered,
        })
        .collect();
    let parties = ledger::report::parties(conn)?
        .into_iter()
        .map(|p| tally::Party {
            id: p.id,
            name: p.name,
        })
        .collect();
    let contests = ledger::report::contests(conn)?
        .into_iter()
        .map(|c| tally::Contest {
            seats: c.seats.values().map(|s| u64::from(*s)).sum(),
            constituencies: c.seats.keys().cloned().collect(),
            id: c.id,
            name: c.name,
            kind: match c.kind {
                ContestKind::PartyList => tally::ContestKind::PartyList,
                ContestKind::Candidates => tally::ContestKind::Candidates,
            },
            choices: c
                .choices
                .into_iter()
                .map(|ch| tally::Choice {
                    id: ch.id,
                    name: ch.name,
                    party: ch.party,
                })
                .collect(),
        })
        .collect();
    let forms = ledger::report::result_forms(conn)?
        .into_iter()
        .map(|f| tally::Form {
            station: f.station,
            contest: f.contest,
            source: f.source,
            counts: tally::Counts {
                registered: f.registered,
                ballots_received: f.ballots_received,
                ballots_issued: f.ballots_issued,
                spoiled: f.spoiled,
                unused: f.unused,
                valid: f.valid,
                invalid: f.invalid,
                votes: f.votes,
            },
        })
        .collect();
    Ok(Tally {
        election: ledger::report::election_name(conn)?,
        levels,
        areas,
        stations,
        parties,
        contests,
        forms,
        certified: ledger::report::certifications(conn)?,
    })
}
