//! Registered OAuth2 clients: the test clients, `TestServer::register_client`'s and those of
//! the registration endpoint (RFC 7591/7592), with the metadata Polar stores for them.

use serde_json::{Map, Value, json};

use crate::constants::REGISTER_PATH;
use crate::params::supported_scopes;
use crate::seed::REDIRECT_URI;
#[cfg(doc)]
use crate::server::TestServer;
use crate::util::constant_time_eq;
use polar_oauth2::ClientCredentials;
use polar_oauth2::ClientSecret;
use polar_oauth2::ScopeSet;
use polar_oauth2::SubType;

/// How a client authenticates at the token endpoint (`token_endpoint_auth_method`, RFC 7591).
///
/// ```
/// use polar_oauth2_test_server::{TestClient, TestClientAuth};
///
/// assert_eq!(TestClientAuth::ClientSecretBasic.as_str(), "client_secret_basic");
/// let cli = TestClient::public("polar_ci_test_cli"); // registered with `none`
/// assert!(cli.credentials().client_secret().is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TestClientAuth {
    /// Credentials in the form body: Polar's default.
    ClientSecretPost,
    /// Credentials in an `Authorization: Basic` header.
    ClientSecretBasic,
    /// A public client: no secret.
    None,
}

impl TestClientAuth {
    /// The RFC 7591 name (`client_secret_post`, `client_secret_basic`, `none`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ClientSecretPost => "client_secret_post",
            Self::ClientSecretBasic => "client_secret_basic",
            Self::None => "none",
        }
    }

    pub(crate) fn from_wire(value: &str) -> Option<Self> {
        match value {
            "client_secret_post" => Some(Self::ClientSecretPost),
            "client_secret_basic" => Some(Self::ClientSecretBasic),
            "none" => Some(Self::None),
            _ => None,
        }
    }
}

/// A client to register with [`TestServer::register_client`], with Polar's defaults: grants
/// `authorization_code` and `refresh_token`, every scope but the reserved `web:*` ones,
/// `sub_type` `user`, redirect URI [`REDIRECT_URI`].
///
/// ```
/// use polar_oauth2::AuthorizationRequest;
/// use polar_oauth2_test_server::{REDIRECT_URI, TestClient, TestServer};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let polar = TestServer::start().await?;
/// // A second app, authenticating with `Authorization: Basic`.
/// let app = TestClient::confidential("polar_ci_test_other", "polar_cs_test_other")
///     .client_secret_basic();
/// polar.register_client(app.clone());
/// let credentials = app.credentials(); // what the app's `Client` sends
/// let pending = AuthorizationRequest::new(&polar.server(), "polar_ci_test_other", REDIRECT_URI)
///     .endpoint(polar.authorization_endpoint())
///     .build()?;
/// let code = pending.callback(&polar.approve(pending.url())?)?;
/// let verifier = Some(pending.pkce_verifier().clone());
/// let client = polar.client()?;
/// client.exchange_code(&credentials, code, REDIRECT_URI, verifier).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct TestClient {
    pub(crate) client_id: String,
    pub(crate) client_secret: Option<ClientSecret>,
    pub(crate) auth_method: TestClientAuth,
    pub(crate) redirect_uris: Vec<String>,
    pub(crate) scope: Vec<String>,
    pub(crate) grant_types: Vec<String>,
    pub(crate) default_sub_type: SubType,
    pub(crate) client_name: Option<String>,
    /// `client_uri`, `logo_uri`, `tos_uri`, `policy_uri`, `response_types`, as registered.
    pub(crate) extra_metadata: Map<String, Value>,
    /// Set when the server stores the client: the RFC 7592 credential, the owner (`true`: the
    /// test user; `false`: registered anonymously) and `client_id_issued_at`.
    pub(crate) registration: Option<Registration>,
}

/// What the server adds when it stores a client.
#[derive(Debug, Clone)]
pub(crate) struct Registration {
    pub(crate) access_token: String,
    pub(crate) owned_by_user: bool,
    pub(crate) issued_at: u64,
    /// The secret Polar generates even for a public client (and never shows).
    pub(crate) hidden_secret: Option<String>,
}

