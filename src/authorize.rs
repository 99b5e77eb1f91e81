//! `GET /v1/oauth2/authorize`: the consent data behind Polar's authorization page.
//!
//! The response is a union chosen by `sub_type` (the spec's `discriminator`). typify ignores
//! discriminators (an organization payload with `sub: null` would decode as the user arm), so
//! this crate decodes it as a serde internally tagged enum: one pass, the tag decides.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::generated::types::{
    AuthorizeResponseOrganization, AuthorizeResponseUser, OAuth2ClientPublic,
};
use crate::scope::{Scope, ScopeDisplayNames, ScopeSet};

/// The kind of subject a token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SubType {
    /// A Polar user.
    User,
    /// A Polar organization.
    Organization,
}

impl SubType {
    /// The wire value.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            SubType::User => "user",
            SubType::Organization => "organization",
        }
    }
}

impl fmt::Display for SubType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The consent data: who asks (the client), for whom (`sub`), and for which scopes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "sub_type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum AuthorizeResponse {
    /// `sub_type: "user"`.
    User(AuthorizeResponseUser),
    /// `sub_type: "organization"`: also lists the organizations the user can choose from.
    Organization(AuthorizeResponseOrganization),
}

impl AuthorizeResponse {
    /// The `sub_type` values this crate decodes, one per arm.
    pub const SUB_TYPES: [&'static str; 2] = ["user", "organization"];

    /// Which arm this is.
    #[must_use]
    pub fn sub_type(&self) -> SubType {
        match self {
            AuthorizeResponse::User(_) => SubType::User,
            AuthorizeResponse::Organization(_) => SubType::Organization,
        }
    }

    /// The client asking for consent.
    #[must_use]
    pub fn client(&self) -> &OAuth2ClientPublic {
        match self {
            AuthorizeResponse::User(r) => &r.client,
            AuthorizeResponse::Organization(r) => &r.client,
        }
    }

    /// The scopes asked for.
    #[must_use]
    pub fn scopes(&self) -> &[Scope] {
        match self {
            AuthorizeResponse::User(r) => &r.scopes,
            AuthorizeResponse::Organization(r) => &r.scopes,
        }
    }

    /// The labels of every scope as Polar's consent page shows them. When the server leaves
    /// the field out, this is the spec's default (every known scope's display name).
    #[must_use]
    pub fn scope_display_names(&self) -> std::borrow::Cow<'_, ScopeDisplayNames> {
        let names = match self {
            AuthorizeResponse::User(r) => r.scope_display_names.as_ref(),
            AuthorizeResponse::Organization(r) => r.scope_display_names.as_ref(),
        };
        match names {
            Some(n) => std::borrow::Cow::Borrowed(n),
            None => std::borrow::Cow::Owned(ScopeDisplayNames::spec_default()),
        }
    }
}

/// `code_challenge_method` (RFC 7636 §4.3).
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
#[derive(Debug, Clone, Default, PartialEq, Eq)]
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

impl AuthorizeParams {
    /// Parameters for `client_id` with `response_type=code`.
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
