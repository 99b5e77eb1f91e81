//! The authorization request builder: the page, client, `redirect_uri`, scopes and options,
//! built into the URL the browser is sent to.

use url::Url;

use crate::authorize::{AuthorizeParams, PkceMethod, SubType};
use crate::client::Server;
use crate::client::check_transport;
use crate::error::Error;
use crate::scope::{Scope, ScopeSet};
use crate::secret::PkceCodeVerifier;

use super::pending::PendingAuthorization;
use super::pkce::{pkce_challenge, random_token};
use super::state::CsrfToken;

/// Polar's authorization page (production).
pub const PRODUCTION_AUTHORIZE_URL: &str = "https://polar.sh/oauth2/authorize";
/// Polar's authorization page in the sandbox.
pub const SANDBOX_AUTHORIZE_URL: &str = "https://sandbox.polar.sh/oauth2/authorize";

/// Settings for one authorization request (RFC 6749 §4.1.1). [`Self::build`] draws the
/// random values and returns the URL with what to keep for the callback.
///
/// State and PKCE are on by default: `state` is a fresh 256-bit random value checked in
/// constant time, and the challenge is `S256` ([`PkceMethod::Plain`] only when asked for).
///
/// ```
/// use polar_oauth2::{AuthorizationRequest, Scope, Server};
///
/// let pending = AuthorizationRequest::new(&Server::Sandbox, "polar_ci_test", "https://app.example/cb")
///     .scope(Scope::Openid)
///     .scope(Scope::Email)
///     .random_nonce()
///     .build()?;
/// assert!(pending.url().starts_with("https://sandbox.polar.sh/oauth2/authorize?"));
/// assert!(pending.url().contains("code_challenge_method=S256"));
/// # Ok::<(), polar_oauth2::Error>(())
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct AuthorizationRequest {
    endpoint: Endpoint,
    client_id: String,
    redirect_uri: String,
    scope: ScopeSet,
    state: Option<CsrfToken>,
    pkce_method: PkceMethod,
    nonce: Nonce,
    prompt: Option<String>,
    sub_type: Option<SubType>,
}

/// Where the authorization page is. A [`Server::Custom`] has no page this crate could know:
/// Polar's is its web app's, not an API route (discovery's `authorization_endpoint`).
#[derive(Debug, Clone)]
enum Endpoint {
    Page(String),
    Unknown,
}

#[derive(Debug, Clone)]
enum Nonce {
    None,
    Random,
    Given(String),
}

impl AuthorizationRequest {
    /// A request for `client_id` that will come back to `redirect_uri` (which must be one
    /// registered for the client), sent to the authorization page of `server`:
    /// `https://polar.sh/oauth2/authorize` or `https://sandbox.polar.sh/oauth2/authorize`.
    /// For a [`Server::Custom`], give the page with [`endpoint`](Self::endpoint): it is the
    /// web app's page that the server's discovery document names as `authorization_endpoint`,
    /// not a path below the API's base URL.
    ///
    /// ```
    /// use polar_oauth2::{AuthorizationRequest, Scope, Server};
    ///
    /// let redirect_uri = "https://app.example.com/callback";
    /// let pending = AuthorizationRequest::new(&Server::Sandbox, "polar_ci_test_app", redirect_uri)
    ///     .scope(Scope::Openid)
    ///     .random_nonce()
    ///     .build()?;
    /// assert!(pending.url().starts_with("https://sandbox.polar.sh/oauth2/authorize?"));
    /// # Ok::<(), polar_oauth2::Error>(())
    /// ```
    pub fn new(
        server: &Server,
        client_id: impl Into<String>,
        redirect_uri: impl Into<String>,
    ) -> Self {
        let endpoint = match server {
            Server::Production => Endpoint::Page(PRODUCTION_AUTHORIZE_URL.to_owned()),
            Server::Sandbox => Endpoint::Page(SANDBOX_AUTHORIZE_URL.to_owned()),
            Server::Custom(_) => Endpoint::Unknown,
        };
        Self {
            endpoint,
            client_id: client_id.into(),
            redirect_uri: redirect_uri.into(),
            scope: ScopeSet::new(),
            state: None,
            pkce_method: PkceMethod::S256,
            nonce: Nonce::None,
            prompt: None,
            sub_type: None,
        }
    }

