//! Load in CI: concurrent requests through one `Client` against a keep-alive loopback server
//! all succeed, on a bounded number of connections. The full run (rounds of 1,000, with
//! latency and memory) is `cargo run --release --example load`, whose code this shares.
#![allow(clippy::unwrap_used)]

#[path = "../examples/load.rs"]
mod load;

use polar_oauth2::DEFAULT_MAX_CONCURRENT_REQUESTS;

/// Connections a client with an in-flight limit of `limit` may open: `limit`, and some more
/// when requests start just as finished ones' connections are going back to the pool (hyper
/// returns a connection from a task of its own, after the body was read).
fn connection_bound(limit: usize) -> usize {
    2 * limit
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_hundred_concurrent_requests_all_succeed_on_bounded_connections() {
    let (rounds, server) = load::run(300, 2, Some(DEFAULT_MAX_CONCURRENT_REQUESTS))
        .await
        .unwrap();
    let errors: usize = rounds.iter().map(|r| r.errors).sum();
    let connections = server.connections();
    eprintln!("600 requests, {errors} errors, {connections} connections");
    assert_eq!(errors, 0);
    assert_eq!(server.request_count(), 600, "each request sent once");
    assert!(
        connections <= connection_bound(DEFAULT_MAX_CONCURRENT_REQUESTS),
        "{connections} connections"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_in_flight_limit_bounds_the_connections() {
    let (rounds, server) = load::run(200, 1, Some(4)).await.unwrap();
    assert_eq!(rounds[0].errors, 0);
    assert_eq!(server.request_count(), 200);
    let peak = server.peak_open();
    eprintln!("limit 4: {peak} connections open at most");
    assert!(
        peak <= connection_bound(4),
        "{peak} connections open at once"
    );
}
