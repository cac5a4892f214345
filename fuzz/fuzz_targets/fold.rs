//! The fold end to end: up to eight submissions through `ledger::Election::submit` on the
//! fixture election of `tlog_fuzz::election::build` (two provinces, four stations, ten
//! voters, officials bound to areas, result forms from three sources, pending proposals).
//!
//! The election is built once per process in a temporary directory (in /dev/shm where there
//! is one) and its database saved. Each input starts from that saved state: when an input
//! changed anything, the next one starts from a fresh copy, so a crash reproduces from its
//! input alone.
//!
//! Each submission is built from choices in the input:
//! - raw bytes (one to three entries);
//! - an entry already in the log, submitted again;
//! - one signed event from the generator, signed by any fixture key, then perhaps damaged
//!   (signed under another name, by another key, unsigned, with a `batch` or a cosignature,
//!   a flipped byte);
//! - a batch (governed or not) of one to six generated events, then perhaps damaged (last
//!   entry missing, an extra entry, entries swapped, dropped or replaced, a flipped byte, a
//!   signed event after it, two batches in one submission);
//! - approvals by any set of members of a proposal (of the base state or made earlier in the
//!   same input), in one submission;
//! - two to four signed events in one submission;
//! - one of the sample entries of every kind.
//!
//! Properties: nothing panics. `Election::check` records nothing (size and digest unchanged)
//! and finds no refusal exactly when `submit` takes the submission. A refused submission
//! leaves the log size and `Election::digest` unchanged, and its refusal has a position in
//! the submission, a path and a message. A taken one grows the log by exactly its number of
//! entries. After an input that changed anything, the log is replayed with `ledger::Fold`:
//! every entry must be taken and the digest must equal the election's. The entries the input
//! added are replayed onto a copy of the fixture's state as replayed from scratch at start-up;
//! one such input in eight (chosen by a hash of its bytes, so a crash still reproduces) also
//! replays the whole log from scratch into a fresh in-memory state.
#![no_main]

use ledger::event::{Content, Entry, Event, build_batch, entry_id};
use ledger::{Election, Fold, SubmitError};
use libfuzzer_sys::fuzz_target;
use std::cell::RefCell;
use std::path::PathBuf;
use tlog::{Log, SqliteStorage};
use tlog_fuzz::Input;
use tlog_fuzz::election::{Ctx, build, gen_batch_event, gen_event, keys, samples};

/// Submissions per input.
const MAX_SUBMISSIONS: usize = 8;

/// One input in this many that changes the election has its whole log replayed from scratch;
/// the others replay what they added onto a copy of the replayed fixture.
const FULL_REPLAY: u64 = 8;

struct Harness {
    _tmp: tempfile::TempDir,
    db: PathBuf,
    /// The fixture election's database file.
    snapshot: Vec<u8>,
    base_proposals: Vec<String>,
    base_digest: String,
    /// The fixture's size, and its state as replayed from scratch.
    base_size: u64,
    base_replayed: rusqlite::Connection,
    election: Option<Election>,
    /// The election's digest now.
    digest: String,
    /// Whether the election differs from the snapshot.
    dirty: bool,
    samples: Vec<Vec<u8>>,
}

impl Harness {
    fn new() -> Harness {
        let tmp = tlog_fuzz::scratch("scrutineer-fuzz-fold-");
        let db = tmp.path().join("log.db");
        let base = build(tmp.path());
        let base_digest = base.election.digest().unwrap();
        let base_size = base.election.log().size();
        let base_replayed = replay_check(&base.election, empty_state(), 0);
        drop(base.election);
        let snapshot = std::fs::read(&db).unwrap();
        let mut h = Harness {
            _tmp: tmp,
            db,
            snapshot,
            base_proposals: base.proposals,
            base_digest: base_digest.clone(),
            base_size,
            base_replayed,
            election: None,
            digest: base_digest,
            dirty: true,
            samples: samples(),
        };
        h.reset();
        let e = h.election.as_ref().unwrap();
        assert_eq!(e.digest().unwrap(), h.base_digest, "reopened base differs");
        h
    }

