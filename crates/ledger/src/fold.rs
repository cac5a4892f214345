//! The fold: how each entry of the log changes the election's state, and when it is refused.
//!
//! Intake and replay run exactly this code. Intake refuses a submission if any of its entries
//! is refused, so nothing refused is ever appended; replay of a log written by someone who
//! skipped these checks records each refused entry in the `refusal` table and carries on, so
//! that the replayed state is what an honest operator's would be and the digests differ.
//!
//! Checks, in order: form (canonical JSON, known kind, typed body); batch framing; signature by
//! an enrolled, unrevoked key; the key's role and scope; references to stations, voters,
//! contests and proposals; numbers that cannot be (votes above ballots); and governance, where a
//! governed action takes effect only once the approval rule is met.

use crate::event::*;
use crate::state;
use base64::prelude::*;
use ed25519_dalek::{Verifier as _, VerifyingKey};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::{BTreeSet, HashMap};
use tlog::merkle::RightEdge;
use tlog::note::{TYPE_ED25519, Vkey};

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

/// Checks the signature of a parsed entry against `vkey`, away from the fold (so that it can
/// run on other threads). True if it verifies.
pub fn signature_verifies(entry: &Entry, vkey: &VerifyingKey) -> bool {
    let Some(sig) = &entry.sig else {
        return false;
    };
    let Ok(raw) = BASE64_STANDARD.decode(sig) else {
        return false;
    };
    let Ok(sig) = ed25519_dalek::Signature::from_slice(&raw) else {
        return false;
    };
    // RFC 8032 cofactorless verification with canonical S, as in intake's fold: the two must
    // agree exactly. Keys of small order are refused at enrolment.
    vkey.verify(&entry.signed_message(), &sig).is_ok()
}

/// The verifying key of an enrolled, effective signer, if any.
pub fn signer_key(conn: &Connection, name: &str) -> Option<(String, VerifyingKey)> {
    let vkey = signer_vkey(conn, name)?;
    let key = parse_verifying_key(&vkey)?;
    Some((vkey, key))
}

/// The vkey of an enrolled, effective signer, if any.
pub fn signer_vkey(conn: &Connection, name: &str) -> Option<String> {
    conn.prepare_cached(
        "SELECT vkey FROM signer WHERE name = ?1 AND revoked_at IS NULL AND proposal IS NULL",
    )
    .ok()?
    .query_row([name], |r| r.get(0))
    .ok()
}

