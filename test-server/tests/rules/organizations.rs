//! `sub_type=organization` as Polar runs it: a user token down-scoped to the one
//! organization picked at consent.

use polar_oauth2::{PendingAuthorization, Scope, SubType};
use polar_oauth2_test_server::{
    CONFIDENTIAL_CLIENT_ID, CONFIDENTIAL_CLIENT_SECRET, ORGANIZATIONS, TestClient, TestServer,
    USER_EMAIL, USER_ID,
};
use reqwest::StatusCode;
use serde_json::json;

use crate::support::*;

fn organization_request(server: &TestServer) -> PendingAuthorization {
    server
        .authorization_request()
        .scope(Scope::Openid)
        .scope(Scope::Email)
        .sub_type(SubType::Organization)
        .build()
        .unwrap()
}

#[tokio::test]
async fn organization_consent_data_is_the_users_with_a_single_organization_required() {
    let server = start().await;
    let pending = organization_request(&server);
    let (status, _, body) = json(consent_data_with_cookie(&server, pending.url()).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["sub_type"], "user");
    assert_eq!(body["sub"]["id"], USER_ID.to_string());
    assert_eq!(body["requires_single_organization"], true);
    let listed: Vec<&str> = body["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = ORGANIZATIONS.iter().map(|o| o.id.to_string()).collect();
    assert_eq!(listed, expected);

    let plain = server.authorization_request().build().unwrap();
    let (_, _, body) = json(consent_data_with_cookie(&server, plain.url()).await).await;
    assert_eq!(body["requires_single_organization"], false, "{body}");
}

#[tokio::test]
async fn organization_consent_needs_one_accessible_organization() {
    let server = start().await;
    let pending = organization_request(&server);
    let (status, headers, body) =
        json(consent(&server, pending.url(), &[("action", "allow")]).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(
        body,
        json!({"error": "invalid_request",
            "error_description": "sub_type=organization requires selecting an organization"})
    );
    let stranger = "00000000-0000-0000-0000-000000000001";
    let (status, _, body) = json(
        consent(
            &server,
            pending.url(),
            &[("action", "allow"), ("organizations", stranger)],
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["error_description"],
        format!("Organization {stranger} is not accessible")
    );
}

#[tokio::test]
async fn organization_consent_issues_a_user_token_down_scoped_to_that_organization() {
    let server = start().await;
    let pending = organization_request(&server);
    let chosen = ORGANIZATIONS[1].id.to_string();
    let response = consent(
        &server,
        pending.url(),
        &[("action", "allow"), ("organizations", &chosen)],
    )
    .await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let code = pending.callback(&location).unwrap();
    let form = [
        ("grant_type", "authorization_code"),
        ("client_id", CONFIDENTIAL_CLIENT_ID),
        ("client_secret", CONFIDENTIAL_CLIENT_SECRET),
        ("code", code.secret()),
        ("redirect_uri", pending.redirect_uri()),
        ("code_verifier", pending.pkce_verifier().secret()),
    ];
    let (status, _, token) = json(post_form(&server, "/v1/oauth2/token", &form).await).await;
    assert_eq!(status, StatusCode::OK, "{token}");
    let access_token = field(&token, "access_token");
    assert!(access_token.starts_with("polar_at_u_"), "{access_token}");
    assert!(field(&token, "refresh_token").starts_with("polar_rt_u_"));
    let introspection = introspect(&server, access_token).await;
    assert_eq!(introspection["sub_type"], "user");
    assert_eq!(introspection["sub"], USER_ID.to_string());
    assert_eq!(introspection["organizations"], json!([chosen]));
    let (_, _, info) = json(userinfo(&server, access_token).await).await;
    assert_eq!(
        info,
        json!({"sub": USER_ID.to_string(), "email": USER_EMAIL, "email_verified": true})
    );
    let (_, claims) = verify_with_jwks(field(&token, "id_token"), &server.jwks_json());
    assert_eq!(claims["sub"], USER_ID.to_string());

    // A refresh keeps the down-scope.
    let refresh = [
        ("grant_type", "refresh_token"),
        ("client_id", CONFIDENTIAL_CLIENT_ID),
        ("client_secret", CONFIDENTIAL_CLIENT_SECRET),
        ("refresh_token", field(&token, "refresh_token")),
    ];
    let (_, _, refreshed) = json(post_form(&server, "/v1/oauth2/token", &refresh).await).await;
    let introspection = introspect(&server, field(&refreshed, "access_token")).await;
    assert_eq!(introspection["organizations"], json!([chosen]));
}

#[tokio::test]
async fn approve_chooses_the_first_organization_for_an_organization_request() {
    let server = start().await;
    let token = token_with(&server, &[Scope::Openid], SubType::Organization, None).await;
    let access_token = field(&token, "access_token");
    assert!(access_token.starts_with("polar_at_u_"), "{access_token}");
    let introspection = introspect(&server, access_token).await;
    assert_eq!(introspection["sub"], USER_ID.to_string());
    assert_eq!(
        introspection["organizations"],
        json!([ORGANIZATIONS[0].id.to_string()])
    );
    let plain = token_for(&server, &[Scope::Openid]).await;
    let introspection = introspect(&server, field(&plain, "access_token")).await;
    assert_eq!(introspection["organizations"], json!([]));
}

#[tokio::test]
async fn returning_user_asking_for_an_organization_without_prompt_gets_400_invalid_request() {
    let server = start().await;
    let first = organization_request(&server);
    let chosen = ORGANIZATIONS[0].id.to_string();
    let response = consent(
        &server,
        first.url(),
        &[("action", "allow"), ("organizations", &chosen)],
    )
    .await;
    assert_eq!(response.status(), StatusCode::FOUND);
    // Consent given: Polar skips the page, and cannot know which organization to take.
    let again = organization_request(&server);
    let (status, headers, body) = json(consent_data_with_cookie(&server, again.url()).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(
        body,
        json!({"error": "invalid_request",
            "error_description": "sub_type=organization requires selecting an organization"})
    );
    // A user request of the same returning user is redirected with a code.
    let plain = server
        .authorization_request()
        .scope(Scope::Openid)
        .scope(Scope::Email)
        .build()
        .unwrap();
    let response = consent_data_with_cookie(&server, plain.url()).await;
    assert_eq!(response.status(), StatusCode::FOUND);
}

#[tokio::test]
async fn web_grant_for_an_organization_issues_a_down_scoped_user_token() {
    let server = start().await;
    server.register_client(
        TestClient::confidential("polar_ci_test_web_org", "polar_cs_test_web_org")
            .grant_types(["web"]),
    );
    let session = server.web_session_token();
    let organization = ORGANIZATIONS[0].id.to_string();
    let form = [
        ("grant_type", "web"),
        ("client_id", "polar_ci_test_web_org"),
        ("client_secret", "polar_cs_test_web_org"),
        ("session_token", session.secret()),
        ("sub_type", "organization"),
        ("sub", &organization),
        ("scope", "openid"),
    ];
    let (status, _, token) = json(post_form(&server, "/v1/oauth2/token", &form).await).await;
    assert_eq!(status, StatusCode::OK, "{token}");
    let access_token = field(&token, "access_token");
    assert!(access_token.starts_with("polar_at_u_"), "{access_token}");
    let response = post_form(
        &server,
        "/v1/oauth2/introspect",
        &[
            ("token", access_token),
            ("client_id", "polar_ci_test_web_org"),
            ("client_secret", "polar_cs_test_web_org"),
        ],
    )
    .await;
    let (_, _, introspection) = json(response).await;
    assert_eq!(introspection["sub"], USER_ID.to_string());
    assert_eq!(introspection["organizations"], json!([organization]));
}
