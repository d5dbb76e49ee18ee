//! The endpoints. Each reads and checks its request, runs the tagging on the tagging pool
//! ([`AppState::run`]) and answers with records as `newstag tag` writes them.

use crate::error::{ApiError, ErrorCode};
use crate::record::{batch_records, tag_json_article, TagOptions};
use crate::state::{self, AppState};
use axum::body::{Body, Bytes};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rayon::prelude::*;
use serde::Deserialize;

/// Query parameters of the tagging endpoints. Options travel in the query, not in the body:
/// every field of an article object passes through to its record untouched, as in the CLI.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TagQuery {
    /// Exactly this many tags (`--top`).
    top: Option<usize>,
}

fn options(query: Result<Query<TagQuery>, QueryRejection>) -> Result<TagOptions, ApiError> {
    let Query(q) = query.map_err(|e| {
        ApiError::new(ErrorCode::InvalidParameter, format!("{} (the only parameter is top=N)", e.body_text()))
    })?;
    Ok(TagOptions { top: q.top })
}

/// Media types a batch may be sent as (besides JSON).
const JSONL_TYPES: &[&str] = &[
    "application/x-ndjson",
    "application/ndjson",
    "application/jsonl",
    "application/x-jsonlines",
    "application/jsonlines",
    "text/plain",
];

/// A missing `Content-Type` is taken as JSON; anything else must be JSON (or JSONL for a batch).
fn check_content_type(headers: &HeaderMap, batch: bool) -> Result<(), ApiError> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Ok(());
    };
    let raw = value.to_str().unwrap_or("");
    let essence = raw.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let json = essence == "application/json" || essence.ends_with("+json");
    if json || (batch && JSONL_TYPES.contains(&essence.as_str())) {
        return Ok(());
    }
    let want = if batch { "application/json (an array) or application/x-ndjson" } else { "application/json" };
    Err(ApiError::new(
        ErrorCode::UnsupportedMediaType,
        format!("Content-Type {raw:?} is not accepted; send {want}"),
    ))
}

/// Reads the whole body, refusing more than `limit` bytes before reading them when the client
/// says its length, and as soon as they arrive otherwise.
async fn read_body(headers: &HeaderMap, body: Body, limit: usize) -> Result<Bytes, ApiError> {
    let too_large =
        || ApiError::new(ErrorCode::BodyTooLarge, format!("request body over the limit of {limit} bytes"));
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        let inner = e.into_inner();
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(inner.as_ref());
        while let Some(err) = source {
            if err.is::<http_body_util::LengthLimitError>() {
                return too_large();
            }
            source = err.source();
        }
        ApiError::new(ErrorCode::InvalidBody, format!("reading the request body: {inner}"))
    })
}

