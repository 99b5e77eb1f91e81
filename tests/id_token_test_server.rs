//! ID token verification against the embedded server: its real RS256 ID tokens, discovery and
//! JWKS, the whole path an app takes (authorization URL with a nonce, approval, code exchange,
//! verification), and tokens it signs on request for the rejections.
// Tests state their expectations with unwrap/expect/panic: a failure is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{SystemTime, UNIX_EPOCH};

use polar_oauth2::POLAR_ISSUER;
use polar_oauth2::{IdToken, IdTokenError, Scope};
use polar_oauth2_test_server::{CONFIDENTIAL_CLIENT_ID, TestServer, USER_EMAIL, USER_ID};
use serde_json::json;

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
    let redirected = server.approve(pending.url()).unwrap();
    let code = pending.callback(&redirected).unwrap();
    let token = client
        .exchange_code(
            &server.confidential_client(),
            code,
            pending.redirect_uri(),
            Some(pending.pkce_verifier().clone()),
        )
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
