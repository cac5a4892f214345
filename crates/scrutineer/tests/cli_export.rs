//! Results out and back in through the command line: `export --format cdf` is valid against
//! NIST's schema; `import cdf` of that file into a second election, as another source, gives
//! every station the same numbers; `export --format csv` has its documented header and the
//! totals `replay --json` prints; bad files are refused with the file and JSON path, and
//! nothing is recorded.

mod common;
use common::{fails, ok};

use ledger::event::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tlog::note::{PrivateKey, TYPE_ED25519};

const MEMBERS: [&str; 5] = ["m.a.1", "m.a.2", "m.b.1", "m.b.2", "m.chair"];

fn key(name: &str, seed: u8) -> PrivateKey {
    PrivateKey::from_seed(name, TYPE_ED25519, [seed; 32]).unwrap()
}

/// Writes `NAME.key` and returns the key.
fn key_file(d: &Path, name: &str, seed: u8) -> PrivateKey {
    let k = key(name, seed);
    std::fs::write(d.join(format!("{name}.key")), format!("{}\n", k.to_skey())).unwrap();
    k
}

fn members(d: &Path) -> Vec<PrivateKey> {
    MEMBERS
        .iter()
        .enumerate()
        .map(|(i, n)| key_file(d, n, 10 + i as u8))
        .collect()
}

