//! RFC 6962 Merkle tree maths over C2SP tiles.
//!
//! The hash functions and proof algorithms come from the `tlog_tiles` crate (a port of Go's
//! `sumdb/tlog`); this module adds what a tiled log needs on top: the right edge of a growing
//! tree, the root computed from it, a hash reader over stored tiles, and proof checks with
//! the edge cases of the transparency-dev test vectors.

use crate::tile::{HASH_SIZE, TILE_HEIGHT, TILE_WIDTH, level_count};
pub use tlog_tiles::{EMPTY_HASH, Hash, node_hash, record_hash};

/// The Merkle tree hash of `2^k` consecutive hashes, given as concatenated bytes.
pub fn subtree_hash(hashes: &[u8]) -> Hash {
    debug_assert!(hashes.len() >= HASH_SIZE && hashes.len().is_multiple_of(HASH_SIZE));
    debug_assert!((hashes.len() / HASH_SIZE).is_power_of_two());
    tlog_tiles::Tile::subtree_hash(hashes)
}

/// Reads the hash at position `i` of a tile's bytes.
pub fn hash_at(tile: &[u8], i: usize) -> Hash {
    let mut h = [0u8; HASH_SIZE];
    h.copy_from_slice(&tile[i * HASH_SIZE..(i + 1) * HASH_SIZE]);
    Hash(h)
}

/// The root of a tree given, for each tile level from 0 upwards, the hashes of its rightmost
/// partial tile (`(size >> 8·L) mod 256` hashes each; empty where there is none).
///
/// Those tiles hold exactly the maximal complete subtrees that RFC 6962 folds into the root,
/// so nothing else is needed.
pub fn root_from_right_edge(edge: &[Vec<u8>]) -> Hash {
    fold_subtrees(&maximal_subtrees(edge))
}

/// The hashes of the maximal complete subtrees of a tree, left to right, from its right edge
/// (as for [`root_from_right_edge`]).
fn maximal_subtrees(edge: &[Vec<u8>]) -> Vec<Hash> {
    let mut subtrees: Vec<Hash> = Vec::new();
    for tile in edge.iter().rev() {
        let width = tile.len() / HASH_SIZE;
        let mut offset = 0usize;
        for bit in (0..TILE_HEIGHT).rev() {
            let run = 1usize << bit;
            if width & run != 0 {
                subtrees.push(subtree_hash(
                    &tile[offset * HASH_SIZE..(offset + run) * HASH_SIZE],
                ));
                offset += run;
            }
        }
    }
    subtrees
}

/// The root of a tree from the hashes of its maximal complete subtrees, left to right.
fn fold_subtrees(subtrees: &[Hash]) -> Hash {
    let mut hashes = subtrees.iter().rev();
    let Some(&last) = hashes.next() else {
        return EMPTY_HASH;
    };
    let mut root = last;
    for &left in hashes {
        root = node_hash(left, root);
    }
    root
}

/// The right edge of a growing tree: for each tile level, the hashes of its partial tile.
///
/// Appending a leaf touches only this edge; when a tile fills up it is handed back to the caller
/// (to be stored) and its subtree hash moves one level up.
///
/// The edge also keeps the hashes of the tree's maximal complete subtrees (one per set bit of
/// the size), so that the root costs a few hashes however wide the partial tiles are, and a
/// full tile's hash falls out of appending its last leaf.
#[derive(Debug, Clone, Default)]
pub struct RightEdge {
    size: u64,
    levels: Vec<Vec<u8>>,
    /// The maximal complete subtrees, left to right (largest first).
    subtrees: Vec<Hash>,
}

/// Two edges are equal when their size and tiles are: the subtrees follow from those.
impl PartialEq for RightEdge {
    fn eq(&self, other: &Self) -> bool {
        self.size == other.size && self.levels == other.levels
    }
}

impl Eq for RightEdge {}

/// A tile that filled up while appending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FullTile {
    pub level: u8,
    pub index: u64,
    pub hashes: Vec<u8>,
}

