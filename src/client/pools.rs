//! The `reqwest::Client` this crate builds: rustls, no redirects, no retries of reqwest's own,
//! and one connection pool per Tokio runtime.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use crate::error::Error;

/// rustls with the crate's provider and the platform's certificate verifier (see
/// [`crate::tls`]).
///
/// `timeout` bounds each request whole (connect, send, response headers and body), as
/// [`ClientBuilder::timeout`] says. Set here, on the client, reqwest keeps it in the client
/// rather than in each request's extensions (a map allocated per request when set per
/// request); the hooks still set it per request on a caller's `reqwest::Client`, and when a
/// wait for a place in the in-flight limit has used part of it.
pub(crate) fn default_http_client(
    direct: bool,
    timeout: Option<Duration>,
) -> Result<reqwest::Client, Error> {
    let tls = crate::tls::client_config()?;
    let builder = reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        // Redirects are never followed: a token request must not be re-sent elsewhere.
        .redirect(reqwest::redirect::Policy::none())
        // reqwest never re-sends a request by itself: a token request may carry a single-use
        // code. Retries are this crate's decision (`RetryPolicy`), per operation.
        .retry(reqwest::retry::never())
        // No idle reaper: its timer panics (in a background task) on a runtime built without
        // `enable_time`. A connection the server closes leaves the pool by itself.
        .pool_idle_timeout(None);
    let builder = if direct { builder.no_proxy() } else { builder };
    let builder = match timeout {
        Some(timeout) => builder.timeout(timeout),
        None => builder,
    };
    builder
        .build()
        .map_err(|e| Error::InvalidRequest(format!("cannot build the HTTP client: {e}")))
}

/// A `reqwest::Client` per Tokio runtime. A pooled hyper connection is driven by a task of the
/// runtime that opened it: a request from another runtime that picks it up loses its response
/// ("dispatch task is gone") once that runtime shuts down, after the server read the request
/// (a spent code, lost tokens). So each runtime gets its own pool: the first runtime seen uses
/// the client's own `reqwest::Client`, each other one a new one with the same settings, made
/// on first use. At most [`RuntimePools::MAX`] are kept (a program that makes a runtime per
/// task drops the oldest; a request in flight keeps its own handle).
pub(crate) struct RuntimePools {
    direct: bool,
    timeout: Option<Duration>,
    first: std::sync::OnceLock<tokio::runtime::Id>,
    others: Mutex<VecDeque<(tokio::runtime::Id, reqwest::Client)>>,
}

impl std::fmt::Debug for RuntimePools {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let others = self.others.lock().map_or(0, |o| o.len());
        f.debug_struct("RuntimePools")
            .field(
                "runtimes",
                &(usize::from(self.first.get().is_some()) + others),
            )
            .finish()
    }
}

impl RuntimePools {
    /// Runtimes besides the first whose pools are kept.
    const MAX: usize = 32;

    pub(crate) fn new(direct: bool, timeout: Option<Duration>) -> Self {
        Self {
            direct,
            timeout,
            first: std::sync::OnceLock::new(),
            others: Mutex::new(VecDeque::new()),
        }
    }

    /// The client for the current runtime; `None`: use the client's own.
    pub(crate) fn for_current(&self) -> Option<reqwest::Client> {
        let id = tokio::runtime::Handle::try_current().ok()?.id();
        if *self.first.get_or_init(|| id) == id {
            return None;
        }
        let mut others = self.others.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, http)) = others.iter().find(|(other, _)| *other == id) {
            return Some(http.clone());
        }
        let http = default_http_client(self.direct, self.timeout).ok()?;
        if others.len() >= Self::MAX {
            others.pop_front();
        }
        others.push_back((id, http.clone()));
        Some(http)
    }
}
