//! An embedded Polar-compatible OAuth2 server, for tests and the offline quickstart
//! (cargo feature `test-server`).
//!
//! Real HTTP on `127.0.0.1:<free port>`, all state in memory, one line to start:
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use polar_oauth2::test_server::TestServer;
//!
//! let server = TestServer::start().await?;
//! let client = server.client()?; // a `Client` pointed at it
//! let pending = server.authorization_request().build()?; // the confidential test client
//! let redirected_to = server.approve(pending.url())?; // the user clicked "Allow"
//! let code = pending.callback(&redirected_to)?;
//! let token = client
//!     .exchange_code(&server.confidential_client(), code, pending.redirect_uri(),
//!         Some(pending.pkce_verifier().clone()))
//!     .await?;
//! # let _ = token; Ok(()) }
//! ```
//!
//! It follows Polar's server (authlib 1.6 underneath) rather than the spec where they differ:
//!
//! - `POST /v1/oauth2/token`: grants `authorization_code`, `refresh_token` and `web`; client
//!   authentication `client_secret_post` (the default), `client_secret_basic`, or `none` for
//!   public clients; single-use codes valid for 300 s ([`TestServer::advance`] moves the
//!   clock); PKCE `S256`/`plain`, mandatory for public clients; refresh tokens rotate (the old
//!   refresh token and its access token are revoked); Polar's token prefixes (`polar_ac_`,
//!   `polar_at_u_`, `polar_rt_o_`, …) and lifetimes (864000 s from a code, 3600 s otherwise);
//!   an ID token (HS256 with a key private to this server) when `openid` is granted.
//!   Errors are RFC 6749 §5.2 bodies with Polar's statuses: 400, or 401 `invalid_client` with
//!   `WWW-Authenticate` when the client failed to authenticate, and `Cache-Control: no-store`.
//! - `GET /v1/oauth2/authorize`: the consent data (`AuthorizeResponseUser` or
//!   `AuthorizeResponseOrganization`, with the full `scope_display_names`) for the signed-in
//!   test user. Polar reads the user from its `polar_session` cookie, or from an access token
//!   with `web:write` (a first-party client's); this server also takes
//!   [`TestServer::web_session_token`] as a bearer token. Once the user agreed to a client's
//!   scopes, the call answers with a `302` carrying a new code instead (unless
//!   `prompt=consent`), as Polar does.
//! - `GET /oauth2/authorize`: stands in for Polar's authorization page: it approves at once
//!   and redirects (`302`) to the client's `redirect_uri` with `code` and `state`.
//!   [`TestServer::approve`] and [`TestServer::deny`] do the same without HTTP.
//!
//! Test data: one signed-in user ([`USER_ID`], [`USER_EMAIL`]) who manages the
//! [`ORGANIZATIONS`]; a confidential client ([`CONFIDENTIAL_CLIENT_ID`],
//! [`CONFIDENTIAL_CLIENT_SECRET`]) and a public one ([`PUBLIC_CLIENT_ID`]), both redirecting
//! to [`REDIRECT_URI`]. [`TestServer::register_client`] adds more.

use std::collections::HashMap;
use std::convert::Infallible;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{self, HeaderName, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use ring::rand::{SecureRandom, SystemRandom};
use ring::{digest, hmac};
use serde_json::{Map, Value, json};
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};
use uuid::Uuid;

use crate::authorization::{AuthorizationRequest, base64url, constant_time_eq, random_token};
use crate::authorize::SubType;
use crate::client::{Client, Server};
use crate::error::{Error, OAuthError, OAuthErrorCode};
use crate::scope::{Scope, ScopeSet};
use crate::secret::{AccessToken, ClientSecret};
use crate::token::ClientCredentials;

/// Client id of the registered confidential client (`client_secret_post`).
pub const CONFIDENTIAL_CLIENT_ID: &str = "polar_ci_test_confidential";
/// Its client secret. Fake, like everything here.
pub const CONFIDENTIAL_CLIENT_SECRET: &str = "polar_cs_test_confidential";
/// Client id of the registered public client (no secret; PKCE required).
pub const PUBLIC_CLIENT_ID: &str = "polar_ci_test_public";
/// The redirect URI registered for both test clients.
pub const REDIRECT_URI: &str = "https://app.example.com/callback";
/// The signed-in test user's id.
pub const USER_ID: Uuid = Uuid::from_u128(0x5f1e_5b7a_4c2d_4e8f_9a3b_1c0d_2e4f_6a7b);
/// The signed-in test user's email.
pub const USER_EMAIL: &str = "user@example.com";
/// The organizations the test user manages, in the order the consent data lists them.
pub const ORGANIZATIONS: &[TestOrganization] = &[
    TestOrganization {
        id: Uuid::from_u128(0x0a1b_2c3d_4e5f_4a6b_8c7d_9e0f_1a2b_3c4d),
        slug: "acme",
        name: "Acme Inc.",
    },
    TestOrganization {
        id: Uuid::from_u128(0x1b2c_3d4e_5f6a_4b7c_9d8e_0f1a_2b3c_4d5e),
        slug: "example-org",
        name: "Example Org",
    },
];

/// How long an authorization code is valid.
pub const CODE_LIFETIME: Duration = Duration::from_secs(300);
/// `expires_in` of an access token issued for an authorization code.
pub const CODE_ACCESS_TOKEN_LIFETIME: Duration = Duration::from_secs(864_000);
/// `expires_in` of an access token from any other grant (`refresh_token`, `web`).
pub const DEFAULT_ACCESS_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

const TOKEN_PATH: &str = "/v1/oauth2/token";
const CONSENT_DATA_PATH: &str = "/v1/oauth2/authorize";
const AUTHORIZATION_PAGE_PATH: &str = "/oauth2/authorize";
/// `iss` of ID tokens: Polar's issuer, so that apps checking it see the real value.
const ISSUER: &str = "https://polar.sh";
const ID_TOKEN_LIFETIME: u64 = 3600;
/// `WWW_AUTHENTICATE_REALM` of Polar's settings.
const REALM: &str = "polar";
const SESSION_COOKIE: &str = "polar_session";
const CLIENT_CREATED_AT: &str = "2026-01-01T00:00:00Z";
const MAX_BODY: usize = 64 * 1024;
/// `CODE_CHALLENGE_PATTERN`/`CODE_VERIFIER_PATTERN` of RFC 7636 §4.1–4.2.
const PKCE_LENGTH: std::ops::RangeInclusive<usize> = 43..=128;

/// An organization of the test user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TestOrganization {
    /// Its id (the `sub` of organization tokens).
    pub id: Uuid,
    /// Its slug.
    pub slug: &'static str,
    /// Its display name.
    pub name: &'static str,
}

/// How a client authenticates at the token endpoint (`token_endpoint_auth_method`, RFC 7591).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenEndpointAuthMethod {
    /// Credentials in the form body: Polar's default.
    ClientSecretPost,
    /// Credentials in an `Authorization: Basic` header.
    ClientSecretBasic,
    /// A public client: no secret.
    None,
}

impl TokenEndpointAuthMethod {
    fn as_str(self) -> &'static str {
        match self {
            Self::ClientSecretPost => "client_secret_post",
            Self::ClientSecretBasic => "client_secret_basic",
            Self::None => "none",
        }
    }
}

/// A client to register with [`TestServer::register_client`], with Polar's defaults: grants
/// `authorization_code` and `refresh_token`, every scope but the reserved `web:*` ones,
/// `sub_type` `user`, redirect URI [`REDIRECT_URI`].
#[derive(Debug, Clone)]
#[must_use]
pub struct RegisteredClient {
    client_id: String,
    client_secret: Option<ClientSecret>,
    auth_method: TokenEndpointAuthMethod,
    redirect_uris: Vec<String>,
    scope: Vec<String>,
    grant_types: Vec<String>,
    default_sub_type: SubType,
    client_name: Option<String>,
}

