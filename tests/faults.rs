//! Network faults against a fault-injecting loopback server: every fault ends in a typed error
//! (never a panic or a hang), only what may be retried is retried, and a token request is never
//! sent twice once it may have reached the server. Every test counts the requests the server
//! received.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use polar_oauth2::Error;
use polar_oauth2::RetryPolicy;
use polar_oauth2::{
    AuthorizationCode, AuthorizationCodeGrant, AuthorizeParams, Client, ClientCredentials,
    ClientSecret, Server, SessionToken, TokenRequest,
};
use support::{Recorded, read_request};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

const TOKEN_BODY: &str = r#"{"access_token":"polar_at_u_test_access","token_type":"Bearer","expires_in":864000,"refresh_token":"polar_rt_u_test_refresh","scope":"openid email"}"#;
const AUTHORIZE_BODY: &str = r#"{"client":{"created_at":"2026-01-02T03:04:05Z","modified_at":null,"client_id":"polar_ci_test_client","client_name":"Test App","client_uri":null,"logo_uri":null,"tos_uri":null,"policy_uri":null},"sub_type":"user","sub":{"id":"0b9f7c56-2a57-4c4f-a1b8-6a9d2c3e4f50","email":"ada@example.com","avatar_url":null},"scopes":["openid"],"organizations":[]}"#;
const CODE: &str = "polar_ac_test_single_use_code";
const MIB: u64 = 1024 * 1024;

/// What the server does with one request.
#[derive(Debug, Clone)]
enum Fault {
    /// A complete response.
    Reply {
        status: u16,
        headers: Vec<(&'static str, String)>,
        body: String,
    },
    /// Read the request, then close the connection without a byte of response.
    Close,
    /// Headers and half the declared body, then a TCP reset.
    ResetMidBody,
    /// `Content-Length` larger than the body sent, then a clean close.
    ShortBody,
    /// Read the request and never answer.
    SlowHeaders,
    /// Headers at once, then one byte of body every 50 ms.
    SlowBody,
    /// `len` bytes of body written as fast as the client reads them, with `Content-Length`
    /// when `declared`, else chunked.
    Huge {
        status: u16,
        len: u64,
        declared: bool,
    },
}

impl Fault {
    fn json(status: u16, body: &str) -> Self {
        Fault::Reply {
            status,
            headers: vec![("content-type", "application/json".into())],
            body: body.into(),
        }
    }

    fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        if let Fault::Reply { headers, .. } = &mut self {
            headers.push((name, value.into()));
        }
        self
    }
}

/// A loopback HTTP/1.1 server that answers each request with the next fault of its script (the
/// last one again when the script runs out), counting requests, connections and body bytes
/// written.
struct FaultServer {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<Recorded>>>,
    connections: Arc<AtomicUsize>,
    body_bytes_written: Arc<AtomicU64>,
}

impl FaultServer {
    async fn start(script: Vec<Fault>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        Self::serve(listener, script)
    }

    fn serve(listener: TcpListener, script: Vec<Fault>) -> Self {
        let addr = listener.local_addr().unwrap();
        let received = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let body_bytes_written = Arc::new(AtomicU64::new(0));
        let script = Arc::new(Mutex::new((script, 0usize)));
        let (rec, conns, written) = (
            received.clone(),
            connections.clone(),
            body_bytes_written.clone(),
        );
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                conns.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(connection(
                    stream,
                    rec.clone(),
                    script.clone(),
                    written.clone(),
                ));
            }
        });
        Self {
            addr,
            received,
            connections,
            body_bytes_written,
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn requests(&self) -> usize {
        self.received.lock().unwrap().len()
    }

    fn received(&self) -> Vec<Recorded> {
        self.received.lock().unwrap().clone()
    }

    fn written(&self) -> u64 {
        self.body_bytes_written.load(Ordering::SeqCst)
    }
}

async fn connection(
    mut stream: TcpStream,
    received: Arc<Mutex<Vec<Recorded>>>,
    script: Arc<Mutex<(Vec<Fault>, usize)>>,
    written: Arc<AtomicU64>,
) {
    let mut buf = Vec::new();
    while let Some(request) = read_request(&mut stream, &mut buf).await {
        received.lock().unwrap().push(request);
        let fault = {
            let mut s = script.lock().unwrap();
            let i = s.1.min(s.0.len() - 1);
            s.1 += 1;
            s.0[i].clone()
        };
        if !answer(&mut stream, fault, &written).await {
            return;
        }
    }
}

