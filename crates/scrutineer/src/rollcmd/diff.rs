//! `scrutineer roll diff`: what changed on the roll between two log sizes, or two CSV
//! snapshots, by area, with the areas whose removal rate stands far above the rest flagged.

use crate::reviewing::{self, ElectionArgs, Lift};
use review::roll::{DiffSpec, diff_log, diff_snapshots};
use roll::diff::FlagRule;
use std::path::PathBuf;

/// What changed on the voter roll between two points, by area.
///
/// Between two log sizes (--from, --to; default --to: the whole log) of an election directory,
/// a published log replayed here (ELECTION as a URL or directory with --vkey), or a kept state
/// database: additions, removals, moves and edits per area, each removal with the proposal and
/// the members who approved it. Or between two CSV snapshots of the roll (--old, --new) read
/// through a voter-roll mapping, with no approvals; the election still places the stations in
/// areas and gives the vote shares.
///
/// Each area's removal rate is scored against the others (median and MAD of the rates, never
/// less than the binomial noise of an area that size; docs/methods.md, "Roll diffs"), and an
/// area far above the rest is FLAGGED, beside its vote shares in the official results.
///
/// Examples:
///
///   scrutineer roll diff kh-2013 --from 1200 --to 1460
///   scrutineer roll diff https://log.example/kh-2013 --vkey KEY --from 1200 --json
///   scrutineer roll diff kh-2013 --old roll-may.csv --new roll-july.csv --mapping roll.toml
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    #[command(flatten)]
    election: ElectionArgs,
    /// The first log size: changes at log indexes from here on are counted.
    #[arg(long, required_unless_present = "old", conflicts_with = "old")]
    from: Option<u64>,
    /// The second log size (default: the whole log).
    #[arg(long, conflicts_with = "old")]
    to: Option<u64>,
    /// The older CSV snapshot of the roll.
    #[arg(long, requires_all = ["new", "mapping"])]
    old: Option<PathBuf>,
    /// The newer CSV snapshot of the roll.
    #[arg(long, requires = "old")]
    new: Option<PathBuf>,
    /// The snapshots' column mapping (record = "voter-roll"; docs/mapping.md).
    #[arg(long, requires = "old")]
    mapping: Option<PathBuf>,
    /// The area level to count by (default: the level stations sit in).
    #[arg(long)]
    level: Option<String>,
    /// The contest whose official results give the vote shares (default: the only one).
    #[arg(long)]
    contest: Option<String>,
    /// The score above which an area is flagged.
    #[arg(long, default_value_t = 4.0)]
    k: f64,
    /// Areas with fewer voters at the first point are not scored.
    #[arg(long, default_value_t = 30)]
    min_roll: u64,
    /// An area is flagged only if it lost at least this many voters.
    #[arg(long, default_value_t = 5)]
    min_removals: u64,
    /// Print the report as JSON (docs/json.md).
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args) -> anyhow::Result<()> {
    if !(a.k.is_finite() && a.k > 0.0) {
        anyhow::bail!("--k {} must be a positive number", a.k);
    }
    let spec = DiffSpec {
        level: a.level,
        contest: a.contest,
        rule: FlagRule {
            k: a.k,
            min_roll: a.min_roll,
            min_removals: a.min_removals,
        },
    };
    let review = reviewing::open(&a.election)?;
    let report = match (&a.old, &a.new, &a.mapping) {
        (Some(old), Some(new), Some(mapping)) => {
            let mapping = interchange::Mapping::from_path(mapping)?;
            mapping.expect(interchange::RecordKind::VoterRoll)?;
            diff_snapshots(old, new, &mapping, Some(&review), &spec).lift()?
        }
        _ => diff_log(&review, a.from.unwrap_or(0), a.to, &spec).lift()?,
    };
    if a.json {
        reviewing::print_json(&report)
    } else {
        reviewing::write_stdout(&review::roll::render(&report))
    }
}
