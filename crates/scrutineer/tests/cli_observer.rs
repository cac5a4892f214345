//! `scrutineer observer check-sms` end to end: the repository's form definition and a file of
//! received messages, each printed with its reply; unreadable lines and bad definitions named
//! in one line.

mod common;
use common::{failed, ok, run};
use std::path::Path;

fn fails_in(args: &[&str], dir: &Path) -> String {
    failed(args, &run(args, dir))
}

const FORMS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../forms/cambodia-observer.toml"
);
const SENDER: &str = "3b1f0c9e5a7d2e4f6a8b0c1d2e3f405162738495a6b7c8d9e0f1a2b3c4d5e6f7";

#[test]
fn check_sms_prints_every_reply() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sms.csv");
    std::fs::write(
        &file,
        format!(
            "time,sender_hmac,text\n\
             2028-07-30T07:02:11Z,{SENDER},OPN 100234 AA5AB2AC1AD1AE3AF12\n\
             2028-07-30T07:05:00Z,{SENDER},opn 100234 aa5 ab2 ac1 ad1 ae3 af12\n\
             2028-07-30T16:40:00Z,{SENDER},CNT 100234 DA600DB600DC450DD150DE145DF440DG10DH250DJ180DK10DM1\n"
        ),
    )
    .unwrap();
    let out = run(
        &["observer", "check-sms", FORMS, file.to_str().unwrap()],
        Path::new("."),
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        stdout,
        "line 2 2028-07-30T07:02:11Z 3b1f0c9e: OPN 100234 AA5AB2AC1AD1AE3AF12\n\
         \x20 reply: OK OPN 100234: 6 answers received. Thank you.\n\
         line 3 2028-07-30T07:05:00Z 3b1f0c9e: opn 100234 aa5 ab2 ac1 ad1 ae3 af12\n\
         \x20 reply: Already received at 2028-07-30 07:02:11 UTC; counted once.\n\
         line 4 2028-07-30T16:40:00Z 3b1f0c9e: CNT 100234 DA600DB600DC450DD150DE145DF440DG10DH250DJ180DK10DM1\n\
         \x20 reply: Error in CNT 100234: field DD: 150 is above the maximum 100. Please correct and send again.\n\
         3 messages: 1 reports accepted, 0 accepted with flags, 1 refused, 1 repeats counted once, 0 lines unreadable\n"
    );
}

#[test]
fn unreadable_lines_and_bad_definitions_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sms.csv");
    std::fs::write(&file, format!("2028-07-30T07:02:11Z,+85512345678,OPN 1\n2028-07-30T07:03:00Z,{SENDER},MID 100234 BA25BB3BC1BD2\n")).unwrap();
    let out = run(
        &["observer", "check-sms", FORMS, file.to_str().unwrap()],
        Path::new("."),
    );
    assert!(!out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.starts_with(&format!(
            "{}: line 1: sender_hmac: \"+85512345678\" is not an HMAC-SHA256 (64 hex digits)\n",
            file.display()
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains("  reply: OK MID 100234: 4 answers received. Thank you.\n"),
        "{stdout}"
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "1 line(s) of {} could not be read",
            file.display()
        )),
        "{stderr}"
    );

    let forms = dir.path().join("forms.toml");
    let text = std::fs::read_to_string(FORMS)
        .unwrap()
        .replacen("max = 9", "max = -9", 1);
    std::fs::write(&forms, text).unwrap();
    let out = run(
        &[
            "observer",
            "check-sms",
            forms.to_str().unwrap(),
            file.to_str().unwrap(),
        ],
        Path::new("."),
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{}: line 17: form[0].group[0].field[0].max: -9 is not from 0 to 4294967295",
            forms.display()
        )),
        "{stderr}"
    );
}

/// An election with one ward and one station, two observers of COMFREL and its SMS gateway.
fn election(d: &std::path::Path) {
    ok(&["keygen", "elections.test/obs"], d);
    let vkey = |name: &str| {
        ok(&["keygen", name, "-o", &format!("{name}.key")], d)
            .trim()
            .to_string()
    };
    let member = vkey("m1");
    let mut config = format!(
        "election = \"Observed election\"\norigin = \"elections.test/obs\"\nlevels = [\"ward\"]\n\n\
         [rule]\nmin_approvals = 1\nmin_parties = 1\nevery_party_asked = false\n\n\
         [[party]]\nid = \"P\"\nname = \"P\"\n\n\
         [[member]]\nname = \"m1\"\nperson = \"M\"\nparty = \"P\"\nvkey = \"{member}\"\n"
    );
    for (name, role) in [
        ("obs1", "observer"),
        ("obs2", "observer"),
        ("gw", "sms_gateway"),
    ] {
        let k = vkey(name);
        config.push_str(&format!(
            "\n[[key]]\nname = \"{name}\"\nrole = \"{role}\"\norganisation = \"COMFREL\"\nscope = \"all\"\nvkey = \"{k}\"\n"
        ));
    }
    std::fs::write(d.join("election.toml"), config).unwrap();
    ok(
        &[
            "init",
            "obs",
            "--config",
            "election.toml",
            "--key",
            "elections.test_obs.key",
            "--member-key",
            "m1.key",
        ],
        d,
    );
    for action in [
        vec!["area", "W1", "--level", "ward", "--name", "Ward"],
        vec!["station", "S1", "--area", "W1", "--registered", "500"],
    ] {
        let mut args = vec!["propose", "obs", "--as", "m1.key", "--reason", "map"];
        args.extend(action);
        let out = ok(&args, d);
        let id = out
            .split_whitespace()
            .skip_while(|w| *w != "proposal")
            .nth(1)
            .unwrap()
            .to_string();
        ok(&["approve", "obs", &id, "--as", "m1.key"], d);
    }
}

