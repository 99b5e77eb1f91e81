//! The crate's one error type.
//!
//! Every failure is a value that says what went wrong and where: an OAuth2 error from the server
//! (RFC 6749 §5.2), a FastAPI validation error (422), any other HTTP error, a response that does
//! not decode, a timeout, a transport failure, or a request that could not be built. No message
//! holds a secret: bodies are quoted only as short excerpts with token-like values redacted.

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::Deserialize;

/// Longest body excerpt kept in an error, in bytes.
pub(crate) const EXCERPT_LEN: usize = 256;

/// Anything that can go wrong calling Polar.
///
/// ```no_run
/// # async fn refresh(client: &polar_oauth2::Client, credentials: &polar_oauth2::ClientCredentials,
/// #     refresh_token: &polar_oauth2::RefreshToken) {
/// use polar_oauth2::{Error, OAuthErrorCode};
/// match client.refresh(credentials, refresh_token).await {
///     Ok(token) => drop(token), // store it
///     Err(Error::OAuth(e)) if e.code == OAuthErrorCode::InvalidGrant => {
///         // Revoked or expired: the user must connect again.
///     }
///     Err(e) if e.is_retryable() => { /* try later */ }
///     Err(e) => eprintln!("{e}"), // never holds a secret
/// }
/// # }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with an OAuth2 error (RFC 6749 §5.2), e.g. `invalid_grant`.
    OAuth(OAuthError),
    /// The server rejected the request's fields (HTTP 422, FastAPI's `{"detail": [...]}`).
    Validation(ValidationError),
    /// Polar's own error envelope, `{"error": "<exception>", "detail": "…"}` or FastAPI's
    /// `{"detail": "…"}`: e.g. 403 `NotPermitted` for a credential the endpoint refuses, 401
    /// `Unauthorized` without one, 404 `Not Found` (also every route's answer to a
    /// `Polar-Version` the server does not serve).
    Polar(PolarError),
    /// Any other unsuccessful HTTP response (a 5xx, an HTML page from a proxy).
    Http(HttpError),
    /// A successful response whose body is not what the spec says.
    Decode(DecodeError),
    /// No complete response within the configured time.
    Timeout(TimeoutError),
    /// The connection failed (refused, reset, TLS, closed early, body over the size cap).
    Transport(TransportError),
    /// The request could not be built (an invalid header value, a bad base URL, …).
    InvalidRequest(String),
}