impl RightEdge {
    /// The edge of a tree of `size` entries, from its partial tiles (level 0 first). Each must
    /// hold exactly `(size >> 8·L) mod 256` hashes.
    pub fn from_tiles(size: u64, levels: Vec<Vec<u8>>) -> Result<RightEdge, String> {
        for (level, tile) in levels.iter().enumerate() {
            let want = (level_count(size, level as u8) % TILE_WIDTH) as usize * HASH_SIZE;
            if tile.len() != want {
                return Err(format!(
                    "partial tile at level {level} holds {} bytes; a tree of {size} needs {want}",
                    tile.len()
                ));
            }
        }
        let subtrees = maximal_subtrees(&levels);
        let mut edge = RightEdge {
            size,
            levels,
            subtrees,
        };
        while edge.levels.last().is_some_and(Vec::is_empty) {
            edge.levels.pop();
        }
        Ok(edge)
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The partial tile at `level` (possibly empty).
    pub fn tile(&self, level: u8) -> &[u8] {
        self.levels
            .get(usize::from(level))
            .map_or(&[], Vec::as_slice)
    }

    /// Number of tile levels with a non-empty partial tile, or fewer.
    pub fn levels(&self) -> u8 {
        self.levels.len() as u8
    }

    /// Appends one leaf hash; pushes every tile that fills up onto `full`.
    pub fn push(&mut self, leaf: Hash, full: &mut Vec<FullTile>) {
        self.append_to_level(0, leaf);
        // Merge complete subtrees of equal height, as in a binary counter: one merge for each
        // trailing one bit of the old size.
        let mut hash = leaf;
        let mut height = 0u32;
        let mut rest = self.size;
        while rest & 1 == 1 {
            let left = self
                .subtrees
                .pop()
                .expect("one subtree per set bit of the size");
            hash = node_hash(left, hash);
            height += 1;
            rest >>= 1;
            if height.is_multiple_of(TILE_HEIGHT) {
                // The tile one level down just filled, and `hash` is its subtree hash.
                let level = (height / TILE_HEIGHT) as usize;
                let below = level - 1;
                let index = (self.size >> (TILE_HEIGHT * below as u32)) / TILE_WIDTH;
                full.push(FullTile {
                    level: below as u8,
                    index,
                    hashes: std::mem::replace(
                        &mut self.levels[below],
                        Vec::with_capacity(TILE_WIDTH as usize * HASH_SIZE),
                    ),
                });
                self.append_to_level(level, hash);
            }
        }
        self.subtrees.push(hash);
        self.size += 1;
    }

    fn append_to_level(&mut self, level: usize, hash: Hash) {
        if self.levels.len() == level {
            self.levels
                .push(Vec::with_capacity(TILE_WIDTH as usize * HASH_SIZE));
        }
        self.levels[level].extend_from_slice(&hash.0);
    }

    /// The tree's root hash.
    pub fn root(&self) -> Hash {
        fold_subtrees(&self.subtrees)
    }
}

/// Reads stored hash tiles; the store behind a [`TileHashReader`].
pub trait TileStore {
    /// The tile at `level`, `index`, as stored (its current width), or `None`.
    fn hash_tile(&self, level: u8, index: u64) -> Result<Option<Vec<u8>>, String>;
}

type TileCache = std::collections::HashMap<(u8, u64), std::rc::Rc<Vec<u8>>>;

/// Serves `tlog_tiles` hash requests (stored hash indexes) from tiles.
pub struct TileHashReader<'a, T: TileStore + ?Sized> {
    store: &'a T,
    cache: std::cell::RefCell<TileCache>,
}

impl<'a, T: TileStore + ?Sized> TileHashReader<'a, T> {
    pub fn new(store: &'a T) -> Self {
        TileHashReader {
            store,
            cache: Default::default(),
        }
    }

    fn tile(&self, level: u8, index: u64) -> Result<std::rc::Rc<Vec<u8>>, tlog_tiles::Error> {
        if let Some(t) = self.cache.borrow().get(&(level, index)) {
            return Ok(t.clone());
        }
        let tile = self
            .store
            .hash_tile(level, index)
            .map_err(|_| tlog_tiles::Error::InvalidTile)?
            .ok_or(tlog_tiles::Error::InvalidTile)?;
        let tile = std::rc::Rc::new(tile);
        self.cache.borrow_mut().insert((level, index), tile.clone());
        Ok(tile)
    }

