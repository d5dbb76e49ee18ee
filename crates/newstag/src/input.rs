//! Reading articles: plain text, one JSON object, or one line of JSONL.
//!
//! JSON articles carry `title` and `text` (or `body`); `id` and every other field are kept so
//! that output can pass them through untouched.

use crate::error::{Error, Result};
use crate::output::Tag;
use crate::pipeline::{Article, Tagger};
use serde_json::{Map, Value};

/// How deep JSON may nest before it is refused (serde_json's own limit is 128).
const MAX_DEPTH: usize = 64;

/// An article read from JSON, with the fields it carried besides title and body.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonArticle {
    /// The article.
    pub article: Article<'static>,
    /// `id` and all unknown fields, in input order.
    pub passthrough: Map<String, Value>,
}

/// Parses one JSON object as an article. Bytes must be UTF-8.
pub fn parse_json_article(bytes: &[u8]) -> Result<JsonArticle> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| Error::Input(format!("invalid UTF-8 at byte {}", e.valid_up_to())))?;
    if nesting_depth(text) > MAX_DEPTH {
        return Err(Error::Input(format!("JSON nested deeper than {MAX_DEPTH} levels")));
    }
    let value: Value =
        serde_json::from_str(text).map_err(|e| Error::Input(format!("malformed JSON: {e}")))?;
    let Value::Object(mut map) = value else {
        return Err(Error::Input("expected a JSON object with \"title\" and \"text\"".into()));
    };
    let mut take = |key: &str| -> Result<Option<String>> {
        // `shift_remove`: the other fields keep their order (`remove` swaps the last one in).
        match map.shift_remove(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => {
                Err(Error::Input(format!("field \"{key}\" must be a string, found {}", kind(&other))))
            }
        }
    };
    let title = take("title")?;
    let text = take("text")?;
    let body = take("body")?;
    let text = match (text, body) {
        (Some(t), _) => t,
        (None, Some(b)) => b,
        (None, None) if title.is_some() => String::new(),
        (None, None) => return Err(Error::Input("no \"title\", \"text\" or \"body\" field".into())),
    };
    Ok(JsonArticle { article: Article::new(title.unwrap_or_default(), text), passthrough: map })
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Maximum bracket nesting, ignoring brackets inside strings: checked before parsing so that
/// hostile input is refused in linear time without deep recursion.
fn nesting_depth(s: &str) -> usize {
    let (mut depth, mut max, mut in_str, mut escaped) = (0usize, 0usize, false, false);
    for b in s.bytes() {
        if in_str {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_str = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_str = true,
            b'{' | b'[' => {
                depth += 1;
                max = max.max(depth);
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// Plain-text article from bytes: must be UTF-8. With `strip_tag_line`, the last non-empty
/// line (an editor's tag line, as in the examples) is dropped first.
pub fn parse_plain_article(bytes: &[u8], strip_tag_line: bool) -> Result<Article<'static>> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| Error::Input(format!("invalid UTF-8 at byte {}", e.valid_up_to())))?;
    let text = if strip_tag_line { strip_last_line(text) } else { text };
    let a = Article::from_plain_text(text);
    Ok(Article::new(a.title.into_owned(), a.text.into_owned()))
}

fn strip_last_line(text: &str) -> &str {
    let trimmed = text.trim_end();
    match trimmed.rfind('\n') {
        Some(i) => &trimmed[..i],
        None => trimmed,
    }
}

/// What [`tag_json_lines`] made of one line.
#[derive(Debug)]
pub enum TaggedLine<R> {
    /// The caller refused the line itself (blank, too long): its reason, given back.
    Refused(R),
    /// The line is not a JSON article ([`parse_json_article`]'s error).
    Unread(Error),
    /// The article read from the line, and its tags or why the engine refused it.
    Read(JsonArticle, Result<Vec<Tag>>),
}

/// Reads JSON article lines and tags the articles together ([`Tagger::tag_batch`], the same tags
/// as one at a time). A line the caller refused (`Err(reason)`) comes back as
/// [`TaggedLine::Refused`]. One result per line, in order. For a stream, cut it with
/// [`crate::batches`] and guard each batch with [`crate::together_or_each`].
pub fn tag_json_lines<'a, R>(
    tagger: &Tagger,
    lines: impl IntoIterator<Item = std::result::Result<&'a [u8], R>>,
    top: Option<usize>,
) -> Vec<TaggedLine<R>> {
    // Each line's passthrough fields, or what it is instead; the articles read, in order.
    let mut read = Vec::new();
    let mut articles = Vec::new();
    for line in lines {
        read.push(match line.map(parse_json_article) {
            Err(reason) => Err(TaggedLine::Refused(reason)),
            Ok(Err(e)) => Err(TaggedLine::Unread(e)),
            Ok(Ok(a)) => {
                articles.push(a.article);
                Ok(a.passthrough)
            }
        });
    }
    let mut tagged = tagger.tag_batch(&articles, top).into_iter().zip(articles);
    read.into_iter()
        .map(|r| match r {
            Err(other) => other,
            Ok(passthrough) => match tagged.next() {
                Some((tags, article)) => TaggedLine::Read(JsonArticle { article, passthrough }, tags),
                // tag_batch gives one result per article.
                None => TaggedLine::Unread(Error::Input("an article lost in its batch (a bug)".into())),
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_cases() {
        let ok = parse_json_article(br#"{"id": 7, "title": "T", "body": "B", "lang": "en"}"#).unwrap();
        assert_eq!((ok.article.title.as_ref(), ok.article.text.as_ref()), ("T", "B"));
        assert_eq!(ok.passthrough.keys().collect::<Vec<_>>(), vec!["id", "lang"]);
        // Unknown fields pass through in input order, whatever is taken out between them.
        let ordered =
            parse_json_article(br#"{"id": 1, "title": "T", "lang": "en", "body": "B", "meta": {}, "x": 0}"#)
                .unwrap();
        assert_eq!(ordered.passthrough.keys().collect::<Vec<_>>(), vec!["id", "lang", "meta", "x"]);
        let title_only = parse_json_article(br#"{"title": "Only a title"}"#).unwrap();
        assert_eq!(title_only.article.text, "");
        let errors: &[(&[u8], &str)] = &[
            (b"", "malformed JSON"),
            (b"[1,2]", "expected a JSON object"),
            (br#"{"title": 5}"#, "must be a string"),
            (br#"{"id": 1}"#, "no \"title\""),
            (b"{\"title\": \"\xff\"}", "invalid UTF-8"),
            (br#"{"title": "x""#, "malformed JSON"),
        ];
        for (input, want) in errors {
            let err = parse_json_article(input).unwrap_err().to_string();
            assert!(err.contains(want), "{input:?}: {err}");
        }
    }

    #[test]
    fn deep_nesting_refused_fast() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(parse_json_article(deep.as_bytes()).unwrap_err().to_string().contains("nested"));
        assert_eq!(nesting_depth(r#"{"a": "[[[[", "b": [1]}"#), 2);
    }

    #[test]
    fn plain() {
        let a = parse_plain_article(b"Title\n\nBody.\n\n  A, B\n", true).unwrap();
        assert_eq!((a.title.as_ref(), a.text.as_ref()), ("Title", "Body.\n"));
        assert!(parse_plain_article(b"\xff\xfe", false).is_err());
    }
}
