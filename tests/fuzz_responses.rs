//! Property tests on response handling, through a real loopback server: arbitrary bytes and
//! structurally mutated valid JSON (fields missing, null, wrong-typed, huge, deeply nested) as
//! the bodies of 2xx, 3xx, 4xx and 5xx responses with various content types, for both calls.
//! No case may panic, and every outcome is `Ok` (only for a 2xx) or a typed error that matches
//! the status.
//!
//! Cases per property: `PROPTEST_CASES` (default 64, for CI). A long run:
//! `PROPTEST_CASES=5000 cargo test --release --test fuzz_responses -- --nocapture`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use polar_oauth2::Error;
use polar_oauth2::{
    AuthorizeParams, Client, ClientCredentials, ClientSecret, RefreshToken, RefreshTokenGrant,
    Server, SessionToken, TokenRequest,
};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

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

/// One scripted response.
#[derive(Debug, Clone)]
struct Canned {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// A loopback server answering every request with the current [`Canned`] response, and a
/// client for it, on one runtime.
struct Loopback {
    runtime: tokio::runtime::Runtime,
    reply: Arc<Mutex<Canned>>,
    requests: Arc<AtomicUsize>,
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
        let requests = Arc::new(AtomicUsize::new(0));
        let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (r, n) = (reply.clone(), requests.clone());
        runtime.spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, r.clone(), n.clone()));
            }
        });
        let client = Client::builder(Server::Custom(base))
            .timeout(Some(Duration::from_secs(10)))
            .build()
            .unwrap();
        Self {
            runtime,
            reply,
            requests,
            client,
        }
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

async fn serve(mut stream: TcpStream, reply: Arc<Mutex<Canned>>, requests: Arc<AtomicUsize>) {
    let mut buf = Vec::new();
    loop {
        // Read one request: the head, then `Content-Length` bytes of body.
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            let mut chunk = [0u8; 4096];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
        let len = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse::<usize>().ok())
            .unwrap_or(0);
        while buf.len() < head_end + len {
            let mut chunk = [0u8; 4096];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        buf.drain(..head_end + len);
        requests.fetch_add(1, Ordering::SeqCst);
        let canned = reply.lock().unwrap().clone();
        let mut out = format!(
            "HTTP/1.1 {} X\r\ncontent-length: {}\r\n",
            canned.status,
            canned.body.len()
        )
        .into_bytes();
        for (n, v) in &canned.headers {
            out.extend_from_slice(format!("{n}: {v}\r\n").as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&canned.body);
        if stream.write_all(&out).await.is_err() {
            return;
        }
    }
}

// --- strategies -----------------------------------------------------------------------------

/// Statuses that carry a body; 200 (the one success the spec defines) weighted up.
fn status() -> impl Strategy<Value = u16> {
    prop_oneof![
        4 => Just(200u16),
        6 => prop::sample::select(vec![
            201u16, 202, 203, 206, 300, 301, 302, 307, 308, 400, 401, 402, 403, 404, 405, 409,
            410, 413, 415, 418, 422, 429, 451, 500, 501, 502, 503, 504, 599,
        ]),
    ]
}

fn headers() -> impl Strategy<Value = Vec<(String, String)>> {
    let content_type = prop_oneof![
        Just(None),
        prop::sample::select(vec![
            "application/json",
            "application/json; charset=utf-8",
            "application/problem+json",
            "text/html; charset=utf-8",
            "text/plain",
            "application/x-www-form-urlencoded",
            "application/octet-stream",
        ])
        .prop_map(|s| Some(s.to_owned())),
        "[ -~]{0,60}".prop_map(Some),
    ];
    let retry_after = prop_oneof![
        Just(None),
        "[0-9]{1,25}".prop_map(Some),
        "[ -~]{0,30}".prop_map(Some),
    ];
    let www_authenticate = prop_oneof![Just(None), "[ -~]{0,80}".prop_map(Some)];
    (content_type, retry_after, www_authenticate).prop_map(|(ct, ra, wa)| {
        [
            ("content-type", ct),
            ("retry-after", ra),
            ("www-authenticate", wa),
        ]
        .into_iter()
        .filter_map(|(n, v)| Some((n.to_owned(), v?.trim().to_owned())))
        .collect()
    })
}

fn arbitrary_body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..64),
        prop::collection::vec(any::<u8>(), 0..4096),
        // Printable, JSON-ish noise is more likely to get past the first byte.
        "[{}\\[\\]\":,a-z0-9_ .-]{0,512}".prop_map(String::into_bytes),
    ]
}

