//! The synthetic poll book recorded through intake: every planted double check-in and card
//! misuse is alerted and nothing else is, no alert names a voter, the reports count what was
//! planted, and a replay of the published log gives the same digest and the same alerts.

use ledger::Election;
use ledger::report::pollbook::{
    CheckinAlert, cards_by_commune, cards_by_officer, checkin_alerts, checkins_by_station,
};
use synthetic::pollbook::{Expected, PollBook};
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

/// An alert in the truth's terms.
fn as_expected(a: &CheckinAlert) -> (String, String, Option<String>, Option<(String, String)>) {
    (
        a.kind.clone(),
        a.station.clone(),
        a.checkin.clone(),
        a.earlier
            .as_ref()
            .map(|e| (e.station.clone(), e.checkin.clone())),
    )
}

fn truth(e: &Expected) -> (String, String, Option<String>, Option<(String, String)>) {
    (
        e.kind.to_string(),
        e.station.clone(),
        e.checkin.clone(),
        e.earlier.clone(),
    )
}

#[test]
fn every_planted_double_checkin_and_card_misuse_is_alerted_and_nothing_else() {
    let tmp = tempfile::tempdir().unwrap();
    let (election, book) = recorded(tmp.path(), 2013);
    let alerts = checkin_alerts(election.conn()).unwrap();
    let mut got: Vec<_> = alerts.iter().map(as_expected).collect();
    got.sort();
    let mut want: Vec<_> = book.truth.alerts.iter().map(truth).collect();
    want.sort();
    assert_eq!(got, want);
    // What was planted, kind by kind.
    let count = |k: &str| alerts.iter().filter(|a| a.kind == k).count();
    assert_eq!(count("double_checkin"), 12);
    assert_eq!(count("card_reused"), 1);
    assert_eq!(count("unknown_card"), 1);
    assert_eq!(count("card_wrong_station"), 1);
    assert_eq!(count("card_unapproved"), 1);
    assert_eq!(count("card_over_threshold"), 3);
    assert_eq!(count("conflicting_checkin"), 1);
    // A second check-in names both stations, both times and both log indexes.
    for a in alerts.iter().filter(|a| a.kind == "double_checkin") {
        let e = a.earlier.as_ref().unwrap();
        // Both may be in one entry of an offline station's batch.
        assert!(e.index <= a.index, "{a:?}");
        assert_ne!(
            (&e.station, &e.checkin),
            (&a.station, a.checkin.as_ref().unwrap())
        );
        assert!(e.at > 0 && a.at > 0);
    }
    // Some second check-ins came in an offline station's batch, some at the same station.
    assert!(
        alerts
            .iter()
            .any(|a| a.kind == "double_checkin" && a.checkin.as_deref().unwrap().contains("-X"))
    );
    assert!(alerts.iter().any(|a| a.kind == "double_checkin"
        && a.earlier.as_ref().unwrap().station == a.station));
    // No alert names a voter: neither the voter id nor the pseudonym.
    let json = serde_json::to_string(&alerts).unwrap();
    assert_eq!(book.truth.double_voters.len(), 12);
    for voter in &book.truth.double_voters {
        assert!(!json.contains(voter.as_str()));
        let p = ledger::event::pseudonym(&book.secret, voter);
        assert!(!json.contains(&p));
    }
}

#[test]
fn the_reports_count_what_was_planted_and_a_replay_gives_the_same_alerts() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut election, book) = recorded(tmp.path(), 7);
    let conn = election.conn();
    // Check-ins per station, each counted once though syncs were sent again.
    let stations = checkins_by_station(conn).unwrap();
    let counted: std::collections::BTreeMap<String, u64> = stations
        .iter()
        .map(|s| (s.station.clone(), s.checkins))
        .collect();
    assert_eq!(counted, book.truth.checkins);
    assert!(stations.iter().any(|s| s.cards_without_document > 0));
    // Cards without a document, per officer and per commune.
    let pairs = |rows: Vec<ledger::report::pollbook::CardCount>| {
        rows.into_iter()
            .map(|c| (c.key, (c.issued, c.without_document)))
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    assert_eq!(
        pairs(cards_by_officer(conn).unwrap()),
        book.truth.cards_by_officer
    );
    assert_eq!(
        pairs(cards_by_commune(conn).unwrap()),
        book.truth.cards_by_commune
    );
    let alerts = checkin_alerts(conn).unwrap();
    assert!(!alerts.is_empty());

    // Replay of the published log: the same digest and the same alerts.
    let digest = election.digest().unwrap();
    let published = Published::new(&mut election, &book, tmp.path());
    let replay = published.replay(None);
    assert_eq!(replay.digest, digest);
    assert_eq!(checkin_alerts(&replay.state).unwrap(), alerts);
}

/// An election's log published under `dir/public`, with the policy its replay checks.
struct Published {
    public: std::path::PathBuf,
    policy: tlog::Policy,
}

impl Published {
    fn new(election: &mut Election, book: &PollBook, dir: &std::path::Path) -> Published {
        let key = &book.election.keys.log;
        let note = election.sign_checkpoint(key).unwrap();
        let public = dir.join("public");
        tlog::publish::publish(election.log(), &note, &public, &mut |_, _| {}).unwrap();
        let policy = tlog::Policy::k_of_n(key.vkey(), vec![], 0).unwrap();
        Published { public, policy }
    }

    /// Replays the published log (state in memory, or in `state`); nothing is refused.
    fn replay(&self, state: Option<&std::path::Path>) -> ledger::replay::Replay {
        let source = tlog::verify::DirSource::new(&self.public);
        let replay =
            ledger::replay::replay(&source, &self.policy, None, state, &mut |_, _| {}).unwrap();
        assert!(replay.refusals.is_empty(), "{:?}", replay.refusals);
        replay
    }
}

fn count(conn: &rusqlite::Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// The state digest taken on two cores is the digest taken on one, on a real election's state
/// (its roll, station lists and check-ins): the operator's, with a second
/// connection to the log database, and a replay's, with the deferred index built beside it,
/// whether the replayed state is in memory or in a file.
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
    let published = Published::new(&mut election, &book, tmp.path());
    let file = tmp.path().join("replayed.db");
    for state in [None, Some(file.as_path())] {
        let replay = published.replay(state);
        assert_eq!(replay.digest, digest, "state in {state:?}");
        assert_eq!(ledger::state::digest(&replay.state).unwrap(), digest);
        let index = "SELECT count(*) FROM sqlite_schema WHERE name = 'pseudonym_unique'";
        assert_eq!(count(&replay.state, index), 1, "state in {state:?}");
    }
}
