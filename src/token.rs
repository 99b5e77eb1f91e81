//! Token requests (the `grant_type` union, form-encoded) and the token response.
//!
//! `POST /v1/oauth2/token` takes `application/x-www-form-urlencoded` (RFC 6749 §4.1.3, §6).
//! Polar authenticates a client by the method it was registered with (RFC 6749 §2.3.1):
//! `client_secret_post` (the default: the secret in the form body), `client_secret_basic`
//! (`Authorization: Basic`), or `none` (a public client: no secret, PKCE, RFC 7636 §4.5).

use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Deserializer, Serialize};

use crate::authorize::SubType;
use crate::oauth2::clients::{RegisteredClient, TokenEndpointAuthMethod};
use crate::scope::{ScopeSet, WireStr};
use crate::secret::{
    AccessToken, AuthorizationCode, ClientSecret, IdToken, PkceCodeVerifier, RefreshToken,
    SessionToken,
};

/// A registered OAuth2 client: its id, and its secret unless it is a public client.
///
/// Cheap to clone (shared, not copied): every grant holds the credentials it was made with,
/// and [`Client::refresh`](crate::Client::refresh) makes one per call.
///
/// ```
/// use polar_oauth2::{ClientCredentials, ClientSecret, TokenEndpointAuthMethod};
///
/// // A web app keeps its secret on the server.
/// let secret = ClientSecret::new("polar_cs_test_example");
/// let web_app = ClientCredentials::confidential("polar_ci_test_example", secret);
/// assert_eq!(web_app.auth_method(), TokenEndpointAuthMethod::ClientSecretPost);
/// // A desktop or mobile app has none: PKCE protects its code instead.
/// let cli = ClientCredentials::public("polar_ci_test_cli");
/// assert!(cli.client_secret().is_none());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ClientCredentials(Arc<Credentials>);

#[derive(Debug, PartialEq, Eq)]
struct Credentials {
    client_id: String,
    client_secret: Option<ClientSecret>,
    /// `client_secret_basic` rather than Polar's default `client_secret_post`.
    basic: bool,
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("client_id", &self.0.client_id)
            .field("client_secret", &self.0.client_secret)
            .field("auth_method", &self.auth_method().as_str())
            .finish()
    }
}

impl ClientCredentials {
    /// A confidential client (server-side application with a `polar_cs_…` secret) registered
    /// with `client_secret_post`, Polar's default: the secret travels in the form body.
    ///
    /// ```
    /// use polar_oauth2::{ClientCredentials, ClientSecret, TokenEndpointAuthMethod};
    /// let credentials = ClientCredentials::confidential("polar_ci_test", ClientSecret::new("polar_cs_test"));
    /// assert_eq!(credentials.auth_method(), TokenEndpointAuthMethod::ClientSecretPost);
    /// ```
    #[must_use]
    pub fn confidential(client_id: impl Into<String>, client_secret: ClientSecret) -> Self {
        Self::new(client_id.into(), Some(client_secret), false)
    }

    /// A confidential client registered with `client_secret_basic`: the token endpoint gets
    /// the credentials as `Authorization: Basic` (RFC 6749 §2.3.1). Polar's token endpoint
    /// accepts only the method a client was registered with (`invalid_client` otherwise);
    /// revocation and introspection accept either, and get them in the form body.
    ///
    /// ```
    /// use polar_oauth2::{ClientCredentials, ClientSecret, TokenEndpointAuthMethod};
    /// let credentials = ClientCredentials::basic("polar_ci_test", ClientSecret::new("polar_cs_test"));
    /// assert_eq!(credentials.auth_method(), TokenEndpointAuthMethod::ClientSecretBasic);
    /// ```
    #[must_use]
    pub fn basic(client_id: impl Into<String>, client_secret: ClientSecret) -> Self {
        Self::new(client_id.into(), Some(client_secret), true)
    }

    /// A public client (native or browser app, `none`): no secret; PKCE is then required.
    ///
    /// ```
    /// use polar_oauth2::ClientCredentials;
    /// let credentials = ClientCredentials::public("polar_ci_test");
    /// assert!(credentials.client_secret().is_none());
    /// ```
    #[must_use]
    pub fn public(client_id: impl Into<String>) -> Self {
        Self::new(client_id.into(), None, false)
    }

