//! What the crate has just received (tokens, a registration's token and client id), for
//! Polar's commit race.
//!
//! Polar's server commits a token, refresh or registration *after* sending its answer (a
//! request-scoped dependency's exit), so a credential used at once can, for a few
//! milliseconds, be unknown to it: a 401 `invalid_token` on a bearer call, `invalid_grant` on a
//! refresh, a revocation answered 200 that revoked nothing, a new client "not found". The hooks
//! therefore treat a request that carries something received within [`Fresh::WINDOW`]
//! specially:
//!
//! - an idempotent request (a bearer `GET`, `PUT`, `DELETE`) answered 401 is sent again after
//!   a short wait, a few times within the window ([`Fresh::RETRY_WAITS`]);
//! - a `POST` (refresh, revoke, introspect) is held until the credential is
//!   [`Fresh::SETTLE`] old, since its answer cannot tell "not committed yet" from a real
//!   refusal (revocation of an unknown token is a success).

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The credentials the crate received within the window, whichever [`Client`](super::Client)
/// received them (an app may exchange a code with one client and call userinfo with another).
pub(crate) static FRESH: Fresh = Fresh::new();

/// The credentials received within the window (at most [`Fresh::CAPACITY`]), in the order of
/// their first receipt.
pub(crate) struct Fresh {
    /// Whether `received` may hold anything: the one check every other request pays.
    any: AtomicBool,
    /// Read without the lock: a request with no piece that may be held skips lock and clock.
    pieces: Pieces,
    received: Mutex<VecDeque<Received>>,
}

/// A 256-bit filter of the held credentials' [`fingerprint`]s (a clear bit: surely not held),
/// and whether one is left to the full scan. Written under the lock, read without it.
struct Pieces {
    bits: [AtomicU64; 4],
    unfiltered: AtomicBool,
}

impl Pieces {
    const fn new() -> Self {
        Self {
            bits: [const { AtomicU64::new(0) }; 4],
            unfiltered: AtomicBool::new(false),
        }
    }

    /// Set from the credentials now held.
    fn set(&self, received: &VecDeque<Received>) {
        let mut bits = [0u64; 4];
        let mut unfiltered = false;
        for r in received {
            match fingerprint(r.secret.as_bytes()) {
                Some(at) if r.word => bits[usize::from(at >> 6)] |= 1 << (at & 63),
                _ => unfiltered = true,
            }
        }
        for (word, value) in self.bits.iter().zip(bits) {
            word.store(value, Ordering::Relaxed);
        }
        self.unfiltered.store(unfiltered, Ordering::Relaxed);
    }

    fn may_hold(&self, piece: &[u8]) -> bool {
        fingerprint(piece).is_some_and(|at| {
            self.bits[usize::from(at >> 6)].load(Ordering::Relaxed) & (1 << (at & 63)) != 0
        })
    }
}

/// A piece's place in the filter (its length, first and last eight bytes, mixed); `None` when
/// shorter than eight bytes (a held one that short, or not word-shaped, is left to the full scan).
fn fingerprint(piece: &[u8]) -> Option<u8> {
    let first: [u8; 8] = piece.get(..8)?.try_into().ok()?;
    let last: [u8; 8] = piece.get(piece.len() - 8..)?.try_into().ok()?;
    let mixed = (piece.len() as u64)
        ^ u64::from_le_bytes(first).rotate_left(17)
        ^ u64::from_le_bytes(last).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    Some((mixed.wrapping_mul(0xBF58_476D_1CE4_E5B9) >> 56) as u8)
}

/// One credential and when it was received.
struct Received {
    secret: Box<str>,
    at: Instant,
    /// Made only of [`is_word_byte`]s (every credential Polar issues): found as one whole piece
    /// of a request's body or path, without a substring search.
    word: bool,
}

impl std::fmt::Debug for Fresh {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let held = self.received.lock().map_or(0, |r| r.len());
        write!(f, "{held} just-received credentials")
    }
}

impl Fresh {
    /// How long after its receipt a credential is treated as possibly uncommitted.
    pub(crate) const WINDOW: Duration = Duration::from_secs(5);
    /// How old a credential must be before a `POST` carries it.
    pub(crate) const SETTLE: Duration = Duration::from_millis(250);
    /// The waits before each new attempt of an idempotent request answered 401.
    pub(crate) const RETRY_WAITS: [Duration; 4] = [
        Duration::from_millis(50),
        Duration::from_millis(150),
        Duration::from_millis(300),
        Duration::from_millis(600),
    ];
    /// A burst of logins keeps at most this many (the first received go first).
    const CAPACITY: usize = 1024;

    const fn new() -> Self {
        Self {
            any: AtomicBool::new(false),
            pieces: Pieces::new(),
            received: Mutex::new(VecDeque::new()),
        }
    }

