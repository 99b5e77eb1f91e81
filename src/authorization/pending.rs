//! A built authorization request: the URL, and what the session keeps until the callback.

use std::fmt;

use crate::authorize::AuthorizeParams;
use crate::secret::{AuthorizationCode, PkceCodeVerifier};

use super::callback::{CallbackError, parse_callback};
use super::state::CsrfToken;

/// A built authorization request: the URL to send the browser to, and what to keep (in the
/// user's session, never in the URL) until the callback. `Debug` leaves out the URL's query,
/// which holds `state` (and, with [`PkceMethod::Plain`](crate::PkceMethod::Plain), the verifier itself).
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
    pub(super) url: String,
    pub(super) state: CsrfToken,
    pub(super) pkce_verifier: PkceCodeVerifier,
    pub(super) nonce: Option<String>,
    pub(super) redirect_uri: String,
    pub(super) params: AuthorizeParams,
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
