//! A server that is slow to send the head or the body: the timeout covers the whole request.

use std::time::{Duration, Instant};

use polar_oauth2::{Error, RetryPolicy};

use super::support::{Reply, Server};
use super::{TOKEN_BODY, authorize, client_for, retrying, token, within};

/// The call ended with the configured timeout, and not before it had run that long (a lower
/// bound: a busy machine only makes the call later). That it fires at all is the hang guard
/// around each call, ten timeouts long.
fn assert_timed_out_on_time(error: &Error, elapsed: Duration, timeout: Duration) {
    match error {
        Error::Timeout(t) => assert_eq!(t.after, Some(timeout)),
        other => panic!("expected a timeout, got {other:?}"),
    }
    eprintln!("timeout {timeout:?} fired after {elapsed:?}");
    assert!(elapsed >= timeout, "fired early: {elapsed:?}");
}

#[tokio::test]
async fn slow_headers_time_out_and_the_token_request_is_not_repeated() {
    let timeout = Duration::from_secs(1);
    let server = Server::start(vec![Reply::hang()]).await;
    let client = client_for(&server.base_url, timeout, retrying());
    let started = Instant::now();
    let error = within(timeout * 10, token(&client)).await.unwrap_err();
    assert_timed_out_on_time(&error, started.elapsed(), timeout);
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn slow_headers_time_out_for_authorize() {
    let timeout = Duration::from_secs(1);
    let server = Server::start(vec![Reply::hang()]).await;
    let client = client_for(&server.base_url, timeout, RetryPolicy::none());
    let started = Instant::now();
    let error = within(timeout * 10, authorize(&client)).await.unwrap_err();
    assert_timed_out_on_time(&error, started.elapsed(), timeout);
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn slow_body_times_out() {
    // The body needs ~7 s at one byte per 50 ms; the timeout covers the whole request.
    let timeout = Duration::from_secs(1);
    let server = Server::start(vec![
        Reply::json(200, TOKEN_BODY).drip(Duration::from_millis(50)),
    ])
    .await;
    let client = client_for(&server.base_url, timeout, retrying());
    let started = Instant::now();
    let error = within(timeout * 10, token(&client)).await.unwrap_err();
    assert_timed_out_on_time(&error, started.elapsed(), timeout);
    assert_eq!(server.request_count(), 1);
}
