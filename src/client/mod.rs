//! The facade [`Client`]: one method per operation of Polar's OAuth2 API.
//!
//! Every request goes through the generated client's methods and the one `ClientHooks`
//! implementation (`hooks.rs`: user agent, `Polar-Version`, timeout, header hygiene, the
//! concurrency limit, the response body cap, refused redirects, retries by HTTP method), and
//! every failure becomes this crate's [`Error`] in one place (`response.rs`), with the secrets
//! the request carried scrubbed from whatever the server echoed (`redact.rs`).
//!
//! | operation | method | facade call | bearer | retried after |
//! |-----------|--------|-------------|--------|---------------|
//! | consent data | `GET /v1/oauth2/authorize` | [`Client::consent_data`] | web session | failure, 429/502/503/504 |
//! | token | `POST /v1/oauth2/token` | [`Client::exchange_code`], [`Client::refresh`], [`Client::request_token`] | Basic for `client_secret_basic` | no connection only |
//! | revoke (RFC 7009) | `POST /v1/oauth2/revoke` | [`Client::revoke`] | never | no connection only |
//! | introspect (RFC 7662) | `POST /v1/oauth2/introspect` | [`Client::introspect`] | never | no connection only |
//! | userinfo (OpenID Connect) | `GET /v1/oauth2/userinfo` | [`Client::userinfo`] | yes | failure, 429/502/503/504 |
//! | register (RFC 7591) | `POST /v1/oauth2/register` | [`Client::register_client`] | none or web session | no connection only |
//! | read (RFC 7592) | `GET /v1/oauth2/register/{id}` | [`Client::get_client`] | registration token or web session | failure, 429/502/503/504 |
//! | update (RFC 7592) | `PUT /v1/oauth2/register/{id}` | [`Client::update_client`] | registration token or web session | failure, 429/502/503/504 |
//! | delete (RFC 7592) | `DELETE /v1/oauth2/register/{id}` | [`Client::delete_client`] | registration token or web session | failure, 429/502/503/504 |
//!
//! Which operations may carry which credential is decided in the generator
//! (`polar_oauth2_codegen::credentials`): an operation without a credential has no parameter
//! through which one could be sent. A credential the client itself has just received (a fresh
//! access token, a refresh token, a registration token) is handled for Polar's commit race:
//! a bearer call with one is tried again after a 401, a `POST` with one is held a moment
//! (`fresh.rs`).

pub(crate) mod builder;
mod credential;
mod fresh;
mod hooks;
use crate::redact;
mod response;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use progenitor_client::{ClientInfo, ResponseValue};
use serde::de::DeserializeOwned;

pub use builder::{ClientBuilder, POLAR_VERSIONS};
pub use credential::{ClientManagement, SESSION_COOKIE};
pub use hooks::Hooks;
pub(crate) use hooks::encode_path_segment;
#[cfg(fuzzing)]
pub use response::fuzzing;
pub(crate) use response::{decode, empty};

use credential::Headers;
use redact::Echoes;

use crate::authorize::{AuthorizeParams, AuthorizeResponse};
use crate::error::Error;
use crate::generated;
use crate::generated::types::{IntrospectTokenRequest, RevokeTokenRequest, TokenTypeHint};
use crate::oauth2::clients::{ClientRegistration, ClientUpdate, RegisteredClient};
use crate::oauth2::introspect::Introspection;
use crate::oauth2::revoke::IssuedToken;
use crate::oauth2::userinfo::UserInfo;
use crate::secret::{
    AccessToken, AuthorizationCode, ClientSecret, PkceCodeVerifier, RefreshToken, SessionToken,
};
use crate::token::{
    AuthorizationCodeGrant, ClientCredentials, RefreshTokenGrant, Token, TokenRequest,
};

/// The `User-Agent` every request carries.
pub const USER_AGENT_VALUE: &str = concat!("polar-oauth2-rust/", env!("CARGO_PKG_VERSION"));

/// Default limit for a whole request (connect, send, response headers and body).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Default cap on a response body, in bytes (1 MiB; a token response is under 2 KiB, a consent
/// response with every scope's display name under 16 KiB).
pub const DEFAULT_MAX_RESPONSE_BODY: u64 = 1024 * 1024;

/// Default number of requests a client (with its clones) has in flight at once.
pub const DEFAULT_MAX_CONCURRENT_REQUESTS: usize = 64;

