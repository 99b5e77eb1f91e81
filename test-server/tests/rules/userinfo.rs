//! `GET|POST /v1/oauth2/userinfo` (OpenID Connect Core §5.3, Polar's `userinfo.py`): the
//! claims each scope releases, and the tokens it refuses.

use std::time::Duration;

use polar_oauth2::{Scope, SubType};
use polar_oauth2_test_server::{USER_EMAIL, USER_ID};
use reqwest::StatusCode;
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn user_userinfo_has_email_only_with_the_email_scope_and_never_a_name() {
    let server = start().await;
    let cases = [
        (vec![Scope::Openid], json!({"sub": USER_ID.to_string()})),
        (
            vec![Scope::Openid, Scope::Profile],
            json!({"sub": USER_ID.to_string()}),
        ),
        (
            vec![Scope::Email],
            json!({"sub": USER_ID.to_string(), "email": USER_EMAIL, "email_verified": true}),
        ),
    ];
    for (scopes, expected) in cases {
        let token = token_for(&server, &scopes).await;
        let (status, headers, body) =
            json(userinfo(&server, field(&token, "access_token")).await).await;
        assert_eq!((status, &body), (StatusCode::OK, &expected), "{scopes:?}");
        assert_eq!(headers["content-type"], "application/json");
    }
}

#[tokio::test]
async fn organization_request_userinfo_is_the_users() {
    // Polar issues user tokens for `sub_type=organization`: no organization `sub` or slug.
    let server = start().await;
    let token = token_with(
        &server,
        &[Scope::Openid, Scope::Email],
        SubType::Organization,
        None,
    )
    .await;
    let (_, _, body) = json(userinfo(&server, field(&token, "access_token")).await).await;
    assert_eq!(
        body,
        json!({"sub": USER_ID.to_string(), "email": USER_EMAIL, "email_verified": true})
    );
}

#[tokio::test]
async fn userinfo_also_answers_post() {
    let server = start().await;
    let token = token_for(&server, &[Scope::Openid]).await;
    let response = http()
        .post(format!("{}/v1/oauth2/userinfo", server.base_url()))
        .bearer_auth(field(&token, "access_token"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn userinfo_refuses_expired_unknown_and_non_oauth_tokens() {
    let server = start().await;
    let token = token_for(&server, &[Scope::Openid]).await;
    let access = field(&token, "access_token").to_owned();
    let pat = server.personal_access_token();
    for bearer in ["polar_at_u_unknown", pat.secret()] {
        let (status, _, body) = json(userinfo(&server, bearer).await).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("invalid_token"))
        );
    }
    server.advance(Duration::from_secs(864_001));
    let (status, _, body) = json(userinfo(&server, &access).await).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_token"))
    );
    // No credentials at all: Polar's own `Unauthorized`, with a bare challenge.
    let response = get(format!("{}/v1/oauth2/userinfo", server.base_url())).await;
    assert_eq!(
        response.headers()["www-authenticate"],
        "Bearer realm=\"polar\""
    );
    let (status, _, body) = json(response).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        body,
        json!({"error": "Unauthorized", "detail": "Unauthorized"})
    );
}