impl Error {
    /// Whether trying again later may succeed: timeouts, connection failures, 408, 429, 502,
    /// 503 and 504. A token request must still not be repeated if it may have reached the
    /// server (codes are single-use); see the crate docs.
    ///
    /// ```
    /// use polar_oauth2::RefreshToken;
    /// use polar_oauth2_test_server::TestServer;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let polar = TestServer::start().await?;
    /// let client = polar.client()?;
    /// let spent = RefreshToken::new("polar_rt_u_test_unknown");
    /// let err = client.refresh(&polar.confidential_client(), &spent).await.unwrap_err();
    /// assert!(!err.is_retryable()); // `invalid_grant`: the same request fails again
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Timeout(_) => true,
            Error::Transport(e) => !e.body_too_large && !e.is_runtime_gone(),
            Error::Http(HttpError { status, .. }) | Error::Polar(PolarError { status, .. }) => {
                matches!(status.as_u16(), 408 | 429 | 502 | 503 | 504)
            }
            Error::OAuth(e) => matches!(
                e.code,
                OAuthErrorCode::TemporarilyUnavailable | OAuthErrorCode::ServerError
            ),
            Error::Validation(_) | Error::Decode(_) | Error::InvalidRequest(_) => false,
        }
    }

    /// The HTTP status of the response this error came from, if there was one.
    ///
    /// ```
    /// use polar_oauth2::RefreshToken;
    /// use polar_oauth2_test_server::TestServer;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let polar = TestServer::start().await?;
    /// let client = polar.client()?;
    /// let spent = RefreshToken::new("polar_rt_u_test_unknown");
    /// let err = client.refresh(&polar.confidential_client(), &spent).await.unwrap_err();
    /// assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::OAuth(e) => Some(e.status),
            Error::Validation(e) => Some(e.status),
            Error::Http(e) => Some(e.status),
            Error::Polar(e) => Some(e.status),
            Error::Decode(e) => e.status,
            Error::Timeout(_) | Error::Transport(_) | Error::InvalidRequest(_) => None,
        }
    }

    /// How long the server asked to wait before trying again (`Retry-After` in seconds or as an HTTP-date, sent
    /// with 429 and 503), if this error came from a response that said.
    #[must_use]
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::OAuth(e) => e.retry_after,
            Error::Http(e) => e.retry_after,
            Error::Polar(e) => e.retry_after,
            _ => None,
        }
    }

    /// Whether the connection could not be established (refused, unreachable, DNS, TLS
    /// handshake, connect timeout): the request certainly never reached the server, so even a
    /// token request may be sent again. Every other failure may come after the server read it.
    ///
    /// ```
    /// use polar_oauth2::{AccessToken, Client, RetryPolicy, Server};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let down = format!("http://{}", listener.local_addr()?);
    /// drop(listener); // nothing listens there now: Polar is unreachable
    /// let client = Client::builder(Server::Custom(down)).retry(RetryPolicy::none()).build()?;
    /// let err = client.userinfo(&AccessToken::new("polar_at_u_test")).await.unwrap_err();
    /// assert!(err.is_connect()); // never reached Polar: even a code exchange may be sent again
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn is_connect(&self) -> bool {
        let source = match self {
            Error::Transport(e) => e.source.as_ref(),
            Error::Timeout(e) => e.source.as_ref(),
            _ => None,
        };
        source.is_some_and(reqwest::Error::is_connect)
    }

    /// The OAuth2 error, if this is one.
    ///
    /// ```
    /// use polar_oauth2::{OAuthErrorCode, RefreshToken};
    /// use polar_oauth2_test_server::TestServer;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let polar = TestServer::start().await?;
    /// let client = polar.client()?;
    /// let spent = RefreshToken::new("polar_rt_u_test_unknown");
    /// let err = client.refresh(&polar.confidential_client(), &spent).await.unwrap_err();
    /// if err.as_oauth().is_some_and(|e| e.code == OAuthErrorCode::InvalidGrant) {
    ///     // the grant is dead: send the user through the login again
    /// }
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn as_oauth(&self) -> Option<&OAuthError> {
        match self {
            Error::OAuth(e) => Some(e),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::OAuth(e) => e.fmt(f),
            Error::Validation(e) => e.fmt(f),
            Error::Http(e) => e.fmt(f),
            Error::Polar(e) => e.fmt(f),
            Error::Decode(e) => e.fmt(f),
            Error::Timeout(e) => e.fmt(f),
            Error::Transport(e) => e.fmt(f),
            Error::InvalidRequest(m) => write!(f, "invalid request: {m}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport(e) => e
                .source
                .as_ref()
                .map(|s| s as &(dyn std::error::Error + 'static)),
            Error::Timeout(e) => e
                .source
                .as_ref()
                .map(|s| s as &(dyn std::error::Error + 'static)),
            _ => None,
        }
    }
}

/// An RFC 6749 §5.2 error code.
///
/// ```
/// use polar_oauth2::OAuthErrorCode;
///
/// assert_eq!(OAuthErrorCode::from_wire("invalid_grant"), OAuthErrorCode::InvalidGrant);
/// // A code Polar adds is kept as sent.
/// let polar_own = OAuthErrorCode::from_wire("invalid_sub");
/// assert_eq!(polar_own, OAuthErrorCode::Extension("invalid_sub".into()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OAuthErrorCode {
    /// `invalid_request`: a parameter is missing, repeated, or malformed.
    InvalidRequest,
    /// `invalid_client`: client authentication failed (HTTP 401).
    InvalidClient,
    /// `invalid_grant`: the code or refresh token is invalid, expired, revoked or reused.
    InvalidGrant,
    /// `unauthorized_client`: this client may not use this grant type.
    UnauthorizedClient,
    /// `unsupported_grant_type`.
    UnsupportedGrantType,
    /// `invalid_scope`.
    InvalidScope,
    /// `access_denied` (authorization endpoint, RFC 6749 §4.1.2.1).
    AccessDenied,
    /// `unsupported_response_type` (authorization endpoint).
    UnsupportedResponseType,
    /// `server_error` (authorization endpoint).
    ServerError,
    /// `temporarily_unavailable` (authorization endpoint).
    TemporarilyUnavailable,
    /// A code this crate does not know, as sent.
    Extension(String),
}

impl OAuthErrorCode {
    /// Parse a wire code (unknown codes are kept as [`OAuthErrorCode::Extension`]).
    #[must_use]
    pub fn from_wire(code: &str) -> Self {
        match code {
            "invalid_request" => Self::InvalidRequest,
            "invalid_client" => Self::InvalidClient,
            "invalid_grant" => Self::InvalidGrant,
            "unauthorized_client" => Self::UnauthorizedClient,
            "unsupported_grant_type" => Self::UnsupportedGrantType,
            "invalid_scope" => Self::InvalidScope,
            "access_denied" => Self::AccessDenied,
            "unsupported_response_type" => Self::UnsupportedResponseType,
            "server_error" => Self::ServerError,
            "temporarily_unavailable" => Self::TemporarilyUnavailable,
            other => Self::Extension(other.to_owned()),
        }
    }

    /// The wire code.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope => "invalid_scope",
            Self::AccessDenied => "access_denied",
            Self::UnsupportedResponseType => "unsupported_response_type",
            Self::ServerError => "server_error",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
            Self::Extension(code) => code,
        }
    }
}

impl fmt::Display for OAuthErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An OAuth2 error response (RFC 6749 §5.2; also the redirect errors of §4.1.2.1).
///
/// ```
/// use polar_oauth2::{OAuthErrorCode, RefreshToken};
/// use polar_oauth2_test_server::TestServer;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let polar = TestServer::start().await?;
/// let client = polar.client()?;
/// let spent = RefreshToken::new("polar_rt_u_test_unknown");
/// let err = client.refresh(&polar.confidential_client(), &spent).await.unwrap_err();
/// let oauth = err.as_oauth().expect("Polar answered with an OAuth error");
/// assert_eq!(oauth.code, OAuthErrorCode::InvalidGrant);
/// assert_eq!(oauth.status, 400);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    /// The `error` code.
    pub code: OAuthErrorCode,
    /// `error_description`: human-readable detail from the server.
    pub description: Option<String>,
    /// `error_uri`: a page about the error.
    pub uri: Option<String>,
    /// The HTTP status (400, or 401 for `invalid_client`).
    pub status: StatusCode,
    /// The `WWW-Authenticate` header (sent with 401 `invalid_client`, RFC 6749 §5.2).
    pub www_authenticate: Option<String>,
    /// `Retry-After` (429, 503), in seconds or as an HTTP-date (then the time until it).
    pub retry_after: Option<Duration>,
}