    fn new(client_id: String, client_secret: Option<ClientSecret>, basic: bool) -> Self {
        Self(Arc::new(Credentials {
            client_id,
            client_secret,
            basic,
        }))
    }

    /// How these credentials authenticate at the token endpoint.
    #[must_use]
    pub fn auth_method(&self) -> TokenEndpointAuthMethod {
        match (&self.0.client_secret, self.0.basic) {
            (None, _) => TokenEndpointAuthMethod::None,
            (Some(_), true) => TokenEndpointAuthMethod::ClientSecretBasic,
            (Some(_), false) => TokenEndpointAuthMethod::ClientSecretPost,
        }
    }

    /// `Authorization: Basic` for a `client_secret_basic` client: id and secret each
    /// form-urlencoded, joined by `:`, base64 (RFC 6749 §2.3.1).
    pub(crate) fn basic_authorization(&self) -> Option<String> {
        use base64::Engine as _;
        let secret = self.0.client_secret.as_ref().filter(|_| self.0.basic)?;
        let encode =
            |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let pair = format!("{}:{}", encode(&self.0.client_id), encode(secret.secret()));
        Some(format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair)
        ))
    }

    /// The client id (`polar_ci_…`); not a secret.
    #[must_use]
    pub fn client_id(&self) -> &str {
        &self.0.client_id
    }

    /// The client secret, if any.
    ///
    /// ```
    /// use polar_oauth2::{ClientCredentials, ClientSecret};
    ///
    /// let secret = ClientSecret::new("polar_cs_test_app");
    /// let app = ClientCredentials::confidential("polar_ci_test_app", secret);
    /// assert!(app.client_secret().is_some());
    /// assert!(ClientCredentials::public("polar_ci_test_cli").client_secret().is_none());
    /// ```
    #[must_use]
    pub fn client_secret(&self) -> Option<&ClientSecret> {
        self.0.client_secret.as_ref()
    }
}

/// The credentials a client just registered authenticates with, by the method it was
/// registered with (`client_secret_basic` or else `client_secret_post` with a secret, `none`
/// without one).
///
/// ```no_run
/// # async fn register(client: &polar_oauth2::Client) -> Result<(), polar_oauth2::Error> {
/// use polar_oauth2::{ClientCredentials, ClientRegistration};
/// let registration = ClientRegistration::new("Acme", ["https://acme.example/callback"]);
/// let registered = client.register_client(None, &registration).await?;
/// let credentials = ClientCredentials::from(&registered);
/// # let _ = credentials; Ok(()) }
/// ```
impl From<&RegisteredClient> for ClientCredentials {
    fn from(client: &RegisteredClient) -> Self {
        let basic =
            client.token_endpoint_auth_method == Some(TokenEndpointAuthMethod::ClientSecretBasic);
        Self::new(
            client.client_id.clone(),
            client.client_secret.clone(),
            basic,
        )
    }
}

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
    credentials: ClientCredentials,
    code: AuthorizationCode,
    redirect_uri: String,
    code_verifier: Option<PkceCodeVerifier>,
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
    credentials: ClientCredentials,
    refresh_token: RefreshToken,
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
    credentials: ClientCredentials,
    session_token: SessionToken,
    sub_type: Option<SubType>,
    sub: Option<String>,
    /// The scope set's wire form, joined once here rather than at each encoding.
    scope: Option<String>,
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
        if let Some(secret) = creds.client_secret().filter(|_| !creds.0.basic) {
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

/// `token_type` of a token response (RFC 6749 §7.1), compared case-insensitively (§5.1).
///
/// ```
/// use polar_oauth2::TokenType;
///
/// assert_eq!(TokenType::from_wire("bearer"), TokenType::Bearer);
/// assert_eq!(TokenType::Bearer.as_str(), "Bearer");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenType {
    /// `Bearer` (RFC 6750), in any letter case.
    Bearer,
    /// Any other type, as sent.
    Other(String),
}

