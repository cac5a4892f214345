//! The fold: how each entry of the log changes the election's state, and when it is refused.
//!
//! Intake and replay run exactly this code. Intake refuses a submission if any of its entries
//! is refused, so nothing refused is ever appended; replay of a log written by someone who
//! skipped these checks records each refused entry in the `refusal` table and carries on, so
//! that the replayed state is what an honest operator's would be and the digests differ.
//!
//! Checks, in order: form (canonical JSON, known kind, typed body); batch framing; signature by
//! an enrolled, unrevoked key; the key's role and scope; references to stations, voters,
//! contests and proposals; and governance, where a governed action takes effect only once the
//! approval rule is met. Content that is evidence of a problem (a form whose numbers do not add up, a claimed time later than the witnesses
//! saw the entry) is never refused: it is recorded and a public flag is raised (`flags`).
//!
//! This module holds the fold's state and its entry point, which dispatches each event; the
//! rules live by concern: `keys` (signatures, enrolment, revocation), `genesis`, `roll`
//! (areas, stations, scope, voters), `results` (result forms, contests, certification),
//! `batches` and `governance`, `flags` (the public flags that evidence raises) and `witness`
//! (recorded checkpoints and claimed times); the audit events' rules are in [`crate::audit`].

use crate::event::*;
use crate::state;
use base64::prelude::*;
use ed25519_dalek::{Verifier as _, VerifyingKey};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::{BTreeSet, HashMap};
use tlog::merkle::RightEdge;
use tlog::note::{TYPE_ED25519, Vkey};

mod amend;
mod batches;
mod complaint;
pub mod flags;
mod genesis;
mod governance;
mod keys;
mod observer;
mod pollbook;
mod results;
mod roll;
mod witness;

pub(crate) use amend::stored_form;
pub(crate) use batches::decode_hex32;
pub use genesis::validate_genesis;
use keys::{insert_signer, require_role, revoke, validate_enrol};
pub use keys::{parse_verifying_key, signature_verifies, signer_key, signer_vkey};

/// Why an entry was refused: its index, where in the entry, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("entry {index}: {path}: {message}")]
pub struct Refusal {
    pub index: u64,
    pub path: String,
    pub message: String,
}

/// An entry parsed ahead of the fold, and the vkey its signature was verified with, if any.
#[derive(Debug, Clone)]
pub struct Prechecked {
    pub entry: Entry,
    pub verified_with: Option<String>,
}

/// What an applied entry did, for receipts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// The entry took effect.
    Done,
    /// A proposal was recorded and awaits approval; its id.
    Proposed(String),
    /// An approval was recorded; the proposal is still pending.
    Approved { proposal: String },
    /// The approval rule was met and the action took effect (or failed, with the reason).
    Decided {
        proposal: String,
        outcome: Result<(), String>,
    },
    /// A batch manifest opened a batch of this many entries.
    BatchOpened { id: String, count: u64 },
    /// An entry of a batch was taken (pending until the batch is complete, or approved).
    InBatch,
}

impl Applied {
    /// The id of the proposal this entry recorded, if it recorded one.
    pub fn proposal(&self) -> Option<&str> {
        match self {
            Applied::Proposed(id) => Some(id),
            _ => None,
        }
    }

    /// Whether this entry decided a proposal and its action took effect.
    pub fn took_effect(&self) -> bool {
        matches!(
            self,
            Applied::Decided {
                outcome: Ok(()),
                ..
            }
        )
    }

    /// What a receipt says the entry at `index` did, in words; None when it only took effect.
    pub fn describe(&self, index: u64) -> Option<String> {
        Some(match self {
            Applied::Proposed(id) => format!(
                "entry {index}: proposal {id} recorded; it takes effect once the approval rule is met"
            ),
            Applied::Approved { proposal } => {
                format!("entry {index}: decision recorded; proposal {proposal} is still pending")
            }
            Applied::Decided {
                proposal,
                outcome: Ok(()),
            } => {
                format!("entry {index}: the approval rule is met: proposal {proposal} took effect")
            }
            Applied::Decided {
                proposal,
                outcome: Err(why),
            } => format!("entry {index}: proposal {proposal} closed without effect: {why}"),
            Applied::BatchOpened { id, count } => {
                format!("entry {index}: batch {id} of {count} entries")
            }
            Applied::Done | Applied::InBatch => return None,
        })
    }
}

