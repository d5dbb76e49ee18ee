//! Output records, built exactly as `newstag tag --format json` builds them: the input object's
//! `id` and unknown fields in input order, then `tags` (name, type, score rounded to four
//! decimals, mention offsets). A batch line that fails gives the CLI's error record
//! `{"line": N, "id": ..., "error": "..."}`.

use crate::error::ApiError;
use newstag::input::{parse_json_article, tag_json_lines, TaggedLine};
use newstag::output::tags_json;
use newstag::{together_or_each, Tag, Tagger};
use serde_json::{Map, Value};

/// A record as compact JSON, without a trailing newline: `passthrough` with `tags` added.
pub fn record_bytes(mut passthrough: Map<String, Value>, tags: &[Tag]) -> Vec<u8> {
    passthrough.insert("tags".into(), tags_json(tags));
    // Serializing a map of JSON values cannot fail (its keys are strings).
    serde_json::to_vec(&Value::Object(passthrough)).unwrap_or_default()
}

/// Options of one tagging request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TagOptions {
    /// Exactly this many tags (as `--top`); `None`: the engine decides.
    pub top: Option<usize>,
}

/// Reads one JSON article and tags it. The error carries the article's `id` when it was read.
pub fn tag_json_article(
    tagger: &Tagger,
    bytes: &[u8],
    options: TagOptions,
    max_bytes: usize,
) -> Result<Vec<u8>, (ApiError, Option<Value>)> {
    let a = parse_json_article(bytes).map_err(|e| (ApiError::from_reading(e, bytes), None))?;
    let tags = match options.top {
        Some(n) => tagger.tag_top(&a.article, n),
        None => tagger.tag(&a.article),
    };
    match tags {
        Ok(tags) => Ok(record_bytes(a.passthrough, &tags)),
        Err(e) => {
            let id = a.passthrough.get("id").cloned();
            Err((ApiError::from_tagging(e, &a.article, max_bytes), id))
        }
    }
}

/// One line (or array element) of a batch into its record: a tagged article, or the CLI's error
/// record for that line. `line` is 1-based; `max_line` is the longest line accepted.
pub fn batch_record(
    tagger: &Tagger,
    line: usize,
    bytes: &[u8],
    options: TagOptions,
    max_bytes: usize,
    max_line: usize,
) -> (Vec<u8>, bool) {
    let outcome = if let Some(problem) = line_problem(bytes, max_bytes, max_line) {
        Err((problem, None))
    } else {
        // A panic in the engine is a bug, but it fails this line only, not the batch.
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            tag_json_article(tagger, bytes, options, max_bytes)
        }))
        .unwrap_or_else(|panic| Err((ApiError::panic(panic.as_ref()), None)))
        .map_err(|(e, id)| (e.message, id))
    };
    match outcome {
        Ok(record) => (record, true),
        Err((error, id)) => (error_record(line, id, &error), false),
    }
}

/// [`batch_record`] of consecutive items, the first numbered `first_line`, tagged together
/// ([`Tagger::tag_batch`]): the same records, faster. A panic while tagging them together (a bug)
/// retags them one at a time, so that it fails its own line only.
pub fn batch_records(
    tagger: &Tagger,
    first_line: usize,
    items: &[&[u8]],
    options: TagOptions,
    max_bytes: usize,
    max_line: usize,
) -> Vec<(Vec<u8>, bool)> {
    let lines: Vec<(usize, &[u8])> = items.iter().enumerate().map(|(i, &b)| (first_line + i, b)).collect();
    let together = |lines: &[(usize, &[u8])]| {
        let read = lines.iter().map(|&(_, bytes)| match line_problem(bytes, max_bytes, max_line) {
            Some(problem) => Err(problem),
            None => Ok(bytes),
        });
        tag_json_lines(tagger, read, options.top)
            .into_iter()
            .zip(lines)
            .map(|(t, &(line, bytes))| {
                let outcome = match t {
                    TaggedLine::Refused(problem) => Err((problem, None)),
                    TaggedLine::Unread(e) => Err((ApiError::from_reading(e, bytes).message, None)),
                    TaggedLine::Read(a, Ok(tags)) => Ok(record_bytes(a.passthrough, &tags)),
                    TaggedLine::Read(a, Err(e)) => {
                        let id = a.passthrough.get("id").cloned();
                        Err((ApiError::from_tagging(e, &a.article, max_bytes).message, id))
                    }
                };
                match outcome {
                    Ok(record) => (record, true),
                    Err((error, id)) => (error_record(line, id, &error), false),
                }
            })
            .collect()
    };
    together_or_each(&lines, together, |&(line, bytes)| {
        batch_record(tagger, line, bytes, options, max_bytes, max_line)
    })
}

