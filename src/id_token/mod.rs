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

mod claims;
mod error;
mod fetch;
mod jws;
mod keys;
#[cfg(test)]
mod tests;
mod verifier;

pub use claims::IdTokenClaims;
pub use error::IdTokenError;
pub use keys::{
    DEFAULT_KEY_SET_LIFETIME, DEFAULT_KEY_SET_LIFETIME_BOUNDS, DEFAULT_REFETCH_COOLDOWN,
};
pub use verifier::{DEFAULT_LEEWAY, IdTokenVerifier, POLAR_ISSUER};
