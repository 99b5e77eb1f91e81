//! The facade `Client`: servers, TLS, headers, timeouts, limits, retries, and the two OAuth2
//! calls.
//!
//! Every request goes through the generated client's methods; cross-cutting behaviour (user
//! agent, `Polar-Version`, timeouts, header hygiene, the concurrency limit, the response body
//! cap, refusing followed redirects) lives in one `ClientHooks` implementation rather than at
//! each call site. Retries wrap whole calls, so every attempt is a fresh request.

use std::borrow::Cow;
use std::convert::Infallible;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Frame, SizeHint};
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::{
    AUTHORIZATION, CONTENT_LENGTH, HeaderMap, HeaderName, HeaderValue, USER_AGENT,
};
use reqwest::{ResponseBuilderExt, StatusCode, Url};
use serde::de::DeserializeOwned;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::authorize::{AuthorizeParams, AuthorizeResponse};
use crate::error::{Error, TransportError};
use crate::generated;
use crate::secret::{AccessToken, AuthorizationCode, PkceCodeVerifier, RefreshToken};
use crate::token::{
    AuthorizationCodeGrant, ClientCredentials, RefreshTokenGrant, Token, TokenRequest,
};

/// The `User-Agent` every request carries.
pub const USER_AGENT_VALUE: &str = concat!("polar-oauth2-rust/", env!("CARGO_PKG_VERSION"));

use crate::retry::{Call, RetryPolicy};

/// Default limit for a whole request (connect, send, response headers and body).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Default cap on a response body, in bytes (1 MiB; a token response is under 2 KiB, a consent
/// response with every scope's display name under 16 KiB).
pub const DEFAULT_MAX_RESPONSE_BODY: u64 = 1024 * 1024;

/// Default number of requests a client (with its clones) has in flight at once.
pub const DEFAULT_MAX_CONCURRENT_REQUESTS: usize = 64;

const POLAR_VERSION: HeaderName = HeaderName::from_static("polar-version");
const API_VERSION: HeaderName = HeaderName::from_static("api-version");
const AUTHORIZE: &str = "oauth2:authorize";
const REQUEST_TOKEN: &str = "oauth2:request_token";
/// progenitor's name for the token operation (`operationId` with `:` as `_`).
const REQUEST_TOKEN_METHOD: &str = "oauth2_request_token";

/// Which Polar API to talk to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Server {
    /// `https://api.polar.sh`.
    Production,
    /// `https://sandbox-api.polar.sh`: test data, test payments.
    Sandbox,
    /// Any base URL (a proxy, a local test server). `https` unless the host is loopback, or
    /// [`ClientBuilder::allow_insecure_http`] is set.
    Custom(String),
}

impl Server {
    /// The base URL requests are made against.
    #[must_use]
    pub fn base_url(&self) -> &str {
        match self {
            Server::Production => "https://api.polar.sh",
            Server::Sandbox => "https://sandbox-api.polar.sh",
            Server::Custom(url) => url,
        }
    }
}

/// Per-client settings read by the generated client's hooks (one per [`Client`]).
#[derive(Debug, Clone)]
pub struct Hooks {
    user_agent: HeaderValue,
    polar_version: Option<HeaderValue>,
    timeout: Option<Duration>,
    max_response_body: u64,
    /// Shared by the client's clones: one budget of in-flight requests per [`Client::new`].
    in_flight: Option<Arc<Semaphore>>,
    retry: RetryPolicy,
    /// `true` when this crate built the `reqwest::Client`: it follows no redirects and never
    /// re-sends a request, so the per-request guards against both can be skipped.
    own_http: bool,
}

/// Settings for a [`Client`].
#[derive(Debug, Clone)]
#[must_use]
pub struct ClientBuilder {
    server: Server,
    timeout: Option<Duration>,
    polar_version: Option<String>,
    http: Option<reqwest::Client>,
    allow_insecure_http: bool,
    max_response_body: u64,
    max_concurrent_requests: Option<usize>,
    retry: RetryPolicy,
}

