//! `complain`, `complaints`, `propose complaint-decision`, `reconcile` and `flags` from the
//! command line: what each refuses, in one line naming the field or the flag, and what each
//! prints, as text and as JSON.

mod common;
use common::{failed, json, ok, run};

/// Fails with nothing on standard output; its error.
fn fails(args: &[&str], dir: &Path) -> String {
    let out = run(args, dir);
    assert!(out.stdout.is_empty(), "{args:?} printed {:?}", out.stdout);
    failed(args, &out)
}

use std::path::Path;

/// A council with one ward of two stations, an agent of RED, an observer and an official.
fn council(d: &Path) {
    ok(&["keygen", "elections.test/council"], d);
    let mut keys = Vec::new();
    for name in ["m.red", "m.blue", "m.chair", "agent", "watch", "official"] {
        let vkey = ok(&["keygen", name, "-o", &format!("{name}.key")], d);
        keys.push(vkey.trim().to_string());
    }
    let config = format!(
        "election = \"Council\"\norigin = \"elections.test/council\"\nlevels = [\"ward\"]\n\
         [complaint_deadlines]\ninvestigate_within = 3600\ndecide_within = 86400\n\
         [rule]\nmin_approvals = 2\nmin_parties = 1\nevery_party_asked = false\n\
         [[party]]\nid = \"RED\"\nname = \"Red\"\n[[party]]\nid = \"BLUE\"\nname = \"Blue\"\n\
         [[member]]\nname = \"m.red\"\nperson = \"R\"\nparty = \"RED\"\nvkey = \"{}\"\n\
         [[member]]\nname = \"m.blue\"\nperson = \"B\"\nparty = \"BLUE\"\nvkey = \"{}\"\n\
         [[member]]\nname = \"m.chair\"\nperson = \"C\"\nvkey = \"{}\"\n\
         [[key]]\nname = \"agent\"\nrole = \"party_agent\"\nparty = \"RED\"\nscope = \"all\"\nvkey = \"{}\"\n\
         [[key]]\nname = \"watch\"\nrole = \"observer\"\norganisation = \"Watch\"\nscope = \"all\"\nvkey = \"{}\"\n\
         [[key]]\nname = \"official\"\nrole = \"polling_official\"\nscope = \"all\"\nvkey = \"{}\"\n\
         [[contest]]\nid = \"council\"\nname = \"Council\"\nkind = \"party_list\"\n\
         constituency_level = \"ward\"\nmethod = \"dhondt\"\n\
         choices = [{{ id = \"RED\", name = \"Red\" }}, {{ id = \"BLUE\", name = \"Blue\" }}]\n\
         seats = {{ W1 = 3 }}\n",
        keys[0], keys[1], keys[2], keys[3], keys[4], keys[5]
    );
    std::fs::write(d.join("election.toml"), config).unwrap();
    let mut init = vec!["init", "council", "--config", "election.toml"];
    init.extend(["--key", "elections.test_council.key"]);
    for m in ["m.red", "m.blue", "m.chair"] {
        init.extend([
            "--member-key",
            Box::leak(format!("{m}.key").into_boxed_str()),
        ]);
    }
    ok(&init, d);
    let governed = |words: &[&str]| {
        let mut args = vec![
            "propose",
            "council",
            "--as",
            "m.red.key",
            "--reason",
            "setup",
        ];
        args.extend(words);
        let out = ok(&args, d);
        let id = out
            .split_whitespace()
            .skip_while(|w| *w != "proposal")
            .nth(1)
            .unwrap();
        ok(&["approve", "council", id, "--as", "m.blue.key"], d);
        let out = ok(&["approve", "council", id, "--as", "m.chair.key"], d);
        assert!(out.contains("took effect"), "{out}");
    };
    governed(&["area", "W1", "--level", "ward", "--name", "Ward One"]);
    governed(&["station", "S1", "--area", "W1", "--registered", "30"]);
    governed(&["station", "S2", "--area", "W1", "--registered", "30"]);
}

