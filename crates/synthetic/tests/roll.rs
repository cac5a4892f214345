//! The synthetic roll: its names come from the shared lists, it holds the planted duplicates and
//! deletion wave it says it does, and one seed gives one roll.

use std::collections::{HashMap, HashSet};
use synthetic::roll::{Config, Roll, Variant, lists};

#[test]
fn the_name_lists_are_compiled_in() {
    let l = lists();
    assert_eq!(l.family.len(), 30);
    assert_eq!(l.given.len(), 29);
    assert!(
        l.family
            .iter()
            .any(|e| e.khmer == "ឆន" && e.latin == "Chan")
    );
}

#[test]
fn about_five_percent_are_duplicates_with_every_kind_of_variant() {
    let roll = Roll::new(Config::new(7, 40_000));
    let mut duplicates = 0;
    let mut kinds: HashMap<&str, u32> = HashMap::new();
    let mut by_id = HashMap::new();
    for v in roll.iter() {
        if v.is_duplicate() {
            duplicates += 1;
            assert!(v.person < v.index);
            assert!(!v.variants.is_empty());
            let original = by_id
                .get(&v.person)
                .expect("the person's record came earlier");
            check_variants(original, &v);
            for k in v.variants.iter() {
                *kinds.entry(k.name()).or_default() += 1;
            }
        } else {
            assert!(v.variants.is_empty());
            by_id.insert(v.index, v);
        }
    }
    let share = f64::from(duplicates) / 40_000.0;
    assert!((0.045..0.055).contains(&share), "{share}");
    for k in Variant::ALL {
        assert!(kinds.get(k.name()).copied().unwrap_or(0) > 100, "{kinds:?}");
    }
}

fn check_variants(original: &synthetic::roll::Voter, dup: &synthetic::roll::Voter) {
    let swapped = dup.variants.contains(Variant::SwappedOrder);
    let (family, given, family_latin, given_latin) = if swapped {
        (&dup.given, &dup.family, &dup.given_latin, &dup.family_latin)
    } else {
        (&dup.family, &dup.given, &dup.family_latin, &dup.given_latin)
    };
    let latin_changed =
        family_latin != &original.family_latin || given_latin != &original.given_latin;
    let khmer_changed = family != &original.family || given != &original.given;
    let typo = dup.variants.contains(Variant::Typo);
    let romanised = dup.variants.contains(Variant::Transliteration);
    assert_eq!(
        latin_changed || khmer_changed,
        typo || romanised,
        "{original:?} {dup:?}"
    );
    if !typo {
        assert!(!khmer_changed, "{original:?} {dup:?}");
    }
    assert_eq!(
        dup.birth_year != original.birth_year,
        dup.variants.contains(Variant::BirthYearSlip)
    );
    assert!(dup.birth_year.abs_diff(original.birth_year) <= 2);
    assert_eq!(
        dup.village != original.village,
        dup.variants.contains(Variant::MovedVillage)
    );
    assert_eq!(
        dup.village.commune().district(),
        original.village.commune().district()
    );
    assert_eq!(dup.sex, original.sex);
}

#[test]
fn the_wave_strikes_exactly_three_communes() {
    let roll = Roll::new(Config::new(11, 200_000));
    let wave: HashSet<_> = roll.wave_communes().iter().copied().collect();
    assert_eq!(wave.len(), 3);
    let (mut in_wave, mut removed) = (0u32, 0u32);
    let mut struck = HashSet::new();
    for v in roll.iter() {
        if wave.contains(&v.village.commune()) {
            in_wave += 1;
        }
        if v.removed {
            removed += 1;
            struck.insert(v.village.commune());
        }
    }
    assert_eq!(struck, wave);
    let share = f64::from(removed) / f64::from(in_wave);
    assert!((0.35..0.65).contains(&share), "{removed} of {in_wave}");
}

