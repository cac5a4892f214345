//! Witness time: cosigned checkpoints of this very log, recorded as entries, so that "the
//! entries below size N existed no later than T" is part of the replayable state; and the
//! claimed times of events, judged against it.
//!
//! A `checkpoint` entry carries the note as the witnesses cosigned it, and no author or
//! signature of its own: the note's signatures are what make it authentic. The fold checks
//!
//! - the origin is the election's (the genesis's `origin`);
//! - a signature by the log key the genesis names (`log_key`) verifies on the note's text;
//! - every other signature line is a cosignature/v1 by an enrolled, unrevoked `witness` key
//!   (same name and key id) that verifies, and there is at least one;
//! - the size is at least 1 and not beyond the log at that point (at most the entry's own
//!   index), and the root is the log's root at that size, which the caller of the fold
//!   supplies ([`Fold::know_root`]): intake from the log's stored tiles, replay from the
//!   tree it rebuilds while verifying.
//!
//! A checkpoint that fails any check is refused (unauthentic). One that passes stores one
//! `witnessed` row per cosignature. The checkpoint's witness time is the latest of its
//! cosignatures' times, so that every witness named vouches for it; and every event of index
//! below its size that claimed a later time (see [`claim_time`]) is flagged
//! `claimed_time_after_witness`.

use super::flags::{Flag, raise};
use super::keys::signer;
use super::*;

/// Records that the entry at `index` claims `time` (seconds since the Unix epoch), so that a
/// witnessed checkpoint covering it can judge the claim. For any fold of an event that
/// carries its author's claimed time.
pub(crate) fn claim_time(
    conn: &Connection,
    index: u64,
    time: u64,
    station: Option<&str>,
) -> Check<()> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO claimed_time(idx, time, station) VALUES (?1, ?2, ?3)",
    )
    .map_err(sql)?
    .execute(params![index as i64, time as i64, station])
    .map_err(sql)?;
    Ok(())
}

impl Fold {
    /// Tells the fold the log's root at `size`, for checking recorded checkpoints of that size.
    /// The caller takes it from the log itself (never from the entry being checked).
    pub fn know_root(&mut self, size: u64, root: tlog::Hash) {
        self.roots.insert(size, root);
    }

