//! The commission's private file of a voter-roll batch: the salt and private fields of each
//! voter whose registration carries a commitment instead of them. Without the file the
//! commitments in the log can never be opened; with it, anyone holding it can read the private
//! fields of every voter in it. So it must exist exactly when its batch is in the log.
//!
//! The file is made durable *before* the batch is submitted, under its final name, and an
//! intent file `pending-<batch>.json` in the election's `private/` directory says, until the
//! submission is settled, that the file waits for batch `<batch>`. The writer holds an advisory
//! lock on the intent for as long as it lives. [`resolve`] settles what a killed writer left:
//! an intent whose batch is in the log keeps its file (after checking that the file opens every
//! commitment of the batch); one whose batch is not removes the file. Every step is a
//! write-fsync-rename or a removal followed by a directory fsync, so a kill at any point leaves
//! a state that [`resolve`] settles:
//!
//! 1. the intent is written (`pending-<batch>.json.tmp`, fsync, rename, directory fsync);
//! 2. the records are written to `<file>.partial`, fsynced, renamed to `<file>`, and the
//!    directory fsynced;
//! 3. the batch is submitted (one durable SQLite transaction: in the log or not);
//! 4. the intent is removed ([`Pending::kept`]), or on a refusal the file and then the intent
//!    ([`Pending::discard`]).
//!
//! Files left by earlier versions, `roll-<batch>.jsonl.partial` without an intent, are settled
//! the same way by the batch id in their name.

use crate::election::Election;
use crate::event::{Entry, Event, commitment};
use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

/// The folder of an election directory that holds the private files and their intents.
pub const PRIVATE_DIR: &str = "private";

/// One voter's private record, one JSON line of the file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrivateRecord {
    pub voter: String,
    /// Base64 of the 32-byte salt.
    pub salt: String,
    pub fields: BTreeMap<String, String>,
    /// The commitment the log holds for the voter.
    pub commitment: String,
}

/// What went wrong with a private file, naming it.
#[derive(Debug, thiserror::Error)]
pub enum PrivateError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{0} already exists; refusing to overwrite the salts of an earlier import (choose another file with --private-out)"
    )]
    Exists(PathBuf),
    #[error("{path}: {message}")]
    Bad { path: PathBuf, message: String },
    #[error("reading batch {batch} from the log: {message}")]
    Log { batch: String, message: String },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> PrivateError + '_ {
    move |source| PrivateError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The intent file that ties a private file to its batch until the submission is settled.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Intent {
    batch: String,
    file: PathBuf,
}

fn intent_path(private_dir: &Path, batch: &str) -> PathBuf {
    private_dir.join(format!("pending-{batch}.json"))
}

/// `path` with `suffix` appended to its name.
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn sync_dir(dir: &Path) -> Result<(), PrivateError> {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    File::open(dir).and_then(|d| d.sync_all()).map_err(io(dir))
}

fn parent(path: &Path) -> &Path {
    path.parent().unwrap_or(Path::new("."))
}

/// Creates `path` for the owner only, fails if it exists.
fn create_private(path: &Path) -> Result<File, PrivateError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map_err(io(path))
}

/// Creates `path` and takes its lock. A [`resolve`] running meanwhile may take the lock of the
/// fresh, empty file first and remove it as the remains of a stopped import; so the file is
/// only ours once it is locked and still the one under `path`. Otherwise it is made again.
fn create_locked(path: &Path) -> Result<File, PrivateError> {
    loop {
        let file = create_private(path)?;
        file.lock().map_err(io(path))?;
        // Gone, or another file in its place: make it again (a file that is there stops the
        // next creation with an error naming it).
        match std::fs::metadata(path) {
            Ok(now) if same_file(&file, &now).map_err(io(path))? => return Ok(file),
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(io(path)(e)),
        }
    }
}

#[cfg(unix)]
fn same_file(file: &File, at_path: &std::fs::Metadata) -> std::io::Result<bool> {
    use std::os::unix::fs::MetadataExt;
    let ours = file.metadata()?;
    Ok(ours.dev() == at_path.dev() && ours.ino() == at_path.ino())
}

#[cfg(not(unix))]
fn same_file(_: &File, _: &std::fs::Metadata) -> std::io::Result<bool> {
    Ok(true)
}

fn remove_if_there(path: &Path) -> Result<bool, PrivateError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(io(path)(e)),
    }
}

