//! Reading gold JSONL files (`shared/data/README.md`): one article per line with `id`, `title`,
//! `text` and `tags`, plus optional fields that are kept in [`Doc::extra`].

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use newstag::text::porter::stem_phrase;
use newstag::{Error, Result};
use serde_json::{Map, Value};

/// One gold article.
#[derive(Debug, Clone, PartialEq)]
pub struct Doc {
    /// Unique within its file.
    pub id: String,
    /// The headline, `""` where the source has none.
    pub title: String,
    /// The body, without the title.
    pub text: String,
    /// The gold tags in source order. Each tag is a list of alternative spellings of one tag
    /// (a plain string in the file is a list of one).
    pub tags: Vec<Vec<String>>,
    /// Every other field of the record (`places`, `people`, `orgs`, `topics`, ...), as parsed.
    pub extra: Map<String, Value>,
}

impl Doc {
    /// Parses one JSON record. The error is a reason without position; [`DocReader`] adds the file
    /// and line.
    pub fn from_json(line: &str) -> std::result::Result<Doc, String> {
        let value: Value = serde_json::from_str(line).map_err(|e| format!("invalid JSON: {e}"))?;
        let Value::Object(mut map) = value else {
            return Err("a record must be a JSON object".into());
        };
        let id = take_string(&mut map, "id")?.ok_or("missing field `id`")?;
        let title = take_string(&mut map, "title")?.unwrap_or_default();
        let text = take_string(&mut map, "text")?.ok_or("missing field `text`")?;
        let tags = match map.remove("tags") {
            None => return Err("missing field `tags`".into()),
            Some(Value::Array(items)) => items
                .into_iter()
                .enumerate()
                .map(|(i, item)| parse_tag(item).map_err(|e| format!("tags[{i}]: {e}")))
                .collect::<std::result::Result<Vec<_>, _>>()?,
            Some(_) => return Err("`tags` must be a list".into()),
        };
        Ok(Doc { id, title, text, tags, extra: map })
    }

    /// The strings of a list field in [`Doc::extra`] (e.g. `places`); empty when the field is
    /// absent or not a list. Non-string items are skipped.
    pub fn extra_strings(&self, key: &str) -> Vec<&str> {
        match self.extra.get(key) {
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        }
    }

    /// The gold tags this record types, as (stemmed name, type) pairs: the names of its
    /// `people`, `places`, `orgs` and `topics` lists that are also among its `tags`, with their
    /// types ([`crate::TypeAgreement::LISTS`]). Lists of codes (Reuters' `usa`) are not tags,
    /// so they type nothing.
    pub fn typed_tags(&self) -> Vec<(String, newstag::TagType)> {
        let tags: Vec<String> = self.tags.iter().flatten().map(|t| stem_phrase(t)).collect();
        let mut out = Vec::new();
        for (list, ty) in crate::TypeAgreement::LISTS {
            for name in self.extra_strings(list) {
                let key = stem_phrase(name);
                if !key.is_empty() && tags.contains(&key) && !out.iter().any(|(k, _)| *k == key) {
                    out.push((key, ty));
                }
            }
        }
        out
    }
}

fn take_string(map: &mut Map<String, Value>, key: &str) -> std::result::Result<Option<String>, String> {
    match map.remove(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(format!("`{key}` must be a string")),
    }
}

/// A gold tag: a string, or a non-empty list of strings (alternative spellings).
fn parse_tag(item: Value) -> std::result::Result<Vec<String>, String> {
    match item {
        Value::String(s) => Ok(vec![s]),
        Value::Array(alternatives) if !alternatives.is_empty() => alternatives
            .into_iter()
            .map(|a| match a {
                Value::String(s) => Ok(s),
                _ => Err("an alternative must be a string".to_string()),
            })
            .collect(),
        Value::Array(_) => Err("an empty list of alternatives".into()),
        _ => Err("a tag must be a string or a list of strings".into()),
    }
}

/// Streams [`Doc`]s from a JSONL source, one per line; blank lines are skipped. Errors carry the
/// path and the 1-based line number. After an I/O error the iterator ends.
pub struct DocReader<R> {
    reader: R,
    path: String,
    line: usize,
    buf: String,
    done: bool,
}

impl DocReader<BufReader<File>> {
    /// Opens a JSONL file.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let file = File::open(path).map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
        Ok(DocReader::new(BufReader::new(file), path.display().to_string()))
    }
}

impl<R: BufRead> DocReader<R> {
    /// Reads from any buffered reader; `name` is used in error messages in place of a path.
    pub fn new(reader: R, name: impl Into<String>) -> Self {
        DocReader { reader, path: name.into(), line: 0, buf: String::new(), done: false }
    }

    fn error(&self, reason: impl Into<String>) -> Error {
        Error::Data { path: self.path.clone(), line: self.line, reason: reason.into() }
    }
}

