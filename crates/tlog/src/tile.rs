//! C2SP tlog-tiles coordinates, paths and entry bundles.
//!
//! A hash tile at level `L`, index `N` holds up to 256 consecutive Merkle tree hashes at tree
//! level `8·L`; a full tile is exactly 8,192 bytes. Entry bundles hold up to 256 consecutive
//! entries, each prefixed by its length as a big-endian `u16`. Paths are
//! `tile/<L>/<N>[.p/<W>]` and `tile/entries/<N>[.p/<W>]`, where `<N>` is written in
//! zero-padded three-digit groups, all but the last prefixed with `x` (1234067 is
//! `x001/x234/067`), and `.p/<W>` marks a partial tile of width `W` (1–255).

use std::fmt;

/// Hashes (or entries) per full tile.
pub const TILE_WIDTH: u64 = 256;
/// Tree levels spanned by one tile level.
pub const TILE_HEIGHT: u32 = 8;
/// Bytes in one stored hash.
pub const HASH_SIZE: usize = 32;
/// The largest entry an entry bundle can hold.
pub const MAX_ENTRY_SIZE: usize = u16::MAX as usize;

/// What a tile holds: hashes at a tile level, or entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TileKind {
    /// A hash tile at this tile level (tree level `8 × level`).
    Hashes(u8),
    /// An entry bundle.
    Entries,
}

/// The coordinates of one tile or entry bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileId {
    pub kind: TileKind,
    /// Index of the tile within its level.
    pub index: u64,
    /// Number of hashes or entries, 1–256; below 256 the tile is partial.
    pub width: u16,
}

/// A path that is not a C2SP tile or entry bundle path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a C2SP tile path: {0:?}")]
pub struct BadTilePath(pub String);

impl TileId {
    /// A hash tile.
    pub fn hashes(level: u8, index: u64, width: u16) -> TileId {
        TileId {
            kind: TileKind::Hashes(level),
            index,
            width,
        }
    }

    /// An entry bundle.
    pub fn entries(index: u64, width: u16) -> TileId {
        TileId {
            kind: TileKind::Entries,
            index,
            width,
        }
    }

    /// Whether the tile holds all 256 hashes or entries.
    pub fn is_full(&self) -> bool {
        u64::from(self.width) == TILE_WIDTH
    }

    /// The index of the first entry the tile covers.
    pub fn first_entry(&self) -> u64 {
        let level = match self.kind {
            TileKind::Hashes(l) => u32::from(l),
            TileKind::Entries => 0,
        };
        self.index
            .saturating_mul(TILE_WIDTH)
            .checked_shl(TILE_HEIGHT * level)
            .unwrap_or(u64::MAX)
    }

    /// The tile's path relative to the log's prefix.
    pub fn path(&self) -> String {
        let mut out = String::from("tile/");
        match self.kind {
            TileKind::Hashes(l) => out.push_str(&l.to_string()),
            TileKind::Entries => out.push_str("entries"),
        }
        out.push('/');
        out.push_str(&index_path(self.index));
        if !self.is_full() {
            out.push_str(&format!(".p/{}", self.width));
        }
        out
    }

    /// Parses a tile path (without the log's prefix). Only the canonical spelling is accepted.
    pub fn parse(path: &str) -> Result<TileId, BadTilePath> {
        let bad = || BadTilePath(path.to_string());
        let rest = path.strip_prefix("tile/").ok_or_else(bad)?;
        let (kind, rest) = rest.split_once('/').ok_or_else(bad)?;
        let kind = if kind == "entries" {
            TileKind::Entries
        } else {
            let level: u8 = kind.parse().map_err(|_| bad())?;
            if level > 63 {
                return Err(bad());
            }
            TileKind::Hashes(level)
        };
        let (index_part, width) = match rest.split_once(".p/") {
            Some((idx, w)) => {
                let w: u16 = w.parse().map_err(|_| bad())?;
                if !(1..=255).contains(&w) {
                    return Err(bad());
                }
                (idx, w)
            }
            None => (rest, 256),
        };
        let mut index: u64 = 0;
        let groups: Vec<&str> = index_part.split('/').collect();
        for (i, group) in groups.iter().enumerate() {
            let last = i + 1 == groups.len();
            let digits = if last {
                *group
            } else {
                group.strip_prefix('x').ok_or_else(bad)?
            };
            if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            let value: u64 = digits.parse().map_err(|_| bad())?;
            index = index
                .checked_mul(1000)
                .and_then(|v| v.checked_add(value))
                .ok_or_else(bad)?;
        }
        let id = TileId { kind, index, width };
        if id.path() != path {
            return Err(bad());
        }
        Ok(id)
    }
}

impl fmt::Display for TileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path())
    }
}

