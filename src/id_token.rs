//! OpenID Connect ID token verification (OpenID Connect Core 1.0 §3.1.3.7, §2).
//!
//! An [`IdTokenVerifier`] owns the rules: the client id the token must be for, the issuer, the
//! clock leeway, and which keys may sign. It fetches the server's discovery document
//! (`/.well-known/openid-configuration`) and its JWKS (`jwks_uri`, `/.well-known/jwks.json` at
//! Polar) through the [`Client`]'s HTTP stack (same timeout, body cap, user agent and in-flight
//! limit) and caches both. The key set is kept for the JWKS response's `Cache-Control: max-age`
//! (RFC 9111 §5.2.2.1), bounded by [`IdTokenVerifier::key_set_lifetime`], so that a withdrawn
//! key stops verifying. When a token names a key the cache does not have (key rotation), or
//! names none (`kid`; Polar's name none) and no cached key of its algorithm's type verifies it,
//! the JWKS is fetched again, at most once per [`IdTokenVerifier::refetch_cooldown`]: forged
//! tokens cannot make the verifier hammer the provider. Fetches happen outside the cache's lock,
//! one at a time: verifications whose key is cached never wait for one.
//!
//! A token is accepted only when:
//! - it is a JWS signed with an asymmetric algorithm that the matching JWKS key declares
//!   (`RS256` at Polar). `alg: none` is [`IdTokenError::Unsigned`]; an `HS256` token (whose "key"
//!   would be the public key's bytes) is [`IdTokenError::SymmetricAlgorithm`]; any algorithm
//!   other than the key's is [`IdTokenError::AlgorithmMismatch`]. Neither is ever checked;
//! - the signature verifies with that key;
//! - `iss` is the issuer; `aud` contains the client id and no audience the verifier does not
//!   trust; `azp`, when present or when there are several audiences, is the client id;
//! - `exp` is in the future and `iat` (and `nbf`, if any) not in the future, both with the
//!   leeway ([`DEFAULT_LEEWAY`]); each is an integer NumericDate (RFC 7519 §2), anything else
//!   (a float, a string, a number past `i64`) is [`IdTokenError::InvalidClaims`];
//! - its header names no critical extension (`crit`, RFC 7515 §4.1.11): this verifier
//!   understands none, so any is [`IdTokenError::CriticalExtension`];
//! - `nonce` equals the one the authorization request carried.
//!
//! Each failed rule is its own [`IdTokenError`] variant. A value an error quotes from the token
//! or the server (`kid`, `alg`, an issuer, …) is cut to a bounded excerpt.
//!
//! Signatures are checked by [`jsonwebtoken`] 9, whose crypto is *ring* (already this crate's):
//! jsonwebtoken 10 needs either aws-lc-rs (the C build this crate avoids, see [`install_crypto_provider`](crate::install_crypto_provider)) or
//! its RustCrypto backend (a second crypto stack of some 30 crates). Only its signature
//! primitives and JWK parsing are used; every claim rule is this module's.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, DecodingKey};
use progenitor_client::{ClientHooks, OperationInfo};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, CACHE_CONTROL, HeaderMap, HeaderValue};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};

use crate::client::Client;
use crate::error::Error;
use crate::secret::IdToken;

/// The issuer of Polar's ID tokens (`ISSUER` in `server/polar/oauth2/constants.py`), for
/// [`IdTokenVerifier::issuer`].
pub const POLAR_ISSUER: &str = "https://polar.sh";

/// Default clock leeway for `exp`, `iat` and `nbf`: 60 s.
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(60);

/// Default for [`IdTokenVerifier::refetch_cooldown`]: 60 s.
pub const DEFAULT_REFETCH_COOLDOWN: Duration = Duration::from_secs(60);

/// How long a key set is kept when the JWKS response has no `max-age`: one hour.
pub const DEFAULT_KEY_SET_LIFETIME: Duration = Duration::from_secs(3600);

/// Default bounds of [`IdTokenVerifier::key_set_lifetime`]: at least 60 s (a `max-age=0` or
/// `no-store` key set would otherwise be fetched for every token), at most one day.
pub const DEFAULT_KEY_SET_LIFETIME_BOUNDS: (Duration, Duration) =
    (Duration::from_secs(60), Duration::from_secs(86_400));

/// The path of the discovery document (OpenID Connect Discovery 1.0 §4).
pub const DISCOVERY_PATH: &str = "/.well-known/openid-configuration";

const DISCOVERY: &str = "openid:discovery";
const JWKS: &str = "openid:jwks";

/// Error bodies are read only for an excerpt.
const ERROR_BODY_CAP: usize = 64 * 1024;

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
    /// (§3.1.3.7 rule 3); see [`IdTokenVerifier::trust_audience`].
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
    /// [`IdTokenVerifier::issuer`].
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
fn quoted(text: &str) -> String {
    crate::error::bounded(text)
}