impl ClientBuilder {
    /// Settings for `server` with the defaults: [`DEFAULT_TIMEOUT`], no `Polar-Version`,
    /// [`DEFAULT_MAX_RESPONSE_BODY`], [`DEFAULT_MAX_CONCURRENT_REQUESTS`], no retries.
    pub fn new(server: Server) -> Self {
        Self {
            server,
            timeout: Some(DEFAULT_TIMEOUT),
            polar_version: None,
            http: None,
            allow_insecure_http: false,
            max_response_body: DEFAULT_MAX_RESPONSE_BODY,
            max_concurrent_requests: Some(DEFAULT_MAX_CONCURRENT_REQUESTS),
            retry: RetryPolicy::none(),
        }
    }

    /// Retry failed calls under `policy` (default: [`RetryPolicy::none`]). A token request is
    /// retried only when the connection could not be established; see [`RetryPolicy`].
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The largest response body accepted, in bytes (default [`DEFAULT_MAX_RESPONSE_BODY`]).
    /// A larger successful response fails with [`Error::Transport`] (`body_too_large`) as soon
    /// as its `Content-Length` or the bytes read so far exceed the cap; it is never read whole.
    /// Error responses are read only up to 64 KiB for their excerpt, whatever their size.
    pub fn max_response_body(mut self, bytes: u64) -> Self {
        self.max_response_body = bytes;
        self
    }

    /// At most `limit` requests in flight at once through this client and its clones (default
    /// [`DEFAULT_MAX_CONCURRENT_REQUESTS`]); the others wait their turn. This also bounds the
    /// connections the client opens to about `limit` over HTTP/1.1 (a few more when requests
    /// start just as finished ones' connections go back to the pool); without it, a burst of
    /// `n` requests opens up to `n` connections. The timeout of a waiting request starts when
    /// it leaves the queue. `None`: no limit.
    pub fn max_concurrent_requests(mut self, limit: Option<usize>) -> Self {
        self.max_concurrent_requests = limit;
        self
    }

    /// Limit for each whole request; `None` for no limit (not recommended).
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// Send `Polar-Version: <version>` (`YYYY-MM`), which pins the API version Polar's server
    /// answers with. Without it the server uses its default.
    pub fn polar_version(mut self, version: impl Into<String>) -> Self {
        self.polar_version = Some(version.into());
        self
    }

    /// Use this `reqwest::Client` (its proxy, TLS and pool settings) instead of building one.
    /// The timeout set here still applies to each request.
    ///
    /// Build it with `.redirect(reqwest::redirect::Policy::none())`, as the default client is.
    /// A response reached through a redirect is refused ([`Error::InvalidRequest`]), and a token
    /// request's body is never re-sent by a redirect, but reqwest would still send the
    /// redirected `GET` (without the bearer token when it crosses origins).
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// Allow a plain `http` base URL on a non-loopback host. Credentials then cross the
    /// network unencrypted: only for a trusted network.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Build the client.
    pub fn build(self) -> Result<Client, Error> {
        crate::tls::install_crypto_provider();
        let base = validate_base_url(self.server.base_url(), self.allow_insecure_http)?;
        let own_http = self.http.is_none();
        let http = match self.http {
            Some(http) => http,
            None => default_http_client()?,
        };
        let polar_version = self
            .polar_version
            .map(|v| {
                HeaderValue::try_from(v).map_err(|_| {
                    Error::InvalidRequest("Polar-Version is not a valid header value".into())
                })
            })
            .transpose()?;
        let hooks = Hooks {
            user_agent: HeaderValue::from_static(USER_AGENT_VALUE),
            polar_version,
            timeout: self.timeout,
            max_response_body: self.max_response_body,
            in_flight: self
                .max_concurrent_requests
                .map(|n| Arc::new(Semaphore::new(n.clamp(1, Semaphore::MAX_PERMITS)))),
            retry: self.retry,
            own_http,
        };
        Ok(Client {
            api: Arc::new(generated::Client::new_with_client(&base, http, hooks)),
        })
    }
}

