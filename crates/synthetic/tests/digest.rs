//! The state digest taken on two cores is the digest taken on one, on a real election's state
//! (its roll, station lists and check-ins): the operator's, with a second
//! connection to the log database, and a replay's, with the deferred index built beside it,
//! whether the replayed state is in memory or in a file.

use ledger::Election;
use synthetic::pollbook::PollBook;
use synthetic::{Cambodia2013, Scale};
use tlog::{Log, LogMeta, SqliteStorage};

fn recorded(dir: &std::path::Path, seed: u64) -> (Election, PollBook) {
    let book = PollBook::new(Cambodia2013::new(Scale { divisor: 2000 }, seed), seed, true);
    let meta = LogMeta {
        origin: synthetic::cambodia::ORIGIN.into(),
        vkey: book.election.keys.log.vkey().to_string(),
    };
    let log = Log::open(SqliteStorage::create(&dir.join("log.db"), &meta).unwrap()).unwrap();
    let setup = book.setup();
    let mut election = Election::create(log, &setup[0][0]).unwrap();
    for (i, s) in setup[1..]
        .iter()
        .chain(&book.checkin_submissions())
        .enumerate()
    {
        if let Err(e) = election.submit(s) {
            panic!("submission {}: {e}", i + 1);
        }
    }
    (election, book)
}

fn count(conn: &rusqlite::Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn the_digest_taken_on_two_cores_is_the_digest_taken_on_one() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut election, book) = recorded(tmp.path(), 11);
    let conn = election.conn();
    // The large tables (`voter_event` holds only changes after registration: none here).
    for table in ["voter", "pseudonym", "checkin"] {
        assert!(
            count(conn, &format!("SELECT count(*) FROM {table}")) > 0,
            "{table}"
        );
    }
    let digest = election.digest().unwrap();

    // The operator's: a second connection to the log database at the same size; at another
    // size, this connection alone.
    let db = tmp.path().join("log.db");
    let size = election.log().size();
    for at in [size, size - 1] {
        let mut second = ledger::state::SecondReader::open(&db).unwrap();
        second.begin();
        assert_eq!(second.size(), Some(size));
        let taken = ledger::state::digest_at_size(election.conn(), at, Some(second)).unwrap();
        assert_eq!(taken, digest, "at size {at} of {size}");
    }

    // A replay's, in memory and into a file.
    let key = &book.election.keys.log;
    let note = election.sign_checkpoint(key).unwrap();
    let public = tmp.path().join("public");
    tlog::publish::publish(election.log(), &note, &public, &mut |_, _| {}).unwrap();
    let policy = tlog::Policy::k_of_n(key.vkey(), vec![], 0).unwrap();
    let file = tmp.path().join("replayed.db");
    for state in [None, Some(file.as_path())] {
        let replay = ledger::replay::replay(
            &tlog::verify::DirSource::new(&public),
            &policy,
            None,
            state,
            &mut |_, _| {},
        )
        .unwrap();
        assert!(replay.refusals.is_empty(), "{:?}", replay.refusals);
        assert_eq!(replay.digest, digest, "state in {state:?}");
        assert_eq!(ledger::state::digest(&replay.state).unwrap(), digest);
        let index = "SELECT count(*) FROM sqlite_schema WHERE name = 'pseudonym_unique'";
        assert_eq!(count(&replay.state, index), 1, "state in {state:?}");
    }
}
