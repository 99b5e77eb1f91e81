//! No secret reaches `Debug`, `Display` or the log: every public type and every error variant
//! is built from known (fake) secret values, including errors made from hostile server bodies
//! that echo the request's secrets back, and every rendering is searched for every secret in
//! every form it was sent in (as is, form-encoded). Log records emitted by the crate and its
//! dependencies while doing so are captured and searched too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use polar_oauth2::Error;
use polar_oauth2::RetryPolicy;
use polar_oauth2::{
    AccessToken, AuthorizationCode, AuthorizationCodeGrant, AuthorizeParams, Client,
    ClientCredentials, ClientSecret, IdToken, PkceCodeVerifier, PkceMethod, RefreshToken,
    RefreshTokenGrant, Scope, ScopeSet, Server, SessionToken, SubType, TokenRequest, WebGrant,
};
use polar_oauth2::{AuthorizationRequest, CsrfToken, parse_callback};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

// Obviously fake secrets. Some carry Polar's prefixes (which the crate also redacts by
// pattern); others do not, so only the crate's knowledge of what it sent can remove them, and
// the verifier has characters that form encoding changes.
const CLIENT_SECRET: &str = "polar_cs_test_FAKE_client_secret_0001";
const ACCESS_TOKEN: &str = "polar_at_u_test_FAKE_access_token_0002";
const REFRESH_TOKEN: &str = "polar_rt_u_test_FAKE_refresh_token_0003";
const CODE: &str = "polar_ac_test_FAKE_authorization_code_0004";
const VERIFIER: &str = "test-FAKE-pkce-verifier.with~unreserved_chars.0005.abcdefghijkl";
const SESSION_TOKEN: &str = "test_FAKE_web_session_token_0006";
const ID_TOKEN: &str = "eyJhbGciOiJIUzI1NiJ9.test_FAKE_id_token_0007.c2ln";
const STATE: &str = "test_FAKE_csrf_state_0008";

const SECRETS: [&str; 8] = [
    CLIENT_SECRET,
    ACCESS_TOKEN,
    REFRESH_TOKEN,
    CODE,
    VERIFIER,
    SESSION_TOKEN,
    ID_TOKEN,
    STATE,
];

/// Each secret as sent and form-encoded (`~` becomes `%7E`).
fn forms() -> Vec<String> {
    let mut forms = Vec::new();
    for s in SECRETS {
        forms.push(s.to_owned());
        let encoded = serde_urlencoded::to_string([("", s)]).unwrap();
        forms.push(encoded.trim_start_matches('=').to_owned());
    }
    forms.dedup();
    forms
}

thread_local! {
    /// How many (rendering, secret form) pairs this test checked (each test runs on one
    /// thread, its runtime too).
    static CHECKS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Print this test's count of checks (`--nocapture`).
fn report(test: &str) {
    eprintln!("{test}: {} checks", CHECKS.get());
}

/// Assert that no secret, in any form, appears in `text`.
fn assert_clean(label: &str, text: &str) {
    for form in forms() {
        CHECKS.set(CHECKS.get() + 1);
        assert!(
            !text.contains(&form),
            "{label} shows secret {form:?}:\n{text}"
        );
    }
}

/// `Debug` (plain and pretty) and, when given, `Display` of a value.
fn assert_renders_clean<T: std::fmt::Debug>(label: &str, value: &T, display: Option<String>) {
    assert_clean(&format!("{label} Debug"), &format!("{value:?}"));
    assert_clean(&format!("{label} Debug"), &format!("{value:#?}"));
    if let Some(display) = display {
        assert_clean(&format!("{label} Display"), &display);
    }
}

fn assert_error_clean(label: &str, error: &Error) {
    assert_renders_clean(label, error, Some(error.to_string()));
    // The whole source chain too, as error reporters print it.
    let mut source = std::error::Error::source(error);
    while let Some(s) = source {
        assert_clean(&format!("{label} source"), &format!("{s} {s:?}"));
        source = s.source();
    }
}

// --- log capture ----------------------------------------------------------------------------

struct Capture(Mutex<Vec<String>>);

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        self.0.lock().unwrap().push(format!(
            "{} {} {}",
            record.level(),
            record.target(),
            record.args()
        ));
    }
    fn flush(&self) {}
}

