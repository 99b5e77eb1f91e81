//! `spec-drift` as a maintainer runs it: the binary's output formats and exit statuses, and what
//! must not produce entries (reordered keys, reworded descriptions), on Polar's OAuth2 documents.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use polar_oauth2_codegen::load;
use polar_oauth2_spec_tools::FIXTURES;
use polar_oauth2_spec_tools::drift::{self, Change, Kind};
use serde_json::{Map, Value};

const MARCH: &str = "oauth2-subset.2026-03-05.2c3e674089.yaml";
const APRIL: &str = "oauth2-subset.2026-04-03.e4b36aaad8.yaml";
const JUNE: &str = "oauth2-subset.2026-06-18.1e0b520ed1.yaml";
const AUGUST: &str = "oauth2-subset.2026-08-20.790b7ebcd6.yaml";

fn fixture(name: &str) -> PathBuf {
    Path::new(FIXTURES).join("spec-history").join(name)
}

fn changes(old: &str, new: &str) -> Vec<Change> {
    drift::diff_paths(&fixture(old), &fixture(new)).unwrap_or_else(|e| panic!("{e}"))
}

fn spec_drift(args: &[&Path]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spec-drift"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run spec-drift: {e}"))
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("spec-drift-test-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn identical_files_have_no_changes_and_exit_0() {
    assert_eq!(changes(AUGUST, AUGUST), []);
    let out = spec_drift(&[&fixture(AUGUST), &fixture(AUGUST)]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "no changes\n");
}

#[test]
fn the_binary_reports_groups_and_exits_1_when_something_breaks() {
    let out = spec_drift(&[&fixture(MARCH), &fixture(APRIL)]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with("2 breaking, 2 behaviour, 1 additive, "),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "\nbreaking:\n  TokenResponse.id_token: made optional and nullable (string, required -> string, optional, nullable)\n"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("\nadditive:\n  Scope: enum value added (metrics:write)\n"),
        "{stdout}"
    );
    assert!(stdout.contains("\ncosmetic:\n"), "{stdout}");
}

#[test]
fn json_output_is_an_array_of_kind_item_change_detail() {
    let out = Command::new(env!("CARGO_BIN_EXE_spec-drift"))
        .arg("--json")
        .arg(fixture(JUNE))
        .arg(fixture(AUGUST))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let parsed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let entries = parsed.as_array().unwrap();
    assert!(
        entries.iter().any(|e| e["kind"] == "breaking"
            && e["item"] == "DELETE /v1/oauth2/register/{client_id} 200"
            && e["change"] == "status changed"),
        "{parsed:#}"
    );
    for entry in entries {
        let keys: Vec<&String> = entry.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["kind", "item", "change", "detail"]);
    }
}

#[test]
fn usage_and_load_errors_exit_2_with_a_clear_message() {
    let out = spec_drift(&[&fixture(MARCH)]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("expected two specs"), "{stderr}");
    assert!(
        stderr.contains("usage: spec-drift OLD NEW [--format text|markdown|json]"),
        "{stderr}"
    );

    let missing = fixture("no-such-spec.yaml");
    let out = spec_drift(&[&fixture(MARCH), &missing]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no-such-spec.yaml: cannot read the file"),
        "{stderr}"
    );

    let dir = temp_dir("broken");
    let broken = dir.join("broken.yaml");
    std::fs::write(&broken, "openapi: 3.1.0\npaths: [\n").unwrap();
    let out = spec_drift(&[&broken, &fixture(MARCH)]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("broken.yaml: invalid YAML at line"),
        "{stderr}"
    );
}

/// Every mapping of `value` with its keys in reverse order.
fn reverse_keys(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .rev()
                .map(|(k, v)| (k.clone(), reverse_keys(v)))
                .collect::<Map<_, _>>(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(reverse_keys).collect()),
        other => other.clone(),
    }
}

/// Rewrite every `description` and `title`, and every `x-` extension's value.
fn reword(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                let is_doc = key == "description" || key == "title" || key == "summary";
                match child {
                    Value::String(text) if is_doc => text.push_str(" (reworded)"),
                    _ if key.starts_with("x-") => *child = Value::String("changed".into()),
                    _ => reword(child),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(reword),
        _ => {}
    }
}

#[test]
fn reordering_keys_produces_no_entries() {
    let original = load::read_file(&fixture(AUGUST)).unwrap();
    let reordered = reverse_keys(&original);
    assert_ne!(
        serde_json::to_string(&original).unwrap(),
        serde_json::to_string(&reordered).unwrap()
    );
    // Through the binary, as JSON (the format of a file does not matter either).
    let dir = temp_dir("reordered");
    let path = dir.join("reordered.json");
    std::fs::write(&path, serde_json::to_string_pretty(&reordered).unwrap()).unwrap();
    let out = spec_drift(&[&fixture(AUGUST), &path]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "no changes\n");
}

#[test]
fn rewording_descriptions_only_yields_cosmetic_entries() {
    let mut reworded = load::read_file(&fixture(JUNE)).unwrap();
    reword(&mut reworded);
    let dir = temp_dir("reworded");
    let path = dir.join("reworded.yaml");
    std::fs::write(&path, serde_yaml::to_string(&reworded).unwrap()).unwrap();
    let changes = drift::diff_paths(&fixture(JUNE), &path).unwrap();
    let out = spec_drift(&[&fixture(JUNE), &path]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(changes.len() > 20, "{changes:#?}");
    assert!(
        changes.iter().all(|c| c.kind == Kind::Cosmetic),
        "{changes:#?}"
    );
    assert!(changes.iter().any(|c| c.item == "TokenResponse.id_token"
        && c.change == "title changed"
        && c.detail == "Id Token -> Id Token (reworded)"));
    assert_eq!(out.status.code(), Some(0), "{out:?}");
}

#[test]
fn a_directory_is_merged_like_spec() {
    let dir = temp_dir("dir");
    std::fs::copy(fixture(APRIL), dir.join("oauth2.yaml")).unwrap();
    let from_dir = drift::diff_paths(&fixture(MARCH), &dir);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(from_dir.unwrap(), changes(MARCH, APRIL));
}