#[test]
fn observers_forms_reports_and_sms_are_recorded_and_shown() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    election(d);
    let out = ok(&["observer", "define", "obs", FORMS, "--as", "obs1.key"], d);
    assert!(
        out.starts_with("recorded the forms of ") && out.contains("cambodia-observer.toml"),
        "{out}"
    );
    // The same definition again is refused, by the file.
    let err = fails_in(&["observer", "define", "obs", FORMS, "--as", "obs2.key"], d);
    assert!(err.contains("already recorded by COMFREL"), "{err}");

    let opening = |ab: u32, aa: u32| {
        format!(
            "{{\"kind\":\"checklist\",\"answers\":{{\"AA\":{{\"integer\":{aa}}},\"AB\":{{\"select\":{ab}}},\"AC\":{{\"select\":1}},\"AD\":{{\"select\":1}},\"AE\":{{\"integer\":0}}}},\"at\":1848553200,\"form\":\"OPN\",\"schedule\":\"opening\",\"station\":\"S1\",\"version\":1}}\n"
        )
    };
    std::fs::write(d.join("one.jsonl"), opening(2, 5)).unwrap();
    std::fs::write(
        d.join("two.jsonl"),
        format!(
            "{}\n{{\"kind\":\"incident\",\"at\":1848560000,\"category\":3,\"form\":\"INC\",\"severity\":\"high\",\"station\":\"S1\",\"text\":\"Ink washed off\",\"version\":1}}\n",
            opening(3, 12)
        ),
    )
    .unwrap();
    let out = ok(
        &["observer", "submit", "obs", "one.jsonl", "--as", "obs1.key"],
        d,
    );
    assert!(!out.contains("flagged"), "{out}");
    let out = ok(
        &["observer", "submit", "obs", "two.jsonl", "--as", "obs2.key"],
        d,
    );
    assert!(
        out.contains("observer_out_of_form") && out.contains("observer_conflict"),
        "{out}"
    );
    // Refused, naming the file and line: the gateway is no observer; a line that is not JSON.
    let err = fails_in(
        &["observer", "submit", "obs", "one.jsonl", "--as", "gw.key"],
        d,
    );
    assert!(
        err.contains("one.jsonl: line 1: author:") && err.contains("observer"),
        "{err}"
    );
    std::fs::write(d.join("bad.jsonl"), format!("{}{{\n", opening(2, 5))).unwrap();
    let err = fails_in(
        &["observer", "submit", "obs", "bad.jsonl", "--as", "obs1.key"],
        d,
    );
    assert!(err.contains("bad.jsonl: line 2:"), "{err}");

    // The gateway registers obs1's phone, then records four messages.
    std::fs::write(
        d.join("senders.jsonl"),
        format!("{{\"kind\":\"sms_sender\",\"body\":{{\"observer\":\"obs1\",\"sender\":\"{SENDER}\",\"station\":\"S1\"}}}}\n"),
    )
    .unwrap();
    ok(&["submit", "obs", "senders.jsonl", "--as", "gw.key"], d);
    let stranger = "f".repeat(64);
    std::fs::write(
        d.join("sms.csv"),
        format!(
            "time,sender_hmac,text\n\
             2028-07-30T07:02:11Z,{SENDER},MID 100234 BA25BB3BC1BD2\n\
             2028-07-30T07:05:00Z,{SENDER},mid 100234 ba25 bb3 bc1 bd2\n\
             2028-07-30T07:06:00Z,{SENDER},MID 100234 BA25BB3BC7BD2\n\
             2028-07-30T07:07:00Z,{stranger},MID 100299 BA25BB3BC1BD2\n"
        ),
    )
    .unwrap();
    let out = ok(
        &[
            "observer",
            "receive-sms",
            "obs",
            "sms.csv",
            "--as",
            "gw.key",
        ],
        d,
    );
    for line in [
        "  accepted: OK MID 100234: 4 answers received. Thank you.",
        "  repeat: Already received at 2028-07-30 07:02:11 UTC; counted once.",
        "  refused: Error in MID 100234: field BC: 7 is not an option (1-3). Please correct and send again.",
        "  unknown_sender: This number is not registered for an observer; the message is recorded but not counted.",
        "4 messages: 1 accepted, 0 accepted with flags, 1 refused, 1 repeats counted once, 1 from unregistered numbers",
        "sms_unknown_sender",
    ] {
        assert!(out.contains(line), "{line:?} not in\n{out}");
    }

    let shown = ok(&["observer", "show", "obs"], d);
    for line in [
        "COMFREL  OPN v1  checklist (opening)",
        "COMFREL  OPN v1  opening  2  0  1",
        "COMFREL  MID v1  midday  0  1  1",
        "COMFREL  INC  3 Ink missing or washed off  high  1",
        "COMFREL OPN v1 at S1 (opening): 2 observers (obs1, obs2); conflicting fields: AA, AB",
        "SMS: 4 received, 1 accepted, 0 accepted with flags, 1 refused, 1 repeats counted once, 1 from unregistered numbers",
    ] {
        assert!(shown.contains(line), "{line:?} not in\n{shown}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&ok(&["observer", "show", "obs", "--json"], d)).unwrap();
    assert_eq!(
        json["merged"][0]["master"]["conflicts"],
        serde_json::json!(["AA", "AB"])
    );
    assert_eq!(json["flag_counts"]["observer_conflict"], 1);
    assert_eq!(json["sms"]["received"], 4);
}