impl<R: BufRead> Iterator for DocReader<R> {
    type Item = Result<Doc>;

    fn next(&mut self) -> Option<Result<Doc>> {
        while !self.done {
            self.buf.clear();
            self.line += 1;
            match self.reader.read_line(&mut self.buf) {
                Ok(0) => self.done = true,
                Ok(_) => {
                    let line = self.buf.trim();
                    if line.is_empty() {
                        continue;
                    }
                    return Some(Doc::from_json(line).map_err(|reason| self.error(reason)));
                }
                Err(e) => {
                    self.done = true;
                    let context = format!("reading {} line {}", self.path, self.line);
                    return Some(Err(Error::io(context, e)));
                }
            }
        }
        None
    }
}

/// Reads a whole JSONL file; the first bad line is an error.
pub fn read_docs(path: impl AsRef<Path>) -> Result<Vec<Doc>> {
    DocReader::open(path)?.collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(s: &str) -> Vec<Result<Doc>> {
        DocReader::new(s.as_bytes(), "test.jsonl").collect()
    }

    #[test]
    fn typed_tags_come_from_the_type_lists_of_tags() {
        let d = Doc::from_json(
            r#"{"id": "e", "title": "T", "text": "B", "tags": ["Google", "Sam Altman", "AI"],
                "people": ["Sam Altman"], "orgs": ["Google", "Microsoft"], "places": ["usa"]}"#,
        )
        .unwrap();
        // Microsoft and "usa" are not among the tags: they type nothing.
        assert_eq!(
            d.typed_tags(),
            vec![
                (stem_phrase("Sam Altman"), newstag::TagType::Person),
                (stem_phrase("Google"), newstag::TagType::Organization)
            ]
        );
    }

    #[test]
    fn parses_strings_alternatives_and_extras() {
        let src = r#"{"id": "a", "title": "T", "text": "Body.", "tags": ["oil", ["U.S.", "United States"]], "places": ["usa"], "n": 3}

{"id": "b", "title": "", "text": "x", "tags": []}
"#;
        let docs: Vec<Doc> = read(src).into_iter().collect::<Result<_>>().unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].id, "a");
        assert_eq!(docs[0].title, "T");
        assert_eq!(
            docs[0].tags,
            vec![vec!["oil".to_string()], vec!["U.S.".to_string(), "United States".to_string()]]
        );
        assert_eq!(docs[0].extra_strings("places"), vec!["usa"]);
        assert_eq!(docs[0].extra.get("n"), Some(&Value::from(3)));
        assert!(!docs[0].extra.contains_key("tags"));
        assert!(docs[1].tags.is_empty());
        assert!(docs[1].extra_strings("places").is_empty());
    }

    #[test]
    fn errors_name_the_line() {
        let cases = [
            ("{\"id\":\"a\",\"text\":\"t\",\"tags\":[]}\nnot json\n", 2, "invalid JSON"),
            ("{\"id\":\"a\",\"tags\":[]}\n", 1, "missing field `text`"),
            ("\n\n{\"id\":\"a\",\"text\":\"t\"}\n", 3, "missing field `tags`"),
            ("{\"id\":1,\"text\":\"t\",\"tags\":[]}\n", 1, "`id` must be a string"),
            ("{\"id\":\"a\",\"text\":\"t\",\"tags\":\"x\"}\n", 1, "`tags` must be a list"),
            ("{\"id\":\"a\",\"text\":\"t\",\"tags\":[\"x\",[]]}\n", 1, "tags[1]: an empty list"),
            ("{\"id\":\"a\",\"text\":\"t\",\"tags\":[[\"x\",2]]}\n", 1, "alternative must be a string"),
            ("[1,2]\n", 1, "JSON object"),
        ];
        for (src, line, reason) in cases {
            let err = read(src).into_iter().find_map(|r| r.err()).expect(src);
            match err {
                Error::Data { path, line: l, reason: r } => {
                    assert_eq!(path, "test.jsonl");
                    assert_eq!(l, line, "{src:?}");
                    assert!(r.contains(reason), "{src:?}: {r}");
                }
                other => panic!("{src:?}: unexpected {other}"),
            }
        }
    }

    #[test]
    fn reader_keeps_going_after_a_bad_line_and_title_may_be_missing() {
        let src = "oops\n{\"id\":\"b\",\"text\":\"t\",\"tags\":[\"x\"]}\n";
        let results = read(src);
        assert_eq!(results.len(), 2);
        assert!(results[0].is_err());
        let doc = results[1].as_ref().unwrap();
        assert_eq!(doc.title, "");
    }

    #[test]
    fn missing_file_is_an_io_error() {
        let err = read_docs("/nonexistent/newstag/gold.jsonl").unwrap_err();
        assert!(matches!(err, Error::Io { .. }), "{err}");
    }
}
