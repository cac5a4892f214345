//! `scrutineer audit` end to end through the binary, on copies of the demo election: the seed
//! committed, revealed and drawn from; the samples recorded by `rla draw` and `pvt draw`; the
//! assessment refusing a recorded sample the seed does not draw; the same audit shown from the
//! election directory and from its published log, replayed; and everything the log or the
//! commands must refuse.

mod common;
use common::{json, ok, ok_in, refused, refused_in, run_with};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

// ---------------------------------------------------------------- the demo election

struct Demo {
    _tmp: tempfile::TempDir,
    /// Holds demo/ (the election, its keys) and comfrel.csv (the observers' copy).
    dir: PathBuf,
    /// The published log's key.
    vkey: String,
    choices: Vec<String>,
    /// The observers' (true) votes per station, in choice order.
    truth: BTreeMap<String, Vec<u64>>,
}

fn demo() -> &'static Demo {
    static DEMO: OnceLock<Demo> = OnceLock::new();
    DEMO.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        let out = ok(&["demo", "--scale", "1/100", "--dir", "demo"], &dir);
        // The last line: scrutineer replay DIR --vkey 'V' --witness 'W1' --witness 'W2'.
        let line = out.lines().last().unwrap();
        let vkey = line.split('\'').nth(1).unwrap().to_string();
        let text = ok(
            &[
                "export",
                "demo/election",
                "--format",
                "csv",
                "--source",
                "observer:COMFREL",
            ],
            &dir,
        );
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
        let first = header.iter().position(|h| h == "invalid").unwrap() + 1;
        let choices = header[first..].to_vec();
        let code = header.iter().position(|h| h == "code").unwrap();
        let mut truth = BTreeMap::new();
        for rec in r.records() {
            let rec = rec.unwrap();
            let votes = (first..header.len())
                .map(|i| rec[i].parse().unwrap())
                .collect();
            truth.insert(rec[code].to_string(), votes);
        }
        Demo {
            _tmp: tmp,
            dir,
            vkey,
            choices,
            truth,
        }
    })
}

/// A working copy of the demo's election directory (tests write to it), with the demo's keys.
struct Copy {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
}

impl Copy {
    fn new() -> Copy {
        let d = demo();
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        std::fs::create_dir(dir.join("election")).unwrap();
        for f in ["log.db", "log.toml"] {
            std::fs::copy(
                d.dir.join("demo/election").join(f),
                dir.join("election").join(f),
            )
            .unwrap();
        }
        Copy { _tmp: tmp, dir }
    }

    /// The demo key file of `signer`, e.g. "nec.cpp.1".
    fn key(&self, signer: &str) -> String {
        demo()
            .dir
            .join(format!("demo/keys/{signer}.key"))
            .display()
            .to_string()
    }

    /// A MACRO recount file for the stations of `draw` (a draw's JSON), from the observers'
    /// copy, which is the true count.
    fn recount(&self, name: &str, draw: &serde_json::Value) {
        let d = demo();
        let mut text = format!("station,{}\n", d.choices.join(","));
        for s in draw["stations"].as_array().unwrap() {
            let code = s["station"].as_str().unwrap();
            let v: Vec<String> = d.truth[code].iter().map(u64::to_string).collect();
            text.push_str(&format!("{code},{}\n", v.join(",")));
        }
        std::fs::write(self.dir.join(name), text).unwrap();
    }

    fn submit(&self, key: &str, lines: &[serde_json::Value]) -> Output {
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        std::fs::write(self.dir.join("events.jsonl"), text).unwrap();
        run_with(
            &["submit", "election", "events.jsonl", "--as", key],
            &self.dir,
            None,
        )
    }
}

/// `base` followed by `extra`.
fn with<'a>(base: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
    base.iter().chain(extra).copied().collect()
}

const SEED: &str = "35216452316254163524";

fn strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

/// The stations of a MACRO draw's JSON, one per draw, in draw order.
fn station_draws(draw: &serde_json::Value) -> Vec<String> {
    draw["station_draws"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["station"].as_str().unwrap().to_string())
        .collect()
}

// ---------------------------------------------------------------- the whole cycle

