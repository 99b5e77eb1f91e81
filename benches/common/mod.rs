//! What `benches/oauth2.rs` and `benches/load.rs` share: the payloads Polar sends, the
//! hand-written reqwest + serde baseline (what a user writes instead of this crate), a raw hyper
//! client (the floor: no client library at all), and the loopback server, which runs in its own
//! process pinned to another CPU than the client (issue 15: a server on the client's own runtime
//! flatters a client that does less per poll).
#![allow(dead_code)] // each bench uses a part

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

// ---------------------------------------------------------------------------------------------
// Realistic payloads

pub const CLIENT_ID: &str = "polar_ci_Xq3kP9vTz2LmN8bR4wYc6D";
pub const CLIENT_SECRET: &str = "polar_cs_hV7nQ2xK9pL4mT8rW3zB6yF1cJ5gD0sA";
pub const REFRESH_TOKEN: &str = "polar_rt_u_Zk4Jm8Qp2Vx7Nc3Lb9Ht5Rw1Fy6Gd0Sa";
pub const ACCESS_TOKEN: &str = "polar_at_u_Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv";
/// The signed-in user's web session the consent-data calls carry.
pub const SESSION_TOKEN: &str = "polar_us_Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv";
pub const REDIRECT_URI: &str = "https://app.example.com/oauth/callback";
pub const STATE: &str = "af0ifjsldkj3Rk8mZq1wX2";
pub const CODE_CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// The ten scopes asked for (and granted) in every payload.
pub const SCOPES: [&str; 10] = [
    "openid",
    "profile",
    "email",
    "user:read",
    "organizations:read",
    "products:read",
    "products:write",
    "customers:read",
    "orders:read",
    "webhooks:write",
];

/// Every known scope's label, as Polar sends `scope_display_names` when nothing changed (the
/// spec's `enumNames`, which the build reads: the fixture follows the vendored spec).
pub fn spec_display_names() -> Vec<(String, String)> {
    let names: Vec<(String, String)> = polar_oauth2::Scope::KNOWN
        .iter()
        .filter_map(|s| Some((s.as_str().to_owned(), s.display_name()?.to_owned())))
        .collect();
    assert!(!names.is_empty(), "the spec labels its scopes");
    names
}

pub fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// A `sub_type: user` authorize response, fields in the order Polar's server writes them
/// (compact JSON, as Starlette's `JSONResponse` does).
pub fn authorize_body() -> Vec<u8> {
    let mut body = String::from(concat!(
        r#"{"client":{"created_at":"2025-01-14T10:22:31.123456Z","#,
        r#""modified_at":"2025-06-02T08:01:12.654321Z","#,
        r#""client_id":"polar_ci_Xq3kP9vTz2LmN8bR4wYc6D","client_name":"Acme Analytics","#,
        r#""client_uri":"https://acme.example.com","#,
        r#""logo_uri":"https://acme.example.com/static/logo.png","#,
        r#""tos_uri":"https://acme.example.com/terms","#,
        r#""policy_uri":"https://acme.example.com/privacy"},"#,
        r#""sub_type":"user","#,
        r#""sub":{"id":"3f2b8c1e-6a4d-4e7f-9b0a-5c8d2e1f4a6b","email":"jane.doe@example.com","#,
        r#""avatar_url":"https://avatars.githubusercontent.com/u/1234567?v=4"},"#,
        r#""scopes":["#,
    ));
    for (i, scope) in SCOPES.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(&json_str(scope));
    }
    body.push_str(r#"],"organizations":[],"scope_display_names":{"#);
    for (i, (scope, name)) in spec_display_names().iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        let _ = write!(body, "{}:{}", json_str(scope), json_str(name));
    }
    body.push_str("}}");
    body.into_bytes()
}

