//! Mutated CSV and mapping text never makes the reader panic: every outcome is rows or an
//! error. A cheap, deterministic stand-in for fuzzing that runs with the tests.

use interchange::{Mapping, StationResultsReader};

const MAPPING: &str = r#"record = "station-results"
[csv]
missing = ["", "-1"]
[station]
id = ["area", 1]
areas = [{ level = "area", column = "area" }]
[contest]
choices = ["A", "B"]
[counts]
registered = "registered"
[[source]]
name = "official"
ballots_issued = ["early", "on_day"]
valid = 7
votes = ["a", "b"]
"#;

const CSV: &str = "area,station,registered,early,on_day,a,b,valid\n\
North,1,100,5,50,30,20,50\n\
\"South, East\",2,-1,,7,1,2,3\n\
West,3,200,0,150,\"70\",80,150\n";

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

    fn mutate(&mut self, text: &[u8]) -> Vec<u8> {
        const INTERESTING: &[u8] = b"\",\n\r-019 []={}\x00\xff\xc3#'";
        let mut out = text.to_vec();
        for _ in 0..1 + self.below(4) {
            let at = self.below(out.len() + 1);
            let byte = if self.below(2) == 0 {
                INTERESTING[self.below(INTERESTING.len())]
            } else {
                self.next() as u8
            };
            match self.below(4) {
                0 if at < out.len() => out[at] = byte,
                1 => out.insert(at, byte),
                2 if at < out.len() => {
                    out.remove(at);
                }
                _ => {
                    let end = (at + self.below(20)).min(out.len());
                    let piece = out[at..end].to_vec();
                    let to = self.below(out.len() + 1);
                    out.splice(to..to, piece);
                }
            }
        }
        out
    }
}

fn read_all(csv: Vec<u8>, mapping: &Mapping) -> usize {
    let reader = match StationResultsReader::from_reader(
        Box::new(std::io::Cursor::new(csv)),
        "m.csv",
        mapping,
    ) {
        Ok(r) => r,
        Err(e) => {
            assert!(
                e.to_string().starts_with("m.csv") || e.key().is_some(),
                "{e}"
            );
            return 0;
        }
    };
    let mut rows = 0;
    for row in reader {
        match row {
            Ok(_) => rows += 1,
            Err(e) => {
                // Every row error names the file and a line.
                assert!(e.to_string().starts_with("m.csv:"), "{e}");
                assert!(e.line().is_some_and(|l| l >= 1), "{e}");
                break;
            }
        }
    }
    rows
}

#[test]
fn the_unmutated_inputs_read() {
    let mapping = Mapping::parse(MAPPING, "m.toml").unwrap();
    assert_eq!(read_all(CSV.as_bytes().to_vec(), &mapping), 3);
}

#[test]
fn mutated_csv_gives_rows_or_errors() {
    let mapping = Mapping::parse(MAPPING, "m.toml").unwrap();
    let mut g = Gen(1);
    for _ in 0..20_000 {
        read_all(g.mutate(CSV.as_bytes()), &mapping);
    }
}

#[test]
fn mutated_mappings_parse_or_name_a_key() {
    let mut g = Gen(2);
    let mut parsed = 0;
    for _ in 0..20_000 {
        let text = g.mutate(MAPPING.as_bytes());
        let Ok(text) = String::from_utf8(text) else {
            continue;
        };
        match Mapping::parse(&text, "m.toml") {
            Ok(mapping) => {
                parsed += 1;
                read_all(CSV.as_bytes().to_vec(), &mapping);
            }
            Err(e) => assert!(e.key().is_some(), "{e}"),
        }
    }
    assert!(parsed > 100, "only {parsed} mutated mappings parsed");
}

const STATIONS: &str = r#"record = "stations"
[csv]
missing = ["", "-1"]
[station]
id = ["area", 1]
areas = [{ level = "area", column = "area" }, { level = "sub", column = 1, code = "b" }]
name = ["area", "station"]
registered = ["registered", "early"]
"#;

const ROLL: &str = r#"record = "voter-roll"
[station]
id = ["area", 1]
[voter]
id = "id"
name = ["given", "family"]
sex = "sex"
sex_values = { F = ["p"], M = ["l", "m"] }
birth_date = "dob"
birth_date_format = "DD/MM/YYYY"
[private]
address = ["street", "area"]
"#;