#[test]
fn a_macro_audit_goes_from_commitment_to_replay() {
    let c = Copy::new();
    let dir = &c.dir;
    let owner = c.key("nec.cpp.1");
    // Commit, reading the dice from standard input.
    let out = ok_in(
        &[
            "audit",
            "commit",
            "election",
            "--audit",
            "na-macro-1",
            "--for",
            "rla",
            "--method",
            "macro",
            "--purpose",
            "MACRO audit of the National Assembly result",
            "--as",
            &owner,
        ],
        dir,
        Some(&format!("{SEED}\n")),
    );
    assert!(out.contains("Audit na-macro-1 committed at entry"), "{out}");
    assert!(
        out.contains(
            "scrutineer rla --method macro --contest na-2013 --winners 1 --risk-limit 0.05"
        ),
        "{out}"
    );
    assert!(
        !out.contains(SEED),
        "the dice must not be printed before the reveal:\n{out}"
    );
    // The dice are kept for the reveal, readable by their owner only.
    let secret = dir.join("election/audit-seeds/na-macro-1.json");
    let kept: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&secret).unwrap()).unwrap();
    assert_eq!(kept["seed"], SEED);
    assert_eq!(kept["salt"].as_str().unwrap().len(), 64);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&secret), 0o600);
        assert_eq!(mode(secret.parent().unwrap()), 0o700);
    }
    // The commitment is the documented formula over the salt and the seed.
    let shown = json(&["audit", "show", "election", "--audit", "na-macro-1"], dir);
    let text = format!(
        "scrutineer audit seed commitment v1\n{}\n{SEED}",
        kept["salt"].as_str().unwrap()
    );
    use sha2::Digest;
    let expected: String = sha2::Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(shown["commitment"], expected.as_str());
    assert_eq!(shown["seed"], serde_json::Value::Null);
    assert_eq!(shown["draw"]["tool"], "rla");
    assert_eq!(shown["draw"]["method"], "macro");
    assert_eq!(
        shown["purpose"],
        "MACRO audit of the National Assembly result"
    );

    // Nothing can be drawn from the audit before the reveal; nobody else may reveal it.
    let err = refused(
        &[
            "rla",
            "draw",
            "election",
            "--method",
            "macro",
            "--audit",
            "na-macro-1",
        ],
        dir,
    );
    assert!(err.contains("has not revealed its seed yet"), "{err}");
    let err = refused(
        &[
            "audit",
            "reveal",
            "election",
            "--audit",
            "na-macro-1",
            "--as",
            &c.key("nec.cnrp.1"),
        ],
        dir,
    );
    assert!(
        err.contains("committed by nec.cpp.1; only that key may reveal"),
        "{err}"
    );
    let out = ok(
        &[
            "audit",
            "reveal",
            "election",
            "--audit",
            "na-macro-1",
            "--as",
            &owner,
        ],
        dir,
    );
    assert!(out.contains(&format!("seed {SEED} (20 dice)")), "{out}");
    assert!(out.contains("--record election"), "{out}");

    // Round 1: drawn from the revealed seed and recorded; the same draw as --seed gives.
    let round1 = json(
        &[
            "rla",
            "draw",
            "election",
            "--method",
            "macro",
            "--audit",
            "na-macro-1",
            "--record",
            "election",
            "--as",
            &owner,
        ],
        dir,
    );
    assert_eq!(round1["recorded"]["round"], 1);
    assert_eq!(round1["recorded"]["first"], 1);
    assert_eq!(round1["recorded"]["draws"], 58);
    assert_eq!(round1["seed"]["commitment_checked"], true);
    let plain = json(
        &[
            "rla", "draw", "election", "--method", "macro", "--seed", SEED,
        ],
        dir,
    );
    assert_eq!(station_draws(&round1), station_draws(&plain));
    let shown = json(&["audit", "show", "election", "--audit", "na-macro-1"], dir);
    assert_eq!(
        strings(&shown["rounds"][0]["draws"]),
        station_draws(&round1)
    );
    assert_eq!(shown["rounds"][0]["matches_fresh_draw"], true);

    // Assess from the log: the figures of `assess --seed --draws`.
    c.recount("round1.csv", &round1);
    let assessed = json(
        &[
            "rla",
            "assess",
            "election",
            "--method",
            "macro",
            "--audit",
            "na-macro-1",
            "--recount",
            "round1.csv",
        ],
        dir,
    );
    let by_seed = json(
        &[
            "rla",
            "assess",
            "election",
            "--method",
            "macro",
            "--seed",
            SEED,
            "--draws",
            "58",
            "--recount",
            "round1.csv",
        ],
        dir,
    );
    assert_eq!(assessed["audit"], "na-macro-1");
    assert_eq!(assessed["p_value"], by_seed["p_value"]);
    assert_eq!(assessed["decision"], "continue", "{assessed}");
    assert_eq!(assessed["further_draws"], 3);
    assert!((assessed["p_value"].as_f64().unwrap() - 0.057589).abs() < 1e-6);
    let next = assessed["next"].as_str().unwrap();
    assert!(
        next.contains("--audit na-macro-1 --count 3 --record"),
        "{next}"
    );

    // Round 2 continues the numbering, and the audit confirms the outcome.
    let err = refused(
        &[
            "rla",
            "draw",
            "election",
            "--method",
            "macro",
            "--audit",
            "na-macro-1",
            "--count",
            "3",
            "--first",
            "1",
            "--record",
            "election",
            "--as",
            &owner,
        ],
        dir,
    );
    assert!(err.contains("so its first draw is 59"), "{err}");
    let round2 = json(
        &[
            "rla",
            "draw",
            "election",
            "--method",
            "macro",
            "--audit",
            "na-macro-1",
            "--count",
            "3",
            "--record",
            "election",
            "--as",
            &owner,
        ],
        dir,
    );
    assert_eq!(round2["recorded"]["round"], 2);
    assert_eq!(round2["recorded"]["first"], 59);
    assert_eq!(round2["station_draws"][0]["draw"], 59);
    c.recount("round2.csv", &round2);
    let err = refused(
        &[
            "rla",
            "assess",
            "election",
            "--method",
            "macro",
            "--audit",
            "na-macro-1",
            "--draws",
            "58",
            "--recount",
            "round1.csv",
        ],
        dir,
    );
    assert!(err.contains("records 61 draws in 2 round(s)"), "{err}");
    let assessed = json(
        &[
            "rla",
            "assess",
            "election",
            "--method",
            "macro",
            "--audit",
            "na-macro-1",
            "--recount",
            "round1.csv",
            "--recount",
            "round2.csv",
        ],
        dir,
    );
    assert_eq!(assessed["decision"], "confirmed", "{assessed}");
    assert_eq!(assessed["draws"], 61);
    assert!((assessed["p_value"].as_f64().unwrap() - 0.049237).abs() < 1e-6);

    // Shown from the directory, then from the published log replayed: the same audit.
    let out = ok(&["audit", "show", "election", "--audit", "na-macro-1"], dir);
    assert!(
        out.contains("the seed and salt match the commitment: yes"),
        "{out}"
    );
    assert!(out.contains("Round 2 recorded at entry"), "{out}");
    assert!(out.contains("draws 59-61"), "{out}");
    assert!(out.contains("Every check passes."), "{out}");
    assert!(
        out.contains(
            "No official form of contest na-2013 was recorded or approved after the commitment."
        ),
        "{out}"
    );
    let local = json(&["audit", "show", "election", "--audit", "na-macro-1"], dir);
    ok(&["publish", "election", "public"], dir);
    let replayed = json(
        &[
            "audit",
            "show",
            "public",
            "--vkey",
            &demo().vkey,
            "--audit",
            "na-macro-1",
        ],
        dir,
    );
    assert_eq!(replayed["election"]["kind"], "replayed log");
    assert_eq!(replayed["election"]["matches_published_digest"], true);
    for field in [
        "author",
        "purpose",
        "draw",
        "commitment",
        "committed_at",
        "seed",
        "salt",
        "revealed_at",
        "seed_matches_commitment",
        "rounds",
        "problems",
    ] {
        assert_eq!(replayed[field], local[field], "{field}");
    }
    assert_eq!(replayed["rounds"].as_array().unwrap().len(), 2);
    for r in replayed["rounds"].as_array().unwrap() {
        assert_eq!(r["matches_fresh_draw"], true, "{r}");
    }
    assert_eq!(replayed["seed_matches_commitment"], true);
    // Anyone assesses from the published log too.
    let from_public = json(
        &[
            "rla",
            "assess",
            "public",
            "--vkey",
            &demo().vkey,
            "--method",
            "macro",
            "--audit",
            "na-macro-1",
            "--recount",
            "round1.csv",
            "--recount",
            "round2.csv",
        ],
        dir,
    );
    assert_eq!(from_public["p_value"], assessed["p_value"]);
    // Listed without --audit.
    let out = ok(&["audit", "show", "public", "--vkey", &demo().vkey], dir);
    assert!(
        out.contains("na-macro-1: by nec.cpp.1") && out.contains("2 round(s), 61 draws"),
        "{out}"
    );
}