/// The Ed25519 key that a vkey names, if it is a well-formed one.
pub fn parse_verifying_key(vkey: &str) -> Option<VerifyingKey> {
    let parsed = Vkey::parse(vkey).ok()?;
    VerifyingKey::from_bytes(&parsed.public).ok()
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
        let _ = conn.execute_batch("ROLLBACK TO batch; RELEASE batch");
        self.reset();
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
            return self.batch_entry(conn, index, bytes, entry.event);
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
        let author = self.authenticate(conn, &entry, verified_with.as_deref())?;
        let id = entry_id(bytes);
        self.signed_event(conn, index, &id, author, entry.event)
    }

    // ----- signatures -----

    fn verifying_key(&mut self, vkey: &str) -> Check<VerifyingKey> {
        if let Some(k) = self.verifying.get(vkey) {
            return Ok(*k);
        }
        let parsed = Vkey::parse(vkey).or_else(|e| refuse("vkey", e.to_string()))?;
        let key = VerifyingKey::from_bytes(&parsed.public)
            .or_else(|_| refuse("vkey", "not an Ed25519 public key"))?;
        self.verifying.insert(vkey.to_string(), key);
        Ok(key)
    }

    fn check_sig(&mut self, vkey: &str, message: &[u8], sig: &str, path: &str) -> Check<()> {
        let key = self.verifying_key(vkey)?;
        let raw = BASE64_STANDARD
            .decode(sig)
            .or_else(|_| refuse(path, "signature is not base64"))?;
        let sig = ed25519_dalek::Signature::from_slice(&raw)
            .or_else(|_| refuse(path, "signature is not 64 bytes"))?;
        key.verify(message, &sig)
            .or_else(|_| refuse(path, "signature does not verify"))
    }

    fn authenticate(
        &mut self,
        conn: &Connection,
        entry: &Entry,
        verified_with: Option<&str>,
    ) -> Check<Signer> {
        let Some(author) = &entry.author else {
            return refuse("author", "a signed event needs an author");
        };
        let Some(sig) = &entry.sig else {
            return refuse("sig", "the event is not signed");
        };
        if !entry.cosigs.is_empty() {
            return refuse("cosigs", "only the genesis carries cosignatures");
        }
        let signer = signer(conn, author)?.ok_or_else(|| {
            (
                "author".to_string(),
                format!("{author:?} is not an enrolled key"),
            )
        })?;
        if signer.1.is_some() {
            return refuse("author", format!("the key {author:?} has been revoked"));
        }
        if signer.2.is_some() {
            return refuse(
                "author",
                format!("the key {author:?} awaits the commission's approval"),
            );
        }
        if verified_with != Some(signer.0.vkey.as_str()) {
            let message = entry.signed_message();
            self.check_sig(&signer.0.vkey.clone(), &message, sig, "sig")?;
        }
        Ok(signer.0)
    }

    // ----- genesis -----

    fn genesis(
        &mut self,
        conn: &Connection,
        index: u64,
        entry: &Entry,
        g: &Genesis,
    ) -> Check<Applied> {
        if index != 0 {
            return refuse("kind", "only the first entry may be a genesis");
        }
        validate_genesis(g)?;
        let Some(author) = &entry.author else {
            return refuse("author", "the genesis needs an author, one of its members");
        };
        let Some(sig) = &entry.sig else {
            return refuse("sig", "the genesis is not signed");
        };
        let message = entry.signed_message();
        let mut signed = BTreeSet::new();
        let member = |name: &str| g.members.iter().find(|m| m.name == name);
        let Some(m) = member(author) else {
            return refuse("author", format!("{author:?} is not a founding member"));
        };
        self.check_sig(&m.vkey.clone(), &message, sig, "sig")?;
        signed.insert(author.clone());
        for (i, c) in entry.cosigs.iter().enumerate() {
            let path = format!("cosigs[{i}]");
            let Some(m) = member(&c.author) else {
                return refuse(path, format!("{:?} is not a founding member", c.author));
            };
            if !signed.insert(c.author.clone()) {
                return refuse(path, format!("{:?} signed twice", c.author));
            }
            self.check_sig(&m.vkey.clone(), &message, &c.sig, &path)?;
        }
        let missing: Vec<&str> = g
            .members
            .iter()
            .map(|m| m.name.as_str())
            .filter(|n| !signed.contains(*n))
            .collect();
        if !missing.is_empty() {
            return refuse(
                "cosigs",
                format!(
                    "every founding member must sign the genesis; missing: {}",
                    missing.join(", ")
                ),
            );
        }
        state::create(conn).map_err(sql)?;
        let put = |k: &str, v: String| {
            conn.execute(
                "INSERT INTO election(key, value) VALUES (?1, ?2)",
                params![k, v],
            )
            .map(|_| ())
        };
        put("name", g.election.clone()).map_err(sql)?;
        put("origin", g.origin.clone()).map_err(sql)?;
        put("rule", serde_json::to_string(&g.rule).expect("rule")).map_err(sql)?;
        put("levels", serde_json::to_string(&g.levels).expect("levels")).map_err(sql)?;
        put("bulk_threshold", g.bulk_threshold.to_string()).map_err(sql)?;
        for p in &g.parties {
            conn.execute(
                "INSERT INTO party(id, name) VALUES (?1, ?2)",
                params![p.id, p.name],
            )
            .map_err(sql)?;
        }
        for c in &g.contests {
            conn.execute(
                "INSERT INTO contest(id, body) VALUES (?1, ?2)",
                params![c.id, serde_json::to_string(c).expect("contest")],
            )
            .map_err(sql)?;
        }
        for m in &g.members {
            insert_signer(
                conn,
                &Enrol {
                    name: m.name.clone(),
                    organisation: None,
                    party: m.party.clone(),
                    person: Some(m.person.clone()),
                    role: Role::CommissionMember,
                    scope: Scope::all(),
                    vkey: m.vkey.clone(),
                },
                index,
                None,
            )?;
        }
        for (i, k) in g.keys.iter().enumerate() {
            validate_enrol(conn, k, &format!("body.keys[{i}]"), true)?;
            insert_signer(conn, k, index, None)?;
        }
        Ok(Applied::Done)
    }

    // ----- signed events -----

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
                self.update_voter(conn, &author, &u, "body")?;
                Ok(Applied::Done)
            }
            Event::Transfer(t) => {
                require_role(&author, &[Role::RegistrationOfficer])?;
                self.transfer(conn, &author, &t, "body")?;
                Ok(Applied::Done)
            }
            Event::ResultForm(f) => {
                self.result_form(conn, &author, &f, index, None, "body")?;
                Ok(Applied::Done)
            }
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
        }
    }

    fn in_scope(&mut self, conn: &Connection, signer: &Signer, area: &str) -> Check<bool> {
        let Scope::Areas(areas) = &signer.scope else {
            return Ok(true);
        };
        if !self.ancestors.contains_key(area) {
            let mut chain = Vec::new();
            let mut cur = Some(area.to_string());
            while let Some(code) = cur {
                if chain.len() > 64 {
                    break;
                }
                cur = conn
                    .query_row("SELECT parent FROM area WHERE code = ?1", [&code], |r| {
                        r.get::<_, Option<String>>(0)
                    })
                    .optional()
                    .map_err(sql)?
                    .flatten();
                chain.push(code);
            }
            self.ancestors.insert(area.to_string(), chain);
        }
        let chain = &self.ancestors[area];
        Ok(chain.iter().any(|a| areas.contains(a)))
    }

    /// The contest with this id, parsed once per fold (contests only come from the genesis).
    fn contest(&mut self, conn: &Connection, id: &str) -> Check<Option<std::sync::Arc<Contest>>> {
        if let Some(c) = self.contests.get(id) {
            return Ok(Some(c.clone()));
        }
        let Some(c) = contest(conn, id)? else {
            return Ok(None);
        };
        let c = std::sync::Arc::new(c);
        self.contests.insert(id.to_string(), c.clone());
        Ok(Some(c))
    }

    fn station_area(&mut self, conn: &Connection, station: &str, path: &str) -> Check<String> {
        if let Some(area) = self.station_areas.get(station) {
            return Ok(area.clone());
        }
        let row: Option<(String, Option<String>)> = conn
            .prepare_cached("SELECT area, proposal FROM station WHERE code = ?1")
            .map_err(sql)?
            .query_row([station], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
            .map_err(sql)?;
        match row {
            None => refuse(path, format!("unknown station {station:?}")),
            Some((_, Some(p))) => refuse(
                path,
                format!("station {station:?} awaits the commission's approval (proposal {p})"),
            ),
            Some((area, None)) => {
                self.station_areas.insert(station.to_string(), area.clone());
                Ok(area)
            }
        }
    }

    fn check_station_scope(
        &mut self,
        conn: &Connection,
        signer: &Signer,
        station: &str,
        path: &str,
    ) -> Check<()> {
        let area = self.station_area(conn, station, path)?;
        if !self.in_scope(conn, signer, &area)? {
            return refuse(
                path,
                format!(
                    "station {station:?} is outside the areas where {} may act",
                    signer.name
                ),
            );
        }
        Ok(())
    }

    fn register(
        &mut self,
        conn: &Connection,
        author: &Signer,
        r: &Register,
        index: u64,
        proposal: Option<&str>,
        path: &str,
    ) -> Check<()> {
        self.check_station_scope(conn, author, &r.station, &format!("{path}.station"))?;
        if r.voter.is_empty() {
            return refuse(format!("{path}.voter"), "empty voter id");
        }
        let inserted = conn
            .prepare_cached(
                "INSERT OR IGNORE INTO voter(id, name, sex, birth_year, station, commitment, registered_at, proposal)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .map_err(sql)?
            .execute(params![
                r.voter,
                r.name,
                sex(r.sex),
                r.birth_year,
                r.station,
                r.commitment,
                index as i64,
                proposal
            ])
            .map_err(sql)?;
        if inserted == 0 {
            return refuse(
                format!("{path}.voter"),
                format!("voter {:?} is already registered", r.voter),
            );
        }
        Ok(())
    }

    fn voter_station(&mut self, conn: &Connection, voter: &str, path: &str) -> Check<String> {
        let row: Option<(String, Option<i64>, Option<String>)> = conn
            .prepare_cached("SELECT station, removed_at, proposal FROM voter WHERE id = ?1")
            .map_err(sql)?
            .query_row([voter], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()
            .map_err(sql)?;
        match row {
            None => refuse(path, format!("unknown voter {voter:?}")),
            Some((_, Some(_), _)) => refuse(path, format!("voter {voter:?} has been removed")),
            Some((_, _, Some(p))) => refuse(
                path,
                format!("voter {voter:?} awaits the commission's approval (proposal {p})"),
            ),
            Some((station, None, None)) => Ok(station),
        }
    }

    fn update_voter(
        &mut self,
        conn: &Connection,
        author: &Signer,
        u: &UpdateVoter,
        path: &str,
    ) -> Check<()> {
        let station = self.voter_station(conn, &u.voter, &format!("{path}.voter"))?;
        self.check_station_scope(conn, author, &station, &format!("{path}.voter"))?;
        if u.name.is_none() && u.sex.is_none() && u.birth_year.is_none() && u.commitment.is_none() {
            return refuse(path, "the update changes nothing");
        }
        conn.execute(
            "UPDATE voter SET name = coalesce(?2, name), sex = coalesce(?3, sex),
             birth_year = coalesce(?4, birth_year), commitment = coalesce(?5, commitment) WHERE id = ?1",
            params![u.voter, u.name, u.sex.map(sex), u.birth_year, u.commitment],
        )
        .map_err(sql)?;
        Ok(())
    }

    fn transfer(
        &mut self,
        conn: &Connection,
        author: &Signer,
        t: &Transfer,
        path: &str,
    ) -> Check<()> {
        let from = self.voter_station(conn, &t.voter, &format!("{path}.voter"))?;
        self.check_station_scope(conn, author, &from, &format!("{path}.voter"))?;
        self.check_station_scope(conn, author, &t.station, &format!("{path}.station"))?;
        if from == t.station {
            return refuse(
                format!("{path}.station"),
                "the voter is already at this station",
            );
        }
        conn.execute(
            "UPDATE voter SET station = ?2 WHERE id = ?1",
            params![t.voter, t.station],
        )
        .map_err(sql)?;
        Ok(())
    }

    fn result_form(
        &mut self,
        conn: &Connection,
        author: &Signer,
        f: &ResultForm,
        index: u64,
        proposal: Option<&str>,
        path: &str,
    ) -> Check<()> {
        // Who may file which copy.
        let allowed = match f.source.split_once(':') {
            None if f.source == "official" => {
                matches!(author.role, Role::PollingOfficial | Role::CommissionClerk)
            }
            Some(("party", p)) => {
                author.role == Role::PartyAgent && author.party.as_deref() == Some(p)
            }
            Some(("observer", o)) => {
                author.role == Role::Observer && author.organisation.as_deref() == Some(o)
            }
            _ => {
                return refuse(
                    format!("{path}.source"),
                    format!(
                        "{:?} is not a source: use official, party:<party> or observer:<organisation>",
                        f.source
                    ),
                );
            }
        };
        if !allowed {
            return refuse(
                format!("{path}.source"),
                format!(
                    "{} ({}) may not file a {:?} copy",
                    author.name,
                    describe_role(author),
                    f.source
                ),
            );
        }
        self.check_station_scope(conn, author, &f.station, &format!("{path}.station"))?;
        let contest = self.contest(conn, &f.contest)?.ok_or_else(|| {
            (
                format!("{path}.contest"),
                format!("unknown contest {:?}", f.contest),
            )
        })?;
        for choice in f.votes.keys() {
            if !contest.choices.iter().any(|c| &c.id == choice) {
                return refuse(
                    format!("{path}.votes.{choice}"),
                    format!("{choice:?} is not a choice in contest {:?}", f.contest),
                );
            }
        }
        let sum: u64 = f.votes.values().sum();
        if sum != f.valid {
            return refuse(
                format!("{path}.valid"),
                format!(
                    "the votes add up to {sum}, not to the {} valid ballots",
                    f.valid
                ),
            );
        }
        let cast = f.valid + f.invalid;
        if let Some(issued) = f.ballots_issued {
            if cast > issued {
                return refuse(
                    format!("{path}.invalid"),
                    format!("{cast} ballots counted (valid + invalid) but only {issued} issued"),
                );
            }
            if let Some(received) = f.ballots_received {
                let used = issued + f.spoiled.unwrap_or(0) + f.unused.unwrap_or(0);
                if used > received {
                    return refuse(
                        format!("{path}.ballots_received"),
                        format!(
                            "{used} ballots issued, spoiled and unused but only {received} received"
                        ),
                    );
                }
            }
        } else if let Some(received) = f.ballots_received
            && cast > received
        {
            return refuse(
                format!("{path}.invalid"),
                format!("{cast} ballots counted but only {received} received"),
            );
        }
        for (i, p) in f.photos.iter().enumerate() {
            if p.len() != 64 || !p.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
                return refuse(
                    format!("{path}.photos[{i}]"),
                    "a photo is named by its SHA-256 in lowercase hex",
                );
            }
        }
        let inserted = conn
            .prepare_cached(
                "INSERT OR IGNORE INTO result_form(station, contest, source, idx, author, registered,
                 ballots_received, ballots_issued, spoiled, unused, valid, invalid, photos, proposal)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            )
            .map_err(sql)?
            .execute(params![
                f.station,
                f.contest,
                f.source,
                index as i64,
                author.name,
                f.registered.map(|v| v as i64),
                f.ballots_received.map(|v| v as i64),
                f.ballots_issued.map(|v| v as i64),
                f.spoiled.map(|v| v as i64),
                f.unused.map(|v| v as i64),
                f.valid as i64,
                f.invalid as i64,
                (!f.photos.is_empty()).then(|| f.photos.join(",")),
                proposal
            ])
            .map_err(sql)?;
        if inserted == 0 {
            return refuse(
                path,
                format!(
                    "station {:?} already has a {:?} result form for contest {:?}",
                    f.station, f.source, f.contest
                ),
            );
        }
        let mut put = conn
            .prepare_cached(
                "INSERT INTO result_vote(station, contest, source, choice, votes) VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .map_err(sql)?;
        for (choice, n) in &f.votes {
            put.execute(params![f.station, f.contest, f.source, choice, *n as i64])
                .map_err(sql)?;
        }
        Ok(())
    }

    // ----- batches -----

    fn open_batch(
        &mut self,
        conn: &Connection,
        index: u64,
        author: Signer,
        m: Manifest,
        proposal: Option<String>,
        path: &str,
    ) -> Check<()> {
        if m.count == 0 {
            return refuse(format!("{path}.count"), "a batch holds at least one entry");
        }
        if m.id.len() != 32 || !m.id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return refuse(
                format!("{path}.id"),
                "a batch id is 32 lowercase hex digits",
            );
        }
        let root = decode_hash(&m.root).ok_or_else(|| {
            (
                format!("{path}.root"),
                "not a base64 SHA-256 hash".to_string(),
            )
        })?;
        if proposal.is_none() {
            // An ungoverned batch: only what its author could file one by one.
            let ok = match m.content {
                Content::Registrations => {
                    let threshold = bulk_threshold(conn)?;
                    if m.count > threshold {
                        return refuse(
                            format!("{path}.count"),
                            format!(
                                "a batch of {} registrations is above the threshold of {threshold}: propose it for the commission's approval",
                                m.count
                            ),
                        );
                    }
                    author.role == Role::RegistrationOfficer
                }
                Content::ResultForms => matches!(
                    author.role,
                    Role::PollingOfficial
                        | Role::CommissionClerk
                        | Role::PartyAgent
                        | Role::Observer
                ),
                Content::Enrolments => {
                    matches!(author.role, Role::CommissionMember | Role::CommissionClerk)
                }
                Content::Areas | Content::Stations => {
                    return refuse(
                        format!("{path}.content"),
                        "areas and stations change only with the commission's approval: propose the batch",
                    );
                }
            };
            if !ok {
                return refuse(
                    "author",
                    format!(
                        "{} ({}) may not file a batch of {:?}",
                        author.name,
                        describe_role(&author),
                        m.content
                    ),
                );
            }
        }
        let inserted = conn.execute(
            "INSERT OR IGNORE INTO batch(id, idx, author, content, count, proposal) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                m.id,
                index as i64,
                author.name,
                content_name(m.content),
                m.count as i64,
                proposal
            ],
        )
        .map_err(sql)?;
        if inserted == 0 {
            return refuse(
                format!("{path}.id"),
                format!("batch {} was submitted before", m.id),
            );
        }
        conn.execute_batch("SAVEPOINT batch").map_err(sql)?;
        self.open = Some(OpenBatch {
            id: m.id.clone(),
            author,
            content: m.content,
            count: m.count,
            received: 0,
            root,
            edge: RightEdge::default(),
            proposal,
        });
        Ok(())
    }

    fn batch_entry(
        &mut self,
        conn: &Connection,
        index: u64,
        bytes: &[u8],
        event: Event,
    ) -> Check<Applied> {
        if self.checking {
            conn.execute_batch("SAVEPOINT member").map_err(sql)?;
        }
        let mut open = self.open.take().expect("checked by caller");
        let result = self.batch_member(conn, index, &open, event);
        if let Err((path, message)) = result {
            if !self.checking {
                self.open = Some(open);
                return Err((path, message));
            }
            // Set this entry aside; its bytes still count towards the root.
            conn.execute_batch("ROLLBACK TO member; RELEASE member")
                .map_err(sql)?;
            self.ancestors.clear();
            self.skipped.push(Refusal {
                index,
                path,
                message,
            });
        } else if self.checking {
            conn.execute_batch("RELEASE member").map_err(sql)?;
        }
        let mut full = Vec::new();
        open.edge.push(tlog::record_hash(bytes), &mut full);
        open.received += 1;
        if open.received < open.count {
            self.open = Some(open);
            return Ok(Applied::InBatch);
        }
        if open.edge.root() != open.root {
            self.open = Some(open);
            return refuse(
                "batch",
                "the batch's entries do not hash to the root its manifest signed",
            );
        }
        conn.execute_batch("RELEASE batch").map_err(sql)?;
        Ok(Applied::InBatch)
    }

    fn batch_member(
        &mut self,
        conn: &Connection,
        index: u64,
        open: &OpenBatch,
        event: Event,
    ) -> Check<()> {
        let proposal = open.proposal.as_deref();
        let author = &open.author;
        let wrong = |kind: &str| {
            refuse(
                "kind",
                format!("a batch of {:?} cannot hold a {kind}", open.content),
            )
        };
        match (open.content, event) {
            (Content::Registrations, Event::Register(r)) => {
                self.register(conn, author, &r, index, proposal, "body")
            }
            (Content::Registrations, Event::UpdateVoter(u)) if proposal.is_none() => {
                self.update_voter(conn, author, &u, "body")
            }
            (Content::Registrations, Event::Transfer(t)) if proposal.is_none() => {
                self.transfer(conn, author, &t, "body")
            }
            (Content::ResultForms, Event::ResultForm(f)) => {
                self.result_form(conn, author, &f, index, proposal, "body")
            }
            (Content::Areas, Event::Area(a)) => insert_area(conn, &a, proposal, "body"),
            (Content::Stations, Event::Station(s)) => {
                upsert_station(conn, &s, proposal, "body", true).map(|_| ())
            }
            // A stations batch may bring the areas its stations sit in, listed first.
            (Content::Stations, Event::Area(a)) => insert_area(conn, &a, proposal, "body"),
            (Content::Enrolments, Event::Enrol(e)) => {
                if proposal.is_none() && e.role.is_official() {
                    return refuse(
                        "body.role",
                        "enrolling officials needs the commission's approval: propose the batch",
                    );
                }
                validate_enrol(conn, &e, "body", false)?;
                insert_signer(conn, &e, index, proposal)
            }
            (_, e) => wrong(e.kind()),
        }
    }

    // ----- governance -----

    fn proposal(
        &mut self,
        conn: &Connection,
        index: u64,
        id: &str,
        author: Signer,
        p: Proposal,
    ) -> Check<Applied> {
        let allowed = match &p.action {
            Action::Batch(m) if m.content == Content::Registrations => matches!(
                author.role,
                Role::CommissionMember | Role::CommissionClerk | Role::RegistrationOfficer
            ),
            Action::RemoveVoter(_) => matches!(
                author.role,
                Role::CommissionMember | Role::CommissionClerk | Role::RegistrationOfficer
            ),
            _ => matches!(author.role, Role::CommissionMember | Role::CommissionClerk),
        };
        if !allowed {
            return refuse(
                "author",
                format!(
                    "{} ({}) may not propose {}",
                    author.name,
                    describe_role(&author),
                    p.action.name()
                ),
            );
        }
        if p.reason.trim().is_empty() {
            return refuse("body.reason", "a proposal must give its reason");
        }
        let rule = rule(conn)?;
        if rule.every_party_asked {
            check_asked(conn, &p.asked)?;
        }
        // Check the action now, so that a proposal that could never take effect is refused.
        let area = self.check_action(conn, &author, &p.action)?;
        conn.execute(
            "INSERT INTO proposal(id, idx, author, action, body, area, status) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending')",
            params![
                id,
                index as i64,
                author.name,
                p.action.name(),
                String::from_utf8(Event::Proposal(p.clone()).body_json()).expect("utf-8"),
                area
            ],
        )
        .map_err(sql)?;
        if let Action::Batch(m) = p.action {
            self.open_batch(
                conn,
                index,
                author,
                m,
                Some(id.to_string()),
                "body.action.batch",
            )?;
        }
        Ok(Applied::Proposed(id.to_string()))
    }

    /// Checks that an action could take effect now; returns the area it concerns.
    fn check_action(
        &mut self,
        conn: &Connection,
        author: &Signer,
        action: &Action,
    ) -> Check<Option<String>> {
        let p = "body.action";
        match action {
            Action::RemoveVoter(r) => {
                let station =
                    self.voter_station(conn, &r.voter, &format!("{p}.remove_voter.voter"))?;
                self.check_station_scope(
                    conn,
                    author,
                    &station,
                    &format!("{p}.remove_voter.voter"),
                )?;
                Ok(Some(self.station_area(conn, &station, p)?))
            }
            Action::Enrol(e) => {
                validate_enrol(conn, e, &format!("{p}.enrol"), false)?;
                Ok(None)
            }
            Action::Revoke(r) => {
                let s = signer(conn, &r.name)?;
                match s {
                    None => refuse(
                        format!("{p}.revoke.name"),
                        format!("unknown key {:?}", r.name),
                    ),
                    Some((_, Some(_), _)) => refuse(
                        format!("{p}.revoke.name"),
                        format!("{:?} is already revoked", r.name),
                    ),
                    _ => Ok(None),
                }
            }
            Action::ChangeRule(r) => {
                check_rule(conn, r, &format!("{p}.change_rule"))?;
                Ok(None)
            }
            Action::Area(a) => {
                check_area(conn, a, &format!("{p}.area"), None)?;
                Ok(a.parent.clone())
            }
            Action::Station(s) => {
                check_station(conn, s, &format!("{p}.station"), false, None)?;
                Ok(Some(s.area.clone()))
            }
            Action::Certify(c) => {
                let contest = contest(conn, &c.contest)?.ok_or_else(|| {
                    (
                        format!("{p}.certify.contest"),
                        format!("unknown contest {:?}", c.contest),
                    )
                })?;
                area_exists(conn, &c.area, &format!("{p}.certify.area"))?;
                for choice in c.totals.keys() {
                    if !contest.choices.iter().any(|x| &x.id == choice) {
                        return refuse(
                            format!("{p}.certify.totals.{choice}"),
                            format!("{choice:?} is not a choice in contest {:?}", c.contest),
                        );
                    }
                }
                Ok(Some(c.area.clone()))
            }
            Action::Batch(_) => Ok(None),
        }
    }

    fn decide(
        &mut self,
        conn: &Connection,
        index: u64,
        author: &Signer,
        proposal: &str,
        rejection: Option<&str>,
    ) -> Check<Applied> {
        require_role(author, &[Role::CommissionMember])?;
        let row: Option<(String, String, Option<String>)> = conn
            .query_row(
                "SELECT status, body, area FROM proposal WHERE id = ?1",
                [proposal],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(sql)?;
        let Some((status, body, area)) = row else {
            return refuse("body.proposal", format!("unknown proposal {proposal}"));
        };
        if status != "pending" {
            return refuse(
                "body.proposal",
                format!("proposal {proposal} was already decided ({status})"),
            );
        }
        if let Some(area) = &area
            && !self.in_scope(conn, author, area)?
        {
            return refuse(
                "author",
                format!(
                    "{} may not decide on area {area:?}, outside their scope",
                    author.name
                ),
            );
        }
        let verdict = if rejection.is_some() {
            "reject"
        } else {
            "approve"
        };
        let inserted = conn
            .execute(
                "INSERT OR IGNORE INTO decision(proposal, member, verdict, idx, reason) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![proposal, author.name, verdict, index as i64, rejection],
            )
            .map_err(sql)?;
        if inserted == 0 {
            return refuse(
                "author",
                format!("{} has already decided on proposal {proposal}", author.name),
            );
        }
        let p: Proposal = serde_json::from_str(&body).expect("stored proposals parse");
        let rule = rule(conn)?;
        let tally = tally(conn, proposal)?;
        if rejection.is_some() {
            let members = count_members(conn)?;
            if members.saturating_sub(tally.rejections) < u64::from(rule.min_approvals) {
                set_status(
                    conn,
                    proposal,
                    "rejected",
                    index,
                    "rejected by the commission",
                )?;
                self.drop_pending(conn, proposal, &p.action)?;
                return Ok(Applied::Decided {
                    proposal: proposal.to_string(),
                    outcome: Err("rejected".into()),
                });
            }
            return Ok(Applied::Approved {
                proposal: proposal.to_string(),
            });
        }
        let asked_ok = !rule.every_party_asked || check_asked(conn, &p.asked).is_ok();
        if tally.approvals < u64::from(rule.min_approvals)
            || tally.parties < u64::from(rule.min_parties)
            || !asked_ok
        {
            return Ok(Applied::Approved {
                proposal: proposal.to_string(),
            });
        }
        // The rule is met: the action takes effect now, or fails and says why.
        conn.execute_batch("SAVEPOINT action").map_err(sql)?;
        let outcome = self.take_effect(conn, index, proposal, &p.action);
        match &outcome {
            Ok(()) => {
                conn.execute_batch("RELEASE action").map_err(sql)?;
                set_status(conn, proposal, "applied", index, "applied")?;
            }
            Err((path, message)) => {
                conn.execute_batch("ROLLBACK TO action; RELEASE action")
                    .map_err(sql)?;
                self.ancestors.clear();
                set_status(
                    conn,
                    proposal,
                    "failed",
                    index,
                    &format!("{path}: {message}"),
                )?;
                self.drop_pending(conn, proposal, &p.action)?;
            }
        }
        Ok(Applied::Decided {
            proposal: proposal.to_string(),
            outcome: outcome.map_err(|(path, message)| format!("{path}: {message}")),
        })
    }

    fn take_effect(
        &mut self,
        conn: &Connection,
        index: u64,
        proposal: &str,
        action: &Action,
    ) -> Check<()> {
        let p = "body.action";
        match action {
            Action::RemoveVoter(r) => {
                self.voter_station(conn, &r.voter, &format!("{p}.remove_voter.voter"))?;
                conn.execute(
                    "UPDATE voter SET removed_at = ?2, removal_reason = ?3 WHERE id = ?1",
                    params![r.voter, index as i64, removal_reason(r.reason)],
                )
                .map_err(sql)?;
            }
            Action::Enrol(e) => {
                validate_enrol(conn, e, &format!("{p}.enrol"), false)?;
                insert_signer(conn, e, index, None)?;
            }
            Action::Revoke(r) => revoke(conn, r, index)?,
            Action::ChangeRule(r) => {
                check_rule(conn, r, &format!("{p}.change_rule"))?;
                conn.execute(
                    "UPDATE election SET value = ?1 WHERE key = 'rule'",
                    [serde_json::to_string(r).expect("rule")],
                )
                .map_err(sql)?;
            }
            Action::Area(a) => insert_area(conn, a, None, &format!("{p}.area"))?,
            Action::Station(s) => {
                self.station_areas.clear();
                upsert_station(conn, s, None, &format!("{p}.station"), false)?;
            }
            Action::Certify(c) => certify(conn, c, index, proposal)?,
            Action::Batch(_) => {
                for table in STAGED_TABLES {
                    conn.execute(
                        &format!("UPDATE {table} SET proposal = NULL WHERE proposal = ?1"),
                        [proposal],
                    )
                    .map_err(sql)?;
                }
                self.ancestors.clear();
            }
        }
        Ok(())
    }

    /// Removes the rows a rejected or failed batch proposal had staged.
    fn drop_pending(&mut self, conn: &Connection, proposal: &str, action: &Action) -> Check<()> {
        if let Action::Batch(_) = action {
            conn.execute(
                "DELETE FROM result_vote WHERE (station, contest, source) IN
                 (SELECT station, contest, source FROM result_form WHERE proposal = ?1)",
                [proposal],
            )
            .map_err(sql)?;
            for table in STAGED_TABLES {
                conn.execute(
                    &format!("DELETE FROM {table} WHERE proposal = ?1"),
                    [proposal],
                )
                .map_err(sql)?;
            }
            self.ancestors.clear();
        }
        Ok(())
    }
}

