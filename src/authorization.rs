//! The browser step of the authorization code flow: the URL the user is sent to, and the URL
//! Polar redirects back to (RFC 6749 §4.1.1–§4.1.2, PKCE per RFC 7636).
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use polar_oauth2::{AuthorizationRequest, parse_callback};
//! use polar_oauth2::{Scope, Server};
//!
//! // 1. Send the user's browser to `pending.url()`; keep `state` and the PKCE verifier in the
//! //    user's session (they are never sent anywhere else).
//! let pending = AuthorizationRequest::new(&Server::Sandbox, "polar_ci_…", "https://app.example/callback")
//!     .scope(Scope::Openid)
//!     .scope(Scope::Email)
//!     .build()?;
//! println!("open {}", pending.url());
//!
//! // 2. Polar redirects to `https://app.example/callback?code=…&state=…`; check it.
//! # let redirected_to = "https://app.example/callback?code=polar_ac_x&state=y";
//! let code = parse_callback(redirected_to, pending.state())?;
//! // 3. Exchange `code` with `Client::exchange_code`, passing `pending.pkce_verifier()`.
//! # let _ = code; Ok(()) }
//! ```
//!
//! State and PKCE are on by default: `state` is a fresh 256-bit random value checked in
//! constant time, and the challenge is `S256` ([`PkceMethod::Plain`] only when asked for).

use std::fmt;

use ring::digest;
use ring::rand::{SecureRandom, SystemRandom};
use url::Url;

use crate::authorize::{AuthorizeParams, PkceMethod, SubType};
use crate::client::Server;
use crate::client::check_transport;
use crate::error::{Error, OAuthErrorCode, redact};
use crate::scope::{Scope, ScopeSet};
use crate::secret::{AuthorizationCode, PkceCodeVerifier};

/// Polar's authorization page (production).
pub const PRODUCTION_AUTHORIZE_URL: &str = "https://polar.sh/oauth2/authorize";
/// Polar's authorization page in the sandbox.
pub const SANDBOX_AUTHORIZE_URL: &str = "https://sandbox.polar.sh/oauth2/authorize";

/// Random bytes in a generated `state`, PKCE verifier or nonce: 32 bytes, 43 characters
/// base64url (RFC 7636 §4.1 asks for at least 256 bits of entropy in the verifier).
const RANDOM_BYTES: usize = 32;

/// The `state` parameter: a one-time CSRF token tying the callback to the browser session that
/// started the flow (RFC 6749 §10.12). `Debug` is redacted, and `==` is [`Self::matches`]:
/// constant time.
///
/// A token is at least [`Self::MIN_LEN`] characters: an empty or short value (a lost
/// session read back as `""`, a counter, a user id) is refused when it is made, so that a
/// forged `?code=…&state=` can never match it.
///
/// ```
/// use polar_oauth2::CsrfToken;
///
/// let state = CsrfToken::new_random()?;
/// assert!(state.matches(state.secret()));
/// assert!(!state.matches("forged"));
/// // Too short to be unguessable: refused.
/// assert!(CsrfToken::new("42").is_err());
/// # Ok::<(), polar_oauth2::Error>(())
/// ```
#[derive(Clone)]
pub struct CsrfToken(String);

impl CsrfToken {
    /// Shortest `state` accepted, in bytes. Length cannot prove randomness, but it rules out
    /// the empty and trivially guessable values; 16 is what 64 random bits take in hex, less
    /// than any common encoding of a random value needs (22 base64url characters for 128
    /// bits, 32 hex, 36 for a UUID) so that app-made states keep working. Generated states
    /// ([`Self::new_random`]) are 43 characters, 256 bits.
    pub const MIN_LEN: usize = 16;

