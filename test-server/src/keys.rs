//! The server's ID token signing key (RS256, as Polar's `JWT_CONFIG`) and its JWKS.
//!
//! The key is embedded, not generated: RSA key generation takes seconds in a debug build, and a
//! fixed key lets a test pin the JWKS. It is a test-only key, published in this crate's source:
//! never trust a token signed with it outside a test.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::SystemRandom;
use ring::signature::{self, KeyPair, RsaKeyPair, RsaPublicKeyComponents};
use serde_json::{Value, json};

/// A 2048-bit RSA key in PKCS#8 DER, generated once with
/// `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -outform DER`.
/// TEST ONLY: anyone can read it.
const TEST_ONLY_PKCS8: &[u8] = include_bytes!("test-only-rsa-key.pk8");

/// The signing key with its public JWK.
pub(super) struct SigningKey {
    pair: RsaKeyPair,
    kid: String,
    jwk: Value,
    rng: SystemRandom,
}

/// The `kid` of the test key, named as Polar names its keys (`polar_dev` on a development
/// server).
const KEY_ID: &str = "polar_test";

impl SigningKey {
    pub(super) fn load() -> Result<Self, String> {
        let pair = RsaKeyPair::from_pkcs8(TEST_ONLY_PKCS8)
            .map_err(|e| format!("the embedded test signing key is unusable: {e}"))?;
        let public = RsaPublicKeyComponents::<Vec<u8>>::from(pair.public_key());
        let n = URL_SAFE_NO_PAD.encode(strip_leading_zeros(&public.n));
        let e = URL_SAFE_NO_PAD.encode(strip_leading_zeros(&public.e));
        // As Polar's JWKS endpoint publishes its key: `n`, `e`, `kty` and the name its operator
        // gave it (`python -m polar.kit.jwk <kid>`), no `use`, no `alg`.
        let kid = KEY_ID.to_owned();
        let jwk = json!({"n": n, "e": e, "kty": "RSA", "kid": kid});
        Ok(Self {
            pair,
            kid,
            jwk,
            rng: SystemRandom::new(),
        })
    }

    pub(super) fn kid(&self) -> &str {
        &self.kid
    }

    /// `/.well-known/jwks.json` (RFC 7517 §5).
    pub(super) fn jwks(&self) -> Value {
        json!({ "keys": [self.jwk] })
    }

    /// A compact JWS (RFC 7515) of `claims`, RS256, with the header Polar's ID tokens have:
    /// `{"typ": "JWT", "alg": "RS256"}` and no `kid` (authlib's `get_encode_header` adds one
    /// only from `JWT_CONFIG["kid"]`, which Polar does not set, and joserfc only when signing
    /// with a key set).
    pub(super) fn sign(&self, claims: &Value) -> Result<String, String> {
        let header = json!({"typ": "JWT", "alg": "RS256"});
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let mut signature = vec![0; self.pair.public().modulus_len()];
        self.pair
            .sign(
                &signature::RSA_PKCS1_SHA256,
                &self.rng,
                input.as_bytes(),
                &mut signature,
            )
            .map_err(|_| "RSA signing failed".to_owned())?;
        Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature)))
    }
}

/// JWK integers are unsigned big-endian without leading zero octets (RFC 7518 §6.3.1).
fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}