/// Tables whose rows a governed batch stages until it is approved.
const STAGED_TABLES: [&str; 5] = ["area", "station", "voter", "result_form", "signer"];

// ----- helpers over the state tables -----

fn sex(s: Sex) -> &'static str {
    match s {
        Sex::F => "F",
        Sex::M => "M",
        Sex::X => "X",
    }
}

fn removal_reason(r: RemovalReason) -> &'static str {
    match r {
        RemovalReason::Deceased => "deceased",
        RemovalReason::Duplicate => "duplicate",
        RemovalReason::NotEligible => "not_eligible",
        RemovalReason::MovedAway => "moved_away",
        RemovalReason::CourtOrder => "court_order",
        RemovalReason::OwnRequest => "own_request",
    }
}

fn content_name(c: Content) -> &'static str {
    match c {
        Content::Areas => "areas",
        Content::Stations => "stations",
        Content::Registrations => "registrations",
        Content::ResultForms => "result_forms",
        Content::Enrolments => "enrolments",
    }
}

fn describe_role(s: &Signer) -> String {
    match (&s.party, &s.organisation) {
        (Some(p), _) if s.role == Role::PartyAgent => format!("party agent of {p}"),
        (_, Some(o)) if s.role == Role::Observer => format!("observer of {o}"),
        _ => s.role.as_str().replace('_', " "),
    }
}

