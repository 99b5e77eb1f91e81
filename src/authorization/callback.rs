//! The redirect back from the authorization page (RFC 6749 §4.1.2): `state` checked, then the
//! code or the error Polar sent.

use std::fmt;

use url::Url;

use crate::error::{OAuthErrorCode, redact};
use crate::secret::AuthorizationCode;

use super::state::CsrfToken;

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
///
/// The whole browser step, from the URL to the code:
///
/// ```no_run
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use polar_oauth2::{AuthorizationRequest, parse_callback};
/// use polar_oauth2::{Scope, Server};
///
/// // 1. Send the user's browser to `pending.url()`; keep `state` and the PKCE verifier in the
/// //    user's session (they are never sent anywhere else).
/// let pending = AuthorizationRequest::new(&Server::Sandbox, "polar_ci_…", "https://app.example/callback")
///     .scope(Scope::Openid)
///     .scope(Scope::Email)
///     .build()?;
/// println!("open {}", pending.url());
///
/// // 2. Polar redirects to `https://app.example/callback?code=…&state=…`; check it.
/// # let redirected_to = "https://app.example/callback?code=polar_ac_x&state=y";
/// let code = parse_callback(redirected_to, pending.state())?;
/// // 3. Exchange `code` with `Client::exchange_code`, passing `pending.pkce_verifier()`.
/// # let _ = code; Ok(()) }
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
