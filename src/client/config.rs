//! [`Hooks`]: the per-client settings every request reads, held by the generated client as its
//! inner value (one per [`Client`](super::Client) built, shared by its clones).

use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use reqwest::header::HeaderValue;
use tokio::sync::Semaphore;

use super::pools::RuntimePools;
use crate::retry::{Call, RetryPolicy};

/// Per-client settings read by the generated client's hooks (one per [`Client`](super::Client)).
#[derive(Debug, Clone)]
pub struct Hooks {
    pub(crate) user_agent: HeaderValue,
    pub(crate) polar_version: Option<HeaderValue>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) max_response_body: u64,
    /// Shared by the client's clones: one budget of in-flight requests per client built.
    pub(crate) in_flight: Option<Arc<Semaphore>>,
    pub(crate) retry: RetryPolicy,
    /// `true` when this crate built the `reqwest::Client`: it follows no redirects and never
    /// re-sends a request, so the per-request guards against both can be skipped.
    pub(crate) own_http: bool,
    /// One connection pool per Tokio runtime, for a `reqwest::Client` this crate built (a
    /// caller's client is used as given).
    pub(crate) runtimes: Option<Arc<RuntimePools>>,
    /// The base URL's path without its trailing `/` (empty for a bare host): what every
    /// operation's path is appended to.
    pub(crate) base_path: Box<str>,
}

/// What retrying may do for a request with this method (RFC 9110 §9.2.2).
pub(crate) fn call(method: &Method) -> Call {
    if matches!(*method, Method::POST | Method::PATCH) {
        Call::NonIdempotent
    } else {
        Call::Idempotent
    }
}
