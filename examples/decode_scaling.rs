//! Decoding time against input size: 10x the scopes of a token, or the entries of a display-name
//! map, must cost well under 20x the time (a quadratic decoder costs ~100x). Timing is noisy on
//! a shared machine, so this is a measurement to run, not a test:
//!
//! ```text
//! cargo run --release --example decode_scaling
//! ```
//!
//! Each side is timed several times and the fastest run kept (the least disturbed); it exits
//! with an error when a ratio reaches 20x.

use std::time::{Duration, Instant};

use polar_oauth2::{ScopeDisplayNames, Token};

/// The time for 10n entries over the time for n. The small input is decoded 10 times per
/// timing, so that both timings cover the same amount of input (the same exposure to noise);
/// the fastest of several alternating rounds is kept.
fn ratio(small: &[u8], large: &[u8], decode: impl Fn(&[u8])) -> f64 {
    let time = |f: &dyn Fn()| {
        let start = Instant::now();
        f();
        start.elapsed()
    };
    decode(large); // warm up the allocator
    let (mut a, mut b) = (Duration::MAX, Duration::MAX);
    for _ in 0..9 {
        a = a.min(time(&|| (0..10).for_each(|_| decode(small))));
        b = b.min(time(&|| decode(large)));
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
    .unwrap_or_default()
}

fn display_names_body(entries: usize) -> Vec<u8> {
    let map: serde_json::Map<String, serde_json::Value> = (0..entries)
        .map(|i| (format!("x{i}:read"), format!("Read x{i}").into()))
        .collect();
    serde_json::to_vec(&map).unwrap_or_default()
}

/// A map naming every key twice: each repeat replaces the earlier entry.
fn repeated_body(n: usize) -> Vec<u8> {
    let entries: Vec<String> = (0..n)
        .map(|i| format!("\"k{}\": \"v{i}\"", i % (n / 2)))
        .collect();
    format!("{{{}}}", entries.join(",")).into_bytes()
}

fn main() -> Result<(), String> {
    let token = |body: &[u8]| {
        std::hint::black_box(serde_json::from_slice::<Token>(body).ok());
    };
    let names = |body: &[u8]| {
        std::hint::black_box(serde_json::from_slice::<ScopeDisplayNames>(body).ok());
    };
    let ratios = [
        (
            "token scope, 1,000 -> 10,000 scopes",
            ratio(&token_body(1_000), &token_body(10_000), token),
        ),
        (
            "display names, 1,000 -> 10,000 entries",
            ratio(
                &display_names_body(1_000),
                &display_names_body(10_000),
                names,
            ),
        ),
        (
            "repeated display names, 2,000 -> 20,000 entries",
            ratio(&repeated_body(2_000), &repeated_body(20_000), names),
        ),
    ];
    let mut quadratic = Vec::new();
    for (label, r) in ratios {
        println!("{label}: 10x the input costs {r:.1}x the time");
        if r >= 20.0 {
            quadratic.push(label);
        }
    }
    if quadratic.is_empty() {
        Ok(())
    } else {
        Err(format!("super-linear decoding: {quadratic:?}"))
    }
}
