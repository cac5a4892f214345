//! The synthetic election's constituencies are the published ones, and its votes give the
//! official seat split in every constituency by D'Hondt.

use synthetic::cambodia::CONSTITUENCIES;
use synthetic::{Cambodia2013, Scale};

fn shared() -> std::path::PathBuf {
    std::env::var_os("SCRUTINEER_SHARED")
        .map(Into::into)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared")
        })
}

#[test]
fn constituencies_match_the_published_table() {
    let path = shared().join("data/cambodia/2013-facts.csv");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let rows: Vec<(String, u32, u32, u32)> = text
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (
                f[0].to_string(),
                f[1].parse().unwrap(),
                f[2].parse().unwrap(),
                f[3].parse().unwrap(),
            )
        })
        .collect();
    assert_eq!(rows.len(), CONSTITUENCIES.len());
    for (row, c) in rows.iter().zip(CONSTITUENCIES) {
        assert_eq!((row.0.as_str(), row.1, row.2, row.3), c);
    }
    assert_eq!(rows.iter().map(|r| r.1).sum::<u32>(), 123);
}

#[test]
fn every_constituency_gives_its_official_split_at_every_scale() {
    for (scale, seed) in [
        (Scale::TENTH, 2013),
        (Scale { divisor: 100 }, 7),
        (Scale::TENTH, 99),
    ] {
        let e = Cambodia2013::new(scale, seed);
        let seats = e.seats();
        assert_eq!(
            (seats["CPP"], seats["CNRP"]),
            (68, 55),
            "scale {scale:?} seed {seed}"
        );
    }
}