/// A list of such values: the first few, each [`quoted`], then how many more there were.
fn quoted_list(values: &[String]) -> Vec<String> {
    const SHOWN: usize = 8;
    let mut list: Vec<String> = values.iter().take(SHOWN).map(|v| quoted(v)).collect();
    if values.len() > SHOWN {
        list.push(format!("… ({} more)", values.len() - SHOWN));
    }
    list
}

fn unix(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

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

fn from_unix(seconds: i64) -> SystemTime {
    match u64::try_from(seconds) {
        Ok(s) => UNIX_EPOCH.checked_add(Duration::from_secs(s)),
        Err(_) => UNIX_EPOCH.checked_sub(Duration::from_secs(seconds.unsigned_abs())),
    }
    .unwrap_or(UNIX_EPOCH)
}

fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
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

/// Verifies ID tokens for one client of one server. Cheap to clone; clones share the cached
/// discovery document and JWKS.
///
/// ```no_run
/// use polar_oauth2::{Client, IdToken, Server};
///
/// # async fn f(id_token: IdToken, nonce_sent: Option<&str>) -> Result<(), Box<dyn std::error::Error>> {
/// let client = Client::new(Server::Production)?;
/// let verifier = client
///     .id_token_verifier("polar_ci_test_example")
///     .issuer(polar_oauth2::POLAR_ISSUER);
/// // `nonce_sent`: `PendingAuthorization::nonce()` of the authorization request.
/// let claims = verifier.verify(&id_token, nonce_sent).await?;
/// println!("signed in: {} ({:?})", claims.sub, claims.email);
/// # Ok(()) }
/// ```
///
/// # What is checked
///
/// OpenID Connect ID token verification (OpenID Connect Core 1.0 §3.1.3.7, §2).
///
/// An [`IdTokenVerifier`] owns the rules: the client id the token must be for, the issuer, the
/// clock leeway, and which keys may sign. It fetches the server's discovery document
/// (`/.well-known/openid-configuration`) and its JWKS (`jwks_uri`, `/.well-known/jwks.json` at
/// Polar) through the [`Client`]'s HTTP stack (same timeout, body cap, user agent and in-flight
/// limit) and caches both. The key set is kept for the JWKS response's `Cache-Control: max-age`
/// (RFC 9111 §5.2.2.1), bounded by [`IdTokenVerifier::key_set_lifetime`], so that a withdrawn
/// key stops verifying. When a token names a key the cache does not have (key rotation), or
/// names none (`kid`; Polar's name none) and no cached key of its algorithm's type verifies it,
/// the JWKS is fetched again, at most once per [`IdTokenVerifier::refetch_cooldown`]: forged
/// tokens cannot make the verifier hammer the provider. Fetches happen outside the cache's lock,
/// one at a time: verifications whose key is cached never wait for one.
///
/// A token is accepted only when:
/// - it is a JWS signed with an asymmetric algorithm that the matching JWKS key declares
///   (`RS256` at Polar). `alg: none` is [`IdTokenError::Unsigned`]; an `HS256` token (whose "key"
///   would be the public key's bytes) is [`IdTokenError::SymmetricAlgorithm`]; any algorithm
///   other than the key's is [`IdTokenError::AlgorithmMismatch`]. Neither is ever checked;
/// - the signature verifies with that key;
/// - `iss` is the issuer; `aud` contains the client id and no audience the verifier does not
///   trust; `azp`, when present or when there are several audiences, is the client id;
/// - `exp` is in the future and `iat` (and `nbf`, if any) not in the future, both with the
///   leeway ([`DEFAULT_LEEWAY`]); each is an integer NumericDate (RFC 7519 §2), anything else
///   (a float, a string, a number past `i64`) is [`IdTokenError::InvalidClaims`];
/// - its header names no critical extension (`crit`, RFC 7515 §4.1.11): this verifier
///   understands none, so any is [`IdTokenError::CriticalExtension`];
/// - `nonce` equals the one the authorization request carried.
///
/// Each failed rule is its own [`IdTokenError`] variant. A value an error quotes from the token
/// or the server (`kid`, `alg`, an issuer, …) is cut to a bounded excerpt.
///
/// Signatures are checked by [`jsonwebtoken`] 9, whose crypto is *ring* (already this crate's):
/// jsonwebtoken 10 needs either aws-lc-rs (the C build this crate avoids, see [`install_crypto_provider`](crate::install_crypto_provider)) or
/// its RustCrypto backend (a second crypto stack of some 30 crates). Only its signature
/// primitives and JWK parsing are used; every claim rule is this module's.
#[derive(Debug, Clone)]
#[must_use]
pub struct IdTokenVerifier {
    client: Client,
    client_id: String,
    issuer: Option<String>,
    trusted_audiences: Vec<String>,
    leeway: Duration,
    refetch_cooldown: Duration,
    lifetime_bounds: (Duration, Duration),
    shared: Arc<Shared>,
}

/// What clones of a verifier share.
#[derive(Debug, Default)]
struct Shared {
    /// Held only to read or store, never across a fetch: a verification whose key is cached
    /// never waits for the network.
    cache: Mutex<Cache>,
    /// Held by the one caller that fetches; the others wait here, then find what it fetched.
    fetching: tokio::sync::Mutex<()>,
}

#[derive(Debug, Default)]
struct Cache {
    discovery: Option<Discovery>,
    keys: Option<Arc<KeySet>>,
    /// Bumped at each JWKS fetch, so that callers that waited for a refetch use it.
    generation: u64,
    /// When a token's unknown key last caused a refetch (the cool-down counts from it).
    last_refetch: Option<Instant>,
}

/// Why keys are asked for.
#[derive(Debug, Clone, Copy)]
enum Need {
    /// Any unexpired key set.
    Current,
    /// A newer key set than generation `stale`, which lacks the token's key: a refetch,
    /// subject to the cool-down.
    NewerThan(u64),
}

impl Cache {
    /// What the cache can answer for `need` without fetching: `Some(Some(keys))` to use,
    /// `Some(None)` when a refetch is due but the cool-down forbids it, `None` to fetch.
    #[allow(clippy::option_option)]
    fn answer(
        &self,
        need: Need,
        now: Instant,
        cooldown: Duration,
    ) -> Option<Option<(Arc<KeySet>, Discovery)>> {
        let discovery = self.discovery.clone()?;
        let keys = self.keys.as_ref()?;
        match need {
            Need::Current if now < keys.expires => Some(Some((Arc::clone(keys), discovery))),
            Need::Current => None,
            // Someone fetched since the caller looked: use that.
            Need::NewerThan(stale) if keys.generation != stale => {
                Some(Some((Arc::clone(keys), discovery)))
            }
            Need::NewerThan(_)
                if self
                    .last_refetch
                    .is_some_and(|at| now.saturating_duration_since(at) < cooldown) =>
            {
                Some(None)
            }
            Need::NewerThan(_) => None,
        }
    }
}

#[derive(Debug, Clone)]
struct Discovery {
    issuer: String,
    jwks_uri: String,
    algorithms: Vec<String>,
}

#[derive(Debug)]
struct KeySet {
    generation: u64,
    keys: Vec<Key>,
    /// When it must be fetched again (its `max-age`, bounded).
    expires: Instant,
}

struct Key {
    kid: Option<String>,
    /// The key's declared `alg`, if any.
    alg: Option<String>,
    kty: String,
    decoding: DecodingKey,
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Key")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("kty", &self.kty)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A verifier of ID tokens issued by this client's server to `client_id`; see
    /// [`IdTokenVerifier`]. Nothing is fetched until the first [`IdTokenVerifier::verify`].
    ///
    /// ```
    /// use polar_oauth2::{Client, Server};
    ///
    /// let client = Client::new(Server::Production)?;
    /// let verifier = client.id_token_verifier("polar_ci_test_app");
    /// # Ok::<(), polar_oauth2::Error>(())
    /// ```
    pub fn id_token_verifier(&self, client_id: impl Into<String>) -> IdTokenVerifier {
        IdTokenVerifier::new(self, client_id)
    }
}

impl IdTokenVerifier {
    /// A verifier for tokens issued to `client_id` by the server `client` talks to.
    ///
    /// The issuer is the one the server's discovery document names (fetched over `client`'s
    /// TLS connection); pin it with [`Self::issuer`] (e.g. [`POLAR_ISSUER`]).
    ///
    /// ```
    /// use polar_oauth2::{Client, IdTokenVerifier, Server};
    ///
    /// let client = Client::new(Server::Production)?;
    /// // One per app: it caches Polar's keys and follows their rotation.
    /// let verifier = IdTokenVerifier::new(&client, "polar_ci_test_app");
    /// # Ok::<(), polar_oauth2::Error>(())
    /// ```
    pub fn new(client: &Client, client_id: impl Into<String>) -> Self {
        Self {
            client: client.clone(),
            client_id: client_id.into(),
            issuer: None,
            trusted_audiences: Vec::new(),
            leeway: DEFAULT_LEEWAY,
            refetch_cooldown: DEFAULT_REFETCH_COOLDOWN,
            lifetime_bounds: DEFAULT_KEY_SET_LIFETIME_BOUNDS,
            shared: Arc::default(),
        }
    }

    /// Require this issuer: tokens' `iss` and the discovery document's `issuer` must equal it.
    ///
    /// ```
    /// use polar_oauth2::{Client, IdTokenVerifier, Server};
    ///
    /// let client = Client::new(Server::Custom("https://polar.example.com".into()))?;
    /// let verifier = IdTokenVerifier::new(&client, "polar_ci_test_app")
    ///     .issuer("https://polar.example.com"); // refuse ID tokens from any other issuer
    /// # Ok::<(), polar_oauth2::Error>(())
    /// ```
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// Clock leeway for `exp`, `iat` and `nbf` (default [`DEFAULT_LEEWAY`]).
    ///
    /// ```
    /// use std::time::Duration;
    /// use polar_oauth2::{Client, IdTokenVerifier, Server};
    ///
    /// let client = Client::new(Server::Production)?;
    /// let verifier = IdTokenVerifier::new(&client, "polar_ci_test_app")
    ///     .leeway(Duration::from_secs(30)); // this host's clock may be off by that much
    /// # Ok::<(), polar_oauth2::Error>(())
    /// ```
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// Accept tokens whose `aud` also lists `audience` (by default any audience but the client
    /// id is [`IdTokenError::UntrustedAudience`]).
    ///
    /// ```
    /// use polar_oauth2::{Client, IdTokenVerifier, Server};
    ///
    /// let client = Client::new(Server::Production)?;
    /// // The app's backend also accepts ID tokens issued to its mobile app's client.
    /// let verifier = IdTokenVerifier::new(&client, "polar_ci_test_web")
    ///     .trust_audience("polar_ci_test_mobile");
    /// # Ok::<(), polar_oauth2::Error>(())
    /// ```
    pub fn trust_audience(mut self, audience: impl Into<String>) -> Self {
        self.trusted_audiences.push(audience.into());
        self
    }

    /// The least time between two JWKS fetches caused by tokens whose key the cache does not
    /// have (default [`DEFAULT_REFETCH_COOLDOWN`]). Within it such a token is rejected with the
    /// keys at hand, so that forged tokens cannot turn the verifier into an amplifier towards
    /// the provider. Clones share the cool-down.
    pub fn refetch_cooldown(mut self, cooldown: Duration) -> Self {
        self.refetch_cooldown = cooldown;
        self
    }

    /// Bounds on how long a fetched key set is used: the JWKS response's `Cache-Control:
    /// max-age` ([`DEFAULT_KEY_SET_LIFETIME`] when it has none, the lower bound for `no-store`
    /// or `no-cache`), kept between `min` and `max` (default
    /// [`DEFAULT_KEY_SET_LIFETIME_BOUNDS`]). A `max` below `min` is read as `min`.
    pub fn key_set_lifetime(mut self, min: Duration, max: Duration) -> Self {
        self.lifetime_bounds = (min, max.max(min));
        self
    }

    /// Verify `id_token` (see [`IdTokenVerifier`] for the rules) and return its claims.
    ///
    /// `expected_nonce` is the nonce the authorization request carried
    /// ([`PendingAuthorization::nonce`](crate::PendingAuthorization::nonce)); when it is
    /// `Some`, the token must carry the same one. Send a nonce: it is what stops a token
    /// captured from another sign-in being replayed into this one.
    ///
    /// ```
    /// use polar_oauth2::Scope;
    /// use polar_oauth2_test_server::{CONFIDENTIAL_CLIENT_ID, TestServer, USER_ID};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let polar = TestServer::start().await?;
    /// let (client, credentials) = (polar.client()?, polar.confidential_client());
    /// let pending = polar.authorization_request().scope(Scope::Openid).random_nonce().build()?;
    /// let code = pending.callback(&polar.approve(pending.url())?)?;
    /// let (uri, pkce) = (pending.redirect_uri(), Some(pending.pkce_verifier().clone()));
    /// let token = client.exchange_code(&credentials, code, uri, pkce).await?;
    /// let ids = client.id_token_verifier(CONFIDENTIAL_CLIENT_ID).issuer(polar.issuer());
    /// let claims = ids.verify(token.id_token().unwrap(), pending.nonce()).await?;
    /// assert_eq!(claims.sub, USER_ID.to_string());
    /// # Ok(()) }
    /// ```
    pub async fn verify(
        &self,
        id_token: &IdToken,
        expected_nonce: Option<&str>,
    ) -> Result<IdTokenClaims, IdTokenError> {
        let jws = Jws::parse(id_token.secret())?;
        let alg = accepted_algorithm(&jws.header.alg)?;
        if let Some(crit) = &jws.header.crit {
            return Err(IdTokenError::CriticalExtension(quoted(&crit.to_string())));
        }
        let (keys, discovery) = match self.keys(Need::Current).await? {
            Some(found) => found,
            // Unreachable: `Current` never waits for a cool-down.
            None => return Err(IdTokenError::UnknownKey { kid: None }),
        };
        let kid = jws.header.kid.as_deref();
        match check_signature(&jws, alg, &keys, &discovery) {
            Ok(()) => {}
            // A key the cache does not have (or, for a token naming no key, none of the cached
            // ones verifies): the server may have rotated its keys since the last fetch.
            Err(e @ (IdTokenError::UnknownKey { .. } | IdTokenError::InvalidSignature))
                if kid.is_none() || !keys.keys.iter().any(|k| k.kid.as_deref() == kid) =>
            {
                match self.keys(Need::NewerThan(keys.generation)).await? {
                    Some((keys, _)) => check_signature(&jws, alg, &keys, &discovery)?,
                    None => return Err(e),
                }
            }
            Err(e) => return Err(e),
        }
        let issuer = self.issuer.as_deref().unwrap_or(&discovery.issuer);
        self.check_claims(&jws.payload, issuer, expected_nonce, SystemTime::now())
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, Cache> {
        // The cache holds plain values, consistent at every store: a panic elsewhere while
        // holding the lock cannot leave it half-written.
        self.shared
            .cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Keys and discovery for `need`, fetched when the cache cannot answer; `None` when a
    /// refetch is due but inside the cool-down. One fetch at a time, outside the cache's lock.
    async fn keys(&self, need: Need) -> Result<Option<(Arc<KeySet>, Discovery)>, IdTokenError> {
        let cooldown = self.refetch_cooldown;
        // Bound first: the guard must be gone before the arms lock again.
        let answer = self.cache().answer(need, Instant::now(), cooldown);
        match answer {
            Some(Some(found)) => return Ok(Some(found)),
            // Inside the cool-down: only a refetch already in flight can still help.
            Some(None) => {
                if let Ok(_idle) = self.shared.fetching.try_lock() {
                    let answer = self.cache().answer(need, Instant::now(), cooldown);
                    return Ok(answer.flatten());
                }
            }
            None => {}
        }
        let _fetching = self.shared.fetching.lock().await;
        // Whoever held the fetch before may have fetched what this caller needs.
        let discovery = {
            let mut cache = self.cache();
            let now = Instant::now();
            if let Some(answer) = cache.answer(need, now, cooldown) {
                return Ok(answer);
            }
            if matches!(need, Need::NewerThan(_)) {
                // Counted before the fetch, so that a failing provider is not asked again
                // within the cool-down either.
                cache.last_refetch = Some(now);
            }
            cache.discovery.clone()
        };
        let discovery = match discovery {
            Some(d) => d,
            None => {
                let d = self.fetch_discovery().await?;
                self.cache().discovery = Some(d.clone());
                d
            }
        };
        let (raw, headers) = fetch_json::<RawJwks>(&self.client, &discovery.jwks_uri, JWKS).await?;
        let (min, max) = self.lifetime_bounds;
        let lifetime = max_age(&headers)
            .unwrap_or(DEFAULT_KEY_SET_LIFETIME)
            .clamp(min, max);
        let keys: Vec<Key> = raw.keys.into_iter().filter_map(Key::from_raw).collect();
        let mut cache = self.cache();
        cache.generation += 1;
        let keys = Arc::new(KeySet {
            generation: cache.generation,
            keys,
            // A century stands for "for ever" where an `Instant` cannot go further.
            expires: Instant::now()
                .checked_add(lifetime.min(Duration::from_secs(100 * 365 * 86_400)))
                .unwrap_or_else(Instant::now),
        });
        cache.keys = Some(Arc::clone(&keys));
        Ok(Some((keys, discovery)))
    }

    async fn fetch_discovery(&self) -> Result<Discovery, IdTokenError> {
        #[derive(Deserialize)]
        struct Raw {
            issuer: String,
            jwks_uri: String,
            #[serde(default)]
            id_token_signing_alg_values_supported: Option<Vec<String>>,
        }
        let base = self.client.base_url();
        let url = format!("{base}{DISCOVERY_PATH}");
        let (raw, _) = fetch_json::<Raw>(&self.client, &url, DISCOVERY).await?;
        if let Some(expected) = &self.issuer
            && *expected != raw.issuer
        {
            return Err(IdTokenError::DiscoveryIssuerMismatch {
                expected: expected.clone(),
                found: quoted(&raw.issuer),
            });
        }
        check_jwks_uri(base, &raw.jwks_uri)?;
        Ok(Discovery {
            issuer: raw.issuer,
            jwks_uri: raw.jwks_uri,
            // OpenID Connect Discovery §3: RS256 must be supported; the default when unsaid.
            algorithms: raw
                .id_token_signing_alg_values_supported
                .unwrap_or_else(|| vec!["RS256".to_owned()]),
        })
    }

    /// OpenID Connect Core §3.1.3.7 rules 2–5 and 9–11, on a payload whose signature verified.
    fn check_claims(
        &self,
        payload: &[u8],
        issuer: &str,
        expected_nonce: Option<&str>,
        now: SystemTime,
    ) -> Result<IdTokenClaims, IdTokenError> {
        let value: serde_json::Value = serde_json::from_slice(payload)
            .map_err(|e| IdTokenError::Malformed(quoted(&format!("payload: {e}"))))?;
        for claim in ["iss", "sub", "aud", "exp", "iat"] {
            if value.get(claim).is_none_or(serde_json::Value::is_null) {
                return Err(IdTokenError::MissingClaim(claim));
            }
        }
        let claims: IdTokenClaims = serde_json::from_value(value)
            .map_err(|e| IdTokenError::InvalidClaims(quoted(&e.to_string())))?;
        if claims.iss != issuer {
            return Err(IdTokenError::IssuerMismatch {
                expected: issuer.to_owned(),
                found: quoted(&claims.iss),
            });
        }
        if !claims.aud.contains(&self.client_id) {
            return Err(IdTokenError::AudienceMismatch {
                expected: self.client_id.clone(),
                found: quoted_list(&claims.aud),
            });
        }
        if let Some(other) = claims
            .aud
            .iter()
            .find(|a| **a != self.client_id && !self.trusted_audiences.contains(a))
        {
            return Err(IdTokenError::UntrustedAudience(quoted(other)));
        }
        let azp_ok = match &claims.azp {
            Some(azp) => *azp == self.client_id,
            None => claims.aud.len() == 1,
        };
        if !azp_ok {
            return Err(IdTokenError::AuthorizedPartyMismatch {
                expected: self.client_id.clone(),
                found: claims.azp.as_deref().map(quoted),
            });
        }
        // Compared as whole seconds (RFC 7519 §2 NumericDate), so that no value, however far
        // out, can wrap or saturate a `SystemTime` into the past.
        let now = i128::from(unix(now));
        let leeway = i128::from(self.leeway.as_secs());
        if i128::from(claims.exp) + leeway <= now {
            return Err(IdTokenError::Expired {
                expired_at: claims.expires_at(),
            });
        }
        if i128::from(claims.iat) > now + leeway {
            return Err(IdTokenError::IssuedInFuture {
                issued_at: claims.issued_at(),
            });
        }
        if let Some(nbf) = claims.nbf
            && i128::from(nbf) > now + leeway
        {
            return Err(IdTokenError::NotYetValid {
                not_before: from_unix(nbf),
            });
        }
        if let Some(expected) = expected_nonce {
            match &claims.nonce {
                None => return Err(IdTokenError::MissingNonce),
                Some(nonce) if nonce != expected => return Err(IdTokenError::NonceMismatch),
                Some(_) => {}
            }
        }
        Ok(claims)
    }
}

/// A compact JWS, split and decoded (signature not checked).
struct Jws {
    header: Header,
    payload: Vec<u8>,
    /// `header.payload`, the signed input.
    signed: String,
    /// The base64url signature, as jsonwebtoken takes it.
    signature: String,
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
    /// Present (even `null` or `[]`, both invalid) means the token demands extensions.
    #[serde(default, deserialize_with = "present")]
    crit: Option<serde_json::Value>,
}

/// `Some` whenever the member is there, `null` included.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<serde_json::Value>, D::Error> {
    serde_json::Value::deserialize(d).map(Some)
}

impl Jws {
    fn parse(token: &str) -> Result<Self, IdTokenError> {
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(IdTokenError::Malformed(
                "expected three dot-separated parts".into(),
            ));
        };
        let decode = |part: &str, what: &str| {
            URL_SAFE_NO_PAD.decode(part).map_err(|e| {
                IdTokenError::Malformed(quoted(&format!("{what} is not base64url: {e}")))
            })
        };
        let header_json = decode(header, "header")?;
        let header_value: Header = serde_json::from_slice(&header_json)
            .map_err(|e| IdTokenError::Malformed(quoted(&format!("header: {e}"))))?;
        let payload_json = decode(payload, "payload")?;
        Ok(Self {
            header: header_value,
            payload: payload_json,
            signed: format!("{header}.{payload}"),
            signature: signature.to_owned(),
        })
    }
}

/// The header's `alg`, if it is one this verifier ever accepts: asymmetric signatures only.
fn accepted_algorithm(alg: &str) -> Result<Algorithm, IdTokenError> {
    if alg.eq_ignore_ascii_case("none") {
        return Err(IdTokenError::Unsigned);
    }
    match alg {
        "RS256" => Ok(Algorithm::RS256),
        "RS384" => Ok(Algorithm::RS384),
        "RS512" => Ok(Algorithm::RS512),
        "PS256" => Ok(Algorithm::PS256),
        "PS384" => Ok(Algorithm::PS384),
        "PS512" => Ok(Algorithm::PS512),
        "ES256" => Ok(Algorithm::ES256),
        "ES384" => Ok(Algorithm::ES384),
        "EdDSA" => Ok(Algorithm::EdDSA),
        // The HMAC "secret" would be the public key, which anyone has.
        "HS256" | "HS384" | "HS512" => Err(IdTokenError::SymmetricAlgorithm(alg.to_owned())),
        other => Err(IdTokenError::UnsupportedAlgorithm(quoted(other))),
    }
}

/// The key type an algorithm needs (RFC 7518 §6.1, RFC 8037).
fn key_type(alg: Algorithm) -> &'static str {
    match alg {
        Algorithm::RS256
        | Algorithm::RS384
        | Algorithm::RS512
        | Algorithm::PS256
        | Algorithm::PS384
        | Algorithm::PS512 => "RSA",
        Algorithm::ES256 | Algorithm::ES384 => "EC",
        Algorithm::EdDSA => "OKP",
        Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => "oct",
    }
}