fn logs() -> &'static Capture {
    static CAPTURE: OnceLock<&'static Capture> = OnceLock::new();
    CAPTURE.get_or_init(|| {
        let capture: &'static Capture = Box::leak(Box::new(Capture(Mutex::new(Vec::new()))));
        log::set_logger(capture).unwrap();
        log::set_max_level(log::LevelFilter::Trace);
        capture
    })
}

/// Every log record so far is free of secrets; returns how many there were.
fn assert_logs_clean() -> usize {
    let records = logs().0.lock().unwrap().clone();
    for record in &records {
        assert_clean("log record", record);
    }
    records.len()
}

// --- a hostile server -----------------------------------------------------------------------

/// How a hostile server answers: given the raw request, the raw response.
type Echo = fn(&str) -> String;

/// A server that answers every request with `echo(raw request)`.
async fn hostile(echo: Echo) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let n = count.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(answer(stream, echo, n.clone()));
        }
    });
    (addr, count)
}

async fn answer(mut stream: TcpStream, echo: Echo, count: Arc<AtomicUsize>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                break;
            }
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    count.fetch_add(1, Ordering::SeqCst);
    let raw = String::from_utf8_lossy(&buf).into_owned();
    let _ = stream.write_all(echo(&raw).as_bytes()).await;
    let _ = stream.shutdown().await;
}

fn response(status: u16, headers: &[(&str, &str)], body: &str) -> String {
    let mut out = format!(
        "HTTP/1.1 {status} X\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (n, v) in headers {
        out.push_str(&format!("{n}: {v}\r\n"));
    }
    out.push_str("\r\n");
    out.push_str(body);
    out
}

/// The values the request carried, decoded: the bearer token and every form field's value.
fn values_in(raw: &str) -> Vec<String> {
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((raw, ""));
    let mut values: Vec<String> = head
        .lines()
        .filter(|l| l.to_ascii_lowercase().starts_with("authorization:"))
        .map(|l| {
            l["authorization:".len()..]
                .trim()
                .trim_start_matches("Bearer ")
                .to_owned()
        })
        .collect();
    let form: Vec<(String, String)> = serde_urlencoded::from_str(body).unwrap_or_default();
    values.extend(form.into_iter().map(|(_, v)| v));
    values
}

/// All of them, space-separated.
fn secrets_in(raw: &str) -> String {
    values_in(raw).join(" ")
}