impl TestClient {
    /// A confidential client authenticating with `client_secret_post`.
    ///
    /// ```
    /// use polar_oauth2_test_server::{TestClient, TestServer};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let polar = TestServer::start().await?;
    /// let app = TestClient::confidential("polar_ci_test_other", "polar_cs_test_other");
    /// polar.register_client(app.clone());
    /// assert_eq!(app.credentials().client_id(), "polar_ci_test_other");
    /// # Ok(()) }
    /// ```
    pub fn confidential(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Self::new(
            client_id.into(),
            Some(ClientSecret::new(client_secret)),
            TestClientAuth::ClientSecretPost,
        )
    }

    /// A public client (`token_endpoint_auth_method=none`): no secret, PKCE required.
    ///
    /// ```
    /// use polar_oauth2_test_server::{TestClient, TestServer};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let polar = TestServer::start().await?;
    /// polar.register_client(TestClient::public("polar_ci_test_cli"));
    /// # Ok(()) }
    /// ```
    pub fn public(client_id: impl Into<String>) -> Self {
        Self::new(client_id.into(), None, TestClientAuth::None)
    }

    fn new(
        client_id: String,
        client_secret: Option<ClientSecret>,
        auth_method: TestClientAuth,
    ) -> Self {
        Self {
            client_id,
            client_secret,
            auth_method,
            redirect_uris: vec![REDIRECT_URI.to_owned()],
            scope: supported_scopes().map(str::to_owned).collect(),
            grant_types: vec!["authorization_code".into(), "refresh_token".into()],
            default_sub_type: SubType::User,
            client_name: None,
            extra_metadata: Map::new(),
            registration: None,
        }
    }

    /// Authenticate with `client_secret_basic` instead of `client_secret_post` (a confidential
    /// client registered for one method cannot use the other).
    ///
    /// ```
    /// use polar_oauth2::TokenEndpointAuthMethod;
    /// use polar_oauth2_test_server::TestClient;
    ///
    /// let app = TestClient::confidential("polar_ci_test_other", "polar_cs_test_other")
    ///     .client_secret_basic();
    /// assert_eq!(app.credentials().auth_method(), TokenEndpointAuthMethod::ClientSecretBasic);
    /// ```
    pub fn client_secret_basic(mut self) -> Self {
        if self.client_secret.is_some() {
            self.auth_method = TestClientAuth::ClientSecretBasic;
        }
        self
    }

    /// The registered redirect URIs (the first is the default); compared exactly.
    ///
    /// ```
    /// use polar_oauth2::AuthorizationRequest;
    /// use polar_oauth2_test_server::{TestClient, TestServer};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let polar = TestServer::start().await?;
    /// let loopback = "http://127.0.0.1:8400/callback"; // a desktop app's redirect
    /// polar.register_client(TestClient::public("polar_ci_test_cli").redirect_uris([loopback]));
    /// let pending = AuthorizationRequest::new(&polar.server(), "polar_ci_test_cli", loopback)
    ///     .endpoint(polar.authorization_endpoint())
    ///     .build()?;
    /// assert!(polar.approve(pending.url())?.starts_with(loopback));
    /// # Ok(()) }
    /// ```
    pub fn redirect_uris<I, S>(mut self, uris: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.redirect_uris = uris.into_iter().map(Into::into).collect();
        self
    }

    /// The scopes the client may be granted (others asked for are silently left out of
    /// tokens, as Polar does). Include `web:read`/`web:write` for a first-party-like client.
    ///
    /// ```
    /// use polar_oauth2::ScopeSet;
    /// use polar_oauth2_test_server::TestClient;
    ///
    /// // A client allowed only these scopes: asking for more is `invalid_scope`.
    /// let allowed = ScopeSet::from_wire("openid email");
    /// let app = TestClient::public("polar_ci_test_cli").scope(&allowed);
    /// ```
    pub fn scope(mut self, scope: &ScopeSet) -> Self {
        self.scope = scope.iter().map(|s| s.as_str().to_owned()).collect();
        self
    }

