//! A body that is not what the spec says: where it failed to decode, and what it looked like.

use std::fmt;

use reqwest::StatusCode;

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
