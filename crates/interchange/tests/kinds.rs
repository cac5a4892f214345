//! Station lists and voter rolls read through mappings: values, area codes, private fields,
//! and errors that name the file, line, column and mapping key. Also the real station lists.

use std::path::{Path, PathBuf};

use interchange::{Error, Mapping, RecordKind, Sex, StationListReader, VoterRollReader};

const STATIONS: &str = r#"
record = "stations"
[csv]
missing = ["", "-1"]
[station]
id = ["district_code", "number"]
areas = [
  { level = "province", column = "province" },
  { level = "district", column = "district", code = "district_code" },
  { level = "commune", column = "commune" },
]
name = ["commune", "number"]
registered = ["men", "women"]
"#;

const ROLL: &str = r#"
record = "voter-roll"
[station]
id = ["district_code", "number"]
[voter]
id = "nid"
name = ["given", "family"]
sex = "sex"
sex_values = { F = ["P", "perempuan"], M = ["L", "laki-laki"] }
birth_date = "dob"
birth_date_format = "DD/MM/YYYY"
[private]
date_of_birth = "dob"
id_number = "nid"
address = ["street", "village"]
"#;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_station_list_gives_codes_names_and_registered_voters() {
    let dir = tempfile::tempdir().unwrap();
    let m = Mapping::parse(STATIONS, "s.toml").unwrap();
    assert_eq!(m.record, RecordKind::Stations);
    let path = write(
        dir.path(),
        "s.csv",
        "province,district,district_code,commune,number,men,women\n\
         North,Hill,D1,Alpha,1,100,120\n\
         North,Hill,D1,Alpha,2,-1,50\n\
         South,Hill,D2,Alpha,1,7,8\n",
    );
    let rows: Vec<_> = StationListReader::open(&path, &m)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(rows.len(), 3);
    let r = &rows[0];
    assert_eq!((r.line, r.station.as_str()), (2, "D1/1"));
    assert_eq!(r.name.as_deref(), Some("Alpha 1"));
    assert_eq!(r.registered, Some(220));
    // Codes: the province's name; the district's own code column; the commune's path.
    let codes: Vec<&str> = r.areas.iter().map(|a| a.code.as_str()).collect();
    assert_eq!(codes, ["North", "D1", "D1/Alpha"]);
    let names: Vec<&str> = r.areas.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["North", "Hill", "Alpha"]);
    // A sum with a missing part is missing.
    assert_eq!(rows[1].registered, None);
    // Same commune name in another district: another code.
    assert_eq!(rows[2].areas[2].code, "D2/Alpha");
}

#[test]
fn bad_station_rows_name_line_column_and_key_and_reading_can_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let m = Mapping::parse(STATIONS, "s.toml").unwrap();
    let path = write(
        dir.path(),
        "s.csv",
        "province,district,district_code,commune,number,men,women\n\
         North,Hill,D1,Alpha,1,1OO,120\n\
         North,Hill,,Alpha,2,1,50\n\
         North,Hill,D1,Alpha,3\n\
         North,Hill,D1,Alpha,4,1,1\n",
    );
    // By default reading stops at the first bad row.
    let mut stop = StationListReader::open(&path, &m).unwrap();
    let err = stop.next().unwrap().unwrap_err();
    assert_eq!((err.line(), err.column().unwrap().index), (Some(2), 5));
    let text = err.to_string();
    assert!(
        text.starts_with(&format!("{}:2: column 5 (\"men\")", path.display())),
        "{text}"
    );
    assert!(text.contains("station.registered"), "{text}");
    assert!(stop.next().is_none());
    // Going on lists every bad row and still reads the good one.
    let all: Vec<Result<_, Error>> = StationListReader::open(&path, &m)
        .unwrap()
        .keep_going()
        .collect();
    assert_eq!(all.len(), 4);
    let lines: Vec<Option<u64>> = all
        .iter()
        .filter_map(|r| r.as_ref().err())
        .map(|e| e.line())
        .collect();
    assert_eq!(lines, [Some(2), Some(3), Some(4)]);
    assert!(
        all[1]
            .as_ref()
            .unwrap_err()
            .to_string()
            .contains("station.id")
    );
    assert!(matches!(all[2], Err(Error::Row { line: 4, .. })));
    assert_eq!(all[3].as_ref().unwrap().station, "D1/4");
}

