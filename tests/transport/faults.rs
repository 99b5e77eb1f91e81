//! Connections refused, closed before the response, reset or cut short mid-body.
use std::time::Duration;

use polar_oauth2::RetryPolicy;

use super::support::{Reply, Server, refused_addr};
use super::{
    AUTHORIZE_BODY, CODE, TOKEN_BODY, authorize, client_for, retrying, retrying_client, token,
    transport, within,
};

/// Headers and half the declared body, then a TCP reset.
fn reset_mid_body() -> Reply {
    Reply::json(200, TOKEN_BODY)
        .cut_at(TOKEN_BODY.len() / 2)
        .then_reset()
}

/// `Content-Length` larger than the body sent, then a clean close.
fn short_body() -> Reply {
    Reply::json(200, TOKEN_BODY)
        .declared_length(TOKEN_BODY.len() as u64 + 100)
        .then_close()
}

#[tokio::test]
async fn connection_refused_is_a_connect_error_for_both_calls() {
    let addr = refused_addr().await;
    let client = client_for(
        &format!("http://{addr}"),
        Duration::from_secs(5),
        RetryPolicy::none(),
    );
    for error in [
        token(&client).await.unwrap_err(),
        authorize(&client).await.unwrap_err(),
    ] {
        assert!(error.is_connect(), "{error:?}");
        assert!(transport(&error).message.contains("connect"), "{error}");
        assert!(error.is_retryable());
    }
}

#[tokio::test]
async fn token_request_refused_before_sending_is_retried_and_reaches_the_server_once() {
    let addr = refused_addr().await;
    let client = client_for(
        &format!("http://{addr}"),
        Duration::from_secs(5),
        RetryPolicy::new(8)
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_millis(200)),
    );
    // The server comes up on that port while the client is backing off.
    let server = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(150)).await;
        Server::start_at(addr, vec![Reply::json(200, TOKEN_BODY)]).await
    });
    let result = token(&client).await;
    let server = server.await.unwrap();
    let issued = result.expect("retried after the refusals");
    assert_eq!(issued.access_token().secret(), "polar_at_u_test_access");
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn refused_authorize_gives_up_after_max_retries() {
    let addr = refused_addr().await;
    let client = client_for(
        &format!("http://{addr}"),
        Duration::from_secs(5),
        retrying(),
    );
    // Three waits of at most 20, 40 and 50 ms, then the last refusal.
    let error = within(Duration::from_secs(60), authorize(&client))
        .await
        .unwrap_err();
    assert!(error.is_connect(), "{error:?}");
}

#[tokio::test]
async fn closed_before_the_response_is_a_transport_error_and_the_token_request_is_not_repeated() {
    let server = Server::start(vec![Reply::close()]).await;
    let error = token(&retrying_client(&server)).await.unwrap_err();
    assert!(!transport(&error).body_too_large, "{error:?}");
    assert!(!error.is_connect(), "the request was sent: {error:?}");
    assert_eq!(
        server.request_count(),
        1,
        "a token request must not be repeated"
    );
    let form = String::from_utf8(server.requests()[0].body.clone()).unwrap();
    assert!(form.contains(CODE), "{form}");
}

#[tokio::test]
async fn closed_before_the_response_retries_authorize() {
    let server = Server::start(vec![
        Reply::close(),
        Reply::close(),
        Reply::json(200, AUTHORIZE_BODY),
    ])
    .await;
    let consent = authorize(&retrying_client(&server)).await.unwrap();
    assert_eq!(consent.scopes().len(), 1);
    assert_eq!(server.request_count(), 3);
    assert_eq!(server.connections(), 3, "a new connection each time");
}

#[tokio::test]
async fn reset_mid_body_is_a_transport_error_and_not_repeated() {
    let server = Server::start(vec![reset_mid_body()]).await;
    let error = token(&retrying_client(&server)).await.unwrap_err();
    let t = transport(&error);
    assert!(t.message.contains("body"), "{error}");
    assert_eq!(server.request_count(), 1);

    let server = Server::start(vec![reset_mid_body()]).await;
    let error = authorize(&retrying_client(&server)).await.unwrap_err();
    transport(&error);
    assert_eq!(
        server.request_count(),
        4,
        "authorize: the first attempt and 3 retries"
    );
}

#[tokio::test]
async fn body_shorter_than_content_length_is_a_transport_error() {
    let server = Server::start(vec![short_body()]).await;
    let error = token(&retrying_client(&server)).await.unwrap_err();
    let t = transport(&error);
    assert!(t.message.contains("body"), "{error}");
    assert_eq!(server.request_count(), 1);
}