    /// Use this authorization page URL (`https`, or `http` on a loopback host) instead of the
    /// server's: required for a [`Server::Custom`], e.g. its discovery document's
    /// `authorization_endpoint`.
    ///
    /// ```
    /// use polar_oauth2::{AuthorizationRequest, Server};
    ///
    /// let server = Server::Custom("https://polar-api.example.com".into());
    /// let redirect_uri = "https://app.example.com/callback";
    /// let request = AuthorizationRequest::new(&server, "polar_ci_test", redirect_uri)
    ///     .endpoint("https://polar.example.com/oauth2/authorize");
    /// assert!(request.build()?.url().starts_with("https://polar.example.com/oauth2/authorize?"));
    /// # Ok::<(), polar_oauth2::Error>(())
    /// ```
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Endpoint::Page(url.into());
        self
    }

    /// Ask for one more scope. Without any, Polar grants the client's registered scopes.
    ///
    /// ```
    /// use polar_oauth2::{AuthorizationRequest, Scope, Server};
    ///
    /// let redirect_uri = "https://app.example.com/callback";
    /// let pending = AuthorizationRequest::new(&Server::Sandbox, "polar_ci_test", redirect_uri)
    ///     .scope(Scope::Openid)
    ///     .scope(Scope::Email)
    ///     .build()?;
    /// assert!(pending.url().contains("scope=openid+email"));
    /// # Ok::<(), polar_oauth2::Error>(())
    /// ```
    pub fn scope(mut self, scope: Scope) -> Self {
        self.scope.insert(scope);
        self
    }

    /// Ask for exactly these scopes (replaces any added before).
    ///
    /// ```
    /// use polar_oauth2::{AuthorizationRequest, Scope, ScopeSet, Server};
    ///
    /// let wanted: ScopeSet = "openid email user:read".parse()?;
    /// let redirect_uri = "https://app.example.com/callback";
    /// let pending = AuthorizationRequest::new(&Server::Sandbox, "polar_ci_test_app", redirect_uri)
    ///     .scopes(wanted)
    ///     .build()?;
    /// assert!(pending.url().contains("scope=openid+email+user%3Aread"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn scopes(mut self, scopes: ScopeSet) -> Self {
        self.scope = scopes;
        self
    }

    /// Use this `state` instead of a random one (it must still be unguessable).
    ///
    /// ```
    /// use polar_oauth2::{AuthorizationRequest, CsrfToken, Server};
    ///
    /// let redirect_uri = "https://app.example.com/callback";
    /// let request = AuthorizationRequest::new(&Server::Sandbox, "polar_ci_test", redirect_uri);
    /// let state = CsrfToken::new_random()?; // e.g. one the app also puts in its session id
    /// let pending = request.state(state.clone()).build()?;
    /// assert_eq!(pending.state(), &state);
    /// # Ok::<(), polar_oauth2::Error>(())
    /// ```
    pub fn state(mut self, state: CsrfToken) -> Self {
        self.state = Some(state);
        self
    }

    /// `code_challenge_method`: [`PkceMethod::S256`] by default. [`PkceMethod::Plain`] puts the
    /// verifier itself in the URL; use it only for a client that cannot compute SHA-256.
    pub fn pkce_method(mut self, method: PkceMethod) -> Self {
        self.pkce_method = method;
        self
    }

    /// OpenID Connect `nonce`, echoed in the ID token (ask for [`Scope::Openid`]).
    ///
    /// ```
    /// use polar_oauth2::{AuthorizationRequest, Scope, Server};
    ///
    /// let redirect_uri = "https://app.example.com/callback";
    /// let request = AuthorizationRequest::new(&Server::Sandbox, "polar_ci_test", redirect_uri);
    /// let pending = request.scope(Scope::Openid).nonce("n-0S6_WzA2Mj").build()?;
    /// assert_eq!(pending.nonce(), Some("n-0S6_WzA2Mj"));
    /// # Ok::<(), polar_oauth2::Error>(())
    /// ```
    pub fn nonce(mut self, nonce: impl Into<String>) -> Self {
        self.nonce = Nonce::Given(nonce.into());
        self
    }

    /// A random OpenID Connect `nonce` (read it back with [`PendingAuthorization::nonce`]).
    ///
    /// ```
    /// use polar_oauth2::{AuthorizationRequest, Scope, Server};
    ///
    /// let redirect_uri = "https://app.example.com/callback";
    /// let request = AuthorizationRequest::new(&Server::Sandbox, "polar_ci_test", redirect_uri);
    /// let pending = request.scope(Scope::Openid).random_nonce().build()?;
    /// assert!(pending.nonce().is_some()); // keep it: the ID token must echo it
    /// # Ok::<(), polar_oauth2::Error>(())
    /// ```
    pub fn random_nonce(mut self) -> Self {
        self.nonce = Nonce::Random;
        self
    }

    /// OpenID Connect `prompt`: `consent` shows the consent screen even when the user already
    /// agreed, `login` asks the user to sign in again, `none` never shows a page (the callback
    /// then carries `login_required` or `consent_required` when it would have).
    ///
    /// ```
    /// use polar_oauth2::{AuthorizationRequest, Server};
    ///
    /// let redirect_uri = "https://app.example.com/callback";
    /// let request = AuthorizationRequest::new(&Server::Sandbox, "polar_ci_test", redirect_uri);
    /// let pending = request.prompt("consent").build()?; // show the consent screen again
    /// assert!(pending.url().contains("prompt=consent"));
    /// # Ok::<(), polar_oauth2::Error>(())
    /// ```
    pub fn prompt(mut self, prompt: impl Into<String>) -> Self {
        self.prompt = Some(prompt.into());
        self
    }

    /// `sub_type`: a token for the user (the default for most clients), or
    /// [`SubType::Organization`]: a *user* token limited to one of the user's organizations,
    /// chosen on the consent screen (see [`SubType`] for what Polar issues).
    ///
    /// ```
    /// use polar_oauth2::{AuthorizationRequest, Server, SubType};
    ///
    /// let redirect_uri = "https://app.example.com/callback";
    /// let request = AuthorizationRequest::new(&Server::Sandbox, "polar_ci_test", redirect_uri);
    /// let pending = request.sub_type(SubType::Organization).build()?; // the user picks one
    /// assert!(pending.url().contains("sub_type=organization"));
    /// # Ok::<(), polar_oauth2::Error>(())
    /// ```
    pub fn sub_type(mut self, sub_type: SubType) -> Self {
        self.sub_type = Some(sub_type);
        self
    }

    /// Draw the random values and build the URL.
    ///
    /// Fails when the authorization page URL is not `https` (or `http` on a loopback host),
    /// when `redirect_uri` is not an absolute URL without fragment (RFC 6749 §3.1.2), or when
    /// the system has no secure random generator.
    ///
    /// ```
    /// use polar_oauth2::{AuthorizationRequest, Server};
    ///
    /// let redirect_uri = "https://app.example.com/callback";
    /// let pending = AuthorizationRequest::new(&Server::Sandbox, "polar_ci_test_app", redirect_uri)
    ///     .build()?; // random `state` and PKCE S256 verifier
    /// assert!(pending.url().contains("code_challenge_method=S256"));
    /// # Ok::<(), polar_oauth2::Error>(())
    /// ```
    pub fn build(self) -> Result<PendingAuthorization, Error> {
        let page = match &self.endpoint {
            Endpoint::Page(page) => page.clone(),
            Endpoint::Unknown => {
                return Err(Error::InvalidRequest(
                    "a Server::Custom has no known authorization page: set it with AuthorizationRequest::endpoint (the server's discovery document names it as authorization_endpoint)".into(),
                ));
            }
        };
        let mut url = authorization_page(&page)?;
        check_redirect_uri(&self.redirect_uri)?;
        let state = match self.state {
            Some(state) => state,
            None => CsrfToken::new_random()?,
        };
        let verifier = PkceCodeVerifier::new(random_token()?);
        let challenge = pkce_challenge(&verifier, self.pkce_method);
        let nonce = match self.nonce {
            Nonce::None => None,
            Nonce::Random => Some(random_token()?),
            Nonce::Given(n) => Some(n),
        };

        let mut params = AuthorizeParams::new(&self.client_id)
            .redirect_uri(&self.redirect_uri)
            .state(state.secret())
            .code_challenge(&challenge, self.pkce_method);
        if !self.scope.is_empty() {
            params = params.scope(&self.scope);
        }
        if let Some(nonce) = &nonce {
            params = params.nonce(nonce);
        }
        if let Some(prompt) = &self.prompt {
            params = params.prompt(prompt);
        }
        if let Some(sub_type) = self.sub_type {
            params = params.sub_type(sub_type);
        }
        url.query_pairs_mut().extend_pairs(query_pairs(&params));
        Ok(PendingAuthorization {
            url: url.into(),
            state,
            pkce_verifier: verifier,
            nonce,
            redirect_uri: self.redirect_uri,
            params,
        })
    }
}

