//! The election's command line end to end: a genesis signed by every member (some on their own
//! machines), governed areas and stations, registrations, a voter removal that one party alone
//! cannot pass, publication, and a replay that reproduces the commission's digest.

mod common;
use common::{fails, ok, proposal_id};

#[test]
fn an_election_is_set_up_governed_published_and_replayed() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let log = ok(&["keygen", "elections.test/council"], d)
        .trim()
        .to_string();
    let mut members = Vec::new();
    for name in ["m.red.1", "m.red.2", "m.blue.1", "m.blue.2", "m.chair"] {
        let vkey = ok(&["keygen", name, "-o", &format!("{name}.key")], d);
        members.push((name, vkey.trim().to_string()));
    }
    let officer = ok(&["keygen", "officer", "-o", "officer.key"], d)
        .trim()
        .to_string();
    let mut config = String::from(
        "election = \"Council election\"\norigin = \"elections.test/council\"\n\
         levels = [\"ward\"]\nbulk_threshold = 100\n\n\
         [rule]\nmin_approvals = 3\nmin_parties = 2\nevery_party_asked = false\n\n\
         [[party]]\nid = \"RED\"\nname = \"Red\"\n\n[[party]]\nid = \"BLUE\"\nname = \"Blue\"\n",
    );
    for (name, vkey) in &members {
        let party = if name.contains("red") {
            "party = \"RED\"\n"
        } else if name.contains("blue") {
            "party = \"BLUE\"\n"
        } else {
            ""
        };
        config.push_str(&format!(
            "\n[[member]]\nname = \"{name}\"\nperson = \"{name}\"\n{party}vkey = \"{vkey}\"\n"
        ));
    }
    config.push_str(&format!(
        "\n[[key]]\nname = \"officer\"\nrole = \"registration_officer\"\nscope = \"all\"\nvkey = \"{officer}\"\n\n\
         [[contest]]\nid = \"council\"\nname = \"Council\"\nkind = \"party_list\"\n\
         constituency_level = \"ward\"\nmethod = \"dhondt\"\n\
         choices = [{{ id = \"RED\", name = \"Red\" }}, {{ id = \"BLUE\", name = \"Blue\" }}]\n\
         seats = {{ W1 = 3 }}\n"
    ));
    std::fs::write(d.join("election.toml"), &config).unwrap();
    let _ = log;

    // Two members sign on their own machines; the others' keys are at hand.
    for name in ["m.blue.1", "m.blue.2"] {
        let sig = ok(
            &[
                "sign-genesis",
                "election.toml",
                "--key",
                &format!("{name}.key"),
            ],
            d,
        );
        std::fs::write(d.join(format!("{name}.sig")), sig).unwrap();
    }
    let base = [
        "init",
        "council",
        "--config",
        "election.toml",
        "--key",
        "elections.test_council.key",
        "--member-key",
        "m.red.1.key",
        "--member-key",
        "m.red.2.key",
        "--signature",
        "m.blue.1.sig",
    ];
    let err = fails(&base, d);
    assert!(err.contains("missing: m.blue.2, m.chair"), "{err}");
    assert!(
        !d.join("council").exists(),
        "a refused init leaves nothing behind"
    );
    let mut args = base.to_vec();
    args.extend(["--signature", "m.blue.2.sig", "--member-key", "m.chair.key"]);
    ok(&args, d);

    // A ward and a station, each governed.
    let out = ok(
        &[
            "propose",
            "council",
            "--as",
            "m.red.1.key",
            "--reason",
            "ward map",
            "area",
            "W1",
            "--level",
            "ward",
            "--name",
            "Ward One",
        ],
        d,
    );
    let p = proposal_id(&out);
    ok(&["approve", "council", &p[..12], "--as", "m.red.2.key"], d);
    ok(&["approve", "council", &p[..12], "--as", "m.blue.1.key"], d);
    let out = ok(&["approve", "council", &p[..12], "--as", "m.chair.key"], d);
    assert!(out.contains("took effect"), "{out}");
    let out = ok(
        &[
            "propose",
            "council",
            "--as",
            "m.red.1.key",
            "--reason",
            "school",
            "station",
            "S1",
            "--area",
            "W1",
            "--registered",
            "3",
        ],
        d,
    );
    let p = proposal_id(&out);
    for m in ["m.red.1", "m.blue.1", "m.blue.2"] {
        ok(&["approve", "council", &p, "--as", &format!("{m}.key")], d);
    }

    // Registrations by the officer, all or none.
    let regs = "{\"kind\":\"register\",\"body\":{\"birth_year\":1970,\"name\":\"Ann\",\"sex\":\"F\",\"station\":\"S1\",\"voter\":\"V1\"}}\n\
                {\"kind\":\"register\",\"body\":{\"birth_year\":1980,\"name\":\"Bo\",\"sex\":\"M\",\"station\":\"S1\",\"voter\":\"V2\"}}\n\
                {\"kind\":\"register\",\"body\":{\"birth_year\":1990,\"name\":\"Cy\",\"sex\":\"X\",\"station\":\"S9\",\"voter\":\"V3\"}}\n";
    std::fs::write(d.join("regs.jsonl"), regs).unwrap();
    let err = fails(
        &["submit", "council", "regs.jsonl", "--as", "officer.key"],
        d,
    );
    assert!(
        err.contains("regs.jsonl: line 3: body.station: unknown station \"S9\""),
        "{err}"
    );
    std::fs::write(d.join("regs.jsonl"), regs.replace("S9", "S1")).unwrap();
    ok(
        &["submit", "council", "regs.jsonl", "--as", "officer.key"],
        d,
    );

    // A removal: one party plus the chair is not enough; the other party's member makes it.
    let out = ok(
        &[
            "propose",
            "council",
            "--as",
            "officer.key",
            "--reason",
            "died in May",
            "remove-voter",
            "V2",
            "--because",
            "deceased",
        ],
        d,
    );
    let p = proposal_id(&out);
    ok(&["approve", "council", &p, "--as", "m.red.1.key"], d);
    ok(&["approve", "council", &p, "--as", "m.red.2.key"], d);
    let out = ok(&["approve", "council", &p, "--as", "m.chair.key"], d);
    assert!(out.contains("still pending"), "{out}");
    let status = ok(&["status", "council"], d);
    assert!(
        status.contains(
            "approved by 3 of 3 needed (m.red.1, m.red.2, m.chair), from 1 of 2 parties needed"
        ),
        "{status}"
    );
    let err = fails(&["approve", "council", &p, "--as", "officer.key"], d);
    assert!(err.contains("commission member"), "{err}");
    let out = ok(&["approve", "council", &p, "--as", "m.blue.2.key"], d);
    assert!(out.contains("took effect"), "{out}");
    assert!(ok(&["status", "council"], d).contains("nothing is pending"));

    // Published and replayed from the files alone: the same digest and numbers.
    ok(&["publish", "council", "public"], d);
    let vkey = ok(&["log", "status", "council"], d)
        .lines()
        .find_map(|l| l.strip_prefix("vkey:").map(|v| v.trim().to_string()))
        .unwrap();
    let json = ok(&["replay", "public", "--vkey", &vkey, "--json"], d);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["matches_published_digest"], true, "{json}");
    assert_eq!(v["refused"].as_array().unwrap().len(), 0);
    assert_eq!(v["roll"][0]["voters"], 2, "one of three voters was removed");
    let status: serde_json::Value =
        serde_json::from_str(&ok(&["status", "council", "--json"], d)).unwrap();
    assert_eq!(status["digest"], v["digest"]);
}