fn require_role(author: &Signer, roles: &[Role]) -> Check<()> {
    if roles.contains(&author.role) {
        Ok(())
    } else {
        refuse(
            "author",
            format!(
                "{} is a {}; this needs a {}",
                author.name,
                describe_role(author),
                roles
                    .iter()
                    .map(|r| r.as_str().replace('_', " "))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
        )
    }
}

/// A signer, the index at which it was revoked, and the proposal it awaits.
type SignerRow = (Signer, Option<i64>, Option<String>);

/// The signer named `name`, whether it is revoked (index), and whether it is pending.
fn signer(conn: &Connection, name: &str) -> Check<Option<SignerRow>> {
    let row = conn
        .prepare_cached(
            "SELECT vkey, role, party, organisation, scope, revoked_at, proposal FROM signer WHERE name = ?1",
        )
        .map_err(sql)?
        .query_row([name], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<i64>>(5)?,
                r.get::<_, Option<String>>(6)?,
            ))
        })
        .optional()
        .map_err(sql)?;
    let Some((vkey, role, party, organisation, scope, revoked, proposal)) = row else {
        return Ok(None);
    };
    let role: Role = serde_json::from_value(serde_json::Value::String(role))
        .map_err(|e| sql_text(e.to_string()))?;
    let scope: Scope = serde_json::from_str(&scope).map_err(|e| sql_text(e.to_string()))?;
    Ok(Some((
        Signer {
            name: name.to_string(),
            vkey,
            role,
            party,
            organisation,
            scope,
        },
        revoked,
        proposal,
    )))
}

