//! OpenID Connect ID token verification (OpenID Connect Core 1.0 §3.1.3.7): the verifier and
//! its rules, the key cache, the JWS and the claims. The rules are listed on
//! [`IdTokenVerifier`].

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