    /// Wrap a value, e.g. one read back from the user's session. Fails when it is shorter
    /// than [`Self::MIN_LEN`] bytes (an empty value included).
    ///
    /// ```
    /// use polar_oauth2::CsrfToken;
    ///
    /// // A state the app made itself (unguessable, at least `MIN_LEN` characters).
    /// let state = CsrfToken::new("kL3x9QzV7mN2pR8tY4wB6cD1fG5hJ0aE")?;
    /// assert!(CsrfToken::new("").is_err()); // a lost session read back as ""
    /// # Ok::<(), polar_oauth2::Error>(())
    /// ```
    pub fn new(value: impl Into<String>) -> Result<Self, Error> {
        let value = value.into();
        if value.len() < Self::MIN_LEN {
            return Err(Error::InvalidRequest(format!(
                "state is {} bytes long; at least {} are required (an empty or short state could be forged)",
                value.len(),
                Self::MIN_LEN
            )));
        }
        Ok(Self(value))
    }

    /// A fresh random value (256 bits, base64url) from the system's secure random generator.
    ///
    /// ```
    /// use polar_oauth2::CsrfToken;
    ///
    /// let state = CsrfToken::new_random()?; // 43 characters, 256 random bits
    /// assert_eq!(state.secret().len(), 43);
    /// # Ok::<(), polar_oauth2::Error>(())
    /// ```
    pub fn new_random() -> Result<Self, Error> {
        random_token().map(Self)
    }

    /// The value itself, to store in the user's session.
    ///
    /// **Security:** anyone who learns it before the callback can forge one for this session.
    #[must_use]
    pub fn secret(&self) -> &str {
        &self.0
    }

    /// Whether `received` equals this token, compared in constant time (the time taken does
    /// not depend on where the values differ, nor on their lengths).
    ///
    /// ```
    /// use polar_oauth2::CsrfToken;
    ///
    /// let state = CsrfToken::new_random()?;
    /// assert!(state.matches(state.secret())); // constant time
    /// assert!(!state.matches(""));
    /// # Ok::<(), polar_oauth2::Error>(())
    /// ```
    #[must_use]
    pub fn matches(&self, received: &str) -> bool {
        constant_time_eq(self.0.as_bytes(), received.as_bytes())
    }
}

impl PartialEq for CsrfToken {
    fn eq(&self, other: &Self) -> bool {
        self.matches(&other.0)
    }
}

impl Eq for CsrfToken {}

impl fmt::Debug for CsrfToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CsrfToken([redacted])")
    }
}

/// Settings for one authorization request (RFC 6749 §4.1.1). [`Self::build`] draws the
/// random values and returns the URL with what to keep for the callback.
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

/// A built authorization request: the URL to send the browser to, and what to keep (in the
/// user's session, never in the URL) until the callback. `Debug` leaves out the URL's query,
/// which holds `state` (and, with [`PkceMethod::Plain`], the verifier itself).
///
/// ```
/// use polar_oauth2::{AuthorizationRequest, PendingAuthorization, Server};
///
/// let redirect_uri = "https://app.example.com/callback";
/// let pending = AuthorizationRequest::new(&Server::Production, "polar_ci_test_app", redirect_uri)
///     .build()?;
/// // Send the browser to `pending.url()`; keep the rest (encrypted cookie, server-side session).
/// let kept = serde_json::to_string(&pending)?;
/// // At the callback:
/// let pending: PendingAuthorization = serde_json::from_str(&kept)?;
/// let back = format!("{redirect_uri}?code=polar_ac_test&state={}", pending.state().secret());
/// assert_eq!(pending.callback(&back)?.secret(), "polar_ac_test");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct PendingAuthorization {
    url: String,
    state: CsrfToken,
    pkce_verifier: PkceCodeVerifier,
    nonce: Option<String>,
    redirect_uri: String,
    params: AuthorizeParams,
}

impl fmt::Debug for PendingAuthorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let page = self.url.split('?').next().unwrap_or_default();
        f.debug_struct("PendingAuthorization")
            .field("url", &format_args!("{page}?[redacted]"))
            .field("state", &self.state)
            .field("pkce_verifier", &self.pkce_verifier)
            .field("nonce", &self.nonce)
            .field("redirect_uri", &self.redirect_uri)
            .finish_non_exhaustive()
    }
}

