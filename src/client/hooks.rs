//! The one `ClientHooks` implementation every request of every operation goes through: header
//! hygiene, the timeout, the in-flight limit, the response guard, and retries by HTTP method.
//!
//! Retries live here, not at call sites, so that every operation the spec has gets the same
//! rules, wrapped by the facade or not: a request whose method is idempotent (`GET`, `PUT`,
//! `DELETE`, RFC 9110 §9.2.2) may be sent again after a connection failure, a timeout or a
//! 429/502/503/504; a `POST` (token, revoke, introspect, register) only when the connection was
//! never established, since it may have consumed a single-use code or rotated a token.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::{AUTHORIZATION, CONTENT_LENGTH, COOKIE, HeaderName, HeaderValue, USER_AGENT};
use reqwest::{Method, Url};
use tokio::sync::Semaphore;

use super::builder::default_http_client;
use super::fresh::{FRESH, Fresh};
use super::response::{OneShotBody, Place, buffered, guard, is_guard_failure, queue_timeout};
use crate::error::Error;
use crate::generated;
use crate::retry::{Call, Outcome, RetryPolicy};

const POLAR_VERSION: HeaderName = HeaderName::from_static("polar-version");

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
    /// The URL of each of the generated `STATIC_PATHS`, parsed once (see [`Hooks::url`]).
    pub(crate) urls: StaticUrls,
}

/// The base URL joined with each of the generated [`STATIC_PATHS`](generated::STATIC_PATHS),
/// parsed when the client is built. `Debug` shows how many: a base URL may hold a password.
#[derive(Clone)]
pub(crate) struct StaticUrls {
    base: Url,
    urls: Arc<[Url]>,
}

impl std::fmt::Debug for StaticUrls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} operation URLs", self.urls.len())
    }
}

impl StaticUrls {
    /// Parse `base` and `base` + each path: the strings progenitor would have formatted.
    /// `base` has been validated (no query or fragment, no trailing `/`).
    pub(crate) fn parse(base: &str) -> Result<Self, Error> {
        let parse = |url: &str, what: &str| {
            Url::parse(url).map_err(|e| Error::InvalidRequest(format!("{what} is not a URL: {e}")))
        };
        let urls = generated::STATIC_PATHS
            .iter()
            .map(|path| {
                let what = format!("the base URL joined with {path:?}");
                parse(&format!("{base}{path}"), &what)
            })
            .collect::<Result<Arc<[Url]>, Error>>()?;
        Ok(Self {
            base: parse(base, "the base URL")?,
            urls,
        })
    }
}

impl StaticUrls {
    /// The URL for `STATIC_PATHS[index]` (`path`).
    fn get(&self, index: usize, path: &str) -> Url {
        match self.urls.get(index) {
            Some(url) => url.clone(),
            // Not reached (`index` comes from the list the table was built from); should it
            // ever be, `path` is appended to the base URL's own.
            None => {
                let mut url = self.base.clone();
                let joined = format!("{}{path}", url.path().trim_end_matches('/'));
                url.set_path(&joined);
                url
            }
        }
    }
}

impl StaticUrls {
    /// The base URL with `pieces` and `args` (already percent-encoded by progenitor's
    /// `encode_path`) interleaved and appended to its path: what parsing progenitor's
    /// `format!("{}{pieces[0]}{}{pieces[1]}…", base, args…)` gives, for the cost of parsing the
    /// path alone.
    fn join(&self, pieces: &[&str], args: &[&str]) -> Url {
        let mut url = self.base.clone();
        let base = url.path().trim_end_matches('/');
        let len = base.len()
            + pieces.iter().map(|p| p.len()).sum::<usize>()
            + args.iter().map(|a| a.len()).sum::<usize>();
        let mut path = String::with_capacity(len);
        path.push_str(base);
        let mut args = args.iter();
        for piece in pieces {
            path.push_str(piece);
            if let Some(arg) = args.next() {
                path.push_str(arg);
            }
        }
        url.set_path(&path);
        url
    }
}

/// The characters progenitor's `encode_path` percent-encodes in a path parameter (the WHATWG
/// path-segment set: controls, space, `"#<>?\`{}`, `/` and `%`).
const PATH_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'/')
    .add(b'%');

/// Whether URL parsing takes `segment` for `.` or `..` (the WHATWG URL standard's single- and
/// double-dot segments: `.` or `%2e` in any case, twice).
fn is_dot_segment(segment: &str) -> bool {
    let one = |s: &str| s == "." || s.eq_ignore_ascii_case("%2e");
    one(segment)
        || ["..", ".%2e", "%2e.", "%2e%2e"]
            .iter()
            .any(|dots| segment.eq_ignore_ascii_case(dots))
}

