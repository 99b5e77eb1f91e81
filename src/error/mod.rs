//! The crate's one error type: every failure a value saying what went wrong and where, with no
//! secret in any message (bodies quoted only as short excerpts, token-like values redacted).

pub(crate) mod classify;
mod decode;
mod excerpt;
mod oauth;
mod response;
mod scrub;
#[cfg(test)]
mod tests;
mod transport;

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;

pub use decode::DecodeError;
pub(crate) use excerpt::{bounded, redact};
pub use oauth::{OAuthError, OAuthErrorCode};
pub use response::{HttpError, PolarError, ValidationError, ValidationIssue};
pub use transport::{TimeoutError, TransportError};

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
