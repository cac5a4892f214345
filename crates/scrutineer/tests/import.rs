//! `scrutineer import` end to end through the binary: the Russian 2011 and Indonesian 2019
//! files in ../shared/data imported through mapping files only, approved, published and
//! replayed to the same numbers; bad rows that refuse a file and leave the log as it was;
//! `--skip-invalid`; and a voter roll whose private fields never reach the log.
//!
//! The two real-data tests take about 20 s each in a release build and several times that in
//! a debug build, so they run with `cargo test --release` (as CI does).

mod common;
use common::{fails, json, mapping, ok, proposal_id, run, shared};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Instant;

/// The number of entries in the election's log.
fn size(dir: &Path, election: &str) -> u64 {
    json(&["status", election], dir)["entries"]
        .as_u64()
        .unwrap()
}

/// An election made through the command line: keys from `scrutineer keygen`, a config written
/// here, and a genesis signed by every member.
struct Setup {
    origin: &'static str,
    levels: &'static [&'static str],
    /// (party id, name)
    parties: Vec<(String, String)>,
    /// (key name, party)
    members: Vec<(&'static str, Option<&'static str>)>,
    /// (key name, extra TOML lines: role, organisation...)
    keys: Vec<(&'static str, &'static str)>,
    bulk_threshold: u64,
    contest: String,
}

impl Setup {
    /// Creates the election `name` in `d`; returns the log's vkey.
    fn create(&self, d: &Path, name: &str) -> String {
        let log = ok(&["keygen", self.origin], d).trim().to_string();
        let mut config = format!(
            "election = \"Test of {name}\"\norigin = \"{}\"\nlevels = {:?}\nbulk_threshold = {}\n\n\
             [rule]\nmin_approvals = 2\nmin_parties = 2\nevery_party_asked = true\n",
            self.origin, self.levels, self.bulk_threshold
        );
        for (id, pname) in &self.parties {
            config.push_str(&format!("\n[[party]]\nid = \"{id}\"\nname = \"{pname}\"\n"));
        }
        let mut member_keys = Vec::new();
        for (m, party) in &self.members {
            let vkey = ok(&["keygen", m, "-o", &format!("{m}.key")], d);
            let party = party.map_or(String::new(), |p| format!("party = \"{p}\"\n"));
            config.push_str(&format!(
                "\n[[member]]\nname = \"{m}\"\nperson = \"{m}\"\n{party}vkey = \"{}\"\n",
                vkey.trim()
            ));
            member_keys.push(format!("{m}.key"));
        }
        for (k, extra) in &self.keys {
            let vkey = ok(&["keygen", k, "-o", &format!("{k}.key")], d);
            config.push_str(&format!(
                "\n[[key]]\nname = \"{k}\"\n{extra}\nscope = \"all\"\nvkey = \"{}\"\n",
                vkey.trim()
            ));
        }
        config.push_str(&self.contest);
        std::fs::write(d.join(format!("{name}.toml")), &config).unwrap();
        let log_key = format!("{}.key", self.origin.replace(['/', ':'], "_"));
        let config_file = format!("{name}.toml");
        let mut args = vec!["init", name, "--config", &config_file, "--key", &log_key];
        for k in &member_keys {
            args.extend(["--member-key", k.as_str()]);
        }
        ok(&args, d);
        log
    }
}

/// Publishes and replays the election; checks the digest and that nothing was refused.
fn publish_and_replay(d: &Path, election: &str, vkey: &str) -> serde_json::Value {
    let public = format!("{election}-public");
    ok(&["publish", election, &public], d);
    let operator = json(&["status", election], d)["digest"].clone();
    let replay = json(&["replay", &public, "--vkey", vkey], d);
    assert_eq!(replay["matches_published_digest"], true, "{replay}");
    assert_eq!(replay["digest"], operator);
    assert_eq!(replay["refused"].as_array().unwrap().len(), 0, "{replay}");
    replay
}

/// The totals of one source in a replay.
fn totals<'a>(replay: &'a serde_json::Value, source: &str) -> &'a serde_json::Value {
    replay["totals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["source"] == source)
        .unwrap_or_else(|| panic!("no {source} totals in {replay}"))
}