/// Which Polar API to talk to.
///
/// ```
/// use polar_oauth2::{Client, Server};
///
/// assert_eq!(Server::Sandbox.base_url(), "https://sandbox-api.polar.sh");
/// let client = Client::new(Server::Sandbox)?; // test data and test payments
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Server {
    /// `https://api.polar.sh`.
    Production,
    /// `https://sandbox-api.polar.sh`: test data, test payments.
    Sandbox,
    /// Any base URL (a proxy, a local test server). `https` unless the host is loopback, or
    /// [`ClientBuilder::allow_insecure_http`] is set.
    Custom(String),
}

impl Server {
    /// The base URL requests are made against.
    ///
    /// ```
    /// use polar_oauth2::Server;
    ///
    /// assert_eq!(Server::Production.base_url(), "https://api.polar.sh");
    /// ```
    #[must_use]
    pub fn base_url(&self) -> &str {
        match self {
            Server::Production => "https://api.polar.sh",
            Server::Sandbox => "https://sandbox-api.polar.sh",
            Server::Custom(url) => url,
        }
    }
}

/// A Polar OAuth2 client. Cheap to clone; clones share one connection pool per Tokio runtime
/// (a pooled connection belongs to the runtime that opened it), so a client may be used from
/// any number of runtimes. `Debug` hides a password in the base URL.
///
/// ```
/// use polar_oauth2::{Client, Server};
///
/// let production = Client::new(Server::Production)?;
/// let sandbox = Client::new(Server::Sandbox)?;
/// assert_eq!(sandbox.base_url(), "https://sandbox-api.polar.sh");
/// # let _ = production;
/// # Ok::<(), polar_oauth2::Error>(())
/// ```
///
/// # Operations
///
/// The facade [`Client`]: one method per operation of Polar's OAuth2 API.
///
/// Every request goes through the generated client's methods and the one `ClientHooks`
/// implementation (`hooks.rs`: user agent, `Polar-Version`, timeout, header hygiene, the
/// concurrency limit, the response body cap, refused redirects, retries by HTTP method), and
/// every failure becomes this crate's [`Error`] in one place (`response.rs`), with the secrets
/// the request carried scrubbed from whatever the server echoed (`redact.rs`).
///
/// | operation | method | facade call | bearer | retried after |
/// |-----------|--------|-------------|--------|---------------|
/// | consent data | `GET /v1/oauth2/authorize` | [`Client::consent_data`] | web session | failure, 429/502/503/504 |
/// | token | `POST /v1/oauth2/token` | [`Client::exchange_code`], [`Client::refresh`], [`Client::request_token`] | Basic for `client_secret_basic` | no connection only |
/// | revoke (RFC 7009) | `POST /v1/oauth2/revoke` | [`Client::revoke`] | never | no connection only |
/// | introspect (RFC 7662) | `POST /v1/oauth2/introspect` | [`Client::introspect`] | never | no connection only |
/// | userinfo (OpenID Connect) | `GET /v1/oauth2/userinfo` | [`Client::userinfo`] | yes | failure, 429/502/503/504 |
/// | register (RFC 7591) | `POST /v1/oauth2/register` | [`Client::register_client`] | none or web session | no connection only |
/// | read (RFC 7592) | `GET /v1/oauth2/register/{id}` | [`Client::get_client`] | registration token or web session | failure, 429/502/503/504 |
/// | update (RFC 7592) | `PUT /v1/oauth2/register/{id}` | [`Client::update_client`] | registration token or web session | failure, 429/502/503/504 |
/// | delete (RFC 7592) | `DELETE /v1/oauth2/register/{id}` | [`Client::delete_client`] | registration token or web session | failure, 429/502/503/504 |
///
/// Which operations may carry which credential is decided in the generator
/// (`polar_oauth2_codegen::credentials`): an operation without a credential has no parameter
/// through which one could be sent. A credential the client itself has just received (a fresh
/// access token, a refresh token, a registration token) is handled for Polar's commit race:
/// a bearer call with one is tried again after a 401, a `POST` with one is held a moment
/// (`fresh.rs`).
#[derive(Clone)]
pub struct Client {
    pub(crate) api: Arc<generated::Client>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &builder::without_password(self.api.baseurl()))
            .field("hooks", &self.api.inner)
            .finish()
    }
}