/// The signature checked with the key the token names (`kid`) or, when it names none (Polar's
/// do not), with each key of the algorithm's type until one verifies.
fn check_signature(
    jws: &Jws,
    alg: Algorithm,
    keys: &KeySet,
    discovery: &Discovery,
) -> Result<(), IdTokenError> {
    let verifies = |key: &Key| {
        matches!(
            jsonwebtoken::crypto::verify(&jws.signature, jws.signed.as_bytes(), &key.decoding, alg),
            Ok(true)
        )
    };
    let header_alg = jws.header.alg.as_str();
    if let Some(kid) = jws.header.kid.as_deref() {
        let key = keys
            .keys
            .iter()
            .find(|k| k.kid.as_deref() == Some(kid))
            .ok_or_else(|| IdTokenError::UnknownKey {
                kid: Some(quoted(kid)),
            })?;
        check_algorithm(header_alg, alg, key, discovery)?;
        return if verifies(key) {
            Ok(())
        } else {
            Err(IdTokenError::InvalidSignature)
        };
    }
    let mut outcome = Err(IdTokenError::UnknownKey { kid: None });
    for key in keys.keys.iter().filter(|k| k.kty == key_type(alg)) {
        match check_algorithm(header_alg, alg, key, discovery) {
            Ok(()) if verifies(key) => return Ok(()),
            Ok(()) => outcome = Err(IdTokenError::InvalidSignature),
            Err(mismatch) => {
                if matches!(outcome, Err(IdTokenError::UnknownKey { .. })) {
                    outcome = Err(mismatch);
                }
            }
        }
    }
    outcome
}

