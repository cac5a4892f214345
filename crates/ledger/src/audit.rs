//! Public-seed audits in the log: a commitment to the seed before the dice are rolled, then the
//! seed, then the sample it drew. The fold checks that the seed matches its commitment and that
//! each step comes from the audit's author, in order; redoing the draw from the seed is the
//! review tools' job (`scrutineer rla draw`, `scrutineer pvt draw`), not the fold's.

use crate::event::{AuditCommitment, AuditSample, AuditSeed, Role};
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

/// The label of the commitment formula (the same as `stats::seed::COMMITMENT_LABEL`).
pub const COMMITMENT_LABEL: &str = "scrutineer audit seed commitment v1";

/// Fewest dice rolls an audit seed may have.
pub const MIN_DICE: usize = 20;

type Check<T> = Result<T, (String, String)>;

fn refuse<T>(path: &str, message: impl Into<String>) -> Check<T> {
    Err((path.to_string(), message.into()))
}

fn sql(e: rusqlite::Error) -> (String, String) {
    ("state".to_string(), format!("database error: {e}"))
}

fn is_hex64(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// `SHA-256(label ‖ "\n" ‖ salt hex ‖ "\n" ‖ seed)` in lowercase hex.
pub fn commitment(salt_hex: &str, seed: &str) -> String {
    let mut h = Sha256::new();
    h.update(COMMITMENT_LABEL.as_bytes());
    h.update(b"\n");
    h.update(salt_hex.as_bytes());
    h.update(b"\n");
    h.update(seed.as_bytes());
    crate::event::hex(&h.finalize())
}

/// Roles that may run an audit in the log: the commission, and the parties and observers who
/// check it.
fn may_audit(role: Role) -> bool {
    matches!(
        role,
        Role::CommissionMember | Role::CommissionClerk | Role::PartyAgent | Role::Observer
    )
}

pub(crate) fn commit(
    conn: &Connection,
    index: u64,
    author: &str,
    role: Role,
    a: &AuditCommitment,
) -> Check<()> {
    if !may_audit(role) {
        return refuse("author", format!("{author} may not run an audit"));
    }
    if a.audit.trim().is_empty() {
        return refuse("body.audit", "an audit needs an id");
    }
    if a.purpose.trim().is_empty() {
        return refuse("body.purpose", "say what the seed will draw");
    }
    if let Some(plan) = &a.draw
        && let Some((field, why)) = plan.check()
    {
        return refuse(&format!("body.draw.{field}"), why);
    }
    if !is_hex64(&a.commitment) {
        return refuse(
            "body.commitment",
            "a commitment is 64 lowercase hex digits (SHA-256)",
        );
    }
    let inserted = conn
        .execute(
            "INSERT OR IGNORE INTO audit(id, author, purpose, draw, commitment, committed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                a.audit,
                author,
                a.purpose,
                a.draw
                    .as_ref()
                    .map(|d| serde_json::to_string(d).expect("a draw plan serialises")),
                a.commitment,
                index as i64
            ],
        )
        .map_err(sql)?;
    if inserted == 0 {
        return refuse("body.audit", format!("audit {:?} already exists", a.audit));
    }
    Ok(())
}

fn owned_by(conn: &Connection, audit: &str, author: &str) -> Check<(String, Option<String>)> {
    let row: Option<(String, String, Option<String>)> = conn
        .query_row(
            "SELECT author, commitment, seed FROM audit WHERE id = ?1",
            [audit],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()
        .map_err(sql)?;
    let Some((owner, commitment, seed)) = row else {
        return refuse("body.audit", format!("no audit {audit:?} was committed"));
    };
    if owner != author {
        return refuse("author", format!("audit {audit:?} belongs to {owner}"));
    }
    Ok((commitment, seed))
}

pub(crate) fn reveal(conn: &Connection, index: u64, author: &str, a: &AuditSeed) -> Check<()> {
    let (committed, seed) = owned_by(conn, &a.audit, author)?;
    if seed.is_some() {
        return refuse(
            "body.audit",
            format!("audit {:?} has already revealed its seed", a.audit),
        );
    }
    if let Some((i, c)) = a
        .seed
        .char_indices()
        .find(|(_, c)| !('1'..='6').contains(c))
    {
        return refuse(
            "body.seed",
            format!(
                "character {c:?} at position {} is not a die face (1-6)",
                i + 1
            ),
        );
    }
    if a.seed.len() < MIN_DICE {
        return refuse(
            "body.seed",
            format!(
                "{} dice rolls; at least {MIN_DICE} are needed",
                a.seed.len()
            ),
        );
    }
    if !is_hex64(&a.salt) {
        return refuse("body.salt", "the salt is 32 bytes in lowercase hex");
    }
    if commitment(&a.salt, &a.seed) != committed {
        return refuse(
            "body.seed",
            "the seed and salt do not match the commitment recorded before the roll",
        );
    }
    conn.execute(
        "UPDATE audit SET salt = ?2, seed = ?3, revealed_at = ?4 WHERE id = ?1",
        params![a.audit, a.salt, a.seed, index as i64],
    )
    .map_err(sql)?;
    Ok(())
}

pub(crate) fn sample(conn: &Connection, index: u64, author: &str, a: &AuditSample) -> Check<()> {
    let (_, seed) = owned_by(conn, &a.audit, author)?;
    if seed.is_none() {
        return refuse(
            "body.audit",
            format!("audit {:?} has not revealed its seed yet", a.audit),
        );
    }
    if a.draws.is_empty() {
        return refuse(
            "body.draws",
            "a sample draws at least one station or ballot",
        );
    }
    if a.round == 0 {
        return refuse("body.round", "rounds count from 1");
    }
    let inserted = conn
        .execute(
            "INSERT OR IGNORE INTO audit_sample(audit, round, idx, draws) VALUES (?1, ?2, ?3, ?4)",
            params![
                a.audit,
                a.round,
                index as i64,
                serde_json::to_string(&a.draws).expect("strings")
            ],
        )
        .map_err(sql)?;
    if inserted == 0 {
        return refuse(
            "body.round",
            format!(
                "round {} of audit {:?} is already recorded",
                a.round, a.audit
            ),
        );
    }
    Ok(())
}