impl Client {
    /// A client for `server` with default settings (see [`ClientBuilder`]).
    ///
    /// ```
    /// use polar_oauth2::{Client, Server};
    ///
    /// // One per app: clones share the connection pool.
    /// let client = Client::new(Server::Production)?;
    /// # Ok::<(), polar_oauth2::Error>(())
    /// ```
    pub fn new(server: Server) -> Result<Self, Error> {
        ClientBuilder::new(server).build()
    }

    /// Settings for a client.
    ///
    /// ```
    /// use std::time::Duration;
    /// use polar_oauth2::{Client, RetryPolicy, Server};
    ///
    /// let client = Client::builder(Server::Production)
    ///     .timeout(Some(Duration::from_secs(10)))
    ///     .retry(RetryPolicy::new(2))
    ///     .build()?;
    /// # Ok::<(), polar_oauth2::Error>(())
    /// ```
    pub fn builder(server: Server) -> ClientBuilder {
        ClientBuilder::new(server)
    }

    /// The base URL in use.
    #[must_use]
    pub fn base_url(&self) -> &str {
        self.api.baseurl()
    }

    /// The generated client. Its requests go through the same hooks as the facade's (headers,
    /// timeout, limits, body cap, retries), but its methods return progenitor's error type and
    /// take the bearer header's whole value (`Bearer …`); prefer the facade's calls.
    #[must_use]
    pub fn generated(&self) -> &generated::Client {
        &self.api
    }

    /// Await a generated call and convert its failure into [`Error`], scrubbing `sent` (the
    /// secrets the request carried) from whatever the server sent back.
    ///
    /// `request` makes the generated call's future: passed as a closure, that future lives only
    /// in this future's await slot. A future passed by value would be held twice (rustc keeps an
    /// `async fn`'s arguments beside its locals), which doubled every call's future (8 KiB for a
    /// token request) and what spawning or `block_on` copies (see `BENCHMARKS.md`).
    async fn call<T: DeserializeOwned, F>(
        &self,
        operation: &'static str,
        sent: impl FnOnce() -> Echoes,
        request: impl FnOnce() -> F,
    ) -> Result<T, Error>
    where
        F: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<()>>>,
    {
        let error = match request().await {
            Ok(response) => return Ok(response.into_inner()),
            Err(error) => error,
        };
        // Boxed: a failure's state (reading an error body) would otherwise be part of every
        // call's future.
        let sent = sent();
        Box::pin(response::settle::<T>(
            &self.api.inner,
            error,
            operation,
            &sent,
        ))
        .await
    }

    /// `GET /v1/oauth2/authorize`: the consent data for an authorization request (the client,
    /// the subject, the scopes asked for and their labels), as Polar's consent page shows it.
    ///
    /// Only Polar's own web app can call this: Polar answers it for a signed-in *web* user, whose
    /// session it reads from its `polar_session` cookie (sent here from `session`). An access
    /// token or personal access token gets 403 `NotPermitted`, a session sent as a bearer 401,
    /// no credential 401 ([`Error::Polar`] or [`Error::OAuth`]). A third-party app never needs
    /// it: it sends the browser to [`PendingAuthorization::url`](crate::PendingAuthorization::url)
    /// and Polar's page shows the consent screen. When the user already consented to the same
    /// scopes the server redirects (HTTP 302, refused by this client) instead.
    ///
    /// ```no_run
    /// # async fn show(client: &polar_oauth2::Client, session: &polar_oauth2::SessionToken,
    /// #     pending: &polar_oauth2::PendingAuthorization) -> Result<(), polar_oauth2::Error> {
    /// let consent = client.consent_data(session, &pending.authorize_params()).await?;
    /// println!("{:?} asks for {:?}", consent.client().client_name, consent.scopes());
    /// # Ok(()) }
    /// ```
    pub async fn consent_data(
        &self,
        session: &SessionToken,
        params: &AuthorizeParams,
    ) -> Result<AuthorizeResponse, Error> {
        let headers = Headers::session(session);
        let request = || {
            self.api.oauth2_authorize(
                params.client_id.as_deref(),
                params.code_challenge.as_deref(),
                params.code_challenge_method.map(|m| m.as_str()),
                params.nonce.as_deref(),
                params.prompt.as_deref(),
                params.redirect_uri.as_deref(),
                params.client_id.as_ref().map(|_| "code"),
                params.scope.as_deref(),
                params.state.as_deref(),
                params.sub_type.map(|s| s.as_str()),
                headers.authorization.as_deref(),
                headers.cookie.as_deref(),
            )
        };
        let sent = || {
            Echoes::of(
                [
                    Some(session.secret()),
                    params.state.as_deref(),
                    params.nonce.as_deref(),
                    params.code_challenge.as_deref(),
                ]
                .into_iter()
                .flatten(),
            )
        };
        self.call(AUTHORIZE, sent, request).await
    }

