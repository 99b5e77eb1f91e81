//! A token source's settings: the refresh margin, the back-off after a failure, and the
//! callback that persists each refreshed token.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::client::Client;
use crate::retry::RetryPolicy;
use crate::token::{ClientCredentials, Token};

use super::refresh::{Inner, Persist, State};
use super::source::TokenSource;

/// Refresh when the access token expires within this margin (default: 60 s).
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// Settings for a [`TokenSource`].
///
/// ```
/// use std::time::Duration;
/// use polar_oauth2::{Token, TokenSource};
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
/// let source = TokenSource::builder(client, credentials, token)
///     .refresh_margin(Duration::from_secs(120))
///     // Polar rotates refresh tokens: store each new one before it is used.
///     .on_refresh(|token: Token| async move { serde_json::to_string(&token).map(drop) })
///     .build();
/// let access_token = source.access_token().await?;
/// # Ok(()) }
/// ```
#[must_use]
pub struct TokenSourceBuilder {
    client: Client,
    credentials: ClientCredentials,
    token: Token,
    margin: Duration,
    backoff: RetryPolicy,
    persist: Option<Persist>,
}

impl fmt::Debug for TokenSourceBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSourceBuilder")
            .field("client_id", &self.credentials.client_id())
            .field("margin", &self.margin)
            .field("backoff", &self.backoff)
            .field("on_refresh", &self.persist.is_some())
            .finish_non_exhaustive()
    }
}

impl TokenSourceBuilder {
    /// Refresh when the access token expires within `margin` (default
    /// [`DEFAULT_REFRESH_MARGIN`]). Keep it well below the lifetime of a refreshed token
    /// (3600 s at Polar): a token that is "about to expire" from the start is refreshed at
    /// every call.
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// How long to wait after a failed refresh before the next one: after `n` failures in a
    /// row, [`RetryPolicy::backoff`]`(n - 1)` less its jitter, or the server's `Retry-After`
    /// when that is longer (honoured up to the policy's `max_retry_after`). Meanwhile callers
    /// get the current token while it is valid, else the failure, without a request. The
    /// default is [`RetryPolicy::none`]'s timing: 250 ms doubling up to 10 s, `Retry-After` up
    /// to 60 s. The policy's retry count is not used (a refresh is a `POST`, never retried
    /// within one call).
    ///
    /// ```
    /// use std::time::Duration;
    /// use polar_oauth2::{RetryPolicy, TokenSource};
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
    /// let source = TokenSource::builder(client, credentials, token)
    ///     .refresh_backoff(RetryPolicy::none().initial_backoff(Duration::from_secs(1)))
    ///     .build();
    /// # Ok(()) }
    /// ```
    pub fn refresh_backoff(mut self, policy: RetryPolicy) -> Self {
        self.backoff = policy;
        self
    }

    /// Call `persist` with each new token, before anyone is given its access token. Store the
    /// whole token: its refresh token replaces the old one, which Polar has revoked. When it
    /// fails, the caller gets [`TokenSourceError::Persist`](crate::TokenSourceError::Persist) and the next call tries again.
    ///
    /// It runs on the refresh's own task, so it is called even when every caller waiting for
    /// the refresh has gone away. Callers wait while it runs, so it must not ask this token
    /// source for a token (that would wait for itself).
    ///
    /// ```
    /// use polar_oauth2::{FileStore, Token, TokenSource, TokenStore};
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
    /// let dir = std::env::temp_dir().join(format!("polar-tokens-{}", std::process::id()));
    /// let store = FileStore::open(&dir)?;
    /// let source = TokenSource::builder(client, credentials, token)
    ///     // Saved before the new token is handed out: the old refresh token no longer works.
    ///     .on_refresh(move |token: Token| {
    ///         let store = store.clone();
    ///         async move { store.save("me", &token).await }
    ///     })
    ///     .build();
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(()) }
    /// ```
    pub fn on_refresh<F, Fut, E>(mut self, persist: F) -> Self
    where
        F: Fn(Token) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
        E: Into<Box<dyn StdError + Send + Sync>>,
    {
        self.persist = Some(Arc::new(move |token| {
            let fut = persist(token);
            Box::pin(async move { fut.await.map_err(|e| Arc::from(e.into())) })
        }));
        self
    }

    /// The token source.
    pub fn build(self) -> TokenSource {
        TokenSource {
            inner: Arc::new(Inner {
                client: self.client,
                credentials: self.credentials,
                margin: self.margin,
                backoff: self.backoff,
                persist: self.persist,
                state: Mutex::new(State {
                    token: self.token,
                    persisted: true,
                    failure: None,
                    failures: 0,
                    retry_at: None,
                    running: None,
                    stale: false,
                }),
            }),
        }
    }
}

impl TokenSource {
    /// A token source without a persistence callback (see [`Self::builder`]).
    ///
    /// ```
    /// use polar_oauth2::TokenSource;
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
    /// let source = TokenSource::new(client.clone(), credentials, token);
    /// let access_token = source.access_token().await?; // refreshed first when near expiry
    /// client.userinfo(&access_token).await?;
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn new(client: Client, credentials: ClientCredentials, token: Token) -> Self {
        Self::builder(client, credentials, token).build()
    }

    /// Settings for a token source that starts from `token` (e.g. one restored from storage).
    ///
    /// ```
    /// use std::time::Duration;
    /// use polar_oauth2::TokenSource;
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
    /// let source = TokenSource::builder(client, credentials, token)
    ///     .refresh_margin(Duration::from_secs(300))
    ///     .build();
    /// # Ok(()) }
    /// ```
    pub fn builder(
        client: Client,
        credentials: ClientCredentials,
        token: Token,
    ) -> TokenSourceBuilder {
        TokenSourceBuilder {
            client,
            credentials,
            token,
            margin: DEFAULT_REFRESH_MARGIN,
            backoff: RetryPolicy::none(),
            persist: None,
        }
    }
}
