//! `spec-drift` on Polar's real OAuth2 documents at four dates.
//!
//! The documents are copies of `../shared/spec-history/` (checked against the originals when
//! those are present), so that the tests run in a clean clone.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use polar_oauth2_codegen::load;
use polar_oauth2_spec_tools::FIXTURES;
use polar_oauth2_spec_tools::drift::{self, Change, Kind};
use serde_json::{Map, Value};

const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/spec-history");

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

/// `kind item: change (detail)` for every change that is not cosmetic.
fn signal(changes: &[Change]) -> Vec<String> {
    changes
        .iter()
        .filter(|c| c.kind != Kind::Cosmetic)
        .map(|c| format!("{} {}: {} ({})", c.kind, c.item, c.change, c.detail))
        .collect()
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
#[ignore = "compares the fixtures with ../shared/spec-history, which only a maintainer's checkout has"]
fn fixtures_are_the_shared_spec_history() {
    for name in [MARCH, APRIL, JUNE, AUGUST] {
        let shared = Path::new(SHARED).join(name);
        let original = std::fs::read(&shared)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", shared.display()));
        let copy = std::fs::read(fixture(name)).unwrap();
        assert!(
            copy == original,
            "{} differs from {}",
            fixture(name).display(),
            shared.display()
        );
    }
}

#[test]
fn march_to_april_adds_metrics_write_and_loosens_the_token_response() {
    let changes = changes(MARCH, APRIL);
    assert_eq!(
        signal(&changes),
        [
            "breaking TokenResponse.id_token: made optional and nullable \
             (string, required -> string, optional, nullable)",
            "breaking TokenResponse.refresh_token: made optional \
             (string, required, nullable -> string, optional, nullable)",
            "behaviour OAuth2ClientConfiguration.scope: default changed (the facade omits this \
             field: the server applies its new default to the same code) \
             (… metrics:read webhooks:read … -> … metrics:read metrics:write webhooks:read …)",
            "behaviour OAuth2ClientConfigurationUpdate.scope: default changed (the facade omits \
             this field: the server applies its new default to the same code) \
             (… metrics:read webhooks:read … -> … metrics:read metrics:write webhooks:read …)",
            "additive Scope: enum value added (metrics:write)",
        ]
    );
    // The display names changed with it: cosmetic only.
    assert!(changes.iter().any(|c| c.kind == Kind::Cosmetic
        && c.item == "Scope"
        && c.change == "enumNames.metrics:write added"));
}

#[test]
fn april_to_june_removes_the_web_scopes() {
    assert_eq!(
        signal(&changes(APRIL, JUNE)),
        [
            "breaking Scope: enum value removed (web:read)",
            "breaking Scope: enum value removed (web:write)",
        ]
    );
}

#[test]
fn june_to_august_adds_organizations_and_replaces_the_delete_status() {
    let changes = changes(JUNE, AUGUST);
    let find = |item: &str, change: &str| {
        changes
            .iter()
            .find(|c| c.item == item && c.change == change)
            .unwrap_or_else(|| panic!("no `{item}: {change}` in {changes:#?}"))
    };
    let organizations = find(
        "AuthorizeResponseUser.organizations",
        "field added (required)",
    );
    assert_eq!(organizations.kind, Kind::Additive);
    assert_eq!(
        organizations.detail,
        "array<AuthorizeOrganization>, required"
    );
    for arm in ["AuthorizeResponseUser", "AuthorizeResponseOrganization"] {
        let single = find(
            &format!("{arm}.requires_single_organization"),
            "field added (optional)",
        );
        assert_eq!(single.kind, Kind::Additive);
    }
    let scope = find("Scope", "enum value added");
    assert_eq!(
        (scope.kind, scope.detail.as_str()),
        (Kind::Additive, "disputes:write")
    );
    let delete = find(
        "DELETE /v1/oauth2/register/{client_id} 200",
        "status changed",
    );
    assert_eq!(delete.kind, Kind::Breaking);
    assert_eq!(
        delete.detail,
        "200 -> 204; body any, application/json -> none"
    );
    // The new security requirements are breaking for a client that calls without a token.
    let auth = find("POST /v1/oauth2/register", "authentication now required");
    assert_eq!(
        (auth.kind, auth.detail.as_str()),
        (
            Kind::Breaking,
            "none -> Authorization: Bearer (none -> oidc | pat)"
        )
    );
    // `security: [{}]` removed from the token operation is still anonymous access: no entry.
    assert!(
        !changes
            .iter()
            .any(|c| c.item == "POST /v1/oauth2/token" && c.kind != Kind::Cosmetic),
        "{changes:#?}"
    );
    assert!(drift::is_breaking(&changes));
}

/// Every real change to Polar's OAuth2 section between the four documents, by hand from the
/// documents themselves: `(document that introduced it, kind, item, change)`.
const HISTORY: &[(&str, Kind, &str, &str)] = &[
    (
        APRIL,
        Kind::Breaking,
        "TokenResponse.id_token",
        "made optional and nullable",
    ),
    (
        APRIL,
        Kind::Breaking,
        "TokenResponse.refresh_token",
        "made optional",
    ),
    (
        APRIL,
        Kind::Behaviour,
        "OAuth2ClientConfiguration.scope",
        DEFAULT_CHANGED,
    ),
    (
        APRIL,
        Kind::Behaviour,
        "OAuth2ClientConfigurationUpdate.scope",
        DEFAULT_CHANGED,
    ),
    (APRIL, Kind::Additive, "Scope", "enum value added"),
    (JUNE, Kind::Breaking, "Scope", "enum value removed"),
    (
        AUGUST,
        Kind::Breaking,
        "DELETE /v1/oauth2/register/{client_id}",
        AUTH_REQUIRED,
    ),
    (
        AUGUST,
        Kind::Breaking,
        "DELETE /v1/oauth2/register/{client_id} 200",
        "status changed",
    ),
    (
        AUGUST,
        Kind::Breaking,
        "GET /v1/oauth2/authorize",
        AUTH_REQUIRED,
    ),
    (
        AUGUST,
        Kind::Breaking,
        "GET /v1/oauth2/register/{client_id}",
        AUTH_REQUIRED,
    ),
    (
        AUGUST,
        Kind::Breaking,
        "GET /v1/oauth2/userinfo",
        AUTH_REQUIRED,
    ),
    (
        AUGUST,
        Kind::Breaking,
        "POST /v1/oauth2/register",
        AUTH_REQUIRED,
    ),
    (
        AUGUST,
        Kind::Breaking,
        "PUT /v1/oauth2/register/{client_id}",
        AUTH_REQUIRED,
    ),
    (
        AUGUST,
        Kind::Behaviour,
        "OAuth2ClientConfiguration.default_sub_type",
        DEFAULT_CHANGED,
    ),
    (
        AUGUST,
        Kind::Behaviour,
        "OAuth2ClientConfiguration.scope",
        DEFAULT_CHANGED,
    ),
    (
        AUGUST,
        Kind::Behaviour,
        "OAuth2ClientConfigurationUpdate.default_sub_type",
        DEFAULT_CHANGED,
    ),
    (
        AUGUST,
        Kind::Behaviour,
        "OAuth2ClientConfigurationUpdate.scope",
        DEFAULT_CHANGED,
    ),
    (
        AUGUST,
        Kind::Additive,
        "AuthorizeResponseOrganization.requires_single_organization",
        "field added (optional)",
    ),
    (
        AUGUST,
        Kind::Additive,
        "AuthorizeResponseUser.organizations",
        "field added (required)",
    ),
    (
        AUGUST,
        Kind::Additive,
        "AuthorizeResponseUser.requires_single_organization",
        "field added (optional)",
    ),
    (
        AUGUST,
        Kind::Additive,
        "IntrospectTokenResponse.organizations",
        "field added (required)",
    ),
    (AUGUST, Kind::Additive, "Scope", "enum value added"),
];
const DEFAULT_CHANGED: &str = "default changed (the facade omits this field: the server applies its new default to the same code)";
const AUTH_REQUIRED: &str = "authentication now required";

#[test]
fn every_ordered_pair_of_the_history_finds_exactly_the_real_changes_between_them() {
    let order = [MARCH, APRIL, JUNE, AUGUST];
    for (i, old) in order.iter().enumerate() {
        for (j, new) in order.iter().enumerate().skip(i + 1) {
            let window = &order[i + 1..=j];
            let expected: BTreeSet<(Kind, String, String)> = HISTORY
                .iter()
                .filter(|(date, ..)| window.contains(date))
                .map(|&(_, kind, item, change)| (kind, item.to_owned(), change.to_owned()))
                .collect();
            let found: BTreeSet<(Kind, String, String)> = changes(old, new)
                .into_iter()
                .filter(|c| c.kind != Kind::Cosmetic)
                .map(|c| (c.kind, c.item, c.change))
                .collect();
            assert_eq!(found, expected, "{old} -> {new}");
        }
    }
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
