//! The load benchmark: 1,000 requests in flight at once through one client, against the
//! loopback server of `benches/common` in its own process (pinned to CPU 1; the client runs on
//! CPU 0 on a current-thread runtime). Compared: the crate with its default in-flight limit
//! (64) and with none, the hand-written reqwest + serde client (no limit, as a user writes it)
//! and the same behind a 64-permit semaphore.
//!
//! Each configuration runs in a process of its own (so that its peak RSS is its own): a warm-up
//! round, then `POLAR_LOAD_ROUNDS` rounds (default 5) of `POLAR_LOAD_REQUESTS` (default 1,000)
//! concurrent calls. The parent repeats the configurations `POLAR_LOAD_REPS` times (default 5),
//! rotating their order, and reports throughput relative to the hand-written client of the same
//! repetition (median, min..max) and each configuration's peak RSS (VmHWM).
//!
//! ```text
//! cargo bench --bench load
//! POLAR_LOAD_REPS=9 cargo bench --bench load -- token
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use polar_oauth2::{
    AuthorizeParams, Client, ClientCredentials, ClientSecret, PkceMethod, RefreshToken, Scope,
    ScopeSet, Server, SessionToken,
};
use tokio::sync::Semaphore;

const CHILD_ENV: &str = "POLAR_LOAD_CHILD";

#[derive(Clone, Copy, PartialEq)]
enum Side {
    Crate,
    HandWritten,
}

#[derive(Clone, Copy)]
struct Config {
    side: Side,
    limit: Option<usize>,
}

impl Config {
    fn name(&self) -> String {
        let side = match self.side {
            Side::Crate => "polar-oauth2",
            Side::HandWritten => "hand-written",
        };
        match self.limit {
            Some(n) => format!("{side}, limit {n}"),
            None => format!("{side}, no limit"),
        }
    }
}

const CONFIGS: [Config; 4] = [
    Config {
        side: Side::HandWritten,
        limit: None,
    },
    Config {
        side: Side::HandWritten,
        limit: Some(64),
    },
    Config {
        side: Side::Crate,
        limit: Some(64),
    },
    Config {
        side: Side::Crate,
        limit: None,
    },
];

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    serve_if_server_process();
    if let Ok(spec) = std::env::var(CHILD_ENV) {
        child(&spec);
        return;
    }
    // `cargo bench` passes `--bench`; a free argument filters the operations.
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let reps = env_usize("POLAR_LOAD_REPS", 5);
    let requests = env_usize("POLAR_LOAD_REQUESTS", 1000);
    let rounds = env_usize("POLAR_LOAD_ROUNDS", 5);
    println!(
        "{requests} in flight, {rounds} rounds per process, {reps} repetitions; throughput relative to the hand-written client without a limit, same repetition"
    );
    println!(
        "\n| operation | client | req/s (median) | ratio (median) | min..max | peak RSS (median) |"
    );
    println!("|---|---|---:|---:|---|---:|");
    for op in ["token", "authorize"] {
        if filter.as_deref().is_some_and(|f| !op.contains(f)) {
            continue;
        }
        // results[config] = per repetition (req/s, peak KiB)
        let mut results: Vec<Vec<(f64, u64)>> = vec![Vec::new(); CONFIGS.len()];
        for rep in 0..reps {
            for k in 0..CONFIGS.len() {
                let i = (k + rep) % CONFIGS.len();
                results[i].push(run_child(op, CONFIGS[i], requests, rounds));
            }
        }
        for (i, config) in CONFIGS.iter().enumerate() {
            let ratios: Vec<f64> = (0..reps)
                .map(|r| results[i][r].0 / results[0][r].0)
                .collect();
            let min = ratios.iter().copied().fold(f64::INFINITY, f64::min);
            let max = ratios.iter().copied().fold(0.0, f64::max);
            let rate = quartiles(results[i].iter().map(|r| r.0).collect()).1;
            let rss = quartiles(results[i].iter().map(|r| r.1 as f64).collect()).1;
            println!(
                "| {op} | {} | {rate:.0} | **{:.2}x** | {min:.2}..{max:.2} | {:.1} MiB |",
                config.name(),
                quartiles(ratios).1,
                rss / 1024.0
            );
        }
    }
}

