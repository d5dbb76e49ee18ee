//! The shared state: one [`Tagger`], built once, and the thread pool it runs on.

use crate::config::ServerConfig;
use crate::error::{ApiError, ErrorCode, StartError};
use newstag::Tagger;
use serde_json::{json, Value};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// What every handler shares. Cheap to clone (one `Arc`).
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    tagger: Arc<Tagger>,
    pool: rayon::ThreadPool,
    config: ServerConfig,
    /// One permit per tagging request waiting or running.
    pending: Arc<Semaphore>,
    info: Value,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").field("config", &self.inner.config).finish()
    }
}

impl AppState {
    /// Loads the models as `config` says and starts the tagging threads.
    pub fn new(config: ServerConfig) -> Result<AppState, StartError> {
        let mut builder = Tagger::builder()
            .max_bytes(config.max_bytes)
            .ner(!config.no_ner)
            .chunker(!config.no_chunker)
            .models_from(config.model_dir.as_deref());
        if let Some(lead) = config.lead {
            builder = builder.lead(lead);
        }
        let tagger = builder.build()?;
        let mut pool = rayon::ThreadPoolBuilder::new().thread_name(|i| format!("newstag-tag-{i}"));
        if let Some(n) = config.threads {
            pool = pool.num_threads(n.max(1));
        }
        let pool = pool.build()?;
        let info = crate::info::info(&config, pool.current_num_threads(), tagger.lead());
        Ok(AppState {
            inner: Arc::new(Inner {
                tagger: Arc::new(tagger),
                pool,
                pending: Arc::new(Semaphore::new(config.max_pending.max(1))),
                config,
                info,
            }),
        })
    }

    /// The settings the server runs with.
    pub fn config(&self) -> &ServerConfig {
        &self.inner.config
    }

    /// The engine.
    pub fn tagger(&self) -> &Tagger {
        &self.inner.tagger
    }

    /// What `GET /v1/info` answers.
    pub fn info(&self) -> &Value {
        &self.inner.info
    }

    /// Runs `job` on the tagging pool and waits for it without blocking the async executor.
    /// 503 `busy` when `max_pending` jobs are already waiting or running; a panic in `job` is a
    /// 500, never a crashed server.
    pub(crate) async fn run<T, F>(&self, job: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Tagger) -> T + Send + 'static,
    {
        let permit = self.inner.pending.clone().try_acquire_owned().map_err(|_| {
            ApiError::new(
                ErrorCode::Busy,
                format!(
                    "{} requests are already waiting for tagging; retry later",
                    self.inner.config.max_pending
                ),
            )
        })?;
        let (tx, rx) = tokio::sync::oneshot::channel();
        let tagger = Arc::clone(&self.inner.tagger);
        self.inner.pool.spawn(move || {
            let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(&tagger)));
            drop(permit);
            // The client may have gone away; its answer is then dropped.
            let _ = tx.send(out.map_err(|p| ApiError::panic(p.as_ref())));
        });
        rx.await.unwrap_or_else(|_| {
            Err(ApiError::new(ErrorCode::Internal, "internal error: the tagging job was lost"))
        })
    }
}

/// `GET /health`.
pub(crate) fn health() -> Value {
    json!({"status": "ok"})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(max_pending: usize) -> AppState {
        AppState::new(ServerConfig { threads: Some(1), max_pending, ..Default::default() }).unwrap()
    }

    // Multi-threaded: the test thread blocks until the spawned request runs its job.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn full_queue_answers_busy_then_recovers() {
        let state = state(1);
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let (started, is_started) = std::sync::mpsc::channel::<()>();
        let blocked = tokio::spawn({
            let state = state.clone();
            async move {
                state
                    .run(move |_| {
                        started.send(()).unwrap();
                        wait.recv().unwrap();
                        7
                    })
                    .await
            }
        });
        is_started.recv().unwrap();
        let err = state.run(|_| 0).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::Busy);
        release.send(()).unwrap();
        assert_eq!(blocked.await.unwrap(), Ok(7));
        // The permit is back.
        assert_eq!(state.run(|_| 1).await, Ok(1));
    }

    #[tokio::test]
    async fn a_panicking_job_is_a_500_and_the_pool_lives_on() {
        let state = state(4);
        let err = state.run(|_| -> u8 { panic!("boom") }).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::Internal);
        assert!(err.message.contains("boom"), "{err}");
        assert_eq!(state.run(|_| 2).await, Ok(2));
    }
}
