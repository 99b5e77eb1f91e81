//! What every route shares, as Polar's middlewares do it: FastAPI's 404/405, the bearer
//! check, `Polar-Version` routing and `Cache-Control`.

use polar_oauth2::Scope;
use polar_oauth2_test_server::{CONFIDENTIAL_CLIENT_ID, CONFIDENTIAL_CLIENT_SECRET};
use reqwest::StatusCode;
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn unknown_paths_and_methods_get_fastapis_errors() {
    let server = start().await;
    let (status, _, body) = json(get(format!("{}/v1/nothing", server.base_url())).await).await;
    assert_eq!(
        (status, body),
        (StatusCode::NOT_FOUND, json!({"detail": "Not Found"}))
    );
    let (status, headers, body) =
        json(get(format!("{}/v1/oauth2/revoke", server.base_url())).await).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::METHOD_NOT_ALLOWED,
            json!({"detail": "Method Not Allowed"})
        )
    );
    // Starlette names the route's methods, as Polar's server answers.
    assert_eq!(headers["allow"], "POST");
}

#[tokio::test]
async fn an_unknown_bearer_is_401_invalid_token_on_every_endpoint_as_polars_middleware_does() {
    let server = start().await;
    let token = token_for(&server, &[Scope::UserRead]).await;
    let access = field(&token, "access_token").to_owned();
    // A live access token passes the middleware: the token endpoint then ignores it.
    let response = http()
        .post(format!("{}/v1/oauth2/introspect", server.base_url()))
        .bearer_auth(&access)
        .form(&[
            ("token", access.as_str()),
            ("client_id", CONFIDENTIAL_CLIENT_ID),
            ("client_secret", CONFIDENTIAL_CLIENT_SECRET),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    // Revoked, it is refused before any endpoint runs.
    json(revoke(&server, &access, None).await).await;
    for path in [
        "/v1/oauth2/token",
        "/v1/oauth2/introspect",
        "/v1/oauth2/revoke",
    ] {
        let response = http()
            .post(format!("{}{path}", server.base_url()))
            .bearer_auth(&access)
            .form(&[("grant_type", "refresh_token")])
            .send()
            .await
            .unwrap();
        assert!(
            response.headers()["www-authenticate"]
                .to_str()
                .unwrap()
                .starts_with("Bearer realm=\"polar\"")
        );
        let (status, _, body) = json(response).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("invalid_token")),
            "{path}"
        );
    }
}

#[tokio::test]
async fn polar_version_picks_a_served_version_and_any_other_404s_every_route() {
    let server = start().await;
    let token = token_for(&server, &[Scope::Openid]).await;
    let access_token = field(&token, "access_token");
    let get = |path: &str, version: Option<&str>| {
        let mut request = http()
            .get(format!("{}{path}", server.base_url()))
            .bearer_auth(access_token);
        if let Some(version) = version {
            request = request.header("polar-version", version);
        }
        request.send()
    };
    let response = get("/v1/oauth2/userinfo", None).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["polar-version"], "2026-04");
    for version in polar_oauth2::POLAR_VERSIONS {
        let response = get("/v1/oauth2/userinfo", Some(version)).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["polar-version"], *version);
    }
    for path in [
        "/v1/oauth2/userinfo",
        "/.well-known/jwks.json",
        "/v1/oauth2/authorize",
    ] {
        let (status, headers, body) = json(get(path, Some("2025-01")).await.unwrap()).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(body, json!({"detail": "Not Found"}));
        // Polar's version router answers before its header middleware runs.
        assert!(!headers.contains_key("polar-version"), "{path}");
    }
    let response = http()
        .post(format!("{}/v1/oauth2/token", server.base_url()))
        .header("polar-version", "latest")
        .form(&[("grant_type", "refresh_token")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn every_answer_without_its_own_cache_control_is_private_no_store() {
    let server = start().await;
    let token = token_for(&server, &[Scope::Openid]).await;
    let base = server.base_url();
    let pending = openid_request(&server);
    let responses = [
        (
            "consent data",
            consent_data_with_cookie(&server, pending.url()).await,
        ),
        (
            "consent data 401",
            get(consent_data_url(&server, pending.url())).await,
        ),
        (
            "userinfo",
            userinfo(&server, field(&token, "access_token")).await,
        ),
        ("discovery", get(server.openid_configuration_url()).await),
        ("jwks", get(format!("{base}/.well-known/jwks.json")).await),
        (
            "registration 422",
            create_client(&server, None, &json!({"redirect_uris": []})).await,
        ),
        ("not found", get(format!("{base}/nowhere")).await),
    ];
    for (what, response) in responses {
        assert_eq!(
            response.headers()["cache-control"],
            "private, no-store",
            "{what}"
        );
    }
    // authlib's own answers keep theirs.
    let (_, headers, _) = json(userinfo(&server, "polar_at_u_unknown").await).await;
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["pragma"], "no-cache");
    let refresh = [
        ("grant_type", "refresh_token"),
        ("client_id", CONFIDENTIAL_CLIENT_ID),
        ("client_secret", CONFIDENTIAL_CLIENT_SECRET),
        ("refresh_token", field(&token, "refresh_token")),
    ];
    let (_, headers, _) = json(post_form(&server, "/v1/oauth2/token", &refresh).await).await;
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["pragma"], "no-cache");
}
