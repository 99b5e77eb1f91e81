//! A valid access token on demand: refreshed when it is about to expire, once for all callers.
//!
//! Polar rotates refresh tokens: a refresh revokes the refresh token it used (RFC 6749 §6,
//! "the authorization server MAY issue a new refresh token"). Two concurrent refreshes with the
//! same refresh token therefore make one of them fail with `invalid_grant`, and a new token that
//! is not stored before it is used is lost at the next restart. A [`TokenSource`] refreshes
//! *once* for every caller waiting (single-flight), hands the new token to the app's
//! [`on_refresh`](TokenSourceBuilder::on_refresh) callback to persist, and only then gives the
//! new access token out. The refresh runs on a task of its own: once the request may have
//! reached Polar, its answer is read and persisted even if every caller has gone away.
//!
//! A failed refresh does not take a still-valid token away: callers keep getting it until it
//! expires, and no new refresh is tried before a back-off (at least the server's `Retry-After`)
//! has passed ([`refresh_backoff`](TokenSourceBuilder::refresh_backoff)).
//!
//! A token source holds one grant: a service acting for one user or organization. An app with
//! many users keeps them in [`Tokens`](crate::Tokens), which runs one token source per
//! connected user over a [`TokenStore`](crate::TokenStore) and adds a race-free disconnect.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::client::Client;
use crate::error::{Error, OAuthErrorCode};
use crate::retry::RetryPolicy;
use crate::secret::AccessToken;
use crate::token::{ClientCredentials, Token};

/// Refresh when the access token expires within this margin (default: 60 s).
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// The error an [`on_refresh`](TokenSourceBuilder::on_refresh) callback returns (shared by the
/// callers that waited for that refresh).
pub type PersistError = Arc<dyn StdError + Send + Sync>;

type Persist = Arc<
    dyn Fn(Token) -> Pin<Box<dyn Future<Output = Result<(), PersistError>> + Send>> + Send + Sync,
>;

/// What the callers waiting for one attempt get.
type Outcome = Result<Token, TokenSourceError>;

/// Why no access token could be handed out.
///
/// Every caller that waited for a refresh gets that refresh's outcome (hence the `Arc`s): a
/// failing server sees one request per refresh attempt, not one per caller.
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
/// // The user disconnected the app at Polar: the refresh token is revoked.
/// client.revoke(&credentials, token.refresh_token().unwrap()).await?;
/// let source = TokenSource::new(client, credentials, token);
/// source.expire_now();
/// let err = source.access_token().await.unwrap_err();
/// assert!(err.must_reconnect()); // send the user through the login again
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum TokenSourceError {
    /// The user must connect again (send them through the authorization flow): the refresh
    /// token was refused with `invalid_grant` (revoked, expired, or already used). Final: this
    /// token source makes no more requests and returns this error from then on.
    ReconnectRequired(Arc<Error>),
    /// The access token expired and there is no refresh token: the user must connect again.
    NoRefreshToken,
    /// The refresh failed for another reason (network, timeout, 5xx, a bad client secret) and
    /// the current access token has expired (until then it is handed out instead, and
    /// [`TokenSource::last_refresh_error`] tells why it was not renewed).
    /// [`Error::is_retryable`] tells whether trying again later may help; the token source
    /// keeps the old token and tries again at a call after the back-off
    /// ([`refresh_backoff`](TokenSourceBuilder::refresh_backoff)), returning this error until
    /// then.
    Refresh(Arc<Error>),
    /// The new token could not be persisted by the `on_refresh` callback. The token source keeps
    /// it (the old refresh token is already revoked) and calls the callback again, before
    /// handing the token out, at the next call.
    Persist(PersistError),
    /// The refresh task ended without an outcome: its runtime shut down, or the `on_refresh`
    /// callback panicked. A token already refreshed is kept; the next call tries again.
    Interrupted,
}

impl TokenSourceError {
    /// Whether the user must go through the authorization flow again.
    ///
    /// ```
    /// use polar_oauth2::TokenSourceError;
    ///
    /// assert!(TokenSourceError::NoRefreshToken.must_reconnect());
    /// assert!(!TokenSourceError::Interrupted.must_reconnect()); // the next call tries again
    /// ```
    #[must_use]
    pub fn must_reconnect(&self) -> bool {
        matches!(self, Self::ReconnectRequired(_) | Self::NoRefreshToken)
    }
}

