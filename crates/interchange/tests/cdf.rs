//! The NIST results format: what export writes is valid against NIST's own schema and reads
//! back to the same numbers; bad files are refused with the JSON path of the problem; the
//! CSV export has its documented header and adds up like the forms.

use std::collections::BTreeMap;
use std::path::PathBuf;

use interchange::cdf::{self, ExportOptions};
use interchange::tally::{CSV_COLUMNS, Level, Station, Tally};
use serde_json::{Value, json};

mod common;
use common::tally;

fn schema_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/NIST_V2_election_results_reporting.json")
}

/// Validates a document against NIST's schema; returns the validator's complaint.
fn validate(doc: &Value) -> Result<(), String> {
    let schema: Value = serde_json::from_slice(&std::fs::read(schema_path()).unwrap()).unwrap();
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler.enable_format_assertions();
    compiler.add_resource("urn:nist:cdf-v2", schema).unwrap();
    let index = compiler.compile("urn:nist:cdf-v2", &mut schemas).unwrap();
    schemas.validate(doc, index).map_err(|e| format!("{e:#}"))
}

fn options() -> ExportOptions {
    ExportOptions::new(
        "2013-07-28",
        "2013-07-29T10:00:00Z",
        "Test commission",
        "scrutineer test",
    )
}

fn export_value(t: &Tally, o: &ExportOptions) -> Value {
    serde_json::to_value(cdf::export(t, o).unwrap()).unwrap()
}

/// The official and party forms of a tally as (station, contest) -> (valid, invalid, votes
/// without zeros).
type Numbers = BTreeMap<(String, String), (u64, u64, BTreeMap<String, u64>)>;

fn numbers_of_tally(t: &Tally, source: &str) -> Numbers {
    t.forms
        .iter()
        .filter(|f| f.source == source)
        .map(|f| {
            let votes = f
                .counts
                .votes
                .iter()
                .filter(|(_, v)| **v > 0)
                .map(|(k, v)| (k.clone(), *v))
                .collect();
            (
                (f.station.clone(), f.contest.clone()),
                (f.counts.valid, f.counts.invalid, votes),
            )
        })
        .collect()
}

fn import_numbers(doc: &Value, t: &Tally, source: &str) -> Result<Numbers, String> {
    let bytes = serde_json::to_vec(doc).unwrap();
    let report = cdf::parse(&bytes).map_err(|e| e.to_string())?;
    let imported = cdf::import(&report, t, source).map_err(|e| e.to_string())?;
    Ok(imported
        .forms
        .into_iter()
        .map(|f| {
            let votes = f.counts.votes.into_iter().filter(|(_, v)| *v > 0).collect();
            (
                (f.station, f.contest),
                (f.counts.valid, f.counts.invalid, votes),
            )
        })
        .collect())
}

#[test]
fn the_export_is_valid_against_the_nist_schema() {
    let t = tally();
    let doc = export_value(&t, &options());
    validate(&doc).unwrap();

    let mut o = options();
    o.finest = Level::Area(1);
    o.source = Some("party:A".into());
    o.contest = Some("assembly".into());
    let doc = export_value(&t, &o);
    validate(&doc).unwrap();
    assert_eq!(doc["Format"], "summary-contest");

    // The validator is not a rubber stamp.
    let mut broken = export_value(&t, &options());
    broken["Election"][0]["Contest"][0]["ContestSelection"][0]["VoteCounts"][0]
        .as_object_mut()
        .unwrap()
        .remove("@type");
    assert!(validate(&broken).is_err());
    let mut broken = export_value(&t, &options());
    broken["GpUnit"][0]["Type"] = json!("province");
    assert!(validate(&broken).is_err());
    let mut broken = export_value(&t, &options());
    broken["GeneratedDate"] = json!("yesterday");
    assert!(validate(&broken).is_err());
}

