//! Issue 6's benchmarks: each runs the crate and a hand-written baseline in the same process and
//! reports the ratio crate / baseline against its target (lower is better).
//!
//! - `token_round_trip`, `authorize_round_trip`: one call through `polar_oauth2::Client` vs. a
//!   hand-written reqwest + serde client, against the same loopback keep-alive server.
//! - `authorize_decode`: a ~3 KB authorize response (10 scopes, the 62 display names of
//!   the vendored spec's labels) vs. a `#[serde(tag = "sub_type")]` enum with a `HashMap`.
//! - `form_*`: the form body of each grant vs. `serde_urlencoded` of a plain struct.
//! - `token_decode`: the token response, scope set included, vs. a plain struct.
//!
//! `cargo bench` (about 80 s) prints criterion's report for each side, then one table of
//! ratios, each measured in paired rounds (see "Measuring" below), which `BENCHMARKS.md`
//! copies. A filter (`cargo bench --bench oauth2 -- decode`) runs a subset; the table then lists
//! only what ran. `POLAR_BENCH_SERVER_THREAD=1` moves the loopback server to its own thread.

// A benchmark or test that cannot set up or gets a wrong answer must stop loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::fmt::Write as _;
use std::hint::black_box;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use criterion::Criterion;
use polar_oauth2::{
    AccessToken, AuthorizationCode, AuthorizationCodeGrant, AuthorizeParams, AuthorizeResponse,
    ClientCredentials, ClientSecret, PkceCodeVerifier, PkceMethod, RefreshToken, RefreshTokenGrant,
    Scope, ScopeSet, Server, SessionToken, SubType, Token, TokenRequest, WebGrant,
};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

// ---------------------------------------------------------------------------------------------
// Realistic payloads

const CLIENT_ID: &str = "polar_ci_Xq3kP9vTz2LmN8bR4wYc6D";
const CLIENT_SECRET: &str = "polar_cs_hV7nQ2xK9pL4mT8rW3zB6yF1cJ5gD0sA";
const REFRESH_TOKEN: &str = "polar_rt_u_Zk4Jm8Qp2Vx7Nc3Lb9Ht5Rw1Fy6Gd0Sa";
const ACCESS_TOKEN: &str = "polar_at_u_Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv";
const REDIRECT_URI: &str = "https://app.example.com/oauth/callback";
const STATE: &str = "af0ifjsldkj3Rk8mZq1wX2";
const CODE_CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// The ten scopes asked for (and granted) in every payload.
const SCOPES: [&str; 10] = [
    "openid",
    "profile",
    "email",
    "user:read",
    "organizations:read",
    "products:read",
    "products:write",
    "customers:read",
    "orders:read",
    "webhooks:write",
];

/// Every known scope's label, as Polar sends `scope_display_names` when nothing changed (the
/// spec's `enumNames`, which the build reads: the fixture follows the vendored spec).
fn spec_display_names() -> Vec<(String, String)> {
    let names: Vec<(String, String)> = polar_oauth2::Scope::KNOWN
        .iter()
        .filter_map(|s| Some((s.as_str().to_owned(), s.display_name()?.to_owned())))
        .collect();
    assert!(!names.is_empty(), "the spec labels its scopes");
    names
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// A `sub_type: user` authorize response, fields in the order Polar's server writes them
/// (compact JSON, as Starlette's `JSONResponse` does).
fn authorize_body() -> Vec<u8> {
    let mut body = String::from(concat!(
        r#"{"client":{"created_at":"2025-01-14T10:22:31.123456Z","#,
        r#""modified_at":"2025-06-02T08:01:12.654321Z","#,
        r#""client_id":"polar_ci_Xq3kP9vTz2LmN8bR4wYc6D","client_name":"Acme Analytics","#,
        r#""client_uri":"https://acme.example.com","#,
        r#""logo_uri":"https://acme.example.com/static/logo.png","#,
        r#""tos_uri":"https://acme.example.com/terms","#,
        r#""policy_uri":"https://acme.example.com/privacy"},"#,
        r#""sub_type":"user","#,
        r#""sub":{"id":"3f2b8c1e-6a4d-4e7f-9b0a-5c8d2e1f4a6b","email":"jane.doe@example.com","#,
        r#""avatar_url":"https://avatars.githubusercontent.com/u/1234567?v=4"},"#,
        r#""scopes":["#,
    ));
    for (i, scope) in SCOPES.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(&json_str(scope));
    }
    body.push_str(r#"],"organizations":[],"scope_display_names":{"#);
    for (i, (scope, name)) in spec_display_names().iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        let _ = write!(body, "{}:{}", json_str(scope), json_str(name));
    }
    body.push_str("}}");
    body.into_bytes()
}

