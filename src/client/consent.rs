//! The consent data call (`GET /v1/oauth2/authorize`), made with a signed-in user's web session.

use super::Client;
use super::credential::Headers;
use super::redact::Echoes;
use crate::authorize::{AuthorizeParams, AuthorizeResponse};
use crate::error::Error;
use crate::secret::SessionToken;

const AUTHORIZE: &str = "oauth2:authorize";

impl Client {
    /// `GET /v1/oauth2/authorize`: the consent data for an authorization request (the client,
    /// the subject, the scopes asked for and their labels), as Polar's consent page shows it.
    ///
    /// Only Polar's own web app can call this: Polar answers it for a signed-in *web* user, whose
    /// session it reads from its `polar_session` cookie (sent here from `session`). An access
    /// token or personal access token gets 403 `NotPermitted`, a session sent as a bearer 401,
    /// no credential 401 ([`Error::Polar`] or [`Error::OAuth`]). A third-party app never needs
    /// it: it sends the browser to [`PendingAuthorization::url`](crate::PendingAuthorization::url)
    /// and Polar's page shows the consent screen. When the user already consented to the same
    /// scopes the server redirects (HTTP 302, refused by this client) instead.
    ///
    /// ```no_run
    /// # async fn show(client: &polar_oauth2::Client, session: &polar_oauth2::SessionToken,
    /// #     pending: &polar_oauth2::PendingAuthorization) -> Result<(), polar_oauth2::Error> {
    /// let consent = client.consent_data(session, &pending.authorize_params()).await?;
    /// println!("{:?} asks for {:?}", consent.client().client_name, consent.scopes());
    /// # Ok(()) }
    /// ```
    pub async fn consent_data(
        &self,
        session: &SessionToken,
        params: &AuthorizeParams,
    ) -> Result<AuthorizeResponse, Error> {
        let headers = Headers::session(session);
        let request = || {
            self.api.oauth2_authorize(
                params.client_id.as_deref(),
                params.code_challenge.as_deref(),
                params.code_challenge_method.map(|m| m.as_str()),
                params.nonce.as_deref(),
                params.prompt.as_deref(),
                params.redirect_uri.as_deref(),
                params.client_id.as_ref().map(|_| "code"),
                params.scope.as_deref(),
                params.state.as_deref(),
                params.sub_type.map(|s| s.as_str()),
                headers.authorization.as_deref(),
                headers.cookie.as_deref(),
            )
        };
        let sent = || {
            Echoes::of(
                [
                    Some(session.secret()),
                    params.state.as_deref(),
                    params.nonce.as_deref(),
                    params.code_challenge.as_deref(),
                ]
                .into_iter()
                .flatten(),
            )
        };
        self.call(AUTHORIZE, sent, request).await
    }
}
