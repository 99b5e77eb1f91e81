//! The claims of a verified ID token, as an app reads them.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Deserializer, Serialize};

/// The claims of a verified ID token (OpenID Connect Core §2, §5.1).
///
/// Polar sends `sub` (the user's or organization's id), `name` (with `openid`; an
/// organization's slug), `email` and `email_verified` (with `email`, for a user).
///
/// ```
/// use polar_oauth2::Connector;
/// use polar_oauth2_test_server::{REDIRECT_URI, TestServer, USER_ID};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let polar = TestServer::start().await?;
/// let client = polar.client()?;
/// let connector = Connector::new(&client, polar.confidential_client(), REDIRECT_URI)
///     .authorization_page(polar.authorization_endpoint());
/// let pending = connector.authorization_request().build()?;
/// let back = polar.approve(pending.url())?;
/// let claims = connector.finish(pending, &back).await?.claims;
/// assert_eq!(claims.sub, USER_ID.to_string()); // the key to keep this user's tokens under
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IdTokenClaims {
    /// Issuer.
    pub iss: String,
    /// Subject: the user's or organization's id at Polar.
    pub sub: String,
    /// Audiences (a single string on the wire is one audience).
    #[serde(deserialize_with = "one_or_many")]
    pub aud: Vec<String>,
    /// Expiry, in seconds since the Unix epoch.
    pub exp: i64,
    /// Issue time, in seconds since the Unix epoch.
    pub iat: i64,
    /// Not before, in seconds since the Unix epoch, if the token has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    /// The nonce of the authorization request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// Authorized party.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azp: Option<String>,
    /// When the user authenticated, in seconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
    /// The access token hash (§3.1.3.6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_hash: Option<String>,
    /// The user's email (scope `email`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Whether Polar verified the email (scope `email`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
    /// A display name (scope `openid`; an organization's slug).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Every other claim, as sent.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

impl IdTokenClaims {
    /// `exp` as a time.
    #[must_use]
    pub fn expires_at(&self) -> SystemTime {
        from_unix(self.exp)
    }

    /// `iat` as a time.
    #[must_use]
    pub fn issued_at(&self) -> SystemTime {
        from_unix(self.iat)
    }
}

pub(super) fn from_unix(seconds: i64) -> SystemTime {
    match u64::try_from(seconds) {
        Ok(s) => UNIX_EPOCH.checked_add(Duration::from_secs(s)),
        Err(_) => UNIX_EPOCH.checked_sub(Duration::from_secs(seconds.unsigned_abs())),
    }
    .unwrap_or(UNIX_EPOCH)
}

pub(super) fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    })
}

pub(super) fn unix(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}
