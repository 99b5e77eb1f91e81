//! The authorization code flow end to end against the embedded server (`polar-oauth2-test-server`,
//! turned on for tests by the package's own dev-dependency), every error path of that server
//! with the status and `error` Polar's server gives, and the callback checks.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use polar_oauth2::{
    AuthorizationCode, AuthorizeResponse, CallbackError, Client, ClientCredentials, ClientSecret,
    CsrfToken, Error, OAuthError, OAuthErrorCode, PendingAuthorization, PkceCodeVerifier,
    PkceMethod, RefreshToken, Scope, ScopeSet, SubType, Token,
};
use polar_oauth2::{AuthorizationError, parse_callback};
use polar_oauth2_test_server::{
    CONFIDENTIAL_CLIENT_ID, CONFIDENTIAL_CLIENT_SECRET, ORGANIZATIONS, PUBLIC_CLIENT_ID,
    REDIRECT_URI, TestClient, TestServer, USER_EMAIL, USER_ID,
};
use reqwest::StatusCode;
use serde_json::Value;
use std::time::Duration;

// ---- helpers ------------------------------------------------------------------------------

/// A server whose writes are visible at once: many of these tests follow the library's call
/// with a raw HTTP one that uses what it just got (the commit lag is tested in
/// tests/test_server.rs).
async fn start() -> (TestServer, Client) {
    let server = TestServer::builder()
        .commit_delay(Duration::ZERO)
        .start()
        .await
        .unwrap();
    let client = server.client().unwrap();
    (server, client)
}

/// The test user approves; the callback is checked against the request's own state.
fn approve(server: &TestServer, pending: &PendingAuthorization) -> AuthorizationCode {
    let redirected_to = server.approve(pending.url()).unwrap();
    pending.callback(&redirected_to).unwrap()
}

async fn exchange(
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
fn oauth_error<T: std::fmt::Debug>(result: Result<T, Error>) -> OAuthError {
    match result {
        Err(Error::OAuth(e)) => e,
        other => panic!("expected an OAuth2 error, got {other:?}"),
    }
}

#[track_caller]
fn assert_oauth<T: std::fmt::Debug>(
    result: Result<T, Error>,
    status: StatusCode,
    code: OAuthErrorCode,
) -> OAuthError {
    let e = oauth_error(result);
    assert_eq!((e.status, &e.code), (status, &code), "{e}");
    e
}

/// A plain HTTP client for what the facade cannot send (or does not show): raw bodies,
/// headers, redirects.
fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn post_token(server: &TestServer, form: &[(&str, &str)]) -> reqwest::Response {
    http()
        .post(format!("{}/v1/oauth2/token", server.base_url()))
        .form(form)
        .send()
        .await
        .unwrap()
}

async fn json(response: reqwest::Response) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let status = response.status();
    let headers = response.headers().clone();
    (status, headers, response.json().await.unwrap())
}

/// An authorization URL written by hand, for requests the builder never makes.
fn authorization_url(server: &TestServer, params: &[(&str, &str)]) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in params {
        query.append_pair(name, value);
    }
    format!("{}/oauth2/authorize?{}", server.base_url(), query.finish())
}

fn query_param(url: &str, name: &str) -> Option<String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn base64url_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'-' => 62,
        b'_' => 63,
        _ => panic!("not base64url: {c}"),
    };
    let (mut out, mut buffer, mut bits) = (Vec::new(), 0u32, 0);
    for c in text.bytes() {
        buffer = (buffer << 6) | u32::from(value(c));
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    out
}

/// A client that may hold `web:write`, like Polar's first-party clients.
fn first_party_client() -> TestClient {
    let scope: ScopeSet = Scope::KNOWN.iter().cloned().chain([web_write()]).collect();
    TestClient::confidential("polar_ci_test_first_party", "polar_cs_test_first_party").scope(&scope)
}

// ---- the whole flow -----------------------------------------------------------------------

