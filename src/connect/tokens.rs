//! [`Tokens`]: every user's token, refreshed once at a time per user, persisted before use,
//! and disconnected without a refresh writing it back.

use std::fmt;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::slots::{Shared, revoke};
use super::store::TokenStore;
use super::tokens_error::TokensError;
use crate::client::Client;
use crate::secret::AccessToken;
use crate::token::{ClientCredentials, Token};
use crate::token_source::DEFAULT_REFRESH_MARGIN;

/// Every user's token, keyed by the app's own user key, kept in a [`TokenStore`]. Cheap to
/// clone; clones share the users.
///
/// - [`Self::access_token`] hands out a valid access token: refreshed when it expires within
///   the margin, once per user however many requests ask, saved to the store before anyone
///   gets it, and finished (and saved) even if the request that started it is cancelled.
/// - [`Self::disconnect`] revokes the grant without refreshing first and deletes it; a refresh
///   in flight meanwhile is revoked and not stored.
///
/// ```no_run
/// use polar_oauth2::{Client, ClientCredentials, ClientSecret, Connection, FileStore, Server, Tokens};
///
/// # async fn demo(connection: Connection) -> Result<(), Box<dyn std::error::Error>> {
/// let client = Client::new(Server::Production)?;
/// let credentials = ClientCredentials::confidential("polar_ci_…", ClientSecret::new("polar_cs_…"));
/// let tokens = Tokens::new(client.clone(), credentials, FileStore::open("polar-tokens")?);
///
/// // After the callback (see `Connector::finish`): keep the token under the app's user key.
/// tokens.connect("user-42", connection.token).await?;
/// // In any later request, after a restart too:
/// match tokens.access_token("user-42").await {
///     Ok(access_token) => println!("{:?}", client.userinfo(&access_token).await?.email),
///     Err(e) if e.must_reconnect() => println!("send the user to /login"),
///     Err(e) => return Err(e.into()),
/// }
/// // Logout: revoke at Polar and forget.
/// tokens.disconnect("user-42").await?;
/// # Ok(()) }
/// ```
pub struct Tokens<S> {
    shared: Arc<Shared<S>>,
}

impl<S> Clone for Tokens<S> {
    fn clone(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<S> fmt::Debug for Tokens<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tokens")
            .field("client_id", &self.shared.credentials.client_id())
            .field("margin", &self.shared.margin)
            .finish_non_exhaustive()
    }
}

impl<S: TokenStore> Tokens<S> {
    /// Tokens of `credentials`' users on the server `client` talks to, kept in `store`.
    ///
    /// ```
    /// use polar_oauth2::{Client, ClientCredentials, ClientSecret, MemoryStore, Server, Tokens};
    ///
    /// let client = Client::new(Server::Production)?;
    /// let secret = ClientSecret::new("polar_cs_test_app");
    /// let credentials = ClientCredentials::confidential("polar_ci_test_app", secret);
    /// let tokens = Tokens::new(client, credentials, MemoryStore::new());
    /// # Ok::<(), polar_oauth2::Error>(())
    /// ```
    #[must_use]
    pub fn new(client: Client, credentials: ClientCredentials, store: S) -> Self {
        Self {
            shared: Arc::new(Shared {
                client,
                credentials,
                store: Arc::new(store),
                margin: DEFAULT_REFRESH_MARGIN,
                slots: Mutex::default(),
                generations: AtomicU64::new(0),
            }),
        }
    }