impl TokenType {
    /// Parse a wire value (case-insensitive for known types).
    #[must_use]
    pub fn from_wire(value: &str) -> Self {
        if value.eq_ignore_ascii_case("bearer") {
            TokenType::Bearer
        } else {
            TokenType::Other(value.to_owned())
        }
    }

    /// The canonical wire value.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            TokenType::Bearer => "Bearer",
            TokenType::Other(v) => v,
        }
    }
}

impl fmt::Display for TokenType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A successful token response (RFC 6749 §5.1), with its expiry computed on arrival.
///
/// ```
/// use std::time::Duration;
/// use polar_oauth2::Token;
///
/// let json = r#"{"access_token": "polar_at_u_test", "token_type": "Bearer",
///     "expires_in": 3600, "refresh_token": "polar_rt_u_test", "scope": "openid email"}"#;
/// let token: Token = serde_json::from_str(json)?;
/// assert!(!token.is_expired());
/// assert!(token.expires_within(Duration::from_secs(3601)));
/// // Stored as JSON (a file, a database row), it keeps its expiry as a time.
/// let stored: Token = serde_json::from_str(&serde_json::to_string(&token)?)?;
/// assert_eq!(stored.access_token(), token.access_token());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Token {
    access_token: AccessToken,
    token_type: TokenType,
    expires_in: Option<Duration>,
    /// Read once per response; the wall-clock expiry is derived from it on demand, which
    /// saves a second clock read on every decode (see `BENCHMARKS.md`).
    received_at: Instant,
    /// The wall-clock expiry a restored token was stored with (see `Serialize`): reported as
    /// is, so that storing it again writes the same `expires_at`.
    stored_expiry: Option<SystemTime>,
    refresh_token: Option<RefreshToken>,
    id_token: Option<IdToken>,
    scope: GrantedScope,
}

/// The granted `scope` as received, parsed into a [`ScopeSet`] on first use: most token
/// responses are stored or used without their scopes being read, and the parse was the
/// largest part of decoding one (1,470 of 8,600 instructions, see `BENCHMARKS.md`).
#[derive(Clone)]
struct GrantedScope {
    wire: String,
    parsed: OnceLock<ScopeSet>,
}

impl GrantedScope {
    fn new(wire: String) -> Self {
        Self {
            wire,
            parsed: OnceLock::new(),
        }
    }

    fn get(&self) -> &ScopeSet {
        self.parsed.get_or_init(|| ScopeSet::from_wire(&self.wire))
    }
}

