//! Polar's commit lag: a new token or registration stays unknown for a moment after the
//! answer, and the library rides it out.

use std::time::Duration;

use polar_oauth2::Scope;
use polar_oauth2_test_server::{CONFIDENTIAL_CLIENT_ID, CONFIDENTIAL_CLIENT_SECRET, TestServer};
use reqwest::StatusCode;
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn a_new_token_is_unknown_until_its_write_commits() {
    let server = TestServer::builder()
        .commit_delay(Duration::from_secs(3600))
        .start()
        .await
        .unwrap();
    let token = token_for(&server, &[Scope::Openid]).await;
    let (status, headers, body) =
        json(userinfo(&server, field(&token, "access_token")).await).await;
    assert_authlib_invalid_token(status, &headers, &body);
    assert_eq!(
        introspect(&server, field(&token, "access_token")).await,
        json!({"active": false})
    );
    let refresh = [
        ("grant_type", "refresh_token"),
        ("client_id", CONFIDENTIAL_CLIENT_ID),
        ("client_secret", CONFIDENTIAL_CLIENT_SECRET),
        ("refresh_token", field(&token, "refresh_token")),
    ];
    let (status, _, body) = json(post_form(&server, "/v1/oauth2/token", &refresh).await).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn a_new_registration_is_unknown_until_its_write_commits() {
    let server = TestServer::builder()
        .commit_delay(Duration::from_secs(3600))
        .start()
        .await
        .unwrap();
    let (status, _, created) = json(create_client(&server, None, &register_body()).await).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let url = format!(
        "{}/v1/oauth2/register/{}",
        server.base_url(),
        field(&created, "client_id")
    );
    let crt = field(&created, "registration_access_token");
    let (status, _, body) = json(get_with_bearer(&url, crt).await).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
}

#[tokio::test]
async fn the_client_library_rides_out_the_default_commit_lag() {
    // The default lag is on: the library holds or retries what it has just received.
    let server = TestServer::start().await.unwrap();
    let client = server.client().unwrap();
    let credentials = server.confidential_client();
    let token = tokens(&server, &client, &[Scope::Openid]).await;
    client.userinfo(token.access_token()).await.unwrap();
    let refreshed = client
        .refresh(&credentials, token.refresh_token().unwrap())
        .await
        .unwrap();
    client.userinfo(refreshed.access_token()).await.unwrap();
}