    /// Remember `secrets`, just received from the server together (one lock, one clock read).
    pub(crate) fn record<'s>(&self, secrets: impl IntoIterator<Item = &'s str>) {
        let now = Instant::now();
        let mut received = self.received.lock().unwrap_or_else(|e| e.into_inner());
        let mut changed = prune(&mut received, now);
        for secret in secrets.into_iter().filter(|s| !s.is_empty()) {
            // Received again (a server answering every refresh with the same access token): one
            // entry, as young as its newest receipt, so that each request scans it once.
            if let Some(held) = received.iter_mut().find(|r| *r.secret == *secret) {
                held.at = now;
                continue;
            }
            changed = true;
            if received.len() >= Self::CAPACITY {
                received.pop_front();
            }
            received.push_back(Received {
                secret: secret.into(),
                at: now,
                word: secret.bytes().all(is_word_byte),
            });
        }
        // A credential received again leaves the filter as it is.
        if changed {
            self.pieces.set(&received);
        }
        if !received.is_empty() {
            self.any.store(true, Ordering::Release);
        }
    }

    /// The age of the youngest just-received credential `request` carries: as its bearer, in
    /// its body, or in its path (a client id just registered) when `path_has_parameters`.
    pub(crate) fn carried_by(
        &self,
        request: &reqwest::Request,
        path_has_parameters: bool,
    ) -> Option<Duration> {
        if !self.any.load(Ordering::Acquire) {
            return None;
        }
        let bearer = request
            .headers()
            .get(reqwest::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, token) = (v.get(..7)?, v.get(7..)?);
                scheme.eq_ignore_ascii_case("bearer ").then_some(token)
            });
        let body = request.body().and_then(reqwest::Body::as_bytes);
        let path = request.url().path().as_bytes();
        if !self.pieces.unfiltered.load(Ordering::Relaxed)
            && !self.may_be_carried(bearer, body, path_has_parameters.then_some(path))
        {
            return None;
        }
        let now = Instant::now();
        let mut received = self.received.lock().unwrap_or_else(|e| e.into_inner());
        if prune(&mut received, now) {
            self.pieces.set(&received);
        }
        if received.is_empty() {
            self.any.store(false, Ordering::Release);
            return None;
        }
        let within =
            |bytes: &[u8], secret: &str| memchr::memmem::find(bytes, secret.as_bytes()).is_some();
        let mut youngest: Option<Instant> = None;
        let mut carried = |at: Instant| youngest = youngest.max(Some(at));
        for r in received.iter() {
            let found = bearer == Some(&*r.secret)
                || (!r.word
                    && (body.is_some_and(|b| within(b, &r.secret)) || within(path, &r.secret)));
            if found {
                carried(r.at);
            }
        }
        // The body's and the path's pieces, each compared with the word-shaped credentials of
        // its length (most pieces are names, shorter than any credential).
        let lengths = received
            .iter()
            .filter(|r| r.word)
            .fold(0u64, |mask, r| mask | length_bit(r.secret.len()));
        let mut compare = |piece: &[u8]| {
            if lengths & length_bit(piece.len()) == 0 {
                return;
            }
            for r in received.iter().filter(|r| r.word) {
                if r.secret.as_bytes() == piece {
                    carried(r.at);
                }
            }
        };
        if let Some(body) = body {
            for_each_piece(
                body,
                |rest| memchr::memchr3(b'&', b'=', b'"', rest),
                &mut compare,
            );
        }
        if path_has_parameters {
            for_each_piece(path, |rest| memchr::memchr(b'/', rest), &mut compare);
        }
        youngest.map(|at| now.saturating_duration_since(at))
    }

    /// Whether the bearer or a piece of the body or the path may be a held credential (all
    /// held ones word-shaped), by the filter alone.
    fn may_be_carried(
        &self,
        bearer: Option<&str>,
        body: Option<&[u8]>,
        path: Option<&[u8]>,
    ) -> bool {
        if bearer.is_some_and(|b| self.pieces.may_hold(b.as_bytes())) {
            return true;
        }
        let mut hit = false;
        let mut check = |piece: &[u8]| hit |= self.pieces.may_hold(piece);
        if let Some(body) = body {
            for_each_piece(
                body,
                |rest| memchr::memchr3(b'&', b'=', b'"', rest),
                &mut check,
            );
        }
        if let Some(path) = path {
            for_each_piece(path, |rest| memchr::memchr(b'/', rest), &mut check);
        }
        hit
    }
}

/// A length's bit in a 64-bit mask; every length from 63 on shares the last bit.
fn length_bit(len: usize) -> u64 {
    1 << len.min(63)
}

