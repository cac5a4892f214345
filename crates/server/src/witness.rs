//! The C2SP tlog-witness endpoint: `POST <prefix>/add-checkpoint`.

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use std::sync::Arc;
use std::time::Duration;
use tlog::witness::{MAX_REQUEST_SIZE, Witness, WitnessReply};

/// The witness's routes under `prefix` (empty, or a path starting with `/`), with the default
/// body timeout.
pub fn router(witness: Arc<Witness>, prefix: &str) -> Router {
    router_with(witness, prefix, crate::Timeouts::default().body)
}

/// [`router`], giving a client `body_timeout` to send a request's body.
pub fn router_with(witness: Arc<Witness>, prefix: &str, body_timeout: Duration) -> Router {
    Router::new()
        .route(&format!("{prefix}/add-checkpoint"), post(add_checkpoint))
        .layer(DefaultBodyLimit::max(MAX_REQUEST_SIZE))
        .with_state((witness, body_timeout))
}

async fn add_checkpoint(
    State((witness, body_timeout)): State<(Arc<Witness>, Duration)>,
    body: Body,
) -> Response {
    answer(witness, body_timeout, body).await
}

/// Answers one add-checkpoint request, giving the client `body_timeout` to send its body.
pub async fn answer(witness: Arc<Witness>, body_timeout: Duration, body: Body) -> Response {
    // A request is small; one that trickles in or runs past the limit is dropped, not held.
    let body = match tokio::time::timeout(
        body_timeout,
        axum::body::to_bytes(body, MAX_REQUEST_SIZE),
    )
    .await
    {
        Ok(Ok(body)) => body,
        Ok(Err(_)) => {
            return (
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("a request is at most {MAX_REQUEST_SIZE} bytes\n"),
            )
                .into_response();
        }
        Err(_) => {
            return (
                StatusCode::REQUEST_TIMEOUT,
                format!("the body did not arrive within {body_timeout:?}\n"),
            )
                .into_response();
        }
    };
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