    pub(super) fn checkpoint(
        &mut self,
        conn: &Connection,
        index: u64,
        entry: &Entry,
        c: &RecordedCheckpoint,
    ) -> Check<Applied> {
        if entry.author.is_some() || entry.sig.is_some() || !entry.cosigs.is_empty() {
            return refuse(
                "author",
                "a recorded checkpoint carries no author or signature of its own: the note's signatures authenticate it",
            );
        }
        let p = "body.note";
        let (cp, text, sigs) = tlog::note::open_checkpoint(c.note.as_bytes())
            .map_err(|e| (p.into(), e.to_string()))?;
        let setting = |key: &str| -> Check<Option<String>> {
            conn.prepare_cached("SELECT value FROM election WHERE key = ?1")
                .map_err(sql)?
                .query_row([key], |r| r.get(0))
                .optional()
                .map_err(sql)
        };
        let origin = setting("origin")?.unwrap_or_default();
        if cp.origin() != origin {
            return refuse(
                p,
                format!(
                    "a checkpoint of log {:?}, not of this election's log {origin:?}",
                    cp.origin()
                ),
            );
        }
        let Some(log_key) = setting("log_key")? else {
            return refuse(
                p,
                "the genesis names no log key (log_key), so no checkpoint of this log can be checked",
            );
        };
        let log = Vkey::parse(&log_key).map_err(|e| sql_text(e.to_string()))?;
        let size = cp.size();
        if size == 0 {
            return refuse(p, "a checkpoint of the empty log vouches for nothing");
        }
        if size > index {
            return refuse(
                p,
                format!("size {size} is beyond the log at this point ({index} entries)"),
            );
        }
        match self.roots.get(&size) {
            None => {
                return refuse(
                    p,
                    format!(
                        "the log's root at size {size} is not known here: record a checkpoint of the log as it stood before this submission"
                    ),
                );
            }
            Some(root) if root != cp.hash() => {
                return refuse(
                    p,
                    format!(
                        "root {} is not the log's root {root} at size {size}: not a checkpoint of this log's history",
                        cp.hash()
                    ),
                );
            }
            Some(_) => {}
        }
        let mut log_signed = false;
        let mut cosigned: Vec<(String, u64)> = Vec::new();
        for (i, sig) in sigs.iter().enumerate() {
            let path = format!("{p}.signatures[{i}]");
            if sig.name() == log.name && sig.id() == log.id {
                if log.verify(&text, sig.signature()).is_none() {
                    return refuse(path, "the log's signature does not verify");
                }
                log_signed = true;
                continue;
            }
            if sig.name() == log.name {
                return refuse(
                    path,
                    format!(
                        "a signature by a key named as the log (key id {:08x}) that is not the genesis's log key {log_key}",
                        sig.id()
                    ),
                );
            }
            let witness = match signer(conn, sig.name())? {
                Some((s, None, None)) if s.role == Role::Witness => s,
                Some((s, Some(_), _)) if s.role == Role::Witness => {
                    return refuse(
                        path,
                        format!("the witness key {:?} has been revoked", sig.name()),
                    );
                }
                _ => {
                    return refuse(
                        path,
                        format!(
                            "{:?} is not an enrolled witness: only enrolled witnesses' cosignatures are recorded",
                            sig.name()
                        ),
                    );
                }
            };
            let key = Vkey::parse(&witness.vkey).map_err(|e| sql_text(e.to_string()))?;
            if key.id != sig.id() {
                return refuse(
                    path,
                    format!(
                        "key id {:08x} is not that of the enrolled witness {:?}",
                        sig.id(),
                        witness.name
                    ),
                );
            }
            let Some(Some(time)) = key.verify(&text, sig.signature()) else {
                return refuse(
                    path,
                    format!("the cosignature by {:?} does not verify", witness.name),
                );
            };
            if cosigned.iter().any(|(n, _)| n == &witness.name) {
                return refuse(path, format!("{:?} cosigned twice", witness.name));
            }
            cosigned.push((witness.name, time));
        }
        if !log_signed {
            return refuse(p, format!("no signature by the log key {log_key}"));
        }
        let Some(witness_time) = cosigned.iter().map(|(_, t)| *t).max() else {
            return refuse(p, "no witness cosigned the checkpoint");
        };
        for (name, time) in &cosigned {
            conn.execute(
                "INSERT INTO witnessed(idx, witness, size, time) VALUES (?1, ?2, ?3, ?4)",
                params![index as i64, name, size as i64, *time as i64],
            )
            .map_err(sql)?;
        }
        self.flag_late_claims(conn, index, size, witness_time, &cosigned)?;
        self.judge_complaints(conn, index, size, witness_time)?;
        Ok(Applied::Done)
    }

    /// Flags every event below `size` whose claimed time is later than `witness_time`.
    fn flag_late_claims(
        &mut self,
        conn: &Connection,
        index: u64,
        size: u64,
        witness_time: u64,
        cosigned: &[(String, u64)],
    ) -> Check<()> {
        let late: Vec<(i64, i64, Option<String>)> = conn
            .prepare_cached(
                "SELECT idx, time, station FROM claimed_time WHERE time > ?1 AND idx < ?2 ORDER BY idx",
            )
            .map_err(sql)?
            .query_map(params![witness_time as i64, size as i64], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .map_err(sql)?
            .collect::<Result<_, _>>()
            .map_err(sql)?;
        let witnesses: Vec<&str> = cosigned.iter().map(|(n, _)| n.as_str()).collect();
        for (idx, claimed, station) in late {
            let area = match &station {
                Some(s) => conn
                    .prepare_cached("SELECT area FROM station WHERE code = ?1")
                    .map_err(sql)?
                    .query_row([s], |r| r.get::<_, String>(0))
                    .optional()
                    .map_err(sql)?,
                None => None,
            };
            raise(
                conn,
                index,
                Flag {
                    idx: idx as u64,
                    kind: "claimed_time_after_witness",
                    station: station.as_deref(),
                    area: area.as_deref(),
                    detail: serde_json::json!({
                        "claimed": claimed,
                        "witnessed": witness_time,
                        "checkpoint": index,
                        "size": size,
                        "witnesses": witnesses,
                        "message": format!(
                            "entry {idx} claims time {claimed}, but the checkpoint recorded at entry {index} shows it existed by {witness_time} (witnesses {})",
                            witnesses.join(", ")
                        ),
                    }),
                },
            )?;
        }
        Ok(())
    }
}
