//! Issue 6's and 15's benchmarks: each runs the crate and a hand-written baseline in the same
//! process and reports the ratio crate / baseline against its target (lower is better).
//!
//! - `*_round_trip`: each of the nine operations through `polar_oauth2::Client` vs. a
//!   hand-written reqwest + serde client (`benches/common`), against one loopback keep-alive
//!   server that runs in its own process pinned to CPU 1 (the client runs on CPU 0), as a real
//!   server would; `*_round_trip_floor`: raw hyper (one HTTP/1 connection, no client library)
//!   vs. the same baseline, for token and authorize.
//! - `*_decode`: each operation's response vs. `#[derive(Deserialize)]` structs the way a user
//!   would write them (create, get and update share `client_decode`; delete has no body), and
//!   `*_decode_scaling`: the crate's decode time per byte at 1x, 10x and 100x the response size.
//! - `form_*`: the form body of each grant vs. `serde_urlencoded` of a plain struct.
//!
//! `cargo bench --bench oauth2` prints criterion's report for each side, then one table of
//! ratios, each measured in paired rounds (see "Measuring" below), which `BENCHMARKS.md` copies.
//! A filter (`cargo bench --bench oauth2 -- decode`) runs a subset; the table then lists only
//! what ran. `POLAR_BENCH_PAIRED_ONLY=1` skips criterion's own per-side runs (the paired rounds
//! give both sides' times too). For callgrind, `POLAR_BENCH_CALLS=N POLAR_BENCH_ONLY=group/side`
//! runs that one side N times after the set-up and warm-up, and exits (see `BENCHMARKS.md`).

// A benchmark or test that cannot set up or gets a wrong answer must stop loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::hint::black_box;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::*;
use criterion::Criterion;
use polar_oauth2::{
    AccessToken, AuthorizationCode, AuthorizationCodeGrant, AuthorizeParams, AuthorizeResponse,
    ClientCredentials, ClientRegistration, ClientSecret, ClientUpdate, Introspection,
    PkceCodeVerifier, PkceMethod, RefreshToken, RefreshTokenGrant, RegisteredClient,
    RegistrationAccessToken, Scope, ScopeSet, Server, SessionToken, SubType, Token, TokenRequest,
    UserInfo, WebGrant,
};
use serde::Serialize;

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

// ---------------------------------------------------------------------------------------------
// Measuring
//
// Criterion measures each side on its own (absolute times, confidence intervals, saved
// baselines). The ratio is measured separately, *paired*: short rounds that time the baseline
// and the crate back to back (in alternating order), one ratio per round, the median of all
// rounds reported with its interquartile range. On two cores shared with other work, a load
// change between criterion's baseline run and its crate run seconds later would otherwise move
// the ratio by more than the differences being measured; within one round both sides see the
// same load.

/// One measured pair: the median per-round ratio and its interquartile range, and each side's
/// median time per call (criterion's, or the paired rounds' with `POLAR_BENCH_PAIRED_ONLY`).
struct Pair {
    group: &'static str,
    /// What the "crate" side is (`crate`, or `raw hyper` for a floor).
    ours: &'static str,
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

/// How this run measures (environment variables, see the module docs).
#[derive(Clone)]
struct Mode {
    paired_only: bool,
    /// `POLAR_BENCH_CALLS=N` and `POLAR_BENCH_ONLY=group/side`: run that side N times, exit.
    calls: Option<(u64, String)>,
    /// Criterion's filter (the first free argument), applied to the paired phase too.
    filter: Option<String>,
}

impl Mode {
    fn from_env() -> Self {
        let calls = std::env::var("POLAR_BENCH_CALLS").ok().map(|n| {
            let only = std::env::var("POLAR_BENCH_ONLY").expect("POLAR_BENCH_ONLY=group/side");
            (n.parse().expect("POLAR_BENCH_CALLS=N"), only)
        });
        let filter = std::env::args()
            .skip(1)
            .find(|a| !a.starts_with('-'))
            .filter(|a| !a.is_empty());
        Self {
            paired_only: std::env::var_os("POLAR_BENCH_PAIRED_ONLY").is_some_and(|v| v == "1"),
            calls,
            filter,
        }
    }

