//! Offline proofs of inclusion in the C2SP tlog-proof format (`c2sp.org/tlog-proof@v1`).
//!
//! ```text
//! c2sp.org/tlog-proof@v1
//! extra <base64>          (optional)
//! index <n>
//! <base64 hash>           (the inclusion proof, leaf's sibling first)
//! ...
//!
//! <signed checkpoint, cosignatures included>
//! ```

use crate::merkle::verify_inclusion;
use crate::note::{Policy, VerifiedCheckpoint};
use crate::{Hash, ProofError, record_hash};
use base64::prelude::*;

const HEADER: &str = "c2sp.org/tlog-proof@v1";

/// A parsed tlog-proof.
#[derive(Debug, Clone, PartialEq)]
pub struct InclusionProof {
    /// Unauthenticated extra data; never trusted.
    pub extra: Option<Vec<u8>>,
    pub index: u64,
    pub proof: Vec<Hash>,
    /// The signed checkpoint note.
    pub checkpoint: Vec<u8>,
}

/// Why a proof file was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProofFileError {
    #[error("proof line {line}: {message}")]
    Malformed { line: usize, message: String },
    #[error("checkpoint in the proof: {0}")]
    Checkpoint(#[from] crate::note::CheckpointError),
    #[error("the entry is not at index {index} of the checkpointed tree (size {size}): {error}")]
    NotIncluded {
        index: u64,
        size: u64,
        error: ProofError,
    },
}

impl InclusionProof {
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = format!("{HEADER}\n");
        if let Some(extra) = &self.extra {
            out.push_str(&format!("extra {}\n", BASE64_STANDARD.encode(extra)));
        }
        out.push_str(&format!("index {}\n", self.index));
        for h in &self.proof {
            out.push_str(&format!("{h}\n"));
        }
        out.push('\n');
        let mut out = out.into_bytes();
        out.extend_from_slice(&self.checkpoint);
        out
    }

    /// Parses a proof file; errors name the line.
    pub fn parse(bytes: &[u8]) -> Result<InclusionProof, ProofFileError> {
        let bad = |line: usize, message: &str| ProofFileError::Malformed {
            line,
            message: message.to_string(),
        };
        if bytes.len() > 1_000_000 {
            return Err(bad(0, "proof file is over 1 MB"));
        }
        let text = std::str::from_utf8(bytes).map_err(|_| bad(0, "not UTF-8"))?;
        let mut rest = text;
        let mut line_no = 0usize;
        let mut next_line = |rest: &mut &str| -> Option<String> {
            let (line, after) = rest.split_once('\n')?;
            *rest = after;
            line_no += 1;
            Some(line.to_string())
        };
        let header = next_line(&mut rest).ok_or_else(|| bad(1, "empty proof file"))?;
        if header != HEADER {
            return Err(bad(1, &format!("first line must be {HEADER}")));
        }
        let mut line = next_line(&mut rest).ok_or_else(|| bad(2, "missing index line"))?;
        let mut extra = None;
        if let Some(b64) = line.strip_prefix("extra ") {
            extra = Some(
                BASE64_STANDARD
                    .decode(b64)
                    .map_err(|_| bad(2, "extra data is not base64"))?,
            );
            line = next_line(&mut rest).ok_or_else(|| bad(3, "missing index line"))?;
        }
        let index_line = if extra.is_some() { 3 } else { 2 };
        let digits = line
            .strip_prefix("index ")
            .ok_or_else(|| bad(index_line, "want \"index <n>\""))?;
        if digits.is_empty()
            || !digits.bytes().all(|b| b.is_ascii_digit())
            || (digits.len() > 1 && digits.starts_with('0'))
        {
            return Err(bad(
                index_line,
                "index is not a decimal without leading zeros",
            ));
        }
        let index: u64 = digits
            .parse()
            .map_err(|_| bad(index_line, "index is too large"))?;
        let mut proof = Vec::new();
        let mut n = index_line;
        loop {
            n += 1;
            let line = next_line(&mut rest)
                .ok_or_else(|| bad(n, "file ends before the empty line and the checkpoint"))?;
            if line.is_empty() {
                break;
            }
            if proof.len() == 63 {
                return Err(bad(n, "more than 63 proof hashes"));
            }
            let raw = BASE64_STANDARD
                .decode(&line)
                .map_err(|_| bad(n, "proof hash is not base64"))?;
            let hash: [u8; 32] = raw
                .try_into()
                .map_err(|_| bad(n, "proof hash is not 32 bytes"))?;
            proof.push(Hash(hash));
        }
        Ok(InclusionProof {
            extra,
            index,
            proof,
            checkpoint: rest.as_bytes().to_vec(),
        })
    }

    /// Verifies that `entry` is at the proof's index in a checkpoint that satisfies `policy`.
    pub fn verify(
        &self,
        entry: &[u8],
        policy: &Policy,
    ) -> Result<VerifiedCheckpoint, ProofFileError> {
        let cp = policy.verify(&self.checkpoint)?;
        verify_inclusion(
            self.index,
            cp.size,
            record_hash(entry),
            &self.proof,
            cp.root,
        )
        .map_err(|error| ProofFileError::NotIncluded {
            index: self.index,
            size: cp.size,
            error,
        })?;
        Ok(cp)
    }
}
