//! An embedded Polar-compatible OAuth2 server, for testing apps built on [`polar_oauth2`]
//! offline (add it as a dev-dependency).
//!
//! Real HTTP on `127.0.0.1:<free port>`, all state in memory, one line to start:
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use polar_oauth2_test_server::TestServer;
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
//! It follows Polar's server (authlib 1.7 underneath, `server/polar/oauth2/`) rather than the
//! spec where they differ. All nine operations of the spec, plus discovery:
//!
//! - `POST /v1/oauth2/token`: grants `authorization_code`, `refresh_token` and `web`; client
//!   authentication `client_secret_post` (the default), `client_secret_basic`, or `none` for
//!   public clients; single-use codes valid for 300 s ([`TestServer::advance`] moves the
//!   clock); PKCE `S256`/`plain`, mandatory for public clients; refresh tokens rotate (the old
//!   refresh token and its access token are revoked); Polar's token prefixes (`polar_ac_`,
//!   `polar_at_u_`, `polar_rt_u_`, …) and lifetimes (864000 s from a code, 3600 s otherwise);
//!   an ID token (RS256, see below) when `openid` is granted.
//!   Errors are RFC 6749 §5.2 bodies with Polar's statuses: 400, or 401 `invalid_client` with
//!   `WWW-Authenticate` when the client failed to authenticate, and `Cache-Control: no-store`.
//! - `POST /v1/oauth2/revoke` (RFC 7009): the client authenticates with `client_secret_post` or
//!   `client_secret_basic` (Polar lets no public client revoke); an unknown or already revoked
//!   token is `200 {}`; another client's token is 400 `invalid_grant`. Revoking either token of
//!   a pair revokes both.
//! - `POST /v1/oauth2/introspect` (RFC 7662): same client authentication; an active token gets
//!   every field of `IntrospectTokenResponse` (`token_type` is `"Bearer"`, what Polar stores,
//!   although the spec's enum says `access_token`/`refresh_token`); an unknown, expired or
//!   revoked token, or another client's, gets `{"active": false}`.
//! - `GET|POST /v1/oauth2/userinfo` (OpenID Connect Core §5.3), with the access token as bearer:
//!   `sub` (the user), `email` and `email_verified` with the `email` scope (never `name`), as
//!   Polar's `userinfo.py`. A revoked, expired or unknown token is 401 `invalid_token` with
//!   `WWW-Authenticate: Bearer realm="polar", …`.
//! - `POST /v1/oauth2/register`, `GET|PUT|DELETE /v1/oauth2/register/{client_id}` (RFC 7591,
//!   RFC 7592): create answers `201` with the metadata, `client_id`, `client_secret` (not for
//!   `none`), `client_id_issued_at`, `client_secret_expires_at: 0`, `registration_client_uri`
//!   and `registration_access_token`; the client works for the whole flow at once. As Polar's
//!   server does (and unlike the spec's `security: oidc | pat`), creating needs no credential
//!   or the user's web session cookie (`polar_session`); get, update and delete take the
//!   `registration_access_token` as bearer (or the cookie of the user who created the client);
//!   API tokens — a personal access token ([`TestServer::personal_access_token`]) or an OAuth2
//!   access token — are refused with `403 {"error": "NotPermitted", …}`, and the web session
//!   sent as a bearer is 401 `invalid_token` (Polar reads it only from its cookie). Delete
//!   answers `204`.
//! - `GET /v1/oauth2/authorize`: the consent data (`AuthorizeResponseUser`, with the full
//!   `scope_display_names`) for the user signed in by the `polar_session` cookie
//!   ([`TestServer::web_session_token`]), with the same refusals as registration; nobody
//!   signed in is 401 `{"detail": "Unauthorized"}` when `openid` is asked for. Once the user
//!   agreed to a client's scopes, the call answers with a `302` carrying a new code instead
//!   (unless `prompt=consent`), as Polar does.
//! - `POST /v1/oauth2/consent?<the authorization request>`: Polar's consent page posts the
//!   user's choice here (cookie, form `action=allow|deny`, `organizations=<id>`): `302` to the
//!   client's `redirect_uri` with `code` and `state`, or with `error`.
//! - `sub_type=organization` (asked for, or a client's default) yields what Polar issues since
//!   mid-2026: a *user* token down-scoped to one organization (`polar_at_u_`, `sub` = the user,
//!   introspection `organizations: [id]`); the consent data says `sub_type: "user"` and
//!   `requires_single_organization: true`, and the consent needs `organizations=<id>`
//!   (`invalid_request` without it). A returning user asking for it without `prompt` gets 400
//!   `invalid_request`, not a redirect, as on Polar.
//! - `GET /oauth2/authorize`: stands in for Polar's authorization page: it approves at once
//!   and redirects (`302`) to the client's `redirect_uri` with `code` and `state`.
//!   [`TestServer::approve`] and [`TestServer::deny`] do the same without HTTP.
//! - `GET /.well-known/openid-configuration` and `GET /.well-known/jwks.json`: Polar's
//!   metadata (the same members and values, `scopes_supported` without the organization
//!   access token scopes, as a registered client's default `scope`) with this server's URLs —
//!   its `authorization_endpoint` is this server's stand-in page on another origin
//!   (`localhost` instead of `127.0.0.1`), as Polar's names its web app's page — and the public key of the ID tokens as Polar publishes it (`n`, `e`, `kty`,
//!   a named `kid`; no `use`, no `alg`). ID tokens are RS256 JWTs signed with a fixed RSA key
//!   embedded in this crate (test-only: anyone can read it), with Polar's header
//!   `{"typ": "JWT", "alg": "RS256"}`: no `kid`, so a verifier must take the JWKS's only key
//!   ([`TestServer::signing_key_id`] is its `kid`); `iss` is [`TestServer::issuer`]
//!   (`https://polar.sh`, Polar's real issuer, also on its sandbox), the same value as the
//!   discovery document's `issuer`. [`TestServer::sign_id_token`] signs any claims, for tests
//!   of rejection paths.
//!
//! Around every route, as on Polar: `Polar-Version` `2026-04` (the default) or `2026-10`, named
//! in a `polar-version` response header, any other value a bare 404 `{"detail": "Not Found"}`;
//! every answer without its own `Cache-Control` gets `private, no-store`. A new token or an
//! HTTP registration stays unknown for [`TestServerBuilder::commit_delay`] (default 30 ms),
//! since Polar commits those writes after answering.
//!
//! Robustness, since the server runs inside test suites: a failing `accept()` (out of file
//! descriptors) backs off from 5 ms to 1 s instead of spinning; a connection that does not send
//! its request headers within [`TestServerBuilder::header_read_timeout`] (default 10 s) is
//! closed, a body not received within [`TestServerBuilder::body_read_timeout`] gets a 408;
//! bodies are capped at 64 KiB (413); expired codes and dead tokens are dropped, so memory stays
//! bounded by what is still valid.
//!
//! Test data: one signed-in user ([`USER_ID`], [`USER_EMAIL`]) who manages the
//! [`ORGANIZATIONS`]; a confidential client ([`CONFIDENTIAL_CLIENT_ID`],
//! [`CONFIDENTIAL_CLIENT_SECRET`]) and a public one ([`PUBLIC_CLIENT_ID`]), both redirecting
//! to [`REDIRECT_URI`]. [`TestServer::register_client`] and the registration endpoint add more.

