//! `GET /v1/oauth2/authorize`: the consent data behind Polar's authorization page.
//!
//! The response is a union chosen by `sub_type` (the spec's `discriminator`). typify ignores
//! discriminators (an organization payload with `sub: null` would decode as the user arm), so
//! this crate decodes it itself: the tag decides, in one pass over the input (see
//! [`AuthorizeResponse`]'s `Deserialize`).

use std::borrow::Cow;
use std::fmt;

use serde::de::value::{CowStrDeserializer, MapAccessDeserializer};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::generated::types::{
    AuthorizeResponseOrganization, AuthorizeResponseUser, OAuth2ClientPublic,
};
use crate::scope::{Scope, ScopeDisplayNames, ScopeSet};

/// The kind of subject a token is asked for (`sub_type`).
///
/// Since 2026-06-26 (Polar PRs #12681/#12697) Polar's authorization flow issues *user* tokens
/// only: asking for [`SubType::Organization`] yields a token of the signed-in **user**
/// (`polar_at_u_…`, `sub` = the user's id, userinfo the user's) limited to the one organization
/// the user picks on the consent screen (introspection's `organizations` lists it). Key an
/// organization connection by that organization id, not by `sub`. The consent data then says
/// `sub_type: "user"` with `requires_single_organization: true`, and a user who already consented
/// gets a 400 `invalid_request` instead of a redirect unless the request has `prompt=consent`.
///
/// ```
/// use polar_oauth2::{AuthorizationRequest, Server, SubType};
///
/// // Ask for a token that acts for one of the user's organizations.
/// let redirect_uri = "https://app.example.com/callback";
/// let request = AuthorizationRequest::new(&Server::Sandbox, "polar_ci_test_app", redirect_uri)
///     .sub_type(SubType::Organization);
/// assert!(request.build()?.url().contains("sub_type=organization"));
/// # Ok::<(), polar_oauth2::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SubType {
    /// A Polar user.
    User,
    /// One of the user's organizations: a user token limited to it (see above).
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
///
/// Serialized with `sub_type` first, as a serde internally tagged enum. Decoded by hand: serde's
/// derived internally tagged `Deserialize` buffers the *whole* object (every display name
/// included) into an intermediate tree before choosing the arm, which cost more than half the
/// decode time of a typical response (see `BENCHMARKS.md`).
///
/// ```
/// use polar_oauth2::{Scope, SubType};
/// use polar_oauth2_test_server::TestServer;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let polar = TestServer::start().await?;
/// let pending = polar.authorization_request().scope(Scope::Openid).build()?;
/// let params = pending.authorize_params();
/// let consent = polar.client()?.consent_data(&polar.web_session_token(), &params).await?;
/// assert_eq!(consent.sub_type(), SubType::User);
/// assert!(consent.scopes().contains(&Scope::Openid));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "sub_type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum AuthorizeResponse {
    /// `sub_type: "user"`.
    User(AuthorizeResponseUser),
    /// `sub_type: "organization"`, as Polar's documents describe it. Polar's server no longer
    /// answers with it: a request for an organization gets the user arm with
    /// `requires_single_organization: true` (see [`SubType`]).
    Organization(AuthorizeResponseOrganization),
}

