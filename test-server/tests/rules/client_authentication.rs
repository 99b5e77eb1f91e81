//! Client authentication at the token endpoint: `client_secret_post`,
//! `client_secret_basic` and public clients, with Polar's `invalid_client` statuses.

use polar_oauth2::{ClientCredentials, ClientSecret, OAuthErrorCode, RefreshToken};
use polar_oauth2_test_server::{
    CONFIDENTIAL_CLIENT_ID, PUBLIC_CLIENT_ID, REDIRECT_URI, TestClient,
};
use reqwest::StatusCode;

use crate::support::*;

#[tokio::test]
async fn wrong_secret_is_401_invalid_client_with_www_authenticate() {
    let (server, client) = start_with_client().await;
    let pending = server.authorization_request().build().unwrap();
    let code = approve(&server, &pending);
    let wrong = ClientCredentials::confidential(
        CONFIDENTIAL_CLIENT_ID,
        ClientSecret::new("polar_cs_test_wrong"),
    );
    let e = assert_oauth(
        exchange(&client, &wrong, &pending, code.clone()).await,
        StatusCode::UNAUTHORIZED,
        OAuthErrorCode::InvalidClient,
    );
    let challenge = e.www_authenticate.unwrap();
    assert!(
        challenge.starts_with("Basic error=\"invalid_client\""),
        "{challenge}"
    );
    // The code was not used up by the failed attempt.
    exchange(&client, &server.confidential_client(), &pending, code)
        .await
        .unwrap();
}

#[tokio::test]
async fn invalid_client_errors_are_not_cacheable() {
    let (server, _client) = start_with_client().await;
    let response = post_token(
        &server,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", CONFIDENTIAL_CLIENT_ID),
            ("client_secret", "polar_cs_test_wrong"),
            ("refresh_token", "polar_rt_u_x"),
        ],
    )
    .await;
    let (status, headers, body) = json(response).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(headers["cache-control"], "no-store");
    assert!(headers.contains_key("www-authenticate"));
    assert_eq!(body["error"], "invalid_client");
}

#[tokio::test]
async fn unknown_client_is_400_invalid_client() {
    let (_server, client) = start_with_client().await;
    let unknown = ClientCredentials::confidential(
        "polar_ci_test_unknown",
        ClientSecret::new("polar_cs_test_unknown"),
    );
    let e = assert_oauth(
        client
            .refresh(&unknown, &RefreshToken::new("polar_rt_u_x"))
            .await,
        StatusCode::BAD_REQUEST,
        OAuthErrorCode::InvalidClient,
    );
    assert_eq!(
        e.description.as_deref(),
        Some("The client does not exist on this server.")
    );
    assert!(e.www_authenticate.is_none());
}

#[tokio::test]
async fn confidential_client_without_its_secret_is_401_invalid_client() {
    let (server, client) = start_with_client().await;
    let pending = server.authorization_request().build().unwrap();
    let code = approve(&server, &pending);
    let as_public = ClientCredentials::public(CONFIDENTIAL_CLIENT_ID);
    assert_oauth(
        exchange(&client, &as_public, &pending, code).await,
        StatusCode::UNAUTHORIZED,
        OAuthErrorCode::InvalidClient,
    );
}

#[tokio::test]
async fn public_client_sending_a_secret_is_401_invalid_client() {
    let (_server, client) = start_with_client().await;
    let with_secret =
        ClientCredentials::confidential(PUBLIC_CLIENT_ID, ClientSecret::new("polar_cs_test_x"));
    assert_oauth(
        client
            .refresh(&with_secret, &RefreshToken::new("polar_rt_u_x"))
            .await,
        StatusCode::UNAUTHORIZED,
        OAuthErrorCode::InvalidClient,
    );
}

#[tokio::test]
async fn client_secret_basic_client_must_use_basic() {
    let (server, client) = start_with_client().await;
    server.register_client(
        TestClient::confidential("polar_ci_test_basic", "polar_cs_test_basic")
            .client_secret_basic(),
    );
    let pending = request_for(&server, "polar_ci_test_basic", REDIRECT_URI)
        .build()
        .unwrap();
    let code = approve(&server, &pending);
    // Credentials in the form body: not this client's method.
    let post = ClientCredentials::confidential(
        "polar_ci_test_basic",
        ClientSecret::new("polar_cs_test_basic"),
    );
    assert_oauth(
        exchange(&client, &post, &pending, code.clone()).await,
        StatusCode::UNAUTHORIZED,
        OAuthErrorCode::InvalidClient,
    );
    // `Authorization: Basic base64("polar_ci_test_basic:polar_cs_test_basic")`.
    let response = http()
        .post(format!("{}/v1/oauth2/token", server.base_url()))
        .basic_auth("polar_ci_test_basic", Some("polar_cs_test_basic"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.secret()),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", pending.pkce_verifier().secret()),
        ])
        .send()
        .await
        .unwrap();
    let (status, _, body) = json(response).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}