/// `https`, or `http` on a loopback host, or anything when the caller opted in.
fn validate_base_url(base: &str, allow_insecure_http: bool) -> Result<String, Error> {
    let url = Url::parse(base)
        .map_err(|e| Error::InvalidRequest(format!("base URL {base:?} is not a URL: {e}")))?;
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback || allow_insecure_http => {}
        "http" => {
            return Err(Error::InvalidRequest(format!(
                "base URL {base:?} uses plain http on a non-loopback host: tokens and secrets would cross the network unencrypted; use https, or ClientBuilder::allow_insecure_http(true) on a trusted network"
            )));
        }
        other => {
            return Err(Error::InvalidRequest(format!(
                "base URL {base:?} has scheme {other:?}; expected https"
            )));
        }
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::InvalidRequest(format!(
            "base URL {base:?} must not have a query or fragment"
        )));
    }
    Ok(base.trim_end_matches('/').to_owned())
}

/// rustls with the crate's provider and the platform's certificate verifier (see [`crate::tls`]).
fn default_http_client() -> Result<reqwest::Client, Error> {
    let tls = crate::tls::client_config()?;
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        // Redirects are never followed: a token request must not be re-sent elsewhere.
        .redirect(reqwest::redirect::Policy::none())
        // reqwest never re-sends a request by itself: a token request may carry a single-use
        // code. Retries are this crate's decision (`RetryPolicy`), per operation.
        .retry(reqwest::retry::never())
        .build()
        .map_err(|e| Error::InvalidRequest(format!("cannot build the HTTP client: {e}")))
}

/// A Polar OAuth2 client. Cheap to clone; clones share one connection pool.
#[derive(Debug, Clone)]
pub struct Client {
    api: Arc<generated::Client>,
}

impl Client {
    /// A client for `server` with default settings (see [`ClientBuilder`]).
    pub fn new(server: Server) -> Result<Self, Error> {
        ClientBuilder::new(server).build()
    }

    /// Settings for a client.
    pub fn builder(server: Server) -> ClientBuilder {
        ClientBuilder::new(server)
    }

    /// The base URL in use.
    #[must_use]
    pub fn base_url(&self) -> &str {
        self.api.baseurl()
    }

    /// The generated client, for operations beyond the two this facade wraps.
    #[must_use]
    pub fn generated(&self) -> &generated::Client {
        &self.api
    }

    /// `GET /v1/oauth2/authorize`: the consent data for an authorization request (the client,
    /// the subject, the scopes asked for and their labels), as Polar's consent page shows it.
    ///
    /// `access_token` is sent as `Authorization: Bearer` (RFC 6750 §2.1), on this call and
    /// nowhere else. Polar's server answers this call for its own consent page: it needs a token
    /// of the signed-in Polar user that carries `web:write` (or that user's web session), so an
    /// ordinary third-party access token gets 401/403 (`Error::Http`). Once the user has
    /// consented, the server redirects (HTTP 302, refused by this client) instead.
    pub async fn authorize(
        &self,
        access_token: &AccessToken,
        params: &AuthorizeParams,
    ) -> Result<AuthorizeResponse, Error> {
        let bearer = format!("Bearer {}", access_token.secret());
        let mut retries = 0;
        loop {
            let result = self
                .api
                .oauth2_authorize(
                    params.client_id.as_deref(),
                    params.code_challenge.as_deref(),
                    params.code_challenge_method.map(|m| m.as_str()),
                    params.nonce.as_deref(),
                    params.prompt.as_deref(),
                    params.redirect_uri.as_deref(),
                    params.client_id.as_ref().map(|_| "code"),
                    params.scope.as_deref(),
                    params.state.as_deref(),
                    params.sub_type.map(|s| s.as_str()),
                    &bearer,
                )
                .await;
            let error = match result {
                Ok(response) => return Ok(response.into_inner()),
                Err(e) => {
                    let sent = Echoes::new([access_token.secret()]);
                    self.convert::<AuthorizeResponse>(e, AUTHORIZE, &sent).await
                }
            };
            match self.api.inner.retry.delay(retries, &error, Call::Authorize) {
                Some(wait) => tokio::time::sleep(wait).await,
                None => return Err(error),
            }
            retries += 1;
        }
    }

