//! The published forensics figures, reproduced from the real files in ../shared/data read
//! through the committed mapping files (../shared/vectors/README.md, data/README.md).

mod common;

use std::path::PathBuf;

use interchange::{Mapping, StationResultsReader};
use stats::forensics::{self, EftOptions, FlagOptions, IntegerOptions, RedFlag, StationCounts};

/// Reads a data file through a mapping into one list of stations per source.
fn read(data: &str, mapping: &str) -> (Mapping, Vec<Vec<StationCounts>>) {
    let mapping_path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../mappings")
        .join(mapping);
    let mapping = Mapping::from_path(&mapping_path).unwrap_or_else(|e| panic!("{e}"));
    let path = common::shared_dir().join("data").join(data);
    let mut sources = vec![Vec::new(); mapping.sources.len()];
    for row in StationResultsReader::open(&path, &mapping).unwrap_or_else(|e| panic!("{e}")) {
        let row = row.unwrap_or_else(|e| panic!("{e}"));
        for (form, out) in row.forms.into_iter().zip(&mut sources) {
            out.push(StationCounts {
                id: row.station.clone(),
                registered: form.counts.registered,
                ballots_issued: form.counts.ballots_issued,
                valid: form.counts.valid,
                invalid: form.counts.invalid,
                total: form.counts.total,
                votes: form.votes,
            });
        }
    }
    (mapping, sources)
}

#[test]
fn russia_2011_integer_percentages_match_kobak_shpilkin_pshenichnikov() {
    let (mapping, mut sources) = read("russia/duma-2011.csv.zip", "russia-duma-2011.toml");
    let stations = sources.remove(0);
    assert_eq!(stations.len(), 95_225);

    let leader = forensics::leader(&stations).unwrap();
    assert_eq!(mapping.choices[leader], "United Russia");
    let (votes, ballots) = stations.iter().fold((0u64, 0u64), |(v, b), s| {
        (v + s.votes[leader].unwrap(), b + s.ballots().unwrap())
    });
    assert_eq!(
        format!("{:.2}", 100.0 * votes as f64 / ballots as f64),
        "49.31"
    );

    let options = IntegerOptions {
        replicates: 1000,
        seed: 2016,
        ..Default::default()
    };
    let t = forensics::integer_percentages(&stations, leader, &options, &|| {}).unwrap();
    assert_eq!(t.included, 86_718);
    assert_eq!(t.integer, 17_803);
    // Published: excess 1003.5 with a Monte Carlo SD of 113.1. Ours must agree within two
    // Monte Carlo SDs, and its SD must be the same size.
    assert!((t.excess - 1003.5).abs() <= 2.0 * t.mc_sd, "{t:?}");
    assert!((100.0..=126.0).contains(&t.mc_sd), "{t:?}");
    // No replicate comes near the observed count.
    assert!(t.mc_max < t.integer as u64, "{t:?}");
    assert_eq!(t.p_value, 1.0 / 1001.0);
}

#[test]
fn russia_2011_toolkit_flags_and_fingerprint_show_the_known_anomalies() {
    let (_, mut sources) = read("russia/duma-2011.csv.zip", "russia-duma-2011.toml");
    let stations = sources.remove(0);
    let leader = forensics::leader(&stations).unwrap();

    let names: Vec<String> = (0..7).map(|i| format!("choice {i}")).collect();
    let opts = EftOptions {
        bootstrap: 100,
        dip_bootstrap: 100,
        dip_null: 20,
        seed: 7,
        confidence: 0.95,
    };
    let eft = forensics::eft_tests(&stations, &names, &opts, &|| {}).unwrap();
    let ur = &eft.variables[1 + leader];
    // The 2011 fingerprint: the leader's share rises with turnout, strongly.
    let corr = ur.correlation.unwrap();
    assert!(corr.value > 0.5 && corr.lo > 0.5, "{corr:?}");
    let sob = ur.sobyanin.unwrap();
    assert!(sob.lo > 0.0, "{sob:?}");
    // Turnout is far from unimodal-and-smooth: the dip is significant.
    assert!(eft.variables[0].dip_p_value.unwrap() <= 1.0 / 21.0 + 1e-12);
    for v in &eft.variables {
        for e in [
            v.second_digit_mean,
            v.last_digit_mean,
            v.c05s,
            v.p05s,
            v.skewness,
            v.kurtosis,
            v.dip,
        ]
        .into_iter()
        .flatten()
        {
            assert!(e.lo <= e.value && e.value <= e.hi, "{}: {e:?}", v.name);
        }
    }

    let f = forensics::fingerprint(&stations, leader, 100).unwrap();
    assert_eq!(
        f.counts.iter().map(|&c| c as usize).sum::<usize>(),
        f.stations
    );
    // The "comet tail": many stations at 99-100% turnout and share in the top corner.
    assert!(f.counts[99 * 100 + 99] > 500, "{}", f.counts[99 * 100 + 99]);

    let flags = forensics::red_flags(&stations, &[], leader, &FlagOptions::default()).unwrap();
    assert!(flags.totals[&RedFlag::TurnoutAboveThreshold] > 5_000);
    assert!(flags.totals[&RedFlag::RoundPercent] > 1_000);
}

#[test]
fn indonesia_2019_official_and_crowd_copies_are_compared() {
    let (_, sources) = read(
        "indonesia/kawalpemilu-2019-jakarta-bali-yogyakarta-aceh.csv.gz",
        "indonesia-kawalpemilu-2019.toml",
    );
    assert_eq!(sources[0].len(), 68_846);
    let others = vec![("crowd".to_string(), sources[1].clone())];
    let r = forensics::red_flags(&sources[0], &others, 0, &FlagOptions::default()).unwrap();
    let c = &r.comparisons[0];
    // Both copies exist wherever neither is blank: 68,846 minus the union of the blanks.
    assert!(c.compared > 66_000 && c.compared <= 68_846 - 2_024, "{c:?}");
    assert_eq!(c.disagreeing, r.disagreements.len());
    assert_eq!(
        r.totals
            .get(&RedFlag::SourceDisagreement)
            .copied()
            .unwrap_or(0),
        c.disagreeing
    );
    // Every reported difference really differs and is on a figure both copies give.
    for d in &r.disagreements {
        assert!(!d.differences.is_empty());
        assert!(d.differences.iter().all(|x| x.reference != x.other));
    }
}