#[test]
fn a_roll_gives_public_fields_and_keeps_private_ones_apart() {
    let dir = tempfile::tempdir().unwrap();
    let m = Mapping::parse(ROLL, "r.toml").unwrap();
    let path = write(
        dir.path(),
        "r.csv",
        "nid,given,family,sex,dob,district_code,number,street,village\n\
         K1,Siti,Aminah,P,04/09/1961,D1,1,Jl. Merdeka 5,Alpha\n\
         K2,Budi,,laki-laki,1/2/2000,D1,2,,\n",
    );
    let rows: Vec<_> = VoterRollReader::open(&path, &m)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let a = &rows[0];
    assert_eq!(
        (a.voter.as_str(), a.name.as_str(), a.sex, a.birth_year),
        ("K1", "Siti Aminah", Some(Sex::F), Some(1961))
    );
    assert_eq!(a.station.as_deref(), Some("D1/1"));
    let private: Vec<(&str, &str)> = a
        .private
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        private,
        [
            ("address", "Jl. Merdeka 5 Alpha"),
            ("date_of_birth", "04/09/1961"),
            ("id_number", "K1")
        ]
    );
    // A one-digit day and month before a separator; empty private fields are left out.
    let b = &rows[1];
    assert_eq!(
        (b.name.as_str(), b.sex, b.birth_year),
        ("Budi", Some(Sex::M), Some(2000))
    );
    assert_eq!(
        b.private.keys().collect::<Vec<_>>(),
        ["date_of_birth", "id_number"]
    );
}

#[test]
fn bad_roll_cells_are_errors_that_say_where() {
    let dir = tempfile::tempdir().unwrap();
    let m = Mapping::parse(ROLL, "r.toml").unwrap();
    let header = "nid,given,family,sex,dob,district_code,number,street,village\n";
    let cases = [
        ("K1,Siti,Aminah,W,04/09/1961,D1,1,,", 3, "is not one of"),
        (
            "K1,Siti,Aminah,P,31/02/1961,D1,1,,",
            4,
            "day 31 does not exist",
        ),
        (
            "K1,Siti,Aminah,P,1961-09-04,D1,1,,",
            4,
            "not a date laid out as \"DD/MM/YYYY\"",
        ),
        ("K1,Siti,Aminah,P,04/13/1961,D1,1,,", 4, "month 13"),
        ("K1,,,P,04/09/1961,D1,1,,", 1, "voter.name"),
        (",Siti,Aminah,P,04/09/1961,D1,1,,", 0, "voter.id"),
        ("K1,Siti,Aminah,P,04/09/1961,D1,,,", 6, "station.id"),
    ];
    for (row, column, want) in cases {
        let path = write(dir.path(), "r.csv", &format!("{header}{row}\n"));
        let err = VoterRollReader::open(&path, &m)
            .unwrap()
            .next()
            .unwrap()
            .unwrap_err();
        assert_eq!(err.line(), Some(2), "{row}: {err}");
        assert_eq!(err.column().unwrap().index, column, "{row}: {err}");
        assert!(err.to_string().contains(want), "{row}: {err}");
    }
    // A birth year column must hold four digits.
    let year = Mapping::parse(
        &ROLL.replace(
            "birth_date = \"dob\"\nbirth_date_format = \"DD/MM/YYYY\"",
            "birth_year = \"year\"",
        ),
        "y.toml",
    )
    .unwrap();
    let path = write(
        dir.path(),
        "y.csv",
        "nid,given,family,sex,dob,year,district_code,number,street,village\n\
         K1,A,B,P,x,61,D1,1,,\nK2,A,B,P,x,1961,D1,2,,\n",
    );
    let rows: Vec<_> = VoterRollReader::open(&path, &year)
        .unwrap()
        .keep_going()
        .collect();
    assert!(
        rows[0]
            .as_ref()
            .unwrap_err()
            .to_string()
            .contains("four-digit year")
    );
    assert_eq!(rows[1].as_ref().unwrap().birth_year, Some(1961));
}

