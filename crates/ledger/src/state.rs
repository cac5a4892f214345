//! The SQLite projection of an election's state, and its digest.
//!
//! The tables live in the same database as the log (`log.db`), so appending an entry and
//! applying it are one transaction. Rows that belong to a governed batch still awaiting
//! approval carry the proposal's id in their `proposal` column; they take effect (the column
//! becomes NULL) when the approval rule is met. Queries of effective state filter on
//! `proposal IS NULL`, except for `voter` (below).
//!
//! `voter` holds each voter as they stand. Its `proposal` is the exception to the rule above:
//! it names the governed batch that registered the voter and stays set after the batch is
//! approved, so that approving millions of registrations rewrites no voter row. A voter is on
//! the roll in effect when `proposal` is NULL (registered directly) or names a proposal whose
//! `status` is `applied`; while that proposal is `pending` the voter is staged, and a rejected
//! or failed batch's voters are deleted. A voter's registration is read from this row: it took
//! effect at `registered_at` (the entry) when `proposal` is NULL, else at the proposal's
//! `decided_at` (the approval that applied the batch), at the station the voter's first later
//! change started from, or their station now if there is none. `voter_event` keeps every
//! other change to the roll that took effect, one row per voter and change: `idx` is the log
//! index at which it took effect (the entry itself, or the approval that met the rule),
//! `entry` the entry that carried it, `kind` one of `update`, `transfer`, `remove`,
//! `reinstate`, the station before and after, the fields an update changed (comma-separated),
//! the reason and evidence hash of a removal, and the governing proposal (whose approvers are
//! in `decision`). Registrations are not copied into it: at national scale that would be
//! millions of rows written twice. The roll at any log size N is the last change before N of
//! each voter, the registration included (`crate::report::voter_history`). `removal` holds the removals of a
//! governed batch while it awaits approval.
//!
//! `flag` holds the public flags: evidence that something is wrong, recorded beside the entry
//! that shows it, never a reason to refuse that entry (see [`crate::fold`]'s flags module and
//! `docs/flags.md`). `idx` is the entry flagged, `kind` a short stable word, `raised_at` the
//! entry whose fold raised it (the same entry, or a later one such as a witnessed checkpoint),
//! the station and area concerned where there is one, and a JSON `detail`. `form_version`
//! keeps every version of an amended result form (version 1 the form as first filed);
//! `result_form` holds the version in effect. `witnessed` is one row per cosignature of a
//! recorded checkpoint: the entries below `size` existed no later than `time` (seconds since
//! the Unix epoch) by `witness`. `claimed_time` is the time an event's author claims, for the
//! events that carry one, kept so that a later checkpoint can judge it.
//! The poll book (`docs/pollbook.md`): `pseudonym_list` is one row per entry of a station's
//! published list (its log index, the station, how many pseudonyms it holds, and the proposal
//! that stages it until the commission approves the batch); `pseudonym` every pseudonym on the
//! lists (the 32-byte HMAC and the `idx` of its list entry, in effect when that list row is)
//! and its first check-in (`first_*`: station, check-in id, claimed time, log index), kept in
//! station order so that a station's check-ins touch a few pages of it, not one page each, and
//! found by pseudonym through `pseudonym_unique`; `checkin` each ballot handed out, counted once
//! per station and check-in id, `presented` being `0x00` and the 32-byte pseudonym or `0x01`
//! and the card number; `first_checkin` the first check-in of each card and of each pseudonym
//! on no list in effect (a small table); `temporary_card` each card issued, with the UTC day
//! of its claimed time, the proposal that governed it (`governed_by`) and whether it was issued
//! directly above the officer's daily threshold; `checkin_alert` every alert the poll book
//! raised (a second check-in, a pseudonym not on the station's list, a conflicting re-sent
//! check-in, a card misused or issued above the threshold), keyed by the log index of the entry
//! that raised it, the position in it and the kind. Alerts name check-ins, never voters.
//!
//! Observers (`docs/observer-forms.md`): `observer_form` every version of every form an
//! organisation recorded (with the definition file it came in), `observer_report` each
//! checklist and incident as the `observer` crate's value (signed, or read from an SMS, with
//! its `seq` in the entry), keyed so that one station's checklists are together for the merge;
//! `sms_sender` the HMAC of each registered observer's number and their station;
//! `sms_message` every message a gateway recorded, with the reading derived in the fold
//! (`status`, `reply`), keyed by sender and `repeat_key` (the message after reading) so that a
//! repeat within 12 hours is found.
//!
//! The state digest is the hex SHA-256 of, for every table in a fixed order (`DIGEST_TABLES`,
//! `election` first, `pseudonym_list` last), the table's name, a newline, the hex SHA-256 of
//! its rows and a newline. A table's rows are hashed in primary-key order, each written as the
//! canonical JSON array of its values followed by a newline: NULL as `null`, an integer in
//! decimal, text as the JSON string `serde_json` writes, a blob as a string of lowercase hex;
//! an empty table hashes nothing. Since each table is hashed on its own, the digest can be
//! taken on two cores ([`digest_sharing`], [`digest_at_size`]). Replaying the published log
//! must give the operator's digest exactly.

