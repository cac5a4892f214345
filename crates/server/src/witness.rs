//! The C2SP tlog-witness endpoint: `POST <prefix>/add-checkpoint`.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use std::sync::Arc;
use tlog::witness::{MAX_REQUEST_SIZE, Witness, WitnessReply};

/// The witness's routes under `prefix` (empty, or a path starting with `/`).
pub fn router(witness: Arc<Witness>, prefix: &str) -> Router {
    Router::new()
        .route(&format!("{prefix}/add-checkpoint"), post(add_checkpoint))
        .layer(DefaultBodyLimit::max(MAX_REQUEST_SIZE))
        .with_state(witness)
}

async fn add_checkpoint(State(witness): State<Arc<Witness>>, body: Bytes) -> Response {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    // Checking and storing is a blocking SQLite transaction with an fsync.
    let reply = tokio::task::spawn_blocking(move || witness.add_checkpoint(&body, now))
        .await
        .unwrap_or_else(|e| WitnessReply::Internal(format!("witness task failed: {e}")));
    if reply.status() != 200 {
        tracing::info!(status = reply.status(), "add-checkpoint refused");
    }
    let status = StatusCode::from_u16(reply.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        [(header::CONTENT_TYPE, reply.content_type())],
        reply.body(),
    )
        .into_response()
}