fn sql_text(message: String) -> (String, String) {
    ("state".into(), message)
}

fn insert_signer(conn: &Connection, e: &Enrol, index: u64, proposal: Option<&str>) -> Check<()> {
    let inserted = conn
        .execute(
            "INSERT OR IGNORE INTO signer(name, vkey, role, party, organisation, person, scope, enrolled_at, proposal)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                e.name,
                e.vkey,
                e.role.as_str(),
                e.party,
                e.organisation,
                e.person,
                serde_json::to_string(&e.scope).expect("scope"),
                index as i64,
                proposal
            ],
        )
        .map_err(sql)?;
    if inserted == 0 {
        return refuse(
            "body.name",
            format!("a key named {:?} is already enrolled", e.name),
        );
    }
    Ok(())
}

fn validate_enrol(conn: &Connection, e: &Enrol, path: &str, at_genesis: bool) -> Check<()> {
    enrol_form(e, path)?;
    match e.role {
        Role::PartyAgent | Role::CommissionMember => {
            if let Some(p) = &e.party
                && !at_genesis
                && !party_exists(conn, p)?
            {
                return refuse(format!("{path}.party"), format!("unknown party {p:?}"));
            }
        }
        _ => {}
    }
    if let Scope::Areas(areas) = &e.scope
        && !at_genesis
    {
        for (i, a) in areas.iter().enumerate() {
            area_exists(conn, a, &format!("{path}.scope[{i}]"))?;
        }
    }
    Ok(())
}