fn token_json() -> Value {
    json!({
        "access_token": "polar_at_u_test_access",
        "token_type": "Bearer",
        "expires_in": 864000,
        "refresh_token": "polar_rt_u_test_refresh",
        "scope": "openid email orders:read",
        "id_token": "eyJ.test.sig",
    })
}

fn authorize_json(sub_type: &str) -> Value {
    let mut v = json!({
        "client": {
            "created_at": "2026-01-02T03:04:05Z",
            "modified_at": null,
            "client_id": "polar_ci_test_client",
            "client_name": "Test App",
            "client_uri": "https://app.example",
            "logo_uri": null,
            "tos_uri": null,
            "policy_uri": null,
        },
        "sub_type": sub_type,
        "sub": {"id": "0b9f7c56-2a57-4c4f-a1b8-6a9d2c3e4f50", "email": "ada@example.com", "avatar_url": null},
        "scopes": ["openid", "email", "orders:read"],
        "scope_display_names": {"openid": "OpenID", "email": "Read your email address"},
        // Required in both arms since 2026-08; older documents ignore it.
        "organizations": [{"id": "5f0c4d5e-6a4b-4c1e-9d55-2f2a7c0b1a11", "slug": "acme", "avatar_url": null}],
    });
    if sub_type == "organization" {
        v["sub"] = json!({"id": "5f0c4d5e-6a4b-4c1e-9d55-2f2a7c0b1a11", "slug": "acme", "avatar_url": null});
    }
    v
}

fn oauth_error_json() -> Value {
    json!({"error": "invalid_grant", "error_description": "The code has expired", "error_uri": "https://polar.sh/docs"})
}

fn validation_error_json() -> Value {
    json!({"detail": [{"loc": ["body", "grant_type"], "msg": "Field required", "type": "missing"}, {"loc": ["body", 0], "msg": "x", "type": "y"}]})
}

/// A value of the wrong kind, or an extreme one of the right kind.
fn replacement() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        prop::sample::select(vec![0i64, -1, i64::MIN, i64::MAX]).prop_map(Value::from),
        ".{0,40}".prop_map(Value::String),
        Just(json!([])),
        Just(json!({})),
        Just(json!(["openid", 1, null, {"a": []}])),
        Just(json!({"sub_type": "user", "error": 3})),
        // Huge: under the 1 MiB cap, and over it.
        (1usize..300_000).prop_map(|n| Value::String("x".repeat(n))),
        Just(Value::String("polar_".repeat(250_000))),
        (1usize..20_000).prop_map(|n| Value::Array(vec![Value::from(1); n])),
        // Deeply nested, up to past serde_json's recursion limit (128) and far beyond.
        (1usize..100_000, any::<bool>()).prop_map(|(depth, objects)| nested(depth, objects)),
    ]
}

/// Marks where [`to_bytes`] writes `depth` nested arrays or objects. A real `Value` that deep
/// would overflow the stack in this test's own `Clone`, `Drop` and `Debug`, which recurse.
const NESTED: &str = "\u{0}nested";

fn nested(depth: usize, objects: bool) -> Value {
    Value::String(format!("{NESTED}:{depth}:{objects}"))
}