struct OpenBatch {
    id: String,
    author: Signer,
    content: Content,
    count: u64,
    received: u64,
    root: tlog::Hash,
    edge: RightEdge,
    /// The proposal governing the batch, if its entries await approval.
    proposal: Option<String>,
}

/// A key as the state knows it.
#[derive(Debug, Clone)]
struct Signer {
    name: String,
    vkey: String,
    role: Role,
    party: Option<String>,
    organisation: Option<String>,
    scope: Scope,
}

/// The fold's working memory: parsed keys and the batch being received. Everything else is in
/// SQLite.
#[derive(Default)]
pub struct Fold {
    verifying: HashMap<String, VerifyingKey>,
    open: Option<OpenBatch>,
    ancestors: HashMap<String, Vec<String>>,
    /// Areas of stations in effect, looked up while the entries of one batch are applied (no
    /// batch entry changes a station that batch entries look up); emptied before every entry
    /// that is not a batch entry.
    station_areas: HashMap<String, String>,
    /// Contests as the genesis defined them (no entry changes a contest after the genesis).
    contests: HashMap<String, std::sync::Arc<Contest>>,
    /// Checking mode (see [`Fold::set_checking`]) and the batch entries it set aside.
    checking: bool,
    skipped: Vec<Refusal>,
    /// The log's root at the sizes recorded checkpoints claim, as the caller read them from
    /// the log (see [`Fold::know_root`]); never from an entry.
    roots: HashMap<u64, tlog::Hash>,
    /// Observer form definitions read, by their text's hash.
    definitions: observer::Definitions,
    /// The `pseudonym` table, kept here rather than in SQLite during a replay into a new
    /// state (see [`Fold::index_lists_in_memory`]).
    lists: Option<pollbook::Lists>,
    /// The record hash of the entry about to be applied, when the caller already computed it
    /// (see [`Fold::know_leaf`]).
    leaf: Option<tlog::Hash>,
    /// Batch entries applied, kept for the caller to free (see [`Fold::keep_spent`]).
    spent: Option<Vec<Entry>>,
}

type Check<T> = Result<T, (String, String)>;

fn refuse<T>(path: impl Into<String>, message: impl Into<String>) -> Check<T> {
    Err((path.into(), message.into()))
}

fn sql(e: rusqlite::Error) -> (String, String) {
    ("state".to_string(), format!("database error: {e}"))
}

impl Fold {
    pub fn new() -> Fold {
        Fold::default()
    }

    /// Whether a batch is still waiting for entries.
    pub fn batch_open(&self) -> Option<(String, u64)> {
        self.open
            .as_ref()
            .map(|b| (b.id.clone(), b.count - b.received))
    }

    /// In checking mode a refused entry of a batch is rolled back alone and set aside (see
    /// [`Fold::take_skipped`]) while the rest of the batch goes on, so that one pass finds every
    /// refused entry. Only for dry runs whose transaction is rolled back: what such a pass
    /// leaves in state is not what intake would.
    pub fn set_checking(&mut self, on: bool) {
        self.checking = on;
        self.skipped.clear();
    }

    /// The batch entries that checking mode set aside since the last call.
    pub fn take_skipped(&mut self) -> Vec<Refusal> {
        std::mem::take(&mut self.skipped)
    }

    /// From here on, keeps the batch entries it has applied rather than freeing them, for
    /// [`Fold::take_spent`]: a replay frees them on its reading thread, which allocated them
    /// and has time to spare, rather than on the fold's, which is the replay's bottleneck.
    pub fn keep_spent(&mut self) {
        self.spent = Some(Vec::new());
    }

    /// The batch entries applied since the last call, when [`Fold::keep_spent`] asked for them.
    pub fn take_spent(&mut self) -> Vec<Entry> {
        self.spent.as_mut().map(std::mem::take).unwrap_or_default()
    }

    fn spend(&mut self, entry: Entry) {
        if let Some(spent) = &mut self.spent {
            spent.push(entry);
        }
    }

    /// Drops what the fold remembers of uncommitted work, after a rolled-back transaction.
    pub fn reset(&mut self) {
        self.open = None;
        self.ancestors.clear();
        self.station_areas.clear();
        self.contests.clear();
    }

