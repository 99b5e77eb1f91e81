//! A registered client as the server describes it: its credentials and metadata, ancillary
//! fields read leniently.

use serde::{Deserialize, Serialize};

use crate::authorize::SubType;
use crate::scope::ScopeSet;
use crate::secret::{ClientSecret, RegistrationAccessToken};

use super::auth_method::TokenEndpointAuthMethod;

/// A registered client, as registration and management return it (RFC 7591 §3.2.1,
/// RFC 7592 §3).
///
/// Polar registers clients anonymously (RFC 7591 open registration; its server refuses personal
/// access tokens and OAuth2 tokens here since 2026-04, although its spec still lists `oidc` and
/// `pat`). Managing a client takes the client's own [`RegistrationAccessToken`] (RFC 7592 §3),
/// returned once by registration (or the web session of the user who registered it). The
/// response carries the client's secret ([`ClientSecret`]): store it with the registration
/// token.
///
/// Only the credentials (`client_id`, `client_secret`, `registration_access_token`) must
/// decode: a registration that succeeded at Polar shows its secret once, so an ancillary field
/// Polar writes differently (`null` for a list, a fractional timestamp, a `default_sub_type`
/// this build does not know) reads as absent rather than losing them.
///
/// ```
/// let client: polar_oauth2::RegisteredClient = serde_json::from_str(
///     r#"{"client_id": "polar_ci_test", "client_secret": "polar_cs_test",
///         "client_id_issued_at": 1767225600, "client_secret_expires_at": 0,
///         "client_name": "Acme", "redirect_uris": ["https://acme.example/callback"],
///         "registration_access_token": "polar_crt_test"}"#,
/// )?;
/// assert_eq!(client.client_id, "polar_ci_test");
/// assert_eq!(format!("{:?}", client.client_secret), "Some(ClientSecret([redacted]))");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RegisteredClient {
    /// The client id (`polar_ci_…`).
    pub client_id: String,
    /// The client secret (`polar_cs_…`); absent for a public client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<ClientSecret>,
    /// When the client id was issued, in seconds since the Unix epoch.
    #[serde(
        default,
        deserialize_with = "lenient_seconds",
        skip_serializing_if = "Option::is_none"
    )]
    pub client_id_issued_at: Option<u64>,
    /// When the secret expires, in seconds since the Unix epoch; `0` for never.
    #[serde(
        default,
        deserialize_with = "lenient_seconds",
        skip_serializing_if = "Option::is_none"
    )]
    pub client_secret_expires_at: Option<u64>,
    /// The bearer token that manages this client (RFC 7592 §3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_access_token: Option<RegistrationAccessToken>,
    /// Where this client is managed (RFC 7592 §3).
    #[serde(
        default,
        deserialize_with = "lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub registration_client_uri: Option<String>,
    /// The client's name.
    #[serde(
        default,
        deserialize_with = "lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub client_name: Option<String>,
    /// Where the client may be redirected to.
    #[serde(default, deserialize_with = "lenient")]
    pub redirect_uris: Vec<String>,
    /// How the client authenticates at the token endpoint.
    #[serde(
        default,
        deserialize_with = "lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub token_endpoint_auth_method: Option<TokenEndpointAuthMethod>,
    /// The grant types the client may use.
    #[serde(default, deserialize_with = "lenient")]
    pub grant_types: Vec<String>,
    /// The response types the client may use.
    #[serde(default, deserialize_with = "lenient")]
    pub response_types: Vec<String>,
    /// The scopes the client may ask for.
    #[serde(
        default,
        deserialize_with = "lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub scope: Option<ScopeSet>,
    /// The client's home page.
    #[serde(
        default,
        deserialize_with = "lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub client_uri: Option<String>,
    /// The client's logo.
    #[serde(
        default,
        deserialize_with = "lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub logo_uri: Option<String>,
    /// The client's terms of service.
    #[serde(
        default,
        deserialize_with = "lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub tos_uri: Option<String>,
    /// The client's privacy policy.
    #[serde(
        default,
        deserialize_with = "lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub policy_uri: Option<String>,
    /// Whether the consent page asks for a user or an organization by default.
    #[serde(
        default,
        deserialize_with = "lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub default_sub_type: Option<SubType>,
}

/// An ancillary field: its value, or the default (absent, empty) when it has another shape.
fn lenient<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either<T> {
        Value(T),
        Other(serde::de::IgnoredAny),
    }
    Ok(match Either::<T>::deserialize(deserializer)? {
        Either::Value(value) => value,
        Either::Other(_) => T::default(),
    })
}

/// Seconds since the Unix epoch: a whole number, or a non-negative one with a fraction
/// (truncated); absent for anything else.
fn lenient_seconds<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Seconds {
        Whole(u64),
        Fraction(f64),
        Other(serde::de::IgnoredAny),
    }
    Ok(match Seconds::deserialize(deserializer)? {
        Seconds::Whole(seconds) => Some(seconds),
        // `as` saturates; NaN and negatives are not times.
        Seconds::Fraction(seconds) if seconds >= 0.0 => Some(seconds as u64),
        Seconds::Fraction(_) | Seconds::Other(_) => None,
    })
}
