//! The connection loop: HTTP/1.1 with a deadline on every request's headers, so that a client
//! that connects and stays silent (or sends its headers a byte at a time) is dropped instead
//! of holding a connection forever. axum::serve sets no such timer.

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::time::Duration;
use tokio::net::TcpListener;
use tower::Layer;

/// How long a client may take.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// To send a request's headers, counted from when the server starts waiting for them; an
    /// idle kept-alive connection waits for its next request's headers, so this is also the
    /// idle timeout.
    pub headers: Duration,
    /// To send a request's body, once the headers are in (enforced by the handlers that read
    /// bodies, such as the witness's).
    pub body: Duration,
}

impl Default for Timeouts {
    fn default() -> Timeouts {
        Timeouts {
            headers: Duration::from_secs(10),
            body: Duration::from_secs(10),
        }
    }
}

/// Serves `app` on `listener` until `shutdown` resolves, then lets requests in flight finish
/// (for up to `timeouts.headers + timeouts.body`).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    timeouts: Timeouts,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, or a connection reset before accept: wait and
                    // carry on rather than spin or stop serving.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        // Each request carries its client's address, for the per-client rate limits.
        let service = TowerToHyperService::new(
            axum::Extension(axum::extract::ConnectInfo(peer)).layer(app.clone()),
        );
        let mut stopped = stopped.clone();
        tokio::spawn(async move {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(timeouts.headers)
                .max_buf_size(64 * 1024);
            let conn = builder.serve_connection(TokioIo::new(stream), service);
            let mut conn = std::pin::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = stopped.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
        });
    }
    let _ = stop.send(true);
    drop(stopped);
    let _ = tokio::time::timeout(timeouts.headers + timeouts.body, stop.closed()).await;
    Ok(())
}
