//! The authorization code flow as an app runs it against the embedded server: the
//! library's request, callback and exchange, and the callback's checks.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use polar_oauth2::{
    AuthorizationCode, AuthorizeResponse, CallbackError, CsrfToken, OAuthErrorCode, Scope, SubType,
};
use polar_oauth2::{AuthorizationError, parse_callback};
use polar_oauth2_test_server::{
    CONFIDENTIAL_CLIENT_ID, ORGANIZATIONS, PUBLIC_CLIENT_ID, REDIRECT_URI, USER_EMAIL, USER_ID,
};
use reqwest::StatusCode;
use serde_json::Value;
use std::time::Duration;
use support::{approve, assert_oauth, exchange, start_with_client};

/// A plain HTTP client for what the facade cannot send (or does not show): raw bodies,
/// headers, redirects.
fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn json(response: reqwest::Response) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let status = response.status();
    let headers = response.headers().clone();
    (status, headers, response.json().await.unwrap())
}

#[tokio::test]
async fn whole_flow_through_the_public_api() {
    let (server, client) = start_with_client().await;
    let credentials = server.confidential_client();
    let pending = server
        .authorization_request()
        .scope(Scope::Openid)
        .scope(Scope::Email)
        .random_nonce()
        .build()
        .unwrap();

    // The consent screen's data, as Polar's page reads it for the signed-in user.
    let consent = client
        .consent_data(&server.web_session_token(), &pending.authorize_params())
        .await
        .unwrap();
    let AuthorizeResponse::User(user) = &consent else {
        panic!("expected the user arm: {consent:?}")
    };
    let sub = user.sub.as_ref().unwrap();
    assert_eq!((sub.id, sub.email.as_str()), (USER_ID, USER_EMAIL));
    assert_eq!(consent.scopes(), [Scope::Openid, Scope::Email]);
    assert_eq!(consent.client().client_id, CONFIDENTIAL_CLIENT_ID);
    assert_eq!(
        consent.scope_display_names().get_scope(&Scope::Email),
        Some("Read your email address")
    );

    // Approve, callback, exchange with PKCE.
    let code = approve(&server, &pending);
    assert!(code.secret().starts_with("polar_ac_"));
    let token = exchange(&client, &credentials, &pending, code)
        .await
        .unwrap();
    assert!(token.access_token().secret().starts_with("polar_at_u_"));
    assert_eq!(token.expires_in(), Some(Duration::from_secs(864_000)));
    assert_eq!(token.scope().to_string(), "openid email");
    assert!(token.id_token().is_some());
    let first_refresh = token.refresh_token().unwrap().clone();
    assert!(first_refresh.secret().starts_with("polar_rt_u_"));

    // Refresh: a new pair, shorter-lived, and the refresh token rotated.
    let refreshed = client.refresh(&credentials, &first_refresh).await.unwrap();
    assert_eq!(refreshed.expires_in(), Some(Duration::from_secs(3600)));
    assert_eq!(refreshed.scope(), token.scope());
    assert!(refreshed.id_token().is_none());
    let second_refresh = refreshed.refresh_token().unwrap().clone();
    assert_ne!(second_refresh, first_refresh);
    assert_ne!(refreshed.access_token(), token.access_token());

    // The old refresh token is revoked; the new one works.
    let e = assert_oauth(
        client.refresh(&credentials, &first_refresh).await,
        StatusCode::BAD_REQUEST,
        OAuthErrorCode::InvalidGrant,
    );
    assert_eq!(e.description, None);
    client.refresh(&credentials, &second_refresh).await.unwrap();
}

#[tokio::test]
async fn public_client_flow_uses_pkce_and_no_secret() {
    let (server, client) = start_with_client().await;
    let pending =
        polar_oauth2::AuthorizationRequest::new(&server.server(), PUBLIC_CLIENT_ID, REDIRECT_URI)
            .endpoint(server.authorization_endpoint())
            .scope(Scope::UserRead)
            .build()
            .unwrap();
    let code = approve(&server, &pending);
    let token = exchange(&client, &server.public_client(), &pending, code)
        .await
        .unwrap();
    assert!(token.access_token().secret().starts_with("polar_at_u_"));
    let refreshed = client
        .refresh(&server.public_client(), token.refresh_token().unwrap())
        .await
        .unwrap();
    assert!(refreshed.refresh_token().is_some());
}

