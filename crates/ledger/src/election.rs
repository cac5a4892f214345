//! Intake: the one way to write. A submission is validated, sequenced into the log and applied
//! to state in one SQLite transaction; if any entry is refused, nothing is appended.

use crate::event::{Entry, Event};
use crate::fold::{
    Applied, Fold, Prechecked, Refusal, parse_verifying_key, signature_verifies, signer_vkey,
};
use crate::state;
use ed25519_dalek::VerifyingKey;
use rusqlite::Connection;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, mpsc};
use tlog::{Log, LogError, SqliteStorage};

/// Entries a verifying thread takes at a time.
const VERIFY_CHUNK: usize = 64;

/// The same for a group of submissions from concurrent clients, which is small (one entry
/// each, as many as there are clients): small chunks, so that the fold starts on the first
/// while the others are checked.
const GROUP_VERIFY_CHUNK: usize = 4;

/// Below this many signed entries, the fold checks a submission's signatures itself: starting
/// threads would cost more than they save.
const MIN_PARALLEL: usize = 32;

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Parses every entry, on all cores for a large submission; `None` where parsing fails (the
/// fold parses that entry again and refuses it with the parser's error).
fn parse_all<E: AsRef<[u8]> + Sync>(entries: &[E]) -> Vec<Option<Entry>> {
    let threads = cores().min(entries.len().div_ceil(256)).max(1);
    if threads == 1 {
        return entries
            .iter()
            .map(|e| Entry::parse(e.as_ref()).ok())
            .collect();
    }
    let chunk = entries.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = entries
            .chunks(chunk)
            .map(|c| {
                s.spawn(move || {
                    c.iter()
                        .map(|e| Entry::parse(e.as_ref()).ok())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("parsing thread"))
            .collect()
    })
}

/// Each submission's entries checked ahead, in order.
type Given = Vec<Vec<Option<Prechecked>>>;

/// A chunk of parsed entries, by its position in the submission.
type Chunk<T> = (usize, Vec<Option<T>>);

/// A verifying thread: takes chunks in order and checks each signed entry not yet verified
/// against its author's key as it stood before the submission (`keys`: author to vkey).
fn verify_chunks(
    queue: &Mutex<VecDeque<Chunk<Prechecked>>>,
    keys: &HashMap<String, Option<String>>,
    stop: &AtomicBool,
    tx: mpsc::Sender<Chunk<Prechecked>>,
) {
    let mut parsed: HashMap<&str, Option<VerifyingKey>> = HashMap::new();
    while !stop.load(Ordering::Relaxed) {
        let Some((i, chunk)) = queue.lock().expect("queue").pop_front() else {
            return;
        };
        let checked = chunk
            .into_iter()
            .map(|p| {
                let mut p = p?;
                if p.verified_with.is_some() {
                    return Some(p);
                }
                let e = &p.entry;
                p.verified_with = match (&e.author, &e.sig) {
                    (Some(author), Some(_)) if e.cosigs.is_empty() => keys
                        .get(author)
                        .and_then(|v| v.as_deref())
                        .filter(|vkey| {
                            parsed
                                .entry(vkey)
                                .or_insert_with(|| parse_verifying_key(vkey))
                                .is_some_and(|key| signature_verifies(e, &key))
                        })
                        .map(str::to_string),
                    _ => None,
                };
                Some(p)
            })
            .collect();
        if tx.send((i, checked)).is_err() {
            return;
        }
    }
}

/// The prechecked entries of a submission, in order, for the fold: from the verifying threads
/// when there are any (waiting for each chunk), otherwise parsed only.
struct Prechecks<'a> {
    queue: &'a Mutex<VecDeque<Chunk<Prechecked>>>,
    verified: Option<mpsc::Receiver<Chunk<Prechecked>>>,
    arrived: HashMap<usize, Vec<Option<Prechecked>>>,
    next: usize,
    current: std::vec::IntoIter<Option<Prechecked>>,
}

impl Prechecks<'_> {
    /// The next entry's precheck; `None` if it did not parse (or the workers are gone), and
    /// the fold then does the work itself.
    fn next(&mut self) -> Option<Prechecked> {
        loop {
            if let Some(p) = self.current.next() {
                return p;
            }
            let chunk = match &self.verified {
                None => self.queue.lock().expect("queue").pop_front()?.1,
                Some(rx) => loop {
                    if let Some(chunk) = self.arrived.remove(&self.next) {
                        break chunk;
                    }
                    let (i, chunk) = rx.recv().ok()?;
                    self.arrived.insert(i, chunk);
                },
            };
            self.next += 1;
            self.current = chunk.into_iter();
        }
    }
}