#[tokio::test]
async fn whole_flow_through_the_public_api() {
    let (server, client) = start().await;
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
    let (server, client) = start().await;
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
async fn plain_pkce_is_accepted_when_asked_for() {
    let (server, client) = start().await;
    let pending = server
        .authorization_request()
        .pkce_method(PkceMethod::Plain)
        .build()
        .unwrap();
    assert_eq!(
        query_param(pending.url(), "code_challenge").as_deref(),
        Some(pending.pkce_verifier().secret())
    );
    let code = approve(&server, &pending);
    exchange(&client, &server.confidential_client(), &pending, code)
        .await
        .unwrap();
}

#[tokio::test]
async fn organization_flow_asks_for_one_organization_and_issues_a_user_token() {
    let (server, client) = start().await;
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
async fn id_token_carries_nonce_audience_subject_and_email() {
    let (server, client) = start().await;
    let pending = server
        .authorization_request()
        .scope(Scope::Openid)
        .scope(Scope::Email)
        .nonce("n-0S6_WzA2Mj")
        .build()
        .unwrap();
    let code = approve(&server, &pending);
    let token = exchange(&client, &server.confidential_client(), &pending, code)
        .await
        .unwrap();
    let jwt = token.id_token().unwrap().secret().to_owned();
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3, "{jwt}");
    let header: Value = serde_json::from_slice(&base64url_decode(parts[0])).unwrap();
    let claims: Value = serde_json::from_slice(&base64url_decode(parts[1])).unwrap();
    assert_eq!(header["alg"], "RS256");
    // Polar's header: no `kid` (see test-server/src/keys.rs).
    assert_eq!(header, serde_json::json!({"typ": "JWT", "alg": "RS256"}));
    assert_eq!(claims["nonce"], "n-0S6_WzA2Mj");
    assert_eq!(claims["aud"], serde_json::json!([CONFIDENTIAL_CLIENT_ID]));
    assert_eq!(claims["sub"], USER_ID.to_string());
    assert_eq!(claims["email"], USER_EMAIL);
    assert_eq!(claims["iss"], "https://polar.sh");
    let lifetime = claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap();
    assert_eq!(lifetime, 3600);
}

#[tokio::test]
async fn token_responses_are_json_and_not_cacheable() {
    let (server, _client) = start().await;
    let pending = server
        .authorization_request()
        .scope(Scope::UserRead)
        .build()
        .unwrap();
    let code = approve(&server, &pending);
    let response = post_token(
        &server,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", CONFIDENTIAL_CLIENT_ID),
            ("client_secret", CONFIDENTIAL_CLIENT_SECRET),
            ("code", code.secret()),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", pending.pkce_verifier().secret()),
        ],
    )
    .await;
    let (status, headers, body) = json(response).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["pragma"], "no-cache");
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 864_000);
    // No `openid` asked for: no ID token.
    assert!(body.get("id_token").is_none(), "{body}");
}

// ---- token endpoint: client authentication ------------------------------------------------

#[tokio::test]
async fn wrong_secret_is_401_invalid_client_with_www_authenticate() {
    let (server, client) = start().await;
    let pending = server.authorization_request().build().unwrap();
    let code = approve(&server, &pending);
    let wrong = ClientCredentials::confidential(
        CONFIDENTIAL_CLIENT_ID,
        ClientSecret::new("polar_cs_test_wrong"),
    );
    let e = assert_oauth(
        exchange(&client, &wrong, &pending, code.clone()).await,
        StatusCode::UNAUTHORIZED,
        OAuthErrorCode::InvalidClient,
    );
    let challenge = e.www_authenticate.unwrap();
    assert!(
        challenge.starts_with("Basic error=\"invalid_client\""),
        "{challenge}"
    );
    // The code was not used up by the failed attempt.
    exchange(&client, &server.confidential_client(), &pending, code)
        .await
        .unwrap();
}

