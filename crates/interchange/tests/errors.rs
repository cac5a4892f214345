//! Bad mappings and bad CSV give errors that name the file, the line, the column and the
//! mapping key; nothing panics.

use std::io::Write;
use std::path::{Path, PathBuf};

use interchange::{Error, Mapping, StationResultsReader};

const MAPPING: &str = r#"
record = "station-results"
[csv]
missing = ["", "-1"]
[station]
id = ["area", "station"]
areas = [{ level = "area", column = "area" }]
[contest]
choices = ["A", "B"]
[counts]
registered = "registered"
[[source]]
name = "official"
ballots_issued = ["early", "on_day"]
votes = ["a", "b"]
[[source]]
name = "party"
votes = ["a2", "b2"]
"#;

const HEADER: &str = "area,station,registered,early,on_day,a,b,a2,b2\n";

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn mapping() -> Mapping {
    Mapping::parse(MAPPING, "test.toml").unwrap()
}

fn read_all(path: &Path, mapping: &Mapping) -> Result<Vec<interchange::StationResult>, Error> {
    StationResultsReader::open(path, mapping)?.collect()
}

#[test]
fn good_file_reads_with_sums_and_missing_values() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "r.csv",
        &format!("{HEADER}North,1,100,5,50,30,20,30,21\nNorth,2,-1,,7,1,2,,\n"),
    );
    let rows = read_all(&path, &mapping()).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].station, "North/1");
    assert_eq!(rows[0].forms[0].counts.ballots_issued, Some(55));
    assert_eq!(rows[0].forms[0].counts.registered, Some(100));
    assert_eq!(rows[0].forms[1].counts.registered, Some(100));
    assert_eq!(rows[0].forms[1].votes, vec![Some(30), Some(21)]);
    // -1 and empty are missing, and a sum with a missing part is missing.
    assert_eq!(rows[1].forms[0].counts.registered, None);
    assert_eq!(rows[1].forms[0].counts.ballots_issued, None);
    assert_eq!(rows[1].forms[1].votes, vec![None, None]);
    assert_eq!(rows[1].line, 3);
}

#[test]
fn a_bad_number_names_file_line_column_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "r.csv",
        &format!(
            "{HEADER}North,1,100,5,50,30,20,30,21\n\"South\nEast\",1,100,5,50,30,20,30,21\nWest,3,100,5,5O,30,20,30,21\n"
        ),
    );
    let err = read_all(&path, &mapping()).unwrap_err();
    // The quoted newline makes the bad row start on line 5.
    assert_eq!(err.line(), Some(5));
    let column = err.column().unwrap();
    assert_eq!(column.index, 4);
    assert_eq!(column.name.as_deref(), Some("on_day"));
    let text = err.to_string();
    assert!(
        text.starts_with(&format!("{}:5: column 4 (\"on_day\")", path.display())),
        "{text}"
    );
    assert!(text.contains("\"5O\""), "{text}");
    assert!(text.contains("source[0].ballots_issued"), "{text}");
}

#[test]
fn rows_after_the_bad_one_are_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "r.csv",
        &format!("{HEADER}North,1,100,5,50,30,x,30,21\nNorth,2,100,5,50,30,20,30,21\n"),
    );
    let mut reader = StationResultsReader::open(&path, &mapping()).unwrap();
    assert!(reader.next().unwrap().is_err());
    assert!(reader.next().is_none());
}

#[test]
fn negative_counts_and_empty_ids_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "r.csv",
        &format!("{HEADER}North,1,100,5,50,-3,20,30,21\n"),
    );
    let err = read_all(&path, &mapping()).unwrap_err();
    assert!(err.to_string().contains("negative count"), "{err}");
    assert_eq!(err.column().unwrap().index, 5);

    let path = write(
        dir.path(),
        "s.csv",
        &format!("{HEADER}North,,100,5,50,3,20,30,21\n"),
    );
    let err = read_all(&path, &mapping()).unwrap_err();
    assert_eq!((err.line(), err.column().unwrap().index), (Some(2), 1));
    assert!(err.to_string().contains("station.id"), "{err}");
}

#[test]
fn a_short_row_names_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "r.csv",
        &format!("{HEADER}North,1,100,5,50,30,20,30,21\nNorth,2,100,5\n"),
    );
    let err = read_all(&path, &mapping()).unwrap_err();
    assert!(matches!(err, Error::Row { line: 3, .. }), "{err:?}");
    assert!(err.to_string().contains("4 fields"), "{err}");
}