/// A refresh grant's response (RFC 6749 §5.1) with an OpenID Connect ID token, as Polar sends it.
fn token_body() -> Vec<u8> {
    let id_token = format!(
        "eyJhbGciOiJSUzI1NiIsImtpZCI6InBvbGFyLTIwMjUiLCJ0eXAiOiJKV1QifQ.{}.{}",
        "eyJpc3MiOiJodHRwczovL3BvbGFyLnNoIiwic3ViIjoiM2YyYjhjMWUtNmE0ZC00ZTdmLTliMGEtNWM4ZDJlMWY0YTZiIiwiYXVkIjoicG9sYXJfY2lfWHEza1A5dlR6MkxtTjhiUjR3WWM2RCIsImV4cCI6MTc1MDAwMDAwMCwiaWF0IjoxNzQ5OTk2NDAwLCJhdXRoX3RpbWUiOjE3NDk5OTY0MDAsIm5vbmNlIjoibjAxIiwiZW1haWwiOiJqYW5lLmRvZUBleGFtcGxlLmNvbSIsImVtYWlsX3ZlcmlmaWVkIjp0cnVlfQ",
        "c2lnbmF0dXJlLXBsYWNlaG9sZGVyLXRoYXQtaXMtYXMtbG9uZy1hcy1hbi1yczI1Ni1zaWduYXR1cmUtd291bGQtYmUtaW4tcHJhY3RpY2UtMjU2LWJ5dGVzLWJhc2U2NHVybC1lbmNvZGVkLXNvLXRoaXMtcGFkcy1pdC1vdXQtYS1iaXQtbW9yZQ",
    );
    format!(
        r#"{{"access_token":"{ACCESS_TOKEN}","token_type":"Bearer","expires_in":3600,"refresh_token":"polar_rt_u_Nw2Qe8Rt4Yu6Io0Pa3Sd5Fg7Hj9Kl1Zx","id_token":"{id_token}","scope":"{}"}}"#,
        SCOPES.join(" ")
    )
    .into_bytes()
}

// ---------------------------------------------------------------------------------------------
// The hand-written baseline: what a user writes with reqwest + serde and no generator

/// `#[serde(tag = "sub_type")]` over the two arms, display names in a `HashMap`.
#[derive(Debug, Deserialize)]
#[serde(tag = "sub_type", rename_all = "snake_case")]
#[allow(dead_code)] // fields are decoded, not read
enum BaselineAuthorize {
    User {
        client: BaselineClient,
        sub: Option<BaselineUser>,
        scopes: Vec<String>,
        #[serde(default)]
        scope_display_names: HashMap<String, String>,
    },
    Organization {
        client: BaselineClient,
        sub: Option<BaselineOrganization>,
        scopes: Vec<String>,
        #[serde(default)]
        scope_display_names: HashMap<String, String>,
        organizations: Vec<BaselineOrganization>,
    },
}

