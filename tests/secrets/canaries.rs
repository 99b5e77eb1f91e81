//! The fake secrets every test here sends, each form they travel in, and the checks that no
//! rendering (`Debug`, `Display`, an error's source chain, a log record) shows any of them.

use std::net::SocketAddr;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use polar_oauth2::{
    AuthorizationCode, AuthorizationCodeGrant, Client, ClientCredentials, ClientSecret, Error,
    PkceCodeVerifier, RefreshToken, RefreshTokenGrant, RetryPolicy, Scope, ScopeSet, Server,
    SessionToken, SubType, TokenRequest, WebGrant,
};

// Obviously fake secrets. Some carry Polar's prefixes (which the crate also redacts by
// pattern); others do not, so only the crate's knowledge of what it sent can remove them, and
// the verifier has characters that form encoding changes.
pub const CLIENT_SECRET: &str = "polar_cs_test_FAKE_client_secret_0001";
pub const ACCESS_TOKEN: &str = "polar_at_u_test_FAKE_access_token_0002";
pub const REFRESH_TOKEN: &str = "polar_rt_u_test_FAKE_refresh_token_0003";
pub const CODE: &str = "polar_ac_test_FAKE_authorization_code_0004";
pub const VERIFIER: &str = "test-FAKE-pkce-verifier.with~unreserved_chars.0005.abcdefghijkl";
pub const SESSION_TOKEN: &str = "test_FAKE_web_session_token_0006";
pub const ID_TOKEN: &str = "eyJhbGciOiJIUzI1NiJ9.test_FAKE_id_token_0007.c2ln";
pub const STATE: &str = "test_FAKE_csrf_state_0008";

pub const SECRETS: [&str; 8] = [
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
pub fn forms() -> Vec<String> {
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
pub fn report(test: &str) {
    eprintln!("{test}: {} checks", CHECKS.get());
}

/// Assert that no secret, in any form, appears in `text`.
pub fn assert_clean(label: &str, text: &str) {
    for form in forms() {
        CHECKS.set(CHECKS.get() + 1);
        assert!(
            !text.contains(&form),
            "{label} shows secret {form:?}:\n{text}"
        );
    }
}

/// `Debug` (plain and pretty) and, when given, `Display` of a value.
pub fn assert_renders_clean<T: std::fmt::Debug>(label: &str, value: &T, display: Option<String>) {
    assert_clean(&format!("{label} Debug"), &format!("{value:?}"));
    assert_clean(&format!("{label} Debug"), &format!("{value:#?}"));
    if let Some(display) = display {
        assert_clean(&format!("{label} Display"), &display);
    }
}

pub fn assert_error_clean(label: &str, error: &Error) {
    assert_renders_clean(label, error, Some(error.to_string()));
    // The whole source chain too, as error reporters print it.
    let mut source = std::error::Error::source(error);
    while let Some(s) = source {
        assert_clean(&format!("{label} source"), &format!("{s} {s:?}"));
        source = s.source();
    }
}

pub struct Capture(Mutex<Vec<String>>);

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

pub fn logs() -> &'static Capture {
    static CAPTURE: OnceLock<&'static Capture> = OnceLock::new();
    CAPTURE.get_or_init(|| {
        let capture: &'static Capture = Box::leak(Box::new(Capture(Mutex::new(Vec::new()))));
        log::set_logger(capture).unwrap();
        log::set_max_level(log::LevelFilter::Trace);
        capture
    })
}

/// Every log record so far is free of secrets; returns how many there were.
pub fn assert_logs_clean() -> usize {
    let records = logs().0.lock().unwrap().clone();
    for record in &records {
        assert_clean("log record", record);
    }
    records.len()
}

pub fn credentials() -> ClientCredentials {
    ClientCredentials::confidential("polar_ci_test_client", ClientSecret::new(CLIENT_SECRET))
}

pub fn token_requests() -> Vec<TokenRequest> {
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

/// A client of `addr` that retries once, quickly.
pub fn client_for(addr: SocketAddr) -> Client {
    Client::builder(Server::Custom(format!("http://{addr}")))
        .timeout(Some(Duration::from_secs(5)))
        .retry(RetryPolicy::new(1).initial_backoff(Duration::from_millis(1)))
        .build()
        .unwrap()
}
