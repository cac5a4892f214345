//! `scrutineer roll index`: build the "find my name" index of an election's public roll.

use crate::reviewing::{self, ElectionArgs};
use std::path::PathBuf;

/// Build a "find my name" index from the public roll of a recorded election (its directory) or
/// of a published log replayed here (with --vkey), so any observer group can run its own.
///
/// The index holds every voter on the roll (registered, approved, not removed) under their
/// names in Khmer script and romanised, in both orders, with their station, area and birth
/// year. Search it with `scrutineer roll find INDEX "NAME"`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    election: ElectionArgs,
    /// Where to write the index (replaced if it exists).
    #[arg(long, value_name = "INDEX")]
    out: PathBuf,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args) -> anyhow::Result<()> {
    let review = reviewing::open(&a.election)?;
    let bar = crate::progress::bar(0, "voters indexed");
    let summary = review::roll::build_index(&review, &a.out, &mut |n| bar.set_position(n))
        .map_err(reviewing::fail)?;
    bar.finish_and_clear();
    if a.json {
        return reviewing::print_json(&summary);
    }
    reviewing::write_stdout(&format!(
        "{}: {} voters under {} name keys, {} bytes\n",
        a.out.display(),
        summary.voters,
        summary.keys,
        summary.bytes
    ))
}
