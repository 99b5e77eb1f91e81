//! What the benchmarks share: the payloads Polar sends, the hand-written reqwest + serde
//! baseline (what a user writes instead of this crate), a raw hyper client (the floor: no client
//! library at all), and the loopback server in its own process.
#![allow(dead_code, unused_imports)]

mod baseline;
mod payloads;
mod raw_hyper;
mod server;
#[path = "../../tests/support/mod.rs"]
mod support;

pub use baseline::*;
pub use payloads::*;
pub use raw_hyper::*;
pub use server::*;

/// Peak resident memory of this process (VmHWM), in KiB (Linux).
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Quartiles of `values` (sorted in place).
pub fn quartiles(mut values: Vec<f64>) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let i = q * (values.len() - 1) as f64;
        let (lo, hi) = (i.floor() as usize, i.ceil() as usize);
        values[lo] + (values[hi] - values[lo]) * (i - lo as f64)
    };
    (at(0.25), at(0.5), at(0.75))
}
