//! RFC 6749 §5.2 error responses: the error code (open for the codes Polar adds) and the
//! error with its description, URI and `WWW-Authenticate`.

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;

use super::excerpt::redact;

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
