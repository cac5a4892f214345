//! The election record: typed, versioned, signed events; the commission's multi-party
//! governance; and the deterministic fold of the log into a SQLite projection of state.
//!
//! - [`event`]: the events and the exact bytes of an entry (RFC 8785 canonical JSON);
//! - [`fold`]: how each entry changes state, or why it is refused (intake and replay share it);
//! - [`state`]: the tables and the state digest;
//! - [`election`]: intake (validate → sequence into the log → apply, in one transaction);
//! - [`config`]: the human-written election configuration that becomes the genesis;
//! - [`dir`]: an election's working directory (`log.db`, `log.toml`, `private/`);
//! - [`replay`]: rebuilding the state from a published log alone;
//! - [`private`]: the commission's private file of a voter-roll batch, durable before the
//!   batch is submitted, and the settling of what a killed import left;
//! - [`witnessing`]: recording a checkpoint its witnesses cosigned as an entry of the log.
//!
//! This crate never knows about HTTP or statistics.

pub mod audit;
pub mod config;
pub mod dir;
pub mod election;
pub mod event;
pub mod fold;
pub mod private;
pub mod replay;
pub mod report;
pub mod state;
pub mod witnessing;

pub use election::{Election, SubmitError};
pub use event::{Entry, Event};
pub use fold::{Applied, Fold, Refusal};