/// Makes an election in `d/name`: two provinces of two districts, stations S1..S5, a party-list
/// contest everywhere and a mayor in D11; a clerk, a polling official, party A's agent and an
/// observer of Comfrel. Returns the election, open.
fn election(d: &Path, name: &str) -> ledger::Election {
    let origin = format!("elections.test/{name}");
    let log_key = PrivateKey::from_seed(&origin, TYPE_ED25519, [1; 32]).unwrap();
    std::fs::write(d.join(format!("log-{name}.key")), log_key.to_skey()).unwrap();
    let members = members(d);
    let extra = [
        (key_file(d, "clerk", 2), "role = \"commission_clerk\""),
        (key_file(d, "official", 3), "role = \"polling_official\""),
        (
            key_file(d, "agent.a", 4),
            "role = \"party_agent\"\nparty = \"A\"",
        ),
        (
            key_file(d, "agent.b", 5),
            "role = \"party_agent\"\nparty = \"B\"",
        ),
        (
            key_file(d, "observer", 6),
            "role = \"observer\"\norganisation = \"Comfrel\"",
        ),
    ];
    let mut config = format!(
        "election = \"Test election\"\norigin = \"{origin}\"\nlevels = [\"province\", \"district\"]\n\
         [rule]\nmin_approvals = 3\nmin_parties = 2\nevery_party_asked = false\n\
         [[party]]\nid = \"A\"\nname = \"Party A\"\n[[party]]\nid = \"B\"\nname = \"Party B\"\n"
    );
    for (i, m) in members.iter().enumerate() {
        let party = [
            "party = \"A\"\n",
            "party = \"A\"\n",
            "party = \"B\"\n",
            "party = \"B\"\n",
            "",
        ][i];
        config.push_str(&format!(
            "[[member]]\nname = \"{}\"\nperson = \"Member {i}\"\n{party}vkey = \"{}\"\n",
            m.name(),
            m.vkey()
        ));
    }
    for (k, role) in &extra {
        config.push_str(&format!(
            "[[key]]\nname = \"{}\"\n{role}\nscope = \"all\"\nvkey = \"{}\"\n",
            k.name(),
            k.vkey()
        ));
    }
    config.push_str(
        "[[contest]]\nid = \"assembly\"\nname = \"Assembly\"\nkind = \"party_list\"\n\
         constituency_level = \"province\"\nmethod = \"dhondt\"\n\
         choices = [{ id = \"A\", name = \"Party A\", party = \"A\" }, { id = \"B\", name = \"Party B\", party = \"B\" }, { id = \"C\", name = \"Independents\" }]\n\
         seats = { P1 = 3, P2 = 2 }\n\
         [[contest]]\nid = \"mayor\"\nname = \"Mayor\"\nkind = \"candidates\"\n\
         constituency_level = \"district\"\nmethod = \"dhondt\"\n\
         choices = [{ id = \"ann\", name = \"Ann\", party = \"A\" }, { id = \"bob\", name = \"Bob\" }]\n\
         seats = { D11 = 1 }\n",
    );
    std::fs::write(d.join(format!("{name}.toml")), config).unwrap();
    let mut args = vec![
        "init".to_string(),
        name.to_string(),
        "--config".into(),
        format!("{name}.toml"),
        "--key".into(),
        format!("log-{name}.key"),
    ];
    for m in MEMBERS {
        args.push("--member-key".into());
        args.push(format!("{m}.key"));
    }
    ok(&args.iter().map(String::as_str).collect::<Vec<_>>(), d);

    let log =
        tlog::Log::open(tlog::SqliteStorage::open(&d.join(name).join("log.db")).unwrap()).unwrap();
    let mut e = ledger::Election::open(log).unwrap();
    let clerk = key("clerk", 2);
    let area = |code: &str, level: &str, parent: Option<&str>| {
        Event::Area(Area {
            code: code.into(),
            level: level.into(),
            name: format!("Area {code}"),
            parent: parent.map(Into::into),
        })
    };
    let station = |code: &str, area: &str, registered: Option<u64>| {
        Event::Station(Station {
            area: area.into(),
            code: code.into(),
            name: Some(format!("School {code}")),
            registered,
        })
    };
    let batches = [
        (
            Content::Areas,
            vec![
                area("P1", "province", None),
                area("P2", "province", None),
                area("D11", "district", Some("P1")),
                area("D12", "district", Some("P1")),
                area("D21", "district", Some("P2")),
                area("D22", "district", Some("P2")),
            ],
        ),
        (
            Content::Stations,
            vec![
                station("S1", "D11", Some(100)),
                station("S2", "D11", Some(80)),
                station("S3", "D12", Some(120)),
                station("S4", "D21", Some(90)),
                station("S5", "D22", None),
            ],
        ),
    ];
    for (content, events) in batches {
        let entries = build_batch(&clerk, content, events, Some(("setting up".into(), vec![])));
        let receipt = e.submit(&entries).unwrap();
        let ledger::Applied::Proposed(p) = &receipt.applied[0] else {
            panic!("{:?}", receipt.applied)
        };
        for m in [&members[0], &members[2], &members[4]] {
            let approval = Entry::signed(
                Event::Approval(Approval {
                    proposal: p.clone(),
                }),
                m,
            );
            e.submit(&[approval.to_bytes()]).unwrap();
        }
    }
    e
}

/// A result form with the votes given, `invalid` invalid ballots and some paper accounting.
fn form(
    station: &str,
    contest: &str,
    source: &str,
    votes: &[(&str, u64)],
    invalid: u64,
) -> ResultForm {
    let votes: BTreeMap<String, u64> = votes.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    let valid: u64 = votes.values().sum();
    ResultForm {
        ballots_issued: Some(valid + invalid + 1),
        ballots_received: Some(valid + invalid + 10),
        contest: contest.into(),
        invalid,
        photos: vec![],
        registered: Some(200),
        source: source.into(),
        spoiled: Some(1),
        station: station.into(),
        time: None,
        unused: Some(8),
        valid,
        votes,
    }
}

fn official_forms() -> Vec<ResultForm> {
    vec![
        form(
            "S1",
            "assembly",
            "official",
            &[("A", 50), ("B", 30), ("C", 5)],
            3,
        ),
        form("S2", "assembly", "official", &[("A", 20), ("B", 40)], 2),
        form(
            "S3",
            "assembly",
            "official",
            &[("A", 60), ("B", 30), ("C", 10)],
            4,
        ),
        form(
            "S4",
            "assembly",
            "official",
            &[("A", 10), ("B", 70), ("C", 1)],
            1,
        ),
        form(
            "S5",
            "assembly",
            "official",
            &[("A", 7), ("B", 8), ("C", 0)],
            0,
        ),
        form("S1", "mayor", "official", &[("ann", 45), ("bob", 40)], 3),
        form("S2", "mayor", "official", &[("ann", 33), ("bob", 27)], 2),
    ]
}