    fn runs(&self, group: &str) -> bool {
        match (&self.calls, &self.filter) {
            (Some((_, only)), _) => only.split('/').next() == Some(group),
            (None, Some(filter)) => group.contains(filter.as_str()),
            (None, None) => true,
        }
    }
}

static MODE: Mutex<Option<Mode>> = Mutex::new(None);

fn mode() -> Mode {
    MODE.lock()
        .expect("mode")
        .get_or_insert_with(Mode::from_env)
        .clone()
}

/// Measure `baseline` and `ours` under `group/baseline` and `group/crate` with criterion, then
/// their ratio with [`paired_ratio`] (skipped in `--test` mode and when filtered out).
fn pair<A, B>(
    c: &mut Criterion,
    group: &'static str,
    ours_label: &'static str,
    mut baseline: impl FnMut() -> A,
    mut ours: impl FnMut() -> B,
) {
    let mode = mode();
    if !mode.runs(group) {
        return;
    }
    if let Some((n, only)) = &mode.calls {
        let side = only.split('/').nth(1).unwrap_or_default();
        match side {
            "baseline" => drop(time(*n, &mut baseline)),
            "crate" => drop(time(*n, &mut ours)),
            _ => panic!("POLAR_BENCH_ONLY={only}: the side is baseline or crate"),
        }
        std::process::exit(0);
    }
    let criterion_times = if mode.paired_only {
        None
    } else {
        criterion_side(c, group, "baseline", &mut baseline);
        criterion_side(c, group, "crate", &mut ours);
        match (
            criterion_median(&format!("{group}/baseline")),
            criterion_median(&format!("{group}/crate")),
        ) {
            (Some(base), Some(ours)) => Some((base, ours)),
            // `--test` mode: criterion ran each side once.
            _ => return,
        }
    };
    let paired = paired_ratio(&mut baseline, &mut ours, PAIRED_TIME);
    let (base_ns, ours_ns) = criterion_times.unwrap_or((paired.base_ns, paired.ours_ns));
    let (ratio_q1, ratio, ratio_q3) = paired.ratio;
    println!(
        "{group}: {ours_label} / baseline = {ratio:.3} (interquartile {ratio_q1:.3}..{ratio_q3:.3}, {} paired rounds)",
        paired.rounds
    );
    if let Ok(mut pairs) = PAIRS.lock() {
        pairs.push(Pair {
            group,
            ours: ours_label,
            ratio,
            ratio_q1,
            ratio_q3,
            rounds: paired.rounds,
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

struct Paired {
    /// Quartiles of the per-round ratios crate / baseline.
    ratio: (f64, f64, f64),
    rounds: usize,
    /// Median time per call of each side over the rounds.
    base_ns: f64,
    ours_ns: f64,
}

/// Rounds of `k` baseline calls and `k` crate calls back to back (order alternating), `k`
/// chosen so that a half-round takes about a millisecond.
fn paired_ratio<A, B>(
    baseline: &mut impl FnMut() -> A,
    ours: &mut impl FnMut() -> B,
    budget: Duration,
) -> Paired {
    let mut k = 1;
    while time(k, baseline) < Duration::from_millis(1) && k < 1 << 20 {
        k *= 2;
    }
    let (mut ratios, mut bases, mut ourses) = (Vec::new(), Vec::new(), Vec::new());
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
        bases.push(base.as_nanos() as f64 / k as f64);
        ourses.push(ours.as_nanos() as f64 / k as f64);
    }
    Paired {
        rounds: ratios.len(),
        ratio: quartiles(ratios),
        base_ns: quartiles(bases).1,
        ours_ns: quartiles(ourses).1,
    }
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

/// Each benchmark group's target for crate / baseline (issue 15; the forms' from issue 6).
/// Floors and decoders without a target in the issue are reported without one.
const TARGETS: [(&str, f64); 15] = [
    ("token_round_trip", 1.00),
    ("authorize_round_trip", 0.85),
    ("revoke_round_trip", 1.00),
    ("introspect_round_trip", 1.00),
    ("userinfo_round_trip", 1.00),
    ("create_client_round_trip", 1.00),
    ("get_client_round_trip", 1.00),
    ("update_client_round_trip", 1.00),
    ("delete_client_round_trip", 1.00),
    ("token_decode", 1.05),
    ("authorize_decode", 0.40),
    ("form_authorization_code", 1.05),
    ("form_refresh_token", 1.05),
    ("form_web", 1.05),
    ("revoke_decode", f64::NAN),
];

/// The table `BENCHMARKS.md` copies.
fn print_ratio_table() {
    let Ok(pairs) = PAIRS.lock() else { return };
    if pairs.is_empty() {
        return;
    }
    println!(
        "\nRatios: X / baseline, lower is better (median of paired rounds, interquartile range)\n"
    );
    println!("| benchmark | X | ratio | interquartile | target | | X | baseline |");
    println!("|---|---|---|---|---|---|---|---|");
    for p in pairs.iter() {
        let target = TARGETS
            .iter()
            .find(|(g, _)| *g == p.group)
            .map_or(f64::NAN, |(_, t)| *t);
        let (target, verdict) = if target.is_nan() {
            ("—".to_owned(), "")
        } else {
            (
                format!("<= {target:.2}x"),
                if p.ratio <= target { "met" } else { "MISSED" },
            )
        };
        println!(
            "| {} | {} | **{:.2}x** | {:.2}..{:.2} ({} rounds) | {target} | {verdict} | {} | {} |",
            p.group,
            p.ours,
            p.ratio,
            p.ratio_q1,
            p.ratio_q3,
            p.rounds,
            format_time(p.ours_ns),
            format_time(p.base_ns),
        );
    }
    println!("\n(X and baseline: median time per call)");
}

// ---------------------------------------------------------------------------------------------
// The benchmarks

fn round_trips(c: &mut Criterion) {
    if !ROUND_TRIPS.iter().any(|g| mode().runs(g)) {
        return;
    }
    let server = ServerProcess::spawn();
    pin(CLIENT_CPU, "client");
    // One current-thread runtime for all clients, on the client's CPU.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    let base = server.base();

    let client = polar_oauth2::Client::builder(Server::Custom(base.clone()))
        .build()
        .expect("crate client");
    let credentials = ClientCredentials::confidential(CLIENT_ID, ClientSecret::new(CLIENT_SECRET));
    let refresh_token = RefreshToken::new(REFRESH_TOKEN);
    let access_token = AccessToken::new(ACCESS_TOKEN);
    let session = SessionToken::new(SESSION_TOKEN);
    let registration_token = RegistrationAccessToken::new(REGISTRATION_TOKEN);
    let scope: ScopeSet = SCOPES
        .iter()
        .filter_map(|s| Scope::from_wire(s).ok())
        .collect();
    let params = AuthorizeParams::new(CLIENT_ID)
        .redirect_uri(REDIRECT_URI)
        .scope(&scope)
        .state(STATE)
        .code_challenge(CODE_CHALLENGE, PkceMethod::S256);
    let registration = ClientRegistration::new("Acme Analytics", [REDIRECT_URI]);
    let update = ClientUpdate::new(CLIENT_ID, registration.clone());

    let baseline = HandWritten::new(&base, HandWritten::default_http());
    let scope_wire = SCOPES.join(" ");
    let mut hyper = rt.block_on(RawHyper::connect(server.addr, &scope_wire));

    // What a caller's task holds (and `block_on`/`spawn` copy) per call.
    eprintln!(
        "future sizes: refresh {} B (baseline {} B), authorize {} B (baseline {} B)",
        std::mem::size_of_val(&client.refresh(&credentials, &refresh_token)),
        std::mem::size_of_val(&baseline.refresh()),
        std::mem::size_of_val(&client.consent_data(&session, &params)),
        std::mem::size_of_val(&baseline.consent_data(&scope_wire)),
    );
    {
        use progenitor_client::ClientHooks;
        let request: TokenRequest =
            RefreshTokenGrant::new(credentials.clone(), refresh_token.clone()).into();
        let http = reqwest::Request::new(reqwest::Method::GET, base.parse().expect("url"));
        let info = progenitor_client::OperationInfo { operation_id: "x" };
        eprintln!(
            "  generated request_token {} B, request_token {} B, exec {} B",
            std::mem::size_of_val(&client.generated().oauth2_request_token(None, &request)),
            std::mem::size_of_val(&client.request_token(&request)),
            std::mem::size_of_val(&client.generated().exec(http, &info)),
        );
    }
    // Every client answers correctly before anything is timed.
    rt.block_on(async {
        let token = client
            .refresh(&credentials, &refresh_token)
            .await
            .expect("crate refresh");
        assert_eq!(token.scope().len(), SCOPES.len());
        let consent = client
            .consent_data(&session, &params)
            .await
            .expect("crate authorize");
        assert_eq!(consent.sub_type(), SubType::User);
        assert_eq!(
            consent.scope_display_names().len(),
            spec_display_names().len()
        );
        client
            .revoke(&credentials, &access_token)
            .await
            .expect("revoke");
        assert!(
            client
                .introspect(&credentials, &access_token)
                .await
                .expect("introspect")
                .is_active()
        );
        client.userinfo(&access_token).await.expect("userinfo");
        client
            .register_client(None, &registration)
            .await
            .expect("register");
        client
            .get_client(&registration_token, CLIENT_ID)
            .await
            .expect("get client");
        client
            .update_client(&registration_token, &update)
            .await
            .expect("update client");
        client
            .delete_client(&registration_token, CLIENT_ID)
            .await
            .expect("delete client");
        baseline.refresh().await.expect("baseline refresh");
        baseline
            .consent_data(&scope_wire)
            .await
            .expect("baseline authorize");
        baseline.revoke().await.expect("baseline revoke");
        baseline.introspect().await.expect("baseline introspect");
        baseline.userinfo().await.expect("baseline userinfo");
        baseline.create_client().await.expect("baseline register");
        baseline.get_client().await.expect("baseline get client");
        baseline
            .update_client()
            .await
            .expect("baseline update client");
        baseline
            .delete_client()
            .await
            .expect("baseline delete client");
        hyper.refresh().await;
        hyper.consent_data().await;
    });

    pair(
        c,
        "token_round_trip",
        "crate",
        || rt.block_on(baseline.refresh()).expect("baseline refresh"),
        || {
            rt.block_on(client.refresh(&credentials, &refresh_token))
                .expect("crate refresh")
        },
    );
    pair(
        c,
        "authorize_round_trip",
        "crate",
        || {
            rt.block_on(baseline.consent_data(&scope_wire))
                .expect("baseline authorize")
        },
        || {
            rt.block_on(client.consent_data(&session, &params))
                .expect("crate authorize")
        },
    );
    pair(
        c,
        "token_round_trip_floor",
        "raw hyper",
        || rt.block_on(baseline.refresh()).expect("baseline refresh"),
        || rt.block_on(hyper.refresh()),
    );
    let hyper = std::cell::RefCell::new(hyper);
    pair(
        c,
        "authorize_round_trip_floor",
        "raw hyper",
        || {
            rt.block_on(baseline.consent_data(&scope_wire))
                .expect("baseline authorize")
        },
        || rt.block_on(hyper.borrow_mut().consent_data()),
    );
    pair(
        c,
        "revoke_round_trip",
        "crate",
        || rt.block_on(baseline.revoke()).expect("baseline"),
        || {
            rt.block_on(client.revoke(&credentials, &access_token))
                .expect("crate")
        },
    );
    pair(
        c,
        "introspect_round_trip",
        "crate",
        || rt.block_on(baseline.introspect()).expect("baseline"),
        || {
            rt.block_on(client.introspect(&credentials, &access_token))
                .expect("crate")
        },
    );
    pair(
        c,
        "userinfo_round_trip",
        "crate",
        || rt.block_on(baseline.userinfo()).expect("baseline"),
        || rt.block_on(client.userinfo(&access_token)).expect("crate"),
    );
    pair(
        c,
        "create_client_round_trip",
        "crate",
        || rt.block_on(baseline.create_client()).expect("baseline"),
        || {
            rt.block_on(client.register_client(None, &registration))
                .expect("crate")
        },
    );
    pair(
        c,
        "get_client_round_trip",
        "crate",
        || rt.block_on(baseline.get_client()).expect("baseline"),
        || {
            rt.block_on(client.get_client(&registration_token, CLIENT_ID))
                .expect("crate")
        },
    );
    pair(
        c,
        "update_client_round_trip",
        "crate",
        || rt.block_on(baseline.update_client()).expect("baseline"),
        || {
            rt.block_on(client.update_client(&registration_token, &update))
                .expect("crate")
        },
    );
    pair(
        c,
        "delete_client_round_trip",
        "crate",
        || rt.block_on(baseline.delete_client()).expect("baseline"),
        || {
            rt.block_on(client.delete_client(&registration_token, CLIENT_ID))
                .expect("crate")
        },
    );
    drop(server);
}

const ROUND_TRIPS: [&str; 11] = [
    "token_round_trip",
    "authorize_round_trip",
    "token_round_trip_floor",
    "authorize_round_trip_floor",
    "revoke_round_trip",
    "introspect_round_trip",
    "userinfo_round_trip",
    "create_client_round_trip",
    "get_client_round_trip",
    "update_client_round_trip",
    "delete_client_round_trip",
];

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
    assert_eq!(ours.scope_display_names().len(), spec_display_names().len());
    assert_eq!(ours.scope_display_names().differences().count(), 0);
    pair(
        c,
        "authorize_decode",
        "crate",
        || serde_json::from_slice::<BaselineAuthorize>(&authorize).expect("baseline decode"),
        || serde_json::from_slice::<AuthorizeResponse>(&authorize).expect("crate decode"),
    );

    let token = token_body();
    let ours: Token = serde_json::from_slice(&token).expect("crate decode");
    assert_eq!(ours.scope().len(), SCOPES.len());
    pair(
        c,
        "token_decode",
        "crate",
        || serde_json::from_slice::<BaselineToken>(&token).expect("baseline decode"),
        || serde_json::from_slice::<Token>(&token).expect("crate decode"),
    );

    let introspect = introspect_body();
    assert!(
        serde_json::from_slice::<Introspection>(&introspect)
            .expect("crate")
            .is_active()
    );
    pair(
        c,
        "introspect_decode",
        "crate",
        || serde_json::from_slice::<BaselineIntrospection>(&introspect).expect("baseline"),
        || serde_json::from_slice::<Introspection>(&introspect).expect("crate"),
    );

    let userinfo = userinfo_body();
    pair(
        c,
        "userinfo_decode",
        "crate",
        || serde_json::from_slice::<BaselineUserInfo>(&userinfo).expect("baseline"),
        || serde_json::from_slice::<UserInfo>(&userinfo).expect("crate"),
    );

    // create, get and update answer the same registered client.
    let client = client_body();
    let ours: RegisteredClient = serde_json::from_slice(&client).expect("crate");
    assert!(ours.registration_access_token.is_some());
    pair(
        c,
        "client_decode",
        "crate",
        || serde_json::from_slice::<BaselineRegisteredClient>(&client).expect("baseline"),
        || serde_json::from_slice::<RegisteredClient>(&client).expect("crate"),
    );

    // What the generated revoke call decodes (`RevokeTokenResponse`, an open object).
    pair(
        c,
        "revoke_decode",
        "crate",
        || serde_json::from_slice::<BaselineRevoked>(b"{}").expect("baseline"),
        || {
            serde_json::from_slice::<polar_oauth2::generated::types::RevokeTokenResponse>(b"{}")
                .expect("crate")
        },
    );

    scaling();
}

/// Linear in the response size: the crate's decode time per byte at 1x, 10x and 100x the
/// scopes (token: the `scope` string; authorize: the `scopes` array), against the baseline's.
fn scaling() {
    let mode = mode();
    if mode.calls.is_some() || !mode.runs("decode_scaling") {
        return;
    }
    println!("\nDecode time per byte (median of 31 runs), 1x / 10x / 100x the scopes:");
    let scaled = |body: &[u8], from: &str, repeat: usize| -> Vec<u8> {
        let body = std::str::from_utf8(body).expect("utf-8");
        body.replacen(
            from,
            &vec![from; repeat].join(if from.starts_with('"') { "," } else { " " }),
            1,
        )
        .into_bytes()
    };
    let per_byte = |body: &[u8], f: &mut dyn FnMut(&[u8])| {
        let mut runs: Vec<f64> = (0..31)
            .map(|_| {
                let n = 50;
                let start = Instant::now();
                for _ in 0..n {
                    f(body);
                }
                start.elapsed().as_nanos() as f64 / n as f64 / body.len() as f64
            })
            .collect();
        runs.sort_by(f64::total_cmp);
        runs[15]
    };
    let scopes = SCOPES.join(" ");
    let quoted = SCOPES.map(|s| format!("\"{s}\"")).join(",");
    for (name, body, from) in [
        ("token_decode_scaling", token_body(), scopes.as_str()),
        (
            "authorize_decode_scaling",
            authorize_body(),
            quoted.as_str(),
        ),
    ] {
        let mut line = format!("  {name}:");
        for repeat in [1, 10, 100] {
            let body = scaled(&body, from, repeat);
            let (ours, base) = if name.starts_with("token") {
                (
                    per_byte(&body, &mut |b| {
                        drop(black_box(
                            serde_json::from_slice::<Token>(b).expect("crate"),
                        ))
                    }),
                    per_byte(&body, &mut |b| {
                        drop(black_box(
                            serde_json::from_slice::<BaselineToken>(b).expect("baseline"),
                        ))
                    }),
                )
            } else {
                (
                    per_byte(&body, &mut |b| {
                        drop(black_box(
                            serde_json::from_slice::<AuthorizeResponse>(b).expect("crate"),
                        ))
                    }),
                    per_byte(&body, &mut |b| {
                        drop(black_box(
                            serde_json::from_slice::<BaselineAuthorize>(b).expect("baseline"),
                        ))
                    }),
                )
            };
            let _ = std::fmt::Write::write_fmt(
                &mut line,
                format_args!(
                    "  {repeat}x ({} B): crate {ours:.2} ns/B, baseline {base:.2} ns/B;",
                    body.len()
                ),
            );
        }
        println!("{line}");
    }
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
        "crate",
        || serde_urlencoded::to_string(base).expect("baseline form"),
        || serde_urlencoded::to_string(ours).expect("crate form"),
    );
}

/// Criterion's defaults (3 s warm-up, 5 s measurement, 100 samples) would take far longer here;
/// 1 s + 3 s per side plus [`PAIRED_TIME`] per pair keeps a pair near 10 s.
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
    serve_if_server_process();
    let mut c = criterion();
    round_trips(&mut c);
    decoding(&mut c);
    form_encoding(&mut c);
    c.final_summary();
    print_ratio_table();
}
