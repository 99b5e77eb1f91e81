//! Failures below HTTP: a timeout, or a connection that could not be made or broke.

use std::fmt;
use std::time::Duration;

/// The request took longer than allowed.
#[derive(Debug)]
pub struct TimeoutError {
    /// The limit that was exceeded, when known.
    pub after: Option<Duration>,
    pub(crate) source: Option<reqwest::Error>,
}

impl fmt::Display for TimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.after {
            Some(d) => write!(f, "timed out after {:.3} s", d.as_secs_f64()),
            None => f.write_str("timed out"),
        }
    }
}

/// The connection failed or broke.
#[derive(Debug)]
pub struct TransportError {
    /// What happened, in plain words.
    pub message: String,
    /// Whether the response body was larger than the configured cap.
    pub body_too_large: bool,
    pub(crate) source: Option<reqwest::Error>,
}

/// hyper's words for a pooled connection whose driving task (on another Tokio runtime, now
/// shut down) is gone.
pub(super) const RUNTIME_GONE: &str = "dispatch task is gone";

impl TransportError {
    /// Whether the connection was one opened on another Tokio runtime that has shut down. The
    /// request may have reached the server (a code spent, a refresh token rotated), so this is
    /// not retryable. This crate's own `reqwest::Client` keeps a pool per runtime and never
    /// meets it; a caller's `reqwest::Client` shared by several runtimes can.
    #[must_use]
    pub fn is_runtime_gone(&self) -> bool {
        self.message.contains(RUNTIME_GONE)
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