fn party_forms() -> Vec<ResultForm> {
    vec![
        form(
            "S1",
            "assembly",
            "party:A",
            &[("A", 50), ("B", 30), ("C", 5)],
            3,
        ),
        form(
            "S3",
            "assembly",
            "party:A",
            &[("A", 70), ("B", 20), ("C", 10)],
            4,
        ),
    ]
}

fn file_forms(e: &mut ledger::Election, by: &PrivateKey, forms: Vec<ResultForm>) {
    let events = forms.into_iter().map(Event::ResultForm).collect();
    e.submit(&build_batch(by, Content::ResultForms, events, None))
        .unwrap();
}

type Numbers = BTreeMap<(String, String), (u64, u64, BTreeMap<String, u64>)>;

/// (station, contest) -> (valid, invalid, votes other than zero) of forms.
fn numbers(forms: &[ResultForm]) -> Numbers {
    forms
        .iter()
        .map(|f| {
            let votes = f
                .votes
                .iter()
                .filter(|(_, v)| **v > 0)
                .map(|(k, v)| (k.clone(), *v))
                .collect();
            (
                (f.station.clone(), f.contest.clone()),
                (f.valid, f.invalid, votes),
            )
        })
        .collect()
}

/// The same, read from an election's state.
fn numbers_in(dir: &Path, source: &str) -> Numbers {
    let conn = rusqlite::Connection::open(dir.join("log.db")).unwrap();
    let mut out = Numbers::new();
    let mut stmt = conn
        .prepare("SELECT station, contest, valid, invalid FROM result_form WHERE source = ?1 AND proposal IS NULL")
        .unwrap();
    let rows = stmt
        .query_map([source], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })
        .unwrap();
    for r in rows {
        let (station, contest, valid, invalid) = r.unwrap();
        out.insert(
            (station, contest),
            (valid as u64, invalid as u64, BTreeMap::new()),
        );
    }
    let mut stmt = conn
        .prepare("SELECT station, contest, choice, votes FROM result_vote WHERE source = ?1 AND votes > 0")
        .unwrap();
    let rows = stmt
        .query_map([source], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })
        .unwrap();
    for r in rows {
        let (station, contest, choice, votes) = r.unwrap();
        out.get_mut(&(station, contest))
            .unwrap()
            .2
            .insert(choice, votes as u64);
    }
    out
}

fn log_size(dir: &Path) -> u64 {
    let log = tlog::Log::open(tlog::SqliteStorage::open(&dir.join("log.db")).unwrap()).unwrap();
    log.size()
}

fn schema() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../interchange/tests/data/NIST_V2_election_results_reporting.json")
}

fn validate(doc: &serde_json::Value) -> Result<(), String> {
    let schema: serde_json::Value =
        serde_json::from_slice(&std::fs::read(schema()).unwrap()).unwrap();
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler.enable_format_assertions();
    compiler.add_resource("urn:nist:cdf-v2", schema).unwrap();
    let index = compiler.compile("urn:nist:cdf-v2", &mut schemas).unwrap();
    schemas.validate(doc, index).map_err(|e| format!("{e:#}"))
}