/// A private file on disk, durable, whose batch is being submitted.
#[derive(Debug)]
pub struct Pending {
    intent: PathBuf,
    file: PathBuf,
    /// Holds the advisory lock that tells [`resolve`] the writer is still alive.
    _lock: File,
}

/// Writes `records` durably to `file` and records the intent in `private_dir`, before batch
/// `batch` is submitted. Refuses to overwrite an existing file.
pub fn write_before_submit(
    private_dir: &Path,
    batch: &str,
    file: &Path,
    records: &[PrivateRecord],
) -> Result<Pending, PrivateError> {
    if file.exists() {
        return Err(PrivateError::Exists(file.to_path_buf()));
    }
    std::fs::create_dir_all(private_dir).map_err(io(private_dir))?;
    std::fs::create_dir_all(parent(file)).map_err(io(parent(file)))?;
    let file = std::path::absolute(file).map_err(io(file))?;

    // 1. The intent, locked before it appears under its name.
    let intent = intent_path(private_dir, batch);
    let intent_tmp = with_suffix(&intent, ".tmp");
    remove_if_there(&intent_tmp)?;
    let mut lock = create_locked(&intent_tmp)?;
    let text = serde_json::to_vec(&Intent {
        batch: batch.to_string(),
        file: file.clone(),
    })
    .expect("plain struct");
    lock.write_all(&text)
        .and_then(|_| lock.sync_all())
        .map_err(io(&intent_tmp))?;
    std::fs::rename(&intent_tmp, &intent).map_err(io(&intent))?;
    sync_dir(private_dir)?;

    // 2. The records, under a temporary name and then their own.
    let partial = with_suffix(&file, ".partial");
    remove_if_there(&partial)?;
    let out = create_private(&partial)?;
    let mut out = std::io::BufWriter::new(out);
    for r in records {
        serde_json::to_writer(&mut out, r).map_err(|e| io(&partial)(e.into()))?;
        out.write_all(b"\n").map_err(io(&partial))?;
    }
    let out = out.into_inner().map_err(|e| io(&partial)(e.into_error()))?;
    out.sync_all().map_err(io(&partial))?;
    drop(out);
    std::fs::rename(&partial, &file).map_err(io(&file))?;
    sync_dir(parent(&file))?;
    Ok(Pending {
        intent,
        file,
        _lock: lock,
    })
}

impl Pending {
    /// The private file.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// The batch is in the log: the file stays, the intent goes.
    pub fn kept(self) -> Result<(), PrivateError> {
        remove_if_there(&self.intent)?;
        sync_dir(parent(&self.intent))
    }

    /// The batch was refused: the file goes, then the intent.
    pub fn discard(self) -> Result<(), PrivateError> {
        remove_if_there(&self.file)?;
        sync_dir(parent(&self.file))?;
        remove_if_there(&self.intent)?;
        sync_dir(parent(&self.intent))
    }
}

/// What [`resolve`] did with what an earlier run left, one line each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// The batch is in the log and the file opens each of its commitments: kept.
    Kept {
        file: PathBuf,
        batch: String,
        voters: usize,
    },
    /// The batch is not in the log: the file, with the private fields of voters never
    /// registered, was removed.
    Removed { file: PathBuf, batch: String },
    /// The batch is in the log but the file is missing or does not open its commitments; it
    /// is left as it is, for a person to look at.
    Damaged {
        file: PathBuf,
        batch: String,
        why: String,
    },
    /// Another run is still writing or submitting this batch; left alone.
    InProgress { intent: PathBuf },
}

impl std::fmt::Display for Resolution {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Resolution::Kept {
                file,
                batch,
                voters,
            } => write!(
                f,
                "{}: kept: an earlier import stopped after recording batch {batch}; this file holds the salts of its {voters} voters with private fields",
                file.display()
            ),
            Resolution::Removed { file, batch } => write!(
                f,
                "{}: removed: an earlier import stopped before batch {batch} was recorded, so these private fields belonged to no registration",
                file.display()
            ),
            Resolution::Damaged { file, batch, why } => write!(
                f,
                "{}: WARNING: batch {batch} is in the log but this file {why}; it was left as it is",
                file.display()
            ),
            Resolution::InProgress { intent } => write!(
                f,
                "{}: another import is recording its batch; left alone",
                intent.display()
            ),
        }
    }
}

