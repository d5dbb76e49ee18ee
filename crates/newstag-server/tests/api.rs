//! The API driven in-process through the router (`tower::ServiceExt::oneshot`), no socket.

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use newstag::input::parse_plain_article;
use newstag_server::{router, AppState, ServerConfig};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::OnceLock;
use tower::ServiceExt;

/// The default server, built once for all tests (the tagger and its thread pool are shared).
fn default_state() -> AppState {
    static STATE: OnceLock<AppState> = OnceLock::new();
    STATE.get_or_init(|| AppState::new(ServerConfig::default()).expect("models load")).clone()
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    /// The error code of an error answer, after checking the error body's shape.
    fn error_code(&self) -> String {
        let v = self.json();
        let err = v.get("error").and_then(Value::as_object).unwrap_or_else(|| panic!("no error object: {v}"));
        assert!(err.get("message").and_then(Value::as_str).is_some_and(|m| !m.is_empty()), "{v}");
        assert_eq!(self.headers[header::CONTENT_TYPE], "application/json");
        err["code"].as_str().unwrap().to_string()
    }

    fn lines(&self) -> Vec<Value> {
        String::from_utf8_lossy(&self.body).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
    }
}

async fn send_to(
    state: AppState,
    method: &str,
    uri: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> Answer {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(ct) = content_type {
        req = req.header(header::CONTENT_TYPE, ct);
    }
    let resp = router(state).oneshot(req.body(Body::from(body)).unwrap()).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap().to_vec();
    Answer { status, headers, body }
}

async fn post(uri: &str, body: impl Into<Vec<u8>>) -> Answer {
    send_to(default_state(), "POST", uri, Some("application/json"), body.into()).await
}

/// The example article without its editor's tag line (the line lists its tags).
fn example() -> newstag::Article<'static> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/examples/putin-xi-visit.txt");
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    parse_plain_article(&bytes, true).unwrap()
}

fn example_json(extra: Value) -> Vec<u8> {
    let a = example();
    let mut v = json!({"title": a.title, "text": a.text});
    if let (Value::Object(m), Value::Object(e)) = (&mut v, extra) {
        m.extend(e);
    }
    serde_json::to_vec(&v).unwrap()
}