use rusqlite::Connection;
use rusqlite::types::ValueRef;
use sha2::{Digest, Sha256};
use std::io::Write as _;
use std::path::Path;
use tlog::{SqliteStorage, Storage as _};

pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS election(
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS party(
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS contest(
    id TEXT PRIMARY KEY,
    body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS signer(
    name TEXT PRIMARY KEY,
    vkey TEXT NOT NULL,
    role TEXT NOT NULL,
    party TEXT,
    organisation TEXT,
    person TEXT,
    scope TEXT NOT NULL,
    enrolled_at INTEGER NOT NULL,
    revoked_at INTEGER,
    proposal TEXT);
CREATE TABLE IF NOT EXISTS area(
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    level INTEGER NOT NULL,
    parent TEXT,
    top TEXT NOT NULL,
    proposal TEXT);
CREATE TABLE IF NOT EXISTS station(
    code TEXT PRIMARY KEY,
    name TEXT,
    area TEXT NOT NULL,
    top TEXT NOT NULL,
    registered INTEGER,
    proposal TEXT);
CREATE TABLE IF NOT EXISTS voter(
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    family TEXT,
    given TEXT,
    family_latin TEXT,
    given_latin TEXT,
    sex TEXT NOT NULL,
    birth_year INTEGER NOT NULL,
    station TEXT NOT NULL,
    commitment TEXT,
    registered_at INTEGER NOT NULL,
    removed_at INTEGER,
    removal_reason TEXT,
    proposal TEXT) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS voter_event(
    voter TEXT NOT NULL,
    idx INTEGER NOT NULL,
    entry INTEGER NOT NULL,
    kind TEXT NOT NULL,
    station_before TEXT,
    station_after TEXT,
    fields TEXT,
    reason TEXT,
    evidence TEXT,
    proposal TEXT,
    PRIMARY KEY (voter, idx)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS removal(
    proposal TEXT NOT NULL,
    voter TEXT NOT NULL,
    idx INTEGER NOT NULL,
    reason TEXT NOT NULL,
    evidence TEXT NOT NULL,
    PRIMARY KEY (proposal, voter));
CREATE TABLE IF NOT EXISTS proposal(
    id TEXT PRIMARY KEY,
    idx INTEGER NOT NULL,
    author TEXT NOT NULL,
    action TEXT NOT NULL,
    body TEXT NOT NULL,
    area TEXT,
    status TEXT NOT NULL,
    decided_at INTEGER,
    outcome TEXT);
CREATE TABLE IF NOT EXISTS decision(
    proposal TEXT NOT NULL,
    member TEXT NOT NULL,
    verdict TEXT NOT NULL,
    idx INTEGER NOT NULL,
    reason TEXT,
    PRIMARY KEY (proposal, member));
CREATE TABLE IF NOT EXISTS batch(
    id TEXT PRIMARY KEY,
    idx INTEGER NOT NULL,
    author TEXT NOT NULL,
    content TEXT NOT NULL,
    count INTEGER NOT NULL,
    proposal TEXT);
CREATE TABLE IF NOT EXISTS result_form(
    station TEXT NOT NULL,
    contest TEXT NOT NULL,
    source TEXT NOT NULL,
    idx INTEGER NOT NULL,
    author TEXT NOT NULL,
    registered INTEGER,
    ballots_received INTEGER,
    ballots_issued INTEGER,
    spoiled INTEGER,
    unused INTEGER,
    valid INTEGER NOT NULL,
    invalid INTEGER NOT NULL,
    photos TEXT,
    proposal TEXT,
    PRIMARY KEY (station, contest, source));
CREATE TABLE IF NOT EXISTS result_vote(
    station TEXT NOT NULL,
    contest TEXT NOT NULL,
    source TEXT NOT NULL,
    choice TEXT NOT NULL,
    votes INTEGER NOT NULL,
    PRIMARY KEY (station, contest, source, choice));
CREATE TABLE IF NOT EXISTS certification(
    contest TEXT NOT NULL,
    area TEXT NOT NULL,
    idx INTEGER NOT NULL,
    proposal TEXT NOT NULL,
    valid INTEGER NOT NULL,
    invalid INTEGER NOT NULL,
    totals TEXT NOT NULL,
    PRIMARY KEY (contest, area));
CREATE TABLE IF NOT EXISTS audit(
    id TEXT PRIMARY KEY,
    author TEXT NOT NULL,
    purpose TEXT NOT NULL,
    draw TEXT,
    commitment TEXT NOT NULL,
    committed_at INTEGER NOT NULL,
    salt TEXT,
    seed TEXT,
    revealed_at INTEGER);
CREATE TABLE IF NOT EXISTS audit_sample(
    audit TEXT NOT NULL,
    round INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    draws TEXT NOT NULL,
    PRIMARY KEY (audit, round));
CREATE TABLE IF NOT EXISTS refusal(
    idx INTEGER PRIMARY KEY,
    reason TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS flag(
    idx INTEGER NOT NULL,
    kind TEXT NOT NULL,
    raised_at INTEGER NOT NULL,
    station TEXT,
    area TEXT,
    detail TEXT NOT NULL,
    PRIMARY KEY (idx, kind));
CREATE TABLE IF NOT EXISTS form_version(
    station TEXT NOT NULL,
    contest TEXT NOT NULL,
    source TEXT NOT NULL,
    version INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    amended_at INTEGER,
    proposal TEXT,
    reason TEXT,
    body TEXT NOT NULL,
    PRIMARY KEY (station, contest, source, version));
CREATE TABLE IF NOT EXISTS witnessed(
    idx INTEGER NOT NULL,
    witness TEXT NOT NULL,
    size INTEGER NOT NULL,
    time INTEGER NOT NULL,
    PRIMARY KEY (idx, witness));
CREATE TABLE IF NOT EXISTS claimed_time(
    idx INTEGER PRIMARY KEY,
    time INTEGER NOT NULL,
    station TEXT);
CREATE TABLE IF NOT EXISTS pseudonym(
    station TEXT NOT NULL,
    pseudonym BLOB NOT NULL,
    idx INTEGER NOT NULL,
    first_station TEXT,
    first_checkin TEXT,
    first_at INTEGER,
    first_idx INTEGER,
    PRIMARY KEY (station, pseudonym)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS checkin(
    station TEXT NOT NULL,
    id TEXT NOT NULL,
    at INTEGER NOT NULL,
    presented BLOB NOT NULL,
    idx INTEGER NOT NULL,
    PRIMARY KEY (station, id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS first_checkin(
    presented BLOB PRIMARY KEY,
    station TEXT NOT NULL,
    checkin TEXT NOT NULL,
    at INTEGER NOT NULL,
    idx INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS temporary_card(
    card TEXT PRIMARY KEY,
    station TEXT NOT NULL,
    voter TEXT,
    registrant TEXT,
    basis TEXT NOT NULL,
    evidence TEXT NOT NULL,
    officer TEXT NOT NULL,
    at INTEGER NOT NULL,
    day INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    governed_by TEXT,
    over_threshold INTEGER NOT NULL,
    proposal TEXT);
CREATE TABLE IF NOT EXISTS checkin_alert(
    idx INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    station TEXT NOT NULL,
    checkin TEXT,
    at INTEGER NOT NULL,
    other_station TEXT,
    other_checkin TEXT,
    other_at INTEGER,
    other_idx INTEGER,
    detail TEXT,
    PRIMARY KEY (idx, seq, kind));
CREATE TABLE IF NOT EXISTS observer_form(
    organisation TEXT NOT NULL,
    prefix TEXT NOT NULL,
    version INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    kind TEXT NOT NULL,
    schedule TEXT,
    file TEXT NOT NULL,
    definition TEXT NOT NULL,
    PRIMARY KEY (organisation, prefix, version));
CREATE TABLE IF NOT EXISTS observer_report(
    station TEXT NOT NULL,
    form TEXT NOT NULL,
    version INTEGER NOT NULL,
    observer TEXT NOT NULL,
    idx INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    organisation TEXT NOT NULL,
    schedule TEXT,
    category INTEGER,
    severity TEXT,
    at INTEGER NOT NULL,
    channel TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (station, form, version, observer, idx, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sms_sender(
    sender TEXT PRIMARY KEY,
    observer TEXT NOT NULL,
    station TEXT NOT NULL,
    idx INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS sms_message(
    sender TEXT NOT NULL,
    repeat_key TEXT NOT NULL,
    idx INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    gateway TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    text TEXT NOT NULL,
    status TEXT NOT NULL,
    reply TEXT NOT NULL,
    PRIMARY KEY (sender, repeat_key, idx, seq)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS card_officer_day ON temporary_card(officer, day);
CREATE INDEX IF NOT EXISTS pending_card ON temporary_card(proposal) WHERE proposal IS NOT NULL;
CREATE INDEX IF NOT EXISTS voter_event_idx ON voter_event(idx);
CREATE INDEX IF NOT EXISTS station_top ON station(top);
CREATE INDEX IF NOT EXISTS pending_station ON station(proposal) WHERE proposal IS NOT NULL;
CREATE INDEX IF NOT EXISTS pending_area ON area(proposal) WHERE proposal IS NOT NULL;
CREATE INDEX IF NOT EXISTS pending_form ON result_form(proposal) WHERE proposal IS NOT NULL;
CREATE INDEX IF NOT EXISTS pending_signer ON signer(proposal) WHERE proposal IS NOT NULL;
CREATE INDEX IF NOT EXISTS flag_kind ON flag(kind);
CREATE INDEX IF NOT EXISTS claimed_time_time ON claimed_time(time);
CREATE TABLE IF NOT EXISTS complaint(
    idx INTEGER PRIMARY KEY,
    author TEXT NOT NULL,
    station TEXT,
    area TEXT NOT NULL,
    category TEXT NOT NULL,
    text TEXT NOT NULL,
    evidence TEXT,
    claimed INTEGER,
    investigate_within INTEGER NOT NULL,
    decide_within INTEGER NOT NULL,
    status TEXT NOT NULL,
    witnessed INTEGER,
    investigation TEXT,
    investigated_at INTEGER,
    decision TEXT,
    decided_at INTEGER,
    acted_witnessed INTEGER,
    decided_witnessed INTEGER,
    investigation_overdue_at INTEGER,
    decision_overdue_at INTEGER);
CREATE TABLE IF NOT EXISTS pseudonym_list(
    idx INTEGER PRIMARY KEY,
    station TEXT NOT NULL,
    count INTEGER NOT NULL,
    proposal TEXT);
CREATE INDEX IF NOT EXISTS pending_pseudonym_list ON pseudonym_list(proposal) WHERE proposal IS NOT NULL;
";

/// Indexes that a replay into a new state builds once, after the fold, from the whole table
/// (a sort) rather than entry by entry: `pseudonym_unique` holds 9.7M random keys at national
/// scale, each insert a cache miss. Until it exists the fold finds a pseudonym through its own
/// map ([`crate::fold::Fold::index_lists_in_memory`]).
///
/// Deliberately absent: an index of voters by station or by proposal. Each would cost every
/// registration a second insert at intake and a replay a sort of the whole roll (5 and 7 s at
/// national scale), for queries that read the roll through once anyway: the voters registered
/// by area (`crate::report::roll_by_area`, one pass), and the voters a rejected batch of
/// registrations staged, deleted by proposal (a rare governed decision; one pass over the
/// roll, about a second at national scale).
pub const DEFERRED: &str = "
CREATE UNIQUE INDEX IF NOT EXISTS pseudonym_unique ON pseudonym(pseudonym);
";

/// Names the digest's format (the module documentation), for caches of a recorded state's
/// digest: it changes whenever the same tables would give another digest.
pub const DIGEST_FORMAT: &str = "tables hashed one by one, 2026-12-06";

/// Tables and their primary-key order, as hashed into the digest.
const DIGEST_TABLES: &[(&str, &str)] = &[
    ("election", "key"),
    ("party", "id"),
    ("contest", "id"),
    ("signer", "name"),
    ("area", "code"),
    ("station", "code"),
    ("voter", "id"),
    ("voter_event", "voter, idx"),
    ("removal", "proposal, voter"),
    ("proposal", "id"),
    ("decision", "proposal, member"),
    ("batch", "id"),
    ("result_form", "station, contest, source"),
    ("result_vote", "station, contest, source, choice"),
    ("certification", "contest, area"),
    ("audit", "id"),
    ("audit_sample", "audit, round"),
    ("refusal", "idx"),
    ("flag", "idx, kind"),
    ("form_version", "station, contest, source, version"),
    ("witnessed", "idx, witness"),
    ("claimed_time", "idx"),
    ("pseudonym", "station, pseudonym"),
    ("checkin", "station, id"),
    ("first_checkin", "presented"),
    ("temporary_card", "card"),
    ("checkin_alert", "idx, seq, kind"),
    ("observer_form", "organisation, prefix, version"),
    (
        "observer_report",
        "station, form, version, observer, idx, seq",
    ),
    ("sms_sender", "sender"),
    ("sms_message", "sender, repeat_key, idx, seq"),
    ("complaint", "idx"),
    ("pseudonym_list", "idx"),
];

/// The page cache of the operator's state connection. Pseudonyms are random keys, so the poll
/// book's tables are read and written all over: with SQLite's default 2 MB cache every
/// check-in would read pages back from disk, and intake would slow as the tables grow.
pub const CACHE_BYTES: i64 = 512 << 20;

/// Sets up the operator's connection for intake: the page cache above, savepoints (a batch
/// is one) journalled in memory rather than in a temporary file, and [`stable_plans`].
pub fn tune(conn: &Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "cache_size", -(CACHE_BYTES >> 10))?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    stable_plans(conn)
}

/// Query plans that do not depend on the values bound to a statement. Without this SQLite
/// may mark a plan as depending on a parameter (one compared with a column no index covers,
/// when it holds 0 or 1, say) and then parse and plan the statement again each time a new
/// value is bound: the fold's search for an observer's conflicting checklists was prepared
/// afresh for every checklist, a tenth of the intake thread's time under load. The fold's
/// statements name their indexes by their shape, not by the values they are given.
pub fn stable_plans(conn: &Connection) -> rusqlite::Result<()> {
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )
    .map(|_| ())
}

/// Creates the state tables and their indexes if they are missing.
pub fn create(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(SCHEMA)?;
    conn.execute_batch(DEFERRED)
}

/// Creates the state tables of a new state without the [`DEFERRED`] indexes, which the caller
/// builds with [`create_deferred`] once the fold is done.
pub fn create_deferring(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(SCHEMA)
}

/// Builds the indexes [`create_deferring`] left out.
pub fn create_deferred(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(DEFERRED)
}

/// The state digest (hex SHA-256), see the module documentation. This thread reads the rows
/// and copies their values out as they are ([`copy_row`]); another writes them as the digest
/// hashes them and hashes that, in blocks: writing and hashing are more than half the work,
/// and the digest of a national state reads tens of millions of rows.
pub fn digest(conn: &Connection) -> rusqlite::Result<String> {
    digest_knowing(conn, &[])
}

/// [`digest`], with the hashes of some tables already known ([`TableRows`]): those tables
/// are not read.
pub fn digest_knowing(conn: &Connection, known: &[KnownTable]) -> rusqlite::Result<String> {
    enum Part {
        Block(Vec<u8>),
        End,
        Known([u8; 32]),
    }
    let (tx, rx) = std::sync::mpsc::sync_channel::<Part>(4);
    let (spare_tx, spare) = std::sync::mpsc::channel::<Vec<u8>>();
    std::thread::scope(|s| {
        let hasher = s.spawn(move || {
            let mut tables = Vec::with_capacity(DIGEST_TABLES.len());
            let mut h = Sha256::new();
            let mut written = new_block();
            for part in rx {
                match part {
                    Part::Block(copied) => {
                        write_copied(&copied, &mut written, &mut |block| {
                            h.update(&*block);
                            block.clear();
                        });
                        let _ = spare_tx.send(copied);
                    }
                    Part::End => tables.push(std::mem::take(&mut h).finalize().into()),
                    Part::Known(hash) => tables.push(hash),
                }
            }
            tables
        });
        let written = (|| {
            let mut block = new_block();
            for table in 0..DIGEST_TABLES.len() {
                if let Some(k) = known.iter().find(|k| k.table == table) {
                    let _ = tx.send(Part::Known(k.hash));
                    continue;
                }
                let flush = &mut |block: &mut Vec<u8>| {
                    let mut next = spare.try_recv().unwrap_or_else(|_| new_block());
                    next.clear();
                    // The hashing thread only stops when this side hangs up.
                    let _ = tx.send(Part::Block(std::mem::replace(block, next)));
                };
                read_table(conn, table, &mut block, flush, copy_row)?;
                let _ = tx.send(Part::End);
            }
            Ok(())
        })();
        drop(tx);
        let tables = hasher.join().expect("the digest's hashing thread panicked");
        written.map(|()| combine(&tables))
    })
}

/// The state digest (as [`digest`] gives it) taken on two cores. This thread runs `first` (a
/// replay builds its deferred indexes there) and then hashes tables through `here`, while a
/// thread of its own hashes tables through `other`, a second connection to the same state
/// (which it closes when done); each takes the next table left, the largest first, so both
/// finish at about the same time. `first` must not change what the tables hold.
pub fn digest_sharing(
    here: &Connection,
    first: impl FnOnce() -> rusqlite::Result<()>,
    other: Connection,
    known: &[KnownTable],
) -> rusqlite::Result<String> {
    sharing(here, first, other, |c| c, known)
}

/// The hash of one table's rows as the digest takes it, from whoever holds the rows in the
/// order the digest reads them (its primary key's): a replay writes the lists' pseudonyms
/// from memory, sorted, and hashes them on another core as it goes, so that the digest need
/// not read 9.7M rows back. The rows must be exactly the table's, values in column order.
pub struct TableRows {
    table: usize,
    hash: Sha256,
    block: Vec<u8>,
}

/// A table's hash, known before the digest is taken ([`TableRows::finish`]).
pub struct KnownTable {
    table: usize,
    hash: [u8; 32],
}

impl TableRows {
    /// For the table `name`; `None` if the digest does not cover it.
    pub fn new(name: &str) -> Option<TableRows> {
        let table = DIGEST_TABLES.iter().position(|(t, _)| *t == name)?;
        Some(TableRows {
            table,
            hash: Sha256::new(),
            block: new_block(),
        })
    }

    /// The next row.
    pub fn row(&mut self, values: &[ValueRef<'_>]) {
        if self.block.len() >= DIGEST_BLOCK {
            self.hash.update(&self.block);
            self.block.clear();
        }
        write_row(&mut self.block, values.iter().copied());
    }

    pub fn finish(mut self) -> KnownTable {
        self.hash.update(&self.block);
        KnownTable {
            table: self.table,
            hash: self.hash.finalize().into(),
        }
    }
}

/// A read-only connection of its own to a log database, for [`digest_at_size`].
pub struct SecondReader {
    storage: SqliteStorage,
    size: Option<u64>,
}

impl SecondReader {
    /// Opens the log database at `path` for reading; `None` when it cannot be opened (the
    /// digest is then taken on one connection). Open it before the caller's read transaction
    /// begins and [`begin`](Self::begin) right after that transaction's first read, so that
    /// both see the same commit.
    pub fn open(path: &Path) -> Option<SecondReader> {
        let storage = SqliteStorage::open_read_only(path).ok()?;
        Some(SecondReader {
            storage,
            size: None,
        })
    }

    /// Begins its read transaction, and reads the log's size there.
    pub fn begin(&mut self) {
        self.size = self
            .storage
            .connection()
            .execute_batch("BEGIN")
            .ok()
            .and_then(|()| self.storage.tree_head().ok())
            .map(|head| head.size);
    }

    /// The log's size in its read transaction, once begun.
    pub fn size(&self) -> Option<u64> {
        self.size
    }
}

/// The state digest of a log database as `conn` reads it, in a read transaction at log size
/// `size` (the operator's snapshot), taken on two cores as [`digest_sharing`] takes it, with
/// `second` as the other connection. Intake appends an entry and applies it in one
/// transaction, so one log size is one state: when `second` sees another size (intake
/// committed between the two transactions' first reads), or there is none, the digest is
/// taken through `conn` alone.
pub fn digest_at_size(
    conn: &Connection,
    size: u64,
    second: Option<SecondReader>,
) -> rusqlite::Result<String> {
    match second.filter(|s| s.size == Some(size)) {
        Some(second) => sharing(
            conn,
            || Ok(()),
            second.storage,
            SqliteStorage::connection,
            &[],
        ),
        None => digest(conn),
    }
}

/// [`digest_sharing`] with the second connection inside `other`.
fn sharing<O: Send>(
    here: &Connection,
    first: impl FnOnce() -> rusqlite::Result<()>,
    other: O,
    connection: impl Fn(&O) -> &Connection + Sync,
    known: &[KnownTable],
) -> rusqlite::Result<String> {
    let mut order = largest_first();
    order.retain(|t| !known.iter().any(|k| k.table == *t));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let failed = std::sync::atomic::AtomicBool::new(false);
    let mut hashes = vec![[0u8; 32]; DIGEST_TABLES.len()];
    for k in known {
        hashes[k.table] = k.hash;
    }
    let hashes = std::sync::Mutex::new(hashes);
    let work = |conn: &Connection| -> rusqlite::Result<()> {
        use std::sync::atomic::Ordering::Relaxed;
        let mut block = new_block();
        while !failed.load(Relaxed) {
            let Some(&table) = order.get(next.fetch_add(1, Relaxed)) else {
                return Ok(());
            };
            let mut h = Sha256::new();
            let flush = &mut |block: &mut Vec<u8>| {
                h.update(&*block);
                block.clear();
            };
            let written = read_table(conn, table, &mut block, flush, write_row_read);
            if let Err(e) = written {
                failed.store(true, Relaxed);
                return Err(e);
            }
            hashes.lock().unwrap_or_else(|p| p.into_inner())[table] = h.finalize().into();
        }
        Ok(())
    };
    let (theirs, ours) = std::thread::scope(|s| {
        let theirs = std::thread::Builder::new()
            .name("state-digest".into())
            .spawn_scoped(s, || {
                let other = other;
                work(connection(&other))
            })
            .expect("starting the digest thread");
        let ours = first().and_then(|()| work(here));
        if ours.is_err() {
            failed.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        (theirs.join().expect("the digest thread panicked"), ours)
    });
    ours?;
    theirs?;
    Ok(combine(
        &hashes.into_inner().unwrap_or_else(|p| p.into_inner()),
    ))
}

/// The indexes into [`DIGEST_TABLES`] in the order [`digest_sharing`] takes them: the four
/// tables of millions of rows at national scale first (the roll and its history, the lists'
/// pseudonyms, the check-ins), then the rest.
fn largest_first() -> Vec<usize> {
    const LARGE: [&str; 4] = ["voter", "voter_event", "pseudonym", "checkin"];
    let position = |name: &str| DIGEST_TABLES.iter().position(|(t, _)| *t == name);
    let large = LARGE.iter().filter_map(|name| position(name));
    let rest = (0..DIGEST_TABLES.len()).filter(|t| !LARGE.contains(&DIGEST_TABLES[*t].0));
    large.chain(rest).collect()
}

/// The digest of the state from the digests of its tables, in [`DIGEST_TABLES`] order.
fn combine(tables: &[[u8; 32]]) -> String {
    let mut h = Sha256::new();
    for ((name, _), table) in DIGEST_TABLES.iter().zip(tables) {
        h.update(name.as_bytes());
        h.update(b"\n");
        h.update(crate::event::hex(table).as_bytes());
        h.update(b"\n");
    }
    crate::event::hex(&h.finalize())
}

/// Hashed in blocks of about this many bytes.
const DIGEST_BLOCK: usize = 1 << 20;

fn new_block() -> Vec<u8> {
    Vec::with_capacity(DIGEST_BLOCK + 4096)
}

/// Writes text as a JSON string exactly as `serde_json` does: most state text needs no escape,
/// and is copied as it is.
fn write_json_string(block: &mut Vec<u8>, t: &[u8]) {
    let plain = t.iter().all(|&b| b >= 0x20 && b != b'"' && b != b'\\');
    match std::str::from_utf8(t) {
        Ok(_) if plain => {
            block.push(b'"');
            block.extend_from_slice(t);
            block.push(b'"');
        }
        Ok(s) => serde_json::to_writer(&mut *block, s).expect("writing to memory"),
        Err(_) => serde_json::to_writer(&mut *block, &*String::from_utf8_lossy(t))
            .expect("writing to memory"),
    }
}

/// Reads the rows of the table `DIGEST_TABLES[table]` in the digest's order, putting each into
/// `block` with `put` (given the row and its column count), and hands `block` to `flush`
/// (which leaves it empty) whenever it is full and at the end. [`write_row_read`] puts a row
/// as the digest hashes it; [`copy_row`] copies its values for [`write_copied`].
fn read_table(
    conn: &Connection,
    table: usize,
    block: &mut Vec<u8>,
    flush: &mut dyn FnMut(&mut Vec<u8>),
    put: fn(&mut Vec<u8>, &rusqlite::Row<'_>, usize),
) -> rusqlite::Result<()> {
    let (name, order) = DIGEST_TABLES[table];
    let mut stmt = conn.prepare(&format!("SELECT * FROM {name} ORDER BY {order}"))?;
    let columns = stmt.column_count();
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        if block.len() >= DIGEST_BLOCK {
            flush(block);
        }
        put(block, row, columns);
    }
    flush(block);
    Ok(())
}

fn write_row_read(block: &mut Vec<u8>, row: &rusqlite::Row<'_>, columns: usize) {
    // Every index is below the statement's column count.
    write_row(block, (0..columns).map(|i| row.get_ref_unwrap(i)));
}

/// Copies a row's values as they are: each a tag byte ([`COPIED_NULL`] and the rest) and its
/// bytes, 8 for a number, a 4-byte length and the bytes for text and blobs; [`COPIED_ROW_END`]
/// ends the row.
fn copy_row(block: &mut Vec<u8>, row: &rusqlite::Row<'_>, columns: usize) {
    for i in 0..columns {
        // Every index is below the statement's column count.
        match row.get_ref_unwrap(i) {
            ValueRef::Null => block.push(COPIED_NULL),
            ValueRef::Integer(v) => {
                block.push(COPIED_INTEGER);
                block.extend_from_slice(&v.to_le_bytes());
            }
            ValueRef::Real(v) => {
                block.push(COPIED_REAL);
                block.extend_from_slice(&v.to_le_bytes());
            }
            ValueRef::Text(t) => copy_bytes(block, COPIED_TEXT, t),
            ValueRef::Blob(b) => copy_bytes(block, COPIED_BLOB, b),
        }
    }
    block.push(COPIED_ROW_END);
}

const COPIED_NULL: u8 = 0;
const COPIED_INTEGER: u8 = 1;
const COPIED_REAL: u8 = 2;
const COPIED_TEXT: u8 = 3;
const COPIED_BLOB: u8 = 4;
const COPIED_ROW_END: u8 = 5;

fn copy_bytes(block: &mut Vec<u8>, tag: u8, bytes: &[u8]) {
    block.push(tag);
    // SQLite holds no value of 4 GiB or more (SQLITE_MAX_LENGTH is at most 2^31 - 1).
    block.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    block.extend_from_slice(bytes);
}

/// Writes the rows [`copy_row`] copied into `copied` as the digest hashes them, into
/// `block`, handing it to `flush` (which leaves it empty) whenever it is full.
fn write_copied(copied: &[u8], block: &mut Vec<u8>, flush: &mut dyn FnMut(&mut Vec<u8>)) {
    let mut values: Vec<ValueRef<'_>> = Vec::new();
    let mut rest = copied;
    while let Some((&tag, after)) = rest.split_first() {
        rest = after;
        let mut take = |n: usize| {
            let (bytes, after) = rest.split_at(n);
            rest = after;
            bytes
        };
        let number = |bytes: &[u8]| <[u8; 8]>::try_from(bytes).expect("8 bytes");
        match tag {
            COPIED_NULL => values.push(ValueRef::Null),
            COPIED_INTEGER => values.push(ValueRef::Integer(i64::from_le_bytes(number(take(8))))),
            COPIED_REAL => values.push(ValueRef::Real(f64::from_le_bytes(number(take(8))))),
            COPIED_TEXT | COPIED_BLOB => {
                let len = u32::from_le_bytes(take(4).try_into().expect("4 bytes")) as usize;
                let bytes = take(len);
                values.push(if tag == COPIED_TEXT {
                    ValueRef::Text(bytes)
                } else {
                    ValueRef::Blob(bytes)
                });
            }
            _ => {
                if block.len() >= DIGEST_BLOCK {
                    flush(block);
                }
                write_row(block, values.drain(..));
            }
        }
    }
    flush(block);
}

/// Writes a row as the digest hashes it: its values' canonical JSON in an array, and a
/// newline. Straight into the block, no allocation per value.
fn write_row<'a>(block: &mut Vec<u8>, values: impl Iterator<Item = ValueRef<'a>>) {
    block.push(b'[');
    for (i, value) in values.enumerate() {
        if i > 0 {
            block.push(b',');
        }
        match value {
            ValueRef::Null => block.extend_from_slice(b"null"),
            ValueRef::Integer(v) => {
                block.extend_from_slice(itoa::Buffer::new().format(v).as_bytes())
            }
            ValueRef::Real(v) => {
                write!(block, "{v}").expect("writing to memory");
            }
            ValueRef::Text(t) => write_json_string(block, t),
            ValueRef::Blob(b) => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                block.push(b'"');
                for &byte in b {
                    block.push(HEX[usize::from(byte >> 4)]);
                    block.push(HEX[usize::from(byte & 15)]);
                }
                block.push(b'"');
            }
        }
    }
    block.extend_from_slice(b"]\n");
}

#[cfg(test)]
mod tests {
    use super::write_json_string;
    use rusqlite::Connection;
    use sha2::{Digest, Sha256};

    fn sha256_hex(bytes: &[u8]) -> String {
        crate::event::hex(&Sha256::digest(bytes))
    }

    /// A state with rows in two tables: the election's origin and two parties.
    fn two_tables() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        super::create(&conn).unwrap();
        conn.execute_batch(
            "INSERT INTO election(key, value) VALUES ('origin', 'example.org/e');
             INSERT INTO party(id, name) VALUES ('P2', 'Second \"Party\"'), ('P1', 'First');",
        )
        .unwrap();
        conn
    }

    /// The digest's bytes as the module documentation states them, written out by hand: each
    /// table's name and the hex SHA-256 of its rows (canonical JSON arrays in primary-key order,
    /// one a line), every table in the fixed order, empty ones hashing nothing.
    #[test]
    fn the_digest_is_the_documented_hash_of_each_tables_hash() {
        let tables = [
            "election",
            "party",
            "contest",
            "signer",
            "area",
            "station",
            "voter",
            "voter_event",
            "removal",
            "proposal",
            "decision",
            "batch",
            "result_form",
            "result_vote",
            "certification",
            "audit",
            "audit_sample",
            "refusal",
            "flag",
            "form_version",
            "witnessed",
            "claimed_time",
            "pseudonym",
            "checkin",
            "first_checkin",
            "temporary_card",
            "checkin_alert",
            "observer_form",
            "observer_report",
            "sms_sender",
            "sms_message",
            "complaint",
            "pseudonym_list",
        ];
        let mut text = String::new();
        for table in tables {
            let rows: &[u8] = match table {
                "election" => b"[\"origin\",\"example.org/e\"]\n",
                "party" => b"[\"P1\",\"First\"]\n[\"P2\",\"Second \\\"Party\\\"\"]\n",
                _ => b"",
            };
            text.push_str(&format!("{table}\n{}\n", sha256_hex(rows)));
        }
        assert_eq!(
            super::digest(&two_tables()).unwrap(),
            sha256_hex(text.as_bytes())
        );
    }

    /// Two connections sharing the tables give the digest one connection gives, whichever
    /// thread is slower to start; what runs first on this thread runs exactly once.
    #[test]
    fn the_digest_taken_on_two_connections_is_the_digest() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let conn = Connection::open(&path).unwrap();
        super::create(&conn).unwrap();
        conn.execute_batch(
            "INSERT INTO election(key, value) VALUES ('origin', 'example.org/e');
             INSERT INTO party(id, name) VALUES ('P2', 'Second'), ('P1', 'First');
             INSERT INTO voter(id, name, sex, birth_year, station, registered_at)
                 VALUES ('V1', 'សុខ \"Sok\"', 'F', -1, 'S1', 3), ('V0', 'Dara', 'M', 1975, 'S1', 3);
             INSERT INTO checkin(station, id, at, presented, idx)
                 VALUES ('S1', 'c1', 100, x'00ff', 9);",
        )
        .unwrap();
        let serial = super::digest(&conn).unwrap();
        for wait in [false, true] {
            let other = Connection::open(&path).unwrap();
            let mut ran = 0;
            let shared = super::digest_sharing(
                &conn,
                || {
                    ran += 1;
                    if wait {
                        std::thread::sleep(std::time::Duration::from_millis(50));
                    }
                    Ok(())
                },
                other,
                &[],
            )
            .unwrap();
            assert_eq!(ran, 1);
            assert_eq!(shared, serial, "waiting first: {wait}");
        }
        // What fails first is the error, and the other thread stops.
        let other = Connection::open(&path).unwrap();
        let failed =
            super::digest_sharing(&conn, || Err(rusqlite::Error::InvalidQuery), other, &[]);
        assert!(matches!(failed, Err(rusqlite::Error::InvalidQuery)));
        // A table hashed from its rows by whoever wrote them stands in for reading it back,
        // on one connection or two; rows that are not the table's give another digest.
        let hashed = |presented: &[u8]| {
            use rusqlite::types::ValueRef;
            let mut t = super::TableRows::new("checkin").unwrap();
            t.row(&[
                ValueRef::Text(b"S1"),
                ValueRef::Text(b"c1"),
                ValueRef::Integer(100),
                ValueRef::Blob(presented),
                ValueRef::Integer(9),
            ]);
            t.finish()
        };
        assert_eq!(
            super::digest_knowing(&conn, &[hashed(&[0x00, 0xff])]).unwrap(),
            serial
        );
        let other = Connection::open(&path).unwrap();
        let known = [hashed(&[0x00, 0xff])];
        assert_eq!(
            super::digest_sharing(&conn, || Ok(()), other, &known).unwrap(),
            serial
        );
        assert_ne!(
            super::digest_knowing(&conn, &[hashed(&[0x00, 0xfe])]).unwrap(),
            serial
        );
    }

    /// The digest's strings are byte for byte what `serde_json` writes (the format states it),
    /// whether or not they take the path without escapes.
    #[test]
    fn strings_are_written_as_serde_json_writes_them() {
        let cases: &[&[u8]] = &[
            b"",
            b"KH-01-0001",
            "ស្រីមុំ Sok".as_bytes(),
            b"quote \" and back\\slash",
            b"tab\there, newline\n, nul\0, unit separator\x1f, del\x7f",
            b"not utf-8 \xff\xfe",
        ];
        for case in cases {
            let mut ours = Vec::new();
            write_json_string(&mut ours, case);
            let theirs = serde_json::to_vec(&*String::from_utf8_lossy(case)).unwrap();
            assert_eq!(
                String::from_utf8_lossy(&ours),
                String::from_utf8_lossy(&theirs),
                "{case:?}"
            );
        }
    }
}
