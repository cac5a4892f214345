//! "Find my name" over the synthetic Khmer roll: either script, either order, up to two typos,
//! ranked, with the station; and a damaged index or a bad query is an error, never a panic.

use ledger::event::Sex;
use roll::index::{Builder, Entry, Error, Index, Query, QueryError};
use std::path::Path;
use synthetic::Rng;
use synthetic::roll::{Config, Roll, Voter, khmer_typo, latin_typo};

fn entry(v: &Voter) -> (String, String) {
    (v.village.commune().code(), v.station())
}

fn build(roll: &Roll) -> Vec<u8> {
    let mut b = Builder::new();
    for v in roll.iter() {
        let (area, station) = entry(&v);
        b.add(&Entry {
            voter: &v.voter,
            station: &station,
            area: &area,
            family: &v.family,
            given: &v.given,
            family_latin: &v.family_latin,
            given_latin: &v.given_latin,
            birth_year: v.birth_year,
            sex: match v.sex {
                Sex::F => 'F',
                Sex::M => 'M',
                Sex::X => 'X',
            },
        })
        .unwrap();
    }
    let mut out = Vec::new();
    b.finish(Path::new("test.idx"), &mut out).unwrap();
    out
}

fn open(bytes: Vec<u8>) -> Result<Index, Error> {
    Index::from_bytes(Path::new("test.idx"), bytes)
}

#[test]
fn either_script_either_order_with_the_station() {
    let roll = Roll::new(Config::new(1, 3_000));
    let index = open(build(&roll)).unwrap();
    let v = roll.voter(100);
    let (area, station) = entry(&v);
    for text in [
        format!("{} {}", v.family_latin, v.given_latin),
        format!("{} {}", v.given_latin, v.family_latin),
        format!("{} {}", v.family, v.given),
        format!("{}{}", v.given, v.family),
        format!("  {}   {} ", v.family_latin.to_uppercase(), v.given_latin),
    ] {
        let q = Query::parse(&text, Some(v.birth_year), Some(&area)).unwrap();
        let found = index.find(&q, 5).unwrap();
        let hit = found
            .iter()
            .find(|f| f.voter == v.voter)
            .unwrap_or_else(|| panic!("{text}: {found:?}"));
        assert_eq!(hit.edits, 0, "{text}");
        assert_eq!(hit.station, station);
        assert_eq!(hit.area, area);
        assert_eq!(hit.family, v.family);
        assert_eq!(hit.given_latin, v.given_latin);
    }
    // The order given ranks first: swapped is flagged.
    let q = Query::parse(
        &format!("{} {}", v.given_latin, v.family_latin),
        Some(v.birth_year),
        Some(&area),
    )
    .unwrap();
    let found = index.find(&q, 5).unwrap();
    let hit = found.iter().find(|f| f.voter == v.voter).unwrap();
    assert!(hit.swapped || v.family_latin == v.given_latin);
}

#[test]
fn fewer_edits_rank_first_and_filters_hold() {
    let roll = Roll::new(Config::new(2, 5_000));
    let index = open(build(&roll)).unwrap();
    let v = roll.voter(42);
    let q = Query::parse(
        &format!("{} {}", v.family_latin, v.given_latin),
        Some(v.birth_year),
        None,
    )
    .unwrap();
    let found = index.find(&q, 50).unwrap();
    assert!(found.windows(2).all(|w| w[0].edits <= w[1].edits));
    assert!(
        found
            .iter()
            .all(|f| f.birth_year.abs_diff(v.birth_year) <= 2)
    );
    let area = &v.village.commune().code()[..2];
    let q = Query::parse(
        &format!("{} {}", v.family_latin, v.given_latin),
        None,
        Some(area),
    )
    .unwrap();
    let found = index.find(&q, 50).unwrap();
    assert!(!found.is_empty());
    assert!(found.iter().all(|f| f.area.starts_with(area)), "{found:?}");
    // A name with three typos is not found.
    let q = Query::parse("Xyzzyqwv", None, None).unwrap();
    assert!(index.find(&q, 5).unwrap().is_empty());
}

