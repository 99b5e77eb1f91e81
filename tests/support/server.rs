//! The scripted server: accepts connections on 127.0.0.1, reads each request, records it, and
//! plays the reply its script or answer function chooses; counts connections and bytes.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::net::{TcpListener, TcpStream};

use super::reply::Reply;
use super::request::{Recorded, read_request};

/// Whether the server keeps every request or only counts them (a long load run).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Record {
    All,
    Count,
}

#[derive(Default)]
struct Stats {
    requests: Mutex<Vec<Recorded>>,
    request_count: AtomicUsize,
    connections: AtomicUsize,
    open: AtomicUsize,
    peak_open: AtomicUsize,
    body_bytes_written: AtomicU64,
}

/// Chooses the reply to a request (possibly after waiting for the test to let it go).
type Answer = Arc<dyn Fn(Recorded) -> Pin<Box<dyn Future<Output = Reply> + Send>> + Send + Sync>;

/// A scripted HTTP/1.1 server on 127.0.0.1, running until the test's runtime ends.
pub struct Server {
    /// `http://127.0.0.1:port`, for `polar_oauth2::Server::Custom`.
    pub base_url: String,
    /// The address it listens on.
    pub addr: SocketAddr,
    stats: Arc<Stats>,
}

impl Server {
    /// Answer with `script` in order, the last reply again once it runs out.
    pub async fn start(script: Vec<Reply>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        Self::scripted(listener, script)
    }

    /// [`Server::start`] on `addr` (a port that refused connections until now).
    pub async fn start_at(addr: SocketAddr, script: Vec<Reply>) -> Server {
        let listener = TcpListener::bind(addr).await.expect("bind");
        Self::scripted(listener, script)
    }

    /// Answer every request with `reply`.
    pub async fn reply(reply: Reply) -> Server {
        Self::start(vec![reply]).await
    }

    /// Answer each request with `answer(request)`.
    pub async fn answering(answer: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> Server {
        let answer = Arc::new(answer);
        Self::answering_later(move |request| {
            let reply = answer(&request);
            async move { reply }
        })
        .await
    }

    /// Answer each request with what `answer(request)` resolves to: a test can hold a reply
    /// back until it has done something meanwhile.
    pub async fn answering_later<F>(
        answer: impl Fn(Recorded) -> F + Send + Sync + 'static,
    ) -> Server
    where
        F: Future<Output = Reply> + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        Self::on(listener, Record::All, answer)
    }

    /// Serve on a listener the caller made (a given port, a long backlog), answering each
    /// request with what `answer(request)` resolves to. Needs a Tokio runtime.
    pub fn on<F>(
        listener: TcpListener,
        record: Record,
        answer: impl Fn(Recorded) -> F + Send + Sync + 'static,
    ) -> Server
    where
        F: Future<Output = Reply> + Send + 'static,
    {
        let addr = listener.local_addr().expect("addr");
        let stats = Arc::new(Stats::default());
        let answer: Answer = Arc::new(move |request| Box::pin(answer(request)));
        let shared = stats.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let _ = stream.set_nodelay(true);
                shared.connections.fetch_add(1, Ordering::SeqCst);
                let open = shared.open.fetch_add(1, Ordering::SeqCst) + 1;
                shared.peak_open.fetch_max(open, Ordering::SeqCst);
                let (stats, answer) = (shared.clone(), answer.clone());
                tokio::spawn(async move {
                    serve(stream, &stats, record, answer).await;
                    stats.open.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        Server {
            base_url: format!("http://{addr}"),
            addr,
            stats,
        }
    }

    fn scripted(listener: TcpListener, script: Vec<Reply>) -> Server {
        let next = Mutex::new(0usize);
        Self::on(listener, Record::All, move |_| {
            let reply = {
                let mut i = next.lock().unwrap();
                let reply = script[(*i).min(script.len() - 1)].clone();
                *i += 1;
                reply
            };
            async move { reply }
        })
    }

    /// Every request received so far (none kept under [`Record::Count`]).
    pub fn requests(&self) -> Vec<Recorded> {
        self.stats.requests.lock().unwrap().clone()
    }

    /// How many requests were received.
    pub fn request_count(&self) -> usize {
        self.stats.request_count.load(Ordering::SeqCst)
    }

    /// The one request received (the test fails when there were none or several).
    pub fn only_request(&self) -> Recorded {
        let requests = self.requests();
        assert_eq!(requests.len(), 1, "expected exactly one request");
        requests.into_iter().next().unwrap()
    }

    /// Connections accepted.
    pub fn connections(&self) -> usize {
        self.stats.connections.load(Ordering::SeqCst)
    }

    /// Most connections open at once.
    pub fn peak_open(&self) -> usize {
        self.stats.peak_open.load(Ordering::SeqCst)
    }

    /// Body bytes of [`Reply::filler`] replies written so far.
    pub fn body_bytes_written(&self) -> u64 {
        self.stats.body_bytes_written.load(Ordering::SeqCst)
    }

    /// A client of this server with the default configuration.
    pub fn client(&self) -> polar_oauth2::Client {
        polar_oauth2::Client::new(polar_oauth2::Server::Custom(self.base_url.clone()))
            .expect("client")
    }

    /// A code exchanged at this server by `credentials`: what the client makes of the answer.
    pub async fn exchange_code(
        &self,
        credentials: &polar_oauth2::ClientCredentials,
    ) -> Result<polar_oauth2::Token, polar_oauth2::Error> {
        self.client()
            .exchange_code(
                credentials,
                polar_oauth2::AuthorizationCode::new("polar_ac_test"),
                "https://app.example/callback",
                None,
            )
            .await
    }
}

async fn serve(mut stream: TcpStream, stats: &Stats, record: Record, answer: Answer) {
    let mut buf = Vec::new();
    while let Some(request) = read_request(&mut stream, &mut buf).await {
        stats.request_count.fetch_add(1, Ordering::SeqCst);
        if record == Record::All {
            stats.requests.lock().unwrap().push(request.clone());
        }
        let reply = answer(request).await;
        if !reply.play(&mut stream, &stats.body_bytes_written).await {
            break;
        }
    }
}

/// An address nothing listens on (bound, then released): connecting is refused.
pub async fn refused_addr() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    listener.local_addr().expect("addr")
}