/// Entries parsed and cut into chunks, with their authors' keys as they stand before the
/// entries are folded: what the verifying threads work from.
struct Prepared {
    queue: Mutex<VecDeque<Chunk<Prechecked>>>,
    keys: HashMap<String, Option<String>>,
    workers: usize,
}

impl Prepared {
    fn new<E: AsRef<[u8]> + Sync>(conn: &Connection, entries: &[E], chunk: usize) -> Prepared {
        let parsed = parse_all(entries);
        let mut keys: HashMap<String, Option<String>> = HashMap::new();
        let mut signed = 0usize;
        for e in parsed.iter().flatten() {
            if let (Some(author), Some(_), true) = (&e.author, &e.sig, e.cosigs.is_empty()) {
                signed += 1;
                if !keys.contains_key(author) {
                    keys.insert(author.clone(), signer_vkey(conn, author));
                }
            }
        }
        let workers = if signed < MIN_PARALLEL.min(4 * chunk) {
            0
        } else {
            cores().min(signed.div_ceil(chunk))
        };
        let mut queue = VecDeque::with_capacity(parsed.len().div_ceil(chunk));
        let mut parsed = parsed.into_iter().map(|e| {
            e.map(|entry| Prechecked {
                entry,
                verified_with: None,
            })
        });
        for i in 0.. {
            let chunk: Vec<Option<Prechecked>> = parsed.by_ref().take(chunk).collect();
            if chunk.is_empty() {
                break;
            }
            queue.push_back((i, chunk));
        }
        Prepared {
            queue: Mutex::new(queue),
            keys,
            workers,
        }
    }

    /// Entries already checked away from the fold ([`Checked`]): nothing left for threads.
    fn given(prechecks: Vec<Option<Prechecked>>) -> Prepared {
        Prepared {
            queue: Mutex::new(VecDeque::from([(0, prechecks)])),
            keys: HashMap::new(),
            workers: 0,
        }
    }

    /// Runs `fold` with the entries' prechecks, in order, while the verifying threads make
    /// them; the threads stop at their next chunk once `fold` returns.
    fn run<R>(&self, fold: impl FnOnce(&mut Prechecks) -> R) -> R {
        let stop = AtomicBool::new(false);
        let (tx, rx) = mpsc::channel();
        std::thread::scope(|s| {
            for _ in 0..self.workers {
                let (queue, keys, stop, tx) = (&self.queue, &self.keys, &stop, tx.clone());
                s.spawn(move || verify_chunks(queue, keys, stop, tx));
            }
            drop(tx);
            let mut pre = Prechecks {
                queue: &self.queue,
                verified: (self.workers > 0).then_some(rx),
                arrived: HashMap::new(),
                next: 0,
                current: Vec::new().into_iter(),
            };
            let result = fold(&mut pre);
            stop.store(true, Ordering::Relaxed);
            drop(pre);
            result
        })
    }
}

/// An entry of a submission checked ahead of the intake thread, by [`Checker::check`].
pub struct Checked {
    bytes: Vec<u8>,
    /// None when it does not parse: the fold parses it again and refuses it by its path.
    pre: Option<Prechecked>,
}

impl Checked {
    /// The entry as received.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

/// Checks entries on the threads that receive them, away from the one that folds: parsing
/// (the canonical form included) and the author's signature against their key as the state
/// last committed knows it. It can only save the fold work, never decide: the fold checks the
/// signature again wherever the author's key is not the one used here (enrolled since, or
/// never), and judges everything else itself.
pub struct Checker {
    db: std::path::PathBuf,
    readers: Mutex<Vec<SqliteStorage>>,
    /// An enrolled name's vkey never changes (names are unique), so it is kept once found;
    /// revocation is the fold's to judge.
    keys: Mutex<HashMap<String, (String, VerifyingKey)>>,
}

/// Keys kept by a [`Checker`] before it starts again (about 200 bytes each).
const CHECKER_KEYS: usize = 1 << 20;

impl Checker {
    /// A checker reading signers from `election`'s database on connections of its own.
    pub fn new(election: &Election) -> Checker {
        Checker {
            db: election.conn().path().unwrap_or_default().into(),
            readers: Mutex::new(Vec::new()),
            keys: Mutex::new(HashMap::new()),
        }
    }