#![forbid(unsafe_code)]

mod clients;
mod failure;
mod keys;
mod params;
mod routes;
mod state;
#[cfg(test)]
mod tests;
mod util;

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use uuid::Uuid;

pub use clients::{TestClient, TestClientAuth};

use params::{Params, query_of};
use polar_oauth2::AuthorizationRequest;
use polar_oauth2::ClientCredentials;
use polar_oauth2::Error;
use polar_oauth2::{AccessToken, ClientSecret, RegistrationAccessToken, SessionToken};
use polar_oauth2::{Client, Server};
use routes::Shared;

/// Client id of the registered confidential client (`client_secret_post`).
///
/// ```
/// use polar_oauth2::{ClientCredentials, ClientSecret};
/// use polar_oauth2_test_server::{CONFIDENTIAL_CLIENT_ID, CONFIDENTIAL_CLIENT_SECRET};
///
/// // What `TestServer::confidential_client()` returns, spelled out.
/// let secret = ClientSecret::new(CONFIDENTIAL_CLIENT_SECRET);
/// let credentials = ClientCredentials::confidential(CONFIDENTIAL_CLIENT_ID, secret);
/// assert_eq!(credentials.client_id(), "polar_ci_test_confidential");
/// ```
pub const CONFIDENTIAL_CLIENT_ID: &str = "polar_ci_test_confidential";
/// Its client secret. Fake, like everything here.
///
/// ```
/// use polar_oauth2::{ClientCredentials, ClientSecret};
/// use polar_oauth2_test_server::{CONFIDENTIAL_CLIENT_ID, CONFIDENTIAL_CLIENT_SECRET};
///
/// let secret = ClientSecret::new(CONFIDENTIAL_CLIENT_SECRET);
/// let credentials = ClientCredentials::confidential(CONFIDENTIAL_CLIENT_ID, secret);
/// ```
pub const CONFIDENTIAL_CLIENT_SECRET: &str = "polar_cs_test_confidential";
/// Client id of the registered public client (no secret; PKCE required).
///
/// ```
/// use polar_oauth2::AuthorizationRequest;
/// use polar_oauth2_test_server::{PUBLIC_CLIENT_ID, REDIRECT_URI, TestServer};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let polar = TestServer::start().await?;
/// let pending = AuthorizationRequest::new(&polar.server(), PUBLIC_CLIENT_ID, REDIRECT_URI)
///     .endpoint(polar.authorization_endpoint())
///     .build()?;
/// assert!(polar.approve(pending.url())?.starts_with(REDIRECT_URI));
/// # Ok(()) }
/// ```
pub const PUBLIC_CLIENT_ID: &str = "polar_ci_test_public";
/// The redirect URI registered for both test clients.
///
/// ```
/// use polar_oauth2::Connector;
/// use polar_oauth2_test_server::{REDIRECT_URI, TestServer};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let polar = TestServer::start().await?;
/// let client = polar.client()?;
/// let connector = Connector::new(&client, polar.confidential_client(), REDIRECT_URI)
///     .authorization_page(polar.authorization_endpoint());
/// let pending = connector.authorization_request().build()?;
/// assert!(polar.approve(pending.url())?.starts_with(REDIRECT_URI));
/// # Ok(()) }
/// ```
pub const REDIRECT_URI: &str = "https://app.example.com/callback";
/// The signed-in test user's id.
///
/// ```
/// use polar_oauth2_test_server::{TestServer, USER_ID};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let polar = TestServer::start().await?;
/// let (client, credentials) = (polar.client()?, polar.confidential_client());
/// let pending = polar.authorization_request().build()?;
/// let code = pending.callback(&polar.approve(pending.url())?)?;
/// let (uri, verifier) = (pending.redirect_uri(), Some(pending.pkce_verifier().clone()));
/// let token = client.exchange_code(&credentials, code, uri, verifier).await?;
/// let me = client.userinfo(token.access_token()).await?;
/// assert_eq!(me.sub, USER_ID.to_string());
/// # Ok(()) }
/// ```
pub const USER_ID: Uuid = Uuid::from_u128(0x5f1e_5b7a_4c2d_4e8f_9a3b_1c0d_2e4f_6a7b);
/// The signed-in test user's email.
///
/// ```
/// use polar_oauth2::{Connector, Scope};
/// use polar_oauth2_test_server::{REDIRECT_URI, TestServer, USER_EMAIL};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let polar = TestServer::start().await?;
/// let client = polar.client()?;
/// let connector = Connector::new(&client, polar.confidential_client(), REDIRECT_URI)
///     .authorization_page(polar.authorization_endpoint());
/// let pending = connector.authorization_request().scope(Scope::Email).build()?;
/// let back = polar.approve(pending.url())?;
/// let claims = connector.finish(pending, &back).await?.claims;
/// assert_eq!(claims.email.as_deref(), Some(USER_EMAIL));
/// # Ok(()) }
/// ```
pub const USER_EMAIL: &str = "user@example.com";
/// The organizations the test user manages, in the order the consent data lists them.
///
/// ```
/// use polar_oauth2::{Introspection, SubType};
/// use polar_oauth2_test_server::{ORGANIZATIONS, TestServer};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let polar = TestServer::start().await?;
/// let (client, credentials) = (polar.client()?, polar.confidential_client());
/// let pending = polar.authorization_request().sub_type(SubType::Organization).build()?;
/// let code = pending.callback(&polar.approve(pending.url())?)?; // picks ORGANIZATIONS[0]
/// let (uri, verifier) = (pending.redirect_uri(), Some(pending.pkce_verifier().clone()));
/// let token = client.exchange_code(&credentials, code, uri, verifier).await?;
/// let Introspection::Active(active) = client.introspect(&credentials, token.access_token()).await?
/// else { panic!("a fresh token is active") };
/// assert_eq!(active.organizations, [ORGANIZATIONS[0].id.to_string()]);
/// # Ok(()) }
/// ```
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
///
/// ```
/// use polar_oauth2_test_server::{CODE_LIFETIME, TestServer};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let polar = TestServer::start().await?;
/// let pending = polar.authorization_request().build()?;
/// let code = pending.callback(&polar.approve(pending.url())?)?;
/// polar.advance(CODE_LIFETIME); // the code is now too old to exchange
/// # Ok(()) }
/// ```
pub const CODE_LIFETIME: Duration = Duration::from_secs(300);
/// `expires_in` of an access token issued for an authorization code.
///
/// ```
/// use polar_oauth2_test_server::{CODE_ACCESS_TOKEN_LIFETIME, TestServer};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let polar = TestServer::start().await?;
/// let (client, credentials) = (polar.client()?, polar.confidential_client());
/// let pending = polar.authorization_request().build()?;
/// let code = pending.callback(&polar.approve(pending.url())?)?;
/// let (uri, verifier) = (pending.redirect_uri(), Some(pending.pkce_verifier().clone()));
/// let token = client.exchange_code(&credentials, code, uri, verifier).await?;
/// assert_eq!(token.expires_in(), Some(CODE_ACCESS_TOKEN_LIFETIME));
/// # Ok(()) }
/// ```
pub const CODE_ACCESS_TOKEN_LIFETIME: Duration = Duration::from_secs(864_000);
/// `expires_in` of an access token from any other grant (`refresh_token`, `web`).
///
/// ```
/// use polar_oauth2_test_server::{DEFAULT_ACCESS_TOKEN_LIFETIME, TestServer};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let polar = TestServer::start().await?;
/// let (client, credentials) = (polar.client()?, polar.confidential_client());
/// let pending = polar.authorization_request().build()?;
/// let code = pending.callback(&polar.approve(pending.url())?)?;
/// let (uri, verifier) = (pending.redirect_uri(), Some(pending.pkce_verifier().clone()));
/// let token = client.exchange_code(&credentials, code, uri, verifier).await?;
/// let refreshed = client.refresh(&credentials, token.refresh_token().unwrap()).await?;
/// assert_eq!(refreshed.expires_in(), Some(DEFAULT_ACCESS_TOKEN_LIFETIME));
/// # Ok(()) }
/// ```
pub const DEFAULT_ACCESS_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