#[test]
fn results_go_out_as_cdf_and_come_back_in_as_another_source() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let mut first = election(d, "first");
    file_forms(&mut first, &key("official", 3), official_forms());
    file_forms(&mut first, &key("agent.a", 4), party_forms());
    drop(first);
    let second = election(d, "second");
    drop(second);

    // Out: valid against NIST's schema, with both sources.
    let err = fails(&["export", "first", "--format", "cdf"], d);
    assert!(err.contains("--date YYYY-MM-DD"), "{err}");
    ok(
        &[
            "export",
            "first",
            "--format",
            "cdf",
            "--date",
            "2013-07-28",
            "-o",
            "results.json",
        ],
        d,
    );
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("results.json")).unwrap()).unwrap();
    validate(&doc).unwrap();
    assert_eq!(doc["Issuer"], "elections.test/first");
    assert_eq!(doc["Status"], "unofficial-complete");
    assert!(doc["GeneratedDate"].as_str().unwrap().ends_with('Z'));
    assert!(
        doc["Notes"]
            .as_str()
            .unwrap()
            .contains("elections.test/first at size")
    );
    let text = std::fs::read_to_string(d.join("results.json")).unwrap();
    assert!(text.contains("\"OtherType\": \"party:A\""));

    // In, as party A's copies in the second election: every station's numbers match.
    let out = ok(
        &[
            "import",
            "cdf",
            "second",
            "results.json",
            "--as",
            "agent.a.key",
            "--source",
            "party:A",
        ],
        d,
    );
    assert!(
        out.contains("recorded 7 result forms from results.json as \"party:A\""),
        "{out}"
    );
    assert_eq!(
        numbers_in(&d.join("second"), "party:A"),
        numbers(&official_forms())
    );

    // And party A's own copies, read from the same file, as the observer's.
    ok(
        &[
            "import",
            "cdf",
            "second",
            "results.json",
            "--as",
            "observer.key",
            "--source",
            "observer:Comfrel",
            "--from",
            "party:A",
        ],
        d,
    );
    assert_eq!(
        numbers_in(&d.join("second"), "observer:Comfrel"),
        numbers(&party_forms())
    );

    // Export of the second election gives the imported numbers back at every level.
    ok(
        &[
            "export",
            "second",
            "--format",
            "cdf",
            "--date",
            "2013-07-28",
            "--source",
            "party:A",
            "-o",
            "second.json",
        ],
        d,
    );
    let doc2: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("second.json")).unwrap()).unwrap();
    validate(&doc2).unwrap();
    let official_counts = |doc: &serde_json::Value, other: Option<&str>| -> Vec<(String, u64)> {
        let mut v: Vec<(String, u64)> = doc["Election"][0]["Contest"][0]["ContestSelection"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s["VoteCounts"].as_array().unwrap().iter())
            .filter(|c| c.get("OtherType").and_then(|o| o.as_str()) == other)
            .map(|c| {
                (
                    c["GpUnitId"].as_str().unwrap().to_string(),
                    c["Count"].as_u64().unwrap(),
                )
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        official_counts(&doc, None),
        official_counts(&doc2, Some("party:A"))
    );

    // A summary at province level is valid too.
    let out = ok(
        &[
            "export",
            "first",
            "--format",
            "cdf",
            "--date",
            "2013-07-28",
            "--level",
            "province",
        ],
        d,
    );
    let summary: serde_json::Value = serde_json::from_str(&out).unwrap();
    validate(&summary).unwrap();
    assert_eq!(summary["Format"], "summary-contest");
    assert_eq!(summary["GpUnit"].as_array().unwrap().len(), 3);
}

#[test]
fn bad_cdf_files_are_refused_with_the_file_and_json_path_and_nothing_is_recorded() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let mut first = election(d, "first");
    file_forms(&mut first, &key("official", 3), official_forms());
    drop(first);
    drop(election(d, "second"));
    ok(
        &[
            "export",
            "first",
            "--format",
            "cdf",
            "--date",
            "2013-07-28",
            "-o",
            "results.json",
        ],
        d,
    );
    let good: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("results.json")).unwrap()).unwrap();
    let before = log_size(&d.join("second"));

    // The first selection's counts: country, P1, P2, D11, D12, D21, D22, then S1..S5.
    let s2 = "/Election/0/Contest/0/ContestSelection/1/VoteCounts/8";
    let s2_path = "$.Election[0].Contest[0].ContestSelection[1].VoteCounts[8]";
    assert_eq!(
        good.pointer(&format!("{s2}/GpUnitId")).unwrap(),
        "gpu-station-S2"
    );
    type Edit<'a> = Box<dyn Fn(&mut serde_json::Value) + 'a>;
    let cases: Vec<(&str, Edit, String)> = vec![
        (
            "wrong type",
            Box::new(|d| *d.pointer_mut(&format!("{s2}/Count")).unwrap() = serde_json::json!("forty")),
            format!("bad.json: {s2_path}.Count: invalid type: string \"forty\""),
        ),
        (
            "negative",
            Box::new(|d| *d.pointer_mut(&format!("{s2}/Count")).unwrap() = serde_json::json!(-40)),
            format!("bad.json: {s2_path}.Count: a count cannot be negative (-40)"),
        ),
        (
            "unknown unit",
            Box::new(|d| *d.pointer_mut(&format!("{s2}/GpUnitId")).unwrap() = serde_json::json!("gpu-station-S9")),
            format!("bad.json: {s2_path}.GpUnitId: unknown GpUnit \"gpu-station-S9\""),
        ),
        (
            "unknown contest",
            Box::new(|d| d["Election"][1]["Contest"][0]["ExternalIdentifier"][0]["Value"] = serde_json::json!("senate")),
            "bad.json: $.Election[1].Contest[0]: contest \"senate\" is not a contest of this election".to_string(),
        ),
        (
            "not JSON",
            Box::new(|d| *d = serde_json::json!([1, 2])),
            "bad.json: $: a CDF document is a JSON object (an ElectionReport)".to_string(),
        ),
    ];
    for (what, edit, want) in cases {
        let mut doc = good.clone();
        edit(&mut doc);
        std::fs::write(d.join("bad.json"), serde_json::to_vec(&doc).unwrap()).unwrap();
        let err = fails(
            &[
                "import",
                "cdf",
                "second",
                "bad.json",
                "--as",
                "agent.a.key",
                "--source",
                "party:A",
            ],
            d,
        );
        assert!(err.contains(&want), "{what}: {err}");
        assert_eq!(
            log_size(&d.join("second")),
            before,
            "{what}: something was recorded"
        );
    }

    // The election refuses the batch: party B's agent cannot file party A's copies. The error
    // names the file, the path of the station's counts, and the field.
    let err = fails(
        &[
            "import",
            "cdf",
            "second",
            "results.json",
            "--as",
            "agent.b.key",
            "--source",
            "party:A",
        ],
        d,
    );
    assert!(
        err.contains("refused, nothing was recorded: results.json: $.Election[0].Contest[0].ContestSelection[0].VoteCounts[7] (station \"S1\", contest \"assembly\"): body.source: agent.b"),
        "{err}"
    );
    assert_eq!(log_size(&d.join("second")), before);

    // Once in, the same file again is refused whole.
    ok(
        &[
            "import",
            "cdf",
            "second",
            "results.json",
            "--as",
            "agent.a.key",
            "--source",
            "party:A",
        ],
        d,
    );
    let after = log_size(&d.join("second"));
    let err = fails(
        &[
            "import",
            "cdf",
            "second",
            "results.json",
            "--as",
            "agent.a.key",
            "--source",
            "party:A",
        ],
        d,
    );
    assert!(err.contains("submitted before"), "{err}");
    assert_eq!(log_size(&d.join("second")), after);

    let err = fails(
        &[
            "import",
            "cdf",
            "second",
            "results.json",
            "--as",
            "agent.a.key",
            "--source",
            "party:A",
            "--from",
            "party:B",
        ],
        d,
    );
    assert!(
        err.contains("results.json: $: no station counts of source \"party:B\""),
        "{err}"
    );
}