#[test]
fn the_export_lays_out_units_parties_contests_and_counts_per_source() {
    let t = tally();
    let doc = export_value(&t, &options());
    assert_eq!(doc["@type"], "ElectionResults.ElectionReport");
    assert_eq!(doc["Format"], "precinct-level");
    assert_eq!(doc["Status"], "unofficial-complete");

    let units = doc["GpUnit"].as_array().unwrap();
    let unit = |id: &str| {
        units
            .iter()
            .find(|u| u["@id"] == id)
            .unwrap_or_else(|| panic!("no unit {id}"))
    };
    assert_eq!(units.len(), 1 + 2 + 4 + 5);
    assert_eq!(unit("gpu-country")["Type"], "country");
    assert_eq!(
        unit("gpu-country")["ComposingGpUnitIds"],
        json!(["gpu-area-P1", "gpu-area-P2"])
    );
    assert!(
        unit("gpu-country").get("VotersRegistered").is_none(),
        "S5 has no registered count"
    );
    assert_eq!(unit("gpu-area-P1")["OtherType"], "province");
    assert_eq!(unit("gpu-area-P1")["VotersRegistered"], 300);
    assert_eq!(
        unit("gpu-area-D11")["ComposingGpUnitIds"],
        json!(["gpu-station-S1", "gpu-station-S2"])
    );
    assert_eq!(unit("gpu-station-S1")["Type"], "polling-place");
    assert_eq!(
        unit("gpu-station-S1")["ExternalIdentifier"][0]["Value"],
        "S1"
    );
    assert_eq!(
        unit("gpu-station-S1")["Name"]["Text"][0]["Content"],
        "School S1"
    );

    let parties: Vec<&Value> = doc["Party"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["@id"])
        .collect();
    assert_eq!(
        parties,
        [&json!("party-A"), &json!("party-B"), &json!("party-C")]
    );

    // One Election per contest.
    assert_eq!(doc["Election"].as_array().unwrap().len(), 2);
    let assembly = &doc["Election"][0]["Contest"][0];
    assert_eq!(assembly["@type"], "ElectionResults.PartyContest");
    assert_eq!(
        assembly["ContestSelection"][2]["PartyIds"],
        json!(["party-C"])
    );
    let mayor = &doc["Election"][1]["Contest"][0];
    assert_eq!(mayor["@type"], "ElectionResults.CandidateContest");
    assert_eq!(mayor["VotesAllowed"], 1);
    assert_eq!(doc["Election"][1]["Candidate"][0]["PartyId"], "party-A");

    // Choice A: official at the country is the sum of the stations; party A's copies are
    // "other" counts named by their source.
    let counts = assembly["ContestSelection"][0]["VoteCounts"]
        .as_array()
        .unwrap();
    let find = |gp: &str, other: Option<&str>| {
        counts
            .iter()
            .find(|v| v["GpUnitId"] == gp && v.get("OtherType").and_then(Value::as_str) == other)
            .unwrap_or_else(|| panic!("no count at {gp} {other:?}"))
    };
    assert_eq!(find("gpu-country", None)["Count"], 50 + 20 + 60 + 10 + 7);
    assert_eq!(find("gpu-country", None)["Type"], "total");
    assert_eq!(find("gpu-area-P1", None)["Count"], 130);
    assert_eq!(find("gpu-area-D11", None)["Count"], 70);
    assert_eq!(find("gpu-station-S3", Some("party:A"))["Count"], 70);
    assert_eq!(find("gpu-station-S3", Some("party:A"))["Type"], "other");
    assert_eq!(find("gpu-area-P1", Some("party:A"))["Count"], 120);
    assert!(
        !counts
            .iter()
            .any(|v| v["GpUnitId"] == "gpu-station-S2" && v["Type"] == "other"),
        "party A has no copy at S2"
    );
    let ballots = doc["Election"][0]["BallotCounts"].as_array().unwrap();
    let s1 = ballots
        .iter()
        .find(|b| b["GpUnitId"] == "gpu-station-S1" && b["Type"] == "total")
        .unwrap();
    assert_eq!(
        (s1["BallotsCast"].as_u64(), s1["BallotsRejected"].as_u64()),
        (Some(88), Some(3))
    );

    // Certified once every constituency of every contest is.
    let mut t = tally();
    t.certified = vec![
        ("assembly".into(), "P1".into()),
        ("assembly".into(), "P2".into()),
        ("mayor".into(), "D11".into()),
    ];
    assert_eq!(export_value(&t, &options())["Status"], "certified");
    t.forms.retain(|f| f.station != "S5");
    t.certified.pop();
    assert_eq!(export_value(&t, &options())["Status"], "unofficial-partial");
}