const ROLL_CSV: &str = "area,station,id,given,family,sex,dob,street\n\
North,1,K1,Siti,Aminah,P,04/09/1961,Jl. Merdeka 5\n\
\"South, East\",2,K2,Budi,,l,1/2/2000,\n";

/// Rows read, or the error that stops the reading; errors name the file and a line.
fn read_kind(csv: Vec<u8>, mapping: &Mapping) -> usize {
    let input = || Box::new(std::io::Cursor::new(csv.clone()));
    let rows: Box<dyn Iterator<Item = Result<(), interchange::Error>>> = match mapping.record {
        interchange::RecordKind::Stations => {
            match interchange::StationListReader::from_reader(input(), "m.csv", mapping) {
                Ok(r) => Box::new(r.keep_going().map(|r| r.map(|_| ()))),
                Err(_) => return 0,
            }
        }
        interchange::RecordKind::VoterRoll => {
            match interchange::VoterRollReader::from_reader(input(), "m.csv", mapping) {
                Ok(r) => Box::new(r.keep_going().map(|r| r.map(|_| ()))),
                Err(_) => return 0,
            }
        }
        interchange::RecordKind::StationResults => return read_all(csv, mapping),
    };
    let mut n = 0;
    for row in rows {
        match row {
            Ok(()) => n += 1,
            Err(e) => {
                assert!(e.to_string().starts_with("m.csv"), "{e}");
                assert!(e.line().is_some_and(|l| l >= 1), "{e}");
            }
        }
    }
    n
}

#[test]
fn mutated_station_lists_and_rolls_give_rows_or_errors() {
    for (text, csv, seed) in [(STATIONS, CSV, 3), (ROLL, ROLL_CSV, 4)] {
        let mapping = Mapping::parse(text, "m.toml").unwrap();
        assert!(read_kind(csv.as_bytes().to_vec(), &mapping) > 0, "{text}");
        let mut g = Gen(seed);
        for _ in 0..10_000 {
            read_kind(g.mutate(csv.as_bytes()), &mapping);
            let Ok(t) = String::from_utf8(g.mutate(text.as_bytes())) else {
                continue;
            };
            match Mapping::parse(&t, "m.toml") {
                Ok(m) => {
                    read_kind(csv.as_bytes().to_vec(), &m);
                }
                Err(e) => assert!(e.key().is_some(), "{e}"),
            }
        }
    }
}

/// Found by the `mapping` fuzz target: a table named `[""]` was refused as an unknown key, but
/// the error named the key as nothing (`key ``:`). Keys that are not bare TOML keys are now
/// written quoted in key paths, at the top level and inside tables alike.
#[test]
fn unknown_keys_that_are_not_bare_are_named_quoted() {
    let cases: &[(&str, &str, &str)] = &[
        ("[csv]", "[\"\"]\n[csv]", "\"\""),
        ("[csv]", "\"a.b\" = 1\n[csv]", "\"a.b\""),
        ("[csv]", "[csv]\n\"\" = 1", "csv.\"\""),
        (
            "[station]",
            "[station]\n\"the id\" = 1",
            "station.\"the id\"",
        ),
        ("[counts]", "[counts]\n\"\" = 1", "counts.\"\""),
        ("[[source]]", "[[source]]\n\"x.y\" = 1", "source[0].\"x.y\""),
        // Bare keys are written as they are.
        ("[counts]", "[counts]\nvalidd = 1", "counts.validd"),
    ];
    for (from, to, key) in cases {
        let text = MAPPING.replacen(from, to, 1);
        assert_ne!(text, MAPPING, "case {key} did not change the mapping");
        let err = Mapping::parse(&text, "bad.toml").unwrap_err();
        assert_eq!(err.key(), Some(*key), "{err}");
        assert!(err.to_string().contains("unknown key"), "{err}");
    }
    let err = Mapping::parse(
        &ROLL.replacen("M = [\"l\", \"m\"]", "\"\" = [\"x\"]", 1),
        "bad.toml",
    )
    .unwrap_err();
    assert_eq!(err.key(), Some("voter.sex_values.\"\""), "{err}");
    let err = Mapping::parse(
        &ROLL.replacen("[private]", "[private]\n\"date of birth\" = \"dob\"", 1),
        "bad.toml",
    )
    .unwrap_err();
    assert_eq!(err.key(), Some("private.\"date of birth\""), "{err}");
}
