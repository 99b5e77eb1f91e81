//! One attempt at sending a request: a place in the client's in-flight limit, then this
//! runtime's connection pool.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use progenitor_client::ClientInfo;
use reqwest::Url;
use tokio::sync::OwnedSemaphorePermit;

use crate::generated;

impl generated::Client {
    /// Send `request` with this runtime's connection pool. Also the URL it was sent to when the
    /// response must be checked for a followed redirect: our own client follows none, so only a
    /// caller's client needs the check.
    pub(crate) fn send(
        &self,
        request: reqwest::Request,
    ) -> (
        Option<Url>,
        impl Future<Output = reqwest::Result<reqwest::Response>> + use<>,
    ) {
        let hooks = &self.inner;
        let sent_to = (!hooks.own_http).then(|| request.url().clone());
        let http = hooks.runtimes.as_ref().and_then(|r| r.for_current());
        let sending = http.as_ref().unwrap_or(self.client()).execute(request);
        (sent_to, sending)
    }

    /// A place in the client's in-flight limit for `request`, waiting for one if none is free
    /// (the wait counts inside the request's timeout: what is left of it after the wait is the
    /// request's own). `Err(timeout)`: the timeout passed while waiting; nothing was sent.
    pub(crate) async fn place(
        &self,
        request: &mut reqwest::Request,
    ) -> Result<Option<OwnedSemaphorePermit>, Duration> {
        let hooks = &self.inner;
        let Some(in_flight) = &hooks.in_flight else {
            return Ok(None);
        };
        // A free place: no timer needed.
        if let Ok(permit) = Arc::clone(in_flight).try_acquire_owned() {
            return Ok(Some(permit));
        }
        // The waits are boxed: only queued requests pay for their state.
        let Some(limit) = request.timeout().copied().or(hooks.timeout) else {
            // `acquire_owned` fails only on a closed semaphore; this one never closes.
            return Ok(Box::pin(Arc::clone(in_flight).acquire_owned()).await.ok());
        };
        let queued = Instant::now();
        let wait = tokio::time::timeout(limit, Arc::clone(in_flight).acquire_owned());
        let permit = Box::pin(wait).await.map_err(|_| limit)?;
        let left = limit.saturating_sub(queued.elapsed());
        *request.timeout_mut() = Some(left.max(Duration::from_millis(1)));
        Ok(permit.ok())
    }
}
