//! Errors that always say where: the file, and the line and column or the mapping key.

use std::fmt;
use std::path::PathBuf;

/// Everything that can go wrong reading a mapping file or a CSV file through it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be opened or read (including a corrupt `.gz` or `.zip`).
    #[error("{}: {source}", file.display())]
    Io {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The mapping file is not valid TOML, or one of its keys is wrong; `key` is the dotted
    /// path of the offending key (for example `source[1].votes[0]`).
    #[error("{}: key `{key}`: {message}", file.display())]
    Mapping {
        file: PathBuf,
        key: String,
        message: String,
    },
    /// The file as a whole is not what is needed (empty, or without the header it needs).
    #[error("{}: {message}", file.display())]
    File { file: PathBuf, message: String },
    /// A row of the CSV file is malformed as a whole (wrong number of fields, broken quoting).
    #[error("{}:{line}: {message}", file.display())]
    Row {
        file: PathBuf,
        line: u64,
        message: String,
    },
    /// One cell of the CSV file cannot be read as what the mapping says it is.
    #[error("{}:{line}: column {column}: {message}", file.display())]
    Cell {
        file: PathBuf,
        line: u64,
        column: Column,
        message: String,
    },
}

impl Error {
    /// The 1-based line of the data file where the error is, if it is about a row.
    pub fn line(&self) -> Option<u64> {
        match self {
            Error::Row { line, .. } | Error::Cell { line, .. } => Some(*line),
            _ => None,
        }
    }

    /// The column of the data file where the error is, if it is about one cell.
    pub fn column(&self) -> Option<&Column> {
        match self {
            Error::Cell { column, .. } => Some(column),
            _ => None,
        }
    }

    /// The mapping key the error is about, if it is a mapping error.
    pub fn key(&self) -> Option<&str> {
        match self {
            Error::Mapping { key, .. } => Some(key),
            _ => None,
        }
    }
}

/// A column of a CSV file, by 0-based index and (when the file has a header) by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub index: usize,
    pub name: Option<String>,
}

impl fmt::Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(name) => write!(f, "{} ({name:?})", self.index),
            None => write!(f, "{}", self.index),
        }
    }
}