    fn reset(&mut self) {
        if !self.dirty {
            return;
        }
        self.election = None;
        for suffix in ["-wal", "-shm"] {
            let mut p = self.db.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
        std::fs::write(&self.db, &self.snapshot).unwrap();
        let log = Log::open(SqliteStorage::open(&self.db).unwrap()).unwrap();
        self.election = Some(Election::open(log).unwrap());
        self.digest = self.base_digest.clone();
        self.dirty = false;
    }
}

/// Replays the log from entry `from` on into `conn` (a fresh state, or a copy of the replayed
/// fixture when `from` is the fixture's size): every entry must be taken and the digest must
/// be the election's.
fn replay_check(e: &Election, conn: rusqlite::Connection, from: u64) -> rusqlite::Connection {
    conn.execute_batch("BEGIN").unwrap();
    let mut fold = Fold::new();
    let mut refusals = Vec::new();
    let size = e.log().size();
    e.log()
        .for_each_entry(from, size, |i, bytes| {
            if let Err(r) = fold.apply(&conn, i, bytes) {
                refusals.push(r);
            }
        })
        .unwrap();
    if let Err(r) = fold.finish(&conn, size) {
        refusals.push(r);
    }
    assert!(
        refusals.is_empty(),
        "replay refuses entries that intake took: {refusals:?}"
    );
    conn.execute_batch("COMMIT").unwrap();
    assert_eq!(
        ledger::state::digest(&conn).unwrap(),
        e.digest().unwrap(),
        "replay reaches another state than intake"
    );
    conn
}

/// A fresh, empty state.
fn empty_state() -> rusqlite::Connection {
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    ledger::state::create(&conn).unwrap();
    conn
}

/// A copy of `base`.
fn copy_of(base: &rusqlite::Connection) -> rusqlite::Connection {
    let mut conn = rusqlite::Connection::open_in_memory().unwrap();
    rusqlite::backup::Backup::new(base, &mut conn)
        .unwrap()
        .run_to_completion(1024, std::time::Duration::ZERO, None)
        .unwrap();
    conn
}

/// Whether this input's log is also replayed from scratch (one input in [`FULL_REPLAY`]),
/// decided by the input's bytes so that a crash reproduces.
fn full_replay(data: &[u8]) -> bool {
    let h = data.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    h % FULL_REPLAY == 0
}

thread_local! {
    static HARNESS: RefCell<Option<Harness>> = const { RefCell::new(None) };
}

fuzz_target!(|data: &[u8]| {
    HARNESS.with(|cell| {
        let mut cell = cell.borrow_mut();
        let h = cell.get_or_insert_with(Harness::new);
        h.reset();
        run(h, data);
        if h.dirty {
            let e = h.election.as_ref().unwrap();
            replay_check(e, copy_of(&h.base_replayed), h.base_size);
            if full_replay(data) {
                replay_check(e, empty_state(), 0);
            }
        }
    });
});

fn run(h: &mut Harness, data: &[u8]) {
    let mut input = Input(data);
    let mut ctx = Ctx {
        proposals: h.base_proposals.clone(),
    };
    for _ in 0..MAX_SUBMISSIONS {
        if input.is_empty() {
            break;
        }
        let e = h.election.as_mut().unwrap();
        let entries = submission(&mut input, &mut ctx, e, &h.samples);
        let size = e.log().size();

        let refusals = e.check(&entries, &mut |_, _| {}).expect("check");
        if trace() {
            eprintln!("submission of {} entries:", entries.len());
            for entry in &entries {
                eprintln!("  {}", String::from_utf8_lossy(entry));
            }
        }
        assert_eq!(e.log().size(), size, "check changed the log");
        assert_eq!(e.digest().unwrap(), h.digest, "check changed the state");
        for (position, r) in &refusals {
            assert!(*position < entries.len(), "check: position {position}");
            assert!(!r.path.is_empty() && !r.message.is_empty(), "check: {r}");
        }

        let outcome = e.submit(&entries);
        if trace() {
            match &outcome {
                Ok(r) => eprintln!("  taken: {:?}", r.applied),
                Err(err) => eprintln!("  refused: {err}"),
            }
        }
        match outcome {
            Ok(receipt) => {
                assert!(
                    refusals.is_empty(),
                    "check refused what submit took: {refusals:?}"
                );
                assert_eq!(receipt.first, size);
                assert_eq!(receipt.applied.len(), entries.len());
                assert_eq!(
                    e.log().size(),
                    size + entries.len() as u64,
                    "the log grew by another number of entries"
                );
                h.digest = e.digest().unwrap();
                h.dirty |= !entries.is_empty();
            }
            Err(err) => {
                assert_eq!(e.log().size(), size, "a refused submission changed the log");
                assert_eq!(
                    e.digest().unwrap(),
                    h.digest,
                    "a refused submission changed the state: {err}"
                );
                match &err {
                    SubmitError::Refused { position, refusal } => {
                        assert!(*position < entries.len(), "{err}");
                        assert!(!refusal.path.is_empty(), "{err}");
                        assert!(!refusal.message.is_empty(), "{err}");
                        assert!(
                            !refusals.is_empty(),
                            "check found nothing wrong with what submit refused: {err}"
                        );
                    }
                    SubmitError::Log(tlog::LogError::EntryTooLarge { .. }) => {}
                    other => panic!("unexpected error: {other}"),
                }
            }
        }
    }
}

/// Set `SCRUTINEER_FUZZ_TRACE=1` to see each submission and what became of it.
fn trace() -> bool {
    static T: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *T.get_or_init(|| std::env::var_os("SCRUTINEER_FUZZ_TRACE").is_some())
}

fn signer(input: &mut Input) -> &'static tlog::PrivateKey {
    let all = keys().all();
    all[usize::from(input.u8()) % all.len()]
}