impl RegisteredClient {
    /// A confidential client authenticating with `client_secret_post`.
    pub fn confidential(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Self::new(
            client_id.into(),
            Some(ClientSecret::new(client_secret)),
            TokenEndpointAuthMethod::ClientSecretPost,
        )
    }

    /// A public client (`token_endpoint_auth_method=none`): no secret, PKCE required.
    pub fn public(client_id: impl Into<String>) -> Self {
        Self::new(client_id.into(), None, TokenEndpointAuthMethod::None)
    }

    fn new(
        client_id: String,
        client_secret: Option<ClientSecret>,
        auth_method: TokenEndpointAuthMethod,
    ) -> Self {
        Self {
            client_id,
            client_secret,
            auth_method,
            redirect_uris: vec![REDIRECT_URI.to_owned()],
            scope: Scope::KNOWN
                .iter()
                .filter(|s| !is_reserved(s.as_str()))
                .map(|s| s.as_str().to_owned())
                .collect(),
            grant_types: vec!["authorization_code".into(), "refresh_token".into()],
            default_sub_type: SubType::User,
            client_name: None,
        }
    }

    /// Authenticate with `client_secret_basic` instead of `client_secret_post` (a confidential
    /// client registered for one method cannot use the other).
    pub fn client_secret_basic(mut self) -> Self {
        if self.client_secret.is_some() {
            self.auth_method = TokenEndpointAuthMethod::ClientSecretBasic;
        }
        self
    }

    /// The registered redirect URIs (the first is the default); compared exactly.
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
    pub fn scope(mut self, scope: &ScopeSet) -> Self {
        self.scope = scope.iter().map(|s| s.as_str().to_owned()).collect();
        self
    }

    /// The grant types the client may use, among `authorization_code`, `refresh_token` and
    /// `web`. Without `refresh_token`, token responses carry no refresh token.
    pub fn grant_types<I, S>(mut self, grant_types: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.grant_types = grant_types.into_iter().map(Into::into).collect();
        self
    }

    /// The `sub_type` used when an authorization request has none.
    pub fn default_sub_type(mut self, sub_type: SubType) -> Self {
        self.default_sub_type = sub_type;
        self
    }

    /// `client_name`, shown in the consent data.
    pub fn client_name(mut self, name: impl Into<String>) -> Self {
        self.client_name = Some(name.into());
        self
    }

    /// The credentials a [`Client`] sends for this client.
    #[must_use]
    pub fn credentials(&self) -> ClientCredentials {
        match &self.client_secret {
            Some(secret) => ClientCredentials::confidential(&self.client_id, secret.clone()),
            None => ClientCredentials::public(&self.client_id),
        }
    }

    fn check_secret(&self, given: &str) -> bool {
        self.client_secret
            .as_ref()
            .is_some_and(|s| constant_time_eq(s.secret().as_bytes(), given.as_bytes()))
    }

    fn allows_grant(&self, grant_type: &str) -> bool {
        self.grant_types.iter().any(|g| g == grant_type)
    }

    /// authlib's `get_allowed_scope`: the requested scopes the client may have, in order.
    fn allowed_scope(&self, scope: &[String]) -> Vec<String> {
        scope
            .iter()
            .filter(|s| self.scope.contains(s))
            .cloned()
            .collect()
    }
}

/// The embedded server. Stops when dropped.
pub struct TestServer {
    base_url: String,
    shared: Arc<Mutex<Inner>>,
    accept: JoinHandle<()>,
}

impl fmt::Debug for TestServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestServer")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        // Dropping the accept task drops its `JoinSet`, which aborts open connections.
        self.accept.abort();
    }
}

impl TestServer {
    /// Start a server on `127.0.0.1` on a free port, with the test user and the two test
    /// clients. Must be called inside a Tokio runtime.
    pub async fn start() -> std::io::Result<TestServer> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(std::io::Error::other(
                "TestServer::start must run inside a Tokio runtime",
            ));
        }
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let inner = Inner::new().map_err(std::io::Error::other)?;
        let shared = Arc::new(Mutex::new(inner));
        let accept = tokio::spawn(accept_loop(listener, Arc::clone(&shared)));
        Ok(TestServer {
            base_url,
            shared,
            accept,
        })
    }

    /// `http://127.0.0.1:<port>`: the base URL of both the API and the authorization page.
    #[must_use]
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The server as a [`Server`], for [`Client::new`] and [`AuthorizationRequest::new`].
    #[must_use]
    pub fn server(&self) -> Server {
        Server::Custom(self.base_url.clone())
    }

    /// A [`Client`] for this server.
    pub fn client(&self) -> Result<Client, Error> {
        Client::new(self.server())
    }

    /// An authorization request for the confidential test client and [`REDIRECT_URI`] on this
    /// server (add scopes and options, then `build()`).
    pub fn authorization_request(&self) -> AuthorizationRequest {
        AuthorizationRequest::new(&self.server(), CONFIDENTIAL_CLIENT_ID, REDIRECT_URI)
    }

    /// Credentials of the confidential test client.
    #[must_use]
    pub fn confidential_client(&self) -> ClientCredentials {
        ClientCredentials::confidential(
            CONFIDENTIAL_CLIENT_ID,
            ClientSecret::new(CONFIDENTIAL_CLIENT_SECRET),
        )
    }

    /// Credentials of the public test client.
    #[must_use]
    pub fn public_client(&self) -> ClientCredentials {
        ClientCredentials::public(PUBLIC_CLIENT_ID)
    }

    /// Register (or replace) a client.
    pub fn register_client(&self, client: RegisteredClient) {
        self.lock().clients.insert(client.client_id.clone(), client);
    }

    /// The signed-in user's web session, standing in for Polar's `polar_session` cookie:
    /// send it as the bearer token of [`Client::authorize`] to read consent data as Polar's
    /// authorization page does, or use it in a `web` grant.
    #[must_use]
    pub fn web_session_token(&self) -> AccessToken {
        AccessToken::new(self.lock().web_session.clone())
    }

    /// The test user opens `authorization_url` and clicks "Allow" (choosing the first of
    /// [`ORGANIZATIONS`] for `sub_type=organization`, unless the URL has `sub`).
    ///
    /// Returns the URL the browser is redirected to: the client's `redirect_uri` with `code`
    /// and `state`, or with `error` (RFC 6749 §4.1.2.1) for a request Polar rejects that way.
    /// A request whose client or redirect URI is invalid is never redirected (§4.1.2.1): that
    /// error comes back as `Err(Error::OAuth(_))`, as Polar's page would show it. Only the query of `authorization_url` is read.
    pub fn approve(&self, authorization_url: &str) -> Result<String, Error> {
        self.decide(authorization_url, true)
    }

    /// The test user opens `authorization_url` and clicks "Deny": the redirect carries
    /// `error=access_denied` (or the request's own error, as with [`Self::approve`]).
    pub fn deny(&self, authorization_url: &str) -> Result<String, Error> {
        self.decide(authorization_url, false)
    }

    fn decide(&self, authorization_url: &str, allow: bool) -> Result<String, Error> {
        let params = Params::parse(query_of(authorization_url));
        match self.lock().authorization_response(&params, allow, true) {
            Ok(location) => Ok(location),
            Err(failure) => match failure.redirect_location() {
                Some(location) => Ok(location),
                None => Err(Error::OAuth(failure.into_oauth_error())),
            },
        }
    }

    /// Move this server's clock forward: codes expire after [`CODE_LIFETIME`], access tokens
    /// after their `expires_in`.
    pub fn advance(&self, by: Duration) {
        let mut inner = self.lock();
        inner.offset = inner.offset.saturating_add(by);
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        lock(&self.shared)
    }
}