impl Token {
    /// The token-response fields this type reads (for the spec coverage check).
    #[cfg(test)]
    pub(crate) const FIELDS: &'static [&'static str] = &[
        "access_token",
        "token_type",
        "expires_in",
        "refresh_token",
        "scope",
        "id_token",
    ];

    /// The fields a token response must have (the spec's `TokenResponse.required`; checked
    /// against the spec the build reads by `src/spec_coverage.rs`). A response without one of
    /// them is a decode error naming it, as in every official Polar SDK.
    #[cfg(test)]
    pub(crate) const REQUIRED_FIELDS: &'static [&'static str] =
        &["access_token", "token_type", "expires_in", "scope"];

    /// Longest lifetime kept, in seconds (1,000 years): a larger `expires_in` is clamped to it,
    /// so that the expiry stays a date every clock and the stored form (RFC 3339, four-digit
    /// years) can represent; no token outlives it in practice.
    pub const MAX_EXPIRES_IN: u64 = 1_000 * 31_556_952;

    /// The access token, for the `Authorization: Bearer` header.
    ///
    /// ```
    /// use polar_oauth2::Token;
    ///
    /// let json = r#"{"access_token": "polar_at_u_test", "token_type": "Bearer",
    ///     "expires_in": 3600, "scope": "openid"}"#;
    /// let token: Token = serde_json::from_str(json)?;
    /// // Send it as `Authorization: Bearer …` (the client does that for you).
    /// assert_eq!(token.access_token().secret(), "polar_at_u_test");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn access_token(&self) -> &AccessToken {
        &self.access_token
    }

    /// The token type (always [`TokenType::Bearer`] from Polar).
    #[must_use]
    pub fn token_type(&self) -> &TokenType {
        &self.token_type
    }

    /// The refresh token, if the server issued one.
    ///
    /// ```
    /// use polar_oauth2::Token;
    ///
    /// let json = r#"{"access_token": "polar_at_u_test", "token_type": "Bearer",
    ///     "expires_in": 3600, "refresh_token": "polar_rt_u_test", "scope": "openid email"}"#;
    /// let token: Token = serde_json::from_str(json)?;
    /// // Keep the newest one: Polar revokes the old one at each refresh.
    /// assert_eq!(token.refresh_token().map(|t| t.secret()), Some("polar_rt_u_test"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn refresh_token(&self) -> Option<&RefreshToken> {
        self.refresh_token.as_ref()
    }

    /// This token, carrying `refresh_token` when the server issued none: RFC 6749 §6 lets a
    /// refresh answer leave it out, and the one sent then stays valid and must be kept.
    pub(crate) fn or_refresh_token(mut self, refresh_token: &RefreshToken) -> Self {
        if self.refresh_token.is_none() {
            self.refresh_token = Some(refresh_token.clone());
        }
        self
    }

    /// The OpenID Connect ID token, if the `openid` scope was granted.
    #[must_use]
    pub fn id_token(&self) -> Option<&IdToken> {
        self.id_token.as_ref()
    }

    /// The granted scopes.
    ///
    /// ```
    /// use polar_oauth2::{Scope, Token};
    ///
    /// let json = r#"{"access_token": "polar_at_u_test", "token_type": "Bearer",
    ///     "expires_in": 3600, "refresh_token": "polar_rt_u_test", "scope": "openid email"}"#;
    /// let token: Token = serde_json::from_str(json)?;
    /// assert!(token.scope().contains(&Scope::Email)); // what the user granted
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn scope(&self) -> &ScopeSet {
        self.scope.get()
    }

    /// The lifetime the server gave (`expires_in`), if any.
    ///
    /// ```
    /// use std::time::Duration;
    /// use polar_oauth2::Token;
    ///
    /// let json = r#"{"access_token": "polar_at_u_test", "token_type": "Bearer",
    ///     "expires_in": 3600, "scope": "openid"}"#;
    /// let token: Token = serde_json::from_str(json)?;
    /// assert_eq!(token.expires_in(), Some(Duration::from_secs(3600)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn expires_in(&self) -> Option<Duration> {
        self.expires_in
    }

    /// When the access token expires (monotonic clock), if the server said and it is
    /// representable.
    #[must_use]
    pub fn expires_at(&self) -> Option<Instant> {
        self.received_at.checked_add(self.expires_in?)
    }

    /// When the access token expires, as wall-clock time (for storing it): the current wall
    /// clock plus what is left of the lifetime, measured on the monotonic clock since arrival
    /// (so a wall-clock step after arrival does not shift it). For a token restored from its
    /// stored form, the `expires_at` it was stored with.
    ///
    /// ```
    /// use polar_oauth2::Token;
    ///
    /// let json = r#"{"access_token": "polar_at_u_test", "token_type": "Bearer",
    ///     "expires_in": 3600, "refresh_token": "polar_rt_u_test", "scope": "openid email"}"#;
    /// let token: Token = serde_json::from_str(json)?;
    /// let at = token.expires_at_system().unwrap(); // for a database column
    /// assert!(at > std::time::SystemTime::now());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn expires_at_system(&self) -> Option<SystemTime> {
        if let Some(stored) = self.stored_expiry {
            return Some(stored);
        }
        let expires_at = self.expires_at()?;
        let (now, wall) = (Instant::now(), SystemTime::now());
        match expires_at.checked_duration_since(now) {
            Some(left) => wall.checked_add(left),
            None => wall.checked_sub(now.duration_since(expires_at)),
        }
    }

    /// Whether the access token has expired (`false` when the server gave no lifetime).
    ///
    /// ```
    /// use polar_oauth2::Token;
    ///
    /// let json = r#"{"access_token": "polar_at_u_test", "token_type": "Bearer",
    ///     "expires_in": 3600, "refresh_token": "polar_rt_u_test", "scope": "openid email"}"#;
    /// let token: Token = serde_json::from_str(json)?;
    /// assert!(!token.is_expired());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn is_expired(&self) -> bool {
        self.expires_within(Duration::ZERO)
    }

    /// Whether the access token expires within `margin` from now (refresh a little early).
    ///
    /// ```
    /// use std::time::Duration;
    /// use polar_oauth2::Token;
    ///
    /// let json = r#"{"access_token": "polar_at_u_test", "token_type": "Bearer",
    ///     "expires_in": 3600, "scope": "openid"}"#;
    /// let token: Token = serde_json::from_str(json)?;
    /// assert!(!token.expires_within(Duration::from_secs(60)));
    /// assert!(token.expires_within(Duration::from_secs(7200)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn expires_within(&self, margin: Duration) -> bool {
        match self.expires_in {
            None => false,
            Some(lifetime) => self.received_at.elapsed().saturating_add(margin) >= lifetime,
        }
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("access_token", &self.access_token)
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("refresh_token", &self.refresh_token)
            .field("id_token", &self.id_token)
            .field("scope", self.scope())
            .finish()
    }
}

