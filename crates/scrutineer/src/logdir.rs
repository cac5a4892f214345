//! A log's working directory, as `ledger::dir` keeps it, opened for a command: what opening
//! an election settled is told on standard error; the store check and a publication's error
//! in the command line's words.

use anyhow::bail;
use ledger::Election;
use std::path::Path;

pub use ledger::dir::LogDir;

/// Reads a private key file, naming the file in errors.
pub fn read_key(path: &Path) -> anyhow::Result<tlog::note::PrivateKey> {
    Ok(ledger::dir::read_key(path)?)
}

/// Opens an election directory, and tells, one line each on standard error, how the private
/// files an earlier import left when it was stopped were settled (`ledger::private`).
pub fn open_election(dir: &Path) -> anyhow::Result<(LogDir, Election)> {
    let (log_dir, election, settled) = ledger::dir::open_election(dir)?;
    for r in settled {
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), "{r}");
    }
    Ok((log_dir, election))
}

/// Checks the store of the log in `dir` (see `log check --help`) and prints what was found.
pub fn check_store(dir: &std::path::Path) -> anyhow::Result<()> {
    let path = dir.join("log.db");
    let storage =
        tlog::SqliteStorage::open(&path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let found = tlog::Log::check_storage(storage)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    if found.problems.is_empty() {
        println!(
            "{}: sound: SQLite's integrity check passes, all {} entries and every tile match the root, and {} stored checkpoint(s) are signed by the log's key over that tree",
            path.display(),
            found.size,
            found.checkpoints
        );
        return Ok(());
    }
    for p in &found.problems {
        println!("{}: {p}", path.display());
    }
    bail!(
        "{}: {} problem(s) found (listed above): do not publish or witness from this store; restore log.db from a copy, or rebuild the state with `scrutineer replay` from the last good publication",
        path.display(),
        found.problems.len()
    )
}

/// A publication's error on one line; a problem of the store names log.db and says that
/// nothing was published.
pub fn publish_error(dir: &std::path::Path, e: tlog::publish::PublishError) -> anyhow::Error {
    ledger::dir::publish_error(dir, e).into()
}