    /// `POST /v1/oauth2/token` with any grant. Never sends an `Authorization` header.
    ///
    /// Sent again only when the connection could not be established, whatever the
    /// [`RetryPolicy`]: an authorization code is single-use, and a request that reached the
    /// server may have consumed it.
    pub async fn request_token(&self, request: &TokenRequest) -> Result<Token, Error> {
        let mut retries = 0;
        loop {
            let error = match self.api.oauth2_request_token(request).await {
                Ok(response) => return Ok(response.into_inner()),
                Err(e) => {
                    let sent = Echoes::of_token_request(request);
                    self.convert::<Token>(e, REQUEST_TOKEN, &sent).await
                }
            };
            match self
                .api
                .inner
                .retry
                .delay(retries, &error, Call::RequestToken)
            {
                Some(wait) => tokio::time::sleep(wait).await,
                None => return Err(error),
            }
            retries += 1;
        }
    }

    /// Exchange an authorization code (RFC 6749 §4.1.3), with the PKCE verifier if the
    /// authorization request had a challenge (always, for public clients).
    pub async fn exchange_code(
        &self,
        credentials: &ClientCredentials,
        code: AuthorizationCode,
        redirect_uri: &str,
        code_verifier: Option<PkceCodeVerifier>,
    ) -> Result<Token, Error> {
        let mut grant = AuthorizationCodeGrant::new(credentials.clone(), code, redirect_uri);
        if let Some(verifier) = code_verifier {
            grant = grant.code_verifier(verifier);
        }
        self.request_token(&grant.into()).await
    }

    /// Refresh (RFC 6749 §6). Polar revokes `refresh_token` and returns a new one: store it.
    pub async fn refresh(
        &self,
        credentials: &ClientCredentials,
        refresh_token: &RefreshToken,
    ) -> Result<Token, Error> {
        let grant = RefreshTokenGrant::new(credentials.clone(), refresh_token.clone());
        self.request_token(&grant.into()).await
    }

    /// Turn the generated client's error into this crate's, reading the body of an
    /// unsuccessful response; the secrets the request carried (`sent`) are scrubbed from
    /// whatever the server sent back.
    async fn convert<T: DeserializeOwned>(
        &self,
        error: progenitor_client::Error<()>,
        operation: &'static str,
        sent: &Echoes,
    ) -> Error {
        let timeout = self.api.inner.timeout;
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
                let limit = ERROR_BODY_CAP.min(self.api.inner.max_response_body);
                match read_capped(response, limit).await {
                    Ok(body) => {
                        let body = sent.scrub_body(&body);
                        // Never a 200 here (the generated code decodes those itself).
                        match classify::<T>(operation, status, &headers, &body) {
                            Err(e) => e,
                            Ok(_) => Error::decode::<T>(
                                operation,
                                Some(status),
                                &body,
                                &serde::de::Error::custom("a 200 reached the error path"),
                            ),
                        }
                    }
                    Err(e) => transport_error(e, timeout),
                }
            }
        };
        sent.scrub_error(error)
    }
}

/// What a client does with a response it has read (`body` at most the cap): decode a 200 as
/// `T`, as the generated code does; any other status is an error.
fn classify<T: DeserializeOwned>(
    operation: &'static str,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<T, Error> {
    if status == StatusCode::OK {
        serde_json::from_slice(body)
            .map_err(|e| Error::decode::<T>(operation, Some(status), body, &e))
    } else if status.is_success() {
        Err(Error::decode::<T>(
            operation,
            Some(status),
            body,
            &serde::de::Error::custom(format!(
                "unexpected status {status} for a successful response"
            )),
        ))
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
            None => source = s.source(),
        }
    }
    Error::from_reqwest(e, timeout)
}

