//! Each benchmark runs the crate and a hand-written baseline in the same process and reports the
//! ratio crate / baseline against its target (lower is better):
//!
//! - `*_round_trip` (`tokens.rs`, `consent.rs`, `registration.rs`): each of the nine operations
//!   through `polar_oauth2::Client` vs. a hand-written reqwest + serde client, against one
//!   loopback keep-alive server in its own process pinned to CPU 1 (the client runs on CPU 0);
//!   `*_round_trip_floor`: raw hyper vs. the same baseline, for token and authorize.
//! - `*_decode` (`decoding.rs`): each operation's response vs. plain `#[derive(Deserialize)]`
//!   structs, and `*_decode_scaling`: decode time per byte at 1x, 10x and 100x the response.
//! - `form_*` (`forms.rs`): the form body of each grant vs. `serde_urlencoded` of a plain struct.
//!
//! `cargo bench --bench oauth2` prints criterion's report for each side, then one table of
//! ratios, each measured in paired rounds (`measure.rs`). A filter (`cargo bench --bench oauth2
//! -- decode`) runs a subset; the table then lists only what ran. `POLAR_BENCH_PAIRED_ONLY=1`
//! skips criterion's own per-side runs (the paired rounds give both sides' times too). For
//! callgrind (`benches/callgrind.sh`), `POLAR_BENCH_CALLS=N POLAR_BENCH_ONLY=group/side` runs
//! that one side N times after the set-up and warm-up, and exits.

// A benchmark that cannot set up or gets a wrong answer must stop loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../common/mod.rs"]
mod common;
mod consent;
mod decoding;
mod forms;
mod measure;
mod registration;
mod round_trips;
mod tokens;

use std::sync::Mutex;

/// How this run measures (environment variables, see the module docs).
#[derive(Clone)]
struct Mode {
    paired_only: bool,
    /// `POLAR_BENCH_CALLS=N` and `POLAR_BENCH_ONLY=group/side`: run that side N times, exit.
    calls: Option<(u64, String)>,
    /// Criterion's filter (the first free argument), applied to the paired phase too.
    filter: Option<String>,
}

impl Mode {
    fn from_env() -> Self {
        let calls = std::env::var("POLAR_BENCH_CALLS").ok().map(|n| {
            let only = std::env::var("POLAR_BENCH_ONLY").expect("POLAR_BENCH_ONLY=group/side");
            (n.parse().expect("POLAR_BENCH_CALLS=N"), only)
        });
        let filter = std::env::args()
            .skip(1)
            .find(|a| !a.starts_with('-'))
            .filter(|a| !a.is_empty());
        Self {
            paired_only: std::env::var_os("POLAR_BENCH_PAIRED_ONLY").is_some_and(|v| v == "1"),
            calls,
            filter,
        }
    }

    fn runs(&self, group: &str) -> bool {
        match (&self.calls, &self.filter) {
            (Some((_, only)), _) => only.split('/').next() == Some(group),
            (None, Some(filter)) => group.contains(filter.as_str()),
            (None, None) => true,
        }
    }
}

static MODE: Mutex<Option<Mode>> = Mutex::new(None);

fn mode() -> Mode {
    MODE.lock()
        .expect("mode")
        .get_or_insert_with(Mode::from_env)
        .clone()
}

fn main() {
    common::serve_if_server_process();
    let mut c = measure::criterion();
    round_trips::round_trips(&mut c);
    decoding::decoding(&mut c);
    forms::form_encoding(&mut c);
    c.final_summary();
    measure::print_ratio_table();
}