#[tokio::test]
async fn invalid_client_errors_are_not_cacheable() {
    let (server, _client) = start().await;
    let response = post_token(
        &server,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", CONFIDENTIAL_CLIENT_ID),
            ("client_secret", "polar_cs_test_wrong"),
            ("refresh_token", "polar_rt_u_x"),
        ],
    )
    .await;
    let (status, headers, body) = json(response).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(headers["cache-control"], "no-store");
    assert!(headers.contains_key("www-authenticate"));
    assert_eq!(body["error"], "invalid_client");
}

#[tokio::test]
async fn unknown_client_is_400_invalid_client() {
    let (_server, client) = start().await;
    let unknown = ClientCredentials::confidential(
        "polar_ci_test_unknown",
        ClientSecret::new("polar_cs_test_unknown"),
    );
    let e = assert_oauth(
        client
            .refresh(&unknown, &RefreshToken::new("polar_rt_u_x"))
            .await,
        StatusCode::BAD_REQUEST,
        OAuthErrorCode::InvalidClient,
    );
    assert_eq!(
        e.description.as_deref(),
        Some("The client does not exist on this server.")
    );
    assert!(e.www_authenticate.is_none());
}

#[tokio::test]
async fn confidential_client_without_its_secret_is_401_invalid_client() {
    let (server, client) = start().await;
    let pending = server.authorization_request().build().unwrap();
    let code = approve(&server, &pending);
    let as_public = ClientCredentials::public(CONFIDENTIAL_CLIENT_ID);
    assert_oauth(
        exchange(&client, &as_public, &pending, code).await,
        StatusCode::UNAUTHORIZED,
        OAuthErrorCode::InvalidClient,
    );
}

#[tokio::test]
async fn public_client_sending_a_secret_is_401_invalid_client() {
    let (_server, client) = start().await;
    let with_secret =
        ClientCredentials::confidential(PUBLIC_CLIENT_ID, ClientSecret::new("polar_cs_test_x"));
    assert_oauth(
        client
            .refresh(&with_secret, &RefreshToken::new("polar_rt_u_x"))
            .await,
        StatusCode::UNAUTHORIZED,
        OAuthErrorCode::InvalidClient,
    );
}

#[tokio::test]
async fn client_secret_basic_client_must_use_basic() {
    let (server, client) = start().await;
    server.register_client(
        TestClient::confidential("polar_ci_test_basic", "polar_cs_test_basic")
            .client_secret_basic(),
    );
    let pending = polar_oauth2::AuthorizationRequest::new(
        &server.server(),
        "polar_ci_test_basic",
        REDIRECT_URI,
    )
    .endpoint(server.authorization_endpoint())
    .build()
    .unwrap();
    let code = approve(&server, &pending);
    // Credentials in the form body: not this client's method.
    let post = ClientCredentials::confidential(
        "polar_ci_test_basic",
        ClientSecret::new("polar_cs_test_basic"),
    );
    assert_oauth(
        exchange(&client, &post, &pending, code.clone()).await,
        StatusCode::UNAUTHORIZED,
        OAuthErrorCode::InvalidClient,
    );
    // `Authorization: Basic base64("polar_ci_test_basic:polar_cs_test_basic")`.
    let response = http()
        .post(format!("{}/v1/oauth2/token", server.base_url()))
        .basic_auth("polar_ci_test_basic", Some("polar_cs_test_basic"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.secret()),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", pending.pkce_verifier().secret()),
        ])
        .send()
        .await
        .unwrap();
    let (status, _, body) = json(response).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

// ---- token endpoint: authorization_code grant ---------------------------------------------

#[tokio::test]
async fn reused_code_is_invalid_grant() {
    let (server, client) = start().await;
    let pending = server.authorization_request().build().unwrap();
    let code = approve(&server, &pending);
    let credentials = server.confidential_client();
    exchange(&client, &credentials, &pending, code.clone())
        .await
        .unwrap();
    let e = assert_oauth(
        exchange(&client, &credentials, &pending, code).await,
        StatusCode::BAD_REQUEST,
        OAuthErrorCode::InvalidGrant,
    );
    assert_eq!(e.description.as_deref(), Some("Invalid 'code' in request."));
}