#[test]
fn a_pvt_and_a_bravo_audit_are_recorded_and_checked() {
    let c = Copy::new();
    let dir = &c.dir;
    // A PVT by the observer group, the dice given with --seed (with a warning).
    let observer = c.key("observers.comfrel");
    let seed = "16253441256312546312";
    let out = run_with(
        &[
            "audit",
            "commit",
            "election",
            "--audit",
            "pvt-1",
            "--for",
            "pvt",
            "--take",
            "60",
            "--level",
            "none",
            "--purpose",
            "COMFREL's PVT",
            "--seed",
            seed,
            "--as",
            &observer,
        ],
        dir,
        None,
    );
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("shell's history"));
    ok(
        &[
            "audit", "reveal", "election", "--audit", "pvt-1", "--as", &observer,
        ],
        dir,
    );
    let drawn = json(
        &[
            "pvt", "draw", "election", "--level", "none", "--audit", "pvt-1", "--record",
            "election", "--as", &observer,
        ],
        dir,
    );
    assert_eq!(drawn["recorded"]["draws"], 60);
    // A PVT draws once: a second recorded draw is refused.
    let again = refused(
        &[
            "pvt", "draw", "election", "--level", "none", "--audit", "pvt-1", "--record",
            "election", "--as", &observer,
        ],
        dir,
    );
    assert!(again.contains("already records its sample"), "{again}");
    let plain = json(
        &[
            "pvt", "draw", "election", "--level", "none", "--seed", seed, "--take", "60",
        ],
        dir,
    );
    let stations = |d: &serde_json::Value| -> Vec<String> {
        d["strata"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|h| h["stations"].as_array().unwrap().iter())
            .map(|s| s["station"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(stations(&drawn), stations(&plain));
    let shown = json(&["audit", "show", "election", "--audit", "pvt-1"], dir);
    assert_eq!(strings(&shown["rounds"][0]["draws"]), stations(&plain));
    assert_eq!(shown["rounds"][0]["matches_fresh_draw"], true);
    let from_log = json(
        &[
            "pvt",
            "estimate",
            "election",
            "--level",
            "none",
            "--audit",
            "pvt-1",
            "--source",
            "observer:COMFREL",
        ],
        dir,
    );
    let by_seed = json(
        &[
            "pvt",
            "estimate",
            "election",
            "--level",
            "none",
            "--seed",
            seed,
            "--take",
            "60",
            "--source",
            "observer:COMFREL",
        ],
        dir,
    );
    assert_eq!(from_log["estimate"], by_seed["estimate"]);
    assert_eq!(from_log["audit"], "pvt-1");
    // A PVT draws once; its committed strata and size cannot change.
    let err = refused(
        &[
            "pvt", "draw", "election", "--level", "none", "--audit", "pvt-1", "--record",
            "election", "--as", &observer,
        ],
        dir,
    );
    assert!(err.contains("a PVT draws once"), "{err}");
    let err = refused(
        &[
            "pvt",
            "estimate",
            "election",
            "--audit",
            "pvt-1",
            "--source",
            "observer:COMFREL",
        ],
        dir,
    );
    assert!(err.contains("--level none (not province)"), "{err}");
    let err = refused(
        &[
            "pvt",
            "estimate",
            "election",
            "--level",
            "none",
            "--take",
            "50",
            "--audit",
            "pvt-1",
            "--source",
            "observer:COMFREL",
        ],
        dir,
    );
    assert!(err.contains("--take 60 (not 50)"), "{err}");

    // A BRAVO audit by a party agent: its default first round is too big for one log entry,
    // so it is recorded as two rounds whose draws continue.
    let agent = c.key("agents.cnrp");
    ok_in(
        &[
            "audit",
            "commit",
            "election",
            "--audit",
            "bravo-1",
            "--for",
            "rla",
            "--method",
            "bravo",
            "--purpose",
            "CNRP's ballot-polling audit",
            "--as",
            &agent,
        ],
        dir,
        Some("61616161616161616161"),
    );
    ok(
        &[
            "audit", "reveal", "election", "--audit", "bravo-1", "--as", &agent,
        ],
        dir,
    );
    let base = [
        "rla", "draw", "election", "--method", "bravo", "--audit", "bravo-1", "--record",
        "election", "--as", &agent,
    ];
    let err = refused(&with(&base, &[]), dir);
    assert!(
        err.contains("above the log's limit of 65,535 bytes"),
        "{err}"
    );
    assert!(err.contains("nothing was recorded"), "{err}");
    let one = json(&with(&base, &["--count", "300"]), dir);
    let two = json(&with(&base, &["--count", "200"]), dir);
    assert_eq!(two["recorded"]["first"], 301);
    let plain = json(
        &[
            "rla",
            "draw",
            "election",
            "--method",
            "bravo",
            "--seed",
            "61616161616161616161",
            "--count",
            "500",
        ],
        dir,
    );
    let ballots = |d: &serde_json::Value| -> Vec<String> {
        d["ballot_draws"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["ballot"].as_str().unwrap().to_string())
            .collect()
    };
    let mut both = ballots(&one);
    both.extend(ballots(&two));
    assert_eq!(both, ballots(&plain));
    let out = ok(&["audit", "show", "election", "--audit", "bravo-1"], dir);
    assert!(out.contains("draws 301-500"), "{out}");
    assert!(out.contains("Every check passes."), "{out}");
}

// ---------------------------------------------------------------- refusals

#[test]
fn what_the_log_and_the_commands_refuse() {
    let c = Copy::new();
    let dir = &c.dir;
    let owner = c.key("nec.cnrp.2");
    let commit = |id: &str, extra: &[&str], dice: &str| {
        let mut args = vec![
            "audit",
            "commit",
            "election",
            "--audit",
            id,
            "--purpose",
            "a test",
            "--as",
            &owner,
        ];
        args.extend(extra);
        run_with(&args, dir, Some(dice))
    };
    let refusal = |out: Output| -> String {
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(!err.contains("panicked"), "{err}");
        err
    };
    let macro_ = ["--for", "rla", "--method", "macro"];
    // Bad commitments.
    let err = refusal(commit("../x", &macro_, SEED));
    assert!(err.contains("an audit id is 1 to 64 letters"), "{err}");
    let err = refusal(commit("a", &macro_, "1234"));
    assert!(err.contains("at least 20 are needed"), "{err}");
    let err = refusal(commit("a", &macro_, "12345678901234567890"));
    assert!(err.contains("position 7 is not a die face"), "{err}");
    let err = refusal(commit("a", &["--for", "rla"], SEED));
    assert!(err.contains("--for rla needs --method"), "{err}");
    let err = refusal(commit("a", &["--for", "pvt"], SEED));
    assert!(err.contains("--for pvt needs --take"), "{err}");
    let err = refusal(commit(
        "a",
        &["--for", "rla", "--method", "macro", "--take", "5"],
        SEED,
    ));
    assert!(err.contains("--take is for --for pvt only"), "{err}");
    let err = refusal(commit("a", &["--for", "pvt", "--take", "1000"], SEED));
    assert!(err.contains("draw between 1 and the 190 stations"), "{err}");
    let err = refusal(commit(
        "a",
        &["--for", "rla", "--method", "macro", "--contest", "senate"],
        SEED,
    ));
    assert!(err.contains("no contest \"senate\""), "{err}");
    let err = refusal(commit("a", &["--for", "other", "--area", "01"], SEED));
    assert!(err.contains("--for other records no draw"), "{err}");
    // A key whose role may not run audits: the log refuses, and no dice are left behind.
    let out = run_with(
        &[
            "audit",
            "commit",
            "election",
            "--audit",
            "reg-1",
            "--for",
            "other",
            "--purpose",
            "x",
            "--as",
            &c.key("nec.registration"),
        ],
        dir,
        Some(SEED),
    );
    let err = refusal(out);
    assert!(err.contains("may not run an audit"), "{err}");
    assert!(!dir.join("election/audit-seeds/reg-1.json").exists());

    // r-1: committed; an id is used once.
    assert!(commit("r-1", &macro_, SEED).status.success());
    let err = refusal(commit("r-1", &macro_, SEED));
    assert!(err.contains("audit \"r-1\" already exists"), "{err}");

    // A seed that does not match the commitment: the kept file changed, or a seed submitted
    // by hand; the log refuses both. Nor may another key reveal it.
    let secret = dir.join("election/audit-seeds/r-1.json");
    let original = std::fs::read_to_string(&secret).unwrap();
    let salt = serde_json::from_str::<serde_json::Value>(&original).unwrap()["salt"]
        .as_str()
        .unwrap()
        .to_string();
    std::fs::write(&secret, original.replace(SEED, "11111111111111111111")).unwrap();
    let err = refused(
        &[
            "audit", "reveal", "election", "--audit", "r-1", "--as", &owner,
        ],
        dir,
    );
    assert!(
        err.contains("do not match the commitment recorded at entry"),
        "{err}"
    );
    std::fs::write(&secret, &original).unwrap();
    let seed_event = |seed: &str| serde_json::json!({"kind": "audit_seed", "body": {"audit": "r-1", "salt": salt, "seed": seed}});
    let out = c.submit(&owner, &[seed_event("11111111111111111111")]);
    let err = refusal(out);
    assert!(err.contains("do not match the commitment"), "{err}");
    let out = c.submit(&c.key("nec.cpp.3"), &[seed_event(SEED)]);
    let err = refusal(out);
    assert!(err.contains("belongs to nec.cnrp.2"), "{err}");
    let err = refused(
        &[
            "audit",
            "reveal",
            "election",
            "--audit",
            "r-1",
            "--as",
            &c.key("nec.cpp.3"),
        ],
        dir,
    );
    assert!(err.contains("only that key may reveal"), "{err}");
    ok(
        &[
            "audit", "reveal", "election", "--audit", "r-1", "--as", &owner,
        ],
        dir,
    );
    let err = refused(
        &[
            "audit", "reveal", "election", "--audit", "r-1", "--as", &owner,
        ],
        dir,
    );
    assert!(err.contains("a seed is revealed once"), "{err}");

    // Nothing recorded yet: nothing to assess.
    std::fs::write(dir.join("empty.csv"), "station,CPP\n").unwrap();
    let assess = [
        "rla",
        "assess",
        "election",
        "--method",
        "macro",
        "--audit",
        "r-1",
        "--recount",
        "empty.csv",
    ];
    let err = refused(&assess, dir);
    assert!(err.contains("has no recorded sample yet"), "{err}");

    // The committed parameters bind the draw; only the owner records; rounds go in order.
    let base = ["rla", "draw", "election", "--audit", "r-1"];
    let err = refused(&with(&base, &["--method", "bravo"]), dir);
    assert!(
        err.contains("committed to draw with --method macro (not bravo)"),
        "{err}"
    );
    let err = refused(
        &with(&base, &["--method", "macro", "--risk-limit", "0.1"]),
        dir,
    );
    assert!(err.contains("--risk-limit 0.05 (not 0.1)"), "{err}");
    let other = c.key("nec.cpp.3");
    let err = refused(
        &with(
            &base,
            &["--method", "macro", "--record", "election", "--as", &other],
        ),
        dir,
    );
    assert!(
        err.contains("only that key may record its samples"),
        "{err}"
    );
    let err = refused(
        &with(
            &base,
            &[
                "--method", "macro", "--record", "election", "--as", &owner, "--round", "2",
            ],
        ),
        dir,
    );
    assert!(err.contains("the next round is 1"), "{err}");

    // A sample recorded by hand that is not the seed's draw: the log takes it (it does not
    // redo draws), and the assessment and `audit show` refuse it.
    let fresh = station_draws(&json(
        &[
            "rla", "draw", "election", "--method", "macro", "--seed", SEED,
        ],
        dir,
    ));
    let mut wrong = fresh.clone();
    wrong.swap(0, 1);
    assert_ne!(wrong, fresh);
    let out = c.submit(
        &owner,
        &[serde_json::json!({"kind": "audit_sample", "body": {"audit": "r-1", "draws": wrong, "round": 1}})],
    );
    assert!(out.status.success(), "{out:?}");
    let err = refused(&assess, dir);
    assert!(
        err.contains(&format!(
            "records draw 1 as {:?}, but the seed draws {:?} there",
            wrong[0], fresh[0]
        )),
        "{err}"
    );
    assert!(err.contains("nothing was assessed"), "{err}");
    let (stdout, stderr) = refused_in(&["audit", "show", "election", "--audit", "r-1"], dir, None);
    assert!(stdout.contains("DIFFERS from a fresh draw"), "{stdout}");
    assert!(stderr.contains("audit r-1 does not check out"), "{stderr}");
    let out = run_with(
        &["audit", "show", "election", "--audit", "r-1", "--json"],
        dir,
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let shown: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown["rounds"][0]["matches_fresh_draw"], false);
    assert_eq!(shown["seed_matches_commitment"], true);
    let err = refused(
        &with(
            &base,
            &[
                "--method", "macro", "--record", "election", "--as", &owner, "--round", "1",
            ],
        ),
        dir,
    );
    assert!(
        err.contains("round 1 of audit \"r-1\" is already recorded"),
        "{err}"
    );

    // An audit for another tool, an unknown audit, an audit without a draw line.
    let err = refused(
        &[
            "pvt", "estimate", "election", "--audit", "r-1", "--source", "official",
        ],
        dir,
    );
    assert!(err.contains("not for a PVT"), "{err}");
    let err = refused(&["audit", "show", "election", "--audit", "nope"], dir);
    assert!(
        err.contains("no such audit; its audits are comfrel-pvt, r-1"),
        "{err}"
    );
    assert!(
        commit("o-1", &["--for", "other"], SEED).status.success(),
        "--for other"
    );
    ok(
        &[
            "audit", "reveal", "election", "--audit", "o-1", "--as", &owner,
        ],
        dir,
    );
    let err = refused(
        &[
            "rla", "draw", "election", "--audit", "o-1", "--method", "macro",
        ],
        dir,
    );
    assert!(
        err.contains("committed without the draw's parameters"),
        "{err}"
    );
    let out = ok(&["audit", "show", "election", "--audit", "o-1"], dir);
    assert!(out.contains("records no draw parameters"), "{out}");
    // Not an election directory.
    let err = refused(
        &[
            "audit", "reveal", "nowhere", "--audit", "r-1", "--as", &owner,
        ],
        dir,
    );
    assert!(err.contains("nowhere"), "{err}");
}

// ---------------------------------------------------------------- voter-list audits

/// The arguments of `list-audit estimate` of audit `id` from the sheet `results`.
fn list_estimate<'a>(id: &'a str, results: &'a str) -> [&'a str; 7] {
    [
        "list-audit",
        "estimate",
        "election",
        "--audit",
        id,
        "--results",
        results,
    ]
}

/// Commits and reveals a list audit `id` by the observer group; returns the key file.
fn list_audit(c: &Copy, id: &str, test: &str, clusters: &str, per_cluster: &str) -> String {
    let observer = c.key("observers.comfrel");
    ok(
        &[
            "audit",
            "commit",
            "election",
            "--audit",
            id,
            "--for",
            "list",
            "--test",
            test,
            "--level",
            "commune",
            "--clusters",
            clusters,
            "--per-cluster",
            per_cluster,
            "--purpose",
            "COMFREL's voter-list audit",
            "--seed",
            "52316254163524352164",
            "--as",
            &observer,
        ],
        &c.dir,
    );
    ok(
        &[
            "audit", "reveal", "election", "--audit", id, "--as", &observer,
        ],
        &c.dir,
    );
    observer
}

#[test]
fn a_list_to_people_audit_is_drawn_recorded_checked_and_estimated() {
    let c = Copy::new();
    let dir = &c.dir;
    let frame = json(
        &[
            "list-audit",
            "plan",
            "election",
            "--level",
            "commune",
            "--clusters",
            "5",
        ],
        dir,
    );
    let voters = frame["voters"].as_u64().unwrap();
    assert!(frame["clusters"].as_u64().unwrap() > 5, "{frame}");
    let status = ok(&["status", "election"], dir);
    assert!(
        status.contains(&format!("roll: {voters} voters")),
        "the frame holds every voter on the roll ({voters}):\n{status}"
    );
    let observer = list_audit(&c, "roll-1", "list-to-people", "5", "4");
    let sheet = json(
        &[
            "list-audit",
            "draw",
            "election",
            "--audit",
            "roll-1",
            "--record",
            "election",
            "--as",
            &observer,
            "--out",
            "sheet.csv",
        ],
        dir,
    );
    let clusters = sheet["clusters"].as_array().unwrap();
    assert_eq!(clusters.len(), 5);
    assert!(
        clusters
            .iter()
            .all(|c| c["names"].as_array().unwrap().len() == 4)
    );
    // The draw is in the log, and a fresh draw from the seed is the same.
    let shown = json(&["audit", "show", "election", "--audit", "roll-1"], dir);
    assert_eq!(shown["rounds"][0]["draws"].as_array().unwrap().len(), 20);
    assert_eq!(shown["rounds"][0]["matches_fresh_draw"], true, "{shown}");
    assert_eq!(shown["problems"].as_array().unwrap().len(), 0, "{shown}");
    // A second draw is refused.
    let e = refused(
        &[
            "list-audit",
            "draw",
            "election",
            "--audit",
            "roll-1",
            "--record",
            "election",
            "--as",
            &observer,
        ],
        dir,
    );
    assert!(e.contains("draws once"), "{e}");

    // The teams fill in the sheet: the first name of the first two clusters is not found.
    let text = std::fs::read_to_string(dir.join("sheet.csv")).unwrap();
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let mut filled = String::from("voter,found\n");
    let mut expected: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for rec in r.records() {
        let rec = rec.unwrap();
        let missing = rec[1] == *"1" && expected.len() < 2 && !expected.contains_key(&rec[0]);
        let e = expected.entry(rec[0].to_string()).or_default();
        e.0 += 1;
        e.1 += u64::from(missing);
        filled.push_str(&format!(
            "{},{}\n",
            &rec[2],
            if missing { "no" } else { "yes" }
        ));
    }
    std::fs::write(dir.join("found.csv"), &filled).unwrap();
    let est = json(&list_estimate("roll-1", "found.csv"), dir);
    assert_eq!(est["estimate"]["checked"], 20);
    assert_eq!(est["estimate"]["failed"], 2);
    // Each cluster's names weigh by its size: p = Σ (size/checked)·failed / Σ size.
    let size = |code: &str| {
        clusters.iter().find(|c| c["cluster"] == code).unwrap()["voters"]
            .as_u64()
            .unwrap() as f64
    };
    let (num, den) = expected.iter().fold((0.0, 0.0), |(n, d), (code, (k, f))| {
        (n + size(code) / *k as f64 * *f as f64, d + size(code))
    });
    let share = est["estimate"]["share"].as_f64().unwrap();
    assert!(
        (share - num / den).abs() < 1e-12,
        "{share} against {}",
        num / den
    );
    let text = ok(&list_estimate("roll-1", "found.csv"), dir);
    assert!(text.contains("Share of listed names not found"), "{text}");

    // Results that do not belong to the draw are refused with the place.
    std::fs::write(dir.join("bad.csv"), "voter,found\nNOBODY,yes\n").unwrap();
    let e = refused(&list_estimate("roll-1", "bad.csv"), dir);
    assert!(
        e.contains("bad.csv:2: column 0 (\"voter\")") && e.contains("not drawn"),
        "{e}"
    );
    let first = filled.lines().nth(1).unwrap().split(',').next().unwrap();
    std::fs::write(
        dir.join("bad.csv"),
        format!("found,voter\nperhaps,{first}\n"),
    )
    .unwrap();
    let e = refused(&list_estimate("roll-1", "bad.csv"), dir);
    assert!(
        e.contains("bad.csv:2: column 0 (\"found\")") && e.contains("yes or no"),
        "{e}"
    );
}

#[test]
fn a_people_to_list_audit_draws_areas_then_households() {
    let c = Copy::new();
    let dir = &c.dir;
    let observer = list_audit(&c, "roll-2", "people-to-list", "3", "5");
    let sheet = json(
        &[
            "list-audit",
            "draw",
            "election",
            "--audit",
            "roll-2",
            "--record",
            "election",
            "--as",
            &observer,
            "--out",
            "areas.csv",
        ],
        dir,
    );
    let areas: Vec<String> = sheet["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["cluster"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(areas.len(), 3);
    let listing = format!(
        "cluster,households\n{},40\n{},3\n{},120\n",
        areas[0], areas[1], areas[2]
    );
    std::fs::write(dir.join("listing.csv"), listing).unwrap();
    let h = json(
        &[
            "list-audit",
            "households",
            "election",
            "--audit",
            "roll-2",
            "--listing",
            "listing.csv",
        ],
        dir,
    );
    let visits: Vec<Vec<u64>> = h
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            d["visit"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap())
                .collect()
        })
        .collect();
    assert_eq!(visits[0].len(), 5);
    assert!(visits[0].iter().all(|v| (1..=40).contains(v)));
    assert_eq!(
        {
            let mut v = visits[1].clone();
            v.sort();
            v
        },
        [1, 2, 3],
        "a smaller area is visited whole"
    );
    let mut distinct = visits[2].clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 5);
    // The same listing draws the same households again.
    let again = json(
        &[
            "list-audit",
            "households",
            "election",
            "--audit",
            "roll-2",
            "--listing",
            "listing.csv",
        ],
        dir,
    );
    assert_eq!(again, h);
    // An area that was not drawn is refused.
    std::fs::write(dir.join("listing.csv"), "cluster,households\nNOWHERE,5\n").unwrap();
    let e = refused(
        &[
            "list-audit",
            "households",
            "election",
            "--audit",
            "roll-2",
            "--listing",
            "listing.csv",
        ],
        dir,
    );
    assert!(e.contains("NOWHERE") && e.contains("not drawn"), "{e}");

    // Each person met: listed or not. 3 of 12 are missing from the roll.
    let mut met = String::from("cluster,listed\n");
    for (i, a) in areas.iter().enumerate() {
        for j in 0..4 {
            met.push_str(&format!("{a},{}\n", if j == i { "no" } else { "yes" }));
        }
    }
    std::fs::write(dir.join("met.csv"), met).unwrap();
    let est = json(&list_estimate("roll-2", "met.csv"), dir);
    assert_eq!(est["estimate"]["checked"], 12);
    assert_eq!(est["estimate"]["failed"], 3);
    assert!((est["estimate"]["share"].as_f64().unwrap() - 0.25).abs() < 1e-12);
    assert_eq!(est["estimate"]["test"], "people_to_list");
}

