//! The consent data (`GET /v1/oauth2/authorize`), decoded in one pass with the `sub_type` tag
//! deciding the arm wherever it is in the object.

use std::borrow::Cow;
use std::fmt;

use serde::de::value::{CowStrDeserializer, MapAccessDeserializer};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::generated::types::{
    AuthorizeResponseOrganization, AuthorizeResponseUser, OAuth2ClientPublic,
};
use crate::scope::{Scope, ScopeDisplayNames};

use super::sub_type::SubType;

/// The consent data: who asks (the client), for whom (`sub`), and for which scopes.
///
/// Serialized with `sub_type` first, as a serde internally tagged enum. Decoded by hand: serde's
/// derived internally tagged `Deserialize` buffers the *whole* object (every display name
/// included) into an intermediate tree before choosing the arm.
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