/// The file:line lines an import listed.
fn listed_lines(out: &str, file: &str) -> Vec<u64> {
    out.lines()
        .filter_map(|l| l.trim().strip_prefix(file)?.strip_prefix(':'))
        .map(|rest| rest.split(':').next().unwrap().parse().unwrap())
        .collect()
}

// ---------------------------------------------------------------- Russia 2011

const RUSSIAN_PARTIES: [(&str, &str); 7] = [
    ("SR", "Fair Russia"),
    ("LDPR", "LDPR"),
    ("PR", "Patriots of Russia"),
    ("KPRF", "CPRF"),
    ("YABLOKO", "Yabloko"),
    ("ER", "United Russia"),
    ("PD", "Right Cause"),
];

#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "about 20 s in release, several times that in debug: run with cargo test --release"
)]
fn russia_2011_stations_and_results_import_through_mappings_and_replay() {
    let started = Instant::now();
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let choices: Vec<String> = RUSSIAN_PARTIES
        .iter()
        .map(|(id, name)| format!("{{ id = \"{id}\", name = \"{name}\", party = \"{id}\" }}"))
        .collect();
    let setup = Setup {
        origin: "elections.test/ru-2011",
        levels: &["region", "tik"],
        parties: RUSSIAN_PARTIES
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
        members: vec![
            ("m.er", Some("ER")),
            ("m.kprf", Some("KPRF")),
            ("m.chair", None),
        ],
        keys: vec![("clerk", "role = \"commission_clerk\"")],
        bulk_threshold: 100,
        contest: format!(
            "\n[[contest]]\nid = \"duma-2011\"\nname = \"State Duma 2011\"\nkind = \"party_list\"\n\
             constituency_level = \"region\"\nmethod = \"dhondt\"\nchoices = [{}]\nseats = {{}}\n",
            choices.join(", ")
        ),
    };
    let vkey = setup.create(d, "ru");
    let data = shared().join("data/russia/duma-2011.csv.zip");
    let file = data.display().to_string();

    // Stations through the stations mapping: one proposal of 84 regions, 2,746 TIKs and 95,225
    // stations, which stays pending until members of two parties approve it.
    let out = ok(
        &[
            "import",
            "stations",
            "ru",
            &file,
            "--mapping",
            &mapping("russia-duma-2011-stations.toml"),
            "--as",
            "clerk.key",
        ],
        d,
    );
    assert!(
        out.contains("proposed 2830 new areas and 95225 stations (109229337 registered voters)"),
        "{out}"
    );
    let p = proposal_id(&out);
    let status = json(&["status", "ru"], d);
    assert_eq!(status["pending"][0]["staged"], 2830 + 95_225);
    assert_eq!(status["roll"].as_array().unwrap().len(), 0);
    ok(&["approve", "ru", &p, "--as", "m.er.key"], d);
    assert_eq!(json(&["status", "ru"], d)["pending"][0]["id"], p);
    let out = ok(&["approve", "ru", &p, "--as", "m.kprf.key"], d);
    assert!(out.contains("took effect"), "{out}");
    let status = json(&["status", "ru"], d);
    let roll = status["roll"].as_array().unwrap();
    let sum = |key: &str| roll.iter().map(|r| r[key].as_u64().unwrap()).sum::<u64>();
    assert_eq!(roll.len(), 84);
    assert_eq!(sum("stations"), 95_225);
    assert_eq!(sum("registered"), 109_229_337);

    // Results as the official source. 42 stations' forms do not add up (more ballots counted
    // than issued, or more issued + unused than received): evidence for observers, so they
    // are recorded and flagged, never refused, and the totals say how many are flagged.
    let results = [
        "import",
        "results",
        "ru",
        &file,
        "--mapping",
        &mapping("russia-duma-2011.toml"),
        "--source",
        "official",
        "--as",
        "clerk.key",
    ];
    let out = ok(&results, d);
    assert!(
        out.contains("recorded 95225 official result forms"),
        "{out}"
    );
    assert!(out.contains("\n42 forms do not add up"), "{out}");

    let replay = publish_and_replay(d, "ru", &vkey);
    let roll = replay["roll"].as_array().unwrap();
    let sum = |key: &str| roll.iter().map(|r| r[key].as_u64().unwrap()).sum::<u64>();
    assert_eq!((sum("stations"), sum("registered")), (95_225, 109_229_337));
    let official = totals(&replay, "official");
    assert_eq!(official["forms"], 95_225);
    assert_eq!(official["flagged"], 42);
    let cast = official["valid"].as_u64().unwrap() + official["invalid"].as_u64().unwrap();
    let er = official["votes"]["ER"].as_u64().unwrap();
    // With every form counted, United Russia has the published 49.31% of (valid + invalid).
    assert_eq!(format!("{:.2}", 100.0 * er as f64 / cast as f64), "49.31");
    eprintln!(
        "Russia 2011: init, import, approve, publish and replay took {:.1?}",
        started.elapsed()
    );
}