/// One path parameter, percent-encoded as progenitor's `encode_path` does (the generated code
/// calls this instead): a value with nothing to encode, such as a client id, is borrowed, not
/// copied.
pub(crate) fn encode_path_segment(value: &str) -> Cow<'_, str> {
    percent_encoding::utf8_percent_encode(value, PATH_SEGMENT).into()
}

impl Hooks {
    /// The URL of a generated operation whose path has parameters (see
    /// [`StaticUrls::join`]), or an error, before anything is sent, when a parameter would not
    /// stay one path segment: an empty one, or a dot segment (`.`, `..`, `%2e`…), which URL
    /// parsing resolves away (`DELETE /v1/oauth2/register/..` would become
    /// `DELETE /v1/oauth2/`). Percent-encoding cannot help: `%2e` is a dot segment too (WHATWG
    /// URL, RFC 3986 §6.2.2.2).
    pub(crate) fn url_from(&self, pieces: &[&str], args: &[&str]) -> Result<Url, String> {
        if let Some((n, arg)) = args
            .iter()
            .enumerate()
            .find(|(_, arg)| arg.is_empty() || is_dot_segment(arg))
        {
            let path = pieces.join("{}");
            return Err(format!(
                "path parameter {} of {path:?} is {arg:?}: it must be a non-empty segment other \
                 than `.` or `..` (nothing was sent)",
                n + 1
            ));
        }
        Ok(self.urls.join(pieces, args))
    }

