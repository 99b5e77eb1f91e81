//! Why a token source could not hand out an access token, and the error of an `on_refresh`
//! callback.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

use crate::error::Error;

/// The error an [`on_refresh`](crate::TokenSourceBuilder::on_refresh) callback returns (shared by the
/// callers that waited for that refresh).
pub type PersistError = Arc<dyn StdError + Send + Sync>;

/// Why no access token could be handed out.
///
/// Every caller that waited for a refresh gets that refresh's outcome (hence the `Arc`s): a
/// failing server sees one request per refresh attempt, not one per caller.
///
/// ```
/// use polar_oauth2::TokenSource;
/// use polar_oauth2_test_server::TestServer;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let polar = TestServer::start().await?;
/// let (client, credentials) = (polar.client()?, polar.confidential_client());
/// let pending = polar.authorization_request().build()?;
/// let code = pending.callback(&polar.approve(pending.url())?)?;
/// let (uri, verifier) = (pending.redirect_uri(), Some(pending.pkce_verifier().clone()));
/// let token = client.exchange_code(&credentials, code, uri, verifier).await?;
/// // The user disconnected the app at Polar: the refresh token is revoked.
/// client.revoke(&credentials, token.refresh_token().unwrap()).await?;
/// let source = TokenSource::new(client, credentials, token);
/// source.expire_now();
/// let err = source.access_token().await.unwrap_err();
/// assert!(err.must_reconnect()); // send the user through the login again
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum TokenSourceError {
    /// The user must connect again (send them through the authorization flow): the refresh
    /// token was refused with `invalid_grant` (revoked, expired, or already used). Final: this
    /// token source makes no more requests and returns this error from then on.
    ReconnectRequired(Arc<Error>),
    /// The access token expired and there is no refresh token: the user must connect again.
    NoRefreshToken,
    /// The refresh failed for another reason (network, timeout, 5xx, a bad client secret) and
    /// the current access token has expired (until then it is handed out instead, and
    /// [`TokenSource::last_refresh_error`](crate::TokenSource::last_refresh_error) tells why it was not renewed).
    /// [`Error::is_retryable`] tells whether trying again later may help; the token source
    /// keeps the old token and tries again at a call after the back-off
    /// ([`refresh_backoff`](crate::TokenSourceBuilder::refresh_backoff)), returning this error until
    /// then.
    Refresh(Arc<Error>),
    /// The new token could not be persisted by the `on_refresh` callback. The token source keeps
    /// it (the old refresh token is already revoked) and calls the callback again, before
    /// handing the token out, at the next call.
    Persist(PersistError),
    /// The refresh task ended without an outcome: its runtime shut down, or the `on_refresh`
    /// callback panicked. A token already refreshed is kept; the next call tries again.
    Interrupted,
}

impl TokenSourceError {
    /// Whether the user must go through the authorization flow again.
    ///
    /// ```
    /// use polar_oauth2::TokenSourceError;
    ///
    /// assert!(TokenSourceError::NoRefreshToken.must_reconnect());
    /// assert!(!TokenSourceError::Interrupted.must_reconnect()); // the next call tries again
    /// ```
    #[must_use]
    pub fn must_reconnect(&self) -> bool {
        matches!(self, Self::ReconnectRequired(_) | Self::NoRefreshToken)
    }
}

impl fmt::Display for TokenSourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ReconnectRequired(e) => {
                write!(f, "the refresh token was refused, the user must connect again: {e}")
            }
            Self::NoRefreshToken => f.write_str(
                "the access token expired and there is no refresh token: the user must connect again",
            ),
            Self::Refresh(e) => write!(f, "cannot refresh the access token: {e}"),
            Self::Persist(e) => write!(f, "cannot persist the refreshed token: {e}"),
            Self::Interrupted => f.write_str("the token refresh ended without an outcome"),
        }
    }
}

impl StdError for TokenSourceError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Self::ReconnectRequired(e) | Self::Refresh(e) => Some(e.as_ref()),
            Self::Persist(e) => Some(e.as_ref()),
            Self::NoRefreshToken | Self::Interrupted => None,
        }
    }
}
