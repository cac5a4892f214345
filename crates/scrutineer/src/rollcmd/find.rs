//! `scrutineer roll find`: search a "find my name" index.

use crate::reviewing;
use roll::index::{Index, Query};
use std::path::PathBuf;

/// Find a voter by name in an index built by `scrutineer roll index`.
///
/// NAME is the family and given names in either order, in Khmer script or in Latin letters
/// (not both), with or without spaces; up to two typos are forgiven. Answers are ranked: fewest
/// edits first, then the names in the order given, then the nearest birth year; each with its
/// station and area.
///
/// Example:
///   $ scrutineer roll find roll.idx "Sok Dara" --birth-year 1980 --area 0102
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The index file.
    #[arg(value_name = "INDEX")]
    index: PathBuf,
    /// The name to look for.
    #[arg(value_name = "NAME")]
    name: String,
    /// Only voters born within two years of this one (the nearest first).
    #[arg(long, value_name = "YEAR")]
    birth_year: Option<u16>,
    /// Only voters in this area or under it (an area code, or the start of one: 0102).
    #[arg(long, value_name = "AREA")]
    area: Option<String>,
    /// How many voters to show.
    #[arg(long, value_name = "N", default_value_t = 10)]
    limit: usize,
    /// Print the voters found as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args) -> anyhow::Result<()> {
    let query = Query::parse(&a.name, a.birth_year, a.area.as_deref())?;
    let index = Index::open(&a.index)?;
    let found = index.find(&query, a.limit)?;
    if a.json {
        return reviewing::print_json(&found);
    }
    reviewing::write_stdout(&roll::render::found(&a.name, &found))
}