/// Same field types as the generated `OAuth2ClientPublic`.
#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct BaselineClient {
    created_at: chrono::DateTime<chrono::Utc>,
    modified_at: Option<chrono::DateTime<chrono::Utc>>,
    client_id: String,
    client_name: Option<String>,
    client_uri: Option<String>,
    logo_uri: Option<String>,
    tos_uri: Option<String>,
    policy_uri: Option<String>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct BaselineUser {
    id: uuid::Uuid,
    email: String,
    avatar_url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct BaselineOrganization {
    id: uuid::Uuid,
    slug: String,
    avatar_url: Option<String>,
}

/// RFC 6749 §5.1 as a plain struct, `scope` left as the wire string.
#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct BaselineToken {
    access_token: String,
    token_type: String,
    expires_in: Option<i64>,
    refresh_token: Option<String>,
    id_token: Option<String>,
    scope: Option<String>,
}

#[derive(Serialize)]
struct BaselineAuthorizationCodeForm {
    grant_type: &'static str,
    client_id: String,
    client_secret: String,
    code: String,
    redirect_uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    code_verifier: Option<String>,
}

#[derive(Serialize)]
struct BaselineRefreshForm {
    grant_type: &'static str,
    client_id: String,
    client_secret: String,
    refresh_token: String,
}

#[derive(Serialize)]
struct BaselineWebForm {
    grant_type: &'static str,
    client_id: String,
    client_secret: String,
    session_token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<String>,
}

/// The baseline client: one `reqwest::Client`, a request built by hand, `.json()` to decode.
struct HandWritten {
    http: reqwest::Client,
    token_url: String,
    authorize_url: String,
}

impl HandWritten {
    async fn refresh(&self) -> reqwest::Result<BaselineToken> {
        let form = BaselineRefreshForm {
            grant_type: "refresh_token",
            client_id: CLIENT_ID.to_owned(),
            client_secret: CLIENT_SECRET.to_owned(),
            refresh_token: REFRESH_TOKEN.to_owned(),
        };
        self.http
            .post(&self.token_url)
            .form(&form)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await
    }

    async fn authorize(&self, scope: &str) -> reqwest::Result<BaselineAuthorize> {
        self.http
            .get(&self.authorize_url)
            .bearer_auth(ACCESS_TOKEN)
            .query(&[
                ("client_id", CLIENT_ID),
                ("response_type", "code"),
                ("redirect_uri", REDIRECT_URI),
                ("scope", scope),
                ("state", STATE),
                ("code_challenge", CODE_CHALLENGE),
                ("code_challenge_method", "S256"),
            ])
            .send()
            .await?
            .error_for_status()?
            .json()
            .await
    }
}

// ---------------------------------------------------------------------------------------------
// The loopback keep-alive server both clients talk to

/// A minimal HTTP/1.1 server on `127.0.0.1:0`: canned responses by path, keep-alive, no
/// per-request allocation beyond the read buffer. Both clients pay exactly the same server cost.
///
/// By default it runs on the client's own current-thread runtime (`same_runtime`): a round trip
/// is then the client's work, the server's work and the loopback syscalls, with no thread
/// wake-ups. On its own thread (`None`), each round trip adds two cross-CPU wake-ups, which on
/// this 2-vCPU VM cost ~75 µs and vary with other load: they would hide the client-side
/// differences being measured (see `BENCHMARKS.md`).
fn spawn_server(
    token: Vec<u8>,
    authorize: Vec<u8>,
    same_runtime: Option<&tokio::runtime::Runtime>,
) -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local address");
    listener.set_nonblocking(true).expect("non-blocking");
    let response = |body: &[u8]| {
        let mut r = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncache-control: no-store\r\ncontent-length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        r.extend_from_slice(body);
        &*Box::leak(r.into_boxed_slice())
    };
    let (token, authorize) = (response(&token), response(&authorize));
    let accept = async move {
        let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            tokio::spawn(serve(stream, token, authorize));
        }
    };
    match same_runtime {
        Some(rt) => {
            rt.spawn(accept);
        }
        None => {
            std::thread::spawn(move || {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("server runtime")
                    .block_on(accept)
            });
        }
    }
    addr
}

