//! Why an ID token was not accepted: one variant per failed rule, quoting at most a bounded
//! excerpt of what the token or the server sent.

use std::fmt;
use std::time::SystemTime;

use crate::error::Error;

use super::claims::unix;

/// Why an ID token was not accepted.
///
/// ```
/// use polar_oauth2::{IdToken, IdTokenError};
/// use polar_oauth2_test_server::{CONFIDENTIAL_CLIENT_ID, TestServer};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let polar = TestServer::start().await?;
/// let verifier = polar.client()?.id_token_verifier(CONFIDENTIAL_CLIENT_ID).issuer(polar.issuer());
/// let err = verifier.verify(&IdToken::new("not-a-jwt"), None).await.unwrap_err();
/// assert!(matches!(err, IdTokenError::Malformed(_)));
/// // `alg: none` is refused whatever the claims say.
/// let unsigned = IdToken::new("eyJhbGciOiJub25lIn0.e30.");
/// assert!(matches!(verifier.verify(&unsigned, None).await, Err(IdTokenError::Unsigned)));
/// # Ok(()) }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum IdTokenError {
    /// Not a compact JWS (three base64url parts; a JSON header and payload).
    Malformed(String),
    /// `alg: none`: an unsigned token is never accepted.
    Unsigned,
    /// An HMAC algorithm (`HS256`, `HS384`, `HS512`): its "secret" would be the server's public
    /// key, which anyone can fetch, so such a token proves nothing and is never checked.
    SymmetricAlgorithm(String),
    /// An algorithm this verifier does not know.
    UnsupportedAlgorithm(String),
    /// No key in the server's JWKS has this `kid`, even after fetching the JWKS again.
    UnknownKey {
        /// The token's `kid`, if it named one.
        kid: Option<String>,
    },
    /// The token's `alg` is not the one its key declares (e.g. `RS384` with an `RS256` key, or
    /// `ES256` with an RSA key): the signature is not checked with it.
    AlgorithmMismatch {
        /// The token header's `alg`.
        token: String,
        /// The JWKS key's `alg` (or key type when the key declares no `alg`).
        key: String,
    },
    /// The signature does not verify with the key.
    InvalidSignature,
    /// A required claim (`iss`, `sub`, `aud`, `exp`, `iat`) is missing.
    MissingClaim(&'static str),
    /// A claim has the wrong type (e.g. `exp`, `iat` or `nbf` not an integer).
    InvalidClaims(String),
    /// `iss` is not the issuer.
    IssuerMismatch {
        /// The issuer expected.
        expected: String,
        /// The token's `iss`.
        found: String,
    },
    /// `aud` does not contain the client id.
    AudienceMismatch {
        /// The client id.
        expected: String,
        /// The token's audiences.
        found: Vec<String>,
    },
    /// `aud` contains an audience other than the client id that the verifier does not trust
    /// (§3.1.3.7 rule 3); see [`IdTokenVerifier::trust_audience`](crate::IdTokenVerifier::trust_audience).
    UntrustedAudience(String),
    /// `azp` is missing although there are several audiences, or is not the client id.
    AuthorizedPartyMismatch {
        /// The client id.
        expected: String,
        /// The token's `azp`.
        found: Option<String>,
    },
    /// `exp` has passed (more than the leeway ago).
    Expired {
        /// The token's `exp`.
        expired_at: SystemTime,
    },
    /// `iat` is in the future (by more than the leeway).
    IssuedInFuture {
        /// The token's `iat`.
        issued_at: SystemTime,
    },
    /// `nbf` is in the future (by more than the leeway).
    NotYetValid {
        /// The token's `nbf`.
        not_before: SystemTime,
    },
    /// A nonce was sent in the authorization request, but the token carries none.
    MissingNonce,
    /// The token's `nonce` is not the one the authorization request carried.
    NonceMismatch,
    /// The discovery document or the JWKS could not be fetched or decoded.
    Fetch(Error),
    /// The discovery document's `issuer` is not the issuer pinned with
    /// [`IdTokenVerifier::issuer`](crate::IdTokenVerifier::issuer).
    DiscoveryIssuerMismatch {
        /// The pinned issuer.
        expected: String,
        /// The discovery document's `issuer`.
        found: String,
    },
    /// The discovery document names an unusable `jwks_uri` (not a URL, or plain `http` on
    /// another origin).
    InvalidJwksUri(String),
    /// The header's `crit` names extensions that must be understood (RFC 7515 §4.1.11); this
    /// verifier understands none, so the token is never accepted.
    CriticalExtension(String),
}

