//! ID token verification over real HTTP: a loopback server serves the discovery document and a
//! JWKS of fake RSA keys generated for these tests; tokens are signed here with the private keys.
// Tests state their expectations with unwrap/expect/panic: a failure is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use polar_oauth2::POLAR_ISSUER;
use polar_oauth2::{IdToken, IdTokenError};
use serde_json::{Value, json};
use support::{Reply, Server};

const CLIENT_ID: &str = "polar_ci_test_verifier";
const NONCE: &str = "test-nonce-0123456789";

/// Fake 2048-bit RSA keys, generated for these tests only (never used anywhere else).
const KEY_A_PEM: &str = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCU3GRs8yvhcMaf\nPpZRkXIn5T6fKMWc0Ag42gjKZRu1ohx+/VbhFCT6VAnQj86OaI/r7bIEj8SaxJKZ\nXwmY5SirfKNE+GocmdtFmeuZZ8GpUiIToox62/MqGKdpVm1uKV/QlqZe9bLHRJYB\nauhiV6y9i7phJEa5lSiCElnVDmBJKOP2gST5Z3RFMdXFbRIljdg6yj4uULZG0rFB\ncI6mSUQuCUB+z2cjA5heBSCDc2vIeRt9EsKzonz68X5t/doa9os4YK9/uPaxbDve\nB3MOIPZhMG2Ug2WPfRGM6/Kc7X6F6TvV3Gj+QO7ngU8ZEGS2X77i/vkHYk/VAjkx\nCByUYxCNAgMBAAECggEAFiywbwRYRIhapg0aMkNiyGufRPE7Yq0glGtyRMgD9S4V\nZZtSbkvkaD/NiHprkA4mZkQtsP1DkbR3jA46rUJxqP3zikog8GrA3aDclij9Eb5w\n4hDkMUcDdYFfqtLbkT3rjnRqixm5jHJ8j/B/dmrOChw+4sqXGH0OIDYgmJrAIBWT\ndmdbWLODblpWfppLEdqChCnb2CLuo5WIgX2CcXA1sDKfsbpUZlTA0oY1wY6gjQhN\nXQ1+d8ArxYi5fodpCTn/WAZ4iRVXWmasAq3N4uMDMYlcCUZvtETrOvNiAs2XiLbn\njD6tQQS59EBYoae+xqMg01dkaNgNvQ5zmYIL+64CcQKBgQDRXVb3q0u2Wp4bEvfo\nMyHHJw8gmgpr5IqkXVYDw34GbHxiyrslnhS30uNHXiSL79gVBrm24enxbGwVY4bo\nqZNzuozRDQh91AUf7V7JVvMbG6vAZXiX+8KUgGiT7SDTd+AGxG/R623jAi+iYx+M\nqLoS+WqZ989E/IG+ZTzM3IyXdQKBgQC2BO6a96EYKmIX8mhSwkZmrUTFmhNfLZvD\npnC9E+RfWZGWxlECw4/u+MuKqsJKiuU4aEvQ9KwWtzgQwVTuM2icHNj0XmwfxD3I\nyqCmch/CegPQ192A8tyNSMHOrev+3jGwO4uSiCimyAHXqeGtBli8HnBjF8vTXlaI\nP9o4I0yJuQKBgQCicGkpgB4ePfCt0OnHnuR2QDfcc6fiTk/DdydlhCgjk8huXh0V\n8rDgbx8oIEL6z/w3VCCDZIS+bADwF2h03B0rjXH0QMh12CqhuunwDSZRwgZgIFqQ\nkSVHUtnQ7AqsCDYpCgA4PxHjL68FryKrX73/OsUa8MpAHCoOLz4dNIFggQKBgGzU\nnBnaL970EHzC+q9o65Eeznzbt/NzoKuly8ixqR19v3gIEY32ggvfhEvf95V8YLuO\nWK6SbIaUfBhAkFhwMn8NHIdYIYwI2OxCgzWiDO1J6RgoyY79JvPu6bp68R0Nm2YE\n5FnzwWKfOcLKF15N6iZoiMgnBT7XLCQBEaf5Kx05AoGAPYPo+OCFDpUmAEHXIzW4\nTVlAR7jbeAUXQKApa9TNlOb6wd+A/gL2BPvafAYDMD1aApN1mFo2i7JYAWl2YEGA\nccuNIhaFJznvmI5CPMOraPKuyyRgqmVsU9lfOJifZvd8vh4+XKg/24JBrLGrncm4\nLvC+qQaa0vTZJez4ZE+tGbE=\n-----END PRIVATE KEY-----";
const KEY_A_N: &str = "lNxkbPMr4XDGnz6WUZFyJ-U-nyjFnNAIONoIymUbtaIcfv1W4RQk-lQJ0I_OjmiP6-2yBI_EmsSSmV8JmOUoq3yjRPhqHJnbRZnrmWfBqVIiE6KMetvzKhinaVZtbilf0JamXvWyx0SWAWroYlesvYu6YSRGuZUoghJZ1Q5gSSjj9oEk-Wd0RTHVxW0SJY3YOso-LlC2RtKxQXCOpklELglAfs9nIwOYXgUgg3NryHkbfRLCs6J8-vF-bf3aGvaLOGCvf7j2sWw73gdzDiD2YTBtlINlj30RjOvynO1-hek71dxo_kDu54FPGRBktl--4v75B2JP1QI5MQgclGMQjQ";
const KEY_B_PEM: &str = "-----BEGIN PRIVATE KEY-----\nMIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQCwOohTjrAxhIDP\n6xQ/KcF4Fv4NVOuNVx/LE9gEN7KOhBroyBFHXyqblWNYIkDsHZTP/6NMGAeW6Q93\nPDKeMkZZ7+Ppkl85jEiTD0AzdOsQrR3n2xksIw4VKR2MY3ySz7C0sk+F54YhdoTv\nkgn0fmbzgE+CJDxYjnzt9Z5eY54z/hQx6iYTuR5p2Jo3D3G2vU/prVpAgBjNcV+8\nRKsuznI4TW6sPNKFIJdpn844USWxsCa3X4nAeBlzpxxIrlRzHt163Vb1pyI5l6DG\npFntAHGAmdBV0SPrPMnPf9zEoczarnmlXI6RLgUXdB5Lw7U2eggD94h06VbgEaSF\nOYUtJFsfAgMBAAECggEAH9US1vUJQoiKtAPkjlw+hDCzBzl1qvw30/jrpidha3jV\nW4L4DApWqe/cGAln7L6TKNcmahJVHJ9QmdsX0ZeHOaupYYF9DeoXGelBUYonA8Yh\nhsX+0Ags/QmGOtulnudBJgKndqqRge3kqVmZzr4eXpGoyvs8o0ppqpoZVzdrVjyc\nKy9AnthjA8/YJoJY4wlwNoXf+oDM0txq8HagQEeM8T5bR808NzuCLFBDa8lPNvJX\nxgibGZjxvN5CH5rvDQVCbiLEaZRH5HnWpYlpoCTMXFdBnn60R0xVxCvB/wM0PkCk\nuPhK667qYDU2w7NKTFNP/2BiqShjMzoa6MB9OR084QKBgQDZ0BQP/tuqpFFgVN6m\nbxHWYo3BXFQgMGW5Jeh1Gi+IGq3r5Vbj6nWIIrFV9qywSVQS2ZWxh0HccIGPjmN4\nEUexw8DAgX41WYV+7lZ86nSkKfb0eC7ACZ99aHT180u6eowpXQW0jDAFEgp0Lezd\n5hMB0Nuqoms3zoWOqdOkkXjTtwKBgQDPIBCQsde/BfP1dBtw/HM402pd2JtmLKdb\nZhob5PaDghv5fwxAbJGvOLFRuBcB92YYnaPCdsy4q29FPMy6Y2QMt7wKZqaUXkgg\nu+MjmrxRfMqbYnMk0muUnrdhluD3I7Gf9Vzdpy9vJphEgFHNawKL1DV4UrU2/pND\nFBzI1DBD2QKBgCBMQI1Wp1AYaZC1RQa89ZIqrwZ7IGZdhtf7jQrARUgTXLLcIRRO\n0frL2iv7FgRV+0eISDA49EUx0aRt4sYNGep8MnrZONPEYI0/3kdLpNwq9NmvcI89\nXg8EjENkPlh6j4oapxvspbo6wJ4VqUgGM89THx+gUfHGh/ttp1qBz77lAoGAFd0m\non+DbLCuLezRsL2VVBxNEBb7YG+6QtWmT+d9dihX16BnpK1RO5Pac+vg0d5RsquB\nS9fKiHvgRQjD+7DeMNF8UgS/9M13A62RroJ4+okXwgtEaFCl9oxCg1Sv7qaf62i1\nItixEySZ0jFRcUOogyYldswUQPfih6Qp3bE4XxECgYAAzp2asAykjq5rGTSug4RQ\np0mPFAFeBoEyEC4pHE3fQZkMaeyKf2pcIID7JmgCGJ+7umizwEhSm/6+0UhiRXp1\ni6OmDPus96KCCGbd5zxio6SjpD8gZDrTf7LmQROitJeoe0hTKSLcDfHAN1Ffcp4C\nReOPDgFsuALVT/onIcvVqg==\n-----END PRIVATE KEY-----";
const KEY_B_N: &str = "sDqIU46wMYSAz-sUPynBeBb-DVTrjVcfyxPYBDeyjoQa6MgRR18qm5VjWCJA7B2Uz_-jTBgHlukPdzwynjJGWe_j6ZJfOYxIkw9AM3TrEK0d59sZLCMOFSkdjGN8ks-wtLJPheeGIXaE75IJ9H5m84BPgiQ8WI587fWeXmOeM_4UMeomE7keadiaNw9xtr1P6a1aQIAYzXFfvESrLs5yOE1urDzShSCXaZ_OOFElsbAmt1-JwHgZc6ccSK5Ucx7det1W9aciOZegxqRZ7QBxgJnQVdEj6zzJz3_cxKHM2q55pVyOkS4FF3QeS8O1NnoIA_eIdOlW4BGkhTmFLSRbHw";