/// Play `fault`; whether the connection may serve another request.
async fn answer(stream: &mut TcpStream, fault: Fault, written: &AtomicU64) -> bool {
    match fault {
        Fault::Reply {
            status,
            headers,
            body,
        } => {
            let mut head = format!("HTTP/1.1 {status} X\r\ncontent-length: {}\r\n", body.len());
            for (n, v) in headers {
                head.push_str(&format!("{n}: {v}\r\n"));
            }
            head.push_str("\r\n");
            stream.write_all(head.as_bytes()).await.is_ok()
                && stream.write_all(body.as_bytes()).await.is_ok()
        }
        Fault::Close => false,
        Fault::ResetMidBody => {
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                TOKEN_BODY.len()
            );
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream
                .write_all(&TOKEN_BODY.as_bytes()[..TOKEN_BODY.len() / 2])
                .await;
            let _ = stream.flush().await;
            tokio::time::sleep(Duration::from_millis(50)).await;
            // SO_LINGER 0: closing sends RST instead of FIN.
            let _ = stream.set_zero_linger();
            false
        }
        Fault::ShortBody => {
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                TOKEN_BODY.len() + 100
            );
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(TOKEN_BODY.as_bytes()).await;
            let _ = stream.shutdown().await;
            false
        }
        Fault::SlowHeaders => {
            tokio::time::sleep(Duration::from_secs(30)).await;
            false
        }
        Fault::SlowBody => {
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                TOKEN_BODY.len()
            );
            if stream.write_all(head.as_bytes()).await.is_err() {
                return false;
            }
            for byte in TOKEN_BODY.as_bytes() {
                tokio::time::sleep(Duration::from_millis(50)).await;
                if stream.write_all(&[*byte]).await.is_err() {
                    return false;
                }
            }
            true
        }
        Fault::Huge {
            status,
            len,
            declared,
        } => {
            let framing = if declared {
                format!("content-length: {len}")
            } else {
                "transfer-encoding: chunked".to_owned()
            };
            let head = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n{framing}\r\n\r\n"
            );
            if stream.write_all(head.as_bytes()).await.is_err() {
                return false;
            }
            let block = vec![b' '; 64 * 1024];
            let mut left = len;
            while left > 0 {
                let n = left.min(block.len() as u64) as usize;
                let ok = if declared {
                    stream.write_all(&block[..n]).await.is_ok()
                } else {
                    let size = format!("{n:x}\r\n");
                    stream.write_all(size.as_bytes()).await.is_ok()
                        && stream.write_all(&block[..n]).await.is_ok()
                        && stream.write_all(b"\r\n").await.is_ok()
                };
                if !ok {
                    return false;
                }
                written.fetch_add(n as u64, Ordering::SeqCst);
                left -= n as u64;
            }
            if !declared {
                let _ = stream.write_all(b"0\r\n\r\n").await;
            }
            true
        }
    }
}

fn client_for(base: &str, timeout: Duration, retry: RetryPolicy) -> Client {
    Client::builder(Server::Custom(base.to_owned()))
        .timeout(Some(timeout))
        .retry(retry)
        .build()
        .unwrap()
}

fn client(server: &FaultServer) -> Client {
    client_for(&server.url(), Duration::from_secs(10), RetryPolicy::none())
}

/// Generous retries that wait little, to show what is (not) retried.
fn retrying() -> RetryPolicy {
    RetryPolicy::new(3)
        .initial_backoff(Duration::from_millis(20))
        .max_backoff(Duration::from_millis(50))
}

fn retrying_client(server: &FaultServer) -> Client {
    client_for(&server.url(), Duration::from_secs(10), retrying())
}

fn code_grant() -> TokenRequest {
    AuthorizationCodeGrant::new(
        ClientCredentials::confidential(
            "polar_ci_test_client",
            ClientSecret::new("polar_cs_test_secret"),
        ),
        AuthorizationCode::new(CODE),
        "https://app.example/callback",
    )
    .into()
}

async fn token(client: &Client) -> Result<polar_oauth2::Token, Error> {
    client.request_token(&code_grant()).await
}

async fn authorize(client: &Client) -> Result<polar_oauth2::AuthorizeResponse, Error> {
    client
        .consent_data(
            &SessionToken::new("polar_at_u_test_bearer"),
            &AuthorizeParams::new("polar_ci_test_client"),
        )
        .await
}

fn transport(e: &Error) -> &polar_oauth2::TransportError {
    match e {
        Error::Transport(t) => t,
        other => panic!("expected a transport error, got {other:?}"),
    }
}

fn http_status(e: &Error) -> u16 {
    match e {
        Error::Http(h) => h.status.as_u16(),
        other => panic!("expected an HTTP error, got {other:?}"),
    }
}