    /// `POST /v1/oauth2/token` with any grant. The client authenticates by its
    /// [`auth_method`](ClientCredentials::auth_method): in the form body, or as
    /// `Authorization: Basic` for `client_secret_basic` (the only one Polar then accepts).
    ///
    /// Sent again only when the connection could not be established, whatever the
    /// [`RetryPolicy`](crate::RetryPolicy): an authorization code is single-use, and a request
    /// that reached the server may have consumed it.
    ///
    /// ```
    /// use polar_oauth2::{RefreshTokenGrant, TokenRequest};
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
    /// let grant = RefreshTokenGrant::new(credentials, token.refresh_token().unwrap().clone());
    /// let refreshed = client.request_token(&TokenRequest::from(grant)).await?;
    /// assert_ne!(refreshed.access_token(), token.access_token());
    /// # Ok(()) }
    /// ```
    pub async fn request_token(&self, request: &TokenRequest) -> Result<Token, Error> {
        let basic = request.credentials().basic_authorization();
        let sent = || Echoes::of_token_request(request);
        let token: Token = self
            .call(REQUEST_TOKEN, sent, || {
                self.api.oauth2_request_token(basic.as_deref(), request)
            })
            .await?;
        fresh::FRESH.record(token.access_token().secret());
        if let Some(refresh_token) = token.refresh_token() {
            fresh::FRESH.record(refresh_token.secret());
        }
        Ok(token)
    }

    /// Exchange an authorization code (RFC 6749 §4.1.3), with the PKCE verifier if the
    /// authorization request had a challenge (always, for public clients).
    ///
    /// ```no_run
    /// # async fn callback(client: &polar_oauth2::Client, pending: &polar_oauth2::PendingAuthorization,
    /// #     redirected_to: &str) -> Result<(), Box<dyn std::error::Error>> {
    /// use polar_oauth2::{ClientCredentials, ClientSecret};
    /// let credentials = ClientCredentials::confidential("polar_ci_…", ClientSecret::new("polar_cs_…"));
    /// let code = pending.callback(redirected_to)?; // checks `state`
    /// let token = client
    ///     .exchange_code(&credentials, code, pending.redirect_uri(),
    ///         Some(pending.pkce_verifier().clone()))
    ///     .await?;
    /// println!("granted {} until {:?}", token.scope(), token.expires_at_system());
    /// # Ok(()) }
    /// ```
    pub async fn exchange_code(
        &self,
        credentials: &ClientCredentials,
        code: AuthorizationCode,
        redirect_uri: &str,
        code_verifier: Option<PkceCodeVerifier>,
    ) -> Result<Token, Error> {
        let mut grant = AuthorizationCodeGrant::new(credentials.clone(), code, redirect_uri);
        if let Some(verifier) = code_verifier {
            grant = grant.code_verifier(verifier);
        }
        self.request_token(&grant.into()).await
    }

    /// Refresh (RFC 6749 §6). Polar revokes `refresh_token` and returns a new one: store it.
    /// When a server answers without a refresh token (§6 allows it; the old one then stays
    /// valid), the returned token carries `refresh_token`, so that storing it keeps the grant.
    /// [`TokenSource`](crate::TokenSource) does this when needed, once for all callers.
    ///
    /// ```no_run
    /// # async fn renew(client: &polar_oauth2::Client, credentials: &polar_oauth2::ClientCredentials,
    /// #     token: polar_oauth2::Token) -> Result<polar_oauth2::Token, polar_oauth2::Error> {
    /// let token = match token.refresh_token() {
    ///     Some(refresh_token) if token.expires_within(std::time::Duration::from_secs(60)) => {
    ///         client.refresh(credentials, refresh_token).await? // the old one is now revoked
    ///     }
    ///     _ => token,
    /// };
    /// # Ok(token) }
    /// ```
    pub async fn refresh(
        &self,
        credentials: &ClientCredentials,
        refresh_token: &RefreshToken,
    ) -> Result<Token, Error> {
        let grant = RefreshTokenGrant::new(credentials.clone(), refresh_token.clone());
        let token = self.request_token(&grant.into()).await?;
        Ok(token.or_refresh_token(refresh_token))
    }