fn jwk(kid: &str, n: &str) -> Value {
    json!({"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid, "n": n, "e": "AQAB"})
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Claims as Polar issues them (authlib's `generate_id_token`), for `CLIENT_ID` and `NONCE`.
fn claims() -> Value {
    json!({
        "iss": POLAR_ISSUER,
        "sub": "0b4d2a1e-6b6a-4a57-9d0b-1f1c1f2a3b4c",
        "aud": CLIENT_ID,
        "exp": now() + 3600,
        "iat": now(),
        "auth_time": now(),
        "nonce": NONCE,
        "email": "user@example.com",
        "email_verified": true,
    })
}

fn sign_with(pem: &str, kid: &str, claims: &Value) -> IdToken {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_owned());
    let key = EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap();
    IdToken::new(jsonwebtoken::encode(&header, claims, &key).unwrap())
}

fn sign(claims: &Value) -> IdToken {
    sign_with(KEY_A_PEM, "key-a", claims)
}

/// A loopback OpenID provider whose JWKS (and its `Cache-Control`) can be changed.
struct Provider {
    server: Server,
    jwks: Arc<Mutex<Value>>,
    cache_control: Arc<Mutex<Option<String>>>,
}

impl Provider {
    async fn start(issuer: &str, keys: Vec<Value>) -> Self {
        let jwks = Arc::new(Mutex::new(json!({ "keys": keys })));
        let cache_control = Arc::new(Mutex::new(None::<String>));
        let (served, issuer) = (Arc::clone(&jwks), issuer.to_owned());
        let served_cache_control = Arc::clone(&cache_control);
        let server = Server::answering(move |request| {
            let host = request.header("host").unwrap_or("127.0.0.1");
            match request.path() {
                "/.well-known/openid-configuration" => Reply::json(
                    200,
                    json!({
                        "issuer": issuer,
                        "jwks_uri": format!("http://{host}/.well-known/jwks.json"),
                        "id_token_signing_alg_values_supported": ["RS256"],
                        "subject_types_supported": ["public"],
                    })
                    .to_string(),
                ),
                "/.well-known/jwks.json" => {
                    let reply = Reply::json(200, served.lock().unwrap().to_string());
                    match served_cache_control.lock().unwrap().as_deref() {
                        Some(value) => reply.header("cache-control", value),
                        None => reply,
                    }
                }
                _ => Reply::json(404, r#"{"detail":"Not Found"}"#),
            }
        })
        .await;
        Self {
            server,
            jwks,
            cache_control,
        }
    }

    async fn polar() -> Self {
        Self::start(POLAR_ISSUER, vec![jwk("key-a", KEY_A_N)]).await
    }

    fn verifier(&self) -> polar_oauth2::IdTokenVerifier {
        self.server.client().id_token_verifier(CLIENT_ID)
    }

    fn fetches(&self, path: &str) -> usize {
        self.server
            .requests()
            .iter()
            .filter(|r| r.path() == path)
            .count()
    }
}

async fn rejection(claims: &Value) -> IdTokenError {
    let provider = Provider::polar().await;
    provider
        .verifier()
        .verify(&sign(claims), Some(NONCE))
        .await
        .expect_err("the token must be rejected")
}

#[tokio::test]
async fn a_valid_token_gives_its_claims() {
    let provider = Provider::polar().await;
    let verifier = provider.verifier().issuer(POLAR_ISSUER);
    let claims = verifier
        .verify(&sign(&claims()), Some(NONCE))
        .await
        .unwrap();
    assert_eq!(claims.sub, "0b4d2a1e-6b6a-4a57-9d0b-1f1c1f2a3b4c");
    assert_eq!(claims.aud, [CLIENT_ID]);
    assert_eq!(claims.email.as_deref(), Some("user@example.com"));
    assert_eq!(claims.email_verified, Some(true));
    assert!(claims.extra.is_empty(), "{:?}", claims.extra);
    let request = &provider.server.requests()[0];
    assert_eq!(request.path(), "/.well-known/openid-configuration");
    assert!(
        request
            .header("user-agent")
            .unwrap()
            .starts_with("polar-oauth2-rust/")
    );
}

#[tokio::test]
async fn discovery_and_jwks_are_fetched_once_for_many_tokens() {
    let provider = Provider::polar().await;
    let verifier = provider.verifier();
    for _ in 0..3 {
        verifier
            .verify(&sign(&claims()), Some(NONCE))
            .await
            .unwrap();
    }
    verifier
        .clone()
        .verify(&sign(&claims()), Some(NONCE))
        .await
        .unwrap();
    assert_eq!(provider.fetches("/.well-known/openid-configuration"), 1);
    assert_eq!(provider.fetches("/.well-known/jwks.json"), 1);
}

#[tokio::test]
async fn an_unknown_kid_fetches_the_jwks_again_once() {
    let provider = Provider::polar().await;
    let verifier = provider.verifier();
    verifier
        .verify(&sign(&claims()), Some(NONCE))
        .await
        .unwrap();
    // The server rotates to key B.
    *provider.jwks.lock().unwrap() =
        json!({"keys": [jwk("key-a", KEY_A_N), jwk("key-b", KEY_B_N)]});
    let rotated = sign_with(KEY_B_PEM, "key-b", &claims());
    verifier.verify(&rotated, Some(NONCE)).await.unwrap();
    assert_eq!(provider.fetches("/.well-known/jwks.json"), 2);

    // Within the cool-down another unknown key is rejected with the keys at hand.
    let unknown = sign_with(KEY_B_PEM, "key-c", &claims());
    let error = verifier.verify(&unknown, Some(NONCE)).await.unwrap_err();
    assert!(
        matches!(&error, IdTokenError::UnknownKey { kid } if kid.as_deref() == Some("key-c")),
        "{error}"
    );
    assert_eq!(provider.fetches("/.well-known/jwks.json"), 2);
    // Without a cool-down, one more fetch for key-c, and no more than one.
    let eager = verifier.clone().refetch_cooldown(Duration::ZERO);
    eager.verify(&unknown, Some(NONCE)).await.unwrap_err();
    assert_eq!(provider.fetches("/.well-known/jwks.json"), 3);
    assert_eq!(provider.fetches("/.well-known/openid-configuration"), 1);
}

#[tokio::test]
async fn a_signature_by_another_key_is_rejected() {
    let provider = Provider::polar().await;
    let forged = sign_with(KEY_B_PEM, "key-a", &claims());
    let error = provider
        .verifier()
        .verify(&forged, Some(NONCE))
        .await
        .unwrap_err();
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
    let error = provider
        .verifier()
        .verify(&IdToken::new(parts.join(".")), Some(NONCE))
        .await
        .unwrap_err();
    assert!(matches!(error, IdTokenError::InvalidSignature), "{error}");
}

#[tokio::test]
async fn alg_none_is_rejected() {
    let provider = Provider::polar().await;
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","kid":"key-a"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims().to_string());
    let token = IdToken::new(format!("{header}.{payload}."));
    let error = provider
        .verifier()
        .verify(&token, Some(NONCE))
        .await
        .unwrap_err();
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
        let error = provider
            .verifier()
            .verify(&token, Some(NONCE))
            .await
            .unwrap_err();
        assert!(
            matches!(&error, IdTokenError::SymmetricAlgorithm(a) if a == "HS256"),
            "{error}"
        );
    }
}

#[tokio::test]
async fn an_algorithm_other_than_the_keys_is_rejected() {
    let provider = Provider::polar().await;
    let mut header = Header::new(Algorithm::RS384);
    header.kid = Some("key-a".into());
    let key = EncodingKey::from_rsa_pem(KEY_A_PEM.as_bytes()).unwrap();
    let token = IdToken::new(jsonwebtoken::encode(&header, &claims(), &key).unwrap());
    let error = provider
        .verifier()
        .verify(&token, Some(NONCE))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, IdTokenError::AlgorithmMismatch { token, key } if token == "RS384" && key == "RS256"),
        "{error}"
    );
}

#[tokio::test]
async fn a_wrong_issuer_is_rejected() {
    let mut c = claims();
    c["iss"] = json!("https://evil.example");
    let error = rejection(&c).await;
    assert!(
        matches!(&error, IdTokenError::IssuerMismatch { expected, found } if expected == POLAR_ISSUER && found == "https://evil.example"),
        "{error}"
    );
}

#[tokio::test]
async fn a_discovery_document_naming_another_issuer_than_the_pinned_one_is_rejected() {
    let provider = Provider::start("https://other.example", vec![jwk("key-a", KEY_A_N)]).await;
    let error = provider
        .verifier()
        .issuer(POLAR_ISSUER)
        .verify(&sign(&claims()), Some(NONCE))
        .await
        .unwrap_err();
    assert!(
        matches!(error, IdTokenError::DiscoveryIssuerMismatch { .. }),
        "{error}"
    );
}

#[tokio::test]
async fn a_wrong_audience_is_rejected() {
    let mut c = claims();
    c["aud"] = json!("polar_ci_someone_else");
    let error = rejection(&c).await;
    assert!(
        matches!(&error, IdTokenError::AudienceMismatch { found, .. } if found == &["polar_ci_someone_else"]),
        "{error}"
    );
}

#[tokio::test]
async fn extra_audiences_need_trust_and_azp() {
    let provider = Provider::polar().await;
    let mut c = claims();
    c["aud"] = json!([CLIENT_ID, "polar_ci_other"]);
    let error = provider
        .verifier()
        .verify(&sign(&c), Some(NONCE))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, IdTokenError::UntrustedAudience(a) if a == "polar_ci_other"),
        "{error}"
    );

    let trusting = provider.verifier().trust_audience("polar_ci_other");
    let error = trusting.verify(&sign(&c), Some(NONCE)).await.unwrap_err();
    assert!(
        matches!(
            &error,
            IdTokenError::AuthorizedPartyMismatch { found: None, .. }
        ),
        "{error}"
    );

    c["azp"] = json!(CLIENT_ID);
    trusting.verify(&sign(&c), Some(NONCE)).await.unwrap();
    c["azp"] = json!("polar_ci_other");
    let error = trusting.verify(&sign(&c), Some(NONCE)).await.unwrap_err();
    assert!(
        matches!(
            error,
            IdTokenError::AuthorizedPartyMismatch { found: Some(_), .. }
        ),
        "{error}"
    );
}