impl PendingAuthorization {
    /// The authorization URL, for a redirect or a link.
    ///
    /// ```
    /// use polar_oauth2::{AuthorizationRequest, Server};
    ///
    /// let redirect_uri = "https://app.example.com/callback";
    /// let pending =
    ///     AuthorizationRequest::new(&Server::Sandbox, "polar_ci_test", redirect_uri).build()?;
    /// // Answer the browser with `303 See Other`, `Location: <url>`.
    /// assert!(pending.url().starts_with("https://sandbox.polar.sh/oauth2/authorize?"));
    /// # Ok::<(), polar_oauth2::Error>(())
    /// ```
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The `state` to check the callback against (see [`parse_callback`]).
    #[must_use]
    pub fn state(&self) -> &CsrfToken {
        &self.state
    }

    /// The PKCE verifier, for the token request (`Client::exchange_code`).
    #[must_use]
    pub fn pkce_verifier(&self) -> &PkceCodeVerifier {
        &self.pkce_verifier
    }

    /// The `nonce`, if one was set: compare it with the ID token's `nonce` claim.
    #[must_use]
    pub fn nonce(&self) -> Option<&str> {
        self.nonce.as_deref()
    }

    /// The `redirect_uri`, which the token request must repeat exactly (RFC 6749 §4.1.3).
    #[must_use]
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// The same parameters for `GET /v1/oauth2/authorize` (`Client::authorize`), the
    /// consent data Polar's authorization page shows.
    ///
    /// ```
    /// use polar_oauth2_test_server::TestServer;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let polar = TestServer::start().await?;
    /// let pending = polar.authorization_request().build()?;
    /// let consent = polar
    ///     .client()?
    ///     .consent_data(&polar.web_session_token(), &pending.authorize_params())
    ///     .await?;
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn authorize_params(&self) -> AuthorizeParams {
        self.params.clone()
    }

    /// Check the URL Polar redirected to against this request's `state`:
    /// [`parse_callback`]`(redirected_to, self.state())`.
    ///
    /// ```
    /// use polar_oauth2_test_server::TestServer;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let polar = TestServer::start().await?;
    /// let pending = polar.authorization_request().build()?;
    /// let redirected_to = polar.approve(pending.url())?; // what the browser comes back with
    /// let code = pending.callback(&redirected_to)?; // `state` checked in constant time
    /// assert!(code.secret().starts_with("polar_ac_"));
    /// # Ok(()) }
    /// ```
    pub fn callback(&self, redirected_to: &str) -> Result<AuthorizationCode, CallbackError> {
        parse_callback(redirected_to, &self.state)
    }
}

/// The stored form of a [`PendingAuthorization`], for the user's session between the redirect
/// and the callback: every field as a plain value, secrets included (`state`, the PKCE verifier,
/// the nonce).
///
/// **Where it goes:** a server-side session, or a cookie that is encrypted (or at least signed,
/// and `HttpOnly`, `Secure`, `SameSite=Lax`); never a log, a URL or anything the user's browser
/// can read or change unnoticed.
///
/// ```
/// use polar_oauth2::{AuthorizationRequest, PendingAuthorization, Server};
///
/// let pending = AuthorizationRequest::new(&Server::Sandbox, "polar_ci_test_example", "https://your.app/callback")
///     .random_nonce()
///     .build()?;
/// let stored = serde_json::to_string(&pending)?; // into the encrypted session cookie
/// let restored: PendingAuthorization = serde_json::from_str(&stored)?;
/// assert_eq!(restored.url(), pending.url());
/// assert_eq!(restored.nonce(), pending.nonce());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl serde::Serialize for PendingAuthorization {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let p = &self.params;
        StoredPending::<&str> {
            url: &self.url,
            state: self.state.secret(),
            pkce_verifier: self.pkce_verifier.secret(),
            nonce: self.nonce.as_deref(),
            redirect_uri: &self.redirect_uri,
            params: StoredParams {
                client_id: p.client_id.as_deref(),
                redirect_uri: p.redirect_uri.as_deref(),
                scope: p.scope.as_deref(),
                state: p.state.as_deref(),
                nonce: p.nonce.as_deref(),
                prompt: p.prompt.as_deref(),
                code_challenge: p.code_challenge.as_deref(),
                code_challenge_method: p.code_challenge_method.map(PkceMethod::as_str),
                sub_type: p.sub_type,
            },
        }
        .serialize(serializer)
    }
}

