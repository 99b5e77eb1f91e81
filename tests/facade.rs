//! The facade over real HTTP on 127.0.0.1: wire form, headers, decoding, errors.
// Tests state their expectations with unwrap/expect/panic: a failure is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use polar_oauth2::Error;
use polar_oauth2::{
    AccessToken, AuthorizationCode, AuthorizationCodeGrant, AuthorizeParams, AuthorizeResponse,
    ClientCredentials, ClientSecret, OAuthErrorCode, PkceCodeVerifier, PkceMethod,
    RefreshTokenGrant, Scope, ScopeDisplayNames, ScopeSet, Server as PolarServer, SessionToken,
    SubType, TokenRequest, TokenType, WebGrant,
};
use support::{ORG_SUB, Reply, Server, TOKEN_BODY, USER_SUB, authorize_body};

/// Every character class that form encoding can get wrong.
const TRICKY: &str = "a b+c&d=e%f/g?h#i é 日本 🦀";

fn creds() -> ClientCredentials {
    ClientCredentials::confidential(
        format!("polar_ci_test{TRICKY}"),
        ClientSecret::new(format!("polar_cs_test{TRICKY}")),
    )
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

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
async fn authorize_sends_bearer_query_parameters_and_optional_version() {
    let server = Server::reply(Reply::json(200, authorize_body("user", USER_SUB, ""))).await;
    let client = polar_oauth2::Client::builder(PolarServer::Custom(server.base_url.clone()))
        .polar_version("2026-10")
        .build()
        .unwrap();
    let scope: ScopeSet = "openid email".parse().unwrap();
    let params = AuthorizeParams::new("polar_ci_test_client")
        .redirect_uri("https://app.example/cb?x=1&y=2")
        .scope(&scope)
        .state("st&te=1")
        .nonce("n")
        .prompt("consent")
        .code_challenge(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            PkceMethod::S256,
        )
        .sub_type(SubType::User);
    client
        .consent_data(&SessionToken::new("polar_us_test_session"), &params)
        .await
        .unwrap();
    let request = server.only_request();
    assert_eq!(request.method, "GET");
    assert_eq!(request.path(), "/v1/oauth2/authorize");
    // Polar reads the web session from its cookie only.
    assert_eq!(
        request.header("cookie"),
        Some("polar_session=polar_us_test_session")
    );
    assert_eq!(request.header("authorization"), None);
    assert_eq!(request.header("polar-version"), Some("2026-10"));
    assert_eq!(request.header_count("api-version"), 0);
    let mut query = request.query();
    query.sort();
    let mut expected = pairs(&[
        ("client_id", "polar_ci_test_client"),
        (
            "code_challenge",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        ),
        ("code_challenge_method", "S256"),
        ("nonce", "n"),
        ("prompt", "consent"),
        ("redirect_uri", "https://app.example/cb?x=1&y=2"),
        ("response_type", "code"),
        ("scope", "openid email"),
        ("state", "st&te=1"),
        ("sub_type", "user"),
    ]);
    expected.sort();
    assert_eq!(query, expected);
}

async fn authorize(body: String) -> Result<AuthorizeResponse, Error> {
    let server = Server::reply(Reply::json(200, body)).await;
    server
        .client()
        .consent_data(
            &SessionToken::new("polar_at_u_test"),
            &AuthorizeParams::default(),
        )
        .await
}

#[tokio::test]
async fn user_payload_decodes_every_field() {
    let r = authorize(authorize_body("user", USER_SUB, ""))
        .await
        .unwrap();
    let AuthorizeResponse::User(user) = &r else {
        panic!("expected the user arm: {r:?}")
    };
    assert_eq!(r.sub_type(), SubType::User);
    let sub = user.sub.as_ref().unwrap();
    assert_eq!(sub.email, "ada@example.com");
    assert_eq!(sub.id.to_string(), "0b9f7c56-2a57-4c4f-a1b8-6a9d2c3e4f50");
    assert_eq!(sub.avatar_url, None);
    let client = r.client();
    assert_eq!(client.client_id, "polar_ci_test_client");
    assert_eq!(client.client_name.as_deref(), Some("Test App"));
    assert_eq!(client.client_uri.as_deref(), Some("https://app.example"));
    assert_eq!(client.created_at.to_rfc3339(), "2026-01-02T03:04:05+00:00");
    assert!(client.modified_at.is_none() && client.logo_uri.is_none());
    assert!(client.tos_uri.is_none() && client.policy_uri.is_none());
    assert_eq!(r.scopes(), [Scope::Openid, Scope::Email, Scope::OrdersRead]);
    let names = r.scope_display_names();
    assert_eq!(names.len(), 3);
    assert_eq!(
        names.get("orders:read"),
        Some("Read orders made on your organizations")
    );
}

#[tokio::test]
async fn organization_payload_decodes_every_field() {
    let r = authorize(authorize_body("organization", ORG_SUB, ""))
        .await
        .unwrap();
    let AuthorizeResponse::Organization(org) = &r else {
        panic!("expected the organization arm: {r:?}")
    };
    let sub = org.sub.as_ref().unwrap();
    assert_eq!(sub.slug, "acme");
    assert_eq!(sub.avatar_url.as_deref(), Some("https://img.example/a.png"));
    assert_eq!(org.organizations.len(), 1);
    assert_eq!(org.organizations[0].slug, "acme");
}

#[tokio::test]
async fn organization_with_null_sub_decodes_as_organization() {
    let r = authorize(authorize_body("organization", "null", ""))
        .await
        .unwrap();
    assert_eq!(r.sub_type(), SubType::Organization);
    let AuthorizeResponse::Organization(org) = r else {
        unreachable!()
    };
    assert!(org.sub.is_none());
}

#[tokio::test]
async fn user_with_null_sub_decodes_as_user() {
    let r = authorize(authorize_body("user", "null", "")).await.unwrap();
    let AuthorizeResponse::User(user) = r else {
        panic!("expected the user arm")
    };
    assert!(user.sub.is_none());
}

#[tokio::test]
async fn unknown_fields_are_ignored_and_unknown_scopes_kept() {
    let body = authorize_body("user", USER_SUB, r#","brand_new_field":{"x":[1,2]}"#)
        .replace(r#""orders:read"]"#, r#""orders:read","teleport:write"]"#);
    let r = authorize(body).await.unwrap();
    assert_eq!(r.scopes()[3], Scope::Unknown("teleport:write".into()));
}

#[tokio::test]
async fn missing_display_names_fall_back_to_the_spec_default() {
    let body = authorize_body("user", USER_SUB, "").replace(
        r#","scope_display_names":{"openid":"OpenID","email":"Read your email address","orders:read":"Read orders made on your organizations"}"#,
        "",
    );
    let r = authorize(body).await.unwrap();
    let names = r.scope_display_names();
    assert_eq!(names.get("user:read"), Scope::UserRead.display_name());
    assert!(names.get("user:read").is_some());
    assert_eq!(names.len(), ScopeDisplayNames::spec_default().len());
}

#[tokio::test]
async fn unknown_sub_type_is_an_error_naming_it() {
    let err = authorize(authorize_body("team", "null", ""))
        .await
        .unwrap_err();
    let Error::Decode(d) = &err else {
        panic!("expected a decode error: {err:?}")
    };
    assert!(d.message.contains("`team`"), "{err}");
    assert!(err.to_string().contains("oauth2:authorize"), "{err}");
}

#[tokio::test]
async fn missing_required_field_is_named() {
    let body = authorize_body("user", USER_SUB, "")
        .replace(r#""scopes":["openid","email","orders:read"],"#, "");
    let err = authorize(body).await.unwrap_err();
    assert!(err.to_string().contains("missing field `scopes`"), "{err}");
}

/// A token response decoded as a code exchange gets it (a refresh also fills in the refresh
/// token it sent, see `a_refresh_answer_without_a_refresh_token_carries_the_one_sent`).
async fn token(status: u16, body: &str) -> Result<polar_oauth2::Token, Error> {
    let server = Server::reply(Reply::json(status, body)).await;
    server
        .client()
        .exchange_code(
            &creds(),
            AuthorizationCode::new("polar_ac_test"),
            "https://app.example/callback",
            None,
        )
        .await
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

#[tokio::test]
async fn invalid_grant_is_an_oauth_error() {
    let err = token(
        400,
        r#"{"error":"invalid_grant","error_description":"Refresh token revoked"}"#,
    )
    .await
    .unwrap_err();
    let oauth = err.as_oauth().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!(oauth.code, OAuthErrorCode::InvalidGrant);
    assert_eq!(oauth.status.as_u16(), 400);
    assert_eq!(oauth.description.as_deref(), Some("Refresh token revoked"));
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn invalid_client_keeps_www_authenticate() {
    let server = Server::reply(
        Reply::json(401, r#"{"error":"invalid_client"}"#)
            .header("www-authenticate", "Bearer realm=\"polar\"")
            .header("cache-control", "no-store"),
    )
    .await;
    let err = server
        .client()
        .refresh(&creds(), &polar_oauth2::RefreshToken::new("r"))
        .await
        .unwrap_err();
    let oauth = err.as_oauth().unwrap();
    assert_eq!(oauth.code, OAuthErrorCode::InvalidClient);
    assert_eq!(oauth.status.as_u16(), 401);
    assert_eq!(
        oauth.www_authenticate.as_deref(),
        Some("Bearer realm=\"polar\"")
    );
}

#[tokio::test]
async fn unknown_oauth_error_code_is_kept() {
    let err = token(400, r#"{"error":"slow_down"}"#).await.unwrap_err();
    assert_eq!(
        err.as_oauth().unwrap().code,
        OAuthErrorCode::Extension("slow_down".into())
    );
}

#[tokio::test]
async fn polars_error_envelope_keeps_its_name_and_detail() {
    for (status, body, name, detail) in [
        (401, r#"{"detail":"Unauthorized"}"#, None, "Unauthorized"),
        (
            403,
            r#"{"error":"NotPermitted","detail":"Not permitted"}"#,
            Some("NotPermitted"),
            "Not permitted",
        ),
        (404, r#"{"detail":"Not Found"}"#, None, "Not Found"),
    ] {
        let server = Server::reply(Reply::json(status, body)).await;
        let err = server
            .client()
            .consent_data(
                &SessionToken::new("polar_us_test"),
                &AuthorizeParams::default(),
            )
            .await
            .unwrap_err();
        let Error::Polar(polar) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(polar.status.as_u16(), status);
        assert_eq!(polar.error.as_deref(), name);
        assert_eq!(polar.detail, detail);
        assert!(err.to_string().contains(detail), "{err}");
    }
}

/// Polar's 422 carries `"error": "RequestValidationError"` beside FastAPI's list: still a
/// validation error, its issues kept.
#[tokio::test]
async fn polars_validation_envelope_is_a_validation_error() {
    let body = r#"{"error":"RequestValidationError","detail":[{"type":"missing","loc":["body","client_name"],"msg":"Field required","input":{}}]}"#;
    let err = token(422, body).await.unwrap_err();
    let Error::Validation(v) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(v.detail[0].loc, ["body", "client_name"]);
}

#[tokio::test]
async fn validation_error_lists_fields() {
    let body = r#"{"detail":[{"loc":["body","grant_type"],"msg":"Field required","type":"missing"},{"loc":["body",0],"msg":"x","type":"y"}]}"#;
    let err = token(422, body).await.unwrap_err();
    let Error::Validation(v) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(v.detail[0].loc, ["body", "grant_type"]);
    assert_eq!(v.detail[0].kind, "missing");
    assert_eq!(v.detail[1].loc, ["body", "0"]);
    assert!(
        err.to_string().contains("body.grant_type: Field required"),
        "{err}"
    );
}

#[tokio::test]
async fn html_500_is_an_http_error_with_an_excerpt() {
    let server = Server::reply(Reply::with_content_type(
        500,
        "text/html",
        "<html><body>Internal Server Error</body></html>",
    ))
    .await;
    let err = server
        .client()
        .refresh(&creds(), &polar_oauth2::RefreshToken::new("r"))
        .await
        .unwrap_err();
    let Error::Http(http) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(http.status.as_u16(), 500);
    assert_eq!(http.content_type.as_deref(), Some("text/html"));
    assert!(http.excerpt.contains("Internal Server Error"));
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn invalid_json_200_is_a_decode_error_with_position() {
    let err = token(200, r#"{"access_token": "polar_at_u_secret", oops}"#)
        .await
        .unwrap_err();
    let Error::Decode(d) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(d.line, 1);
    assert!(d.column > 0);
    assert!(!err.to_string().contains("polar_at_u_secret"), "{err}");
}

#[tokio::test]
async fn empty_200_is_a_decode_error() {
    let err = token(200, "").await.unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
    assert!(err.to_string().contains("empty body"), "{err}");
}

#[tokio::test]
async fn token_missing_access_token_names_the_field() {
    let err = token(
        200,
        r#"{"token_type":"Bearer","expires_in":1,"scope":"","refresh_token":"polar_rt_u_leak"}"#,
    )
    .await
    .unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("missing field `access_token`"), "{msg}");
    assert!(!msg.contains("polar_rt_u_leak"), "{msg}");
}
