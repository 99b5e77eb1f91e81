//! `GET /v1/oauth2/userinfo` (OpenID Connect Core §5.3): who the access token is for.

use serde::{Deserialize, Serialize};

/// The claims Polar returns for an access token (OpenID Connect Core §5.3.2).
///
/// The spec's response is an `anyOf` of a user shape and an organization shape with no tag, and
/// the two overlap: Polar sends `{sub}` plus `email` and `email_verified` for a user when the
/// token has the `email` scope, and `{sub}` plus `name` (the slug) for an organization when it
/// has `openid` (`server/polar/oauth2/userinfo.py`). A user token without `email` therefore has
/// exactly the shape of an organization token without `openid`. An untagged enum would have to
/// guess; [`UserInfo`] does not: it is one type whose optional fields say what Polar sent. The
/// subject type is known to the caller or from [`Client::introspect`](crate::Client::introspect).
/// Polar's authorization flow issues user tokens only (a `sub_type=organization` request yields a
/// user token limited to one organization, see [`SubType`](crate::SubType)), so what an app gets
/// from it is the user's shape; the organization's is left for tokens issued otherwise.
///
/// ```
/// let info: polar_oauth2::UserInfo = serde_json::from_str(
///     r#"{"sub": "3f2b8c1e-6a4d-4e7f-9b0a-5c8d2e1f4a6b", "email": "jane@example.com",
///         "email_verified": true}"#,
/// )?;
/// assert_eq!(info.email.as_deref(), Some("jane@example.com"));
/// assert_eq!(info.name, None);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UserInfo {
    /// The subject: the user's or the organization's id.
    pub sub: String,
    /// The organization's slug (organization tokens with `openid`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The user's email address (user tokens with `email`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Whether Polar verified [`email`](Self::email) (user tokens with `email`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
}

impl UserInfo {
    /// Every claim this type reads (for the spec-coverage test).
    #[cfg(test)]
    pub(crate) const FIELDS: [&'static str; 4] = ["sub", "name", "email", "email_verified"];
}
