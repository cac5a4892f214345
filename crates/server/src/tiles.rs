//! Serving a published log directory over HTTP, as C2SP tlog-tiles asks: `checkpoint` as
//! short-lived `text/plain`, tiles and entry bundles as immutable `application/octet-stream`.

use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Serves the directory `root` (as written by `tlog::publish`) under `prefix`.
pub fn router(root: PathBuf, prefix: &str) -> Router {
    let root = Arc::new(root);
    Router::new()
        .route(&format!("{prefix}/checkpoint"), get(checkpoint))
        .route(&format!("{prefix}/tile/{{*path}}"), get(tile))
        .with_state(root)
}

async fn checkpoint(State(root): State<Arc<PathBuf>>) -> Response {
    note(&root, "checkpoint").await
}

/// A note published beside the tiles (`checkpoint`, `state-digest`), short-lived: it is
/// replaced at every publication.
pub async fn note(root: &Path, name: &str) -> Response {
    match tokio::fs::read(root.join(name)).await {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            bytes,
        )
            .into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn tile(State(root): State<Arc<PathBuf>>, UrlPath(path): UrlPath<String>) -> Response {
    tile_file(&root, &path).await
}

/// The tile at `tile/<path>` under `root`, immutable.
pub async fn tile_file(root: &Path, path: &str) -> Response {
    // Only canonical tile paths are served, which also keeps requests inside `root`.
    let full = format!("tile/{path}");
    if tlog::tile::TileId::parse(&full).is_err() {
        return StatusCode::NOT_FOUND.into_response();
    }
    match tokio::fs::read(root.join(&full)).await {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "application/octet-stream"),
                (header::CACHE_CONTROL, "public, max-age=604800, immutable"),
            ],
            bytes,
        )
            .into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}
