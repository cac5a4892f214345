//! `scrutineer forensics` run as a user would: on the real Russian 2011 file through its
//! mapping, and on broken input.

mod common;
use common::{scrutineer, shared};

use std::path::PathBuf;

fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

#[test]
fn russia_2011_reproduces_the_published_figures_as_json_and_svg() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("fingerprint.svg");
    let out = scrutineer()
        .arg("forensics")
        .arg(shared().join("data/russia/duma-2011.csv.zip"))
        .arg("--mapping")
        .arg(repo("mappings/russia-duma-2011.toml"))
        .args([
            "--json",
            "--replicates",
            "300",
            "--bootstrap",
            "30",
            "--seed",
            "11",
            "--svg",
        ])
        .arg(&svg)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["stations"], 95_225);
    assert_eq!(report["leader"]["name"], "United Russia");
    let share = report["leader"]["share"].as_f64().unwrap();
    assert_eq!(format!("{:.2}", 100.0 * share), "49.31");
    let t = &report["integer_percentages"];
    assert_eq!(t["included"], 86_718);
    assert_eq!(t["integer"], 17_803);
    let (excess, sd) = (t["excess"].as_f64().unwrap(), t["mc_sd"].as_f64().unwrap());
    assert!(
        (excess - 1003.5).abs() <= 2.0 * sd,
        "excess {excess}, SD {sd}"
    );
    assert_eq!(report["toolkit"]["variables"].as_array().unwrap().len(), 8);
    assert!(
        report["red_flags"]["totals"]["turnout_above_threshold"]
            .as_u64()
            .unwrap()
            > 0
    );
    let drawing = std::fs::read_to_string(&svg).unwrap();
    assert!(drawing.starts_with("<svg") && drawing.contains("United Russia share"));
}

#[test]
fn the_human_report_explains_each_section() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("results.csv");
    let mut text = String::from("district,station,registered,issued,valid,invalid,a,b\n");
    for i in 0..400u64 {
        let registered = 600 + (i * 37) % 900;
        let issued = registered * (45 + i % 30) / 100;
        let a = issued * (40 + (i * 7) % 25) / 100;
        text += &format!(
            "D{},{i},{registered},{issued},{},0,{a},{}\n",
            i % 5,
            issued,
            issued - a
        );
    }
    std::fs::write(&csv, text).unwrap();
    let mapping = dir.path().join("m.toml");
    std::fs::write(
        &mapping,
        r#"record = "station-results"
[station]
id = ["district", "station"]
[contest]
choices = ["Alpha", "Beta"]
[[source]]
name = "official"
registered = "registered"
ballots_issued = "issued"
valid = "valid"
invalid = "invalid"
votes = ["a", "b"]
"#,
    )
    .unwrap();
    let out = scrutineer()
        .arg("forensics")
        .arg(&csv)
        .arg("--mapping")
        .arg(&mapping)
        .args(["--replicates", "50", "--bootstrap", "20"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for heading in [
        "Integer percentages",
        "Election Forensics Toolkit tests",
        "Election fingerprint and fraud model",
        "Red flags",
        "stations included",
    ] {
        assert!(stdout.contains(heading), "missing {heading:?} in\n{stdout}");
    }
}

#[test]
fn bad_input_names_the_file_line_column_or_key() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("bad.csv");
    std::fs::write(&csv, "s,r,v,a\n1,100,50,20\n2,100,5x,20\n").unwrap();
    let mapping = dir.path().join("m.toml");
    let good = "record = \"station-results\"\n[station]\nid = \"s\"\n[contest]\nchoices = [\"A\"]\n[[source]]\nname = \"official\"\nregistered = \"r\"\nvalid = \"v\"\nvotes = [\"a\"]\n";
    std::fs::write(&mapping, good).unwrap();
    let out = scrutineer()
        .arg("forensics")
        .arg(&csv)
        .arg("--mapping")
        .arg(&mapping)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bad.csv:3: column 2 (\"v\")"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    std::fs::write(
        &mapping,
        good.replace("votes = [\"a\"]", "votes = [\"a\", \"v\"]"),
    )
    .unwrap();
    let out = scrutineer()
        .arg("forensics")
        .arg(&csv)
        .arg("--mapping")
        .arg(&mapping)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("m.toml: key `source[0].votes`"), "{stderr}");

    let out = scrutineer()
        .arg("forensics")
        .arg(&csv)
        .arg("--mapping")
        .arg(dir.path().join("absent.toml"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("absent.toml"));
}

#[test]
fn help_teaches_the_tests_and_shows_an_example() {
    let out = scrutineer().args(["forensics", "--help"]).output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "Integer percentages",
        "2BL",
        "dip test",
        "Klimek",
        "Red flags",
        "mappings/russia-duma-2011.toml",
        "--replicates",
    ] {
        assert!(help.contains(needle), "help lacks {needle:?}:\n{help}");
    }
}