fn index_path(mut n: u64) -> String {
    let mut groups = vec![format!("{:03}", n % 1000)];
    while n >= 1000 {
        n /= 1000;
        groups.push(format!("x{:03}", n % 1000));
    }
    groups.reverse();
    groups.join("/")
}

/// Width of the rightmost tile at `level` for a tree of `size` (0 when there is none).
pub fn partial_width(size: u64, level: u8) -> u16 {
    ((level_count(size, level)) % TILE_WIDTH) as u16
}

/// Number of hashes at tile level `level` in a tree of `size` entries.
pub fn level_count(size: u64, level: u8) -> u64 {
    size.checked_shr(TILE_HEIGHT * u32::from(level))
        .unwrap_or(0)
}

/// The number of tile levels that hold at least one hash for a tree of `size`.
pub fn level_span(size: u64) -> u8 {
    let mut levels = 0u8;
    while level_count(size, levels) > 0 {
        levels += 1;
    }
    levels
}

/// Every hash tile of a tree of `size`, level by level, full tiles first then the partial one.
pub fn hash_tiles(size: u64) -> impl Iterator<Item = TileId> {
    (0..level_span(size)).flat_map(move |level| tiles_of_level(size, level, 0))
}

/// Every entry bundle of a tree of `size`.
pub fn entry_bundles(size: u64) -> impl Iterator<Item = TileId> {
    grown_tiles(0, size, TileKind::Entries)
}

/// The tiles at `level` that hold hashes for entries at or after `from` in a tree of `size`.
fn tiles_of_level(size: u64, level: u8, from_count: u64) -> impl Iterator<Item = TileId> {
    let count = level_count(size, level);
    let full = count / TILE_WIDTH;
    let width = (count % TILE_WIDTH) as u16;
    let first = from_count / TILE_WIDTH;
    (first..full)
        .map(move |n| TileId::hashes(level, n, 256))
        .chain((width > 0).then_some(TileId::hashes(level, full, width)))
}

/// The tiles of kind `kind` that must be (re)written when a tree grows from `old` to `new`
/// entries: every tile that is new or whose width changed. For entry bundles `kind` is
/// [`TileKind::Entries`]; for hash tiles, pass each level in turn.
pub fn grown_tiles(old: u64, new: u64, kind: TileKind) -> impl Iterator<Item = TileId> {
    let level = match kind {
        TileKind::Hashes(l) => l,
        TileKind::Entries => 0,
    };
    let old_count = level_count(old, level);
    let new_count = level_count(new, level);
    let (first, full, width) = if new_count > old_count {
        (
            old_count / TILE_WIDTH,
            new_count / TILE_WIDTH,
            (new_count % TILE_WIDTH) as u16,
        )
    } else {
        (1, 0, 0)
    };
    (first..full)
        .map(move |n| TileId {
            kind,
            index: n,
            width: 256,
        })
        .chain((width > 0).then_some(TileId {
            kind,
            index: full,
            width,
        }))
}

/// Every hash tile and entry bundle that changes when a tree grows from `old` to `new`.
pub fn changed_tiles(old: u64, new: u64) -> Vec<TileId> {
    let mut out = Vec::new();
    for level in 0..level_span(new) {
        out.extend(grown_tiles(old, new, TileKind::Hashes(level)));
    }
    out.extend(grown_tiles(old, new, TileKind::Entries));
    out
}

/// Appends one entry to an entry bundle under construction.
///
/// Fails when the entry is longer than [`MAX_ENTRY_SIZE`].
pub fn push_bundle_entry(bundle: &mut Vec<u8>, entry: &[u8]) -> Result<(), EntryTooLarge> {
    let len = u16::try_from(entry.len()).map_err(|_| EntryTooLarge(entry.len()))?;
    bundle.extend_from_slice(&len.to_be_bytes());
    bundle.extend_from_slice(entry);
    Ok(())
}

/// An entry over the entry-bundle limit of 65,535 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("entry of {0} bytes is over the 65,535-byte limit of an entry bundle")]
pub struct EntryTooLarge(pub usize);

/// Why an entry bundle could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    #[error(
        "entry {position} of the bundle is cut short: its length prefix says {length} bytes but {available} remain"
    )]
    Truncated {
        position: usize,
        length: usize,
        available: usize,
    },
    #[error("the bundle ends inside the length prefix of entry {position}")]
    TruncatedPrefix { position: usize },
    #[error("the bundle holds {found} entries where {expected} were expected")]
    WrongCount { expected: usize, found: usize },
}