/// What is wrong with a batch line before it is read as JSON: too long, or blank.
fn line_problem(bytes: &[u8], max_bytes: usize, max_line: usize) -> Option<String> {
    if bytes.len() > max_line {
        Some(format!(
            "article too large: a line of {} bytes (limit {max_line} with --max-bytes {max_bytes})",
            bytes.len()
        ))
    } else if bytes.iter().all(u8::is_ascii_whitespace) {
        Some("empty line".to_string())
    } else {
        None
    }
}

/// `{"line": N, "id": ..., "error": "..."}`, as `newstag tag --jsonl` writes it.
pub fn error_record(line: usize, id: Option<Value>, error: &str) -> Vec<u8> {
    let mut m = Map::new();
    m.insert("line".into(), line.into());
    if let Some(id) = id {
        m.insert("id".into(), id);
    }
    m.insert("error".into(), error.into());
    serde_json::to_vec(&Value::Object(m)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn items_tagged_together_give_the_records_one_at_a_time_gives() {
        let tagger = Tagger::builder().max_bytes(2_000).build().unwrap();
        let long = json!({"id": "long", "title": "t", "text": "word ".repeat(1_000)}).to_string();
        let items: Vec<Vec<u8>> = vec![
            br#"{"id": 1, "title": "Putin visits China", "text": "Vladimir Putin met Xi Jinping in Beijing."}"#.to_vec(),
            b"   ".to_vec(),
            br#"{"title": "x", "text": "#.to_vec(),
            br#"{"id": "e", "title": "", "text": ""}"#.to_vec(),
            long.into_bytes(),
            vec![0xff, 0xfe],
            br#"[1, 2]"#.to_vec(),
            "x".repeat(300).into_bytes(),
            br#"{"id": 9, "lang": "en", "title": "Rates rise", "body": "The Bank of England raised rates."}"#.to_vec(),
        ];
        let items: Vec<&[u8]> = items.iter().map(Vec::as_slice).collect();
        for top in [None, Some(2)] {
            let options = TagOptions { top };
            let one: Vec<_> = items
                .iter()
                .enumerate()
                .map(|(i, b)| batch_record(&tagger, 5 + i, b, options, 2_000, 200))
                .collect();
            assert_eq!(batch_records(&tagger, 5, &items, options, 2_000, 200), one);
            let (ok, failed) = (one.iter().filter(|r| r.1).count(), one.iter().filter(|r| !r.1).count());
            assert_eq!((ok, failed), (2, 7), "{one:?}");
        }
    }

    #[test]
    fn error_records_have_the_cli_shape() {
        assert_eq!(error_record(2, None, "empty line"), br#"{"line":2,"error":"empty line"}"#);
        assert_eq!(error_record(5, Some(json!("a1")), "oops"), br#"{"line":5,"id":"a1","error":"oops"}"#);
    }

    #[test]
    fn records_keep_field_order_and_round_scores() {
        let mut m = Map::new();
        m.insert("id".into(), json!(7));
        m.insert("lang".into(), json!("en"));
        let tag = Tag {
            name: "Russia".into(),
            tag_type: newstag::TagType::Place,
            score: 0.123_456,
            mentions: vec![[3, 9]],
        };
        let got = String::from_utf8(record_bytes(m, &[tag])).unwrap();
        assert_eq!(
            got,
            r#"{"id":7,"lang":"en","tags":[{"name":"Russia","type":"place","score":0.1235,"mentions":[[3,9]]}]}"#
        );
    }
}