impl AuthorizeResponse {
    /// The `sub_type` values this crate decodes, one per arm.
    pub(crate) const SUB_TYPES: [&'static str; 2] = ["user", "organization"];

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

/// One pass, whatever the field order: entries before `sub_type` are kept aside (Polar sends
/// only `client` before it; the derived code would have kept every entry), then the arm's own
/// generated `Deserialize` reads the kept entries followed by the rest of the input directly.
/// Fields the spec adds to an arm therefore need no change here, and unknown fields are
/// ignored exactly as the arm ignores them.
impl<'de> Deserialize<'de> for AuthorizeResponse {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(ResponseVisitor)
    }
}

struct ResponseVisitor;

impl<'de> Visitor<'de> for ResponseVisitor {
    type Value = AuthorizeResponse;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an authorize response object with a `sub_type`")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut before = Vec::new();
        while let Some(key) = map.next_key::<Key<'de>>()? {
            let key = match key {
                Key::SubType => {
                    let tag = map.next_value::<Tag>()?;
                    let rest = MapAccessDeserializer::new(Replay {
                        before: before.into_iter(),
                        pending: None,
                        live: map,
                    });
                    return match tag {
                        Tag::User => {
                            AuthorizeResponseUser::deserialize(rest).map(Self::Value::User)
                        }
                        Tag::Organization => AuthorizeResponseOrganization::deserialize(rest)
                            .map(Self::Value::Organization),
                    };
                }
                Key::Other(key) => key,
            };
            let value = map.next_value::<serde_json::Value>()?;
            before.push((key, value));
        }
        Err(de::Error::missing_field("sub_type"))
    }
}

/// An object key, borrowed from the input when it can be.
enum Key<'de> {
    SubType,
    Other(Cow<'de, str>),
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(match v {
                    "sub_type" => Key::SubType,
                    _ => Key::Other(Cow::Borrowed(v)),
                })
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(match v {
                    "sub_type" => Key::SubType,
                    _ => Key::Other(Cow::Owned(v.to_owned())),
                })
            }
        }
        deserializer.deserialize_identifier(KeyVisitor)
    }
}

/// The `sub_type` values with an arm.
enum Tag {
    User,
    Organization,
}

impl<'de> Deserialize<'de> for Tag {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TagVisitor;
        impl Visitor<'_> for TagVisitor {
            type Value = Tag;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("`sub_type` as a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Tag, E> {
                match v {
                    "user" => Ok(Tag::User),
                    "organization" => Ok(Tag::Organization),
                    other => Err(E::unknown_variant(other, &AuthorizeResponse::SUB_TYPES)),
                }
            }
        }
        deserializer.deserialize_str(TagVisitor)
    }
}