/// Call `f` with each piece of `bytes` between two separators (`next` finds the next one): the
/// values of a form body (`&`, `=`), the strings of a JSON one (`"`), a path's segments (`/`).
/// A credential is one piece whole; the separators are found with SIMD, not byte by byte.
fn for_each_piece(bytes: &[u8], next: impl Fn(&[u8]) -> Option<usize>, f: &mut impl FnMut(&[u8])) {
    let mut rest = bytes;
    while let Some(at) = next(rest) {
        f(&rest[..at]);
        rest = &rest[at + 1..];
    }
    f(rest);
}

/// A byte of a credential found as one piece of a form body, a JSON string or a path: what
/// form encoding leaves as it is, apart from `*` (Polar's credentials are letters, digits, `_`).
fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

/// Drop what is older than the window; whether anything was dropped.
fn prune(received: &mut VecDeque<Received>, now: Instant) -> bool {
    // Instants compared, not durations computed; nothing that old when the clock is younger.
    let Some(expired) = now.checked_sub(Fresh::WINDOW) else {
        return false;
    };
    if !received.iter().any(|r| r.at <= expired) {
        return false;
    }
    received.retain(|r| r.at > expired);
    true
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    impl Fresh {
        fn carried_by_any(&self, request: &reqwest::Request) -> Option<Duration> {
            self.carried_by(request, true)
        }
    }

    fn request(bearer: Option<&str>, body: &str) -> reqwest::Request {
        let client = reqwest::Client::new();
        let mut builder = client.post("http://127.0.0.1:1/x").body(body.to_owned());
        if let Some(b) = bearer {
            builder = builder.bearer_auth(b);
        }
        builder.build().unwrap()
    }

    #[test]
    fn a_request_carrying_a_just_received_credential_is_recognised() {
        let fresh = Fresh::new();
        assert!(
            fresh
                .carried_by_any(&request(Some("polar_at_u_x"), ""))
                .is_none()
        );
        fresh.record(["polar_at_u_x"]);
        fresh.record(["polar_rt_u_y"]);
        assert!(
            fresh
                .carried_by_any(&request(Some("polar_at_u_x"), ""))
                .is_some()
        );
        assert!(
            fresh
                .carried_by_any(&request(None, "token=polar_rt_u_y&a=b"))
                .is_some()
        );
        assert!(
            fresh
                .carried_by_any(&request(Some("polar_at_u_z"), "token=other"))
                .is_none()
        );
    }

    #[test]
    fn a_credential_is_found_as_a_word_of_a_body_or_path_or_by_substring() {
        let fresh = Fresh::new();
        fresh.record(["polar_ci_new"]);
        fresh.record(["a+b/c="]);
        let json = request(None, r#"{"client_id":"polar_ci_new","x":1}"#);
        assert!(fresh.carried_by_any(&json).is_some());
        let path = reqwest::Client::new()
            .get("http://127.0.0.1:1/v1/oauth2/register/polar_ci_new")
            .build()
            .unwrap();
        assert!(fresh.carried_by_any(&path).is_some());
        assert!(
            fresh
                .carried_by_any(&request(None, "token=xa+b/c=y"))
                .is_some()
        );
        // A longer credential that merely starts with a held one is another credential.
        let longer = request(None, "client_id=polar_ci_newer");
        assert!(fresh.carried_by_any(&longer).is_none());
    }

    #[test]
    fn a_credential_shorter_than_the_filter_reads_is_still_found() {
        let fresh = Fresh::new();
        fresh.record(["polar_at_u_x", "abc"]);
        assert!(fresh.carried_by_any(&request(None, "token=abc")).is_some());
        assert!(fresh.carried_by_any(&request(None, "token=abcd")).is_none());
    }

    #[test]
    fn a_credential_received_twice_is_held_once() {
        let fresh = Fresh::new();
        fresh.record(["polar_at_u_x"]);
        fresh.record(["polar_at_u_x"]);
        fresh.record(["polar_rt_u_y"]);
        let held: Vec<Box<str>> = fresh
            .received
            .lock()
            .unwrap()
            .iter()
            .map(|r| r.secret.clone())
            .collect();
        assert_eq!(held, [Box::from("polar_at_u_x"), Box::from("polar_rt_u_y")]);
    }

    #[test]
    fn the_oldest_credential_goes_when_full() {
        let fresh = Fresh::new();
        for i in 0..=Fresh::CAPACITY {
            fresh.record([format!("polar_at_u_{i:05}").as_str()]);
        }
        assert!(
            fresh
                .carried_by_any(&request(Some("polar_at_u_00000"), ""))
                .is_none()
        );
        let last = format!("polar_at_u_{:05}", Fresh::CAPACITY);
        assert!(fresh.carried_by_any(&request(Some(&last), "")).is_some());
    }
}
