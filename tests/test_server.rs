//! The embedded server's seven newer operations and discovery, over real HTTP on 127.0.0.1 with
//! plain reqwest (the facade has its own tests): revoke (RFC 7009), introspect (RFC 7662),
//! userinfo (OpenID Connect Core §5.3), client registration (RFC 7591/7592), ID tokens (RS256)
//! with `/.well-known/openid-configuration` and `/.well-known/jwks.json`, and the connection
//! limits. Each rule is Polar's (`server/polar/oauth2/` in polarsource/polar).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use polar_oauth2::{PendingAuthorization, Scope, SubType};
use polar_oauth2_test_server::{
    CONFIDENTIAL_CLIENT_ID, CONFIDENTIAL_CLIENT_SECRET, ORGANIZATIONS, PUBLIC_CLIENT_ID,
    REDIRECT_URI, TestClient, TestServer, USER_EMAIL, USER_ID,
};
use reqwest::StatusCode;
use ring::signature::{self, RsaPublicKeyComponents};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

// ---- helpers ------------------------------------------------------------------------------

/// A server whose writes are visible at once: these tests speak raw HTTP and use each
/// credential as soon as they get it (the commit lag has tests of its own below).
async fn start() -> TestServer {
    TestServer::builder()
        .commit_delay(Duration::ZERO)
        .start()
        .await
        .unwrap()
}

fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap()
}

async fn json(response: reqwest::Response) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.text().await.unwrap();
    let value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body:?}"));
    (status, headers, value)
}

async fn post_form(server: &TestServer, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    http()
        .post(format!("{}{path}", server.base_url()))
        .form(form)
        .send()
        .await
        .unwrap()
}

/// The whole flow for the confidential client with these scopes: the token response.
async fn token_for(server: &TestServer, scopes: &[Scope]) -> Value {
    token_with(server, scopes, SubType::User, None).await
}

async fn token_with(
    server: &TestServer,
    scopes: &[Scope],
    sub_type: SubType,
    nonce: Option<&str>,
) -> Value {
    let mut request = server.authorization_request().sub_type(sub_type);
    for scope in scopes {
        request = request.scope(scope.clone());
    }
    if let Some(nonce) = nonce {
        request = request.nonce(nonce);
    }
    let pending = request.build().unwrap();
    exchange(
        server,
        &pending,
        CONFIDENTIAL_CLIENT_ID,
        Some(CONFIDENTIAL_CLIENT_SECRET),
    )
    .await
}

async fn exchange(
    server: &TestServer,
    pending: &PendingAuthorization,
    client_id: &str,
    client_secret: Option<&str>,
) -> Value {
    let code = pending
        .callback(&server.approve(pending.url()).unwrap())
        .unwrap();
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("client_id", client_id),
        ("code", code.secret()),
        ("redirect_uri", pending.redirect_uri()),
        ("code_verifier", pending.pkce_verifier().secret()),
    ];
    if let Some(secret) = client_secret {
        form.push(("client_secret", secret));
    }
    let (status, _, body) = json(post_form(server, "/v1/oauth2/token", &form).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

fn field<'a>(body: &'a Value, name: &str) -> &'a str {
    body[name]
        .as_str()
        .unwrap_or_else(|| panic!("no {name}: {body}"))
}

async fn revoke(server: &TestServer, token: &str, hint: Option<&str>) -> reqwest::Response {
    let mut form = vec![
        ("token", token),
        ("client_id", CONFIDENTIAL_CLIENT_ID),
        ("client_secret", CONFIDENTIAL_CLIENT_SECRET),
    ];
    if let Some(hint) = hint {
        form.push(("token_type_hint", hint));
    }
    post_form(server, "/v1/oauth2/revoke", &form).await
}

async fn introspect(server: &TestServer, token: &str) -> Value {
    let response = post_form(
        server,
        "/v1/oauth2/introspect",
        &[
            ("token", token),
            ("client_id", CONFIDENTIAL_CLIENT_ID),
            ("client_secret", CONFIDENTIAL_CLIENT_SECRET),
        ],
    )
    .await;
    let (status, headers, body) = json(response).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(headers["cache-control"], "no-store");
    body
}

async fn userinfo(server: &TestServer, bearer: &str) -> reqwest::Response {
    http()
        .get(format!("{}/v1/oauth2/userinfo", server.base_url()))
        .bearer_auth(bearer)
        .send()
        .await
        .unwrap()
}

fn b64(part: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(part).unwrap()
}

/// Verify an RS256 JWT with the JWKS the server publishes; its header and claims.
fn verify_with_jwks(jwt: &str, jwks: &Value) -> (Value, Value) {
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3, "{jwt}");
    let header: Value = serde_json::from_slice(&b64(parts[0])).unwrap();
    // Polar's ID tokens name no `kid`: the set's only key (a verifier's fallback).
    assert_eq!(header, json!({"typ": "JWT", "alg": "RS256"}));
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1, "{jwks}");
    let key = &keys[0];
    assert_eq!(key["kty"], "RSA");
    let public = RsaPublicKeyComponents {
        n: b64(key["n"].as_str().unwrap()),
        e: b64(key["e"].as_str().unwrap()),
    };
    public
        .verify(
            &signature::RSA_PKCS1_2048_8192_SHA256,
            format!("{}.{}", parts[0], parts[1]).as_bytes(),
            &b64(parts[2]),
        )
        .expect("signature verifies with the published key");
    let claims: Value = serde_json::from_slice(&b64(parts[1])).unwrap();
    (header, claims)
}