/// The authorization URL's query for `params`, in the order `build` writes it (after any query
/// of the page itself).
pub(super) fn query_pairs(p: &AuthorizeParams) -> Vec<(&'static str, &str)> {
    let fields = [
        ("response_type", Some("code")),
        ("client_id", p.client_id.as_deref()),
        ("redirect_uri", p.redirect_uri.as_deref()),
        ("scope", p.scope.as_deref()),
        ("state", p.state.as_deref()),
        ("code_challenge", p.code_challenge.as_deref()),
        (
            "code_challenge_method",
            p.code_challenge_method.map(PkceMethod::as_str),
        ),
        ("nonce", p.nonce.as_deref()),
        ("prompt", p.prompt.as_deref()),
        ("sub_type", p.sub_type.map(SubType::as_str)),
    ];
    fields
        .into_iter()
        .filter_map(|(name, value)| Some((name, value?)))
        .collect()
}

/// The authorization page URL, checked: `https`, or `http` on a loopback host, and no
/// fragment. (A page set with [`AuthorizationRequest::endpoint`] may have a query, RFC 6749
/// §3.1.)
pub(super) fn authorization_page(endpoint: &str) -> Result<Url, Error> {
    let url = Url::parse(endpoint).map_err(|e| {
        Error::InvalidRequest(format!("authorization page {endpoint:?} is not a URL: {e}"))
    })?;
    check_transport(&url, &format!("authorization page {endpoint:?}"), false)?;
    if url.fragment().is_some() {
        return Err(Error::InvalidRequest(format!(
            "authorization page {endpoint:?} must not have a fragment (RFC 6749 §3.1)"
        )));
    }
    Ok(url)
}

/// RFC 6749 §3.1.2: an absolute URI without a fragment.
pub(super) fn check_redirect_uri(redirect_uri: &str) -> Result<(), Error> {
    let url = Url::parse(redirect_uri).map_err(|e| {
        Error::InvalidRequest(format!(
            "redirect_uri {redirect_uri:?} is not an absolute URL: {e}"
        ))
    })?;
    if url.fragment().is_some() {
        return Err(Error::InvalidRequest(format!(
            "redirect_uri {redirect_uri:?} must not have a fragment (RFC 6749 §3.1.2)"
        )));
    }
    Ok(())
}