/// The algorithm is the key's: its declared `alg`, or (when it declares none) one of the
/// server's ID token algorithms of the key's type. Never a symmetric one.
fn check_algorithm(
    header_alg: &str,
    alg: Algorithm,
    key: &Key,
    discovery: &Discovery,
) -> Result<(), IdTokenError> {
    let mismatch = || IdTokenError::AlgorithmMismatch {
        token: quoted(header_alg),
        key: quoted(key.alg.as_deref().unwrap_or(&key.kty)),
    };
    if key_type(alg) != key.kty {
        return Err(mismatch());
    }
    match &key.alg {
        Some(declared) if declared == header_alg => Ok(()),
        Some(_) => Err(mismatch()),
        None if discovery.algorithms.iter().any(|a| a == header_alg) => Ok(()),
        None => Err(mismatch()),
    }
}

#[derive(Deserialize)]
struct RawJwks {
    keys: Vec<serde_json::Value>,
}

impl Key {
    /// A signing key from a JWKS entry; `None` for keys not usable to verify signatures (an
    /// encryption key, a symmetric key, a key type jsonwebtoken does not know).
    fn from_raw(raw: serde_json::Value) -> Option<Self> {
        let text = |name: &str| raw.get(name).and_then(|v| v.as_str()).map(str::to_owned);
        if text("use").is_some_and(|u| u != "sig") {
            return None;
        }
        let kty = text("kty")?;
        if kty == "oct" {
            return None;
        }
        let (kid, alg) = (text("kid"), text("alg"));
        let jwk: Jwk = serde_json::from_value(raw).ok()?;
        let decoding = DecodingKey::from_jwk(&jwk).ok()?;
        Some(Self {
            kid,
            alg,
            kty,
            decoding,
        })
    }
}