fn write_nested(marker: &str, out: &mut Vec<u8>) -> bool {
    let Some(spec) = marker.strip_prefix(NESTED) else {
        return false;
    };
    let mut parts = spec.trim_start_matches(':').split(':');
    let depth: usize = parts.next().and_then(|d| d.parse().ok()).unwrap_or(1);
    let (open, close): (&[u8], &[u8]) = if parts.next() == Some("true") {
        (br#"{"a":"#, b"}")
    } else {
        (b"[", b"]")
    };
    out.extend(open.repeat(depth));
    out.push(b'0');
    out.extend(close.repeat(depth));
    true
}

#[derive(Debug, Clone)]
enum Mutation {
    Remove(Index),
    Replace(Index, Value),
    /// Add an unknown field holding `value` to the object at `Index`.
    AddField(Index, String, Value),
    /// Rename a key (a typo'd or re-cased field).
    Rename(Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<Index>().prop_map(Mutation::Remove),
        (any::<Index>(), replacement()).prop_map(|(i, v)| Mutation::Replace(i, v)),
        (
            any::<Index>(),
            prop_oneof![
                Just("sub_type".to_owned()),
                Just("error".to_owned()),
                Just("detail".to_owned()),
                "[a-z_]{1,12}"
            ],
            replacement()
        )
            .prop_map(|(i, k, v)| Mutation::AddField(i, k, v)),
        any::<Index>().prop_map(Mutation::Rename),
    ]
}

/// JSON pointers to every value in `v` (the root included).
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                pointers(
                    child,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate().take(8) {
                pointers(child, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(at);
}

fn apply(mut v: Value, m: &Mutation) -> Value {
    let mut all = Vec::new();
    pointers(&v, String::new(), &mut all);
    let pick = |i: &Index| all[i.index(all.len())].clone();
    match m {
        Mutation::Remove(i) => {
            let at = pick(i);
            if let Some((parent, key)) = at.rsplit_once('/')
                && let Some(p) = v.pointer_mut(parent)
            {
                match p {
                    Value::Object(map) => {
                        map.remove(&key.replace("~1", "/").replace("~0", "~"));
                    }
                    Value::Array(items) => {
                        if let Ok(k) = key.parse::<usize>()
                            && k < items.len()
                        {
                            items.remove(k);
                        }
                    }
                    _ => {}
                }
            }
        }
        Mutation::Replace(i, value) => {
            if let Some(target) = v.pointer_mut(&pick(i)) {
                *target = value.clone();
            }
        }
        Mutation::AddField(i, key, value) => {
            if let Some(Value::Object(map)) = v.pointer_mut(&pick(i)) {
                map.insert(key.clone(), value.clone());
            }
        }
        Mutation::Rename(i) => {
            let at = pick(i);
            if let Some((parent, key)) = at.rsplit_once('/')
                && let Some(Value::Object(map)) = v.pointer_mut(parent)
                && let Some(child) = map.remove(key)
            {
                map.insert(key.to_ascii_uppercase(), child);
            }
        }
    }
    v
}

fn mutated(base: Value) -> impl Strategy<Value = Vec<u8>> {
    (prop::collection::vec(mutation(), 1..4), any::<bool>()).prop_map(move |(ms, pretty)| {
        let v = ms.iter().fold(base.clone(), apply);
        to_bytes(&v, pretty)
    })
}

/// Serialise, writing [`nested`] markers out as the deep values they stand for.
fn to_bytes(v: &Value, pretty: bool) -> Vec<u8> {
    enum Step<'a> {
        Value(&'a Value),
        Raw(&'static str),
        Key(&'a str),
    }
    let mut out = Vec::new();
    let mut stack = vec![Step::Value(v)];
    while let Some(step) = stack.pop() {
        match step {
            Step::Raw(s) => out.extend_from_slice(s.as_bytes()),
            Step::Key(k) => {
                out.extend_from_slice(serde_json::to_string(k).unwrap().as_bytes());
                out.extend_from_slice(if pretty { b": " } else { b":" });
            }
            Step::Value(Value::Array(items)) => {
                out.push(b'[');
                stack.push(Step::Raw("]"));
                for (i, item) in items.iter().enumerate().rev() {
                    stack.push(Step::Value(item));
                    if i > 0 {
                        stack.push(Step::Raw(","));
                    }
                }
            }
            Step::Value(Value::Object(map)) => {
                out.push(b'{');
                stack.push(Step::Raw("}"));
                let entries: Vec<_> = map.iter().collect();
                for (i, (k, item)) in entries.into_iter().enumerate().rev() {
                    stack.push(Step::Value(item));
                    stack.push(Step::Key(k));
                    if i > 0 {
                        stack.push(Step::Raw(if pretty { ",\n  " } else { "," }));
                    }
                }
            }
            Step::Value(Value::String(s)) if write_nested(s, &mut out) => {}
            Step::Value(scalar) => out.extend_from_slice(scalar.to_string().as_bytes()),
        }
    }
    out
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
        let before = server.requests.load(Ordering::SeqCst);
        let kind = match call {
            Call::Token => check(status, &server.token(canned))?,
            Call::Authorize => check(status, &server.consent_data(canned))?,
        };
        prop_assert_eq!(server.requests.load(Ordering::SeqCst), before + 1);
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
    assert_eq!(server.requests.load(Ordering::SeqCst), 3);
    // And the writer above agrees with serde_json's.
    let v = authorize_json("organization");
    assert_eq!(
        serde_json::from_slice::<Value>(&to_bytes(&v, true)).unwrap(),
        v
    );
}
