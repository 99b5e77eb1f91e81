//! What the test modules share: a server, a plain HTTP client, the whole flow in one call,
//! and one helper per operation for the raw requests the library does not make.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use polar_oauth2::{
    AuthorizationCode, AuthorizationRequest, Client, ClientCredentials, Error, OAuthError,
    OAuthErrorCode, PendingAuthorization, Scope, SubType, Token,
};
use polar_oauth2_test_server::{CONFIDENTIAL_CLIENT_ID, CONFIDENTIAL_CLIENT_SECRET, TestServer};
use reqwest::StatusCode;
use ring::signature::{self, RsaPublicKeyComponents};
use serde_json::{Value, json};

/// A server whose writes are visible at once: these tests speak raw HTTP and use each
/// credential as soon as they get it (the commit lag is tested in `commit_lag.rs`).
pub(crate) async fn start() -> TestServer {
    TestServer::builder()
        .commit_delay(Duration::ZERO)
        .start()
        .await
        .unwrap()
}

pub(crate) fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap()
}

pub(crate) async fn json(
    response: reqwest::Response,
) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.text().await.unwrap();
    let value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body:?}"));
    (status, headers, value)
}

pub(crate) async fn post_form(
    server: &TestServer,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    http()
        .post(format!("{}{path}", server.base_url()))
        .form(form)
        .send()
        .await
        .unwrap()
}

/// An authorization request of `client_id` to the embedded server's page.
pub(crate) fn request_for(
    server: &TestServer,
    client_id: &str,
    redirect_uri: &str,
) -> AuthorizationRequest {
    AuthorizationRequest::new(&server.server(), client_id, redirect_uri)
        .endpoint(server.authorization_endpoint())
}

/// An authorization request for the confidential client with the `openid` scope.
pub(crate) fn openid_request(server: &TestServer) -> PendingAuthorization {
    server
        .authorization_request()
        .scope(Scope::Openid)
        .build()
        .unwrap()
}

/// The whole flow for the confidential client with these scopes: the token response.
pub(crate) async fn token_for(server: &TestServer, scopes: &[Scope]) -> Value {
    token_with(server, scopes, SubType::User, None).await
}

pub(crate) async fn token_with(
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
    exchange_over_http(
        server,
        &pending,
        CONFIDENTIAL_CLIENT_ID,
        Some(CONFIDENTIAL_CLIENT_SECRET),
    )
    .await
}

pub(crate) async fn exchange_over_http(
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

pub(crate) fn field<'a>(body: &'a Value, name: &str) -> &'a str {
    body[name]
        .as_str()
        .unwrap_or_else(|| panic!("no {name}: {body}"))
}

