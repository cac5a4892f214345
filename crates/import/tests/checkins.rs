//! A station's sync file: good rows are read in any column order, and every bad row is named
//! by line and column, so that nothing is recorded until the file is right.

use ledger::event::Presented;

#[test]
fn a_sync_file_is_read_and_its_bad_rows_named_by_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.csv");
    let p = "ab".repeat(32);
    std::fs::write(
        &good,
        format!("presented,at,id,note\n{p},1374991260,0101-1,x\ncard:TC-9,1374991275,0101-2,\n"),
    )
    .unwrap();
    let rows = import::read_checkins(&good).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!((rows[0].0, rows[0].1.id.as_str()), (2, "0101-1"));
    assert_eq!(rows[1].1.presented, Presented::Card("TC-9".into()));

    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        format!("id,at,presented\n0101-1,noon,{p}\n,1,{p}\n0101-3,1,ABC\n0101-4,1,{p}\n"),
    )
    .unwrap();
    match import::read_checkins(&bad) {
        Err(import::Error::BadRows { file, bad }) => {
            assert_eq!(file, bad_path(&dir));
            let named: Vec<(u64, &str)> = bad.iter().map(|b| (b.line, b.field.as_str())).collect();
            assert_eq!(named, [(2, "at"), (3, "id"), (4, "presented")]);
        }
        other => panic!("{other:?}"),
    }

    let header = dir.path().join("header.csv");
    std::fs::write(&header, "id,time,presented\n").unwrap();
    let e = import::read_checkins(&header).unwrap_err().to_string();
    assert!(e.contains("header.csv:1:") && e.contains("at"), "{e}");
}

fn bad_path(dir: &tempfile::TempDir) -> std::path::PathBuf {
    dir.path().join("bad.csv")
}