    /// `POST /v1/oauth2/revoke` (RFC 7009): the token stops working; revoking a refresh token
    /// also revokes the access tokens issued with it. An unknown or already revoked token is
    /// success (§2.2). Polar accepts only confidential clients here: a public client's
    /// credentials give [`Error::InvalidRequest`] without a request.
    ///
    /// ```no_run
    /// # async fn logout(client: &polar_oauth2::Client, credentials: &polar_oauth2::ClientCredentials,
    /// #     token: &polar_oauth2::Token) -> Result<(), polar_oauth2::Error> {
    /// if let Some(refresh_token) = token.refresh_token() {
    ///     client.revoke(credentials, refresh_token).await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn revoke<'t>(
        &self,
        credentials: &ClientCredentials,
        token: impl Into<IssuedToken<'t>>,
    ) -> Result<(), Error> {
        let token = token.into();
        let body = RevokeTokenRequest {
            client_id: credentials.client_id().to_owned(),
            client_secret: confidential(credentials, REVOKE)?.clone(),
            token: token.opaque(),
            token_type_hint: Some(hint(&token)),
        };
        let sent = || client_echoes(credentials, token.secret());
        success(
            self.call(REVOKE, sent, || self.api.oauth2_revoke_token(None, &body))
                .await,
        )
    }

    /// `POST /v1/oauth2/introspect` (RFC 7662): whether a token is active, and its claims.
    /// Polar answers only for tokens issued to the calling client (another client's token is
    /// inactive), and accepts only confidential clients.
    ///
    /// ```no_run
    /// # async fn check(client: &polar_oauth2::Client, credentials: &polar_oauth2::ClientCredentials,
    /// #     access_token: &polar_oauth2::AccessToken) -> Result<(), polar_oauth2::Error> {
    /// match client.introspect(credentials, access_token).await?.active() {
    ///     Some(token) => println!("active until {:?}, scope {}", token.expires_at(), token.scope),
    ///     None => println!("expired or revoked"),
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn introspect<'t>(
        &self,
        credentials: &ClientCredentials,
        token: impl Into<IssuedToken<'t>>,
    ) -> Result<Introspection, Error> {
        let token = token.into();
        let body = IntrospectTokenRequest {
            client_id: credentials.client_id().to_owned(),
            client_secret: confidential(credentials, INTROSPECT)?.clone(),
            token: token.opaque(),
            token_type_hint: Some(hint(&token)),
        };
        let sent = || client_echoes(credentials, token.secret());
        self.call(INTROSPECT, sent, || {
            self.api.oauth2_introspect_token(None, &body)
        })
        .await
    }

    /// `GET /v1/oauth2/userinfo` (OpenID Connect Core §5.3): who `access_token` is for.
    /// See [`UserInfo`] for which claims Polar sends for users and organizations.
    ///
    /// ```no_run
    /// # async fn me(client: &polar_oauth2::Client, token: &polar_oauth2::Token)
    /// #     -> Result<(), polar_oauth2::Error> {
    /// let me = client.userinfo(token.access_token()).await?;
    /// println!("signed in as {} ({:?})", me.sub, me.email);
    /// # Ok(()) }
    /// ```
    pub async fn userinfo(&self, access_token: &AccessToken) -> Result<UserInfo, Error> {
        let header = credential::bearer(access_token.secret());
        let sent = || Echoes::of([access_token.secret()]);
        self.call(USERINFO, sent, || self.api.oauth2_userinfo(Some(&header)))
            .await
    }

    /// `POST /v1/oauth2/register` (RFC 7591 dynamic client registration): register a new
    /// OAuth2 client. The answer (`201`) carries the client's secret and its
    /// [`RegistrationAccessToken`](crate::RegistrationAccessToken), which manages the client
    /// from then on: store both. [`ClientCredentials::from`] makes the new client's
    /// credentials.
    ///
    /// Polar registers clients anonymously (`None`) or for a signed-in user (`Some` web
    /// session, sent as its session cookie: the client then shows in that user's dashboard).
    /// Its spec lists `oidc | pat`, but its server refuses personal access tokens and OAuth2
    /// tokens here (403 `NotPermitted`), so the types take neither.
    ///
    /// ```no_run
    /// # async fn register(client: &polar_oauth2::Client) -> Result<(), polar_oauth2::Error> {
    /// use polar_oauth2::ClientRegistration;
    /// let registration = ClientRegistration::new("Acme", ["https://acme.example/callback"]);
    /// let registered = client.register_client(None, &registration).await?;
    /// println!("client id {}", registered.client_id);
    /// # Ok(()) }
    /// ```
    pub async fn register_client(
        &self,
        session: Option<&SessionToken>,
        registration: &ClientRegistration,
    ) -> Result<RegisteredClient, Error> {
        let headers = session.map(Headers::session).unwrap_or_default();
        let sent = || Echoes::of(session.iter().map(|s| s.secret()));
        let request = || {
            self.api.oauth2_clients_oauth2_create_client(
                headers.authorization.as_deref(),
                headers.cookie.as_deref(),
                registration,
            )
        };
        let registered: RegisteredClient = self.call(CREATE_CLIENT, sent, request).await?;
        fresh::FRESH.record(&registered.client_id);
        if let Some(token) = &registered.registration_access_token {
            fresh::FRESH.record(token.secret());
        }
        Ok(registered)
    }

    /// `GET /v1/oauth2/register/{client_id}` (RFC 7592 §2.1): a registered client's metadata,
    /// with the client's registration access token or its registering user's web session.
    ///
    /// ```
    /// use polar_oauth2::ClientRegistration;
    /// use polar_oauth2_test_server::TestServer;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let polar = TestServer::start().await?;
    /// let client = polar.client()?;
    /// let registration = ClientRegistration::new("Acme", ["https://acme.example/callback"]);
    /// let registered = client.register_client(None, &registration).await?;
    /// let manage = registered.registration_access_token.unwrap(); // store it with the client
    /// let fetched = client.get_client(&manage, &registered.client_id).await?;
    /// assert_eq!(fetched.client_name.as_deref(), Some("Acme"));
    /// # Ok(()) }
    /// ```
    pub async fn get_client<'c>(
        &self,
        credential: impl Into<ClientManagement<'c>>,
        client_id: &str,
    ) -> Result<RegisteredClient, Error> {
        let credential = credential.into();
        let headers = Headers::management(credential);
        let sent = || Echoes::of([credential.secret()]);
        let request = || {
            self.api.oauth2_clients_oauth2_get_client(
                client_id,
                headers.authorization.as_deref(),
                headers.cookie.as_deref(),
            )
        };
        self.call(GET_CLIENT, sent, request).await
    }

    /// `PUT /v1/oauth2/register/{client_id}` (RFC 7592 §2.2): replace a registered client's
    /// metadata.
    ///
    /// ```
    /// use polar_oauth2::{ClientRegistration, ClientUpdate};
    /// use polar_oauth2_test_server::TestServer;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let polar = TestServer::start().await?;
    /// let client = polar.client()?;
    /// let registration = ClientRegistration::new("Acme", ["https://acme.example/callback"]);
    /// let registered = client.register_client(None, &registration).await?;
    /// let manage = registered.registration_access_token.unwrap(); // store it with the client
    /// let metadata = registration.client_uri("https://acme.example");
    /// let renamed = ClientUpdate::new(&registered.client_id, metadata);
    /// let updated = client.update_client(&manage, &renamed).await?;
    /// assert_eq!(updated.client_uri.as_deref(), Some("https://acme.example"));
    /// # Ok(()) }
    /// ```
    pub async fn update_client<'c>(
        &self,
        credential: impl Into<ClientManagement<'c>>,
        update: &ClientUpdate,
    ) -> Result<RegisteredClient, Error> {
        let credential = credential.into();
        let headers = Headers::management(credential);
        let sent = || Echoes::of([credential.secret()]);
        let request = || {
            self.api.oauth2_clients_oauth2_update_client(
                update.client_id(),
                headers.authorization.as_deref(),
                headers.cookie.as_deref(),
                update,
            )
        };
        self.call(UPDATE_CLIENT, sent, request).await
    }

    /// `DELETE /v1/oauth2/register/{client_id}` (RFC 7592 §2.3): delete a registered client
    /// (Polar answers 204).
    ///
    /// ```
    /// use polar_oauth2::ClientRegistration;
    /// use polar_oauth2_test_server::TestServer;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let polar = TestServer::start().await?;
    /// let client = polar.client()?;
    /// let registration = ClientRegistration::new("Acme", ["https://acme.example/callback"]);
    /// let registered = client.register_client(None, &registration).await?;
    /// let manage = registered.registration_access_token.unwrap(); // store it with the client
    /// client.delete_client(&manage, &registered.client_id).await?;
    /// assert!(client.get_client(&manage, &registered.client_id).await.is_err());
    /// # Ok(()) }
    /// ```
    pub async fn delete_client<'c>(
        &self,
        credential: impl Into<ClientManagement<'c>>,
        client_id: &str,
    ) -> Result<(), Error> {
        let credential = credential.into();
        let headers = Headers::management(credential);
        let sent = || Echoes::of([credential.secret()]);
        let request = || {
            self.api.oauth2_clients_oauth2_delete_client(
                client_id,
                headers.authorization.as_deref(),
                headers.cookie.as_deref(),
            )
        };
        success(self.call(DELETE_CLIENT, sent, request).await)
    }
}

