//! Inclusion proofs (`GET /proof/{index}`) from the publication itself: the published
//! checkpoint (with its cosignatures) and the published tiles, so that a proof always matches
//! what anyone can download, and answering one never touches the store.

use std::path::{Path, PathBuf};

use tlog::merkle::TileStore;
use tlog::proof_file::InclusionProof;
use tlog::tile::{TILE_WIDTH, TileId, level_count};

/// Why there is no proof.
#[derive(Debug)]
pub enum NoProof {
    /// Nothing is published yet, or the checkpoint does not cover the entry yet.
    NotYet(String),
    /// The publication is damaged.
    Broken(String),
}

/// The published tiles of a tree of `size`.
struct Published<'a> {
    dir: &'a Path,
    size: u64,
}

impl TileStore for Published<'_> {
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
        let path: PathBuf = self.dir.join(TileId::hashes(level, index, width).path());
        match std::fs::read(&path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }
}

/// The tlog-proof file of entry `index` against the checkpoint published in `public`.
pub fn proof(public: &Path, index: u64) -> Result<Vec<u8>, NoProof> {
    let note = match std::fs::read(public.join("checkpoint")) {
        Ok(n) => n,
        Err(_) => {
            return Err(NoProof::NotYet(
                "nothing is published yet; the operator publishes at its cadence".into(),
            ));
        }
    };
    let (cp, _, _) = tlog::note::open_checkpoint(&note)
        .map_err(|e| NoProof::Broken(format!("the published checkpoint: {e}")))?;
    if index >= cp.size() {
        return Err(NoProof::NotYet(format!(
            "entry {index} is not covered by the published checkpoint yet (it has {} entries); \
             ask again after the next publication",
            cp.size()
        )));
    }
    let tiles = Published {
        dir: public,
        size: cp.size(),
    };
    let hashes = tlog::merkle::prove_inclusion(&tiles, cp.size(), index)
        .map_err(|e| NoProof::Broken(format!("proving entry {index}: {e}")))?;
    Ok(InclusionProof {
        extra: None,
        index,
        proof: hashes,
        checkpoint: note,
    }
    .to_bytes())
}
