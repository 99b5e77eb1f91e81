//! The "Connect with Polar" example app (`examples/connect.rs`), end to end over real HTTP
//! against the embedded server: login, approval, callback, `/me`, a restart, a refresh with
//! rotation, logout, and the requests it must refuse.

// Tests state their expectations with unwrap/expect/panic: a failure is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../examples/connect.rs"]
#[allow(dead_code)]
mod connect;

use std::path::{Path, PathBuf};

use axum_extra::extract::cookie::Key;
use polar_oauth2::{
    ClientCredentials, ClientSecret, Connector, FileStore, OAuthErrorCode, TokenStore, Tokens,
};
use polar_oauth2_test_server::{TestClient, TestServer, USER_EMAIL, USER_ID};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};

const CLIENT_ID: &str = "polar_ci_test_example_app";
const CLIENT_SECRET: &str = "polar_cs_test_example_app";
const COOKIE_KEY: [u8; 64] = [42; 64];

fn credentials() -> ClientCredentials {
    ClientCredentials::confidential(CLIENT_ID, ClientSecret::new(CLIENT_SECRET))
}

/// A browser: keeps the cookies the app sets (by name), follows nothing by itself.
struct Browser {
    http: reqwest::Client,
    cookies: Vec<(String, String)>,
}

impl Browser {
    fn new() -> Self {
        polar_oauth2::install_crypto_provider();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            http,
            cookies: Vec::new(),
        }
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> reqwest::Response {
        let cookie = self
            .cookies
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let response = request.header(COOKIE, cookie).send().await.unwrap();
        for set in response.headers().get_all(SET_COOKIE) {
            let pair = set.to_str().unwrap().split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            self.cookies.retain(|(n, _)| n != name);
            if !value.is_empty() {
                self.cookies.push((name.to_owned(), value.to_owned()));
            }
        }
        response
    }

    async fn get(&mut self, url: &str) -> reqwest::Response {
        let request = self.http.get(url);
        self.send(request).await
    }

    async fn post(&mut self, url: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let request = self.http.post(url).form(form);
        self.send(request).await
    }
}

fn location(response: &reqwest::Response) -> String {
    response.headers()[LOCATION].to_str().unwrap().to_owned()
}

/// The embedded server with the app registered (one redirect URI per app instance).
struct Setup {
    polar: TestServer,
    dir: TempDir,
}

/// The app's token directory, removed at the end of the test.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Setup {
    async fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "polar-oauth2-example-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        Self {
            polar: TestServer::start().await.unwrap(),
            dir: TempDir(dir),
        }
    }

    /// An instance of the app serving on 127.0.0.1 (a new one is a restart: same token files,
    /// same cookie key), and its base URL.
    async fn app(&self) -> (connect::App, String) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        self.polar.register_client(
            TestClient::confidential(CLIENT_ID, CLIENT_SECRET)
                .redirect_uris([format!("{base}/callback")]),
        );
        let client = self.polar.client().unwrap();
        let app = connect::App {
            connector: Connector::new(&client, credentials(), format!("{base}/callback"))
                .authorization_page(self.polar.authorization_endpoint()),
            tokens: Tokens::new(client, credentials(), FileStore::open(&self.dir.0).unwrap()),
            cookie_key: Key::from(&COOKIE_KEY),
            secure: false,
        };
        tokio::spawn(axum::serve(listener, app.clone().router()).into_future());
        (app, base)
    }

    fn store(&self) -> FileStore {
        FileStore::open(&self.dir.0).unwrap()
    }
}

/// `/login`, the user approves at Polar: the callback URL the browser is sent back to.
async fn approved_callback(browser: &mut Browser, polar: &TestServer, base: &str) -> String {
    let login = browser.get(&format!("{base}/login")).await;
    assert_eq!(login.status(), StatusCode::SEE_OTHER);
    let callback = polar.approve(&location(&login)).unwrap();
    assert!(
        callback.starts_with(&format!("{base}/callback?")),
        "{callback}"
    );
    callback
}

fn in_dir(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, Iterator::count)
}

