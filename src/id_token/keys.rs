//! The key cache: the discovery document and the JWKS, shared by a verifier's clones, kept for
//! the JWKS's `max-age` and fetched again (one fetch at a time, outside the lock, at most once
//! per cool-down) when a token names a key the cache does not have.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use jsonwebtoken::DecodingKey;
use jsonwebtoken::jwk::Jwk;
use serde::Deserialize;

use crate::client::Client;

use super::error::{IdTokenError, quoted};
use super::fetch::{check_jwks_uri, fetch_json, max_age};

/// Default for [`IdTokenVerifier::refetch_cooldown`](crate::IdTokenVerifier::refetch_cooldown): 60 s.
pub const DEFAULT_REFETCH_COOLDOWN: Duration = Duration::from_secs(60);

/// How long a key set is kept when the JWKS response has no `max-age`: one hour.
pub const DEFAULT_KEY_SET_LIFETIME: Duration = Duration::from_secs(3600);

/// Default bounds of [`IdTokenVerifier::key_set_lifetime`](crate::IdTokenVerifier::key_set_lifetime): at least 60 s (a `max-age=0` or
/// `no-store` key set would otherwise be fetched for every token), at most one day.
pub const DEFAULT_KEY_SET_LIFETIME_BOUNDS: (Duration, Duration) =
    (Duration::from_secs(60), Duration::from_secs(86_400));

/// The path of the discovery document (OpenID Connect Discovery 1.0 §4).
pub(super) const DISCOVERY_PATH: &str = "/.well-known/openid-configuration";

pub(super) const DISCOVERY: &str = "openid:discovery";
pub(super) const JWKS: &str = "openid:jwks";

/// What a fetch needs from the verifier that asks for keys.
pub(super) struct Fetch<'a> {
    pub(super) client: &'a Client,
    /// The pinned issuer, which the discovery document must name.
    pub(super) issuer: Option<&'a str>,
    pub(super) cooldown: Duration,
    /// Bounds of a key set's lifetime.
    pub(super) bounds: (Duration, Duration),
}

/// What clones of a verifier share.
#[derive(Debug, Default)]
pub(super) struct Shared {
    /// Held only to read or store, never across a fetch: a verification whose key is cached
    /// never waits for the network.
    pub(super) cache: Mutex<Cache>,
    /// Held by the one caller that fetches; the others wait here, then find what it fetched.
    pub(super) fetching: tokio::sync::Mutex<()>,
}

#[derive(Debug, Default)]
pub(super) struct Cache {
    discovery: Option<Discovery>,
    keys: Option<Arc<KeySet>>,
    /// Bumped at each JWKS fetch, so that callers that waited for a refetch use it.
    generation: u64,
    /// When a token's unknown key last caused a refetch (the cool-down counts from it).
    last_refetch: Option<Instant>,
}

/// Why keys are asked for.
#[derive(Debug, Clone, Copy)]
pub(super) enum Need {
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
pub(super) struct Discovery {
    pub(super) issuer: String,
    pub(super) jwks_uri: String,
    pub(super) algorithms: Vec<String>,
}

#[derive(Debug)]
pub(super) struct KeySet {
    pub(super) generation: u64,
    pub(super) keys: Vec<Key>,
    /// When it must be fetched again (its `max-age`, bounded).
    pub(super) expires: Instant,
}

pub(super) struct Key {
    pub(super) kid: Option<String>,
    /// The key's declared `alg`, if any.
    pub(super) alg: Option<String>,
    pub(super) kty: String,
    pub(super) decoding: DecodingKey,
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

#[derive(Deserialize)]
pub(super) struct RawJwks {
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

impl Shared {
    fn cache(&self) -> std::sync::MutexGuard<'_, Cache> {
        // The cache holds plain values, consistent at every store: a panic elsewhere while
        // holding the lock cannot leave it half-written.
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Keys and discovery for `need`, fetched when the cache cannot answer; `None` when a
    /// refetch is due but inside the cool-down. One fetch at a time, outside the cache's lock.
    pub(super) async fn keys(
        &self,
        how: &Fetch<'_>,
        need: Need,
    ) -> Result<Option<(Arc<KeySet>, Discovery)>, IdTokenError> {
        let cooldown = how.cooldown;
        // Bound first: the guard must be gone before the arms lock again.
        let answer = self.cache().answer(need, Instant::now(), cooldown);
        match answer {
            Some(Some(found)) => return Ok(Some(found)),
            // Inside the cool-down: only a refetch already in flight can still help.
            Some(None) => {
                if let Ok(_idle) = self.fetching.try_lock() {
                    let answer = self.cache().answer(need, Instant::now(), cooldown);
                    return Ok(answer.flatten());
                }
            }
            None => {}
        }
        let _fetching = self.fetching.lock().await;
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
                let d = self.fetch_discovery(how).await?;
                self.cache().discovery = Some(d.clone());
                d
            }
        };
        let (raw, headers) = fetch_json::<RawJwks>(how.client, &discovery.jwks_uri, JWKS).await?;
        let (min, max) = how.bounds;
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

    async fn fetch_discovery(&self, how: &Fetch<'_>) -> Result<Discovery, IdTokenError> {
        #[derive(Deserialize)]
        struct Raw {
            issuer: String,
            jwks_uri: String,
            #[serde(default)]
            id_token_signing_alg_values_supported: Option<Vec<String>>,
        }
        let base = how.client.base_url();
        let url = format!("{base}{DISCOVERY_PATH}");
        let (raw, _) = fetch_json::<Raw>(how.client, &url, DISCOVERY).await?;
        if let Some(expected) = how.issuer
            && expected != raw.issuer
        {
            return Err(IdTokenError::DiscoveryIssuerMismatch {
                expected: expected.to_owned(),
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
}
