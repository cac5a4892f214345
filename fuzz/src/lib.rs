//! Fixtures shared by the fuzz targets: fixed keys, small logs published through the real
//! `tlog` code, an in-memory tile source, and a plain RFC 6962 hash to check answers against.
//!
//! Everything is deterministic, so a crash found once reproduces from its input alone.
//!
//! The modules hold the fixtures of the other crates' targets: [`election`] those of the
//! `ledger` targets, [`rows`] and [`cdf`] those of the `interchange` targets, and [`json`] the
//! structural JSON mutations that `event` and `cdf` share.

pub mod cdf;
pub mod election;
pub mod json;
pub mod rollindex;
pub mod rows;

use std::collections::BTreeMap;
use std::sync::OnceLock;
use tlog::note::{PrivateKey, TYPE_COSIGNATURE_V1, TYPE_ED25519};
use tlog::verify::{TileSource, TrustedState};
use tlog::{Hash, Log, LogMeta, Policy, SqliteStorage, node_hash, record_hash};

/// A temporary directory for a target's files: in /dev/shm where there is one, since a run
/// writes files for many inputs. Removed when dropped.
pub fn scratch(prefix: &str) -> tempfile::TempDir {
    let shm = std::path::Path::new("/dev/shm");
    if shm.is_dir() {
        tempfile::Builder::new().prefix(prefix).tempdir_in(shm)
    } else {
        tempfile::tempdir()
    }
    .unwrap()
}

/// One scratch directory for the whole process (see [`scratch`]).
pub fn scratch_dir() -> &'static std::path::Path {
    static D: OnceLock<tempfile::TempDir> = OnceLock::new();
    D.get_or_init(|| scratch("scrutineer-fuzz-")).path()
}

pub const ORIGIN: &str = "fuzz.scrutineer.example/log";

/// The log's checkpoint key.
pub fn log_key() -> PrivateKey {
    PrivateKey::from_seed(ORIGIN, TYPE_ED25519, [7; 32]).unwrap()
}

/// Another key with the log's name: signatures by it must never count.
pub fn impostor_key() -> PrivateKey {
    PrivateKey::from_seed(ORIGIN, TYPE_ED25519, [8; 32]).unwrap()
}

/// Three witnesses' cosigning keys.
pub fn witness_keys() -> Vec<PrivateKey> {
    (1..=3u8)
        .map(|i| {
            PrivateKey::from_seed(&format!("witness{i}.example"), TYPE_COSIGNATURE_V1, [i; 32])
                .unwrap()
        })
        .collect()
}

/// The log key and two of the three witnesses.
pub fn policy() -> Policy {
    Policy::k_of_n(
        log_key().vkey(),
        witness_keys().iter().map(PrivateKey::vkey).collect(),
        2,
    )
    .unwrap()
}

/// The log key alone.
pub fn log_policy() -> Policy {
    Policy::k_of_n(log_key().vkey(), vec![], 0).unwrap()
}

/// Entry `i` of every fixture log: distinct and short; entry 0 is empty. Logs of different
/// sizes are prefixes of one another.
pub fn entry(i: u64) -> Vec<u8> {
    if i == 0 {
        return Vec::new();
    }
    let mut e = format!("e{i}").into_bytes();
    e.resize(e.len().max((i % 23) as usize), b'.');
    e
}

pub fn entries(size: u64) -> Vec<Vec<u8>> {
    (0..size).map(entry).collect()
}

/// RFC 6962 MTH written plainly (§2.1), to check the verifier's answers independently.
pub fn mth(entries: &[Vec<u8>]) -> Hash {
    fn rec(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => tlog::EMPTY_HASH,
            1 => leaves[0],
            n => {
                let k = 1 << (usize::BITS - 1 - (n - 1).leading_zeros());
                node_hash(rec(&leaves[..k]), rec(&leaves[k..]))
            }
        }
    }
    let leaves: Vec<Hash> = entries.iter().map(|e| record_hash(e)).collect();
    rec(&leaves)
}

/// A log published by `tlog::publish`, held in memory.
pub struct Published {
    pub entries: Vec<Vec<u8>>,
    /// Every file by its path, `checkpoint` included.
    pub files: BTreeMap<String, Vec<u8>>,
    /// What a verifier remembers after accepting it.
    pub state: TrustedState,
}

/// Sizes of the fixture logs: empty, tiny, and around the edges of the first tile levels.
pub const SIZES: [u64; 8] = [0, 1, 2, 5, 255, 256, 257, 513];

