//! Independent verification of a published log: trust nothing but the policy.
//!
//! [`verify_log`] fetches the checkpoint and checks its log signature and witness quorum; then
//! fetches every entry bundle and hash tile, hashes every entry, rebuilds every tile and the root
//! from the entries, and compares. If the verifier has checked this log before, it also checks a
//! consistency proof from that earlier checkpoint, so a rewritten history is caught even when
//! the new one is internally consistent. The first problem found is named: the entry index and
//! bundle, or the tile and position.

use crate::merkle::{
    FullTile, RightEdge, TileStore, hash_at, prove_consistency, subtree_hash, tree_root,
    verify_consistency,
};
use crate::note::{CheckpointError, Policy, VerifiedCheckpoint};
use crate::tile::{
    BundleError, HASH_SIZE, TILE_WIDTH, TileId, entry_bundles, level_count, split_bundle,
};
use crate::{Hash, ProofError, record_hash};
use base64::prelude::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Where published tiles come from: a directory, a URL, or anything else.
pub trait TileSource {
    /// Fetches a resource by its path relative to the log's prefix (`checkpoint`,
    /// `tile/0/000`, …); `None` when it does not exist.
    fn fetch(&self, path: &str) -> Result<Option<Vec<u8>>, String>;
    /// A description for messages (the directory or URL).
    fn describe(&self) -> String;
}

/// A published directory on the local file system.
pub struct DirSource {
    root: PathBuf,
}

impl DirSource {
    pub fn new(root: impl Into<PathBuf>) -> DirSource {
        DirSource { root: root.into() }
    }
}

impl TileSource for DirSource {
    fn fetch(&self, path: &str) -> Result<Option<Vec<u8>>, String> {
        match std::fs::read(self.root.join(path)) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("{}: {e}", self.root.join(path).display())),
        }
    }

    fn describe(&self) -> String {
        self.root.display().to_string()
    }
}

/// Where a verifier keeps the checkpoint it accepted last for the log signed by `log`, under
/// its folder `base`: one file per log key, named after the key's name and id.
pub fn trusted_state_file(base: &std::path::Path, log: &crate::note::Vkey) -> std::path::PathBuf {
    let name: String = format!("{}-{:08x}", log.name, log.id)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    base.join(format!("{name}.json"))
}

/// The last checkpoint a verifier accepted for a log, kept between runs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TrustedState {
    pub origin: String,
    pub size: u64,
    /// Base64 root hash.
    pub root: String,
    /// The checkpoint note as accepted.
    pub checkpoint: String,
}

impl TrustedState {
    pub fn from_checkpoint(cp: &VerifiedCheckpoint) -> TrustedState {
        TrustedState {
            origin: cp.origin.clone(),
            size: cp.size,
            root: cp.root.to_string(),
            checkpoint: String::from_utf8_lossy(&cp.note).into_owned(),
        }
    }

    fn root_hash(&self) -> Result<Hash, VerifyError> {
        let raw = BASE64_STANDARD.decode(&self.root).map_err(|_| {
            VerifyError::State(format!("stored root {:?} is not base64", self.root))
        })?;
        let raw: [u8; 32] = raw
            .try_into()
            .map_err(|_| VerifyError::State("stored root is not 32 bytes".into()))?;
        Ok(Hash(raw))
    }

    /// Reads a state file; `Ok(None)` when there is none yet.
    pub fn load(path: &Path) -> Result<Option<TrustedState>, VerifyError> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| VerifyError::State(format!("{}: {e}", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(VerifyError::State(format!("{}: {e}", path.display()))),
        }
    }

    /// Writes the state file atomically.
    pub fn save(&self, path: &Path) -> Result<(), VerifyError> {
        let json = serde_json::to_vec_pretty(self).expect("plain struct");
        crate::publish::write_atomic(path, &json).map_err(|e| VerifyError::State(e.to_string()))
    }
}

/// What a successful verification established.
#[derive(Debug, Clone)]
pub struct Verified {
    pub checkpoint: VerifiedCheckpoint,
    /// Hash tiles compared.
    pub tiles: u64,
    /// Entry bundles read.
    pub bundles: u64,
    /// The size of the earlier checkpoint this one was proved consistent with.
    pub consistent_with: Option<u64>,
}