#[tokio::test]
async fn code_expires_after_300_seconds() {
    let (server, client) = start().await;
    let pending = server.authorization_request().build().unwrap();
    let code = approve(&server, &pending);
    server.advance(Duration::from_secs(301));
    assert_oauth(
        exchange(&client, &server.confidential_client(), &pending, code).await,
        StatusCode::BAD_REQUEST,
        OAuthErrorCode::InvalidGrant,
    );
}

#[tokio::test]
async fn code_is_still_valid_before_300_seconds() {
    let (server, client) = start().await;
    let pending = server.authorization_request().build().unwrap();
    let code = approve(&server, &pending);
    server.advance(Duration::from_secs(290));
    exchange(&client, &server.confidential_client(), &pending, code)
        .await
        .unwrap();
}

#[tokio::test]
async fn code_issued_to_another_client_is_invalid_grant() {
    let (server, client) = start().await;
    let pending = server.authorization_request().build().unwrap();
    let code = approve(&server, &pending);
    assert_oauth(
        exchange(&client, &server.public_client(), &pending, code).await,
        StatusCode::BAD_REQUEST,
        OAuthErrorCode::InvalidGrant,
    );
}

#[tokio::test]
async fn wrong_pkce_verifier_is_invalid_grant() {
    let (server, client) = start().await;
    let pending = server.authorization_request().build().unwrap();
    let code = approve(&server, &pending);
    let other = PkceCodeVerifier::new("a".repeat(43));
    let e = assert_oauth(
        client
            .exchange_code(
                &server.confidential_client(),
                code.clone(),
                REDIRECT_URI,
                Some(other),
            )
            .await,
        StatusCode::BAD_REQUEST,
        OAuthErrorCode::InvalidGrant,
    );
    assert_eq!(e.description.as_deref(), Some("Code challenge failed."));
    // A failed verification leaves the code usable with the right verifier.
    exchange(&client, &server.confidential_client(), &pending, code)
        .await
        .unwrap();
}

#[tokio::test]
async fn missing_pkce_verifier_is_invalid_request() {
    let (server, client) = start().await;
    let pending = server.authorization_request().build().unwrap();
    let code = approve(&server, &pending);
    let e = assert_oauth(
        client
            .exchange_code(&server.confidential_client(), code, REDIRECT_URI, None)
            .await,
        StatusCode::BAD_REQUEST,
        OAuthErrorCode::InvalidRequest,
    );
    assert_eq!(e.description.as_deref(), Some("Missing 'code_verifier'"));
}

#[tokio::test]
async fn malformed_pkce_verifier_is_invalid_request() {
    let (server, client) = start().await;
    let pending = server.authorization_request().build().unwrap();
    let code = approve(&server, &pending);
    // RFC 7636 §4.1: at least 43 characters.
    let short = PkceCodeVerifier::new("too-short");
    let e = assert_oauth(
        client
            .exchange_code(
                &server.confidential_client(),
                code,
                REDIRECT_URI,
                Some(short),
            )
            .await,
        StatusCode::BAD_REQUEST,
        OAuthErrorCode::InvalidRequest,
    );
    assert_eq!(e.description.as_deref(), Some("Invalid 'code_verifier'"));
}

#[tokio::test]
async fn public_client_without_verifier_is_invalid_request() {
    let (server, client) = start().await;
    // A public client that skipped PKCE in the authorization request.
    let url = authorization_url(
        &server,
        &[
            ("response_type", "code"),
            ("client_id", PUBLIC_CLIENT_ID),
            ("redirect_uri", REDIRECT_URI),
            ("state", "state-1-0123456789"),
        ],
    );
    let redirected_to = server.approve(&url).unwrap();
    let code = parse_callback(
        &redirected_to,
        &CsrfToken::new("state-1-0123456789").unwrap(),
    )
    .unwrap();
    let e = assert_oauth(
        client
            .exchange_code(&server.public_client(), code, REDIRECT_URI, None)
            .await,
        StatusCode::BAD_REQUEST,
        OAuthErrorCode::InvalidRequest,
    );
    assert_eq!(e.description.as_deref(), Some("Missing 'code_verifier'"));
}

