//! The accept loop: one HTTP/1 connection task per client with its header-read timeout,
//! and a back-off when `accept()` fails (out of file descriptors).

use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

use crate::routes::router;
use crate::shared::Shared;

/// The first wait after a failed `accept()` and the longest one.
const ACCEPT_BACKOFF: (Duration, Duration) = (Duration::from_millis(5), Duration::from_secs(1));

/// The wait after `failures` consecutive failed `accept()` calls: doubling from 5 ms to 1 s.
pub(crate) fn accept_backoff(failures: u32) -> Duration {
    let (first, max) = ACCEPT_BACKOFF;
    first
        .saturating_mul(2u32.saturating_pow(failures.saturating_sub(1).min(16)))
        .min(max)
}

pub(crate) async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let router = router(Arc::clone(&shared));
    let mut connections = JoinSet::new();
    let mut failures = 0u32;
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => {
                failures = 0;
                stream
            }
            Err(_) => {
                // Out of file descriptors (EMFILE) or similar: retrying at once would spin;
                // wait, longer each time, so that open connections can finish and close.
                failures = failures.saturating_add(1);
                tokio::time::sleep(accept_backoff(failures)).await;
                continue;
            }
        };
        while connections.try_join_next().is_some() {}
        let service = TowerToHyperService::new(router.clone());
        let header_read_timeout = shared.limits.header_read_timeout;
        connections.spawn(async move {
            // A connection error (client gone, bad HTTP, headers too slow) only ends that
            // connection.
            let _ = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_read_timeout)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