    /// The hash of the complete subtree at tree level `height`, position `n`.
    pub fn node(&self, height: u8, n: u64) -> Result<Hash, tlog_tiles::Error> {
        let tile_level = height / TILE_HEIGHT as u8;
        let within = u32::from(height) % TILE_HEIGHT;
        let first = n << within;
        let index = first / TILE_WIDTH;
        let offset = (first % TILE_WIDTH) as usize;
        let run = 1usize << within;
        let tile = self.tile(tile_level, index)?;
        if tile.len() < (offset + run) * HASH_SIZE {
            return Err(tlog_tiles::Error::InvalidTile);
        }
        Ok(subtree_hash(
            &tile[offset * HASH_SIZE..(offset + run) * HASH_SIZE],
        ))
    }
}

impl<T: TileStore + ?Sized> tlog_tiles::HashReader for TileHashReader<'_, T> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog_tiles::Error> {
        indexes
            .iter()
            .map(|&i| {
                let (level, n) = tlog_tiles::split_stored_hash_index(i);
                self.node(level, n)
            })
            .collect()
    }
}

/// Why a proof was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("entry index {index} is outside a tree of size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("an inclusion proof needs a tree of at least one entry")]
    EmptyTree,
    #[error("old size {old} is larger than new size {new}")]
    OldLarger { old: u64, new: u64 },
    #[error("consistency with an empty tree proves nothing and is refused")]
    OldEmpty,
    #[error("the trees have the same size {size} but different roots")]
    SameSizeDifferentRoots { size: u64 },
    #[error("the trees have the same size; the proof must be empty but has {len} hashes")]
    SameSizeNonEmptyProof { len: usize },
    #[error("proof of {len} hashes is longer than any tree needs")]
    TooLong { len: usize },
    #[error("the proof does not verify")]
    Mismatch,
}

/// Checks that `leaf` (a record hash) is at `index` in the tree of `size` with `root`.
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: Hash,
    proof: &[Hash],
    root: Hash,
) -> Result<(), ProofError> {
    if size == 0 {
        return Err(ProofError::EmptyTree);
    }
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    if proof.len() > 64 {
        return Err(ProofError::TooLong { len: proof.len() });
    }
    tlog_tiles::check_record(&proof.to_vec(), size, root, index, leaf)
        .map_err(|_| ProofError::Mismatch)
}

/// Checks that the tree of `old_size` with `old_root` is a prefix of the tree of `new_size`
/// with `new_root`. An empty old tree is refused: use [`consistent_with_empty`] semantics at
/// the caller, where a zero size means "nothing seen yet".
pub fn verify_consistency(
    old_size: u64,
    old_root: Hash,
    new_size: u64,
    new_root: Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if old_size > new_size {
        return Err(ProofError::OldLarger {
            old: old_size,
            new: new_size,
        });
    }
    if old_size == 0 {
        return Err(ProofError::OldEmpty);
    }
    if old_size == new_size {
        if !proof.is_empty() {
            return Err(ProofError::SameSizeNonEmptyProof { len: proof.len() });
        }
        if old_root != new_root {
            return Err(ProofError::SameSizeDifferentRoots { size: old_size });
        }
        return Ok(());
    }
    if proof.len() > 126 {
        return Err(ProofError::TooLong { len: proof.len() });
    }
    tlog_tiles::check_tree(&proof.to_vec(), new_size, new_root, old_size, old_root)
        .map_err(|_| ProofError::Mismatch)
}

/// Whether a witness or verifier that has seen nothing of a log (size 0) may accept a first
/// checkpoint: it may, with an empty proof.
pub fn consistent_with_empty(proof: &[Hash]) -> Result<(), ProofError> {
    if proof.is_empty() {
        Ok(())
    } else {
        Err(ProofError::Mismatch)
    }
}

/// The inclusion proof for entry `index` in the tree of `size`, from stored tiles.
pub fn prove_inclusion<T: TileStore + ?Sized>(
    store: &T,
    size: u64,
    index: u64,
) -> Result<Vec<Hash>, ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    tlog_tiles::prove_record(size, index, &TileHashReader::new(store))
        .map_err(|_| ProofError::Mismatch)
}