fn names(record: &Value) -> Vec<String> {
    record["tags"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn example_article_gets_the_taggers_tags() {
    let a = post("/v1/tag", example_json(json!({}))).await;
    assert_eq!(a.status, StatusCode::OK, "{}", String::from_utf8_lossy(&a.body));
    assert_eq!(a.headers[header::CONTENT_TYPE], "application/json");
    let record = a.json();
    let direct = default_state().tagger().tag(&example()).unwrap();
    assert_eq!(record["tags"], newstag::output::tags_json(&direct));
    let mut got = names(&record);
    got.sort();
    assert_eq!(got, ["China", "Putin", "Russia", "Xi Jinping"]);
    // Every mention slices a non-empty piece out of title + "\n\n" + text.
    let joined = format!("{}\n\n{}", example().title, example().text);
    for tag in record["tags"].as_array().unwrap() {
        for m in tag["mentions"].as_array().unwrap() {
            let (s, e) = (m[0].as_u64().unwrap() as usize, m[1].as_u64().unwrap() as usize);
            assert!(joined.get(s..e).is_some_and(|t| !t.is_empty()), "{tag}");
        }
    }
}

#[tokio::test]
async fn id_and_unknown_fields_pass_through_in_order() {
    let body = json!({
        "id": "a-17", "title": "Putin and Xi meet in Beijing", "lang": "en",
        "body": "Vladimir Putin met Xi Jinping in Beijing on Tuesday.", "meta": {"desk": "world", "n": [1, 2]}
    });
    let a = post("/v1/tag", serde_json::to_vec(&body).unwrap()).await;
    assert_eq!(a.status, StatusCode::OK);
    let record = a.json();
    // The fields the engine's reader keeps, in its order (the CLI's), then the tags.
    let kept = newstag::input::parse_json_article(&serde_json::to_vec(&body).unwrap()).unwrap().passthrough;
    let mut want: Vec<&str> = kept.keys().map(String::as_str).collect();
    want.push("tags");
    let keys: Vec<&str> = record.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, want);
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(sorted, ["id", "lang", "meta", "tags"]);
    assert_eq!(record["id"], "a-17");
    assert_eq!(record["meta"], json!({"desk": "world", "n": [1, 2]}));
    assert!(names(&record).contains(&"Xi Jinping".to_string()), "{record}");
}

#[tokio::test]
async fn top_gives_exactly_n_tags() {
    for n in [0usize, 1, 2, 7] {
        let a = post(&format!("/v1/tag?top={n}"), example_json(json!({}))).await;
        assert_eq!(a.status, StatusCode::OK);
        let direct = default_state().tagger().tag_top(&example(), n).unwrap();
        assert_eq!(direct.len(), n);
        assert_eq!(a.json()["tags"], newstag::output::tags_json(&direct), "top={n}");
    }
    for bad in ["top=abc", "top=-1", "tpo=3", "top=3&extra=1"] {
        let a = post(&format!("/v1/tag?{bad}"), example_json(json!({}))).await;
        assert_eq!(
            (a.status, a.error_code().as_str()),
            (StatusCode::BAD_REQUEST, "invalid_parameter"),
            "{bad}"
        );
    }
}

#[tokio::test]
async fn batch_jsonl_keeps_going_past_a_bad_line() {
    let body = b"{\"id\": 1, \"title\": \"Putin visits China\", \"text\": \"Putin met Xi in Beijing.\"}\n\
        {\"id\": 2, \"title\": \"broken\n\
        {\"id\": 3, \"title\": \"Merkel in Paris\", \"text\": \"Angela Merkel met Emmanuel Macron in Paris.\"}\n";
    let a =
        send_to(default_state(), "POST", "/v1/tag/batch", Some("application/x-ndjson"), body.to_vec()).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.headers[header::CONTENT_TYPE], "application/x-ndjson");
    assert_eq!(
        (&a.headers["x-newstag-records"], &a.headers["x-newstag-errors"]),
        (&"3".parse().unwrap(), &"1".parse().unwrap())
    );
    let records = a.lines();
    assert_eq!(records.len(), 3, "{records:?}");
    assert_eq!(records[0]["id"], 1);
    assert!(!records[0]["tags"].as_array().unwrap().is_empty());
    assert_eq!(records[1]["line"], 2);
    assert!(records[1]["error"].as_str().unwrap().contains("malformed JSON"), "{}", records[1]);
    assert!(records[1].get("tags").is_none());
    assert_eq!(records[2]["id"], 3);
    assert!(names(&records[2]).contains(&"Angela Merkel".to_string()), "{}", records[2]);
}

#[tokio::test]
async fn batch_records_equal_single_records() {
    let articles = [
        example_json(json!({"id": "ex"})),
        br#"{"title": "Oil spill off Alaska", "text": "An oil spill closed fisheries.", "source": "wire"}"#
            .to_vec(),
    ];
    let mut jsonl = Vec::new();
    for a in &articles {
        jsonl.extend_from_slice(a);
        jsonl.push(b'\n');
    }
    let batch = post("/v1/tag/batch?top=3", jsonl).await.lines();
    for (a, got) in articles.iter().zip(&batch) {
        assert_eq!(&post("/v1/tag?top=3", a.clone()).await.json(), got);
    }
}

#[tokio::test]
async fn long_batches_number_their_lines_across_the_groups_tagged_together() {
    // 150 lines: tagged 64 at a time; every tenth one is broken and names its own line.
    let mut jsonl = Vec::new();
    for i in 1..=150 {
        let line = if i % 10 == 0 {
            "{\"id\": ".to_string()
        } else {
            json!({"id": i, "title": "Putin visits China", "text": "Putin met Xi in Beijing."}).to_string()
        };
        jsonl.extend_from_slice(line.as_bytes());
        jsonl.push(b'\n');
    }
    let records = post("/v1/tag/batch", jsonl).await.lines();
    assert_eq!(records.len(), 150);
    for (i, r) in (1..).zip(&records) {
        if i % 10 == 0 {
            assert_eq!(r["line"], i, "{r}");
        } else {
            assert_eq!((&r["id"], &records[0]["tags"]), (&json!(i), &r["tags"]), "{r}");
        }
    }
}

