//! How a pair is measured: criterion for each side's own time, then paired rounds for the ratio
//! crate / baseline, and the table of ratios against their targets.
//
// Criterion measures each side on its own (absolute times, confidence intervals, saved
// baselines). The ratio is measured separately, *paired*: short rounds that time the baseline
// and the crate back to back (in alternating order), one ratio per round, the median of all
// rounds reported with its interquartile range. On two cores shared with other work, a load
// change between criterion's baseline run and its crate run seconds later would otherwise move
// the ratio by more than the differences being measured; within one round both sides see the
// same load.

use std::hint::black_box;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use criterion::Criterion;

use crate::common::quartiles;
use crate::mode;

/// One measured pair: the median per-round ratio and its interquartile range, and each side's
/// median time per call (criterion's, or the paired rounds' with `POLAR_BENCH_PAIRED_ONLY`).
struct Pair {
    group: &'static str,
    /// What the "crate" side is (`crate`, or `raw hyper` for a floor).
    ours: &'static str,
    ratio: f64,
    ratio_q1: f64,
    ratio_q3: f64,
    rounds: usize,
    ours_ns: f64,
    base_ns: f64,
}

/// Per-iteration times (ns) of every sample criterion measured, by benchmark id, in run order.
static SAMPLES: Mutex<Vec<(String, f64)>> = Mutex::new(Vec::new());
/// Every pair measured in this run, for the table.
static PAIRS: Mutex<Vec<Pair>> = Mutex::new(Vec::new());

/// Measure `baseline` and `ours` under `group/baseline` and `group/crate` with criterion, then
/// their ratio with [`paired_ratio`] (skipped in `--test` mode and when filtered out).
pub fn pair<A, B>(
    c: &mut Criterion,
    group: &'static str,
    ours_label: &'static str,
    mut baseline: impl FnMut() -> A,
    mut ours: impl FnMut() -> B,
) {
    let mode = mode();
    if !mode.runs(group) {
        return;
    }
    if let Some((n, only)) = &mode.calls {
        let side = only.split('/').nth(1).unwrap_or_default();
        match side {
            "baseline" => drop(time(*n, &mut baseline)),
            "crate" => drop(time(*n, &mut ours)),
            _ => panic!("POLAR_BENCH_ONLY={only}: the side is baseline or crate"),
        }
        std::process::exit(0);
    }
    let criterion_times = if mode.paired_only {
        None
    } else {
        criterion_side(c, group, "baseline", &mut baseline);
        criterion_side(c, group, "crate", &mut ours);
        match (
            criterion_median(&format!("{group}/baseline")),
            criterion_median(&format!("{group}/crate")),
        ) {
            (Some(base), Some(ours)) => Some((base, ours)),
            // `--test` mode: criterion ran each side once.
            _ => return,
        }
    };
    let paired = paired_ratio(&mut baseline, &mut ours, PAIRED_TIME);
    let (base_ns, ours_ns) = criterion_times.unwrap_or((paired.base_ns, paired.ours_ns));
    let (ratio_q1, ratio, ratio_q3) = paired.ratio;
    println!(
        "{group}: {ours_label} / baseline = {ratio:.3} (interquartile {ratio_q1:.3}..{ratio_q3:.3}, {} paired rounds)",
        paired.rounds
    );
    if let Ok(mut pairs) = PAIRS.lock() {
        pairs.push(Pair {
            group,
            ours: ours_label,
            ratio,
            ratio_q1,
            ratio_q3,
            rounds: paired.rounds,
            ours_ns,
            base_ns,
        });
    }
}

fn criterion_side<R>(c: &mut Criterion, group: &str, name: &str, f: &mut impl FnMut() -> R) {
    let id = format!("{group}/{name}");
    c.benchmark_group(group).bench_function(name, |b| {
        b.iter_custom(|iters| {
            let took = time(iters, f);
            if let Ok(mut samples) = SAMPLES.lock() {
                samples.push((id.clone(), took.as_nanos() as f64 / iters as f64));
            }
            took
        });
    });
}

pub fn time<R>(iters: u64, f: &mut impl FnMut() -> R) -> Duration {
    let start = Instant::now();
    for _ in 0..iters {
        black_box(f());
    }
    start.elapsed()
}

/// Median of the last [`SAMPLE_SIZE`] samples of `id`: criterion calls the routine for its
/// warm-up first, then exactly `sample_size` times for the measurement. `None` when it did not
/// measure (`--test` mode, or filtered out).
fn criterion_median(id: &str) -> Option<f64> {
    let samples = SAMPLES.lock().ok()?;
    let all: Vec<f64> = samples
        .iter()
        .filter(|(i, _)| i == id)
        .map(|(_, t)| *t)
        .collect();
    if all.len() < SAMPLE_SIZE {
        return None;
    }
    Some(quartiles(all[all.len() - SAMPLE_SIZE..].to_vec()).1)
}

