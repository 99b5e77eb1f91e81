//! The token endpoint: the form of each grant (authorization code, refresh, web), its headers,
//! and how a token response decodes.

use polar_oauth2::{
    AuthorizationCode, AuthorizationCodeGrant, ClientCredentials, PkceCodeVerifier,
    RefreshTokenGrant, ScopeSet, SessionToken, SubType, TokenRequest, TokenType, WebGrant,
};

use super::support::{self, Reply, Server, TOKEN_BODY};
use super::{TRICKY, creds, pairs, token};

async fn send(request: TokenRequest) -> support::Recorded {
    let server = Server::reply(Reply::json(200, TOKEN_BODY)).await;
    server.client().request_token(&request).await.unwrap();
    server.only_request()
}

#[tokio::test]
async fn authorization_code_request_sends_authorization_code_grant_type() {
    let redirect = format!("https://app.example/cb?next=/x&y={TRICKY}");
    let grant = AuthorizationCodeGrant::new(
        creds(),
        AuthorizationCode::new(format!("polar_ac_test{TRICKY}")),
        redirect.clone(),
    )
    .code_verifier(PkceCodeVerifier::new(format!("verifier{TRICKY}")));
    let request = send(grant.into()).await;
    let client_id = format!("polar_ci_test{TRICKY}");
    let secret = format!("polar_cs_test{TRICKY}");
    let code = format!("polar_ac_test{TRICKY}");
    let verifier = format!("verifier{TRICKY}");
    assert_eq!(
        request.form(),
        pairs(&[
            ("grant_type", "authorization_code"),
            ("client_id", &client_id),
            ("client_secret", &secret),
            ("code", &code),
            ("redirect_uri", &redirect),
            ("code_verifier", &verifier),
        ])
    );
}

#[tokio::test]
async fn refresh_request_sends_refresh_token_grant_type() {
    let grant = RefreshTokenGrant::new(
        creds(),
        polar_oauth2::RefreshToken::new(format!("polar_rt_u_test{TRICKY}")),
    );
    let request = send(grant.into()).await;
    let (client_id, secret, refresh) = (
        format!("polar_ci_test{TRICKY}"),
        format!("polar_cs_test{TRICKY}"),
        format!("polar_rt_u_test{TRICKY}"),
    );
    assert_eq!(
        request.form(),
        pairs(&[
            ("grant_type", "refresh_token"),
            ("client_id", &client_id),
            ("client_secret", &secret),
            ("refresh_token", &refresh),
        ])
    );
}

#[tokio::test]
async fn web_request_sends_web_grant_type_with_optional_fields() {
    let scope: ScopeSet = "openid orders:read".parse().unwrap();
    let grant = WebGrant::new(creds(), SessionToken::new(format!("session{TRICKY}")))
        .sub_type(SubType::Organization)
        .sub("5f0c4d5e-6a4b-4c1e-9d55-2f2a7c0b1a11")
        .scope(scope);
    let request = send(grant.into()).await;
    let (client_id, secret, session) = (
        format!("polar_ci_test{TRICKY}"),
        format!("polar_cs_test{TRICKY}"),
        format!("session{TRICKY}"),
    );
    assert_eq!(
        request.form(),
        pairs(&[
            ("grant_type", "web"),
            ("client_id", &client_id),
            ("client_secret", &secret),
            ("session_token", &session),
            ("sub_type", "organization"),
            ("sub", "5f0c4d5e-6a4b-4c1e-9d55-2f2a7c0b1a11"),
            ("scope", "openid orders:read"),
        ])
    );
}

#[tokio::test]
async fn public_client_sends_no_client_secret() {
    let grant = AuthorizationCodeGrant::new(
        ClientCredentials::public("polar_ci_test_public"),
        AuthorizationCode::new("polar_ac_test"),
        "http://127.0.0.1:9/cb",
    )
    .code_verifier(PkceCodeVerifier::new("v".repeat(43)));
    let form = send(grant.into()).await.form();
    assert!(form.iter().all(|(k, _)| k != "client_secret"), "{form:?}");
    assert!(form.iter().any(|(k, _)| k == "code_verifier"), "{form:?}");
}

#[tokio::test]
async fn token_request_headers_have_form_content_type_user_agent_and_no_authorization() {
    let request =
        send(RefreshTokenGrant::new(creds(), polar_oauth2::RefreshToken::new("r")).into()).await;
    assert_eq!(request.method, "POST");
    assert_eq!(request.path(), "/v1/oauth2/token");
    assert_eq!(
        request.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        request.header("user-agent"),
        Some(concat!("polar-oauth2-rust/", env!("CARGO_PKG_VERSION")))
    );
    assert_eq!(request.header_count("authorization"), 0);
    assert_eq!(request.header_count("api-version"), 0);
    assert_eq!(request.header_count("polar-version"), 0);
}

#[tokio::test]
async fn token_response_decodes_every_field() {
    let t = token(200, TOKEN_BODY).await.unwrap();
    assert_eq!(t.access_token().secret(), "polar_at_u_test_access");
    assert_eq!(t.token_type(), &TokenType::Bearer);
    assert_eq!(t.expires_in(), Some(std::time::Duration::from_secs(864000)));
    assert!(!t.is_expired());
    assert_eq!(
        t.refresh_token().unwrap().secret(),
        "polar_rt_u_test_refresh"
    );
    assert_eq!(t.id_token().unwrap().secret(), "eyJ.test.sig");
    let scope: ScopeSet = "openid email orders:read".parse().unwrap();
    assert_eq!(t.scope(), &scope);
}

#[tokio::test]
async fn absent_or_null_refresh_and_id_tokens_and_lowercase_bearer() {
    let absent = r#"{"access_token":"polar_at_u_x","token_type":"bearer","expires_in":3600,"scope":"openid"}"#;
    let t = token(200, absent).await.unwrap();
    assert!(t.refresh_token().is_none() && t.id_token().is_none());
    assert_eq!(t.token_type(), &TokenType::Bearer);
    let null = r#"{"access_token":"polar_at_u_x","token_type":"BEARER","expires_in":3600,"scope":"","refresh_token":null,"id_token":null}"#;
    let t = token(200, null).await.unwrap();
    assert!(t.refresh_token().is_none() && t.id_token().is_none());
    assert!(t.scope().is_empty());
}

#[tokio::test]
async fn a_refresh_answer_without_a_refresh_token_carries_the_one_sent() {
    // RFC 6749 §6: the server may leave it out, and the one sent then stays valid.
    for body in [
        r#"{"access_token":"polar_at_u_x","token_type":"Bearer","expires_in":3600,"scope":""}"#,
        r#"{"access_token":"polar_at_u_x","token_type":"Bearer","expires_in":3600,"scope":"","refresh_token":null}"#,
    ] {
        let server = Server::reply(Reply::json(200, body)).await;
        let sent = polar_oauth2::RefreshToken::new("polar_rt_u_test_sent");
        let t = server.client().refresh(&creds(), &sent).await.unwrap();
        assert_eq!(t.refresh_token(), Some(&sent), "{body}");
    }
    let server = Server::reply(Reply::json(200, TOKEN_BODY)).await;
    let sent = polar_oauth2::RefreshToken::new("polar_rt_u_test_sent");
    let t = server.client().refresh(&creds(), &sent).await.unwrap();
    assert_eq!(
        t.refresh_token().unwrap().secret(),
        "polar_rt_u_test_refresh"
    );
}
