//! Observers' forms and reports: the form definitions an observer organisation writes
//! ([`form`], read from TOML), checklists and incident reports validated against them
//! ([`report`]) with the quality checks they declare ([`check`]), coded SMS reports read into
//! checklists with a reply for the observer ([`sms`]), a file of received messages checked one
//! by one ([`messages`]), and the master record of a station merged from several observers'
//! checklists ([`merge`]).
//!
//! It is pure: it parses the bytes and values it is given and returns values. It never knows
//! the log, the state, SQL, HTTP, files or the terminal, and it never sees a phone number: a
//! sender is the HMAC of their number, computed by whoever received the message. Recording
//! definitions and reports in the log is the ledger's business.
//!
//! Two rules shape it: a report that does not fit its form is refused with one precise line per
//! problem (what an observer can correct and send again), while a report that fits but fails a
//! quality check stands, flagged: a check is evidence, never a reason to refuse.

pub mod check;
pub mod form;
pub mod merge;
pub mod messages;
pub mod report;
pub mod sms;

pub use form::{Form, Forms};
pub use report::{Checklist, Incident, Report, Value};
