//! The one `ClientHooks` implementation every request of every operation goes through, the
//! generated ones and the ID token verifier's: header hygiene, the path guard, the timeout, the
//! in-flight limit, the response guard, and retries by HTTP method.
//!
//! Retries live here, not at call sites, so that every operation the spec has gets the same
//! rules, wrapped by the facade or not: a request whose method is idempotent (`GET`, `PUT`,
//! `DELETE`, RFC 9110 §9.2.2) may be sent again after a connection failure, a timeout or a
//! 429/502/503/504; a `POST` (token, revoke, introspect, register) only when the connection was
//! never established, since it may have consumed a single-use code or rotated a token.

use std::future::Future;

use bytes::Bytes;
use progenitor_client::{ClientHooks, OperationInfo};
use reqwest::header::{AUTHORIZATION, CONTENT_LENGTH, COOKIE, HeaderName, HeaderValue, USER_AGENT};

use super::config::{Hooks, call};
use super::fresh::FRESH;
use super::guard::{buffered, guard, queue_timeout};
use super::one_shot::OneShotBody;
use super::path_guard;
use crate::generated;
use crate::retry::Call;
#[cfg(doc)]
use crate::retry::RetryPolicy;

const POLAR_VERSION: HeaderName = HeaderName::from_static("polar-version");

/// progenitor sends the spec's `info.version` under this name on every request; Polar's server
/// reads its API version from `Polar-Version` only, so the header carries nothing and goes.
const API_VERSION: HeaderName = HeaderName::from_static("api-version");

impl ClientHooks<Hooks> for generated::Client {
    /// Header hygiene for every request: our user agent; `Polar-Version` when configured; no
    /// `api-version`; the bearer header and the session cookie, present only on operations
    /// whose spec asks for one (the generator adds the parameters nowhere else), marked
    /// sensitive so that `Debug` never prints them. Then the path guard (see [`path_guard`]): a
    /// request whose URL left its operation's path is refused before it is sent.
    ///
    /// A `POST` body is made one that reqwest cannot clone when a caller's `reqwest::Client` is
    /// in use: reqwest then neither follows a 307/308 with it nor retries it on its own,
    /// whatever that client's settings.
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        let hooks = &self.inner;
        // A path without parameters is the same on every call: only the others are checked.
        if let Some(template) = path_guard::template(info.operation_id)
            && template.contains('{')
            && !path_guard::matches(&hooks.base_path, template, request.url().path())
        {
            return Err(progenitor_client::Error::InvalidRequest(
                path_guard::refusal(info.operation_id, template),
            ));
        }
        let headers = request.headers_mut();
        headers.remove(API_VERSION);
        headers.insert(USER_AGENT, hooks.user_agent.clone());
        if let Some(version) = &hooks.polar_version {
            headers.insert(POLAR_VERSION, version.clone());
        }
        // One pass over the few headers a request has, rather than a lookup per name.
        for (name, value) in headers.iter_mut() {
            if name == AUTHORIZATION || name == COOKIE {
                value.set_sensitive(true);
            }
        }
        if !hooks.own_http && call(request.method()) == Call::NonIdempotent {
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
        // Our own `reqwest::Client` carries the timeout itself (see `default_http_client`).
        if !hooks.own_http
            && let Some(timeout) = hooks.timeout
        {
            *request.timeout_mut() = Some(timeout);
        }
        Ok(())
    }

    /// Send the request once a place in the client's in-flight budget is free, guard the
    /// response (a body over the cap fails without being read whole, a response reached through
    /// a redirect is refused, the place is held until the body is done), and send it again when
    /// the [`RetryPolicy`] and the method allow.
    ///
    /// The waits that only some requests take (for a place in the in-flight limit, the retry
    /// loop) are boxed: held inline, their state would make every request's future larger, and
    /// every future is moved at least once (`block_on`, `spawn`).
    // Not an `async fn` on purpose (see the comment in the body).
    #[allow(clippy::manual_async_fn)]
    fn exec(
        &self,
        mut request: reqwest::Request,
        info: &OperationInfo,
    ) -> impl Future<Output = reqwest::Result<reqwest::Response>> {
        // An `async` block rather than an `async fn`: an `async fn` keeps its arguments beside
        // its locals, so `request` would be held twice in every request's future. Without
        // retries (the default) a request takes the short path below; the retry loop's larger
        // state lives in a box allocated only for a client with retries.
        //
        // Only a path with parameters can carry a credential (a client id).
        let path_has_parameters =
            path_guard::template(info.operation_id).is_none_or(|t| t.contains('{'));
        async move {
            let hooks = &self.inner;
            if let Some(age) = FRESH.carried_by(&request, path_has_parameters) {
                return Box::pin(self.exec_fresh(request, age)).await;
            }
            if hooks.retry.max_retries() > 0 {
                return Box::pin(self.exec_retrying(request)).await;
            }
            let permit = match self.place(&mut request).await {
                Ok(permit) => permit,
                Err(limit) => return Ok(queue_timeout(limit)),
            };
            let (sent_to, sending) = self.send(request);
            let response = sending.await?;
            let success = response.status().is_success();
            let (response, permit) = guard(
                response,
                sent_to.as_ref(),
                hooks.max_response_body,
                permit,
                success,
            );
            // A successful body within the cap is read here, holding the in-flight place, and
            // handed over in memory; any other response's guard holds the place itself.
            match permit {
                Some(permit) => {
                    let read = buffered(response).await;
                    drop(permit);
                    read
                }
                None => Ok(response),
            }
        }
    }
}
