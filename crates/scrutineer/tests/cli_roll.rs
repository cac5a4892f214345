//! `scrutineer roll index` and `scrutineer roll find` end to end over the demo election (whose
//! roll has Khmer names and their romanisation): from its directory and from its published log
//! replayed here; either script, either order, typos; bad queries and damaged indexes refused
//! in one line, never a panic.

mod common;
use common::{ok, refused};

/// Refused in one line.
fn fails(args: &[&str], dir: &Path) -> String {
    let stderr = refused(args, dir);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    stderr
}

use std::path::Path;

#[test]
fn find_my_name_in_the_demo_roll() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let out = ok(&["demo", "--scale", "1/100", "--dir", "demo"], dir);
    let e = synthetic::Cambodia2013::new(synthetic::Scale { divisor: 100 }, 2013);
    let (voter, _) = e.roll_voters(5).into_iter().nth(40).unwrap();
    let names = voter.names.clone().unwrap();
    let (fl, gl) = (names.family_latin.unwrap(), names.given_latin.unwrap());

    let summary = ok(
        &[
            "roll",
            "index",
            "demo/election",
            "--out",
            "roll.idx",
            "--json",
        ],
        dir,
    );
    let summary: serde_json::Value = serde_json::from_str(&summary).unwrap();
    assert!(summary["voters"].as_u64().unwrap() > 50_000, "{summary}");

    let find = |query: &str, extra: &[&str]| -> serde_json::Value {
        let mut args = vec!["roll", "find", "roll.idx", query, "--json", "--limit", "5"];
        args.extend_from_slice(extra);
        serde_json::from_str(&ok(&args, dir)).unwrap()
    };
    let year = voter.birth_year.to_string();
    let area = &voter.station[..2];
    let filters = ["--birth-year", year.as_str(), "--area", area];
    // Khmer script in the roll's order; romanised, swapped, with a typo.
    let typo = format!("{gl} {}x", fl);
    for (query, edits) in [(format!("{} {}", names.family, names.given), 0), (typo, 1)] {
        let found = find(&query, &filters);
        let hit = found
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["voter"] == voter.voter.as_str())
            .unwrap_or_else(|| panic!("{query}: {found}"));
        assert_eq!(hit["station"], voter.station.as_str());
        assert_eq!(hit["edits"], edits);
    }
    let text = ok(
        &[
            "roll",
            "find",
            "roll.idx",
            &format!("{fl} {gl}"),
            "--birth-year",
            &year,
            "--area",
            area,
        ],
        dir,
    );
    assert!(
        text.contains(&voter.voter) && text.contains(&format!("station {}", voter.station)),
        "{text}"
    );

    // The same roll from the published log, replayed here.
    let line = out.lines().last().unwrap();
    let quoted: Vec<&str> = line.split('\'').skip(1).step_by(2).collect();
    let published = line.split_whitespace().nth(2).unwrap();
    ok(
        &[
            "roll",
            "index",
            published,
            "--vkey",
            quoted[0],
            "--out",
            "replayed.idx",
        ],
        dir,
    );
    assert_eq!(
        std::fs::read(dir.join("roll.idx")).unwrap(),
        std::fs::read(dir.join("replayed.idx")).unwrap()
    );

    // Refusals: one line naming the place.
    let e = fails(&["roll", "find", "roll.idx", "Sok ដារា"], dir);
    assert!(
        e.contains("query: mixes Khmer script and Latin letters (character 5)"),
        "{e}"
    );
    std::fs::write(dir.join("bad.idx"), b"not an index").unwrap();
    let e = fails(&["roll", "find", "bad.idx", "Sok Dara"], dir);
    assert!(e.contains("bad.idx: not a scrutineer roll index"), "{e}");
    let mut cut = std::fs::read(dir.join("roll.idx")).unwrap();
    cut.truncate(cut.len() / 2);
    std::fs::write(dir.join("cut.idx"), cut).unwrap();
    let e = fails(&["roll", "find", "cut.idx", "Sok Dara"], dir);
    assert!(e.contains("cut.idx: cut short"), "{e}");
}
