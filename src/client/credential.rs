//! The credentials a call may carry, each in the header Polar's server reads it from: a bearer
//! token in `Authorization` (RFC 6750 §2.1), a signed-in user's web session in Polar's session
//! cookie, a `client_secret_basic` client's credentials in `Authorization: Basic`.

use crate::secret::{RegistrationAccessToken, SessionToken};

/// The cookie Polar's server reads a signed-in user's web session from
/// (`POLAR_AUTH_COOKIE_KEY`); it never reads a session from a bearer.
///
/// ```
/// use polar_oauth2::{SESSION_COOKIE, SessionToken};
///
/// // What a browser signed in to Polar sends; the crate writes it this way for you.
/// let session = SessionToken::new("polar_us_test");
/// let cookie = format!("{SESSION_COOKIE}={}", session.secret());
/// assert_eq!(cookie, "polar_session=polar_us_test");
/// ```
pub const SESSION_COOKIE: &str = "polar_session";

/// What may read, change or delete a registered client (RFC 7592): the client's own
/// registration access token, or the web session of the user who registered it. Polar refuses
/// personal access tokens and OAuth2 access tokens here (403 `NotPermitted`).
///
/// ```
/// use polar_oauth2::{ClientManagement, RegistrationAccessToken, SessionToken};
/// let token = RegistrationAccessToken::new("polar_crt_test");
/// let by_token = ClientManagement::from(&token);
/// let session = SessionToken::new("polar_us_test");
/// let by_session = ClientManagement::from(&session);
/// # let _ = (by_token, by_session);
/// ```
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum ClientManagement<'a> {
    /// The client's `registration_access_token` (RFC 7592 §3), sent as a bearer.
    RegistrationToken(&'a RegistrationAccessToken),
    /// The registering user's web session, sent as Polar's session cookie.
    WebSession(&'a SessionToken),
}

impl<'a> From<&'a RegistrationAccessToken> for ClientManagement<'a> {
    fn from(token: &'a RegistrationAccessToken) -> Self {
        ClientManagement::RegistrationToken(token)
    }
}

impl<'a> From<&'a SessionToken> for ClientManagement<'a> {
    fn from(session: &'a SessionToken) -> Self {
        ClientManagement::WebSession(session)
    }
}

/// The header values one call sends: `Authorization` and `Cookie`, either or both absent.
#[derive(Default)]
pub(crate) struct Headers {
    pub(crate) authorization: Option<String>,
    pub(crate) cookie: Option<String>,
}

impl Headers {
    pub(crate) fn bearer(token: &str) -> Self {
        Self {
            authorization: Some(bearer(token)),
            cookie: None,
        }
    }

    pub(crate) fn session(session: &SessionToken) -> Self {
        Self {
            authorization: None,
            cookie: Some(format!("{SESSION_COOKIE}={}", session.secret())),
        }
    }

    pub(crate) fn management(credential: ClientManagement<'_>) -> Self {
        match credential {
            ClientManagement::RegistrationToken(t) => Self::bearer(t.secret()),
            ClientManagement::WebSession(s) => Self::session(s),
        }
    }
}

impl ClientManagement<'_> {
    pub(crate) fn secret(&self) -> &str {
        match self {
            ClientManagement::RegistrationToken(t) => t.secret(),
            ClientManagement::WebSession(s) => s.secret(),
        }
    }
}

/// `Bearer <token>`, built without `format!`'s machinery.
pub(crate) fn bearer(token: &str) -> String {
    let mut header = String::with_capacity("Bearer ".len() + token.len());
    header.push_str("Bearer ");
    header.push_str(token);
    header
}
