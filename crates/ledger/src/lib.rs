//! The election record: typed, versioned, signed events, the commission's multi-party
//! governance, and the deterministic fold of the log into a SQLite projection of state.
//!
//! Not yet built (issue 3). It will never know about HTTP or statistics.