const TOKEN_PATH: &str = "/v1/oauth2/token";
const CONSENT_DATA_PATH: &str = "/v1/oauth2/authorize";
const CONSENT_PATH: &str = "/v1/oauth2/consent";
const AUTHORIZATION_PAGE_PATH: &str = "/oauth2/authorize";

/// The authorization page on the "web app" origin: the API's listener named `localhost`
/// instead of `127.0.0.1`, as Polar's page is on its web app's origin, not the API's.
fn web_app_page(base_url: &str) -> String {
    let web_app = base_url.replacen("://127.0.0.1:", "://localhost:", 1);
    format!("{web_app}{AUTHORIZATION_PAGE_PATH}")
}
const REVOKE_PATH: &str = "/v1/oauth2/revoke";
const INTROSPECT_PATH: &str = "/v1/oauth2/introspect";
const USERINFO_PATH: &str = "/v1/oauth2/userinfo";
const REGISTER_PATH: &str = "/v1/oauth2/register";
const OPENID_CONFIGURATION_PATH: &str = "/.well-known/openid-configuration";
const JWKS_PATH: &str = "/.well-known/jwks.json";
/// Polar's `constants.ISSUER`: `iss` of ID tokens and introspection, `issuer` of discovery.
const ISSUER: &str = "https://polar.sh";
/// `exp` of Polar's `JWT_CONFIG`.
const ID_TOKEN_LIFETIME: u64 = 3600;
/// `WWW_AUTHENTICATE_REALM` of Polar's settings.
const REALM: &str = "polar";
const SESSION_COOKIE: &str = "polar_session";
const CLIENT_CREATED_AT: &str = "2026-01-01T00:00:00Z";
const MAX_BODY: usize = 64 * 1024;

