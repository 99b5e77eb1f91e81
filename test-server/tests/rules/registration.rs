//! Client registration (RFC 7591/7592): what creating a client answers, and how a
//! registration is read, updated and deleted with its registration access token.

use polar_oauth2::Scope;
use polar_oauth2_test_server::{CONFIDENTIAL_CLIENT_ID, CONFIDENTIAL_CLIENT_SECRET};
use reqwest::StatusCode;
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn registration_returns_what_polar_returns_and_the_client_works() {
    let server = start().await;
    let cookie = session_cookie(&server);
    let response = http()
        .post(format!("{}/v1/oauth2/register", server.base_url()))
        .header("cookie", cookie)
        .json(&register_body())
        .send()
        .await
        .unwrap();
    let (status, headers, body) = json(response).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(headers["cache-control"], "no-store");
    let client_id = field(&body, "client_id").to_owned();
    let client_secret = field(&body, "client_secret").to_owned();
    assert!(
        client_id.starts_with("polar_ci_") && client_secret.starts_with("polar_cs_"),
        "{body}"
    );
    assert!(field(&body, "registration_access_token").starts_with("polar_crt_"));
    assert_eq!(
        field(&body, "registration_client_uri"),
        format!("{}/v1/oauth2/register/{client_id}", server.base_url())
    );
    assert_eq!(body["client_secret_expires_at"], 0);
    assert!(body["client_id_issued_at"].as_u64().unwrap() > 1_700_000_000);
    assert_eq!(body["client_name"], "My Test App");
    assert_eq!(body["scope"], "openid email user:read");
    assert_eq!(body["token_endpoint_auth_method"], "client_secret_post");
    assert_eq!(
        body["grant_types"],
        json!(["authorization_code", "refresh_token"])
    );
    assert_eq!(body["response_types"], json!(["code"]));

    // The new client runs the whole flow with its own redirect URI.
    let pending = request_for(&server, &client_id, "https://app.example.com/cb")
        .scope(Scope::Email)
        .build()
        .unwrap();
    let code = pending
        .callback(&server.approve(pending.url()).unwrap())
        .unwrap();
    let (status, _, token) = json(
        post_form(
            &server,
            "/v1/oauth2/token",
            &[
                ("grant_type", "authorization_code"),
                ("client_id", &client_id),
                ("client_secret", &client_secret),
                ("code", code.secret()),
                ("redirect_uri", "https://app.example.com/cb"),
                ("code_verifier", pending.pkce_verifier().secret()),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{token}");
    assert_eq!(token["scope"], "email");
}

#[tokio::test]
async fn registration_refuses_api_tokens_and_unknown_bearers() {
    let server = start().await;
    let pat = server.personal_access_token();
    assert!(pat.secret().starts_with("polar_pat_"));
    let token = token_for(&server, &[Scope::Openid]).await;
    for bearer in [pat.secret(), field(&token, "access_token")] {
        let (status, _, body) =
            json(create_client(&server, Some(bearer), &register_body()).await).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert_eq!(body["error"], "NotPermitted");
    }
    let (status, headers, body) =
        json(create_client(&server, Some("polar_at_u_unknown"), &register_body()).await).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_token"))
    );
    assert!(headers.contains_key("www-authenticate"));
}

#[tokio::test]
async fn anonymous_registration_is_managed_with_its_registration_access_token() {
    let server = start().await;
    let (status, _, created) = json(create_client(&server, None, &register_body()).await).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let client_id = field(&created, "client_id");
    let crt = field(&created, "registration_access_token");
    let url = format!("{}/v1/oauth2/register/{client_id}", server.base_url());

    let (status, _, read) = json(get_with_bearer(&url, crt).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(read, created);

    // The web session does not own an anonymous client; no credential is access_denied.
    let (status, _, body) = json(get_with_session(&server, &url).await).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
    let (status, _, body) = json(get(&url).await).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("access_denied"))
    );
    let (status, _, body) = json(get_with_bearer(&url, "polar_crt_wrong").await).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );

    // Update: fields left out go back to Polar's defaults.
    let update = json!({
        "client_id": client_id,
        "client_name": "Renamed",
        "redirect_uris": ["https://renamed.example.com/cb"],
        "token_endpoint_auth_method": "client_secret_basic",
    });
    let (status, _, updated) = json(
        http()
            .put(&url)
            .bearer_auth(crt)
            .json(&update)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["client_name"], "Renamed");
    assert_eq!(updated["client_secret"], created["client_secret"]);
    assert_eq!(updated["token_endpoint_auth_method"], "client_secret_basic");
    assert!(
        updated["scope"].as_str().unwrap().split(' ').count() > 3,
        "{updated}"
    );
    let wrong_id = json!({"client_id": "polar_ci_other", "client_name": "x", "redirect_uris": []});
    let (status, _, body) = json(
        http()
            .put(&url)
            .bearer_auth(crt)
            .json(&wrong_id)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_request"))
    );

    // Delete: 204, then the client is gone everywhere.
    let response = http().delete(&url).bearer_auth(crt).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert!(response.bytes().await.unwrap().is_empty());
    let (status, _, _) = json(get_with_bearer(&url, crt).await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, body) = json(
        post_form(
            &server,
            "/v1/oauth2/token",
            &[
                ("grant_type", "refresh_token"),
                ("client_id", client_id),
                ("client_secret", field(&created, "client_secret")),
                ("refresh_token", "polar_rt_u_x"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(body["error"], "invalid_client", "{status} {body}");
}

#[tokio::test]
async fn public_registration_hides_the_secret_and_uses_pkce() {
    let server = start().await;
    let mut body = register_body();
    body["token_endpoint_auth_method"] = json!("none");
    let (status, _, created) = json(create_client(&server, None, &body).await).await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(
        created.get("client_secret").is_none() && created.get("client_secret_expires_at").is_none(),
        "{created}"
    );
    let client_id = field(&created, "client_id");
    let pending = request_for(&server, client_id, "http://localhost:3000/callback")
        .scope(Scope::Openid)
        .build()
        .unwrap();
    let token = exchange_over_http(&server, &pending, client_id, None).await;
    assert!(field(&token, "access_token").starts_with("polar_at_u_"));
}

#[tokio::test]
async fn the_test_clients_are_the_users_and_have_registration_tokens() {
    let server = start().await;
    let url = format!(
        "{}/v1/oauth2/register/{CONFIDENTIAL_CLIENT_ID}",
        server.base_url()
    );
    let (status, _, by_session) = json(get_with_session(&server, &url).await).await;
    assert_eq!(status, StatusCode::OK, "{by_session}");
    assert_eq!(by_session["client_secret"], CONFIDENTIAL_CLIENT_SECRET);
    let crt = server
        .registration_access_token(CONFIDENTIAL_CLIENT_ID)
        .unwrap();
    let (_, _, by_token) = json(get_with_bearer(&url, crt.secret()).await).await;
    assert_eq!(by_token, by_session);
    assert!(
        server
            .registration_access_token("polar_ci_unknown")
            .is_none()
    );
}