/// What an enrolment must be whatever the state: a usable Ed25519 key under the enrolled
/// name, the party or organisation its role needs, and a scope. The genesis checks its keys
/// with this too, so that a configuration that parses makes a genesis the fold takes.
fn enrol_form(e: &Enrol, path: &str) -> Check<()> {
    let key =
        Vkey::parse(&e.vkey).or_else(|err| refuse(format!("{path}.vkey"), err.to_string()))?;
    if key.kind != TYPE_ED25519 {
        return refuse(
            format!("{path}.vkey"),
            "an election key signs events with Ed25519 (type 0x01)",
        );
    }
    if VerifyingKey::from_bytes(&key.public).is_ok_and(|k| k.is_weak()) {
        return refuse(
            format!("{path}.vkey"),
            "a key of small order signs nothing reliably",
        );
    }
    if key.name != e.name {
        return refuse(
            format!("{path}.name"),
            format!(
                "the name {:?} differs from the vkey's name {:?}",
                e.name, key.name
            ),
        );
    }
    match e.role {
        Role::PartyAgent if e.party.is_none() => {
            return refuse(format!("{path}.party"), "a party agent needs a party");
        }
        Role::Observer if e.organisation.as_deref().is_none_or(str::is_empty) => {
            return refuse(
                format!("{path}.organisation"),
                "an observer needs an organisation",
            );
        }
        _ => {}
    }
    if let Scope::Areas(areas) = &e.scope
        && areas.is_empty()
    {
        return refuse(
            format!("{path}.scope"),
            "a scope lists at least one area, or is \"all\"",
        );
    }
    Ok(())
}

fn party_exists(conn: &Connection, id: &str) -> Check<bool> {
    conn.query_row("SELECT 1 FROM party WHERE id = ?1", [id], |_| Ok(()))
        .optional()
        .map(|r| r.is_some())
        .map_err(sql)
}

fn revoke(conn: &Connection, r: &Revoke, index: u64) -> Check<()> {
    if r.reason.trim().is_empty() {
        return refuse("body.reason", "a revocation must give its reason");
    }
    let changed = conn
        .execute(
            "UPDATE signer SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL",
            params![r.name, index as i64],
        )
        .map_err(sql)?;
    if changed == 0 {
        return refuse(
            "body.name",
            format!("{:?} is not an enrolled, unrevoked key", r.name),
        );
    }
    Ok(())
}

fn area_exists(conn: &Connection, code: &str, path: &str) -> Check<(i64, String)> {
    area_in(conn, code, path, None)
}