#[tokio::test]
async fn a_user_connects_survives_a_restart_is_refreshed_and_logs_out() {
    let setup = Setup::new("journey").await;
    let (_, base) = setup.app().await;
    let mut browser = Browser::new();

    // Login: the pending request is in an encrypted, HttpOnly, SameSite=Lax cookie.
    let login = browser.get(&format!("{base}/login")).await;
    let authorization_url = location(&login);
    assert!(authorization_url.starts_with(&setup.polar.authorization_endpoint()));
    let set_cookie = login.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(set_cookie.starts_with("pending="), "{set_cookie}");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(set_cookie.contains(attribute), "{set_cookie}");
    }
    assert!(!set_cookie.contains("Secure"), "plain HTTP on loopback");
    let state = url::Url::parse(&authorization_url)
        .unwrap()
        .query_pairs()
        .find(|(n, _)| n == "state")
        .unwrap()
        .1
        .into_owned();
    assert!(
        !set_cookie.contains(&state),
        "the browser can read the pending request"
    );

    let callback = setup.polar.approve(&authorization_url).unwrap();
    let back = browser.get(&callback).await;
    assert_eq!(back.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&back), "/me");
    let me: serde_json::Value = browser
        .get(&format!("{base}/me"))
        .await
        .json()
        .await
        .unwrap();
    let user = USER_ID.to_string();
    assert_eq!(me["sub"], user);
    assert_eq!(me["email"], USER_EMAIL);
    let first = setup.store().load(&user).await.unwrap().unwrap();

    // A restart: a new instance reads the same files and decrypts the same cookies.
    let (app, base) = setup.app().await;
    let me = browser.get(&format!("{base}/me")).await;
    assert_eq!(me.status(), StatusCode::OK);
    let csrf = me.json::<serde_json::Value>().await.unwrap()["csrf"]
        .as_str()
        .unwrap()
        .to_owned();

    // A refresh, forced: the refresh token rotates and the new one is on disk.
    app.tokens.expire_now(&user).await.unwrap();
    assert_eq!(
        browser.get(&format!("{base}/me")).await.status(),
        StatusCode::OK
    );
    let refreshed = setup.store().load(&user).await.unwrap().unwrap();
    assert_ne!(refreshed.refresh_token(), first.refresh_token());
    let client = setup.polar.client().unwrap();
    let reused = client
        .refresh(&credentials(), first.refresh_token().unwrap())
        .await
        .unwrap_err();
    assert_eq!(
        reused.as_oauth().unwrap().code,
        OAuthErrorCode::InvalidGrant
    );

    // Logout refusals: a GET, a POST without the CSRF token, a POST with another one.
    let get = browser.get(&format!("{base}/logout")).await;
    assert_eq!(get.status(), StatusCode::METHOD_NOT_ALLOWED);
    let without = browser.post(&format!("{base}/logout"), &[]).await;
    assert!(without.status().is_client_error(), "{}", without.status());
    let forged = "x".repeat(csrf.len());
    let wrong = browser
        .post(&format!("{base}/logout"), &[("csrf", &forged)])
        .await;
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        browser.get(&format!("{base}/me")).await.status(),
        StatusCode::OK
    );
    assert_eq!(in_dir(&setup.dir.0), 1);

    // Logout: the grant is revoked at Polar and forgotten here.
    let out = browser
        .post(&format!("{base}/logout"), &[("csrf", &csrf)])
        .await;
    assert_eq!(out.status(), StatusCode::OK);
    let introspected = client
        .introspect(&credentials(), refreshed.access_token())
        .await
        .unwrap();
    assert!(introspected.active().is_none(), "the token is still active");
    assert!(setup.store().load(&user).await.unwrap().is_none());
    assert_eq!(in_dir(&setup.dir.0), 0);
    assert_eq!(
        browser.get(&format!("{base}/me")).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn forged_replayed_and_denied_callbacks_are_refused_with_400() {
    let setup = Setup::new("refusals").await;
    let (_, base) = setup.app().await;
    let mut victim = Browser::new();
    let callback = approved_callback(&mut victim, &setup.polar, &base).await;
    let pending_cookie = victim.cookies.clone();

    // A forged state (a CSRF attempt) is refused, and does not spend the user's own login.
    let (url, _) = callback.split_once("state=").unwrap();
    let forged = format!("{url}state=forged-state-of-an-attacker");
    assert_eq!(victim.get(&forged).await.status(), StatusCode::BAD_REQUEST);
    assert_eq!(victim.get(&callback).await.status(), StatusCode::SEE_OTHER);

    // Replayed: by the same browser (the pending request is gone), by another without it,
    // and by one holding the old pending cookie (the code is spent).
    assert_eq!(
        victim.get(&callback).await.status(),
        StatusCode::BAD_REQUEST
    );
    let mut attacker = Browser::new();
    assert_eq!(
        attacker.get(&callback).await.status(),
        StatusCode::BAD_REQUEST
    );
    attacker.cookies = pending_cookie;
    assert_eq!(
        attacker.get(&callback).await.status(),
        StatusCode::BAD_REQUEST
    );

    // Denied at Polar.
    let mut other = Browser::new();
    let login = other.get(&format!("{base}/login")).await;
    let denied = setup.polar.deny(&location(&login)).unwrap();
    assert!(denied.contains("error=access_denied"), "{denied}");
    assert_eq!(other.get(&denied).await.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_callback_while_polar_is_down_answers_502() {
    let setup = Setup::new("down").await;
    let (_, base) = setup.app().await;
    let mut browser = Browser::new();
    let callback = approved_callback(&mut browser, &setup.polar, &base).await;
    // Polar goes away between the approval and the callback.
    let Setup { polar, dir: _dir } = setup;
    drop(polar);
    assert_eq!(
        browser.get(&callback).await.status(),
        StatusCode::BAD_GATEWAY
    );
}
