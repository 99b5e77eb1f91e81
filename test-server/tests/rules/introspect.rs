//! `POST /v1/oauth2/introspect` (RFC 7662): the fields of an active token, and which tokens
//! are reported inactive.

use std::time::Duration;

use polar_oauth2::Scope;
use polar_oauth2_test_server::{
    CONFIDENTIAL_CLIENT_ID, CONFIDENTIAL_CLIENT_SECRET, TestClient, USER_ID,
};
use reqwest::StatusCode;
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn active_token_introspection_has_every_spec_field() {
    let server = start().await;
    let token = token_for(&server, &[Scope::Openid, Scope::UserRead]).await;
    for name in ["access_token", "refresh_token"] {
        let body = introspect(&server, field(&token, name)).await;
        let exp = body["exp"].as_u64().unwrap();
        let iat = body["iat"].as_u64().unwrap();
        assert_eq!(exp - iat, 864_000, "{body}");
        assert_eq!(
            body,
            json!({
                "active": true,
                "client_id": CONFIDENTIAL_CLIENT_ID,
                // What Polar stores and returns, not the spec's enum.
                "token_type": "Bearer",
                "scope": "openid user:read",
                "sub_type": "user",
                "sub": USER_ID.to_string(),
                "organizations": [],
                "aud": CONFIDENTIAL_CLIENT_ID,
                "iss": "https://polar.sh",
                "exp": exp,
                "iat": iat,
            }),
            "{name}"
        );
    }
}

#[tokio::test]
async fn unknown_expired_or_other_clients_tokens_are_inactive() {
    let server = start().await;
    server.register_client(TestClient::confidential(
        "polar_ci_test_other",
        "polar_cs_test_other",
    ));
    let token = token_for(&server, &[Scope::UserRead]).await;
    let access = field(&token, "access_token");
    assert_eq!(
        introspect(&server, "polar_at_u_unknown").await,
        json!({"active": false})
    );
    let (_, _, body) = json(
        post_form(
            &server,
            "/v1/oauth2/introspect",
            &[
                ("token", access),
                ("client_id", "polar_ci_test_other"),
                ("client_secret", "polar_cs_test_other"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(body, json!({"active": false}));
    server.advance(Duration::from_secs(864_001));
    assert_eq!(introspect(&server, access).await, json!({"active": false}));
}

#[tokio::test]
async fn introspection_respects_the_token_type_hint() {
    let server = start().await;
    let token = token_for(&server, &[Scope::UserRead]).await;
    let (_, _, body) = json(
        post_form(
            &server,
            "/v1/oauth2/introspect",
            &[
                ("token", field(&token, "access_token")),
                ("token_type_hint", "refresh_token"),
                ("client_id", CONFIDENTIAL_CLIENT_ID),
                ("client_secret", CONFIDENTIAL_CLIENT_SECRET),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(body, json!({"active": false}));
}

#[tokio::test]
async fn introspect_without_credentials_is_401_invalid_client() {
    let server = start().await;
    let (status, _, body) =
        json(post_form(&server, "/v1/oauth2/introspect", &[("token", "x")]).await).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
}
