//! A server that is slow to send the head or the body: the timeout covers the whole request.
use std::time::{Duration, Instant};

use polar_oauth2::{Error, RetryPolicy};

use super::support::{Reply, Server};
use super::{TOKEN_BODY, authorize, client_for, retrying, token};

/// The elapsed time of a timed-out call is within 10% above the configured timeout.
fn assert_timed_out_on_time(error: &Error, elapsed: Duration, timeout: Duration) {
    match error {
        Error::Timeout(t) => assert_eq!(t.after, Some(timeout)),
        other => panic!("expected a timeout, got {other:?}"),
    }
    eprintln!("timeout {timeout:?} fired after {elapsed:?}");
    assert!(elapsed >= timeout, "fired early: {elapsed:?}");
    assert!(
        elapsed <= timeout.mul_f64(1.1),
        "fired late: {elapsed:?} for {timeout:?}"
    );
}

#[tokio::test]
async fn slow_headers_time_out_within_ten_percent_and_the_token_request_is_not_repeated() {
    let timeout = Duration::from_secs(1);
    let server = Server::start(vec![Reply::hang()]).await;
    let client = client_for(&server.base_url, timeout, retrying());
    let started = Instant::now();
    let error = token(&client).await.unwrap_err();
    assert_timed_out_on_time(&error, started.elapsed(), timeout);
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn slow_headers_time_out_within_ten_percent_for_authorize() {
    let timeout = Duration::from_secs(1);
    let server = Server::start(vec![Reply::hang()]).await;
    let client = client_for(&server.base_url, timeout, RetryPolicy::none());
    let started = Instant::now();
    let error = authorize(&client).await.unwrap_err();
    assert_timed_out_on_time(&error, started.elapsed(), timeout);
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn slow_body_times_out_within_ten_percent() {
    // The body needs ~7 s at one byte per 50 ms; the timeout covers the whole request.
    let timeout = Duration::from_secs(1);
    let server = Server::start(vec![
        Reply::json(200, TOKEN_BODY).drip(Duration::from_millis(50)),
    ])
    .await;
    let client = client_for(&server.base_url, timeout, retrying());
    let started = Instant::now();
    let error = token(&client).await.unwrap_err();
    assert_timed_out_on_time(&error, started.elapsed(), timeout);
    assert_eq!(server.request_count(), 1);
}