/// The connection limits of a server (see [`TestServerBuilder`]).
#[derive(Debug, Clone, Copy)]
struct Limits {
    header_read_timeout: Duration,
    body_read_timeout: Duration,
    max_body_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(10),
            max_body_bytes: MAX_BODY,
        }
    }
}

/// An organization of the test user.
///
/// ```
/// use polar_oauth2_test_server::ORGANIZATIONS;
///
/// let acme = &ORGANIZATIONS[0]; // what "Allow" picks for `sub_type=organization`
/// assert_eq!(acme.slug, "acme");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TestOrganization {
    /// Its id (what `organizations=` picks at consent, and a down-scoped token's
    /// `organizations`).
    pub id: Uuid,
    /// Its slug.
    pub slug: &'static str,
    /// Its display name.
    pub name: &'static str,
}

/// The embedded server. Stops when dropped.
///
/// ```
/// use polar_oauth2::Scope;
/// use polar_oauth2_test_server::{TestServer, USER_EMAIL};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let polar = TestServer::start().await?; // on 127.0.0.1, a free port
/// let (client, credentials) = (polar.client()?, polar.confidential_client());
/// let pending = polar.authorization_request().scope(Scope::Email).build()?;
/// let code = pending.callback(&polar.approve(pending.url())?)?; // the user clicks "Allow"
/// let (uri, verifier) = (pending.redirect_uri(), Some(pending.pkce_verifier().clone()));
/// let token = client.exchange_code(&credentials, code, uri, verifier).await?;
/// let me = client.userinfo(token.access_token()).await?;
/// assert_eq!(me.email.as_deref(), Some(USER_EMAIL));
/// # Ok(()) }
/// ```
pub struct TestServer {
    base_url: String,
    shared: Arc<Shared>,
    accept: JoinHandle<()>,
}

