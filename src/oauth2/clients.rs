//! Client registration (RFC 7591) and management (RFC 7592): `POST /v1/oauth2/register` and
//! `GET|PUT|DELETE /v1/oauth2/register/{client_id}`.
//!
//! Polar registers clients anonymously (RFC 7591 open registration; its server refuses personal
//! access tokens and OAuth2 tokens here since 2026-04, although its spec still lists `oidc` and
//! `pat`). Managing a client takes the client's own [`RegistrationAccessToken`] (RFC 7592 §3),
//! returned once by registration (or the web session of the user who registered it). The
//! response carries the client's secret ([`ClientSecret`]): store it with the registration
//! token.
//!
//! The request types send only what was set: a field left out gets the server's default (the
//! spec's defaults are listed in the snapshot; `default_sub_type` changed from `organization` to
//! `user` on 2026-08-20, so set it when it matters).

use serde::{Deserialize, Serialize};

use crate::authorize::SubType;
use crate::scope::ScopeSet;
use crate::secret::{ClientSecret, RegistrationAccessToken};

/// How a client authenticates at the token endpoint (`token_endpoint_auth_method`, RFC 7591 §2).
///
/// ```
/// use polar_oauth2::{ClientCredentials, TokenEndpointAuthMethod};
///
/// let cli = ClientCredentials::public("polar_ci_test_cli");
/// assert_eq!(cli.auth_method(), TokenEndpointAuthMethod::None);
/// assert_eq!(TokenEndpointAuthMethod::None.as_str(), "none");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenEndpointAuthMethod {
    /// Credentials in the form body: Polar's default.
    ClientSecretPost,
    /// Credentials in an `Authorization: Basic` header.
    ClientSecretBasic,
    /// A public client: no secret, PKCE required.
    None,
    /// A value this build does not know.
    Other(String),
}

impl TokenEndpointAuthMethod {
    /// The wire value.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::ClientSecretPost => "client_secret_post",
            Self::ClientSecretBasic => "client_secret_basic",
            Self::None => "none",
            Self::Other(other) => other,
        }
    }
}

impl Serialize for TokenEndpointAuthMethod {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for TokenEndpointAuthMethod {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Ok(match &*value {
            "client_secret_post" => Self::ClientSecretPost,
            "client_secret_basic" => Self::ClientSecretBasic,
            "none" => Self::None,
            _ => Self::Other(value.into_owned()),
        })
    }
}

/// The metadata of a client to register (RFC 7591 §2).
///
/// ```
/// use polar_oauth2::{ClientRegistration, Scope, ScopeSet};
///
/// let registration = ClientRegistration::new("Acme Analytics", ["https://acme.example/callback"])
///     .scope([Scope::Openid, Scope::Email].into_iter().collect::<ScopeSet>())
///     .client_uri("https://acme.example");
/// let json = serde_json::to_value(&registration)?;
/// assert_eq!(json["client_name"], "Acme Analytics");
/// // Left out: the server applies its default.
/// assert!(json.get("token_endpoint_auth_method").is_none());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[must_use]
pub struct ClientRegistration {
    client_name: String,
    redirect_uris: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    token_endpoint_auth_method: Option<TokenEndpointAuthMethod>,
    #[serde(skip_serializing_if = "Option::is_none")]
    grant_types: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    response_types: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<ScopeSet>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    logo_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tos_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    policy_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    default_sub_type: Option<SubType>,
}

impl ClientRegistration {
    /// Request fields the server fills in when they are left out (the client sends them only
    /// when set). `spec-drift` reads the same list to flag a changed server default.
    pub const SERVER_DEFAULTED: [&'static str; 5] = [
        "token_endpoint_auth_method",
        "grant_types",
        "response_types",
        "scope",
        "default_sub_type",
    ];

    /// Every field this type can send (for the spec-coverage test).
    #[cfg(test)]
    pub(crate) const FIELDS: [&'static str; 11] = [
        "client_name",
        "redirect_uris",
        "token_endpoint_auth_method",
        "grant_types",
        "response_types",
        "scope",
        "client_uri",
        "logo_uri",
        "tos_uri",
        "policy_uri",
        "default_sub_type",
    ];