    /// Refresh when the access token expires within `margin` (default
    /// [`DEFAULT_REFRESH_MARGIN`]). Set it on the new manager, before cloning it: a manager
    /// already cloned keeps its margin.
    ///
    /// ```
    /// use std::time::Duration;
    /// use polar_oauth2::{Client, ClientCredentials, MemoryStore, Server, Tokens};
    ///
    /// let client = Client::new(Server::Production)?;
    /// let credentials = ClientCredentials::public("polar_ci_test_cli");
    /// // Refresh when less than 5 minutes are left, not at the last second.
    /// let tokens = Tokens::new(client, credentials, MemoryStore::new())
    ///     .refresh_margin(Duration::from_secs(300));
    /// # Ok::<(), polar_oauth2::Error>(())
    /// ```
    #[must_use]
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        if let Some(shared) = Arc::get_mut(&mut self.shared) {
            shared.margin = margin;
        }
        self
    }

    /// The client the tokens are refreshed with, to call Polar with them.
    #[must_use]
    pub fn client(&self) -> &Client {
        &self.shared.client
    }

    /// The store, e.g. to read what was persisted.
    ///
    /// ```
    /// use polar_oauth2::{MemoryStore, TokenStore, Tokens};
    /// use polar_oauth2_test_server::TestServer;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let polar = TestServer::start().await?;
    /// let (client, credentials) = (polar.client()?, polar.confidential_client());
    /// let tokens = Tokens::new(client, credentials, MemoryStore::new());
    /// assert!(tokens.store().load("user-42").await?.is_none()); // never connected
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn store(&self) -> &S {
        &self.shared.store
    }

    /// Keep `token` as `key`'s (saved before this returns), replacing any other: after a
    /// callback, or to import a stored token.
    ///
    /// ```
    /// use polar_oauth2::{MemoryStore, Tokens};
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
    /// let tokens = Tokens::new(client, credentials, MemoryStore::new());
    /// tokens.connect("user-42", token).await?; // stored under the app's own user key
    /// assert!(tokens.current("user-42").await?.is_some());
    /// # Ok(()) }
    /// ```
    pub async fn connect(&self, key: &str, token: Token) -> Result<(), TokensError> {
        let slot = self.shared.slot(key);
        let mut loaded = slot.loaded.lock().await;
        self.shared
            .store
            .save(key, &token)
            .await
            .map_err(TokensError::storage)?;
        *loaded = Some(self.shared.load(&slot, key, token));
        Ok(())
    }

    /// A valid access token for `key`, refreshed first when it expires within the margin.
    ///
    /// ```
    /// use polar_oauth2::{MemoryStore, Tokens};
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
    /// let tokens = Tokens::new(client.clone(), credentials, MemoryStore::new());
    /// tokens.connect("user-42", token).await?;
    /// let access_token = tokens.access_token("user-42").await?; // refreshed first if near expiry
    /// client.userinfo(&access_token).await?;
    /// # Ok(()) }
    /// ```
    pub async fn access_token(&self, key: &str) -> Result<AccessToken, TokensError> {
        let source = self.shared.source(key).await?;
        source.access_token().await.map_err(TokensError::from)
    }

    /// `key`'s token as it is, without refreshing (it may be expired): `None` when the user is
    /// not connected.
    ///
    /// ```
    /// use polar_oauth2::{MemoryStore, Tokens};
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
    /// let tokens = Tokens::new(client, credentials, MemoryStore::new());
    /// tokens.connect("user-42", token.clone()).await?;
    /// let current = tokens.current("user-42").await?.unwrap(); // no refresh, no request
    /// assert_eq!(current.access_token(), token.access_token());
    /// assert!(tokens.current("user-7").await?.is_none());
    /// # Ok(()) }
    /// ```
    pub async fn current(&self, key: &str) -> Result<Option<Token>, TokensError> {
        let slot = self.shared.slot(key);
        let loaded = slot.loaded.lock().await;
        match &*loaded {
            Some(loaded) => Ok(Some(loaded.source.current())),
            None => self
                .shared
                .store
                .load(key)
                .await
                .map_err(TokensError::storage),
        }
    }

    /// A new access token for `key` after a resource server answered 401 to `rejected`:
    /// refreshed unless the stored access token is already another one (refreshed meanwhile).
    ///
    /// ```
    /// use polar_oauth2::{MemoryStore, Tokens};
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
    /// let tokens = Tokens::new(client, credentials, MemoryStore::new());
    /// tokens.connect("user-42", token).await?;
    /// let rejected = tokens.access_token("user-42").await?;
    /// // Say an API call answered 401 with it: get a new one (one refresh however many callers).
    /// let fresh = tokens.refresh_after_unauthorized("user-42", &rejected).await?;
    /// assert_ne!(fresh, rejected);
    /// # Ok(()) }
    /// ```
    pub async fn refresh_after_unauthorized(
        &self,
        key: &str,
        rejected: &AccessToken,
    ) -> Result<AccessToken, TokensError> {
        let source = self.shared.source(key).await?;
        source
            .refresh_after_unauthorized(rejected)
            .await
            .map_err(TokensError::from)
    }

    /// Treat `key`'s access token as expired, so that the next [`Self::access_token`]
    /// refreshes it: for an app's tests of its refresh path (rotation, persistence) without
    /// waiting for the real expiry.
    ///
    /// ```
    /// use polar_oauth2_test_server::{TestServer, REDIRECT_URI};
    /// use polar_oauth2::{Connector, MemoryStore, TokenStore, Tokens};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let polar = TestServer::start().await?;
    /// let (client, credentials) = (polar.client()?, polar.confidential_client());
    /// let connector = Connector::new(&client, credentials.clone(), REDIRECT_URI)
    ///     .authorization_page(polar.authorization_endpoint());
    /// let pending = connector.authorization_request().build()?;
    /// let redirected_to = polar.approve(pending.url())?;
    /// let first = connector.finish(pending, &redirected_to).await?.token;
    ///
    /// let tokens = Tokens::new(client.clone(), credentials.clone(), MemoryStore::new());
    /// tokens.connect("user", first.clone()).await?;
    /// tokens.expire_now("user").await?;
    /// let refreshed = tokens.access_token("user").await?;
    /// assert_ne!(&refreshed, first.access_token());
    /// // Rotated: the old refresh token is spent, the new one is stored.
    /// assert!(client.refresh(&credentials, first.refresh_token().unwrap()).await.is_err());
    /// let stored = tokens.store().load("user").await?.unwrap();
    /// assert_eq!(stored.access_token(), &refreshed);
    /// # Ok(()) }
    /// ```
    pub async fn expire_now(&self, key: &str) -> Result<(), TokensError> {
        self.shared.source(key).await?.expire_now();
        Ok(())
    }

    /// Disconnect `key`: delete its token from the store, then revoke the grant at Polar (its
    /// refresh token, which ends the access token too). No refresh happens first, so a user
    /// whose grant is already dead can still log out; a refresh in flight is revoked when it
    /// completes and is not stored. A user not connected is no error.
    ///
    /// On [`TokensError::Revoke`] the token is already deleted here; the grant expires at Polar
    /// on its own (Polar accepts revocation only from confidential clients).
    ///
    /// ```
    /// use polar_oauth2::{MemoryStore, Tokens};
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
    /// let tokens = Tokens::new(client, credentials, MemoryStore::new());
    /// tokens.connect("user-42", token).await?;
    /// tokens.disconnect("user-42").await?; // revoked at Polar, then deleted
    /// let err = tokens.access_token("user-42").await.unwrap_err();
    /// assert!(err.must_reconnect());
    /// # Ok(()) }
    /// ```
    pub async fn disconnect(&self, key: &str) -> Result<(), TokensError> {
        let slot = self.shared.slot(key);
        let token = {
            let mut loaded = slot.loaded.lock().await;
            let token = match &*loaded {
                Some(loaded) => Some(loaded.source.current()),
                None => self
                    .shared
                    .store
                    .load(key)
                    .await
                    .map_err(TokensError::storage)?,
            };
            self.shared
                .store
                .delete(key)
                .await
                .map_err(TokensError::storage)?;
            *loaded = None;
            token
        };
        match token {
            Some(token) => revoke(&self.shared.client, &self.shared.credentials, &token)
                .await
                .map_err(|e| TokensError::Revoke(Arc::new(e))),
            None => Ok(()),
        }
    }
}
