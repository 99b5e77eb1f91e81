//! Load: rounds of concurrent requests (half token refreshes, half authorize calls) through one
//! `Client` against a keep-alive loopback server, reporting errors, latency, the connections
//! the server saw and the process's memory after each round.
//!
//! ```text
//! cargo run --release --example load                 # 5 rounds of 1,000 concurrent requests
//! cargo run --release --example load -- 2000 10      # 10 rounds of 2,000
//! ```
//!
//! `tests/load.rs` runs the same code with a modest count (it includes this file as a module,
//! hence `main` and `print` unused there).
#![cfg_attr(test, allow(dead_code))]

use std::sync::Arc;
use std::time::{Duration, Instant};

use polar_oauth2::{
    AuthorizeParams, Client, ClientCredentials, ClientSecret, RefreshToken, RefreshTokenGrant,
    Server as Polar, SessionToken, TokenRequest,
};
use tokio::net::TcpListener;

#[path = "../tests/support/mod.rs"]
mod support;

pub use support::Server;
use support::{Record, Reply};

const TOKEN_BODY: &str = r#"{"access_token":"polar_at_u_test_load","token_type":"Bearer","expires_in":3600,"refresh_token":"polar_rt_u_test_load","scope":"openid email"}"#;
const AUTHORIZE_BODY: &str = r#"{"client":{"created_at":"2026-01-02T03:04:05Z","modified_at":null,"client_id":"polar_ci_test_load","client_name":"Load","client_uri":null,"logo_uri":null,"tos_uri":null,"policy_uri":null},"sub_type":"user","sub":{"id":"0b9f7c56-2a57-4c4f-a1b8-6a9d2c3e4f50","email":"ada@example.com","avatar_url":null},"scopes":["openid","email"],"organizations":[]}"#;

/// The scripted loopback server of `tests/support`, answering both calls on keep-alive
/// connections; it counts requests, connections and the most open at once.
pub async fn start_server() -> std::io::Result<Server> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    Ok(Server::on(listener, Record::Count, |request| {
        let body = if request.method == "POST" {
            TOKEN_BODY
        } else {
            AUTHORIZE_BODY
        };
        let reply = Reply::json(200, body).header("cache-control", "no-store");
        async move { reply }
    }))
}

/// One round's numbers.
#[derive(Debug, Clone)]
pub struct Round {
    /// Requests sent at once.
    pub requests: usize,
    /// Calls that returned an error.
    pub errors: usize,
    /// Wall time of the round.
    pub elapsed: Duration,
    /// Latency percentiles: 50th, 99th, max.
    pub p50: Duration,
    /// See [`Round::p50`].
    pub p99: Duration,
    /// See [`Round::p50`].
    pub max: Duration,
    /// Resident memory after the round, in KiB (Linux), if known.
    pub rss_kib: Option<u64>,
}

/// `requests` concurrent calls through `client`, half token refreshes, half authorize calls.
pub async fn round(client: &Client, requests: usize) -> Round {
    let request: TokenRequest = RefreshTokenGrant::new(
        ClientCredentials::confidential(
            "polar_ci_test_load",
            ClientSecret::new("polar_cs_test_load_secret"),
        ),
        RefreshToken::new("polar_rt_u_test_load_refresh"),
    )
    .into();
    let request = Arc::new(request);
    let bearer = SessionToken::new("polar_us_test_load_session");
    let params = AuthorizeParams::new("polar_ci_test_load");
    let started = Instant::now();
    let tasks: Vec<_> = (0..requests)
        .map(|i| {
            let (client, request, bearer, params) = (
                client.clone(),
                request.clone(),
                bearer.clone(),
                params.clone(),
            );
            tokio::spawn(async move {
                let t = Instant::now();
                let ok = if i % 2 == 0 {
                    client.request_token(&request).await.is_ok()
                } else {
                    client.consent_data(&bearer, &params).await.is_ok()
                };
                (ok, t.elapsed())
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(requests);
    let mut errors = 0;
    for task in tasks {
        match task.await {
            Ok((ok, latency)) => {
                errors += usize::from(!ok);
                latencies.push(latency);
            }
            Err(_) => errors += 1,
        }
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let at = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    Round {
        requests,
        errors,
        elapsed,
        p50: at(0.50),
        p99: at(0.99),
        max: latencies.last().copied().unwrap_or_default(),
        rss_kib: rss_kib(),
    }
}

/// VmRSS from /proc/self/status.
fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// A run: `rounds` rounds of `requests` through one client with this concurrency limit.
pub async fn run(
    requests: usize,
    rounds: usize,
    limit: Option<usize>,
) -> Result<(Vec<Round>, Server), Box<dyn std::error::Error>> {
    let server = start_server().await?;
    let client = Client::builder(Polar::Custom(server.base_url.clone()))
        .max_concurrent_requests(limit)
        .build()?;
    let mut results = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        results.push(round(&client, requests).await);
    }
    Ok((results, server))
}

fn print(label: &str, rounds: &[Round], server: &Server) {
    println!("{label}");
    println!("  round  requests  errors   wall ms   req/s    p50 ms   p99 ms   max ms   RSS MiB");
    for (i, r) in rounds.iter().enumerate() {
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        println!(
            "  {:>5}  {:>8}  {:>6}  {:>8.1}  {:>7.0}  {:>7.2}  {:>7.2}  {:>7.2}  {:>8}",
            i + 1,
            r.requests,
            r.errors,
            ms(r.elapsed),
            r.requests as f64 / r.elapsed.as_secs_f64(),
            ms(r.p50),
            ms(r.p99),
            ms(r.max),
            r.rss_kib
                .map_or("n/a".to_owned(), |k| format!("{:.1}", k as f64 / 1024.0)),
        );
    }
    println!(
        "  server: {} requests, {} connections opened, at most {} open at once",
        server.request_count(),
        server.connections(),
        server.peak_open(),
    );
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let requests: usize = args.next().map_or(Ok(1000), |a| a.parse())?;
    let rounds: usize = args.next().map_or(Ok(5), |a| a.parse())?;
    let limit = polar_oauth2::DEFAULT_MAX_CONCURRENT_REQUESTS;

    let (results, server) = run(requests, rounds, Some(limit)).await?;
    print(
        &format!(
            "{rounds} rounds of {requests} concurrent requests, one Client, default limit ({limit} in flight):"
        ),
        &results,
        &server,
    );
    let errors: usize = results.iter().map(|r| r.errors).sum();

    let (unlimited, unlimited_server) = run(requests, 1, None).await?;
    print(
        "for comparison, without the in-flight limit (max_concurrent_requests(None)):",
        &unlimited,
        &unlimited_server,
    );
    println!(
        "total: {} requests, {errors} errors",
        results.iter().map(|r| r.requests).sum::<usize>()
    );
    if errors > 0 {
        return Err(format!("{errors} requests failed").into());
    }
    Ok(())
}
