//! The loopback server: a copy of the benchmark binary in server mode, in its own process
//! pinned to another CPU than the client (a server on the client's own runtime flatters a
//! client that does less per poll), answering each operation with a canned response through the
//! scripted server of `tests/support`.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use super::payloads::*;
use super::support::{Record, Reply, Server};

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
        let responses = Responses::new();
        // The one scripted server of `tests/support`, counting requests only (nothing kept).
        let _server = Server::on(listener, Record::Count, move |request| {
            let reply = responses.answer(&request.method, request.path()).clone();
            async move { reply }
        });
        std::future::pending::<()>().await;
    });
    std::process::exit(0);
}

/// Each operation's canned answer.
struct Responses {
    token: Reply,
    authorize: Reply,
    revoke: Reply,
    introspect: Reply,
    userinfo: Reply,
    client: Reply,
    deleted: Reply,
}

impl Responses {
    fn new() -> Self {
        let ok = |body: Vec<u8>| {
            let body = String::from_utf8(body).expect("the payloads are UTF-8 JSON");
            Reply::json(200, body).header("cache-control", "no-store")
        };
        Self {
            token: ok(token_body()),
            authorize: ok(authorize_body()),
            revoke: ok(b"{}".to_vec()),
            introspect: ok(introspect_body()),
            userinfo: ok(userinfo_body()),
            client: ok(client_body()),
            deleted: Reply::status(204, Vec::new()),
        }
    }

    fn answer(&self, method: &str, path: &str) -> &Reply {
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