#[tokio::test]
async fn organization_flow_asks_for_one_organization_and_issues_a_user_token() {
    let (server, client) = start_with_client().await;
    let pending = server
        .authorization_request()
        .scope(Scope::ProductsRead)
        .sub_type(SubType::Organization)
        .build()
        .unwrap();
    let consent = client
        .consent_data(&server.web_session_token(), &pending.authorize_params())
        .await
        .unwrap();
    // Polar answers with the user arm and asks the page for exactly one organization (read on
    // the wire: documents before 2026-06 do not describe these two fields).
    assert_eq!(consent.sub_type(), SubType::User, "{consent:?}");
    let url = format!(
        "{}/v1/oauth2/authorize?{}",
        server.base_url(),
        pending.url().split_once('?').unwrap().1
    );
    let cookie = format!("polar_session={}", server.web_session_token().secret());
    let (_, _, body) = json(
        http()
            .get(url)
            .header("cookie", cookie)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(body["requires_single_organization"], true, "{body}");
    let listed: Vec<&str> = body["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = ORGANIZATIONS.iter().map(|o| o.id.to_string()).collect();
    assert_eq!(listed, expected);

    let code = approve(&server, &pending);
    let token = exchange(&client, &server.confidential_client(), &pending, code)
        .await
        .unwrap();
    assert!(token.access_token().secret().starts_with("polar_at_u_"));
    assert!(
        token
            .refresh_token()
            .unwrap()
            .secret()
            .starts_with("polar_rt_u_")
    );
    let introspection = client
        .introspect(&server.confidential_client(), token.access_token())
        .await
        .unwrap();
    let polar_oauth2::Introspection::Active(active) = introspection else {
        panic!("expected an active token")
    };
    assert_eq!(active.sub, USER_ID.to_string());
    assert_eq!(active.organizations, vec![ORGANIZATIONS[0].id.to_string()]);
}

#[tokio::test]
async fn deny_redirects_with_access_denied_and_the_callback_returns_it() {
    let (server, _client) = start_with_client().await;
    let pending = server.authorization_request().build().unwrap();
    let redirected_to = server.deny(pending.url()).unwrap();
    assert!(redirected_to.starts_with(REDIRECT_URI), "{redirected_to}");
    let e = pending.callback(&redirected_to).unwrap_err();
    let CallbackError::Authorization(AuthorizationError {
        code, description, ..
    }) = &e
    else {
        panic!("expected an authorization error: {e:?}")
    };
    assert_eq!(code, &OAuthErrorCode::AccessDenied);
    assert!(description.as_deref().unwrap().contains("denied"));
    assert!(e.to_string().contains("access_denied"), "{e}");
}

#[tokio::test]
async fn callback_with_another_state_is_rejected() {
    let (server, _client) = start_with_client().await;
    let pending = server.authorization_request().build().unwrap();
    let redirected_to = server.approve(pending.url()).unwrap();
    let other = server.authorization_request().build().unwrap();
    assert_eq!(
        other.callback(&redirected_to),
        Err(CallbackError::StateMismatch)
    );
}

/// The callback for a request whose state was `s-0123456789abcdef`.
fn parse(url: &str) -> Result<AuthorizationCode, CallbackError> {
    let expected = CsrfToken::new("s-0123456789abcdef").unwrap();
    parse_callback(url, &expected)
}

#[test]
fn callback_without_state_is_rejected() {
    assert_eq!(
        parse("https://app.example.com/callback?code=polar_ac_x"),
        Err(CallbackError::StateMismatch)
    );
}

#[test]
fn callback_without_code_is_rejected() {
    assert_eq!(
        parse("https://app.example.com/callback?state=s-0123456789abcdef"),
        Err(CallbackError::MissingCode)
    );
    assert_eq!(
        parse("/callback?state=s-0123456789abcdef&code="),
        Err(CallbackError::MissingCode)
    );
}

#[test]
fn callback_with_a_repeated_parameter_is_malformed() {
    let e = parse("/callback?state=s-0123456789abcdef&code=a&code=b").unwrap_err();
    assert!(matches!(e, CallbackError::Malformed(_)), "{e:?}");
}

#[test]
fn error_redirect_with_a_wrong_state_is_a_state_mismatch() {
    assert_eq!(
        parse("/callback?error=access_denied&state=forged"),
        Err(CallbackError::StateMismatch)
    );
}

#[test]
fn error_redirect_keeps_description_and_unknown_codes() {
    let e =
        parse("/callback?error=invalid_sub&error_description=No+such+org&state=s-0123456789abcdef")
            .unwrap_err();
    assert_eq!(
        e,
        CallbackError::Authorization(AuthorizationError {
            code: OAuthErrorCode::Extension("invalid_sub".into()),
            description: Some("No such org".into()),
            uri: None,
        })
    );
}

#[test]
fn csrf_token_debug_is_redacted() {
    let state = CsrfToken::new("secret-state-0123").unwrap();
    assert_eq!(format!("{state:?}"), "CsrfToken([redacted])");
    assert!(state.matches("secret-state-0123"));
    assert!(!state.matches("secret-state-012"));
}
