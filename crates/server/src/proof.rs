//! Inclusion proofs (`GET /proof/{index}`) from the publication itself: the published
//! checkpoint (with its cosignatures) and the published tiles, so that a proof always matches
//! what anyone can download, and answering one never touches the store.

use std::path::Path;

use tlog::proof_file::InclusionProof;
use tlog::verify::{DirSource, SourceTiles};

/// Why there is no proof.
#[derive(Debug)]
pub enum NoProof {
    /// Nothing is published yet, or the checkpoint does not cover the entry yet.
    NotYet(String),
    /// The publication is damaged.
    Broken(String),
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
    let dir = DirSource::new(public);
    let tiles = SourceTiles::new(&dir, cp.size());
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
