//! Consent data (`GET /v1/oauth2/authorize`): the query and session it sends, and how both
//! arms of the answer (user, organization) decode.

use polar_oauth2::Error;
use polar_oauth2::{
    AuthorizeParams, AuthorizeResponse, PkceMethod, Scope, ScopeDisplayNames, ScopeSet,
    Server as PolarServer, SessionToken, SubType,
};

use super::pairs;
use super::support::{ORG_SUB, Reply, Server, USER_SUB, authorize_body};

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