    /// Applies the entry at `index`, or refuses it and changes nothing (a refused batch entry
    /// also undoes the rest of its batch).
    pub fn apply(
        &mut self,
        conn: &Connection,
        index: u64,
        bytes: &[u8],
    ) -> Result<Applied, Refusal> {
        self.apply_prechecked(conn, index, bytes, None)
    }

    /// [`Fold::apply`] for an entry already parsed, and whose signature was already checked
    /// against `verified_with` (a vkey) if that is given. The signature is checked again if the
    /// author's key at this point of the log is not that one.
    pub fn apply_prechecked(
        &mut self,
        conn: &Connection,
        index: u64,
        bytes: &[u8],
        pre: Option<Prechecked>,
    ) -> Result<Applied, Refusal> {
        let result = self.apply_inner(conn, index, bytes, pre);
        self.leaf = None;
        result.map_err(|(path, message)| {
            if self.open.is_some() {
                self.abandon_batch(conn);
            }
            Refusal {
                index,
                path,
                message,
            }
        })
    }

    /// Tells the fold the record hash (RFC 6962 leaf hash) of the next entry it applies, so that
    /// a batch entry's hash towards its manifest's root is not computed twice: replay hashed
    /// every entry when it verified the log. Forgotten once that entry is applied.
    pub fn know_leaf(&mut self, leaf: tlog::Hash) {
        self.leaf = Some(leaf);
    }

    /// Ends a stretch of entries: a batch still open is refused.
    pub fn finish(&mut self, conn: &Connection, index: u64) -> Result<(), Refusal> {
        if let Some((id, missing)) = self.batch_open() {
            self.abandon_batch(conn);
            return Err(Refusal {
                index,
                path: "batch".into(),
                message: format!("batch {id} is missing its last {missing} entries"),
            });
        }
        Ok(())
    }

    fn abandon_batch(&mut self, conn: &Connection) {
        let _ = self.roll_back(conn, "batch");
        self.reset();
    }

    /// Opens a savepoint of the state, and of the rows the fold keeps in memory.
    fn savepoint(&mut self, conn: &Connection, name: &str) -> Check<()> {
        self.savepoints(
            conn,
            &format!("SAVEPOINT {name}"),
            pollbook::Lists::savepoint,
        )
    }

    /// Releases the innermost savepoint, `name`.
    fn release(&mut self, conn: &Connection, name: &str) -> Check<()> {
        self.savepoints(conn, &format!("RELEASE {name}"), pollbook::Lists::release)
    }

    /// Rolls back and releases the innermost savepoint, `name`.
    fn roll_back(&mut self, conn: &Connection, name: &str) -> Check<()> {
        let statement = format!("ROLLBACK TO {name}; RELEASE {name}");
        self.savepoints(conn, &statement, pollbook::Lists::roll_back)
    }

    /// Runs a savepoint statement and, once it succeeded, the same on the rows in memory.
    fn savepoints(
        &mut self,
        conn: &Connection,
        statement: &str,
        in_memory: fn(&mut pollbook::Lists),
    ) -> Check<()> {
        conn.execute_batch(statement).map_err(sql)?;
        if let Some(lists) = &mut self.lists {
            in_memory(lists);
        }
        Ok(())
    }

    fn apply_inner(
        &mut self,
        conn: &Connection,
        index: u64,
        bytes: &[u8],
        pre: Option<Prechecked>,
    ) -> Check<Applied> {
        let (entry, verified_with) = match pre {
            Some(p) => (p.entry, p.verified_with),
            None => (Entry::parse(bytes).map_err(|e| (e.path, e.message))?, None),
        };
        if let Some(open) = &self.open {
            if entry.batch.as_deref() != Some(open.id.as_str()) {
                return refuse(
                    "batch",
                    format!(
                        "batch {} still expects {} entries, but this entry is not one of them",
                        open.id,
                        open.count - open.received
                    ),
                );
            }
            let applied = self.batch_entry(conn, index, bytes, &entry.event);
            self.spend(entry);
            return applied;
        }
        self.station_areas.clear();
        if let Some(batch) = &entry.batch {
            return refuse(
                "batch",
                format!(
                    "no batch {batch} is open: its manifest must come right before its entries"
                ),
            );
        }
        if let Event::Genesis(g) = &entry.event {
            return self.genesis(conn, index, &entry, g);
        }
        if index == 0 {
            return refuse(
                "kind",
                "the first entry of an election's log must be its genesis",
            );
        }
        if let Event::Checkpoint(c) = &entry.event {
            return self.checkpoint(conn, index, &entry, c);
        }
        let author = self.authenticate(conn, &entry, verified_with.as_deref())?;
        let id = entry_id(bytes);
        self.signed_event(conn, index, &id, author, entry.event)
    }