fn run_child(op: &str, config: Config, requests: usize, rounds: usize) -> (f64, u64) {
    let side = if config.side == Side::Crate {
        "crate"
    } else {
        "handwritten"
    };
    let limit = config.limit.map_or("none".to_owned(), |n| n.to_string());
    let output = Command::new(std::env::current_exe().expect("current exe"))
        .env(
            CHILD_ENV,
            format!("{side},{limit},{op},{requests},{rounds}"),
        )
        .output()
        .expect("run a load process");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("RESULT "))
        .unwrap_or_else(|| {
            panic!(
                "load process failed: {stdout}{}",
                String::from_utf8_lossy(&output.stderr)
            )
        });
    let mut fields = line.split_whitespace();
    let rate = fields.next().and_then(|v| v.parse().ok()).expect("req/s");
    let rss = fields
        .next()
        .and_then(|v| v.parse().ok())
        .expect("peak RSS");
    (rate, rss)
}

/// One configuration: warm-up, then the counted rounds; prints `RESULT req/s peak-KiB`.
fn child(spec: &str) {
    let parts: Vec<&str> = spec.split(',').collect();
    let [side, limit, op, requests, rounds] = parts[..] else {
        panic!("{CHILD_ENV}={spec}");
    };
    let limit: Option<usize> = limit.parse().ok();
    let (requests, rounds): (usize, usize) = (requests.parse().unwrap(), rounds.parse().unwrap());
    let server = ServerProcess::spawn();
    pin(CLIENT_CPU, "client");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    let base = server.base();
    let call = Caller::new(side == "crate", &base, limit, op == "token");
    rt.block_on(async {
        let mut elapsed = Duration::ZERO;
        for round in 0..=rounds {
            let started = Instant::now();
            let tasks: Vec<_> = (0..requests)
                .map(|_| tokio::spawn(call.clone().call()))
                .collect();
            for task in tasks {
                task.await.expect("task");
            }
            if round > 0 {
                elapsed += started.elapsed();
            }
        }
        let rate = (requests * rounds) as f64 / elapsed.as_secs_f64();
        println!("RESULT {rate:.1} {}", peak_rss_kib().unwrap_or(0));
    });
    drop(server);
}

/// One call of the configured kind, cheap to clone into each task.
#[derive(Clone)]
struct Caller(Arc<Inner>);

struct Inner {
    token: bool,
    ours: Option<Client>,
    baseline: Option<HandWritten>,
    /// The hand-written client's semaphore, when it has a limit.
    permits: Option<Semaphore>,
    credentials: ClientCredentials,
    refresh_token: RefreshToken,
    session: SessionToken,
    params: AuthorizeParams,
    scope_wire: String,
}

impl Caller {
    fn new(ours: bool, base: &str, limit: Option<usize>, token: bool) -> Self {
        let scope: ScopeSet = SCOPES
            .iter()
            .filter_map(|s| Scope::from_wire(s).ok())
            .collect();
        let (client, baseline, permits) = if ours {
            let client = Client::builder(Server::Custom(base.to_owned()))
                .max_concurrent_requests(limit)
                .build()
                .expect("crate client");
            (Some(client), None, None)
        } else {
            let baseline = HandWritten::new(base, HandWritten::default_http());
            (None, Some(baseline), limit.map(Semaphore::new))
        };
        Self(Arc::new(Inner {
            token,
            ours: client,
            baseline,
            permits,
            credentials: ClientCredentials::confidential(
                CLIENT_ID,
                ClientSecret::new(CLIENT_SECRET),
            ),
            refresh_token: RefreshToken::new(REFRESH_TOKEN),
            session: SessionToken::new(SESSION_TOKEN),
            params: AuthorizeParams::new(CLIENT_ID)
                .redirect_uri(REDIRECT_URI)
                .scope(&scope)
                .state(STATE)
                .code_challenge(CODE_CHALLENGE, PkceMethod::S256),
            scope_wire: SCOPES.join(" "),
        }))
    }

    async fn call(self) {
        let c = &*self.0;
        if let Some(client) = &c.ours {
            if c.token {
                client
                    .refresh(&c.credentials, &c.refresh_token)
                    .await
                    .expect("crate refresh");
            } else {
                client
                    .consent_data(&c.session, &c.params)
                    .await
                    .expect("crate authorize");
            }
            return;
        }
        let baseline = c.baseline.as_ref().expect("baseline");
        let _permit = match &c.permits {
            Some(permits) => Some(permits.acquire().await.expect("permit")),
            None => None,
        };
        if c.token {
            baseline.refresh().await.expect("baseline refresh");
        } else {
            baseline
                .consent_data(&c.scope_wire)
                .await
                .expect("baseline authorize");
        }
    }
}
