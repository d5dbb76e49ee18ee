//! What the pipeline benchmarks share: their articles.

use newstag::Article;
use std::path::Path;

const NEWS: &str = "Russia's central bank raised its key interest rate to 16% on Tuesday\n\n\
Russia's central bank raised its key interest rate to 16% on Tuesday, the biggest increase since \
the 2014 crisis, as the rouble slid to a record low against the dollar. \"We had no choice,\" \
Governor Elvira Nabiullina told reporters in Moscow. Analysts at Goldman Sachs said the move would \
slow growth in the world's 11th-largest economy, and the central bank said inflation would stay \
high through next year.";

/// (title, text) of the benchmark articles.
pub fn articles() -> Vec<(String, String)> {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    let mut out = Vec::new();
    let plain = |s: &str| {
        let a = Article::from_plain_text(s);
        (a.title.to_string(), a.text.to_string())
    };
    out.push(plain(NEWS));
    if let Ok(s) = std::fs::read_to_string(shared.join("examples/putin-xi-visit.txt")) {
        // The last line is the editor's tags, not text.
        let body = s.trim_end().rsplit_once('\n').map_or(s.as_str(), |(b, _)| b);
        out.push(plain(body));
    }
    if let Ok(s) = std::fs::read_to_string(shared.join("data/keyphrase/duc2001.jsonl")) {
        for line in s.lines().take(50) {
            let v: serde_json::Value = serde_json::from_str(line).expect("DUC-2001 is JSONL");
            let field = |k: &str| v[k].as_str().unwrap_or_default().to_string();
            out.push((field("title"), field("text")));
        }
    }
    out
}
