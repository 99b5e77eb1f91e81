//! Opt-in retries: exponential backoff with jitter and a cap, `Retry-After` honoured, and a
//! strict rule for token requests. See [`RetryPolicy`].

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

/// When and how often a [`Client`](crate::Client) tries a failed call again. The default is
/// [`RetryPolicy::none`].
///
/// A [`Client`](crate::Client) makes each call once unless it was built with a policy:
///
/// ```
/// use std::time::Duration;
/// use polar_oauth2::{Client, Server, RetryPolicy};
///
/// let client = Client::builder(Server::Sandbox)
///     .retry(RetryPolicy::new(3).initial_backoff(Duration::from_millis(200)))
///     .build()?;
/// # Ok::<(), polar_oauth2::Error>(())
/// ```
///
/// # What is retried
///
/// The rule follows the HTTP method (RFC 9110 §9.2.2), for every operation of the spec alike; it
/// is applied by the client's hooks, which every request goes through.
///
/// | request | operations | retried after |
/// |---------|------------|---------------|
/// | `GET`, `PUT`, `DELETE` (idempotent) | authorize, userinfo, get/update/delete a client | a connection failure (refused, reset, closed early), a timeout, HTTP 429, 502, 503, 504 |
/// | `POST` | token, revoke, introspect, register a client | only a connection that could not be established ([`Error::is_connect`](crate::Error::is_connect)) |
///
/// A `POST` is never retried once it may have reached the server. An authorization code
/// is single-use, and a server that sees it twice must refuse the second request and should
/// revoke every token issued from it (RFC 6749 §4.1.2); Polar also revokes a refresh token once
/// used. A timeout, a reset or a connection closed before the response may all come after the
/// server read the request, and a 429 or 5xx is an answer from a server that received it. Only a
/// failure to connect (refused, unreachable, DNS, TLS handshake) proves the request never left.
/// Whatever `reqwest::Client` is in use, a `POST` body is one that reqwest cannot clone, so
/// reqwest's own redirect handling and retries cannot re-send it either.
///
/// # Timing
///
/// Before retry `n` (from 0) the client waits `initial_backoff × 2ⁿ`, capped at `max_backoff`,
/// less a random fraction of up to `jitter` of it (so that many clients failing together do not
/// retry together). A `Retry-After` (seconds or an HTTP-date) is a floor: the wait is never shorter. When the
/// server asks for longer than `max_retry_after`, the error is returned at once for the caller to
/// schedule. Errors that retrying cannot fix (4xx other than 429, decode errors, a body over
/// the size cap) are returned at once.
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub struct RetryPolicy {
    max_retries: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    jitter: f64,
    max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self::none()
    }
}

impl RetryPolicy {
    /// Wait before the first retry, before jitter.
    pub const DEFAULT_INITIAL_BACKOFF: Duration = Duration::from_millis(250);
    /// Longest wait between two attempts (unless `Retry-After` asks for more).
    pub const DEFAULT_MAX_BACKOFF: Duration = Duration::from_secs(10);
    /// Longest `Retry-After` honoured; a longer one ends the retries.
    pub const DEFAULT_MAX_RETRY_AFTER: Duration = Duration::from_secs(60);
    /// Fraction of each wait that is randomised.
    pub const DEFAULT_JITTER: f64 = 0.5;

    /// No retries: every call is made once (the default).
    ///
    /// ```
    /// use polar_oauth2::{Client, RetryPolicy, Server};
    ///
    /// let client = Client::builder(Server::Production).retry(RetryPolicy::none()).build()?;
    /// # Ok::<(), polar_oauth2::Error>(())
    /// ```
    pub fn none() -> Self {
        Self::new(0)
    }

    /// Up to `max_retries` retries after the first attempt, with the default timing.
    ///
    /// ```
    /// use polar_oauth2::{Client, RetryPolicy, Server};
    ///
    /// // Up to 3 retries of a request that may be retried (never a code exchange).
    /// let client = Client::builder(Server::Production).retry(RetryPolicy::new(3)).build()?;
    /// # Ok::<(), polar_oauth2::Error>(())
    /// ```
    pub fn new(max_retries: u32) -> Self {
        Self {
            max_retries,
            initial_backoff: Self::DEFAULT_INITIAL_BACKOFF,
            max_backoff: Self::DEFAULT_MAX_BACKOFF,
            jitter: Self::DEFAULT_JITTER,
            max_retry_after: Self::DEFAULT_MAX_RETRY_AFTER,
        }
    }

    /// Wait before the first retry; each later wait doubles.
    ///
    /// ```
    /// use std::time::Duration;
    /// use polar_oauth2::RetryPolicy;
    ///
    /// let policy = RetryPolicy::new(3)
    ///     .initial_backoff(Duration::from_millis(100))
    ///     .max_backoff(Duration::from_secs(2))
    ///     .jitter(0.0); // no randomness: 100 ms, 200 ms, 400 ms
    /// assert_eq!(policy.backoff(2), Duration::from_millis(400));
    /// ```
    pub fn initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// Cap on the wait between two attempts.
    pub fn max_backoff(mut self, cap: Duration) -> Self {
        self.max_backoff = cap;
        self
    }

