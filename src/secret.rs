//! Secret values, each its own type: `Debug` redacted, no `Display`, read with `.secret()`, and
//! serialized as the plain value (for requests and storage only). The generator uses them for
//! every secret field of every operation (one table: `codegen/src/secrets.rs`).

use std::fmt;

macro_rules! secret_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            /// Wrap a secret value.
            #[must_use]
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The secret value itself.
            ///
            /// **Security:** whatever this is written to (a log, an error message, a metrics
            /// label) then holds the secret. Pass it only to the place that needs it.
            #[must_use]
            pub fn secret(&self) -> &str {
                &self.0
            }

            /// Take the secret value out (same warning as [`Self::secret`]).
            #[must_use]
            pub fn into_secret(self) -> String {
                self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "([redacted])"))
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self(value)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                String::deserialize(deserializer).map(Self)
            }
        }
    };
}

secret_type!(
    /// An OAuth2 client secret (`polar_cs_…`), sent as `client_secret` in token requests
    /// (`client_secret_post`, RFC 6749 §2.3.1).
    ///
    /// ```
    /// use polar_oauth2::ClientSecret;
    ///
    /// let secret = ClientSecret::new("polar_cs_test_example");
    /// // `Debug` is safe to log; reading the value takes an explicit `.secret()`.
    /// assert_eq!(format!("{secret:?}"), "ClientSecret([redacted])");
    /// assert_eq!(secret.secret(), "polar_cs_test_example");
    /// ```
    ClientSecret
);
secret_type!(
    /// An access token (`polar_at_u_…` / `polar_at_o_…`), sent as a bearer token (RFC 6750 §2.1).
    ///
    /// ```
    /// use polar_oauth2::AccessToken;
    ///
    /// let secret = AccessToken::new("polar_at_u_test");
    /// // `Debug` is safe to log; reading the value takes an explicit `.secret()`.
    /// assert_eq!(format!("{secret:?}"), "AccessToken([redacted])");
    /// assert_eq!(secret.secret(), "polar_at_u_test");
    /// ```
    AccessToken
);
secret_type!(
    /// A refresh token (`polar_rt_u_…` / `polar_rt_o_…`). Polar rotates them: after a refresh the
    /// old one is revoked, so always keep the newest.
    ///
    /// ```
    /// use polar_oauth2::RefreshToken;
    ///
    /// let secret = RefreshToken::new("polar_rt_u_test");
    /// // `Debug` is safe to log; reading the value takes an explicit `.secret()`.
    /// assert_eq!(format!("{secret:?}"), "RefreshToken([redacted])");
    /// assert_eq!(secret.secret(), "polar_rt_u_test");
    /// ```
    RefreshToken
);
secret_type!(
    /// An OpenID Connect ID token (a signed JWT about the user).
    ///
    /// ```
    /// use polar_oauth2::IdToken;
    ///
    /// let secret = IdToken::new("eyJhbGciOiJSUzI1NiJ9.e30.c2ln");
    /// // `Debug` is safe to log; reading the value takes an explicit `.secret()`.
    /// assert_eq!(format!("{secret:?}"), "IdToken([redacted])");
    /// assert_eq!(secret.secret(), "eyJhbGciOiJSUzI1NiJ9.e30.c2ln");
    /// ```
    IdToken
);
secret_type!(
    /// A signed-in Polar user's web session (`polar_us_…`): what Polar's own dashboard holds in
    /// its `polar_session` cookie. The crate sends it as that cookie (consent data, client
    /// registration and management) or in the `web` grant's form, never as a bearer, which
    /// Polar refuses (401 `invalid_token`).
    ///
    /// ```
    /// use polar_oauth2::SessionToken;
    ///
    /// let secret = SessionToken::new("polar_us_test");
    /// // `Debug` is safe to log; reading the value takes an explicit `.secret()`.
    /// assert_eq!(format!("{secret:?}"), "SessionToken([redacted])");
    /// assert_eq!(secret.secret(), "polar_us_test");
    /// ```
    SessionToken
);
secret_type!(
    /// An authorization code (`polar_ac_…`): single-use, valid for 300 s (RFC 6749 §4.1.2).
    ///
    /// ```
    /// use polar_oauth2::AuthorizationCode;
    ///
    /// let secret = AuthorizationCode::new("polar_ac_test");
    /// // `Debug` is safe to log; reading the value takes an explicit `.secret()`.
    /// assert_eq!(format!("{secret:?}"), "AuthorizationCode([redacted])");
    /// assert_eq!(secret.secret(), "polar_ac_test");
    /// ```
    AuthorizationCode
);
secret_type!(
    /// A PKCE code verifier (RFC 7636 §4.1): kept by the client, sent only to the token endpoint.
    ///
    /// ```
    /// use polar_oauth2::PkceCodeVerifier;
    ///
    /// let secret = PkceCodeVerifier::new("a-verifier-of-at-least-43-characters-0123456");
    /// // `Debug` is safe to log; reading the value takes an explicit `.secret()`.
    /// assert_eq!(format!("{secret:?}"), "PkceCodeVerifier([redacted])");
    /// assert_eq!(secret.secret(), "a-verifier-of-at-least-43-characters-0123456");
    /// ```
    PkceCodeVerifier
);
secret_type!(
    /// An access or a refresh token as the `token` parameter of revocation (RFC 7009 §2.1) and
    /// introspection (RFC 7662 §2.1). Build requests from [`IssuedToken`](crate::IssuedToken).
    ///
    /// ```
    /// use polar_oauth2::OpaqueToken;
    ///
    /// let secret = OpaqueToken::new("polar_rt_u_test");
    /// // `Debug` is safe to log; reading the value takes an explicit `.secret()`.
    /// assert_eq!(format!("{secret:?}"), "OpaqueToken([redacted])");
    /// assert_eq!(secret.secret(), "polar_rt_u_test");
    /// ```
    OpaqueToken
);
secret_type!(
    /// The bearer token that manages one registered client (RFC 7592 §3), returned once by
    /// client registration.
    ///
    /// ```
    /// use polar_oauth2::RegistrationAccessToken;
    ///
    /// let secret = RegistrationAccessToken::new("polar_crt_test");
    /// // `Debug` is safe to log; reading the value takes an explicit `.secret()`.
    /// assert_eq!(format!("{secret:?}"), "RegistrationAccessToken([redacted])");
    /// assert_eq!(secret.secret(), "polar_crt_test");
    /// ```
    RegistrationAccessToken
);

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted_and_secret_is_explicit() {
        let s = ClientSecret::new("polar_cs_test_value");
        assert_eq!(format!("{s:?}"), "ClientSecret([redacted])");
        assert_eq!(format!("{:?}", Some(&s)), "Some(ClientSecret([redacted]))");
        assert_eq!(s.secret(), "polar_cs_test_value");
    }

    #[test]
    fn serde_is_the_plain_value_both_ways() {
        let s = RefreshToken::new("polar_rt_u_test");
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, "\"polar_rt_u_test\"");
        assert_eq!(serde_json::from_str::<RefreshToken>(&json).unwrap(), s);
    }
}