#[test]
fn mapping_mistakes_for_the_new_kinds_name_the_key() {
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            STATIONS,
            "record = \"stations\"",
            "record = \"stations\"\n[contest]\nchoices = [\"A\"]",
            "contest",
        ),
        (
            STATIONS,
            "registered = [\"men\", \"women\"]",
            "registered = [\"men\", \"women\"]\nvotes = 3",
            "station.votes",
        ),
        (
            STATIONS,
            "{ level = \"commune\", column = \"commune\" }",
            "{ level = \"province\", column = \"commune\" }",
            "station.areas[2].level",
        ),
        (
            STATIONS,
            "code = \"district_code\"",
            "code = [\"district_code\", \"x\"]",
            "station.areas[1].code",
        ),
        (ROLL, "sex = \"sex\"", "sex = [\"sex\", \"g\"]", "voter.sex"),
        (
            ROLL,
            "F = [\"P\", \"perempuan\"]",
            "F = [\"L\"]",
            "voter.sex_values.M",
        ),
        (
            ROLL,
            "F = [\"P\", \"perempuan\"]",
            "W = [\"P\"]",
            "voter.sex_values.W",
        ),
        (ROLL, "DD/MM/YYYY", "DD/MM/YY", "voter.birth_date_format"),
        (ROLL, "DD/MM/YYYY", "DD/MM", "voter.birth_date_format"),
        (
            ROLL,
            "birth_date_format = \"DD/MM/YYYY\"\n",
            "",
            "voter.birth_date_format",
        ),
        (
            ROLL,
            "date_of_birth = \"dob\"",
            "Date-Of-Birth = \"dob\"",
            "private.Date-Of-Birth",
        ),
        (
            ROLL,
            "[station]\nid",
            "[station]\nareas = []\nid",
            "station.areas",
        ),
        (ROLL, "name = [\"given\", \"family\"]\n", "", "voter.name"),
    ];
    for (base, from, to, key) in cases {
        let text = base.replacen(from, to, 1);
        assert_ne!(&text, base, "case {key} did not change the mapping");
        let err = Mapping::parse(&text, "bad.toml").unwrap_err();
        assert_eq!(err.key(), Some(*key), "{err}");
        assert!(err.to_string().starts_with("bad.toml: key"), "{err}");
    }
    // A station list must place its stations in areas.
    let start = STATIONS.find("areas = [").unwrap();
    let end = STATIONS.find("]\nname").unwrap() + 2;
    let text = format!("{}{}", &STATIONS[..start], &STATIONS[end..]);
    let err = Mapping::parse(&text, "bad.toml").unwrap_err();
    assert_eq!(err.key(), Some("station.areas"), "{err}");
    // A mapping of one kind is refused by a reader of another, naming `record`.
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "x.csv", "a\n1\n");
    let m = Mapping::parse(STATIONS, "s.toml").unwrap();
    let err = VoterRollReader::open(&path, &m).err().unwrap();
    assert_eq!(err.key(), Some("record"));
    assert!(
        err.to_string().contains("\"voter-roll\" is needed"),
        "{err}"
    );
}

fn shared() -> PathBuf {
    match std::env::var_os("SCRUTINEER_SHARED") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    }
}