/// A panic while holding the lock cannot leave the maps half-updated in a way that matters to
/// a test server: keep serving.
fn lock(shared: &Mutex<Inner>) -> MutexGuard<'_, Inner> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

async fn accept_loop(listener: TcpListener, shared: Arc<Mutex<Inner>>) {
    let mut connections = JoinSet::new();
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(_) => {
                // Out of file descriptors or similar: let connections finish, then retry.
                tokio::task::yield_now().await;
                continue;
            }
        };
        while connections.try_join_next().is_some() {}
        let shared = Arc::clone(&shared);
        connections.spawn(async move {
            let service = service_fn(move |request| {
                let shared = Arc::clone(&shared);
                async move { Ok::<_, Infallible>(handle(&shared, request).await.into_response()) }
            });
            // A connection error (client gone, bad HTTP) only ends that connection.
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn handle(shared: &Mutex<Inner>, request: Request<Incoming>) -> Reply {
    let path = request.uri().path().to_owned();
    let query = Params::parse(request.uri().query().unwrap_or_default());
    let header = |name: HeaderName| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let authorization = header(header::AUTHORIZATION);
    match path.as_str() {
        TOKEN_PATH => {
            if request.method() != Method::POST {
                return Reply::detail(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed");
            }
            let is_form = header(header::CONTENT_TYPE).is_some_and(|ct| {
                ct.to_ascii_lowercase()
                    .starts_with("application/x-www-form-urlencoded")
            });
            let body = match Limited::new(request.into_body(), MAX_BODY).collect().await {
                Ok(collected) => collected.to_bytes(),
                Err(_) => return Reply::detail(StatusCode::PAYLOAD_TOO_LARGE, "Payload Too Large"),
            };
            // Starlette reads any other body as an empty form.
            let form = if is_form {
                Params::parse_bytes(&body)
            } else {
                Params::default()
            };
            lock(shared)
                .token_endpoint(&form, authorization.as_deref())
                .unwrap_or_else(Failure::into_reply)
        }
        CONSENT_DATA_PATH => {
            if request.method() != Method::GET {
                return Reply::detail(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed");
            }
            let cookie = header(header::COOKIE);
            lock(shared).consent_data(&query, authorization.as_deref(), cookie.as_deref())
        }
        AUTHORIZATION_PAGE_PATH => {
            if request.method() != Method::GET {
                return Reply::detail(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed");
            }
            match lock(shared).authorization_response(&query, true, true) {
                Ok(location) => Reply::Redirect(location),
                Err(failure) => failure.into_reply(),
            }
        }
        _ => Reply::detail(StatusCode::NOT_FOUND, "Not Found"),
    }
}

/// Who a code or token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Subject {
    User,
    Organization(Uuid),
}

impl Subject {
    fn id(self) -> Uuid {
        match self {
            Subject::User => USER_ID,
            Subject::Organization(id) => id,
        }
    }
}

struct CodeRecord {
    client_id: String,
    /// As sent in the authorization request: `None` when the client's default was used, and
    /// the token request then need not repeat it.
    redirect_uri: Option<String>,
    scope: Vec<String>,
    nonce: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    subject: Subject,
    issued_at: Duration,
}

struct TokenRecord {
    client_id: String,
    subject: Subject,
    scope: Vec<String>,
    access_token: String,
    refresh_token: Option<String>,
    issued_at: Duration,
    expires_in: Duration,
    /// authlib's `is_revoked`: either token revoked makes both unusable.
    revoked: bool,
}

struct Consent {
    subject: Subject,
    client_id: String,
    scope: Vec<String>,
}

struct Inner {
    offset: Duration,
    rng: SystemRandom,
    id_token_key: hmac::Key,
    web_session: String,
    clients: HashMap<String, RegisteredClient>,
    codes: HashMap<String, CodeRecord>,
    tokens: Vec<TokenRecord>,
    consents: Vec<Consent>,
}

/// An authorization request that passed validation (authlib's
/// `validate_authorization_request`).
struct ValidatedRequest {
    client: RegisteredClient,
    redirect_uri: String,
    redirect_uri_param: Option<String>,
    state: Option<String>,
    scope: Vec<String>,
}

impl Inner {
    fn new() -> Result<Self, String> {
        let rng = SystemRandom::new();
        let id_token_key = hmac::Key::generate(hmac::HMAC_SHA256, &rng)
            .map_err(|_| "the system's secure random generator failed".to_owned())?;
        let web_session = format!(
            "polar_test_session_{}",
            random_token().map_err(|e| e.to_string())?
        );
        let mut clients = HashMap::new();
        for client in [
            RegisteredClient::confidential(CONFIDENTIAL_CLIENT_ID, CONFIDENTIAL_CLIENT_SECRET)
                .client_name("Test Confidential App"),
            RegisteredClient::public(PUBLIC_CLIENT_ID).client_name("Test Public App"),
        ] {
            clients.insert(client.client_id.clone(), client);
        }
        Ok(Self {
            offset: Duration::ZERO,
            rng,
            id_token_key,
            web_session,
            clients,
            codes: HashMap::new(),
            tokens: Vec::new(),
            consents: Vec::new(),
        })
    }

    /// Wall-clock time since the epoch, plus what [`TestServer::advance`] added.
    fn now(&self) -> Duration {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .saturating_add(self.offset)
    }

    // ---- the authorization endpoint ------------------------------------------------------

    /// authlib's `get_authorization_grant` + `validate_authorization_request`.
    fn validate_authorization_request(&self, params: &Params) -> Result<ValidatedRequest, Failure> {
        let state = params.get("state").map(str::to_owned);
        let with_state = |f: Failure| f.state(state.clone());
        if params.get("response_type") != Some("code") {
            // The description authlib computes is not put in the body.
            return Err(with_state(Failure::new(
                StatusCode::BAD_REQUEST,
                "unsupported_response_type",
            )));
        }
        // RFC 6749 §3.1, as authlib's `validate_no_multiple_request_parameter`.
        for name in [
            "response_type",
            "client_id",
            "redirect_uri",
            "scope",
            "state",
        ] {
            if params.count(name) > 1 {
                return Err(with_state(Failure::invalid_request(format!(
                    "Multiple '{name}' in request."
                ))));
            }
        }
        let Some(client_id) = params.get("client_id") else {
            return Err(with_state(Failure::invalid_client(
                StatusCode::BAD_REQUEST,
                "Missing 'client_id' parameter.",
            )));
        };
        let Some(client) = self.clients.get(client_id).cloned() else {
            return Err(with_state(Failure::invalid_client(
                StatusCode::BAD_REQUEST,
                "The client does not exist on this server.",
            )));
        };
        let redirect_uri_param = params.truthy("redirect_uri").map(str::to_owned);
        let redirect_uri = match &redirect_uri_param {
            Some(uri) if client.redirect_uris.contains(uri) => uri.clone(),
            Some(uri) => {
                return Err(with_state(Failure::invalid_request(format!(
                    "Redirect URI {uri} is not supported by client."
                ))));
            }
            None => match client.redirect_uris.first() {
                Some(uri) => uri.clone(),
                None => {
                    return Err(with_state(Failure::invalid_request(
                        "Missing 'redirect_uri' in request.",
                    )));
                }
            },
        };
        // From here on, errors are redirected to the client.
        let redirect = |f: Failure| f.state(state.clone()).redirect_to(&redirect_uri);
        // Polar: no `scope` means the client's registered scopes.
        let scope = match params.get("scope") {
            Some(scope) => scope_list(scope),
            None => client.scope.clone(),
        };
        if scope.iter().any(|s| !is_valid_scope(s)) {
            return Err(redirect(Failure::invalid_scope()));
        }
        // RFC 7636 §4.4 (authlib's `validate_code_challenge`).
        let challenge = params.truthy("code_challenge");
        let method = params.truthy("code_challenge_method");
        if challenge.is_some() || method.is_some() {
            let Some(challenge) = challenge else {
                return Err(redirect(Failure::invalid_request(
                    "Missing 'code_challenge'",
                )));
            };
            if params.count("code_challenge") > 1 {
                return Err(redirect(Failure::invalid_request(
                    "Multiple 'code_challenge' in request.",
                )));
            }
            if !is_pkce_value(challenge) {
                return Err(redirect(Failure::invalid_request(
                    "Invalid 'code_challenge'",
                )));
            }
            if method.is_some_and(|m| m != "plain" && m != "S256") {
                return Err(redirect(Failure::invalid_request(
                    "Unsupported 'code_challenge_method'",
                )));
            }
            if params.count("code_challenge_method") > 1 {
                return Err(redirect(Failure::invalid_request(
                    "Multiple 'code_challenge_method' in request.",
                )));
            }
        }
        // OpenID Connect: a nonce already used by one of the client's codes is a replay.
        let openid = params
            .get("scope")
            .is_some_and(|s| scope_list(s).iter().any(|s| s == "openid"));
        if let Some(nonce) = params.truthy("nonce").filter(|_| openid) {
            let replayed = self
                .codes
                .values()
                .any(|c| c.client_id == client.client_id && c.nonce.as_deref() == Some(nonce));
            if replayed {
                return Err(redirect(Failure::invalid_request("Replay attack")));
            }
        }
        Ok(ValidatedRequest {
            client,
            redirect_uri,
            redirect_uri_param,
            state,
            scope,
        })
    }

    /// The sub the user picked (Polar's `ValidateSubAndPrompt._validate_sub`): `None` when an
    /// organization request names none. Errors here are not redirected.
    fn resolve_subject(
        &self,
        params: &Params,
        request: &ValidatedRequest,
        user_signed_in: bool,
    ) -> Result<(SubType, Option<Subject>), Failure> {
        let with_state = |f: Failure| f.state(request.state.clone());
        let sub_type = match params.truthy("sub_type") {
            None => request.client.default_sub_type,
            Some("user") => SubType::User,
            Some("organization") => SubType::Organization,
            Some(_) => return Err(with_state(Failure::invalid_request("Invalid sub_type"))),
        };
        let sub = params.get("sub");
        match sub_type {
            SubType::Organization => match (sub, user_signed_in) {
                (Some(sub), true) => {
                    let organization = Uuid::parse_str(sub)
                        .ok()
                        .filter(|id| ORGANIZATIONS.iter().any(|o| o.id == *id));
                    match organization {
                        Some(id) => Ok((sub_type, Some(Subject::Organization(id)))),
                        None => Err(with_state(Failure::new(
                            StatusCode::BAD_REQUEST,
                            "invalid_sub",
                        ))),
                    }
                }
                _ => Ok((sub_type, None)),
            },
            _ if sub.is_some() => Err(with_state(Failure::invalid_request(
                "Can't specify sub for user sub_type",
            ))),
            _ => Ok((sub_type, user_signed_in.then_some(Subject::User))),
        }
    }

    /// The consent page's answer (`POST /v1/oauth2/consent` with `action=allow|deny`, or an
    /// automatic approval): the redirect location with `code`, or the error.
    fn authorization_response(
        &mut self,
        params: &Params,
        allow: bool,
        save_consent: bool,
    ) -> Result<String, Failure> {
        let request = self.validate_authorization_request(params)?;
        if !allow {
            return Err(Failure::access_denied()
                .state(request.state.clone())
                .redirect_to(&request.redirect_uri));
        }
        // The consent page posts the organization the user picked as `sub`.
        let mut params = params.clone();
        let for_organization = match params.truthy("sub_type") {
            Some(sub_type) => sub_type == "organization",
            None => request.client.default_sub_type == SubType::Organization,
        };
        if for_organization
            && params.get("sub").is_none()
            && let Some(first) = ORGANIZATIONS.first()
        {
            params.push("sub", &first.id.to_string());
        }
        let (_, subject) = self.resolve_subject(&params, &request, true)?;
        let Some(subject) = subject else {
            return Err(Failure::new(StatusCode::BAD_REQUEST, "invalid_sub").state(request.state));
        };
        let code = self.polar_token("polar_ac_")?;
        self.codes.insert(
            code.clone(),
            CodeRecord {
                client_id: request.client.client_id.clone(),
                redirect_uri: request.redirect_uri_param.clone(),
                scope: request.scope.clone(),
                nonce: params.truthy("nonce").map(str::to_owned),
                code_challenge: params.truthy("code_challenge").map(str::to_owned),
                code_challenge_method: params.truthy("code_challenge_method").map(str::to_owned),
                subject,
                issued_at: self.now(),
            },
        );
        if save_consent {
            self.consents
                .retain(|c| !(c.subject == subject && c.client_id == request.client.client_id));
            self.consents.push(Consent {
                subject,
                client_id: request.client.client_id.clone(),
                scope: request.scope.clone(),
            });
        }
        let mut redirect_params = vec![("code", code)];
        if let Some(state) = request.state.filter(|s| !s.is_empty()) {
            redirect_params.push(("state", state));
        }
        Ok(with_query(&request.redirect_uri, &redirect_params))
    }

    /// `GET /v1/oauth2/authorize`: the consent data for the signed-in user.
    fn consent_data(
        &mut self,
        params: &Params,
        authorization: Option<&str>,
        cookie: Option<&str>,
    ) -> Reply {
        let user_signed_in = match self.web_user(authorization, cookie) {
            Ok(signed_in) => signed_in,
            Err(failure) => return failure.into_reply(),
        };
        let request = match self.validate_authorization_request(params) {
            Ok(request) => request,
            Err(failure) => return failure.into_reply(),
        };
        let redirect = |f: Failure| {
            f.state(request.state.clone())
                .redirect_to(&request.redirect_uri)
                .into_reply()
        };
        let prompt = params.truthy("prompt");
        // OpenID Connect's prompt rules apply when `openid` is asked for.
        let openid = params
            .get("scope")
            .is_some_and(|s| scope_list(s).iter().any(|s| s == "openid"));
        let mut effective_prompt: Option<&str> = None;
        if openid {
            match prompt {
                None if !user_signed_in => effective_prompt = Some("login"),
                None => {}
                Some("none") if !user_signed_in => {
                    return redirect(Failure::new(StatusCode::BAD_REQUEST, "login_required"));
                }
                Some(prompt) => {
                    let prompts: Vec<&str> = prompt.split_ascii_whitespace().collect();
                    if prompts.contains(&"none") && prompts.len() > 1 {
                        return redirect(Failure::invalid_request("Invalid 'prompt' parameter."));
                    }
                    if !user_signed_in || prompts.contains(&"login") {
                        effective_prompt = Some("login");
                    } else if prompts.contains(&"consent") {
                        effective_prompt = Some("consent");
                    } else if prompts.contains(&"select_account") {
                        effective_prompt = Some("select_account");
                    }
                }
            }
        }
        let (sub_type, subject) = match self.resolve_subject(params, &request, user_signed_in) {
            Ok(resolved) => resolved,
            Err(failure) => return failure.into_reply(),
        };
        let granted = subject.is_some_and(|subject| {
            self.consents.iter().any(|c| {
                c.subject == subject
                    && c.client_id == request.client.client_id
                    && request.scope.iter().all(|s| c.scope.contains(s))
            })
        });
        if prompt == Some("none") {
            if subject.is_none() {
                return redirect(Failure::new(StatusCode::BAD_REQUEST, "login_required"));
            }
            if !granted {
                return redirect(Failure::new(StatusCode::BAD_REQUEST, "consent_required"));
            }
        }
        if prompt.is_none() && granted {
            effective_prompt = Some("none");
        }
        match effective_prompt {
            Some("login") => return Reply::detail(StatusCode::UNAUTHORIZED, "Unauthorized"),
            // Consent already given: Polar answers with the redirect itself.
            Some("none") => {
                return match self.authorization_response(params, true, false) {
                    Ok(location) => Reply::Redirect(location),
                    Err(failure) => failure.into_reply(),
                };
            }
            _ => {}
        }
        let client = &request.client;
        let mut body = json!({
            "client": {
                "created_at": CLIENT_CREATED_AT,
                "modified_at": null,
                "client_id": client.client_id,
                "client_name": client.client_name,
                "client_uri": null,
                "logo_uri": null,
                "tos_uri": null,
                "policy_uri": null,
            },
            "sub_type": sub_type.as_str(),
            "scopes": request.scope,
            "scope_display_names": scope_display_names(),
        });
        let sub = match subject {
            Some(Subject::User) => json!({"id": USER_ID, "email": USER_EMAIL, "avatar_url": null}),
            Some(Subject::Organization(id)) => ORGANIZATIONS
                .iter()
                .find(|o| o.id == id)
                .map_or(Value::Null, organization_json),
            None => Value::Null,
        };
        if let Value::Object(fields) = &mut body {
            fields.insert("sub".into(), sub);
            if sub_type == SubType::Organization && !user_signed_in {
                // Polar asserts a signed-in user here and fails with a 500.
                return Reply::text(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error");
            }
            // Both arms list the signed-in user's organizations (required since 2026-08).
            let organizations: Vec<Value> = if user_signed_in {
                ORGANIZATIONS.iter().map(organization_json).collect()
            } else {
                Vec::new()
            };
            fields.insert("organizations".into(), Value::Array(organizations));
            fields.insert("requires_single_organization".into(), Value::Bool(false));
        }
        Reply::Json {
            status: StatusCode::OK,
            body,
            no_store: false,
            www_authenticate: None,
        }
    }

    /// Polar's `WebUserOrAnonymous`: `Ok(true)` for the signed-in user, `Ok(false)` for
    /// anonymous, or the error for a bearer token that is invalid or lacks `web:write`.
    fn web_user(&self, authorization: Option<&str>, cookie: Option<&str>) -> Result<bool, Failure> {
        let session = |value: &str| constant_time_eq(value.as_bytes(), self.web_session.as_bytes());
        let bearer = authorization
            .and_then(|a| a.split_once(' '))
            .filter(|(scheme, value)| {
                scheme.eq_ignore_ascii_case("bearer") && !value.is_empty() && value.is_ascii()
            })
            .map(|(_, value)| value.trim());
        let Some(bearer) = bearer else {
            let cookie_session = cookie.is_some_and(|c| {
                c.split(';')
                    .filter_map(|pair| pair.trim().split_once('='))
                    .any(|(name, value)| name == SESSION_COOKIE && session(value))
            });
            return Ok(cookie_session);
        };
        if session(bearer) {
            return Ok(true);
        }
        let now = self.now();
        let token = self.tokens.iter().find(|t| {
            !t.revoked
                && now <= t.issued_at.saturating_add(t.expires_in)
                && constant_time_eq(t.access_token.as_bytes(), bearer.as_bytes())
        });
        match token {
            None => Err(Failure::bearer(
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                "The access token provided is expired, revoked, malformed, or invalid for other reasons.",
                None,
            )),
            // Organization tokens count as anonymous here.
            Some(t) if t.subject != Subject::User => Ok(false),
            Some(t) if t.scope.iter().any(|s| s == "web:write") => Ok(true),
            Some(_) => Err(Failure::bearer(
                StatusCode::FORBIDDEN,
                "insufficient_scope",
                "The request requires higher privileges than provided by the access token.",
                Some("web:write"),
            )),
        }
    }

    // ---- the token endpoint --------------------------------------------------------------

    /// `POST /v1/oauth2/token` (authlib's `create_token_response`).
    fn token_endpoint(
        &mut self,
        form: &Params,
        authorization: Option<&str>,
    ) -> Result<Reply, Failure> {
        let grant_type = form.get("grant_type");
        let methods: &[TokenEndpointAuthMethod] = match grant_type {
            Some("authorization_code" | "refresh_token") => &[
                TokenEndpointAuthMethod::ClientSecretBasic,
                TokenEndpointAuthMethod::ClientSecretPost,
                TokenEndpointAuthMethod::None,
            ],
            Some("web") => &[
                TokenEndpointAuthMethod::ClientSecretBasic,
                TokenEndpointAuthMethod::ClientSecretPost,
            ],
            // The description authlib computes is not put in the body.
            _ => {
                return Err(Failure::new(
                    StatusCode::BAD_REQUEST,
                    "unsupported_grant_type",
                ));
            }
        };
        let (client, auth_method) = self.authenticate_client(form, authorization, methods)?;
        let token = match grant_type {
            Some("authorization_code") => {
                self.authorization_code_grant(form, &client, auth_method)?
            }
            Some("refresh_token") => self.refresh_token_grant(form, &client)?,
            _ => self.web_grant(form, &client)?,
        };
        Ok(Reply::Json {
            status: StatusCode::OK,
            body: token,
            no_store: true,
            www_authenticate: None,
        })
    }

    /// authlib's `ClientAuthentication.authenticate`: the first method that yields a client
    /// registered for that method wins.
    fn authenticate_client(
        &self,
        form: &Params,
        authorization: Option<&str>,
        methods: &[TokenEndpointAuthMethod],
    ) -> Result<(RegisteredClient, TokenEndpointAuthMethod), Failure> {
        let unknown =
            |status| Failure::invalid_client(status, "The client does not exist on this server.");
        for method in methods {
            match method {
                TokenEndpointAuthMethod::ClientSecretBasic => {
                    if let Some((id, Some(secret))) = authorization.and_then(basic_credentials)
                        && !id.is_empty()
                        && !secret.is_empty()
                    {
                        let client = self
                            .clients
                            .get(&id)
                            .ok_or_else(|| unknown(StatusCode::UNAUTHORIZED))?;
                        if client.check_secret(&secret)
                            && client.auth_method == TokenEndpointAuthMethod::ClientSecretBasic
                        {
                            return Ok((client.clone(), client.auth_method));
                        }
                    }
                }
                TokenEndpointAuthMethod::ClientSecretPost => {
                    if let (Some(id), Some(secret)) =
                        (form.truthy("client_id"), form.truthy("client_secret"))
                    {
                        let client = self
                            .clients
                            .get(id)
                            .ok_or_else(|| unknown(StatusCode::BAD_REQUEST))?;
                        if client.check_secret(secret)
                            && client.auth_method == TokenEndpointAuthMethod::ClientSecretPost
                        {
                            return Ok((client.clone(), client.auth_method));
                        }
                    }
                }
                TokenEndpointAuthMethod::None => {
                    if let Some(id) = form.truthy("client_id")
                        && form.truthy("client_secret").is_none()
                    {
                        let client = self
                            .clients
                            .get(id)
                            .ok_or_else(|| unknown(StatusCode::BAD_REQUEST))?;
                        if client.auth_method == TokenEndpointAuthMethod::None {
                            return Ok((client.clone(), client.auth_method));
                        }
                    }
                }
            }
        }
        // Python's list repr, as in authlib's message.
        let names: Vec<String> = methods
            .iter()
            .map(|m| format!("'{}'", m.as_str()))
            .collect();
        // With `client_secret_basic` among the methods, authlib answers 401.
        Err(Failure::invalid_client(
            StatusCode::UNAUTHORIZED,
            format!(
                "The client cannot authenticate with methods: [{}]",
                names.join(", ")
            ),
        ))
    }

    fn unauthorized_client(grant_type: &str) -> Failure {
        Failure::new(StatusCode::BAD_REQUEST, "unauthorized_client").describe(format!(
            "The client is not authorized to use 'grant_type={grant_type}'"
        ))
    }

    /// RFC 6749 §4.1.3 with PKCE (RFC 7636 §4.5–4.6).
    fn authorization_code_grant(
        &mut self,
        form: &Params,
        client: &RegisteredClient,
        auth_method: TokenEndpointAuthMethod,
    ) -> Result<Value, Failure> {
        if !client.allows_grant("authorization_code") {
            return Err(Self::unauthorized_client("authorization_code"));
        }
        let Some(code) = form.get("code") else {
            return Err(Failure::invalid_request("Missing 'code' in request."));
        };
        let now = self.now();
        let record = self.codes.get(code).filter(|c| {
            c.client_id == client.client_id && now <= c.issued_at.saturating_add(CODE_LIFETIME)
        });
        let Some(record) = record else {
            return Err(Failure::invalid_grant("Invalid 'code' in request."));
        };
        if let Some(original) = &record.redirect_uri
            && form.get("redirect_uri") != Some(original.as_str())
        {
            return Err(Failure::invalid_grant("Invalid 'redirect_uri' in request."));
        }
        let verifier = form.truthy("code_verifier");
        if auth_method == TokenEndpointAuthMethod::None && verifier.is_none() {
            return Err(Failure::invalid_request("Missing 'code_verifier'"));
        }
        if record.code_challenge.is_some() || verifier.is_some() {
            let Some(verifier) = verifier else {
                return Err(Failure::invalid_request("Missing 'code_verifier'"));
            };
            if !is_pkce_value(verifier) {
                return Err(Failure::invalid_request("Invalid 'code_verifier'"));
            }
            let expected = match record.code_challenge_method.as_deref() {
                Some("S256") => {
                    base64url(digest::digest(&digest::SHA256, verifier.as_bytes()).as_ref())
                }
                _ => verifier.to_owned(),
            };
            let challenge = record.code_challenge.as_deref().unwrap_or_default();
            if record.code_challenge.is_none()
                || !constant_time_eq(expected.as_bytes(), challenge.as_bytes())
            {
                return Err(Failure::invalid_grant("Code challenge failed."));
            }
        }
        let subject = record.subject;
        let nonce = record.nonce.clone();
        let auth_time = record.issued_at;
        let scope = client.allowed_scope(&record.scope);
        let mut token = self.issue_token(
            client,
            subject,
            scope.clone(),
            CODE_ACCESS_TOKEN_LIFETIME,
            client.allows_grant("refresh_token"),
        )?;
        if scope.iter().any(|s| s == "openid") {
            let id_token = self.id_token(client, subject, &scope, nonce, auth_time, &token);
            if let Value::Object(fields) = &mut token {
                fields.insert("id_token".into(), Value::String(id_token));
            }
        }
        // Single use: the code is gone once it has been exchanged.
        self.codes.remove(code);
        Ok(token)
    }

    /// RFC 6749 §6, with Polar's rotation: the old refresh token is revoked.
    fn refresh_token_grant(
        &mut self,
        form: &Params,
        client: &RegisteredClient,
    ) -> Result<Value, Failure> {
        if !client.allows_grant("refresh_token") {
            return Err(Self::unauthorized_client("refresh_token"));
        }
        let Some(refresh_token) = form.get("refresh_token") else {
            return Err(Failure::invalid_request(
                "Missing 'refresh_token' in request.",
            ));
        };
        let index = self.tokens.iter().position(|t| {
            !t.revoked
                && t.refresh_token
                    .as_deref()
                    .is_some_and(|r| constant_time_eq(r.as_bytes(), refresh_token.as_bytes()))
        });
        let Some(index) = index.filter(|&i| self.tokens[i].client_id == client.client_id) else {
            return Err(Failure::new(StatusCode::BAD_REQUEST, "invalid_grant"));
        };
        let original = self.tokens[index].scope.clone();
        let scope = match form.truthy("scope") {
            Some(requested) => {
                let requested = scope_list(requested);
                if original.is_empty() || !requested.iter().all(|s| original.contains(s)) {
                    return Err(Failure::invalid_scope());
                }
                requested
            }
            None => original,
        };
        let subject = self.tokens[index].subject;
        let token = self.issue_token(
            client,
            subject,
            client.allowed_scope(&scope),
            DEFAULT_ACCESS_TOKEN_LIFETIME,
            true,
        )?;
        self.tokens[index].revoked = true;
        Ok(token)
    }

    /// Polar's `web` grant: a web session exchanged for a token (first-party clients).
    fn web_grant(&mut self, form: &Params, client: &RegisteredClient) -> Result<Value, Failure> {
        if !client.allows_grant("web") {
            return Err(Self::unauthorized_client("web"));
        }
        let Some(session_token) = form.get("session_token") else {
            return Err(Failure::invalid_request(
                "Missing 'session_token' in request.",
            ));
        };
        let sub_type = match form.truthy("sub_type") {
            None | Some("user") => SubType::User,
            Some("organization") => SubType::Organization,
            Some(_) => return Err(Failure::invalid_request("Invalid sub_type")),
        };
        let sub = form.get("sub");
        match (sub_type, sub) {
            (SubType::Organization, None) => {
                return Err(Failure::invalid_request(
                    "Missing 'sub' for organization sub_type",
                ));
            }
            (SubType::User, Some(_)) => {
                return Err(Failure::invalid_request(
                    "Can't specify 'sub' for user sub_type",
                ));
            }
            _ => {}
        }
        let requested = form.truthy("scope").map(scope_list);
        if requested
            .as_ref()
            .is_some_and(|scope| scope.iter().any(|s| !is_valid_scope(s)))
        {
            return Err(Failure::invalid_scope());
        }
        if !constant_time_eq(session_token.as_bytes(), self.web_session.as_bytes()) {
            return Err(Failure::new(StatusCode::BAD_REQUEST, "invalid_grant"));
        }
        let subject = match (sub_type, sub) {
            (SubType::Organization, Some(sub)) => {
                let id = Uuid::parse_str(sub)
                    .map_err(|_| Failure::invalid_request("Invalid 'sub' UUID"))?;
                if !ORGANIZATIONS.iter().any(|o| o.id == id) {
                    return Err(Failure::new(StatusCode::BAD_REQUEST, "invalid_grant"));
                }
                Subject::Organization(id)
            }
            _ => Subject::User,
        };
        let scope = requested.unwrap_or_else(|| client.scope.clone());
        self.issue_token(
            client,
            subject,
            client.allowed_scope(&scope),
            DEFAULT_ACCESS_TOKEN_LIFETIME,
            false,
        )
    }

    /// authlib's `BearerTokenGenerator.generate` with Polar's prefixes, stored.
    fn issue_token(
        &mut self,
        client: &RegisteredClient,
        subject: Subject,
        scope: Vec<String>,
        expires_in: Duration,
        include_refresh_token: bool,
    ) -> Result<Value, Failure> {
        let kind = match subject {
            Subject::User => "u",
            Subject::Organization(_) => "o",
        };
        let access_token = self.polar_token(&format!("polar_at_{kind}_"))?;
        let refresh_token = if include_refresh_token {
            Some(self.polar_token(&format!("polar_rt_{kind}_"))?)
        } else {
            None
        };
        let mut body = Map::new();
        body.insert("token_type".into(), "Bearer".into());
        body.insert("access_token".into(), access_token.clone().into());
        body.insert("expires_in".into(), expires_in.as_secs().into());
        if let Some(refresh_token) = &refresh_token {
            body.insert("refresh_token".into(), refresh_token.clone().into());
        }
        if !scope.is_empty() {
            body.insert("scope".into(), scope.join(" ").into());
        }
        self.tokens.push(TokenRecord {
            client_id: client.client_id.clone(),
            subject,
            scope,
            access_token,
            refresh_token,
            issued_at: self.now(),
            expires_in,
            revoked: false,
        });
        Ok(Value::Object(body))
    }

    /// An OpenID Connect ID token (authlib's `generate_id_token` claims), signed HS256 with
    /// this server's own key: Polar signs RS256 with its published keys, so apps cannot verify
    /// these, but can read `nonce`, `sub`, `aud` and the user claims.
    fn id_token(
        &self,
        client: &RegisteredClient,
        subject: Subject,
        scope: &[String],
        nonce: Option<String>,
        auth_time: Duration,
        token: &Value,
    ) -> String {
        let now = self.now().as_secs();
        let mut claims = Map::new();
        claims.insert("iss".into(), ISSUER.into());
        claims.insert("aud".into(), json!([client.client_id]));
        claims.insert("iat".into(), now.into());
        claims.insert("exp".into(), now.saturating_add(ID_TOKEN_LIFETIME).into());
        claims.insert("auth_time".into(), auth_time.as_secs().into());
        if let Some(nonce) = nonce {
            claims.insert("nonce".into(), nonce.into());
        }
        if let Some(access_token) = token.get("access_token").and_then(Value::as_str) {
            let hash = digest::digest(&digest::SHA256, access_token.as_bytes());
            let half = &hash.as_ref()[..16];
            claims.insert("at_hash".into(), base64url(half).into());
        }
        claims.insert("sub".into(), subject.id().to_string().into());
        let has = |s: &str| scope.iter().any(|granted| granted == s);
        match subject {
            Subject::User => {
                if has("profile") {
                    claims.insert("name".into(), USER_EMAIL.into());
                }
                if has("email") {
                    claims.insert("email".into(), USER_EMAIL.into());
                    claims.insert("email_verified".into(), true.into());
                }
            }
            Subject::Organization(id) => {
                if let Some(org) = ORGANIZATIONS
                    .iter()
                    .find(|o| o.id == id)
                    .filter(|_| has("profile"))
                {
                    claims.insert("name".into(), org.name.into());
                }
            }
        }
        let header = json!({"alg": "HS256", "kid": "polar-oauth2-test-server"});
        let input = format!(
            "{}.{}",
            base64url(header.to_string().as_bytes()),
            base64url(Value::Object(claims).to_string().as_bytes())
        );
        let signature = hmac::sign(&self.id_token_key, input.as_bytes());
        format!("{input}.{}", base64url(signature.as_ref()))
    }

    /// Polar's `generate_token`: prefix, 37 random letters and digits, and a 6-character
    /// base62 CRC32 checksum (which secret scanners check).
    fn polar_token(&self, prefix: &str) -> Result<String, Failure> {
        const LETTERS_AND_DIGITS: &[u8; 62] =
            b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        let mut body = String::with_capacity(37);
        let mut random = [0u8; 64];
        while body.len() < 37 {
            self.rng.fill(&mut random).map_err(|_| {
                Failure::new(StatusCode::INTERNAL_SERVER_ERROR, "server_error")
                    .describe("the system's secure random generator failed")
            })?;
            // Rejection sampling keeps the 62 characters equally likely.
            for &byte in random.iter().filter(|&&b| b < 248) {
                if body.len() == 37 {
                    break;
                }
                body.push(char::from(LETTERS_AND_DIGITS[usize::from(byte % 62)]));
            }
        }
        let checksum = base62_checksum(crc32(body.as_bytes()));
        Ok(format!("{prefix}{body}{checksum}"))
    }
}

/// `web:read` and `web:write` are reserved for Polar's own clients.
fn is_reserved(scope: &str) -> bool {
    scope == "web:read" || scope == "web:write"
}

/// A scope Polar's server knows: the spec's, or a reserved one (which the spec stopped listing
/// in 2026-06 while the server kept them).
fn is_valid_scope(scope: &str) -> bool {
    Scope::known(scope).is_some() || is_reserved(scope)
}

/// authlib's `scope_to_list`.
fn scope_list(scope: &str) -> Vec<String> {
    scope.split_ascii_whitespace().map(str::to_owned).collect()
}

/// RFC 7636 §4.1: 43 to 128 unreserved characters.
fn is_pkce_value(value: &str) -> bool {
    PKCE_LENGTH.contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// Every scope Polar's consent page has a label for: the spec's 62-entry default.
fn scope_display_names() -> Value {
    let names: Map<String, Value> = Scope::KNOWN
        .iter()
        .filter_map(|s| Some((s.as_str().to_owned(), Value::from(s.display_name()?))))
        .collect();
    Value::Object(names)
}

fn organization_json(organization: &TestOrganization) -> Value {
    json!({"id": organization.id, "slug": organization.slug, "avatar_url": null})
}

/// zlib's CRC-32 (IEEE 802.3).
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

/// Polar's `_crc32_to_base62`: digits, upper case, lower case; zero-padded to 6.
fn base62_checksum(mut number: u32) -> String {
    const DIGITS: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::with_capacity(6);
    while number > 0 {
        out.push(DIGITS[(number % 62) as usize]);
        number /= 62;
    }
    while out.len() < 6 {
        out.push(b'0');
    }
    out.iter().rev().map(|&b| char::from(b)).collect()
}

/// `Authorization: Basic base64(id:secret)` (authlib's `extract_basic_authorization`).
fn basic_credentials(header: &str) -> Option<(String, Option<String>)> {
    let (scheme, token) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(base64_decode(token.trim())?).ok()?;
    Some(match decoded.split_once(':') {
        Some((id, secret)) => (id.to_owned(), Some(secret.to_owned())),
        None => (decoded, None),
    })
}

/// Standard base64 (RFC 4648 §4) with optional padding.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut buffer = 0u32;
    let mut bits = 0;
    for c in text.bytes() {
        buffer = (buffer << 6) | u32::from(value(c)?);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Some(out)
}

/// The query of a URL, of a path with a query, or a query alone.
fn query_of(url: &str) -> &str {
    let without_fragment = url.split('#').next().unwrap_or_default();
    match without_fragment.split_once('?') {
        Some((_, query)) => query,
        None if without_fragment.contains('=') => without_fragment,
        None => "",
    }
}

/// authlib's `add_params_to_uri`: the parameters appended to the URI's query.
fn with_query(uri: &str, params: &[(&str, String)]) -> String {
    let mut serializer = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in params {
        serializer.append_pair(name, value);
    }
    let separator = if uri.contains('?') { '&' } else { '?' };
    format!("{uri}{separator}{}", serializer.finish())
}

/// Query or form parameters, in order. `get` returns the last value, as Starlette does.
#[derive(Debug, Clone, Default)]
struct Params(Vec<(String, String)>);

impl Params {
    fn parse(query: &str) -> Self {
        Self::parse_bytes(query.as_bytes())
    }

    fn parse_bytes(bytes: &[u8]) -> Self {
        Self(
            url::form_urlencoded::parse(bytes)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The value if present and not empty (Python truthiness, as authlib tests it).
    fn truthy(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.is_empty())
    }

    fn count(&self, name: &str) -> usize {
        self.0.iter().filter(|(k, _)| k == name).count()
    }

    fn push(&mut self, name: &str, value: &str) {
        self.0.push((name.to_owned(), value.to_owned()));
    }
}

/// An OAuth2 error (authlib's `OAuth2Error`): a JSON body, or a redirect when the request
/// identified a valid redirect URI.
#[derive(Debug)]
struct Failure {
    status: StatusCode,
    error: &'static str,
    description: Option<String>,
    state: Option<String>,
    redirect_uri: Option<String>,
    www_authenticate: Option<String>,
}

impl Failure {
    fn new(status: StatusCode, error: &'static str) -> Self {
        Self {
            status,
            error,
            description: None,
            state: None,
            redirect_uri: None,
            www_authenticate: None,
        }
    }

    fn describe(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    fn state(mut self, state: Option<String>) -> Self {
        self.state = state.filter(|s| !s.is_empty());
        self
    }

    fn redirect_to(mut self, redirect_uri: &str) -> Self {
        self.redirect_uri = Some(redirect_uri.to_owned());
        self
    }

    fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request").describe(description)
    }

    fn invalid_grant(description: &str) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_grant").describe(description)
    }

    fn invalid_scope() -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_scope")
            .describe("The requested scope is invalid, unknown, or malformed.")
    }

    fn access_denied() -> Self {
        Self::new(StatusCode::BAD_REQUEST, "access_denied")
            .describe("The resource owner or authorization server denied the request")
    }

    /// 401 comes with `WWW-Authenticate: Basic` (authlib's `InvalidClientError`).
    fn invalid_client(status: StatusCode, description: impl Into<String>) -> Self {
        let mut failure = Self::new(status, "invalid_client").describe(description);
        if status == StatusCode::UNAUTHORIZED {
            let description = failure
                .description
                .as_deref()
                .unwrap_or_default()
                .replace('"', "|");
            failure.www_authenticate = Some(format!(
                "Basic error=\"invalid_client\", error_description=\"{description}\""
            ));
        }
        failure
    }

    /// RFC 6750 §3 errors of a protected resource.
    fn bearer(
        status: StatusCode,
        error: &'static str,
        description: &str,
        scope: Option<&str>,
    ) -> Self {
        let mut challenge = format!("Bearer realm=\"{REALM}\"");
        if let Some(scope) = scope {
            challenge.push_str(&format!(", scope=\"{scope}\""));
        }
        challenge.push_str(&format!(
            ", error=\"{error}\", error_description=\"{description}\""
        ));
        let mut failure = Self::new(status, error).describe(description);
        failure.www_authenticate = Some(challenge);
        failure
    }

    fn params(&self) -> Vec<(&str, String)> {
        let mut params = vec![("error", self.error.to_owned())];
        if let Some(d) = &self.description {
            params.push(("error_description", d.clone()));
        }
        if let Some(s) = &self.state {
            params.push(("state", s.clone()));
        }
        params
    }

    fn redirect_location(&self) -> Option<String> {
        self.redirect_uri
            .as_deref()
            .map(|uri| with_query(uri, &self.params()))
    }

    fn into_reply(self) -> Reply {
        if let Some(location) = self.redirect_location() {
            return Reply::Redirect(location);
        }
        let body: Map<String, Value> = self
            .params()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), Value::String(v)))
            .collect();
        Reply::Json {
            status: self.status,
            body: Value::Object(body),
            no_store: true,
            www_authenticate: self.www_authenticate,
        }
    }

    fn into_oauth_error(self) -> OAuthError {
        OAuthError {
            code: OAuthErrorCode::from_wire(self.error),
            description: self.description,
            uri: None,
            status: self.status,
            www_authenticate: self.www_authenticate,
            retry_after: None,
        }
    }
}

/// An HTTP answer.
enum Reply {
    Json {
        status: StatusCode,
        body: Value,
        /// `Cache-Control: no-store` and `Pragma: no-cache` (RFC 6749 §5.1, §5.2).
        no_store: bool,
        www_authenticate: Option<String>,
    },
    /// `302 Found` to this location.
    Redirect(String),
    Text {
        status: StatusCode,
        body: &'static str,
    },
}

impl Reply {
    /// FastAPI's `{"detail": ...}` error body.
    fn detail(status: StatusCode, detail: &str) -> Self {
        Reply::Json {
            status,
            body: json!({ "detail": detail }),
            no_store: false,
            www_authenticate: None,
        }
    }

    fn text(status: StatusCode, body: &'static str) -> Self {
        Reply::Text { status, body }
    }

    fn into_response(self) -> Response<Full<Bytes>> {
        let mut headers: Vec<(HeaderName, String)> = Vec::new();
        let (status, body) = match self {
            Reply::Json {
                status,
                body,
                no_store,
                www_authenticate,
            } => {
                headers.push((header::CONTENT_TYPE, "application/json".into()));
                if no_store {
                    headers.push((header::CACHE_CONTROL, "no-store".into()));
                    headers.push((header::PRAGMA, "no-cache".into()));
                }
                if let Some(challenge) = www_authenticate {
                    headers.push((header::WWW_AUTHENTICATE, challenge));
                }
                (status, Bytes::from(body.to_string()))
            }
            Reply::Redirect(location) => {
                headers.push((header::LOCATION, location));
                (StatusCode::FOUND, Bytes::new())
            }
            Reply::Text { status, body } => {
                headers.push((header::CONTENT_TYPE, "text/plain; charset=utf-8".into()));
                (status, Bytes::from_static(body.as_bytes()))
            }
        };
        let mut response = Response::new(Full::new(body));
        *response.status_mut() = status;
        for (name, value) in headers {
            match HeaderValue::from_str(&value) {
                Ok(value) => {
                    response.headers_mut().insert(name, value);
                }
                // Only a registered redirect URI with raw non-ASCII characters gets here.
                Err(_) => {
                    let mut failed =
                        Response::new(Full::new(Bytes::from_static(b"Internal Server Error")));
                    *failed.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
                    return failed;
                }
            }
        }
        response
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn crc32_and_base62_match_zlib_and_polar() {
        // zlib.crc32(b"123456789") == 0xCBF43926; base62 of it, zero-padded.
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(base62_checksum(0), "000000");
        assert_eq!(base62_checksum(61), "00000z");
        assert_eq!(base62_checksum(62), "000010");
    }

    #[test]
    fn base64_decode_reads_basic_credentials() {
        // base64("polar_ci_x:polar_cs_y")
        let (id, secret) = basic_credentials("Basic cG9sYXJfY2lfeDpwb2xhcl9jc195").unwrap();
        assert_eq!(id, "polar_ci_x");
        assert_eq!(secret.as_deref(), Some("polar_cs_y"));
        assert!(basic_credentials("Bearer abc").is_none());
        assert!(basic_credentials("Basic !!!").is_none());
    }

    #[test]
    fn polar_tokens_have_prefix_body_and_valid_checksum() {
        let inner = Inner::new().unwrap();
        let token = inner.polar_token("polar_at_u_").unwrap();
        let rest = token.strip_prefix("polar_at_u_").unwrap();
        assert_eq!(rest.len(), 43);
        let (body, checksum) = rest.split_at(37);
        assert!(body.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_eq!(checksum, base62_checksum(crc32(body.as_bytes())));
    }

    #[test]
    fn scope_display_names_are_the_spec_default() {
        let Value::Object(names) = scope_display_names() else {
            panic!("not an object")
        };
        let labelled = Scope::KNOWN.iter().filter(|s| s.display_name().is_some());
        assert_eq!(names.len(), labelled.count());
        for (scope, name) in &names {
            assert_eq!(
                Scope::from_wire(scope).display_name(),
                name.as_str(),
                "{scope}"
            );
        }
    }
}
