//! The C2SP tlog-witness protocol: the witness, and the log's side that asks witnesses.
//!
//! A request to `POST <prefix>/add-checkpoint` is
//!
//! ```text
//! old <size>\n
//! <base64 consistency proof hash>\n   (zero or more, at most 63)
//! \n
//! <signed checkpoint note>
//! ```
//!
//! A witness answers 200 with its cosignature line(s); 400 for a malformed request or an old
//! size above the checkpoint's; 403 when no signature verifies against a key it trusts for the
//! origin; 404 for an unknown origin; 409 with its own size (`text/x.tlog.size`) when the old
//! size is not the size it last cosigned, or the sizes match but the roots differ; 422 when the
//! consistency proof fails. Checking the old size and storing the new checkpoint happen in one
//! transaction, so two racing requests cannot roll the witness back.

use crate::Hash;
use crate::log::{Log, LogError};
use crate::merkle::{consistent_with_empty, verify_consistency};
use crate::note::{
    PrivateKey, TYPE_COSIGNATURE_V1, TYPE_ED25519, Vkey, add_signatures, open_checkpoint,
    parse_signature_lines,
};
use crate::storage::Storage;
use base64::prelude::*;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use signed_note::Signature;
use std::path::Path;
use std::sync::Mutex;

/// The largest request body a witness reads.
pub const MAX_REQUEST_SIZE: usize = 64 * 1024;

/// A parsed add-checkpoint request.
#[derive(Debug, Clone, PartialEq)]
pub struct AddCheckpoint {
    pub old_size: u64,
    pub proof: Vec<Hash>,
    /// The signed checkpoint note.
    pub checkpoint: Vec<u8>,
}

impl AddCheckpoint {
    /// Parses a request body; the error says which line is wrong.
    pub fn parse(body: &[u8]) -> Result<AddCheckpoint, String> {
        if body.len() > MAX_REQUEST_SIZE {
            return Err(format!("request of {} bytes is too large", body.len()));
        }
        let text = std::str::from_utf8(body).map_err(|_| "request is not UTF-8".to_string())?;
        let (first, mut rest) = text
            .split_once('\n')
            .ok_or("request has no old size line")?;
        let size = first
            .strip_prefix("old ")
            .ok_or("first line must be \"old <size>\"")?;
        if size.is_empty()
            || !size.bytes().all(|b| b.is_ascii_digit())
            || (size.len() > 1 && size.starts_with('0'))
        {
            return Err(format!(
                "old size {size:?} is not a decimal without leading zeros"
            ));
        }
        let old_size: u64 = size
            .parse()
            .map_err(|_| format!("old size {size:?} is too large"))?;
        let mut proof = Vec::new();
        loop {
            let (line, next) = rest
                .split_once('\n')
                .ok_or("request ends before the empty line that precedes the checkpoint")?;
            rest = next;
            if line.is_empty() {
                break;
            }
            if proof.len() == 63 {
                return Err("more than 63 consistency proof lines".into());
            }
            let raw = BASE64_STANDARD
                .decode(line)
                .map_err(|_| format!("proof line {} is not base64", proof.len() + 1))?;
            let hash: [u8; 32] = raw
                .try_into()
                .map_err(|_| format!("proof line {} is not a 32-byte hash", proof.len() + 1))?;
            proof.push(Hash(hash));
        }
        Ok(AddCheckpoint {
            old_size,
            proof,
            checkpoint: rest.as_bytes().to_vec(),
        })
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = format!("old {}\n", self.old_size).into_bytes();
        for h in &self.proof {
            out.extend_from_slice(format!("{h}\n").as_bytes());
        }
        out.push(b'\n');
        out.extend_from_slice(&self.checkpoint);
        out
    }
}

/// A witness's answer, with its HTTP status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WitnessReply {
    /// 200: cosignature lines.
    Cosigned(Vec<u8>),
    /// 400.
    BadRequest(String),
    /// 403.
    Forbidden(String),
    /// 404.
    UnknownLog(String),
    /// 409: the witness's latest cosigned size.
    Conflict(u64),
    /// 422.
    BadProof(String),
    /// 500.
    Internal(String),
}

