//! [`TokensError`]: why [`Tokens`](crate::Tokens) could not hand out, store or revoke a user's
//! token, and whether the user must connect again.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

use http::StatusCode;

use crate::error::Error;
use crate::token_source::TokenSourceError;

/// A refresh finished after its user was disconnected or connected again.
#[derive(Debug)]
pub(super) struct Superseded;

impl fmt::Display for Superseded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the user was disconnected while the token was being refreshed")
    }
}

impl StdError for Superseded {}

/// Why [`Tokens`](crate::Tokens) could not hand out, store or revoke a user's token.
///
/// ```no_run
/// # async fn me(tokens: polar_oauth2::Tokens<polar_oauth2::MemoryStore>, user: &str) {
/// match tokens.access_token(user).await {
///     Ok(access_token) => drop(access_token), // call Polar with it
///     Err(e) if e.must_reconnect() => { /* send the user to /login */ }
///     Err(e) => eprintln!("answer {}: {e}", e.status()), // 502 or 500; no secret in it
/// }
/// # }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum TokensError {
    /// No token is stored for this key: never connected, or disconnected.
    NotConnected,
    /// The refresh failed; [`TokenSourceError::must_reconnect`] tells whether the grant is
    /// dead (`invalid_grant`, no refresh token).
    Refresh(TokenSourceError),
    /// The store failed (its error is the source).
    Storage(Arc<dyn StdError + Send + Sync>),
    /// The token is deleted here, but revoking it at Polar failed.
    Revoke(Arc<Error>),
}

impl TokensError {
    pub(super) fn storage(e: impl StdError + Send + Sync + 'static) -> Self {
        Self::Storage(Arc::new(e))
    }

    /// Whether the user must go through the authorization flow again (send them to login).
    ///
    /// ```
    /// use polar_oauth2::TokensError;
    ///
    /// // Never connected, disconnected, or the grant is dead: send the user to login.
    /// assert!(TokensError::NotConnected.must_reconnect());
    /// ```
    #[must_use]
    pub fn must_reconnect(&self) -> bool {
        match self {
            Self::NotConnected => true,
            Self::Refresh(e) => e.must_reconnect(),
            Self::Storage(_) | Self::Revoke(_) => false,
        }
    }

    /// The status for an app to answer with: 401 when the user must connect again (send
    /// them to login), 502 when Polar failed, 500 when the store did.
    ///
    /// ```
    /// use polar_oauth2::TokensError;
    ///
    /// assert_eq!(TokensError::NotConnected.status(), http::StatusCode::UNAUTHORIZED);
    /// ```
    #[must_use]
    pub fn status(&self) -> StatusCode {
        match self {
            _ if self.must_reconnect() => StatusCode::UNAUTHORIZED,
            Self::Storage(_) => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_GATEWAY,
        }
    }
}

impl From<TokenSourceError> for TokensError {
    fn from(e: TokenSourceError) -> Self {
        match e {
            TokenSourceError::Persist(e) if e.is::<Superseded>() => Self::NotConnected,
            TokenSourceError::Persist(e) => Self::Storage(e),
            e => Self::Refresh(e),
        }
    }
}

impl fmt::Display for TokensError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotConnected => f.write_str("this user is not connected to Polar"),
            Self::Refresh(e) => e.fmt(f),
            Self::Storage(e) => write!(f, "cannot store the user's token: {e}"),
            Self::Revoke(e) => write!(f, "cannot revoke the user's token at Polar: {e}"),
        }
    }
}

impl StdError for TokensError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Self::NotConnected => None,
            Self::Refresh(e) => Some(e),
            Self::Storage(e) => Some(e.as_ref()),
            Self::Revoke(e) => Some(e.as_ref()),
        }
    }
}