#[test]
fn an_export_reads_back_to_the_same_numbers_for_each_source() {
    let t = tally();
    let doc = export_value(&t, &options());
    assert_eq!(
        import_numbers(&doc, &t, "official").unwrap(),
        numbers_of_tally(&t, "official")
    );
    assert_eq!(
        import_numbers(&doc, &t, "party:A").unwrap(),
        numbers_of_tally(&t, "party:A")
    );

    // What was skipped is counted: area totals of the source, counts of other sources.
    let report = cdf::parse(&serde_json::to_vec(&doc).unwrap()).unwrap();
    let imported = cdf::import(&report, &t, "party:A").unwrap();
    assert_eq!(imported.forms.len(), 3);
    assert_eq!(
        imported.forms[0].path,
        "$.Election[0].Contest[0].ContestSelection[0].VoteCounts[14]"
    );
    // 6 units above the stations with party A's forms below them, 3 choices.
    assert_eq!(imported.aggregate_counts, 6 * 3);
    assert!(imported.other_counts > 0);

    // Invalid ballots from BallotsCast when BallotsRejected is absent.
    let mut doc = export_value(&t, &options());
    for b in doc["Election"][0]["BallotCounts"].as_array_mut().unwrap() {
        b.as_object_mut().unwrap().remove("BallotsRejected");
    }
    assert_eq!(
        import_numbers(&doc, &t, "official").unwrap(),
        numbers_of_tally(&t, "official")
    );
}

/// Edits an export with `edit` and returns the import's error.
fn refused(edit: impl FnOnce(&mut Value)) -> String {
    let t = tally();
    let mut doc = export_value(&t, &options());
    edit(&mut doc);
    match import_numbers(&doc, &t, "official") {
        Ok(_) => panic!("the edited file was taken"),
        Err(e) => e,
    }
}

const COUNT: &str = "/Election/0/Contest/0/ContestSelection/1/VoteCounts/5";
const COUNT_PATH: &str = "$.Election[0].Contest[0].ContestSelection[1].VoteCounts[5]";

#[test]
fn bad_files_are_refused_with_the_json_path() {
    let e = refused(|d| *d.pointer_mut(&format!("{COUNT}/Count")).unwrap() = json!("12"));
    assert!(
        e.starts_with(&format!("{COUNT_PATH}.Count: invalid type: string \"12\"")),
        "{e}"
    );

    let e = refused(|d| *d.pointer_mut(&format!("{COUNT}/Count")).unwrap() = json!(-3));
    assert_eq!(
        e,
        format!("{COUNT_PATH}.Count: a count cannot be negative (-3)")
    );

    let e = refused(|d| *d.pointer_mut(&format!("{COUNT}/Count")).unwrap() = json!(2.5));
    assert_eq!(
        e,
        format!("{COUNT_PATH}.Count: 2.5 is not a whole number of votes")
    );

    let e = refused(|d| {
        *d.pointer_mut(&format!("{COUNT}/Count")).unwrap() = json!(9007199254740992u64)
    });
    assert_eq!(
        e,
        format!("{COUNT_PATH}.Count: 9007199254740992 is larger than 2^53 - 1")
    );

    let e =
        refused(|d| *d.pointer_mut(&format!("{COUNT}/GpUnitId")).unwrap() = json!("gpu-nowhere"));
    assert_eq!(
        e,
        format!(
            "{COUNT_PATH}.GpUnitId: unknown GpUnit \"gpu-nowhere\": no unit in $.GpUnit has this @id"
        )
    );

    let e = refused(|d| {
        d.pointer_mut(COUNT)
            .unwrap()
            .as_object_mut()
            .unwrap()
            .remove("GpUnitId");
    });
    assert_eq!(e, format!("{COUNT_PATH}: missing field `GpUnitId`"));

    let e = refused(|d| {
        *d.pointer_mut("/Election/0/BallotCounts/2/BallotsCast")
            .unwrap() = json!(-1)
    });
    assert!(
        e.starts_with("$.Election[0].BallotCounts[2].BallotsCast: invalid value: integer `-1`"),
        "{e}"
    );

    // A station the receiving election does not have.
    let e = refused(|d| {
        let units = d["GpUnit"].as_array_mut().unwrap();
        let s1 = units
            .iter_mut()
            .find(|u| u["@id"] == "gpu-station-S1")
            .unwrap();
        s1["ExternalIdentifier"][0]["Value"] = json!("S99");
    });
    assert!(
        e.ends_with(".GpUnitId: GpUnit \"gpu-station-S1\" is station \"S99\", which is not a station of this election"),
        "{e}"
    );

    let e = refused(|d| {
        d["Election"][0]["Contest"][0]["ExternalIdentifier"][0]["Value"] = json!("senate")
    });
    assert_eq!(
        e,
        "$.Election[0].Contest[0]: contest \"senate\" is not a contest of this election (assembly, mayor)"
    );

    let e = refused(|d| {
        d["Election"][0]["Contest"][0]["ContestSelection"][1]["PartyIds"][0] = json!("party-Z")
    });
    assert_eq!(
        e,
        "$.Election[0].Contest[0].ContestSelection[1].PartyIds[0]: unknown Party \"party-Z\": no party in $.Party has this @id"
    );

    let e = refused(|d| {
        d["Election"][0]["Contest"][0]["@type"] = json!("ElectionResults.CandidateContest")
    });
    assert!(
        e.starts_with("$.Election[0].Contest[0].@type: is \"ElectionResults.CandidateContest\""),
        "{e}"
    );

    // The same station and choice counted twice.
    let e = refused(|d| {
        let counts = d
            .pointer_mut("/Election/0/Contest/0/ContestSelection/0/VoteCounts")
            .unwrap();
        let first = counts[13].clone();
        counts.as_array_mut().unwrap().push(first);
    });
    assert!(e.contains("a second official count for station"), "{e}");

    let e = refused(|d| d["@type"] = json!("ElectionResults.Election"));
    assert_eq!(
        e,
        "$.@type: is \"ElectionResults.Election\", not \"ElectionResults.ElectionReport\""
    );

    // Not JSON at all: the position is all there is.
    let t = tally();
    let e = cdf::parse(b"{\"@type\": \"ElectionResults.ElectionReport\",").unwrap_err();
    assert_eq!(e.path, "$");
    assert!(e.message.contains("line 1"), "{e}");
    let _ = t;
    assert_eq!(
        cdf::parse(b" [1, 2]").unwrap_err().to_string(),
        "$: a CDF document is a JSON object (an ElectionReport)"
    );
    assert_eq!(
        cdf::parse(b"").unwrap_err().to_string(),
        "$: the file is empty"
    );
    let minimal = r#"{"@type": "ElectionResults.ElectionReport", "Format": "precinct-level",
        "GeneratedDate": "2013-07-29T10:00:00Z", "Issuer": "i", "IssuerAbbreviation": "i",
        "SequenceEnd": 1, "SequenceStart": 1, "Status": "unofficial-partial",
        "VendorApplicationId": "v"}"#;
    assert!(cdf::parse(minimal.as_bytes()).is_ok());
    let e = cdf::parse(format!("{minimal} trailing").as_bytes()).unwrap_err();
    assert!(e.to_string().starts_with("$: trailing characters"), "{e}");

    // A source the file does not have.
    let t = tally();
    let doc = export_value(&t, &options());
    let e = import_numbers(&doc, &t, "observer:Comfrel").unwrap_err();
    assert_eq!(
        e,
        "$: no station counts of source \"observer:Comfrel\" (Type \"other\", OtherType \"observer:Comfrel\") in the file; it has counts of other:party:A, total"
    );
}