#[tokio::test]
async fn confidential_client_may_skip_pkce() {
    let (server, client) = start().await;
    let url = authorization_url(
        &server,
        &[
            ("response_type", "code"),
            ("client_id", CONFIDENTIAL_CLIENT_ID),
            ("redirect_uri", REDIRECT_URI),
            ("state", "state-2-0123456789"),
        ],
    );
    let code = parse_callback(
        &server.approve(&url).unwrap(),
        &CsrfToken::new("state-2-0123456789").unwrap(),
    )
    .unwrap();
    client
        .exchange_code(&server.confidential_client(), code, REDIRECT_URI, None)
        .await
        .unwrap();
}

#[tokio::test]
async fn redirect_uri_mismatch_is_invalid_grant() {
    let (server, client) = start().await;
    let pending = server.authorization_request().build().unwrap();
    let code = approve(&server, &pending);
    let e = assert_oauth(
        client
            .exchange_code(
                &server.confidential_client(),
                code,
                "https://app.example.com/other",
                Some(pending.pkce_verifier().clone()),
            )
            .await,
        StatusCode::BAD_REQUEST,
        OAuthErrorCode::InvalidGrant,
    );
    assert_eq!(
        e.description.as_deref(),
        Some("Invalid 'redirect_uri' in request.")
    );
}

#[tokio::test]
async fn missing_code_is_invalid_request() {
    let (server, _client) = start().await;
    let response = post_token(
        &server,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", CONFIDENTIAL_CLIENT_ID),
            ("client_secret", CONFIDENTIAL_CLIENT_SECRET),
            ("redirect_uri", REDIRECT_URI),
        ],
    )
    .await;
    let (status, headers, body) = json(response).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(body["error"], "invalid_request");
    assert_eq!(body["error_description"], "Missing 'code' in request.");
}