/// Settles what earlier runs left in `private_dir` (see the module's documentation). Safe to
/// run at any time, also while another import runs: a locked intent is left alone.
pub fn resolve(election: &Election, private_dir: &Path) -> Result<Vec<Resolution>, PrivateError> {
    let mut out = Vec::new();
    let entries = match std::fs::read_dir(private_dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(io(private_dir)(e)),
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort();
    for name in &names {
        let path = private_dir.join(name);
        if name.starts_with("pending-") && name.ends_with(".json.tmp") {
            // An intent cut off before it was complete: nothing was written after it.
            if let Lock::Taken(lock) = try_lock(&path)? {
                remove_if_there(&path)?;
                drop(lock);
            }
        } else if let Some(batch) = name
            .strip_prefix("pending-")
            .and_then(|n| n.strip_suffix(".json"))
        {
            let lock = match try_lock(&path)? {
                Lock::Taken(lock) => lock,
                Lock::Busy => {
                    out.push(Resolution::InProgress { intent: path });
                    continue;
                }
                Lock::Gone => continue,
            };
            let text = std::fs::read(&path).map_err(io(&path))?;
            let intent: Intent = serde_json::from_slice(&text).map_err(|e| PrivateError::Bad {
                path: path.clone(),
                message: e.to_string(),
            })?;
            if intent.batch != batch {
                return Err(PrivateError::Bad {
                    path,
                    message: format!("names batch {}, not {batch}", intent.batch),
                });
            }
            out.push(settle(election, batch, &intent.file)?);
            remove_if_there(&path)?;
            sync_dir(private_dir)?;
            drop(lock);
        } else if let Some(batch) = name
            .strip_prefix("roll-")
            .and_then(|n| n.strip_suffix(".jsonl.partial"))
        {
            // Left by a version that renamed the file only after the submission.
            let file = private_dir.join(format!("roll-{batch}.jsonl"));
            if intent_path(private_dir, batch).exists() || !path.exists() {
                continue; // its writer is alive, or it was settled with its intent above
            }
            if batch_span(election, batch)?.is_none() {
                remove_if_there(&path)?;
                sync_dir(private_dir)?;
                out.push(Resolution::Removed {
                    file: path,
                    batch: batch.to_string(),
                });
                continue;
            }
            if !file.exists() {
                std::fs::rename(&path, &file).map_err(io(&file))?;
                sync_dir(private_dir)?;
            }
            out.push(settle(election, batch, &file)?);
        }
    }
    Ok(out)
}

enum Lock {
    /// Its writer is gone: ours to settle.
    Taken(File),
    /// Its writer still holds it.
    Busy,
    /// Settled meanwhile by its writer or another run.
    Gone,
}

/// Takes the lock of an intent, if its writer no longer holds it.
fn try_lock(path: &Path) -> Result<Lock, PrivateError> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Lock::Gone),
        Err(e) => return Err(io(path)(e)),
    };
    match file.try_lock() {
        // Settled between the open and the lock?
        Ok(()) if !path.exists() => Ok(Lock::Gone),
        Ok(()) => Ok(Lock::Taken(file)),
        Err(std::fs::TryLockError::WouldBlock) => Ok(Lock::Busy),
        Err(std::fs::TryLockError::Error(e)) => Err(io(path)(e)),
    }
}

/// Keeps or removes the private file of `batch` by whether the batch is in the log.
fn settle(election: &Election, batch: &str, file: &Path) -> Result<Resolution, PrivateError> {
    let partial = with_suffix(file, ".partial");
    match batch_commitments(election, batch)? {
        None => {
            remove_if_there(&partial)?;
            remove_if_there(file)?;
            sync_dir(parent(file))?;
            Ok(Resolution::Removed {
                file: file.to_path_buf(),
                batch: batch.to_string(),
            })
        }
        Some(committed) => {
            // The file is complete before the batch is submitted, so a partial one is only
            // debris of a run that never submitted this very file.
            remove_if_there(&partial)?;
            match check_file(file, &committed) {
                Ok(voters) => Ok(Resolution::Kept {
                    file: file.to_path_buf(),
                    batch: batch.to_string(),
                    voters,
                }),
                Err(why) => Ok(Resolution::Damaged {
                    file: file.to_path_buf(),
                    batch: batch.to_string(),
                    why,
                }),
            }
        }
    }
}

