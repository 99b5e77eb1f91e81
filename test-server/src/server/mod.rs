//! The running server as a test sees it: its URLs, a client for it, and its clock; the
//! credentials, the test user's actions and the ID token keys are in the files beside.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;

#[cfg(doc)]
use crate::constants::CODE_LIFETIME;
use crate::constants::web_app_page;
use crate::seed::{CONFIDENTIAL_CLIENT_ID, REDIRECT_URI};
use crate::shared::Shared;
use crate::state::Inner;
use polar_oauth2::{AuthorizationRequest, Client, Error, Server};

mod clients;
mod id_tokens;
mod user;

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
    pub(crate) base_url: String,
    pub(crate) shared: Arc<Shared>,
    pub(crate) accept: JoinHandle<()>,
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

    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.shared.lock()
    }
}
