//! `POST /v1/oauth2/introspect` (RFC 7662): is a token active, and what does it grant?

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};

use crate::authorize::SubType;
use crate::scope::ScopeSet;

/// The answer to an introspection request (RFC 7662 §2.2).
///
/// The spec lists every claim as required, but RFC 7662 §2.2 promises only `active` for a
/// token that is not active (expired, revoked, unknown, or another client's), and that is what
/// Polar sends: `{"active": false}`. [`Introspection`] keeps the two apart, so an active
/// token's claims are typed and never half-empty.
///
/// ```
/// use polar_oauth2::{Introspection, Scope};
///
/// let inactive: Introspection = serde_json::from_str(r#"{"active": false}"#)?;
/// assert!(inactive.active().is_none());
///
/// let active: Introspection = serde_json::from_str(r#"{"active": true,
///     "client_id": "polar_ci_test", "token_type": "access_token", "scope": "openid email",
///     "sub_type": "user", "sub": "3f2b8c1e-6a4d-4e7f-9b0a-5c8d2e1f4a6b", "organizations": [],
///     "aud": "polar_ci_test", "iss": "https://polar.sh", "exp": 1767225600, "iat": 1766361600}"#)?;
/// let token = active.active().expect("active");
/// assert!(token.scope.contains(&Scope::Email));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum Introspection {
    /// The token is active: its claims.
    Active(ActiveToken),
    /// The token is expired, revoked, unknown, or was issued to another client. Nothing else
    /// is said about it (RFC 7662 §2.2).
    Inactive(InactiveToken),
}

impl Introspection {
    /// The active token's claims, or `None` for an inactive token.
    ///
    /// ```
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
    /// let introspection = client.introspect(&credentials, token.access_token()).await?;
    /// let active = introspection.active().expect("a fresh token is active");
    /// assert_eq!(active.client_id, credentials.client_id());
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn active(&self) -> Option<&ActiveToken> {
        match self {
            Introspection::Active(token) => Some(token),
            Introspection::Inactive(_) => None,
        }
    }

    /// Whether the token is active.
    ///
    /// ```
    /// use polar_oauth2::AccessToken;
    /// use polar_oauth2_test_server::TestServer;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let polar = TestServer::start().await?;
    /// let unknown = AccessToken::new("polar_at_u_test_unknown");
    /// let answer = polar.client()?.introspect(&polar.confidential_client(), &unknown).await?;
    /// assert!(!answer.is_active());
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn is_active(&self) -> bool {
        matches!(self, Introspection::Active(_))
    }
}

/// An inactive token: `{"active": false}`.
///
/// ```
/// use polar_oauth2::{AccessToken, Introspection};
/// use polar_oauth2_test_server::TestServer;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let polar = TestServer::start().await?;
/// let unknown = AccessToken::new("polar_at_u_test_unknown");
/// let answer = polar.client()?.introspect(&polar.confidential_client(), &unknown).await?;
/// assert!(matches!(answer, Introspection::Inactive(_)));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[non_exhaustive]
pub struct InactiveToken {
    active: bool,
}

/// The claims of an active token (RFC 7662 §2.2, and Polar's `sub_type` and `organizations`).
///
/// ```
/// use polar_oauth2::Introspection;
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
/// let introspection = client.introspect(&credentials, token.access_token()).await?;
/// let Introspection::Active(active) = introspection else { panic!("a fresh token is active") };
/// assert_eq!(active.client_id, credentials.client_id());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ActiveToken {
    /// Always `true` (kept so that the serialized form is the wire form).
    active: bool,
    /// The client the token was issued to.
    pub client_id: String,
    /// Which kind of token was introspected.
    pub token_type: IntrospectedTokenType,
    /// The scopes the token grants.
    pub scope: ScopeSet,
    /// Whether the token is for a user or an organization.
    pub sub_type: SubType,
    /// The user's or organization's id.
    pub sub: String,
    /// The organizations the token is limited to: one for a token asked for with
    /// `sub_type=organization` (Polar then issues a user token limited to that organization),
    /// empty for a token not limited (and in documents before 2026-08).
    pub organizations: Vec<String>,
    /// The audience (the client id).
    pub aud: String,
    /// The issuer.
    pub iss: String,
    /// Expiry, in seconds since the Unix epoch.
    pub exp: u64,
    /// Issue time, in seconds since the Unix epoch.
    pub iat: u64,
}

impl ActiveToken {
    /// Every claim this type reads (for the spec-coverage test).
    #[cfg(test)]
    pub(crate) const FIELDS: [&'static str; 11] = [
        "active",
        "client_id",
        "token_type",
        "scope",
        "sub_type",
        "sub",
        "organizations",
        "aud",
        "iss",
        "exp",
        "iat",
    ];

