//! Review statistics for scrutineer, as pure functions over in-memory numbers.
//!
//! Sampling compatible with Rivest's consistent_sampler, risk-limiting audits (BRAVO, MACRO),
//! parallel vote tabulation, election forensics, voter-list audit estimators and seat allocation.
//!
//! This crate never knows about files, the log or storage: callers hand it numbers and get
//! numbers back, deterministically for a given seed. Every formula is stated, with its source,
//! in `docs/methods.md` (forensics: its section 10).

pub mod consistent_sampler;
pub mod error;
pub mod forensics;
pub mod list_audit;
pub mod pvt;
pub mod rla;
pub mod seats;
pub mod seed;

pub use error::{StatsError, parse_count};