/// Like [`area_exists`], also accepting an area staged by the same governed batch.
fn area_in(
    conn: &Connection,
    code: &str,
    path: &str,
    staged: Option<&str>,
) -> Check<(i64, String)> {
    let row: Option<(i64, String, Option<String>)> = conn
        .prepare_cached("SELECT level, top, proposal FROM area WHERE code = ?1")
        .map_err(sql)?
        .query_row([code], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()
        .map_err(sql)?;
    match row {
        None => refuse(path, format!("unknown area {code:?}")),
        Some((level, top, Some(p))) if Some(p.as_str()) == staged => Ok((level, top)),
        Some((_, _, Some(p))) => refuse(
            path,
            format!("area {code:?} awaits the commission's approval (proposal {p})"),
        ),
        Some((level, top, None)) => Ok((level, top)),
    }
}

fn levels(conn: &Connection) -> Check<Vec<String>> {
    let text: String = conn
        .query_row("SELECT value FROM election WHERE key = 'levels'", [], |r| {
            r.get(0)
        })
        .map_err(sql)?;
    serde_json::from_str(&text).map_err(|e| sql_text(e.to_string()))
}

fn check_area(
    conn: &Connection,
    a: &Area,
    path: &str,
    staged: Option<&str>,
) -> Check<(i64, String)> {
    let levels = levels(conn)?;
    let Some(level) = levels.iter().position(|l| *l == a.level) else {
        return refuse(
            format!("{path}.level"),
            format!(
                "unknown level {:?}; the levels are {}",
                a.level,
                levels.join(", ")
            ),
        );
    };
    if a.code.is_empty() {
        return refuse(format!("{path}.code"), "empty area code");
    }
    let top = match (&a.parent, level) {
        (None, 0) => a.code.clone(),
        (None, _) => {
            return refuse(
                format!("{path}.parent"),
                format!("an area of level {:?} needs a parent", a.level),
            );
        }
        (Some(_), 0) => {
            return refuse(format!("{path}.parent"), "a top-level area has no parent");
        }
        (Some(parent), _) => {
            let (parent_level, top) = area_in(conn, parent, &format!("{path}.parent"), staged)?;
            if parent_level as usize != level - 1 {
                return refuse(
                    format!("{path}.parent"),
                    format!(
                        "{parent:?} is a {}, not a {}",
                        levels[parent_level as usize],
                        levels[level - 1]
                    ),
                );
            }
            top
        }
    };
    Ok((level as i64, top))
}

fn insert_area(conn: &Connection, a: &Area, proposal: Option<&str>, path: &str) -> Check<()> {
    let (level, top) = check_area(conn, a, path, proposal)?;
    let inserted = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO area(code, name, level, parent, top, proposal) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .map_err(sql)?
        .execute(params![a.code, a.name, level, a.parent, top, proposal])
        .map_err(sql)?;
    if inserted == 0 {
        return refuse(
            format!("{path}.code"),
            format!("area {:?} already exists", a.code),
        );
    }
    Ok(())
}

/// Checks a station's area; returns the area's top-level ancestor. With `new_only`, an existing
/// station is refused (batches add stations; a single governed action may also change one).
fn check_station(
    conn: &Connection,
    s: &Station,
    path: &str,
    new_only: bool,
    staged: Option<&str>,
) -> Check<String> {
    if s.code.is_empty() {
        return refuse(format!("{path}.code"), "empty station code");
    }
    let (level, top) = area_in(conn, &s.area, &format!("{path}.area"), staged)?;
    let levels = levels(conn)?;
    if level as usize != levels.len() - 1 {
        return refuse(
            format!("{path}.area"),
            format!(
                "stations sit in areas of the last level ({}); {:?} is a {}",
                levels[levels.len() - 1],
                s.area,
                levels[level as usize]
            ),
        );
    }
    if new_only {
        let exists = conn
            .prepare_cached("SELECT 1 FROM station WHERE code = ?1")
            .map_err(sql)?
            .query_row([&s.code], |_| Ok(()))
            .optional()
            .map_err(sql)?
            .is_some();
        if exists {
            return refuse(
                format!("{path}.code"),
                format!("station {:?} already exists", s.code),
            );
        }
    }
    Ok(top)
}

fn upsert_station(
    conn: &Connection,
    s: &Station,
    proposal: Option<&str>,
    path: &str,
    new_only: bool,
) -> Check<()> {
    let top = check_station(conn, s, path, new_only, proposal)?;
    conn.prepare_cached(
        "INSERT INTO station(code, name, area, top, registered, proposal) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(code) DO UPDATE SET name = excluded.name, area = excluded.area, top = excluded.top,
         registered = excluded.registered",
    )
    .map_err(sql)?
    .execute(params![
        s.code,
        s.name,
        s.area,
        top,
        s.registered.map(|r| r as i64),
        proposal
    ])
    .map_err(sql)?;
    Ok(())
}

pub(crate) fn contest(conn: &Connection, id: &str) -> Check<Option<Contest>> {
    let body: Option<String> = conn
        .prepare_cached("SELECT body FROM contest WHERE id = ?1")
        .map_err(sql)?
        .query_row([id], |r| r.get(0))
        .optional()
        .map_err(sql)?;
    body.map(|b| serde_json::from_str(&b).map_err(|e| sql_text(e.to_string())))
        .transpose()
}

fn rule(conn: &Connection) -> Check<Rule> {
    let text: String = conn
        .query_row("SELECT value FROM election WHERE key = 'rule'", [], |r| {
            r.get(0)
        })
        .map_err(sql)?;
    serde_json::from_str(&text).map_err(|e| sql_text(e.to_string()))
}

fn bulk_threshold(conn: &Connection) -> Check<u64> {
    let text: String = conn
        .query_row(
            "SELECT value FROM election WHERE key = 'bulk_threshold'",
            [],
            |r| r.get(0),
        )
        .map_err(sql)?;
    text.parse().map_err(|_| sql_text("bulk threshold".into()))
}

fn count_members(conn: &Connection) -> Check<u64> {
    conn.query_row(
        "SELECT count(*) FROM signer WHERE role = 'commission_member' AND revoked_at IS NULL AND proposal IS NULL",
        [],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n as u64)
    .map_err(sql)
}

struct Tally {
    approvals: u64,
    rejections: u64,
    parties: u64,
}

fn tally(conn: &Connection, proposal: &str) -> Check<Tally> {
    conn.query_row(
        "SELECT
            sum(d.verdict = 'approve'),
            sum(d.verdict = 'reject'),
            count(DISTINCT CASE WHEN d.verdict = 'approve' THEN s.party END)
         FROM decision d JOIN signer s ON s.name = d.member WHERE d.proposal = ?1",
        [proposal],
        |r| {
            Ok(Tally {
                approvals: r.get::<_, Option<i64>>(0)?.unwrap_or(0) as u64,
                rejections: r.get::<_, Option<i64>>(1)?.unwrap_or(0) as u64,
                parties: r.get::<_, i64>(2)? as u64,
            })
        },
    )
    .map_err(sql)
}

fn set_status(
    conn: &Connection,
    proposal: &str,
    status: &str,
    index: u64,
    outcome: &str,
) -> Check<()> {
    conn.execute(
        "UPDATE proposal SET status = ?2, decided_at = ?3, outcome = ?4 WHERE id = ?1",
        params![proposal, status, index as i64, outcome],
    )
    .map_err(sql)?;
    Ok(())
}

/// Under `every_party_asked`, the proposal must name at least one member of every party that
/// has members.
fn check_asked(conn: &Connection, asked: &[String]) -> Check<()> {
    let mut stmt = conn
        .prepare(
            "SELECT DISTINCT party FROM signer WHERE role = 'commission_member' AND party IS NOT NULL
             AND revoked_at IS NULL AND proposal IS NULL ORDER BY party",
        )
        .map_err(sql)?;
    let parties: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .map_err(sql)?
        .collect::<Result<_, _>>()
        .map_err(sql)?;
    for party in parties {
        let mut found = false;
        for name in asked {
            if let Some((s, None, None)) = signer(conn, name)?
                && s.role == Role::CommissionMember
                && s.party.as_deref() == Some(party.as_str())
            {
                found = true;
                break;
            }
        }
        if !found {
            return refuse(
                "body.asked",
                format!(
                    "the rule requires asking members of every party; no member of {party} is asked"
                ),
            );
        }
    }
    Ok(())
}

fn check_rule(conn: &Connection, r: &Rule, path: &str) -> Check<()> {
    let members = count_members(conn)?;
    let parties: i64 = conn
        .query_row("SELECT count(*) FROM party", [], |r| r.get(0))
        .map_err(sql)?;
    if r.min_approvals == 0 {
        return refuse(
            format!("{path}.min_approvals"),
            "at least one approval is needed",
        );
    }
    if u64::from(r.min_approvals) > members {
        return refuse(
            format!("{path}.min_approvals"),
            format!(
                "{} approvals can never be reached by {members} members",
                r.min_approvals
            ),
        );
    }
    if i64::from(r.min_parties) > parties {
        return refuse(
            format!("{path}.min_parties"),
            format!(
                "{} parties can never be reached with {parties} parties",
                r.min_parties
            ),
        );
    }
    Ok(())
}

fn certify(conn: &Connection, c: &Certify, index: u64, proposal: &str) -> Check<()> {
    let p = "body.action.certify";
    // Every station under the area, official forms only.
    let (valid, invalid, stations, forms): (i64, i64, i64, i64) = conn
        .query_row(
            "WITH RECURSIVE under(code) AS (
                SELECT ?1 UNION ALL SELECT a.code FROM area a JOIN under u ON a.parent = u.code
             )
             SELECT coalesce(sum(f.valid), 0), coalesce(sum(f.invalid), 0),
                    (SELECT count(*) FROM station s WHERE s.area IN under AND s.proposal IS NULL),
                    count(f.station)
             FROM station s JOIN result_form f ON f.station = s.code
             WHERE s.area IN under AND s.proposal IS NULL AND f.contest = ?2 AND f.source = 'official' AND f.proposal IS NULL",
            params![c.area, c.contest],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .map_err(sql)?;
    if forms < stations {
        return refuse(
            format!("{p}.area"),
            format!(
                "{} of {stations} stations in {:?} have no official result form",
                stations - forms,
                c.area
            ),
        );
    }
    let mut stmt = conn
        .prepare(
            "WITH RECURSIVE under(code) AS (
                SELECT ?1 UNION ALL SELECT a.code FROM area a JOIN under u ON a.parent = u.code
             )
             SELECT v.choice, sum(v.votes) FROM station s
             JOIN result_form f ON f.station = s.code
             JOIN result_vote v ON v.station = f.station AND v.contest = f.contest AND v.source = f.source
             WHERE s.area IN under AND s.proposal IS NULL AND f.contest = ?2 AND f.source = 'official' AND f.proposal IS NULL
             GROUP BY v.choice ORDER BY v.choice",
        )
        .map_err(sql)?;
    let totals: std::collections::BTreeMap<String, u64> = stmt
        .query_map(params![c.area, c.contest], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
        })
        .map_err(sql)?
        .collect::<Result<_, _>>()
        .map_err(sql)?;
    let claimed: std::collections::BTreeMap<String, u64> = c
        .totals
        .iter()
        .filter(|(_, v)| **v > 0)
        .map(|(k, v)| (k.clone(), *v))
        .collect();
    let counted: std::collections::BTreeMap<String, u64> =
        totals.into_iter().filter(|(_, v)| *v > 0).collect();
    if claimed != counted || c.valid != valid as u64 || c.invalid != invalid as u64 {
        return refuse(
            format!("{p}.totals"),
            format!(
                "the official forms add up to valid {valid}, invalid {invalid}, votes {counted:?}; the certification says valid {}, invalid {}, votes {claimed:?}",
                c.valid, c.invalid
            ),
        );
    }
    conn.execute(
        "INSERT INTO certification(contest, area, idx, proposal, valid, invalid, totals) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT(contest, area) DO UPDATE SET idx = excluded.idx, proposal = excluded.proposal,
         valid = excluded.valid, invalid = excluded.invalid, totals = excluded.totals",
        params![
            c.contest,
            c.area,
            index as i64,
            proposal,
            c.valid as i64,
            c.invalid as i64,
            serde_json::to_string(&c.totals).expect("totals")
        ],
    )
    .map_err(sql)?;
    Ok(())
}

