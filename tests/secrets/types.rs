//! The secret types, and every public type holding one, print no secret in `Debug`.

use polar_oauth2::{
    AccessToken, AuthorizationCode, AuthorizationCodeGrant, AuthorizationRequest, AuthorizeParams,
    Client, ClientCredentials, ClientSecret, CsrfToken, Error, IdToken, PkceCodeVerifier,
    PkceMethod, RefreshToken, RetryPolicy, Scope, Server, SessionToken, TokenRequest,
    parse_callback,
};

use super::canaries::{
    ACCESS_TOKEN, CLIENT_SECRET, CODE, ID_TOKEN, REFRESH_TOKEN, SESSION_TOKEN, STATE, VERIFIER,
    assert_renders_clean, client_for, credentials, report, token_requests,
};
use super::support::{Reply, Server as Scripted, TOKEN_BODY};

/// Credentials with every character class that form encoding can get wrong.
fn creds() -> ClientCredentials {
    const TRICKY: &str = "a b+c&d=e%f/g?h#i é 日本 🦀";
    ClientCredentials::confidential(
        format!("polar_ci_test{TRICKY}"),
        ClientSecret::new(format!("polar_cs_test{TRICKY}")),
    )
}

/// A code exchanged against a server answering `status` with `body`.
async fn token(status: u16, body: &str) -> Result<polar_oauth2::Token, Error> {
    Scripted::reply(Reply::json(status, body))
        .await
        .exchange_code(&creds())
        .await
}

#[test]
fn secret_types_and_the_types_holding_them_are_redacted() {
    assert_renders_clean("ClientSecret", &ClientSecret::new(CLIENT_SECRET), None);
    assert_renders_clean("AccessToken", &AccessToken::new(ACCESS_TOKEN), None);
    assert_renders_clean("RefreshToken", &RefreshToken::new(REFRESH_TOKEN), None);
    assert_renders_clean("AuthorizationCode", &AuthorizationCode::new(CODE), None);
    assert_renders_clean("PkceCodeVerifier", &PkceCodeVerifier::new(VERIFIER), None);
    assert_renders_clean("SessionToken", &SessionToken::new(SESSION_TOKEN), None);
    assert_renders_clean("IdToken", &IdToken::new(ID_TOKEN), None);
    assert_renders_clean("CsrfToken", &CsrfToken::new(STATE).unwrap(), None);
    assert_renders_clean("ClientCredentials", &credentials(), None);
    for request in token_requests() {
        assert_renders_clean(request.grant_type(), &request, None);
    }
    let token: polar_oauth2::Token = serde_json::from_value(serde_json::json!({
        "access_token": ACCESS_TOKEN,
        "token_type": "Bearer",
        "expires_in": 3600,
        "refresh_token": REFRESH_TOKEN,
        "id_token": ID_TOKEN,
        "scope": "openid email",
    }))
    .unwrap();
    assert_renders_clean("Token", &token, None);
    let client = client_for("127.0.0.1:9".parse().unwrap());
    assert_renders_clean("Client", &client, None);
    let builder = Client::builder(Server::Sandbox).retry(RetryPolicy::new(2));
    assert_renders_clean("ClientBuilder", &builder, None);
    let request = AuthorizationRequest::new(
        &Server::Sandbox,
        "polar_ci_test_client",
        "https://app.example/callback",
    )
    .state(CsrfToken::new(STATE).unwrap())
    .scope(Scope::Openid);
    assert_renders_clean("AuthorizationRequest", &request, None);
    report("types");
}

#[test]
fn pending_authorization_is_redacted_even_with_a_plain_challenge() {
    let pending = AuthorizationRequest::new(
        &Server::Sandbox,
        "polar_ci_test_client",
        "https://app.example/callback",
    )
    .state(CsrfToken::new(STATE).unwrap())
    .pkce_method(PkceMethod::Plain)
    .build()
    .unwrap();
    // With `plain`, the challenge in the URL is the verifier itself.
    let verifier = pending.pkce_verifier().secret().to_owned();
    let rendered = format!("{pending:?} {pending:#?}");
    assert!(!rendered.contains(&verifier), "{rendered}");
    assert_renders_clean("PendingAuthorization", &pending, None);
    report("pending authorization");
}

#[test]
fn authorize_params_are_redacted() {
    let params = AuthorizeParams::new("polar_ci_test_client").state(STATE);
    assert_renders_clean("AuthorizeParams", &params, None);
    // With `plain` the challenge is the verifier itself; the nonce guards against replay.
    let plain = AuthorizeParams::new("polar_ci_test_client")
        .nonce("nonce_SECRET_value")
        .code_challenge(
            "plain_verifier_SECRET_value",
            polar_oauth2::PkceMethod::Plain,
        );
    let rendered = format!("{plain:?}");
    assert!(!rendered.contains("SECRET"), "{rendered}");
    // An S256 challenge is public by design and stays visible for debugging.
    let s256 = AuthorizeParams::new("polar_ci_test_client").code_challenge(
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        polar_oauth2::PkceMethod::S256,
    );
    assert!(format!("{s256:?}").contains("E9Melhoa2Owv"));
}

#[test]
fn callback_errors_hold_no_code_or_state() {
    let state = CsrfToken::new(STATE).unwrap();
    let wrong_state = format!("https://app.example/callback?code={CODE}&state=other");
    let repeated = format!("https://app.example/callback?code={CODE}&state={STATE}&state={STATE}");
    let error_redirect = format!(
        "https://app.example/callback?error=access_denied&error_description=no&state={STATE}"
    );
    let missing_code = format!("https://app.example/callback?state={STATE}");
    let not_a_url = format!("https://[{CODE}/?state={STATE}");
    for url in [
        wrong_state,
        repeated,
        error_redirect,
        missing_code,
        not_a_url,
    ] {
        let error = parse_callback(&url, &state).unwrap_err();
        assert_renders_clean("CallbackError", &error, Some(error.to_string()));
    }
    let code = parse_callback(
        &format!("https://app.example/callback?code={CODE}&state={STATE}"),
        &state,
    )
    .unwrap();
    assert_renders_clean("AuthorizationCode from a callback", &code, None);
    report("callback errors");
}

#[tokio::test]
async fn secrets_never_appear_in_debug_or_error_display() {
    let grant = AuthorizationCodeGrant::new(
        creds(),
        AuthorizationCode::new("polar_ac_test_SECRET"),
        "https://a/cb",
    )
    .code_verifier(PkceCodeVerifier::new("verifier_SECRET"));
    let request: TokenRequest = grant.into();
    let issued = token(200, &TOKEN_BODY.replace("test", "test_SECRET"))
        .await
        .unwrap();
    let rendered = [
        format!("{request:?}"),
        format!("{issued:?}"),
        format!("{:?}", creds()),
        format!("{:?}", SessionToken::new("session_SECRET")),
        format!("{:?}", AccessToken::new("polar_at_u_SECRET")),
    ];
    for text in &rendered {
        assert!(!text.contains("SECRET"), "{text}");
    }
    // An error body echoing secrets back (a hostile or buggy server).
    let echo = r#"{"error":"invalid_grant","error_description":"bad code polar_ac_test_SECRET"}"#;
    let err = token(400, echo).await.unwrap_err();
    assert!(!err.to_string().contains("SECRET"), "{err}");
    let echo =
        r#"{"access_token":"polar_at_u_SECRET","refresh_token":"x_SECRET","code":"y_SECRET"}"#;
    let err = token(503, echo).await.unwrap_err();
    assert!(!err.to_string().contains("SECRET"), "{err}");
    assert!(!format!("{err:?}").contains("SECRET"), "{err:?}");
}
