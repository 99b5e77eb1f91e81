//! What comes back: every response's status, body cap and redirect check, and the conversion of
//! the generated client's errors into this crate's [`Error`] (RFC 6749 §5.2, FastAPI 422, HTTP,
//! decode, timeout, transport), with echoed secrets scrubbed.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Frame, SizeHint};
use progenitor_client::ResponseValue;
use reqwest::header::{CONTENT_LENGTH, HeaderMap};
use reqwest::{ResponseBuilderExt, StatusCode, Url};
use serde::de::DeserializeOwned;
use tokio::sync::OwnedSemaphorePermit;

use super::hooks::Hooks;
use super::redact::Echoes;
use crate::error::{Error, TimeoutError, TransportError};

/// Settle what the generated client could not: turn its error into this crate's, reading the
/// body of an unexpected response, which may still be a success the spec did not list (Polar
/// answers registration with 201 where the spec says 200): any 2xx is decoded as `T`. The
/// secrets the request carried (`sent`) are scrubbed from whatever the server sent back.
pub(crate) async fn settle<T: DeserializeOwned>(
    hooks: &Hooks,
    error: progenitor_client::Error<()>,
    operation: &'static str,
    sent: &Echoes,
) -> Result<T, Error> {
    let timeout = hooks.timeout;
    let error = match error {
        progenitor_client::Error::InvalidRequest(m) | progenitor_client::Error::Custom(m) => {
            Error::InvalidRequest(m)
        }
        progenitor_client::Error::CommunicationError(e)
        | progenitor_client::Error::InvalidUpgrade(e)
        | progenitor_client::Error::ResponseBodyError(e) => transport_error(e, timeout),
        progenitor_client::Error::InvalidResponsePayload(body, e) => {
            Error::decode::<T>(operation, Some(StatusCode::OK), &sent.scrub_body(&body), &e)
        }
        progenitor_client::Error::ErrorResponse(response) => {
            Error::from_response(response.status(), response.headers(), b"")
        }
        progenitor_client::Error::UnexpectedResponse(response) => {
            let status = response.status();
            let headers = response.headers().clone();
            // A success body is read whole (up to the cap); an error body only for its excerpt.
            let limit = if status.is_success() {
                hooks.max_response_body
            } else {
                ERROR_BODY_CAP.min(hooks.max_response_body)
            };
            match read_capped(response, limit).await {
                Ok(body) if status.is_success() => {
                    match classify::<T>(operation, status, &headers, &body) {
                        Ok(value) => return Ok(value),
                        Err(e) => e,
                    }
                }
                Ok(body) => {
                    let body = sent.scrub_body(&body);
                    match classify::<T>(operation, status, &headers, &body) {
                        Err(e) => e,
                        Ok(_) => Error::decode::<T>(
                            operation,
                            Some(status),
                            &body,
                            &serde::de::Error::custom("an error status reached the success path"),
                        ),
                    }
                }
                Err(e) => transport_error(e, timeout),
            }
        }
    };
    Err(sent.scrub_error(error))
}

/// What a client does with a response it has read (`body` at most the cap): decode a 2xx as
/// `T`; any other status is an error.
pub(crate) fn classify<T: DeserializeOwned>(
    operation: &'static str,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<T, Error> {
    if status.is_success() {
        serde_json::from_slice(body)
            .map_err(|e| Error::decode::<T>(operation, Some(status), body, &e))
    } else {
        Err(Error::from_response(status, headers, body))
    }
}

/// A reqwest error, recognising the failures [`GuardedBody`] raises inside the body stream.
fn transport_error(e: reqwest::Error, timeout: Option<Duration>) -> Error {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(s) = source {
        match s.downcast_ref::<BodyFailure>() {
            Some(failure @ BodyFailure::TooLarge { .. }) => {
                return Error::Transport(TransportError {
                    message: failure.to_string(),
                    body_too_large: true,
                    source: Some(e.without_url()),
                });
            }
            Some(failure @ BodyFailure::Redirected) => {
                return Error::InvalidRequest(failure.to_string());
            }
            Some(BodyFailure::QueueTimeout(after)) => {
                return Error::Timeout(TimeoutError {
                    after: Some(*after),
                    source: None,
                });
            }
            None => source = s.source(),
        }
    }
    Error::from_reqwest(e, timeout)
}

/// Error bodies are read only for an excerpt and the OAuth2 fields: 64 KiB is plenty.
pub(crate) const ERROR_BODY_CAP: u64 = 64 * 1024;

