//! `scrutineer import cdf`: result forms from a NIST SP 1500-100 JSON (CDF) results file.

use crate::logdir::read_key;
use anyhow::bail;
use interchange::cdf;
use ledger::SubmitError;
use ledger::event::{Content, build_batch};
use std::path::PathBuf;

/// Record result forms from a NIST SP 1500-100 JSON (CDF) results file, all or none.
///
/// The forms go in as one signed batch. Each station in the file with counts becomes one
/// result form per contest, filed as --source (the signer's role must allow it: a polling
/// official or clerk for official, a party's agent for party:<id>, an observer for
/// observer:<organisation>). --from picks which copy in the file to read: "official"
/// (counts of Type "total", the default) or the OtherType of counts of Type "other", such
/// as party:CNRP.
///
/// Stations are the units of Type polling-place or precinct; they, the contests, parties
/// and candidates are matched by their ExternalIdentifier of Type national-level (or their
/// @id). Valid ballots are the sum of the votes; invalid ones are BallotsRejected, or else
/// BallotsCast minus the valid ones. Area totals in the file are skipped. Any problem is an
/// error naming the file and the JSON path, and nothing is recorded.
///
///   scrutineer import cdf kh-2013 official-results.json --as cnrp-agent.key --source party:CNRP
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    dir: PathBuf,
    file: PathBuf,
    /// The signing key.
    #[arg(long = "as")]
    key: PathBuf,
    /// The source the forms are filed as: official, party:<id> or observer:<organisation>.
    #[arg(long)]
    source: String,
    /// Which copy in the file to read: official (counts of Type "total") or the OtherType of
    /// counts of Type "other", such as party:CNRP.
    #[arg(long, default_value = "official")]
    from: String,
}

pub fn run(a: Args) -> anyhow::Result<()> {
    let (_, mut election) = crate::logdir::open_election(&a.dir)?;
    let key = read_key(&a.key)?;
    let bytes = interchange::read_capped(&a.file, interchange::MAX_CDF_FILE, "a NIST CDF file")?;
    let file = a.file.display();
    let report = cdf::parse(&bytes).map_err(|e| anyhow::anyhow!("{file}: {e}"))?;
    let target = import::tally(&election)?;
    let imported =
        cdf::import(&report, &target, &a.from).map_err(|e| anyhow::anyhow!("{file}: {e}"))?;
    let events = import::cdf_forms(&imported, &a.source);
    let entries = build_batch(&key, Content::ResultForms, events, None);
    match election.submit(&entries) {
        Ok(receipt) => {
            println!(
                "recorded {} result forms from {file} as {:?}, one batch at log indexes {}..{}",
                imported.forms.len(),
                a.source,
                receipt.first,
                receipt.first + entries.len() as u64 - 1
            );
            if imported.aggregate_counts > 0 || imported.other_counts > 0 {
                println!(
                    "skipped {} counts of areas (totals, not forms) and {} counts of other sources",
                    imported.aggregate_counts, imported.other_counts
                );
            }
            Ok(())
        }
        Err(SubmitError::Refused { position, refusal }) => match position.checked_sub(1) {
            // Entry 0 is the batch's manifest: the signer may not file such a batch.
            None => bail!(
                "refused, nothing was recorded: {}: {}",
                refusal.path,
                refusal.message
            ),
            Some(i) => {
                let f = &imported.forms[i.min(imported.forms.len() - 1)];
                bail!(
                    "refused, nothing was recorded: {file}: {} (station {:?}, contest {:?}): {}: {}",
                    f.path,
                    f.station,
                    f.contest,
                    refusal.path,
                    refusal.message
                )
            }
        },
        Err(e) => Err(e.into()),
    }
}
