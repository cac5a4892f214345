//! scrutineer's HTTP side, built on axum: `scrutineer serve` ([`app`]: intake with group
//! commit, the operator loop, the publication, inclusion proofs, evidence blobs, the read API,
//! OpenAPI and metrics), and the pieces it is built from, which also serve alone: the C2SP
//! witness endpoint ([`witness`]) and static serving of a published log directory ([`tiles`]);
//! the public site written beside the publication is served by [`site`], and "find my name" by
//! [`find`].
//!
//! It never knows statistics internals, and never writes election state itself: submissions go
//! through the election's one intake path, where the fold decides, and questions are answered
//! by `review`'s report values.

pub mod app;
pub mod blobs;
pub mod find;
pub mod flags;
pub mod fresh;
pub mod intake;
pub mod limit;
pub mod metrics;
pub mod operator;
pub mod proof;
pub mod routes;
pub mod serve;
pub mod site;
pub mod sms;
pub mod tiles;
pub mod witness;

pub use serve::{Timeouts, serve};