#[test]
fn complaints_are_filed_decided_and_listed() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    council(d);
    let evidence: &'static str = "ab".repeat(32).leak();
    let base = ["complain", "council", "--category", "intimidation"];
    fn with<'a>(base: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
        let mut a = base.to_vec();
        a.extend(extra);
        a.extend(["--text", "Agents were turned away"]);
        a
    }
    let file = |extra: &[&'static str]| with(&base, extra);
    let out = ok(
        &file(&[
            "--station",
            "S1",
            "--evidence",
            evidence,
            "--as",
            "agent.key",
        ]),
        d,
    );
    let id: u64 = out
        .strip_prefix("complaint ")
        .and_then(|o| o.strip_suffix(" recorded\n"))
        .unwrap_or_else(|| panic!("{out:?}"))
        .parse()
        .unwrap();
    ok(&file(&["--area", "W1", "--as", "watch.key"]), d);

    // Refusals, each on one line.
    let err = fails(&file(&["--as", "agent.key"]), d);
    assert!(err.contains("--station"), "{err}");
    let err = fails(
        &file(&["--station", "S1", "--area", "W1", "--as", "agent.key"]),
        d,
    );
    assert!(err.contains("cannot be used with"), "{err}");
    let err = fails(&file(&["--station", "S9", "--as", "agent.key"]), d);
    assert_eq!(
        err,
        "error: refused, nothing was recorded: entry 1 of the submission, at body.station: unknown station \"S9\"\n"
    );
    let err = fails(&file(&["--station", "S1", "--as", "official.key"]), d);
    assert!(
        err.contains(
            "at author: official is a polling official; this needs a party agent or observer"
        ),
        "{err}"
    );
    let err = fails(
        &file(&[
            "--station",
            "S1",
            "--evidence",
            "photo.jpg",
            "--as",
            "agent.key",
        ]),
        d,
    );
    assert!(err.contains("at body.evidence[0]: "), "{err}");

    let text = ok(&["complaints", "council"], d);
    assert!(
        text.starts_with("2 complaint(s): 2 received; 0 overdue"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "Complaint {id} by agent about S1 (intimidation): received\n"
        )),
        "{text}"
    );
    assert!(text.contains("not yet witnessed"), "{text}");

    // Decided by the commission, with its reasons; a status that is not one is refused.
    let propose = |status: &str| {
        run(
            &[
                "propose",
                "council",
                "--as",
                "m.red.key",
                "--reason",
                "no one named",
                "complaint-decision",
                &id.to_string(),
                "--status",
                status,
            ],
            d,
        )
    };
    let bad = propose("closed");
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("unknown variant `closed`"), "{err}");
    let out = String::from_utf8(propose("dismissed").stdout).unwrap();
    let p = out
        .split_whitespace()
        .skip_while(|w| *w != "proposal")
        .nth(1)
        .unwrap();
    let listed = json(&["complaints", "council"], d);
    assert_eq!(
        listed["complaints"][0]["status"], "received",
        "one approval is not enough"
    );
    ok(&["approve", "council", p, "--as", "m.red.key"], d);
    ok(&["approve", "council", p, "--as", "m.chair.key"], d);
    let listed = json(&["complaints", "council"], d);
    let c = &listed["complaints"][0];
    assert_eq!(c["index"], id);
    assert_eq!(c["status"], "dismissed");
    assert_eq!(c["decision"]["reason"], "no one named");
    assert_eq!(c["evidence"][0], evidence);
    assert_eq!(listed["by_status"]["dismissed"], 1);
    let text = ok(&["complaints", "council", "--overdue"], d);
    assert!(
        text.contains("0 overdue") && !text.contains("Complaint "),
        "{text}"
    );
    let err = fails(&["complaints", "council", "--area", "W9"], d);
    assert!(err.contains("--area \"W9\""), "{err}");
}

#[test]
fn reconcile_and_flags_list_what_does_not_add_up() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    council(d);
    // S1: one ballot of the stock unaccounted; S2: more counted than issued (also a flag).
    let forms = "{\"kind\":\"result_form\",\"body\":{\"ballots_issued\":8,\"ballots_received\":10,\"contest\":\"council\",\"invalid\":1,\"source\":\"official\",\"spoiled\":1,\"station\":\"S1\",\"unused\":0,\"valid\":7,\"votes\":{\"BLUE\":3,\"RED\":4}}}\n\
                 {\"kind\":\"result_form\",\"body\":{\"ballots_issued\":5,\"contest\":\"council\",\"invalid\":0,\"source\":\"official\",\"station\":\"S2\",\"valid\":6,\"votes\":{\"BLUE\":3,\"RED\":3}}}\n";
    std::fs::write(d.join("forms.jsonl"), forms).unwrap();
    ok(
        &["submit", "council", "forms.jsonl", "--as", "official.key"],
        d,
    );

    let text = ok(&["reconcile", "council"], d);
    assert!(
        text.starts_with("Ballot reconciliation of the whole election: 2 stations, 2 official forms; 2 gap(s) at 2 station(s)"),
        "{text}"
    );
    assert!(
        text.contains("S1 (council): unaccounted_ballots: received 10 but issued 8 + spoiled 1 + unused 0 = 9: gap +1"),
        "{text}"
    );
    assert!(
        text.contains(
            "S2 (council): counted_vs_issued: counted 6 (valid + invalid) but issued 5: gap +1"
        ),
        "{text}"
    );
    assert!(
        text.contains("1 form(s) without the ballot-accounting fields"),
        "{text}"
    );
    assert!(
        text.contains("2 station(s) without the poll book"),
        "{text}"
    );
    let r = json(&["reconcile", "council", "--area", "W1"], d);
    assert_eq!(r["gaps"].as_array().unwrap().len(), 2);
    assert_eq!(r["without_accounting"][0], "S2");
    assert_eq!(r["by_area"][0]["stations_with_gaps"], 2);
    let err = fails(&["reconcile", "council", "--area", "W9"], d);
    assert!(err.contains("--area \"W9\""), "{err}");

    let text = ok(&["flags", "council"], d);
    assert!(text.starts_with("1 flag(s) and alert(s)\n"), "{text}");
    assert!(text.contains("flag  counted_over_issued  S2"), "{text}");
    let f = json(
        &[
            "flags",
            "council",
            "--kind",
            "counted_over_issued",
            "--area",
            "W1",
        ],
        d,
    );
    assert_eq!(f["findings"][0]["station"], "S2");
    assert_eq!(f["findings"][0]["source"], "flag");
    assert!(f["findings"][0]["index"].as_u64().unwrap() > 0);
    let f = json(&["flags", "council", "--kind", "double_checkin"], d);
    assert_eq!(f["findings"].as_array().unwrap().len(), 0);
    let err = fails(&["flags", "council", "--kind", "fraud"], d);
    assert!(
        err.contains("no flag or alert is of kind \"fraud\"; the kinds are votes_not_valid"),
        "{err}"
    );
    let help = ok(&["flags", "--help"], d);
    assert!(
        help.contains("scrutineer flags kh-2013 --kind double_checkin"),
        "{help}"
    );
}