    /// The URL of the generated operation whose path is `STATIC_PATHS[index]` (`path`): a
    /// clone of the one parsed when the client was built, so that no request formats and
    /// parses its URL (about 7,000 instructions, more than any other client-side step of a
    /// token request). The generated code calls this (see `polar_oauth2_codegen::requests`).
    pub(crate) fn url(&self, index: usize, path: &str) -> Url {
        self.urls.get(index, path)
    }
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
    fn for_current(&self) -> Option<reqwest::Client> {
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

/// Wait `wait` without Tokio's timer, so that retries work in a runtime built without
/// `enable_time` (where `tokio::time::sleep` panics): a thread sleeps and wakes the task. Retry
/// waits are rare and long next to a thread's start; the thread ends early when the waiting
/// request is dropped.
async fn retry_wait(wait: Duration) {
    let (done, waited) = tokio::sync::oneshot::channel::<()>();
    let spawned = std::thread::Builder::new()
        .name("polar-oauth2-retry-wait".into())
        .spawn(move || {
            let until = std::time::Instant::now().checked_add(wait);
            loop {
                let left = match until {
                    Some(until) => until.saturating_duration_since(std::time::Instant::now()),
                    None => Duration::MAX,
                };
                if left.is_zero() || done.is_closed() {
                    break;
                }
                std::thread::sleep(left.min(Duration::from_millis(50)));
            }
            let _ = done.send(());
        });
    if spawned.is_ok() {
        let _ = waited.await;
    }
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
    /// Header hygiene for every request: our user agent; `Polar-Version` when configured; the
    /// bearer header, present only on operations whose spec asks for one (the generator adds
    /// the parameter nowhere else), marked sensitive so that `Debug` never prints it.
    /// progenitor's `api-version` (the spec's `info.version`, which Polar's server ignores) is
    /// not built by the generated code at all (`polar_oauth2_codegen::requests`). A `POST` body is made one that reqwest cannot clone when a caller's
    /// `reqwest::Client` is in use: reqwest then neither follows a 307/308 with it nor retries it
    /// on its own, whatever that client's settings.
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        let hooks = &self.inner;
        let headers = request.headers_mut();
        headers.insert(USER_AGENT, hooks.user_agent.clone());
        if let Some(version) = &hooks.polar_version {
            headers.insert(POLAR_VERSION, version.clone());
        }
        for name in [AUTHORIZATION, COOKIE] {
            if let Some(value) = headers.get_mut(name) {
                value.set_sensitive(true);
            }
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
        _info: &OperationInfo,
    ) -> impl Future<Output = reqwest::Result<reqwest::Response>> {
        // An `async` block rather than an `async fn`: an `async fn` keeps its arguments beside
        // its locals, and `request` (264 bytes) would be held twice in every request's future.
        // Without retries (the default) a request takes the short path below, whose state is
        // a few hundred bytes; the retry loop's is four times that, and it lives in a box
        // allocated only for a client with retries (every future in flight is memory that
        // 1,000 requests at once multiply).
        async move {
            let hooks = &self.inner;
            if let Some(age) = FRESH.carried_by(&request) {
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
            Ok(hand_over(response, permit))
        }
    }
}

/// A response whose in-flight place is still held here (a successful body within the cap, see
/// [`guard`]): the place goes with it to the generated code's `decode`, which holds it while
/// reading the body (instead of a body wrapper that would).
fn hand_over(
    mut response: reqwest::Response,
    permit: Option<tokio::sync::OwnedSemaphorePermit>,
) -> reqwest::Response {
    if let Some(permit) = permit {
        response.extensions_mut().insert(Place::new(permit));
    }
    response
}

impl generated::Client {
    /// [`ClientHooks::exec`] for a request carrying a credential received `age` ago, which
    /// Polar may not have committed yet (see [`Fresh`]).
    async fn exec_fresh(
        &self,
        mut request: reqwest::Request,
        age: Duration,
    ) -> reqwest::Result<reqwest::Response> {
        if Hooks::call(request.method()) == Call::NonIdempotent {
            retry_wait(Fresh::SETTLE.saturating_sub(age)).await;
            return self.exec_retrying(request).await;
        }
        let started = Instant::now();
        let mut waits = Fresh::RETRY_WAITS.iter();
        loop {
            let again = request.try_clone();
            let response = self.exec_retrying(request).await?;
            let within = age + started.elapsed() < Fresh::WINDOW;
            match (response.status(), again, waits.next()) {
                (reqwest::StatusCode::UNAUTHORIZED, Some(again), Some(wait)) if within => {
                    drop(response);
                    retry_wait(*wait).await;
                    request = again;
                }
                _ => return Ok(response),
            }
        }
    }

    /// Send `request` with this runtime's connection pool. Also the URL it was sent to when the
    /// response must be checked for a followed redirect: our own client follows none, so only a
    /// caller's client needs the check.
    fn send(
        &self,
        request: reqwest::Request,
    ) -> (
        Option<Url>,
        impl Future<Output = reqwest::Result<reqwest::Response>> + use<>,
    ) {
        let hooks = &self.inner;
        let sent_to = (!hooks.own_http).then(|| request.url().clone());
        let http = hooks.runtimes.as_ref().and_then(|r| r.for_current());
        let sending = http.as_ref().unwrap_or(self.client()).execute(request);
        (sent_to, sending)
    }

    /// A place in the client's in-flight limit for `request`, waiting for one if none is free
    /// (the wait counts inside the request's timeout: what is left of it after the wait is the
    /// request's own). `Err(timeout)`: the timeout passed while waiting; nothing was sent.
    async fn place(
        &self,
        request: &mut reqwest::Request,
    ) -> Result<Option<tokio::sync::OwnedSemaphorePermit>, Duration> {
        let hooks = &self.inner;
        let Some(in_flight) = &hooks.in_flight else {
            return Ok(None);
        };
        // A free place: no timer needed.
        if let Ok(permit) = Arc::clone(in_flight).try_acquire_owned() {
            return Ok(Some(permit));
        }
        // The waits are boxed: only queued requests pay for their state.
        let Some(limit) = request.timeout().copied().or(hooks.timeout) else {
            // `acquire_owned` fails only on a closed semaphore; this one never closes.
            return Ok(Box::pin(Arc::clone(in_flight).acquire_owned()).await.ok());
        };
        let queued = Instant::now();
        let wait = tokio::time::timeout(limit, Arc::clone(in_flight).acquire_owned());
        let permit = Box::pin(wait).await.map_err(|_| limit)?;
        let left = limit.saturating_sub(queued.elapsed());
        *request.timeout_mut() = Some(left.max(Duration::from_millis(1)));
        Ok(permit.ok())
    }

    /// [`ClientHooks::exec`] for a client with retries: send `request`, and again when the
    /// [`RetryPolicy`] and its method allow.
    async fn exec_retrying(
        &self,
        mut request: reqwest::Request,
    ) -> reqwest::Result<reqwest::Response> {
        let hooks = &self.inner;
        let call = Hooks::call(request.method());
        let mut retries = 0;
        loop {
            // A copy for the next attempt, only while one may follow (a one-shot body has
            // none).
            let mut next = (retries < hooks.retry.max_retries())
                .then(|| request.try_clone())
                .flatten();
            let permit = match self.place(&mut request).await {
                Ok(permit) => permit,
                Err(limit) => return Ok(queue_timeout(limit)),
            };
            let (sent_to, sending) = self.send(request);
            let result = sending.await;
            let wait = next.as_ref().and_then(|_| {
                let outcome = match &result {
                    Ok(response) => Outcome::Response(response.status(), response.headers()),
                    Err(e) if e.is_connect() => Outcome::NotConnected,
                    Err(_) => Outcome::Failed,
                };
                hooks.retry.delay(retries, &outcome, call)
            });
            if let Some(wait) = wait
                && let Some(again) = next.take()
            {
                drop(result);
                drop(permit);
                retry_wait(wait).await;
                request = again;
                retries += 1;
                continue;
            }
            let response = result?;
            let success = response.status().is_success();
            // A successful idempotent response is read here while a retry may follow, so that
            // a connection lost mid-body is retried too (the body is read whole right after
            // anyway).
            if !(call == Call::Idempotent && success) {
                next = None;
            }
            let (response, permit) = guard(
                response,
                sent_to.as_ref(),
                hooks.max_response_body,
                permit,
                success,
            );
            let Some(again) = next else {
                return Ok(hand_over(response, permit));
            };
            // A retry may follow: read the body now, holding the place.
            let read = buffered(response).await;
            drop(permit);
            match read {
                Ok(response) => return Ok(response),
                Err(e) if is_guard_failure(&e) => return Err(e),
                Err(e) => match hooks.retry.delay(retries, &Outcome::Failed, call) {
                    Some(wait) => {
                        drop(e);
                        retry_wait(wait).await;
                        request = again;
                        retries += 1;
                    }
                    None => return Err(e),
                },
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn static_urls_are_the_urls_progenitor_would_format() {
        let base = "http://127.0.0.1:8080/prefix";
        let urls = StaticUrls::parse(base).unwrap();
        assert!(!generated::STATIC_PATHS.is_empty());
        for (i, path) in generated::STATIC_PATHS.iter().enumerate() {
            let expected = Url::parse(&format!("{base}{path}")).unwrap();
            assert_eq!(urls.get(i, path), expected);
        }
        // An index outside the table (never generated) still gives the path's URL.
        assert_eq!(
            urls.get(usize::MAX, "/v1/other").as_str(),
            "http://127.0.0.1:8080/prefix/v1/other"
        );
        assert_eq!(
            format!("{urls:?}"),
            format!("{} operation URLs", generated::STATIC_PATHS.len())
        );
    }

    /// Whatever a path parameter holds, the joined URL is the one progenitor's `format!` and
    /// reqwest's parse would have made.
    #[test]
    fn joined_urls_are_the_urls_progenitor_would_format() {
        let ids = [
            "polar_ci_x",
            "a b",
            "a/b",
            "..",
            ".",
            "%",
            "%2e",
            "?q=1",
            "#f",
            "\\x",
            "é ü",
            "{}",
            "a;b",
            "",
            "~!$&'()*+,=:@",
            "\u{7f}\u{0}",
        ];
        for base in [
            "http://127.0.0.1:8080",
            "http://127.0.0.1:8080/prefix",
            "https://h.test/a/",
        ] {
            let base = base.trim_end_matches('/');
            let urls = StaticUrls::parse(base).unwrap();
            for id in ids {
                let encoded = progenitor_client::encode_path(id);
                let expected = Url::parse(&format!("{base}/v1/oauth2/register/{encoded}")).unwrap();
                let joined = urls.join(&["/v1/oauth2/register/", ""], &[&encoded]);
                assert_eq!(joined, expected, "{base} {id:?}");
                let two = urls.join(&["/a/", "/b/", "/c"], &[&encoded, &encoded]);
                let expected = Url::parse(&format!("{base}/a/{encoded}/b/{encoded}/c")).unwrap();
                assert_eq!(two, expected, "{base} {id:?}");
            }
        }
    }

    #[test]
    fn path_segments_are_encoded_as_progenitor_encodes_them() {
        let mut values: Vec<String> = (0u8..=0x7f).map(|b| char::from(b).to_string()).collect();
        values.extend(
            [
                "é",
                "ü ß",
                "日本",
                "polar_ci_x",
                "a/b?c#d%e",
                "",
                "\u{10ffff}",
            ]
            .map(String::from),
        );
        for value in values {
            let ours = encode_path_segment(&value);
            assert_eq!(ours, progenitor_client::encode_path(&value), "{value:?}");
        }
        assert!(matches!(
            encode_path_segment("polar_ci_x"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn dot_segments_are_exactly_those_url_parsing_resolves_away() {
        let dots = [".", "..", "%2e", "%2E", ".%2e", "%2E.", "%2e%2E", "%2e%2e"];
        let kept = ["...", ".a", "a.", "%2e%2e%2e", "%252e", "%2f", "%2", "x"];
        for segment in dots.iter().chain(&kept) {
            let path = format!("/v1/oauth2/register/{segment}");
            let parsed = Url::parse(&format!("http://127.0.0.1{path}")).unwrap();
            let resolved = parsed.path() != path;
            assert_eq!(is_dot_segment(segment), resolved, "{segment:?}");
            assert_eq!(dots.contains(segment), resolved, "{segment:?}");
        }
    }

    #[test]
    fn a_base_url_that_does_not_parse_is_an_error_naming_it() {
        let e = StaticUrls::parse("not a url").unwrap_err();
        assert!(e.to_string().contains("the base URL"), "{e}");
    }
}
