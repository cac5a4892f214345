//! Synthetic elections shaped like real ones, for the demo, the tests and the benchmarks.
//!
//! [`Cambodia2013`] has the published shape of Cambodia's 2013 National Assembly election: its
//! 24 constituencies and 123 seats, 19,009 stations, 9,675,453 registered voters and 68.5%
//! turnout at national scale, a nine-member commission (four members per party and one chosen
//! by consensus, the 2014 reform), party agents' and observers' copies of the result forms,
//! and synthetic votes whose D'Hondt allocation gives the official seat split in every
//! constituency (CPP 68, CNRP 55). A few stations' official forms differ from the copies, as
//! a manipulated count would.
//!
//! [`pollbook`] is election day's poll book for it: station pseudonym lists, temporary cards and
//! check-ins, with planted double check-ins and card misuse and the truth beside them.
//!
//! [`observers`] is an observer group's record of election day for it: its form definition,
//! two observers' opening checklists at each of the first stations (some by SMS) and
//! incidents, with planted conflicts, out-of-range answers, repeated, malformed and unregistered
//! SMS, and the truth beside them.
//! [`reconcile`] is the official forms' ballot accounting for that poll book's election, with
//! gaps planted at chosen stations and the truth beside them.
//!
//! [`roll`] is a synthetic Cambodian voter roll in Khmer script and romanised, with planted
//! duplicates and a deletion wave, and the truth kept beside it.
//!
//! Everything is deterministic for a given seed, keys included. This crate never reads files:
//! the Khmer name lists are compiled in from ../shared/data/khmer/names by the build script.

pub mod cambodia;
pub mod observers;
pub mod pollbook;
pub mod reconcile;
pub mod roll;

pub use cambodia::{Cambodia2013, Keys, Scale};

/// A small deterministic generator (SplitMix64).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in 0..n.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    /// Roughly normal (sum of uniforms), mean 0 and standard deviation `sd`.
    pub fn normal(&mut self, sd: f64) -> f64 {
        let s: f64 = (0..12).map(|_| self.unit()).sum();
        (s - 6.0) * sd
    }
}