#[test]
fn invalid_utf8_names_the_cell() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.csv");
    let mut bytes = HEADER.as_bytes().to_vec();
    bytes.extend_from_slice(b"Nor\xffth,1,100,5,50,30,20,30,21\n");
    std::fs::write(&path, bytes).unwrap();
    let err = read_all(&path, &mapping()).unwrap_err();
    assert_eq!((err.line(), err.column().unwrap().index), (Some(2), 0));
    assert!(err.to_string().contains("UTF-8"), "{err}");
    // The same bytes read as Latin-1 are fine.
    let latin = Mapping::parse(
        &MAPPING.replace("[csv]", "[csv]\nencoding = \"latin-1\""),
        "t.toml",
    )
    .unwrap();
    let rows = read_all(&path, &latin).unwrap();
    assert_eq!(rows[0].station, "Nor\u{ff}th/1");
}

#[test]
fn a_column_missing_from_the_header_is_a_mapping_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "r.csv", &HEADER.replace(",b2", ",bb2"));
    let err = StationResultsReader::open(&path, &mapping()).err().unwrap();
    assert_eq!(err.key(), Some("source[1].votes[1]"));
    assert!(err.to_string().contains("no column named \"b2\""), "{err}");
    assert!(err.to_string().starts_with("test.toml: "), "{err}");

    let m = Mapping::parse(
        &MAPPING.replace("\"early\", \"on_day\"", "\"early\", 40"),
        "m.toml",
    )
    .unwrap();
    let err = StationResultsReader::open(&path, &m).err().unwrap();
    assert_eq!(err.key(), Some("source[0].ballots_issued[1]"));

    let dup = write(
        dir.path(),
        "d.csv",
        "area,station,registered,early,on_day,a,a,a2,b2\n",
    );
    let err = StationResultsReader::open(&dup, &mapping()).err().unwrap();
    assert!(err.to_string().contains("columns [5, 6]"), "{err}");
}

#[test]
fn mapping_mistakes_name_the_key() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "[[source]]\nname = \"official\"",
            "[[source]]\nname = \"official\"\nvalidd = 3",
            "source[0].validd",
        ),
        (
            "votes = [\"a\", \"b\"]",
            "votes = [\"a\"]",
            "source[0].votes",
        ),
        (
            "votes = [\"a\", \"b\"]",
            "votes = [\"a\", -2]",
            "source[0].votes[1]",
        ),
        (
            "record = \"station-results\"",
            "record = \"voters\"",
            "record",
        ),
        (
            "[counts]\nregistered = \"registered\"",
            "[counts]\nregistered = true",
            "counts.registered",
        ),
        (
            "choices = [\"A\", \"B\"]",
            "choices = [\"A\", \"A\"]",
            "contest.choices[1]",
        ),
        ("[csv]", "[csv]\ndelimiter = \";;\"", "csv.delimiter"),
        ("[csv]", "[csv]\nencoding = \"koi8-r\"", "csv.encoding"),
        ("name = \"party\"", "name = \"official\"", "source[1].name"),
        ("[station]", "[station]\nname = 1", "station.name"),
    ];
    for (from, to, key) in cases {
        let text = MAPPING.replacen(from, to, 1);
        assert_ne!(text, MAPPING, "case {key} did not change the mapping");
        let err = Mapping::parse(&text, "bad.toml").unwrap_err();
        assert_eq!(err.key(), Some(*key), "{err}");
        assert!(err.to_string().starts_with("bad.toml: key"), "{err}");
    }
    let err = Mapping::parse("record = \"station-results\"\n[station\n", "bad.toml").unwrap_err();
    assert!(err.to_string().contains("line 2"), "{err}");
}

#[test]
fn gzip_and_zip_are_read_transparently_and_corruption_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("{HEADER}North,1,100,5,50,30,20,30,21\n");
    let plain = write(dir.path(), "r.csv", &text);

    let gz = dir.path().join("r.csv.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::default(),
    );
    enc.write_all(text.as_bytes()).unwrap();
    enc.finish().unwrap();

    let zip_path = dir.path().join("r.csv.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("README.txt", opts).unwrap();
    zip.write_all(b"not the data").unwrap();
    zip.start_file("results.csv", opts).unwrap();
    zip.write_all(text.as_bytes()).unwrap();
    zip.finish().unwrap();

    let expected = read_all(&plain, &mapping()).unwrap();
    assert_eq!(read_all(&gz, &mapping()).unwrap(), expected);
    assert_eq!(read_all(&zip_path, &mapping()).unwrap(), expected);

    let mut bytes = std::fs::read(&gz).unwrap();
    let n = bytes.len();
    bytes.truncate(n - 12);
    let bad = dir.path().join("bad.csv.gz");
    std::fs::write(&bad, bytes).unwrap();
    let err = read_all(&bad, &mapping()).unwrap_err();
    assert!(err.to_string().contains("bad.csv.gz"), "{err}");

    let err = read_all(&dir.path().join("absent.csv"), &mapping()).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    let not_zip = write(dir.path(), "not.csv.zip", &text);
    let err = read_all(&not_zip, &mapping()).unwrap_err();
    assert!(
        err.to_string()
            .contains("not.csv.zip: not a readable zip archive"),
        "{err}"
    );
}