#[tokio::test]
async fn unknown_grant_type_is_unsupported_grant_type() {
    let (server, _client) = start().await;
    for form in [
        &[
            ("grant_type", "password"),
            ("client_id", CONFIDENTIAL_CLIENT_ID),
            ("client_secret", CONFIDENTIAL_CLIENT_SECRET),
        ][..],
        // No grant type at all, and even a wrong secret: the grant type is checked first.
        &[
            ("client_id", CONFIDENTIAL_CLIENT_ID),
            ("client_secret", "polar_cs_test_wrong"),
        ][..],
    ] {
        let (status, headers, body) = json(post_token(&server, form).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(headers["cache-control"], "no-store");
        assert_eq!(body, serde_json::json!({"error": "unsupported_grant_type"}));
    }
}

#[tokio::test]
async fn token_endpoint_only_takes_post() {
    let (server, _client) = start().await;
    let response = http()
        .get(format!("{}/v1/oauth2/token", server.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
}

// ---- token endpoint: refresh_token and web grants -----------------------------------------

async fn tokens(server: &TestServer, client: &Client, scopes: &[Scope]) -> Token {
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

#[tokio::test]
async fn refresh_token_of_another_client_is_invalid_grant() {
    let (server, client) = start().await;
    let token = tokens(&server, &client, &[Scope::UserRead]).await;
    assert_oauth(
        client
            .refresh(&server.public_client(), token.refresh_token().unwrap())
            .await,
        StatusCode::BAD_REQUEST,
        OAuthErrorCode::InvalidGrant,
    );
}

#[tokio::test]
async fn refresh_may_narrow_the_scope_but_not_widen_it() {
    let (server, client) = start().await;
    let token = tokens(&server, &client, &[Scope::UserRead, Scope::ProductsRead]).await;
    let narrower = post_token(
        &server,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", CONFIDENTIAL_CLIENT_ID),
            ("client_secret", CONFIDENTIAL_CLIENT_SECRET),
            ("refresh_token", token.refresh_token().unwrap().secret()),
            ("scope", "products:read"),
        ],
    )
    .await;
    let (status, _, body) = json(narrower).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["scope"], "products:read");
    let wider = post_token(
        &server,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", CONFIDENTIAL_CLIENT_ID),
            ("client_secret", CONFIDENTIAL_CLIENT_SECRET),
            ("refresh_token", body["refresh_token"].as_str().unwrap()),
            ("scope", "products:read orders:read"),
        ],
    )
    .await;
    let (status, _, body) = json(wider).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_scope");
}

#[tokio::test]
async fn client_without_refresh_grant_gets_no_refresh_token() {
    let (server, client) = start().await;
    server.register_client(
        TestClient::confidential("polar_ci_test_norefresh", "polar_cs_test_norefresh")
            .grant_types(["authorization_code"]),
    );
    let credentials = ClientCredentials::confidential(
        "polar_ci_test_norefresh",
        ClientSecret::new("polar_cs_test_norefresh"),
    );
    let pending = polar_oauth2::AuthorizationRequest::new(
        &server.server(),
        "polar_ci_test_norefresh",
        REDIRECT_URI,
    )
    .endpoint(server.authorization_endpoint())
    .build()
    .unwrap();
    let code = approve(&server, &pending);
    let token = exchange(&client, &credentials, &pending, code)
        .await
        .unwrap();
    assert!(token.refresh_token().is_none());
    let e = assert_oauth(
        client
            .refresh(&credentials, &RefreshToken::new("polar_rt_u_x"))
            .await,
        StatusCode::BAD_REQUEST,
        OAuthErrorCode::UnauthorizedClient,
    );
    assert_eq!(
        e.description.as_deref(),
        Some("The client is not authorized to use 'grant_type=refresh_token'")
    );
}

/// Reserved for Polar's own clients; Polar removed it from the spec in 2026-06, its server
/// still knows it.
fn web_write() -> Scope {
    Scope::from_wire("web:write").unwrap()
}

#[tokio::test]
async fn scopes_outside_the_clients_registration_are_left_out_of_tokens() {
    let (server, client) = start().await;
    // `web:write` is reserved for Polar's own clients: asking is allowed, getting it is not.
    let token = tokens(&server, &client, &[Scope::UserRead, web_write()]).await;
    assert_eq!(token.scope().to_string(), "user:read");
}

#[tokio::test]
async fn no_scope_asked_means_the_clients_registered_scopes() {
    let (server, client) = start().await;
    let token = tokens(&server, &client, &[]).await;
    assert!(token.scope().contains(&Scope::Openid));
    assert!(token.scope().contains(&Scope::OrdersRead));
    assert!(!token.scope().contains(&web_write()));
    // `openid` among them: an ID token comes too.
    assert!(token.id_token().is_some());
}

#[tokio::test]
async fn web_grant_is_only_for_clients_allowed_to_use_it() {
    let (server, _client) = start().await;
    let session = server.web_session_token();
    let web = |client_id, secret| {
        [
            ("grant_type", "web"),
            ("client_id", client_id),
            ("client_secret", secret),
            ("session_token", session.secret()),
        ]
    };
    let (status, _, body) = json(
        post_token(
            &server,
            &web(CONFIDENTIAL_CLIENT_ID, CONFIDENTIAL_CLIENT_SECRET),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "unauthorized_client");

    server.register_client(first_party_client().grant_types(["web"]));
    let form = web("polar_ci_test_first_party", "polar_cs_test_first_party");
    let (status, _, body) = json(post_token(&server, &form).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body["access_token"]
            .as_str()
            .unwrap()
            .starts_with("polar_at_u_")
    );
    assert_eq!(body["expires_in"], 3600);
    assert!(body.get("refresh_token").is_none());
}

#[tokio::test]
async fn rotation_revokes_the_old_access_token_and_access_tokens_expire() {
    let (server, client) = start().await;
    let credentials = server.confidential_client();
    let token = tokens(&server, &client, &[Scope::Openid]).await;
    client.userinfo(token.access_token()).await.unwrap();

    let refreshed = client
        .refresh(&credentials, token.refresh_token().unwrap())
        .await
        .unwrap();
    let e = assert_oauth(
        client.userinfo(token.access_token()).await,
        StatusCode::UNAUTHORIZED,
        OAuthErrorCode::Extension("invalid_token".into()),
    );
    assert!(
        e.www_authenticate
            .unwrap()
            .starts_with("Bearer realm=\"polar\"")
    );
    client.userinfo(refreshed.access_token()).await.unwrap();
    server.advance(Duration::from_secs(3601));
    assert_oauth(
        client.userinfo(refreshed.access_token()).await,
        StatusCode::UNAUTHORIZED,
        OAuthErrorCode::Extension("invalid_token".into()),
    );
}

// ---- the authorization page ---------------------------------------------------------------

#[tokio::test]
async fn deny_redirects_with_access_denied_and_the_callback_returns_it() {
    let (server, _client) = start().await;
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
async fn unregistered_redirect_uri_is_not_redirected() {
    let (server, _client) = start().await;
    let pending = polar_oauth2::AuthorizationRequest::new(
        &server.server(),
        CONFIDENTIAL_CLIENT_ID,
        "https://evil.example/steal",
    )
    .endpoint(server.authorization_endpoint())
    .build()
    .unwrap();
    let e = assert_oauth(
        server.approve(pending.url()),
        StatusCode::BAD_REQUEST,
        OAuthErrorCode::InvalidRequest,
    );
    assert_eq!(
        e.description.as_deref(),
        Some("Redirect URI https://evil.example/steal is not supported by client.")
    );
}

#[tokio::test]
async fn unknown_client_is_not_redirected() {
    let (server, _client) = start().await;
    let pending =
        polar_oauth2::AuthorizationRequest::new(&server.server(), "polar_ci_nope", REDIRECT_URI)
            .endpoint(server.authorization_endpoint())
            .build()
            .unwrap();
    assert_oauth(
        server.approve(pending.url()),
        StatusCode::BAD_REQUEST,
        OAuthErrorCode::InvalidClient,
    );
}

#[tokio::test]
async fn unknown_scope_redirects_with_invalid_scope() {
    let (server, _client) = start().await;
    let pending = server
        .authorization_request()
        .scope("teleport:write".parse().unwrap())
        .build()
        .unwrap();
    let redirected_to = server.approve(pending.url()).unwrap();
    match pending.callback(&redirected_to) {
        Err(CallbackError::Authorization(e)) => assert_eq!(e.code, OAuthErrorCode::InvalidScope),
        other => panic!("expected invalid_scope: {other:?}"),
    }
}

#[tokio::test]
async fn unsupported_challenge_method_redirects_with_invalid_request() {
    let (server, _client) = start().await;
    let url = authorization_url(
        &server,
        &[
            ("response_type", "code"),
            ("client_id", CONFIDENTIAL_CLIENT_ID),
            ("state", "s-3"),
            ("code_challenge", &"x".repeat(43)),
            ("code_challenge_method", "S512"),
        ],
    );
    let redirected_to = server.approve(&url).unwrap();
    assert_eq!(
        query_param(&redirected_to, "error").as_deref(),
        Some("invalid_request")
    );
    assert_eq!(query_param(&redirected_to, "state").as_deref(), Some("s-3"));
}

#[tokio::test]
async fn unsupported_response_type_is_not_redirected() {
    let (server, _client) = start().await;
    let url = authorization_url(
        &server,
        &[
            ("response_type", "token"),
            ("client_id", CONFIDENTIAL_CLIENT_ID),
        ],
    );
    assert_oauth(
        server.approve(&url),
        StatusCode::BAD_REQUEST,
        OAuthErrorCode::UnsupportedResponseType,
    );
}

#[tokio::test]
async fn authorization_page_redirects_the_browser_with_code_and_state() {
    let (server, client) = start().await;
    let pending = server.authorization_request().build().unwrap();
    let response = http().get(pending.url()).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(REDIRECT_URI), "{location}");
    let code = pending.callback(&location).unwrap();
    exchange(&client, &server.confidential_client(), &pending, code)
        .await
        .unwrap();
}

// ---- consent data -------------------------------------------------------------------------

#[tokio::test]
async fn consent_data_is_shaped_like_the_spec() {
    let (server, _client) = start().await;
    let pending = server
        .authorization_request()
        .scope(Scope::Openid)
        .build()
        .unwrap();
    let url = format!(
        "{}/v1/oauth2/authorize?{}",
        server.base_url(),
        pending.url().split_once('?').unwrap().1
    );
    let response = http()
        .get(url)
        .header(
            "cookie",
            format!("polar_session={}", server.web_session_token().secret()),
        )
        .send()
        .await
        .unwrap();
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
    let (server, _client) = start().await;
    let pending = server
        .authorization_request()
        .scope(Scope::Openid)
        .build()
        .unwrap();
    let url = format!(
        "{}/v1/oauth2/authorize?{}",
        server.base_url(),
        pending.url().split_once('?').unwrap().1
    );
    let (status, _, body) = json(http().get(url).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body, serde_json::json!({"detail": "Unauthorized"}));
}

#[tokio::test]
async fn consent_already_given_redirects_unless_prompt_is_consent() {
    let (server, client) = start().await;
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

// ---- the callback -------------------------------------------------------------------------

#[tokio::test]
async fn callback_with_another_state_is_rejected() {
    let (server, _client) = start().await;
    let pending = server.authorization_request().build().unwrap();
    let redirected_to = server.approve(pending.url()).unwrap();
    let other = server.authorization_request().build().unwrap();
    assert_eq!(
        other.callback(&redirected_to),
        Err(CallbackError::StateMismatch)
    );
}

#[test]
fn callback_without_state_is_rejected() {
    let expected = CsrfToken::new("s-0123456789abcdef").unwrap();
    assert_eq!(
        parse_callback(
            "https://app.example.com/callback?code=polar_ac_x",
            &expected
        ),
        Err(CallbackError::StateMismatch)
    );
}

#[test]
fn callback_without_code_is_rejected() {
    let expected = CsrfToken::new("s-0123456789abcdef").unwrap();
    assert_eq!(
        parse_callback(
            "https://app.example.com/callback?state=s-0123456789abcdef",
            &expected
        ),
        Err(CallbackError::MissingCode)
    );
    assert_eq!(
        parse_callback("/callback?state=s-0123456789abcdef&code=", &expected),
        Err(CallbackError::MissingCode)
    );
}

#[test]
fn callback_with_a_repeated_parameter_is_malformed() {
    let expected = CsrfToken::new("s-0123456789abcdef").unwrap();
    let e = parse_callback(
        "/callback?state=s-0123456789abcdef&code=a&code=b",
        &expected,
    )
    .unwrap_err();
    assert!(matches!(e, CallbackError::Malformed(_)), "{e:?}");
}

#[test]
fn error_redirect_with_a_wrong_state_is_a_state_mismatch() {
    let expected = CsrfToken::new("s-0123456789abcdef").unwrap();
    assert_eq!(
        parse_callback("/callback?error=access_denied&state=forged", &expected),
        Err(CallbackError::StateMismatch)
    );
}

#[test]
fn error_redirect_keeps_description_and_unknown_codes() {
    let expected = CsrfToken::new("s-0123456789abcdef").unwrap();
    let e = parse_callback(
        "/callback?error=invalid_sub&error_description=No+such+org&state=s-0123456789abcdef",
        &expected,
    )
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
