//! The loopback server: a copy of the benchmark binary in server mode, in its own process
//! pinned to another CPU than the client (a server on the client's own runtime flatters a
//! client that does less per poll), answering each operation with a canned response.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::payloads::*;

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