const AUTHORIZE: &str = "oauth2:authorize";
const REQUEST_TOKEN: &str = "oauth2:request_token";
const REVOKE: &str = "oauth2:revoke_token";
const INTROSPECT: &str = "oauth2:introspect_token";
const USERINFO: &str = "oauth2:userinfo";
const CREATE_CLIENT: &str = "oauth2:clients:oauth2:create_client";
const GET_CLIENT: &str = "oauth2:clients:oauth2:get_client";
const UPDATE_CLIENT: &str = "oauth2:clients:oauth2:update_client";
const DELETE_CLIENT: &str = "oauth2:clients:oauth2:delete_client";

/// Success whatever the body of a 2xx: revocation's body is ignored by the client (RFC 7009
/// §2.2), and deleting a client answers 204 (Polar's documents before 2026-08 said 200 with a
/// body), so neither may fail on the body's shape.
fn success<T>(result: Result<T, Error>) -> Result<(), Error> {
    match result {
        Ok(_) => Ok(()),
        Err(Error::Decode(e)) if e.status.is_some_and(|s| s.is_success()) => Ok(()),
        Err(e) => Err(e),
    }
}

/// The client secret of a confidential client; revocation and introspection refuse others
/// (Polar's endpoints accept `client_secret_post` and `client_secret_basic` only).
fn confidential<'c>(
    credentials: &'c ClientCredentials,
    operation: &str,
) -> Result<&'c ClientSecret, Error> {
    credentials.client_secret().ok_or_else(|| {
        Error::InvalidRequest(format!(
            "{operation} needs a confidential client (a client secret): Polar authenticates it with client_secret_post or client_secret_basic only"
        ))
    })
}

