//! `spec-drift` on Polar's real OAuth2 documents at four dates.
//!
//! The documents are copies of `../shared/spec-history/` (checked against the originals when
//! those are present), so that the tests run in a clean clone.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use polar_oauth2_spec_tools::FIXTURES;
use polar_oauth2_spec_tools::drift::{self, Change, Kind};

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
