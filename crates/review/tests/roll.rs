//! Deduplication through `review::roll`: a duplicate registered in a recorded election is
//! found and proposed for removal; FEBRL read through mappings/febrl.toml; bad roll files are
//! errors that name the place, never panics.

use std::path::{Path, PathBuf};

use interchange::Mapping;
use ledger::Election;
use ledger::event::{Content, Event, Register, build_batch};
use roll::dedup::Quiet;
use synthetic::{Cambodia2013, Scale};
use tlog::{Log, LogMeta, SqliteStorage};

fn shared() -> PathBuf {
    match std::env::var_os("SCRUTINEER_SHARED") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    }
}

fn repo_mapping(name: &str) -> Mapping {
    Mapping::from_path(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../mappings")
            .join(name),
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

/// The demo's roll (Khmer names: few name elements, so many namesakes) with one voter in twenty
/// registered again: every second registration is found, and no namesake is taken for one.
#[test]
fn a_duplicate_in_a_recorded_election_is_proposed_for_removal() {
    let tmp = tempfile::tempdir().unwrap();
    let e = Cambodia2013::new(Scale { divisor: 100 }, 2013);
    let meta = LogMeta {
        origin: synthetic::cambodia::ORIGIN.into(),
        vkey: e.keys.log.vkey().to_string(),
    };
    let log = Log::open(SqliteStorage::create(&tmp.path().join("log.db"), &meta).unwrap()).unwrap();
    let mut election = Election::create(log, &e.genesis_entry()).unwrap();
    let approve = |election: &mut Election, batch: &[Vec<u8>]| {
        let applied = election.submit(batch).unwrap().applied;
        if let Some(id) = applied.iter().find_map(|a| a.proposal()) {
            let id = id.to_string();
            election.submit(&e.approvals(&id)).unwrap();
        }
    };
    approve(&mut election, &e.stations_submission());
    approve(&mut election, &e.roll_submission(0));
    // One voter in twenty registered again under another id, at the same station: the 5%
    // of duplicates the brief's synthetic roll plants.
    let mut voters = Vec::new();
    ledger::report::each_voter(election.conn(), |v| -> Result<(), ledger::report::Error> {
        voters.push(v);
        Ok(())
    })
    .unwrap();
    let again: Vec<Event> = voters
        .iter()
        .step_by(20)
        .enumerate()
        .map(|(i, v)| {
            Event::Register(Register {
                birth_year: v.birth_year,
                commitment: None,
                name: v.name.clone(),
                names: v.names.clone(),
                sex: v.sex,
                station: v.station.clone(),
                voter: format!("KHDUP{:07}", i + 1),
            })
        })
        .collect();
    let first = voters[0].clone();
    approve(
        &mut election,
        &build_batch(&e.keys.officer, Content::Registrations, again, None),
    );
    let review = review::Review::of_election(election, &tmp.path().display().to_string()).unwrap();
    let roll = review::roll::from_election(&review).unwrap();
    assert!(
        roll.recorded && roll.records.len() > 100,
        "{}",
        roll.records.len()
    );
    let report = review::roll::dedup(roll, 0.5, &[], &Quiet).unwrap();
    // The truth: each record's person, the synthetic roll's planted second registrations
    // (about 1%) and this test's copies (5%) included.
    let mut person: std::collections::HashMap<String, String> = e
        .roll_voters(0)
        .into_iter()
        .map(|(r, truth)| {
            let p = truth.map_or_else(|| r.voter.clone(), |(earlier, _)| earlier);
            (r.voter, p)
        })
        .collect();
    for (i, v) in voters.iter().step_by(20).enumerate() {
        let p = person[&v.voter].clone();
        person.insert(format!("KHDUP{:07}", i + 1), p);
    }
    let mut size: std::collections::HashMap<&str, u64> = std::collections::HashMap::new();
    for p in person.values() {
        *size.entry(p.as_str()).or_default() += 1;
    }
    let truth: u64 = size.values().map(|n| n * (n - 1) / 2).sum();
    let right = report
        .pairs
        .iter()
        .filter(|p| person[&p.a] == person[&p.b])
        .count() as u64;
    let wrong: Vec<_> = report
        .pairs
        .iter()
        .filter(|p| person[&p.a] != person[&p.b])
        .take(3)
        .map(|p| (&p.a, &p.b, p.probability))
        .collect();
    let (precision, recall) = (
        right as f64 / report.pairs.len() as f64,
        right as f64 / truth as f64,
    );
    // Some namesakes agree on every field (same name, birth year, sex and station): nothing
    // tells them from a second registration, so precision cannot be perfect.
    assert!(
        precision >= 0.8 && recall >= 0.95,
        "precision {precision:.4}, recall {recall:.4} ({right} of {truth} true pairs, {} found); wrong: {wrong:?}",
        report.pairs.len()
    );
    // The defect this guards against: an exact copy scoring below namesakes that differ.
    let copies: Vec<f64> = report
        .pairs
        .iter()
        .filter(|p| p.a.starts_with("KHDUP") != p.b.starts_with("KHDUP"))
        .filter(|p| person[&p.a] == person[&p.b])
        .filter(|p| {
            p.agreements
                .iter()
                .all(|a| a.level == "exact" || a.level == "same")
        })
        .map(|p| p.probability)
        .collect();
    assert!(
        copies.len() >= voters.len() / 20,
        "{} exact copies found of {}",
        copies.len(),
        voters.len().div_ceil(20)
    );
    let lowest_copy = copies.iter().copied().fold(1.0, f64::min);
    let differing = report
        .pairs
        .iter()
        .filter(|p| person[&p.a] != person[&p.b])
        .filter(|p| {
            p.agreements
                .iter()
                .any(|a| a.level != "exact" && a.level != "same")
        })
        .map(|p| p.probability)
        .fold(0.0, f64::max);
    assert!(
        lowest_copy >= 0.9 && lowest_copy > differing,
        "exact copies score from {lowest_copy:.3}, namesakes who differ up to {differing:.3}"
    );
    let pair = report
        .pairs
        .iter()
        .find(|p| p.b == "KHDUP0000001" || p.a == "KHDUP0000001")
        .unwrap_or_else(|| {
            panic!(
                "the planted duplicate is not found among {} pairs: {:?}",
                report.pairs.len(),
                report
                    .pairs
                    .iter()
                    .take(5)
                    .map(|p| (&p.a, &p.b, p.probability))
                    .collect::<Vec<_>>()
            )
        });
    assert!(pair.a == first.voter || pair.b == first.voter);
    assert!(
        pair.agreements
            .iter()
            .any(|a| a.field == "station" && a.level == "same")
    );
    let proposal = report.removal_proposal().unwrap();
    let line = r#"{"remove_voter":{"reason":"duplicate","voter":"KHDUP0000001"}}"#;
    assert!(proposal.lines().any(|l| l == line), "{proposal}");
    // Every line is a governed action the ledger reads.
    for l in proposal.lines() {
        let _: ledger::event::Action = serde_json::from_str(l).unwrap();
    }
}

/// The command's path on FEBRL: the file through the mapping, the private fields compared.
#[test]
fn febrl_through_its_mapping_matches_splink_with_the_ssn() {
    let m = repo_mapping("febrl.toml");
    let roll = review::roll::from_file(&shared().join("data/febrl/dataset2.csv"), &m).unwrap();
    assert!(roll.fields.contains(&"soc_sec_id".to_string()));
    assert!(
        !roll.fields.contains(&"date_of_birth".to_string()),
        "the birth column is compared once"
    );
    assert!(!roll.recorded && roll.unreadable.len() == 10);
    let report = review::roll::dedup(roll, 0.5, &[], &Quiet).unwrap();
    let person = |id: &str| id.split('-').nth(1).unwrap().to_string();
    let tp = report
        .pairs
        .iter()
        .filter(|p| person(&p.a) == person(&p.b))
        .count();
    // 1934 true pairs; Splink 5.0 finds all of them and no other.
    assert_eq!((tp, report.pairs.len()), (1934, 1934));
    assert!(
        report.removal_proposal().is_err(),
        "a file is not a recorded roll"
    );
    let csv = report.pairs_csv().unwrap();
    assert!(csv.starts_with("a,b,probability,weight,swapped,explanation\n"));
    assert!(report.clusters_csv().lines().count() > 428);
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

const KHMER: &str = "record = \"voter-roll\"\n[voter]\nid = \"id\"\nfamily = \"family\"\n\
                     given = \"given\"\nfamily_latin = \"family_latin\"\ngiven_latin = \"given_latin\"\n";

#[test]
fn bad_roll_files_are_errors_that_name_the_place() {
    let dir = tempfile::tempdir().unwrap();
    let m = Mapping::parse(KHMER, "k.toml").unwrap();
    // Invalid UTF-8 in a name: file, line and column.
    let mut bytes = b"id,family,given,family_latin,given_latin\n1,".to_vec();
    bytes.extend([0xff, 0xfe]);
    bytes.extend(b",Dara,Sok,Dara\n");
    let path = write(dir.path(), "bad.csv", &bytes);
    let err = review::roll::from_file(&path, &m)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("bad.csv:2") && err.contains("family"), "{err}");
    // A column the mapping names is missing: the mapping key and the file.
    let path = write(dir.path(), "short.csv", b"id,family,given\n1,a,b\n");
    let err = review::roll::from_file(&path, &m)
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("voter.family_latin") && err.contains("short.csv"),
        "{err}"
    );
    // A mapping mistake names its key.
    let err = Mapping::parse(&KHMER.replace("id = \"id\"\n", ""), "k.toml").unwrap_err();
    assert_eq!(err.key(), Some("voter.id"), "{err}");
}

#[test]
fn empty_names_and_mixed_scripts_do_not_stop_deduplication() {
    let dir = tempfile::tempdir().unwrap();
    let m = Mapping::parse(KHMER, "k.toml").unwrap();
    let path = write(
        dir.path(),
        "k.csv",
        "id,family,given,family_latin,given_latin\n\
         1,សុខ,ដារ៉ា,Sok,Dara\n\
         2,សុខ,ដារា,Sok,Dara\n\
         3,,,,\n\
         4,Sok,ដារ៉ា,,Dara\n\
         5,ចាន់,សុភា,Chan,Sophea\n"
            .as_bytes(),
    );
    let roll = review::roll::from_file(&path, &m).unwrap();
    assert_eq!(roll.records.len(), 5);
    assert_eq!(roll.latin, roll::name::LatinKey::RomanisedKhmer);
    // A Latin-letter family name in the Khmer column is read as Latin.
    assert_eq!(roll.records[3].name.family.latin.as_deref(), Some("Sok"));
    let report = review::roll::dedup(roll, 0.0, &[], &Quiet).unwrap();
    assert!(
        report.pairs.iter().all(|p| p.a != "3" && p.b != "3"),
        "an empty name blocks with nothing"
    );
}