/// A port nothing listens on (bound, then released).
async fn refused_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap()
}

// --- connection refused -------------------------------------------------------------------

#[tokio::test]
async fn connection_refused_is_a_connect_error_for_both_calls() {
    let addr = refused_port().await;
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
    let addr = refused_port().await;
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
        let listener = TcpListener::bind(addr).await.unwrap();
        FaultServer::serve(listener, vec![Fault::json(200, TOKEN_BODY)])
    });
    let result = token(&client).await;
    let server = server.await.unwrap();
    let issued = result.expect("retried after the refusals");
    assert_eq!(issued.access_token().secret(), "polar_at_u_test_access");
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn refused_authorize_gives_up_after_max_retries() {
    let addr = refused_port().await;
    let client = client_for(
        &format!("http://{addr}"),
        Duration::from_secs(5),
        retrying(),
    );
    let started = Instant::now();
    let error = authorize(&client).await.unwrap_err();
    assert!(error.is_connect(), "{error:?}");
    // Three waits of at most 20, 40 and 50 ms.
    assert!(started.elapsed() < Duration::from_secs(2));
}

// --- closed, reset, short -----------------------------------------------------------------

#[tokio::test]
async fn closed_before_the_response_is_a_transport_error_and_the_token_request_is_not_repeated() {
    let server = FaultServer::start(vec![Fault::Close]).await;
    let error = token(&retrying_client(&server)).await.unwrap_err();
    assert!(!transport(&error).body_too_large, "{error:?}");
    assert!(!error.is_connect(), "the request was sent: {error:?}");
    assert_eq!(server.requests(), 1, "a token request must not be repeated");
    let form = String::from_utf8(server.received()[0].body.clone()).unwrap();
    assert!(form.contains(CODE), "{form}");
}

#[tokio::test]
async fn closed_before_the_response_retries_authorize() {
    let server = FaultServer::start(vec![
        Fault::Close,
        Fault::Close,
        Fault::json(200, AUTHORIZE_BODY),
    ])
    .await;
    let consent = authorize(&retrying_client(&server)).await.unwrap();
    assert_eq!(consent.scopes().len(), 1);
    assert_eq!(server.requests(), 3);
    assert_eq!(
        server.connections.load(Ordering::SeqCst),
        3,
        "a new connection each time"
    );
}

#[tokio::test]
async fn reset_mid_body_is_a_transport_error_and_not_repeated() {
    let server = FaultServer::start(vec![Fault::ResetMidBody]).await;
    let error = token(&retrying_client(&server)).await.unwrap_err();
    let t = transport(&error);
    assert!(t.message.contains("body"), "{error}");
    assert_eq!(server.requests(), 1);

    let server = FaultServer::start(vec![Fault::ResetMidBody]).await;
    let error = authorize(&retrying_client(&server)).await.unwrap_err();
    transport(&error);
    assert_eq!(
        server.requests(),
        4,
        "authorize: the first attempt and 3 retries"
    );
}

#[tokio::test]
async fn body_shorter_than_content_length_is_a_transport_error() {
    let server = FaultServer::start(vec![Fault::ShortBody]).await;
    let error = token(&retrying_client(&server)).await.unwrap_err();
    let t = transport(&error);
    assert!(t.message.contains("body"), "{error}");
    assert_eq!(server.requests(), 1);
}