async fn read_capped(mut response: reqwest::Response, cap: u64) -> Result<Vec<u8>, reqwest::Error> {
    let cap = usize::try_from(cap).unwrap_or(usize::MAX);
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let room = cap.saturating_sub(body.len());
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= cap {
            break;
        }
    }
    Ok(body)
}

/// Failures raised inside a guarded response body, found again in reqwest's error chain.
#[derive(Debug)]
enum BodyFailure {
    /// The body is larger than the cap (declared by `Content-Length`, or counted).
    TooLarge { cap: u64, declared: Option<u64> },
    /// The `reqwest::Client` followed a redirect.
    Redirected,
    /// The timeout passed while the request waited for a place in the in-flight limit; it
    /// was never sent.
    QueueTimeout(Duration),
}

impl std::fmt::Display for BodyFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BodyFailure::TooLarge { cap, declared } => {
                write!(f, "the response body is larger than the {cap}-byte cap")?;
                if let Some(declared) = declared {
                    write!(f, " (Content-Length: {declared})")?;
                }
                f.write_str("; see ClientBuilder::max_response_body")
            }
            BodyFailure::Redirected => f.write_str(
                "the reqwest::Client followed a redirect, and redirects are never followed: build it with redirect(reqwest::redirect::Policy::none())",
            ),
            BodyFailure::QueueTimeout(after) => write!(
                f,
                "timed out after {:.3} s waiting for a place among the client's in-flight requests (nothing was sent)",
                after.as_secs_f64()
            ),
        }
    }
}

impl std::error::Error for BodyFailure {}

/// `response` as is when its declared length is within the cap, otherwise with its body wrapped
/// in a [`GuardedBody`] (unknown or excessive length, or a followed redirect).
///
/// The in-flight place (`permit`) must be held until the body is done. When `read_now` (the
/// caller reads a successful body at once) and no wrapper is needed, the permit is handed back
/// for the caller to hold while it reads; otherwise the wrapper holds it.
pub(crate) fn guard(
    response: reqwest::Response,
    sent_to: Option<&Url>,
    cap: u64,
    permit: Option<OwnedSemaphorePermit>,
    read_now: bool,
) -> (reqwest::Response, Option<OwnedSemaphorePermit>) {
    // 204 and 304 have no body whatever the headers say (RFC 9110 §15.3.5, §15.4.5; hyper
    // reads none).
    let declared = if matches!(
        response.status(),
        StatusCode::NO_CONTENT | StatusCode::NOT_MODIFIED
    ) {
        Some(0)
    } else {
        response
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
    };
    let redirected = sent_to.is_some_and(|sent_to| response.url() != sent_to);
    // The common case: a body whose declared length is within the cap needs no byte counting
    // (hyper stops at Content-Length), nor a wrapper unless an in-flight place must be held
    // until the body is done and the caller does not read it at once: a slow body keeps its
    // connection busy, and releasing the place earlier let 64 slow bodies open 64 connections
    // under a limit of 4.
    if !redirected && (permit.is_none() || read_now) && declared.is_some_and(|n| n <= cap) {
        return (response, permit);
    }
    let failure = if redirected {
        Some(BodyFailure::Redirected)
    } else {
        // Only a successful body is read whole; error bodies are read up to 64 KiB.
        declared
            .filter(|&n| n > cap && response.status().is_success())
            .map(|n| BodyFailure::TooLarge {
                cap,
                declared: Some(n),
            })
    };
    let url = response.url().clone();
    let (mut parts, body) = http::Response::<reqwest::Body>::from(response).into_parts();
    // Keep `Response::url` (carried as an extension that only reqwest's builder can set).
    if let Ok(marker) = http::Response::builder().url(url).body(()) {
        parts.extensions.extend(marker.into_parts().0.extensions);
    }
    let body = GuardedBody {
        // Dropping a body unread closes its connection: nothing more is read.
        inner: failure.is_none().then_some(body),
        failure,
        cap,
        seen: 0,
        permit,
    };
    let response =
        reqwest::Response::from(http::Response::from_parts(parts, reqwest::Body::wrap(body)));
    (response, None)
}

/// A request's place in the client's in-flight limit, carried in a successful response's
/// extensions from the hooks to [`decode`], which holds it until the body is read. A clone of
/// the extensions (`http::Extensions` needs `Clone`) holds no place: only one response can.
pub(crate) struct Place {
    /// Held, never read: the place is given back when this is dropped.
    _permit: Option<OwnedSemaphorePermit>,
}

impl Clone for Place {
    fn clone(&self) -> Self {
        Place { _permit: None }
    }
}

impl Place {
    pub(crate) fn new(permit: OwnedSemaphorePermit) -> Self {
        Place {
            _permit: Some(permit),
        }
    }
}

