//! How what came back becomes an [`Error`]: an unsuccessful response classified by its body,
//! a body that does not decode, a transport failure.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::Deserialize;

use super::Error;
use super::decode::DecodeError;
use super::excerpt::{EXCERPT_LEN, bounded, excerpt, redact, shorten};
use super::oauth::{OAuthError, OAuthErrorCode};
use super::response::{HttpError, PolarError, ValidationError, ValidationIssue};
use super::transport::{RUNTIME_GONE, TimeoutError, TransportError};

impl Error {
    /// A transport or timeout error from reqwest, without the URL (it may carry `state`).
    pub(crate) fn from_reqwest(e: reqwest::Error, timeout: Option<Duration>) -> Self {
        let e = e.without_url();
        if e.is_timeout() {
            return Error::Timeout(TimeoutError {
                after: timeout,
                source: Some(e),
            });
        }
        let what = if e.is_connect() {
            "cannot connect"
        } else if e.is_body() || e.is_decode() {
            "the connection failed while reading the response body"
        } else if e.is_request() {
            "the request failed"
        } else {
            "transport error"
        };
        // The whole chain: "connection refused", "connection reset", "unexpected EOF"...
        let mut message = what.to_owned();
        let mut source: Option<&dyn std::error::Error> = std::error::Error::source(&e);
        while let Some(s) = source {
            message.push_str(": ");
            message.push_str(&s.to_string());
            source = s.source();
        }
        if message.contains(RUNTIME_GONE) {
            message.push_str(
                " (the pooled connection belonged to a Tokio runtime that has shut down; the request may have reached the server: use one reqwest::Client per runtime, or let this crate build it)",
            );
        }
        Error::Transport(TransportError {
            message,
            body_too_large: false,
            source: Some(e),
        })
    }

    /// Classify an unsuccessful response from its status, headers and body.
    pub(crate) fn from_response(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Self {
        let header = |name: reqwest::header::HeaderName| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        #[derive(Deserialize)]
        struct OAuthBody {
            error: String,
            error_description: Option<String>,
            error_uri: Option<String>,
        }
        #[derive(Deserialize)]
        struct FastApiBody {
            detail: Vec<ValidationIssue>,
        }
        // Polar's envelope carries a text `detail`; an RFC 6749 body never has one.
        #[derive(Deserialize)]
        struct PolarBody {
            error: Option<String>,
            detail: String,
        }
        // FastAPI's validation errors: `{"detail": [...]}`, with Polar's `"error":
        // "RequestValidationError"` beside it.
        if status == StatusCode::UNPROCESSABLE_ENTITY
            && let Ok(b) = serde_json::from_slice::<FastApiBody>(body)
        {
            return Error::Validation(ValidationError {
                status,
                detail: b.detail,
            });
        }
        if let Ok(b) = serde_json::from_slice::<PolarBody>(body) {
            return Error::Polar(PolarError {
                status,
                error: b.error.map(|e| excerpt(e.as_bytes())),
                detail: excerpt(b.detail.as_bytes()),
                retry_after: retry_after(headers),
            });
        }
        if let Ok(b) = serde_json::from_slice::<OAuthBody>(body) {
            return Error::OAuth(OAuthError {
                code: OAuthErrorCode::from_wire(&b.error),
                description: b.error_description,
                uri: b.error_uri,
                status,
                www_authenticate: header(reqwest::header::WWW_AUTHENTICATE),
                retry_after: retry_after(headers),
            });
        }
        Error::Http(HttpError {
            status,
            content_type: header(reqwest::header::CONTENT_TYPE),
            excerpt: excerpt(body),
            retry_after: retry_after(headers),
        })
    }

    /// A body that did not decode as `T`; decoded again (only on this error path) to name the
    /// field at fault.
    pub(crate) fn decode<T: serde::de::DeserializeOwned>(
        operation: &'static str,
        status: Option<StatusCode>,
        body: &[u8],
        first: &serde_json::Error,
    ) -> Self {
        let mut de = serde_json::Deserializer::from_slice(body);
        let (path, message, line, column) = match serde_path_to_error::deserialize::<_, T>(&mut de)
        {
            Err(e) => (
                e.path().to_string(),
                e.inner().to_string(),
                e.inner().line(),
                e.inner().column(),
            ),
            Ok(_) => (
                ".".to_owned(),
                first.to_string(),
                first.line(),
                first.column(),
            ),
        };
        // A success body carries what the operation returns, secrets included (new tokens, a
        // client secret), possibly spelled so that no rule finds them (`accessToken`, XML):
        // none of its values is ever quoted, only its shape.
        let success = status.is_some_and(|s| s.is_success());
        let message = if success {
            withhold_values(&message)
        } else {
            message
        };
        Error::Decode(DecodeError {
            operation,
            status,
            // A path holds the body's keys, which may be huge (or secret).
            path: shorten(redact(&shorten(path, EXCERPT_LEN * 4)), EXCERPT_LEN),
            // serde quotes the offending value ("unknown variant `…`"), which may be huge.
            message: shorten(redact(&shorten(message, EXCERPT_LEN * 8)), EXCERPT_LEN * 4),
            line,
            column,
            excerpt: if success { shape(body) } else { excerpt(body) },
        })
    }
}

/// `Retry-After` (RFC 9110 §10.2.3): a number of seconds, or an HTTP-date, read as the time
/// from now until then (zero for a date already past).
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(
        at.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// What a body looks like, none of its values shown: the field names of a JSON object, the
/// kind of any other JSON value, or its size when it is not JSON. Empty for an empty body.
fn shape(body: &[u8]) -> String {
    use serde_json::Value;
    if body.is_empty() {
        return String::new();
    }
    let described = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => {
            let mut fields = String::new();
            for key in map.keys() {
                if fields.len() > EXCERPT_LEN {
                    break;
                }
                if !fields.is_empty() {
                    fields.push_str(", ");
                }
                fields.push_str(&shorten(key.clone(), 64));
            }
            format!("<JSON object; fields: {fields}; values withheld>")
        }
        Ok(Value::Array(items)) => format!("<JSON array of {}; values withheld>", items.len()),
        Ok(_) => "<a JSON scalar; withheld>".to_owned(),
        Err(_) => format!("<{} bytes, not JSON; withheld>", body.len()),
    };
    bounded(&redact(&described))
}

/// serde's message with the strings it quotes (`invalid type: string "…"`) replaced by `…`;
/// what it quotes in backticks (field and variant names, numbers) is kept: an enum's or a
/// number's position never holds a secret.
fn withhold_values(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(EXCERPT_LEN * 8));
    let mut rest = message;
    loop {
        let Some(open) = rest.find(['"', '`']) else {
            out.push_str(rest);
            return out;
        };
        let quote = rest[open..].chars().next().unwrap_or('"');
        let before = &rest[..open];
        out.push_str(before);
        let after = &rest[open + 1..];
        let close = after.find(quote).map_or(after.len(), |c| c);
        let keep = quote == '`';
        out.push(quote);
        out.push_str(if keep { &after[..close] } else { "…" });
        if close < after.len() {
            out.push(quote);
            rest = &after[close + 1..];
        } else {
            return out;
        }
    }
}
