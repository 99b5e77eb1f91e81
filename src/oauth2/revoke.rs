//! `POST /v1/oauth2/revoke` (RFC 7009): "disconnect", the token stops working. Revoking a
//! refresh token revokes its access tokens too, not the reverse (§2.1); an unknown token is no
//! error (§2.2). Polar takes `client_secret_post` or `_basic` only: a public client cannot revoke.

use crate::secret::{AccessToken, OpaqueToken, RefreshToken};

/// A token this client was issued, as the `token` and `token_type_hint` of revocation and
/// introspection (RFC 7009 §2.1, RFC 7662 §2.1).
///
/// ```
/// use polar_oauth2::{AccessToken, IssuedToken, RefreshToken};
///
/// let refresh = RefreshToken::new("polar_rt_u_test");
/// let token: IssuedToken<'_> = (&refresh).into();
/// assert_eq!(token.hint(), "refresh_token");
/// # let access = AccessToken::new("polar_at_u_test");
/// # assert_eq!(IssuedToken::from(&access).hint(), "access_token");
/// ```
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum IssuedToken<'a> {
    /// An access token (`token_type_hint=access_token`).
    Access(&'a AccessToken),
    /// A refresh token (`token_type_hint=refresh_token`).
    Refresh(&'a RefreshToken),
}

impl IssuedToken<'_> {
    /// The `token_type_hint` sent with it.
    ///
    /// ```
    /// use polar_oauth2::{IssuedToken, RefreshToken};
    ///
    /// let refresh_token = RefreshToken::new("polar_rt_u_test");
    /// assert_eq!(IssuedToken::from(&refresh_token).hint(), "refresh_token");
    /// ```
    #[must_use]
    pub fn hint(&self) -> &'static str {
        match self {
            IssuedToken::Access(_) => "access_token",
            IssuedToken::Refresh(_) => "refresh_token",
        }
    }

    /// The token itself, as the request's `token` field.
    pub(crate) fn opaque(&self) -> OpaqueToken {
        OpaqueToken::new(match self {
            IssuedToken::Access(t) => t.secret(),
            IssuedToken::Refresh(t) => t.secret(),
        })
    }

    /// The secret value (for scrubbing echoes from errors).
    pub(crate) fn secret(&self) -> &str {
        match self {
            IssuedToken::Access(t) => t.secret(),
            IssuedToken::Refresh(t) => t.secret(),
        }
    }
}

impl<'a> From<&'a AccessToken> for IssuedToken<'a> {
    fn from(token: &'a AccessToken) -> Self {
        IssuedToken::Access(token)
    }
}

impl<'a> From<&'a RefreshToken> for IssuedToken<'a> {
    fn from(token: &'a RefreshToken) -> Self {
        IssuedToken::Refresh(token)
    }
}
