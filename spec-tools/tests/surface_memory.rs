//! Comparing two deep documents of long names costs memory in proportion to their size: the
//! surface keeps each node's own name, never its whole path (which would grow with the depth
//! times the size). Peak heap use is counted by a global allocator of this test binary, which
//! holds this one test so that nothing else allocates meanwhile.
// A global allocator is an `unsafe impl`; it only forwards to the system allocator and counts.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use polar_oauth2_spec_tools::drift;
use serde_json::{Map, Value, json};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to `System`; the counters never affect the result.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is `System::alloc`'s.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract is `System::dealloc`'s.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const DEPTH: usize = 60;
const NAME_LEN: usize = 2_000;
const COMPONENTS: usize = 8;

/// Components each nesting `DEPTH` objects through one property with a long name; the innermost
/// property is `leaf_type`.
fn deep_document(leaf_type: &str) -> Value {
    let mut schemas = Map::new();
    for c in 0..COMPONENTS {
        let mut schema = json!({"type": leaf_type});
        for level in 0..DEPTH {
            let name = format!("{c}-{level}-{}", "n".repeat(NAME_LEN));
            schema = json!({"type": "object", "properties": {name: schema}});
        }
        schemas.insert(format!("Deep{c}"), schema);
    }
    json!({"openapi": "3.0.3", "info": {"title": "deep", "version": "1"}, "paths": {},
           "components": {"schemas": schemas}})
}

#[test]
fn comparing_deep_documents_of_long_names_stays_within_a_small_multiple_of_their_size() {
    let old = deep_document("string");
    let new = deep_document("integer");
    let size = serde_json::to_string(&old).map_or(0, |text| text.len());
    assert!(size > DEPTH * NAME_LEN * COMPONENTS, "{size}");

    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let changes = drift::diff(&old, &new);
    let peak = PEAK.load(Ordering::Relaxed) - before;

    // The innermost type changed in every component, and only that is reported.
    assert_eq!(changes.len(), COMPONENTS, "{changes:#?}");
    assert!(changes.iter().all(|c| c.change == "type changed"));
    eprintln!("peak {:.1}x the document's size", peak as f64 / size as f64);
    assert!(
        peak <= 8 * size,
        "comparing two documents of {size} bytes peaked at {peak} bytes of heap ({:.1}x)",
        peak as f64 / size as f64
    );
}
