//! What the server loads, how much work it takes on, and what it accepts.

use std::path::PathBuf;

/// The article size limit the CLI uses by default (`newstag tag --max-bytes`): 1 MiB.
pub const DEFAULT_MAX_BYTES: usize = 1 << 20;

/// Settings of one server. `Default` gives the CLI's defaults: embedded models, 1 MiB articles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// Load model files from this directory instead of the embedded ones (as `--model-dir`).
    pub model_dir: Option<PathBuf>,
    /// Refuse articles (title plus body) larger than this many bytes (as `--max-bytes`).
    pub max_bytes: usize,
    /// Largest request body `POST /v1/tag` reads; `None`: `2 * max_bytes + 1 MiB`, the bound the
    /// CLI puts on a JSONL line, so that any article within `max_bytes` fits even when JSON
    /// escaping doubles it.
    pub max_body_bytes: Option<usize>,
    /// Largest request body `POST /v1/tag/batch` reads.
    pub max_batch_bytes: usize,
    /// Tagging threads (`None`: one per core). Tagging runs on this pool, never on the threads
    /// that serve connections, so `/health` answers while every tagging thread is busy.
    pub threads: Option<usize>,
    /// Tagging requests (single or batch) allowed to wait or run at once; beyond it a request
    /// gets 503 `busy` at once instead of queueing without bound.
    pub max_pending: usize,
    /// Skip the named-entity recognizer (as `--no-ner`).
    pub no_ner: bool,
    /// Skip the noun-phrase chunker (as `--no-chunker`).
    pub no_chunker: bool,
    /// How many body tokens the models read (as `--lead`): `None` for what the ranker was trained
    /// with, `Some(None)` for all of each article.
    pub lead: Option<Option<usize>>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            model_dir: None,
            max_bytes: DEFAULT_MAX_BYTES,
            max_body_bytes: None,
            max_batch_bytes: 16 << 20,
            threads: None,
            max_pending: 512,
            no_ner: false,
            no_chunker: false,
            lead: None,
        }
    }
}

impl ServerConfig {
    /// The body limit of `POST /v1/tag`, and the longest line or element a batch may hold (longer
    /// ones get an error record, as in `newstag tag --jsonl`).
    pub fn body_limit(&self) -> usize {
        self.max_body_bytes.unwrap_or_else(|| line_limit(self.max_bytes))
    }
}

/// The CLI's JSONL line limit for an article limit of `max_bytes`.
fn line_limit(max_bytes: usize) -> usize {
    max_bytes.saturating_mul(2).saturating_add(1 << 20)
}
