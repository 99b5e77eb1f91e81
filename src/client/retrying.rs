//! Sending a request again: under the client's [`RetryPolicy`] and the request's method, and
//! for a credential Polar may not have committed yet ([`Fresh`]).

use std::time::{Duration, Instant};

use super::config::call;
use super::fresh::Fresh;
use super::guard::{buffered, guard, is_guard_failure, queue_timeout};
use crate::generated;
#[cfg(doc)]
use crate::retry::RetryPolicy;
use crate::retry::{Call, Outcome};

/// Wait `wait` without Tokio's timer, so that retries work in a runtime built without
/// `enable_time` (where `tokio::time::sleep` panics): a thread sleeps and wakes the task. Retry
/// waits are rare and long next to a thread's start; the thread ends early when the waiting
/// request is dropped.
async fn retry_wait(wait: Duration) {
    let (done, waited) = tokio::sync::oneshot::channel::<()>();
    let spawned = std::thread::Builder::new()
        .name("polar-oauth2-retry-wait".into())
        .spawn(move || {
            let until = std::time::Instant::now().checked_add(wait);
            loop {
                let left = match until {
                    Some(until) => until.saturating_duration_since(std::time::Instant::now()),
                    None => Duration::MAX,
                };
                if left.is_zero() || done.is_closed() {
                    break;
                }
                std::thread::sleep(left.min(Duration::from_millis(50)));
            }
            let _ = done.send(());
        });
    if spawned.is_ok() {
        let _ = waited.await;
    }
}

impl generated::Client {
    /// [`ClientHooks::exec`](progenitor_client::ClientHooks::exec) for a request carrying a credential received `age` ago, which
    /// Polar may not have committed yet (see [`Fresh`]).
    pub(crate) async fn exec_fresh(
        &self,
        mut request: reqwest::Request,
        age: Duration,
    ) -> reqwest::Result<reqwest::Response> {
        if call(request.method()) == Call::NonIdempotent {
            retry_wait(Fresh::SETTLE.saturating_sub(age)).await;
            return self.exec_retrying(request).await;
        }
        let started = Instant::now();
        let mut waits = Fresh::RETRY_WAITS.iter();
        loop {
            let again = request.try_clone();
            let response = self.exec_retrying(request).await?;
            let within = age + started.elapsed() < Fresh::WINDOW;
            match (response.status(), again, waits.next()) {
                (reqwest::StatusCode::UNAUTHORIZED, Some(again), Some(wait)) if within => {
                    drop(response);
                    retry_wait(*wait).await;
                    request = again;
                }
                _ => return Ok(response),
            }
        }
    }

    /// [`ClientHooks::exec`](progenitor_client::ClientHooks::exec) for a client with retries: send `request`, and again when the
    /// [`RetryPolicy`] and its method allow.
    pub(crate) async fn exec_retrying(
        &self,
        mut request: reqwest::Request,
    ) -> reqwest::Result<reqwest::Response> {
        let hooks = &self.inner;
        let call = call(request.method());
        let mut retries = 0;
        loop {
            // A copy for the next attempt, only while one may follow (a one-shot body has
            // none).
            let mut next = (retries < hooks.retry.max_retries())
                .then(|| request.try_clone())
                .flatten();
            let permit = match self.place(&mut request).await {
                Ok(permit) => permit,
                Err(limit) => return Ok(queue_timeout(limit)),
            };
            let (sent_to, sending) = self.send(request);
            let result = sending.await;
            let wait = next.as_ref().and_then(|_| {
                let outcome = match &result {
                    Ok(response) => Outcome::Response(response.status(), response.headers()),
                    Err(e) if e.is_connect() => Outcome::NotConnected,
                    Err(_) => Outcome::Failed,
                };
                hooks.retry.delay(retries, &outcome, call)
            });
            if let Some(wait) = wait
                && let Some(again) = next.take()
            {
                drop(result);
                drop(permit);
                retry_wait(wait).await;
                request = again;
                retries += 1;
                continue;
            }
            let response = result?;
            let success = response.status().is_success();
            // A successful idempotent response is read here while a retry may follow, so that
            // a connection lost mid-body is retried too (the body is read whole right after
            // anyway).
            if !(call == Call::Idempotent && success) {
                next = None;
            }
            // Without a retry to follow, the guard's body holds the place until it is read.
            let (response, permit) = guard(
                response,
                sent_to.as_ref(),
                hooks.max_response_body,
                permit,
                next.is_some(),
            );
            let Some(again) = next else {
                return Ok(response);
            };
            // A retry may follow: read the body now, holding the place.
            let read = buffered(response).await;
            drop(permit);
            match read {
                Ok(response) => return Ok(response),
                Err(e) if is_guard_failure(&e) => return Err(e),
                Err(e) => match hooks.retry.delay(retries, &Outcome::Failed, call) {
                    Some(wait) => {
                        drop(e);
                        retry_wait(wait).await;
                        request = again;
                        retries += 1;
                    }
                    None => return Err(e),
                },
            }
        }
    }
}