/// The secret values a request carried, in the forms a server could echo them back in (as
/// sent, form-encoded, JSON-escaped). Built only on the error path.
struct Echoes(Vec<String>);

impl Echoes {
    /// Form fields of a token request that hold secrets.
    const TOKEN_SECRET_FIELDS: [&'static str; 5] = [
        "client_secret",
        "code",
        "code_verifier",
        "refresh_token",
        "session_token",
    ];

    /// Shorter values are not searched for: they would match ordinary text. Real secrets are
    /// far longer (Polar's tokens, RFC 7636's 43-character minimum verifier).
    const MIN_LEN: usize = 8;

    fn new<'a>(secrets: impl IntoIterator<Item = &'a str>) -> Self {
        let mut forms = Vec::new();
        for secret in secrets.into_iter().filter(|s| s.len() >= Self::MIN_LEN) {
            let encoded: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
            let escaped = serde_json::to_string(secret).unwrap_or_default();
            let escaped = escaped.trim_matches('"').to_owned();
            for form in [secret.to_owned(), encoded, escaped] {
                if !form.is_empty() && !forms.contains(&form) {
                    forms.push(form);
                }
            }
        }
        // Longest first, so a secret that contains another is removed whole.
        forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
        Self(forms)
    }

    fn of_token_request(request: &TokenRequest) -> Self {
        let form = serde_json::to_value(request).unwrap_or_default();
        Self::new(
            Self::TOKEN_SECRET_FIELDS
                .iter()
                .filter_map(|field| form.get(field)?.as_str()),
        )
    }

    /// `body` with every echo replaced by `[redacted]`.
    fn scrub_body<'b>(&self, body: &'b [u8]) -> Cow<'b, [u8]> {
        let mut out = Cow::Borrowed(body);
        for form in &self.0 {
            let needle = form.as_bytes();
            if out.windows(needle.len()).any(|w| w == needle) {
                let mut scrubbed = Vec::with_capacity(out.len());
                let mut rest: &[u8] = &out;
                while !rest.is_empty() {
                    if rest.starts_with(needle) {
                        scrubbed.extend_from_slice(REDACTED.as_bytes());
                        rest = &rest[needle.len()..];
                    } else {
                        scrubbed.push(rest[0]);
                        rest = &rest[1..];
                    }
                }
                out = Cow::Owned(scrubbed);
            }
        }
        out
    }

    fn scrub_text(&self, text: &str) -> String {
        self.0.iter().fold(text.to_owned(), |t, form| {
            t.replace(form.as_str(), REDACTED)
        })
    }

    fn scrub_error(&self, error: Error) -> Error {
        if self.0.is_empty() {
            return error;
        }
        error.map_text(|t| self.scrub_text(t))
    }
}

const REDACTED: &str = "[redacted]";

/// Error bodies are read only for an excerpt and the OAuth2 fields: 64 KiB is plenty.
const ERROR_BODY_CAP: u64 = 64 * 1024;

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

