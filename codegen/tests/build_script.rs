//! The build script: what it tells cargo, what it writes, how it fails.

mod support;

use std::fs;
use std::path::Path;
use std::time::{Duration, SystemTime};

use polar_oauth2_codegen::build_script::{self, CLIENT_FILE, SCOPES_FILE, TIMINGS_VAR};
use polar_oauth2_codegen::{Error, load};
use serde_json::json;
use support::*;

/// Run the build script's logic with the workspace as the package and `out` as `OUT_DIR`.
fn build(manifest: &Path, out: &Path, timings: bool) -> (Result<(), Error>, Vec<String>) {
    let mut lines = Vec::new();
    let result =
        build_script::generate_into(manifest, "spec", out, timings, &mut |l| lines.push(l));
    (result, lines)
}

#[test]
fn build_script_writes_the_client_and_reruns_only_on_spec_changes() {
    let workspace = manifest_dir().join("..");
    let out = Scratch::new("build-out");
    let (result, lines) = build(&workspace, out.path(), false);
    result.unwrap_or_else(|e| panic!("{e}"));
    let spec = workspace.join("spec");
    let files = load::spec_files(&spec).unwrap_or_else(|e| panic!("{e}"));
    assert!(!files.is_empty());
    let selection = Some(spec.join("select.toml")).filter(|f| f.is_file());
    let expected_lines: Vec<String> = std::iter::once(spec.clone())
        .chain(files)
        .chain(selection)
        .map(|f| format!("cargo:rerun-if-changed={}", f.display()))
        .chain([format!("cargo:rerun-if-env-changed={TIMINGS_VAR}")])
        .collect();
    assert_eq!(lines, expected_lines);
    let expected = generate_caught(&spec).unwrap_or_else(|e| panic!("{e}"));
    let client = out.path().join(CLIENT_FILE);
    assert!(fs::read_to_string(&client).ok() == Some(expected.client));
    assert_eq!(
        fs::read_to_string(out.path().join(SCOPES_FILE)).ok(),
        Some(expected.scopes)
    );

    // A second run with nothing changed does not touch the files (cargo would otherwise
    // recompile the library on every build).
    let long_ago = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    fs::File::options()
        .write(true)
        .open(&client)
        .and_then(|f| f.set_modified(long_ago))
        .expect("set the mtime");
    let (result, _) = build(&workspace, out.path(), false);
    result.unwrap_or_else(|e| panic!("{e}"));
    let modified = fs::metadata(&client).and_then(|m| m.modified()).ok();
    assert_eq!(
        modified,
        Some(long_ago),
        "an unchanged client was rewritten"
    );

    // A stale file is replaced.
    fs::write(&client, "stale").expect("write");
    let (result, _) = build(&workspace, out.path(), false);
    result.unwrap_or_else(|e| panic!("{e}"));
    assert_ne!(fs::read_to_string(&client).ok().as_deref(), Some("stale"));
}

#[test]
fn build_script_prints_warnings_and_timings_for_cargo() {
    let package = Scratch::new("build-warnings");
    fs::create_dir_all(package.path().join("spec")).expect("spec dir");
    let mut doc = history_value(NEWEST);
    doc["components"]["schemas"]["IntrospectTokenResponse"]["properties"]["client_id"]["pattern"] =
        json!("^polar_ci_");
    package.write_yaml("spec/oauth2.yaml", &doc);
    let out = Scratch::new("build-warnings-out");
    let (result, lines) = build(package.path(), out.path(), true);
    result.unwrap_or_else(|e| panic!("{e}"));
    let warnings: Vec<_> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("cargo:warning="))
        .collect();
    assert_eq!(
        warnings[0],
        "1 `pattern` constraint(s) dropped, first at #/components/schemas/IntrospectTokenResponse/properties/client_id/pattern: the client does not check strings against regular expressions (the server validates)"
    );
    let phases: Vec<_> = warnings[1..]
        .iter()
        .map(|w| w.split(':').next().unwrap_or_default())
        .collect();
    assert_eq!(
        phases,
        [
            "codegen load",
            "codegen select",
            "codegen downgrade+shape",
            "codegen generate",
            "codegen write",
            "codegen total",
        ]
    );
    assert!(warnings[6].ends_with(" lines generated"), "{}", warnings[6]);
}

#[test]
fn build_script_failure_is_one_message_with_paths_relative_to_the_package() {
    let package = Scratch::new("build-failure");
    fs::create_dir_all(package.path().join("spec")).expect("spec dir");
    let text = replace_once(&history_text(NEWEST), "openapi: 3.1.0", "swagger: '2.0'");
    package.write("spec/oauth2.yaml", &text);
    let out = Scratch::new("build-failure-out");
    let (result, lines) = build(package.path(), out.path(), false);
    let err = result.expect_err("a Swagger document");
    assert_eq!(
        build_script::failure_message("spec", &err),
        "error: cannot generate the Polar OAuth2 client from spec/: spec/oauth2.yaml at #/swagger: Swagger 2.0 documents are not supported; expected OpenAPI 3.0.x or 3.1.x"
    );
    // Cargo still learns what to watch, so fixing the file reruns the script.
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(!out.path().join(CLIENT_FILE).exists());

    // An empty spec directory is named the same way.
    fs::remove_file(package.path().join("spec/oauth2.yaml")).expect("remove");
    let (result, _) = build(package.path(), out.path(), false);
    assert_eq!(
        build_script::failure_message("spec", &result.expect_err("no documents")),
        "error: cannot generate the Polar OAuth2 client from spec/: spec: no OpenAPI document (*.yaml, *.yml or *.json) in the spec directory"
    );
}
