//! A valid access token on demand: refreshed when it is about to expire, once for all callers.
//!
//! Polar rotates refresh tokens: a refresh revokes the refresh token it used (RFC 6749 §6,
//! "the authorization server MAY issue a new refresh token"). Two concurrent refreshes with the
//! same refresh token therefore make one of them fail with `invalid_grant`, and a new token that
//! is not stored before it is used is lost at the next restart. A [`TokenSource`] refreshes
//! *once* for every caller waiting (single-flight), hands the new token to the app's
//! [`on_refresh`](TokenSourceBuilder::on_refresh) callback to persist, and only then gives the
//! new access token out.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::RwLock;

use crate::client::Client;
use crate::error::{Error, OAuthErrorCode};
use crate::secret::{AccessToken, RefreshToken};
use crate::token::{ClientCredentials, Token};

/// Refresh when the access token expires within this margin (default: 60 s).
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// The error an [`on_refresh`](TokenSourceBuilder::on_refresh) callback returns (shared by the
/// callers that waited for that refresh).
pub type PersistError = Arc<dyn StdError + Send + Sync>;

type Persist = Arc<
    dyn Fn(Token) -> Pin<Box<dyn Future<Output = Result<(), PersistError>> + Send>> + Send + Sync,
>;

/// Why no access token could be handed out.
///
/// Every caller that waited for a refresh gets that refresh's outcome (hence the `Arc`s): a
/// failing server sees one request per refresh attempt, not one per caller.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum TokenSourceError {
    /// The user must connect again (send them through the authorization flow): the refresh
    /// token was refused with `invalid_grant` (revoked, expired, or already used). Final: this
    /// token source makes no more requests and returns this error from then on.
    ReconnectRequired(Arc<Error>),
    /// The access token expired and there is no refresh token: the user must connect again.
    NoRefreshToken,
    /// The refresh failed for another reason (network, timeout, 5xx, a bad client secret).
    /// [`Error::is_retryable`] tells whether trying again later may help; the token source
    /// keeps the old token and tries again at the next call.
    Refresh(Arc<Error>),
    /// The new token could not be persisted by the `on_refresh` callback. The token source keeps
    /// it (the old refresh token is already revoked) and calls the callback again, before
    /// handing the token out, at the next call.
    Persist(PersistError),
}

impl TokenSourceError {
    /// Whether the user must go through the authorization flow again.
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
        }
    }
}

impl StdError for TokenSourceError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Self::ReconnectRequired(e) | Self::Refresh(e) => Some(e.as_ref()),
            Self::Persist(e) => Some(e.as_ref()),
            Self::NoRefreshToken => None,
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
    persist: Option<Persist>,
    state: RwLock<State>,
    /// Refresh attempts finished so far (bumped under the write lock, read without any lock): a
    /// caller that arrived before an attempt finished takes its outcome.
    attempts: AtomicU64,
}

struct State {
    token: Token,
    /// The newest refresh token (kept if a response ever omits one; Polar always sends one).
    refresh_token: Option<RefreshToken>,
    /// `false` between a refresh and a successful `on_refresh`.
    persisted: bool,
    /// The outcome of the last attempt, when it failed.
    failure: Option<TokenSourceError>,
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
#[must_use]
pub struct TokenSourceBuilder {
    client: Client,
    credentials: ClientCredentials,
    token: Token,
    margin: Duration,
    persist: Option<Persist>,
}

impl fmt::Debug for TokenSourceBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSourceBuilder")
            .field("client_id", &self.credentials.client_id())
            .field("margin", &self.margin)
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

    /// Call `persist` with each new token, before anyone is given its access token. Store the
    /// whole token: its refresh token replaces the old one, which Polar has revoked. When it
    /// fails, the caller gets [`TokenSourceError::Persist`] and the next call tries again.
    ///
    /// Callers wait while it runs, so it must not ask this token source for a token (that
    /// would wait for itself).
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
        let refresh_token = self.token.refresh_token().cloned();
        TokenSource {
            inner: Arc::new(Inner {
                client: self.client,
                credentials: self.credentials,
                margin: self.margin,
                persist: self.persist,
                state: RwLock::new(State {
                    token: self.token,
                    refresh_token,
                    persisted: true,
                    failure: None,
                }),
                attempts: AtomicU64::new(0),
            }),
        }
    }
}

impl TokenSource {
    /// A token source without a persistence callback (see [`Self::builder`]).
    #[must_use]
    pub fn new(client: Client, credentials: ClientCredentials, token: Token) -> Self {
        Self::builder(client, credentials, token).build()
    }

    /// Settings for a token source that starts from `token` (e.g. one restored from storage).
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
            persist: None,
        }
    }

    /// A valid access token: the current one, or a new one when the current one expires within
    /// the margin. Concurrent callers share one refresh.
    pub async fn access_token(&self) -> Result<AccessToken, TokenSourceError> {
        Ok(self.token().await?.access_token().clone())
    }

    /// The current token, refreshed first if it expires within the margin (see
    /// [`Self::access_token`]).
    pub async fn token(&self) -> Result<Token, TokenSourceError> {
        let seen = self.inner.attempts.load(Ordering::Acquire);
        {
            let state = self.inner.state.read().await;
            if state.persisted && !state.token.expires_within(self.inner.margin) {
                return Ok(state.token.clone());
            }
        }
        // One writer at a time: whoever gets here first refreshes; the others then find the new
        // token, or the failure of the attempt they waited for.
        let mut state = self.inner.state.write().await;
        if let Some(failure) = &state.failure
            && (self.inner.attempts.load(Ordering::Acquire) != seen
                || matches!(failure, TokenSourceError::ReconnectRequired(_)))
        {
            return Err(failure.clone());
        }
        if !state.persisted || state.token.expires_within(self.inner.margin) {
            let outcome = self.refresh(&mut state).await;
            state.failure = outcome.as_ref().err().cloned();
            // Counted when done: whoever arrived before this point waited for this outcome.
            self.inner.attempts.fetch_add(1, Ordering::AcqRel);
            outcome?;
        }
        Ok(state.token.clone())
    }

    /// Refresh if still needed, then persist what is not persisted yet.
    async fn refresh(&self, state: &mut State) -> Result<(), TokenSourceError> {
        if state.token.expires_within(self.inner.margin) {
            let refresh_token = state
                .refresh_token
                .clone()
                .ok_or(TokenSourceError::NoRefreshToken)?;
            let token = self
                .inner
                .client
                .refresh(&self.inner.credentials, &refresh_token)
                .await
                .map_err(|e| {
                    if is_invalid_grant(&e) {
                        TokenSourceError::ReconnectRequired(Arc::new(e))
                    } else {
                        TokenSourceError::Refresh(Arc::new(e))
                    }
                })?;
            state.refresh_token = token.refresh_token().cloned().or(Some(refresh_token));
            state.token = token;
            state.persisted = false;
        }
        if !state.persisted {
            if let Some(persist) = &self.inner.persist {
                persist(state.token.clone())
                    .await
                    .map_err(TokenSourceError::Persist)?;
            }
            state.persisted = true;
        }
        Ok(())
    }
}

fn is_invalid_grant(error: &Error) -> bool {
    error
        .as_oauth()
        .is_some_and(|e| e.code == OAuthErrorCode::InvalidGrant)
}