#[test]
fn one_seed_one_roll() {
    let a: Vec<_> = Roll::new(Config::new(5, 2_000)).iter().collect();
    let b: Vec<_> = Roll::new(Config::new(5, 2_000)).iter().collect();
    let c: Vec<_> = Roll::new(Config::new(6, 2_000)).iter().collect();
    assert_eq!(a, b);
    assert_ne!(a, c);
    // Any record on its own is the record in the stream.
    assert_eq!(Roll::new(Config::new(5, 2_000)).voter(1_234), a[1_234]);
}

#[test]
fn the_csv_has_the_roll_and_its_truth() {
    let roll = Roll::new(Config::new(3, 500));
    let (mut out, mut truth) = (Vec::new(), Vec::new());
    synthetic::roll::write_csv(&roll, &mut out, &mut truth).unwrap();
    let out = String::from_utf8(out).unwrap();
    let truth = String::from_utf8(truth).unwrap();
    assert_eq!(out.lines().count(), 501);
    assert_eq!(truth.lines().count(), 501);
    assert!(out.starts_with(
        "voter,family,given,family_latin,given_latin,sex,birth_year,date_of_birth,district,commune,village,station\n"
    ));
    let first = roll.voter(0);
    assert!(
        out.lines()
            .nth(1)
            .unwrap()
            .starts_with(&format!("KH0000000000,{},{},", first.family, first.given))
    );
}

#[test]
fn the_demo_roll_has_khmer_names_and_planted_duplicates_with_their_truth() {
    use synthetic::{Cambodia2013, Scale};
    let e = Cambodia2013::new(Scale { divisor: 100 }, 2013);
    let voters = e.roll_voters(2);
    let registered: u64 = e
        .stations
        .iter()
        .filter(|s| s.province == 2)
        .map(|s| u64::from(s.registered))
        .sum();
    assert_eq!(voters.len() as u64, registered);
    let ids: HashMap<&str, &ledger::event::Register> =
        voters.iter().map(|(r, _)| (r.voter.as_str(), r)).collect();
    let mut duplicates = 0;
    for (r, truth) in &voters {
        let names = r.names.as_ref().expect("names apart");
        assert!(
            roll_has_khmer(&names.family) && roll_has_khmer(&names.given),
            "{r:?}"
        );
        assert!(names.family_latin.as_deref().is_some_and(|l| l.is_ascii()));
        assert_eq!(r.name, format!("{} {}", names.family, names.given));
        if let Some((first, variants)) = truth {
            duplicates += 1;
            let first = ids[first.as_str()];
            assert!(first.voter < r.voter && !variants.is_empty());
            assert_eq!(
                first.station != r.station,
                variants.contains(Variant::MovedVillage)
            );
        }
    }
    let share = f64::from(duplicates) / voters.len() as f64;
    assert!((0.005..0.02).contains(&share), "{share}");
}

fn roll_has_khmer(s: &str) -> bool {
    s.chars().any(|c| ('\u{1780}'..='\u{17FF}').contains(&c))
}

#[test]
fn the_committed_mapping_reads_the_csv() {
    let dir = tempfile::tempdir().unwrap();
    let roll = Roll::new(Config::new(8, 300));
    let path = dir.path().join("roll.csv");
    let file = std::fs::File::create(&path).unwrap();
    synthetic::roll::write_csv(&roll, file, std::io::sink()).unwrap();
    let mapping = interchange::Mapping::from_path(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../mappings/synthetic-khmer-roll.toml"),
    )
    .unwrap();
    let rows: Vec<_> = interchange::VoterRollReader::open(&path, &mapping)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(rows.len(), 300);
    for (row, v) in rows.iter().zip(roll.iter()) {
        assert_eq!(row.voter, v.voter);
        assert_eq!(row.name, v.printed_name());
        assert_eq!(row.station, Some(v.station()));
        assert_eq!(row.area.as_deref(), Some(&v.village.commune().code()[..4]));
        assert_eq!(row.family_latin.as_deref(), Some(v.family_latin.as_str()));
        assert_eq!(row.birth_year, Some(v.birth_year));
    }
}
