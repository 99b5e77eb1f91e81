//! The three grants Polar's token endpoint accepts: an authorization code, a refresh token,
//! and a web session token.

use crate::authorize::SubType;
use crate::scope::ScopeSet;
use crate::secret::{AuthorizationCode, PkceCodeVerifier, RefreshToken, SessionToken};

use super::credentials::ClientCredentials;

/// Exchange an authorization code for tokens.
///
/// ```
/// use polar_oauth2::{AuthorizationCode, AuthorizationCodeGrant, ClientCredentials};
/// use polar_oauth2::{PkceCodeVerifier, TokenRequest};
///
/// let credentials = ClientCredentials::public("polar_ci_test_cli");
/// let code = AuthorizationCode::new("polar_ac_test");
/// let grant = AuthorizationCodeGrant::new(credentials, code, "http://127.0.0.1:8400/callback")
///     .code_verifier(PkceCodeVerifier::new("the-verifier-kept-since-the-login"));
/// assert_eq!(TokenRequest::from(grant).grant_type(), "authorization_code");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationCodeGrant {
    pub(super) credentials: ClientCredentials,
    pub(super) code: AuthorizationCode,
    pub(super) redirect_uri: String,
    pub(super) code_verifier: Option<PkceCodeVerifier>,
}

impl AuthorizationCodeGrant {
    /// Form fields of this grant.
    #[cfg(test)]
    pub(crate) const FIELDS: &'static [&'static str] = &[
        "grant_type",
        "client_id",
        "client_secret",
        "code",
        "redirect_uri",
        "code_verifier",
    ];

    /// `redirect_uri` must be the one sent in the authorization request (RFC 6749 §4.1.3).
    ///
    /// ```
    /// use polar_oauth2::{AuthorizationCode, AuthorizationCodeGrant, ClientCredentials};
    /// use polar_oauth2::TokenRequest;
    ///
    /// let credentials = ClientCredentials::public("polar_ci_test_cli");
    /// let code = AuthorizationCode::new("polar_ac_test");
    /// let redirect_uri = "http://127.0.0.1:8400/callback";
    /// let grant = AuthorizationCodeGrant::new(credentials, code, redirect_uri);
    /// let request = TokenRequest::from(grant); // for `Client::request_token`
    /// ```
    #[must_use]
    pub fn new(
        credentials: ClientCredentials,
        code: AuthorizationCode,
        redirect_uri: impl Into<String>,
    ) -> Self {
        Self {
            credentials,
            code,
            redirect_uri: redirect_uri.into(),
            code_verifier: None,
        }
    }

    /// The PKCE verifier whose challenge was in the authorization request (RFC 7636 §4.5).
    #[must_use]
    pub fn code_verifier(mut self, verifier: PkceCodeVerifier) -> Self {
        self.code_verifier = Some(verifier);
        self
    }
}

/// Exchange a refresh token for new tokens. Polar rotates refresh tokens: keep the new one.
///
/// ```
/// use polar_oauth2::{ClientCredentials, ClientSecret, RefreshToken, RefreshTokenGrant};
/// use polar_oauth2::TokenRequest;
///
/// let secret = ClientSecret::new("polar_cs_test_app");
/// let credentials = ClientCredentials::confidential("polar_ci_test_app", secret);
/// let grant = RefreshTokenGrant::new(credentials, RefreshToken::new("polar_rt_u_test"));
/// assert_eq!(TokenRequest::from(grant).grant_type(), "refresh_token");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshTokenGrant {
    pub(super) credentials: ClientCredentials,
    pub(super) refresh_token: RefreshToken,
}

impl RefreshTokenGrant {
    /// Form fields of this grant.
    #[cfg(test)]
    pub(crate) const FIELDS: &'static [&'static str] =
        &["grant_type", "client_id", "client_secret", "refresh_token"];

    /// A refresh request.
    ///
    /// ```
    /// use polar_oauth2::{ClientCredentials, RefreshToken, RefreshTokenGrant, TokenRequest};
    ///
    /// let credentials = ClientCredentials::public("polar_ci_test_cli");
    /// let grant = RefreshTokenGrant::new(credentials, RefreshToken::new("polar_rt_u_test"));
    /// let request = TokenRequest::from(grant); // for `Client::request_token`
    /// ```
    #[must_use]
    pub fn new(credentials: ClientCredentials, refresh_token: RefreshToken) -> Self {
        Self {
            credentials,
            refresh_token,
        }
    }
}

/// Exchange a Polar web session token (the `web` grant).
///
/// ```
/// use polar_oauth2::{ClientCredentials, ClientSecret, SessionToken, SubType, TokenRequest};
/// use polar_oauth2::WebGrant;
///
/// let secret = ClientSecret::new("polar_cs_test_app");
/// let credentials = ClientCredentials::confidential("polar_ci_test_app", secret);
/// let grant = WebGrant::new(credentials, SessionToken::new("polar_us_test"))
///     .sub_type(SubType::User);
/// assert_eq!(TokenRequest::from(grant).grant_type(), "web");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebGrant {
    pub(super) credentials: ClientCredentials,
    pub(super) session_token: SessionToken,
    pub(super) sub_type: Option<SubType>,
    pub(super) sub: Option<String>,
    /// The scope set's wire form, joined once here rather than at each encoding.
    pub(super) scope: Option<String>,
}

impl WebGrant {
    /// Form fields of this grant.
    #[cfg(test)]
    pub(crate) const FIELDS: &'static [&'static str] = &[
        "grant_type",
        "client_id",
        "client_secret",
        "session_token",
        "sub_type",
        "sub",
        "scope",
    ];

    /// A web grant for the session's user (the server's default `sub_type`).
    ///
    /// ```
    /// use polar_oauth2::{ClientCredentials, ClientSecret, SessionToken, TokenRequest, WebGrant};
    ///
    /// let secret = ClientSecret::new("polar_cs_test_app");
    /// let credentials = ClientCredentials::confidential("polar_ci_test_app", secret);
    /// let grant = WebGrant::new(credentials, SessionToken::new("polar_us_test"));
    /// let request = TokenRequest::from(grant); // for `Client::request_token`
    /// ```
    #[must_use]
    pub fn new(credentials: ClientCredentials, session_token: SessionToken) -> Self {
        Self {
            credentials,
            session_token,
            sub_type: None,
            sub: None,
            scope: None,
        }
    }

    /// Ask for a token for this kind of subject.
    #[must_use]
    pub fn sub_type(mut self, sub_type: SubType) -> Self {
        self.sub_type = Some(sub_type);
        self
    }

    /// The subject's id (a user or organization UUID).
    #[must_use]
    // Named after the form field `sub` (OpenID's "subject"), not arithmetic.
    #[allow(clippy::should_implement_trait)]
    pub fn sub(mut self, sub: impl Into<String>) -> Self {
        self.sub = Some(sub.into());
        self
    }

    /// Ask for these scopes.
    #[must_use]
    pub fn scope(mut self, scope: ScopeSet) -> Self {
        self.scope = Some(scope.to_string());
        self
    }
}
