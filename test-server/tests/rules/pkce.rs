//! PKCE (RFC 7636) at the token endpoint: `S256` and `plain`, mandatory for public clients,
//! optional for confidential ones.

use polar_oauth2::{
    AuthorizationCode, Client, CsrfToken, OAuthError, OAuthErrorCode, PkceCodeVerifier, PkceMethod,
    parse_callback,
};
use polar_oauth2_test_server::{
    CONFIDENTIAL_CLIENT_ID, PUBLIC_CLIENT_ID, REDIRECT_URI, TestServer,
};
use reqwest::StatusCode;

use crate::support::*;

/// `code` exchanged by the confidential client with `verifier`: refused with a 400 and `error`.
async fn refused(
    server: &TestServer,
    client: &Client,
    code: AuthorizationCode,
    verifier: Option<PkceCodeVerifier>,
    error: OAuthErrorCode,
) -> OAuthError {
    let credentials = server.confidential_client();
    assert_oauth(
        client
            .exchange_code(&credentials, code, REDIRECT_URI, verifier)
            .await,
        StatusCode::BAD_REQUEST,
        error,
    )
}

/// A code for `client_id` from an authorization request without PKCE, which the builder never
/// makes.
fn approved_without_pkce(server: &TestServer, client_id: &str) -> AuthorizationCode {
    let url = authorization_url(
        server,
        &[
            ("response_type", "code"),
            ("client_id", client_id),
            ("redirect_uri", REDIRECT_URI),
            ("state", "state-0123456789"),
        ],
    );
    let redirected_to = server.approve(&url).unwrap();
    parse_callback(&redirected_to, &CsrfToken::new("state-0123456789").unwrap()).unwrap()
}

#[tokio::test]
async fn wrong_pkce_verifier_is_invalid_grant() {
    let (server, client) = start_with_client().await;
    let pending = server.authorization_request().build().unwrap();
    let code = approve(&server, &pending);
    let other = PkceCodeVerifier::new("a".repeat(43));
    let e = refused(
        &server,
        &client,
        code.clone(),
        Some(other),
        OAuthErrorCode::InvalidGrant,
    )
    .await;
    assert_eq!(e.description.as_deref(), Some("Code challenge failed."));
    // A failed verification leaves the code usable with the right verifier.
    exchange(&client, &server.confidential_client(), &pending, code)
        .await
        .unwrap();
}

#[tokio::test]
async fn missing_pkce_verifier_is_invalid_request() {
    let (server, client) = start_with_client().await;
    let pending = server.authorization_request().build().unwrap();
    let code = approve(&server, &pending);
    let e = refused(&server, &client, code, None, OAuthErrorCode::InvalidRequest).await;
    assert_eq!(e.description.as_deref(), Some("Missing 'code_verifier'"));
}

#[tokio::test]
async fn malformed_pkce_verifier_is_invalid_request() {
    let (server, client) = start_with_client().await;
    let pending = server.authorization_request().build().unwrap();
    let code = approve(&server, &pending);
    // RFC 7636 §4.1: at least 43 characters.
    let short = PkceCodeVerifier::new("too-short");
    let e = refused(
        &server,
        &client,
        code,
        Some(short),
        OAuthErrorCode::InvalidRequest,
    )
    .await;
    assert_eq!(e.description.as_deref(), Some("Invalid 'code_verifier'"));
}

#[tokio::test]
async fn public_client_without_verifier_is_invalid_request() {
    let (server, client) = start_with_client().await;
    // A public client that skipped PKCE in the authorization request.
    let code = approved_without_pkce(&server, PUBLIC_CLIENT_ID);
    let e = assert_oauth(
        client
            .exchange_code(&server.public_client(), code, REDIRECT_URI, None)
            .await,
        StatusCode::BAD_REQUEST,
        OAuthErrorCode::InvalidRequest,
    );
    assert_eq!(e.description.as_deref(), Some("Missing 'code_verifier'"));
}

#[tokio::test]
async fn confidential_client_may_skip_pkce() {
    let (server, client) = start_with_client().await;
    let code = approved_without_pkce(&server, CONFIDENTIAL_CLIENT_ID);
    client
        .exchange_code(&server.confidential_client(), code, REDIRECT_URI, None)
        .await
        .unwrap();
}

#[tokio::test]
async fn plain_pkce_is_accepted_when_asked_for() {
    let (server, client) = start_with_client().await;
    let pending = server
        .authorization_request()
        .pkce_method(PkceMethod::Plain)
        .build()
        .unwrap();
    assert_eq!(
        query_param(pending.url(), "code_challenge").as_deref(),
        Some(pending.pkce_verifier().secret())
    );
    let code = approve(&server, &pending);
    exchange(&client, &server.confidential_client(), &pending, code)
        .await
        .unwrap();
}