impl WitnessReply {
    pub fn status(&self) -> u16 {
        match self {
            WitnessReply::Cosigned(_) => 200,
            WitnessReply::BadRequest(_) => 400,
            WitnessReply::Forbidden(_) => 403,
            WitnessReply::UnknownLog(_) => 404,
            WitnessReply::Conflict(_) => 409,
            WitnessReply::BadProof(_) => 422,
            WitnessReply::Internal(_) => 500,
        }
    }

    pub fn content_type(&self) -> &'static str {
        match self {
            WitnessReply::Conflict(_) => "text/x.tlog.size",
            _ => "text/plain; charset=utf-8",
        }
    }

    pub fn body(&self) -> Vec<u8> {
        match self {
            WitnessReply::Cosigned(lines) => lines.clone(),
            WitnessReply::Conflict(size) => format!("{size}\n").into_bytes(),
            WitnessReply::BadRequest(m)
            | WitnessReply::Forbidden(m)
            | WitnessReply::UnknownLog(m)
            | WitnessReply::BadProof(m)
            | WitnessReply::Internal(m) => format!("{m}\n").into_bytes(),
        }
    }
}

/// A witness: a cosigning key and a durable record, per log origin, of the trusted log keys
/// and the latest checkpoint it cosigned.
pub struct Witness {
    key: PrivateKey,
    db: Mutex<Connection>,
}

/// What a witness knows of one log.
#[derive(Debug, Clone, PartialEq)]
pub struct WitnessedLog {
    pub origin: String,
    pub vkeys: Vec<String>,
    pub size: u64,
    pub root: Hash,
}

fn sql(e: rusqlite::Error) -> String {
    e.to_string()
}

impl Witness {
    /// Opens (creating if needed) the witness database at `path`, cosigning with `key`
    /// (a type 0x04 key).
    pub fn open(path: &Path, key: PrivateKey) -> Result<Witness, String> {
        if key.kind() != TYPE_COSIGNATURE_V1 {
            return Err(format!(
                "{} is not a witness key: make one with `scrutineer keygen --witness`",
                key.name()
            ));
        }
        let db = open_witness_db(path)?;
        Ok(Witness {
            key,
            db: Mutex::new(db),
        })
    }

    /// The witness's cosignature verifier key.
    pub fn vkey(&self) -> Vkey {
        self.key.vkey()
    }

    /// The logs this witness follows.
    pub fn logs(&self) -> Result<Vec<WitnessedLog>, String> {
        let db = self
            .db
            .lock()
            .map_err(|_| "witness lock poisoned".to_string())?;
        list_logs(&db)
    }

