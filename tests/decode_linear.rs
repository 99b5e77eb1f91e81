//! Decoding time grows linearly with the response (issue 11, item 1): 10x the scopes or display
//! names must cost well under 20x the time. Each side is timed several times and the fastest
//! run kept (the least disturbed by other processes on the machine), so the ratio holds in
//! debug and release builds alike. The quadratic code this replaced measured ~100x here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Mutex;
use std::time::{Duration, Instant};

use polar_oauth2::{ScopeDisplayNames, Token};

/// The fastest of `runs` timings of `f`.
fn fastest(runs: usize, mut f: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

/// One measurement at a time: the tests of this file would otherwise disturb each other.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// The time for 10n entries over the time for n. The small input is decoded 10 times per
/// timing, so that both timings cover the same amount of input and take about as long (the
/// same exposure to noise); the fastest of several alternating rounds is kept.
fn ratio(small: &[u8], large: &[u8], decode: impl Fn(&[u8])) -> f64 {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    decode(large); // warm up the allocator
    let (mut a, mut b) = (Duration::MAX, Duration::MAX);
    for _ in 0..9 {
        a = a.min(fastest(1, || (0..10).for_each(|_| decode(small))));
        b = b.min(fastest(1, || decode(large)));
    }
    10.0 * b.as_secs_f64() / a.as_secs_f64().max(1e-9)
}

fn token_body(scopes: usize) -> Vec<u8> {
    let scope: Vec<String> = (0..scopes).map(|i| format!("x{i}:read")).collect();
    serde_json::to_vec(&serde_json::json!({
        "access_token": "polar_at_u_x",
        "token_type": "Bearer",
        "expires_in": 3600,
        "scope": scope.join(" "),
    }))
    .unwrap()
}

fn display_names_body(entries: usize) -> Vec<u8> {
    let map: serde_json::Map<String, serde_json::Value> = (0..entries)
        .map(|i| (format!("x{i}:read"), format!("Read x{i}").into()))
        .collect();
    serde_json::to_vec(&map).unwrap()
}

#[test]
fn token_scope_decoding_is_linear_in_the_number_of_scopes() {
    let (small, large) = (token_body(1_000), token_body(10_000));
    let large_len = serde_json::from_slice::<Token>(&large)
        .unwrap()
        .scope()
        .len();
    assert_eq!(large_len, 10_000);
    let r = ratio(&small, &large, |body| {
        let token: Token = serde_json::from_slice(body).unwrap();
        std::hint::black_box(token);
    });
    eprintln!("token scope: 10x the scopes cost {r:.1}x the time");
    assert!(r < 20.0, "10x the scopes cost {r:.1}x the time");
}

#[test]
fn display_name_decoding_is_linear_in_the_number_of_entries() {
    let (small, large) = (display_names_body(1_000), display_names_body(10_000));
    let decoded: ScopeDisplayNames = serde_json::from_slice(&large).unwrap();
    assert_eq!(decoded.len(), 10_000);
    let r = ratio(&small, &large, |body| {
        let names: ScopeDisplayNames = serde_json::from_slice(body).unwrap();
        std::hint::black_box(names);
    });
    eprintln!("display names: 10x the entries cost {r:.1}x the time");
    assert!(r < 20.0, "10x the entries cost {r:.1}x the time");
}

#[test]
fn repeated_display_name_entries_keep_the_last_in_linear_time() {
    // Every key twice: each repeat replaces the earlier entry (and moves it to the end).
    let body = |n: usize| {
        let mut text = String::from("{");
        for i in 0..n {
            if i > 0 {
                text.push(',');
            }
            text.push_str(&format!("\"k{}\": \"v{i}\"", i % (n / 2)));
        }
        text.push('}');
        text.into_bytes()
    };
    let (small, large) = (body(2_000), body(20_000));
    let names: ScopeDisplayNames = serde_json::from_slice(&large).unwrap();
    assert_eq!(names.len(), 10_000);
    assert_eq!(names.get("k7"), Some("v10007"));
    assert_eq!(names.iter().next(), Some(("k0", "v10000")));
    let r = ratio(&small, &large, |body| {
        let names: ScopeDisplayNames = serde_json::from_slice(body).unwrap();
        std::hint::black_box(names);
    });
    eprintln!("repeated entries: 10x the entries cost {r:.1}x the time");
    assert!(r < 20.0, "10x the entries cost {r:.1}x the time");
}