pub(crate) async fn revoke(
    server: &TestServer,
    token: &str,
    hint: Option<&str>,
) -> reqwest::Response {
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

pub(crate) async fn introspect(server: &TestServer, token: &str) -> Value {
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

pub(crate) async fn userinfo(server: &TestServer, bearer: &str) -> reqwest::Response {
    get_with_bearer(format!("{}/v1/oauth2/userinfo", server.base_url()), bearer).await
}

pub(crate) fn b64(part: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(part).unwrap()
}

/// Verify an RS256 JWT with the JWKS the server publishes; its header and claims.
pub(crate) fn verify_with_jwks(jwt: &str, jwks: &Value) -> (Value, Value) {
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

pub(crate) fn register_body() -> Value {
    json!({
        "client_name": "My Test App",
        "redirect_uris": ["http://localhost:3000/callback", "https://app.example.com/cb"],
        "scope": "openid email user:read",
    })
}

pub(crate) async fn create_client(
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

/// Polar's `SCOPES_SUPPORTED`: the spec's scopes but the reserved `web:*` (older documents
/// still list them) and the organization access token scopes, which Polar keeps out.
pub(crate) fn polar_scopes_supported() -> Vec<&'static str> {
    Scope::KNOWN
        .iter()
        .map(|s| s.as_str())
        .filter(|s| !s.starts_with("web:") && !s.starts_with("organization_access_tokens:"))
        .collect()
}

/// `GET /v1/oauth2/authorize` with the query of the authorization URL `url`: the consent data
/// Polar's page reads for it.
pub(crate) fn consent_data_url(server: &TestServer, url: &str) -> String {
    let query = url.split_once('?').map_or("", |(_, q)| q);
    format!("{}/v1/oauth2/authorize?{query}", server.base_url())
}

/// A plain `GET`, with no credential.
pub(crate) async fn get(url: impl reqwest::IntoUrl) -> reqwest::Response {
    http().get(url).send().await.unwrap()
}

/// `GET url` with a bearer token.
pub(crate) async fn get_with_bearer(
    url: impl reqwest::IntoUrl,
    bearer: impl std::fmt::Display,
) -> reqwest::Response {
    http().get(url).bearer_auth(bearer).send().await.unwrap()
}

/// The `Cookie` header of the test user's web session, as Polar's web app sends it.
pub(crate) fn session_cookie(server: &TestServer) -> String {
    format!("polar_session={}", server.web_session_token().secret())
}

/// `GET url` with the web session's cookie.
pub(crate) async fn get_with_session(server: &TestServer, url: &str) -> reqwest::Response {
    http()
        .get(url)
        .header("cookie", session_cookie(server))
        .send()
        .await
        .unwrap()
}

/// The browser's step as Polar's web app does it: `GET /v1/oauth2/authorize` with the session
/// cookie.
pub(crate) async fn consent_data_with_cookie(server: &TestServer, url: &str) -> reqwest::Response {
    get_with_session(server, &consent_data_url(server, url)).await
}

/// `POST /v1/oauth2/consent?<query>` with the session cookie and the form.
pub(crate) async fn consent(
    server: &TestServer,
    url: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let query = url.split_once('?').map_or("", |(_, q)| q);
    http()
        .post(format!("{}/v1/oauth2/consent?{query}", server.base_url()))
        .header("cookie", session_cookie(server))
        .form(form)
        .send()
        .await
        .unwrap()
}

pub(crate) const INVALID_TOKEN_DESCRIPTION: &str =
    "The access token provided is expired, revoked, malformed, or invalid for other reasons.";

pub(crate) fn assert_authlib_invalid_token(
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

/// [`start`], and a library client: a test may follow the library's call with a raw HTTP one
/// using what it just got.
pub(crate) async fn start_with_client() -> (TestServer, Client) {
    let server = start().await;
    let client = server.client().unwrap();
    (server, client)
}

/// The test user approves; the callback is checked against the request's own state.
pub(crate) fn approve(server: &TestServer, pending: &PendingAuthorization) -> AuthorizationCode {
    let redirected_to = server.approve(pending.url()).unwrap();
    pending.callback(&redirected_to).unwrap()
}

pub(crate) async fn exchange(
    client: &Client,
    credentials: &ClientCredentials,
    pending: &PendingAuthorization,
    code: AuthorizationCode,
) -> Result<Token, Error> {
    client
        .exchange_code(
            credentials,
            code,
            pending.redirect_uri(),
            Some(pending.pkce_verifier().clone()),
        )
        .await
}

#[track_caller]
pub(crate) fn oauth_error<T: std::fmt::Debug>(result: Result<T, Error>) -> OAuthError {
    match result {
        Err(Error::OAuth(e)) => e,
        other => panic!("expected an OAuth2 error, got {other:?}"),
    }
}

#[track_caller]
pub(crate) fn assert_oauth<T: std::fmt::Debug>(
    result: Result<T, Error>,
    status: StatusCode,
    code: OAuthErrorCode,
) -> OAuthError {
    let e = oauth_error(result);
    assert_eq!((e.status, &e.code), (status, &code), "{e}");
    e
}

pub(crate) async fn post_token(server: &TestServer, form: &[(&str, &str)]) -> reqwest::Response {
    http()
        .post(format!("{}/v1/oauth2/token", server.base_url()))
        .form(form)
        .send()
        .await
        .unwrap()
}

/// An authorization URL written by hand, for requests the builder never makes.
pub(crate) fn authorization_url(server: &TestServer, params: &[(&str, &str)]) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in params {
        query.append_pair(name, value);
    }
    format!("{}/oauth2/authorize?{}", server.base_url(), query.finish())
}

pub(crate) fn query_param(url: &str, name: &str) -> Option<String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

pub(crate) async fn tokens(server: &TestServer, client: &Client, scopes: &[Scope]) -> Token {
    let mut request = server.authorization_request();
    for scope in scopes {
        request = request.scope(scope.clone());
    }
    let pending = request.build().unwrap();
    let code = approve(server, &pending);
    exchange(client, &server.confidential_client(), &pending, code)
        .await
        .unwrap()
}