/// Options of a [`TestServer`]: the connection timeouts and the commit lag.
/// [`TestServer::start`] uses the defaults.
///
/// ```
/// use std::time::Duration;
/// use polar_oauth2_test_server::TestServer;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let server = TestServer::builder()
///     .header_read_timeout(Duration::from_millis(500))
///     .start()
///     .await?;
/// # let _ = server; Ok(()) }
/// ```
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct TestServerBuilder {
    limits: Limits,
    commit_delay: Option<Duration>,
}

/// The default of [`TestServerBuilder::commit_delay`].
///
/// ```
/// use polar_oauth2_test_server::{DEFAULT_COMMIT_DELAY, TestServer};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// // A longer lag, to shake out code that uses a credential before Polar stored it.
/// let polar = TestServer::builder().commit_delay(DEFAULT_COMMIT_DELAY * 10).start().await?;
/// # Ok(()) }
/// ```
pub const DEFAULT_COMMIT_DELAY: Duration = Duration::from_millis(30);

impl TestServerBuilder {
    /// How long a connection may take to send a request's headers before it is closed
    /// (default 10 s): a slowloris client cannot hold a connection open.
    ///
    /// ```
    /// use std::time::Duration;
    /// use polar_oauth2_test_server::TestServer;
    ///
    /// let builder = TestServer::builder().header_read_timeout(Duration::from_millis(200));
    /// ```
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.limits.header_read_timeout = timeout;
        self
    }

    /// How long a request body may take to arrive before the server answers 408 and closes
    /// the connection (default 10 s).
    ///
    /// ```
    /// use std::time::Duration;
    /// use polar_oauth2_test_server::TestServer;
    ///
    /// let builder = TestServer::builder().body_read_timeout(Duration::from_millis(200));
    /// ```
    pub fn body_read_timeout(mut self, timeout: Duration) -> Self {
        self.limits.body_read_timeout = timeout;
        self
    }

    /// How long a token (from any grant) or a client registered over HTTP stays unknown after
    /// the server answered with it (default [`DEFAULT_COMMIT_DELAY`], 30 ms).
    ///
    /// Polar's server commits token, revocation and registration writes *after* sending its
    /// answer, so a credential used at once can be answered 401 `invalid_token` (or
    /// `invalid_grant`, `{"active": false}`, `invalid_client`) for a moment; this server does
    /// the same, so that an app's tests meet the race its production code must survive.
    /// [`polar_oauth2::Client`] already holds or retries credentials it has just received. Use
    /// `Duration::ZERO` for tests that speak raw HTTP and use a credential at once.
    /// Capped at one hour.
    ///
    /// ```
    /// use std::time::Duration;
    /// use polar_oauth2_test_server::TestServer;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let polar = TestServer::builder().commit_delay(Duration::ZERO).start().await?;
    /// # Ok(()) }
    /// ```
    pub fn commit_delay(mut self, delay: Duration) -> Self {
        self.commit_delay = Some(delay.min(Duration::from_secs(3600)));
        self
    }

    /// Start the server on `127.0.0.1` on a free port. Must be called inside a Tokio runtime.
    ///
    /// ```
    /// use polar_oauth2_test_server::TestServer;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let polar = TestServer::builder().start().await?; // the same as `TestServer::start()`
    /// # Ok(()) }
    /// ```
    pub async fn start(self) -> std::io::Result<TestServer> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(std::io::Error::other(
                "TestServer::start must run inside a Tokio runtime",
            ));
        }
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let mut inner = state::Inner::new().map_err(std::io::Error::other)?;
        inner.commit_delay = self.commit_delay.unwrap_or(DEFAULT_COMMIT_DELAY);
        let shared = Arc::new(Shared {
            inner: Mutex::new(inner),
            base_url: base_url.clone(),
            limits: self.limits,
        });
        let accept = tokio::spawn(routes::accept_loop(listener, Arc::clone(&shared)));
        Ok(TestServer {
            base_url,
            shared,
            accept,
        })
    }
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
    ///
    /// ```
    /// use polar_oauth2_test_server::TestServer;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let polar = TestServer::start().await?; // on 127.0.0.1; stopped when dropped
    /// assert!(polar.base_url().starts_with("http://127.0.0.1:"));
    /// let client = polar.client()?; // a `polar_oauth2::Client` for it
    /// # Ok(()) }
    /// ```
    pub async fn start() -> std::io::Result<TestServer> {
        Self::builder().start().await
    }

    /// A server with non-default connection limits.
    ///
    /// ```
    /// use std::time::Duration;
    /// use polar_oauth2_test_server::TestServer;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// // A test speaking raw HTTP uses each credential as soon as it gets it.
    /// let polar = TestServer::builder()
    ///     .commit_delay(Duration::ZERO)
    ///     .start()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn builder() -> TestServerBuilder {
        TestServerBuilder::default()
    }

    /// `http://127.0.0.1:<port>`: the base URL of both the API and the authorization page.
    #[must_use]
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The server as a [`Server`], for [`Client::new`] and [`AuthorizationRequest::new`].
    ///
    /// ```
    /// use polar_oauth2::AuthorizationRequest;
    /// use polar_oauth2_test_server::{PUBLIC_CLIENT_ID, REDIRECT_URI, TestServer};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let polar = TestServer::start().await?;
    /// let request = AuthorizationRequest::new(&polar.server(), PUBLIC_CLIENT_ID, REDIRECT_URI)
    ///     .endpoint(polar.authorization_endpoint());
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn server(&self) -> Server {
        Server::Custom(self.base_url.clone())
    }

    /// A [`Client`] for this server.
    ///
    /// ```
    /// use polar_oauth2::Client;
    /// use polar_oauth2_test_server::TestServer;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let polar = TestServer::start().await?;
    /// let client = polar.client()?;
    /// // The same as:
    /// let client = Client::new(polar.server())?;
    /// # Ok(()) }
    /// ```
    pub fn client(&self) -> Result<Client, Error> {
        Client::new(self.server())
    }

    /// An authorization request for the confidential test client and [`REDIRECT_URI`] on this
    /// server's authorization page (add scopes and options, then `build()`).
    ///
    /// ```
    /// use polar_oauth2::Scope;
    /// use polar_oauth2_test_server::TestServer;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let polar = TestServer::start().await?;
    /// let pending = polar.authorization_request().scope(Scope::Openid).random_nonce().build()?;
    /// assert!(pending.url().starts_with(&polar.authorization_endpoint()));
    /// # Ok(()) }
    /// ```
    pub fn authorization_request(&self) -> AuthorizationRequest {
        AuthorizationRequest::new(&self.server(), CONFIDENTIAL_CLIENT_ID, REDIRECT_URI)
            .endpoint(self.authorization_endpoint())
    }

    /// This server's authorization page, the `authorization_endpoint` of its discovery
    /// document: pass it to [`AuthorizationRequest::endpoint`] for another client of this
    /// server. Like Polar's (its web app's page, not an API route) it is on another origin
    /// than the API, `http://localhost:<port>`, so an app that guesses the page from the API's
    /// base URL fails its tests.
    ///
    /// ```
    /// use polar_oauth2_test_server::TestServer;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let polar = TestServer::start().await?;
    /// // Where `AuthorizationRequest::endpoint` and `Connector::authorization_page` point.
    /// let page = polar.authorization_endpoint();
    /// let pending = polar.authorization_request().build()?;
    /// assert!(pending.url().starts_with(&page));
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn authorization_endpoint(&self) -> String {
        web_app_page(&self.base_url)
    }

    /// Credentials of the confidential test client.
    ///
    /// ```
    /// use polar_oauth2_test_server::{CONFIDENTIAL_CLIENT_ID, TestServer};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let polar = TestServer::start().await?;
    /// let credentials = polar.confidential_client();
    /// assert_eq!(credentials.client_id(), CONFIDENTIAL_CLIENT_ID);
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn confidential_client(&self) -> ClientCredentials {
        ClientCredentials::confidential(
            CONFIDENTIAL_CLIENT_ID,
            ClientSecret::new(CONFIDENTIAL_CLIENT_SECRET),
        )
    }

    /// Credentials of the public test client.
    ///
    /// ```
    /// use polar_oauth2::AuthorizationRequest;
    /// use polar_oauth2_test_server::{PUBLIC_CLIENT_ID, REDIRECT_URI, TestServer};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let polar = TestServer::start().await?;
    /// let (client, credentials) = (polar.client()?, polar.public_client());
    /// let pending = AuthorizationRequest::new(&polar.server(), PUBLIC_CLIENT_ID, REDIRECT_URI)
    ///     .endpoint(polar.authorization_endpoint())
    ///     .build()?;
    /// let code = pending.callback(&polar.approve(pending.url())?)?;
    /// let verifier = Some(pending.pkce_verifier().clone()); // a public client's only proof
    /// let token = client.exchange_code(&credentials, code, REDIRECT_URI, verifier).await?;
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn public_client(&self) -> ClientCredentials {
        ClientCredentials::public(PUBLIC_CLIENT_ID)
    }

    /// Register (or replace) a client.
    ///
    /// The client belongs to the test user: its registration can be read, updated and deleted
    /// with [`Self::web_session_token`] or [`Self::registration_access_token`].
    ///
    /// ```
    /// use polar_oauth2_test_server::{TestClient, TestServer};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let polar = TestServer::start().await?;
    /// polar.register_client(TestClient::public("polar_ci_test_cli"));
    /// assert!(polar.registration_access_token("polar_ci_test_cli").is_some());
    /// # Ok(()) }
    /// ```
    pub fn register_client(&self, client: TestClient) {
        // Only a failing system random generator can make this fail; the client is then
        // stored without a registration access token.
        let mut inner = self.shared.lock();
        if inner.store_client(client.clone(), true).is_err() {
            inner.clients.insert(client.client_id.clone(), client);
        }
    }

    /// The `registration_access_token` (RFC 7592 §1) of a client: the bearer token of
    /// `GET|PUT|DELETE /v1/oauth2/register/{client_id}`. `None` for an unknown client.
    ///
    /// ```
    /// use polar_oauth2::RegistrationAccessToken;
    /// use polar_oauth2_test_server::{TestClient, TestServer};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let polar = TestServer::start().await?;
    /// polar.register_client(TestClient::public("polar_ci_test_other"));
    /// let token = polar.registration_access_token("polar_ci_test_other").unwrap();
    /// let registered = polar.client()?.get_client(&token, "polar_ci_test_other").await?;
    /// assert_eq!(registered.client_id, "polar_ci_test_other");
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn registration_access_token(&self, client_id: &str) -> Option<RegistrationAccessToken> {
        let inner = self.shared.lock();
        let registration = inner.clients.get(client_id)?.registration.as_ref()?;
        Some(RegistrationAccessToken::new(
            registration.access_token.clone(),
        ))
    }

    /// A personal access token of the test user (`polar_pat_…`), as Polar's settings page
    /// issues them.
    ///
    /// Polar's registration endpoints refuse it (`403 NotPermitted`: they take no API token,
    /// whatever the spec's `security` says), and so does this server; it is here so that an
    /// app can test that path. Userinfo refuses it too (401 `invalid_token`): it is not an
    /// OAuth2 access token.
    #[must_use]
    pub fn personal_access_token(&self) -> AccessToken {
        AccessToken::new(self.shared.lock().personal_access_token.clone())
    }

    /// The `iss` of the ID tokens and the `issuer` of `/.well-known/openid-configuration`:
    /// `https://polar.sh`, Polar's real issuer (the same on its sandbox), so that an app
    /// configures one value for tests and production.
    ///
    /// ```
    /// use polar_oauth2_test_server::TestServer;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let polar = TestServer::start().await?;
    /// assert_eq!(polar.issuer(), "https://polar.sh"); // what production ID tokens name too
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn issuer(&self) -> &'static str {
        ISSUER
    }

    /// The URL of the OpenID Connect discovery document on this server.
    ///
    /// ```
    /// use polar_oauth2_test_server::TestServer;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let polar = TestServer::start().await?;
    /// assert!(polar.openid_configuration_url().ends_with("/.well-known/openid-configuration"));
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn openid_configuration_url(&self) -> String {
        format!("{}{OPENID_CONFIGURATION_PATH}", self.base_url)
    }

    /// The `kid` of the key that signs ID tokens in the JWKS (a name, as Polar's keys have).
    /// The tokens' header does not name it, as Polar's do not.
    #[must_use]
    pub fn signing_key_id(&self) -> String {
        self.shared.lock().signing_key.kid().to_owned()
    }

    /// `/.well-known/jwks.json`: the public key of the ID tokens as a JWK set.
    ///
    /// ```
    /// use polar_oauth2_test_server::TestServer;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let polar = TestServer::start().await?;
    /// let jwks = polar.jwks_json();
    /// assert_eq!(jwks["keys"][0]["kid"], polar.signing_key_id().as_str());
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn jwks_json(&self) -> serde_json::Value {
        self.shared.lock().signing_key.jwks()
    }

    /// Sign `claims` as an ID token of this server (RS256, header `{"typ": "JWT", "alg":
    /// "RS256"}`) without checking them: for tests of what a verifier must reject (a
    /// wrong `aud`, `iss` or `nonce`, an expired token).
    ///
    /// Test-only: the key is embedded in this crate and public.
    ///
    /// ```no_run
    /// # async fn demo() -> std::io::Result<()> {
    /// use polar_oauth2_test_server::{CONFIDENTIAL_CLIENT_ID, TestServer};
    ///
    /// let server = TestServer::start().await?;
    /// let expired = server.sign_id_token(&serde_json::json!({
    ///     "iss": server.issuer(), "aud": [CONFIDENTIAL_CLIENT_ID], "sub": "someone",
    ///     "iat": 1_000_000_000, "exp": 1_000_003_600,
    /// }))?;
    /// # let _ = expired; Ok(()) }
    /// ```
    pub fn sign_id_token(&self, claims: &serde_json::Value) -> std::io::Result<String> {
        self.shared
            .lock()
            .signing_key
            .sign(claims)
            .map_err(std::io::Error::other)
    }

    /// The signed-in user's web session, Polar's `polar_session` cookie: pass it to
    /// [`Client::consent_data`] to read consent data as Polar's authorization page does, to
    /// register or manage clients as that user, or use it in a `web` grant.
    ///
    /// ```
    /// use polar_oauth2_test_server::{TestClient, TestServer};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let polar = TestServer::start().await?;
    /// polar.register_client(TestClient::public("polar_ci_test_cli")); // the test user's client
    /// let session = polar.web_session_token();
    /// let registered = polar.client()?.get_client(&session, "polar_ci_test_cli").await?;
    /// assert_eq!(registered.client_id, "polar_ci_test_cli");
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn web_session_token(&self) -> SessionToken {
        SessionToken::new(self.lock().web_session.clone())
    }

    /// The test user opens `authorization_url` and clicks "Allow" (picking the
    /// `organizations` of the URL, or else the first of [`ORGANIZATIONS`] for
    /// `sub_type=organization`: the token is then the user's, down-scoped to it).
    ///
    /// Returns the URL the browser is redirected to: the client's `redirect_uri` with `code`
    /// and `state`, or with `error` (RFC 6749 §4.1.2.1) for a request Polar rejects that way.
    /// A request whose client or redirect URI is invalid is never redirected (§4.1.2.1): that
    /// error comes back as `Err(Error::OAuth(_))`, as Polar's page would show it. Only the query of `authorization_url` is read.
    ///
    /// ```
    /// use polar_oauth2_test_server::{REDIRECT_URI, TestServer};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let polar = TestServer::start().await?;
    /// let pending = polar.authorization_request().build()?;
    /// let redirected_to = polar.approve(pending.url())?; // the user clicks "Allow"
    /// assert!(redirected_to.starts_with(REDIRECT_URI));
    /// let code = pending.callback(&redirected_to)?;
    /// # Ok(()) }
    /// ```
    pub fn approve(&self, authorization_url: &str) -> Result<String, Error> {
        self.decide(authorization_url, true)
    }

    /// The test user opens `authorization_url` and clicks "Deny": the redirect carries
    /// `error=access_denied` (or the request's own error, as with [`Self::approve`]).
    ///
    /// ```
    /// use polar_oauth2::{CallbackError, OAuthErrorCode};
    /// use polar_oauth2_test_server::TestServer;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let polar = TestServer::start().await?;
    /// let pending = polar.authorization_request().build()?;
    /// let redirected_to = polar.deny(pending.url())?;
    /// match pending.callback(&redirected_to) {
    ///     Err(CallbackError::Authorization(denied)) => {
    ///         assert_eq!(denied.code, OAuthErrorCode::AccessDenied)
    ///     }
    ///     other => panic!("expected access_denied, got {other:?}"),
    /// }
    /// # Ok(()) }
    /// ```
    pub fn deny(&self, authorization_url: &str) -> Result<String, Error> {
        self.decide(authorization_url, false)
    }

    fn decide(&self, authorization_url: &str, allow: bool) -> Result<String, Error> {
        let params = Params::parse(query_of(authorization_url));
        let mut inner = self.lock();
        let organizations = inner.picked_organizations(&params);
        match inner.authorization_response(&params, allow, true, &organizations) {
            Ok(location) => Ok(location),
            Err(failure) => match failure.redirect_location() {
                Some(location) => Ok(location),
                None => Err(Error::OAuth(failure.into_oauth_error())),
            },
        }
    }

    /// Move this server's clock forward: codes expire after [`CODE_LIFETIME`], access tokens
    /// after their `expires_in`.
    ///
    /// ```
    /// use polar_oauth2_test_server::{CODE_LIFETIME, TestServer};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let polar = TestServer::start().await?;
    /// let (client, credentials) = (polar.client()?, polar.confidential_client());
    /// let pending = polar.authorization_request().build()?;
    /// let code = pending.callback(&polar.approve(pending.url())?)?;
    /// polar.advance(CODE_LIFETIME); // the user took too long: the code has expired
    /// let (uri, verifier) = (pending.redirect_uri(), Some(pending.pkce_verifier().clone()));
    /// let late = client.exchange_code(&credentials, code, uri, verifier).await;
    /// assert!(late.is_err());
    /// # Ok(()) }
    /// ```
    pub fn advance(&self, by: Duration) {
        let mut inner = self.lock();
        inner.offset = inner.offset.saturating_add(by);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, state::Inner> {
        self.shared.lock()
    }
}
