//! Consent: the data Polar's page reads (`GET /v1/oauth2/authorize`), the choice it posts
//! (`POST /v1/oauth2/consent`), and a returning user's consent already given.

use polar_oauth2::Scope;
use polar_oauth2_test_server::REDIRECT_URI;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::*;

#[tokio::test]
async fn consent_data_shows_a_registered_clients_metadata() {
    let server = start().await;
    let mut body = register_body();
    body["client_uri"] = json!("https://app.example.com");
    body["logo_uri"] = json!("https://app.example.com/logo.png");
    let (_, _, created) = json(create_client(&server, None, &body).await).await;
    assert_eq!(created["client_uri"], "https://app.example.com");
    let client_id = field(&created, "client_id");
    let pending = request_for(&server, client_id, "https://app.example.com/cb")
        .scope(Scope::Openid)
        .build()
        .unwrap();
    let (status, _, consent) = json(consent_data_with_cookie(&server, pending.url()).await).await;
    assert_eq!(status, StatusCode::OK, "{consent}");
    assert_eq!(consent["client"]["client_name"], "My Test App");
    assert_eq!(consent["client"]["client_uri"], "https://app.example.com");
    assert_eq!(
        consent["client"]["logo_uri"],
        "https://app.example.com/logo.png"
    );
    assert!(consent["client"]["tos_uri"].is_null());
}

#[tokio::test]
async fn consent_post_redirects_request_errors_without_state_as_polar_does() {
    let server = start().await;
    let pending = server.authorization_request().build().unwrap();
    assert!(!pending.url().contains("scope="));
    let bad_scope = format!("{}&scope=bogus", pending.url());
    let response = consent(&server, &bad_scope, &[("action", "allow")]).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with(&format!("{REDIRECT_URI}?error=invalid_scope")),
        "{location}"
    );
    assert!(!location.contains("state="), "{location}");
    // A denial carries the state.
    let response = consent(&server, pending.url(), &[("action", "deny")]).await;
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.contains("error=access_denied"), "{location}");
    assert!(
        location.ends_with(&format!("state={}", pending.state().secret())),
        "{location}"
    );
}

#[tokio::test]
async fn consent_data_is_shaped_like_the_spec() {
    let (server, _client) = start_with_client().await;
    let pending = openid_request(&server);
    let response = consent_data_with_cookie(&server, pending.url()).await;
    let (status, _, body) = json(response).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for key in ["client", "sub_type", "sub", "scopes", "scope_display_names"] {
        assert!(keys.contains(&key), "{key} missing: {body}");
    }
    assert_eq!(body["sub_type"], "user");
    assert_eq!(body["sub"]["avatar_url"], Value::Null);
    for key in [
        "created_at",
        "modified_at",
        "client_id",
        "client_name",
        "client_uri",
        "logo_uri",
        "tos_uri",
        "policy_uri",
    ] {
        assert!(body["client"].get(key).is_some(), "client.{key} missing");
    }
    // Every scope's label, as the spec's default lists them.
    let names = body["scope_display_names"].as_object().unwrap();
    let labelled = Scope::KNOWN.iter().filter(|s| s.display_name().is_some());
    assert_eq!(names.len(), labelled.count());
    for scope in Scope::KNOWN {
        assert_eq!(
            names.get(scope.as_str()).and_then(Value::as_str),
            scope.display_name(),
            "{scope}"
        );
    }
}

#[tokio::test]
async fn consent_data_for_nobody_signed_in_is_401() {
    let (server, _client) = start_with_client().await;
    let pending = openid_request(&server);
    let url = consent_data_url(&server, pending.url());
    let (status, _, body) = json(get(url).await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body, serde_json::json!({"detail": "Unauthorized"}));
}

#[tokio::test]
async fn consent_already_given_redirects_unless_prompt_is_consent() {
    let (server, client) = start_with_client().await;
    let session = server.web_session_token();
    let pending = server
        .authorization_request()
        .scope(Scope::UserRead)
        .build()
        .unwrap();
    approve(&server, &pending);

    // Same scopes again: Polar skips the consent screen and redirects with a new code.
    let again = server
        .authorization_request()
        .scope(Scope::UserRead)
        .build()
        .unwrap();
    let e = client
        .consent_data(&session, &again.authorize_params())
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::FOUND), "{e}");

    let forced = server
        .authorization_request()
        .scope(Scope::UserRead)
        .prompt("consent")
        .build()
        .unwrap();
    let consent = client
        .consent_data(&session, &forced.authorize_params())
        .await
        .unwrap();
    assert_eq!(consent.scopes(), [Scope::UserRead]);
}
