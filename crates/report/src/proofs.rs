//! Where a finding's evidence comes from: each entry's bytes and its inclusion proof (a
//! tlog-proof file) against one signed checkpoint, either from a publication (a directory or
//! a URL, through any `tlog::verify::TileSource`) or from an election directory's own store.
//! The proofs are the ones `scrutineer verify --proof` checks.

use tlog::proof_file::InclusionProof;
use tlog::tile::{TILE_WIDTH, TileId, split_bundle};
use tlog::verify::{SourceTiles, TileSource};
use tlog::{Log, SqliteStorage};

/// Entries and their proofs against one checkpoint.
pub trait Prover {
    /// The size of the tree the checkpoint signs; entries at or past it have no proof yet.
    fn size(&self) -> u64;
    /// Where the proofs come from, in words.
    fn describe(&self) -> String;
    /// The entry's bytes, exactly as logged.
    fn entry(&self, index: u64) -> Result<Vec<u8>, String>;
    /// The tlog-proof file of the entry.
    fn proof(&self, index: u64) -> Result<Vec<u8>, String>;
}

/// Proofs from a publication: its checkpoint (with the witnesses' cosignatures) and tiles.
pub struct Published<'a> {
    source: &'a dyn TileSource,
    note: Vec<u8>,
    size: u64,
}

impl<'a> Published<'a> {
    /// Reads the publication's checkpoint. Its signatures are not checked here: a reader
    /// checks them with the proof, against the keys they trust.
    pub fn open(source: &'a dyn TileSource) -> Result<Published<'a>, String> {
        let note = source
            .fetch("checkpoint")?
            .ok_or_else(|| format!("{}: no checkpoint is published", source.describe()))?;
        let (cp, _, _) = tlog::note::open_checkpoint(&note)
            .map_err(|e| format!("{}/checkpoint: {e}", source.describe()))?;
        Ok(Published {
            source,
            size: cp.size(),
            note,
        })
    }
}

impl Prover for Published<'_> {
    fn size(&self) -> u64 {
        self.size
    }

    fn describe(&self) -> String {
        format!(
            "the checkpoint published at {} ({} entries)",
            self.source.describe(),
            review::render::group(self.size)
        )
    }

    fn entry(&self, index: u64) -> Result<Vec<u8>, String> {
        if index >= self.size {
            return Err(not_covered(index, self.size));
        }
        let n = index / TILE_WIDTH;
        let width = (self.size - n * TILE_WIDTH).min(TILE_WIDTH) as u16;
        let path = TileId::entries(n, width).path();
        let bundle = self
            .source
            .fetch(&path)?
            .ok_or_else(|| format!("{}/{path}: not published", self.source.describe()))?;
        let entries = split_bundle(&bundle, usize::from(width))
            .map_err(|e| format!("{}/{path}: {e}", self.source.describe()))?;
        Ok(entries[(index % TILE_WIDTH) as usize].to_vec())
    }

    fn proof(&self, index: u64) -> Result<Vec<u8>, String> {
        if index >= self.size {
            return Err(not_covered(index, self.size));
        }
        let tiles = SourceTiles::new(self.source, self.size);
        let proof = tlog::merkle::prove_inclusion(&tiles, self.size, index)
            .map_err(|e| format!("proving entry {index}: {e}"))?;
        Ok(InclusionProof {
            extra: None,
            index,
            proof,
            checkpoint: self.note.clone(),
        }
        .to_bytes())
    }
}

/// Proofs from an election directory's store, against its latest stored checkpoint.
pub struct Stored<'a> {
    log: &'a Log<SqliteStorage>,
    note: Vec<u8>,
    size: u64,
}

impl<'a> Stored<'a> {
    /// The log's latest stored checkpoint; an error says how to make one.
    pub fn open(log: &'a Log<SqliteStorage>) -> Result<Stored<'a>, String> {
        let note = log.latest_checkpoint().map_err(|e| e.to_string())?.ok_or(
            "the election has no checkpoint yet to prove entries against; sign one with \
             `scrutineer log checkpoint` (and have it witnessed) first",
        )?;
        let (cp, _, _) = tlog::note::open_checkpoint(&note)
            .map_err(|e| format!("the latest stored checkpoint: {e}"))?;
        Ok(Stored {
            log,
            size: cp.size(),
            note,
        })
    }
}

impl Prover for Stored<'_> {
    fn size(&self) -> u64 {
        self.size
    }

    fn describe(&self) -> String {
        format!(
            "the election's latest checkpoint ({} entries)",
            review::render::group(self.size)
        )
    }

    fn entry(&self, index: u64) -> Result<Vec<u8>, String> {
        self.log.entry(index).map_err(|e| e.to_string())
    }

    fn proof(&self, index: u64) -> Result<Vec<u8>, String> {
        if index >= self.size {
            return Err(not_covered(index, self.size));
        }
        let proof = self
            .log
            .prove_inclusion(index, self.size)
            .map_err(|e| format!("proving entry {index}: {e}"))?;
        Ok(InclusionProof {
            extra: None,
            index,
            proof,
            checkpoint: self.note.clone(),
        }
        .to_bytes())
    }
}

fn not_covered(index: u64, size: u64) -> String {
    format!(
        "entry {index} is not covered by the checkpoint ({} entries) yet; prove it after \
         the next checkpoint",
        review::render::group(size)
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_are_written_with_thousands_separators() {
        assert_eq!(
            super::not_covered(70_000, 68_426),
            "entry 70000 is not covered by the checkpoint (68,426 entries) yet; prove it after \
             the next checkpoint"
        );
    }
}