impl<'de> serde::Deserialize<'de> for PendingAuthorization {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = StoredPending::<String>::deserialize(deserializer)?;
        let p = s.params;
        let code_challenge_method = match p.code_challenge_method.as_deref() {
            None => None,
            Some("S256") => Some(PkceMethod::S256),
            Some("plain") => Some(PkceMethod::Plain),
            Some(other) => {
                return Err(serde::de::Error::custom(format!(
                    "unknown code_challenge_method {other:?}"
                )));
            }
        };
        let pending = PendingAuthorization {
            url: s.url,
            // A stored state is held to the same minimum as a fresh one.
            state: CsrfToken::new(s.state).map_err(serde::de::Error::custom)?,
            pkce_verifier: PkceCodeVerifier::new(s.pkce_verifier),
            nonce: s.nonce,
            redirect_uri: s.redirect_uri,
            params: AuthorizeParams {
                client_id: p.client_id,
                redirect_uri: p.redirect_uri,
                scope: p.scope,
                state: p.state,
                nonce: p.nonce,
                prompt: p.prompt,
                code_challenge: p.code_challenge,
                code_challenge_method,
                sub_type: p.sub_type,
            },
        };
        pending.check().map_err(serde::de::Error::custom)?;
        Ok(pending)
    }
}

impl PendingAuthorization {
    /// What `build` guarantees, checked again on a restored one (whose stored form may have
    /// been changed): the page is `https` (or `http` on a loopback host), `redirect_uri` is
    /// absolute without a fragment, the verifier is one RFC 7636 allows, and the URL carries
    /// exactly this request (state, challenge of this verifier, redirect_uri, nonce…) after
    /// the page's own query.
    fn check(&self) -> Result<(), Error> {
        // The page alone in messages: the query holds `state` (and a plain verifier).
        let page = self.url.split(['?', '#']).next().unwrap_or_default();
        authorization_page(page)?;
        let url = Url::parse(&self.url).map_err(|e| {
            Error::InvalidRequest(format!("the stored authorization URL is not a URL: {e}"))
        })?;
        check_redirect_uri(&self.redirect_uri)?;
        let verifier = self.pkce_verifier.secret();
        if !(43..=128).contains(&verifier.len())
            || !verifier
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
        {
            return Err(Error::InvalidRequest(
                "pkce_verifier is not 43 to 128 unreserved characters (RFC 7636 §4.1)".into(),
            ));
        }
        let p = &self.params;
        let method = p.code_challenge_method.unwrap_or(PkceMethod::S256);
        let consistent = p.state.as_deref() == Some(self.state.secret())
            && p.redirect_uri.as_deref() == Some(self.redirect_uri.as_str())
            && p.nonce == self.nonce
            && p.code_challenge.as_deref()
                == Some(pkce_challenge(&self.pkce_verifier, method).as_str());
        let sent: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let expected = query_pairs(p);
        let carried = sent.len() >= expected.len()
            && sent[sent.len() - expected.len()..]
                .iter()
                .zip(&expected)
                .all(|((n, v), (en, ev))| n == en && v == ev);
        if consistent && carried {
            Ok(())
        } else {
            Err(Error::InvalidRequest(
                "the stored authorization URL does not carry the stored request".into(),
            ))
        }
    }
}

/// The authorization URL's query for `params`, in the order `build` writes it (after any query
/// of the page itself).
fn query_pairs(p: &AuthorizeParams) -> Vec<(&'static str, &str)> {
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

/// Field names of the stored form (strings borrowed when writing, owned when reading).
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(bound(
    serialize = "T: serde::Serialize",
    deserialize = "T: serde::Deserialize<'de>"
))]
struct StoredPending<T> {
    url: T,
    state: T,
    pkce_verifier: T,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nonce: Option<T>,
    redirect_uri: T,
    params: StoredParams<T>,
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(bound(
    serialize = "T: serde::Serialize",
    deserialize = "T: serde::Deserialize<'de>"
))]
struct StoredParams<T> {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    client_id: Option<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    redirect_uri: Option<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scope: Option<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    state: Option<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nonce: Option<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    prompt: Option<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    code_challenge: Option<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    code_challenge_method: Option<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sub_type: Option<SubType>,
}