// --- slow server ----------------------------------------------------------------------------

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
    let server = FaultServer::start(vec![Fault::SlowHeaders]).await;
    let client = client_for(&server.url(), timeout, retrying());
    let started = Instant::now();
    let error = token(&client).await.unwrap_err();
    assert_timed_out_on_time(&error, started.elapsed(), timeout);
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn slow_headers_time_out_within_ten_percent_for_authorize() {
    let timeout = Duration::from_secs(1);
    let server = FaultServer::start(vec![Fault::SlowHeaders]).await;
    let client = client_for(&server.url(), timeout, RetryPolicy::none());
    let started = Instant::now();
    let error = authorize(&client).await.unwrap_err();
    assert_timed_out_on_time(&error, started.elapsed(), timeout);
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn slow_body_times_out_within_ten_percent() {
    // The body needs ~7 s at one byte per 50 ms; the timeout covers the whole request.
    let timeout = Duration::from_secs(1);
    let server = FaultServer::start(vec![Fault::SlowBody]).await;
    let client = client_for(&server.url(), timeout, retrying());
    let started = Instant::now();
    let error = token(&client).await.unwrap_err();
    assert_timed_out_on_time(&error, started.elapsed(), timeout);
    assert_eq!(server.requests(), 1);
}

// --- body size cap ------------------------------------------------------------------------

/// The server could not push a 50 MiB body through: it wrote only what the loopback socket
/// buffers absorb before the client closed the connection.
fn assert_little_written(server: &FaultServer) {
    let written = server.written();
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
    let server = FaultServer::start(vec![Fault::Huge {
        status: 200,
        len: 50 * MIB,
        declared: true,
    }])
    .await;
    let started = Instant::now();
    let error = token(&retrying_client(&server)).await.unwrap_err();
    assert_too_large(&error);
    assert!(error.to_string().contains("1048576"), "{error}");
    assert!(error.to_string().contains("52428800"), "{error}");
    assert_eq!(server.requests(), 1);
    // Give the server time to notice the closed connection, then check it could not push the
    // body through: only what the loopback socket buffers absorb was written.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_little_written(&server);
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn chunked_fifty_mib_body_is_cut_off_at_the_default_cap() {
    let server = FaultServer::start(vec![Fault::Huge {
        status: 200,
        len: 50 * MIB,
        declared: false,
    }])
    .await;
    let error = authorize(&client(&server)).await.unwrap_err();
    assert_too_large(&error);
    assert_eq!(server.requests(), 1, "a body over the cap is not retried");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_little_written(&server);
}

#[tokio::test]
async fn the_cap_is_configurable() {
    let padded = |len: usize| format!("{TOKEN_BODY:<len$}");
    let server = FaultServer::start(vec![
        Fault::json(200, &padded(4000)),
        Fault::json(200, &padded(4097)),
    ])
    .await;
    let client = Client::builder(Server::Custom(server.url()))
        .max_response_body(4096)
        .build()
        .unwrap();
    token(&client)
        .await
        .expect("4000 bytes are under a 4096-byte cap");
    assert_too_large(&token(&client).await.unwrap_err());
    assert_eq!(server.requests(), 2);
}

#[tokio::test]
async fn a_huge_error_body_still_reports_its_status() {
    let server = FaultServer::start(vec![Fault::Huge {
        status: 503,
        len: 50 * MIB,
        declared: true,
    }])
    .await;
    let error = token(&retrying_client(&server)).await.unwrap_err();
    assert_eq!(http_status(&error), 503);
    assert_eq!(server.requests(), 1);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_little_written(&server);
}

// --- redirects ----------------------------------------------------------------------------

/// The server `redirect` answers every request with `status` to `elsewhere`.
async fn redirecting(status: u16, elsewhere: &FaultServer) -> FaultServer {
    FaultServer::start(vec![
        Fault::json(status, "{}")
            .with_header("location", format!("{}/v1/oauth2/token", elsewhere.url())),
    ])
    .await
}

#[tokio::test]
async fn redirects_are_never_followed() {
    for status in [301, 302, 303, 307, 308] {
        let elsewhere = FaultServer::start(vec![Fault::json(200, TOKEN_BODY)]).await;
        let server = redirecting(status, &elsewhere).await;
        let client = retrying_client(&server);
        assert_eq!(http_status(&token(&client).await.unwrap_err()), status);
        assert_eq!(http_status(&authorize(&client).await.unwrap_err()), status);
        assert_eq!(
            server.requests(),
            2,
            "{status}: one token, one authorize request"
        );
        assert_eq!(elsewhere.requests(), 0, "{status} was followed");
    }
}

/// An HTTP client that follows redirects (reqwest's default policy), as a caller might pass.
fn following_http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().build().unwrap()
}

#[tokio::test]
async fn a_token_request_is_never_resent_to_another_origin_even_by_a_following_http_client() {
    for status in [301, 302, 303, 307, 308] {
        let elsewhere = FaultServer::start(vec![Fault::json(200, TOKEN_BODY)]).await;
        let server = redirecting(status, &elsewhere).await;
        let client = Client::builder(Server::Custom(server.url()))
            .http_client(following_http_client())
            .retry(retrying())
            .build()
            .unwrap();
        let error = token(&client).await.unwrap_err();
        eprintln!(
            "{status}: {error}; elsewhere got {:?}",
            elsewhere.received()
        );
        assert_eq!(server.requests(), 1, "{status}");
        for request in elsewhere.received() {
            // reqwest turns a followed 301/302/303 into a bodiless GET; nothing of the token
            // request (code, secret, form) goes along.
            assert_eq!(request.method, "GET", "{status}: {request:?}");
            assert!(request.body.is_empty(), "{status}: {request:?}");
            assert!(
                !format!("{request:?}").contains("polar_"),
                "{status}: {request:?}"
            );
        }
        match status {
            // The body cannot be cloned, so reqwest does not follow.
            307 | 308 => {
                assert_eq!(http_status(&error), status);
                assert_eq!(elsewhere.requests(), 0, "{status}");
            }
            // Followed by reqwest, refused by the client: the other origin's answer (a
            // token!) is never read.
            _ => match &error {
                Error::InvalidRequest(m) => assert!(m.contains("redirect"), "{m}"),
                other => panic!("{status}: {other:?}"),
            },
        }
    }
}

#[tokio::test]
async fn consent_data_never_carries_the_session_across_a_redirect() {
    let elsewhere = FaultServer::start(vec![Fault::json(200, AUTHORIZE_BODY)]).await;
    let server = FaultServer::start(vec![Fault::json(302, "{}").with_header(
        "location",
        format!("{}/v1/oauth2/authorize", elsewhere.url()),
    )])
    .await;
    let client = Client::builder(Server::Custom(server.url()))
        .http_client(following_http_client())
        .build()
        .unwrap();
    let error = authorize(&client).await.unwrap_err();
    assert!(matches!(error, Error::InvalidRequest(_)), "{error:?}");
    assert_eq!(server.requests(), 1);
    let sent = server.received();
    assert!(sent[0].header("cookie").is_some());
    for request in elsewhere.received() {
        assert_eq!(request.header("cookie"), None, "{request:?}");
    }
}

// --- 429, 503 and other statuses ----------------------------------------------------------

#[tokio::test]
async fn too_many_requests_honours_retry_after_for_authorize() {
    let server = FaultServer::start(vec![
        Fault::json(429, r#"{"error":"TooManyRequests","detail":"slow down"}"#)
            .with_header("retry-after", "1"),
        Fault::json(200, AUTHORIZE_BODY),
    ])
    .await;
    let started = Instant::now();
    authorize(&retrying_client(&server)).await.unwrap();
    let waited = started.elapsed();
    assert!(waited >= Duration::from_secs(1), "{waited:?}");
    assert!(waited < Duration::from_secs(3), "{waited:?}");
    assert_eq!(server.requests(), 2);
}

#[tokio::test]
async fn too_many_requests_is_not_retried_for_a_token_request() {
    let server = FaultServer::start(vec![
        Fault::json(429, "{}").with_header("retry-after", "1"),
        Fault::json(200, TOKEN_BODY),
    ])
    .await;
    let error = token(&retrying_client(&server)).await.unwrap_err();
    assert_eq!(http_status(&error), 429);
    assert_eq!(error.retry_after(), Some(Duration::from_secs(1)));
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn a_retry_after_beyond_the_limit_ends_the_retries() {
    let server = FaultServer::start(vec![
        Fault::json(503, "{}").with_header("retry-after", "3600"),
        Fault::json(200, AUTHORIZE_BODY),
    ])
    .await;
    let started = Instant::now();
    let error = authorize(&retrying_client(&server)).await.unwrap_err();
    assert_eq!(http_status(&error), 503);
    assert_eq!(error.retry_after(), Some(Duration::from_secs(3600)));
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn unavailable_authorize_is_retried_up_to_the_limit() {
    for status in [502, 503, 504] {
        let server = FaultServer::start(vec![Fault::Reply {
            status,
            headers: vec![("content-type", "text/html".into())],
            body: "<html>upstream down</html>".into(),
        }])
        .await;
        let error = authorize(&retrying_client(&server)).await.unwrap_err();
        assert_eq!(http_status(&error), status);
        assert_eq!(
            server.requests(),
            4,
            "{status}: first attempt and 3 retries"
        );
    }
}

#[tokio::test]
async fn unavailable_token_endpoint_is_not_retried() {
    for status in [500, 502, 503, 504] {
        let server = FaultServer::start(vec![
            Fault::json(status, r#"{"error":"temporarily_unavailable"}"#),
            Fault::json(200, TOKEN_BODY),
        ])
        .await;
        let error = token(&retrying_client(&server)).await.unwrap_err();
        assert_eq!(error.status().map(|s| s.as_u16()), Some(status));
        assert_eq!(server.requests(), 1, "{status}");
    }
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    for status in [400, 401, 403, 404, 422] {
        let server =
            FaultServer::start(vec![Fault::json(status, r#"{"error":"invalid_grant"}"#)]).await;
        let client = retrying_client(&server);
        assert!(authorize(&client).await.is_err());
        assert!(token(&client).await.is_err());
        assert_eq!(server.requests(), 2, "{status}");
    }
}