/// The consistency proof from the tree of `old_size` to the tree of `new_size`.
pub fn prove_consistency<T: TileStore + ?Sized>(
    store: &T,
    old_size: u64,
    new_size: u64,
) -> Result<Vec<Hash>, ProofError> {
    if old_size > new_size {
        return Err(ProofError::OldLarger {
            old: old_size,
            new: new_size,
        });
    }
    if old_size == 0 || old_size == new_size {
        return Ok(Vec::new());
    }
    tlog_tiles::prove_tree(new_size, old_size, &TileHashReader::new(store))
        .map_err(|_| ProofError::Mismatch)
}

/// The root of the tree of `size` entries, from stored tiles.
pub fn tree_root<T: TileStore + ?Sized>(store: &T, size: u64) -> Result<Hash, ProofError> {
    tlog_tiles::tree_hash(size, &TileHashReader::new(store)).map_err(|_| ProofError::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6962 MTH, written out plainly for comparison.
    fn mth(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => EMPTY_HASH,
            1 => leaves[0],
            n => {
                let k = 1usize << (usize::BITS - 1 - (n - 1).leading_zeros());
                node_hash(mth(&leaves[..k]), mth(&leaves[k..]))
            }
        }
    }

    #[test]
    fn right_edge_root_matches_plain_mth() {
        let leaves: Vec<Hash> = (0..70_000u32)
            .map(|i| record_hash(&i.to_be_bytes()))
            .collect();
        let mut edge = RightEdge::default();
        let mut full = Vec::new();
        for (i, leaf) in leaves.iter().enumerate() {
            if matches!(
                i,
                0 | 1 | 2 | 3 | 7 | 255 | 256 | 257 | 511 | 65_535 | 65_536 | 65_539
            ) {
                assert_eq!(edge.root(), mth(&leaves[..i]), "size {i}");
            }
            edge.push(*leaf, &mut full);
        }
        assert_eq!(edge.root(), mth(&leaves));
        // 273 full level-0 tiles and one full level-1 tile.
        assert_eq!(full.iter().filter(|t| t.level == 0).count(), 273);
        assert_eq!(full.iter().filter(|t| t.level == 1).count(), 1);
        assert_eq!(
            hash_at(&full[0].hashes, 5),
            leaves[5],
            "level-0 tiles hold leaf hashes"
        );
        let l1 = full.iter().find(|t| t.level == 1).unwrap();
        assert_eq!(hash_at(&l1.hashes, 3), mth(&leaves[768..1024]));
    }

    #[test]
    fn an_edge_rebuilt_from_its_tiles_grows_like_the_original() {
        let leaves: Vec<Hash> = (0..66_000u32)
            .map(|i| record_hash(&i.to_be_bytes()))
            .collect();
        let mut grown = RightEdge::default();
        let mut ignored = Vec::new();
        let mut done = 0usize;
        for size in [0usize, 1, 3, 255, 256, 257, 511, 65_535, 65_536, 65_537] {
            for leaf in &leaves[done..size] {
                grown.push(*leaf, &mut ignored);
            }
            done = size;
            let tiles = (0..grown.levels())
                .map(|l| grown.tile(l).to_vec())
                .collect();
            let mut rebuilt = RightEdge::from_tiles(size as u64, tiles).unwrap();
            assert_eq!(rebuilt, grown, "size {size}");
            assert_eq!(rebuilt.root(), grown.root(), "size {size}");
            let (mut a, mut b) = (grown.clone(), Vec::new());
            let mut c = Vec::new();
            for (i, leaf) in leaves[size..size + 300].iter().enumerate() {
                a.push(*leaf, &mut b);
                rebuilt.push(*leaf, &mut c);
                assert_eq!(rebuilt.root(), a.root(), "size {size} + {}", i + 1);
            }
            assert_eq!(b, c, "full tiles after size {size}");
            assert_eq!(rebuilt.root(), mth(&leaves[..size + 300]));
        }
    }
}
