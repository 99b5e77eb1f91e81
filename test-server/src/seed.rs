//! The test data every server starts with: the signed-in user, the organizations they manage
//! and the two registered test clients.

use uuid::Uuid;

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
