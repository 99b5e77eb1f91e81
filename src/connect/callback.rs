//! The callback finished in one call: `state`, the code exchange with the PKCE verifier, and
//! the ID token with its nonce, checked in that order by [`Connector::finish`].

use url::Url;

use super::connect_error::ConnectError;
use crate::authorization::{
    AuthorizationRequest, PRODUCTION_AUTHORIZE_URL, PendingAuthorization, SANDBOX_AUTHORIZE_URL,
};
use crate::client::{Client, Server};
use crate::id_token::{IdTokenClaims, IdTokenVerifier, POLAR_ISSUER};
use crate::scope::Scope;
use crate::token::{ClientCredentials, Token};

/// The authorization flow of one OAuth2 client and redirect URI: the request to send the
/// browser with ([`Self::authorization_request`]), and the callback checked and exchanged in
/// one call ([`Self::finish`]). Cheap to clone; keep one per app, so the ID token keys are
/// fetched once.
///
/// The ID token's issuer is pinned to [`POLAR_ISSUER`] (`https://polar.sh`, which Polar's
/// sandbox and the embedded test server also use); set another with [`Self::issuer`] for a
/// server of your own.
///
/// ```no_run
/// use polar_oauth2::{Client, ClientCredentials, ClientSecret, Connector, Scope, Server};
///
/// # async fn demo(redirected_to: &str) -> Result<(), Box<dyn std::error::Error>> {
/// let client = Client::new(Server::Production)?;
/// let credentials = ClientCredentials::confidential("polar_ci_…", ClientSecret::new("polar_cs_…"));
/// let connector = Connector::new(&client, credentials, "https://your.app/callback");
///
/// // /login: send the browser to `pending.url()`, keep `pending` in its encrypted session.
/// let pending = connector.authorization_request().scope(Scope::Email).build()?;
///
/// // /callback: `redirected_to` is the URL the browser came back to (path and query suffice).
/// match connector.finish(pending, redirected_to).await {
///     Ok(connection) => println!("signed in: {}", connection.claims.sub),
///     Err(e) if e.refuse_browser() => println!("400: {e}"), // forged, replayed or denied
///     Err(e) if e.polar_unavailable() => println!("502: {e}"), // try again later
///     Err(e) => println!("500: {e}"), // this app's configuration
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Connector {
    client: Client,
    credentials: ClientCredentials,
    redirect_uri: String,
    page: Option<String>,
    verifier: IdTokenVerifier,
}

/// A user connected: their token and the verified claims of its ID token.
///
/// ```no_run
/// # async fn f(connector: polar_oauth2::Connector, tokens: polar_oauth2::Tokens<polar_oauth2::MemoryStore>,
/// #     pending: polar_oauth2::PendingAuthorization, url: &str) -> Result<(), Box<dyn std::error::Error>> {
/// let connection = connector.finish(pending, url).await?;
/// tokens.connect(&connection.claims.sub, connection.token).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Connection {
    /// The token to keep (e.g. with [`Tokens::connect`](crate::Tokens::connect)).
    pub token: Token,
    /// Who signed in: the ID token's claims, signature, issuer, audience, expiry and nonce
    /// checked. `sub` is the Polar user (or organization) ID, the key to store tokens under.
    pub claims: IdTokenClaims,
}

impl Connector {
    /// A connector for `credentials`' client on the server `client` talks to, whose users come
    /// back to `redirect_uri` (one registered for the client), with the issuer pinned to
    /// [`POLAR_ISSUER`].
    ///
    /// ```
    /// use polar_oauth2::{Client, ClientCredentials, ClientSecret, Connector, Server};
    ///
    /// let client = Client::new(Server::Production)?;
    /// let secret = ClientSecret::new("polar_cs_test_app");
    /// let credentials = ClientCredentials::confidential("polar_ci_test_app", secret);
    /// let connector = Connector::new(&client, credentials, "https://app.example.com/callback");
    /// # Ok::<(), polar_oauth2::Error>(())
    /// ```
    #[must_use]
    pub fn new(
        client: &Client,
        credentials: ClientCredentials,
        redirect_uri: impl Into<String>,
    ) -> Self {
        let verifier = client
            .id_token_verifier(credentials.client_id())
            .issuer(POLAR_ISSUER);
        Self {
            client: client.clone(),
            credentials,
            redirect_uri: redirect_uri.into(),
            page: None,
            verifier,
        }
    }

    /// The authorization page to send browsers to, for a [`Server::Custom`] (the server's
    /// discovery document names it `authorization_endpoint`; for the embedded test server,
    /// `TestServer::authorization_endpoint`). Polar's and its sandbox's are known.
    ///
    /// ```
    /// use polar_oauth2_test_server::{REDIRECT_URI, TestServer};
    /// use polar_oauth2::Connector;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let polar = TestServer::start().await?;
    /// let client = polar.client()?;
    /// let connector = Connector::new(&client, polar.confidential_client(), REDIRECT_URI)
    ///     .authorization_page(polar.authorization_endpoint());
    /// let pending = connector.authorization_request().build()?;
    /// assert!(pending.url().starts_with(&polar.authorization_endpoint()));
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn authorization_page(mut self, url: impl Into<String>) -> Self {
        self.page = Some(url.into());
        self
    }

