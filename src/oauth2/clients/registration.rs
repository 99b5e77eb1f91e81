//! What a registration (RFC 7591) or an update (RFC 7592 §2.2) sends: only the fields set.

use serde::Serialize;

use crate::authorize::SubType;
use crate::scope::ScopeSet;

use super::auth_method::TokenEndpointAuthMethod;

/// The metadata of a client to register (RFC 7591 §2).
///
/// It sends only what was set: a field left out gets the server's default (the spec's
/// defaults are listed in the snapshot; `default_sub_type` changed from `organization` to
/// `user` on 2026-08-20, so set it when it matters).
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