// ---------------------------------------------------------------- Indonesia 2019

/// What the file says, computed here without the mapping or the importer: per copy, the forms
/// that can be taken (all votes given, valid and invalid given or derivable from the total),
/// those of them whose votes do not add up to valid (taken and flagged), their totals, and the
/// stations' registered voters.
#[derive(Debug, Default, PartialEq)]
struct Expected {
    forms: u64,
    left_out: u64,
    votes_not_valid: u64,
    valid: u64,
    invalid: u64,
    votes: [u64; 2],
}

fn indonesian_file(path: &Path) -> (u64, u64, Expected, Expected) {
    let gz = flate2::read::MultiGzDecoder::new(std::fs::File::open(path).unwrap());
    let mut reader = csv::Reader::from_reader(gz);
    let header = reader.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (mut stations, mut registered) = (0, 0);
    let mut copies = [Expected::default(), Expected::default()];
    for record in reader.records() {
        let r = record.unwrap();
        let get = |name: &str| -> Option<u64> {
            let cell = r[col(name)].trim();
            if cell.is_empty() || cell == "-1" {
                None
            } else {
                Some(cell.parse().unwrap())
            }
        };
        stations += 1;
        if let (Some(a), Some(b)) = (get("dpt_a"), get("dpt_b")) {
            registered += a + b;
        }
        for (copy, prefix) in copies.iter_mut().zip(["kpu", "crowd"]) {
            let f = |s: &str| get(&format!("{prefix}_{s}"));
            let (p1, p2) = (f("pas1"), f("pas2"));
            if p1.is_none() && p2.is_none() {
                continue;
            }
            let (sah, tsah, jum) = (f("sah"), f("tSah"), f("jum"));
            let valid = sah.or_else(|| Some(jum? - tsah?));
            let invalid = tsah.or_else(|| Some(jum? - sah?));
            match (p1, p2, valid, invalid) {
                (Some(a), Some(b), Some(v), Some(i)) => {
                    copy.forms += 1;
                    copy.votes_not_valid += u64::from(a + b != v);
                    copy.valid += v;
                    copy.invalid += i;
                    copy.votes[0] += a;
                    copy.votes[1] += b;
                }
                _ => copy.left_out += 1,
            }
        }
    }
    let [official, crowd] = copies;
    (stations, registered, official, crowd)
}