/// The stored form of a token, for a database row or an encrypted cookie: every field as a
/// plain value (the access, refresh and ID tokens included) and the *absolute* expiry, so that a
/// token restored later knows when it expires.
///
/// ```json
/// {"access_token": "polar_at_u_…", "token_type": "Bearer",
///  "expires_at": "2026-12-01T21:00:00.123456789Z", "lifetime": 3600,
///  "refresh_token": "polar_rt_u_…", "scope": "openid email"}
/// ```
///
/// `expires_at` is RFC 3339 in UTC; `lifetime` is the server's `expires_in` in seconds. Both are
/// absent when the server gave no lifetime. [`Deserialize`] reads this form as well as the token
/// response (RFC 6749 §5.1): a document with `expires_in` is a response (its expiry counted from
/// now), one with `expires_at` and no `expires_in` is a stored token.
///
/// **Where it goes:** storage the app controls (a database row, an encrypted cookie, a secrets
/// store); never a log or a URL. `Debug` stays redacted.
///
/// ```
/// use polar_oauth2::Token;
///
/// let response = r#"{"access_token":"polar_at_u_test","token_type":"Bearer","expires_in":3600,
///     "refresh_token":"polar_rt_u_test","scope":"openid email"}"#;
/// let token: Token = serde_json::from_str(response)?;
/// let row = serde_json::to_string(&token)?; // store it
/// let restored: Token = serde_json::from_str(&row)?; // later, maybe in another process
/// assert_eq!(restored.refresh_token(), token.refresh_token());
/// let (a, b) = (restored.expires_at_system().unwrap(), token.expires_at_system().unwrap());
/// assert!(a.max(b).duration_since(a.min(b))?.as_millis() < 1000);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl Serialize for Token {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_struct("Token", 7)?;
        out.serialize_field("access_token", self.access_token.secret())?;
        out.serialize_field("token_type", self.token_type.as_str())?;
        if let (Some(lifetime), Some(at)) = (self.expires_in, self.expires_at_system()) {
            out.serialize_field("expires_at", &rfc3339(at))?;
            out.serialize_field("lifetime", &lifetime.as_secs())?;
        }
        if let Some(refresh_token) = &self.refresh_token {
            out.serialize_field("refresh_token", refresh_token.secret())?;
        }
        if let Some(id_token) = &self.id_token {
            out.serialize_field("id_token", id_token.secret())?;
        }
        out.serialize_field("scope", &self.scope().to_string())?;
        out.end()
    }
}