/// The entries read before `sub_type`, then the rest of the input, as one map.
struct Replay<'de, A> {
    before: std::vec::IntoIter<(Cow<'de, str>, serde_json::Value)>,
    /// The value of the kept key just handed out (and the key, for error messages).
    pending: Option<(Cow<'de, str>, serde_json::Value)>,
    live: A,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Replay<'de, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        match self.before.next() {
            Some((key, value)) => {
                let name = CowStrDeserializer::<A::Error>::new(key.clone());
                self.pending = Some((key, value));
                seed.deserialize(name).map(Some)
            }
            None => self.live.next_key_seed(seed),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        match self.pending.take() {
            // Decoded outside the input's own position tracking: the message names the field.
            // (Tracking the path inside it, with serde_path_to_error, cost 7% of a decode.)
            Some((key, value)) => seed
                .deserialize(value)
                .map_err(|e| de::Error::custom(format_args!("`{key}`: {e}"))),
            None => self.live.next_value_seed(seed),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        self.live.size_hint().map(|n| n + self.before.len())
    }
}

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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    const CLIENT: &str = r#"{"created_at":"2025-01-14T10:22:31Z","modified_at":null,"client_id":"polar_ci_x","client_name":"Acme","client_uri":null,"logo_uri":null,"tos_uri":null,"policy_uri":null}"#;
    const USER: &str = r#"{"id":"3f2b8c1e-6a4d-4e7f-9b0a-5c8d2e1f4a6b","email":"jane@example.com","avatar_url":null}"#;
    const ORG: &str =
        r#"{"id":"3f2b8c1e-6a4d-4e7f-9b0a-5c8d2e1f4a6b","slug":"acme","avatar_url":null}"#;

    fn object(fields: &[(&str, &str)]) -> String {
        let fields: Vec<String> = fields.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
        format!("{{{}}}", fields.join(","))
    }

    #[test]
    fn the_tag_decides_the_arm_wherever_it_is() {
        let fields = [
            ("client", CLIENT),
            ("sub_type", "\"user\""),
            ("sub", USER),
            ("scopes", r#"["openid","teleport:write"]"#),
            ("organizations", "[]"),
            (
                "scope_display_names",
                r#"{"openid":"OpenID","email":"Changed"}"#,
            ),
        ];
        for tag_at in 0..fields.len() {
            let mut order = fields.to_vec();
            let tag = order.remove(1);
            order.insert(tag_at, tag);
            let json = object(&order);
            let r: AuthorizeResponse = serde_json::from_str(&json).unwrap();
            assert_eq!(r.sub_type(), SubType::User, "{json}");
            assert_eq!(r.client().client_id, "polar_ci_x");
            assert_eq!(r.scopes()[1], Scope::Unknown("teleport:write".into()));
            let names = r.scope_display_names();
            assert_eq!(names.get("email"), Some("Changed"), "{json}");
            assert_eq!(names.len(), 2);
            let AuthorizeResponse::User(user) = r else {
                panic!("{json}")
            };
            assert_eq!(user.sub.unwrap().email, "jane@example.com");
        }
    }

    #[test]
    fn organization_with_null_sub_is_the_organization_arm() {
        let json = object(&[
            ("client", CLIENT),
            ("sub_type", "\"organization\""),
            ("sub", "null"),
            ("scopes", "[]"),
            ("organizations", &format!("[{ORG}]")),
            ("added_later", r#"{"ignored": [1, 2]}"#),
        ]);
        let r: AuthorizeResponse = serde_json::from_str(&json).unwrap();
        let AuthorizeResponse::Organization(org) = &r else {
            panic!("{r:?}")
        };
        assert!(org.sub.is_none());
        assert_eq!(org.organizations[0].slug, "acme");
        // Absent display names read as the spec's default.
        let names = r.scope_display_names();
        assert!(!names.is_empty());
        assert_eq!(names.len(), ScopeDisplayNames::spec_default().len());
        assert_eq!(names.get("openid"), Scope::Openid.display_name());
    }

    #[test]
    fn a_missing_or_unknown_tag_is_an_error_naming_it() {
        let json = object(&[("client", CLIENT), ("sub", "null"), ("scopes", "[]")]);
        let e = serde_json::from_str::<AuthorizeResponse>(&json).unwrap_err();
        assert!(e.to_string().contains("missing field `sub_type`"), "{e}");
        let json = object(&[("sub_type", "\"team\""), ("client", CLIENT)]);
        let e = serde_json::from_str::<AuthorizeResponse>(&json).unwrap_err();
        assert!(e.to_string().contains("unknown variant `team`"), "{e}");
        assert!(e.to_string().contains("`organization`"), "{e}");
    }

    #[test]
    fn a_bad_field_before_the_tag_is_named() {
        let json = object(&[("client", "{}"), ("sub_type", "\"user\""), ("sub", "null")]);
        let e = serde_json::from_str::<AuthorizeResponse>(&json).unwrap_err();
        assert!(e.to_string().contains("`client`"), "{e}");
        let json = object(&[
            ("client", r#"{"created_at": "yesterday"}"#),
            ("sub_type", "\"user\""),
        ]);
        let e = serde_json::from_str::<AuthorizeResponse>(&json).unwrap_err();
        assert!(e.to_string().starts_with("`client`: "), "{e}");
    }

    #[test]
    fn serializes_with_the_tag_and_decodes_back() {
        let json = object(&[
            ("sub", USER),
            ("scopes", r#"["openid"]"#),
            ("organizations", "[]"),
            ("client", CLIENT),
            ("sub_type", "\"user\""),
        ]);
        let r: AuthorizeResponse = serde_json::from_str(&json).unwrap();
        let again = serde_json::to_string(&r).unwrap();
        assert!(again.starts_with(r#"{"sub_type":"user","#), "{again}");
        let back: AuthorizeResponse = serde_json::from_str(&again).unwrap();
        assert_eq!(serde_json::to_string(&back).unwrap(), again);
    }
}