#[test]
fn a_list_audit_commitment_is_checked_before_it_is_recorded() {
    let c = Copy::new();
    let observer = c.key("observers.comfrel");
    let base = [
        "audit",
        "commit",
        "election",
        "--audit",
        "roll-x",
        "--for",
        "list",
        "--purpose",
        "x",
        "--seed",
        "52316254163524352164",
        "--as",
    ];
    let with = |extra: &[&str]| {
        let mut a: Vec<&str> = base.to_vec();
        a.push(&observer);
        a.extend_from_slice(extra);
        refused(&a, &c.dir)
    };
    let e = with(&["--test", "list-to-people", "--clusters", "3"]);
    assert!(e.contains("--per-cluster"), "{e}");
    let e = with(&[
        "--test",
        "list-to-people",
        "--clusters",
        "3",
        "--per-cluster",
        "4",
        "--level",
        "galaxy",
    ]);
    assert!(
        e.contains("--level") && e.contains("galaxy") && e.contains("commune"),
        "{e}"
    );
    let e = with(&[
        "--test",
        "list-to-people",
        "--clusters",
        "0",
        "--per-cluster",
        "4",
    ]);
    assert!(e.contains("--clusters"), "{e}");
    let e = with(&[
        "--test",
        "list-to-people",
        "--clusters",
        "3",
        "--per-cluster",
        "4",
        "--take",
        "5",
    ]);
    assert!(e.contains("--take"), "{e}");
}
