//! Recording witness time: a checkpoint of the election's log, cosigned by its witnesses,
//! becomes a `checkpoint` entry of that same log (see [`crate::event::RecordedCheckpoint`]),
//! so that "the entries below its size existed no later than the witnesses' time" is part of
//! the replayable state.
//!
//! The operator records every checkpoint its witnesses cosigned, after the witnessing: the
//! entry extends the log, so the next checkpoint (and publication) includes it.

use crate::election::{Election, SubmitError};
use crate::event::{Entry, Event, RecordedCheckpoint};

/// The entry that records `note`, a cosigned checkpoint (unsigned: the note's signatures
/// authenticate it).
pub fn checkpoint_entry(note: &[u8]) -> Result<Vec<u8>, String> {
    let note = std::str::from_utf8(note).map_err(|_| "the checkpoint note is not UTF-8")?;
    Ok(Entry {
        author: None,
        batch: None,
        event: Event::Checkpoint(RecordedCheckpoint {
            note: note.to_string(),
        }),
        cosigs: Vec::new(),
        sig: None,
    }
    .to_bytes())
}

/// Records the cosigned checkpoint `note` through the election's one intake path; returns the
/// index of the entry that records it.
pub fn record_checkpoint(election: &mut Election, note: &[u8]) -> Result<u64, SubmitError> {
    let entry = checkpoint_entry(note).map_err(SubmitError::Setup)?;
    Ok(election.submit(&[entry])?.first)
}

/// Records the cosigned checkpoint `note` in the log at `dir` if that log holds an election
/// whose genesis names the log's key; `Ok(None)` for a bare log or an election that records
/// no checkpoints. For `scrutineer log witness`, which witnesses any log.
pub fn record_in_dir(dir: &std::path::Path, note: &[u8]) -> Result<Option<u64>, String> {
    let log_dir = crate::dir::LogDir::open(dir).map_err(|e| e.to_string())?;
    let log = log_dir.log().map_err(|e| e.to_string())?;
    let conn = log.storage().connection();
    if log.size() == 0 || !crate::report::is_state(conn) {
        return Ok(None);
    }
    if !crate::report::records_checkpoints(conn) {
        return Ok(None);
    }
    let mut election = Election::open(log).map_err(|e| e.to_string())?;
    record_checkpoint(&mut election, note)
        .map(Some)
        .map_err(|e| format!("{}: {e}", dir.join("log.db").display()))
}