/// A refresh grant's response (RFC 6749 §5.1) with an OpenID Connect ID token, as Polar sends it.
pub fn token_body() -> Vec<u8> {
    let id_token = format!(
        "eyJhbGciOiJSUzI1NiIsImtpZCI6InBvbGFyLTIwMjUiLCJ0eXAiOiJKV1QifQ.{}.{}",
        "eyJpc3MiOiJodHRwczovL3BvbGFyLnNoIiwic3ViIjoiM2YyYjhjMWUtNmE0ZC00ZTdmLTliMGEtNWM4ZDJlMWY0YTZiIiwiYXVkIjoicG9sYXJfY2lfWHEza1A5dlR6MkxtTjhiUjR3WWM2RCIsImV4cCI6MTc1MDAwMDAwMCwiaWF0IjoxNzQ5OTk2NDAwLCJhdXRoX3RpbWUiOjE3NDk5OTY0MDAsIm5vbmNlIjoibjAxIiwiZW1haWwiOiJqYW5lLmRvZUBleGFtcGxlLmNvbSIsImVtYWlsX3ZlcmlmaWVkIjp0cnVlfQ",
        "c2lnbmF0dXJlLXBsYWNlaG9sZGVyLXRoYXQtaXMtYXMtbG9uZy1hcy1hbi1yczI1Ni1zaWduYXR1cmUtd291bGQtYmUtaW4tcHJhY3RpY2UtMjU2LWJ5dGVzLWJhc2U2NHVybC1lbmNvZGVkLXNvLXRoaXMtcGFkcy1pdC1vdXQtYS1iaXQtbW9yZQ",
    );
    format!(
        r#"{{"access_token":"{ACCESS_TOKEN}","token_type":"Bearer","expires_in":3600,"refresh_token":"polar_rt_u_Nw2Qe8Rt4Yu6Io0Pa3Sd5Fg7Hj9Kl1Zx","id_token":"{id_token}","scope":"{}"}}"#,
        SCOPES.join(" ")
    )
    .into_bytes()
}

// ---------------------------------------------------------------------------------------------
// The hand-written baseline: what a user writes with reqwest + serde and no generator

/// `#[serde(tag = "sub_type")]` over the two arms, display names in a `HashMap`.
#[derive(Debug, Deserialize)]
#[serde(tag = "sub_type", rename_all = "snake_case")]
#[allow(dead_code)] // fields are decoded, not read
pub enum BaselineAuthorize {
    User {
        client: BaselineClient,
        sub: Option<BaselineUser>,
        scopes: Vec<String>,
        #[serde(default)]
        scope_display_names: HashMap<String, String>,
    },
    Organization {
        client: BaselineClient,
        sub: Option<BaselineOrganization>,
        scopes: Vec<String>,
        #[serde(default)]
        scope_display_names: HashMap<String, String>,
        organizations: Vec<BaselineOrganization>,
    },
}

