//! A registration's family and given names, in Khmer script and romanised, reach the public
//! roll apart; a registration whose names are both empty is refused.

mod common;

use common::*;
use ledger::SubmitError;
use ledger::event::*;
use ledger::report::{RollEntry, each_voter};

fn register(voter: &str, names: Option<VoterNames>) -> Event {
    Event::Register(Register {
        names,
        birth_year: 1975,
        commitment: None,
        name: "សុខ ដារ៉ា".into(),
        sex: Sex::F,
        station: "S-D11".into(),
        voter: voter.into(),
    })
}

fn roll(f: &Fixture) -> Vec<RollEntry> {
    let mut out = Vec::new();
    each_voter::<ledger::report::Error>(f.election.conn(), |v| {
        out.push(v);
        Ok(())
    })
    .unwrap();
    out
}

#[test]
fn names_in_both_scripts_reach_the_public_roll_apart() {
    let mut f = Fixture::new();
    let officer = f.officer.clone();
    let names = VoterNames {
        family: "សុខ".into(),
        family_latin: Some("Sok".into()),
        given: "ដារ៉ា".into(),
        given_latin: Some("Dara".into()),
    };
    f.sign(&officer, register("K1", Some(names.clone())))
        .unwrap();
    let all = roll(&f);
    assert_eq!(all.len(), 11);
    let k1 = all.iter().find(|v| v.voter == "K1").unwrap();
    assert_eq!(k1.names.as_ref(), Some(&names));
    assert_eq!(k1.station, "S-D11");
    // The fixture's voters have no names apart.
    assert!(
        all.iter()
            .filter(|v| v.voter != "K1")
            .all(|v| v.names.is_none())
    );

    // An update replaces the four parts at once.
    let fixed = VoterNames {
        given_latin: Some("Dareth".into()),
        ..names
    };
    f.sign(
        &officer,
        Event::UpdateVoter(UpdateVoter {
            names: Some(fixed.clone()),
            birth_year: None,
            commitment: None,
            name: None,
            sex: None,
            voter: "K1".into(),
        }),
    )
    .unwrap();
    let all = roll(&f);
    let k1 = all.iter().find(|v| v.voter == "K1").unwrap();
    assert_eq!(k1.names.as_ref(), Some(&fixed));
    let (replayed, operator, refusals) = f.replay();
    assert_eq!((replayed, refusals), (operator, 0));
}

#[test]
fn a_registration_whose_names_are_both_empty_is_refused() {
    let mut f = Fixture::new();
    let officer = f.officer.clone();
    let empty = VoterNames {
        family: " ".into(),
        family_latin: Some("Sok".into()),
        given: "".into(),
        given_latin: None,
    };
    match f.sign(&officer, register("K2", Some(empty))) {
        Err(SubmitError::Refused { refusal, .. }) => {
            assert_eq!(refusal.path, "body.names");
            assert!(refusal.message.contains("empty"), "{}", refusal.message);
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}
