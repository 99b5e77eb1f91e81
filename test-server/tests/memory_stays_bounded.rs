//! The server's memory stays bounded by what is still valid: rounds of authorization visits,
//! each after the previous round's codes expired, do not grow the resident size. Its own test
//! binary, so that no other test's allocations move the process's resident size (read from
//! `/proc`: Linux only).
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use polar_oauth2_test_server::{CODE_LIFETIME, TestServer};

/// Resident set size in KiB (`/proc/self/statm`, 4 KiB pages).
fn rss_kib() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: u64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4
}

#[tokio::test]
async fn rounds_of_authorization_visits_do_not_grow_memory() {
    const ROUNDS: usize = 4;
    const VISITS: usize = 10_000;
    let start = rss_kib();
    let server = TestServer::start().await.unwrap();
    let pending = server.authorization_request().build().unwrap();
    let mut after_round = Vec::new();
    for _ in 0..ROUNDS {
        for _ in 0..VISITS {
            server.approve(pending.url()).unwrap();
        }
        after_round.push(rss_kib());
        server.advance(CODE_LIFETIME + Duration::from_secs(1));
    }
    let first_round = after_round[0].saturating_sub(start);
    let growth = after_round[ROUNDS - 1].saturating_sub(after_round[0]);
    // Kept forever, the last round would hold ROUNDS times the first round's codes.
    assert!(
        growth < first_round / 2 + 2048,
        "grew by {growth} KiB after the first round (which took {first_round} KiB)"
    );
}
