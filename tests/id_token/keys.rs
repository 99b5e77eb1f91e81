//! Fetching the provider's keys: discovery and the JWKS fetched once, refetched on rotation at
//! most once per cool-down and single-flight, expiring with the JWKS's max-age.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use polar_oauth2::IdTokenError;
use polar_oauth2::POLAR_ISSUER;
use serde_json::json;

use super::fixtures::{
    CLIENT_ID, KEY_A_N, KEY_B_N, KEY_B_PEM, NONCE, Provider, accepts_good_token, claims, jwk,
    rejects_good_token, sign, sign_with, sign_without_kid,
};
use super::support::{Reply, Server};

#[tokio::test]
async fn discovery_and_jwks_are_fetched_once_for_many_tokens() {
    let provider = Provider::polar().await;
    let verifier = provider.verifier();
    for _ in 0..3 {
        accepts_good_token(&verifier).await;
    }
    accepts_good_token(&verifier.clone()).await;
    assert_eq!(provider.fetches("/.well-known/openid-configuration"), 1);
    assert_eq!(provider.fetches("/.well-known/jwks.json"), 1);
}

#[tokio::test]
async fn an_unknown_kid_fetches_the_jwks_again_once() {
    let provider = Provider::polar().await;
    let verifier = provider.verifier();
    accepts_good_token(&verifier).await;
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
async fn an_unreachable_server_is_a_fetch_error() {
    let provider = Provider::polar().await;
    let client = polar_oauth2::Client::new(polar_oauth2::Server::Custom(format!(
        "{}/nowhere",
        provider.server.base_url
    )))
    .unwrap();
    let error = rejects_good_token(&client.id_token_verifier(CLIENT_ID)).await;
    match error {
        IdTokenError::Fetch(e) => assert_eq!(e.status().map(|s| s.as_u16()), Some(404), "{e}"),
        other => panic!("expected a fetch error, got {other}"),
    }
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
    let error = rejects_good_token(&client.id_token_verifier(CLIENT_ID)).await;
    match error {
        IdTokenError::Fetch(polar_oauth2::Error::Transport(e)) => {
            assert!(e.message.contains("64-byte cap"), "{e}")
        }
        other => panic!("expected the body cap to stop the discovery document, got {other}"),
    }
}

#[tokio::test]
async fn forged_tokens_refetch_the_jwks_at_most_once_per_cooldown() {
    let provider = Provider::polar().await;
    let verifier = provider.verifier();
    accepts_good_token(&verifier).await;
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
    server: Server,
    held: Arc<tokio::sync::Notify>,
    release: Arc<tokio::sync::Notify>,
    jwks_fetches: Arc<Mutex<usize>>,
}

impl HoldingProvider {
    async fn start() -> Self {
        let held = Arc::new(tokio::sync::Notify::new());
        let release = Arc::new(tokio::sync::Notify::new());
        let jwks_fetches = Arc::new(Mutex::new(0));
        let (h, r, n) = (held.clone(), release.clone(), jwks_fetches.clone());
        let server = Server::answering_later(move |request| {
            let (h, r, n) = (h.clone(), r.clone(), n.clone());
            async move {
                let body = if request.path() == "/.well-known/openid-configuration" {
                    let host = request.header("host").unwrap_or("127.0.0.1");
                    json!({
                        "issuer": POLAR_ISSUER,
                        "jwks_uri": format!("http://{host}/.well-known/jwks.json"),
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
                };
                Reply::json(200, body.to_string())
            }
        })
        .await;
        Self {
            server,
            held,
            release,
            jwks_fetches,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cached_key_verifies_while_a_refetch_is_in_flight_and_refetches_are_single_flight() {
    let provider = HoldingProvider::start().await;
    let client = polar_oauth2::Client::builder(polar_oauth2::Server::Custom(
        provider.server.base_url.clone(),
    ))
    .timeout(None)
    .build()
    .unwrap();
    let verifier = client.id_token_verifier(CLIENT_ID);
    accepts_good_token(&verifier).await;

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
    accepts_good_token(&verifier).await;
    *provider.jwks.lock().unwrap() = json!({"keys": [jwk("key-b", KEY_B_N)]});
    let error = rejects_good_token(&verifier).await;
    assert!(matches!(error, IdTokenError::UnknownKey { .. }), "{error}");

    // A max-age in the future, or Polar's `no-store` (read as the default lower bound, 60 s):
    // the key set is used without fetching it for every token.
    for cache_control in ["public, max-age=3600", "private, no-store"] {
        let provider = Provider::polar().await;
        *provider.cache_control.lock().unwrap() = Some(cache_control.into());
        let verifier = provider.verifier();
        for _ in 0..3 {
            accepts_good_token(&verifier).await;
        }
        assert_eq!(
            provider.fetches("/.well-known/jwks.json"),
            1,
            "{cache_control}"
        );
    }
}
