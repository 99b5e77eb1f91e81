//! The `refresh_token` grant: rotation revokes the old pair, the scope may narrow but not
//! widen, and a client without the grant gets no refresh token.

use std::time::Duration;

use polar_oauth2::{ClientCredentials, ClientSecret, OAuthErrorCode, RefreshToken, Scope};
use polar_oauth2_test_server::{
    CONFIDENTIAL_CLIENT_ID, CONFIDENTIAL_CLIENT_SECRET, REDIRECT_URI, TestClient,
};
use reqwest::StatusCode;

use crate::support::*;

#[tokio::test]
async fn refresh_token_of_another_client_is_invalid_grant() {
    let (server, client) = start_with_client().await;
    let token = tokens(&server, &client, &[Scope::UserRead]).await;
    assert_oauth(
        client
            .refresh(&server.public_client(), token.refresh_token().unwrap())
            .await,
        StatusCode::BAD_REQUEST,
        OAuthErrorCode::InvalidGrant,
    );
}

#[tokio::test]
async fn refresh_may_narrow_the_scope_but_not_widen_it() {
    let (server, client) = start_with_client().await;
    let token = tokens(&server, &client, &[Scope::UserRead, Scope::ProductsRead]).await;
    let narrower = post_token(
        &server,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", CONFIDENTIAL_CLIENT_ID),
            ("client_secret", CONFIDENTIAL_CLIENT_SECRET),
            ("refresh_token", token.refresh_token().unwrap().secret()),
            ("scope", "products:read"),
        ],
    )
    .await;
    let (status, _, body) = json(narrower).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["scope"], "products:read");
    let wider = post_token(
        &server,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", CONFIDENTIAL_CLIENT_ID),
            ("client_secret", CONFIDENTIAL_CLIENT_SECRET),
            ("refresh_token", body["refresh_token"].as_str().unwrap()),
            ("scope", "products:read orders:read"),
        ],
    )
    .await;
    let (status, _, body) = json(wider).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_scope");
}

#[tokio::test]
async fn client_without_refresh_grant_gets_no_refresh_token() {
    let (server, client) = start_with_client().await;
    server.register_client(
        TestClient::confidential("polar_ci_test_norefresh", "polar_cs_test_norefresh")
            .grant_types(["authorization_code"]),
    );
    let credentials = ClientCredentials::confidential(
        "polar_ci_test_norefresh",
        ClientSecret::new("polar_cs_test_norefresh"),
    );
    let pending = request_for(&server, "polar_ci_test_norefresh", REDIRECT_URI)
        .build()
        .unwrap();
    let code = approve(&server, &pending);
    let token = exchange(&client, &credentials, &pending, code)
        .await
        .unwrap();
    assert!(token.refresh_token().is_none());
    let e = assert_oauth(
        client
            .refresh(&credentials, &RefreshToken::new("polar_rt_u_x"))
            .await,
        StatusCode::BAD_REQUEST,
        OAuthErrorCode::UnauthorizedClient,
    );
    assert_eq!(
        e.description.as_deref(),
        Some("The client is not authorized to use 'grant_type=refresh_token'")
    );
}

#[tokio::test]
async fn rotation_revokes_the_old_access_token_and_access_tokens_expire() {
    let (server, client) = start_with_client().await;
    let credentials = server.confidential_client();
    let token = tokens(&server, &client, &[Scope::Openid]).await;
    client.userinfo(token.access_token()).await.unwrap();

    let refreshed = client
        .refresh(&credentials, token.refresh_token().unwrap())
        .await
        .unwrap();
    let e = assert_oauth(
        client.userinfo(token.access_token()).await,
        StatusCode::UNAUTHORIZED,
        OAuthErrorCode::Extension("invalid_token".into()),
    );
    assert!(
        e.www_authenticate
            .unwrap()
            .starts_with("Bearer realm=\"polar\"")
    );
    client.userinfo(refreshed.access_token()).await.unwrap();
    server.advance(Duration::from_secs(3601));
    assert_oauth(
        client.userinfo(refreshed.access_token()).await,
        StatusCode::UNAUTHORIZED,
        OAuthErrorCode::Extension("invalid_token".into()),
    );
}
