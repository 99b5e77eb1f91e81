//! The fixtures every ID token test uses: fake RSA keys made for these tests, Polar's claims,
//! tokens signed here, and a loopback OpenID provider serving discovery and a JWKS.

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use polar_oauth2::POLAR_ISSUER;
use polar_oauth2::{IdToken, IdTokenError};
use serde_json::{Value, json};

use super::support::{Reply, Server};

pub const CLIENT_ID: &str = "polar_ci_test_verifier";

pub const NONCE: &str = "test-nonce-0123456789";

/// Fake 2048-bit RSA keys, generated for these tests only (never used anywhere else).
pub const KEY_A_PEM: &str = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCU3GRs8yvhcMaf\nPpZRkXIn5T6fKMWc0Ag42gjKZRu1ohx+/VbhFCT6VAnQj86OaI/r7bIEj8SaxJKZ\nXwmY5SirfKNE+GocmdtFmeuZZ8GpUiIToox62/MqGKdpVm1uKV/QlqZe9bLHRJYB\nauhiV6y9i7phJEa5lSiCElnVDmBJKOP2gST5Z3RFMdXFbRIljdg6yj4uULZG0rFB\ncI6mSUQuCUB+z2cjA5heBSCDc2vIeRt9EsKzonz68X5t/doa9os4YK9/uPaxbDve\nB3MOIPZhMG2Ug2WPfRGM6/Kc7X6F6TvV3Gj+QO7ngU8ZEGS2X77i/vkHYk/VAjkx\nCByUYxCNAgMBAAECggEAFiywbwRYRIhapg0aMkNiyGufRPE7Yq0glGtyRMgD9S4V\nZZtSbkvkaD/NiHprkA4mZkQtsP1DkbR3jA46rUJxqP3zikog8GrA3aDclij9Eb5w\n4hDkMUcDdYFfqtLbkT3rjnRqixm5jHJ8j/B/dmrOChw+4sqXGH0OIDYgmJrAIBWT\ndmdbWLODblpWfppLEdqChCnb2CLuo5WIgX2CcXA1sDKfsbpUZlTA0oY1wY6gjQhN\nXQ1+d8ArxYi5fodpCTn/WAZ4iRVXWmasAq3N4uMDMYlcCUZvtETrOvNiAs2XiLbn\njD6tQQS59EBYoae+xqMg01dkaNgNvQ5zmYIL+64CcQKBgQDRXVb3q0u2Wp4bEvfo\nMyHHJw8gmgpr5IqkXVYDw34GbHxiyrslnhS30uNHXiSL79gVBrm24enxbGwVY4bo\nqZNzuozRDQh91AUf7V7JVvMbG6vAZXiX+8KUgGiT7SDTd+AGxG/R623jAi+iYx+M\nqLoS+WqZ989E/IG+ZTzM3IyXdQKBgQC2BO6a96EYKmIX8mhSwkZmrUTFmhNfLZvD\npnC9E+RfWZGWxlECw4/u+MuKqsJKiuU4aEvQ9KwWtzgQwVTuM2icHNj0XmwfxD3I\nyqCmch/CegPQ192A8tyNSMHOrev+3jGwO4uSiCimyAHXqeGtBli8HnBjF8vTXlaI\nP9o4I0yJuQKBgQCicGkpgB4ePfCt0OnHnuR2QDfcc6fiTk/DdydlhCgjk8huXh0V\n8rDgbx8oIEL6z/w3VCCDZIS+bADwF2h03B0rjXH0QMh12CqhuunwDSZRwgZgIFqQ\nkSVHUtnQ7AqsCDYpCgA4PxHjL68FryKrX73/OsUa8MpAHCoOLz4dNIFggQKBgGzU\nnBnaL970EHzC+q9o65Eeznzbt/NzoKuly8ixqR19v3gIEY32ggvfhEvf95V8YLuO\nWK6SbIaUfBhAkFhwMn8NHIdYIYwI2OxCgzWiDO1J6RgoyY79JvPu6bp68R0Nm2YE\n5FnzwWKfOcLKF15N6iZoiMgnBT7XLCQBEaf5Kx05AoGAPYPo+OCFDpUmAEHXIzW4\nTVlAR7jbeAUXQKApa9TNlOb6wd+A/gL2BPvafAYDMD1aApN1mFo2i7JYAWl2YEGA\nccuNIhaFJznvmI5CPMOraPKuyyRgqmVsU9lfOJifZvd8vh4+XKg/24JBrLGrncm4\nLvC+qQaa0vTZJez4ZE+tGbE=\n-----END PRIVATE KEY-----";

