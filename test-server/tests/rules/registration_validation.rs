//! Registration bodies Polar refuses: FastAPI's 422 `detail` lists, authlib's
//! `invalid_client_metadata`, and the default scopes of a client registered without any.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::*;

#[tokio::test]
async fn invalid_registration_bodies_are_422_or_invalid_client_metadata() {
    let server = start().await;
    let cases = [
        (json!({"client_name": "x"}), "redirect_uris"),
        (
            json!({"redirect_uris": ["https://a.example/cb"]}),
            "client_name",
        ),
        (
            json!({"client_name": "x", "redirect_uris": ["http://evil.example/cb"]}),
            "redirect_uris/0",
        ),
        (
            json!({"client_name": "x", "redirect_uris": [], "token_endpoint_auth_method": "private_key_jwt"}),
            "token_endpoint_auth_method",
        ),
        (
            json!({"client_name": "x", "redirect_uris": [], "grant_types": ["web"]}),
            "grant_types",
        ),
    ];
    for (body, field_name) in cases {
        let (status, _, answer) = json(create_client(&server, None, &body).await).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body} -> {answer}"
        );
        assert_eq!(answer["error"], "RequestValidationError");
        let mut loc = vec![json!("body")];
        for part in field_name.split('/') {
            loc.push(
                part.parse::<u64>()
                    .map_or_else(|_| json!(part), |i| json!(i)),
            );
        }
        assert_eq!(answer["detail"][0]["loc"], Value::Array(loc), "{answer}");
    }
    let body = json!({"client_name": "x", "redirect_uris": [], "scope": "openid web:write"});
    let (status, _, answer) = json(create_client(&server, None, &body).await).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_client_metadata"))
    );
    let response = http()
        .post(format!("{}/v1/oauth2/register", server.base_url()))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn anonymous_registration_defaults_to_polars_supported_scopes() {
    let server = start().await;
    let body = json!({"client_name": "x", "redirect_uris": ["https://app.example.com/cb"]});
    let (status, _, created) = json(create_client(&server, None, &body).await).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let scope: Vec<&str> = field(&created, "scope").split(' ').collect();
    assert_eq!(scope, polar_scopes_supported());
}

#[tokio::test]
async fn registration_422s_are_shaped_as_polars() {
    // The bodies Polar's running server answers, byte for byte once parsed.
    let server = start().await;
    let cases = [
        (
            json!({"redirect_uris": ["https://app.example.com/cb"]}),
            json!({"type": "missing", "loc": ["body", "client_name"], "msg": "Field required",
                "input": {"redirect_uris": ["https://app.example.com/cb"]}}),
        ),
        (
            json!({"client_name": "x", "redirect_uris": ["not a uri"]}),
            json!({"type": "url_parsing", "loc": ["body", "redirect_uris", 0],
                "msg": "Input should be a valid URL, relative URL without a base",
                "input": "not a uri", "ctx": {"error": "relative URL without a base"}}),
        ),
        (
            json!({"client_name": "x", "redirect_uris": ["https://a.example/cb", "http://example.com/cb"]}),
            json!({"type": "value_error", "loc": ["body", "redirect_uris", 1],
                "msg": "Value error, An HTTPS URL is required.",
                "input": "http://example.com/cb", "ctx": {"error": {}}}),
        ),
    ];
    for (body, detail) in cases {
        let (status, headers, answer) = json(create_client(&server, None, &body).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        assert_eq!(headers["cache-control"], "private, no-store");
        assert_eq!(
            answer,
            json!({"error": "RequestValidationError", "detail": [detail]})
        );
    }
    let body = json!({"client_name": "x", "redirect_uris": ["https://a.example/cb"],
        "scope": "openid organization_access_tokens:read"});
    let (status, _, answer) = json(create_client(&server, None, &body).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        answer,
        json!({"error": "invalid_client_metadata", "error_description": "Invalid claim: 'scope'"})
    );
}
