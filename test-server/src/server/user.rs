//! What the signed-in test user does: their web session and personal access token, and
//! "Allow" or "Deny" on the authorization page.

use super::TestServer;
use crate::params::{Params, query_of};
#[cfg(doc)]
use crate::seed::ORGANIZATIONS;
#[cfg(doc)]
use polar_oauth2::Client;
use polar_oauth2::{AccessToken, Error, SessionToken};

impl TestServer {
    /// A personal access token of the test user (`polar_pat_…`), as Polar's settings page
    /// issues them.
    ///
    /// Polar's registration endpoints refuse it (`403 NotPermitted`: they take no API token,
    /// whatever the spec's `security` says), and so does this server; it is here so that an
    /// app can test that path. Userinfo refuses it too (401 `invalid_token`): it is not an
    /// OAuth2 access token.
    #[must_use]
    pub fn personal_access_token(&self) -> AccessToken {
        AccessToken::new(self.shared.lock().personal_access_token.clone())
    }

    /// The signed-in user's web session, Polar's `polar_session` cookie: pass it to
    /// [`Client::consent_data`] to read consent data as Polar's authorization page does, to
    /// register or manage clients as that user, or use it in a `web` grant.
    ///
    /// ```
    /// use polar_oauth2_test_server::{TestClient, TestServer};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let polar = TestServer::start().await?;
    /// polar.register_client(TestClient::public("polar_ci_test_cli")); // the test user's client
    /// let session = polar.web_session_token();
    /// let registered = polar.client()?.get_client(&session, "polar_ci_test_cli").await?;
    /// assert_eq!(registered.client_id, "polar_ci_test_cli");
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn web_session_token(&self) -> SessionToken {
        SessionToken::new(self.lock().web_session.clone())
    }

    /// The test user opens `authorization_url` and clicks "Allow" (picking the
    /// `organizations` of the URL, or else the first of [`ORGANIZATIONS`] for
    /// `sub_type=organization`: the token is then the user's, down-scoped to it).
    ///
    /// Returns the URL the browser is redirected to: the client's `redirect_uri` with `code`
    /// and `state`, or with `error` (RFC 6749 §4.1.2.1) for a request Polar rejects that way.
    /// A request whose client or redirect URI is invalid is never redirected (§4.1.2.1): that
    /// error comes back as `Err(Error::OAuth(_))`, as Polar's page would show it. Only the query of `authorization_url` is read.
    ///
    /// ```
    /// use polar_oauth2_test_server::{REDIRECT_URI, TestServer};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let polar = TestServer::start().await?;
    /// let pending = polar.authorization_request().build()?;
    /// let redirected_to = polar.approve(pending.url())?; // the user clicks "Allow"
    /// assert!(redirected_to.starts_with(REDIRECT_URI));
    /// let code = pending.callback(&redirected_to)?;
    /// # Ok(()) }
    /// ```
    pub fn approve(&self, authorization_url: &str) -> Result<String, Error> {
        self.decide(authorization_url, true)
    }

    /// The test user opens `authorization_url` and clicks "Deny": the redirect carries
    /// `error=access_denied` (or the request's own error, as with [`Self::approve`]).
    ///
    /// ```
    /// use polar_oauth2::{CallbackError, OAuthErrorCode};
    /// use polar_oauth2_test_server::TestServer;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let polar = TestServer::start().await?;
    /// let pending = polar.authorization_request().build()?;
    /// let redirected_to = polar.deny(pending.url())?;
    /// match pending.callback(&redirected_to) {
    ///     Err(CallbackError::Authorization(denied)) => {
    ///         assert_eq!(denied.code, OAuthErrorCode::AccessDenied)
    ///     }
    ///     other => panic!("expected access_denied, got {other:?}"),
    /// }
    /// # Ok(()) }
    /// ```
    pub fn deny(&self, authorization_url: &str) -> Result<String, Error> {
        self.decide(authorization_url, false)
    }

    fn decide(&self, authorization_url: &str, allow: bool) -> Result<String, Error> {
        let params = Params::parse(query_of(authorization_url));
        let mut inner = self.lock();
        let organizations = inner.picked_organizations(&params);
        match inner.authorization_response(&params, allow, true, &organizations) {
            Ok(location) => Ok(location),
            Err(failure) => match failure.redirect_location() {
                Some(location) => Ok(location),
                None => Err(Error::OAuth(failure.into_oauth_error())),
            },
        }
    }
}
