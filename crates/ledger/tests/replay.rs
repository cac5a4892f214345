//! Replay of a log that holds what intake refuses: a refused batch entry undoes the entries of
//! its batch that came before it, in memory and in a state file alike, as intake would never
//! have recorded them.

mod common;

use common::*;
use ledger::event::*;

#[test]
fn a_batch_refused_in_replay_leaves_none_of_its_rows() {
    let f = Fixture::new();
    // A registration batch whose last entry names a station that does not exist, appended by
    // an operator who skipped intake's checks.
    let voters = ["S-D11", "S-D12", "S-NOWHERE"]
        .iter()
        .enumerate()
        .map(|(i, station)| {
            Event::Register(Register {
                names: None,
                birth_year: 1990,
                commitment: None,
                name: format!("Late {i}"),
                sex: Sex::F,
                station: station.to_string(),
                voter: format!("L{i:03}"),
            })
        })
        .collect();
    let forged = f.forged(build_batch(
        &f.officer,
        Content::Registrations,
        voters,
        None,
    ));
    let size = forged.size;
    let state_file = forged.dir.path().join("state.db");
    for state in [None, Some(state_file.as_path())] {
        let replay = forged.replay(state);
        assert_eq!(replay.refusals.len(), 1, "{:?}", replay.refusals);
        assert_eq!(replay.refusals[0].index, size + 3);
        let late: i64 = replay
            .state
            .query_row("SELECT count(*) FROM voter WHERE id LIKE 'L%'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(
            late, 0,
            "state {state:?}: the refused batch left rows behind"
        );
        let voters: i64 = replay
            .state
            .query_row("SELECT count(*) FROM voter", [], |r| r.get(0))
            .unwrap();
        assert_eq!(voters, 10);
    }
}