/// `jwks_uri` must be https, or on the same origin as the (already validated) base URL.
fn check_jwks_uri(base: &str, jwks_uri: &str) -> Result<(), IdTokenError> {
    let uri = url::Url::parse(jwks_uri).map_err(|e| {
        IdTokenError::InvalidJwksUri(format!("{:?} is not a URL: {e}", quoted(jwks_uri)))
    })?;
    let same_origin = url::Url::parse(base).is_ok_and(|b| b.origin() == uri.origin());
    if uri.scheme() == "https" || same_origin {
        Ok(())
    } else {
        Err(IdTokenError::InvalidJwksUri(format!(
            "{:?} is neither https nor on the server's origin",
            quoted(jwks_uri)
        )))
    }
}

/// `GET url` as JSON through the client's hooks (user agent, timeout, in-flight limit, body
/// cap).
async fn fetch_json<T: DeserializeOwned>(
    client: &Client,
    url: &str,
    operation: &'static str,
) -> Result<(T, HeaderMap), IdTokenError> {
    let fail = |e: Error| IdTokenError::Fetch(e);
    let url = reqwest::Url::parse(url)
        .map_err(|e| fail(Error::InvalidRequest(format!("{url:?} is not a URL: {e}"))))?;
    let api = client.generated();
    let mut request = reqwest::Request::new(reqwest::Method::GET, url);
    request
        .headers_mut()
        .insert(ACCEPT, HeaderValue::from_static("application/json"));
    let info = OperationInfo {
        operation_id: operation,
    };
    api.pre::<()>(&mut request, &info)
        .await
        .map_err(|e| fail(Error::InvalidRequest(e.to_string())))?;
    let response = api
        .exec(request, &info)
        .await
        .map_err(|e| fail(Error::from_reqwest(e, None)))?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .bytes()
        .await
        .map_err(|e| fail(Error::from_reqwest(e, None)))?;
    if status != StatusCode::OK {
        let excerpt = &body[..body.len().min(ERROR_BODY_CAP)];
        return Err(fail(Error::from_response(status, &headers, excerpt)));
    }
    let value = serde_json::from_slice(&body)
        .map_err(|e| fail(Error::decode::<T>(operation, Some(status), &body, &e)))?;
    Ok((value, headers))
}

