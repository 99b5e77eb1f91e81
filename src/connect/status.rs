//! The HTTP status an app answers its own client with when this crate's call fails, so that a
//! handler can return `Result<_, StatusCode>` and use `?` (axum, hyper and every framework on
//! the `http` crate take a [`StatusCode`] as a response).
//!
//! ```
//! use http::StatusCode;
//! use polar_oauth2::{Error, TokensError};
//!
//! assert_eq!(StatusCode::from(TokensError::NotConnected), StatusCode::UNAUTHORIZED);
//! assert_eq!(StatusCode::from(Error::InvalidRequest("a bad header".into())), StatusCode::INTERNAL_SERVER_ERROR);
//! ```

use http::StatusCode;

use super::connect_error::ConnectError;
use super::tokens_error::TokensError;
use crate::error::Error;

/// [`ConnectError::status`]: 400 for a callback to refuse, 502 when Polar is unavailable,
/// else 500.
impl From<ConnectError> for StatusCode {
    fn from(e: ConnectError) -> Self {
        e.status()
    }
}

/// [`TokensError::status`]: 401 when the user must connect again, 502 when Polar failed, 500
/// when the store did.
impl From<TokensError> for StatusCode {
    fn from(e: TokensError) -> Self {
        e.status()
    }
}

/// A call to Polar failed: 401 when Polar refused the user's access token (revoked: the user
/// must connect again), 500 for a request this app could not build, else 502.
impl From<Error> for StatusCode {
    fn from(e: Error) -> Self {
        match e {
            Error::InvalidRequest(_) => StatusCode::INTERNAL_SERVER_ERROR,
            e if e.status() == Some(StatusCode::UNAUTHORIZED) => StatusCode::UNAUTHORIZED,
            _ => StatusCode::BAD_GATEWAY,
        }
    }
}