/// Read the URL Polar redirected the browser to (RFC 6749 §4.1.2): check `state` in constant
/// time, then return the `code`, or the error Polar sent instead (§4.1.2.1).
///
/// `redirected_to` may be the absolute URL, the path with its query (`/callback?code=…`), or
/// the query alone (`code=…&state=…`, with or without the leading `?`).
///
/// ```
/// use polar_oauth2::{CsrfToken, parse_callback};
///
/// let state = CsrfToken::new("state-kept-in-the-session-0001")?;
/// let code = parse_callback("/callback?code=polar_ac_test&state=state-kept-in-the-session-0001", &state)?;
/// assert_eq!(code.secret(), "polar_ac_test");
/// assert!(parse_callback("/callback?code=polar_ac_test&state=forged-state-0000000", &state).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn parse_callback(
    redirected_to: &str,
    expected_state: &CsrfToken,
) -> Result<AuthorizationCode, CallbackError> {
    let query = callback_query(redirected_to)?;
    let mut state = None;
    let mut code = None;
    let mut error = None;
    let mut error_description = None;
    let mut error_uri = None;
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
        let slot = match &*name {
            "state" => &mut state,
            "code" => &mut code,
            "error" => &mut error,
            "error_description" => &mut error_description,
            "error_uri" => &mut error_uri,
            // `iss` (RFC 9207) and anything else Polar may add.
            _ => continue,
        };
        // RFC 6749 §3.1: parameters must not be repeated.
        if slot.replace(value.into_owned()).is_some() {
            return Err(CallbackError::Malformed(format!(
                "the parameter `{name}` appears more than once"
            )));
        }
    }
    // An error redirect is checked too: it must come from the flow this session started.
    match state {
        Some(received) if expected_state.matches(&received) => {}
        _ => return Err(CallbackError::StateMismatch),
    }
    if let Some(error) = error {
        return Err(CallbackError::Authorization(AuthorizationError {
            code: OAuthErrorCode::from_wire(&error),
            description: error_description,
            uri: error_uri,
        }));
    }
    match code {
        Some(code) if !code.is_empty() => Ok(AuthorizationCode::new(code)),
        _ => Err(CallbackError::MissingCode),
    }
}

/// The query of a callback URL, in any of the forms [`parse_callback`] accepts.
fn callback_query(redirected_to: &str) -> Result<String, CallbackError> {
    let text = redirected_to.trim();
    // An absolute URL has `://` before any `/`, `?` or `#`; a path or a query may hold one
    // further on (`/cb?iss=https://polar.sh`, RFC 9207).
    let absolute = text
        .find("://")
        .is_some_and(|at| !text[..at].contains(['/', '?', '#', '=', '&']));
    if absolute {
        let url = Url::parse(text).map_err(|e| {
            CallbackError::Malformed(format!("the callback is not a valid URL: {e}"))
        })?;
        return Ok(url.query().unwrap_or_default().to_owned());
    }
    // A path with a query, or a query alone; a fragment is not part of the query.
    let without_fragment = text.split('#').next().unwrap_or_default();
    Ok(match without_fragment.split_once('?') {
        Some((_, query)) => query.to_owned(),
        None if without_fragment.contains('=') => without_fragment.to_owned(),
        None => String::new(),
    })
}

/// Why a callback was not accepted.
///
/// ```
/// use polar_oauth2::{AuthorizationRequest, CallbackError, Server};
///
/// let redirect_uri = "https://app.example.com/callback";
/// let pending = AuthorizationRequest::new(&Server::Production, "polar_ci_test_app", redirect_uri)
///     .build()?;
/// // A redirect this session did not start: answer 400 and use nothing from it.
/// let forged = format!("{redirect_uri}?code=polar_ac_test&state=guessed-by-someone-else");
/// assert!(matches!(pending.callback(&forged), Err(CallbackError::StateMismatch)));
/// # Ok::<(), polar_oauth2::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CallbackError {
    /// `state` is missing or differs from the one this session sent: the redirect may be forged
    /// (cross-site request forgery, RFC 6749 §10.12), or belong to another login attempt.
    /// Nothing from it may be used.
    StateMismatch,
    /// Polar redirected with an error (RFC 6749 §4.1.2.1), e.g. `access_denied` when the user
    /// clicked "Deny".
    Authorization(AuthorizationError),
    /// The redirect carries neither `code` nor `error`.
    MissingCode,
    /// The callback URL cannot be read (not a URL, a repeated parameter).
    Malformed(String),
}

