//! `GET /v1/info`: the version, the models in use and the limits.

use crate::config::ServerConfig;
use serde_json::{json, Value};
use std::io::Read;

/// Model files the tagger loads, and whether each is in use under `config`. `clusters.bin` is
/// always the embedded one (read by the recognizer and the chunker).
fn models_in_use(config: &ServerConfig) -> Vec<(&'static str, bool)> {
    vec![
        ("gazetteer.bin", true),
        ("pos.bin", true),
        ("chunk.bin", !config.no_chunker),
        ("ner.bin", !config.no_ner),
        ("clusters.bin", !(config.no_ner && config.no_chunker)),
        ("ranker.bin", true),
        ("docfreq.bin", true),
    ]
}

/// The info document, computed once at start; `lead` is the tagger's (`null`: all).
pub(crate) fn info(config: &ServerConfig, threads: usize, lead: Option<usize>) -> Value {
    let mut models = Vec::new();
    for (name, used) in models_in_use(config) {
        if !used {
            continue;
        }
        let from_dir = (name != "clusters.bin")
            .then(|| config.model_dir.as_ref().map(|d| d.join(name)))
            .flatten()
            .filter(|p| p.is_file());
        let entry = match from_dir {
            Some(path) => {
                let mut head = Vec::with_capacity(28);
                let read = std::fs::File::open(&path).and_then(|f| f.take(28).read_to_end(&mut head));
                let size = std::fs::metadata(&path).map(|m| m.len()).ok();
                describe(name, &path.display().to_string(), read.ok().map(|_| head.as_slice()), size)
            }
            None => match newstag_models::get(name) {
                Some(bytes) => describe(name, "embedded", Some(bytes), Some(bytes.len() as u64)),
                None => continue,
            },
        };
        models.push(entry);
    }
    json!({
        "name": "newstag",
        "version": env!("CARGO_PKG_VERSION"),
        "models": models,
        "options": {"ner": !config.no_ner, "chunker": !config.no_chunker, "lead": lead},
        "limits": {
            "max_article_bytes": config.max_bytes,
            "max_body_bytes": config.body_limit(),
            "max_batch_bytes": config.max_batch_bytes,
            "max_pending": config.max_pending,
        },
        "threads": threads,
    })
}

fn describe(name: &str, source: &str, head: Option<&[u8]>, size: Option<u64>) -> Value {
    let header = head.and_then(|h| newstag::model::read_header(h).ok());
    json!({
        "file": name,
        "source": source,
        "kind": header.as_ref().map(|h| String::from_utf8_lossy(&h.kind).into_owned()),
        "format_version": header.as_ref().map(|h| h.version),
        "bytes": size,
        "crc32": header.as_ref().map(|h| format!("{:08x}", h.crc32)),
    })
}
