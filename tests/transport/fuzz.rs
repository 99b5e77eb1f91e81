//! Property tests on response handling, through a real loopback server: arbitrary bytes and
//! structurally mutated valid JSON (fields missing, null, wrong-typed, huge, deeply nested) as
//! the bodies of 2xx, 3xx, 4xx and 5xx responses with various content types, for both calls.
//! No case may panic, and every outcome is `Ok` (only for a 2xx) or a typed error that matches
//! the status.
//!
//! Cases per property: `PROPTEST_CASES` (default 64, for CI). A long run:
//! `PROPTEST_CASES=5000 cargo test --release --test transport fuzz:: -- --nocapture`.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use polar_oauth2::Error;
use polar_oauth2::{
    AuthorizeParams, Client, ClientCredentials, ClientSecret, RefreshToken, RefreshTokenGrant,
    Server as Polar, SessionToken, TokenRequest,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::Value;

use super::fuzz_bodies::{
    arbitrary_body, authorize_json, headers, mutated, oauth_error_json, status, to_bytes,
    token_json, validation_error_json,
};
use super::support::{Reply, Server};

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}

fn config() -> Config {
    Config {
        cases: cases(),
        // Failures are reported with their minimal input; no regression files in the tree.
        failure_persistence: None,
        ..Config::default()
    }
}

/// One scripted response: status, headers, body.
#[derive(Debug, Clone)]
struct Canned {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Canned {
    fn reply(&self) -> Reply {
        self.headers.iter().fold(
            Reply::status(self.status, self.body.clone()),
            |r, (n, v)| r.header(n, v),
        )
    }
}

/// The scripted server answering every request with the current [`Canned`] response, and a
/// client for it, on one runtime.
struct Loopback {
    runtime: tokio::runtime::Runtime,
    reply: Arc<Mutex<Canned>>,
    server: Server,
    client: Client,
}

impl Loopback {
    fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let reply = Arc::new(Mutex::new(Canned {
            status: 500,
            headers: Vec::new(),
            body: Vec::new(),
        }));
        let current = reply.clone();
        let server = runtime.block_on(Server::answering(move |_| current.lock().unwrap().reply()));
        let client = Client::builder(Polar::Custom(server.base_url.clone()))
            .timeout(Some(Duration::from_secs(10)))
            .build()
            .unwrap();
        Self {
            runtime,
            reply,
            server,
            client,
        }
    }

    fn requests(&self) -> usize {
        self.server.request_count()
    }

    fn answer_with(&self, canned: Canned) {
        *self.reply.lock().unwrap() = canned;
    }

    fn token(&self, canned: Canned) -> Result<polar_oauth2::Token, Error> {
        self.answer_with(canned);
        let request: TokenRequest = RefreshTokenGrant::new(
            ClientCredentials::confidential(
                "polar_ci_test_client",
                ClientSecret::new("polar_cs_test_fuzz_secret"),
            ),
            RefreshToken::new("polar_rt_u_test_fuzz_refresh"),
        )
        .into();
        self.runtime.block_on(self.client.request_token(&request))
    }

    fn consent_data(&self, canned: Canned) -> Result<polar_oauth2::AuthorizeResponse, Error> {
        self.answer_with(canned);
        self.runtime.block_on(self.client.consent_data(
            &SessionToken::new("polar_at_u_test_fuzz_bearer"),
            &AuthorizeParams::new("polar_ci_test_client"),
        ))
    }
}

// --- the invariant --------------------------------------------------------------------------

