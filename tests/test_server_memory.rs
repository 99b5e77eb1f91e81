//! The embedded server's memory stays bounded by what is still valid: rounds of authorization
//! visits, each after the previous round's codes expired, do not grow the resident size (issue
//! 11, item 10: every code used to be kept, +80 MB per 20k visits). Its own test binary, so
//! that no other test's allocations move the process's resident size.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use polar_oauth2_test_server::{CODE_LIFETIME, TestServer};

/// Resident set size in KiB (`/proc/self/statm`, 4 KiB pages), `None` off Linux.
fn rss_kib() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    Some(statm.split_whitespace().nth(1)?.parse::<u64>().ok()? * 4)
}

#[tokio::test]
async fn rounds_of_authorization_visits_do_not_grow_memory() {
    const ROUNDS: usize = 4;
    const VISITS: usize = 10_000;
    let Some(start) = rss_kib() else {
        eprintln!("skipped: needs /proc (Linux)");
        return;
    };
    let server = TestServer::start().await.unwrap();
    let pending = server.authorization_request().build().unwrap();
    let mut after_round = Vec::new();
    for _ in 0..ROUNDS {
        for _ in 0..VISITS {
            server.approve(pending.url()).unwrap();
        }
        after_round.push(rss_kib().unwrap());
        server.advance(CODE_LIFETIME + Duration::from_secs(1));
    }
    eprintln!("RSS: start {start} KiB, after each round of {VISITS} visits {after_round:?} KiB");
    let first_round = after_round[0].saturating_sub(start);
    let growth = after_round[ROUNDS - 1].saturating_sub(after_round[0]);
    // Kept forever, the last round would hold ROUNDS times the first round's codes.
    assert!(
        growth < first_round / 2 + 2048,
        "grew by {growth} KiB after the first round (which took {first_round} KiB)"
    );
}
