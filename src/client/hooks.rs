//! The one `ClientHooks` implementation every request of every operation goes through: header
//! hygiene, the timeout, the in-flight limit, the response guard, and retries by HTTP method.
//!
//! Retries live here, not at call sites, so that every operation the spec has gets the same
//! rules, wrapped by the facade or not: a request whose method is idempotent (`GET`, `PUT`,
//! `DELETE`, RFC 9110 §9.2.2) may be sent again after a connection failure, a timeout or a
//! 429/502/503/504; a `POST` (token, revoke, introspect, register) only when the connection was
//! never established, since it may have consumed a single-use code or rotated a token.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::Method;
use reqwest::header::{AUTHORIZATION, CONTENT_LENGTH, HeaderName, HeaderValue, USER_AGENT};
use tokio::sync::Semaphore;

use super::response::{OneShotBody, buffered, guard, is_guard_failure};
use crate::generated;
use crate::retry::{Call, Outcome, RetryPolicy};

const POLAR_VERSION: HeaderName = HeaderName::from_static("polar-version");
const API_VERSION: HeaderName = HeaderName::from_static("api-version");

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
}

impl Hooks {
    /// What retrying may do for a request with this method (RFC 9110 §9.2.2).
    fn call(method: &Method) -> Call {
        if matches!(*method, Method::POST | Method::PATCH) {
            Call::NonIdempotent
        } else {
            Call::Idempotent
        }
    }
}

impl ClientHooks<Hooks> for generated::Client {
    /// Header hygiene for every request: our user agent; `Polar-Version` when configured;
    /// progenitor's `api-version` (the spec's `info.version`, which Polar's server ignores)
    /// removed; the bearer header, present only on operations whose spec asks for one (the
    /// generator adds the parameter nowhere else), marked sensitive so that `Debug` never prints
    /// it. A `POST` body is made one that reqwest cannot clone when a caller's
    /// `reqwest::Client` is in use: reqwest then neither follows a 307/308 with it nor retries it
    /// on its own, whatever that client's settings.
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        let hooks = &self.inner;
        let headers = request.headers_mut();
        headers.remove(API_VERSION);
        headers.insert(USER_AGENT, hooks.user_agent.clone());
        if let Some(version) = &hooks.polar_version {
            headers.insert(POLAR_VERSION, version.clone());
        }
        if let Some(value) = headers.get_mut(AUTHORIZATION) {
            value.set_sensitive(true);
        }
        if !hooks.own_http && Hooks::call(request.method()) == Call::NonIdempotent {
            let body = request
                .body()
                .and_then(reqwest::Body::as_bytes)
                .map(Bytes::copy_from_slice);
            if let Some(body) = body {
                request
                    .headers_mut()
                    .insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
                *request.body_mut() = Some(reqwest::Body::wrap(OneShotBody::new(body)));
            }
        }
        if let Some(timeout) = hooks.timeout {
            *request.timeout_mut() = Some(timeout);
        }
        Ok(())
    }

    /// Send the request once a place in the client's in-flight budget is free, guard the
    /// response (a body over the cap fails without being read whole, a response reached through
    /// a redirect is refused, the place is held until the body is done), and send it again when
    /// the [`RetryPolicy`] and the method allow.
    async fn exec(
        &self,
        mut request: reqwest::Request,
        _info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let hooks = &self.inner;
        let call = Hooks::call(request.method());
        let mut retries = 0;
        loop {
            // A copy for the next attempt, only while one may follow (a one-shot body has none).
            let next = (retries < hooks.retry.max_retries())
                .then(|| request.try_clone())
                .flatten();
            let permit = match &hooks.in_flight {
                // `acquire_owned` fails only on a closed semaphore; this one is never closed.
                Some(in_flight) => Arc::clone(in_flight).acquire_owned().await.ok(),
                None => None,
            };
            // Our own client follows no redirects, so only a caller's client needs the check.
            let sent_to = (!hooks.own_http).then(|| request.url().clone());
            let result = self.client().execute(request).await;
            let wait = next.as_ref().and_then(|_| {
                let outcome = match &result {
                    Ok(response) => Outcome::Response(response.status(), response.headers()),
                    Err(e) if e.is_connect() => Outcome::NotConnected,
                    Err(_) => Outcome::Failed,
                };
                hooks.retry.delay(retries, &outcome, call)
            });
            let response = match (wait, next) {
                (Some(wait), Some(next)) => {
                    drop(result);
                    drop(permit);
                    tokio::time::sleep(wait).await;
                    request = next;
                    retries += 1;
                    continue;
                }
                (None, next) => (
                    guard(result?, sent_to.as_ref(), hooks.max_response_body, permit),
                    next,
                ),
                (Some(_), None) => {
                    let response = result?;
                    return Ok(guard(
                        response,
                        sent_to.as_ref(),
                        hooks.max_response_body,
                        permit,
                    ));
                }
            };
            // A successful idempotent response is read here while a retry may follow, so that a
            // connection lost mid-body is retried too (the body is read whole right after anyway).
            let (response, next) = response;
            let Some(next) =
                next.filter(|_| call == Call::Idempotent && response.status().is_success())
            else {
                return Ok(response);
            };
            match buffered(response).await {
                Ok(response) => return Ok(response),
                Err(e) if is_guard_failure(&e) => return Err(e),
                Err(e) => match hooks.retry.delay(retries, &Outcome::Failed, call) {
                    Some(wait) => {
                        drop(e);
                        tokio::time::sleep(wait).await;
                        request = next;
                        retries += 1;
                    }
                    None => return Err(e),
                },
            }
        }
    }
}