impl fmt::Display for OAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "OAuth2 error `{}` (HTTP {})",
            self.code,
            self.status.as_u16()
        )?;
        if let Some(d) = &self.description {
            write!(f, ": {}", redact(d))?;
        }
        Ok(())
    }
}

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

/// A response body that does not match the expected type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// The operation, e.g. `oauth2:request_token`.
    pub operation: &'static str,
    /// The HTTP status, when known.
    pub status: Option<StatusCode>,
    /// Where in the body decoding failed, as a path (`scopes[2]`, `.` for the top level).
    pub path: String,
    /// What was wrong (serde's message, naming the missing or mistyped field). For a success
    /// status the strings serde quotes from the body are withheld (`string "…"`).
    pub message: String,
    /// Line and column in the body.
    pub line: usize,
    /// See [`Self::line`].
    pub column: usize,
    /// The start of the body (at most 256 bytes, token-like values redacted); for a
    /// success status only its shape (`<JSON object; fields: …; values withheld>`), since a
    /// success body may carry fresh secrets under names no redaction rule knows.
    pub excerpt: String,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot decode the {} response", self.operation)?;
        if self.path != "." && !self.path.is_empty() {
            write!(f, " at `{}`", self.path)?;
        }
        write!(f, ": {}", self.message)?;
        if self.excerpt.is_empty() {
            f.write_str(" (empty body)")
        } else {
            write!(f, " (body starts: {})", self.excerpt)
        }
    }
}

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
const RUNTIME_GONE: &str = "dispatch task is gone";

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

