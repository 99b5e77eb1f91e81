//! A scripted HTTP/1.1 server on 127.0.0.1:0 that records every request it receives.
//!
//! Each accepted connection serves requests until the client closes it (keep-alive), answering
//! with the next scripted response, or the last one again when the script runs out.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request as it arrived on the wire.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub target: String,
    /// Header names lower-cased, in arrival order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn header_count(&self, name: &str) -> usize {
        self.headers.iter().filter(|(n, _)| n == name).count()
    }

    /// The form body decoded into pairs.
    pub fn form(&self) -> Vec<(String, String)> {
        serde_urlencoded::from_bytes(&self.body).expect("form body")
    }

    /// The query string decoded into pairs.
    pub fn query(&self) -> Vec<(String, String)> {
        let query = self.target.split_once('?').map(|(_, q)| q).unwrap_or("");
        serde_urlencoded::from_str(query).expect("query")
    }

    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
}

/// A scripted response.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(status: u16, body: impl Into<String>) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.into().into_bytes(),
        }
    }

    pub fn with_content_type(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.into(),
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

pub struct Server {
    pub base_url: String,
    pub requests: Arc<Mutex<Vec<Recorded>>>,
    pub connections: Arc<Mutex<usize>>,
}

/// Chooses the reply to a request (possibly after waiting for the test to let it go).
type Answer =
    Arc<dyn Fn(Recorded) -> std::pin::Pin<Box<dyn Future<Output = Reply> + Send>> + Send + Sync>;

impl Server {
    /// Start a server answering with `script` in order.
    pub async fn start(script: Vec<Reply>) -> Server {
        let next = Mutex::new(0usize);
        Self::answering(move |_| {
            let mut i = next.lock().unwrap();
            let reply = script[(*i).min(script.len() - 1)].clone();
            *i += 1;
            reply
        })
        .await
    }

    /// Start a server answering each request with `answer(request)`.
    pub async fn answering(answer: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> Server {
        let answer = Arc::new(answer);
        Self::answering_later(move |request| {
            let reply = answer(&request);
            async move { reply }
        })
        .await
    }

    /// Start a server answering each request with what `answer(request)` resolves to: a
    /// test can hold a reply back until it has done something meanwhile.
    pub async fn answering_later<F>(
        answer: impl Fn(Recorded) -> F + Send + Sync + 'static,
    ) -> Server
    where
        F: Future<Output = Reply> + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(Mutex::new(0));
        let answer: Answer = Arc::new(move |request| Box::pin(answer(request)));
        let (reqs, conns) = (requests.clone(), connections.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                *conns.lock().unwrap() += 1;
                tokio::spawn(serve(stream, reqs.clone(), answer.clone()));
            }
        });
        Server {
            base_url: format!("http://{addr}"),
            requests,
            connections,
        }
    }

    pub async fn reply(reply: Reply) -> Server {
        Self::start(vec![reply]).await
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    pub fn only_request(&self) -> Recorded {
        let requests = self.requests();
        assert_eq!(requests.len(), 1, "expected exactly one request");
        requests.into_iter().next().unwrap()
    }

    pub fn connections(&self) -> usize {
        *self.connections.lock().unwrap()
    }

    pub fn client(&self) -> polar_oauth2::Client {
        polar_oauth2::Client::new(polar_oauth2::Server::Custom(self.base_url.clone()))
            .expect("client")
    }
}

async fn serve(mut stream: TcpStream, requests: Arc<Mutex<Vec<Recorded>>>, answer: Answer) {
    let mut buf = Vec::new();
    loop {
        let Some(request) = read_request(&mut stream, &mut buf).await else {
            return;
        };
        requests.lock().unwrap().push(request.clone());
        let reply = answer(request).await;
        let mut head = format!(
            "HTTP/1.1 {} X\r\ncontent-length: {}\r\n",
            reply.status,
            reply.body.len()
        );
        for (n, v) in &reply.headers {
            head.push_str(&format!("{n}: {v}\r\n"));
        }
        head.push_str("\r\n");
        // One write per response: two small writes would meet Nagle's algorithm and the
        // client's delayed ACK (a 40 ms stall per keep-alive request).
        let mut response = head.into_bytes();
        response.extend_from_slice(&reply.body);
        if stream.write_all(&response).await.is_err() {
            return;
        }
    }
}

/// Read one request from `stream` (`buf` keeps bytes past it for the next), `None` at EOF.
pub async fn read_request(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<Recorded> {
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_owned();
    let target = first.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let len = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    while buf.len() < head_end + len {
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = buf[head_end..head_end + len].to_vec();
    buf.drain(..head_end + len);
    Some(Recorded {
        method,
        target,
        headers,
        body,
    })
}

/// A complete, realistic authorize response for `sub_type` with the spec's display names.
pub fn authorize_body(sub_type: &str, sub: &str, extra: &str) -> String {
    // Both arms list the organizations since 2026-08; older documents ignore the field.
    let orgs = r#","organizations":[{"id":"5f0c4d5e-6a4b-4c1e-9d55-2f2a7c0b1a11","slug":"acme","avatar_url":null}]"#;
    format!(
        r#"{{"client":{{"created_at":"2026-01-02T03:04:05Z","modified_at":null,"client_id":"polar_ci_test_client","client_name":"Test App","client_uri":"https://app.example","logo_uri":null,"tos_uri":null,"policy_uri":null}},"sub_type":"{sub_type}","sub":{sub},"scopes":["openid","email","orders:read"],"scope_display_names":{{"openid":"OpenID","email":"Read your email address","orders:read":"Read orders made on your organizations"}}{orgs}{extra}}}"#
    )
}

pub const USER_SUB: &str =
    r#"{"id":"0b9f7c56-2a57-4c4f-a1b8-6a9d2c3e4f50","email":"ada@example.com","avatar_url":null}"#;
pub const ORG_SUB: &str = r#"{"id":"5f0c4d5e-6a4b-4c1e-9d55-2f2a7c0b1a11","slug":"acme","avatar_url":"https://img.example/a.png"}"#;

pub const TOKEN_BODY: &str = r#"{"access_token":"polar_at_u_test_access","token_type":"Bearer","expires_in":864000,"refresh_token":"polar_rt_u_test_refresh","scope":"openid email orders:read","id_token":"eyJ.test.sig"}"#;