    /// Parses `bytes` and verifies its signature when its author is enrolled.
    pub fn check(&self, bytes: Vec<u8>) -> Checked {
        let Ok(entry) = Entry::parse(&bytes) else {
            return Checked { bytes, pre: None };
        };
        let verified_with = match (&entry.author, &entry.sig) {
            (Some(author), Some(_)) if entry.cosigs.is_empty() => self
                .key(author)
                .filter(|(_, key)| signature_verifies(&entry, key))
                .map(|(vkey, _)| vkey),
            _ => None,
        };
        Checked {
            bytes,
            pre: Some(Prechecked {
                entry,
                verified_with,
            }),
        }
    }

    fn key(&self, author: &str) -> Option<(String, VerifyingKey)> {
        if let Some(k) = self
            .keys
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(author)
        {
            return Some(k.clone());
        }
        let taken = self.readers.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let reader = match taken {
            Some(r) => r,
            None => SqliteStorage::open_read_only(&self.db).ok()?,
        };
        let found = signer_vkey(reader.connection(), author)
            .and_then(|vkey| parse_verifying_key(&vkey).map(|key| (vkey, key)));
        self.readers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(reader);
        if let Some(k) = &found {
            let mut keys = self.keys.lock().unwrap_or_else(|p| p.into_inner());
            if keys.len() >= CHECKER_KEYS {
                keys.clear();
            }
            keys.insert(author.to_string(), k.clone());
        }
        found
    }
}

/// Why a submission was not taken.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("entry {position} of the submission was refused: {refusal}")]
    Refused { position: usize, refusal: Refusal },
    #[error(transparent)]
    Log(#[from] LogError),
    #[error("{0}")]
    Setup(String),
}

/// What a taken submission did.
#[derive(Debug, Clone)]
pub struct Receipt {
    /// Log index of the submission's first entry.
    pub first: u64,
    /// What each entry did, in order.
    pub applied: Vec<Applied>,
}

/// An election: its log, with the state folded from it in the same database.
pub struct Election {
    log: Log<SqliteStorage>,
    fold: Fold,
}

impl Election {
    /// Starts an election in a new, empty log: the genesis becomes entry 0. The genesis's origin
    /// must be the log's.
    pub fn create(log: Log<SqliteStorage>, genesis: &[u8]) -> Result<Election, SubmitError> {
        if log.size() != 0 {
            return Err(SubmitError::Setup(format!(
                "the log already holds {} entries; an election starts in an empty log",
                log.size()
            )));
        }
        let entry = Entry::parse(genesis).map_err(|e| SubmitError::Refused {
            position: 0,
            refusal: Refusal {
                index: 0,
                path: e.path,
                message: e.message,
            },
        })?;
        let Event::Genesis(g) = &entry.event else {
            return Err(SubmitError::Setup(
                "the first entry must be a genesis".into(),
            ));
        };
        if g.origin != log.origin() {
            return Err(SubmitError::Setup(format!(
                "the genesis names origin {:?} but the log's origin is {:?}",
                g.origin,
                log.origin()
            )));
        }
        if let Some(k) = &g.log_key
            && k != log.vkey()
        {
            return Err(SubmitError::Setup(format!(
                "the genesis names log key {k:?} but the log's key is {:?}",
                log.vkey()
            )));
        }
        state::create(log.storage().connection()).map_err(|e| SubmitError::Setup(e.to_string()))?;
        state::tune(log.storage().connection()).map_err(|e| SubmitError::Setup(e.to_string()))?;
        let mut election = Election {
            log,
            fold: Fold::new(),
        };
        election.submit(&[genesis.to_vec()])?;
        Ok(election)
    }

