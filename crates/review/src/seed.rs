//! The audit seed: dice rolled in public, and the commitment to them recorded before the roll
//! is revealed (docs/methods.md, section 1).

use serde::Serialize;
use stats::seed::{AuditSeed, commitment_matches, seed_commitment};

use crate::error::{Error, Param, Result};

/// The seed's commitment, as `draw` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct SeedRecord {
    pub seed: String,
    /// The salt, hex; revealed with the seed.
    pub salt: String,
    /// SHA-256 commitment to the seed and salt (docs/methods.md §1).
    pub commitment: String,
    /// Whether the salt was made here (no --salt given).
    pub salt_generated: bool,
    /// Whether --commitment was given and matched.
    pub commitment_checked: bool,
}

/// Reads the audit seed, refusing anything but at least 20 dice rolls.
pub fn parse_seed(seed: &str) -> Result<AuditSeed> {
    AuditSeed::parse(seed).map_err(|e| {
        Error::param(
            Param::Seed,
            format!(
                "{{}}: {e}. The audit seed is the dice as rolled in public: at least {} digits \
                 1-6, nothing else",
                stats::seed::MIN_DICE
            ),
        )
    })
}

/// The commitment to `seed` with `salt` (hex; a new random one when absent), checked against
/// `expected` when given.
pub fn commit(seed: &AuditSeed, salt: Option<&str>, expected: Option<&str>) -> Result<SeedRecord> {
    let (bytes, generated) = match salt {
        Some(hex) => (parse_salt(hex)?, false),
        None => {
            if expected.is_some() {
                return Err(Error::param(
                    Param::Salt,
                    "checking the commitment needs {} that was published with the seed",
                ));
            }
            let mut b = [0u8; 32];
            rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut b);
            (b, true)
        }
    };
    let commitment = seed_commitment(seed, &bytes);
    if let Some(want) = expected
        && !commitment_matches(seed, &bytes, want)
    {
        return Err(Error::param(
            Param::Commitment,
            format!(
                "the seed and salt do not match {{}} {want}: they commit to {commitment}. \
                 Nothing was drawn; check the seed as rolled and the salt as published"
            ),
        ));
    }
    Ok(SeedRecord {
        seed: seed.to_string(),
        salt: bytes.iter().map(|b| format!("{b:02x}")).collect(),
        commitment,
        salt_generated: generated,
        commitment_checked: expected.is_some(),
    })
}

fn parse_salt(hex: &str) -> Result<[u8; 32]> {
    let hex = hex.trim();
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Error::param(
            Param::Salt,
            format!(
                "{{}} must be 64 hex digits (32 bytes), as printed by an earlier draw; got {} characters",
                hex.len()
            ),
        ));
    }
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("checked hex");
    }
    Ok(out)
}