    /// When the token expires.
    #[must_use]
    pub fn expires_at(&self) -> SystemTime {
        UNIX_EPOCH
            .checked_add(Duration::from_secs(self.exp))
            .unwrap_or(UNIX_EPOCH)
    }

    /// When the token was issued.
    #[must_use]
    pub fn issued_at(&self) -> SystemTime {
        UNIX_EPOCH
            .checked_add(Duration::from_secs(self.iat))
            .unwrap_or(UNIX_EPOCH)
    }
}

/// `token_type` of an introspected token: Polar's values, open for new ones.
///
/// ```
/// use polar_oauth2::IntrospectedTokenType;
///
/// assert_eq!(IntrospectedTokenType::RefreshToken.as_str(), "refresh_token");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IntrospectedTokenType {
    /// `access_token`.
    AccessToken,
    /// `refresh_token`.
    RefreshToken,
    /// A value this build does not know.
    Other(String),
}

impl IntrospectedTokenType {
    /// The wire value.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::AccessToken => "access_token",
            Self::RefreshToken => "refresh_token",
            Self::Other(other) => other,
        }
    }
}

impl Serialize for IntrospectedTokenType {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for IntrospectedTokenType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Ok(match &*value {
            "access_token" => Self::AccessToken,
            "refresh_token" => Self::RefreshToken,
            _ => Self::Other(value.into_owned()),
        })
    }
}

/// The wire form, read in one pass; which claims are required depends on `active`.
#[derive(Deserialize)]
struct Wire {
    active: bool,
    client_id: Option<String>,
    token_type: Option<IntrospectedTokenType>,
    scope: Option<ScopeSet>,
    sub_type: Option<SubType>,
    sub: Option<String>,
    #[serde(default)]
    organizations: Vec<String>,
    aud: Option<String>,
    iss: Option<String>,
    exp: Option<u64>,
    iat: Option<u64>,
}

impl<'de> Deserialize<'de> for Introspection {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = Wire::deserialize(deserializer)?;
        if !wire.active {
            return Ok(Introspection::Inactive(InactiveToken { active: false }));
        }
        fn required<T, E: de::Error>(value: Option<T>, field: &'static str) -> Result<T, E> {
            value.ok_or_else(|| E::missing_field(field))
        }
        Ok(Introspection::Active(ActiveToken {
            active: true,
            client_id: required(wire.client_id, "client_id")?,
            token_type: required(wire.token_type, "token_type")?,
            scope: required(wire.scope, "scope")?,
            sub_type: required(wire.sub_type, "sub_type")?,
            sub: required(wire.sub, "sub")?,
            organizations: wire.organizations,
            aud: required(wire.aud, "aud")?,
            iss: required(wire.iss, "iss")?,
            exp: required(wire.exp, "exp")?,
            iat: required(wire.iat, "iat")?,
        }))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    const ACTIVE: &str = r#"{"active":true,"client_id":"polar_ci_x","token_type":"refresh_token","scope":"openid","sub_type":"organization","sub":"s","aud":"polar_ci_x","iss":"https://polar.sh","exp":2,"iat":1}"#;

    #[test]
    fn inactive_needs_only_active_false_and_ignores_the_rest() {
        let i: Introspection = serde_json::from_str(r#"{"active":false,"client_id":"polar_ci_x"}"#)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(!i.is_active());
        assert_eq!(serde_json::to_string(&i).unwrap(), r#"{"active":false}"#);
    }

    #[test]
    fn active_decodes_typed_claims_and_round_trips() {
        let i: Introspection = serde_json::from_str(ACTIVE).unwrap();
        let token = i.active().unwrap();
        assert_eq!(token.token_type, IntrospectedTokenType::RefreshToken);
        assert_eq!(token.sub_type, SubType::Organization);
        assert!(token.organizations.is_empty());
        assert_eq!(token.expires_at(), UNIX_EPOCH + Duration::from_secs(2));
        let again: Introspection =
            serde_json::from_str(&serde_json::to_string(&i).unwrap()).unwrap();
        assert_eq!(again, i);
    }

    #[test]
    fn an_active_token_without_a_claim_is_an_error_naming_it() {
        let json = ACTIVE.replace(r#""sub":"s","#, "");
        let e = serde_json::from_str::<Introspection>(&json).unwrap_err();
        assert!(e.to_string().contains("missing field `sub`"), "{e}");
        let e = serde_json::from_str::<Introspection>(r#"{"client_id":"x"}"#).unwrap_err();
        assert!(e.to_string().contains("missing field `active`"), "{e}");
    }
}