/// Where batch `batch` is in the log: the index of its manifest and its number of entries.
fn batch_span(election: &Election, batch: &str) -> Result<Option<(u64, u64)>, PrivateError> {
    use rusqlite::OptionalExtension;
    let row: Option<(i64, i64)> = election
        .conn()
        .query_row("SELECT idx, count FROM batch WHERE id = ?1", [batch], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()
        .map_err(|e| PrivateError::Log {
            batch: batch.to_string(),
            message: e.to_string(),
        })?;
    Ok(row.map(|(i, c)| (i as u64, c as u64)))
}

/// The commitments batch `batch` records, by voter; `None` if the batch is not in the log.
pub fn batch_commitments(
    election: &Election,
    batch: &str,
) -> Result<Option<HashMap<String, String>>, PrivateError> {
    let Some((index, count)) = batch_span(election, batch)? else {
        return Ok(None);
    };
    let log_error = |message: String| PrivateError::Log {
        batch: batch.to_string(),
        message,
    };
    let end = (index + 1 + count).min(election.log().size());
    let mut out = HashMap::new();
    let mut problem = None;
    election
        .log()
        .for_each_entry(index + 1, end, |i, bytes| {
            if problem.is_some() {
                return;
            }
            match Entry::parse(bytes) {
                Ok(e) if e.batch.as_deref() == Some(batch) => {
                    if let Event::Register(r) = e.event
                        && let Some(c) = r.commitment
                    {
                        out.insert(r.voter, c);
                    }
                }
                Ok(_) => problem = Some(format!("entry {i} is not in the batch")),
                Err(e) => problem = Some(format!("entry {i}: {e}")),
            }
        })
        .map_err(|e| log_error(e.to_string()))?;
    match problem {
        Some(p) => Err(log_error(p)),
        None => Ok(Some(out)),
    }
}

/// Whether `file` opens exactly the commitments in `committed`; the number of voters, or why
/// not.
pub fn check_file(file: &Path, committed: &HashMap<String, String>) -> Result<usize, String> {
    use base64::prelude::*;
    let f = match File::open(file) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err("is missing".into()),
        Err(e) => return Err(format!("cannot be read: {e}")),
    };
    let mut seen = std::collections::HashSet::new();
    for (n, line) in std::io::BufReader::new(f).lines().enumerate() {
        let line = line.map_err(|e| format!("cannot be read at line {}: {e}", n + 1))?;
        let r: PrivateRecord =
            serde_json::from_str(&line).map_err(|e| format!("line {}: {e}", n + 1))?;
        let salt: [u8; 32] = BASE64_STANDARD
            .decode(&r.salt)
            .ok()
            .and_then(|s| s.try_into().ok())
            .ok_or_else(|| format!("line {}: the salt is not 32 bytes of base64", n + 1))?;
        if commitment(&salt, &r.fields) != r.commitment
            || committed.get(&r.voter) != Some(&r.commitment)
        {
            return Err(format!(
                "line {}: does not open the commitment the log holds for voter {:?}",
                n + 1,
                r.voter
            ));
        }
        if !seen.insert(r.voter) {
            return Err(format!("line {}: a second record for one voter", n + 1));
        }
    }
    if seen.len() != committed.len() {
        return Err(format!(
            "holds {} records for the batch's {} commitments",
            seen.len(),
            committed.len()
        ));
    }
    Ok(seen.len())
}

/// Checks every `roll-<batch>.jsonl` in `private_dir` against the log (its batch is there and
/// it opens each of its commitments), for an on-demand check of the commission's store.
/// Returns the number of files that are sound and one line per problem.
pub fn check_all(
    election: &Election,
    private_dir: &Path,
) -> Result<(usize, Vec<String>), PrivateError> {
    let mut sound = 0;
    let mut problems = Vec::new();
    let entries = match std::fs::read_dir(private_dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((0, problems)),
        Err(e) => return Err(io(private_dir)(e)),
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort();
    for name in names {
        let path = private_dir.join(&name);
        let Some(batch) = name
            .strip_prefix("roll-")
            .and_then(|n| n.strip_suffix(".jsonl"))
        else {
            if name.starts_with("pending-") || name.ends_with(".partial") {
                problems.push(format!(
                    "{}: left by an import that was stopped; the next command that opens the election settles it",
                    path.display()
                ));
            }
            continue;
        };
        match batch_commitments(election, batch)? {
            None => problems.push(format!(
                "{}: batch {batch} is not in the log, yet this file holds private fields",
                path.display()
            )),
            Some(committed) => match check_file(&path, &committed) {
                Ok(_) => sound += 1,
                Err(why) => problems.push(format!(
                    "{}: {why}; the commitments of batch {batch} cannot all be opened",
                    path.display()
                )),
            },
        }
    }
    Ok((sound, problems))
}