impl fmt::Display for CallbackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallbackError::StateMismatch => f.write_str(
                "the callback's `state` is missing or does not match this session's: possible cross-site request forgery",
            ),
            CallbackError::Authorization(e) => e.fmt(f),
            CallbackError::MissingCode => {
                f.write_str("the callback carries neither `code` nor `error`")
            }
            CallbackError::Malformed(m) => write!(f, "malformed callback: {m}"),
        }
    }
}

impl std::error::Error for CallbackError {}

/// An error redirect from the authorization page (RFC 6749 §4.1.2.1).
///
/// ```
/// use polar_oauth2::{AuthorizationRequest, CallbackError, OAuthErrorCode, Server};
///
/// let redirect_uri = "https://app.example.com/callback";
/// let pending = AuthorizationRequest::new(&Server::Production, "polar_ci_test_app", redirect_uri)
///     .build()?;
/// // The user clicked "Deny" on Polar's page.
/// let denied = format!("{redirect_uri}?error=access_denied&state={}", pending.state().secret());
/// let Err(CallbackError::Authorization(e)) = pending.callback(&denied) else { unreachable!() };
/// assert_eq!(e.code, OAuthErrorCode::AccessDenied);
/// # Ok::<(), polar_oauth2::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationError {
    /// The `error` code: `access_denied`, `invalid_scope`, `invalid_request`, or one Polar adds
    /// (`invalid_sub`, OpenID's `login_required`, `consent_required`) as
    /// [`OAuthErrorCode::Extension`].
    pub code: OAuthErrorCode,
    /// `error_description`: human-readable detail.
    pub description: Option<String>,
    /// `error_uri`: a page about the error.
    pub uri: Option<String>,
}

impl fmt::Display for AuthorizationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "authorization failed with `{}`", self.code)?;
        if let Some(d) = &self.description {
            write!(f, ": {}", redact(d))?;
        }
        Ok(())
    }
}

impl std::error::Error for AuthorizationError {}

/// `code_challenge` for a verifier (RFC 7636 §4.2).
pub(crate) fn pkce_challenge(verifier: &PkceCodeVerifier, method: PkceMethod) -> String {
    match method {
        PkceMethod::Plain => verifier.secret().to_owned(),
        // `PkceMethod` is non-exhaustive for users, not here: every other method is S256.
        _ => base64url(digest::digest(&digest::SHA256, verifier.secret().as_bytes()).as_ref()),
    }
}

/// The authorization page URL, checked: `https`, or `http` on a loopback host. (A page set
/// with [`AuthorizationRequest::endpoint`] may have a query, RFC 6749 §3.1.)
fn authorization_page(endpoint: &str) -> Result<Url, Error> {
    let url = Url::parse(endpoint).map_err(|e| {
        Error::InvalidRequest(format!("authorization page {endpoint:?} is not a URL: {e}"))
    })?;
    check_transport(&url, &format!("authorization page {endpoint:?}"), false)?;
    Ok(url)
}

/// RFC 6749 §3.1.2: an absolute URI without a fragment.
fn check_redirect_uri(redirect_uri: &str) -> Result<(), Error> {
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

/// 32 random bytes from the system generator, base64url-encoded (43 characters, all in
/// RFC 7636's unreserved set).
pub(crate) fn random_token() -> Result<String, Error> {
    let mut bytes = [0u8; RANDOM_BYTES];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| Error::InvalidRequest("the system's secure random generator failed".into()))?;
    Ok(base64url(&bytes))
}