fn mapping(name: &str) -> Mapping {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../mappings")
        .join(name);
    Mapping::from_path(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// Counts stations, registered voters and distinct area codes per level.
fn tally(reader: StationListReader) -> (u64, u64, u64, Vec<usize>) {
    let mut levels: Vec<std::collections::HashSet<String>> = Vec::new();
    let (mut stations, mut registered, mut missing) = (0, 0, 0);
    for row in reader {
        let row = row.unwrap_or_else(|e| panic!("{e}"));
        stations += 1;
        match row.registered {
            Some(r) => registered += r,
            None => missing += 1,
        }
        levels.resize_with(row.areas.len(), Default::default);
        for (i, a) in row.areas.into_iter().enumerate() {
            levels[i].insert(a.code);
        }
    }
    (
        stations,
        registered,
        missing,
        levels.iter().map(|l| l.len()).collect(),
    )
}

#[test]
fn the_real_station_lists_read_with_the_published_totals() {
    let m = mapping("russia-duma-2011-stations.toml");
    let r = StationListReader::open(shared().join("data/russia/duma-2011.csv.zip"), &m).unwrap();
    // 83 regions plus voters abroad; TIK names repeat across regions, so codes are paths.
    assert_eq!(tally(r), (95_225, 109_229_337, 0, vec![84, 2_746]));

    let m = mapping("indonesia-kawalpemilu-2019-stations.toml");
    let r = StationListReader::open(
        shared().join("data/indonesia/kawalpemilu-2019-jakarta-bali-yogyakarta-aceh.csv.gz"),
        &m,
    )
    .unwrap();
    let (stations, _, missing, levels) = tally(r);
    assert_eq!((stations, missing), (68_846, 64));
    assert_eq!(levels, [4, 43, 468, 7_918]);
}

/// FEBRL through mappings/febrl.toml: no station, no sex; family and given names apart; the
/// SSN, date of birth and address are private; an impossible date is missing when reading
/// leniently (for deduplication) and an error naming file, line and column when strict.
#[test]
fn a_people_file_without_stations_or_sex_reads_through_a_mapping() {
    let m = mapping("febrl.toml");
    let path = shared().join("data/febrl/dataset2.csv");
    let rows: Vec<_> = VoterRollReader::open(&path, &m)
        .unwrap()
        .lenient()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(rows.len(), 5000);
    let a = &rows[0];
    assert_eq!(a.voter, "rec-2778-org");
    assert_eq!(
        (a.family.as_deref(), a.given.as_deref()),
        (Some("bruhn"), Some("sarah"))
    );
    assert_eq!(a.name, "bruhn sarah");
    assert_eq!((a.sex, a.station.as_deref()), (None, None));
    assert_eq!(
        (a.birth_year, a.birth_month_day),
        (Some(1930), Some((2, 13)))
    );
    assert_eq!(a.private["soc_sec_id"], "7535316");
    assert_eq!(a.private["address_1"], "forbes street");
    let unreadable: Vec<&String> = rows.iter().flat_map(|r| &r.unreadable).collect();
    assert!(
        !unreadable.is_empty() && unreadable.len() < 20,
        "{unreadable:?}"
    );
    assert!(unreadable[0].contains("dataset2.csv") && unreadable[0].contains("date_of_birth"));
    // Strict reading (registration) refuses the same file: it has no station.
    let err = VoterRollReader::open(&path, &m)
        .unwrap()
        .next()
        .unwrap()
        .unwrap_err();
    assert_eq!(err.key(), Some("station.id"), "{err}");
}

#[test]
fn names_in_khmer_and_their_romanisation_read_side_by_side() {
    let dir = tempfile::tempdir().unwrap();
    let text = "record = \"voter-roll\"\n[station]\nid = \"station\"\n[voter]\nid = \"id\"\n\
                family = \"family\"\ngiven = \"given\"\nfamily_latin = \"family_latin\"\n\
                given_latin = \"given_latin\"\nsex = \"sex\"\nbirth_year = \"year\"\n";
    let m = Mapping::parse(text, "k.toml").unwrap();
    let path = write(
        dir.path(),
        "k.csv",
        "id,family,given,family_latin,given_latin,sex,year,station\n\
         1,សុខ,ដារ៉ា,Sok,Dara,m,1980,S1\n\
         2,,ចាន់,,Chan,f,1990,S1\n",
    );
    let rows: Vec<_> = VoterRollReader::open(&path, &m)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(rows[0].name, "សុខ ដារ៉ា");
    assert_eq!(
        (
            rows[0].family_latin.as_deref(),
            rows[0].given_latin.as_deref()
        ),
        (Some("Sok"), Some("Dara"))
    );
    assert_eq!(
        (rows[1].family.as_deref(), rows[1].name.as_str()),
        (None, "ចាន់")
    );
    // A romanisation needs the name it romanises.
    let bad = Mapping::parse(&text.replace("family = \"family\"\n", ""), "k.toml").unwrap_err();
    assert_eq!(bad.key(), Some("voter.family_latin"), "{bad}");
}