    /// Handles an add-checkpoint request at time `now` (POSIX seconds).
    pub fn add_checkpoint(&self, body: &[u8], now: u64) -> WitnessReply {
        let request = match AddCheckpoint::parse(body) {
            Ok(r) => r,
            Err(m) => return WitnessReply::BadRequest(m),
        };
        let (checkpoint, text, sigs) = match open_checkpoint(&request.checkpoint) {
            Ok(c) => c,
            Err(e) => return WitnessReply::BadRequest(e.to_string()),
        };
        let origin = checkpoint.origin().to_string();
        let size = checkpoint.size();
        let root = *checkpoint.hash();
        let mut db = match self.db.lock() {
            Ok(db) => db,
            Err(_) => return WitnessReply::Internal("witness lock poisoned".into()),
        };
        // BEGIN IMMEDIATE: the size check and the update below are one atomic step.
        let tx = match db.transaction_with_behavior(TransactionBehavior::Immediate) {
            Ok(tx) => tx,
            Err(e) => return WitnessReply::Internal(sql(e)),
        };
        let known: Option<(String, i64, Vec<u8>)> = match tx
            .query_row(
                "SELECT vkeys, size, root FROM log WHERE origin = ?1",
                [&origin],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
        {
            Ok(k) => k,
            Err(e) => return WitnessReply::Internal(sql(e)),
        };
        let Some((vkeys, stored_size, stored_root)) = known else {
            return WitnessReply::UnknownLog(format!("unknown log origin {origin:?}"));
        };
        let trusted: Vec<Vkey> = vkeys.lines().filter_map(|k| Vkey::parse(k).ok()).collect();
        let signed = sigs.iter().any(|s| {
            trusted.iter().any(|k| {
                k.name == s.name() && k.id == s.id() && k.verify(&text, s.signature()).is_some()
            })
        });
        if !signed {
            return WitnessReply::Forbidden(format!(
                "no signature on the checkpoint verifies against a key trusted for {origin:?}"
            ));
        }
        if request.old_size > size {
            return WitnessReply::BadRequest(format!(
                "old size {} is larger than the checkpoint size {size}",
                request.old_size
            ));
        }
        let stored_size = stored_size as u64;
        if request.old_size != stored_size {
            return WitnessReply::Conflict(stored_size);
        }
        let stored_root = match <[u8; 32]>::try_from(stored_root) {
            Ok(r) => Hash(r),
            Err(_) => return WitnessReply::Internal("stored root is not 32 bytes".into()),
        };
        // Equal sizes first, size 0 included: a witness that has seen nothing holds the empty
        // tree's root, and must not cosign a size-0 checkpoint with another root.
        if size == stored_size {
            if root != stored_root {
                return WitnessReply::Conflict(stored_size);
            }
            if !request.proof.is_empty() {
                return WitnessReply::BadProof(
                    "the proof must be empty when the sizes match".into(),
                );
            }
        } else if stored_size == 0 {
            if consistent_with_empty(&request.proof).is_err() {
                return WitnessReply::BadProof("the proof must be empty when old size is 0".into());
            }
        } else if let Err(e) =
            verify_consistency(stored_size, stored_root, size, root, &request.proof)
        {
            return WitnessReply::BadProof(format!(
                "consistency proof from size {stored_size} to {size}: {e}"
            ));
        }
        if let Err(e) = tx.execute(
            "UPDATE log SET size = ?1, root = ?2, checkpoint = ?3 WHERE origin = ?4",
            params![size as i64, root.0.to_vec(), request.checkpoint, origin],
        ) {
            return WitnessReply::Internal(sql(e));
        }
        // Persist before answering.
        if let Err(e) = tx.commit() {
            return WitnessReply::Internal(sql(e));
        }
        drop(db);
        let sig = self.key.sign_note(&text, now);
        WitnessReply::Cosigned(sig.to_bytes())
    }
}

fn open_witness_db(path: &Path) -> Result<Connection, String> {
    let db = Connection::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    db.busy_timeout(std::time::Duration::from_secs(30))
        .map_err(sql)?;
    db.pragma_update(None, "journal_mode", "WAL").map_err(sql)?;
    db.pragma_update(None, "synchronous", "FULL").map_err(sql)?;
    db.execute_batch(
        "CREATE TABLE IF NOT EXISTS log(
            origin TEXT PRIMARY KEY,
            vkeys TEXT NOT NULL,
            size INTEGER NOT NULL,
            root BLOB NOT NULL,
            checkpoint BLOB)",
    )
    .map_err(sql)?;
    Ok(db)
}

fn list_logs(db: &Connection) -> Result<Vec<WitnessedLog>, String> {
    let mut stmt = db
        .prepare("SELECT origin, vkeys, size, root FROM log ORDER BY origin")
        .map_err(sql)?;
    let rows = stmt
        .query_map([], |r| {
            let root: Vec<u8> = r.get(3)?;
            let vkeys: String = r.get(1)?;
            Ok(WitnessedLog {
                origin: r.get(0)?,
                vkeys: vkeys.lines().map(str::to_string).collect(),
                size: r.get::<_, i64>(2)? as u64,
                root: Hash(root.try_into().unwrap_or([0; 32])),
            })
        })
        .map_err(sql)?;
    rows.collect::<Result<_, _>>().map_err(sql)
}

