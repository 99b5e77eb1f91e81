//! The unsuccessful responses that are not OAuth2 errors: FastAPI's 422, Polar's own
//! envelope, any other HTTP error.

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;
use serde::Deserialize;

use super::excerpt::redact;

/// A 422 response: which fields the server rejected, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// The HTTP status (422).
    pub status: StatusCode,
    /// One entry per rejected field.
    pub detail: Vec<ValidationIssue>,
}

/// One entry of FastAPI's `HTTPValidationError.detail`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ValidationIssue {
    /// Where: e.g. `["body", "grant_type"]`.
    #[serde(default, deserialize_with = "location")]
    pub loc: Vec<String>,
    /// What is wrong.
    #[serde(default)]
    pub msg: String,
    /// The error type, e.g. `missing`.
    #[serde(default, rename = "type")]
    pub kind: String,
}

/// `loc` items are strings or integers (list indices).
fn location<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Item {
        Name(String),
        Index(i64),
    }
    Ok(Vec::<Item>::deserialize(d)?
        .into_iter()
        .map(|i| match i {
            Item::Name(s) => s,
            Item::Index(n) => n.to_string(),
        })
        .collect())
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "request rejected (HTTP {})", self.status.as_u16())?;
        for (i, issue) in self.detail.iter().enumerate() {
            let sep = if i == 0 { ": " } else { "; " };
            write!(f, "{sep}{}: {}", issue.loc.join("."), redact(&issue.msg))?;
        }
        Ok(())
    }
}

/// Polar's own error envelope (not an RFC 6749 error): the name of the exception Polar raised
/// and its `detail`.
///
/// ```
/// # fn check(e: &polar_oauth2::Error) {
/// if let polar_oauth2::Error::Polar(e) = e {
///     if e.error.as_deref() == Some("NotPermitted") {
///         eprintln!("refused: {}", e.detail);
///     }
/// }
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolarError {
    /// The HTTP status.
    pub status: StatusCode,
    /// `error`: the exception's name (`NotPermitted`, `ResourceNotFound`, …); absent in
    /// FastAPI's own `{"detail": "…"}`.
    pub error: Option<String>,
    /// `detail`, at most 256 bytes, token-like values redacted.
    pub detail: String,
    /// `Retry-After` (429, 503), in seconds or as an HTTP-date (then the time until it).
    pub retry_after: Option<Duration>,
}

impl fmt::Display for PolarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        if let Some(error) = &self.error {
            write!(f, " {error}")?;
        }
        write!(f, ": {}", self.detail)
    }
}

/// An unsuccessful response that is neither an OAuth2, a Polar nor a validation error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The `Content-Type`, if any.
    pub content_type: Option<String>,
    /// The start of the body (at most 256 bytes, token-like values redacted).
    pub excerpt: String,
    /// `Retry-After` (429, 503), in seconds or as an HTTP-date (then the time until it).
    pub retry_after: Option<Duration>,
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        if let Some(ct) = &self.content_type {
            write!(f, " ({ct})")?;
        }
        if !self.excerpt.is_empty() {
            write!(f, ": {}", self.excerpt)?;
        }
        Ok(())
    }
}