#[tokio::test]
async fn a_wrong_or_missing_nonce_is_rejected() {
    let provider = Provider::polar().await;
    let verifier = provider.verifier();
    let error = verifier
        .verify(&sign(&claims()), Some("another-nonce"))
        .await
        .unwrap_err();
    assert!(matches!(error, IdTokenError::NonceMismatch), "{error}");
    let mut c = claims();
    c.as_object_mut().unwrap().remove("nonce");
    let error = verifier.verify(&sign(&c), Some(NONCE)).await.unwrap_err();
    assert!(matches!(error, IdTokenError::MissingNonce), "{error}");
    // No nonce was sent: none is required.
    verifier.verify(&sign(&c), None).await.unwrap();
}

#[tokio::test]
async fn an_expired_token_is_rejected_beyond_the_leeway() {
    let mut c = claims();
    c["exp"] = json!(now() - 61);
    c["iat"] = json!(now() - 3661);
    let error = rejection(&c).await;
    assert!(matches!(error, IdTokenError::Expired { .. }), "{error}");

    // Within the default 60 s leeway it is accepted; with no leeway it is not.
    let provider = Provider::polar().await;
    c["exp"] = json!(now() - 30);
    provider
        .verifier()
        .verify(&sign(&c), Some(NONCE))
        .await
        .unwrap();
    let error = provider
        .verifier()
        .leeway(Duration::ZERO)
        .verify(&sign(&c), Some(NONCE))
        .await
        .unwrap_err();
    assert!(matches!(error, IdTokenError::Expired { .. }), "{error}");
}