/// What every generated operation does with a successful JSON response (the generator puts it
/// in place of progenitor's `ResponseValue::from_response`, see
/// `polar_oauth2_codegen::requests`): read the body whole while holding the request's
/// in-flight [`Place`], then decode it. The headers move into the `ResponseValue` (progenitor
/// copies them).
pub(crate) async fn decode<T: DeserializeOwned, E>(
    mut response: reqwest::Response,
) -> Result<ResponseValue<T>, progenitor_client::Error<E>> {
    let place = response.extensions_mut().remove::<Place>();
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    let full = read_whole(&mut response)
        .await
        .map_err(progenitor_client::Error::ResponseBodyError)?;
    drop(response);
    drop(place);
    let inner = serde_json::from_slice(&full)
        .map_err(|e| progenitor_client::Error::InvalidResponsePayload(full, e))?;
    Ok(ResponseValue::new(inner, status, headers))
}

/// A response's whole body. One chunk (a small body, nearly always) is returned as it came,
/// without a copy. Read chunk by chunk rather than with `Response::bytes`, whose state (an
/// accumulating buffer list) would be held in every request's future while it waits.
async fn read_whole(response: &mut reqwest::Response) -> reqwest::Result<Bytes> {
    let Some(first) = response.chunk().await? else {
        return Ok(Bytes::new());
    };
    let Some(second) = response.chunk().await? else {
        return Ok(first);
    };
    let mut whole = bytes::BytesMut::with_capacity(first.len() + second.len());
    whole.extend_from_slice(&first);
    whole.extend_from_slice(&second);
    while let Some(chunk) = response.chunk().await? {
        whole.extend_from_slice(&chunk);
    }
    Ok(whole.freeze())
}

/// What every generated operation does with a response without a body (a `204`; the generator
/// puts it in place of progenitor's `ResponseValue::empty`): the headers move into the
/// `ResponseValue` (progenitor copies them).
pub(crate) fn empty(mut response: reqwest::Response) -> ResponseValue<()> {
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    ResponseValue::new((), status, headers)
}

/// A stand-in response for a request that was never sent because the timeout passed while it
/// waited for an in-flight place: its body fails with [`BodyFailure::QueueTimeout`], which
/// the conversion turns into [`Error::Timeout`].
pub(crate) fn queue_timeout(after: Duration) -> reqwest::Response {
    let body = GuardedBody {
        inner: None,
        failure: Some(BodyFailure::QueueTimeout(after)),
        cap: 0,
        seen: 0,
        permit: None,
    };
    reqwest::Response::from(http::Response::new(reqwest::Body::wrap(body)))
}

/// A response body that fails once it passes `cap` bytes (yielding the bytes up to the cap
/// first, so a reader that stops at the cap never sees the failure), fails at once with a
/// failure found before reading, and holds the in-flight permit until it is done.
struct GuardedBody {
    inner: Option<reqwest::Body>,
    failure: Option<BodyFailure>,
    cap: u64,
    seen: u64,
    permit: Option<OwnedSemaphorePermit>,
}

impl GuardedBody {
    /// Done with the connection: drop the body (closing the connection if unread) and the
    /// in-flight permit.
    fn finish(&mut self) {
        self.inner = None;
        self.permit = None;
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl http_body::Body for GuardedBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        if let Some(failure) = this.failure.take() {
            this.finish();
            return Poll::Ready(Some(Err(Box::new(failure))));
        }
        let Some(inner) = this.inner.as_mut() else {
            return Poll::Ready(None);
        };
        let frame = match Pin::new(inner).poll_frame(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(None) => {
                this.finish();
                return Poll::Ready(None);
            }
            Poll::Ready(Some(Err(e))) => {
                this.finish();
                return Poll::Ready(Some(Err(Box::new(e))));
            }
            Poll::Ready(Some(Ok(frame))) => frame,
        };
        let mut data = match frame.into_data() {
            Ok(data) => data,
            Err(trailers) => return Poll::Ready(Some(Ok(trailers))),
        };
        let room = this.cap.saturating_sub(this.seen);
        if data.len() as u64 > room {
            // `room < data.len()`, so it fits in usize.
            data.truncate(usize::try_from(room).unwrap_or(0));
            this.failure = Some(BodyFailure::TooLarge {
                cap: this.cap,
                declared: None,
            });
            this.finish();
            if data.is_empty() {
                this.failure = None;
                return Poll::Ready(Some(Err(Box::new(BodyFailure::TooLarge {
                    cap: this.cap,
                    declared: None,
                }))));
            }
        }
        this.seen += data.len() as u64;
        Poll::Ready(Some(Ok(Frame::data(data))))
    }