/// The request's secret: the bearer token or the last form field (a code grant's verifier, a
/// refresh token, a web grant's scope).
fn last_value(raw: &str) -> String {
    let values = values_in(raw);
    let secret = values
        .iter()
        .rev()
        .find(|v| SECRETS.contains(&v.as_str()))
        .or(values.last());
    secret.cloned().unwrap_or_default()
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

/// Hostile answers, each echoing the request's secrets back in a different place.
const ECHOES: &[(&str, Echo)] = &[
    ("OAuth error echoing the request", |raw| {
        let s = secrets_in(raw);
        let body = format!(
            r#"{{"error":"invalid_grant","error_description":{},"error_uri":{}}}"#,
            json_string(&format!("you sent {s}")),
            json_string(&format!("https://polar.example/e?{s}"))
        );
        response(
            401,
            &[
                ("content-type", "application/json"),
                ("www-authenticate", &format!("Bearer error=\"{s}\"")),
            ],
            &body,
        )
    }),
    ("OAuth error whose code is a secret", |raw| {
        let body = format!(r#"{{"error":{}}}"#, json_string(&last_value(raw)));
        response(400, &[("content-type", "application/json")], &body)
    }),
    ("validation error echoing the form", |raw| {
        let s = secrets_in(raw);
        let detail: Vec<_> = s
            .split_whitespace()
            .map(|v| serde_json::json!({"loc": ["body", v], "msg": format!("bad value {v}"), "type": v}))
            .collect();
        let body = serde_json::json!({ "detail": detail }).to_string();
        response(422, &[("content-type", "application/json")], &body)
    }),
    ("HTML error page reflecting the raw request", |raw| {
        let body = format!("<html><pre>{raw}</pre></html>");
        response(
            500,
            &[(
                "content-type",
                &format!("text/html; x={}", secrets_in(raw).trim()),
            )],
            &body,
        )
    }),
    ("503 plain text echo with Retry-After", |raw| {
        response(
            503,
            &[("content-type", "text/plain"), ("retry-after", "0")],
            &secrets_in(raw),
        )
    }),
    ("200 with wrong-typed fields holding the secrets", |raw| {
        let s = secrets_in(raw);
        let body = format!(
            r#"{{"access_token": 1, "token_type": {}, "sub_type": {}, "scopes": {}}}"#,
            json_string(&s),
            json_string(&s),
            json_string(&s)
        );
        response(200, &[("content-type", "application/json")], &body)
    }),
    (
        "200 whose unknown variant or mistyped value is a secret",
        |raw| {
            let s = json_string(&last_value(raw));
            let body = format!(
                r#"{{"sub_type": {s}, "access_token": {s}, "token_type": {s}, "expires_in": {s}}}"#
            );
            response(200, &[("content-type", "application/json")], &body)
        },
    ),
    ("200 invalid JSON around the secrets", |raw| {
        let body = format!("{{\"note\": \"{}\" oops", secrets_in(raw));
        response(200, &[("content-type", "application/json")], &body)
    }),
    ("200 JSON-escaped echo", |raw| {
        // `\/` and `\u` escapes decode to the secret itself.
        let s = secrets_in(raw).replace('_', "\\u005f");
        let body = format!(r#"{{"error":"invalid_request","error_description":"{s}"}}"#);
        response(400, &[("content-type", "application/json")], &body)
    }),
];

fn credentials() -> ClientCredentials {
    ClientCredentials::confidential("polar_ci_test_client", ClientSecret::new(CLIENT_SECRET))
}

fn token_requests() -> Vec<TokenRequest> {
    vec![
        AuthorizationCodeGrant::new(
            credentials(),
            AuthorizationCode::new(CODE),
            "https://app.example/callback",
        )
        .code_verifier(PkceCodeVerifier::new(VERIFIER))
        .into(),
        RefreshTokenGrant::new(credentials(), RefreshToken::new(REFRESH_TOKEN)).into(),
        WebGrant::new(credentials(), SessionToken::new(SESSION_TOKEN))
            .sub_type(SubType::Organization)
            .scope(ScopeSet::new().with(Scope::Openid))
            .into(),
    ]
}

fn client_for(addr: SocketAddr) -> Client {
    Client::builder(Server::Custom(format!("http://{addr}")))
        .timeout(Some(Duration::from_secs(5)))
        .retry(RetryPolicy::new(1).initial_backoff(Duration::from_millis(1)))
        .build()
        .unwrap()
}

// --- tests ----------------------------------------------------------------------------------

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
async fn errors_from_hostile_servers_echoing_secrets_hold_none() {
    logs();
    let mut errors = 0;
    for (label, echo) in ECHOES {
        let (addr, received) = hostile(*echo).await;
        let client = client_for(addr);
        for request in token_requests() {
            let error = client.request_token(&request).await.unwrap_err();
            assert_error_clean(&format!("{label} / {}", request.grant_type()), &error);
            errors += 1;
        }
        let error = client
            .consent_data(
                &SessionToken::new(ACCESS_TOKEN),
                &AuthorizeParams::new("polar_ci_test_client"),
            )
            .await
            .unwrap_err();
        assert_error_clean(&format!("{label} / authorize"), &error);
        errors += 1;
        // Authorize may be retried (once, on 503); token requests never are.
        let expected = if label.starts_with("503") { 5 } else { 4 };
        assert_eq!(received.load(Ordering::SeqCst), expected, "{label}");
    }
    assert_eq!(errors, ECHOES.len() * 4);
    let records = assert_logs_clean();
    eprintln!("{errors} errors from hostile servers, {records} log records");
    report("hostile servers");
}

#[tokio::test]
async fn transport_timeout_and_request_errors_hold_none() {
    logs();
    let mut errors = Vec::new();
    // Refused.
    let addr = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap();
    let client = client_for(addr);
    for request in token_requests() {
        errors.push(client.request_token(&request).await.unwrap_err());
    }
    // Timeout: a server that never answers.
    let slow = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let slow_addr = slow.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = slow.accept().await {
            held.push(stream);
        }
    });
    let client = Client::builder(Server::Custom(format!("http://{slow_addr}")))
        .timeout(Some(Duration::from_millis(200)))
        .build()
        .unwrap();
    errors.push(
        client
            .request_token(&token_requests()[0])
            .await
            .unwrap_err(),
    );
    errors.push(
        client
            .consent_data(
                &SessionToken::new(ACCESS_TOKEN),
                &AuthorizeParams::new("polar_ci_test_client").state(STATE),
            )
            .await
            .unwrap_err(),
    );
    // Closed without an answer (the echo writes nothing).
    let (addr, _) = hostile(|_| String::new()).await;
    let client = client_for(addr);
    errors.push(
        client
            .request_token(&token_requests()[1])
            .await
            .unwrap_err(),
    );
    // Body over the cap.
    let (addr, _) = hostile(|raw| {
        response(
            200,
            &[],
            &format!("{}{}", secrets_in(raw), " ".repeat(4096)),
        )
    })
    .await;
    let client = Client::builder(Server::Custom(format!("http://{addr}")))
        .max_response_body(1024)
        .build()
        .unwrap();
    errors.push(
        client
            .request_token(&token_requests()[2])
            .await
            .unwrap_err(),
    );
    // A bearer token that is not a valid header value.
    let client = client_for(addr);
    errors.push(
        client
            .consent_data(
                &SessionToken::new(format!("{ACCESS_TOKEN}\n{STATE}")),
                &AuthorizeParams::new("polar_ci_test_client"),
            )
            .await
            .unwrap_err(),
    );
    let kinds: Vec<&str> = errors
        .iter()
        .map(|e| match e {
            Error::Transport(_) => "transport",
            Error::Timeout(_) => "timeout",
            Error::InvalidRequest(_) => "invalid request",
            _ => "other",
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "transport",
            "transport",
            "transport",
            "timeout",
            "timeout",
            "transport",
            "transport",
            "invalid request"
        ]
    );
    for (i, error) in errors.iter().enumerate() {
        assert_error_clean(&format!("error {i} ({})", kinds[i]), error);
    }
    assert_logs_clean();
    report("transport, timeout and request errors");
}

#[tokio::test]
async fn a_followed_redirect_error_holds_none() {
    logs();
    let (target, _) = hostile(|_| response(200, &[], "{}")).await;
    let (addr, received) = hostile(|raw| {
        // Redirect to wherever the request said it was going, with its secrets in the URL.
        let s = secrets_in(raw).replace(' ', "+");
        let host = raw
            .lines()
            .find_map(|l| l.strip_prefix("x-target: "))
            .unwrap_or("127.0.0.1:9")
            .to_owned();
        response(
            302,
            &[("location", &format!("http://{host}/?leak={s}"))],
            "",
        )
    })
    .await;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-target", target.to_string().parse().unwrap());
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap();
    let client = Client::builder(Server::Custom(format!("http://{addr}")))
        .http_client(http)
        .build()
        .unwrap();
    for request in token_requests() {
        let error = client.request_token(&request).await.unwrap_err();
        assert!(matches!(error, Error::InvalidRequest(_)), "{error:?}");
        assert_error_clean("followed redirect", &error);
    }
    assert_eq!(received.load(Ordering::SeqCst), 3);
    assert_logs_clean();
    report("followed redirect");
}
