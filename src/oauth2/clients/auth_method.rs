//! `token_endpoint_auth_method` (RFC 7591 §2): how a client authenticates at the token
//! endpoint.

use serde::{Deserialize, Serialize};

/// How a client authenticates at the token endpoint (`token_endpoint_auth_method`, RFC 7591 §2).
///
/// ```
/// use polar_oauth2::{ClientCredentials, TokenEndpointAuthMethod};
///
/// let cli = ClientCredentials::public("polar_ci_test_cli");
/// assert_eq!(cli.auth_method(), TokenEndpointAuthMethod::None);
/// assert_eq!(TokenEndpointAuthMethod::None.as_str(), "none");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenEndpointAuthMethod {
    /// Credentials in the form body: Polar's default.
    ClientSecretPost,
    /// Credentials in an `Authorization: Basic` header.
    ClientSecretBasic,
    /// A public client: no secret, PKCE required.
    None,
    /// A value this build does not know.
    Other(String),
}

impl TokenEndpointAuthMethod {
    /// The wire value.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::ClientSecretPost => "client_secret_post",
            Self::ClientSecretBasic => "client_secret_basic",
            Self::None => "none",
            Self::Other(other) => other,
        }
    }
}

impl Serialize for TokenEndpointAuthMethod {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for TokenEndpointAuthMethod {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Ok(match &*value {
            "client_secret_post" => Self::ClientSecretPost,
            "client_secret_basic" => Self::ClientSecretBasic,
            "none" => Self::None,
            _ => Self::Other(value.into_owned()),
        })
    }
}