impl fmt::Display for TokenSourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ReconnectRequired(e) => {
                write!(f, "the refresh token was refused, the user must connect again: {e}")
            }
            Self::NoRefreshToken => f.write_str(
                "the access token expired and there is no refresh token: the user must connect again",
            ),
            Self::Refresh(e) => write!(f, "cannot refresh the access token: {e}"),
            Self::Persist(e) => write!(f, "cannot persist the refreshed token: {e}"),
            Self::Interrupted => f.write_str("the token refresh ended without an outcome"),
        }
    }
}

impl StdError for TokenSourceError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Self::ReconnectRequired(e) | Self::Refresh(e) => Some(e.as_ref()),
            Self::Persist(e) => Some(e.as_ref()),
            Self::NoRefreshToken | Self::Interrupted => None,
        }
    }
}

/// Hands out a valid access token for one user's (or organization's) grant, refreshing it
/// when it expires within a margin. Cheap to clone; clones share the token.
///
/// ```no_run
/// use polar_oauth2::{Client, ClientCredentials, ClientSecret, Server, Token, TokenSource};
///
/// # async fn f(stored: Token) -> Result<(), Box<dyn std::error::Error>> {
/// let client = Client::new(Server::Production)?;
/// let credentials =
///     ClientCredentials::confidential("polar_ci_test_example", ClientSecret::new("polar_cs_test_example"));
/// let source = TokenSource::builder(client, credentials, stored)
///     .on_refresh(|token: Token| async move {
///         // Store `token` (its refresh token is new: the old one is revoked), e.g. in a database.
///         # let _ = token;
///         Ok::<(), std::io::Error>(())
///     })
///     .build();
/// let bearer = match source.access_token().await {
///     Ok(access_token) => format!("Bearer {}", access_token.secret()),
///     // Send the user to the authorization URL again.
///     Err(e) if e.must_reconnect() => return Ok(()),
///     Err(e) => return Err(e.into()),
/// };
/// # let _ = bearer;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct TokenSource {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client,
    credentials: ClientCredentials,
    margin: Duration,
    backoff: RetryPolicy,
    persist: Option<Persist>,
    state: Mutex<State>,
}

impl Inner {
    /// The state. It is never held across an `await` and nothing under it panics, so a
    /// poisoned lock still guards a consistent state.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

struct State {
    /// The grant: the newest token; its refresh token is the one to use next.
    token: Token,
    /// `false` between a refresh and a successful `on_refresh`.
    persisted: bool,
    /// The last refresh failure, until a refresh succeeds; final when it is `invalid_grant`.
    failure: Option<TokenSourceError>,
    /// Refresh failures in a row (the back-off grows with them).
    failures: u32,
    /// No refresh is attempted before this instant.
    retry_at: Option<Instant>,
    /// The outcome of the attempt in flight, if there is one.
    running: Option<watch::Receiver<Option<Outcome>>>,
    /// Refresh at the next call whatever the expiry says (a 401, or a test forcing it).
    stale: bool,
}

impl State {
    /// The current token, if it may be handed out: stored and not expired.
    fn usable(&self) -> Option<Token> {
        (self.persisted && !self.stale && !self.token.is_expired()).then(|| self.token.clone())
    }