#[tokio::test]
async fn batch_json_array_in_array_out() {
    let body = json!([
        {"id": 1, "title": "Putin visits China", "text": "Putin met Xi in Beijing."},
        {"id": 2},
        [1, 2],
        {"id": 4, "title": " ", "text": ""}
    ]);
    let a = post("/v1/tag/batch", serde_json::to_vec(&body).unwrap()).await;
    assert_eq!(a.status, StatusCode::OK);
    let v = a.json();
    let records = v.as_array().unwrap();
    assert_eq!(records.len(), 4);
    assert_eq!(records[0]["id"], 1);
    assert!(records[0]["tags"].is_array());
    assert_eq!(
        records[1],
        json!({"line": 2, "error": "invalid input: no \"title\", \"text\" or \"body\" field"})
    );
    assert_eq!(records[2]["line"], 3);
    // The article was read, so its error record carries its id (as in the CLI).
    assert_eq!(
        records[3],
        json!({"line": 4, "id": 4, "error": "invalid input: empty article: no title and no text"})
    );
    let a = post("/v1/tag/batch", b"[{\"title\": \"x\"},".to_vec()).await;
    assert_eq!((a.status, a.error_code().as_str()), (StatusCode::BAD_REQUEST, "invalid_json"));
}

#[tokio::test]
async fn empty_and_blank_lines_in_a_batch() {
    let a = post("/v1/tag/batch", b"\n  \n{\"title\": \"Putin visits China\"}".to_vec()).await;
    let records = a.lines();
    assert_eq!(records.len(), 3);
    assert_eq!(records[0], json!({"line": 1, "error": "empty line"}));
    assert_eq!(records[1], json!({"line": 2, "error": "empty line"}));
    assert!(records[2]["tags"].is_array());
    let a = post("/v1/tag/batch", Vec::new()).await;
    assert_eq!((a.status, a.body.len()), (StatusCode::OK, 0));
}

fn small_state() -> AppState {
    static STATE: OnceLock<AppState> = OnceLock::new();
    STATE
        .get_or_init(|| {
            let config = ServerConfig {
                max_bytes: 2000,
                max_body_bytes: Some(4096),
                max_batch_bytes: 16384,
                threads: Some(1),
                ..Default::default()
            };
            AppState::new(config).unwrap()
        })
        .clone()
}

