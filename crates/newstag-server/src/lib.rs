//! The newstag HTTP API: an [axum] router over one shared [`newstag::Tagger`].
//!
//! A request's article goes through exactly what `newstag tag` does with it: the same reader
//! ([`newstag::input::parse_json_article`]: `title` and `text` or `body`, `id` and unknown fields
//! kept), the same engine call (`tag`, or `tag_top` with `?top=N`), the same record. The tagger
//! is built once ([`AppState::new`]) and shared; tagging is CPU-bound and runs on its own thread
//! pool, so connections, `/health` and `/v1/info` stay responsive while every tagging thread is
//! busy.
//!
//! | endpoint | in | out |
//! |---|---|---|
//! | `POST /v1/tag[?top=N]` | one JSON article | its record: the input's other fields, then `tags` |
//! | `POST /v1/tag/batch[?top=N]` | JSONL, or a JSON array of articles | one record per line, in order; `{"line": N, "error": "..."}` for a bad one |
//! | `GET /health` | | `{"status": "ok"}` |
//! | `GET /v1/info` | | version, models, limits |
//!
//! Errors are `{"error": {"code": "...", "message": "..."}}` with the status of the code
//! ([`ErrorCode`]); input never gives a 500.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use newstag_server::{AppState, ServerConfig};
//! let state = AppState::new(ServerConfig::default())?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! newstag_server::serve(listener, state, newstag_server::shutdown_signal()).await?;
//! # Ok(())
//! # }
//! ```
//!
//! Tests drive [`router`] in-process (`tower::ServiceExt::oneshot`), without a socket.

#![deny(missing_docs)]

mod config;
mod error;
mod handlers;
mod info;
pub mod record;
mod state;

pub use config::{ServerConfig, DEFAULT_MAX_BYTES};
pub use error::{ApiError, ErrorCode, StartError};
pub use state::AppState;

use axum::routing::{get, post};
use axum::Router;
use std::future::Future;

/// The API's routes over `state`.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/health", get(handlers::health))
        .route("/v1/info", get(handlers::info))
        .route("/v1/tag", post(handlers::tag))
        .route("/v1/tag/batch", post(handlers::batch))
        .fallback(handlers::not_found)
        .method_not_allowed_fallback(handlers::method_not_allowed)
        .with_state(state)
}

/// Serves the API on `listener` until `shutdown` completes, then finishes the requests in flight
/// and returns.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state)).with_graceful_shutdown(shutdown).await
}

/// A future that completes on Ctrl-C (SIGINT) or, on Unix, SIGTERM: what a terminal or a service
/// manager sends. On Unix the handlers are installed when this is called (inside the runtime),
/// not when the future is first polled: call it before announcing the server, or a signal sent
/// as soon as the server answers can still find the default action and kill the process (the
/// serve test's SIGTERM did, once in many runs, while the future had not been polled yet).
#[cfg(unix)]
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    use tokio::signal::unix::{signal, Signal, SignalKind};
    // A signal that cannot be watched never completes its branch.
    async fn received(s: Option<Signal>) {
        match s {
            Some(mut s) => {
                s.recv().await;
            }
            None => std::future::pending::<()>().await,
        }
    }
    let (interrupt, terminate) = (signal(SignalKind::interrupt()).ok(), signal(SignalKind::terminate()).ok());
    async move {
        tokio::select! {
            _ = received(interrupt) => {},
            _ = received(terminate) => {},
        }
    }
}

/// A future that completes on Ctrl-C (elsewhere than on Unix).
#[cfg(not(unix))]
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    async {
        if tokio::signal::ctrl_c().await.is_err() {
            // No signal handling available: never shut down.
            std::future::pending::<()>().await;
        }
    }
}