// ---- revoke (RFC 7009) --------------------------------------------------------------------

#[tokio::test]
async fn revoked_access_token_fails_introspection_and_userinfo() {
    let server = start().await;
    let token = token_for(&server, &[Scope::Openid, Scope::Email]).await;
    let access = field(&token, "access_token");
    assert_eq!(introspect(&server, access).await["active"], true);
    assert_eq!(userinfo(&server, access).await.status(), StatusCode::OK);

    let (status, headers, body) = json(revoke(&server, access, Some("access_token")).await).await;
    assert_eq!((status, &body), (StatusCode::OK, &json!({})));
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["pragma"], "no-cache");

    assert_eq!(introspect(&server, access).await, json!({"active": false}));
    let response = userinfo(&server, access).await;
    let challenge = response.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    let (status, _, body) = json(response).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "invalid_token");
    assert!(
        challenge.starts_with("Bearer realm=\"polar\"")
            && challenge.contains("error=\"invalid_token\""),
        "{challenge}"
    );
}

#[tokio::test]
async fn revoking_the_refresh_token_revokes_its_access_token_and_stops_refresh() {
    let server = start().await;
    let token = token_for(&server, &[Scope::UserRead]).await;
    let refresh = field(&token, "refresh_token");
    let (status, _, _) = json(revoke(&server, refresh, None).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        introspect(&server, field(&token, "access_token")).await,
        json!({"active": false})
    );
    let (status, _, body) = json(
        post_form(
            &server,
            "/v1/oauth2/token",
            &[
                ("grant_type", "refresh_token"),
                ("client_id", CONFIDENTIAL_CLIENT_ID),
                ("client_secret", CONFIDENTIAL_CLIENT_SECRET),
                ("refresh_token", refresh),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn revoking_an_unknown_or_already_revoked_token_is_200() {
    let server = start().await;
    let token = token_for(&server, &[Scope::UserRead]).await;
    let access = field(&token, "access_token");
    for token in [access, access, "polar_at_u_not_a_token"] {
        let (status, _, body) = json(revoke(&server, token, None).await).await;
        assert_eq!((status, body), (StatusCode::OK, json!({})), "{token}");
    }
}

#[tokio::test]
async fn revoking_another_clients_token_is_invalid_grant_and_leaves_it_active() {
    let server = start().await;
    server.register_client(TestClient::confidential(
        "polar_ci_test_other",
        "polar_cs_test_other",
    ));
    let token = token_for(&server, &[Scope::UserRead]).await;
    let access = field(&token, "access_token");
    let (status, _, body) = json(
        post_form(
            &server,
            "/v1/oauth2/revoke",
            &[
                ("token", access),
                ("client_id", "polar_ci_test_other"),
                ("client_secret", "polar_cs_test_other"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    assert_eq!(introspect(&server, access).await["active"], true);
}

#[tokio::test]
async fn revoke_needs_client_credentials_and_a_token() {
    let server = start().await;
    // A public client cannot authenticate at the revocation endpoint (Polar: basic/post only).
    let (status, headers, body) = json(
        post_form(
            &server,
            "/v1/oauth2/revoke",
            &[("token", "x"), ("client_id", PUBLIC_CLIENT_ID)],
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
    assert!(headers.contains_key("www-authenticate"));
    let (status, _, body) = json(
        post_form(
            &server,
            "/v1/oauth2/revoke",
            &[
                ("client_id", CONFIDENTIAL_CLIENT_ID),
                ("client_secret", "polar_cs_test_wrong"),
                ("token", "x"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
    let (status, _, body) = json(
        post_form(
            &server,
            "/v1/oauth2/revoke",
            &[
                ("client_id", CONFIDENTIAL_CLIENT_ID),
                ("client_secret", CONFIDENTIAL_CLIENT_SECRET),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_request"))
    );
    let (status, _, body) = json(revoke(&server, "x", Some("id_token")).await).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("unsupported_token_type"))
    );
}

#[tokio::test]
async fn revoke_accepts_client_secret_basic() {
    let server = start().await;
    let token = token_for(&server, &[Scope::UserRead]).await;
    let access = field(&token, "access_token");
    let response = http()
        .post(format!("{}/v1/oauth2/revoke", server.base_url()))
        .basic_auth(CONFIDENTIAL_CLIENT_ID, Some(CONFIDENTIAL_CLIENT_SECRET))
        .form(&[("token", access)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(introspect(&server, access).await["active"], false);
}

// ---- introspect (RFC 7662) ----------------------------------------------------------------

#[tokio::test]
async fn active_token_introspection_has_every_spec_field() {
    let server = start().await;
    let token = token_for(&server, &[Scope::Openid, Scope::UserRead]).await;
    for name in ["access_token", "refresh_token"] {
        let body = introspect(&server, field(&token, name)).await;
        let exp = body["exp"].as_u64().unwrap();
        let iat = body["iat"].as_u64().unwrap();
        assert_eq!(exp - iat, 864_000, "{body}");
        assert_eq!(
            body,
            json!({
                "active": true,
                "client_id": CONFIDENTIAL_CLIENT_ID,
                // What Polar stores and returns, not the spec's enum.
                "token_type": "Bearer",
                "scope": "openid user:read",
                "sub_type": "user",
                "sub": USER_ID.to_string(),
                "organizations": [],
                "aud": CONFIDENTIAL_CLIENT_ID,
                "iss": "https://polar.sh",
                "exp": exp,
                "iat": iat,
            }),
            "{name}"
        );
    }
}

#[tokio::test]
async fn unknown_expired_or_other_clients_tokens_are_inactive() {
    let server = start().await;
    server.register_client(TestClient::confidential(
        "polar_ci_test_other",
        "polar_cs_test_other",
    ));
    let token = token_for(&server, &[Scope::UserRead]).await;
    let access = field(&token, "access_token");
    assert_eq!(
        introspect(&server, "polar_at_u_unknown").await,
        json!({"active": false})
    );
    let (_, _, body) = json(
        post_form(
            &server,
            "/v1/oauth2/introspect",
            &[
                ("token", access),
                ("client_id", "polar_ci_test_other"),
                ("client_secret", "polar_cs_test_other"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(body, json!({"active": false}));
    server.advance(Duration::from_secs(864_001));
    assert_eq!(introspect(&server, access).await, json!({"active": false}));
}

#[tokio::test]
async fn introspection_respects_the_token_type_hint() {
    let server = start().await;
    let token = token_for(&server, &[Scope::UserRead]).await;
    let (_, _, body) = json(
        post_form(
            &server,
            "/v1/oauth2/introspect",
            &[
                ("token", field(&token, "access_token")),
                ("token_type_hint", "refresh_token"),
                ("client_id", CONFIDENTIAL_CLIENT_ID),
                ("client_secret", CONFIDENTIAL_CLIENT_SECRET),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(body, json!({"active": false}));
}

#[tokio::test]
async fn introspect_without_credentials_is_401_invalid_client() {
    let server = start().await;
    let (status, _, body) =
        json(post_form(&server, "/v1/oauth2/introspect", &[("token", "x")]).await).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
}

// ---- userinfo (OpenID Connect Core §5.3, Polar's userinfo.py) ------------------------------

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
    let response = http()
        .get(format!("{}/v1/oauth2/userinfo", server.base_url()))
        .send()
        .await
        .unwrap();
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

// ---- client registration (RFC 7591, RFC 7592) ---------------------------------------------

fn register_body() -> Value {
    json!({
        "client_name": "My Test App",
        "redirect_uris": ["http://localhost:3000/callback", "https://app.example.com/cb"],
        "scope": "openid email user:read",
    })
}

async fn create_client(
    server: &TestServer,
    bearer: Option<&str>,
    body: &Value,
) -> reqwest::Response {
    let mut request = http()
        .post(format!("{}/v1/oauth2/register", server.base_url()))
        .json(body);
    if let Some(bearer) = bearer {
        request = request.bearer_auth(bearer);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn registration_returns_what_polar_returns_and_the_client_works() {
    let server = start().await;
    let cookie = format!("polar_session={}", server.web_session_token().secret());
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
    let pending = polar_oauth2::AuthorizationRequest::new(
        &server.server(),
        &client_id,
        "https://app.example.com/cb",
    )
    .endpoint(server.authorization_endpoint())
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

    let (status, _, read) = json(http().get(&url).bearer_auth(crt).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(read, created);

    // The web session does not own an anonymous client; no credential is access_denied.
    let session = server.web_session_token();
    let (status, _, body) = json(
        http()
            .get(&url)
            .header("cookie", format!("polar_session={}", session.secret()))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
    let (status, _, body) = json(http().get(&url).send().await.unwrap()).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("access_denied"))
    );
    let (status, _, body) = json(
        http()
            .get(&url)
            .bearer_auth("polar_crt_wrong")
            .send()
            .await
            .unwrap(),
    )
    .await;
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
    let (status, _, _) = json(http().get(&url).bearer_auth(crt).send().await.unwrap()).await;
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
    let pending = polar_oauth2::AuthorizationRequest::new(
        &server.server(),
        client_id,
        "http://localhost:3000/callback",
    )
    .endpoint(server.authorization_endpoint())
    .scope(Scope::Openid)
    .build()
    .unwrap();
    let token = exchange(&server, &pending, client_id, None).await;
    assert!(field(&token, "access_token").starts_with("polar_at_u_"));
}

#[tokio::test]
async fn the_test_clients_are_the_users_and_have_registration_tokens() {
    let server = start().await;
    let url = format!(
        "{}/v1/oauth2/register/{CONFIDENTIAL_CLIENT_ID}",
        server.base_url()
    );
    let session = server.web_session_token();
    let (status, _, by_session) = json(
        http()
            .get(&url)
            .header("cookie", format!("polar_session={}", session.secret()))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{by_session}");
    assert_eq!(by_session["client_secret"], CONFIDENTIAL_CLIENT_SECRET);
    let crt = server
        .registration_access_token(CONFIDENTIAL_CLIENT_ID)
        .unwrap();
    let (_, _, by_token) = json(
        http()
            .get(&url)
            .bearer_auth(crt.secret())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(by_token, by_session);
    assert!(
        server
            .registration_access_token("polar_ci_unknown")
            .is_none()
    );
}

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

// ---- ID tokens and discovery --------------------------------------------------------------

#[tokio::test]
async fn discovery_points_at_this_server_and_agrees_with_the_id_tokens() {
    let server = start().await;
    let base = server.base_url();
    let (status, _, config) = json(
        http()
            .get(server.openid_configuration_url())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(config["issuer"], server.issuer());
    assert_eq!(config["issuer"], "https://polar.sh");
    // The page is on the "web app" origin, as Polar's is its web app's, not an API route.
    assert_eq!(
        config["authorization_endpoint"],
        server.authorization_endpoint()
    );
    assert!(!server.authorization_endpoint().starts_with(base));
    for (key, path) in [
        ("token_endpoint", "/v1/oauth2/token"),
        ("jwks_uri", "/.well-known/jwks.json"),
        ("userinfo_endpoint", "/v1/oauth2/userinfo"),
        ("revocation_endpoint", "/v1/oauth2/revoke"),
        ("introspection_endpoint", "/v1/oauth2/introspect"),
        ("registration_endpoint", "/v1/oauth2/register"),
    ] {
        assert_eq!(config[key], format!("{base}{path}"), "{key}");
    }
    assert_eq!(
        config["id_token_signing_alg_values_supported"],
        json!(["RS256"])
    );
    assert_eq!(config["subject_types_supported"], json!(["public"]));
    assert_eq!(
        config["claims_supported"],
        json!(["sub", "name", "email", "email_verified"])
    );
    assert_eq!(
        config["code_challenge_methods_supported"],
        json!(["plain", "S256"])
    );
    let scopes: Vec<&str> = config["scopes_supported"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(scopes, polar_scopes_supported());
    let members: Vec<&str> = config
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut members = members;
    members.sort_unstable();
    let mut polars = vec![
        "issuer",
        "authorization_endpoint",
        "token_endpoint",
        "jwks_uri",
        "registration_endpoint",
        "scopes_supported",
        "response_types_supported",
        "response_modes_supported",
        "grant_types_supported",
        "token_endpoint_auth_methods_supported",
        "service_documentation",
        "revocation_endpoint",
        "revocation_endpoint_auth_methods_supported",
        "introspection_endpoint",
        "introspection_endpoint_auth_methods_supported",
        "code_challenge_methods_supported",
        "userinfo_endpoint",
        "subject_types_supported",
        "id_token_signing_alg_values_supported",
        "claims_supported",
    ];
    polars.sort_unstable();
    assert_eq!(members, polars);
    assert_eq!(
        config["grant_types_supported"],
        json!(["authorization_code", "web", "refresh_token"])
    );

    let (status, _, jwks) = json(
        http()
            .get(format!("{base}/.well-known/jwks.json"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(jwks, server.jwks_json());
    let key = &jwks["keys"][0];
    assert_eq!(key["kid"], server.signing_key_id());
    assert_eq!(key["kty"], "RSA");
    // Polar publishes `n`, `e`, `kty` and a named `kid`: no `use`, no `alg`.
    let mut members: Vec<&str> = key
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    members.sort_unstable();
    assert_eq!(members, ["e", "kid", "kty", "n"], "{key}");
    assert_eq!(key["e"], "AQAB");
    assert_eq!(b64(key["n"].as_str().unwrap()).len(), 256);
    assert!(
        key.get("d").is_none(),
        "private members must not be published: {key}"
    );

    let token = token_with(
        &server,
        &[Scope::Openid, Scope::Email],
        SubType::User,
        Some("n-0S6_WzA2Mj"),
    )
    .await;
    let (header, claims) = verify_with_jwks(field(&token, "id_token"), &jwks);
    assert_eq!(header["alg"], "RS256");
    assert_eq!(claims["iss"], config["issuer"]);
}

/// Polar's `SCOPES_SUPPORTED`: the spec's scopes but the reserved `web:*` (older documents
/// still list them) and the organization access token scopes, which Polar keeps out.
fn polar_scopes_supported() -> Vec<&'static str> {
    Scope::KNOWN
        .iter()
        .map(|s| s.as_str())
        .filter(|s| !s.starts_with("web:") && !s.starts_with("organization_access_tokens:"))
        .collect()
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

#[tokio::test]
async fn id_token_claims_are_polars() {
    let server = start().await;
    let token = token_with(
        &server,
        &[Scope::Openid, Scope::Email, Scope::Profile],
        SubType::User,
        Some("nonce-1"),
    )
    .await;
    let (_, claims) = verify_with_jwks(field(&token, "id_token"), &server.jwks_json());
    let access = field(&token, "access_token");
    let hash = ring::digest::digest(&ring::digest::SHA256, access.as_bytes());
    assert_eq!(
        claims["at_hash"],
        URL_SAFE_NO_PAD.encode(&hash.as_ref()[..16])
    );
    assert_eq!(claims["aud"], json!([CONFIDENTIAL_CLIENT_ID]));
    assert_eq!(claims["nonce"], "nonce-1");
    assert_eq!(claims["sub"], USER_ID.to_string());
    assert_eq!(claims["email"], USER_EMAIL);
    assert_eq!(claims["email_verified"], true);
    assert!(
        claims.get("name").is_none(),
        "Polar gives users no name claim: {claims}"
    );
    assert!(claims["auth_time"].as_u64().unwrap() <= claims["iat"].as_u64().unwrap());

    let without_nonce = token_for(&server, &[Scope::Openid]).await;
    let (_, claims) = verify_with_jwks(field(&without_nonce, "id_token"), &server.jwks_json());
    // authlib 1.7 copies the code's missing nonce as null.
    assert!(claims.get("nonce").is_some_and(Value::is_null), "{claims}");
    assert!(claims.get("email").is_none(), "{claims}");

    let org = token_with(&server, &[Scope::Openid], SubType::Organization, None).await;
    let (_, claims) = verify_with_jwks(field(&org, "id_token"), &server.jwks_json());
    assert_eq!(claims["sub"], USER_ID.to_string());
    assert!(claims.get("name").is_none(), "{claims}");
}

#[tokio::test]
async fn sign_id_token_signs_chosen_claims_with_the_published_key() {
    let server = start().await;
    let claims = json!({"iss": "https://evil.example", "aud": ["someone"], "exp": 1});
    let jwt = server.sign_id_token(&claims).unwrap();
    let (_, signed) = verify_with_jwks(&jwt, &server.jwks_json());
    assert_eq!(signed, claims);
    assert_eq!(
        server.jwks_json()["keys"][0]["kid"],
        server.signing_key_id()
    );
}

// ---- connection limits --------------------------------------------------------------------

#[tokio::test]
async fn slowloris_connection_is_closed_after_the_header_read_timeout() {
    let server = TestServer::builder()
        .commit_delay(Duration::ZERO)
        .header_read_timeout(Duration::from_millis(300))
        .start()
        .await
        .unwrap();
    let address = server.base_url().trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let started = Instant::now();
    // Headers that never end, one byte every 100 ms.
    let closed = async {
        for byte in b"GET /.well-known/jwks.json HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" {
            if stream.write_all(&[*byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(5), closed)
        .await
        .ok();
    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut rest)).await;
    let elapsed = started.elapsed();
    assert!(read.is_ok(), "connection still open after {elapsed:?}");
    assert!(
        elapsed < Duration::from_secs(3),
        "closed only after {elapsed:?}"
    );
    eprintln!("slowloris connection closed after {elapsed:?}");
}

#[tokio::test]
async fn slow_body_gets_408() {
    let server = TestServer::builder()
        .commit_delay(Duration::ZERO)
        .body_read_timeout(Duration::from_millis(300))
        .start()
        .await
        .unwrap();
    let address = server.base_url().trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    stream
        .write_all(b"POST /v1/oauth2/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\ngrant_type=")
        .await
        .unwrap();
    let mut answer = vec![0; 1024];
    let started = Instant::now();
    let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut answer))
        .await
        .expect("an answer before the body is complete")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn oversized_body_is_413() {
    let server = start().await;
    let big = "a".repeat(100 * 1024);
    let response = post_form(&server, "/v1/oauth2/revoke", &[("token", &big)]).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn unknown_paths_and_methods_get_fastapis_errors() {
    let server = start().await;
    let (status, _, body) = json(
        http()
            .get(format!("{}/v1/nothing", server.base_url()))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body),
        (StatusCode::NOT_FOUND, json!({"detail": "Not Found"}))
    );
    let (status, headers, body) = json(
        http()
            .get(format!("{}/v1/oauth2/revoke", server.base_url()))
            .send()
            .await
            .unwrap(),
    )
    .await;
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

// ---- the facade against the embedded server -----------------------------------------------

/// Polar answers registration with `201 Created` (authlib's `create_registration_response`)
/// where the spec says 200: the facade takes any 2xx as the success it is.
#[tokio::test]
async fn facade_registers_a_client_against_the_embedded_server() {
    use polar_oauth2::ClientRegistration;
    let server = start().await;
    let client = server.client().unwrap();
    let registered = client
        .register_client(None, &ClientRegistration::new("Facade App", [REDIRECT_URI]))
        .await
        .unwrap();
    assert!(registered.client_id.starts_with("polar_ci_"));
}

#[tokio::test]
async fn facade_runs_the_newer_operations_against_the_embedded_server() {
    use polar_oauth2::{
        ClientCredentials, ClientRegistration, ClientSecret, ClientUpdate, IntrospectedTokenType,
        RegistrationAccessToken,
    };

    let server = start().await;
    let client = server.client().unwrap();

    // Registered over plain HTTP (see the ignored test above), managed through the facade.
    let (status, _, created) = json(
        create_client(
            &server,
            None,
            &json!({
                "client_name": "Facade App", "redirect_uris": [REDIRECT_URI],
            }),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let client_id = field(&created, "client_id").to_owned();
    let crt = RegistrationAccessToken::new(field(&created, "registration_access_token"));
    let read = client.get_client(&crt, &client_id).await.unwrap();
    assert_eq!(read.client_name.as_deref(), Some("Facade App"));
    let updated = client
        .update_client(
            &crt,
            &ClientUpdate::new(
                &client_id,
                ClientRegistration::new("Renamed App", [REDIRECT_URI]),
            ),
        )
        .await
        .unwrap();
    assert_eq!(updated.client_name.as_deref(), Some("Renamed App"));

    // The new client through the flow, then userinfo, introspect, revoke.
    let credentials = ClientCredentials::confidential(
        &client_id,
        ClientSecret::new(field(&created, "client_secret")),
    );
    let pending =
        polar_oauth2::AuthorizationRequest::new(&server.server(), &client_id, REDIRECT_URI)
            .endpoint(server.authorization_endpoint())
            .scope(Scope::Openid)
            .scope(Scope::Email)
            .build()
            .unwrap();
    let code = pending
        .callback(&server.approve(pending.url()).unwrap())
        .unwrap();
    let token = client
        .exchange_code(
            &credentials,
            code,
            pending.redirect_uri(),
            Some(pending.pkce_verifier().clone()),
        )
        .await
        .unwrap();
    let info = client.userinfo(token.access_token()).await.unwrap();
    assert_eq!(info.sub, USER_ID.to_string());
    assert_eq!(info.email.as_deref(), Some(USER_EMAIL));
    let active = client
        .introspect(&credentials, token.access_token())
        .await
        .unwrap();
    let claims = active.active().expect("active");
    assert_eq!(
        claims.token_type,
        IntrospectedTokenType::Other("Bearer".into())
    );
    client
        .revoke(&credentials, token.access_token())
        .await
        .unwrap();
    assert!(
        !client
            .introspect(&credentials, token.access_token())
            .await
            .unwrap()
            .is_active()
    );
    assert!(client.userinfo(token.access_token()).await.is_err());

    // Polar answers 204; the facade takes any 2xx (older documents said 200 with a body).
    client.delete_client(&crt, &client_id).await.unwrap();
    assert!(client.get_client(&crt, &client_id).await.is_err());
}

#[tokio::test]
async fn silent_connection_is_closed_after_the_header_read_timeout() {
    let server = TestServer::builder()
        .commit_delay(Duration::ZERO)
        .header_read_timeout(Duration::from_millis(300))
        .start()
        .await
        .unwrap();
    let address = server.base_url().trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let started = Instant::now();
    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut rest)).await;
    assert!(read.is_ok(), "a connection that sends nothing stays open");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn idle_keep_alive_connection_is_closed_after_the_header_read_timeout() {
    let server = TestServer::builder()
        .commit_delay(Duration::ZERO)
        .header_read_timeout(Duration::from_millis(300))
        .start()
        .await
        .unwrap();
    let address = server.base_url().trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    stream
        .write_all(b"GET /.well-known/jwks.json HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    let mut rest = Vec::new();
    // The first answer arrives, then the idle connection must be closed.
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut rest)).await;
    assert!(String::from_utf8_lossy(&rest).starts_with("HTTP/1.1 200"));
    assert!(read.is_ok(), "an idle keep-alive connection stays open");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
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
async fn consent_data_shows_a_registered_clients_metadata() {
    let server = start().await;
    let mut body = register_body();
    body["client_uri"] = json!("https://app.example.com");
    body["logo_uri"] = json!("https://app.example.com/logo.png");
    let (_, _, created) = json(create_client(&server, None, &body).await).await;
    assert_eq!(created["client_uri"], "https://app.example.com");
    let client_id = field(&created, "client_id");
    let pending = polar_oauth2::AuthorizationRequest::new(
        &server.server(),
        client_id,
        "https://app.example.com/cb",
    )
    .endpoint(server.authorization_endpoint())
    .scope(Scope::Openid)
    .build()
    .unwrap();
    let query = pending.url().split_once('?').unwrap().1.to_owned();
    let session = server.web_session_token();
    let (status, _, consent) = json(
        http()
            .get(format!("{}/v1/oauth2/authorize?{query}", server.base_url()))
            .header("cookie", format!("polar_session={}", session.secret()))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{consent}");
    assert_eq!(consent["client"]["client_name"], "My Test App");
    assert_eq!(consent["client"]["client_uri"], "https://app.example.com");
    assert_eq!(
        consent["client"]["logo_uri"],
        "https://app.example.com/logo.png"
    );
    assert!(consent["client"]["tos_uri"].is_null());
}

// ---- the organization flow as Polar runs it since 2026-06 ----------------------------------

/// The browser's step as Polar's web app does it: `GET /v1/oauth2/authorize` with the session
/// cookie.
async fn consent_data_with_cookie(server: &TestServer, url: &str) -> reqwest::Response {
    let query = url.split_once('?').map_or("", |(_, q)| q);
    http()
        .get(format!("{}/v1/oauth2/authorize?{query}", server.base_url()))
        .header(
            "cookie",
            format!("polar_session={}", server.web_session_token().secret()),
        )
        .send()
        .await
        .unwrap()
}

/// `POST /v1/oauth2/consent?<query>` with the session cookie and the form.
async fn consent(server: &TestServer, url: &str, form: &[(&str, &str)]) -> reqwest::Response {
    let query = url.split_once('?').map_or("", |(_, q)| q);
    http()
        .post(format!("{}/v1/oauth2/consent?{query}", server.base_url()))
        .header(
            "cookie",
            format!("polar_session={}", server.web_session_token().secret()),
        )
        .form(form)
        .send()
        .await
        .unwrap()
}

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

// ---- who may read consent data and register clients: the web session cookie only ----------

async fn consent_data_with_bearer(
    server: &TestServer,
    url: &str,
    bearer: &str,
) -> reqwest::Response {
    let query = url.split_once('?').map_or("", |(_, q)| q);
    http()
        .get(format!("{}/v1/oauth2/authorize?{query}", server.base_url()))
        .bearer_auth(bearer)
        .send()
        .await
        .unwrap()
}

const INVALID_TOKEN_DESCRIPTION: &str =
    "The access token provided is expired, revoked, malformed, or invalid for other reasons.";

fn assert_authlib_invalid_token(
    status: StatusCode,
    headers: &reqwest::header::HeaderMap,
    body: &Value,
) {
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(
        body,
        &json!({"error": "invalid_token", "error_description": INVALID_TOKEN_DESCRIPTION})
    );
    assert_eq!(
        headers["www-authenticate"],
        format!(
            "Bearer realm=\"polar\", error=\"invalid_token\", error_description=\"{INVALID_TOKEN_DESCRIPTION}\""
        )
    );
}

#[tokio::test]
async fn the_web_session_as_a_bearer_is_an_invalid_token_for_consent_data_and_registration() {
    let server = start().await;
    let session = server.web_session_token();
    let pending = server
        .authorization_request()
        .scope(Scope::Openid)
        .build()
        .unwrap();
    let (status, headers, body) =
        json(consent_data_with_bearer(&server, pending.url(), session.secret()).await).await;
    assert_authlib_invalid_token(status, &headers, &body);
    let (status, headers, body) =
        json(create_client(&server, Some(session.secret()), &register_body()).await).await;
    assert_authlib_invalid_token(status, &headers, &body);
    let url = format!(
        "{}/v1/oauth2/register/{CONFIDENTIAL_CLIENT_ID}",
        server.base_url()
    );
    let (status, headers, body) = json(
        http()
            .get(&url)
            .bearer_auth(session.secret())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_authlib_invalid_token(status, &headers, &body);
}

#[tokio::test]
async fn api_tokens_are_not_permitted_to_read_consent_data_or_manage_clients() {
    let server = start().await;
    let pending = server
        .authorization_request()
        .scope(Scope::Openid)
        .build()
        .unwrap();
    let token = token_for(&server, &[Scope::Openid]).await;
    let pat = server.personal_access_token();
    let url = format!(
        "{}/v1/oauth2/register/{CONFIDENTIAL_CLIENT_ID}",
        server.base_url()
    );
    for bearer in [field(&token, "access_token"), pat.secret()] {
        let (status, _, body) =
            json(consent_data_with_bearer(&server, pending.url(), bearer).await).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert_eq!(
            body,
            json!({"error": "NotPermitted", "detail": "Not permitted"})
        );
        let (status, _, body) =
            json(http().get(&url).bearer_auth(bearer).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert_eq!(
            body,
            json!({"error": "NotPermitted", "detail": "Not permitted"})
        );
    }
}

#[tokio::test]
async fn consent_data_without_a_session_is_401_unauthorized() {
    let server = start().await;
    let pending = server
        .authorization_request()
        .scope(Scope::Openid)
        .build()
        .unwrap();
    let query = pending.url().split_once('?').unwrap().1;
    let response = http()
        .get(format!("{}/v1/oauth2/authorize?{query}", server.base_url()))
        .send()
        .await
        .unwrap();
    let (status, _, body) = json(response).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body, json!({"detail": "Unauthorized"}));
}

#[tokio::test]
async fn registration_and_management_take_the_session_cookie() {
    let server = start().await;
    let cookie = format!("polar_session={}", server.web_session_token().secret());
    let response = http()
        .post(format!("{}/v1/oauth2/register", server.base_url()))
        .header("cookie", &cookie)
        .json(&register_body())
        .send()
        .await
        .unwrap();
    let (status, _, created) = json(response).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let url = format!(
        "{}/v1/oauth2/register/{}",
        server.base_url(),
        field(&created, "client_id")
    );
    let (status, _, read) = json(
        http()
            .get(&url)
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{read}");
    assert_eq!(read["client_id"], created["client_id"]);
}

// ---- Polar-Version and Cache-Control, on every route ----------------------------------------

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
    let pending = server
        .authorization_request()
        .scope(Scope::Openid)
        .build()
        .unwrap();
    let query = pending.url().split_once('?').unwrap().1.to_owned();
    let cookie = format!("polar_session={}", server.web_session_token().secret());
    let responses = [
        (
            "consent data",
            http()
                .get(format!("{base}/v1/oauth2/authorize?{query}"))
                .header("cookie", &cookie)
                .send()
                .await
                .unwrap(),
        ),
        (
            "consent data 401",
            http()
                .get(format!("{base}/v1/oauth2/authorize?{query}"))
                .send()
                .await
                .unwrap(),
        ),
        (
            "userinfo",
            userinfo(&server, field(&token, "access_token")).await,
        ),
        (
            "discovery",
            http()
                .get(server.openid_configuration_url())
                .send()
                .await
                .unwrap(),
        ),
        (
            "jwks",
            http()
                .get(format!("{base}/.well-known/jwks.json"))
                .send()
                .await
                .unwrap(),
        ),
        (
            "registration 422",
            create_client(&server, None, &json!({"redirect_uris": []})).await,
        ),
        (
            "not found",
            http().get(format!("{base}/nowhere")).send().await.unwrap(),
        ),
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

#[tokio::test]
async fn a_nonce_of_a_pending_code_is_a_replay_attack_until_the_code_is_used() {
    let server = start().await;
    let request = || {
        server
            .authorization_request()
            .scope(Scope::Openid)
            .nonce("n-replayed")
            .prompt("consent")
            .build()
            .unwrap()
    };
    let first = request();
    let code = first
        .callback(&server.approve(first.url()).unwrap())
        .unwrap();

    let again = request();
    let response = consent_data_with_cookie(&server, again.url()).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let state = again.state().secret();
    assert_eq!(
        location,
        format!(
            "{REDIRECT_URI}?error=invalid_request&error_description=Replay+attack&state={state}"
        )
    );
    let redirected = server.approve(again.url()).unwrap();
    assert!(
        redirected.contains("error_description=Replay+attack"),
        "{redirected}"
    );

    // Polar looks the nonce up among the client's codes: once exchanged, it is free again.
    let form = [
        ("grant_type", "authorization_code"),
        ("client_id", CONFIDENTIAL_CLIENT_ID),
        ("client_secret", CONFIDENTIAL_CLIENT_SECRET),
        ("code", code.secret()),
        ("redirect_uri", first.redirect_uri()),
        ("code_verifier", first.pkce_verifier().secret()),
    ];
    let (status, _, body) = json(post_form(&server, "/v1/oauth2/token", &form).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let third = request();
    let response = consent_data_with_cookie(&server, third.url()).await;
    assert_eq!(response.status(), StatusCode::OK);
}

// ---- Polar's commit lag: a new token or registration is unknown for a moment ---------------

#[tokio::test]
async fn a_new_token_is_unknown_until_its_write_commits() {
    let server = TestServer::builder()
        .commit_delay(Duration::from_secs(3600))
        .start()
        .await
        .unwrap();
    let token = token_for(&server, &[Scope::Openid]).await;
    let (status, headers, body) =
        json(userinfo(&server, field(&token, "access_token")).await).await;
    assert_authlib_invalid_token(status, &headers, &body);
    assert_eq!(
        introspect(&server, field(&token, "access_token")).await,
        json!({"active": false})
    );
    let refresh = [
        ("grant_type", "refresh_token"),
        ("client_id", CONFIDENTIAL_CLIENT_ID),
        ("client_secret", CONFIDENTIAL_CLIENT_SECRET),
        ("refresh_token", field(&token, "refresh_token")),
    ];
    let (status, _, body) = json(post_form(&server, "/v1/oauth2/token", &refresh).await).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn a_new_registration_is_unknown_until_its_write_commits() {
    let server = TestServer::builder()
        .commit_delay(Duration::from_secs(3600))
        .start()
        .await
        .unwrap();
    let (status, _, created) = json(create_client(&server, None, &register_body()).await).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let url = format!(
        "{}/v1/oauth2/register/{}",
        server.base_url(),
        field(&created, "client_id")
    );
    let crt = field(&created, "registration_access_token");
    let (status, _, body) = json(http().get(&url).bearer_auth(crt).send().await.unwrap()).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
}

#[tokio::test]
async fn the_client_library_rides_out_the_default_commit_lag() {
    // The default lag is on: the library holds or retries what it has just received.
    let server = TestServer::start().await.unwrap();
    let client = server.client().unwrap();
    let credentials = server.confidential_client();
    let pending = server
        .authorization_request()
        .scope(Scope::Openid)
        .build()
        .unwrap();
    let code = pending
        .callback(&server.approve(pending.url()).unwrap())
        .unwrap();
    let token = client
        .exchange_code(
            &credentials,
            code,
            pending.redirect_uri(),
            Some(pending.pkce_verifier().clone()),
        )
        .await
        .unwrap();
    client.userinfo(token.access_token()).await.unwrap();
    let refreshed = client
        .refresh(&credentials, token.refresh_token().unwrap())
        .await
        .unwrap();
    client.userinfo(refreshed.access_token()).await.unwrap();
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