/// Adds a log (by origin and checkpoint-signing vkey) to the witness database at `path`, or
/// adds another key to a known log. The witness starts at size 0 for a new log.
pub fn add_log(path: &Path, origin: &str, vkey: &str) -> Result<(), String> {
    let key = Vkey::parse(vkey).map_err(|e| e.to_string())?;
    if key.kind != TYPE_ED25519 {
        return Err(format!("{vkey} is not a log key (type 0x01)"));
    }
    if key.name != origin {
        return Err(format!(
            "the key's name {:?} is not the origin {origin:?}; a log's checkpoints are signed by a key named after its origin",
            key.name
        ));
    }
    let mut db = open_witness_db(path)?;
    let tx = db
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sql)?;
    let existing: Option<String> = tx
        .query_row("SELECT vkeys FROM log WHERE origin = ?1", [origin], |r| {
            r.get(0)
        })
        .optional()
        .map_err(sql)?;
    match existing {
        Some(keys) => {
            if !keys.lines().any(|k| k == vkey) {
                tx.execute(
                    "UPDATE log SET vkeys = ?1 WHERE origin = ?2",
                    params![format!("{keys}\n{vkey}"), origin],
                )
                .map_err(sql)?;
            }
        }
        None => {
            tx.execute(
                "INSERT INTO log(origin, vkeys, size, root) VALUES (?1, ?2, 0, ?3)",
                params![origin, vkey, crate::EMPTY_HASH.0.to_vec()],
            )
            .map_err(sql)?;
        }
    }
    tx.commit().map_err(sql)
}

/// Lists the logs recorded in a witness database.
pub fn witnessed_logs(path: &Path) -> Result<Vec<WitnessedLog>, String> {
    list_logs(&open_witness_db(path)?)
}

/// How the log reaches one witness's add-checkpoint endpoint.
pub trait WitnessTransport {
    /// Posts a request body; returns the status, the content type and the body.
    fn add_checkpoint(&self, body: &[u8]) -> Result<(u16, String, Vec<u8>), String>;
    /// Where the witness is, for messages.
    fn describe(&self) -> String;
}

/// Why a witness did not cosign.
#[derive(Debug, thiserror::Error)]
pub enum CosignError {
    #[error(transparent)]
    Log(#[from] LogError),
    #[error("{witness}: {message}")]
    Transport { witness: String, message: String },
    #[error("{witness} refused the checkpoint ({status}): {message}")]
    Refused {
        witness: String,
        status: u16,
        message: String,
    },
    #[error(
        "{witness} has cosigned size {theirs} of this log, but the log has only {ours} entries: the witness saw a different history"
    )]
    WitnessAhead {
        witness: String,
        theirs: u64,
        ours: u64,
    },
    #[error("{witness} answered 200 without a valid cosignature by {vkey}")]
    NoCosignature { witness: String, vkey: String },
}

