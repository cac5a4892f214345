//! Result forms that do not add up are recorded and flagged, and an official form is amended
//! by the commission's approval rule, keeping both versions.

mod common;

use common::*;
use ledger::event::*;
use ledger::report::{FlagFilter, flagged_forms, flags, form_history, totals};

fn flag_kinds(conn: &rusqlite::Connection) -> Vec<(u64, String)> {
    flags(conn, &FlagFilter::default())
        .unwrap()
        .into_iter()
        .map(|f| (f.index, f.kind))
        .collect()
}

#[test]
fn a_form_that_does_not_add_up_is_flagged_and_replay_gives_the_same_flag() {
    let mut f = Fixture::new();
    let official = f.official.clone();
    let mut form = result_form("S-D11", "official", 3, 1, 0);
    form.valid = 5;
    let first = f
        .election
        .submit(&[Entry::signed(Event::ResultForm(form), &official).to_bytes()])
        .unwrap()
        .first;
    // In a batch too, and on an area filter that takes in the stations below it.
    let mut batch_form = result_form("S-D21", "official", 2, 2, 0);
    batch_form.ballots_issued = Some(3);
    f.submit(build_batch(
        &official,
        Content::ResultForms,
        vec![
            Event::ResultForm(batch_form),
            Event::ResultForm(result_form("S-D22", "official", 1, 1, 0)),
        ],
        None,
    ))
    .unwrap();
    let conn = f.election.conn();
    let all = flag_kinds(conn);
    assert_eq!(
        all,
        [
            (first, "votes_not_valid".to_string()),
            (first + 2, "counted_over_issued".to_string()),
        ]
    );
    let p1 = flags(
        conn,
        &FlagFilter {
            area: Some("P1"),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(p1.len(), 1);
    assert_eq!(p1[0].station.as_deref(), Some("S-D11"));
    assert_eq!(p1[0].area.as_deref(), Some("D11"));
    assert_eq!(p1[0].detail["votes"], 4);
    assert_eq!(p1[0].detail["valid"], 5);
    let by_kind = flags(
        conn,
        &FlagFilter {
            kind: Some("counted_over_issued"),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(by_kind.len(), 1);
    assert_eq!(by_kind[0].station.as_deref(), Some("S-D21"));
    // The totals count every form and say which are flagged.
    let national = totals(conn, false).unwrap();
    assert_eq!(national[0].forms, 3);
    assert_eq!(national[0].flagged, 2);
    assert_eq!(national[0].flagged_valid, 5 + 4);
    assert_eq!(flagged_forms(conn).unwrap().len(), 2);

    let replayed = f.replayed();
    assert!(replayed.refusals.is_empty(), "{:?}", replayed.refusals);
    assert_eq!(flag_kinds(&replayed.state), all);
    assert_eq!(replayed.digest, f.election.digest().unwrap());
}

#[test]
fn an_amendment_takes_effect_only_with_the_approvals_and_keeps_both_versions() {
    let mut f = Fixture::new();
    let official = f.official.clone();
    let clerk = f.clerk.clone();
    let mut wrong = result_form("S-D11", "official", 3, 1, 0);
    wrong.valid = 5;
    let filed = f
        .election
        .submit(&[Entry::signed(Event::ResultForm(wrong.clone()), &official).to_bytes()])
        .unwrap()
        .first;
    let corrected = result_form("S-D11", "official", 3, 1, 0);
    let proposal = f
        .propose(&clerk, Action::AmendForm(corrected.clone()))
        .unwrap();
    // Four approvals of one party: the rule (five, two parties) is not met.
    assert!(matches!(
        f.approve(&proposal, &[0, 1, 2, 3]),
        ledger::Applied::Approved { .. }
    ));
    let conn = f.election.conn();
    let history = form_history(conn, "S-D11", "assembly", "official").unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].form.valid, 5);
    assert_eq!(flagged_forms(conn).unwrap().len(), 1);

    // A party B member approves: the amendment takes effect.
    assert!(f.approve(&proposal, &[4]).took_effect());
    let conn = f.election.conn();
    let history = form_history(conn, "S-D11", "assembly", "official").unwrap();
    assert_eq!(history.len(), 2, "{history:?}");
    assert_eq!(history[0].version, 1);
    assert_eq!(history[0].index, filed);
    assert_eq!(history[0].form.valid, 5);
    assert_eq!(history[0].flags, ["votes_not_valid"]);
    assert_eq!(history[1].version, 2);
    assert_eq!(history[1].form, corrected);
    assert_eq!(history[1].proposal.as_deref(), Some(proposal.as_str()));
    assert!(history[1].flags.is_empty());
    assert!(history[1].amended_at.unwrap() > history[1].index);
    // The form in effect is the amended one; the first version's flag stays on the record.
    let forms = ledger::report::result_forms(conn).unwrap();
    assert_eq!(forms[0].valid, 4);
    assert!(flagged_forms(conn).unwrap().is_empty());
    assert_eq!(flag_kinds(conn), [(filed, "votes_not_valid".to_string())]);
    assert_eq!(totals(conn, false).unwrap()[0].flagged, 0);

    let (replayed, operator, refused) = f.replay();
    assert_eq!(refused, 0);
    assert_eq!(replayed, operator);
}

#[test]
fn an_amendment_of_a_form_that_is_not_there_or_not_official_is_refused() {
    let mut f = Fixture::new();
    let clerk = f.clerk.clone();
    let err = f
        .propose(
            &clerk,
            Action::AmendForm(result_form("S-D11", "official", 1, 1, 0)),
        )
        .unwrap_err();
    assert!(err.to_string().contains("no official result form"), "{err}");
    let err = f
        .propose(
            &clerk,
            Action::AmendForm(result_form("S-D11", "party:A", 1, 1, 0)),
        )
        .unwrap_err();
    assert!(
        err.to_string().contains("body.action.amend_form.source"),
        "{err}"
    );
}