/// The first problem found, by name.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("cannot fetch {path}: {message}")]
    Fetch { path: String, message: String },
    #[error("{path} is missing")]
    Missing { path: String },
    #[error("checkpoint: {0}")]
    Checkpoint(#[from] CheckpointError),
    #[error("{path}: {error} (the bundle starts at entry {first_entry})")]
    Bundle {
        path: String,
        first_entry: u64,
        error: BundleError,
    },
    #[error(
        "entry {index} in {bundle} has been altered: its hash differs from {tile}, and the entries do not hash to the checkpoint's root"
    )]
    Entry {
        index: u64,
        bundle: String,
        tile: String,
    },
    #[error("{path} is corrupt: hash {position} differs from the one computed from the entries")]
    Tile { path: String, position: usize },
    #[error("{path} holds {found} bytes; a tile of this width holds {want}")]
    TileLength {
        path: String,
        found: usize,
        want: usize,
    },
    #[error(
        "the entries and tiles agree with each other but hash to {computed}, not the checkpoint's root {signed}: the published history was rewritten"
    )]
    Rewritten { computed: Hash, signed: Hash },
    #[error("this log was verified before as {had:?}, but the checkpoint is for {now:?}")]
    OtherLog { had: String, now: String },
    #[error("the log shrank: it was verified at size {had}, and now claims size {now}")]
    Rollback { had: u64, now: u64 },
    #[error(
        "the log forked: it was verified at size {size} with root {had}, and now has root {now} at that size"
    )]
    Fork { size: u64, had: String, now: String },
    #[error("the log is not consistent with the checkpoint verified before (size {had}): {error}")]
    Inconsistent { had: u64, error: ProofError },
    #[error("verifier state: {0}")]
    State(String),
}

fn fetch_required(source: &dyn TileSource, path: &str) -> Result<Vec<u8>, VerifyError> {
    source
        .fetch(path)
        .map_err(|message| VerifyError::Fetch {
            path: path.to_string(),
            message,
        })?
        .ok_or_else(|| VerifyError::Missing {
            path: path.to_string(),
        })
}

/// Verifies the log published at `source` against `policy`, and against `previous` if this
/// log was verified before. `progress` is called with (entries done, entries in all).
pub fn verify_log(
    source: &dyn TileSource,
    policy: &Policy,
    previous: Option<&TrustedState>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Verified, VerifyError> {
    verify_log_entries(source, policy, previous, progress, &mut |_, _| {})
}

/// [`verify_log`], handing each entry to `each(index, entry)` in order as it is read, so that a
/// caller can fold the entries in the same pass. What `each` saw counts only if the whole
/// verification succeeds.
pub fn verify_log_entries(
    source: &dyn TileSource,
    policy: &Policy,
    previous: Option<&TrustedState>,
    progress: &mut dyn FnMut(u64, u64),
    each: &mut dyn FnMut(u64, &[u8]),
) -> Result<Verified, VerifyError> {
    verify_log_rebuilding(source, policy, previous, progress, &mut |i, e, _| {
        each(i, e)
    })
}

/// The tree as verification has rebuilt it from the entries so far, which can tell the root
/// of the tree at any earlier size: for an entry that makes a claim about the log before it,
/// such as a recorded checkpoint.
///
/// It keeps the full tiles of level 1 and up that it computed (one hash per 256 entries), and
/// reads a full level-0 tile from the source only when asked, checking it against the level-1
/// hash computed from the entries; so nothing it answers rests on what the source serves.
pub struct PastRoots<'a> {
    source: &'a dyn TileSource,
    edge: &'a RightEdge,
    kept: &'a HashMap<(u8, u64), Vec<u8>>,
    leaf: Hash,
}

impl PastRoots<'_> {
    /// The record hash (RFC 6962 leaf hash) of the entry just handed over, so that a caller
    /// need not hash it again.
    pub fn leaf(&self) -> Hash {
        self.leaf
    }

    /// The root of the tree of the first `size` entries; `size` at most the entries seen.
    pub fn root_at(&self, size: u64) -> Result<Hash, String> {
        if size > self.edge.size() {
            return Err(format!(
                "size {size} is beyond the {} entries read so far",
                self.edge.size()
            ));
        }
        tree_root(self, size).map_err(|e| format!("the root at size {size}: {e}"))
    }

    fn computed(&self, level: u8, index: u64) -> Option<&[u8]> {
        let count = level_count(self.edge.size(), level);
        if index == count / TILE_WIDTH {
            Some(self.edge.tile(level)).filter(|t| !t.is_empty())
        } else {
            self.kept.get(&(level, index)).map(Vec::as_slice)
        }
    }
}