/// Splits an entry bundle into its entries, checking that it holds exactly `expected` of them.
pub fn split_bundle(bundle: &[u8], expected: usize) -> Result<Vec<&[u8]>, BundleError> {
    // Each entry takes at least its 2-byte prefix; `expected` alone may be anything.
    let mut entries = Vec::with_capacity(expected.min(bundle.len() / 2));
    let mut rest = bundle;
    while !rest.is_empty() {
        let position = entries.len();
        if rest.len() < 2 {
            return Err(BundleError::TruncatedPrefix { position });
        }
        let length = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
        rest = &rest[2..];
        if rest.len() < length {
            return Err(BundleError::Truncated {
                position,
                length,
                available: rest.len(),
            });
        }
        entries.push(&rest[..length]);
        rest = &rest[length..];
    }
    if entries.len() != expected {
        return Err(BundleError::WrongCount {
            expected,
            found: entries.len(),
        });
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_follow_the_c2sp_examples() {
        assert_eq!(TileId::hashes(0, 0, 256).path(), "tile/0/000");
        assert_eq!(
            TileId::hashes(4, 1_234_067, 1).path(),
            "tile/4/x001/x234/067.p/1"
        );
        assert_eq!(
            TileId::entries(1_234_067, 256).path(),
            "tile/entries/x001/x234/067"
        );
        assert_eq!(TileId::hashes(1, 1000, 17).path(), "tile/1/x001/000.p/17");
    }

    #[test]
    fn parse_is_the_inverse_of_path_and_rejects_variants() {
        for id in [
            TileId::hashes(0, 0, 256),
            TileId::hashes(2, 999, 3),
            TileId::hashes(63, u64::MAX, 255),
            TileId::entries(1_234_067, 256),
            TileId::entries(1000, 1),
        ] {
            assert_eq!(TileId::parse(&id.path()), Ok(id));
        }
        for bad in [
            "tile/0/1",
            "tile/0/001.p/0",
            "tile/0/001.p/256",
            "tile/0/001.p/01",
            "tile/00/001",
            "tile/64/001",
            "tile/0/001/002",
            "tile/0/x000/001",
            "tile/0/x1/001",
            "tile/data/001",
            "tile/entries/x018/x446/x744/x073/x709/x551/616",
            "tile/0/",
            "",
        ] {
            assert!(TileId::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn tiles_of_a_tree_of_70000_match_the_spec_example() {
        // tlog-tiles: 273 full level-0 tiles, a level-0 partial of width 112, one full level-1
        // tile, a level-1 partial of width 17 and a level-2 partial of width 1.
        let tiles: Vec<TileId> = hash_tiles(70_000).collect();
        let level0: Vec<_> = tiles
            .iter()
            .filter(|t| t.kind == TileKind::Hashes(0))
            .collect();
        assert_eq!(level0.len(), 274);
        assert_eq!(level0.iter().filter(|t| t.is_full()).count(), 273);
        assert_eq!(level0.last().unwrap().width, 112);
        let level1: Vec<_> = tiles
            .iter()
            .filter(|t| t.kind == TileKind::Hashes(1))
            .collect();
        assert_eq!(level1.len(), 2);
        assert!(level1[0].is_full());
        assert_eq!(level1[1].width, 17);
        let level2: Vec<_> = tiles
            .iter()
            .filter(|t| t.kind == TileKind::Hashes(2))
            .collect();
        assert_eq!(level2, vec![&TileId::hashes(2, 0, 1)]);
        assert_eq!(hash_tiles(256).count(), 2);
        assert_eq!(hash_tiles(0).count(), 0);
    }

    #[test]
    fn growth_rewrites_only_changed_tiles() {
        let changed = changed_tiles(300, 310);
        assert_eq!(
            changed,
            vec![TileId::hashes(0, 1, 54), TileId::entries(1, 54)]
        );
        let changed = changed_tiles(255, 257);
        assert_eq!(
            changed,
            vec![
                TileId::hashes(0, 0, 256),
                TileId::hashes(0, 1, 1),
                TileId::hashes(1, 0, 1),
                TileId::entries(0, 256),
                TileId::entries(1, 1),
            ]
        );
        assert!(changed_tiles(500, 500).is_empty());
    }

    #[test]
    fn bundles_round_trip_and_reject_damage() {
        let mut bundle = Vec::new();
        for e in [&b"one"[..], b"", b"three"] {
            push_bundle_entry(&mut bundle, e).unwrap();
        }
        assert_eq!(
            split_bundle(&bundle, 3).unwrap(),
            vec![&b"one"[..], b"", b"three"]
        );
        assert_eq!(
            split_bundle(&bundle, 4),
            Err(BundleError::WrongCount {
                expected: 4,
                found: 3
            })
        );
        assert!(matches!(
            split_bundle(&bundle[..bundle.len() - 1], 3),
            Err(BundleError::Truncated { position: 2, .. })
        ));
        assert!(matches!(
            split_bundle(&bundle[..1], 1),
            Err(BundleError::TruncatedPrefix { position: 0 })
        ));
        assert_eq!(
            push_bundle_entry(&mut bundle, &vec![0; 65_536]),
            Err(EntryTooLarge(65_536))
        );
    }
}