    /// Fraction of each wait (0 to 1) taken off at random; 0 makes waits exact.
    pub fn jitter(mut self, fraction: f64) -> Self {
        self.jitter = if fraction.is_nan() {
            0.0
        } else {
            fraction.clamp(0.0, 1.0)
        };
        self
    }

    /// Longest `Retry-After` to wait for; a server asking for more ends the retries.
    ///
    /// ```
    /// use std::time::Duration;
    /// use polar_oauth2::RetryPolicy;
    ///
    /// // Wait as long as a 429's `Retry-After` asks, up to 5 s; asking for longer ends the retries.
    /// let policy = RetryPolicy::new(2).max_retry_after(Duration::from_secs(5));
    /// ```
    pub fn max_retry_after(mut self, limit: Duration) -> Self {
        self.max_retry_after = limit;
        self
    }

    /// How many retries follow the first attempt at most.
    #[must_use]
    pub fn max_retries(&self) -> u32 {
        self.max_retries
    }

    /// The wait before retry `retry` (from 0) without jitter: `initial_backoff × 2^retry`,
    /// capped at `max_backoff`.
    #[must_use]
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = 2u32.checked_pow(retry).unwrap_or(u32::MAX);
        self.initial_backoff
            .checked_mul(factor)
            .unwrap_or(Duration::MAX)
            .min(self.max_backoff)
    }

    /// `backoff` less `jitter × random` of it, for `random` in `[0, 1)`. Saturating, for any
    /// policy: `Duration::mul_f64` panics when the product overflows, which `Duration::MAX`
    /// with no jitter did (the f64 nearest to it is larger).
    fn jittered(&self, backoff: Duration, random: f64) -> Duration {
        let cut = Duration::try_from_secs_f64(backoff.as_secs_f64() * self.jitter * random)
            .unwrap_or(backoff);
        backoff.saturating_sub(cut)
    }

    /// The pause after `failures` failed attempts in a row (from 1) of something retried only
    /// at a later call (a token source's refresh): the jittered back-off, or the server's
    /// `Retry-After` when that is longer, honoured up to `max_retry_after`.
    pub(crate) fn pause_after(&self, failures: u32, retry_after: Option<Duration>) -> Duration {
        let backoff = self.jittered(self.backoff(failures.saturating_sub(1)), unit_random());
        backoff.max(retry_after.unwrap_or_default().min(self.max_retry_after))
    }

    /// How long to wait before retry `retry` (from 0) after `outcome` of a `call`, or `None`
    /// when the outcome must be returned.
    pub(crate) fn delay(&self, retry: u32, outcome: &Outcome<'_>, call: Call) -> Option<Duration> {
        if retry >= self.max_retries || !outcome.may_retry(call) {
            return None;
        }
        let backoff = self.jittered(self.backoff(retry), unit_random());
        match outcome.retry_after() {
            Some(asked) if asked > self.max_retry_after => None,
            Some(asked) => Some(backoff.max(asked)),
            None => Some(backoff),
        }
    }
}

/// What retrying may do for a request, decided by its HTTP method (RFC 9110 §9.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Call {
    /// `GET`, `PUT`, `DELETE`: sending it twice has the effect of sending it once.
    Idempotent,
    /// `POST` (token, revoke, introspect, register): may consume a single-use code, rotate a
    /// refresh token or create a client.
    NonIdempotent,
}

/// How one attempt ended, as far as retrying is concerned.
#[derive(Debug)]
pub(crate) enum Outcome<'a> {
    /// The connection could not be established: the request never left.
    NotConnected,
    /// Sending or waiting for the response failed (reset, closed early, timeout): the server
    /// may have read the request.
    Failed,
    /// The server answered with this status.
    Response(StatusCode, &'a HeaderMap),
}

impl Outcome<'_> {
    /// Whether trying again is allowed at all (timing aside).
    fn may_retry(&self, call: Call) -> bool {
        match (self, call) {
            (Outcome::NotConnected, _) => true,
            (_, Call::NonIdempotent) => false,
            (Outcome::Failed, Call::Idempotent) => true,
            (Outcome::Response(status, _), Call::Idempotent) => {
                matches!(status.as_u16(), 429 | 502 | 503 | 504)
            }
        }
    }

    /// The server's `Retry-After`, if it answered with one.
    fn retry_after(&self) -> Option<Duration> {
        match self {
            Outcome::Response(_, headers) => crate::error::classify::retry_after(headers),
            _ => None,
        }
    }
}

/// A number in `[0, 1)`, different on each call; good enough to spread retries, not for
/// anything secret. `RandomState` is seeded randomly per process and per call.
fn unit_random() -> f64 {
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(CALLS.fetch_add(1, Ordering::Relaxed));
    // 53 random bits: exactly representable in an f64.
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests;
