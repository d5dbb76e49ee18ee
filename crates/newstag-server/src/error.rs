//! Errors as the API reports them: a stable code, an HTTP status and a message.
//!
//! Every error response is `{"error": {"code": "...", "message": "..."}}`. Codes never change
//! meaning; messages are for people and may be reworded. [`ApiError::from_tagging`] and
//! [`ApiError::from_reading`] are the one place where the engine's [`newstag::Error`] becomes a
//! code.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use newstag::Article;
use serde_json::json;

/// A machine-readable error code, with its HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// 400: the body (or a batch line) is not JSON, not UTF-8, or nested too deep.
    InvalidJson,
    /// 400: JSON, but not an article: not an object, no `title`/`text`/`body`, a field that is
    /// not a string.
    InvalidArticle,
    /// 400: a query parameter is unknown or malformed (`top` must be a whole number).
    InvalidParameter,
    /// 400: the request body could not be read (the client went away mid-body).
    InvalidBody,
    /// 404: no such endpoint.
    NotFound,
    /// 405: the endpoint exists but not for this method.
    MethodNotAllowed,
    /// 413: the request body is over the server's limit.
    BodyTooLarge,
    /// 413: the article (title plus body) is over the article size limit (`--max-bytes`).
    ArticleTooLarge,
    /// 415: the `Content-Type` is not JSON (or JSONL for a batch).
    UnsupportedMediaType,
    /// 422: the article has neither title nor text, only white space.
    EmptyArticle,
    /// 422: the engine refused the article for another reason.
    UntaggableArticle,
    /// 503: too many requests waiting for a tagging thread; retry later.
    Busy,
    /// 500: a fault of the server, never of the input (a bug, or models that fail).
    Internal,
}

impl ErrorCode {
    /// Every code, in declaration order.
    pub const ALL: [ErrorCode; 13] = [
        ErrorCode::InvalidJson,
        ErrorCode::InvalidArticle,
        ErrorCode::InvalidParameter,
        ErrorCode::InvalidBody,
        ErrorCode::NotFound,
        ErrorCode::MethodNotAllowed,
        ErrorCode::BodyTooLarge,
        ErrorCode::ArticleTooLarge,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::EmptyArticle,
        ErrorCode::UntaggableArticle,
        ErrorCode::Busy,
        ErrorCode::Internal,
    ];

    /// The code as it appears in responses (`"invalid_json"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidJson => "invalid_json",
            ErrorCode::InvalidArticle => "invalid_article",
            ErrorCode::InvalidParameter => "invalid_parameter",
            ErrorCode::InvalidBody => "invalid_body",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::BodyTooLarge => "body_too_large",
            ErrorCode::ArticleTooLarge => "article_too_large",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::EmptyArticle => "empty_article",
            ErrorCode::UntaggableArticle => "untaggable_article",
            ErrorCode::Busy => "busy",
            ErrorCode::Internal => "internal",
        }
    }

    /// The HTTP status that goes with the code.
    pub fn status(self) -> StatusCode {
        match self {
            ErrorCode::InvalidJson
            | ErrorCode::InvalidArticle
            | ErrorCode::InvalidParameter
            | ErrorCode::InvalidBody => StatusCode::BAD_REQUEST,
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::BodyTooLarge | ErrorCode::ArticleTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::EmptyArticle | ErrorCode::UntaggableArticle => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::Busy => StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// An error response: a code and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// What went wrong, for programs.
    pub code: ErrorCode,
    /// What went wrong, for people. For article errors this is the text `newstag tag` prints.
    pub message: String,
}

impl ApiError {
    /// An error with a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError { code, message: message.into() }
    }

    /// An error of the engine while reading `bytes` as a JSON article
    /// ([`newstag::input::parse_json_article`]): `invalid_json` when the bytes are not JSON at
    /// all, else `invalid_article`.
    pub fn from_reading(err: newstag::Error, bytes: &[u8]) -> Self {
        match err {
            newstag::Error::Input(_) => {
                // Parsed into values, so that strings are checked too (UTF-8, lone surrogates);
                // only on this error path, and serde_json bounds the depth.
                let is_json = serde_json::from_slice::<serde_json::Value>(bytes).is_ok();
                let deep = err.to_string().contains("nested deeper");
                let code = if is_json && !deep { ErrorCode::InvalidArticle } else { ErrorCode::InvalidJson };
                ApiError::new(code, err.to_string())
            }
            other => ApiError::engine_fault(other),
        }
    }

    /// An error of the engine while tagging `article` under an article limit of `max_bytes`.
    /// The engine's `Error::Input` covers every refusal; which one it was is read off the article
    /// by the same conditions the engine checks.
    pub fn from_tagging(err: newstag::Error, article: &Article<'_>, max_bytes: usize) -> Self {
        match err {
            newstag::Error::Input(_) => {
                let code = if article.title.len() + article.text.len() > max_bytes {
                    ErrorCode::ArticleTooLarge
                } else if article.title.trim().is_empty() && article.text.trim().is_empty() {
                    ErrorCode::EmptyArticle
                } else {
                    ErrorCode::UntaggableArticle
                };
                ApiError::new(code, err.to_string())
            }
            other => ApiError::engine_fault(other),
        }
    }

    /// Model, data and I/O errors while serving are the server's fault, never the input's.
    fn engine_fault(err: newstag::Error) -> Self {
        ApiError::new(ErrorCode::Internal, format!("internal error: {err}"))
    }

    /// A panic caught while tagging: a bug, reported as 500 with its message.
    pub(crate) fn panic(payload: &(dyn std::any::Any + Send)) -> Self {
        let msg = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".into());
        ApiError::new(ErrorCode::Internal, format!("internal error (a bug; please report it): {msg}"))
    }

    /// The JSON body of the error response.
    pub fn to_json(&self) -> serde_json::Value {
        json!({"error": {"code": self.code.as_str(), "message": self.message}})
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = serde_json::to_vec(&self.to_json()).unwrap_or_default();
        body.push(b'\n');
        let mut resp =
            (self.code.status(), [(header::CONTENT_TYPE, "application/json")], body).into_response();
        if self.code == ErrorCode::Busy {
            resp.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
        }
        resp
    }
}

