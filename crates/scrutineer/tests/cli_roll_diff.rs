//! `scrutineer roll remove` and `scrutineer roll diff` end to end through the binary, on the
//! demo election at 1/1000: removals proposed from a CSV or JSON-lines file, which take effect
//! only when members of both parties approve; the diff that flags the commune they hit; the
//! same from two CSV snapshots; and bad input refused by file, line and field.

mod common;
use common::{json, ok, refused};

use synthetic::{Cambodia2013, Scale};

fn key(name: &str) -> String {
    format!("demo/keys/{}.key", name.replace(['/', ':'], "_"))
}

#[test]
fn removals_from_a_file_take_effect_with_both_parties_and_the_diff_flags_their_commune() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let out = ok(&["demo", "--scale", "1/1000", "--dir", "demo"], dir);
    // The last line: scrutineer replay DIR --vkey 'V' --witness 'W1' --witness 'W2'.
    let quoted: Vec<String> = out
        .lines()
        .last()
        .unwrap()
        .split('\'')
        .skip(1)
        .step_by(2)
        .map(String::from)
        .collect();
    assert_eq!(quoted.len(), 3);
    let e = Cambodia2013::new(Scale { divisor: 1000 }, 2013);
    let officer = key(e.keys.officer.name());
    let members: Vec<String> = e.keys.members.iter().map(|m| key(m.name())).collect();
    // The first station of the first province holds voters KH010000001 onwards.
    let station = e.stations.iter().find(|s| s.province == 0).unwrap();
    assert!(station.registered >= 40);
    let commune = station.commune.clone();
    // The demo already removed one voter in a hundred (the eighth among them) as deaths.
    let voters: Vec<String> = (1..=31)
        .filter(|&n| n != 8)
        .map(|n| format!("KH01{n:07}"))
        .collect();

    let before = json(&["roll", "diff", "demo/election", "--from", "1"], dir);
    let from = before["election"]["entries"].as_u64().unwrap().to_string();
    // The published log, replayed here, gives the same roll.
    let replayed = json(
        &[
            "roll",
            "diff",
            "demo/public",
            "--vkey",
            &quoted[0],
            "--witness",
            &quoted[1],
            "--witness",
            &quoted[2],
            "--from",
            "1",
        ],
        dir,
    );
    assert_eq!(replayed["election"]["kind"], "replayed log");
    assert_eq!(replayed["areas"], before["areas"]);

    // Bad rows are all listed by line and field, and nothing is recorded.
    std::fs::write(
        dir.join("bad.csv"),
        "voter,reason,score\nKH010000001,deceased,0.9\nKH010000002,gone,0.8\nKH999,duplicate,1\nKH010000001,deceased,1\n",
    )
    .unwrap();
    std::fs::write(dir.join("evidence.pdf"), b"death register extract").unwrap();
    let err = refused(
        &[
            "roll",
            "remove",
            "demo/election",
            "--file",
            "bad.csv",
            "--reason",
            "r",
            "--evidence",
            "evidence.pdf",
            "--as",
            &officer,
        ],
        dir,
    );
    assert!(
        err.contains("bad.csv:3: reason: \"gone\" is not a reason"),
        "{err}"
    );
    assert!(
        err.contains("bad.csv:4: voter: unknown voter \"KH999\""),
        "{err}"
    );
    assert!(
        err.contains("bad.csv:5: voter: voter \"KH010000001\" is listed twice"),
        "{err}"
    );
    assert!(
        err.contains("3 of the rows of bad.csv cannot be taken"),
        "{err}"
    );
    let err = refused(
        &[
            "roll",
            "remove",
            "demo/election",
            "--file",
            "bad.csv",
            "--reason",
            "r",
            "--as",
            &officer,
        ],
        dir,
    );
    assert!(err.contains("bad.csv:2: evidence: no evidence"), "{err}");
    std::fs::write(dir.join("nohead.csv"), "id,why\nKH010000001,deceased\n").unwrap();
    let err = refused(
        &[
            "roll",
            "remove",
            "demo/election",
            "--file",
            "nohead.csv",
            "--reason",
            "r",
            "--as",
            &officer,
        ],
        dir,
    );
    assert!(
        err.contains("nohead.csv:1: the header must name the columns voter and reason (and optionally evidence); it has \"id\",\"why\""),
        "{err}"
    );
    // A header whose quoted field holds a line break is still refused on one line.
    std::fs::write(
        dir.join("broken.csv"),
        "\"vo\nter\",reason\nKH010000001,deceased\n",
    )
    .unwrap();
    let err = refused(
        &[
            "roll",
            "remove",
            "demo/election",
            "--file",
            "broken.csv",
            "--reason",
            "r",
            "--as",
            &officer,
        ],
        dir,
    );
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("it has \"vo\\nter\",\"reason\""), "{err}");
    std::fs::write(
        dir.join("bad.jsonl"),
        "{\"voter\":\"KH010000001\",\"reason\":\"deceased\"}\nnot json\n",
    )
    .unwrap();
    let err = refused(
        &[
            "roll",
            "remove",
            "demo/election",
            "--file",
            "bad.jsonl",
            "--reason",
            "r",
            "--evidence",
            "evidence.pdf",
            "--as",
            &officer,
        ],
        dir,
    );
    assert!(err.contains("bad.jsonl:2: row: not a JSON object"), "{err}");
    let err = refused(
        &[
            "roll",
            "remove",
            "demo/election",
            "--file",
            "missing.csv",
            "--reason",
            "r",
            "--as",
            &officer,
        ],
        dir,
    );
    assert!(err.contains("missing.csv"), "{err}");

    // Twenty removals as CSV with their own evidence, ten as JSON lines with the file's.
    let mut csv = String::from("voter,reason,evidence,score\n");
    for v in &voters[..20] {
        csv.push_str(&format!("{v},duplicate,{},0.97\n", "ab".repeat(32)));
    }
    std::fs::write(dir.join("dups.csv"), csv).unwrap();
    let jsonl: String = voters[20..]
        .iter()
        .map(|v| format!("{{\"voter\":\"{v}\",\"reason\":\"deceased\",\"match\":\"register\"}}\n"))
        .collect();
    std::fs::write(dir.join("deaths.jsonl"), jsonl).unwrap();
    let mut proposals = Vec::new();
    for (file, evidence) in [("dups.csv", None), ("deaths.jsonl", Some("evidence.pdf"))] {
        let mut args = vec![
            "roll",
            "remove",
            "demo/election",
            "--file",
            file,
            "--reason",
            "cleaning",
            "--as",
            &officer,
        ];
        if let Some(e) = evidence {
            args.extend(["--evidence", e]);
        }
        let r = json(&args, dir);
        proposals.push(r["proposal"].as_str().unwrap().to_string());
    }
    // Approved by one party (and the consensus member) only: nothing is removed.
    for p in &proposals {
        for i in [0, 1, 2, 3, 8] {
            ok(&["approve", "demo/election", p, "--as", &members[i]], dir);
        }
    }
    let d = json(&["roll", "diff", "demo/election", "--from", &from], dir);
    assert_eq!(d["totals"]["removals"], 0);
    assert!(d["flagged"].as_array().unwrap().is_empty());
    // A member of the other party approves each: both batches take effect.
    for p in &proposals {
        ok(&["approve", "demo/election", p, "--as", &members[4]], dir);
    }
    let d = json(&["roll", "diff", "demo/election", "--from", &from], dir);
    assert_eq!(d["totals"]["removals"], 30);
    assert_eq!(d["flagged"], serde_json::json!([commune]));
    assert_eq!(d["level"], "commune");
    assert_eq!(d["approvals"].as_array().unwrap().len(), 2);
    assert_eq!(
        d["approvals"][0]["parties"],
        serde_json::json!(["CNRP", "CPP"])
    );
    assert_eq!(d["totals"]["reasons"]["duplicate"], 20);
    let text = ok(&["roll", "diff", "demo/election", "--from", &from], dir);
    assert!(text.contains("FLAGGED: 1 area(s)"), "{text}");
    assert!(text.contains("approved by nec."), "{text}");

    // One of them was removed in error: reinstated by a governed action with a reason. The
    // members asked must include both parties (the demo's rule).
    let out = ok(
        &[
            "propose",
            "demo/election",
            "--as",
            &members[0],
            "--reason",
            "the death record was a namesake's",
            "--ask",
            e.keys.members[0].name(),
            "--ask",
            e.keys.members[4].name(),
            "reinstate-voter",
            &voters[25],
        ],
        dir,
    );
    let p: String = out
        .split_whitespace()
        .skip_while(|w| *w != "proposal")
        .nth(1)
        .unwrap_or_else(|| panic!("no proposal id in {out:?}"))
        .chars()
        .take(16)
        .collect();
    for i in [0, 1, 4, 5, 8] {
        ok(&["approve", "demo/election", &p, "--as", &members[i]], dir);
    }
    let d = json(&["roll", "diff", "demo/election", "--from", &from], dir);
    assert_eq!(d["totals"]["removals"], 29);
    let err = refused(
        &[
            "propose",
            "demo/election",
            "--as",
            &members[0],
            "--reason",
            "again",
            "--ask",
            e.keys.members[0].name(),
            "--ask",
            e.keys.members[4].name(),
            "reinstate-voter",
            &voters[25],
        ],
        dir,
    );
    assert!(err.contains("is on the roll"), "{err}");

    // The same removals seen in two CSV snapshots of the roll.
    let mapping = "record = \"voter-roll\"\n[station]\nid = \"station\"\n[voter]\nid = \"voter\"\nname = \"name\"\nsex = \"sex\"\nbirth_year = \"year\"\n";
    std::fs::write(dir.join("roll.toml"), mapping).unwrap();
    let mut old = String::from("voter,name,sex,year,station\n");
    let mut new = old.clone();
    for n in 1..=station.registered {
        let line = format!("KH01{n:07},Voter {n},F,1970,{}\n", station.code);
        old.push_str(&line);
        if n > 30 {
            new.push_str(&line);
        }
    }
    std::fs::write(dir.join("old.csv"), old).unwrap();
    std::fs::write(dir.join("new.csv"), new).unwrap();
    let s = json(
        &[
            "roll",
            "diff",
            "demo/election",
            "--old",
            "old.csv",
            "--new",
            "new.csv",
            "--mapping",
            "roll.toml",
            "--min-roll",
            "10",
        ],
        dir,
    );
    assert_eq!(s["totals"]["removals"], 30);
    assert_eq!(s["approvals"], serde_json::json!([]));

    // Sizes and flags that cannot be.
    let err = refused(
        &["roll", "diff", "demo/election", "--from", "999999999"],
        dir,
    );
    assert!(
        err.contains("--from 999999999 must be below the second log size"),
        "{err}"
    );
    let err = refused(
        &[
            "roll",
            "diff",
            "demo/election",
            "--from",
            "1",
            "--to",
            "999999999",
        ],
        dir,
    );
    assert!(
        err.contains("--to 999999999 is past the end of the log"),
        "{err}"
    );
    let err = refused(
        &[
            "roll",
            "diff",
            "demo/election",
            "--from",
            "1",
            "--level",
            "village",
        ],
        dir,
    );
    assert!(err.contains("--level \"village\" is not a level"), "{err}");
    let err = refused(
        &[
            "roll",
            "diff",
            "demo/election",
            "--old",
            "old.csv",
            "--new",
            "new.csv",
            "--mapping",
            "missing.toml",
        ],
        dir,
    );
    assert!(err.contains("missing.toml"), "{err}");
}