    /// Whether the next call must refresh first.
    fn due(&self, margin: Duration) -> bool {
        self.stale || self.token.expires_within(margin)
    }
}

/// What a caller does next.
enum Next {
    Done(Outcome),
    /// Wait for the attempt in flight.
    Wait(watch::Receiver<Option<Outcome>>),
    /// Run the attempt first: there is no Tokio runtime to run it on a task of its own.
    Run(
        Pin<Box<dyn Future<Output = ()> + Send>>,
        watch::Receiver<Option<Outcome>>,
    ),
}

impl fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSource")
            .field("client_id", &self.inner.credentials.client_id())
            .field("margin", &self.inner.margin)
            .finish_non_exhaustive()
    }
}

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
    /// fails, the caller gets [`TokenSourceError::Persist`] and the next call tries again.
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

    /// A valid access token: the current one, or a new one when the current one expires within
    /// the margin. Concurrent callers share one refresh.
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
    /// source.expire_now(); // as if an hour had passed
    /// let access_token = source.access_token().await?; // refreshed, the rotation kept
    /// client.userinfo(&access_token).await?;
    /// # Ok(()) }
    /// ```
    pub async fn access_token(&self) -> Result<AccessToken, TokenSourceError> {
        Ok(self.token().await?.access_token().clone())
    }

    /// The current token, refreshed first if it expires within the margin (see
    /// [`Self::access_token`]).
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
    /// let source = TokenSource::new(client, credentials, token);
    /// let current = source.token().await?; // with its refresh token and expiry
    /// assert!(current.refresh_token().is_some());
    /// # Ok(()) }
    /// ```
    pub async fn token(&self) -> Result<Token, TokenSourceError> {
        let next = self.next(&mut self.inner.lock());
        let mut running = match next {
            Next::Done(outcome) => return outcome,
            Next::Wait(running) => running,
            Next::Run(attempt, running) => {
                attempt.await;
                running
            }
        };
        let outcome = match running.wait_for(Option::is_some).await {
            Ok(outcome) => outcome.clone(),
            Err(_) => None,
        };
        outcome.unwrap_or_else(|| {
            // The attempt was dropped unfinished: forget it, so that the next call starts one.
            let mut state = self.inner.lock();
            if state
                .running
                .as_ref()
                .is_some_and(|r| r.same_channel(&running))
            {
                state.running = None;
            }
            Err(TokenSourceError::Interrupted)
        })
    }

    /// The newest token, without refreshing it: for a disconnect (revoke its refresh token, see
    /// [`Client::revoke`]) or to show what is stored. It may be expired, or refreshed but not
    /// yet persisted by `on_refresh` (its refresh token is still the one to revoke).
    ///
    /// ```no_run
    /// # async fn logout(source: polar_oauth2::TokenSource, client: polar_oauth2::Client,
    /// #     credentials: polar_oauth2::ClientCredentials) -> Result<(), polar_oauth2::Error> {
    /// if let Some(refresh_token) = source.current().refresh_token() {
    ///     client.revoke(&credentials, refresh_token).await?;
    /// }
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn current(&self) -> Token {
        self.inner.lock().token.clone()
    }

    /// A new access token after a resource server answered 401 to `rejected`: refreshes
    /// unless the current access token is already another one (someone refreshed meanwhile),
    /// which is then handed out.
    ///
    /// ```no_run
    /// # async fn call(source: polar_oauth2::TokenSource, client: polar_oauth2::Client)
    /// #     -> Result<(), Box<dyn std::error::Error>> {
    /// let access_token = source.access_token().await?;
    /// let me = match client.userinfo(&access_token).await {
    ///     Err(e) if e.status().map(|s| s.as_u16()) == Some(401) => {
    ///         let fresh = source.refresh_after_unauthorized(&access_token).await?;
    ///         client.userinfo(&fresh).await?
    ///     }
    ///     other => other?,
    /// };
    /// # let _ = me; Ok(()) }
    /// ```
    pub async fn refresh_after_unauthorized(
        &self,
        rejected: &AccessToken,
    ) -> Result<AccessToken, TokenSourceError> {
        {
            let mut state = self.inner.lock();
            if state.token.access_token() == rejected {
                state.stale = true;
            }
        }
        self.access_token().await
    }

    /// Treat the current access token as expired: the next call refreshes it. For tests of
    /// an app's refresh path (rotation, persistence) without waiting for the real expiry.
    pub fn expire_now(&self) {
        self.inner.lock().stale = true;
    }

    /// The last refresh failure, kept until a refresh succeeds. A token source hands out a
    /// still-valid token through a failed refresh: this tells why it was not renewed (to log
    /// or report it).
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
    /// let source = TokenSource::new(client, credentials, token);
    /// source.access_token().await?;
    /// assert!(source.last_refresh_error().is_none()); // nothing failed
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn last_refresh_error(&self) -> Option<TokenSourceError> {
        self.inner.lock().failure.clone()
    }

    /// The token at hand, the attempt to wait for, or a new attempt.
    fn next(&self, state: &mut State) -> Next {
        if state.persisted && !state.due(self.inner.margin) {
            return Next::Done(Ok(state.token.clone()));
        }
        if let Some(running) = &state.running {
            return Next::Wait(running.clone());
        }
        if let Some(failure @ TokenSourceError::ReconnectRequired(_)) = &state.failure {
            return Next::Done(Err(failure.clone()));
        }
        if state.persisted && state.token.refresh_token().is_none() {
            return Next::Done(state.usable().ok_or(TokenSourceError::NoRefreshToken));
        }
        if let (Some(retry_at), Some(failure)) = (state.retry_at, &state.failure)
            && Instant::now() < retry_at
        {
            return Next::Done(state.usable().ok_or_else(|| failure.clone()));
        }
        let (done, running) = watch::channel(None);
        state.running = Some(running.clone());
        let source = self.clone();
        let attempt = async move {
            let outcome = source.attempt().await;
            done.send_replace(Some(outcome));
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                // Not awaited by the caller: it finishes (and persists) if the caller goes away.
                drop(runtime.spawn(attempt));
                Next::Wait(running)
            }
            Err(_) => Next::Run(Box::pin(attempt), running),
        }
    }

    /// One attempt: refresh if still needed, then persist what is not persisted yet. The
    /// outcome for every caller that waited.
    async fn attempt(&self) -> Outcome {
        let outcome = self.refresh_and_persist().await;
        let mut state = self.inner.lock();
        state.running = None;
        match outcome {
            Ok(()) => Ok(state.token.clone()),
            // A blip at the token endpoint is no outage while the current token is valid.
            Err(e @ TokenSourceError::Refresh(_)) => state.usable().ok_or(e),
            Err(e) => Err(e),
        }
    }

    async fn refresh_and_persist(&self) -> Result<(), TokenSourceError> {
        let refresh_token = {
            let state = self.inner.lock();
            if state.due(self.inner.margin) {
                let refresh_token = state.token.refresh_token().cloned();
                Some(refresh_token.ok_or(TokenSourceError::NoRefreshToken)?)
            } else {
                None
            }
        };
        if let Some(refresh_token) = refresh_token {
            let refreshed = self
                .inner
                .client
                .refresh(&self.inner.credentials, &refresh_token)
                .await;
            self.record(refreshed)?;
        }
        let token = {
            let state = self.inner.lock();
            if state.persisted {
                return Ok(());
            }
            state.token.clone()
        };
        if let Some(persist) = &self.inner.persist {
            persist(token).await.map_err(TokenSourceError::Persist)?;
        }
        self.inner.lock().persisted = true;
        Ok(())
    }

    /// Keep a refresh's outcome: the new token (whose refresh token replaces the old one), or
    /// the failure and the back-off it starts.
    fn record(&self, refreshed: Result<Token, Error>) -> Result<(), TokenSourceError> {
        let mut state = self.inner.lock();
        match refreshed {
            Ok(token) => {
                state.token = token;
                state.stale = false;
                state.persisted = false;
                state.failure = None;
                state.failures = 0;
                state.retry_at = None;
                Ok(())
            }
            Err(e) => {
                let retry_after = e.retry_after();
                let failure = if is_invalid_grant(&e) {
                    TokenSourceError::ReconnectRequired(Arc::new(e))
                } else {
                    TokenSourceError::Refresh(Arc::new(e))
                };
                state.failures = state.failures.saturating_add(1);
                let pause = self.inner.backoff.pause_after(state.failures, retry_after);
                state.retry_at = Instant::now().checked_add(pause);
                state.failure = Some(failure.clone());
                Err(failure)
            }
        }
    }
}

fn is_invalid_grant(error: &Error) -> bool {
    error
        .as_oauth()
        .is_some_and(|e| e.code == OAuthErrorCode::InvalidGrant)
}
