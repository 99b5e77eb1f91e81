//! Connection limits: the header-read timeout (slowloris, silent and idle connections),
//! the body-read timeout (408) and the body cap (413).

use std::time::Duration;

use polar_oauth2_test_server::{TestServer, TestServerBuilder};
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::*;

/// A raw TCP connection to a server built by `builder` (the server is returned too: dropping
/// it stops it).
async fn connect_with(builder: TestServerBuilder) -> (TestServer, TcpStream) {
    let server = builder.commit_delay(Duration::ZERO).start().await.unwrap();
    let address = server.base_url().trim_start_matches("http://").to_owned();
    let stream = TcpStream::connect(&address).await.unwrap();
    (server, stream)
}

/// A connection to a server that waits 300 ms for a request's headers.
async fn connect_with_header_read_timeout() -> (TestServer, TcpStream) {
    connect_with(TestServer::builder().header_read_timeout(Duration::from_millis(300))).await
}

#[tokio::test]
async fn slowloris_connection_is_closed_after_the_header_read_timeout() {
    let (_server, stream) = connect_with_header_read_timeout().await;
    let (mut reader, mut writer) = stream.into_split();
    // Headers that never end, one byte every 100 ms: sending them all takes 9 s, thirty times
    // the header-read timeout.
    let header = b"GET /.well-known/jwks.json HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    let slow_writer = async {
        for byte in header {
            if writer.write_all(&[*byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    let mut rest = Vec::new();
    tokio::select! {
        // Closed (or reset) by the server while the headers were still incomplete.
        _ = reader.read_to_end(&mut rest) => {}
        () = slow_writer => panic!("the connection stayed open while its headers trickled in"),
    }
}

#[tokio::test]
async fn slow_body_gets_408() {
    let builder = TestServer::builder().body_read_timeout(Duration::from_millis(300));
    let (_server, mut stream) = connect_with(builder).await;
    stream
        .write_all(b"POST /v1/oauth2/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\ngrant_type=")
        .await
        .unwrap();
    let mut answer = vec![0; 1024];
    let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut answer))
        .await
        .expect("an answer before the body is complete")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
}

#[tokio::test]
async fn oversized_body_is_413() {
    let server = start().await;
    let big = "a".repeat(100 * 1024);
    let response = post_form(&server, "/v1/oauth2/revoke", &[("token", &big)]).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn silent_connection_is_closed_after_the_header_read_timeout() {
    let (_server, mut stream) = connect_with_header_read_timeout().await;
    let mut rest = Vec::new();
    // Closed by the 300 ms header-read timeout, long before the default 10 s one.
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut rest)).await;
    assert!(read.is_ok(), "a connection that sends nothing stays open");
}

#[tokio::test]
async fn idle_keep_alive_connection_is_closed_after_the_header_read_timeout() {
    let (_server, mut stream) = connect_with_header_read_timeout().await;
    stream
        .write_all(b"GET /.well-known/jwks.json HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut rest = Vec::new();
    // The first answer arrives, then the idle connection is closed by the 300 ms header-read
    // timeout, long before the default 10 s one.
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut rest)).await;
    assert!(String::from_utf8_lossy(&rest).starts_with("HTTP/1.1 200"));
    assert!(read.is_ok(), "an idle keep-alive connection stays open");
}