#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "about 20 s in release, several times that in debug: run with cargo test --release"
)]
fn indonesia_2019_official_and_crowd_copies_import_as_two_sources() {
    let started = Instant::now();
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let setup = Setup {
        origin: "elections.test/id-2019",
        levels: &["province", "regency", "district", "village"],
        parties: vec![
            ("PDIP".into(), "PDI-P".into()),
            ("GERINDRA".into(), "Gerindra".into()),
        ],
        members: vec![("m.pdip", Some("PDIP")), ("m.gerindra", Some("GERINDRA"))],
        keys: vec![
            ("clerk", "role = \"commission_clerk\""),
            (
                "kawal",
                "role = \"observer\"\norganisation = \"kawalpemilu\"",
            ),
        ],
        bulk_threshold: 100,
        contest: "\n[[contest]]\nid = \"president-2019\"\nname = \"President 2019\"\n\
                  kind = \"candidates\"\nconstituency_level = \"province\"\nmethod = \"dhondt\"\n\
                  choices = [{ id = \"01\", name = \"01 Jokowi-Ma'ruf\" }, { id = \"02\", name = \"02 Prabowo-Sandi\" }]\n\
                  seats = {}\n"
            .into(),
    };
    let vkey = setup.create(d, "id");
    let data = shared().join("data/indonesia/kawalpemilu-2019-jakarta-bali-yogyakarta-aceh.csv.gz");
    let file = data.display().to_string();
    let (stations, registered, official, crowd) = indonesian_file(&data);
    assert_eq!(stations, 68_846);

    let out = ok(
        &[
            "import",
            "stations",
            "id",
            &file,
            "--mapping",
            &mapping("indonesia-kawalpemilu-2019-stations.toml"),
            "--as",
            "clerk.key",
        ],
        d,
    );
    assert!(
        out.contains("proposed 8433 new areas and 68846 stations"),
        "{out}"
    );
    let p = proposal_id(&out);
    ok(&["approve", "id", &p, "--as", "m.pdip.key"], d);
    ok(&["approve", "id", &p, "--as", "m.gerindra.key"], d);

    // The mapping holds two copies: choosing one is required.
    let results = mapping("indonesia-kawalpemilu-2019.toml");
    let err = fails(
        &[
            "import",
            "results",
            "id",
            &file,
            "--mapping",
            &results,
            "--as",
            "clerk.key",
        ],
        d,
    );
    assert!(err.contains("choose one with --from"), "{err}");
    // The official copy, filed by the commission's clerk (official by default).
    let out = ok(
        &[
            "import",
            "results",
            "id",
            &file,
            "--mapping",
            &results,
            "--from",
            "official",
            "--as",
            "clerk.key",
            "--skip-invalid",
        ],
        d,
    );
    assert_eq!(
        listed_lines(&out, &file).len() as u64,
        official.left_out,
        "{out}"
    );
    // The crowd copy, filed as the observer organisation that made it.
    let out = ok(
        &[
            "import",
            "results",
            "id",
            &file,
            "--mapping",
            &results,
            "--from",
            "crowd",
            "--source",
            "observer:kawalpemilu",
            "--as",
            "kawal.key",
            "--skip-invalid",
        ],
        d,
    );
    assert_eq!(
        listed_lines(&out, &file).len() as u64,
        crowd.left_out,
        "{out}"
    );

    let replay = publish_and_replay(d, "id", &vkey);
    let roll = replay["roll"].as_array().unwrap();
    let sum = |key: &str| roll.iter().map(|r| r[key].as_u64().unwrap()).sum::<u64>();
    assert_eq!((sum("stations"), sum("registered")), (68_846, registered));
    for (source, want) in [("official", &official), ("observer:kawalpemilu", &crowd)] {
        let t = totals(&replay, source);
        let got = Expected {
            forms: t["forms"].as_u64().unwrap(),
            left_out: want.left_out,
            votes_not_valid: want.votes_not_valid,
            valid: t["valid"].as_u64().unwrap(),
            invalid: t["invalid"].as_u64().unwrap(),
            votes: [
                t["votes"]["01"].as_u64().unwrap(),
                t["votes"]["02"].as_u64().unwrap(),
            ],
        };
        assert_eq!(&got, want, "{source}");
        // Every form whose votes are not its valid ballots is flagged (others may be too:
        // more ballots counted than registered or received).
        let flagged = t["flagged"].as_u64().unwrap();
        assert!(flagged >= want.votes_not_valid, "{source}: {t}");
    }
    // The figures the file gives today, so that a change in either side is noticed.
    assert_eq!(
        (official.forms, official.left_out, official.votes_not_valid),
        (66_822, 0, 1_334)
    );
    assert_eq!(
        (crowd.forms, crowd.left_out, crowd.votes_not_valid),
        (68_453, 0, 821)
    );
    eprintln!(
        "Indonesia 2019: init, imports, approvals, publish and replay took {:.1?}",
        started.elapsed()
    );
}

