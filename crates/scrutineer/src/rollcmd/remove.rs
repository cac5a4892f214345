//! `scrutineer roll remove`: voters proposed for removal from a file, as one governed batch.

use crate::logdir::{open_election, read_key};
use std::path::PathBuf;

/// Propose removing the voters a file lists, as one batch the commission approves.
///
/// The file is CSV with a header naming the columns voter, reason and optionally evidence, or
/// JSON lines (.jsonl) with those members; other columns and members are ignored, so a
/// deduplication run's output can be given as it is (docs/roll.md). The reason is one of
/// deceased, duplicate, not_eligible, moved_away, court_order, own_request; the evidence is
/// the hex SHA-256 of the evidence document, and --evidence FILE gives it for the rows
/// without one. Nothing is removed until members of more than one party approve
/// (`scrutineer approve DIR PROPOSAL`); every row the election would refuse is listed by line
/// and nothing is recorded.
///
/// Example:
///
///   scrutineer roll remove kh-2013 --file duplicates.csv --evidence dedup-report.pdf \
///       --reason "duplicates found by the 2013 deduplication" --as officer.key
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The election directory.
    dir: PathBuf,
    /// The removals: CSV, or JSON lines (.jsonl).
    #[arg(long)]
    file: PathBuf,
    /// The proposal's reason, in words.
    #[arg(long)]
    reason: String,
    /// The evidence document, whose hash stands for the rows that give none.
    #[arg(long)]
    evidence: Option<PathBuf>,
    /// The key that signs the batch (a registration officer, commission clerk or member).
    #[arg(long = "as", value_name = "KEYFILE")]
    key: PathBuf,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args) -> anyhow::Result<()> {
    let key = read_key(&a.key)?;
    let (_, mut election) = open_election(&a.dir)?;
    let r = import::propose_removals(
        &mut election,
        &key,
        &a.file,
        &a.reason,
        a.evidence.as_deref(),
    )
    .map_err(|e| match e {
        import::Error::BadRows { file, bad } => {
            for b in &bad {
                eprintln!("{}:{}: {}: {}", file.display(), b.line, b.field, b.reason);
            }
            anyhow::anyhow!(
                "refused, nothing was recorded: {} of the rows of {} cannot be taken (listed above)",
                bad.len(),
                file.display()
            )
        }
        e => e.into(),
    })?;
    if a.json {
        return crate::reviewing::print_json(&r);
    }
    println!(
        "Proposed removing {} voter(s) listed in {}: proposal {} (entries {}).",
        r.voters,
        r.file.display(),
        r.proposal,
        r.span
    );
    if let Some(h) = &r.evidence {
        println!("Evidence file SHA-256: {h}");
    }
    println!(
        "Nothing is removed until the commission approves: scrutineer approve {} {} --as MEMBER.key",
        a.dir.display(),
        &r.proposal[..r.proposal.len().min(16)]
    );
    Ok(())
}
