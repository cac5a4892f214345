//! The two real files in ../shared/data read through the committed mappings, with totals
//! that match ../shared/data/README.md.

use std::path::PathBuf;

use interchange::{Mapping, StationResultsReader};

fn shared() -> PathBuf {
    match std::env::var_os("SCRUTINEER_SHARED") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    }
}

fn mapping(name: &str) -> Mapping {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../mappings")
        .join(name);
    Mapping::from_path(&path).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn russia_2011_reads_every_station_with_the_published_totals() {
    let mapping = mapping("russia-duma-2011.toml");
    let path = shared().join("data/russia/duma-2011.csv.zip");
    let reader = StationResultsReader::open(&path, &mapping).unwrap_or_else(|e| panic!("{e}"));
    let mut stations = 0u64;
    let mut registered = 0u64;
    let mut united_russia = 0u64;
    let mut ballots = 0u64;
    let mut ids = std::collections::HashSet::new();
    let leader = mapping
        .choices
        .iter()
        .position(|c| c == "United Russia")
        .unwrap();
    for row in reader {
        let row = row.unwrap_or_else(|e| panic!("{e}"));
        let form = &row.forms[0];
        stations += 1;
        registered += form.counts.registered.expect("registered is never empty");
        united_russia += form.votes[leader].unwrap();
        ballots += form.counts.valid.unwrap() + form.counts.invalid.unwrap();
        assert_eq!(row.areas.len(), 2);
        assert!(
            ids.insert(row.station.clone()),
            "station id {} twice",
            row.station
        );
    }
    assert_eq!(stations, 95_225);
    assert_eq!(registered, 109_229_337);
    // United Russia's national share of (valid + invalid), as published: 49.31%.
    let share = united_russia as f64 / ballots as f64;
    assert_eq!(format!("{:.2}", 100.0 * share), "49.31");
}

#[test]
fn russia_first_row_is_read_column_by_column() {
    let mapping = mapping("russia-duma-2011.toml");
    let path = shared().join("data/russia/duma-2011.csv.zip");
    let mut reader = StationResultsReader::open(&path, &mapping).unwrap();
    let row = reader.next().unwrap().unwrap();
    // Республика Адыгея (Адыгея),1 Адыгейская,1,2609,2356,0,1614,182,560,182,1614,4,1792,...
    assert_eq!(row.line, 2);
    assert_eq!(row.station, "Республика Адыгея (Адыгея)/1 Адыгейская/1");
    assert_eq!(row.areas, ["Республика Адыгея (Адыгея)", "1 Адыгейская"]);
    let c = &row.forms[0].counts;
    assert_eq!(c.registered, Some(2609));
    assert_eq!(c.ballots_received, Some(2356));
    assert_eq!(c.ballots_issued, Some(1614 + 182));
    assert_eq!(c.ballots_unused, Some(560));
    assert_eq!(c.ballots_cast, Some(182 + 1614));
    assert_eq!(c.invalid, Some(4));
    assert_eq!(c.valid, Some(1792));
    assert_eq!(c.total, None);
    assert_eq!(
        row.forms[0].votes,
        [36, 13, 7, 472, 16, 1242, 6].map(Some).to_vec()
    );
}

#[test]
fn indonesia_2019_reads_both_sources_with_missing_figures_kept_missing() {
    let mapping = mapping("indonesia-kawalpemilu-2019.toml");
    assert_eq!(mapping.sources.len(), 2);
    let path = shared().join("data/indonesia/kawalpemilu-2019-jakarta-bali-yogyakarta-aceh.csv.gz");
    let reader = StationResultsReader::open(&path, &mapping).unwrap_or_else(|e| panic!("{e}"));
    let mut stations = 0u64;
    let mut official_missing = 0u64;
    let mut crowd_missing = 0u64;
    let mut registered_missing = 0u64;
    let mut provinces = std::collections::BTreeSet::new();
    let mut first = None;
    for row in reader {
        let row = row.unwrap_or_else(|e| panic!("{e}"));
        stations += 1;
        provinces.insert(row.areas[0].clone());
        let (official, crowd) = (&row.forms[0], &row.forms[1]);
        official_missing += official.counts.total.is_none() as u64;
        crowd_missing += crowd.counts.valid.is_none() as u64;
        // dpt_a / dpt_b use -1 for "absent": the sum must then be missing, not 1 short.
        registered_missing += official.counts.registered.is_none() as u64;
        assert_eq!(official.counts.registered, crowd.counts.registered);
        if first.is_none() {
            first = Some(row);
        }
    }
    assert_eq!(stations, 68_846);
    assert_eq!(official_missing, 2_024);
    assert_eq!(crowd_missing, 393);
    assert_eq!(registered_missing, 64);
    assert_eq!(provinces.len(), 4);
    // ACEH,ACEH SELATAN,KLUET UTARA,FAJAR HARAPAN,10,1,113,131,18,188,206,7,213,18,188,206,7,213,5,0
    let first = first.unwrap();
    assert_eq!(first.station, "10/1");
    assert_eq!(first.forms[0].counts.registered, Some(113 + 131));
    assert_eq!(first.forms[0].votes, vec![Some(18), Some(188)]);
    assert_eq!(first.forms[0].counts.valid, Some(206));
    assert_eq!(first.forms[0].counts.invalid, Some(7));
    assert_eq!(first.forms[0].counts.total, Some(213));
    assert_eq!(first.forms[1].votes, vec![Some(18), Some(188)]);
}