/// Same field types as the generated `OAuth2ClientPublic`.
#[derive(Debug, Deserialize)]
#[allow(dead_code)]
pub struct BaselineClient {
    created_at: chrono::DateTime<chrono::Utc>,
    modified_at: Option<chrono::DateTime<chrono::Utc>>,
    client_id: String,
    client_name: Option<String>,
    client_uri: Option<String>,
    logo_uri: Option<String>,
    tos_uri: Option<String>,
    policy_uri: Option<String>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
pub struct BaselineUser {
    id: uuid::Uuid,
    email: String,
    avatar_url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
pub struct BaselineOrganization {
    id: uuid::Uuid,
    slug: String,
    avatar_url: Option<String>,
}

/// RFC 6749 §5.1 as a plain struct, `scope` left as the wire string.
#[derive(Debug, Deserialize)]
#[allow(dead_code)]
pub struct BaselineToken {
    access_token: String,
    token_type: String,
    expires_in: Option<i64>,
    refresh_token: Option<String>,
    id_token: Option<String>,
    scope: Option<String>,
}

pub const REGISTRATION_TOKEN: &str = "polar_crt_Lk9Jh7Gf5Ds3Aq1Zw2Xe4Cr6Vt8By0Nu";
pub const SUB: &str = "3f2b8c1e-6a4d-4e7f-9b0a-5c8d2e1f4a6b";

/// An active access token's introspection (RFC 7662 §2.2, Polar's claims).
pub fn introspect_body() -> Vec<u8> {
    format!(
        r#"{{"active":true,"client_id":"{CLIENT_ID}","token_type":"access_token","scope":"{}","sub_type":"user","sub":"{SUB}","organizations":[],"aud":"{CLIENT_ID}","iss":"https://polar.sh","exp":1767225600,"iat":1766361600}}"#,
        SCOPES.join(" ")
    )
    .into_bytes()
}

/// A user token's userinfo with `openid email`.
pub fn userinfo_body() -> Vec<u8> {
    format!(r#"{{"sub":"{SUB}","email":"jane.doe@example.com","email_verified":true}}"#)
        .into_bytes()
}

/// A registered client (RFC 7591 §3.2.1), as create, get and update answer.
pub fn client_body() -> Vec<u8> {
    format!(
        r#"{{"client_id":"{CLIENT_ID}","client_secret":"{CLIENT_SECRET}","client_id_issued_at":1767225600,"client_secret_expires_at":0,"registration_access_token":"{REGISTRATION_TOKEN}","registration_client_uri":"https://api.polar.sh/v1/oauth2/register/{CLIENT_ID}","client_name":"Acme Analytics","redirect_uris":["{REDIRECT_URI}"],"token_endpoint_auth_method":"client_secret_post","grant_types":["authorization_code","refresh_token"],"response_types":["code"],"scope":"{}","client_uri":"https://acme.example.com","logo_uri":"https://acme.example.com/static/logo.png","tos_uri":"https://acme.example.com/terms","policy_uri":"https://acme.example.com/privacy","default_sub_type":"user"}}"#,
        SCOPES.join(" ")
    )
    .into_bytes()
}

/// RFC 7662 §2.2 as a user would write it: `active` plus optional claims.
#[derive(Debug, Deserialize)]
#[allow(dead_code)]
pub struct BaselineIntrospection {
    active: bool,
    client_id: Option<String>,
    token_type: Option<String>,
    scope: Option<String>,
    sub_type: Option<String>,
    sub: Option<String>,
    #[serde(default)]
    organizations: Vec<String>,
    aud: Option<String>,
    iss: Option<String>,
    exp: Option<u64>,
    iat: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
pub struct BaselineUserInfo {
    sub: String,
    name: Option<String>,
    email: Option<String>,
    email_verified: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
pub struct BaselineRegisteredClient {
    client_id: String,
    client_secret: Option<String>,
    client_id_issued_at: Option<u64>,
    client_secret_expires_at: Option<u64>,
    registration_access_token: Option<String>,
    registration_client_uri: Option<String>,
    client_name: Option<String>,
    #[serde(default)]
    redirect_uris: Vec<String>,
    token_endpoint_auth_method: Option<String>,
    #[serde(default)]
    grant_types: Vec<String>,
    #[serde(default)]
    response_types: Vec<String>,
    scope: Option<String>,
    client_uri: Option<String>,
    logo_uri: Option<String>,
    tos_uri: Option<String>,
    policy_uri: Option<String>,
    default_sub_type: Option<String>,
}

/// Revocation answers `{}` (RFC 7009 §2.2: the body is not read by clients).
#[derive(Debug, Deserialize)]
pub struct BaselineRevoked {}

#[derive(Serialize)]
struct RefreshForm<'a> {
    grant_type: &'a str,
    client_id: &'a str,
    client_secret: &'a str,
    refresh_token: &'a str,
}

#[derive(Serialize)]
struct TokenForm<'a> {
    client_id: &'a str,
    client_secret: &'a str,
    token: &'a str,
    token_type_hint: &'a str,
}

#[derive(Serialize)]
struct RegistrationBody<'a> {
    client_name: &'a str,
    redirect_uris: [&'a str; 1],
    #[serde(skip_serializing_if = "Option::is_none")]
    client_id: Option<&'a str>,
}

// ---------------------------------------------------------------------------------------------
// The hand-written baseline: what a user writes with reqwest + serde and no generator

/// One `reqwest::Client`, each request built by hand, `.json()` to decode: the nine operations.
pub struct HandWritten {
    pub http: reqwest::Client,
    pub base: String,
    token_url: String,
    authorize_url: String,
}

/// The authorize query both the crate and the baseline send (10 scopes, PKCE, state).
pub fn authorize_query(scope: &str) -> [(&'static str, &str); 7] {
    [
        ("client_id", CLIENT_ID),
        ("response_type", "code"),
        ("redirect_uri", REDIRECT_URI),
        ("scope", scope),
        ("state", STATE),
        ("code_challenge", CODE_CHALLENGE),
        ("code_challenge_method", "S256"),
    ]
}

impl HandWritten {
    pub fn new(base: &str, http: reqwest::Client) -> Self {
        Self {
            http,
            base: base.to_owned(),
            token_url: format!("{base}/v1/oauth2/token"),
            authorize_url: format!("{base}/v1/oauth2/authorize"),
        }
    }

    /// reqwest's defaults, with TLS on ring (rustls is built without a default provider here).
    pub fn default_http() -> reqwest::Client {
        let _ = rustls::crypto::ring::default_provider().install_default();
        reqwest::Client::builder().build().expect("reqwest client")
    }

    pub async fn refresh(&self) -> reqwest::Result<BaselineToken> {
        let form = RefreshForm {
            grant_type: "refresh_token",
            client_id: CLIENT_ID,
            client_secret: CLIENT_SECRET,
            refresh_token: REFRESH_TOKEN,
        };
        self.http
            .post(&self.token_url)
            .form(&form)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await
    }

    pub async fn consent_data(&self, scope: &str) -> reqwest::Result<BaselineAuthorize> {
        self.http
            .get(&self.authorize_url)
            .bearer_auth(ACCESS_TOKEN)
            .query(&authorize_query(scope))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await
    }

    fn token_form(hint: &str) -> TokenForm<'_> {
        TokenForm {
            client_id: CLIENT_ID,
            client_secret: CLIENT_SECRET,
            token: ACCESS_TOKEN,
            token_type_hint: hint,
        }
    }

    pub async fn revoke(&self) -> reqwest::Result<BaselineRevoked> {
        let url = format!("{}/v1/oauth2/revoke", self.base);
        let form = Self::token_form("access_token");
        let response = self.http.post(url).form(&form).send().await?;
        response.error_for_status()?.json().await
    }

    pub async fn introspect(&self) -> reqwest::Result<BaselineIntrospection> {
        let url = format!("{}/v1/oauth2/introspect", self.base);
        let form = Self::token_form("access_token");
        let response = self.http.post(url).form(&form).send().await?;
        response.error_for_status()?.json().await
    }

    pub async fn userinfo(&self) -> reqwest::Result<BaselineUserInfo> {
        let url = format!("{}/v1/oauth2/userinfo", self.base);
        let response = self.http.get(url).bearer_auth(ACCESS_TOKEN).send().await?;
        response.error_for_status()?.json().await
    }

    pub async fn create_client(&self) -> reqwest::Result<BaselineRegisteredClient> {
        let url = format!("{}/v1/oauth2/register", self.base);
        let body = RegistrationBody {
            client_name: "Acme Analytics",
            redirect_uris: [REDIRECT_URI],
            client_id: None,
        };
        // Polar registers clients anonymously (see `Client::register_client`).
        let request = self.http.post(url).json(&body);
        request.send().await?.error_for_status()?.json().await
    }

    pub async fn get_client(&self) -> reqwest::Result<BaselineRegisteredClient> {
        let url = format!("{}/v1/oauth2/register/{CLIENT_ID}", self.base);
        let request = self.http.get(url).bearer_auth(REGISTRATION_TOKEN);
        request.send().await?.error_for_status()?.json().await
    }

    pub async fn update_client(&self) -> reqwest::Result<BaselineRegisteredClient> {
        let url = format!("{}/v1/oauth2/register/{CLIENT_ID}", self.base);
        let body = RegistrationBody {
            client_name: "Acme Analytics",
            redirect_uris: [REDIRECT_URI],
            client_id: Some(CLIENT_ID),
        };
        let request = self
            .http
            .put(url)
            .bearer_auth(REGISTRATION_TOKEN)
            .json(&body);
        request.send().await?.error_for_status()?.json().await
    }

    pub async fn delete_client(&self) -> reqwest::Result<()> {
        let url = format!("{}/v1/oauth2/register/{CLIENT_ID}", self.base);
        let request = self.http.delete(url).bearer_auth(REGISTRATION_TOKEN);
        request.send().await?.error_for_status()?;
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// The floor: hyper's HTTP/1 connection, requests built by hand, no pool, no client library

/// One keep-alive connection driven by hyper directly: what the round trip costs with no
/// client library (pool, redirect, timeout, URL parsing) at all. Same form and decoding as the
/// baseline.
pub struct RawHyper {
    sender: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    host: String,
    authorize_path: String,
}

impl RawHyper {
    /// Connects (call inside the runtime that will drive it).
    pub async fn connect(addr: std::net::SocketAddr, scope: &str) -> Self {
        let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .expect("handshake");
        tokio::spawn(connection);
        let query = serde_urlencoded::to_string(authorize_query(scope)).expect("query");
        Self {
            sender,
            host: addr.to_string(),
            authorize_path: format!("/v1/oauth2/authorize?{query}"),
        }
    }

    async fn send<T: serde::de::DeserializeOwned>(
        &mut self,
        request: http::Request<Full<Bytes>>,
    ) -> T {
        let response = self.sender.send_request(request).await.expect("send");
        assert!(response.status().is_success());
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        serde_json::from_slice(&body).expect("decode")
    }

    pub async fn refresh(&mut self) -> BaselineToken {
        let form = serde_urlencoded::to_string(RefreshForm {
            grant_type: "refresh_token",
            client_id: CLIENT_ID,
            client_secret: CLIENT_SECRET,
            refresh_token: REFRESH_TOKEN,
        })
        .expect("form");
        let request = http::Request::post("/v1/oauth2/token")
            .header(http::header::HOST, &self.host)
            .header(
                http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(Full::new(Bytes::from(form)))
            .expect("request");
        self.send(request).await
    }

    pub async fn consent_data(&mut self) -> BaselineAuthorize {
        let request = http::Request::get(&self.authorize_path)
            .header(http::header::HOST, &self.host)
            .header(
                http::header::AUTHORIZATION,
                format!("Bearer {ACCESS_TOKEN}"),
            )
            .body(Full::new(Bytes::new()))
            .expect("request");
        self.send(request).await
    }
}

// ---------------------------------------------------------------------------------------------
// CPU pinning and the server process

/// The server's CPU; clients run on [`CLIENT_CPU`].
pub const SERVER_CPU: usize = 1;
pub const CLIENT_CPU: usize = 0;

/// Pins the calling thread to `cpu` when the machine has it; says so on stderr either way.
pub fn pin(cpu: usize, who: &str) {
    let cores = core_affinity::get_core_ids().unwrap_or_default();
    match cores.iter().find(|c| c.id == cpu) {
        Some(core) if cores.len() > 1 && core_affinity::set_for_current(*core) => {}
        _ => eprintln!(
            "{who}: not pinned (CPU {cpu} not available; {} CPUs)",
            cores.len()
        ),
    }
}

const SERVE_ENV: &str = "POLAR_BENCH_SERVE";

/// The server process, a copy of the running benchmark binary in server mode: pinned to
/// [`SERVER_CPU`], a current-thread runtime, one task per connection. Killed on drop; it also
/// exits when its standard input closes (the parent died).
pub struct ServerProcess {
    child: Child,
    pub addr: std::net::SocketAddr,
}

impl ServerProcess {
    pub fn spawn() -> Self {
        let mut child = Command::new(std::env::current_exe().expect("current exe"))
            .env(SERVE_ENV, "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn the server process");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("server stdout"))
            .read_line(&mut line)
            .expect("server address");
        let addr = line.trim().parse().expect("server address");
        Self { child, addr }
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Call first in `main`: in the server process, serves until the parent goes away, then exits.
pub fn serve_if_server_process() {
    if std::env::var_os(SERVE_ENV).is_none() {
        return;
    }
    pin(SERVER_CPU, "server");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("server runtime");
    runtime.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket.bind(([127, 0, 0, 1], 0).into()).expect("bind");
        // 1,000 connections may arrive at once; a short backlog would drop SYNs (1 s retries).
        let listener = socket.listen(4096).expect("listen");
        println!("{}", listener.local_addr().expect("address"));
        std::thread::spawn(|| {
            // The parent holds our stdin; EOF means it is gone.
            let mut buf = [0u8; 64];
            while matches!(std::io::Read::read(&mut std::io::stdin(), &mut buf), Ok(n) if n > 0) {}
            std::process::exit(0);
        });
        let responses: &'static Responses = Box::leak(Box::new(Responses::new()));
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            tokio::spawn(serve(stream, responses));
        }
    });
    std::process::exit(0);
}

/// Each operation's whole canned response, head and body.
struct Responses {
    token: Vec<u8>,
    authorize: Vec<u8>,
    revoke: Vec<u8>,
    introspect: Vec<u8>,
    userinfo: Vec<u8>,
    client: Vec<u8>,
    deleted: Vec<u8>,
}

impl Responses {
    fn new() -> Self {
        let ok = |body: Vec<u8>| {
            let mut r = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncache-control: no-store\r\ncontent-length: {}\r\n\r\n",
                body.len()
            )
            .into_bytes();
            r.extend_from_slice(&body);
            r
        };
        Self {
            token: ok(token_body()),
            authorize: ok(authorize_body()),
            revoke: ok(b"{}".to_vec()),
            introspect: ok(introspect_body()),
            userinfo: ok(userinfo_body()),
            client: ok(client_body()),
            deleted: b"HTTP/1.1 204 No Content\r\n\r\n".to_vec(),
        }
    }

    fn answer(&self, method: &str, path: &str) -> &[u8] {
        let path = path.split('?').next().unwrap_or_default();
        match (method, path) {
            ("POST", "/v1/oauth2/token") => &self.token,
            ("GET", "/v1/oauth2/authorize") => &self.authorize,
            ("POST", "/v1/oauth2/revoke") => &self.revoke,
            ("POST", "/v1/oauth2/introspect") => &self.introspect,
            ("GET", "/v1/oauth2/userinfo") => &self.userinfo,
            ("DELETE", _) => &self.deleted,
            _ => &self.client,
        }
    }
}

async fn serve(mut stream: tokio::net::TcpStream, responses: &'static Responses) {
    let mut buf = Vec::with_capacity(16 * 1024);
    loop {
        let (len, response) = loop {
            let mut headers = [httparse::EMPTY_HEADER; 32];
            let mut request = httparse::Request::new(&mut headers);
            match request.parse(&buf) {
                Ok(httparse::Status::Complete(head)) => {
                    let body = request
                        .headers
                        .iter()
                        .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                        .and_then(|h| std::str::from_utf8(h.value).ok()?.parse::<usize>().ok())
                        .unwrap_or(0);
                    let response = responses.answer(
                        request.method.unwrap_or_default(),
                        request.path.unwrap_or_default(),
                    );
                    break (head + body, response);
                }
                Ok(httparse::Status::Partial) => {}
                Err(_) => return,
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
        if stream.write_all(response).await.is_err() {
            return;
        }
    }
}

/// Peak resident memory of this process (VmHWM), in KiB (Linux).
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Quartiles of `values` (sorted in place).
pub fn quartiles(mut values: Vec<f64>) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let i = q * (values.len() - 1) as f64;
        let (lo, hi) = (i.floor() as usize, i.ceil() as usize);
        values[lo] + (values[hi] - values[lo]) * (i - lo as f64)
    };
    (at(0.25), at(0.5), at(0.75))
}
