//! scrutineer's HTTP side, built on axum: the C2SP witness endpoint, and later the submission
//! API, static log tiles, SMS webhooks and the dashboard.
//!
//! It never knows statistics internals; it hands requests to the crates that own them.