/// The published fixture logs, one per [`SIZES`] entry, built once per process.
pub fn published() -> &'static [Published] {
    static LOGS: OnceLock<Vec<Published>> = OnceLock::new();
    LOGS.get_or_init(|| SIZES.iter().map(|&s| publish(s)).collect())
}

fn publish(size: u64) -> Published {
    let tmp = tempfile::tempdir().unwrap();
    let mut log = new_log(tmp.path());
    let entries = entries(size);
    if size > 0 {
        log.append(&entries).unwrap();
    }
    let note = log.sign_checkpoint(&log_key()).unwrap();
    let out = tmp.path().join("out");
    tlog::publish::publish(&log, &note, &out, &mut |_, _| {}).unwrap();
    let mut files = BTreeMap::new();
    read_tree(&out, &out, &mut files);
    let cp = log_policy().verify(&note).unwrap();
    // The in-memory builder must agree with the real publisher, or the verifier target's
    // "rebuilt log" mode would test the wrong thing.
    let mut built = build_tiles(&entries);
    built.insert("checkpoint".into(), note.clone());
    assert_eq!(
        built, files,
        "builder disagrees with tlog::publish at size {size}"
    );
    Published {
        entries,
        files,
        state: TrustedState::from_checkpoint(&cp),
    }
}

/// A new empty log in `dir`.
pub fn new_log(dir: &std::path::Path) -> Log<SqliteStorage> {
    let meta = LogMeta {
        origin: ORIGIN.to_string(),
        vkey: log_key().vkey().to_string(),
    };
    Log::open(SqliteStorage::create(&dir.join("log.db"), &meta).unwrap()).unwrap()
}

fn read_tree(root: &std::path::Path, dir: &std::path::Path, out: &mut BTreeMap<String, Vec<u8>>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            read_tree(root, &p, out);
        } else {
            let rel = p.strip_prefix(root).unwrap().to_str().unwrap().to_string();
            out.insert(rel, std::fs::read(&p).unwrap());
        }
    }
}

/// Every hash tile and entry bundle of a log of `entries`, as a malicious operator that
/// rewrote its history would publish them: internally consistent, from scratch.
pub fn build_tiles(entries: &[Vec<u8>]) -> BTreeMap<String, Vec<u8>> {
    use tlog::merkle::RightEdge;
    use tlog::tile::{TILE_WIDTH, TileId, level_count, push_bundle_entry};
    let mut files = BTreeMap::new();
    let mut edge = RightEdge::default();
    let mut full = Vec::new();
    for (n, chunk) in entries.chunks(TILE_WIDTH as usize).enumerate() {
        let mut bundle = Vec::new();
        for e in chunk {
            push_bundle_entry(&mut bundle, e).unwrap();
            edge.push(record_hash(e), &mut full);
        }
        let id = TileId::entries(n as u64, chunk.len() as u16);
        files.insert(id.path(), bundle);
    }
    for t in full {
        files.insert(TileId::hashes(t.level, t.index, 256).path(), t.hashes);
    }
    let size = entries.len() as u64;
    for level in 0..edge.levels() {
        let hashes = edge.tile(level);
        if !hashes.is_empty() {
            let count = level_count(size, level);
            let id = TileId::hashes(level, count / TILE_WIDTH, (count % TILE_WIDTH) as u16);
            files.insert(id.path(), hashes.to_vec());
        }
    }
    files
}

/// A published log in memory.
pub struct MemSource<'a>(pub &'a BTreeMap<String, Vec<u8>>);

impl TileSource for MemSource<'_> {
    fn fetch(&self, path: &str) -> Result<Option<Vec<u8>>, String> {
        Ok(self.0.get(path).cloned())
    }

    fn describe(&self) -> String {
        "memory".into()
    }
}

/// Reads a fuzz input a piece at a time; reads past the end give zeros and empty slices, so
/// every input means something.
pub struct Input<'a>(pub &'a [u8]);

impl<'a> Input<'a> {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn u8(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    pub fn u16(&mut self) -> u16 {
        u16::from_be_bytes([self.u8(), self.u8()])
    }

    pub fn u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        for x in &mut b {
            *x = self.u8();
        }
        u64::from_be_bytes(b)
    }

    pub fn bytes(&mut self, n: usize) -> &'a [u8] {
        let n = n.min(self.0.len());
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        a
    }

    /// A length byte, then that many bytes.
    pub fn chunk(&mut self) -> &'a [u8] {
        let n = usize::from(self.u8());
        self.bytes(n)
    }

    pub fn rest(&mut self) -> &'a [u8] {
        self.bytes(self.0.len())
    }
}