    /// A client named `client_name` that redirects to `redirect_uris`; everything else is the
    /// server's default (a confidential client with `client_secret_post`, grants
    /// `authorization_code` and `refresh_token`).
    ///
    /// ```
    /// use polar_oauth2::{ClientRegistration, Scope, ScopeSet};
    ///
    /// let registration = ClientRegistration::new("Acme", ["https://acme.example/callback"])
    ///     .scope(ScopeSet::new().with(Scope::Openid).with(Scope::Email))
    ///     .logo_uri("https://acme.example/logo.png");
    /// // Then: `client.register_client(None, &registration).await?`.
    /// ```
    pub fn new<I, S>(client_name: impl Into<String>, redirect_uris: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            client_name: client_name.into(),
            redirect_uris: redirect_uris.into_iter().map(Into::into).collect(),
            token_endpoint_auth_method: None,
            grant_types: None,
            response_types: None,
            scope: None,
            client_uri: None,
            logo_uri: None,
            tos_uri: None,
            policy_uri: None,
            default_sub_type: None,
        }
    }

    /// A public client (`token_endpoint_auth_method=none`): no secret, PKCE required.
    ///
    /// ```
    /// use polar_oauth2::ClientRegistration;
    ///
    /// // A desktop app: no secret (it could not keep one), a loopback redirect, PKCE.
    /// let registration =
    ///     ClientRegistration::new("Acme CLI", ["http://127.0.0.1:8400/callback"]).public();
    /// ```
    pub fn public(self) -> Self {
        self.token_endpoint_auth_method(TokenEndpointAuthMethod::None)
    }

    /// How the client authenticates at the token endpoint.
    pub fn token_endpoint_auth_method(mut self, method: TokenEndpointAuthMethod) -> Self {
        self.token_endpoint_auth_method = Some(method);
        self
    }

    /// The grant types the client may use (`authorization_code`, `refresh_token`).
    ///
    /// ```
    /// use polar_oauth2::ClientRegistration;
    ///
    /// let registration = ClientRegistration::new("Acme", ["https://acme.example/callback"])
    ///     .grant_types(["authorization_code", "refresh_token", "web"]);
    /// ```
    pub fn grant_types<I, S>(mut self, grant_types: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.grant_types = Some(grant_types.into_iter().map(Into::into).collect());
        self
    }

    /// The response types (`code`).
    pub fn response_types<I, S>(mut self, response_types: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.response_types = Some(response_types.into_iter().map(Into::into).collect());
        self
    }

    /// The scopes the client may ask for.
    pub fn scope(mut self, scope: ScopeSet) -> Self {
        self.scope = Some(scope);
        self
    }

    /// The client's home page.
    pub fn client_uri(mut self, uri: impl Into<String>) -> Self {
        self.client_uri = Some(uri.into());
        self
    }

    /// The client's logo.
    pub fn logo_uri(mut self, uri: impl Into<String>) -> Self {
        self.logo_uri = Some(uri.into());
        self
    }

    /// The client's terms of service.
    pub fn tos_uri(mut self, uri: impl Into<String>) -> Self {
        self.tos_uri = Some(uri.into());
        self
    }

    /// The client's privacy policy.
    pub fn policy_uri(mut self, uri: impl Into<String>) -> Self {
        self.policy_uri = Some(uri.into());
        self
    }

    /// Whether the consent page asks for a user or an organization by default.
    pub fn default_sub_type(mut self, sub_type: SubType) -> Self {
        self.default_sub_type = Some(sub_type);
        self
    }
}

/// The new metadata of a registered client (RFC 7592 §2.2): the whole metadata, as for
/// registration, and the client's id.
///
/// ```
/// use polar_oauth2::{ClientRegistration, ClientUpdate};
///
/// let metadata = ClientRegistration::new("My app", ["https://app.example.com/callback"])
///     .logo_uri("https://app.example.com/logo.png");
/// let update = ClientUpdate::new("polar_ci_test_app", metadata);
/// assert_eq!(update.client_id(), "polar_ci_test_app");
/// // Then: `client.update_client(&registration_access_token, &update).await?`.
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClientUpdate {
    client_id: String,
    #[serde(flatten)]
    metadata: ClientRegistration,
}

impl ClientUpdate {
    /// Every field this type can send (for the spec-coverage test).
    #[cfg(test)]
    pub(crate) const FIELDS: [&'static str; 12] = [
        "client_id",
        "client_name",
        "redirect_uris",
        "token_endpoint_auth_method",
        "grant_types",
        "response_types",
        "scope",
        "client_uri",
        "logo_uri",
        "tos_uri",
        "policy_uri",
        "default_sub_type",
    ];

    /// Replace the metadata of `client_id` with `metadata`.
    ///
    /// ```
    /// use polar_oauth2::{ClientRegistration, ClientUpdate};
    ///
    /// // An update sends the whole metadata again, not only what changed.
    /// let metadata = ClientRegistration::new("Acme", ["https://acme.example/callback"])
    ///     .tos_uri("https://acme.example/tos");
    /// let update = ClientUpdate::new("polar_ci_test_app", metadata);
    /// ```
    #[must_use]
    pub fn new(client_id: impl Into<String>, metadata: ClientRegistration) -> Self {
        Self {
            client_id: client_id.into(),
            metadata,
        }
    }

