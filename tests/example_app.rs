//! The "Connect with Polar" example app (`examples/connect.rs`), end to end against the embedded
//! server: a real HTTP client follows every redirect (login -> Polar's authorization page ->
//! callback -> `/me`) carrying the cookies by hand, then signs out.

// Tests state their expectations with unwrap/expect/panic: a failure is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../examples/connect.rs"]
#[allow(dead_code)]
mod connect;

use polar_oauth2::{ClientCredentials, ClientSecret};
use polar_oauth2_test_server::{TestClient, TestServer, USER_EMAIL, USER_ID};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};

const CLIENT_ID: &str = "polar_ci_test_example_app";
const CLIENT_SECRET: &str = "polar_cs_test_example_app";

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

    /// GET `url` with the cookies set so far; keeps the ones the response sets.
    async fn get(&mut self, url: &str) -> reqwest::Response {
        let cookie = self
            .cookies
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let response = self
            .http
            .get(url)
            .header(COOKIE, cookie)
            .send()
            .await
            .unwrap();
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

    /// GET `url`, following redirects (relative ones against `base`) until a non-redirect.
    async fn follow(&mut self, base: &str, url: &str) -> (reqwest::Response, Vec<String>) {
        let mut visited = vec![url.to_owned()];
        let mut response = self.get(url).await;
        while response.status().is_redirection() {
            let location = response.headers()[LOCATION].to_str().unwrap().to_owned();
            let next = if location.starts_with('/') {
                format!("{base}{location}")
            } else {
                location
            };
            visited.push(next.clone());
            response = self.get(&next).await;
        }
        (response, visited)
    }
}

/// The embedded server with the app registered, and the app serving on 127.0.0.1.
async fn start() -> (TestServer, String) {
    let polar = TestServer::start().await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let redirect_uri = format!("{base}/callback");
    polar.register_client(
        TestClient::confidential(CLIENT_ID, CLIENT_SECRET).redirect_uris([redirect_uri.clone()]),
    );
    let app = connect::App::new(connect::Config {
        server: polar.server(),
        authorization_page: Some(polar.authorization_endpoint()),
        credentials: ClientCredentials::confidential(CLIENT_ID, ClientSecret::new(CLIENT_SECRET)),
        redirect_uri,
        cookie_key: b"test-only cookie key, 32 bytes!!".to_vec(),
    })
    .unwrap();
    tokio::spawn(connect::serve(app, listener));
    (polar, base)
}

#[tokio::test]
async fn a_user_connects_sees_who_they_are_and_disconnects() {
    let (polar, base) = start().await;
    let mut browser = Browser::new();
    let (me, visited) = browser.follow(&base, &format!("{base}/login")).await;
    assert_eq!(me.status(), StatusCode::OK, "{visited:?}");
    // Through Polar's authorization page and back to the callback.
    assert!(visited[1].starts_with(polar.base_url()), "{visited:?}");
    assert!(
        visited[2].starts_with(&format!("{base}/callback?")),
        "{visited:?}"
    );
    let me: serde_json::Value = me.json().await.unwrap();
    assert_eq!(me["sub"], USER_ID.to_string());
    assert_eq!(me["email"], USER_EMAIL);

    let out = browser.get(&format!("{base}/logout")).await;
    assert_eq!(out.status(), StatusCode::OK);
    let after = browser.get(&format!("{base}/me")).await;
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_callback_from_another_browser_is_refused() {
    let (_polar, base) = start().await;
    let mut victim = Browser::new();
    let login = victim.get(&format!("{base}/login")).await;
    let authorize = login.headers()[LOCATION].to_str().unwrap().to_owned();
    let back = victim.get(&authorize).await;
    let callback = back.headers()[LOCATION].to_str().unwrap().to_owned();
    // An attacker's browser replays the callback without the victim's signed cookie.
    let mut attacker = Browser::new();
    let replayed = attacker.get(&callback).await;
    assert_eq!(replayed.status(), StatusCode::BAD_REQUEST);
    // A forged cookie is refused too.
    attacker.cookies.push(("pending".into(), "e30.AAAA".into()));
    let forged = attacker.get(&callback).await;
    assert_eq!(forged.status(), StatusCode::BAD_REQUEST);
}