impl ClientHooks<Hooks> for generated::Client {
    /// Header hygiene for every request: our user agent; `Polar-Version` when configured;
    /// progenitor's `api-version` (the spec's `info.version`, which Polar's server ignores)
    /// removed; the bearer header marked sensitive (never printed by `Debug`); no
    /// `Authorization` on token requests, whatever put it there. A token request's body is made
    /// one that reqwest cannot clone: reqwest then neither follows a 307/308 with it nor
    /// retries it on its own, whatever the `reqwest::Client`'s settings.
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        let hooks = &self.inner;
        let headers = request.headers_mut();
        headers.remove(API_VERSION);
        headers.insert(USER_AGENT, hooks.user_agent.clone());
        if let Some(version) = &hooks.polar_version {
            headers.insert(POLAR_VERSION, version.clone());
        }
        if info.operation_id == REQUEST_TOKEN_METHOD {
            headers.remove(AUTHORIZATION);
            // A caller's client may retry or follow 307/308 by itself, re-sending the body; a
            // body that cannot be copied stops both. Our own client does neither.
            let form = (!hooks.own_http)
                .then(|| request.body().and_then(reqwest::Body::as_bytes))
                .flatten()
                .map(Bytes::copy_from_slice);
            if let Some(form) = form {
                request
                    .headers_mut()
                    .insert(CONTENT_LENGTH, HeaderValue::from(form.len()));
                *request.body_mut() = Some(reqwest::Body::wrap(OneShotBody(Some(form))));
            }
        } else if let Some(value) = headers.get_mut(AUTHORIZATION) {
            value.set_sensitive(true);
        }
        if let Some(timeout) = hooks.timeout {
            *request.timeout_mut() = Some(timeout);
        }
        Ok(())
    }

    /// Send the request once a place in the client's in-flight budget is free, and guard the
    /// response: a body over the cap fails without being read whole, a response reached
    /// through a redirect is refused, and the place is held until the body is done.
    async fn exec(
        &self,
        request: reqwest::Request,
        _info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let hooks = &self.inner;
        let permit = match &hooks.in_flight {
            // `acquire_owned` fails only on a closed semaphore; this one is never closed.
            Some(in_flight) => Arc::clone(in_flight).acquire_owned().await.ok(),
            None => None,
        };
        // Our own client follows no redirects, so only a caller's client needs the check.
        let sent_to = (!hooks.own_http).then(|| request.url().clone());
        let response = self.client().execute(request).await?;
        Ok(guard(
            response,
            sent_to.as_ref(),
            hooks.max_response_body,
            permit,
        ))
    }
}

/// Failures raised inside a guarded response body, found again in reqwest's error chain.
#[derive(Debug)]
enum BodyFailure {
    /// The body is larger than the cap (declared by `Content-Length`, or counted).
    TooLarge { cap: u64, declared: Option<u64> },
    /// The `reqwest::Client` followed a redirect.
    Redirected,
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
        }
    }
}

impl std::error::Error for BodyFailure {}

/// `response` as is when its declared length is within the cap; otherwise with its body wrapped
/// in a [`GuardedBody`] (unknown or excessive length, or a followed redirect).
fn guard(
    response: reqwest::Response,
    sent_to: Option<&Url>,
    cap: u64,
    permit: Option<OwnedSemaphorePermit>,
) -> reqwest::Response {
    let declared = response
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    let redirected = sent_to.is_some_and(|sent_to| response.url() != sent_to);
    // The common case: a body whose declared length is within the cap needs no byte counting
    // (hyper stops at Content-Length). Its in-flight slot is released now, as its body is read
    // right away; the connection count stays bounded by the slots plus bodies being read.
    if !redirected && declared.is_some_and(|n| n <= cap) {
        drop(permit);
        return response;
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
    reqwest::Response::from(http::Response::from_parts(parts, reqwest::Body::wrap(body)))
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

/// A body sent in one piece that reqwest cannot clone, hence never re-sends.
struct OneShotBody(Option<Bytes>);

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
        let sent = Echoes::new(sent.iter().copied());
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn base_url_must_be_https_unless_loopback() {
        assert!(validate_base_url("https://api.polar.sh/", false).is_ok());
        assert!(validate_base_url("http://127.0.0.1:8080", false).is_ok());
        assert!(validate_base_url("http://localhost:1", false).is_ok());
        assert!(validate_base_url("http://[::1]:1", false).is_ok());
        let e = validate_base_url("http://example.com", false).unwrap_err();
        assert!(e.to_string().contains("allow_insecure_http"), "{e}");
        assert!(validate_base_url("http://example.com", true).is_ok());
        assert!(validate_base_url("ftp://example.com", true).is_err());
    }

    #[test]
    fn base_url_loses_its_trailing_slash() {
        assert_eq!(
            validate_base_url("https://api.polar.sh/", false).unwrap(),
            "https://api.polar.sh"
        );
    }
}