impl<'de> Deserialize<'de> for Token {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Field names and presence follow the spec's `TokenResponse` (`Token::REQUIRED_FIELDS`
        // are required); `refresh_token` and `id_token` may be absent or null, unknown fields
        // are ignored. A document with `expires_at` (and `lifetime`) and no `expires_in` is the
        // stored form (see `Serialize`).
        #[derive(Deserialize)]
        struct Wire<'a> {
            access_token: String,
            #[serde(borrow)]
            token_type: std::borrow::Cow<'a, str>,
            #[serde(default)]
            expires_in: Field<ExpiresIn>,
            #[serde(default)]
            refresh_token: Option<String>,
            #[serde(default)]
            id_token: Option<String>,
            #[serde(default, borrow)]
            scope: Option<WireStr<'a>>,
            // Any type: a provider's own `expires_at` (a number, say) must not fail a response.
            #[serde(default)]
            expires_at: Option<AnyText>,
            #[serde(default)]
            lifetime: Option<AnyNumber>,
        }
        let wire = Wire::deserialize(deserializer)?;
        let Some(WireStr(scope)) = wire.scope else {
            return Err(serde::de::Error::missing_field("scope"));
        };
        let mut stored_expiry = None;
        let (expires_in, received_at) = match (wire.expires_in, wire.expires_at) {
            (Field::Present(ExpiresIn(seconds)), _) => {
                (Some(Duration::from_secs(seconds)), Instant::now())
            }
            (Field::Absent, Some(AnyText(Some(at)))) => {
                let at = chrono::DateTime::parse_from_rfc3339(&at).map_err(|e| {
                    serde::de::Error::custom(format!("expires_at is not RFC 3339: {e}"))
                })?;
                let lifetime = wire
                    .lifetime
                    .and_then(|AnyNumber(n)| n)
                    .map(|n| n.min(Token::MAX_EXPIRES_IN));
                stored_expiry = Some(SystemTime::from(at));
                restore_expiry(SystemTime::from(at), lifetime)
            }
            // Required by the spec (RFC 6749 §5.1 only recommends it).
            (Field::Absent, _) => return Err(serde::de::Error::missing_field("expires_in")),
        };
        Ok(Token {
            access_token: AccessToken::new(wire.access_token),
            token_type: TokenType::from_wire(&wire.token_type),
            expires_in,
            received_at,
            stored_expiry,
            refresh_token: wire.refresh_token.map(RefreshToken::new),
            id_token: wire.id_token.map(IdToken::new),
            scope: GrantedScope::new(scope.into_owned()),
        })
    }
}

/// `expires_in` in seconds (RFC 6749 §5.1: a number of seconds). Every JSON number that
/// denotes a non-negative integer is accepted, however it is written (`3600`, `3600.0`,
/// `-0`, `1e10`), clamped to [`Token::MAX_EXPIRES_IN`]; a fraction, a negative number or a
/// non-number is an error saying so. Rejecting `3600.0` would throw away valid tokens whose
/// code (or rotated refresh token) is already spent.
struct ExpiresIn(u64);

impl<'de> Deserialize<'de> for ExpiresIn {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SecondsVisitor;
        impl serde::de::Visitor<'_> for SecondsVisitor {
            type Value = ExpiresIn;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a non-negative whole number of seconds")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<ExpiresIn, E> {
                Ok(ExpiresIn(v.min(Token::MAX_EXPIRES_IN)))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<ExpiresIn, E> {
                u64::try_from(v)
                    .map(|v| self.visit_u64(v))
                    .unwrap_or_else(|_| {
                        Err(E::custom(format!(
                            "expires_in is {v}: a lifetime cannot be negative"
                        )))
                    })
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<ExpiresIn, E> {
                if !v.is_finite() || v.fract() != 0.0 {
                    return Err(E::custom(format!(
                        "expires_in is {v}: not a whole number of seconds"
                    )));
                }
                if v < 0.0 {
                    return Err(E::custom(format!(
                        "expires_in is {v}: a lifetime cannot be negative"
                    )));
                }
                // Whole and non-negative (`-0.0` included); `as` saturates at `u64::MAX`.
                Ok(ExpiresIn((v as u64).min(Token::MAX_EXPIRES_IN)))
            }
        }
        deserializer.deserialize_any(SecondsVisitor)
    }
}

/// A field that is absent (the default) or present; unlike `Option`, a `null` is handed to `T`,
/// which may refuse it with its own message.
#[derive(Default)]
enum Field<T> {
    #[default]
    Absent,
    Present(T),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Field<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Field::Present)
    }
}