fn decode_hash(b64: &str) -> Option<tlog::Hash> {
    let raw = BASE64_STANDARD.decode(b64).ok()?;
    Some(tlog::Hash(raw.try_into().ok()?))
}

/// Checks a genesis on its own: names unique, keys well formed, the rule reachable.
pub fn validate_genesis(g: &Genesis) -> Check<()> {
    let p = "body";
    if g.election.trim().is_empty() {
        return refuse(format!("{p}.election"), "the election needs a name");
    }
    if g.members.is_empty() {
        return refuse(format!("{p}.members"), "the commission needs members");
    }
    let mut parties = BTreeSet::new();
    for (i, party) in g.parties.iter().enumerate() {
        if !parties.insert(party.id.as_str()) {
            return refuse(
                format!("{p}.parties[{i}].id"),
                format!("party {:?} is listed twice", party.id),
            );
        }
    }
    let mut names = BTreeSet::new();
    let mut keys = BTreeSet::new();
    for (i, m) in g.members.iter().enumerate() {
        let path = format!("{p}.members[{i}]");
        if !names.insert(m.name.as_str()) {
            return refuse(
                format!("{path}.name"),
                format!("{:?} is listed twice", m.name),
            );
        }
        let key =
            Vkey::parse(&m.vkey).or_else(|e| refuse(format!("{path}.vkey"), e.to_string()))?;
        if key.kind != TYPE_ED25519 || key.name != m.name {
            return refuse(
                format!("{path}.vkey"),
                format!("want an Ed25519 key named {:?}", m.name),
            );
        }
        if !keys.insert(key.public) {
            return refuse(format!("{path}.vkey"), "two members share one key");
        }
        if let Some(party) = &m.party
            && !parties.contains(party.as_str())
        {
            return refuse(format!("{path}.party"), format!("unknown party {party:?}"));
        }
    }
    for (i, k) in g.keys.iter().enumerate() {
        enrol_form(k, &format!("{p}.keys[{i}]"))?;
        if !names.insert(k.name.as_str()) {
            return refuse(
                format!("{p}.keys[{i}].name"),
                format!("{:?} is listed twice", k.name),
            );
        }
        if let Some(party) = &k.party
            && !parties.contains(party.as_str())
        {
            return refuse(
                format!("{p}.keys[{i}].party"),
                format!("unknown party {party:?}"),
            );
        }
        if k.role == Role::CommissionMember {
            return refuse(
                format!("{p}.keys[{i}].role"),
                "founding members are listed under members",
            );
        }
        if let Scope::Areas(_) = k.scope {
            return refuse(
                format!("{p}.keys[{i}].scope"),
                "keys enrolled at genesis act everywhere (no areas exist yet); enrol area-bound keys later",
            );
        }
    }
    let member_parties: BTreeSet<&str> = g
        .members
        .iter()
        .filter_map(|m| m.party.as_deref())
        .collect();
    if g.rule.min_approvals == 0 || g.rule.min_approvals as usize > g.members.len() {
        return refuse(
            format!("{p}.rule.min_approvals"),
            format!("must be between 1 and the {} members", g.members.len()),
        );
    }
    if g.rule.min_parties as usize > member_parties.len() {
        return refuse(
            format!("{p}.rule.min_parties"),
            format!("only {} parties have members", member_parties.len()),
        );
    }
    if g.levels.is_empty() {
        return refuse(format!("{p}.levels"), "name at least one area level");
    }
    let levels: BTreeSet<&str> = g.levels.iter().map(String::as_str).collect();
    if levels.len() != g.levels.len() {
        return refuse(format!("{p}.levels"), "level names must differ");
    }
    let mut contests = BTreeSet::new();
    for (i, c) in g.contests.iter().enumerate() {
        let path = format!("{p}.contests[{i}]");
        if !contests.insert(c.id.as_str()) {
            return refuse(
                format!("{path}.id"),
                format!("contest {:?} is listed twice", c.id),
            );
        }
        if !levels.contains(c.constituency_level.as_str()) {
            return refuse(
                format!("{path}.constituency_level"),
                format!("{:?} is not one of the levels", c.constituency_level),
            );
        }
        let mut choices = BTreeSet::new();
        for (j, ch) in c.choices.iter().enumerate() {
            if !choices.insert(ch.id.as_str()) {
                return refuse(
                    format!("{path}.choices[{j}].id"),
                    format!("{:?} is listed twice", ch.id),
                );
            }
            if ch.id.chars().any(|c| u32::from(c) > 0xFFFF) {
                return refuse(
                    format!("{path}.choices[{j}].id"),
                    "ids use characters of the Basic Multilingual Plane only",
                );
            }
            if let Some(party) = &ch.party
                && !parties.contains(party.as_str())
            {
                return refuse(
                    format!("{path}.choices[{j}].party"),
                    format!("unknown party {party:?}"),
                );
            }
        }
        if c.choices.is_empty() {
            return refuse(format!("{path}.choices"), "a contest needs choices");
        }
        for (area, seats) in &c.seats {
            if *seats == 0 {
                return refuse(
                    format!("{path}.seats.{area}"),
                    "a constituency elects at least one member",
                );
            }
        }
    }
    Ok(())
}