impl TileStore for PastRoots<'_> {
    fn hash_tile(&self, level: u8, index: u64) -> Result<Option<Vec<u8>>, String> {
        if level > 0 || index == level_count(self.edge.size(), 0) / TILE_WIDTH {
            return Ok(self.computed(level, index).map(<[u8]>::to_vec));
        }
        let path = TileId::hashes(0, index, 256).path();
        let tile = self
            .source
            .fetch(&path)?
            .ok_or_else(|| format!("{path} is missing"))?;
        let parent = self
            .computed(1, index / TILE_WIDTH)
            .filter(|t| t.len() >= ((index % TILE_WIDTH) as usize + 1) * HASH_SIZE)
            .map(|t| hash_at(t, (index % TILE_WIDTH) as usize));
        if tile.len() != TILE_WIDTH as usize * HASH_SIZE || Some(subtree_hash(&tile)) != parent {
            return Err(format!(
                "{path} differs from the tile computed from the entries"
            ));
        }
        Ok(Some(tile))
    }
}

/// [`verify_log_entries`], handing `each` also the tree rebuilt so far ([`PastRoots`]), which
/// holds the entry just handed over and its record hash.
pub fn verify_log_rebuilding(
    source: &dyn TileSource,
    policy: &Policy,
    previous: Option<&TrustedState>,
    progress: &mut dyn FnMut(u64, u64),
    each: &mut dyn FnMut(u64, &[u8], &PastRoots),
) -> Result<Verified, VerifyError> {
    let note = fetch_required(source, "checkpoint")?;
    let cp = policy.verify(&note)?;
    if let Some(prev) = previous {
        if prev.origin != cp.origin {
            return Err(VerifyError::OtherLog {
                had: prev.origin.clone(),
                now: cp.origin.clone(),
            });
        }
        if cp.size < prev.size {
            return Err(VerifyError::Rollback {
                had: prev.size,
                now: cp.size,
            });
        }
    }
    let size = cp.size;
    let mut edge = RightEdge::default();
    let mut full: Vec<FullTile> = Vec::new();
    let mut bad_tile: Option<(String, usize)> = None;
    let mut bad_entry: Option<(u64, String, String)> = None;
    let mut tiles = 0u64;
    let mut bundles = 0u64;
    let mut kept: HashMap<(u8, u64), Vec<u8>> = HashMap::new();

    for bundle_id in entry_bundles(size) {
        let path = bundle_id.path();
        let bytes = fetch_required(source, &path)?;
        let first = bundle_id.first_entry();
        let entries = split_bundle(&bytes, usize::from(bundle_id.width)).map_err(|error| {
            VerifyError::Bundle {
                path: path.clone(),
                first_entry: first,
                error,
            }
        })?;
        bundles += 1;
        let tile_id = TileId::hashes(0, bundle_id.index, bundle_id.width);
        let tile_path = tile_id.path();
        let tile = fetch_required(source, &tile_path)?;
        check_length(&tile_path, &tile, bundle_id.width)?;
        tiles += 1;
        for (i, entry) in entries.iter().enumerate() {
            let leaf = record_hash(entry);
            if bad_entry.is_none() && hash_at(&tile, i) != leaf {
                bad_entry = Some((first + i as u64, path.clone(), tile_path.clone()));
            }
            edge.push(leaf, &mut full);
            for done in full.drain(..) {
                if done.level == 0 {
                    continue;
                }
                let id = TileId::hashes(done.level, done.index, 256);
                tiles += 1;
                compare_tile(source, id, &done.hashes, &mut bad_tile)?;
                kept.insert((done.level, done.index), done.hashes);
            }
            let past = PastRoots {
                source,
                edge: &edge,
                kept: &kept,
                leaf,
            };
            each(first + i as u64, entry, &past);
        }
        progress(first + entries.len() as u64, size);
    }
    for level in 1..edge.levels() {
        let hashes = edge.tile(level);
        if !hashes.is_empty() {
            let count = level_count(size, level);
            let id = TileId::hashes(level, count / TILE_WIDTH, (count % TILE_WIDTH) as u16);
            tiles += 1;
            compare_tile(source, id, hashes, &mut bad_tile)?;
        }
    }

    let computed = edge.root();
    if computed != cp.root {
        return Err(match bad_entry {
            Some((index, bundle, tile)) => VerifyError::Entry {
                index,
                bundle,
                tile,
            },
            None => VerifyError::Rewritten {
                computed,
                signed: cp.root,
            },
        });
    }
    if let Some((index, _, tile)) = bad_entry {
        return Err(VerifyError::Tile {
            path: tile,
            position: (index % TILE_WIDTH) as usize,
        });
    }
    if let Some((path, position)) = bad_tile {
        return Err(VerifyError::Tile { path, position });
    }

    let mut consistent_with = None;
    if let Some(prev) = previous.filter(|p| p.size > 0) {
        let had = prev.root_hash()?;
        if prev.size == size {
            if had != cp.root {
                return Err(VerifyError::Fork {
                    size,
                    had: prev.root.clone(),
                    now: cp.root.to_string(),
                });
            }
        } else {
            let store = SourceTiles { source, size };
            let proof = prove_consistency(&store, prev.size, size).map_err(|error| {
                VerifyError::Inconsistent {
                    had: prev.size,
                    error,
                }
            })?;
            verify_consistency(prev.size, had, size, cp.root, &proof).map_err(|error| {
                VerifyError::Inconsistent {
                    had: prev.size,
                    error,
                }
            })?;
        }
        consistent_with = Some(prev.size);
    }
    Ok(Verified {
        checkpoint: cp,
        tiles,
        bundles,
        consistent_with,
    })
}

