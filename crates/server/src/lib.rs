//! scrutineer's HTTP side, built on axum: the C2SP witness endpoint, static serving of a
//! published log directory, and signed submissions with group commit ([`intake`]); later the
//! read API, SMS webhooks and the dashboard.
//!
//! It never knows statistics internals, and never writes log or election state itself: it hands
//! each request to the crate that owns it.

pub mod intake;
pub mod serve;
pub mod tiles;
pub mod witness;

pub use serve::{Timeouts, serve};