struct Paired {
    /// Quartiles of the per-round ratios crate / baseline.
    ratio: (f64, f64, f64),
    rounds: usize,
    /// Median time per call of each side over the rounds.
    base_ns: f64,
    ours_ns: f64,
}

/// Rounds of `k` baseline calls and `k` crate calls back to back (order alternating), `k`
/// chosen so that a half-round takes about a millisecond.
fn paired_ratio<A, B>(
    baseline: &mut impl FnMut() -> A,
    ours: &mut impl FnMut() -> B,
    budget: Duration,
) -> Paired {
    let mut k = 1;
    while time(k, baseline) < Duration::from_millis(1) && k < 1 << 20 {
        k *= 2;
    }
    let (mut ratios, mut bases, mut ourses) = (Vec::new(), Vec::new(), Vec::new());
    let start = Instant::now();
    while start.elapsed() < budget || ratios.len() < 20 {
        let (base, ours) = if ratios.len() % 2 == 0 {
            let b = time(k, baseline);
            (b, time(k, ours))
        } else {
            let o = time(k, ours);
            (time(k, baseline), o)
        };
        ratios.push(ours.as_secs_f64() / base.as_secs_f64());
        bases.push(base.as_nanos() as f64 / k as f64);
        ourses.push(ours.as_nanos() as f64 / k as f64);
    }
    Paired {
        rounds: ratios.len(),
        ratio: quartiles(ratios),
        base_ns: quartiles(bases).1,
        ours_ns: quartiles(ourses).1,
    }
}

pub fn format_time(ns: f64) -> String {
    if ns >= 10_000.0 {
        format!("{:.1} µs", ns / 1e3)
    } else if ns >= 1_000.0 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

/// Each benchmark group's target for crate / baseline (wall-clock time per call). Floors and
/// decoders without a target are reported without one.
const TARGETS: [(&str, f64); 15] = [
    ("token_round_trip", 1.00),
    ("authorize_round_trip", 0.85),
    ("revoke_round_trip", 1.00),
    ("introspect_round_trip", 1.00),
    ("userinfo_round_trip", 1.00),
    ("create_client_round_trip", 1.00),
    ("get_client_round_trip", 1.00),
    ("update_client_round_trip", 1.00),
    ("delete_client_round_trip", 1.00),
    ("token_decode", 1.05),
    ("authorize_decode", 0.40),
    ("form_authorization_code", 1.05),
    ("form_refresh_token", 1.05),
    ("form_web", 1.05),
    ("revoke_decode", f64::NAN),
];

/// The table of every pair measured in this run.
pub fn print_ratio_table() {
    let Ok(pairs) = PAIRS.lock() else { return };
    if pairs.is_empty() {
        return;
    }
    println!(
        "\nRatios: X / baseline, lower is better (median of paired rounds, interquartile range)\n"
    );
    println!("| benchmark | X | ratio | interquartile | target | | X | baseline |");
    println!("|---|---|---|---|---|---|---|---|");
    for p in pairs.iter() {
        let target = TARGETS
            .iter()
            .find(|(g, _)| *g == p.group)
            .map_or(f64::NAN, |(_, t)| *t);
        let (target, verdict) = if target.is_nan() {
            ("—".to_owned(), "")
        } else {
            (
                format!("<= {target:.2}x"),
                if p.ratio <= target { "met" } else { "MISSED" },
            )
        };
        println!(
            "| {} | {} | **{:.2}x** | {:.2}..{:.2} ({} rounds) | {target} | {verdict} | {} | {} |",
            p.group,
            p.ours,
            p.ratio,
            p.ratio_q1,
            p.ratio_q3,
            p.rounds,
            format_time(p.ours_ns),
            format_time(p.base_ns),
        );
    }
    println!("\n(X and baseline: median time per call)");
}

/// Criterion's defaults (3 s warm-up, 5 s measurement, 100 samples) would take far longer here;
/// 1 s + 3 s per side plus [`PAIRED_TIME`] per pair keeps a pair near 10 s.
pub fn criterion() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(SAMPLE_SIZE)
        .configure_from_args()
}

const SAMPLE_SIZE: usize = 100;
/// How long each pair's paired-ratio measurement runs.
const PAIRED_TIME: Duration = Duration::from_secs(2);
