//! The signature and its header: keys, algorithms, a token naming no key, critical extensions.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use polar_oauth2::POLAR_ISSUER;
use polar_oauth2::{IdToken, IdTokenError};
use serde_json::json;

use super::fixtures::{
    HEADER_A, KEY_A_N, KEY_A_PEM, KEY_B_N, KEY_B_PEM, NONCE, Provider, accepts_good_token, claims,
    jwk, sign, sign_raw, sign_with, sign_without_kid,
};

#[tokio::test]
async fn a_signature_by_another_key_is_rejected() {
    let provider = Provider::polar().await;
    let forged = sign_with(KEY_B_PEM, "key-a", &claims());
    let error = provider.rejects(&forged).await;
    assert!(matches!(error, IdTokenError::InvalidSignature), "{error}");
}

#[tokio::test]
async fn a_changed_payload_is_rejected() {
    let provider = Provider::polar().await;
    let token = sign(&claims());
    let mut parts: Vec<String> = token.secret().split('.').map(str::to_owned).collect();
    let mut changed = claims();
    changed["sub"] = json!("someone-else");
    parts[1] = URL_SAFE_NO_PAD.encode(changed.to_string());
    let error = provider.rejects(&IdToken::new(parts.join("."))).await;
    assert!(matches!(error, IdTokenError::InvalidSignature), "{error}");
}

#[tokio::test]
async fn alg_none_is_rejected() {
    let provider = Provider::polar().await;
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","kid":"key-a"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims().to_string());
    let token = IdToken::new(format!("{header}.{payload}."));
    let error = provider.rejects(&token).await;
    assert!(matches!(error, IdTokenError::Unsigned), "{error}");
}

#[tokio::test]
async fn hs256_signed_with_the_public_key_is_rejected() {
    let provider = Provider::polar().await;
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some("key-a".into());
    // The attack: use the published key's bytes (here its JWK and its modulus) as an HMAC secret.
    for secret in [jwk("key-a", KEY_A_N).to_string(), KEY_A_N.to_owned()] {
        let key = EncodingKey::from_secret(secret.as_bytes());
        let token = IdToken::new(jsonwebtoken::encode(&header, &claims(), &key).unwrap());
        let error = provider.rejects(&token).await;
        assert!(
            matches!(&error, IdTokenError::SymmetricAlgorithm(a) if a == "HS256"),
            "{error}"
        );
    }
}

/// Good claims signed by `key-a` with RS384 rather than the key's RS256.
fn signed_rs384_by_key_a() -> IdToken {
    let mut header = Header::new(Algorithm::RS384);
    header.kid = Some("key-a".into());
    let key = EncodingKey::from_rsa_pem(KEY_A_PEM.as_bytes()).unwrap();
    IdToken::new(jsonwebtoken::encode(&header, &claims(), &key).unwrap())
}

#[tokio::test]
async fn an_algorithm_other_than_the_keys_is_rejected() {
    let provider = Provider::polar().await;
    let token = signed_rs384_by_key_a();
    let error = provider.rejects(&token).await;
    assert!(
        matches!(&error, IdTokenError::AlgorithmMismatch { token, key } if token == "RS384" && key == "RS256"),
        "{error}"
    );
}

#[tokio::test]
async fn a_malformed_token_is_rejected_without_a_request() {
    let provider = Provider::polar().await;
    for token in ["", "a.b", "not base64!.x.y", "e30.e30"] {
        let error = provider.rejects(&IdToken::new(token)).await;
        assert!(
            matches!(error, IdTokenError::Malformed(_)),
            "{token:?}: {error}"
        );
    }
    assert!(provider.server.requests().is_empty());
}

#[tokio::test]
async fn a_token_naming_no_key_is_checked_against_each_key_as_polar_signs_them() {
    let provider = Provider::polar().await;
    let verifier = provider.verifier();
    verifier
        .verify(&sign_without_kid(KEY_A_PEM, &claims()), Some(NONCE))
        .await
        .unwrap();

    // Rotation: the new key is fetched once, and either key's tokens then verify.
    *provider.jwks.lock().unwrap() =
        json!({"keys": [jwk("key-a", KEY_A_N), jwk("key-b", KEY_B_N)]});
    verifier
        .verify(&sign_without_kid(KEY_B_PEM, &claims()), Some(NONCE))
        .await
        .unwrap();
    verifier
        .verify(&sign_without_kid(KEY_A_PEM, &claims()), Some(NONCE))
        .await
        .unwrap();
    assert_eq!(provider.fetches("/.well-known/jwks.json"), 2);
}

#[tokio::test]
async fn a_token_naming_no_key_that_no_key_verifies_is_rejected_after_one_refetch() {
    let provider = Provider::polar().await;
    let forged = sign_without_kid(KEY_B_PEM, &claims());
    let error = provider.rejects(&forged).await;
    assert!(matches!(error, IdTokenError::InvalidSignature), "{error}");
    assert_eq!(provider.fetches("/.well-known/jwks.json"), 2);
}

#[tokio::test]
async fn a_key_declaring_no_alg_takes_the_servers_id_token_algorithms() {
    // As the embedded server's JWKS: no `alg` on the key; discovery says RS256.
    let key = json!({"kty": "RSA", "use": "sig", "kid": "key-a", "n": KEY_A_N, "e": "AQAB"});
    let provider = Provider::start(POLAR_ISSUER, vec![key]).await;
    accepts_good_token(&provider.verifier()).await;

    let token = signed_rs384_by_key_a();
    let error = provider.rejects(&token).await;
    assert!(
        matches!(&error, IdTokenError::AlgorithmMismatch { token, key } if token == "RS384" && key == "RSA"),
        "{error}"
    );
}

#[tokio::test]
async fn a_critical_header_extension_is_rejected_without_a_request() {
    let provider = Provider::polar().await;
    let payload = claims().to_string();
    for header in [
        r#"{"alg":"RS256","kid":"key-a","crit":["exp"],"exp":1}"#,
        r#"{"alg":"RS256","kid":"key-a","crit":["b64"],"b64":false}"#,
        r#"{"alg":"RS256","kid":"key-a","crit":[]}"#,
        r#"{"alg":"RS256","kid":"key-a","crit":null}"#,
    ] {
        let error = provider.rejects(&sign_raw(header, &payload)).await;
        assert!(
            matches!(error, IdTokenError::CriticalExtension(_)),
            "{header}: {error}"
        );
    }
    assert!(provider.server.requests().is_empty());
    // The same token without `crit` verifies.
    provider
        .verifier()
        .verify(&sign_raw(HEADER_A, &payload), Some(NONCE))
        .await
        .unwrap();
}
