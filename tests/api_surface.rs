//! The API surface generated from `spec/` is committed in `tests/snapshots/api-surface.txt`; any
//! change to it fails here with a unified diff. Rewrite the snapshot with `UPDATE_SNAPSHOTS=1`.
// Tests state their expectations with unwrap/expect/panic: a failure is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::path::PathBuf;

use polar_oauth2_codegen::snapshot;
use polar_oauth2_codegen::surface::surface_dir;

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

#[test]
fn an_added_scope_fails_with_a_diff_naming_it_until_the_snapshot_is_rewritten() {
    let scratch = std::env::temp_dir().join(format!("polar-oauth2-surface-{}", std::process::id()));
    let spec = scratch.join("spec");
    fs::create_dir_all(&spec).unwrap();
    for entry in fs::read_dir(root().join("spec")).unwrap() {
        let path = entry.unwrap().path();
        let text = fs::read_to_string(&path).unwrap().replace(
            "        - organization_access_tokens:write\n      title: Scope\n",
            "        - organization_access_tokens:write\n        - teleport:write\n      title: Scope\n",
        );
        fs::write(spec.join(path.file_name().unwrap()), text).unwrap();
    }
    let copy = scratch.join("api-surface.txt");
    fs::copy(snapshot_path(), &copy).unwrap();
    let surface = surface_dir(&spec).unwrap();

    let diff = snapshot::check_with(&surface, &copy, false).unwrap_err();
    let added: Vec<&str> = diff.lines().filter(|l| l.starts_with('+')).collect();
    assert_eq!(added.len(), 1, "{diff}");
    assert!(added[0].contains("teleport:write"), "{diff}");

    snapshot::check_with(&surface, &copy, true).unwrap();
    snapshot::check_with(&surface, &copy, false).unwrap();
    fs::remove_dir_all(&scratch).unwrap();
}