#[tokio::test]
async fn oversized_body_is_413_with_a_json_error() {
    let big = serde_json::to_vec(&json!({"title": "t", "text": "word ".repeat(2000)})).unwrap();
    // Declared length over the limit: refused before reading.
    let req = Request::post("/v1/tag")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_LENGTH, big.len())
        .body(Body::from(big.clone()))
        .unwrap();
    let resp = router(small_state()).oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let v: Value =
        serde_json::from_slice(&axum::body::to_bytes(resp.into_body(), 1 << 16).await.unwrap()).unwrap();
    assert_eq!(v["error"]["code"], "body_too_large");
    // No declared length: refused while reading.
    let a = send_to(small_state(), "POST", "/v1/tag", None, big.clone()).await;
    assert_eq!((a.status, a.error_code().as_str()), (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large"));
    // Under the body limit but over the article limit: the engine's refusal, also 413.
    let article = serde_json::to_vec(&json!({"id": 9, "title": "t", "text": "word ".repeat(500)})).unwrap();
    let a = send_to(small_state(), "POST", "/v1/tag", None, article.clone()).await;
    assert_eq!((a.status, a.error_code().as_str()), (StatusCode::PAYLOAD_TOO_LARGE, "article_too_large"));
    // In a batch, both are error records of their lines; the batch itself has its own limit.
    let mut jsonl = article;
    jsonl.push(b'\n');
    jsonl.extend_from_slice(&big);
    let records = send_to(small_state(), "POST", "/v1/tag/batch", None, jsonl).await.lines();
    assert_eq!(records[0]["id"], 9);
    assert!(records[0]["error"].as_str().unwrap().contains("article too large"), "{}", records[0]);
    assert!(
        records[1]["error"].as_str().unwrap().starts_with("article too large: a line of"),
        "{}",
        records[1]
    );
    let a = send_to(small_state(), "POST", "/v1/tag/batch", None, vec![b' '; 20000]).await;
    assert_eq!((a.status, a.error_code().as_str()), (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large"));
}

#[tokio::test]
async fn bad_input_gets_a_4xx_code_never_a_500() {
    let deep = format!("{{\"title\": {}1{}}}", "[".repeat(100), "]".repeat(100));
    let cases: Vec<(&str, Vec<u8>, StatusCode, &str)> = vec![
        ("empty body", b"".to_vec(), StatusCode::BAD_REQUEST, "invalid_json"),
        ("truncated", br#"{"title": "Putin"#.to_vec(), StatusCode::BAD_REQUEST, "invalid_json"),
        ("not utf-8", b"{\"title\": \"\xff\xfe\"}".to_vec(), StatusCode::BAD_REQUEST, "invalid_json"),
        ("deep nesting", deep.into_bytes(), StatusCode::BAD_REQUEST, "invalid_json"),
        ("very deep nesting", "[".repeat(200_000).into_bytes(), StatusCode::BAD_REQUEST, "invalid_json"),
        ("array", b"[{\"title\": \"x\"}]".to_vec(), StatusCode::BAD_REQUEST, "invalid_article"),
        ("no title or text", br#"{"id": 1}"#.to_vec(), StatusCode::BAD_REQUEST, "invalid_article"),
        (
            "title a number",
            br#"{"title": 5, "text": "x"}"#.to_vec(),
            StatusCode::BAD_REQUEST,
            "invalid_article",
        ),
        (
            "blank",
            br#"{"title": " ", "text": "\n\t"}"#.to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "empty_article",
        ),
        (
            "lone surrogate",
            br#"{"title": "\ud800", "text": "x"}"#.to_vec(),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        ("nulls", br#"{"title": null, "text": null}"#.to_vec(), StatusCode::BAD_REQUEST, "invalid_article"),
    ];
    for (name, body, status, code) in cases {
        let a = post("/v1/tag", body).await;
        assert_eq!((a.status, a.error_code().as_str()), (status, code), "{name}");
    }
    // Odd but valid articles are tagged.
    for body in [
        r#"{"title": "\u0000 NUL \ud83d\ude00 and a surrogate pair", "text": "x"}"#,
        r#"{"title": "1e999999 <XQZ> ''' ---", "text": "\u200b\u200b"}"#,
        r#"{"title": "", "text": "Putin met Xi."}"#,
    ] {
        let a = post("/v1/tag", body).await;
        assert_eq!(a.status, StatusCode::OK, "{body}: {}", String::from_utf8_lossy(&a.body));
    }
}

#[tokio::test]
async fn empty_text_is_handled_like_the_cli() {
    // A title alone is an article (the CLI tags it); nothing but white space is not.
    let a = post("/v1/tag", br#"{"title": "Putin visits China", "text": ""}"#.to_vec()).await;
    assert_eq!(a.status, StatusCode::OK);
    let direct = default_state().tagger().tag(&newstag::Article::new("Putin visits China", "")).unwrap();
    assert_eq!(a.json()["tags"], newstag::output::tags_json(&direct));
    assert!(!direct.is_empty());
    let a = post("/v1/tag", br#"{"id": 3, "title": "", "body": "   "}"#.to_vec()).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.json()["error"]["message"], "invalid input: empty article: no title and no text");
}

#[tokio::test]
async fn content_type_method_and_path_errors_are_json() {
    let a = send_to(
        default_state(),
        "POST",
        "/v1/tag",
        Some("application/x-www-form-urlencoded"),
        b"title=x".to_vec(),
    )
    .await;
    assert_eq!(
        (a.status, a.error_code().as_str()),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
    );
    let a = send_to(default_state(), "GET", "/v1/tag", None, Vec::new()).await;
    assert_eq!((a.status, a.error_code().as_str()), (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"));
    let a = send_to(default_state(), "GET", "/v2/nothing", None, Vec::new()).await;
    assert_eq!((a.status, a.error_code().as_str()), (StatusCode::NOT_FOUND, "not_found"));
}

#[tokio::test]
async fn health_and_info() {
    let a = send_to(default_state(), "GET", "/health", None, Vec::new()).await;
    assert_eq!((a.status, a.json()), (StatusCode::OK, json!({"status": "ok"})));
    let a = send_to(small_state(), "GET", "/v1/info", None, Vec::new()).await;
    assert_eq!(a.status, StatusCode::OK);
    let info = a.json();
    assert_eq!(info["name"], "newstag");
    assert_eq!(info["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(info["threads"], 1);
    assert_eq!(
        info["limits"],
        json!({"max_article_bytes": 2000, "max_body_bytes": 4096, "max_batch_bytes": 16384, "max_pending": 512})
    );
    let models = info["models"].as_array().unwrap();
    let pos = models.iter().find(|m| m["file"] == "pos.bin").expect("pos.bin listed");
    assert_eq!(pos["source"], "embedded");
    assert_eq!(pos["kind"], "POS_");
    assert!(pos["bytes"].as_u64().unwrap() > 1000 && pos["format_version"].as_u64().is_some(), "{pos}");
    for m in models {
        assert_eq!(
            m["bytes"].as_u64().map(|n| n as usize),
            newstag_models::get(m["file"].as_str().unwrap()).map(<[u8]>::len)
        );
    }
}