#[test]
fn the_csv_has_its_documented_header_and_adds_up_like_the_forms() {
    let t = tally();
    let csv_of = |level: Level, source: Option<&str>| {
        let mut out = Vec::new();
        t.write_csv(&mut out, level, "assembly", source).unwrap();
        String::from_utf8(out).unwrap()
    };
    let stations = csv_of(Level::Station, None);
    let mut lines = stations.lines();
    let header = lines.next().unwrap();
    let mut want: Vec<&str> = CSV_COLUMNS.to_vec();
    want.extend(["A", "B", "C"]);
    assert_eq!(header, want.join(","));
    assert_eq!(
        header,
        "level,code,name,parent,contest,source,forms,registered,ballots_received,ballots_issued,spoiled,unused,valid,invalid,A,B,C"
    );
    assert_eq!(
        lines.next().unwrap(),
        "station,S1,School S1,D11,assembly,official,1,100,,99,,,85,3,50,30,5"
    );
    assert_eq!(
        lines.next().unwrap(),
        "station,S1,School S1,D11,assembly,party:A,1,100,,99,,,85,3,50,30,5"
    );
    assert_eq!(stations.lines().count(), 1 + 8);

    let districts = csv_of(Level::Area(1), Some("official"));
    assert!(
        districts
            .contains("\ndistrict,D11,Area D11,P1,assembly,official,2,180,,178,,,145,5,70,70,5\n"),
        "{districts}"
    );
    assert!(
        districts.contains("\ndistrict,D22,Area D22,P2,assembly,official,1,,,,,,15,0,7,8,0\n"),
        "{districts}"
    );

    let country = csv_of(Level::Country, None);
    assert_eq!(
        country.lines().collect::<Vec<_>>()[1..],
        [
            "country,,Test election,,assembly,official,5,,,,,,341,10,147,178,16",
            "country,,Test election,,assembly,party:A,3,310,,307,,,266,8,130,120,16",
        ]
    );

    // Every level adds up to the same totals.
    for level in [
        Level::Station,
        Level::Area(0),
        Level::Area(1),
        Level::Country,
    ] {
        let rows = t.rows(level, Some("assembly"), Some("official")).unwrap();
        let valid: u64 = rows.iter().map(|r| r.counts.valid).sum();
        let forms: u64 = rows.iter().map(|r| r.forms).sum();
        assert_eq!((valid, forms), (341, 5), "{level:?}");
    }

    let mut out = Vec::new();
    assert_eq!(
        t.write_csv(&mut out, Level::Station, "senate", None)
            .unwrap_err(),
        "unknown contest \"senate\""
    );
    assert_eq!(
        t.level("ward").unwrap_err(),
        "unknown level \"ward\"; the levels are country, province, district, station"
    );
}

