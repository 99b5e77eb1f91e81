//! The `authorization_code` grant: single-use codes, their lifetime, the redirect URI
//! match, and the token endpoint's answers.

use std::time::Duration;

use polar_oauth2::{OAuthErrorCode, Scope};
use polar_oauth2_test_server::{CONFIDENTIAL_CLIENT_ID, CONFIDENTIAL_CLIENT_SECRET, REDIRECT_URI};
use reqwest::StatusCode;

use crate::support::*;

#[tokio::test]
async fn reused_code_is_invalid_grant() {
    let (server, client) = start_with_client().await;
    let pending = server.authorization_request().build().unwrap();
    let code = approve(&server, &pending);
    let credentials = server.confidential_client();
    exchange(&client, &credentials, &pending, code.clone())
        .await
        .unwrap();
    let e = assert_oauth(
        exchange(&client, &credentials, &pending, code).await,
        StatusCode::BAD_REQUEST,
        OAuthErrorCode::InvalidGrant,
    );
    assert_eq!(e.description.as_deref(), Some("Invalid 'code' in request."));
}

#[tokio::test]
async fn code_expires_after_300_seconds() {
    let (server, client) = start_with_client().await;
    let pending = server.authorization_request().build().unwrap();
    let code = approve(&server, &pending);
    server.advance(Duration::from_secs(301));
    assert_oauth(
        exchange(&client, &server.confidential_client(), &pending, code).await,
        StatusCode::BAD_REQUEST,
        OAuthErrorCode::InvalidGrant,
    );
}

#[tokio::test]
async fn code_is_still_valid_before_300_seconds() {
    let (server, client) = start_with_client().await;
    let pending = server.authorization_request().build().unwrap();
    let code = approve(&server, &pending);
    server.advance(Duration::from_secs(290));
    exchange(&client, &server.confidential_client(), &pending, code)
        .await
        .unwrap();
}

#[tokio::test]
async fn code_issued_to_another_client_is_invalid_grant() {
    let (server, client) = start_with_client().await;
    let pending = server.authorization_request().build().unwrap();
    let code = approve(&server, &pending);
    assert_oauth(
        exchange(&client, &server.public_client(), &pending, code).await,
        StatusCode::BAD_REQUEST,
        OAuthErrorCode::InvalidGrant,
    );
}

#[tokio::test]
async fn redirect_uri_mismatch_is_invalid_grant() {
    let (server, client) = start_with_client().await;
    let pending = server.authorization_request().build().unwrap();
    let code = approve(&server, &pending);
    let e = assert_oauth(
        client
            .exchange_code(
                &server.confidential_client(),
                code,
                "https://app.example.com/other",
                Some(pending.pkce_verifier().clone()),
            )
            .await,
        StatusCode::BAD_REQUEST,
        OAuthErrorCode::InvalidGrant,
    );
    assert_eq!(
        e.description.as_deref(),
        Some("Invalid 'redirect_uri' in request.")
    );
}

#[tokio::test]
async fn missing_code_is_invalid_request() {
    let (server, _client) = start_with_client().await;
    let response = post_token(
        &server,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", CONFIDENTIAL_CLIENT_ID),
            ("client_secret", CONFIDENTIAL_CLIENT_SECRET),
            ("redirect_uri", REDIRECT_URI),
        ],
    )
    .await;
    let (status, headers, body) = json(response).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(body["error"], "invalid_request");
    assert_eq!(body["error_description"], "Missing 'code' in request.");
}

#[tokio::test]
async fn unknown_grant_type_is_unsupported_grant_type() {
    let (server, _client) = start_with_client().await;
    for form in [
        &[
            ("grant_type", "password"),
            ("client_id", CONFIDENTIAL_CLIENT_ID),
            ("client_secret", CONFIDENTIAL_CLIENT_SECRET),
        ][..],
        // No grant type at all, and even a wrong secret: the grant type is checked first.
        &[
            ("client_id", CONFIDENTIAL_CLIENT_ID),
            ("client_secret", "polar_cs_test_wrong"),
        ][..],
    ] {
        let (status, headers, body) = json(post_token(&server, form).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(headers["cache-control"], "no-store");
        assert_eq!(body, serde_json::json!({"error": "unsupported_grant_type"}));
    }
}

#[tokio::test]
async fn token_endpoint_only_takes_post() {
    let (server, _client) = start_with_client().await;
    let response = get(format!("{}/v1/oauth2/token", server.base_url())).await;
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn token_responses_are_json_and_not_cacheable() {
    let (server, _client) = start_with_client().await;
    let pending = server
        .authorization_request()
        .scope(Scope::UserRead)
        .build()
        .unwrap();
    let code = approve(&server, &pending);
    let response = post_token(
        &server,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", CONFIDENTIAL_CLIENT_ID),
            ("client_secret", CONFIDENTIAL_CLIENT_SECRET),
            ("code", code.secret()),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", pending.pkce_verifier().secret()),
        ],
    )
    .await;
    let (status, headers, body) = json(response).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["pragma"], "no-cache");
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 864_000);
    // No `openid` asked for: no ID token.
    assert!(body.get("id_token").is_none(), "{body}");
}