/// Outcomes per kind, printed at the end of each property (`--nocapture`).
#[derive(Default, Debug)]
struct Tally(Mutex<BTreeMap<&'static str, usize>>);

impl Tally {
    fn add(&self, kind: &'static str) {
        *self.0.lock().unwrap().entry(kind).or_default() += 1;
    }
}

/// An excerpt is at most 256 bytes (the documented bound) and an ellipsis.
const MAX_EXCERPT: usize = 256 + '…'.len_utf8();

/// Every outcome is `Ok` only for a 2xx (a success the spec did not list, such as Polar's 201
/// for registration, is still a success), or a typed error consistent with the status; its
/// `Display` and `Debug` render. Returns the outcome's kind.
fn check<T>(status: u16, outcome: &Result<T, Error>) -> Result<&'static str, TestCaseError> {
    let e = match outcome {
        Ok(_) => {
            prop_assert!((200..300).contains(&status), "Ok from HTTP {}", status);
            return Ok("ok");
        }
        Err(e) => e,
    };
    let display = e.to_string();
    let debug = format!("{e:?}");
    prop_assert!(!display.is_empty() && !debug.is_empty());
    // Bounded by what is kept of a body: error bodies are read up to 64 KiB, and a decode
    // error keeps serde's message (cut to 1 KiB) and an excerpt, never the body.
    prop_assert!(display.len() <= 70_000, "{} bytes", display.len());
    if let Error::Decode(_) = e {
        prop_assert!(
            display.len() <= 2048,
            "{} bytes: {}",
            display.len(),
            display
        );
    }
    let success = (200..300).contains(&status);
    let kind = match e {
        Error::Decode(d) => {
            prop_assert!(success, "decode error for HTTP {}: {}", status, display);
            prop_assert_eq!(d.status.map(|s| s.as_u16()), Some(status));
            prop_assert!(d.excerpt.len() <= MAX_EXCERPT, "{}", d.excerpt.len());
            "decode"
        }
        Error::OAuth(_) => "oauth",
        Error::Validation(_) => {
            prop_assert_eq!(status, 422);
            "validation"
        }
        Error::Http(h) => {
            prop_assert!(h.excerpt.len() <= MAX_EXCERPT, "{}", h.excerpt.len());
            "http"
        }
        Error::Polar(p) => {
            prop_assert!(p.detail.len() <= MAX_EXCERPT, "{}", p.detail.len());
            prop_assert!(
                p.error.as_ref().is_none_or(|e| e.len() <= MAX_EXCERPT),
                "{:?}",
                p.error
            );
            "polar"
        }
        Error::Transport(t) => {
            // The server always sends a complete response: the only transport failure is a
            // body over the cap.
            prop_assert!(t.body_too_large, "transport error: {:?}", e);
            return Ok("body_too_large");
        }
        other => {
            prop_assert!(false, "unexpected error kind: {:?}", other);
            unreachable!()
        }
    };
    if kind != "decode" {
        prop_assert!(!success, "{} error for HTTP {}", kind, status);
        prop_assert_eq!(e.status().map(|s| s.as_u16()), Some(status));
    }
    Ok(kind)
}

#[derive(Clone, Copy, Debug)]
enum Call {
    Token,
    Authorize,
}

/// Run `strategy`'s cases as responses to `call`; every request reaches the server once.
fn run<S: Strategy<Value = (u16, Vec<(String, String)>, Vec<u8>)>>(
    name: &str,
    call: Call,
    strategy: S,
) {
    let server = Loopback::start();
    let tally = Tally::default();
    let mut runner = TestRunner::new(config());
    let cases = AtomicUsize::new(0);
    let result = runner.run(&strategy, |(status, headers, body)| {
        let canned = Canned {
            status,
            headers,
            body,
        };
        cases.fetch_add(1, Ordering::SeqCst);
        let before = server.requests();
        let kind = match call {
            Call::Token => check(status, &server.token(canned))?,
            Call::Authorize => check(status, &server.consent_data(canned))?,
        };
        prop_assert_eq!(server.requests(), before + 1);
        tally.add(kind);
        Ok(())
    });
    eprintln!(
        "{name}: {} cases (shrinking included), outcomes {:?}",
        cases.load(Ordering::SeqCst),
        tally.0.lock().unwrap()
    );
    if let Err(e) = result {
        panic!("{name}: {e}");
    }
}

// --- properties -----------------------------------------------------------------------------

#[test]
fn arbitrary_bytes_as_token_responses() {
    run(
        "arbitrary bytes / token",
        Call::Token,
        (status(), headers(), arbitrary_body()),
    );
}

#[test]
fn arbitrary_bytes_as_authorize_responses() {
    run(
        "arbitrary bytes / authorize",
        Call::Authorize,
        (status(), headers(), arbitrary_body()),
    );
}

#[test]
fn mutated_token_json() {
    let body = prop_oneof![
        3 => mutated(token_json()),
        1 => mutated(oauth_error_json()),
        1 => mutated(validation_error_json()),
    ];
    run(
        "mutated JSON / token",
        Call::Token,
        (status(), headers(), body),
    );
}

#[test]
fn mutated_authorize_json() {
    let body = prop_oneof![
        2 => mutated(authorize_json("user")),
        2 => mutated(authorize_json("organization")),
        1 => mutated(oauth_error_json()),
        1 => mutated(validation_error_json()),
    ];
    run(
        "mutated JSON / authorize",
        Call::Authorize,
        (status(), headers(), body),
    );
}

#[test]
fn unmutated_bodies_decode() {
    // The baseline the mutations start from: a 200 with each valid body is `Ok`.
    let server = Loopback::start();
    let json = |v: Value| Canned {
        status: 200,
        headers: vec![("content-type".into(), "application/json".into())],
        body: to_bytes(&v, false),
    };
    server.token(json(token_json())).unwrap();
    server.consent_data(json(authorize_json("user"))).unwrap();
    server
        .consent_data(json(authorize_json("organization")))
        .unwrap();
    assert_eq!(server.requests(), 3);
    // And the writer above agrees with serde_json's.
    let v = authorize_json("organization");
    assert_eq!(
        serde_json::from_slice::<Value>(&to_bytes(&v, true)).unwrap(),
        v
    );
}
