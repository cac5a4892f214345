//! Field sheets, as teams fill them in: a CSV file with a header that names its columns (in
//! any case and order; other columns are ignored), then one row per thing checked. A voter-list
//! audit's results are read this way (`voter,found` or `cluster,listed`).
//!
//! This module knows files and columns, not audits: whether a voter was drawn is the caller's
//! question, asked through [`FieldRow::error`] so that its answer names the cell.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::{Column, Error};

/// One filled row: its line and the cells of the wanted columns, trimmed, in the order asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldRow {
    /// The 1-based line of the file where the row starts.
    pub line: u64,
    pub cells: Vec<String>,
    file: PathBuf,
    columns: Vec<Column>,
}

impl FieldRow {
    /// An error about the cell of the `i`th wanted column in this row.
    pub fn error(&self, i: usize, message: impl Into<String>) -> Error {
        Error::Cell {
            file: self.file.clone(),
            line: self.line,
            column: self.columns[i].clone(),
            message: message.into(),
        }
    }
}

/// Streams the rows of a field sheet. Blank rows are skipped; the first malformed row is an
/// error, and the reading stops there.
pub struct FieldSheet {
    records: csv::StringRecordsIntoIter<Box<dyn Read + Send>>,
    file: PathBuf,
    columns: Vec<Column>,
    width: usize,
    done: bool,
}

impl FieldSheet {
    /// Opens `path` (`.csv`, `.csv.gz` or `.csv.zip`; lines and records capped as every data
    /// file) and finds the `wanted` columns in its header; `layout` is the header to suggest
    /// when one is missing, e.g. "voter,found".
    pub fn open(path: impl AsRef<Path>, wanted: &[&str], layout: &str) -> Result<Self, Error> {
        let path = path.as_ref();
        let input = crate::open::open_data(path)?;
        Self::from_reader(input, path, wanted, layout)
    }

    /// Reads CSV bytes (already decompressed) from `input`; `name` names it in errors.
    pub fn from_reader(
        input: Box<dyn Read + Send>,
        name: impl AsRef<Path>,
        wanted: &[&str],
        layout: &str,
    ) -> Result<Self, Error> {
        let file = name.as_ref().to_path_buf();
        let mut records = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(input)
            .into_records();
        let header = match records.next() {
            None => {
                return Err(Error::File {
                    file,
                    message: format!("the file is empty; it needs the header {layout}"),
                });
            }
            Some(Err(e)) => {
                return Err(Error::Row {
                    file,
                    line: 1,
                    message: format!("the header cannot be read: {e}"),
                });
            }
            Some(Ok(h)) => h,
        };
        let names: Vec<String> = header
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').trim().to_lowercase())
            .collect();
        let mut columns = Vec::with_capacity(wanted.len());
        for w in wanted {
            let found: Vec<usize> = (0..names.len()).filter(|&i| names[i] == *w).collect();
            match found.as_slice() {
                [i] => columns.push(Column {
                    index: *i,
                    name: Some(names[*i].clone()),
                }),
                [] => {
                    return Err(Error::Row {
                        file,
                        line: 1,
                        message: format!(
                            "the header has no {w:?} column; the sheet has the header {layout} \
                             (other columns are ignored)"
                        ),
                    });
                }
                _ => {
                    return Err(Error::Row {
                        file,
                        line: 1,
                        message: format!("the header has {w:?} more than once"),
                    });
                }
            }
        }
        Ok(FieldSheet {
            records,
            file,
            columns,
            width: names.len(),
            done: false,
        })
    }
}

impl Iterator for FieldSheet {
    type Item = Result<FieldRow, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            let record = match self.records.next()? {
                Ok(r) => r,
                Err(e) => {
                    self.done = true;
                    let line = e.position().map_or(0, |p| p.line());
                    return Some(Err(Error::Row {
                        file: self.file.clone(),
                        line,
                        message: format!("the row cannot be read: {e}"),
                    }));
                }
            };
            let line = record.position().map_or(0, |p| p.line());
            if record.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let mut cells = Vec::with_capacity(self.columns.len());
            for c in &self.columns {
                match record.get(c.index) {
                    Some(v) => cells.push(v.trim().to_string()),
                    None => {
                        self.done = true;
                        return Some(Err(Error::Row {
                            file: self.file.clone(),
                            line,
                            message: format!(
                                "the row has {} fields; the header has {}",
                                record.len(),
                                self.width
                            ),
                        }));
                    }
                }
            }
            return Some(Ok(FieldRow {
                line,
                cells,
                file: self.file.clone(),
                columns: self.columns.clone(),
            }));
        }
        None
    }
}

/// A yes-or-no cell as teams write it: yes/no, y/n, true/false, 1/0, found/not found,
/// listed/not listed (any case); None for anything else.
pub fn yes_no(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().as_str() {
        "yes" | "y" | "true" | "1" | "found" | "listed" => Some(true),
        "no" | "n" | "false" | "0" | "not found" | "not listed" | "missing" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet(text: &str) -> Result<Vec<FieldRow>, Error> {
        FieldSheet::from_reader(
            Box::new(std::io::Cursor::new(text.as_bytes().to_vec())),
            "sheet.csv",
            &["voter", "found"],
            "voter,found",
        )?
        .collect()
    }

    #[test]
    fn columns_in_any_order_and_case_others_ignored() {
        let rows = sheet("Note,FOUND,Voter\nx, yes ,V1\n\n,,\ny,no,V2\n").unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].cells, ["V1", "yes"]);
        assert_eq!(
            (rows[1].line, rows[1].cells.clone()),
            (5, vec!["V2".into(), "no".into()])
        );
        let e = rows[1].error(1, "bad").to_string();
        assert_eq!(e, "sheet.csv:5: column 1 (\"found\"): bad");
    }

    #[test]
    fn a_missing_column_a_short_row_and_an_empty_file_say_where() {
        let e = sheet("voter,result\nV1,yes\n").unwrap_err().to_string();
        assert!(
            e.starts_with("sheet.csv:1: the header has no \"found\" column"),
            "{e}"
        );
        let e = sheet("voter,found,x\nV1,yes,1\nV2\n")
            .unwrap_err()
            .to_string();
        assert_eq!(e, "sheet.csv:3: the row has 1 fields; the header has 3");
        let e = sheet("").unwrap_err().to_string();
        assert!(e.contains("empty") && e.contains("voter,found"), "{e}");
        let e = sheet("voter,found,voter\n").unwrap_err().to_string();
        assert!(e.contains("more than once"), "{e}");
    }

    #[test]
    fn yes_and_no_as_teams_write_them() {
        for y in ["Yes", "y", "TRUE", "1", "found", "Listed"] {
            assert_eq!(yes_no(y), Some(true), "{y}");
        }
        for n in [
            "no",
            "N",
            "false",
            "0",
            "Not found",
            "not listed",
            "missing",
        ] {
            assert_eq!(yes_no(n), Some(false), "{n}");
        }
        assert_eq!(yes_no("maybe"), None);
        assert_eq!(yes_no(""), None);
    }
}