/// Asks one witness to cosign `note` (a checkpoint of `log`'s current or an earlier size),
/// sending a consistency proof from the size the witness last cosigned. A 409 is retried once
/// at the size the witness reports. Returns the verified cosignature.
pub fn cosign_checkpoint<S: Storage>(
    log: &mut Log<S>,
    note: &[u8],
    witness: &Vkey,
    transport: &dyn WitnessTransport,
) -> Result<Signature, CosignError> {
    let where_ = || format!("{} ({})", witness.name, transport.describe());
    let (cp, text, _) = open_checkpoint(note).map_err(|e| CosignError::Refused {
        witness: where_(),
        status: 0,
        message: format!("our own checkpoint does not parse: {e}"),
    })?;
    let size = cp.size();
    let mut old = log
        .storage()
        .witness_size(&witness.name)
        .map_err(LogError::from)?;
    if old > size {
        old = 0;
    }
    for attempt in 0..2 {
        let request = AddCheckpoint {
            old_size: old,
            proof: log.prove_consistency(old, size)?,
            checkpoint: note.to_vec(),
        };
        let (status, content_type, body) =
            transport
                .add_checkpoint(&request.to_bytes())
                .map_err(|message| CosignError::Transport {
                    witness: where_(),
                    message,
                })?;
        match status {
            200 => {
                let sigs = parse_signature_lines(&body).map_err(|e| CosignError::Refused {
                    witness: where_(),
                    status,
                    message: e.to_string(),
                })?;
                let sig = sigs
                    .into_iter()
                    .find(|s| {
                        s.name() == witness.name
                            && s.id() == witness.id
                            && witness.verify(&text, s.signature()).is_some()
                    })
                    .ok_or_else(|| CosignError::NoCosignature {
                        witness: where_(),
                        vkey: witness.to_string(),
                    })?;
                log.storage_mut()
                    .set_witness_size(&witness.name, size)
                    .map_err(LogError::from)?;
                return Ok(sig);
            }
            409 => {
                let theirs =
                    parse_size_body(&content_type, &body).ok_or_else(|| CosignError::Refused {
                        witness: where_(),
                        status,
                        message: "409 without a text/x.tlog.size body".into(),
                    })?;
                if theirs > log.size() {
                    return Err(CosignError::WitnessAhead {
                        witness: where_(),
                        theirs,
                        ours: log.size(),
                    });
                }
                // C2SP tlog-witness: at equal sizes a 409 means the roots differ.
                if theirs == old && old == size {
                    return Err(CosignError::Refused {
                        witness: where_(),
                        status,
                        message: format!(
                            "the witness holds a different checkpoint of the same size {size}: \
                             the log forked, or the witness was shown another history"
                        ),
                    });
                }
                if theirs == old || theirs > size || attempt > 0 {
                    return Err(CosignError::Refused {
                        witness: where_(),
                        status,
                        message: format!(
                            "the witness is at size {theirs} and will not accept size {size} from {old}"
                        ),
                    });
                }
                old = theirs;
            }
            _ => {
                return Err(CosignError::Refused {
                    witness: where_(),
                    status,
                    message: String::from_utf8_lossy(&body).trim().to_string(),
                });
            }
        }
    }
    Err(CosignError::Refused {
        witness: where_(),
        status: 409,
        message: "the witness reported a conflict twice".into(),
    })
}

fn parse_size_body(content_type: &str, body: &[u8]) -> Option<u64> {
    if !content_type.starts_with("text/x.tlog.size") {
        return None;
    }
    let text = std::str::from_utf8(body).ok()?;
    text.strip_suffix('\n').unwrap_or(text).parse().ok()
}

/// A checkpoint with the cosignatures gathered, and each witness's outcome in order.
pub type Witnessed = (Vec<u8>, Vec<Result<(), CosignError>>);

/// Asks every witness, then stores the checkpoint with all cosignatures gathered; returns the
/// cosigned note and one result per witness.
pub fn witness_checkpoint<S: Storage>(
    log: &mut Log<S>,
    note: &[u8],
    witnesses: &[(Vkey, &dyn WitnessTransport)],
) -> Result<Witnessed, CosignError> {
    // Ask nobody to cosign a root the stored tiles do not give: check what is new since the
    // smallest size any of these witnesses has cosigned.
    if let Ok((cp, _, _)) = open_checkpoint(note) {
        let mut from = cp.size();
        for (vkey, _) in witnesses {
            from = from.min(
                log.storage()
                    .witness_size(&vkey.name)
                    .map_err(LogError::from)?,
            );
        }
        log.check_tiles(from, cp.size(), *cp.hash())?;
    }
    let mut sigs = Vec::new();
    let mut results = Vec::new();
    for (vkey, transport) in witnesses {
        match cosign_checkpoint(log, note, vkey, *transport) {
            Ok(sig) => {
                sigs.push(sig);
                results.push(Ok(()));
            }
            Err(e) => results.push(Err(e)),
        }
    }
    let cosigned = add_signatures(note, &sigs).map_err(|e| CosignError::Refused {
        witness: "log".into(),
        status: 0,
        message: e.to_string(),
    })?;
    let (cp, _, _) = open_checkpoint(&cosigned).expect("built from a parsed checkpoint");
    log.storage_mut()
        .store_checkpoint(cp.size(), &cosigned)
        .map_err(LogError::from)?;
    Ok((cosigned, results))
}
