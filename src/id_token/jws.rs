//! The compact JWS: its header and parts, the algorithms accepted, and the signature checked
//! with the matching key.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Algorithm;
use serde::{Deserialize, Deserializer};

use super::error::{IdTokenError, quoted};
use super::keys::{Discovery, Key, KeySet};

/// A compact JWS, split and decoded (signature not checked).
pub(super) struct Jws {
    pub(super) header: Header,
    pub(super) payload: Vec<u8>,
    /// `header.payload`, the signed input.
    pub(super) signed: String,
    /// The base64url signature, as jsonwebtoken takes it.
    pub(super) signature: String,
}

#[derive(Deserialize)]
pub(super) struct Header {
    pub(super) alg: String,
    #[serde(default)]
    pub(super) kid: Option<String>,
    /// Present (even `null` or `[]`, both invalid) means the token demands extensions.
    #[serde(default, deserialize_with = "present")]
    pub(super) crit: Option<serde_json::Value>,
}

/// `Some` whenever the member is there, `null` included.
pub(super) fn present<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<serde_json::Value>, D::Error> {
    serde_json::Value::deserialize(d).map(Some)
}

impl Jws {
    pub(super) fn parse(token: &str) -> Result<Self, IdTokenError> {
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
pub(super) fn accepted_algorithm(alg: &str) -> Result<Algorithm, IdTokenError> {
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
pub(super) fn key_type(alg: Algorithm) -> &'static str {
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
pub(super) fn check_signature(
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
pub(super) fn check_algorithm(
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
