//! Polar's fixed values: token lifetimes, the API's paths, the issuer, and the limits a
//! server starts with.

use std::time::Duration;

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

pub(crate) const TOKEN_PATH: &str = "/v1/oauth2/token";
pub(crate) const CONSENT_DATA_PATH: &str = "/v1/oauth2/authorize";
pub(crate) const CONSENT_PATH: &str = "/v1/oauth2/consent";
pub(crate) const AUTHORIZATION_PAGE_PATH: &str = "/oauth2/authorize";

/// The authorization page on the "web app" origin: the API's listener named `localhost`
/// instead of `127.0.0.1`, as Polar's page is on its web app's origin, not the API's.
pub(crate) fn web_app_page(base_url: &str) -> String {
    let web_app = base_url.replacen("://127.0.0.1:", "://localhost:", 1);
    format!("{web_app}{AUTHORIZATION_PAGE_PATH}")
}
pub(crate) const REVOKE_PATH: &str = "/v1/oauth2/revoke";
pub(crate) const INTROSPECT_PATH: &str = "/v1/oauth2/introspect";
pub(crate) const USERINFO_PATH: &str = "/v1/oauth2/userinfo";
pub(crate) const REGISTER_PATH: &str = "/v1/oauth2/register";
pub(crate) const OPENID_CONFIGURATION_PATH: &str = "/.well-known/openid-configuration";
pub(crate) const JWKS_PATH: &str = "/.well-known/jwks.json";
/// Polar's `constants.ISSUER`: `iss` of ID tokens and introspection, `issuer` of discovery.
pub(crate) const ISSUER: &str = "https://polar.sh";
/// `exp` of Polar's `JWT_CONFIG`.
pub(crate) const ID_TOKEN_LIFETIME: u64 = 3600;
/// `WWW_AUTHENTICATE_REALM` of Polar's settings.
pub(crate) const REALM: &str = "polar";
pub(crate) const SESSION_COOKIE: &str = "polar_session";
pub(crate) const CLIENT_CREATED_AT: &str = "2026-01-01T00:00:00Z";
pub(crate) const MAX_BODY: usize = 64 * 1024;
