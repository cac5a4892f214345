//! The public audit seed: dice rolled in public, committed to before it is revealed.
//!
//! Sequence in the log: the commitment, then (after the roll is over) the seed and its salt,
//! then the sample the seed produces. Anyone can check that the revealed seed matches the
//! commitment and redo the draw with consistent_sampler.

use sha2::{Digest, Sha256};

use crate::StatsError;

/// Fewest dice rolls a seed may have: 6^20 ≈ 3.7·10^15 equally likely seeds.
pub const MIN_DICE: usize = 20;

/// Label mixed into the commitment so that it cannot be confused with any other hash.
pub const COMMITMENT_LABEL: &str = "scrutineer audit seed commitment v1";

/// A seed of at least [`MIN_DICE`] six-sided dice results, each a digit 1-6, nothing else.
///
/// Spaces and other separators are refused rather than stripped, because the sampler hashes
/// the seed exactly as written: "1234 5612…" and "12345612…" draw different samples.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AuditSeed(String);

impl AuditSeed {
    pub fn parse(text: &str) -> Result<AuditSeed, StatsError> {
        if let Some((pos, c)) = text.char_indices().find(|(_, c)| !('1'..='6').contains(c)) {
            return Err(StatsError::InvalidSeed {
                reason: format!(
                    "character {:?} at position {} is not a die face; \
                     a seed is only the digits 1-6 as rolled",
                    c,
                    pos + 1
                ),
            });
        }
        if text.len() < MIN_DICE {
            return Err(StatsError::InvalidSeed {
                reason: format!(
                    "it has {} dice rolls; at least {MIN_DICE} are needed",
                    text.len()
                ),
            });
        }
        Ok(AuditSeed(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for AuditSeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The SHA-256 commitment to a seed, lower-case hex:
/// `SHA-256(COMMITMENT_LABEL + "\n" + hex(salt) + "\n" + seed)`.
///
/// The salt (32 random bytes, revealed with the seed) makes the commitment hiding: 20 dice
/// are only about 2^52 possibilities, few enough to try them all against a bare SHA-256(seed).
/// Anyone can recompute it with
/// `printf '%s\n%s\n%s' "$LABEL" "$SALT_HEX" "$SEED" | sha256sum`.
pub fn seed_commitment(seed: &AuditSeed, salt: &[u8; 32]) -> String {
    let mut h = Sha256::new();
    h.update(COMMITMENT_LABEL.as_bytes());
    h.update(b"\n");
    for b in salt {
        h.update(format!("{b:02x}").as_bytes());
    }
    h.update(b"\n");
    h.update(seed.as_str().as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether a revealed seed and salt match an earlier commitment (hex, either case).
pub fn commitment_matches(seed: &AuditSeed, salt: &[u8; 32], commitment: &str) -> bool {
    seed_commitment(seed, salt).eq_ignore_ascii_case(commitment.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_are_dice_only() {
        assert!(AuditSeed::parse("31415926535897932384").is_err()); // has 0, 7, 8, 9
        assert!(AuditSeed::parse("1234561234561234561").is_err()); // 19 rolls
        assert!(AuditSeed::parse("12345 612345612345612").is_err());
        assert!(AuditSeed::parse("").is_err());
        let s = AuditSeed::parse("12345612345612345612").unwrap();
        assert_eq!(s.as_str(), "12345612345612345612");
        let err = AuditSeed::parse("1234561234561234561x").unwrap_err();
        assert!(err.to_string().contains("position 20"), "{err}");
    }

    #[test]
    fn commitment_binds_seed_and_salt() {
        let seed = AuditSeed::parse("66666111112222233333").unwrap();
        let salt = [7u8; 32];
        let c = seed_commitment(&seed, &salt);
        // Recomputed independently: the documented string, hashed in one go.
        let text = format!("{COMMITMENT_LABEL}\n{}\n{}", "07".repeat(32), seed);
        assert_eq!(c, crate::consistent_sampler::sha256_hex(&text));
        assert!(commitment_matches(&seed, &salt, &c.to_uppercase()));
        let other = AuditSeed::parse("66666111112222233334").unwrap();
        assert!(!commitment_matches(&other, &salt, &c));
        assert!(!commitment_matches(&seed, &[8u8; 32], &c));
    }
}
