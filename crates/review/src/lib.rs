//! Every review of a recorded election, as a library: open the election (its directory, a
//! replay of its published log, or a kept state database), then run a risk-limiting audit, a
//! parallel vote tabulation, the checks of a public-seed audit in the log, or the forensics of
//! its station results. Each review returns a report value (serde-serialisable), which the
//! command line renders as text or JSON, and which the server and the HTML report reuse.
//!
//! The crate only reads: nothing here writes to an election's log except
//! [`audit::Recorder`], which submits an audit's sample through the one intake path. It never
//! knows the command line, HTTP or the terminal: options, transports and progress bars are
//! the caller's.
//!
//! - [`election`]: [`Review`], an election opened for review, and its [`Provenance`].
//! - [`scope`]: one contest's stations and result forms in an area.
//! - [`seed`]: audit seeds and their commitments.
//! - [`stations`]: station-level CSV files (recounts, observer reports) read by `interchange`.
//! - [`rla`]: risk-limiting audits (MACRO, BRAVO, ballot comparison): plan, draw, assess.
//! - [`pvt`]: parallel vote tabulation: plan, draw, estimate.
//! - [`audit`]: public-seed audits in the log: the revealed seed, redrawing and checking.
//! - [`forensics`]: station-level forensics over a file or the recorded election.
//! - [`list_audit`]: voter-list audits (list to people, people to list) of the recorded roll.
//! - [`roll`]: deduplication of a voter roll, from a mapped file or the recorded roll, and the
//!   find-my-name index of a recorded roll, and roll diffs between two log sizes or two CSV
//!   snapshots, by area, with the areas whose removal rate stands far above the rest flagged.
//! - [`pollbook`]: the poll book's alerts (second check-ins, pseudonyms off the station's list,
//!   temporary cards misused) and check-ins and cards counted per station, officer and commune.
//! - [`observer`]: observers' record: forms and versions, checklists per form and point of the
//!   day, incidents by category and severity, merged station records and their conflicts, SMS
//!   with their replies, and the flags they raised.
//! - [`summary`]: an election at a glance: its status, and the headline numbers a replay
//!   of its published log rebuilds (the roll, totals by source, seats).
//! - [`results`]: each source's results area by area (an area's drill-down) and one
//!   station's copies side by side, with where they differ from the official copy.
//! - [`reconcile`]: ballot reconciliation per station (received, issued, spoiled and unused on
//!   the official form; issued against the check-ins; counted against issued), by area.
//! - [`complaints`]: complaints, their decisions and deadlines, and those overdue.
//! - [`flags`]: every public flag and poll-book alert together, by kind and area.
//! - [`render`]: every report as plain text.
//! - [`election_day`]: election day station by station, and what lies below each area
//!   (flags, alerts, gaps, checklists, incidents, complaints), for the public site.

pub mod audit;
pub mod complaints;
pub mod election;
pub mod election_day;
mod error;
pub mod flags;
pub mod forensics;
pub mod list_audit;
pub mod observer;
pub mod pollbook;
pub mod pvt;
pub mod reconcile;
pub mod render;
pub mod results;
pub mod rla;
pub mod roll;
pub mod scope;
pub mod seed;
pub mod stations;
pub mod summary;
mod text;

pub use election::{Provenance, Review};
pub use error::{Error, Param, Result};
