//! A refused or failed submission, and what a receipt says happened, in the user's terms:
//! shared by every command that submits to an election.

use ledger::{Applied, SubmitError};
use std::path::Path;

/// Explains a refused submission in the user's terms.
pub fn explain(e: SubmitError) -> anyhow::Error {
    match e {
        SubmitError::Refused { position, refusal } => anyhow::anyhow!(
            "refused, nothing was recorded: entry {} of the submission, at {}: {}",
            position + 1,
            refusal.path,
            refusal.message
        ),
        other => other.into(),
    }
}

/// A submission's failure in the user's terms; a failure of the store itself (another writer
/// got there first, a damaged file) names the election's log.db.
pub fn explain_in(dir: &Path, e: SubmitError) -> anyhow::Error {
    match e {
        SubmitError::Log(e) => anyhow::anyhow!(
            "{}: {e}; nothing was recorded{}",
            dir.join("log.db").display(),
            if matches!(
                e,
                tlog::LogError::Storage(tlog::StorageError::AnotherWriter { .. })
            ) {
                ": another command wrote to this election at the same time; run this one again"
            } else {
                ""
            }
        ),
        other => explain(other),
    }
}

/// Signs `event` with `key`, submits it alone and prints what its receipt says; its index.
pub fn sign_and_submit(
    election: &mut ledger::Election,
    event: ledger::Event,
    key: &tlog::PrivateKey,
) -> anyhow::Result<u64> {
    let entry = ledger::Entry::signed(event, key);
    let receipt = election.submit(&[entry.to_bytes()]).map_err(explain)?;
    report_applied(&receipt.applied, receipt.first);
    Ok(receipt.first)
}

/// Prints what a receipt says happened.
pub fn report_applied(applied: &[Applied], first: u64) {
    for (i, a) in applied.iter().enumerate() {
        if let Some(line) = a.describe(first + i as u64) {
            println!("{line}");
        }
    }
}
