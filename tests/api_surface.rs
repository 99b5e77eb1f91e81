//! The API surface generated from `spec/` is committed in `tests/snapshots/api-surface.txt`; any
//! change to it fails here with a unified diff. Rewrite the snapshot with `UPDATE_SNAPSHOTS=1`.
// Tests state their expectations with unwrap/expect/panic: a failure is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::path::PathBuf;

use polar_oauth2_codegen::downgrade;
use polar_oauth2_spec_tools::snapshot;
use polar_oauth2_spec_tools::surface::{surface, surface_dir};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn snapshot_path() -> PathBuf {
    root().join("tests/snapshots/api-surface.txt")
}

#[test]
fn api_surface_matches_the_committed_snapshot() {
    let surface = surface_dir(&root().join("spec")).unwrap_or_else(|e| panic!("{e}"));
    if let Err(diff) = snapshot::check(&surface, &snapshot_path()) {
        panic!("{diff}");
    }
}

/// Works on the parsed document, whatever its YAML layout or scope list, and on a scratch
/// snapshot written from the same spec: it never reads the committed one, so it cannot race with
/// `UPDATE_SNAPSHOTS=1` rewriting it.
#[test]
fn an_added_scope_fails_with_a_diff_naming_it_until_the_snapshot_is_rewritten() {
    let doc = polar_oauth2_codegen::load_spec(&root().join("spec")).unwrap();
    let mut value = doc.value.clone();
    downgrade::downgrade(&mut value).unwrap();
    let scopes = value
        .pointer_mut("/components/schemas/Scope/enum")
        .and_then(|v| v.as_array_mut())
        .expect("the spec has a Scope enum");
    assert!(!scopes.iter().any(|s| s == "teleport:write"));
    let before = surface(&value);
    value
        .pointer_mut("/components/schemas/Scope/enum")
        .and_then(|v| v.as_array_mut())
        .unwrap()
        .push("teleport:write".into());
    let after = surface(&value);

    let scratch = std::env::temp_dir().join(format!(
        "polar-oauth2-surface-{}-{}",
        std::process::id(),
        line!()
    ));
    fs::create_dir_all(&scratch).unwrap();
    let copy = scratch.join("api-surface.txt");
    fs::write(&copy, &before).unwrap();

    let diff = snapshot::check_with(&after, &copy, false).unwrap_err();
    let added: Vec<&str> = diff
        .lines()
        .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
        .collect();
    assert_eq!(added.len(), 1, "{diff}");
    assert!(added[0].contains("teleport:write"), "{diff}");

    snapshot::check_with(&after, &copy, true).unwrap();
    snapshot::check_with(&after, &copy, false).unwrap();
    fs::remove_dir_all(&scratch).unwrap();
}
