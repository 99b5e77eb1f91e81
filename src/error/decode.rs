//! A success (or error) body that is not what the spec says: where it failed to decode, and
//! what it looked like, with a success body's values withheld.

use std::fmt;

use reqwest::StatusCode;

use super::Error;
use super::excerpt::{EXCERPT_LEN, bounded, excerpt, redact, shorten};

/// A response body that does not match the expected type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// The operation, e.g. `oauth2:request_token`.
    pub operation: &'static str,
    /// The HTTP status, when known.
    pub status: Option<StatusCode>,
    /// Where in the body decoding failed, as a path (`scopes[2]`, `.` for the top level).
    pub path: String,
    /// What was wrong (serde's message, naming the missing or mistyped field). For a success
    /// status the strings serde quotes from the body are withheld (`string "…"`).
    pub message: String,
    /// Line and column in the body.
    pub line: usize,
    /// See [`Self::line`].
    pub column: usize,
    /// The start of the body (at most 256 bytes, token-like values redacted); for a
    /// success status only its shape (`<JSON object; fields: …; values withheld>`), since a
    /// success body may carry fresh secrets under names no redaction rule knows.
    pub excerpt: String,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot decode the {} response", self.operation)?;
        if self.path != "." && !self.path.is_empty() {
            write!(f, " at `{}`", self.path)?;
        }
        write!(f, ": {}", self.message)?;
        if self.excerpt.is_empty() {
            f.write_str(" (empty body)")
        } else {
            write!(f, " (body starts: {})", self.excerpt)
        }
    }
}

impl Error {
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
