//! A token request: the `grant_type` union, written as the form body (the one place its
//! secrets are written out).

use serde::Serialize;
use serde::ser::{SerializeStruct, Serializer};

use crate::redact::Redactor;

use super::credentials::ClientCredentials;
use super::grant::{AuthorizationCodeGrant, RefreshTokenGrant, WebGrant};

/// A token request: one arm per `grant_type` Polar accepts.
///
/// ```
/// use polar_oauth2::{ClientCredentials, RefreshToken, RefreshTokenGrant, TokenRequest};
///
/// let credentials = ClientCredentials::public("polar_ci_test_cli");
/// let grant = RefreshTokenGrant::new(credentials, RefreshToken::new("polar_rt_u_test"));
/// let request = TokenRequest::from(grant);
/// assert_eq!(request.grant_type(), "refresh_token");
/// // Then: `client.request_token(&request).await?`.
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenRequest {
    /// `grant_type=authorization_code` (RFC 6749 §4.1.3).
    AuthorizationCode(AuthorizationCodeGrant),
    /// `grant_type=refresh_token` (RFC 6749 §6).
    RefreshToken(RefreshTokenGrant),
    /// `grant_type=web`: Polar's exchange of a web session token.
    Web(WebGrant),
}

impl TokenRequest {
    /// The `grant_type` values this crate sends, one per arm.
    #[cfg(test)]
    pub(crate) const GRANT_TYPES: [&'static str; 3] =
        ["authorization_code", "refresh_token", "web"];

    /// The form fields each `grant_type` may carry (for the spec coverage check).
    #[cfg(test)]
    pub(crate) fn fields(grant_type: &str) -> Option<&'static [&'static str]> {
        match grant_type {
            "authorization_code" => Some(AuthorizationCodeGrant::FIELDS),
            "refresh_token" => Some(RefreshTokenGrant::FIELDS),
            "web" => Some(WebGrant::FIELDS),
            _ => None,
        }
    }

    /// This request's `grant_type`.
    #[must_use]
    pub fn grant_type(&self) -> &'static str {
        match self {
            TokenRequest::AuthorizationCode(_) => "authorization_code",
            TokenRequest::RefreshToken(_) => "refresh_token",
            TokenRequest::Web(_) => "web",
        }
    }

    pub(crate) fn credentials(&self) -> &ClientCredentials {
        match self {
            TokenRequest::AuthorizationCode(g) => &g.credentials,
            TokenRequest::RefreshToken(g) => &g.credentials,
            TokenRequest::Web(g) => &g.credentials,
        }
    }
}

impl From<AuthorizationCodeGrant> for TokenRequest {
    fn from(g: AuthorizationCodeGrant) -> Self {
        TokenRequest::AuthorizationCode(g)
    }
}

impl From<RefreshTokenGrant> for TokenRequest {
    fn from(g: RefreshTokenGrant) -> Self {
        TokenRequest::RefreshToken(g)
    }
}

impl From<WebGrant> for TokenRequest {
    fn from(g: WebGrant) -> Self {
        TokenRequest::Web(g)
    }
}

/// The form body. Flat fields only (`serde_urlencoded`), `grant_type` first, absent optional
/// fields left out. This is the one place secrets are written out.
impl Serialize for TokenRequest {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let creds = self.credentials();
        let mut form = serializer.serialize_struct("TokenRequest", 8)?;
        form.serialize_field("grant_type", self.grant_type())?;
        form.serialize_field("client_id", creds.client_id())?;
        // A `client_secret_basic` client's secret goes in the `Authorization` header only.
        if let Some(secret) = creds.client_secret().filter(|_| !creds.is_basic()) {
            form.serialize_field("client_secret", secret.secret())?;
        }
        match self {
            TokenRequest::AuthorizationCode(g) => {
                form.serialize_field("code", g.code.secret())?;
                form.serialize_field("redirect_uri", &g.redirect_uri)?;
                if let Some(v) = &g.code_verifier {
                    form.serialize_field("code_verifier", v.secret())?;
                }
            }
            TokenRequest::RefreshToken(g) => {
                form.serialize_field("refresh_token", g.refresh_token.secret())?;
            }
            TokenRequest::Web(g) => {
                form.serialize_field("session_token", g.session_token.secret())?;
                if let Some(t) = g.sub_type {
                    form.serialize_field("sub_type", t.as_str())?;
                }
                if let Some(sub) = &g.sub {
                    form.serialize_field("sub", sub)?;
                }
                if let Some(scope) = &g.scope {
                    form.serialize_field("scope", scope.as_str())?;
                }
            }
        }
        form.end()
    }
}

impl Redactor {
    /// The secrets of a token request: every secret form field, and the client id for the
    /// base64 forms.
    pub(crate) fn of_token_request(request: &TokenRequest) -> Self {
        const TOKEN_SECRET_FIELDS: [&str; 5] = [
            "client_secret",
            "code",
            "code_verifier",
            "refresh_token",
            "session_token",
        ];
        let form = serde_json::to_value(request).unwrap_or_default();
        Self::new(
            form.get("client_id").and_then(|v| v.as_str()),
            TOKEN_SECRET_FIELDS
                .iter()
                .filter_map(|field| form.get(field)?.as_str()),
        )
    }
}