    /// The grant types the client may use, among `authorization_code`, `refresh_token` and
    /// `web`. Without `refresh_token`, token responses carry no refresh token.
    ///
    /// ```
    /// use polar_oauth2_test_server::TestClient;
    ///
    /// // A client registered for the code grant only.
    /// let app = TestClient::public("polar_ci_test_cli").grant_types(["authorization_code"]);
    /// ```
    pub fn grant_types<I, S>(mut self, grant_types: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.grant_types = grant_types.into_iter().map(Into::into).collect();
        self
    }

    /// The `sub_type` used when an authorization request has none.
    ///
    /// ```
    /// use polar_oauth2::SubType;
    /// use polar_oauth2_test_server::TestClient;
    ///
    /// let app = TestClient::public("polar_ci_test_cli").default_sub_type(SubType::Organization);
    /// ```
    pub fn default_sub_type(mut self, sub_type: SubType) -> Self {
        self.default_sub_type = sub_type;
        self
    }

    /// `client_name`, shown in the consent data.
    pub fn client_name(mut self, name: impl Into<String>) -> Self {
        self.client_name = Some(name.into());
        self
    }

    /// The credentials a [`Client`](polar_oauth2::Client) sends for this client, by the method
    /// it is registered with.
    ///
    /// ```
    /// use polar_oauth2_test_server::TestClient;
    ///
    /// let app = TestClient::confidential("polar_ci_test_other", "polar_cs_test_other");
    /// let credentials = app.credentials(); // `client_secret_post`, as registered
    /// assert_eq!(credentials.client_id(), "polar_ci_test_other");
    /// ```
    #[must_use]
    pub fn credentials(&self) -> ClientCredentials {
        match &self.client_secret {
            Some(secret) if self.auth_method == TestClientAuth::ClientSecretBasic => {
                ClientCredentials::basic(&self.client_id, secret.clone())
            }
            Some(secret) => ClientCredentials::confidential(&self.client_id, secret.clone()),
            None => ClientCredentials::public(&self.client_id),
        }
    }

    pub(crate) fn check_secret(&self, given: &str) -> bool {
        self.client_secret
            .as_ref()
            .is_some_and(|s| constant_time_eq(s.secret().as_bytes(), given.as_bytes()))
    }

    pub(crate) fn allows_grant(&self, grant_type: &str) -> bool {
        self.grant_types.iter().any(|g| g == grant_type)
    }

    /// authlib's `get_allowed_scope`: the requested scopes the client may have, in order.
    pub(crate) fn allowed_scope(&self, scope: &[String]) -> Vec<String> {
        scope
            .iter()
            .filter(|s| self.scope.contains(s))
            .cloned()
            .collect()
    }
}

impl TestClient {
    /// authlib's `client_info` + `client_metadata` (RFC 7591 §3.2.1), as Polar's registration
    /// endpoints return them; a public client's secret fields are left out, as Polar does.
    pub(crate) fn registration_json(&self, base_url: &str) -> Value {
        let mut body = Map::new();
        body.insert("redirect_uris".into(), json!(self.redirect_uris));
        body.insert(
            "token_endpoint_auth_method".into(),
            self.auth_method.as_str().into(),
        );
        body.insert("grant_types".into(), json!(self.grant_types));
        body.insert("response_types".into(), json!(["code"]));
        body.insert("scope".into(), self.scope.join(" ").into());
        if let Some(name) = &self.client_name {
            body.insert("client_name".into(), name.clone().into());
        }
        for (key, value) in &self.extra_metadata {
            body.insert(key.clone(), value.clone());
        }
        body.insert("client_id".into(), self.client_id.clone().into());
        if self.auth_method != TestClientAuth::None {
            let secret = self.client_secret.as_ref().map(|s| s.secret().to_owned());
            body.insert("client_secret".into(), json!(secret));
            body.insert("client_secret_expires_at".into(), 0.into());
        }
        if let Some(registration) = &self.registration {
            body.insert("client_id_issued_at".into(), registration.issued_at.into());
            body.insert(
                "registration_client_uri".into(),
                format!("{base_url}{}/{}", REGISTER_PATH, self.client_id).into(),
            );
            body.insert(
                "registration_access_token".into(),
                registration.access_token.clone().into(),
            );
        }
        Value::Object(body)
    }
}