#[test]
fn the_csv_has_the_documented_header_and_the_totals_of_replay() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let mut first = election(d, "first");
    file_forms(&mut first, &key("official", 3), official_forms());
    file_forms(&mut first, &key("agent.a", 4), party_forms());
    drop(first);

    let err = fails(&["export", "first", "--format", "csv"], d);
    assert!(
        err.contains("choose one with --contest (assembly, mayor)"),
        "{err}"
    );
    let err = fails(
        &[
            "export",
            "first",
            "--format",
            "csv",
            "--contest",
            "assembly",
            "--level",
            "ward",
        ],
        d,
    );
    assert!(
        err.contains("unknown level \"ward\"; the levels are country, province, district, station"),
        "{err}"
    );
    let err = fails(
        &[
            "export",
            "first",
            "--format",
            "csv",
            "--contest",
            "assembly",
            "--source",
            "party:Z",
        ],
        d,
    );
    assert!(
        err.contains("no result forms from source \"party:Z\""),
        "{err}"
    );

    let stations = ok(
        &[
            "export",
            "first",
            "--format",
            "csv",
            "--contest",
            "assembly",
        ],
        d,
    );
    let mut lines = stations.lines();
    assert_eq!(
        lines.next().unwrap(),
        "level,code,name,parent,contest,source,forms,registered,ballots_received,ballots_issued,spoiled,unused,valid,invalid,A,B,C"
    );
    assert_eq!(
        lines.next().unwrap(),
        "station,S1,School S1,D11,assembly,official,1,200,98,89,1,8,85,3,50,30,5"
    );
    assert_eq!(stations.lines().count(), 1 + 5 + 2);

    ok(&["publish", "first", "public"], d);
    let vkey = ok(&["log", "status", "first"], d)
        .lines()
        .find_map(|l| l.strip_prefix("vkey:").map(|v| v.trim().to_string()))
        .unwrap();
    let replay: serde_json::Value =
        serde_json::from_str(&ok(&["replay", "public", "--vkey", &vkey, "--json"], d)).unwrap();
    let totals = replay["totals"].as_array().unwrap();
    assert_eq!(totals.len(), 3, "{totals:?}");

    let country = ok(
        &[
            "export",
            "first",
            "--format",
            "csv",
            "--contest",
            "assembly",
            "--level",
            "country",
        ],
        d,
    );
    let rows: Vec<Vec<String>> = country
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(String::from).collect())
        .collect();
    assert_eq!(rows.len(), 2);
    for t in totals.iter().filter(|t| t["contest"] == "assembly") {
        let source = t["source"].as_str().unwrap();
        let row = rows
            .iter()
            .find(|r| r[5] == source)
            .unwrap_or_else(|| panic!("no row for {source}"));
        assert_eq!(row[6], t["forms"].to_string(), "{source} forms");
        assert_eq!(row[12], t["valid"].to_string(), "{source} valid");
        assert_eq!(row[13], t["invalid"].to_string(), "{source} invalid");
        for (i, choice) in ["A", "B", "C"].iter().enumerate() {
            let want = t["votes"].get(choice).and_then(|v| v.as_u64()).unwrap_or(0);
            assert_eq!(row[14 + i], want.to_string(), "{source} {choice}");
        }
        // The station rows add up to the same.
        let valid: u64 = stations
            .lines()
            .skip(1)
            .map(|l| l.split(',').collect::<Vec<_>>())
            .filter(|r| r[5] == source)
            .map(|r| r[12].parse::<u64>().unwrap())
            .sum();
        assert_eq!(valid, t["valid"].as_u64().unwrap());
    }
    assert_eq!(rows[0][5], "official", "official comes first");
    assert_eq!(rows[0][12], "341");

    // By province, to a file, one source.
    ok(
        &[
            "export",
            "first",
            "--format",
            "csv",
            "--contest",
            "mayor",
            "--level",
            "province",
            "--source",
            "official",
            "-o",
            "mayor.csv",
        ],
        d,
    );
    assert_eq!(
        std::fs::read_to_string(d.join("mayor.csv")).unwrap(),
        "level,code,name,parent,contest,source,forms,registered,ballots_received,ballots_issued,spoiled,unused,valid,invalid,ann,bob\n\
         province,P1,Area P1,,mayor,official,2,400,170,152,2,16,145,5,78,67\n"
    );
}