/// A response's freshness lifetime from `Cache-Control` (RFC 9111 §5.2.2.1): its `max-age`,
/// zero for `no-store` or `no-cache`, `None` when it says neither. A `max-age` too large for
/// a number of seconds is the largest one.
fn max_age(headers: &HeaderMap) -> Option<Duration> {
    let mut found = None;
    let directives = headers
        .get_all(CACHE_CONTROL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','));
    for directive in directives {
        let (name, value) = directive.split_once('=').unwrap_or((directive, ""));
        let name = name.trim();
        if name.eq_ignore_ascii_case("no-store") || name.eq_ignore_ascii_case("no-cache") {
            return Some(Duration::ZERO);
        }
        if name.eq_ignore_ascii_case("max-age") {
            let digits = value.trim().trim_matches('"');
            if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                let seconds = digits.parse::<u64>().unwrap_or(u64::MAX);
                found = Some(Duration::from_secs(seconds));
            }
        }
    }
    found
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn header_algorithms_none_and_unknown_are_refused_before_any_key_is_looked_at() {
        assert!(matches!(
            accepted_algorithm("none"),
            Err(IdTokenError::Unsigned)
        ));
        assert!(matches!(
            accepted_algorithm("None"),
            Err(IdTokenError::Unsigned)
        ));
        assert!(matches!(
            accepted_algorithm("HS256"),
            Err(IdTokenError::SymmetricAlgorithm(a)) if a == "HS256"
        ));
        assert!(matches!(
            accepted_algorithm("XS1"),
            Err(IdTokenError::UnsupportedAlgorithm(a)) if a == "XS1"
        ));
        assert_eq!(accepted_algorithm("RS256").unwrap(), Algorithm::RS256);
    }

    #[test]
    fn a_token_must_have_three_parts() {
        assert!(matches!(Jws::parse("a.b"), Err(IdTokenError::Malformed(_))));
        assert!(matches!(
            Jws::parse("a.b.c.d"),
            Err(IdTokenError::Malformed(_))
        ));
    }

    #[test]
    fn jwks_uri_is_https_or_same_origin() {
        assert!(check_jwks_uri("http://127.0.0.1:9", "http://127.0.0.1:9/jwks").is_ok());
        assert!(check_jwks_uri("https://api.polar.sh", "https://keys.example/jwks").is_ok());
        assert!(check_jwks_uri("http://127.0.0.1:9", "http://example.com/jwks").is_err());
    }

    #[test]
    fn max_age_is_read_from_every_cache_control_header() {
        let headers = |values: &[&str]| {
            let mut h = HeaderMap::new();
            for v in values {
                h.append(CACHE_CONTROL, HeaderValue::from_str(v).unwrap());
            }
            h
        };
        let secs = Duration::from_secs;
        assert_eq!(max_age(&headers(&["public, max-age=300"])), Some(secs(300)));
        assert_eq!(
            max_age(&headers(&["public", "MAX-AGE = \"42\""])),
            Some(secs(42))
        );
        assert_eq!(
            max_age(&headers(&["private, no-store"])),
            Some(Duration::ZERO)
        );
        assert_eq!(
            max_age(&headers(&["max-age=600, no-cache"])),
            Some(Duration::ZERO)
        );
        assert_eq!(
            max_age(&headers(&["max-age=99999999999999999999999"])),
            Some(secs(u64::MAX))
        );
        assert_eq!(max_age(&headers(&["max-age=-5"])), None);
        assert_eq!(max_age(&headers(&["max-age=1e3"])), None);
        assert_eq!(max_age(&headers(&[])), None);
    }

    #[test]
    fn audience_is_one_string_or_many() {
        let one: IdTokenClaims =
            serde_json::from_str(r#"{"iss":"i","sub":"s","aud":"a","exp":1,"iat":0,"x":true}"#)
                .unwrap();
        assert_eq!(one.aud, ["a"]);
        assert_eq!(one.extra["x"], serde_json::Value::Bool(true));
        let many: IdTokenClaims =
            serde_json::from_str(r#"{"iss":"i","sub":"s","aud":["a","b"],"exp":1,"iat":0}"#)
                .unwrap();
        assert_eq!(many.aud, ["a", "b"]);
    }
}
