//! The response body cap: a body over it is refused without being read, whatever its framing.
use std::time::Duration;

use polar_oauth2::{Client, Error, Server as Polar};

use super::support::{Reply, Server};
use super::{
    TOKEN_BODY, authorize, client, http_status, retrying_client, token, transport, within,
};

const MIB: u64 = 1024 * 1024;

/// The server could not push a 50 MiB body through: it wrote only what the loopback socket
/// buffers absorb before the client closed the connection.
fn assert_little_written(server: &Server) {
    let written = server.body_bytes_written();
    eprintln!("server wrote {written} body bytes of 50 MiB");
    assert!(written < 20 * MIB, "{written} bytes written");
}

fn assert_too_large(error: &Error) {
    let t = transport(error);
    assert!(t.body_too_large, "{error:?}");
    assert!(t.message.contains("cap"), "{error}");
    assert!(!error.is_retryable());
}

#[tokio::test]
async fn declared_fifty_mib_body_is_rejected_at_the_default_cap_without_reading_it() {
    let server = Server::start(vec![Reply::filler(200, 50 * MIB)]).await;
    let error = within(Duration::from_secs(60), token(&retrying_client(&server)))
        .await
        .unwrap_err();
    assert_too_large(&error);
    assert!(error.to_string().contains("1048576"), "{error}");
    assert!(error.to_string().contains("52428800"), "{error}");
    assert_eq!(server.request_count(), 1);
    // Give the server time to notice the closed connection, then check it could not push the
    // body through: only what the loopback socket buffers absorb was written.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_little_written(&server);
}

#[tokio::test]
async fn chunked_fifty_mib_body_is_cut_off_at_the_default_cap() {
    let server = Server::start(vec![Reply::filler(200, 50 * MIB).chunked()]).await;
    let error = authorize(&client(&server)).await.unwrap_err();
    assert_too_large(&error);
    assert_eq!(
        server.request_count(),
        1,
        "a body over the cap is not retried"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_little_written(&server);
}

#[tokio::test]
async fn the_cap_is_configurable() {
    let padded = |len: usize| format!("{TOKEN_BODY:<len$}");
    let server = Server::start(vec![
        Reply::json(200, padded(4000)),
        Reply::json(200, padded(4097)),
    ])
    .await;
    let client = Client::builder(Polar::Custom(server.base_url.clone()))
        .max_response_body(4096)
        .build()
        .unwrap();
    token(&client)
        .await
        .expect("4000 bytes are under a 4096-byte cap");
    assert_too_large(&token(&client).await.unwrap_err());
    assert_eq!(server.request_count(), 2);
}

#[tokio::test]
async fn a_huge_error_body_still_reports_its_status() {
    let server = Server::start(vec![Reply::filler(503, 50 * MIB)]).await;
    let error = token(&retrying_client(&server)).await.unwrap_err();
    assert_eq!(http_status(&error), 503);
    assert_eq!(server.request_count(), 1);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_little_written(&server);
}