/// Base64url without padding (RFC 4648 §5), as PKCE (RFC 7636 Appendix A) and JWTs use it.
pub(crate) fn base64url(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Equality whose running time depends on neither the contents nor the lengths: both sides are
/// hashed to 32 bytes (so the lengths are hidden), and the digests compared by `subtle`.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq as _;
    let a = digest::digest(&digest::SHA256, a);
    let b = digest::digest(&digest::SHA256, b);
    a.as_ref().ct_eq(b.as_ref()).into()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    fn query(url: &str) -> Vec<(String, String)> {
        Url::parse(url)
            .unwrap()
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn base64url_matches_rfc_4648_vectors_without_padding() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64url(input.as_bytes()), expected, "{input:?}");
        }
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn s256_challenge_matches_rfc_7636_appendix_b() {
        let verifier = PkceCodeVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        assert_eq!(
            pkce_challenge(&verifier, PkceMethod::S256),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert_eq!(
            pkce_challenge(&verifier, PkceMethod::Plain),
            verifier.secret()
        );
    }

    #[test]
    fn url_carries_state_and_s256_challenge_by_default() {
        let pending = AuthorizationRequest::new(
            &Server::Production,
            "polar_ci_test",
            "https://app.example/callback",
        )
        .scope(Scope::Openid)
        .scope(Scope::Email)
        .build()
        .unwrap();
        assert!(
            pending.url().starts_with(PRODUCTION_AUTHORIZE_URL),
            "{}",
            pending.url()
        );
        let q = query(pending.url());
        assert_eq!(param(&q, "response_type"), Some("code"));
        assert_eq!(param(&q, "client_id"), Some("polar_ci_test"));
        assert_eq!(
            param(&q, "redirect_uri"),
            Some("https://app.example/callback")
        );
        assert_eq!(param(&q, "scope"), Some("openid email"));
        assert_eq!(param(&q, "state"), Some(pending.state().secret()));
        assert_eq!(param(&q, "code_challenge_method"), Some("S256"));
        assert_eq!(
            param(&q, "code_challenge"),
            Some(pkce_challenge(pending.pkce_verifier(), PkceMethod::S256).as_str())
        );
        // The verifier never travels in the URL.
        assert!(!pending.url().contains(pending.pkce_verifier().secret()));
        assert_eq!(pending.state().secret().len(), 43);
        assert_eq!(pending.pkce_verifier().secret().len(), 43);
        for absent in ["nonce", "prompt", "sub_type"] {
            assert_eq!(param(&q, absent), None, "{absent}");
        }
    }

    #[test]
    fn each_build_draws_fresh_state_and_verifier() {
        let request =
            AuthorizationRequest::new(&Server::Sandbox, "polar_ci_test", "https://a.example/cb");
        let a = request.clone().build().unwrap();
        let b = request.build().unwrap();
        assert_ne!(a.state().secret(), b.state().secret());
        assert_ne!(a.pkce_verifier().secret(), b.pkce_verifier().secret());
        assert!(a.url().starts_with(SANDBOX_AUTHORIZE_URL));
    }

    #[test]
    fn optional_parameters_and_custom_base() {
        let pending = AuthorizationRequest::new(
            &Server::Custom("http://127.0.0.1:8080/".into()),
            "polar_ci_test",
            "http://127.0.0.1:3000/cb",
        )
        .endpoint("http://127.0.0.1:8080/oauth2/authorize")
        .state(CsrfToken::new("my-state-0123456789").unwrap())
        .pkce_method(PkceMethod::Plain)
        .nonce("n-1")
        .prompt("consent")
        .sub_type(SubType::Organization)
        .build()
        .unwrap();
        assert!(
            pending
                .url()
                .starts_with("http://127.0.0.1:8080/oauth2/authorize?")
        );
        let q = query(pending.url());
        assert_eq!(param(&q, "state"), Some("my-state-0123456789"));
        assert_eq!(param(&q, "code_challenge_method"), Some("plain"));
        assert_eq!(
            param(&q, "code_challenge"),
            Some(pending.pkce_verifier().secret())
        );
        assert_eq!(param(&q, "nonce"), Some("n-1"));
        assert_eq!(param(&q, "prompt"), Some("consent"));
        assert_eq!(param(&q, "sub_type"), Some("organization"));
        assert_eq!(param(&q, "scope"), None);
        assert_eq!(pending.nonce(), Some("n-1"));
        let params = pending.authorize_params();
        assert_eq!(params.state.as_deref(), Some("my-state-0123456789"));
        assert_eq!(params.sub_type, Some(SubType::Organization));
    }

    #[test]
    fn insecure_page_and_fragment_redirect_are_rejected() {
        let e = AuthorizationRequest::new(
            &Server::Custom("https://api.polar.example".into()),
            "c",
            "https://a.example/cb",
        )
        .endpoint("http://polar.example/oauth2/authorize")
        .build()
        .unwrap_err();
        assert!(e.to_string().contains("https"), "{e}");
        let e = AuthorizationRequest::new(&Server::Production, "c", "https://a.example/cb#x")
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("fragment"), "{e}");
    }

    #[test]
    fn a_custom_server_needs_its_authorization_page_given() {
        let request = AuthorizationRequest::new(
            &Server::Custom("http://127.0.0.1:1/".into()),
            "c",
            "https://a/cb",
        );
        let e = request.clone().build().unwrap_err();
        assert!(e.to_string().contains("authorization_endpoint"), "{e}");
        let ok = request
            .endpoint("http://127.0.0.1:2/oauth2/authorize")
            .build()
            .unwrap();
        assert!(ok.url().starts_with("http://127.0.0.1:2/oauth2/authorize?"));
    }

    #[test]
    fn debug_hides_state_and_plain_verifier() {
        let pending = AuthorizationRequest::new(&Server::Production, "c", "https://a.example/cb")
            .pkce_method(PkceMethod::Plain)
            .build()
            .unwrap();
        let debug = format!("{pending:?}");
        assert!(!debug.contains(pending.state().secret()), "{debug}");
        assert!(!debug.contains(pending.pkce_verifier().secret()), "{debug}");
        assert!(
            debug.contains("https://polar.sh/oauth2/authorize?[redacted]"),
            "{debug}"
        );
        assert_eq!(
            pending.state(),
            &CsrfToken::new(pending.state().secret()).unwrap()
        );
    }

    #[test]
    fn constant_time_eq_compares_contents_and_lengths() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(constant_time_eq(b"", b""));
    }

    #[test]
    fn callback_query_accepts_url_path_and_bare_query() {
        let state = CsrfToken::new("s-0123456789abcdef").unwrap();
        for input in [
            "https://app.example/cb?code=c&state=s-0123456789abcdef",
            "/cb?code=c&state=s-0123456789abcdef#ignored",
            "?code=c&state=s-0123456789abcdef",
            "code=c&state=s-0123456789abcdef",
            // `://` in the query of a path or bare query is not an absolute URL (RFC 9207 `iss`).
            "/cb?iss=https://polar.sh&code=c&state=s-0123456789abcdef",
            "?iss=https://polar.sh&code=c&state=s-0123456789abcdef",
            "iss=https://polar.sh&code=c&state=s-0123456789abcdef",
            "https://app.example/cb?iss=https://polar.sh&code=c&state=s-0123456789abcdef",
        ] {
            let code = parse_callback(input, &state).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(code.secret(), "c", "{input}");
        }
        assert_eq!(
            parse_callback("https://app.example/cb", &state),
            Err(CallbackError::StateMismatch)
        );
        assert!(matches!(
            parse_callback("https://[bad/cb?code=c", &state),
            Err(CallbackError::Malformed(_))
        ));
    }

    #[test]
    fn empty_and_short_states_are_refused_when_made() {
        for short in ["", "s", "0123456789abcde"] {
            let e = CsrfToken::new(short).err().unwrap();
            assert!(e.to_string().contains("at least 16"), "{e}");
        }
        assert!(CsrfToken::new("0123456789abcdef").is_ok());
        // The forged callback of a lost session (`state=` against `""`) cannot be checked
        // against an empty token, because there is none; a real one refuses it.
        let state = CsrfToken::new_random().unwrap();
        assert_eq!(
            parse_callback("/cb?code=c&state=", &state),
            Err(CallbackError::StateMismatch)
        );
        assert!(state.secret().len() >= CsrfToken::MIN_LEN);
    }
}
