//! `newstag serve`: the HTTP API (crate newstag-server) on a socket, until Ctrl-C or SIGTERM.

use anyhow::{Context, Result};
use clap::Args;
use newstag_server::{AppState, ServerConfig, DEFAULT_MAX_BYTES};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

const AFTER_HELP: &str = "\
Endpoints: POST /v1/tag (one JSON article; ?top=N), POST /v1/tag/batch (JSONL or a JSON array),
GET /v1/info, GET /health. Records are those of `newstag tag --format json`; errors are
{\"error\":{\"code\":\"...\",\"message\":\"...\"}} with a matching HTTP status (see README.md).

The listening address is printed on stdout (\"newstag: listening on http://ADDR\"), also when
--addr asks for port 0. Ctrl-C or SIGTERM stops accepting connections, finishes the requests in
flight and exits 0.";

#[derive(Args, Debug)]
#[command(after_long_help = AFTER_HELP)]
pub struct ServeArgs {
    /// Address to listen on (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// Load model files from this directory instead of the embedded ones.
    #[arg(long)]
    pub model_dir: Option<PathBuf>,
    /// Refuse articles larger than this many bytes (413 article_too_large).
    #[arg(long, default_value_t = DEFAULT_MAX_BYTES)]
    pub max_bytes: usize,
    /// Largest body of POST /v1/tag, and longest batch line (default: 2 * --max-bytes + 1 MiB).
    #[arg(long)]
    pub max_body_bytes: Option<usize>,
    /// Largest body of POST /v1/tag/batch.
    #[arg(long, default_value_t = ServerConfig::default().max_batch_bytes)]
    pub max_batch_bytes: usize,
    /// Tagging threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Tagging requests allowed to wait or run at once; more get 503 busy.
    #[arg(long, default_value_t = ServerConfig::default().max_pending)]
    pub max_pending: usize,
    /// Skip the named-entity recognizer (as `tag --no-ner`).
    #[arg(long)]
    pub no_ner: bool,
    /// Skip the noun-phrase chunker (as `tag --no-chunker`).
    #[arg(long)]
    pub no_chunker: bool,
    /// How much of each article the models read (as `tag --lead`; default: the ranker's).
    #[arg(long, value_name = "TOKENS")]
    pub lead: Option<crate::tag_cmd::Lead>,
}

pub fn run(args: ServeArgs) -> Result<ExitCode> {
    let config = ServerConfig {
        model_dir: args.model_dir,
        max_bytes: args.max_bytes,
        max_body_bytes: args.max_body_bytes,
        max_batch_bytes: args.max_batch_bytes,
        threads: args.threads,
        max_pending: args.max_pending,
        no_ner: args.no_ner,
        no_chunker: args.no_chunker,
        lead: args.lead.map(|l| l.0),
    };
    let state = AppState::new(config).context("starting the server")?;
    // Connections only: tagging runs on the server's own pool, so two I/O threads suffice.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("newstag-http")
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(&args.addr)
            .await
            .with_context(|| format!("listening on {}", args.addr))?;
        let addr = listener.local_addr().context("reading the bound address")?;
        // Signal handlers before the address is announced: a client may send SIGTERM at once.
        let shutdown = newstag_server::shutdown_signal();
        let mut out = std::io::stdout().lock();
        writeln!(out, "newstag: listening on http://{addr}")?;
        out.flush()?;
        drop(out);
        newstag_server::serve(listener, state, shutdown).await.context("serving")?;
        eprintln!("newstag: shut down");
        Ok(ExitCode::SUCCESS)
    })
}
