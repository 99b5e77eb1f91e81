//! ID tokens: Polar's RS256 header and claims, tokens signed on request, and the library's
//! verifier accepting the server's tokens and rejecting altered ones claim by claim.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use polar_oauth2::{IdToken, IdTokenError, POLAR_ISSUER, Scope, SubType};
use polar_oauth2_test_server::{CONFIDENTIAL_CLIENT_ID, TestServer, USER_EMAIL, USER_ID};
use serde_json::{Value, json};

use crate::support::*;

/// A claim to change, how, and the rejection expected.
type Case<'a> = (
    &'a str,
    &'a dyn Fn(&mut serde_json::Value),
    fn(&IdTokenError) -> bool,
);

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[tokio::test]
async fn id_token_claims_are_polars() {
    let server = start().await;
    let token = token_with(
        &server,
        &[Scope::Openid, Scope::Email, Scope::Profile],
        SubType::User,
        Some("nonce-1"),
    )
    .await;
    let (_, claims) = verify_with_jwks(field(&token, "id_token"), &server.jwks_json());
    let access = field(&token, "access_token");
    let hash = ring::digest::digest(&ring::digest::SHA256, access.as_bytes());
    assert_eq!(
        claims["at_hash"],
        URL_SAFE_NO_PAD.encode(&hash.as_ref()[..16])
    );
    assert_eq!(claims["aud"], json!([CONFIDENTIAL_CLIENT_ID]));
    assert_eq!(claims["nonce"], "nonce-1");
    assert_eq!(claims["sub"], USER_ID.to_string());
    assert_eq!(claims["email"], USER_EMAIL);
    assert_eq!(claims["email_verified"], true);
    assert!(
        claims.get("name").is_none(),
        "Polar gives users no name claim: {claims}"
    );
    assert!(claims["auth_time"].as_u64().unwrap() <= claims["iat"].as_u64().unwrap());

    let without_nonce = token_for(&server, &[Scope::Openid]).await;
    let (_, claims) = verify_with_jwks(field(&without_nonce, "id_token"), &server.jwks_json());
    // authlib 1.7 copies the code's missing nonce as null.
    assert!(claims.get("nonce").is_some_and(Value::is_null), "{claims}");
    assert!(claims.get("email").is_none(), "{claims}");

    let org = token_with(&server, &[Scope::Openid], SubType::Organization, None).await;
    let (_, claims) = verify_with_jwks(field(&org, "id_token"), &server.jwks_json());
    assert_eq!(claims["sub"], USER_ID.to_string());
    assert!(claims.get("name").is_none(), "{claims}");
}

#[tokio::test]
async fn sign_id_token_signs_chosen_claims_with_the_published_key() {
    let server = start().await;
    let claims = json!({"iss": "https://evil.example", "aud": ["someone"], "exp": 1});
    let jwt = server.sign_id_token(&claims).unwrap();
    let (_, signed) = verify_with_jwks(&jwt, &server.jwks_json());
    assert_eq!(signed, claims);
    assert_eq!(
        server.jwks_json()["keys"][0]["kid"],
        server.signing_key_id()
    );
}

#[tokio::test]
async fn id_token_carries_nonce_audience_subject_and_email() {
    let (server, client) = start_with_client().await;
    let pending = server
        .authorization_request()
        .scope(Scope::Openid)
        .scope(Scope::Email)
        .nonce("n-0S6_WzA2Mj")
        .build()
        .unwrap();
    let code = approve(&server, &pending);
    let token = exchange(&client, &server.confidential_client(), &pending, code)
        .await
        .unwrap();
    let jwt = token.id_token().unwrap().secret().to_owned();
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3, "{jwt}");
    let header: Value = serde_json::from_slice(&b64(parts[0])).unwrap();
    let claims: Value = serde_json::from_slice(&b64(parts[1])).unwrap();
    assert_eq!(header["alg"], "RS256");
    // Polar's header: no `kid` (see test-server/src/keys.rs).
    assert_eq!(header, serde_json::json!({"typ": "JWT", "alg": "RS256"}));
    assert_eq!(claims["nonce"], "n-0S6_WzA2Mj");
    assert_eq!(claims["aud"], serde_json::json!([CONFIDENTIAL_CLIENT_ID]));
    assert_eq!(claims["sub"], USER_ID.to_string());
    assert_eq!(claims["email"], USER_EMAIL);
    assert_eq!(claims["iss"], "https://polar.sh");
    let lifetime = claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap();
    assert_eq!(lifetime, 3600);
}

#[tokio::test]
async fn the_embedded_servers_id_token_verifies_through_the_whole_flow() {
    let server = TestServer::start().await.unwrap();
    let client = server.client().unwrap();
    let pending = server
        .authorization_request()
        .scope(Scope::Openid)
        .scope(Scope::Email)
        .random_nonce()
        .build()
        .unwrap();
    let code = approve(&server, &pending);
    let token = exchange(&client, &server.confidential_client(), &pending, code)
        .await
        .unwrap();
    let verifier = client
        .id_token_verifier(CONFIDENTIAL_CLIENT_ID)
        .issuer(server.issuer());
    let claims = verifier
        .verify(
            token.id_token().expect("an ID token with openid"),
            pending.nonce(),
        )
        .await
        .unwrap();
    assert_eq!(claims.iss, POLAR_ISSUER);
    assert_eq!(claims.sub, USER_ID.to_string());
    assert_eq!(claims.aud, [CONFIDENTIAL_CLIENT_ID]);
    assert_eq!(claims.nonce.as_deref(), pending.nonce());
    assert_eq!(claims.email.as_deref(), Some(USER_EMAIL));

    // The same token with another nonce (another sign-in's) is refused.
    let error = verifier
        .verify(token.id_token().unwrap(), Some("another-sign-in"))
        .await
        .unwrap_err();
    assert!(matches!(error, IdTokenError::NonceMismatch), "{error}");
}

#[tokio::test]
async fn tokens_the_embedded_server_signs_are_checked_claim_by_claim() {
    let server = TestServer::start().await.unwrap();
    let verifier = server
        .client()
        .unwrap()
        .id_token_verifier(CONFIDENTIAL_CLIENT_ID);
    let claims = |change: &dyn Fn(&mut serde_json::Value)| {
        let mut c = json!({
            "iss": server.issuer(), "aud": [CONFIDENTIAL_CLIENT_ID], "sub": USER_ID.to_string(),
            "iat": now(), "exp": now() + 3600, "nonce": "n-0123456789",
        });
        change(&mut c);
        IdToken::new(server.sign_id_token(&c).unwrap())
    };
    verifier
        .verify(&claims(&|_| {}), Some("n-0123456789"))
        .await
        .unwrap();

    let cases: [Case; 4] = [
        ("iss", &|c| c["iss"] = json!("https://evil.example"), |e| {
            matches!(e, IdTokenError::IssuerMismatch { .. })
        }),
        (
            "aud",
            &|c| c["aud"] = json!(["polar_ci_someone_else"]),
            |e| matches!(e, IdTokenError::AudienceMismatch { .. }),
        ),
        ("nonce", &|c| c["nonce"] = json!("n-other"), |e| {
            matches!(e, IdTokenError::NonceMismatch)
        }),
        ("exp", &|c| c["exp"] = json!(now() - 3600), |e| {
            matches!(e, IdTokenError::Expired { .. })
        }),
    ];
    for (what, change, expected) in cases {
        let error = verifier
            .verify(&claims(change), Some("n-0123456789"))
            .await
            .unwrap_err();
        assert!(expected(&error), "{what}: {error}");
    }
}
