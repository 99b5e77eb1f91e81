//! The registered clients as a test reaches them: the two test clients' credentials, more
//! clients, and their registration access tokens.

use super::TestServer;
use crate::clients::TestClient;
#[cfg(doc)]
use crate::seed::REDIRECT_URI;
use crate::seed::{CONFIDENTIAL_CLIENT_ID, CONFIDENTIAL_CLIENT_SECRET, PUBLIC_CLIENT_ID};
use polar_oauth2::{ClientCredentials, ClientSecret, RegistrationAccessToken};

impl TestServer {
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
}