pub const KEY_A_N: &str = "lNxkbPMr4XDGnz6WUZFyJ-U-nyjFnNAIONoIymUbtaIcfv1W4RQk-lQJ0I_OjmiP6-2yBI_EmsSSmV8JmOUoq3yjRPhqHJnbRZnrmWfBqVIiE6KMetvzKhinaVZtbilf0JamXvWyx0SWAWroYlesvYu6YSRGuZUoghJZ1Q5gSSjj9oEk-Wd0RTHVxW0SJY3YOso-LlC2RtKxQXCOpklELglAfs9nIwOYXgUgg3NryHkbfRLCs6J8-vF-bf3aGvaLOGCvf7j2sWw73gdzDiD2YTBtlINlj30RjOvynO1-hek71dxo_kDu54FPGRBktl--4v75B2JP1QI5MQgclGMQjQ";

pub const KEY_B_PEM: &str = "-----BEGIN PRIVATE KEY-----\nMIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQCwOohTjrAxhIDP\n6xQ/KcF4Fv4NVOuNVx/LE9gEN7KOhBroyBFHXyqblWNYIkDsHZTP/6NMGAeW6Q93\nPDKeMkZZ7+Ppkl85jEiTD0AzdOsQrR3n2xksIw4VKR2MY3ySz7C0sk+F54YhdoTv\nkgn0fmbzgE+CJDxYjnzt9Z5eY54z/hQx6iYTuR5p2Jo3D3G2vU/prVpAgBjNcV+8\nRKsuznI4TW6sPNKFIJdpn844USWxsCa3X4nAeBlzpxxIrlRzHt163Vb1pyI5l6DG\npFntAHGAmdBV0SPrPMnPf9zEoczarnmlXI6RLgUXdB5Lw7U2eggD94h06VbgEaSF\nOYUtJFsfAgMBAAECggEAH9US1vUJQoiKtAPkjlw+hDCzBzl1qvw30/jrpidha3jV\nW4L4DApWqe/cGAln7L6TKNcmahJVHJ9QmdsX0ZeHOaupYYF9DeoXGelBUYonA8Yh\nhsX+0Ags/QmGOtulnudBJgKndqqRge3kqVmZzr4eXpGoyvs8o0ppqpoZVzdrVjyc\nKy9AnthjA8/YJoJY4wlwNoXf+oDM0txq8HagQEeM8T5bR808NzuCLFBDa8lPNvJX\nxgibGZjxvN5CH5rvDQVCbiLEaZRH5HnWpYlpoCTMXFdBnn60R0xVxCvB/wM0PkCk\nuPhK667qYDU2w7NKTFNP/2BiqShjMzoa6MB9OR084QKBgQDZ0BQP/tuqpFFgVN6m\nbxHWYo3BXFQgMGW5Jeh1Gi+IGq3r5Vbj6nWIIrFV9qywSVQS2ZWxh0HccIGPjmN4\nEUexw8DAgX41WYV+7lZ86nSkKfb0eC7ACZ99aHT180u6eowpXQW0jDAFEgp0Lezd\n5hMB0Nuqoms3zoWOqdOkkXjTtwKBgQDPIBCQsde/BfP1dBtw/HM402pd2JtmLKdb\nZhob5PaDghv5fwxAbJGvOLFRuBcB92YYnaPCdsy4q29FPMy6Y2QMt7wKZqaUXkgg\nu+MjmrxRfMqbYnMk0muUnrdhluD3I7Gf9Vzdpy9vJphEgFHNawKL1DV4UrU2/pND\nFBzI1DBD2QKBgCBMQI1Wp1AYaZC1RQa89ZIqrwZ7IGZdhtf7jQrARUgTXLLcIRRO\n0frL2iv7FgRV+0eISDA49EUx0aRt4sYNGep8MnrZONPEYI0/3kdLpNwq9NmvcI89\nXg8EjENkPlh6j4oapxvspbo6wJ4VqUgGM89THx+gUfHGh/ttp1qBz77lAoGAFd0m\non+DbLCuLezRsL2VVBxNEBb7YG+6QtWmT+d9dihX16BnpK1RO5Pac+vg0d5RsquB\nS9fKiHvgRQjD+7DeMNF8UgS/9M13A62RroJ4+okXwgtEaFCl9oxCg1Sv7qaf62i1\nItixEySZ0jFRcUOogyYldswUQPfih6Qp3bE4XxECgYAAzp2asAykjq5rGTSug4RQ\np0mPFAFeBoEyEC4pHE3fQZkMaeyKf2pcIID7JmgCGJ+7umizwEhSm/6+0UhiRXp1\ni6OmDPus96KCCGbd5zxio6SjpD8gZDrTf7LmQROitJeoe0hTKSLcDfHAN1Ffcp4C\nReOPDgFsuALVT/onIcvVqg==\n-----END PRIVATE KEY-----";