// ---------------------------------------------------------------- small files

/// A council election with two wards and four stations, approved.
fn council(d: &Path, bulk_threshold: u64) -> String {
    let setup = Setup {
        origin: "elections.test/council",
        levels: &["ward"],
        parties: vec![("RED".into(), "Red".into()), ("BLUE".into(), "Blue".into())],
        members: vec![("m.red", Some("RED")), ("m.blue", Some("BLUE"))],
        keys: vec![
            ("clerk", "role = \"commission_clerk\""),
            ("officer", "role = \"registration_officer\""),
        ],
        bulk_threshold,
        contest: "\n[[contest]]\nid = \"council\"\nname = \"Council\"\nkind = \"party_list\"\n\
                  constituency_level = \"ward\"\nmethod = \"dhondt\"\n\
                  choices = [{ id = \"RED\", name = \"Red\" }, { id = \"BLUE\", name = \"Blue\" }]\n\
                  seats = { W1 = 3, W2 = 2 }\n"
            .into(),
    };
    let vkey = setup.create(d, "council");
    std::fs::write(
        d.join("stations.toml"),
        "record = \"stations\"\n[station]\nid = [\"ward\", \"number\"]\n\
         areas = [{ level = \"ward\", column = \"ward\" }]\nregistered = \"registered\"\n",
    )
    .unwrap();
    std::fs::write(
        d.join("stations.csv"),
        "ward,number,registered\nW1,1,100\nW1,2,120\nW2,1,90\nW2,2,80\n",
    )
    .unwrap();
    let out = ok(
        &[
            "import",
            "stations",
            "council",
            "stations.csv",
            "--mapping",
            "stations.toml",
            "--as",
            "clerk.key",
        ],
        d,
    );
    assert!(out.contains("approve council"), "{out}");
    let p = proposal_id(&out);
    ok(&["approve", "council", &p, "--as", "m.red.key"], d);
    ok(&["approve", "council", &p, "--as", "m.blue.key"], d);
    std::fs::write(
        d.join("results.toml"),
        "record = \"station-results\"\n[station]\nid = [\"ward\", \"number\"]\n\
         [contest]\nchoices = [\"Red\", \"Blue\"]\n[[source]]\nname = \"count\"\n\
         ballots_issued = \"issued\"\nvalid = \"valid\"\ninvalid = \"invalid\"\nvotes = [\"red\", \"blue\"]\n",
    )
    .unwrap();
    vkey
}

const RESULTS_HEADER: &str = "ward,number,issued,valid,invalid,red,blue\n";

fn import_results(d: &Path, file: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "import",
        "results",
        "council",
        file,
        "--mapping",
        "results.toml",
        "--as",
        "clerk.key",
    ];
    args.extend(extra);
    run(&args, d)
}

#[test]
fn a_bad_cell_names_file_line_and_column_and_nothing_is_recorded() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    council(d, 100);
    std::fs::write(
        d.join("r.csv"),
        format!("{RESULTS_HEADER}W1,1,80,70,2,40,30\nW1,2,90,8O,1,50,30\nW2,1,60,50,0,20,30\n"),
    )
    .unwrap();
    let before = size(d, "council");
    let out = import_results(d, "r.csv", &[]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("r.csv:3: column 3 (\"valid\"): expected a whole number, found \"8O\""),
        "{err}"
    );
    assert!(err.contains("source[0].valid"), "{err}");
    assert!(err.contains("refused, nothing was recorded"), "{err}");
    assert_eq!(size(d, "council"), before);
}

