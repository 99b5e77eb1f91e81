//! The token source: a valid access token on demand for one grant, shared by its clones.

use std::fmt;
use std::sync::Arc;

use crate::secret::AccessToken;
use crate::token::Token;

use super::error::TokenSourceError;
use super::refresh::Inner;

/// Hands out a valid access token for one user's (or organization's) grant, refreshing it
/// when it expires within a margin. Cheap to clone; clones share the token.
///
/// Polar rotates refresh tokens: a refresh revokes the refresh token it used (RFC 6749 §6,
/// "the authorization server MAY issue a new refresh token"). Two concurrent refreshes with the
/// same refresh token therefore make one of them fail with `invalid_grant`, and a new token that
/// is not stored before it is used is lost at the next restart. A token source refreshes
/// *once* for every caller waiting (single-flight), hands the new token to the app's
/// [`on_refresh`](crate::TokenSourceBuilder::on_refresh) callback to persist, and only then
/// gives the new access token out. The refresh runs on a task of its own: once the request may
/// have reached Polar, its answer is read and persisted even if every caller has gone away.
///
/// A failed refresh does not take a still-valid token away: callers keep getting it until it
/// expires, and no new refresh is tried before a back-off (at least the server's `Retry-After`)
/// has passed ([`refresh_backoff`](crate::TokenSourceBuilder::refresh_backoff)).
///
/// A token source holds one grant: a service acting for one user or organization. An app with
/// many users keeps them in [`Tokens`](crate::Tokens), which runs one token source per
/// connected user over a [`TokenStore`](crate::TokenStore) and adds a race-free disconnect.
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
    pub(super) inner: Arc<Inner>,
}

impl fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSource")
            .field("client_id", &self.inner.credentials.client_id())
            .field("margin", &self.inner.margin)
            .finish_non_exhaustive()
    }
}

impl TokenSource {
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
        self.inner.token().await
    }

    /// The newest token, without refreshing it: for a disconnect (revoke its refresh token, see
    /// [`Client::revoke`](crate::Client::revoke)) or to show what is stored. It may be expired, or refreshed but not
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
}
