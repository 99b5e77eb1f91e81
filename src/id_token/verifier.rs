//! The verifier: the rules an ID token must meet (OpenID Connect Core §3.1.3.7), checked in
//! order, with the keys from the cache.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::client::Client;
use crate::secret::IdToken;

use super::claims::IdTokenClaims;
use super::claims::{from_unix, unix};
use super::error::{IdTokenError, quoted, quoted_list};
use super::jws::{Jws, accepted_algorithm, check_signature};
use super::keys::{DEFAULT_KEY_SET_LIFETIME_BOUNDS, DEFAULT_REFETCH_COOLDOWN, Fetch, Need, Shared};

/// The issuer of Polar's ID tokens (`ISSUER` in `server/polar/oauth2/constants.py`), for
/// [`IdTokenVerifier::issuer`].
pub const POLAR_ISSUER: &str = "https://polar.sh";

/// Default clock leeway for `exp`, `iat` and `nbf`: 60 s.
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(60);

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
    /// max-age` ([`DEFAULT_KEY_SET_LIFETIME`](crate::DEFAULT_KEY_SET_LIFETIME) when it has none, the lower bound for `no-store`
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
        let (keys, discovery) = match self.shared.keys(&self.fetch(), Need::Current).await? {
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
                match self
                    .shared
                    .keys(&self.fetch(), Need::NewerThan(keys.generation))
                    .await?
                {
                    Some((keys, _)) => check_signature(&jws, alg, &keys, &discovery)?,
                    None => return Err(e),
                }
            }
            Err(e) => return Err(e),
        }
        let issuer = self.issuer.as_deref().unwrap_or(&discovery.issuer);
        self.check_claims(&jws.payload, issuer, expected_nonce, SystemTime::now())
    }

    /// What the key cache needs from this verifier to fetch.
    fn fetch(&self) -> Fetch<'_> {
        Fetch {
            client: &self.client,
            issuer: self.issuer.as_deref(),
            cooldown: self.refetch_cooldown,
            bounds: self.lifetime_bounds,
        }
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