/// A string, or `None` for any other value.
struct AnyText(Option<String>);

impl<'de> Deserialize<'de> for AnyText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Any {
            Text(String),
            Other(serde::de::IgnoredAny),
        }
        Ok(AnyText(match Any::deserialize(deserializer)? {
            Any::Text(t) => Some(t),
            Any::Other(_) => None,
        }))
    }
}

/// An unsigned integer, or `None` for any other value.
struct AnyNumber(Option<u64>);

impl<'de> Deserialize<'de> for AnyNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Any {
            Number(u64),
            Other(serde::de::IgnoredAny),
        }
        Ok(AnyNumber(match Any::deserialize(deserializer)? {
            Any::Number(n) => Some(n),
            Any::Other(_) => None,
        }))
    }
}

/// `at` in RFC 3339 (UTC), saturated to what a four-digit year can write: chrono's
/// `From<SystemTime>` panics past its own range and `DateTime::parse_from_rfc3339` refuses
/// five-digit years, so an expiry outside them would make a token unstorable. Before 1970 is
/// written as 1970: expired either way.
fn rfc3339(at: SystemTime) -> String {
    use chrono::{DateTime, SecondsFormat, Utc};
    // 9999-12-31T23:59:59.999999999Z
    const LAST: i64 = 253_402_300_799;
    let last = DateTime::<Utc>::from_timestamp(LAST, 999_999_999).unwrap_or(DateTime::UNIX_EPOCH);
    let at = match at.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs())
            .ok()
            .and_then(|secs| DateTime::<Utc>::from_timestamp(secs, after.subsec_nanos()))
            .map_or(last, |at| at.min(last)),
        Err(_) => DateTime::UNIX_EPOCH,
    };
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// The lifetime and monotonic arrival time of a stored token that expires at `expires_at`
/// (wall clock) after `lifetime` seconds: arrival is placed `lifetime` before the expiry, on the
/// monotonic clock. When that instant cannot be represented (before the machine booted), the
/// arrival is now and the lifetime what is left, so the expiry is still `expires_at` (or now,
/// for a token that expired before then).
fn restore_expiry(expires_at: SystemTime, lifetime: Option<u64>) -> (Option<Duration>, Instant) {
    let (now, wall) = (Instant::now(), SystemTime::now());
    let left = || expires_at.duration_since(wall).unwrap_or(Duration::ZERO);
    let Some(lifetime) = lifetime.map(Duration::from_secs) else {
        return (Some(left()), now);
    };
    let arrived = expires_at.checked_sub(lifetime);
    let received_at = arrived.and_then(|arrived| match wall.duration_since(arrived) {
        Ok(age) => now.checked_sub(age),
        Err(ahead) => now.checked_add(ahead.duration()),
    });
    match received_at {
        Some(received_at) => (Some(lifetime), received_at),
        None => (Some(left()), now),
    }
}

impl crate::redact::Redactor {
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

    /// The secrets of a request authenticated with `credentials`, plus `others`.
    pub(crate) fn of_client<'a>(
        credentials: &'a ClientCredentials,
        others: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        Self::new(
            Some(credentials.client_id()),
            credentials
                .client_secret()
                .map(ClientSecret::secret)
                .into_iter()
                .chain(others),
        )
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    fn creds() -> ClientCredentials {
        ClientCredentials::confidential("polar_ci_test", ClientSecret::new("polar_cs_test"))
    }

    #[test]
    fn each_grant_encodes_its_own_grant_type_first() {
        let requests: [TokenRequest; 3] = [
            AuthorizationCodeGrant::new(creds(), AuthorizationCode::new("c"), "https://a/cb")
                .into(),
            RefreshTokenGrant::new(creds(), RefreshToken::new("r")).into(),
            WebGrant::new(creds(), SessionToken::new("s")).into(),
        ];
        for (request, expected) in requests.iter().zip(TokenRequest::GRANT_TYPES) {
            let form = serde_urlencoded::to_string(request).unwrap();
            assert!(
                form.starts_with(&format!("grant_type={expected}&")),
                "{form}"
            );
            assert_eq!(form.matches("grant_type=").count(), 1, "{form}");
        }
    }