impl fmt::Display for IdTokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed(m) => write!(f, "ID token is not a well-formed JWS: {m}"),
            Self::Unsigned => f.write_str("ID token is unsigned (alg: none)"),
            Self::SymmetricAlgorithm(a) => {
                write!(
                    f,
                    "ID token uses the symmetric algorithm {a:?}, never accepted"
                )
            }
            Self::UnsupportedAlgorithm(a) => write!(f, "ID token algorithm {a:?} is not accepted"),
            Self::UnknownKey { kid } => {
                write!(
                    f,
                    "no key in the server's JWKS matches the ID token's kid {kid:?}"
                )
            }
            Self::AlgorithmMismatch { token, key } => write!(
                f,
                "ID token is signed with {token:?} but its key declares {key:?}"
            ),
            Self::InvalidSignature => f.write_str("ID token signature does not verify"),
            Self::MissingClaim(c) => write!(f, "ID token has no `{c}` claim"),
            Self::InvalidClaims(m) => write!(f, "ID token claims do not decode: {m}"),
            Self::IssuerMismatch { expected, found } => {
                write!(f, "ID token issuer is {found:?}, expected {expected:?}")
            }
            Self::AudienceMismatch { expected, found } => {
                write!(
                    f,
                    "ID token audience {found:?} does not contain {expected:?}"
                )
            }
            Self::UntrustedAudience(a) => write!(f, "ID token has an untrusted audience {a:?}"),
            Self::AuthorizedPartyMismatch { expected, found } => {
                write!(f, "ID token azp is {found:?}, expected {expected:?}")
            }
            Self::Expired { expired_at } => write!(
                f,
                "ID token expired at {} (seconds since the epoch)",
                unix(*expired_at)
            ),
            Self::IssuedInFuture { issued_at } => write!(
                f,
                "ID token is issued in the future, at {} (seconds since the epoch)",
                unix(*issued_at)
            ),
            Self::NotYetValid { not_before } => write!(
                f,
                "ID token is not valid before {} (seconds since the epoch)",
                unix(*not_before)
            ),
            Self::MissingNonce => f.write_str("ID token has no nonce, but one was sent"),
            Self::NonceMismatch => f.write_str("ID token nonce is not the one sent"),
            Self::Fetch(e) => write!(f, "cannot fetch the OpenID configuration or JWKS: {e}"),
            Self::DiscoveryIssuerMismatch { expected, found } => write!(
                f,
                "the OpenID configuration names issuer {found:?}, expected {expected:?}"
            ),
            Self::InvalidJwksUri(m) => write!(f, "unusable jwks_uri: {m}"),
            Self::CriticalExtension(c) => write!(
                f,
                "ID token header names critical extensions this verifier does not understand: {c}"
            ),
        }
    }
}

impl std::error::Error for IdTokenError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Fetch(e) => Some(e),
            _ => None,
        }
    }
}

/// A value from the token or the server as an error quotes it: the crate's one bounded excerpt
/// (a forged 1 MB `kid` must not make a 1 MB log line).
pub(super) fn quoted(text: &str) -> String {
    crate::error::bounded(text)
}

/// A list of such values: the first few, each [`quoted`], then how many more there were.
pub(super) fn quoted_list(values: &[String]) -> Vec<String> {
    const SHOWN: usize = 8;
    let mut list: Vec<String> = values.iter().take(SHOWN).map(|v| quoted(v)).collect();
    if values.len() > SHOWN {
        list.push(format!("… ({} more)", values.len() - SHOWN));
    }
    list
}