fn hint(token: &IssuedToken<'_>) -> TokenTypeHint {
    match token {
        IssuedToken::Refresh(_) => TokenTypeHint::RefreshToken,
        _ => TokenTypeHint::AccessToken,
    }
}

/// The secrets of a revoke or introspect request.
fn client_echoes(credentials: &ClientCredentials, token: &str) -> Echoes {
    Echoes::of_client(credentials, [token])
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::builder::validate_base_url;
    use crate::tls::ALPN;

    #[test]
    fn tls_offers_only_http_1_1_since_reqwest_has_no_http2() {
        assert_eq!(ALPN, [b"http/1.1".as_slice()]);
    }

    #[test]
    fn base_url_must_be_https_unless_loopback() {
        assert!(validate_base_url("https://api.polar.sh/", false).is_ok());
        assert!(validate_base_url("http://127.0.0.1:8080", false).is_ok());
        assert!(validate_base_url("http://localhost:1", false).is_ok());
        assert!(validate_base_url("http://[::1]:1", false).is_ok());
        let e = validate_base_url("http://example.com", false).unwrap_err();
        assert!(e.to_string().contains("allow_insecure_http"), "{e}");
        assert!(validate_base_url("http://example.com", true).is_ok());
        assert!(validate_base_url("ftp://example.com", true).is_err());
    }

    #[test]
    fn base_url_loses_its_trailing_slash() {
        assert_eq!(
            validate_base_url("https://api.polar.sh/", false).unwrap(),
            "https://api.polar.sh"
        );
    }
}