    /// The client being updated.
    #[must_use]
    pub fn client_id(&self) -> &str {
        &self.client_id
    }
}

/// A registered client, as registration and management return it (RFC 7591 §3.2.1,
/// RFC 7592 §3).
///
/// Only the credentials (`client_id`, `client_secret`, `registration_access_token`) must
/// decode: a registration that succeeded at Polar shows its secret once, so an ancillary field
/// Polar writes differently (`null` for a list, a fractional timestamp, a `default_sub_type`
/// this build does not know) reads as absent rather than losing them.
///
/// ```
/// let client: polar_oauth2::RegisteredClient = serde_json::from_str(
///     r#"{"client_id": "polar_ci_test", "client_secret": "polar_cs_test",
///         "client_id_issued_at": 1767225600, "client_secret_expires_at": 0,
///         "client_name": "Acme", "redirect_uris": ["https://acme.example/callback"],
///         "registration_access_token": "polar_crt_test"}"#,
/// )?;
/// assert_eq!(client.client_id, "polar_ci_test");
/// assert_eq!(format!("{:?}", client.client_secret), "Some(ClientSecret([redacted]))");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RegisteredClient {
    /// The client id (`polar_ci_…`).
    pub client_id: String,
    /// The client secret (`polar_cs_…`); absent for a public client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<ClientSecret>,
    /// When the client id was issued, in seconds since the Unix epoch.
    #[serde(
        default,
        deserialize_with = "lenient_seconds",
        skip_serializing_if = "Option::is_none"
    )]
    pub client_id_issued_at: Option<u64>,
    /// When the secret expires, in seconds since the Unix epoch; `0` for never.
    #[serde(
        default,
        deserialize_with = "lenient_seconds",
        skip_serializing_if = "Option::is_none"
    )]
    pub client_secret_expires_at: Option<u64>,
    /// The bearer token that manages this client (RFC 7592 §3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_access_token: Option<RegistrationAccessToken>,
    /// Where this client is managed (RFC 7592 §3).
    #[serde(
        default,
        deserialize_with = "lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub registration_client_uri: Option<String>,
    /// The client's name.
    #[serde(
        default,
        deserialize_with = "lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub client_name: Option<String>,
    /// Where the client may be redirected to.
    #[serde(default, deserialize_with = "lenient")]
    pub redirect_uris: Vec<String>,
    /// How the client authenticates at the token endpoint.
    #[serde(
        default,
        deserialize_with = "lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub token_endpoint_auth_method: Option<TokenEndpointAuthMethod>,
    /// The grant types the client may use.
    #[serde(default, deserialize_with = "lenient")]
    pub grant_types: Vec<String>,
    /// The response types the client may use.
    #[serde(default, deserialize_with = "lenient")]
    pub response_types: Vec<String>,
    /// The scopes the client may ask for.
    #[serde(
        default,
        deserialize_with = "lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub scope: Option<ScopeSet>,
    /// The client's home page.
    #[serde(
        default,
        deserialize_with = "lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub client_uri: Option<String>,
    /// The client's logo.
    #[serde(
        default,
        deserialize_with = "lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub logo_uri: Option<String>,
    /// The client's terms of service.
    #[serde(
        default,
        deserialize_with = "lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub tos_uri: Option<String>,
    /// The client's privacy policy.
    #[serde(
        default,
        deserialize_with = "lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub policy_uri: Option<String>,
    /// Whether the consent page asks for a user or an organization by default.
    #[serde(
        default,
        deserialize_with = "lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub default_sub_type: Option<SubType>,
}

/// An ancillary field: its value, or the default (absent, empty) when it has another shape.
fn lenient<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either<T> {
        Value(T),
        Other(serde::de::IgnoredAny),
    }
    Ok(match Either::<T>::deserialize(deserializer)? {
        Either::Value(value) => value,
        Either::Other(_) => T::default(),
    })
}

/// Seconds since the Unix epoch: a whole number, or a non-negative one with a fraction
/// (truncated); absent for anything else.
fn lenient_seconds<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Seconds {
        Whole(u64),
        Fraction(f64),
        Other(serde::de::IgnoredAny),
    }
    Ok(match Seconds::deserialize(deserializer)? {
        Seconds::Whole(seconds) => Some(seconds),
        // `as` saturates; NaN and negatives are not times.
        Seconds::Fraction(seconds) if seconds >= 0.0 => Some(seconds as u64),
        Seconds::Fraction(_) | Seconds::Other(_) => None,
    })
}
