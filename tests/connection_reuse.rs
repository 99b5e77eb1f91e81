//! One `Client` keeps one keep-alive connection: sequential calls never pay for a new TCP
//! connection (and, against the real API, a new TLS handshake). The loopback server counts the
//! connections it accepts.

// A benchmark or test that cannot set up or gets a wrong answer must stop loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use polar_oauth2::{
    AccessToken, AuthorizeParams, Client, ClientCredentials, ClientSecret, Error, RefreshToken,
    Server, SubType,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const TOKEN: &str = r#"{"access_token":"polar_at_u_a","token_type":"Bearer","expires_in":3600,"refresh_token":"polar_rt_u_b","scope":"openid email"}"#;
const AUTHORIZE: &str = r#"{"client":{"created_at":"2025-01-14T10:22:31Z","modified_at":null,"client_id":"polar_ci_x","client_name":"Acme","client_uri":null,"logo_uri":null,"tos_uri":null,"policy_uri":null},"sub_type":"user","sub":null,"scopes":["openid","email"],"scope_display_names":{"openid":"OpenID","email":"Read your email address"}}"#;
const INVALID_GRANT: &str =
    r#"{"error":"invalid_grant","error_description":"The refresh token was revoked."}"#;

/// A keep-alive HTTP/1.1 server on `127.0.0.1:0` answering every token request with `token`
/// (status and body) and every authorize request with a consent response.
struct CountingServer {
    addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
    requests: Arc<AtomicUsize>,
}

impl CountingServer {
    async fn start(token: (u16, &'static str)) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(AtomicUsize::new(0));
        let (count, served) = (accepted.clone(), requests.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(serve(stream, token, served.clone()));
            }
        });
        Self {
            addr,
            accepted,
            requests,
        }
    }

    fn client(&self) -> Client {
        Client::new(Server::Custom(format!("http://{}", self.addr))).unwrap()
    }

    fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// Serve requests on one connection until the client closes it.
async fn serve(mut stream: TcpStream, token: (u16, &'static str), served: Arc<AtomicUsize>) {
    let mut buf = Vec::new();
    loop {
        // Read one whole request: the head, then `Content-Length` bytes of body.
        let (len, path) = loop {
            let mut headers = [httparse::EMPTY_HEADER; 32];
            let mut request = httparse::Request::new(&mut headers);
            if let Ok(httparse::Status::Complete(head)) = request.parse(&buf) {
                let body = request
                    .headers
                    .iter()
                    .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                    .and_then(|h| std::str::from_utf8(h.value).ok()?.parse::<usize>().ok())
                    .unwrap_or(0);
                break (head + body, request.path.unwrap_or("").to_owned());
            }
            if !matches!(stream.read_buf(&mut buf).await, Ok(n) if n > 0) {
                return;
            }
        };
        while buf.len() < len {
            if !matches!(stream.read_buf(&mut buf).await, Ok(n) if n > 0) {
                return;
            }
        }
        buf.drain(..len);
        served.fetch_add(1, Ordering::SeqCst);
        let (status, body) = if path.starts_with("/v1/oauth2/token") {
            token
        } else {
            (200, AUTHORIZE)
        };
        let reason = if status == 200 { "OK" } else { "Bad Request" };
        let response = format!(
            "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncache-control: no-store\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        if stream.write_all(response.as_bytes()).await.is_err() {
            return;
        }
    }
}

fn credentials() -> ClientCredentials {
    ClientCredentials::confidential("polar_ci_x", ClientSecret::new("polar_cs_y"))
}

#[tokio::test]
async fn hundred_sequential_calls_use_one_connection() {
    let server = CountingServer::start((200, TOKEN)).await;
    let client = server.client();
    let refresh_token = RefreshToken::new("polar_rt_u_a");
    let access_token = AccessToken::new("polar_at_u_a");
    let params = AuthorizeParams::new("polar_ci_x").state("s");
    for call in 0..100 {
        // Both operations, alternating: each must leave the connection ready for the next.
        if call % 2 == 0 {
            let token = client
                .refresh(&credentials(), &refresh_token)
                .await
                .unwrap();
            assert_eq!(token.scope().len(), 2);
        } else {
            let consent = client.authorize(&access_token, &params).await.unwrap();
            assert_eq!(consent.sub_type(), SubType::User);
        }
    }
    assert_eq!(server.requests(), 100);
    assert_eq!(server.accepted(), 1, "connections opened for 100 calls");
}

#[tokio::test]
async fn clones_share_the_connection() {
    let server = CountingServer::start((200, TOKEN)).await;
    let client = server.client();
    let refresh_token = RefreshToken::new("polar_rt_u_a");
    for _ in 0..10 {
        let clone = client.clone();
        clone.refresh(&credentials(), &refresh_token).await.unwrap();
    }
    assert_eq!(server.accepted(), 1);
}

#[tokio::test]
async fn oauth_error_responses_keep_the_connection() {
    let server = CountingServer::start((400, INVALID_GRANT)).await;
    let client = server.client();
    let refresh_token = RefreshToken::new("polar_rt_u_revoked");
    for _ in 0..20 {
        let error = client
            .refresh(&credentials(), &refresh_token)
            .await
            .unwrap_err();
        assert!(
            matches!(&error, Error::OAuth(e) if e.code.as_str() == "invalid_grant"),
            "{error:?}"
        );
    }
    assert_eq!(server.requests(), 20);
    assert_eq!(
        server.accepted(),
        1,
        "connections opened for 20 error responses"
    );
}
