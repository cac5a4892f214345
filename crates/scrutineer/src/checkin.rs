//! `scrutineer checkin`: the poll book: a station's sync from a CSV file, or the alerts.

use crate::logdir::{open_election, read_key};
use crate::reviewing::{ElectionArgs, fail, open, print_json, write_stdout};
use std::path::PathBuf;

/// Record a station's check-ins from a CSV file, or review the poll book.
///
/// With --file: CSV columns id, at (Unix seconds), presented (pseudonym or card:NUMBER),
/// signed once by the station's polling official (docs/pollbook.md); a sync sent again counts
/// once. Without: every alert (second check-ins, pseudonyms off the station's list, cards
/// misused) and check-ins and cards by station, officer and commune. No alert names a voter.
///
///   scrutineer checkin kh-2013 --station 0101-001 --file 0101-001.csv --as polling.key
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    #[command(flatten)]
    election: ElectionArgs,
    /// The station's check-ins to record.
    #[arg(long, requires_all = ["station", "key"])]
    file: Option<PathBuf>,
    /// The station the sync is from.
    #[arg(long)]
    station: Option<String>,
    /// The polling official's key, which signs the sync.
    #[arg(long = "as", value_name = "KEYFILE")]
    key: Option<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args) -> anyhow::Result<()> {
    let (Some(file), Some(station), Some(key)) = (&a.file, &a.station, &a.key) else {
        let book = review::pollbook::poll_book(&open(&a.election)?).map_err(fail)?;
        if a.json {
            return print_json(&book);
        }
        return write_stdout(&review::render::pollbook::poll_book(&book));
    };
    let dir = PathBuf::from(a.election.election.as_deref().unwrap_or("."));
    let (_, mut election) = open_election(&dir)?;
    let r = import::record_checkins(&mut election, &read_key(key)?, station, file);
    let lines = r.as_ref().err().map(import::render::error_lines);
    lines.into_iter().flatten().for_each(|l| eprintln!("{l}"));
    let r = r?;
    if a.json {
        return print_json(&r);
    }
    write_stdout(&import::render::sync(&r))
}