fn check_length(path: &str, tile: &[u8], width: u16) -> Result<(), VerifyError> {
    let want = usize::from(width) * HASH_SIZE;
    if tile.len() != want {
        return Err(VerifyError::TileLength {
            path: path.to_string(),
            found: tile.len(),
            want,
        });
    }
    Ok(())
}

fn compare_tile(
    source: &dyn TileSource,
    id: TileId,
    computed: &[u8],
    bad: &mut Option<(String, usize)>,
) -> Result<(), VerifyError> {
    let path = id.path();
    let served = fetch_required(source, &path)?;
    check_length(&path, &served, id.width)?;
    if bad.is_none() && served != computed {
        let position = (0..usize::from(id.width))
            .find(|&i| {
                served[i * HASH_SIZE..(i + 1) * HASH_SIZE]
                    != computed[i * HASH_SIZE..(i + 1) * HASH_SIZE]
            })
            .unwrap_or(0);
        *bad = Some((path, position));
    }
    Ok(())
}

/// The published hash tiles of a tree of `size`, read through a [`TileSource`]: what proofs
/// against a publication are made from (`merkle::prove_inclusion`, `prove_consistency`).
pub struct SourceTiles<'a> {
    source: &'a dyn TileSource,
    size: u64,
}

impl<'a> SourceTiles<'a> {
    pub fn new(source: &'a dyn TileSource, size: u64) -> SourceTiles<'a> {
        SourceTiles { source, size }
    }
}

impl TileStore for SourceTiles<'_> {
    fn hash_tile(&self, level: u8, index: u64) -> Result<Option<Vec<u8>>, String> {
        let count = level_count(self.size, level);
        let width = if index < count / TILE_WIDTH {
            TILE_WIDTH as u16
        } else {
            (count % TILE_WIDTH) as u16
        };
        if width == 0 {
            return Ok(None);
        }
        self.source
            .fetch(&TileId::hashes(level, index, width).path())
    }
}

#[cfg(test)]
mod state_file_tests {
    use super::*;

    #[test]
    fn a_trusted_state_file_is_named_after_the_log_key_safely() {
        let key = crate::note::PrivateKey::generate(
            "elections.example/kh-2013",
            crate::note::TYPE_ED25519,
        )
        .unwrap();
        let vkey = crate::note::Vkey::parse(&key.vkey().to_string()).unwrap();
        let path = trusted_state_file(std::path::Path::new("/base"), &vkey);
        let name = path.file_name().unwrap().to_str().unwrap();
        assert_eq!(path.parent().unwrap(), std::path::Path::new("/base"));
        assert_eq!(
            name,
            format!("elections.example_kh-2013-{:08x}.json", vkey.id)
        );
    }
}