#[tokio::test]
async fn a_token_issued_in_the_future_or_not_yet_valid_is_rejected() {
    let mut c = claims();
    c["iat"] = json!(now() + 600);
    let error = rejection(&c).await;
    assert!(
        matches!(error, IdTokenError::IssuedInFuture { .. }),
        "{error}"
    );
    let mut c = claims();
    c["nbf"] = json!(now() + 600);
    let error = rejection(&c).await;
    assert!(matches!(error, IdTokenError::NotYetValid { .. }), "{error}");
}

#[tokio::test]
async fn missing_required_claims_are_named() {
    for claim in ["iss", "sub", "aud", "exp", "iat"] {
        let mut c = claims();
        c.as_object_mut().unwrap().remove(claim);
        let error = rejection(&c).await;
        assert!(
            matches!(error, IdTokenError::MissingClaim(name) if name == claim),
            "{claim}: {error}"
        );
    }
}

#[tokio::test]
async fn an_unreachable_server_is_a_fetch_error() {
    let provider = Provider::polar().await;
    let client = polar_oauth2::Client::new(polar_oauth2::Server::Custom(format!(
        "{}/nowhere",
        provider.server.base_url
    )))
    .unwrap();
    let error = client
        .id_token_verifier(CLIENT_ID)
        .verify(&sign(&claims()), Some(NONCE))
        .await
        .unwrap_err();
    match error {
        IdTokenError::Fetch(e) => assert_eq!(e.status().map(|s| s.as_u16()), Some(404), "{e}"),
        other => panic!("expected a fetch error, got {other}"),
    }
}

