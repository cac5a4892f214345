//! Ballot reconciliation over a generated election whose official forms agree with the poll
//! book except at the planted stations: it lists exactly the planted gaps with their sizes,
//! counts the form without ballot accounting as such, and sums them by area.

use ledger::Election;
use review::reconcile::reconcile;
use synthetic::pollbook::PollBook;
use synthetic::reconcile::{Planted, accounts};
use synthetic::{Cambodia2013, Scale};
use tlog::{Log, LogMeta, SqliteStorage};

fn recorded(dir: &std::path::Path) -> (review::Review, PollBook, synthetic::reconcile::Accounts) {
    let book = PollBook::new(Cambodia2013::new(Scale { divisor: 2000 }, 7), 7, false);
    let meta = LogMeta {
        origin: synthetic::cambodia::ORIGIN.into(),
        vkey: book.election.keys.log.vkey().to_string(),
    };
    let log = Log::open(SqliteStorage::create(&dir.join("log.db"), &meta).unwrap()).unwrap();
    let setup = book.setup();
    let mut election = Election::create(log, &setup[0][0]).unwrap();
    let accounts = accounts(&book);
    for s in setup[1..]
        .iter()
        .chain(&book.checkin_submissions())
        .chain([&accounts.forms])
    {
        election.submit(s).unwrap();
    }
    let review = review::Review::of_election(election, "test").unwrap();
    (review, book, accounts)
}

#[test]
fn reconciliation_lists_exactly_the_planted_gaps() {
    let tmp = tempfile::tempdir().unwrap();
    let (review, book, truth) = recorded(tmp.path());
    let r = reconcile(&review, None).unwrap();
    let mut got: Vec<Planted> = r
        .gaps
        .iter()
        .map(|g| Planted {
            station: g.station.clone(),
            kind: g.kind,
            size: g.size,
        })
        .collect();
    got.sort();
    assert_eq!(got, truth.planted);
    assert_eq!(truth.planted.len(), 5);
    assert_eq!(r.without_accounting, truth.without_accounting);
    assert_eq!(r.stations, book.election.stations.len() as u64);
    assert_eq!(r.forms, r.stations);
    assert!(r.without_form.is_empty());
    assert_eq!(r.without_poll_book, 0);
    assert_eq!(r.stations_with_gaps(), 4);
    // A gap names its figures.
    let g = r
        .gaps
        .iter()
        .find(|g| g.kind == "counted_vs_issued" && g.size == 4)
        .unwrap();
    assert_eq!(g.figures["counted"], g.figures["issued"] + 4);
    assert!(g.describe().contains("gap +4"), "{}", g.describe());

    // Summed by area at each level: the provinces together hold every gap.
    let provinces: Vec<_> = r
        .by_area
        .iter()
        .filter(|a| a.level == r.levels[0])
        .collect();
    assert_eq!(
        provinces.iter().map(|a| a.stations).sum::<u64>(),
        r.stations
    );
    let gaps: u64 = provinces.iter().flat_map(|a| a.gaps.values()).sum();
    assert_eq!(gaps, 5);
    let ballots: u64 = provinces.iter().flat_map(|a| a.ballots.values()).sum();
    assert_eq!(ballots, 5 + 7 + 4 + 3 + 3);
    assert_eq!(
        provinces.iter().map(|a| a.without_accounting).sum::<u64>(),
        1
    );
    let communes = r
        .by_area
        .iter()
        .filter(|a| &a.level == r.levels.last().unwrap());
    assert_eq!(communes.map(|a| a.stations_with_gaps).sum::<u64>(), 4);

    // One area: only its stations' gaps.
    let first = &r.gaps[0];
    let province = first.areas[0].clone();
    let inside = reconcile(&review, Some(&province)).unwrap();
    assert!(!inside.gaps.is_empty());
    assert!(inside.gaps.iter().all(|g| g.areas[0] == province));
    assert_eq!(
        inside.gaps.len(),
        r.gaps.iter().filter(|g| g.areas[0] == province).count()
    );
    let err = reconcile(&review, Some("nowhere"))
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("\"nowhere\""), "{err}");
}