    /// An authorization request for this client and redirect URI, with what [`Self::finish`]
    /// needs: the `openid` scope and a random nonce (and, as every request, a random `state`
    /// and PKCE S256). Add scopes and options, then `build()`.
    ///
    /// ```
    /// use polar_oauth2::{Client, ClientCredentials, Connector, Scope, Server};
    ///
    /// let client = Client::new(Server::Sandbox)?;
    /// let connector = Connector::new(&client, ClientCredentials::public("polar_ci_example"), "https://your.app/callback");
    /// let pending = connector.authorization_request().scope(Scope::Email).build()?;
    /// assert!(pending.url().starts_with("https://sandbox.polar.sh/oauth2/authorize?"));
    /// assert!(pending.nonce().is_some());
    /// # Ok::<(), polar_oauth2::Error>(())
    /// ```
    pub fn authorization_request(&self) -> AuthorizationRequest {
        // The page is known for Polar's two servers, which the client names by base URL.
        let server = [Server::Production, Server::Sandbox]
            .into_iter()
            .find(|s| s.base_url() == self.client.base_url().trim_end_matches('/'))
            .unwrap_or_else(|| Server::Custom(self.client.base_url().to_owned()));
        let request = AuthorizationRequest::new(
            &server,
            self.credentials.client_id(),
            self.redirect_uri.clone(),
        )
        .scope(Scope::Openid)
        .random_nonce();
        match &self.page {
            Some(page) => request.endpoint(page.clone()),
            None => request,
        }
    }

    /// Require this ID token issuer instead of [`POLAR_ISSUER`] (a server of your own).
    ///
    /// ```
    /// use polar_oauth2::{Client, ClientCredentials, Connector, Server};
    ///
    /// // Polar behind your own domain: the ID tokens name that issuer.
    /// let client = Client::new(Server::Custom("https://polar.example.com".into()))?;
    /// let credentials = ClientCredentials::public("polar_ci_test_cli");
    /// let connector = Connector::new(&client, credentials, "http://127.0.0.1:8400/callback")
    ///     .issuer("https://polar.example.com");
    /// # Ok::<(), polar_oauth2::Error>(())
    /// ```
    #[must_use]
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.verifier = self.verifier.issuer(issuer);
        self
    }

    /// Finish the flow `pending` started, from the URL the browser was redirected to (absolute,
    /// or path and query): check `state` in constant time, exchange the code with the PKCE
    /// verifier and `pending`'s `redirect_uri`, then verify the ID token (its nonce against
    /// `pending`'s). Asking for [`Scope::Openid`](crate::Scope::Openid) is required: without
    /// an ID token the result is [`ConnectError::NoIdToken`].
    ///
    /// `pending` is taken by value: it is single-use. Remove it from the user's session before
    /// calling this, so that a replayed callback finds none (answer 400).
    ///
    /// `pending` must be one this connector made: for its client, its `redirect_uri` and its
    /// authorization page. One made for another is [`ConnectError::ForeignPending`] (400), and
    /// its code is not exchanged: a stored form restores when it is consistent in itself, and
    /// only the connector knows what it must match.
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
    /// // Keep `pending` (encrypted cookie, session); send the browser to `pending.url()`.
    /// let pending = connector.authorization_request().build()?;
    /// let redirected_to = polar.approve(pending.url())?;
    /// let connection = connector.finish(pending, &redirected_to).await?;
    /// assert!(connection.token.refresh_token().is_some());
    /// # Ok(()) }
    /// ```
    pub async fn finish(
        &self,
        pending: PendingAuthorization,
        redirected_to: &str,
    ) -> Result<Connection, ConnectError> {
        self.check_made_here(&pending)?;
        let code = pending.callback(redirected_to)?;
        let token = self
            .client
            .exchange_code(
                &self.credentials,
                code,
                pending.redirect_uri(),
                Some(pending.pkce_verifier().clone()),
            )
            .await
            .map_err(ConnectError::Exchange)?;
        let id_token = token.id_token().ok_or(ConnectError::NoIdToken)?;
        let claims = self.verifier.verify(id_token, pending.nonce()).await?;
        Ok(Connection { token, claims })
    }

    /// The authorization page this connector sends browsers to, if it knows one.
    fn page(&self) -> Option<&str> {
        if let Some(page) = &self.page {
            return Some(page);
        }
        let base = self.client.base_url().trim_end_matches('/');
        if base == Server::Production.base_url() {
            Some(PRODUCTION_AUTHORIZE_URL)
        } else if base == Server::Sandbox.base_url() {
            Some(SANDBOX_AUTHORIZE_URL)
        } else {
            None
        }
    }

    /// `pending` is one this connector could have made: its URL is on this connector's
    /// authorization page, for its client and `redirect_uri`. A stored form restores when it
    /// is consistent in itself; only the connector knows what it must be consistent *with*.
    fn check_made_here(&self, pending: &PendingAuthorization) -> Result<(), ConnectError> {
        let params = pending.authorize_params();
        if params.client_id.as_deref() != Some(self.credentials.client_id()) {
            return Err(ConnectError::ForeignPending("client_id"));
        }
        if pending.redirect_uri() != self.redirect_uri {
            return Err(ConnectError::ForeignPending("redirect_uri"));
        }
        let same_page = |page: &str| {
            let (Ok(sent), Ok(page)) = (Url::parse(pending.url()), Url::parse(page)) else {
                return false;
            };
            sent.scheme() == page.scheme()
                && sent.host() == page.host()
                && sent.port_or_known_default() == page.port_or_known_default()
                && sent.path() == page.path()
        };
        if !self.page().is_some_and(same_page) {
            return Err(ConnectError::ForeignPending("authorization page"));
        }
        Ok(())
    }
}
