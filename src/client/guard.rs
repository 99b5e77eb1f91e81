//! The response guard: a body over the cap fails without being read whole, a response reached
//! through a followed redirect is refused, and a request's in-flight place is held until its
//! body is done. Its failures travel inside reqwest's errors as [`BodyFailure`].

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Frame, SizeHint};
use reqwest::header::CONTENT_LENGTH;
use reqwest::{ResponseBuilderExt, StatusCode, Url};
use tokio::sync::OwnedSemaphorePermit;

/// Failures raised inside a guarded response body, found again in reqwest's error chain.
#[derive(Debug)]
pub(crate) enum BodyFailure {
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
    // connection busy, so a place given back before its end would let the limit be exceeded.
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
    let bytes = read_whole(&mut response).await?;
    drop(response);
    // Keep `Response::url` (an extension only reqwest's builder can set; without it reqwest
    // parses a placeholder URL).
    let whole = http::Response::builder()
        .status(status)
        .version(version)
        .url(url)
        .body(reqwest::Body::from(bytes));
    let mut whole = match whole {
        Ok(whole) => whole,
        // Not reached: every part comes from a response that was already valid.
        Err(_) => http::Response::new(reqwest::Body::from(Bytes::new())),
    };
    *whole.headers_mut() = headers;
    Ok(reqwest::Response::from(whole))
}

/// A response's whole body. One chunk (a small body, nearly always) is returned as it came,
/// without a copy; read chunk by chunk rather than with `Response::bytes`, whose collecting
/// state would be held in every request's future while it waits.
async fn read_whole(response: &mut reqwest::Response) -> reqwest::Result<Bytes> {
    let declared = response.content_length();
    let Some(first) = response.chunk().await? else {
        return Ok(Bytes::new());
    };
    // The whole declared length in one chunk: the body is done (the connection has read it
    // all), without one more poll through every layer for its end.
    if declared == Some(first.len() as u64) {
        return Ok(first);
    }
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

/// The guard's own failure inside a reqwest error (a body over the cap, a followed redirect, a
/// wait for an in-flight place that timed out), if it is one.
pub(crate) fn body_failure<'e>(
    e: &'e (dyn std::error::Error + 'static),
) -> Option<&'e BodyFailure> {
    let mut source = Some(e);
    while let Some(s) = source {
        if let Some(failure) = s.downcast_ref::<BodyFailure>() {
            return Some(failure);
        }
        source = s.source();
    }
    None
}

/// Whether a reqwest error is one of the guard's own: trying again cannot change it.
pub(crate) fn is_guard_failure(e: &reqwest::Error) -> bool {
    body_failure(e).is_some()
}