    fn is_end_stream(&self) -> bool {
        self.failure.is_none() && self.inner.as_ref().is_none_or(|b| b.is_end_stream())
    }

    fn size_hint(&self) -> SizeHint {
        match (&self.failure, &self.inner) {
            (None, Some(inner)) => match inner.size_hint().exact() {
                Some(n) if self.seen + n <= self.cap => SizeHint::with_exact(n),
                _ => SizeHint::default(),
            },
            _ => SizeHint::default(),
        }
    }
}

/// `response` with its whole body read (through its guard, if it has one), as one chunk: the
/// same status, version, headers and URL. (The transport's own extensions, such as the peer
/// address, are not kept; nothing reads them from a response that reaches the generated code.)
pub(crate) async fn buffered(
    mut response: reqwest::Response,
) -> reqwest::Result<reqwest::Response> {
    let status = response.status();
    let version = response.version();
    let headers = std::mem::take(response.headers_mut());
    let url = response.url().clone();
    let bytes = response.bytes().await?;
    let mut whole = http::Response::new(reqwest::Body::from(bytes));
    *whole.status_mut() = status;
    *whole.version_mut() = version;
    *whole.headers_mut() = headers;
    // Keep `Response::url` (an extension only reqwest's builder can set; without it reqwest
    // parses a placeholder URL).
    if let Ok(marker) = http::Response::builder().url(url).body(()) {
        *whole.extensions_mut() = marker.into_parts().0.extensions;
    }
    Ok(reqwest::Response::from(whole))
}

/// Whether a reqwest error is one of the guard's own (a body over the cap, a followed
/// redirect): trying again cannot change it.
pub(crate) fn is_guard_failure(e: &reqwest::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if s.downcast_ref::<BodyFailure>().is_some() {
            return true;
        }
        source = s.source();
    }
    false
}

/// A body sent in one piece that reqwest cannot clone, hence never re-sends.
pub(crate) struct OneShotBody(Option<Bytes>);

impl OneShotBody {
    pub(crate) fn new(body: Bytes) -> Self {
        Self(Some(body))
    }
}

impl http_body::Body for OneShotBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Ready(self.0.take().map(|b| Ok(Frame::data(b))))
    }

    fn is_end_stream(&self) -> bool {
        self.0.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.0.as_ref().map_or(0, |b| b.len() as u64))
    }
}

/// Response handling without a network, for `cargo fuzz` (see `fuzz/README.md`): what a client
/// makes of a response with this status, these headers and this body, read up to the default
/// cap. Built only with `--cfg fuzzing`.
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing {
    use super::*;
    use crate::authorize::AuthorizeResponse;
    use crate::client::DEFAULT_MAX_RESPONSE_BODY;
    use crate::token::Token;
    use reqwest::header::{HeaderName, HeaderValue};

    const AUTHORIZE: &str = "oauth2:authorize";
    const REQUEST_TOKEN: &str = "oauth2:request_token";

    fn headers(raw: &[(&str, &[u8])]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in raw {
            if let (Ok(n), Ok(v)) = (HeaderName::try_from(*name), HeaderValue::from_bytes(value)) {
                map.append(n, v);
            }
        }
        map
    }

    fn respond<T: DeserializeOwned>(
        operation: &'static str,
        status: u16,
        raw_headers: &[(&str, &[u8])],
        body: &[u8],
        sent: &[&str],
    ) -> Result<T, Error> {
        let status =
            StatusCode::from_u16(status).map_err(|e| Error::InvalidRequest(e.to_string()))?;
        let limit = if status == StatusCode::OK {
            DEFAULT_MAX_RESPONSE_BODY
        } else {
            ERROR_BODY_CAP
        };
        let body = &body[..body.len().min(usize::try_from(limit).unwrap_or(usize::MAX))];
        let sent = Echoes::of(sent.iter().copied());
        classify::<T>(
            operation,
            status,
            &headers(raw_headers),
            &sent.scrub_body(body),
        )
        .map_err(|e| sent.scrub_error(e))
    }

    /// A token response; `sent` are the secrets the request carried.
    pub fn token_response(
        status: u16,
        headers: &[(&str, &[u8])],
        body: &[u8],
        sent: &[&str],
    ) -> Result<Token, Error> {
        respond(REQUEST_TOKEN, status, headers, body, sent)
    }

    /// An authorize response; `sent` are the secrets the request carried.
    pub fn authorize_response(
        status: u16,
        headers: &[(&str, &[u8])],
        body: &[u8],
        sent: &[&str],
    ) -> Result<AuthorizeResponse, Error> {
        respond(AUTHORIZE, status, headers, body, sent)
    }
}