async fn serve(mut stream: tokio::net::TcpStream, token: &[u8], authorize: &[u8]) {
    let mut buf = Vec::with_capacity(16 * 1024);
    loop {
        let (len, is_token) = loop {
            let mut headers = [httparse::EMPTY_HEADER; 32];
            let mut request = httparse::Request::new(&mut headers);
            match request.parse(&buf) {
                Ok(httparse::Status::Complete(head)) => {
                    let body = request
                        .headers
                        .iter()
                        .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                        .and_then(|h| std::str::from_utf8(h.value).ok()?.parse::<usize>().ok())
                        .unwrap_or(0);
                    let is_token = request
                        .path
                        .is_some_and(|p| p.starts_with("/v1/oauth2/token"));
                    break (head + body, is_token);
                }
                Ok(httparse::Status::Partial) => {}
                Err(_) => return,
            }
            if !matches!(stream.read_buf(&mut buf).await, Ok(n) if n > 0) {
                return;
            }
        };
        while buf.len() < len {
            if !matches!(stream.read_buf(&mut buf).await, Ok(n) if n > 0) {
                return;
            }
        }
        buf.drain(..len);
        let response = if is_token { token } else { authorize };
        if stream.write_all(response).await.is_err() {
            return;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Measuring
//
// Criterion measures each side on its own (absolute times, confidence intervals, saved
// baselines). The ratio is measured separately, *paired*: short rounds that time the baseline
// and the crate back to back (in alternating order), one ratio per round, the median of all
// rounds reported. On two cores shared with other work, a load change between criterion's
// baseline run and its crate run seconds later would otherwise move the ratio by more than the
// differences being measured; within one round both sides see the same load.

/// One measured pair: the median per-round ratio and its interquartile range, and criterion's
/// median time for each side.
struct Pair {
    group: &'static str,
    ratio: f64,
    ratio_q1: f64,
    ratio_q3: f64,
    rounds: usize,
    ours_ns: f64,
    base_ns: f64,
}

/// Per-iteration times (ns) of every sample criterion measured, by benchmark id, in run order.
static SAMPLES: Mutex<Vec<(String, f64)>> = Mutex::new(Vec::new());
/// Every pair measured in this run, for the table.
static PAIRS: Mutex<Vec<Pair>> = Mutex::new(Vec::new());

/// Measure `baseline` and `ours` under `group/baseline` and `group/crate` with criterion, then
/// their ratio with [`paired_ratio`] (skipped in `--test` mode and when filtered out).
fn pair<A, B>(
    c: &mut Criterion,
    group: &'static str,
    mut baseline: impl FnMut() -> A,
    mut ours: impl FnMut() -> B,
) {
    criterion_side(c, group, "baseline", &mut baseline);
    criterion_side(c, group, "crate", &mut ours);
    let (Some(base_ns), Some(ours_ns)) = (
        criterion_median(&format!("{group}/baseline")),
        criterion_median(&format!("{group}/crate")),
    ) else {
        return;
    };
    let (ratio_q1, ratio, ratio_q3, rounds) = paired_ratio(&mut baseline, &mut ours, PAIRED_TIME);
    println!(
        "{group}: crate / baseline = {ratio:.3} (interquartile {ratio_q1:.3}..{ratio_q3:.3}, {rounds} paired rounds)"
    );
    if let Ok(mut pairs) = PAIRS.lock() {
        pairs.push(Pair {
            group,
            ratio,
            ratio_q1,
            ratio_q3,
            rounds,
            ours_ns,
            base_ns,
        });
    }
}

fn criterion_side<R>(c: &mut Criterion, group: &str, name: &str, f: &mut impl FnMut() -> R) {
    let id = format!("{group}/{name}");
    c.benchmark_group(group).bench_function(name, |b| {
        b.iter_custom(|iters| {
            let took = time(iters, f);
            if let Ok(mut samples) = SAMPLES.lock() {
                samples.push((id.clone(), took.as_nanos() as f64 / iters as f64));
            }
            took
        });
    });
}

fn time<R>(iters: u64, f: &mut impl FnMut() -> R) -> Duration {
    let start = Instant::now();
    for _ in 0..iters {
        black_box(f());
    }
    start.elapsed()
}

/// Median of the last [`SAMPLE_SIZE`] samples of `id`: criterion calls the routine for its
/// warm-up first, then exactly `sample_size` times for the measurement. `None` when it did not
/// measure (`--test` mode, or filtered out).
fn criterion_median(id: &str) -> Option<f64> {
    let samples = SAMPLES.lock().ok()?;
    let all: Vec<f64> = samples
        .iter()
        .filter(|(i, _)| i == id)
        .map(|(_, t)| *t)
        .collect();
    if all.len() < SAMPLE_SIZE {
        return None;
    }
    Some(quartiles(all[all.len() - SAMPLE_SIZE..].to_vec()).1)
}

/// Rounds of `k` baseline calls and `k` crate calls back to back (order alternating), `k`
/// chosen so that a half-round takes about a millisecond; returns the quartiles of the
/// per-round ratios crate / baseline and the number of rounds.
fn paired_ratio<A, B>(
    baseline: &mut impl FnMut() -> A,
    ours: &mut impl FnMut() -> B,
    budget: Duration,
) -> (f64, f64, f64, usize) {
    let mut k = 1;
    while time(k, baseline) < Duration::from_millis(1) && k < 1 << 20 {
        k *= 2;
    }
    let mut ratios = Vec::new();
    let start = Instant::now();
    while start.elapsed() < budget || ratios.len() < 20 {
        let (base, ours) = if ratios.len() % 2 == 0 {
            let b = time(k, baseline);
            (b, time(k, ours))
        } else {
            let o = time(k, ours);
            (time(k, baseline), o)
        };
        ratios.push(ours.as_secs_f64() / base.as_secs_f64());
    }
    let rounds = ratios.len();
    let (q1, median, q3) = quartiles(ratios);
    (q1, median, q3, rounds)
}

fn quartiles(mut values: Vec<f64>) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let i = q * (values.len() - 1) as f64;
        let (lo, hi) = (i.floor() as usize, i.ceil() as usize);
        values[lo] + (values[hi] - values[lo]) * (i - lo as f64)
    };
    (at(0.25), at(0.5), at(0.75))
}

fn format_time(ns: f64) -> String {
    if ns >= 10_000.0 {
        format!("{:.1} µs", ns / 1e3)
    } else if ns >= 1_000.0 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

/// Each benchmark group's target for crate / baseline.
const TARGETS: [(&str, f64); 7] = [
    ("token_round_trip", 1.02),
    ("authorize_round_trip", 0.90),
    ("authorize_decode", 0.50),
    ("form_authorization_code", 1.05),
    ("form_refresh_token", 1.05),
    ("form_web", 1.05),
    ("token_decode", 1.20),
];

/// The table `BENCHMARKS.md` copies.
fn print_ratio_table() {
    let Ok(pairs) = PAIRS.lock() else { return };
    if pairs.is_empty() {
        return;
    }
    println!(
        "\nRatios: crate / baseline, lower is better (median of paired rounds, interquartile range)\n"
    );
    println!("| benchmark | ratio | interquartile | target | | crate | baseline |");
    println!("|---|---|---|---|---|---|---|");
    for p in pairs.iter() {
        let target = TARGETS
            .iter()
            .find(|(g, _)| *g == p.group)
            .map_or(f64::NAN, |(_, t)| *t);
        println!(
            "| {} | **{:.2}x** | {:.2}..{:.2} ({} rounds) | <= {target:.2}x | {} | {} | {} |",
            p.group,
            p.ratio,
            p.ratio_q1,
            p.ratio_q3,
            p.rounds,
            if p.ratio <= target { "met" } else { "MISSED" },
            format_time(p.ours_ns),
            format_time(p.base_ns),
        );
    }
    println!("\n(crate and baseline: criterion's median time per call)");
}

// ---------------------------------------------------------------------------------------------
// The benchmarks

fn round_trips(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    // The server runs on the client's runtime unless POLAR_BENCH_SERVER_THREAD=1 (see
    // `spawn_server`).
    let own_thread = std::env::var_os("POLAR_BENCH_SERVER_THREAD").is_some_and(|v| v == "1");
    let addr = spawn_server(token_body(), authorize_body(), (!own_thread).then_some(&rt));
    let base = format!("http://{addr}");
    // One current-thread runtime for both clients: the same scheduler, no cross-thread wake-ups.

    let client = polar_oauth2::Client::builder(Server::Custom(base.clone()))
        .build()
        .expect("crate client");
    let credentials = ClientCredentials::confidential(CLIENT_ID, ClientSecret::new(CLIENT_SECRET));
    let refresh_token = RefreshToken::new(REFRESH_TOKEN);
    let access_token = AccessToken::new(ACCESS_TOKEN);
    let scope: ScopeSet = SCOPES
        .iter()
        .filter_map(|s| Scope::from_wire(s).ok())
        .collect();
    let params = AuthorizeParams::new(CLIENT_ID)
        .redirect_uri(REDIRECT_URI)
        .scope(&scope)
        .state(STATE)
        .code_challenge(CODE_CHALLENGE, PkceMethod::S256);

    // rustls is built without a default provider (see Cargo.toml); the baseline installs ring.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let baseline = HandWritten {
        http: reqwest::Client::builder().build().expect("reqwest client"),
        token_url: format!("{base}/v1/oauth2/token"),
        authorize_url: format!("{base}/v1/oauth2/authorize"),
    };
    let scope_wire = SCOPES.join(" ");

    // Both answer correctly before anything is timed.
    rt.block_on(async {
        let token = client
            .refresh(&credentials, &refresh_token)
            .await
            .expect("crate refresh");
        assert_eq!(token.scope().len(), SCOPES.len());
        let consent = client
            .authorize(&access_token, &params)
            .await
            .expect("crate authorize");
        assert_eq!(consent.sub_type(), SubType::User);
        assert_eq!(consent.scope_display_names().len(), 62);
        baseline.refresh().await.expect("baseline refresh");
        baseline
            .authorize(&scope_wire)
            .await
            .expect("baseline authorize");
    });

    pair(
        c,
        "token_round_trip",
        || rt.block_on(baseline.refresh()).expect("baseline refresh"),
        || {
            rt.block_on(client.refresh(&credentials, &refresh_token))
                .expect("crate refresh")
        },
    );
    pair(
        c,
        "authorize_round_trip",
        || {
            rt.block_on(baseline.authorize(&scope_wire))
                .expect("baseline authorize")
        },
        || {
            rt.block_on(client.authorize(&access_token, &params))
                .expect("crate authorize")
        },
    );
}

fn decoding(c: &mut Criterion) {
    let authorize = authorize_body();
    assert!(
        (2_500..4_000).contains(&authorize.len()),
        "authorize body is {} bytes",
        authorize.len()
    );
    // The crate decodes what the baseline decodes, display names included.
    let ours: AuthorizeResponse = serde_json::from_slice(&authorize).expect("crate decode");
    assert_eq!(ours.scopes().len(), SCOPES.len());
    assert_eq!(ours.scope_display_names().len(), 62);
    assert_eq!(ours.scope_display_names().differences().count(), 0);
    pair(
        c,
        "authorize_decode",
        || serde_json::from_slice::<BaselineAuthorize>(&authorize).expect("baseline decode"),
        || serde_json::from_slice::<AuthorizeResponse>(&authorize).expect("crate decode"),
    );

    let token = token_body();
    let ours: Token = serde_json::from_slice(&token).expect("crate decode");
    assert_eq!(ours.scope().len(), SCOPES.len());
    pair(
        c,
        "token_decode",
        || serde_json::from_slice::<BaselineToken>(&token).expect("baseline decode"),
        || serde_json::from_slice::<Token>(&token).expect("crate decode"),
    );
}

fn form_encoding(c: &mut Criterion) {
    let credentials = ClientCredentials::confidential(CLIENT_ID, ClientSecret::new(CLIENT_SECRET));
    let scope: ScopeSet = SCOPES
        .iter()
        .filter_map(|s| Scope::from_wire(s).ok())
        .collect();
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let code = "polar_ac_Qw8Er4Ty6Ui2Op0As3Df5Gh7Jk9Lz1Xc";
    let session = "polar_us_Mn4Bv6Cx8Zl2Kj0Hg3Fd5Sa7Qw9Er1Ty";
    let sub = "3f2b8c1e-6a4d-4e7f-9b0a-5c8d2e1f4a6b";

    let ours: TokenRequest = AuthorizationCodeGrant::new(
        credentials.clone(),
        AuthorizationCode::new(code),
        REDIRECT_URI,
    )
    .code_verifier(PkceCodeVerifier::new(verifier))
    .into();
    let base = BaselineAuthorizationCodeForm {
        grant_type: "authorization_code",
        client_id: CLIENT_ID.to_owned(),
        client_secret: CLIENT_SECRET.to_owned(),
        code: code.to_owned(),
        redirect_uri: REDIRECT_URI.to_owned(),
        code_verifier: Some(verifier.to_owned()),
    };
    form_pair(c, "form_authorization_code", &ours, &base);

    let ours: TokenRequest =
        RefreshTokenGrant::new(credentials.clone(), RefreshToken::new(REFRESH_TOKEN)).into();
    let base = BaselineRefreshForm {
        grant_type: "refresh_token",
        client_id: CLIENT_ID.to_owned(),
        client_secret: CLIENT_SECRET.to_owned(),
        refresh_token: REFRESH_TOKEN.to_owned(),
    };
    form_pair(c, "form_refresh_token", &ours, &base);

    let ours: TokenRequest = WebGrant::new(credentials, SessionToken::new(session))
        .sub_type(SubType::Organization)
        .sub(sub)
        .scope(scope)
        .into();
    let base = BaselineWebForm {
        grant_type: "web",
        client_id: CLIENT_ID.to_owned(),
        client_secret: CLIENT_SECRET.to_owned(),
        session_token: session.to_owned(),
        sub_type: Some("organization"),
        sub: Some(sub.to_owned()),
        scope: Some(SCOPES.join(" ")),
    };
    form_pair(c, "form_web", &ours, &base);
}

/// Both bodies must be byte-identical before they are timed.
fn form_pair(c: &mut Criterion, group: &'static str, ours: &TokenRequest, base: &impl Serialize) {
    let ours_form = serde_urlencoded::to_string(ours).expect("crate form");
    assert_eq!(
        ours_form,
        serde_urlencoded::to_string(base).expect("baseline form"),
        "{group}"
    );
    pair(
        c,
        group,
        || serde_urlencoded::to_string(base).expect("baseline form"),
        || serde_urlencoded::to_string(ours).expect("crate form"),
    );
}

/// Criterion's defaults (3 s warm-up, 5 s measurement, 100 samples) would take ~2 min here;
/// 1 s + 3 s per side plus [`PAIRED_TIME`] per pair keeps the whole run near 80 s.
fn criterion() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(SAMPLE_SIZE)
        .configure_from_args()
}

const SAMPLE_SIZE: usize = 100;
/// How long each pair's paired-ratio measurement runs.
const PAIRED_TIME: Duration = Duration::from_secs(2);

fn main() {
    let mut c = criterion();
    round_trips(&mut c);
    decoding(&mut c);
    form_encoding(&mut c);
    c.final_summary();
    print_ratio_table();
}