fn json_response(status: StatusCode, content_type: &'static str, body: Vec<u8>) -> Response {
    (status, [(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// `POST /v1/tag`: one JSON article in, its record out.
pub(crate) async fn tag(
    State(state): State<AppState>,
    query: Result<Query<TagQuery>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    check_content_type(&headers, false)?;
    let options = options(query)?;
    let body = read_body(&headers, body, state.config().body_limit()).await?;
    let max_bytes = state.config().max_bytes;
    let mut record = state
        .run(move |tagger| tag_json_article(tagger, &body, options, max_bytes))
        .await?
        .map_err(|(e, _)| e)?;
    record.push(b'\n');
    Ok(json_response(StatusCode::OK, "application/json", record))
}

/// `POST /v1/tag/batch`: JSONL (one article a line) or a JSON array in; as many records out,
/// in order, in the same form. A bad line gives an error record and the others are still tagged.
pub(crate) async fn batch(
    State(state): State<AppState>,
    query: Result<Query<TagQuery>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    check_content_type(&headers, true)?;
    let options = options(query)?;
    let body = read_body(&headers, body, state.config().max_batch_bytes).await?;
    let max_bytes = state.config().max_bytes;
    let max_line = state.config().body_limit();
    let is_array = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[');
    let results = state
        .run(move |tagger| -> Result<Vec<(Vec<u8>, bool)>, ApiError> {
            let items: Vec<&[u8]> = if is_array {
                let raw: Vec<&serde_json::value::RawValue> = serde_json::from_slice(&body).map_err(|e| {
                    ApiError::new(ErrorCode::InvalidJson, format!("invalid input: malformed JSON array: {e}"))
                })?;
                raw.iter().map(|r| r.get().as_bytes()).collect()
            } else {
                split_lines(&body).collect()
            };
            let sizes: Vec<usize> = items.iter().map(|i| i.len()).collect();
            Ok(newstag::batches(&sizes, newstag::BATCH_ARTICLES, newstag::BATCH_BYTES)
                .into_par_iter()
                .map(|range| {
                    batch_records(tagger, range.start + 1, &items[range], options, max_bytes, max_line)
                })
                .collect::<Vec<_>>()
                .into_iter()
                .flatten()
                .collect())
        })
        .await??;
    let failed = results.iter().filter(|(_, ok)| !ok).count();
    let total = results.len();
    let size: usize = results.iter().map(|(r, _)| r.len() + 1).sum::<usize>() + 3;
    let mut out = Vec::with_capacity(size);
    let content_type = if is_array {
        out.push(b'[');
        for (i, (record, _)) in results.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(record);
        }
        out.extend_from_slice(b"]\n");
        "application/json"
    } else {
        for (record, _) in &results {
            out.extend_from_slice(record);
            out.push(b'\n');
        }
        "application/x-ndjson"
    };
    let mut resp = json_response(StatusCode::OK, content_type, out);
    resp.headers_mut().insert("x-newstag-records", HeaderValue::from(total));
    resp.headers_mut().insert("x-newstag-errors", HeaderValue::from(failed));
    Ok(resp)
}

/// JSONL lines as `newstag tag --jsonl` reads them: each with its newline, a last line without
/// one counts, and nothing after a final newline.
fn split_lines(body: &[u8]) -> impl Iterator<Item = &[u8]> {
    body.split_inclusive(|&b| b == b'\n')
}

/// `GET /health`: the process is up and answering.
pub(crate) async fn health() -> Json<serde_json::Value> {
    Json(state::health())
}

/// `GET /v1/info`: version, models, limits.
pub(crate) async fn info(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json(state.info().clone())
}

/// Any path without an endpoint.
pub(crate) async fn not_found(method: Method, uri: Uri) -> ApiError {
    ApiError::new(
        ErrorCode::NotFound,
        format!("no endpoint {method} {}; the endpoints are POST /v1/tag, POST /v1/tag/batch, GET /v1/info, GET /health", uri.path()),
    )
}

/// A known path with the wrong method.
pub(crate) async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::new(ErrorCode::MethodNotAllowed, format!("{method} is not allowed on {}", uri.path()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_split_like_the_cli() {
        // (name, body, lines)
        type Case = (&'static str, &'static [u8], &'static [&'static [u8]]);
        let cases: &[Case] = &[
            ("empty", b"", &[]),
            ("one, no newline", b"a", &[b"a"]),
            ("two, final newline", b"a\nb\n", &[b"a\n", b"b\n"]),
            ("blank middle", b"a\n\nb", &[b"a\n", b"\n", b"b"]),
            ("crlf", b"a\r\nb\r\n", &[b"a\r\n", b"b\r\n"]),
        ];
        for (name, input, want) in cases {
            let got: Vec<&[u8]> = split_lines(input).collect();
            assert_eq!(&got, want, "{name}");
        }
    }

    #[test]
    fn content_types() {
        let cases: &[(&str, Option<&str>, bool, bool)] = &[
            ("none", None, false, true),
            ("json", Some("application/json"), false, true),
            ("json with charset", Some("application/json; charset=utf-8"), false, true),
            ("vendor json", Some("application/vnd.newsroom+json"), false, true),
            ("form", Some("application/x-www-form-urlencoded"), false, false),
            ("ndjson single", Some("application/x-ndjson"), false, false),
            ("ndjson batch", Some("application/x-ndjson"), true, true),
            ("text batch", Some("text/plain"), true, true),
            ("xml batch", Some("application/xml"), true, false),
        ];
        for (name, ct, batch, ok) in cases {
            let mut h = HeaderMap::new();
            if let Some(ct) = ct {
                h.insert(header::CONTENT_TYPE, HeaderValue::from_str(ct).unwrap());
            }
            let got = check_content_type(&h, *batch);
            assert_eq!(got.is_ok(), *ok, "{name}: {got:?}");
            if let Err(e) = got {
                assert_eq!(e.code, ErrorCode::UnsupportedMediaType);
            }
        }
    }
}