#[test]
fn every_bad_row_is_listed_and_skip_invalid_takes_the_rest() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let vkey = council(d, 100);
    std::fs::write(
        d.join("r.csv"),
        format!(
            "{RESULTS_HEADER}W1,1,80,70,2,40,30\n\
             W1,2,90,8O,1,50,30\n\
             W2,1,60,50,20,20,30\n\
             W9,1,60,50,0,20,30\n\
             W2,2,60,50,0,20,29\n\
             W1,1,80,70,2,40,30\n"
        ),
    )
    .unwrap();
    let before = size(d, "council");
    // The reader's bad cell and the election's refusals, all listed at once. Lines 4 (70
    // counted, 60 issued) and 6 (votes 49, valid 50) do not add up: evidence, not refusals.
    let out = import_results(d, "r.csv", &[]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(listed_lines(&err, "r.csv"), [3, 5, 7], "{err}");
    for want in [
        "r.csv:5: station (mapping key `station.id`): unknown station \"W9/1\"",
        "r.csv:7: row: station \"W1/1\" already has a \"official\" result form",
        "3 of the rows of r.csv cannot be taken",
    ] {
        assert!(err.contains(want), "missing {want:?} in:\n{err}");
    }
    assert_eq!(size(d, "council"), before);

    let out = import_results(d, "r.csv", &["--skip-invalid"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(listed_lines(&text, "r.csv"), [3, 5, 7], "{text}");
    assert!(text.contains("recorded 3 official result forms"), "{text}");
    assert!(text.contains("2 forms do not add up"), "{text}");
    let replay = publish_and_replay(d, "council", &vkey);
    let official = totals(&replay, "official");
    assert_eq!(
        (
            official["forms"].as_u64(),
            official["valid"].as_u64(),
            official["flagged"].as_u64(),
            official["flagged_valid"].as_u64()
        ),
        (Some(3), Some(170), Some(2), Some(100))
    );
}

#[test]
fn a_stations_mapping_must_name_the_elections_levels() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    council(d, 100);
    std::fs::write(
        d.join("bad.toml"),
        "record = \"stations\"\n[station]\nid = [\"ward\", \"number\"]\n\
         areas = [{ level = \"district\", column = \"ward\" }]\n",
    )
    .unwrap();
    let before = size(d, "council");
    let err = fails(
        &[
            "import",
            "stations",
            "council",
            "stations.csv",
            "--mapping",
            "bad.toml",
            "--as",
            "clerk.key",
        ],
        d,
    );
    assert!(err.contains("bad.toml: key `station.areas`"), "{err}");
    assert!(err.contains("the election's levels are ward"), "{err}");
    // A results mapping is not a stations mapping.
    let err = fails(
        &[
            "import",
            "stations",
            "council",
            "stations.csv",
            "--mapping",
            "results.toml",
            "--as",
            "clerk.key",
        ],
        d,
    );
    assert!(err.contains("key `record`"), "{err}");
    assert_eq!(size(d, "council"), before);
}

#[test]
fn a_roll_registers_voters_and_keeps_private_fields_off_the_log() {
    use base64::prelude::*;
    use sha2::Digest;
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let vkey = council(d, 3);
    std::fs::write(
        d.join("roll.toml"),
        "record = \"voter-roll\"\n[station]\nid = [\"ward\", \"number\"]\n\
         [voter]\nid = \"voter\"\nname = [\"given\", \"family\"]\nsex = \"sex\"\n\
         sex_values = { F = [\"P\"], M = [\"L\"] }\n\
         birth_date = \"dob\"\nbirth_date_format = \"DD/MM/YYYY\"\n\
         [private]\ndate_of_birth = \"dob\"\nid_number = \"nik\"\naddress = \"address\"\n",
    )
    .unwrap();
    let header = "voter,given,family,sex,dob,nik,address,ward,number\n";
    std::fs::write(
        d.join("roll-1.csv"),
        format!(
            "{header}V1,Siti,Aminah,P,04/09/1961,NIK-0001,Jl. Melati 7,W1,1\n\
             V2,Budi,Santoso,L,12/01/1990,NIK-0002,Jl. Mawar 2,W1,2\n\
             V3,Dewi,,P,30/06/2001,,,W2,1\n"
        ),
    )
    .unwrap();
    let roll = |file: &str, key: &str| -> Output {
        run(
            &[
                "import",
                "roll",
                "council",
                file,
                "--mapping",
                "roll.toml",
                "--as",
                key,
            ],
            d,
        )
    };
    // Three voters, at the threshold: taken at once.
    let out = roll("roll-1.csv", "officer.key");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("registered 3 voters"), "{text}");
    let private = text
        .split_whitespace()
        .find(|w| w.contains("/private/roll-"))
        .unwrap_or_else(|| panic!("no private file named in {text}"))
        .trim_end_matches(':');
    let private = d.join(private);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&private).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the private file is for its owner only");
    }
    // Each private record opens the commitment the log holds for that voter.
    let db = rusqlite::Connection::open(d.join("council/log.db")).unwrap();
    let records: Vec<serde_json::Value> = std::fs::read_to_string(&private)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 3);
    for r in &records {
        let mut bytes = BASE64_STANDARD.decode(r["salt"].as_str().unwrap()).unwrap();
        assert_eq!(bytes.len(), 32);
        // Canonical JSON of the fields: sorted keys, no spaces.
        let fields: BTreeMap<String, String> = serde_json::from_value(r["fields"].clone()).unwrap();
        let body: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("{}:{}", serde_json::json!(k), serde_json::json!(v)))
            .collect();
        bytes.extend_from_slice(format!("{{{}}}", body.join(",")).as_bytes());
        let want = BASE64_STANDARD.encode(sha2::Sha256::digest(&bytes));
        let logged: String = db
            .query_row(
                "SELECT commitment FROM voter WHERE id = ?1",
                [r["voter"].as_str().unwrap()],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(logged, want, "{r}");
    }
    assert_eq!(
        records[2]["fields"],
        serde_json::json!({"date_of_birth": "30/06/2001"})
    );

    // Four more voters are above the threshold of 3: a proposal that members approve.
    std::fs::write(
        d.join("roll-2.csv"),
        format!(
            "{header}V4,Agus,,L,01/01/1970,NIK-0004,,W1,1\nV5,Rina,,P,02/02/1980,NIK-0005,,W1,2\n\
             V6,Eko,,L,03/03/1990,NIK-0006,,W2,1\nV7,Tari,,P,04/04/2000,NIK-0007,,W2,2\n"
        ),
    )
    .unwrap();
    let out = roll("roll-2.csv", "officer.key");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("proposed the registration of 4 voters"),
        "{text}"
    );
    let p = proposal_id(&text);
    ok(&["approve", "council", &p, "--as", "m.red.key"], d);
    ok(&["approve", "council", &p, "--as", "m.blue.key"], d);
    let voters: u64 = json(&["status", "council"], d)["roll"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["voters"].as_u64().unwrap())
        .sum();
    assert_eq!(voters, 7);

    // The same voters again: every row refused, nothing recorded, no private file left.
    let before = size(d, "council");
    let out = roll("roll-1.csv", "officer.key");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(listed_lines(&err, "roll-1.csv"), [2, 3, 4], "{err}");
    assert!(
        err.contains("voter (mapping key `voter.id`): voter \"V1\" is already registered"),
        "{err}"
    );
    assert_eq!(size(d, "council"), before);
    let files = std::fs::read_dir(d.join("council/private"))
        .unwrap()
        .count();
    assert_eq!(files, 2, "one private file per import taken");

    // The published log has the names but none of the private fields.
    publish_and_replay(d, "council", &vkey);
    let mut public = Vec::new();
    collect_files(&d.join("council-public"), &mut public);
    let everything: Vec<u8> = public
        .iter()
        .flat_map(|p| std::fs::read(p).unwrap())
        .collect();
    let has = |needle: &str| {
        everything
            .windows(needle.len())
            .any(|w| w == needle.as_bytes())
    };
    assert!(has("Siti Aminah"), "the names are public");
    for secret in ["NIK-0001", "Jl. Melati", "04/09/1961", "NIK-0007"] {
        assert!(!has(secret), "{secret} is in the published log");
    }
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            collect_files(&p, out);
        } else {
            out.push(p);
        }
    }
}