#[tokio::test]
async fn a_malformed_token_is_rejected_without_a_request() {
    let provider = Provider::polar().await;
    for token in ["", "a.b", "not base64!.x.y", "e30.e30"] {
        let error = provider
            .verifier()
            .verify(&IdToken::new(token), Some(NONCE))
            .await
            .unwrap_err();
        assert!(
            matches!(error, IdTokenError::Malformed(_)),
            "{token:?}: {error}"
        );
    }
    assert!(provider.server.requests().is_empty());
}

fn sign_without_kid(pem: &str, claims: &Value) -> IdToken {
    let key = EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap();
    IdToken::new(jsonwebtoken::encode(&Header::new(Algorithm::RS256), claims, &key).unwrap())
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
    let error = provider
        .verifier()
        .verify(&forged, Some(NONCE))
        .await
        .unwrap_err();
    assert!(matches!(error, IdTokenError::InvalidSignature), "{error}");
    assert_eq!(provider.fetches("/.well-known/jwks.json"), 2);
}

#[tokio::test]
async fn a_key_declaring_no_alg_takes_the_servers_id_token_algorithms() {
    // As the embedded server's JWKS: no `alg` on the key; discovery says RS256.
    let key = json!({"kty": "RSA", "use": "sig", "kid": "key-a", "n": KEY_A_N, "e": "AQAB"});
    let provider = Provider::start(POLAR_ISSUER, vec![key]).await;
    provider
        .verifier()
        .verify(&sign(&claims()), Some(NONCE))
        .await
        .unwrap();

    let mut header = Header::new(Algorithm::RS384);
    header.kid = Some("key-a".into());
    let pem = EncodingKey::from_rsa_pem(KEY_A_PEM.as_bytes()).unwrap();
    let token = IdToken::new(jsonwebtoken::encode(&header, &claims(), &pem).unwrap());
    let error = provider
        .verifier()
        .verify(&token, Some(NONCE))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, IdTokenError::AlgorithmMismatch { token, key } if token == "RS384" && key == "RSA"),
        "{error}"
    );
}

