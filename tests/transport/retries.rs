//! 429, 503 and other statuses: what is retried, how often, and after how long.

use std::time::{Duration, Instant};

use super::support::{Reply, Server};
use super::{AUTHORIZE_BODY, TOKEN_BODY, authorize, http_status, retrying_client, token, within};

#[tokio::test]
async fn too_many_requests_honours_retry_after_for_authorize() {
    let server = Server::start(vec![
        Reply::json(429, r#"{"error":"TooManyRequests","detail":"slow down"}"#)
            .header("retry-after", "1"),
        Reply::json(200, AUTHORIZE_BODY),
    ])
    .await;
    let started = Instant::now();
    authorize(&retrying_client(&server)).await.unwrap();
    let waited = started.elapsed();
    // A lower bound: a busy machine only makes the wait longer.
    assert!(waited >= Duration::from_secs(1), "{waited:?}");
    assert_eq!(server.request_count(), 2);
}

#[tokio::test]
async fn too_many_requests_is_not_retried_for_a_token_request() {
    let server = Server::start(vec![
        Reply::json(429, "{}").header("retry-after", "1"),
        Reply::json(200, TOKEN_BODY),
    ])
    .await;
    let error = token(&retrying_client(&server)).await.unwrap_err();
    assert_eq!(http_status(&error), 429);
    assert_eq!(error.retry_after(), Some(Duration::from_secs(1)));
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn a_retry_after_beyond_the_limit_ends_the_retries() {
    let server = Server::start(vec![
        Reply::json(503, "{}").header("retry-after", "3600"),
        Reply::json(200, AUTHORIZE_BODY),
    ])
    .await;
    // Waiting out the hour would trip the guard.
    let error = within(
        Duration::from_secs(60),
        authorize(&retrying_client(&server)),
    )
    .await
    .unwrap_err();
    assert_eq!(http_status(&error), 503);
    assert_eq!(error.retry_after(), Some(Duration::from_secs(3600)));
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn unavailable_authorize_is_retried_up_to_the_limit() {
    for status in [502, 503, 504] {
        let server = Server::start(vec![Reply::with_content_type(
            status,
            "text/html",
            "<html>upstream down</html>",
        )])
        .await;
        let error = authorize(&retrying_client(&server)).await.unwrap_err();
        assert_eq!(http_status(&error), status);
        assert_eq!(
            server.request_count(),
            4,
            "{status}: first attempt and 3 retries"
        );
    }
}

#[tokio::test]
async fn unavailable_token_endpoint_is_not_retried() {
    for status in [500, 502, 503, 504] {
        let server = Server::start(vec![
            Reply::json(status, r#"{"error":"temporarily_unavailable"}"#),
            Reply::json(200, TOKEN_BODY),
        ])
        .await;
        let error = token(&retrying_client(&server)).await.unwrap_err();
        assert_eq!(error.status().map(|s| s.as_u16()), Some(status));
        assert_eq!(server.request_count(), 1, "{status}");
    }
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    for status in [400, 401, 403, 404, 422] {
        let server = Server::start(vec![Reply::json(status, r#"{"error":"invalid_grant"}"#)]).await;
        let client = retrying_client(&server);
        assert!(authorize(&client).await.is_err());
        assert!(token(&client).await.is_err());
        assert_eq!(server.request_count(), 2, "{status}");
    }
}
