//! The public site that the operator loop (and `scrutineer publish`) writes under the
//! publication's `site/` (the `site` crate), served as files: only plain relative paths
//! (segments of `[A-Za-z0-9_.~-]`, none `.` or `..`), so requests cannot leave it, and
//! `no-cache`, since its data files are replaced at each publication.

use std::path::Path;

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::app::ApiError;

/// The media type of a site file, by its extension.
fn media_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, e)| e) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("json") => "application/json",
        Some("png") => "image/png",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

/// Whether `path` is a plain relative path inside the site.
fn plain(path: &str) -> bool {
    !path.is_empty()
        && path.split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_.~-".contains(&b))
        })
}

/// The file at `site/<path>` under the publication `public`.
pub async fn file(public: &Path, path: &str) -> Response {
    let not_found = || {
        ApiError(
            StatusCode::NOT_FOUND,
            format!("no file site/{path} in the publication"),
        )
        .into_response()
    };
    if !plain(path) {
        return not_found();
    }
    match tokio::fs::read(public.join(site::SITE_DIR).join(path)).await {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, media_type(path)),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            bytes,
        )
            .into_response(),
        Err(_) => not_found(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_paths_inside_the_site() {
        for ok in [
            "index.html",
            "data/area/na/_.json",
            "data/area/na/~e19e97.js",
        ] {
            assert!(plain(ok), "{ok}");
        }
        for bad in [
            "",
            "../log.db",
            "data/../../x",
            "/etc/passwd",
            "a//b",
            "a/./b",
            "a\\b",
            "a%2e",
        ] {
            assert!(!plain(bad), "{bad}");
        }
    }
}