fn flip(input: &mut Input, bytes: &mut [u8]) {
    if !bytes.is_empty() {
        let i = usize::from(input.u16()) % bytes.len();
        bytes[i] ^= input.u8().max(1);
    }
}

/// One signed event, perhaps damaged.
fn signed_event(input: &mut Input, ctx: &mut Ctx) -> Vec<u8> {
    let by = signer(input);
    let event = gen_event(input, ctx);
    let mut entry = Entry::signed(event, by);
    let mut flipped = false;
    // Damage, if any (0: none, so that short inputs build good entries).
    match input.u8() % 16 {
        1 => entry.author = Some(signer(input).name().to_string()),
        2 => entry.sig = Some(ledger::event::sign(&entry.signed_message(), signer(input))),
        3 => entry.sig = None,
        4 => entry.batch = Some("0123456789abcdef0123456789abcdef".into()),
        5 => entry.cosign(signer(input)),
        6 => flipped = true,
        _ => {}
    }
    let mut bytes = entry.to_bytes();
    if flipped {
        flip(input, &mut bytes);
    }
    if let Event::Proposal(_) = entry.event {
        ctx.proposals.push(entry_id(&bytes));
    }
    bytes
}

/// A batch of generated events, perhaps damaged.
fn batch(input: &mut Input, ctx: &mut Ctx) -> Vec<Vec<u8>> {
    let by = signer(input);
    let content = [
        Content::Areas,
        Content::Stations,
        Content::Registrations,
        Content::ResultForms,
        Content::Enrolments,
    ][usize::from(input.u8() % 5)];
    let n = 1 + input.u8() % 6;
    let events: Vec<Event> = (0..n)
        .map(|_| gen_batch_event(input, content, ctx))
        .collect();
    let id = ledger::event::batch_id(by.name(), content, &events);
    let governed = (input.u8() & 1 == 1).then(|| ("bulk change".to_string(), vec![]));
    let is_governed = governed.is_some();
    let mut entries = build_batch(by, content, events, governed);
    if is_governed {
        ctx.proposals.push(entry_id(&entries[0]));
    }
    let last = entries.len() - 1;
    let pick = |input: &mut Input| 1 + usize::from(input.u8()) % last;
    // Damage, if any (0: none).
    match input.u8() % 16 {
        1 => {
            entries.pop();
        }
        2 => {
            let i = pick(input);
            entries.push(entries[i].clone());
        }
        3 => {
            let (i, j) = (pick(input), pick(input));
            entries.swap(i, j);
        }
        4 => entries.truncate(1),
        5 => {
            let i = pick(input);
            entries.remove(i);
        }
        6 => {
            let i = pick(input);
            entries[i] = Entry::in_batch(gen_batch_event(input, content, ctx), &id).to_bytes();
        }
        7 => entries.push(signed_event(input, ctx)),
        8 => {
            let i = usize::from(input.u8()) % entries.len();
            flip(input, &mut entries[i]);
        }
        9 => entries.extend(batch(input, ctx)),
        _ => {}
    }
    entries
}

fn submission(input: &mut Input, ctx: &mut Ctx, e: &Election, samples: &[Vec<u8>]) -> Vec<Vec<u8>> {
    match input.u8() % 10 {
        0 => (0..1 + input.u8() % 3)
            .map(|_| input.chunk().to_vec())
            .collect(),
        1 => {
            let size = e.log().size();
            vec![e.log().entry(u64::from(input.u16()) % size).unwrap()]
        }
        2..=4 => vec![signed_event(input, ctx)],
        5 | 6 => batch(input, ctx),
        7 => {
            let proposal = match input.u8() {
                b if usize::from(b) < ctx.proposals.len() * 8 => {
                    ctx.proposals[usize::from(b) % ctx.proposals.len()].clone()
                }
                _ => entry_id(input.chunk()),
            };
            let who = input.u16();
            let members = &keys().members;
            members
                .iter()
                .enumerate()
                .filter(|(i, _)| who & (1 << i) != 0)
                .map(|(_, m)| {
                    Entry::signed(
                        Event::Approval(ledger::event::Approval {
                            proposal: proposal.clone(),
                        }),
                        m,
                    )
                    .to_bytes()
                })
                .collect()
        }
        8 => (0..2 + input.u8() % 3)
            .map(|_| signed_event(input, ctx))
            .collect(),
        _ => vec![samples[usize::from(input.u8()) % samples.len()].clone()],
    }
}