/// A small deterministic generator (SplitMix64) so failures reproduce.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Every JSON pointer in a document.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                pointers(
                    x,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                pointers(x, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(at);
}

/// Mutated documents (values swapped for odd ones, keys dropped, items repeated, bytes
/// flipped) never make parse or import panic: every outcome is forms or an error with a
/// JSON path.
#[test]
fn mutated_files_never_panic() {
    let t = tally();
    let mut o = options();
    o.contest = Some("mayor".into());
    let good = export_value(&t, &o);
    let mut all = Vec::new();
    pointers(&good, String::new(), &mut all);
    let odd = [
        json!(null),
        json!(-1),
        json!(1e300),
        json!(0.5),
        json!(18446744073709551615u64),
        json!(""),
        json!("gpu-country"),
        json!("ElectionResults.VoteCounts"),
        json!([]),
        json!({}),
        json!([json!({})]),
        json!(true),
    ];
    let mut g = Gen(7);
    for round in 0..3000 {
        let mut doc = good.clone();
        for _ in 0..1 + g.below(3) {
            let p = &all[g.below(all.len())];
            if p.is_empty() {
                continue;
            }
            let (parent, last) = p.rsplit_once('/').unwrap();
            match g.below(3) {
                0 => {
                    if let Some(v) = doc.pointer_mut(p) {
                        *v = odd[g.below(odd.len())].clone();
                    }
                }
                1 => match doc.pointer_mut(parent) {
                    Some(Value::Object(m)) => {
                        m.remove(last);
                    }
                    Some(Value::Array(a)) if !a.is_empty() => {
                        let i = last.parse::<usize>().unwrap_or(0).min(a.len() - 1);
                        let item = a[i].clone();
                        a.push(item);
                    }
                    _ => {}
                },
                _ => {
                    if let Some(v) = doc.pointer(p).cloned()
                        && let Some(w) = doc.pointer_mut(&all[g.below(all.len())])
                    {
                        *w = v;
                    }
                }
            }
        }
        let mut bytes = serde_json::to_vec(&doc).unwrap();
        if round % 5 == 0 && !bytes.is_empty() {
            let at = g.below(bytes.len());
            bytes[at] = b"{}[],:\"0-9e\\"[g.below(12)];
        }
        if let Ok(report) = cdf::parse(&bytes) {
            for source in ["official", "party:A"] {
                match cdf::import(&report, &t, source) {
                    Ok(imported) => {
                        for f in &imported.forms {
                            assert_eq!(f.counts.valid, f.counts.votes.values().sum::<u64>());
                        }
                    }
                    Err(e) => assert!(e.path.starts_with('$'), "{e}"),
                }
            }
        }
    }
}

/// A tally that does not hang together is an error, not a panic or a wrong file.
#[test]
fn a_broken_tally_is_an_error() {
    let mut t = tally();
    t.stations.push(Station {
        code: "S9".into(),
        name: None,
        area: "D99".into(),
        registered: None,
    });
    let e = cdf::export(&t, &options()).unwrap_err();
    assert_eq!(
        e,
        "station \"S9\" is under area \"D99\", which is not in the election"
    );

    // P1 made a district under its own district: the walk up must end, in an error.
    let mut t = tally();
    t.areas[0].parent = Some("D11".into());
    t.areas[0].level = 1;
    assert_eq!(
        t.rows(Level::Area(0), None, None).unwrap_err(),
        "station \"S1\" has no province above it"
    );
    assert!(cdf::export(&t, &options()).is_err());

    let mut t = tally();
    t.forms[0].station = "S42".into();
    assert_eq!(
        t.rows(Level::Country, None, None).unwrap_err(),
        "a official form names station \"S42\", which is not in the election"
    );
    let mut o = options();
    o.date = "28/07/2013".into();
    assert_eq!(
        cdf::export(&tally(), &o).unwrap_err(),
        "\"28/07/2013\" is not a date written YYYY-MM-DD"
    );
}