impl Error {
    /// A transport or timeout error from reqwest, without the URL (it may carry `state`).
    pub(crate) fn from_reqwest(e: reqwest::Error, timeout: Option<Duration>) -> Self {
        let e = e.without_url();
        if e.is_timeout() {
            return Error::Timeout(TimeoutError {
                after: timeout,
                source: Some(e),
            });
        }
        let what = if e.is_connect() {
            "cannot connect"
        } else if e.is_body() || e.is_decode() {
            "the connection failed while reading the response body"
        } else if e.is_request() {
            "the request failed"
        } else {
            "transport error"
        };
        // The whole chain: "connection refused", "connection reset", "unexpected EOF"...
        let mut message = what.to_owned();
        let mut source: Option<&dyn std::error::Error> = std::error::Error::source(&e);
        while let Some(s) = source {
            message.push_str(": ");
            message.push_str(&s.to_string());
            source = s.source();
        }
        if message.contains(RUNTIME_GONE) {
            message.push_str(
                " (the pooled connection belonged to a Tokio runtime that has shut down; the request may have reached the server: use one reqwest::Client per runtime, or let this crate build it)",
            );
        }
        Error::Transport(TransportError {
            message,
            body_too_large: false,
            source: Some(e),
        })
    }

    /// Classify an unsuccessful response from its status, headers and body.
    pub(crate) fn from_response(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Self {
        let header = |name: reqwest::header::HeaderName| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        #[derive(Deserialize)]
        struct OAuthBody {
            error: String,
            error_description: Option<String>,
            error_uri: Option<String>,
        }
        #[derive(Deserialize)]
        struct FastApiBody {
            detail: Vec<ValidationIssue>,
        }
        // Polar's envelope carries a text `detail`; an RFC 6749 body never has one.
        #[derive(Deserialize)]
        struct PolarBody {
            error: Option<String>,
            detail: String,
        }
        // FastAPI's validation errors: `{"detail": [...]}`, with Polar's `"error":
        // "RequestValidationError"` beside it.
        if status == StatusCode::UNPROCESSABLE_ENTITY
            && let Ok(b) = serde_json::from_slice::<FastApiBody>(body)
        {
            return Error::Validation(ValidationError {
                status,
                detail: b.detail,
            });
        }
        if let Ok(b) = serde_json::from_slice::<PolarBody>(body) {
            return Error::Polar(PolarError {
                status,
                error: b.error.map(|e| excerpt(e.as_bytes())),
                detail: excerpt(b.detail.as_bytes()),
                retry_after: retry_after(headers),
            });
        }
        if let Ok(b) = serde_json::from_slice::<OAuthBody>(body) {
            return Error::OAuth(OAuthError {
                code: OAuthErrorCode::from_wire(&b.error),
                description: b.error_description,
                uri: b.error_uri,
                status,
                www_authenticate: header(reqwest::header::WWW_AUTHENTICATE),
                retry_after: retry_after(headers),
            });
        }
        Error::Http(HttpError {
            status,
            content_type: header(reqwest::header::CONTENT_TYPE),
            excerpt: excerpt(body),
            retry_after: retry_after(headers),
        })
    }

    /// Apply `scrub` to every text this error holds that came from the server or the network
    /// (descriptions, excerpts, messages, header values). The client uses it to remove the exact
    /// secrets a request carried when a hostile or buggy server echoes them back.
    pub(crate) fn map_text(self, scrub: impl Fn(&str) -> String) -> Self {
        let opt = |s: Option<String>| s.map(|s| scrub(&s));
        match self {
            Error::OAuth(e) => Error::OAuth(OAuthError {
                code: match e.code {
                    OAuthErrorCode::Extension(c) => OAuthErrorCode::Extension(scrub(&c)),
                    known => known,
                },
                description: opt(e.description),
                uri: opt(e.uri),
                www_authenticate: opt(e.www_authenticate),
                ..e
            }),
            Error::Validation(e) => Error::Validation(ValidationError {
                status: e.status,
                detail: e
                    .detail
                    .into_iter()
                    .map(|i| ValidationIssue {
                        loc: i.loc.iter().map(|l| scrub(l)).collect(),
                        msg: scrub(&i.msg),
                        kind: scrub(&i.kind),
                    })
                    .collect(),
            }),
            Error::Http(e) => Error::Http(HttpError {
                content_type: opt(e.content_type),
                // A cut secret at the end may come back a little longer: cut again.
                excerpt: shorten(scrub(&e.excerpt), EXCERPT_LEN),
                ..e
            }),
            Error::Polar(e) => Error::Polar(PolarError {
                error: opt(e.error).map(|s| shorten(s, EXCERPT_LEN)),
                detail: shorten(scrub(&e.detail), EXCERPT_LEN),
                ..e
            }),
            Error::Decode(e) => Error::Decode(DecodeError {
                path: shorten(scrub(&e.path), EXCERPT_LEN),
                message: scrub(&e.message),
                excerpt: shorten(scrub(&e.excerpt), EXCERPT_LEN),
                ..e
            }),
            Error::Transport(e) => Error::Transport(TransportError {
                message: scrub(&e.message),
                ..e
            }),
            Error::Timeout(e) => Error::Timeout(e),
            Error::InvalidRequest(m) => Error::InvalidRequest(scrub(&m)),
        }
    }

    /// A body that did not decode as `T`; decoded again (only on this error path) to name the
    /// field at fault.
    pub(crate) fn decode<T: serde::de::DeserializeOwned>(
        operation: &'static str,
        status: Option<StatusCode>,
        body: &[u8],
        first: &serde_json::Error,
    ) -> Self {
        let mut de = serde_json::Deserializer::from_slice(body);
        let (path, message, line, column) = match serde_path_to_error::deserialize::<_, T>(&mut de)
        {
            Err(e) => (
                e.path().to_string(),
                e.inner().to_string(),
                e.inner().line(),
                e.inner().column(),
            ),
            Ok(_) => (
                ".".to_owned(),
                first.to_string(),
                first.line(),
                first.column(),
            ),
        };
        // A success body carries what the operation returns, secrets included (new tokens, a
        // client secret), possibly spelled so that no rule finds them (`accessToken`, XML):
        // none of its values is ever quoted, only its shape.
        let success = status.is_some_and(|s| s.is_success());
        let message = if success {
            withhold_values(&message)
        } else {
            message
        };
        Error::Decode(DecodeError {
            operation,
            status,
            // A path holds the body's keys, which may be huge (or secret).
            path: shorten(redact(&shorten(path, EXCERPT_LEN * 4)), EXCERPT_LEN),
            // serde quotes the offending value ("unknown variant `…`"), which may be huge.
            message: shorten(redact(&shorten(message, EXCERPT_LEN * 8)), EXCERPT_LEN * 4),
            line,
            column,
            excerpt: if success { shape(body) } else { excerpt(body) },
        })
    }
}

/// `Retry-After` (RFC 9110 §10.2.3): a number of seconds, or an HTTP-date, read as the time
/// from now until then (zero for a date already past).
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(
        at.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// The start of a body, safe to show: at most 256 bytes (then `…`) on a character
/// boundary, control characters escaped, token-like values redacted.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(EXCERPT_LEN * 4)]);
    bounded(&redact(&text))
}

/// The one rule for quoting input in an error message: at most 256 bytes (then
/// `…`) on a character boundary, control characters escaped. Reads no more of `text` than it
/// keeps, so a hostile megabyte costs nothing.
pub(crate) fn bounded(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        let width = if c.is_control() {
            c.escape_default().count()
        } else {
            c.len_utf8()
        };
        // Stop before a character or escape that would pass the limit.
        if out.len() + width > EXCERPT_LEN {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// What a body looks like, none of its values shown: the field names of a JSON object, the
/// kind of any other JSON value, or its size when it is not JSON. Empty for an empty body.
fn shape(body: &[u8]) -> String {
    use serde_json::Value;
    if body.is_empty() {
        return String::new();
    }
    let described = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => {
            let mut fields = String::new();
            for key in map.keys() {
                if fields.len() > EXCERPT_LEN {
                    break;
                }
                if !fields.is_empty() {
                    fields.push_str(", ");
                }
                fields.push_str(&shorten(key.clone(), 64));
            }
            format!("<JSON object; fields: {fields}; values withheld>")
        }
        Ok(Value::Array(items)) => format!("<JSON array of {}; values withheld>", items.len()),
        Ok(_) => "<a JSON scalar; withheld>".to_owned(),
        Err(_) => format!("<{} bytes, not JSON; withheld>", body.len()),
    };
    bounded(&redact(&described))
}

/// serde's message with the strings it quotes (`invalid type: string "…"`) replaced by `…`;
/// what it quotes in backticks (field and variant names, numbers) is kept: an enum's or a
/// number's position never holds a secret.
fn withhold_values(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(EXCERPT_LEN * 8));
    let mut rest = message;
    loop {
        let Some(open) = rest.find(['"', '`']) else {
            out.push_str(rest);
            return out;
        };
        let quote = rest[open..].chars().next().unwrap_or('"');
        let before = &rest[..open];
        out.push_str(before);
        let after = &rest[open + 1..];
        let close = after.find(quote).map_or(after.len(), |c| c);
        let keep = quote == '`';
        out.push(quote);
        out.push_str(if keep { &after[..close] } else { "…" });
        if close < after.len() {
            out.push(quote);
            rest = &after[close + 1..];
        } else {
            return out;
        }
    }
}

/// `text` cut to at most `max` bytes on a character boundary, with `…` when cut.
fn shorten(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
    }
    text
}

