//! `POST /v1/oauth2/revoke` (RFC 7009): which tokens a client may revoke, what revoking one
//! token of a pair does, and the client authentication it takes.

use polar_oauth2::Scope;
use polar_oauth2_test_server::{
    CONFIDENTIAL_CLIENT_ID, CONFIDENTIAL_CLIENT_SECRET, PUBLIC_CLIENT_ID, TestClient,
};
use reqwest::StatusCode;
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn revoked_access_token_fails_introspection_and_userinfo() {
    let server = start().await;
    let token = token_for(&server, &[Scope::Openid, Scope::Email]).await;
    let access = field(&token, "access_token");
    assert_eq!(introspect(&server, access).await["active"], true);
    assert_eq!(userinfo(&server, access).await.status(), StatusCode::OK);

    let (status, headers, body) = json(revoke(&server, access, Some("access_token")).await).await;
    assert_eq!((status, &body), (StatusCode::OK, &json!({})));
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["pragma"], "no-cache");

    assert_eq!(introspect(&server, access).await, json!({"active": false}));
    let response = userinfo(&server, access).await;
    let challenge = response.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    let (status, _, body) = json(response).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "invalid_token");
    assert!(
        challenge.starts_with("Bearer realm=\"polar\"")
            && challenge.contains("error=\"invalid_token\""),
        "{challenge}"
    );
}

#[tokio::test]
async fn revoking_the_refresh_token_revokes_its_access_token_and_stops_refresh() {
    let server = start().await;
    let token = token_for(&server, &[Scope::UserRead]).await;
    let refresh = field(&token, "refresh_token");
    let (status, _, _) = json(revoke(&server, refresh, None).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        introspect(&server, field(&token, "access_token")).await,
        json!({"active": false})
    );
    let (status, _, body) = json(
        post_form(
            &server,
            "/v1/oauth2/token",
            &[
                ("grant_type", "refresh_token"),
                ("client_id", CONFIDENTIAL_CLIENT_ID),
                ("client_secret", CONFIDENTIAL_CLIENT_SECRET),
                ("refresh_token", refresh),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn revoking_an_unknown_or_already_revoked_token_is_200() {
    let server = start().await;
    let token = token_for(&server, &[Scope::UserRead]).await;
    let access = field(&token, "access_token");
    for token in [access, access, "polar_at_u_not_a_token"] {
        let (status, _, body) = json(revoke(&server, token, None).await).await;
        assert_eq!((status, body), (StatusCode::OK, json!({})), "{token}");
    }
}

#[tokio::test]
async fn revoking_another_clients_token_is_invalid_grant_and_leaves_it_active() {
    let server = start().await;
    server.register_client(TestClient::confidential(
        "polar_ci_test_other",
        "polar_cs_test_other",
    ));
    let token = token_for(&server, &[Scope::UserRead]).await;
    let access = field(&token, "access_token");
    let (status, _, body) = json(
        post_form(
            &server,
            "/v1/oauth2/revoke",
            &[
                ("token", access),
                ("client_id", "polar_ci_test_other"),
                ("client_secret", "polar_cs_test_other"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    assert_eq!(introspect(&server, access).await["active"], true);
}

#[tokio::test]
async fn revoke_needs_client_credentials_and_a_token() {
    let server = start().await;
    // A public client cannot authenticate at the revocation endpoint (Polar: basic/post only).
    let (status, headers, body) = json(
        post_form(
            &server,
            "/v1/oauth2/revoke",
            &[("token", "x"), ("client_id", PUBLIC_CLIENT_ID)],
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
    assert!(headers.contains_key("www-authenticate"));
    let (status, _, body) = json(
        post_form(
            &server,
            "/v1/oauth2/revoke",
            &[
                ("client_id", CONFIDENTIAL_CLIENT_ID),
                ("client_secret", "polar_cs_test_wrong"),
                ("token", "x"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
    let (status, _, body) = json(
        post_form(
            &server,
            "/v1/oauth2/revoke",
            &[
                ("client_id", CONFIDENTIAL_CLIENT_ID),
                ("client_secret", CONFIDENTIAL_CLIENT_SECRET),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_request"))
    );
    let (status, _, body) = json(revoke(&server, "x", Some("id_token")).await).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("unsupported_token_type"))
    );
}

#[tokio::test]
async fn revoke_accepts_client_secret_basic() {
    let server = start().await;
    let token = token_for(&server, &[Scope::UserRead]).await;
    let access = field(&token, "access_token");
    let response = http()
        .post(format!("{}/v1/oauth2/revoke", server.base_url()))
        .basic_auth(CONFIDENTIAL_CLIENT_ID, Some(CONFIDENTIAL_CLIENT_SECRET))
        .form(&[("token", access)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(introspect(&server, access).await["active"], false);
}