    #[test]
    fn token_type_is_case_insensitive_and_lifetime_gives_expiry() {
        let t: Token = serde_json::from_str(
            r#"{"access_token":"a","token_type":"bearer","expires_in":3600,"scope":"openid"}"#,
        )
        .unwrap();
        assert_eq!(t.token_type(), &TokenType::Bearer);
        assert!(!t.is_expired());
        assert!(t.expires_within(Duration::from_secs(3600)));
        assert!(t.refresh_token().is_none());
    }

    #[test]
    fn wall_clock_expiry_is_arrival_plus_lifetime() {
        let slack = Duration::from_secs(1);
        let before = SystemTime::now();
        let t: Token = serde_json::from_str(
            r#"{"access_token":"a","token_type":"Bearer","expires_in":3600,"scope":"openid email"}"#,
        )
        .unwrap();
        let after = SystemTime::now();
        let at = t.expires_at_system().unwrap();
        assert!(at + slack >= before + Duration::from_secs(3600), "{at:?}");
        assert!(at <= after + Duration::from_secs(3600) + slack, "{at:?}");
        assert_eq!(t.scope().len(), 2);

        let expired: Token = serde_json::from_str(
            r#"{"access_token":"a","token_type":"Bearer","expires_in":0,"scope":""}"#,
        )
        .unwrap();
        assert!(expired.is_expired());
        assert!(expired.expires_at_system().unwrap() <= SystemTime::now() + slack);
        assert!(expired.scope().is_empty());
    }

    fn with_expires_in(expires_in: &str) -> Result<Token, serde_json::Error> {
        serde_json::from_str(&format!(
            r#"{{"access_token":"a","token_type":"Bearer","expires_in":{expires_in},"scope":"openid"}}"#
        ))
    }

    #[test]
    fn expires_in_is_accepted_in_every_form_of_a_non_negative_integer() {
        let max = Duration::from_secs(Token::MAX_EXPIRES_IN);
        for (wire, secs) in [
            ("3600", Duration::from_secs(3600)),
            ("3600.0", Duration::from_secs(3600)),
            ("3.6e3", Duration::from_secs(3600)),
            ("0", Duration::ZERO),
            ("-0", Duration::ZERO),
            ("-0.0", Duration::ZERO),
            ("1e10", Duration::from_secs(10_000_000_000)),
            ("9223372036854775807", max),
            ("9223372036854775808", max),
            ("18446744073709551615", max),
            ("18446744073709551616", max),
            ("1e300", max),
        ] {
            let token = with_expires_in(wire).unwrap_or_else(|e| panic!("{wire}: {e}"));
            assert_eq!(token.expires_in(), Some(secs), "{wire}");
            // Never a panic on the clock arithmetic either.
            let _ = (
                token.expires_at(),
                token.expires_at_system(),
                token.is_expired(),
            );
        }
    }

    #[test]
    fn fractional_negative_and_non_numeric_expires_in_are_rejected_with_a_reason() {
        for (wire, reason) in [
            ("3600.5", "not a whole number"),
            ("1e-3", "not a whole number"),
            ("-5", "cannot be negative"),
            ("-1e10", "cannot be negative"),
            ("\"3600\"", "non-negative whole number of seconds"),
            ("null", "non-negative whole number of seconds"),
        ] {
            let e = with_expires_in(wire).unwrap_err().to_string();
            assert!(e.contains(reason), "{wire}: {e}");
        }
    }

    #[test]
    fn a_response_without_a_required_field_is_an_error_naming_it() {
        let full = serde_json::json!({
            "access_token": "a", "token_type": "Bearer", "expires_in": 3600, "scope": "openid",
        });
        for field in Token::REQUIRED_FIELDS {
            let mut body = full.clone();
            body.as_object_mut().unwrap().remove(*field);
            let e = serde_json::from_value::<Token>(body)
                .unwrap_err()
                .to_string();
            assert!(
                e.contains(&format!("missing field `{field}`")),
                "{field}: {e}"
            );
        }
        assert!(serde_json::from_value::<Token>(full).is_ok());
    }
}