#[tokio::test]
async fn discovery_goes_through_the_clients_body_cap() {
    let provider = Provider::polar().await;
    let client = polar_oauth2::Client::builder(polar_oauth2::Server::Custom(
        provider.server.base_url.clone(),
    ))
    .max_response_body(64)
    .build()
    .unwrap();
    let error = client
        .id_token_verifier(CLIENT_ID)
        .verify(&sign(&claims()), Some(NONCE))
        .await
        .unwrap_err();
    match error {
        IdTokenError::Fetch(polar_oauth2::Error::Transport(e)) => {
            assert!(e.message.contains("64-byte cap"), "{e}")
        }
        other => panic!("expected the body cap to stop the discovery document, got {other}"),
    }
}

/// A token with this header and payload text, written as given, signed with key A.
fn sign_raw(header: &str, payload: &str) -> IdToken {
    let signed = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(payload)
    );
    let key = EncodingKey::from_rsa_pem(KEY_A_PEM.as_bytes()).unwrap();
    let signature = jsonwebtoken::crypto::sign(signed.as_bytes(), &key, Algorithm::RS256).unwrap();
    IdToken::new(format!("{signed}.{signature}"))
}

/// [`claims`] as JSON text, `claim` replaced by `text` written as given.
fn claims_text_with(claim: &str, text: &str) -> String {
    let mut c = claims();
    c.as_object_mut().unwrap().remove(claim);
    let json = c.to_string();
    format!(r#"{},"{claim}":{text}}}"#, &json[..json.len() - 1])
}

const HEADER_A: &str = r#"{"alg":"RS256","typ":"JWT","kid":"key-a"}"#;

#[tokio::test]
async fn forged_tokens_refetch_the_jwks_at_most_once_per_cooldown() {
    let provider = Provider::polar().await;
    let verifier = provider.verifier();
    verifier
        .verify(&sign(&claims()), Some(NONCE))
        .await
        .unwrap();
    for i in 0..40 {
        let forged = sign_with(KEY_B_PEM, &format!("forged-{i}"), &claims());
        let error = verifier.verify(&forged, Some(NONCE)).await.unwrap_err();
        assert!(matches!(error, IdTokenError::UnknownKey { .. }), "{error}");
        let forged = sign_without_kid(KEY_B_PEM, &claims());
        let error = verifier.verify(&forged, Some(NONCE)).await.unwrap_err();
        assert!(matches!(error, IdTokenError::InvalidSignature), "{error}");
    }
    // The first fetch, and one refetch for 80 forged tokens (the default cool-down is 60 s).
    assert_eq!(provider.fetches("/.well-known/jwks.json"), 2);

    // Once the (here shortened) cool-down has passed, a miss may refetch again.
    let short = verifier.clone().refetch_cooldown(Duration::from_millis(20));
    tokio::time::sleep(Duration::from_millis(40)).await;
    let forged = sign_with(KEY_B_PEM, "forged-late", &claims());
    short.verify(&forged, Some(NONCE)).await.unwrap_err();
    assert_eq!(provider.fetches("/.well-known/jwks.json"), 3);
}

/// A provider (issuer [`POLAR_ISSUER`]) whose JWKS answers after the first wait until
/// `release` is notified, once `held` has been notified; they then add key B.
struct HoldingProvider {
    base_url: String,
    held: Arc<tokio::sync::Notify>,
    release: Arc<tokio::sync::Notify>,
    jwks_fetches: Arc<Mutex<usize>>,
}

impl HoldingProvider {
    async fn start() -> Self {
        use tokio::io::AsyncWriteExt;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let held = Arc::new(tokio::sync::Notify::new());
        let release = Arc::new(tokio::sync::Notify::new());
        let jwks_fetches = Arc::new(Mutex::new(0));
        let (h, r, n, base) = (
            held.clone(),
            release.clone(),
            jwks_fetches.clone(),
            base_url.clone(),
        );
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let (h, r, n, base) = (h.clone(), r.clone(), n.clone(), base.clone());
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    while let Some(request) = support::read_request(&mut stream, &mut buf).await {
                        let body = if request.path() == "/.well-known/openid-configuration" {
                            json!({
                                "issuer": POLAR_ISSUER,
                                "jwks_uri": format!("{base}/.well-known/jwks.json"),
                                "id_token_signing_alg_values_supported": ["RS256"],
                            })
                        } else {
                            let count = {
                                let mut n = n.lock().unwrap();
                                *n += 1;
                                *n
                            };
                            if count == 1 {
                                json!({"keys": [jwk("key-a", KEY_A_N)]})
                            } else {
                                h.notify_one();
                                r.notified().await;
                                json!({"keys": [jwk("key-a", KEY_A_N), jwk("key-b", KEY_B_N)]})
                            }
                        }
                        .to_string();
                        let response = format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                            body.len()
                        );
                        if stream.write_all(response.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        Self {
            base_url,
            held,
            release,
            jwks_fetches,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cached_key_verifies_while_a_refetch_is_in_flight_and_refetches_are_single_flight() {
    let provider = HoldingProvider::start().await;
    let client =
        polar_oauth2::Client::builder(polar_oauth2::Server::Custom(provider.base_url.clone()))
            .timeout(None)
            .build()
            .unwrap();
    let verifier = client.id_token_verifier(CLIENT_ID);
    verifier
        .verify(&sign(&claims()), Some(NONCE))
        .await
        .unwrap();

    // Tokens by key B (just rotated in) start a refetch, which the provider holds.
    let rotated: Vec<_> = (0..5)
        .map(|_| {
            let verifier = verifier.clone();
            tokio::spawn(async move {
                let token = sign_with(KEY_B_PEM, "key-b", &claims());
                verifier.verify(&token, Some(NONCE)).await
            })
        })
        .collect();
    provider.held.notified().await;

    // Key A is cached: its tokens do not wait for the refetch. The guard only stops the test
    // from hanging when they do.
    let cached = tokio::time::timeout(
        Duration::from_secs(20),
        verifier.verify(&sign(&claims()), Some(NONCE)),
    )
    .await;
    provider.release.notify_one();
    cached
        .expect("a verification with a cached key waited for the refetch")
        .unwrap();
    for task in rotated {
        task.await.unwrap().unwrap();
    }
    // The first fetch and one refetch for the five waiting tokens.
    assert_eq!(*provider.jwks_fetches.lock().unwrap(), 2);
}

#[tokio::test]
async fn the_key_set_expires_with_the_jwks_max_age() {
    // max-age=0 (with a lower bound of zero): a withdrawn key stops verifying at once.
    let provider = Provider::polar().await;
    *provider.cache_control.lock().unwrap() = Some("public, max-age=0".into());
    let verifier = provider
        .verifier()
        .key_set_lifetime(Duration::ZERO, Duration::from_secs(86_400));
    verifier
        .verify(&sign(&claims()), Some(NONCE))
        .await
        .unwrap();
    *provider.jwks.lock().unwrap() = json!({"keys": [jwk("key-b", KEY_B_N)]});
    let error = verifier
        .verify(&sign(&claims()), Some(NONCE))
        .await
        .unwrap_err();
    assert!(matches!(error, IdTokenError::UnknownKey { .. }), "{error}");

    // A max-age in the future, or Polar's `no-store` (read as the default lower bound, 60 s):
    // the key set is used without fetching it for every token.
    for cache_control in ["public, max-age=3600", "private, no-store"] {
        let provider = Provider::polar().await;
        *provider.cache_control.lock().unwrap() = Some(cache_control.into());
        let verifier = provider.verifier();
        for _ in 0..3 {
            verifier
                .verify(&sign(&claims()), Some(NONCE))
                .await
                .unwrap();
        }
        assert_eq!(
            provider.fetches("/.well-known/jwks.json"),
            1,
            "{cache_control}"
        );
    }
}

#[tokio::test]
async fn nbf_must_be_an_integer_numeric_date_like_exp_and_iat() {
    let provider = Provider::polar().await;
    let verifier = provider.verifier();
    let future = now() + 600;
    for claim in ["nbf", "exp", "iat"] {
        for text in [
            format!("{future}.0"),
            format!("{future}.5"),
            "9e9".to_owned(),
            format!("\"{future}\""),
            "9223372036854775808".to_owned(),
            "1e300".to_owned(),
        ] {
            let token = sign_raw(HEADER_A, &claims_text_with(claim, &text));
            let error = verifier.verify(&token, Some(NONCE)).await.unwrap_err();
            assert!(
                matches!(error, IdTokenError::InvalidClaims(_)),
                "{claim}: {text}: {error}"
            );
        }
    }
    // The largest integer is a time far in the future, never one that wraps into the past.
    let token = sign_raw(HEADER_A, &claims_text_with("nbf", &i64::MAX.to_string()));
    let error = verifier.verify(&token, Some(NONCE)).await.unwrap_err();
    assert!(matches!(error, IdTokenError::NotYetValid { .. }), "{error}");
    let token = sign_raw(HEADER_A, &claims_text_with("iat", &i64::MAX.to_string()));
    let error = verifier.verify(&token, Some(NONCE)).await.unwrap_err();
    assert!(
        matches!(error, IdTokenError::IssuedInFuture { .. }),
        "{error}"
    );
    // An integer `nbf` in the past is accepted, and returned.
    let token = sign_raw(
        HEADER_A,
        &claims_text_with("nbf", &(now() - 10).to_string()),
    );
    let claims = verifier.verify(&token, Some(NONCE)).await.unwrap();
    assert!(claims.nbf.is_some());
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
        let error = provider
            .verifier()
            .verify(&sign_raw(header, &payload), Some(NONCE))
            .await
            .unwrap_err();
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

#[tokio::test]
async fn a_huge_value_in_a_token_gives_a_bounded_error() {
    let provider = Provider::polar().await;
    let verifier = provider.verifier();
    let huge = "k".repeat(1 << 20);
    // Four times the documented 256-byte excerpt.
    let bound = 4 * 256;
    let header = |alg: &str, kid: &str| json!({"alg": alg, "kid": kid}).to_string();
    let mut c = claims();
    c["iss"] = json!(huge);
    let mut many = claims();
    many["aud"] = json!(vec!["polar_ci_other"; 100_000]);
    let tokens = [
        (
            "kid",
            sign_raw(&header("RS256", &huge), &claims().to_string()),
        ),
        (
            "alg",
            sign_raw(&header(&huge, "key-a"), &claims().to_string()),
        ),
        ("iss", sign_raw(HEADER_A, &c.to_string())),
        ("aud", sign_raw(HEADER_A, &many.to_string())),
    ];
    for (what, token) in tokens {
        let error = verifier.verify(&token, Some(NONCE)).await.unwrap_err();
        let shown = format!("{error}");
        let debug = format!("{error:?}");
        assert!(shown.len() < bound, "{what}: {} bytes", shown.len());
        assert!(debug.len() < bound, "{what}: {} bytes", debug.len());
        assert!(shown.contains("kkkk") || what == "aud", "{what}: {shown}");
    }
}
