//! The authorization request's parameters, as the consent-data call repeats them, and the PKCE
//! method.

use std::fmt;

use crate::scope::ScopeSet;

use super::sub_type::SubType;

/// `code_challenge_method` (RFC 7636 §4.3).
///
/// ```
/// use polar_oauth2::{AuthorizationRequest, PkceMethod, Server};
///
/// // S256 is the default; set it only to be explicit.
/// let redirect_uri = "https://app.example.com/callback";
/// let request = AuthorizationRequest::new(&Server::Sandbox, "polar_ci_test_app", redirect_uri)
///     .pkce_method(PkceMethod::S256);
/// assert!(request.build()?.url().contains("code_challenge_method=S256"));
/// # Ok::<(), polar_oauth2::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PkceMethod {
    /// `S256`: the challenge is `BASE64URL(SHA256(verifier))`. Use this.
    S256,
    /// `plain`: the challenge is the verifier itself.
    Plain,
}

impl PkceMethod {
    /// The wire value.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            PkceMethod::S256 => "S256",
            PkceMethod::Plain => "plain",
        }
    }
}

/// The authorization request's parameters (RFC 6749 §4.1.1, RFC 7636 §4.3, OpenID `nonce` and
/// `prompt`, Polar's `sub_type`), passed through to the consent-data call. The spec does not
/// list them; the real server reads them. All are optional for this call.
///
/// ```
/// use polar_oauth2_test_server::TestServer;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let polar = TestServer::start().await?;
/// let pending = polar.authorization_request().build()?;
/// // The parameters of the URL the browser was sent to, for the consent-data call.
/// let params = pending.authorize_params();
/// let consent = polar.client()?.consent_data(&polar.web_session_token(), &params).await?;
/// assert_eq!(consent.client().client_id, polar_oauth2_test_server::CONFIDENTIAL_CLIENT_ID);
/// # Ok(()) }
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct AuthorizeParams {
    pub(crate) client_id: Option<String>,
    pub(crate) redirect_uri: Option<String>,
    pub(crate) scope: Option<String>,
    pub(crate) state: Option<String>,
    pub(crate) nonce: Option<String>,
    pub(crate) prompt: Option<String>,
    pub(crate) code_challenge: Option<String>,
    pub(crate) code_challenge_method: Option<PkceMethod>,
    pub(crate) sub_type: Option<SubType>,
}

/// `state` (the CSRF token), `nonce` and a `plain` PKCE challenge (which *is* the verifier)
/// are redacted; an S256 challenge is public by design and shown.
impl fmt::Debug for AuthorizeParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |v: &Option<String>| v.as_ref().map(|_| "[redacted]");
        let challenge = match self.code_challenge_method {
            Some(PkceMethod::S256) => self.code_challenge.as_deref(),
            _ => redacted(&self.code_challenge),
        };
        f.debug_struct("AuthorizeParams")
            .field("client_id", &self.client_id)
            .field("redirect_uri", &self.redirect_uri)
            .field("scope", &self.scope)
            .field("state", &redacted(&self.state))
            .field("nonce", &redacted(&self.nonce))
            .field("prompt", &self.prompt)
            .field("code_challenge", &challenge)
            .field("code_challenge_method", &self.code_challenge_method)
            .field("sub_type", &self.sub_type)
            .finish()
    }
}

impl AuthorizeParams {
    /// Parameters for `client_id` with `response_type=code`.
    ///
    /// ```
    /// use polar_oauth2::{AuthorizeParams, SubType};
    ///
    /// // The query of an authorization URL, as Polar's consent page reads it.
    /// let params = AuthorizeParams::new("polar_ci_test_app")
    ///     .redirect_uri("https://app.example.com/callback")
    ///     .sub_type(SubType::User);
    /// // Then: `client.consent_data(&session, &params).await?`.
    /// ```
    #[must_use]
    pub fn new(client_id: impl Into<String>) -> Self {
        Self {
            client_id: Some(client_id.into()),
            ..Self::default()
        }
    }

    /// `redirect_uri`.
    #[must_use]
    pub fn redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.redirect_uri = Some(uri.into());
        self
    }

    /// `scope` (space-separated on the wire).
    #[must_use]
    pub fn scope(mut self, scope: &ScopeSet) -> Self {
        self.scope = Some(scope.to_string());
        self
    }

    /// `state`: the CSRF token of the authorization request.
    #[must_use]
    pub fn state(mut self, state: impl Into<String>) -> Self {
        self.state = Some(state.into());
        self
    }

    /// `nonce` (OpenID Connect).
    #[must_use]
    pub fn nonce(mut self, nonce: impl Into<String>) -> Self {
        self.nonce = Some(nonce.into());
        self
    }

    /// `prompt` (OpenID Connect), e.g. `consent`.
    #[must_use]
    pub fn prompt(mut self, prompt: impl Into<String>) -> Self {
        self.prompt = Some(prompt.into());
        self
    }

    /// `code_challenge` and `code_challenge_method` (PKCE).
    #[must_use]
    pub fn code_challenge(mut self, challenge: impl Into<String>, method: PkceMethod) -> Self {
        self.code_challenge = Some(challenge.into());
        self.code_challenge_method = Some(method);
        self
    }

    /// `sub_type`: consent for a user or for an organization.
    #[must_use]
    pub fn sub_type(mut self, sub_type: SubType) -> Self {
        self.sub_type = Some(sub_type);
        self
    }
}