/// A misspelling of a voter's name: in either script and either order, with 0, 1 or 2 typos.
fn misspell(v: &Voter, rng: &mut Rng, typos: u32) -> String {
    let khmer = rng.unit() < 0.5;
    let (mut family, mut given) = if khmer {
        (v.family.clone(), v.given.clone())
    } else {
        (v.family_latin.clone(), v.given_latin.clone())
    };
    for _ in 0..typos {
        let part = if rng.unit() < 0.5 {
            &mut family
        } else {
            &mut given
        };
        *part = if khmer {
            khmer_typo(part, rng)
        } else {
            latin_typo(part, rng)
        };
    }
    if rng.unit() < 0.5 {
        format!("{given} {family}")
    } else {
        format!("{family} {given}")
    }
}

#[test]
fn the_true_voter_is_in_the_top_five_for_98_percent_of_misspellings() {
    let roll = Roll::new(Config::new(9, 20_000));
    let index = open(build(&roll)).unwrap();
    let mut rng = Rng::new(99);
    let (mut asked, mut in_top5) = (0u32, 0u32);
    for _ in 0..1_500 {
        let v = roll.voter(rng.below(20_000));
        let typos = rng.below(3) as u32;
        let text = misspell(&v, &mut rng, typos);
        let q = Query::parse(&text, Some(v.birth_year), Some(&v.village.commune().code())).unwrap();
        asked += 1;
        if index
            .find(&q, 5)
            .unwrap()
            .iter()
            .any(|f| f.voter == v.voter)
        {
            in_top5 += 1;
        }
    }
    let recall = f64::from(in_top5) / f64::from(asked);
    eprintln!("top-5 recall {recall:.4} ({in_top5} of {asked})");
    assert!(
        recall >= 0.98,
        "top-5 recall {recall:.3} ({in_top5} of {asked})"
    );
}

#[test]
fn a_damaged_or_foreign_file_is_an_error_naming_it() {
    let roll = Roll::new(Config::new(4, 300));
    let good = build(&roll);
    let q = Query::parse("Sok Dara", None, None).unwrap();
    let message = |r: Result<Index, Error>| r.err().expect("refused").to_string();
    assert!(
        message(open(b"PK\x03\x04 a zip file".to_vec()))
            .contains("test.idx: not a scrutineer roll index")
    );
    assert!(message(open(good[..good.len() - 1].to_vec())).contains("cut short"));
    let mut v2 = good.clone();
    v2[22] = 2;
    assert!(message(open(v2)).contains("version 2"));
    let mut longer = good.clone();
    longer.push(0);
    assert!(message(open(longer)).contains("trailing"));
    // Every single-byte change past the header: an error or an answer, never a panic.
    let mut rng = Rng::new(5);
    for _ in 0..3_000 {
        let mut bad = good.clone();
        let at = 22 + rng.below((good.len() - 22) as u64) as usize;
        bad[at] ^= 1 << rng.below(8);
        if let Ok(index) = open(bad) {
            let _ = index.find(&q, 5);
        }
    }
    assert!(
        Index::open(Path::new("/nonexistent/roll.idx"))
            .err()
            .unwrap()
            .to_string()
            .starts_with("/nonexistent/roll.idx: ")
    );
}

#[test]
fn a_bad_query_is_refused_by_place() {
    assert_eq!(Query::parse("  ", None, None), Err(QueryError::Empty));
    assert_eq!(
        Query::parse("Sok\u{7}Dara", None, None),
        Err(QueryError::Control { at: 4, code: 7 })
    );
    assert_eq!(
        Query::parse("Sok ដារា", None, None),
        Err(QueryError::MixedScripts { at: 5 })
    );
    assert_eq!(
        Query::parse("12 -- 34", None, None),
        Err(QueryError::NoLetters)
    );
    assert_eq!(
        Query::parse(&"a".repeat(201), None, None),
        Err(QueryError::TooLong)
    );
    assert_eq!(
        Query::parse("Sok Dara", None, Some(" ")),
        Err(QueryError::EmptyArea)
    );
    assert_eq!(
        QueryError::MixedScripts { at: 5 }.to_string(),
        "query: mixes Khmer script and Latin letters (character 5)"
    );
}