/// Replace token-like values in text that came from the server: Polar's `polar_…` tokens and
/// the value of any secret field, JSON or form-encoded, escaped or not (see
/// `client/redact.rs`, the one place that knows these forms).
pub(crate) fn redact(text: &str) -> String {
    crate::client::redact::redact_unknown_secrets(text).into_owned()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn redact_hides_polar_tokens_and_secret_json_values() {
        let body =
            r#"{"access_token": "abc\"def", "token_type": "Bearer", "x": "polar_rt_u_123 ok"}"#;
        let r = redact(body);
        assert!(!r.contains("abc") && !r.contains("123"), "{r}");
        assert!(r.contains("\"token_type\": \"Bearer\""), "{r}");
        assert!(r.contains("polar_[redacted] ok"), "{r}");
    }

    #[test]
    fn excerpt_is_short_and_escapes_control_characters() {
        let body = format!("<html>\n{}</html>", "x".repeat(1000));
        let e = excerpt(body.as_bytes());
        assert!(e.starts_with("<html>\\n"), "{e}");
        assert!(e.len() <= EXCERPT_LEN + 8, "{}", e.len());
    }

    #[test]
    fn decode_error_path_and_message_are_bounded() {
        let key = "k".repeat(900_000);
        let body = format!(r#"{{"{key}": "not a number"}}"#);
        let first =
            serde_json::from_str::<std::collections::HashMap<String, u32>>(&body).unwrap_err();
        let e = Error::decode::<std::collections::HashMap<String, u32>>(
            "op",
            None,
            body.as_bytes(),
            &first,
        );
        let Error::Decode(d) = &e else {
            panic!("{e:?}")
        };
        assert!(d.path.len() <= EXCERPT_LEN + 4, "{}", d.path.len());
        assert!(d.path.starts_with("kkkk"), "{}", &d.path[..10]);
        assert!(
            e.to_string().len() < 8 * EXCERPT_LEN,
            "{}",
            e.to_string().len()
        );
    }

    #[test]
    fn a_connection_of_a_runtime_that_is_gone_is_not_retryable() {
        let gone = Error::Transport(TransportError {
            message: "the request failed: client error (SendRequest): dispatch task is gone: runtime dropped the dispatch task".into(),
            body_too_large: false,
            source: None,
        });
        assert!(!gone.is_retryable());
        let reset = Error::Transport(TransportError {
            message: "connection reset".into(),
            body_too_large: false,
            source: None,
        });
        assert!(reset.is_retryable());
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let at = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert("retry-after", value.parse().unwrap());
            retry_after(&headers)
        };
        assert_eq!(at("120"), Some(Duration::from_secs(120)));
        let in_a_minute = std::time::SystemTime::now() + Duration::from_secs(60);
        let wait = at(&httpdate::fmt_http_date(in_a_minute)).unwrap();
        assert!(
            wait > Duration::from_secs(55) && wait <= Duration::from_secs(60),
            "{wait:?}"
        );
        assert_eq!(at("Wed, 21 Oct 2015 07:28:00 GMT"), Some(Duration::ZERO));
        assert_eq!(at("soon"), None);
        assert_eq!(at("-1"), None);
    }

    #[test]
    fn oauth_body_is_recognised() {
        let mut headers = HeaderMap::new();
        headers.insert("www-authenticate", "Basic".parse().unwrap());
        let e = Error::from_response(
            StatusCode::UNAUTHORIZED,
            &headers,
            br#"{"error": "invalid_client"}"#,
        );
        let Error::OAuth(o) = e else { panic!("{e:?}") };
        assert_eq!(o.code, OAuthErrorCode::InvalidClient);
        assert_eq!(o.www_authenticate.as_deref(), Some("Basic"));
    }
}
