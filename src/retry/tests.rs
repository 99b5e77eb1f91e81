//! Back-off, jitter, `Retry-After`, and which requests may be retried.
#![allow(clippy::unwrap_used, clippy::panic)]

use super::*;
use reqwest::header::{HeaderValue, RETRY_AFTER};

fn headers(retry_after: Option<u64>) -> HeaderMap {
    let mut h = HeaderMap::new();
    if let Some(s) = retry_after {
        h.insert(RETRY_AFTER, HeaderValue::from(s));
    }
    h
}

fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap()
}

#[test]
fn the_pause_after_failures_grows_and_retry_after_is_a_floor_up_to_its_limit() {
    let p = RetryPolicy::new(0)
        .initial_backoff(Duration::from_millis(100))
        .max_backoff(Duration::from_secs(1))
        .max_retry_after(Duration::from_secs(60))
        .jitter(0.0);
    let pauses: Vec<u128> = (1..=5)
        .map(|n| p.pause_after(n, None).as_millis())
        .collect();
    assert_eq!(pauses, [100, 200, 400, 800, 1000]);
    let asked = Some(Duration::from_secs(30));
    assert_eq!(p.pause_after(1, asked), Duration::from_secs(30));
    let too_long = Some(Duration::from_secs(86_400));
    assert_eq!(p.pause_after(1, too_long), Duration::from_secs(60));
    assert_eq!(p.pause_after(0, None), Duration::from_millis(100));
}

#[test]
fn backoff_doubles_up_to_the_cap() {
    let p = RetryPolicy::new(10)
        .initial_backoff(Duration::from_millis(100))
        .max_backoff(Duration::from_secs(1));
    let waits: Vec<u128> = (0..6).map(|n| p.backoff(n).as_millis()).collect();
    assert_eq!(waits, [100, 200, 400, 800, 1000, 1000]);
    assert_eq!(p.backoff(u32::MAX), Duration::from_secs(1));
}

#[test]
fn jitter_takes_off_at_most_its_fraction() {
    let p = RetryPolicy::new(1)
        .initial_backoff(Duration::from_millis(1000))
        .jitter(0.25);
    let h = headers(None);
    let unavailable = Outcome::Response(status(503), &h);
    let waits: Vec<Duration> = (0..500)
        .map(|_| p.delay(0, &unavailable, Call::Idempotent).unwrap())
        .collect();
    assert!(
        waits
            .iter()
            .all(|w| w.as_millis() >= 750 && w.as_millis() <= 1000)
    );
    let distinct: std::collections::BTreeSet<_> = waits.iter().collect();
    assert!(distinct.len() > 100, "jitter should spread waits");
    let exact = p.jitter(0.0);
    assert_eq!(
        exact.delay(0, &unavailable, Call::Idempotent),
        Some(Duration::from_secs(1))
    );
}

#[test]
fn retry_after_is_a_floor_and_too_long_ends_the_retries() {
    let p = RetryPolicy::new(3)
        .initial_backoff(Duration::from_millis(10))
        .max_retry_after(Duration::from_secs(5));
    let (two, six) = (headers(Some(2)), headers(Some(6)));
    let wait = p.delay(0, &Outcome::Response(status(429), &two), Call::Idempotent);
    assert_eq!(wait, Some(Duration::from_secs(2)));
    let too_long = Outcome::Response(status(503), &six);
    assert_eq!(p.delay(0, &too_long, Call::Idempotent), None);
}

#[test]
fn idempotent_requests_retry_only_transient_failures() {
    let p = RetryPolicy::new(1);
    let h = headers(None);
    for code in [429, 502, 503, 504] {
        let outcome = Outcome::Response(status(code), &h);
        assert!(p.delay(0, &outcome, Call::Idempotent).is_some(), "{code}");
    }
    for code in [200, 400, 401, 403, 404, 422, 500, 501] {
        let outcome = Outcome::Response(status(code), &h);
        assert!(p.delay(0, &outcome, Call::Idempotent).is_none(), "{code}");
    }
    assert!(p.delay(0, &Outcome::Failed, Call::Idempotent).is_some());
    assert!(
        p.delay(1, &Outcome::Failed, Call::Idempotent).is_none(),
        "max reached"
    );
}

#[test]
fn a_post_is_retried_only_when_it_never_left() {
    let p = RetryPolicy::new(5);
    let (h, one) = (headers(None), headers(Some(1)));
    for outcome in [
        Outcome::Response(status(429), &one),
        Outcome::Response(status(503), &h),
        Outcome::Response(status(502), &h),
        Outcome::Failed,
    ] {
        assert!(
            p.delay(0, &outcome, Call::NonIdempotent).is_none(),
            "{outcome:?}"
        );
    }
    assert!(
        p.delay(0, &Outcome::NotConnected, Call::NonIdempotent)
            .is_some()
    );
}

#[test]
fn extreme_policies_never_panic_and_stay_within_their_bounds() {
    let h = headers(None);
    let unavailable = Outcome::Response(status(503), &h);
    for backoff in [Duration::ZERO, Duration::from_nanos(1), Duration::MAX] {
        for jitter in [0.0, 1e-300, 0.5, 1.0, f64::NAN, f64::INFINITY, -1.0] {
            for cap in [Duration::ZERO, Duration::from_secs(1), Duration::MAX] {
                let p = RetryPolicy::new(u32::MAX)
                    .initial_backoff(backoff)
                    .max_backoff(cap)
                    .jitter(jitter)
                    .max_retry_after(Duration::MAX);
                for retry in [0, 1, 63, 64, u32::MAX - 1] {
                    let wait = p.delay(retry, &unavailable, Call::Idempotent).unwrap();
                    assert!(wait <= p.backoff(retry), "{p:?} {retry}");
                }
                for random in [0.0, 0.5, 1.0 - f64::EPSILON] {
                    assert!(p.jittered(Duration::MAX, random) <= Duration::MAX);
                }
            }
        }
    }
    let exact = RetryPolicy::new(1)
        .initial_backoff(Duration::MAX)
        .max_backoff(Duration::MAX)
        .jitter(0.0);
    assert_eq!(
        exact.delay(0, &unavailable, Call::Idempotent),
        Some(Duration::MAX)
    );
}

#[test]
fn none_never_retries() {
    assert!(
        RetryPolicy::none()
            .delay(0, &Outcome::NotConnected, Call::Idempotent)
            .is_none()
    );
    assert_eq!(RetryPolicy::default(), RetryPolicy::none());
}
