//! The authorization page (`GET /oauth2/authorize`): which requests are redirected with
//! `code` or `error` (RFC 6749 §4.1.2.1) and which are never redirected.

use polar_oauth2::{CallbackError, OAuthErrorCode, Scope};
use polar_oauth2_test_server::{CONFIDENTIAL_CLIENT_ID, CONFIDENTIAL_CLIENT_SECRET, REDIRECT_URI};
use reqwest::StatusCode;

use crate::support::*;

#[tokio::test]
async fn unregistered_redirect_uri_is_not_redirected() {
    let (server, _client) = start_with_client().await;
    let pending = request_for(
        &server,
        CONFIDENTIAL_CLIENT_ID,
        "https://evil.example/steal",
    )
    .build()
    .unwrap();
    let e = assert_oauth(
        server.approve(pending.url()),
        StatusCode::BAD_REQUEST,
        OAuthErrorCode::InvalidRequest,
    );
    assert_eq!(
        e.description.as_deref(),
        Some("Redirect URI https://evil.example/steal is not supported by client.")
    );
}

#[tokio::test]
async fn unknown_client_is_not_redirected() {
    let (server, _client) = start_with_client().await;
    let pending = request_for(&server, "polar_ci_nope", REDIRECT_URI)
        .build()
        .unwrap();
    assert_oauth(
        server.approve(pending.url()),
        StatusCode::BAD_REQUEST,
        OAuthErrorCode::InvalidClient,
    );
}

#[tokio::test]
async fn unknown_scope_redirects_with_invalid_scope() {
    let (server, _client) = start_with_client().await;
    let pending = server
        .authorization_request()
        .scope("teleport:write".parse().unwrap())
        .build()
        .unwrap();
    let redirected_to = server.approve(pending.url()).unwrap();
    match pending.callback(&redirected_to) {
        Err(CallbackError::Authorization(e)) => assert_eq!(e.code, OAuthErrorCode::InvalidScope),
        other => panic!("expected invalid_scope: {other:?}"),
    }
}

#[tokio::test]
async fn unsupported_challenge_method_redirects_with_invalid_request() {
    let (server, _client) = start_with_client().await;
    let url = authorization_url(
        &server,
        &[
            ("response_type", "code"),
            ("client_id", CONFIDENTIAL_CLIENT_ID),
            ("state", "s-3"),
            ("code_challenge", &"x".repeat(43)),
            ("code_challenge_method", "S512"),
        ],
    );
    let redirected_to = server.approve(&url).unwrap();
    assert_eq!(
        query_param(&redirected_to, "error").as_deref(),
        Some("invalid_request")
    );
    assert_eq!(query_param(&redirected_to, "state").as_deref(), Some("s-3"));
}

#[tokio::test]
async fn unsupported_response_type_is_not_redirected() {
    let (server, _client) = start_with_client().await;
    let url = authorization_url(
        &server,
        &[
            ("response_type", "token"),
            ("client_id", CONFIDENTIAL_CLIENT_ID),
        ],
    );
    assert_oauth(
        server.approve(&url),
        StatusCode::BAD_REQUEST,
        OAuthErrorCode::UnsupportedResponseType,
    );
}

#[tokio::test]
async fn authorization_page_redirects_the_browser_with_code_and_state() {
    let (server, client) = start_with_client().await;
    let pending = server.authorization_request().build().unwrap();
    let response = get(pending.url()).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(REDIRECT_URI), "{location}");
    let code = pending.callback(&location).unwrap();
    exchange(&client, &server.confidential_client(), &pending, code)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_nonce_of_a_pending_code_is_a_replay_attack_until_the_code_is_used() {
    let server = start().await;
    let request = || {
        server
            .authorization_request()
            .scope(Scope::Openid)
            .nonce("n-replayed")
            .prompt("consent")
            .build()
            .unwrap()
    };
    let first = request();
    let code = first
        .callback(&server.approve(first.url()).unwrap())
        .unwrap();

    let again = request();
    let response = consent_data_with_cookie(&server, again.url()).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let state = again.state().secret();
    assert_eq!(
        location,
        format!(
            "{REDIRECT_URI}?error=invalid_request&error_description=Replay+attack&state={state}"
        )
    );
    let redirected = server.approve(again.url()).unwrap();
    assert!(
        redirected.contains("error_description=Replay+attack"),
        "{redirected}"
    );

    // Polar looks the nonce up among the client's codes: once exchanged, it is free again.
    let form = [
        ("grant_type", "authorization_code"),
        ("client_id", CONFIDENTIAL_CLIENT_ID),
        ("client_secret", CONFIDENTIAL_CLIENT_SECRET),
        ("code", code.secret()),
        ("redirect_uri", first.redirect_uri()),
        ("code_verifier", first.pkce_verifier().secret()),
    ];
    let (status, _, body) = json(post_form(&server, "/v1/oauth2/token", &form).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let third = request();
    let response = consent_data_with_cookie(&server, third.url()).await;
    assert_eq!(response.status(), StatusCode::OK);
}