    /// Opens an election whose log already holds its genesis.
    pub fn open(log: Log<SqliteStorage>) -> Result<Election, SubmitError> {
        if log.size() == 0 {
            return Err(SubmitError::Setup(
                "this log holds no election yet (no genesis)".into(),
            ));
        }
        state::create(log.storage().connection()).map_err(|e| SubmitError::Setup(e.to_string()))?;
        state::tune(log.storage().connection()).map_err(|e| SubmitError::Setup(e.to_string()))?;
        Ok(Election {
            log,
            fold: Fold::new(),
        })
    }

    /// Validates, appends and applies `entries` as one atomic step.
    pub fn submit(&mut self, entries: &[Vec<u8>]) -> Result<Receipt, SubmitError> {
        self.submit_with(entries, &mut |_, _| {})
    }

    /// [`Election::submit`], telling `progress` (entries applied, entries in all) as it goes.
    ///
    /// Every entry is parsed first, on all cores. Then the signatures of signed entries are
    /// checked against their authors' current keys on worker threads, in chunks and in log
    /// order, while this thread folds the entries whose checks are done; the fold checks again
    /// wherever a key changes within the submission. Small submissions skip the workers and
    /// the fold checks their signatures itself.
    pub fn submit_with(
        &mut self,
        entries: &[Vec<u8>],
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Receipt, SubmitError> {
        self.learn_roots(entries);
        let prepared = Prepared::new(self.conn(), entries, VERIFY_CHUNK);
        let mut refused: Option<(usize, Refusal)> = None;
        let mut applied = Vec::with_capacity(entries.len());
        let fold = &mut self.fold;
        let log = &mut self.log;
        let total = entries.len() as u64;
        let result = prepared.run(|pre| {
            log.append_with(entries, |conn, first| {
                for (i, e) in entries.iter().enumerate() {
                    if i.is_multiple_of(4096) {
                        progress(i as u64, total);
                    }
                    match fold.apply_prechecked(conn, first + i as u64, e, pre.next()) {
                        Ok(a) => applied.push(a),
                        Err(r) => {
                            refused = Some((i, r));
                            return Err("refused".into());
                        }
                    }
                }
                if let Err(r) = fold.finish(conn, first + entries.len() as u64) {
                    refused = Some((entries.len().saturating_sub(1), r));
                    return Err("refused".into());
                }
                Ok(())
            })
        });
        match result {
            Ok(first) => Ok(Receipt { first, applied }),
            Err(e) => {
                self.fold.reset();
                match refused {
                    Some((position, refusal)) => Err(SubmitError::Refused { position, refusal }),
                    None => Err(e.into()),
                }
            }
        }
    }

    /// Group commit: several independent submissions (from concurrent clients) in one durable
    /// step. Each is taken or refused on its own, as [`Election::submit`] would take or refuse
    /// it alone after the ones before it: a refused submission changes nothing and never takes
    /// the others down. The taken ones get consecutive indexes in the order given. The outer
    /// error is for the store alone (a full disk, another writer): then nothing was taken.
    ///
    /// A group is folded once, in one transaction, when every submission is taken. At the
    /// first refusal the step is redone with each submission inside its own savepoint (which
    /// costs a statement and a sub-journal per submission, so honest groups do without), and
    /// then once more without the refused ones, so that the log holds exactly the taken
    /// entries.
    pub fn submit_group(
        &mut self,
        submissions: &[Vec<Vec<u8>>],
    ) -> Result<Vec<Result<Receipt, SubmitError>>, SubmitError> {
        self.group(submissions, None)
    }

    /// [`Election::submit_group`] of submissions whose entries were checked ahead, on the
    /// threads that received them ([`Checker`]): this thread only folds and commits. A redo
    /// after a refusal checks the rest again here, as `submit_group` does.
    pub fn submit_checked_group(
        &mut self,
        submissions: Vec<Vec<Checked>>,
    ) -> Result<Vec<Result<Receipt, SubmitError>>, SubmitError> {
        let (bytes, prechecks): (Vec<Vec<Vec<u8>>>, Given) = submissions
            .into_iter()
            .map(|s| s.into_iter().map(|c| (c.bytes, c.pre)).unzip())
            .unzip();
        self.group(&bytes, Some(prechecks))
    }

    fn group(
        &mut self,
        submissions: &[Vec<Vec<u8>>],
        mut prechecks: Option<Given>,
    ) -> Result<Vec<Result<Receipt, SubmitError>>, SubmitError> {
        let mut outcome: Vec<Option<Result<Receipt, SubmitError>>> =
            (0..submissions.len()).map(|_| None).collect();
        for (i, s) in submissions.iter().enumerate() {
            if s.is_empty() {
                outcome[i] = Some(Err(SubmitError::Setup(
                    "the submission holds no entry".into(),
                )));
            } else if let Some(position) =
                s.iter().position(|e| e.len() > tlog::tile::MAX_ENTRY_SIZE)
            {
                outcome[i] = Some(Err(SubmitError::Log(LogError::EntryTooLarge {
                    position,
                    size: s[position].len(),
                })));
            }
        }
        for s in submissions {
            self.learn_roots(s);
        }
        let mut careful = false;
        loop {
            let taking: Vec<usize> = (0..submissions.len())
                .filter(|&i| outcome[i].is_none())
                .collect();
            let entries: Vec<&[u8]> = taking
                .iter()
                .flat_map(|&i| submissions[i].iter().map(Vec::as_slice))
                .collect();
            let mut refused: Vec<(usize, usize, Refusal)> = Vec::new();
            let mut applied: Vec<Vec<Applied>> = Vec::with_capacity(taking.len());
            // Signatures are checked on worker threads while this one folds, as in
            // `submit_with`, unless they were checked ahead; a redo (after a refusal) checks
            // the rest again.
            let prepared = match prechecks.take() {
                Some(mut given) => Prepared::given(
                    taking
                        .iter()
                        .flat_map(|&i| std::mem::take(&mut given[i]))
                        .collect(),
                ),
                None => Prepared::new(self.conn(), &entries, GROUP_VERIFY_CHUNK),
            };
            let fold = &mut self.fold;
            let log = &mut self.log;
            let result = prepared.run(|pre| {
                log.append_with(&entries, |conn, first| {
                    let mut index = first;
                    for &i in &taking {
                        let entries = &submissions[i];
                        let savepoint = |sql: &str| {
                            if !careful {
                                return Ok(());
                            }
                            conn.execute_batch(sql)
                                .map_err(|e| -> tlog::storage::ApplyError { e.to_string().into() })
                        };
                        savepoint("SAVEPOINT submission")?;
                        let mut done = Vec::with_capacity(entries.len());
                        let mut failed = None;
                        for (p, e) in entries.iter().enumerate() {
                            match fold.apply_prechecked(conn, index + p as u64, e, pre.next()) {
                                Ok(a) => done.push(a),
                                Err(r) => {
                                    failed = Some((p, r));
                                    // The next submission's prechecks follow this one's.
                                    for _ in p + 1..entries.len() {
                                        pre.next();
                                    }
                                    break;
                                }
                            }
                        }
                        if failed.is_none()
                            && let Err(r) = fold.finish(conn, index + entries.len() as u64)
                        {
                            failed = Some((entries.len().saturating_sub(1), r));
                        }
                        match failed {
                            Some((p, r)) => {
                                refused.push((i, p, r));
                                if !careful {
                                    // What this one left half-applied would mislead the
                                    // judging of the next ones: start again, carefully.
                                    return Err("a submission was refused; the step is redone \
                                                one savepoint per submission"
                                        .into());
                                }
                                savepoint("ROLLBACK TO submission; RELEASE submission")?;
                                fold.reset();
                            }
                            None => {
                                savepoint("RELEASE submission")?;
                                applied.push(done);
                            }
                        }
                        index += entries.len() as u64;
                    }
                    if refused.is_empty() {
                        Ok(())
                    } else {
                        Err("a submission was refused; the step is redone without it".into())
                    }
                })
            });
            match result {
                Ok(first) => {
                    let mut at = first;
                    for (&i, done) in taking.iter().zip(applied) {
                        outcome[i] = Some(Ok(Receipt {
                            first: at,
                            applied: done,
                        }));
                        at += submissions[i].len() as u64;
                    }
                    return Ok(outcome
                        .into_iter()
                        .map(|o| o.expect("every submission decided"))
                        .collect());
                }
                Err(_) if !refused.is_empty() => {
                    self.fold.reset();
                    careful = true;
                    for (i, position, refusal) in refused {
                        outcome[i] = Some(Err(SubmitError::Refused { position, refusal }));
                    }
                }
                Err(e) => {
                    self.fold.reset();
                    return Err(e.into());
                }
            }
        }
    }

    /// Checks `entries` as [`Election::submit`] would, records nothing, and returns every
    /// refusal with the entry's position in `entries`, not only the first: a refused entry of a
    /// batch is set aside and the rest of the batch is still checked. An importer uses this to
    /// list every bad row at once. `progress` gets (entries checked, entries in all).
    pub fn check(
        &mut self,
        entries: &[Vec<u8>],
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Vec<(usize, Refusal)>, SubmitError> {
        self.learn_roots(entries);
        let first = self.log.size();
        let conn = self.log.storage().connection();
        let setup = |e: rusqlite::Error| SubmitError::Setup(format!("checking: {e}"));
        conn.execute_batch("BEGIN").map_err(setup)?;
        self.fold.set_checking(true);
        let mut refusals = Vec::new();
        let total = entries.len() as u64;
        for (i, e) in entries.iter().enumerate() {
            if i.is_multiple_of(4096) {
                progress(i as u64, total);
            }
            let index = first + i as u64;
            let outcome = self.fold.apply(conn, index, e);
            refusals.extend(
                self.fold
                    .take_skipped()
                    .into_iter()
                    .map(|r| ((r.index - first) as usize, r)),
            );
            if let Err(r) = outcome {
                // Not a batch entry (a manifest, or a single event): what follows depends on it.
                refusals.push((i, r));
                break;
            }
        }
        if refusals.is_empty()
            && let Err(r) = self.fold.finish(conn, first + total)
        {
            refusals.push((entries.len().saturating_sub(1), r));
        }
        progress(total, total);
        self.fold.set_checking(false);
        self.fold.reset();
        conn.execute_batch("ROLLBACK").map_err(setup)?;
        Ok(refusals)
    }

    /// Tells the fold the log's root at each size a recorded checkpoint among `entries`
    /// claims, read from the log's own tiles. Sizes beyond the log before the submission are
    /// left unknown, and the fold refuses such a checkpoint.
    fn learn_roots<E: AsRef<[u8]>>(&mut self, entries: &[E]) {
        for e in entries {
            let bytes = e.as_ref();
            if !bytes.starts_with(crate::event::CHECKPOINT_PREFIX) {
                continue;
            }
            let Ok(Entry {
                event: Event::Checkpoint(c),
                ..
            }) = Entry::parse(bytes)
            else {
                continue;
            };
            let Ok((cp, _, _)) = tlog::note::open_checkpoint(c.note.as_bytes()) else {
                continue;
            };
            if cp.size() <= self.log.size()
                && let Ok(root) = self.log.root_at(cp.size())
            {
                self.fold.know_root(cp.size(), root);
            }
        }
    }

    pub fn log(&self) -> &Log<SqliteStorage> {
        &self.log
    }

    /// Signs a checkpoint of the log as it stands with the log's key and stores it; when one of
    /// this size is already stored (perhaps cosigned), returns that one instead.
    pub fn sign_checkpoint(&mut self, key: &tlog::PrivateKey) -> Result<Vec<u8>, LogError> {
        self.log.sign_checkpoint(key)
    }

    /// Asks each witness to cosign `note` (a checkpoint of this log) and stores the checkpoint
    /// with every cosignature gathered; returns it and each witness's outcome, in order.
    pub fn witness_checkpoint(
        &mut self,
        note: &[u8],
        witnesses: &[(tlog::Vkey, &dyn tlog::witness::WitnessTransport)],
    ) -> Result<tlog::witness::Witnessed, tlog::witness::CosignError> {
        tlog::witness::witness_checkpoint(&mut self.log, note, witnesses)
    }

    /// The state tables, for reading.
    pub fn conn(&self) -> &Connection {
        self.log.storage().connection()
    }

    /// The state digest (see [`state::digest`]).
    pub fn digest(&self) -> rusqlite::Result<String> {
        state::digest(self.conn())
    }
}
