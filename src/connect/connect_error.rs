//! [`ConnectError`]: why a callback did not connect the user, and the status to answer the
//! browser with.

use std::fmt;

use http::StatusCode;

use crate::authorization::CallbackError;
use crate::error::{Error, OAuthErrorCode};
use crate::id_token::IdTokenError;

/// Why a callback did not connect the user. Answer with [`Self::status`]: 400 when the browser
/// brought something to refuse, 502 when Polar could not be reached, 500 otherwise.
///
/// ```no_run
/// # async fn callback(connector: polar_oauth2::Connector, pending: polar_oauth2::PendingAuthorization,
/// #     url: &str) -> Result<String, http::StatusCode> {
/// // In a handler returning `Result<_, http::StatusCode>`, `?` converts it (see `status`).
/// let connection = connector.finish(pending, url).await?;
/// Ok(connection.claims.sub)
/// # }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum ConnectError {
    /// The redirect itself: a forged or foreign `state`, the user's "Deny", no code.
    Callback(CallbackError),
    /// The code exchange failed: `invalid_grant` for a code already used or expired (a
    /// replayed callback), else Polar or the network (see [`Error::is_retryable`]) or the
    /// client's credentials.
    Exchange(Error),
    /// The token has no ID token: the request did not ask for the `openid` scope.
    NoIdToken,
    /// The ID token failed verification (a nonce from another sign-in, a bad signature, an
    /// unexpected issuer) or its keys could not be fetched.
    IdToken(IdTokenError),
    /// The pending authorization names another authorization page, client or `redirect_uri`
    /// (the field named) than this connector's: a changed stored form, or the session of
    /// another connector. Its code is not exchanged.
    ForeignPending(&'static str),
}

impl ConnectError {
    /// Whether to refuse the browser (400): a forged or replayed callback, a denied request,
    /// an ID token from another sign-in. Nothing about this request may be retried.
    ///
    /// ```
    /// use polar_oauth2::Connector;
    /// use polar_oauth2_test_server::{REDIRECT_URI, TestServer};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let polar = TestServer::start().await?;
    /// let client = polar.client()?;
    /// let connector = Connector::new(&client, polar.confidential_client(), REDIRECT_URI)
    ///     .authorization_page(polar.authorization_endpoint());
    /// let pending = connector.authorization_request().build()?;
    /// let forged = format!("{REDIRECT_URI}?code=polar_ac_test&state=not-this-sessions-state");
    /// let err = connector.finish(pending, &forged).await.unwrap_err();
    /// assert!(err.refuse_browser()); // answer 400, nothing to retry
    /// assert_eq!(err.status(), 400);
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn refuse_browser(&self) -> bool {
        match self {
            Self::Callback(_) | Self::ForeignPending(_) => true,
            Self::Exchange(e) => e
                .as_oauth()
                .is_some_and(|e| e.code == OAuthErrorCode::InvalidGrant),
            Self::IdToken(e) => {
                matches!(e, IdTokenError::NonceMismatch | IdTokenError::MissingNonce)
            }
            Self::NoIdToken => false,
        }
    }

    /// Whether Polar was unavailable (502): a timeout, a connection failure, a 5xx. The user
    /// may start again later (the code itself is spent).
    ///
    /// ```
    /// use polar_oauth2::{Client, ClientCredentials, Connector, RetryPolicy, Server};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let down = format!("http://{}", listener.local_addr()?);
    /// drop(listener); // nothing listens there now: Polar is unreachable
    /// let client = Client::builder(Server::Custom(down.clone()))
    ///     .retry(RetryPolicy::none())
    ///     .build()?;
    /// let credentials = ClientCredentials::public("polar_ci_test");
    /// let redirect_uri = "http://127.0.0.1:8400/callback";
    /// let connector = Connector::new(&client, credentials, redirect_uri)
    ///     .authorization_page(format!("{down}/oauth2/authorize"));
    /// let pending = connector.authorization_request().build()?;
    /// let back = format!("{redirect_uri}?code=polar_ac_test&state={}", pending.state().secret());
    /// let err = connector.finish(pending, &back).await.unwrap_err();
    /// assert!(err.polar_unavailable()); // answer 502: the user may try again
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn polar_unavailable(&self) -> bool {
        let unavailable =
            |e: &Error| e.is_retryable() || e.status().is_some_and(|s| s.is_server_error());
        match self {
            Self::Exchange(e) | Self::IdToken(IdTokenError::Fetch(e)) => unavailable(e),
            _ => false,
        }
    }

    /// The status to answer the browser with: 400, 502, or 500 (this app's configuration:
    /// its credentials, redirect URI, issuer).
    ///
    /// ```
    /// use polar_oauth2::{CallbackError, ConnectError};
    ///
    /// let forged = ConnectError::Callback(CallbackError::StateMismatch);
    /// assert_eq!(forged.status(), 400);
    /// assert!(!forged.polar_unavailable());
    /// ```
    #[must_use]
    pub fn status(&self) -> StatusCode {
        if self.refuse_browser() {
            StatusCode::BAD_REQUEST
        } else if self.polar_unavailable() {
            StatusCode::BAD_GATEWAY
        } else {
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

impl From<CallbackError> for ConnectError {
    fn from(e: CallbackError) -> Self {
        Self::Callback(e)
    }
}

impl From<IdTokenError> for ConnectError {
    fn from(e: IdTokenError) -> Self {
        Self::IdToken(e)
    }
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Callback(e) => e.fmt(f),
            Self::Exchange(e) => write!(f, "cannot exchange the authorization code: {e}"),
            Self::NoIdToken => f.write_str("no ID token: ask for the `openid` scope"),
            Self::IdToken(e) => write!(f, "the ID token is not valid: {e}"),
            Self::ForeignPending(field) => write!(
                f,
                "the pending authorization is not this connector's: its {field} differs"
            ),
        }
    }
}

impl std::error::Error for ConnectError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Callback(e) => Some(e),
            Self::Exchange(e) => Some(e),
            Self::IdToken(e) => Some(e),
            Self::NoIdToken | Self::ForeignPending(_) => None,
        }
    }
}