pub const KEY_B_N: &str = "sDqIU46wMYSAz-sUPynBeBb-DVTrjVcfyxPYBDeyjoQa6MgRR18qm5VjWCJA7B2Uz_-jTBgHlukPdzwynjJGWe_j6ZJfOYxIkw9AM3TrEK0d59sZLCMOFSkdjGN8ks-wtLJPheeGIXaE75IJ9H5m84BPgiQ8WI587fWeXmOeM_4UMeomE7keadiaNw9xtr1P6a1aQIAYzXFfvESrLs5yOE1urDzShSCXaZ_OOFElsbAmt1-JwHgZc6ccSK5Ucx7det1W9aciOZegxqRZ7QBxgJnQVdEj6zzJz3_cxKHM2q55pVyOkS4FF3QeS8O1NnoIA_eIdOlW4BGkhTmFLSRbHw";

pub fn jwk(kid: &str, n: &str) -> Value {
    json!({"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid, "n": n, "e": "AQAB"})
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Claims as Polar issues them (authlib's `generate_id_token`), for `CLIENT_ID` and `NONCE`.
pub fn claims() -> Value {
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

pub fn sign_with(pem: &str, kid: &str, claims: &Value) -> IdToken {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_owned());
    let key = EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap();
    IdToken::new(jsonwebtoken::encode(&header, claims, &key).unwrap())
}

pub fn sign(claims: &Value) -> IdToken {
    sign_with(KEY_A_PEM, "key-a", claims)
}

/// A loopback OpenID provider whose JWKS (and its `Cache-Control`) can be changed.
pub struct Provider {
    pub server: Server,
    pub jwks: Arc<Mutex<Value>>,
    pub cache_control: Arc<Mutex<Option<String>>>,
}

impl Provider {
    pub async fn start(issuer: &str, keys: Vec<Value>) -> Self {
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

    pub async fn polar() -> Self {
        Self::start(POLAR_ISSUER, vec![jwk("key-a", KEY_A_N)]).await
    }

    pub fn verifier(&self) -> polar_oauth2::IdTokenVerifier {
        self.server.client().id_token_verifier(CLIENT_ID)
    }

    /// The verifier's error for `token`, which must be rejected.
    pub async fn rejects(&self, token: &IdToken) -> IdTokenError {
        self.verifier()
            .verify(token, Some(NONCE))
            .await
            .expect_err("the token must be rejected")
    }

    pub fn fetches(&self, path: &str) -> usize {
        self.server
            .requests()
            .iter()
            .filter(|r| r.path() == path)
            .count()
    }
}

pub async fn rejection(claims: &Value) -> IdTokenError {
    Provider::polar().await.rejects(&sign(claims)).await
}

/// `verifier` accepts a freshly signed token with good claims: its claims.
pub async fn accepts_good_token(
    verifier: &polar_oauth2::IdTokenVerifier,
) -> polar_oauth2::IdTokenClaims {
    verifier
        .verify(&sign(&claims()), Some(NONCE))
        .await
        .unwrap()
}

/// `verifier`'s error for a freshly signed token with good claims, which it must reject.
pub async fn rejects_good_token(verifier: &polar_oauth2::IdTokenVerifier) -> IdTokenError {
    verifier
        .verify(&sign(&claims()), Some(NONCE))
        .await
        .expect_err("the token must be rejected")
}

pub fn sign_without_kid(pem: &str, claims: &Value) -> IdToken {
    let key = EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap();
    IdToken::new(jsonwebtoken::encode(&Header::new(Algorithm::RS256), claims, &key).unwrap())
}

/// A token with this header and payload text, written as given, signed with key A.
pub fn sign_raw(header: &str, payload: &str) -> IdToken {
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
pub fn claims_text_with(claim: &str, text: &str) -> String {
    let mut c = claims();
    c.as_object_mut().unwrap().remove(claim);
    let json = c.to_string();
    format!(r#"{},"{claim}":{text}}}"#, &json[..json.len() - 1])
}

pub const HEADER_A: &str = r#"{"alg":"RS256","typ":"JWT","kid":"key-a"}"#;