/// Why a server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The models did not load.
    #[error("loading models: {0}")]
    Models(#[from] newstag::Error),
    /// The tagging thread pool could not be created.
    #[error("starting the tagging threads: {0}")]
    Threads(#[from] rayon::ThreadPoolBuildError),
}

#[cfg(test)]
mod tests {
    use super::*;
    use newstag::input::parse_json_article;

    #[test]
    fn reading_errors_get_their_codes() {
        let cases: &[(&str, &[u8], ErrorCode)] = &[
            ("empty body", b"", ErrorCode::InvalidJson),
            ("truncated", br#"{"title": "x""#, ErrorCode::InvalidJson),
            ("not utf-8", b"{\"title\": \"\xff\"}", ErrorCode::InvalidJson),
            ("lone surrogate", br#"{"title": "\ud800"}"#, ErrorCode::InvalidJson),
            ("array", b"[1, 2]", ErrorCode::InvalidArticle),
            ("no title or text", br#"{"id": 1}"#, ErrorCode::InvalidArticle),
            ("title not a string", br#"{"title": 5}"#, ErrorCode::InvalidArticle),
        ];
        for (name, input, want) in cases {
            let err = parse_json_article(input).unwrap_err();
            let api = ApiError::from_reading(err, input);
            assert_eq!(api.code, *want, "{name}: {api}");
            assert!(api.message.starts_with("invalid input: "), "{name}: {api}");
        }
        let deep = format!("{{\"a\": {}{}}}", "[".repeat(100), "]".repeat(100));
        let err = parse_json_article(deep.as_bytes()).unwrap_err();
        assert_eq!(ApiError::from_reading(err, deep.as_bytes()).code, ErrorCode::InvalidJson);
    }

    #[test]
    fn tagging_errors_get_their_codes() {
        let input = || newstag::Error::Input("x".into());
        let cases = [
            ("blank", Article::new(" ", "\n\t"), 100, ErrorCode::EmptyArticle),
            ("too large", Article::new("t", "x".repeat(100)), 100, ErrorCode::ArticleTooLarge),
            ("other", Article::new("t", "x"), 100, ErrorCode::UntaggableArticle),
        ];
        for (name, article, limit, want) in cases {
            assert_eq!(ApiError::from_tagging(input(), &article, limit).code, want, "{name}");
        }
        let model = newstag::Error::model("POS_", "bad");
        assert_eq!(ApiError::from_tagging(model, &Article::new("t", "x"), 100).code, ErrorCode::Internal);
    }

    #[test]
    fn every_client_error_is_4xx() {
        use ErrorCode::*;
        for code in ErrorCode::ALL.into_iter().filter(|c| !matches!(c, Busy | Internal)) {
            assert!(code.status().is_client_error(), "{}", code.as_str());
        }
        let names: std::collections::BTreeSet<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(names.len(), ErrorCode::ALL.len(), "codes are distinct");
        assert_eq!(Busy.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(Internal.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