    fn signed_event(
        &mut self,
        conn: &Connection,
        index: u64,
        id: &str,
        author: Signer,
        event: Event,
    ) -> Check<Applied> {
        match event {
            Event::Genesis(_) => unreachable!("handled above"),
            Event::Enrol(e) => {
                require_role(&author, &[Role::CommissionMember, Role::CommissionClerk])?;
                if e.role.is_official() {
                    return refuse(
                        "body.role",
                        format!(
                            "enrolling a {} needs the commission's approval: propose it",
                            e.role.as_str()
                        ),
                    );
                }
                validate_enrol(conn, &e, "body", false)?;
                insert_signer(conn, &e, index, None)?;
                Ok(Applied::Done)
            }
            Event::Revoke(r) => {
                if r.name != author.name {
                    return refuse(
                        "body.name",
                        "a key may revoke only itself directly; revoking another key needs the commission's approval: propose it",
                    );
                }
                revoke(conn, &r, index)?;
                Ok(Applied::Done)
            }
            Event::Area(_) | Event::Station(_) => refuse(
                "kind",
                "areas and stations change only with the commission's approval: propose it",
            ),
            Event::Register(r) => {
                require_role(&author, &[Role::RegistrationOfficer])?;
                self.register(conn, &author, &r, index, None, "body")?;
                Ok(Applied::Done)
            }
            Event::UpdateVoter(u) => {
                require_role(&author, &[Role::RegistrationOfficer])?;
                self.update_voter(conn, &author, &u, index, "body")?;
                Ok(Applied::Done)
            }
            Event::Transfer(t) => {
                require_role(&author, &[Role::RegistrationOfficer])?;
                self.transfer(conn, &author, &t, index, "body")?;
                Ok(Applied::Done)
            }
            Event::ResultForm(f) => {
                self.result_form(conn, &author, &f, index, None, "body")?;
                Ok(Applied::Done)
            }
            Event::Removal(_) => refuse(
                "kind",
                "a removal is an entry of a governed batch of removals: propose the batch",
            ),
            Event::Batch(m) => {
                let (batch, count) = (m.id.clone(), m.count);
                self.open_batch(conn, index, author, m, None, "body")?;
                Ok(Applied::BatchOpened { id: batch, count })
            }
            Event::Proposal(p) => self.proposal(conn, index, id, author, p),
            Event::Approval(a) => self.decide(conn, index, &author, &a.proposal, None),
            Event::Rejection(r) => self.decide(conn, index, &author, &r.proposal, Some(&r.reason)),
            Event::AuditCommitment(a) => {
                crate::audit::commit(conn, index, &author.name, author.role, &a)?;
                Ok(Applied::Done)
            }
            Event::AuditSeed(a) => {
                crate::audit::reveal(conn, index, &author.name, &a)?;
                Ok(Applied::Done)
            }
            Event::AuditSample(a) => {
                crate::audit::sample(conn, index, &author.name, &a)?;
                Ok(Applied::Done)
            }
            Event::Checkpoint(_) => unreachable!("handled before authentication"),
            Event::Pseudonyms(_) => refuse(
                "kind",
                "station pseudonym lists are published only with the commission's approval: propose a batch of them",
            ),
            Event::Checkins(c) => {
                self.checkins(conn, &author, &c, index)?;
                Ok(Applied::Done)
            }
            Event::TemporaryCard(c) => {
                self.temporary_card(conn, &author, &c, index, None)?;
                Ok(Applied::Done)
            }
            e @ (Event::ObserverForms(_)
            | Event::ObserverChecklist(_)
            | Event::ObserverIncident(_)
            | Event::SmsSender(_)
            | Event::SmsMessages(_)) => {
                self.observer_event(conn, &author, e, index)?;
                Ok(Applied::Done)
            }
            Event::Complaint(c) => {
                self.complaint(conn, &author, &c, index)?;
                Ok(Applied::Done)
            }
        }
    }
}

fn sql_text(message: String) -> (String, String) {
    ("state".into(), message)
}
