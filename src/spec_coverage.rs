//! The hand-written facade handles every `sub_type`, `grant_type` and union-arm field the spec
//! holds; a spec that adds one fails here, naming it. A unit test: the lists of what the facade
//! handles are the crate's own, not public API.
// Tests state their expectations with unwrap/expect/panic: a failure is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::path::{Path, PathBuf};

use crate::{
    ActiveToken, AuthorizeResponse, ClientCredentials, ClientRegistration, ClientSecret,
    ClientUpdate, Scope, SessionToken, Token, TokenRequest, UserInfo, WebGrant,
};
use polar_oauth2_codegen::shape::{AUTHORIZE_OPERATION, TOKEN_OPERATION, find_operation};
use polar_oauth2_codegen::{downgrade, load};
use polar_oauth2_spec_tools::coverage::SERVER_DEFAULTED_FIELDS;
use polar_oauth2_spec_tools::coverage::{Handled, uncovered};
use serde_json::{Value, json};

fn handled_grants() -> Vec<(&'static str, &'static [&'static str])> {
    TokenRequest::GRANT_TYPES
        .iter()
        .map(|g| (*g, TokenRequest::fields(g).unwrap_or_default()))
        .collect()
}

fn check(doc: &Value) -> Vec<String> {
    let grants = handled_grants();
    uncovered(
        doc,
        &Handled {
            sub_types: &AuthorizeResponse::SUB_TYPES,
            grants: &grants,
            token_response_fields: Token::FIELDS,
            schema_fields: &[
                (
                    "OAuth2ClientConfiguration",
                    "ClientRegistration",
                    &ClientRegistration::FIELDS,
                ),
                (
                    "OAuth2ClientConfigurationUpdate",
                    "ClientUpdate",
                    &ClientUpdate::FIELDS,
                ),
                ("UserInfoUser", "UserInfo", &UserInfo::FIELDS),
                ("UserInfoOrganization", "UserInfo", &UserInfo::FIELDS),
                (
                    "IntrospectTokenResponse",
                    "Introspection",
                    &ActiveToken::FIELDS,
                ),
            ],
        },
    )
}

fn spec_in(dir: &Path) -> Value {
    let mut doc = polar_oauth2_codegen::load_spec(dir)
        .unwrap_or_else(|e| panic!("{e}"))
        .value;
    downgrade::downgrade(&mut doc).unwrap_or_else(|e| panic!("{e}"));
    doc
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The vendored spec as the build reads it (merged, downgraded). The tests below edit this
/// parsed document, so they hold whatever file layout or scope list `spec/` has.
fn vendored() -> Value {
    spec_in(&root().join("spec"))
}

/// The pointer of the operation with `operation_id`.
fn operation(doc: &Value, operation_id: &str) -> String {
    find_operation(doc, operation_id).unwrap_or_else(|e| panic!("{e}"))
}

/// The schema behind `ptr`, following one `$ref`.
fn schema_mut<'a>(doc: &'a mut Value, ptr: &str) -> &'a mut Value {
    let target = doc
        .pointer(ptr)
        .and_then(|s| s.get("$ref"))
        .and_then(Value::as_str)
        .map(|r| r.trim_start_matches('#').to_owned());
    let ptr = target.unwrap_or_else(|| ptr.to_owned());
    doc.pointer_mut(&ptr)
        .unwrap_or_else(|| panic!("no schema at {ptr}"))
}

#[test]
fn vendored_spec_is_fully_handled_by_the_facade() {
    assert_eq!(check(&spec_in(&root().join("spec"))), Vec::<String>::new());
}

#[test]
fn every_published_spec_history_document_is_handled() {
    // Found through the generator crate, so that a copy of this package elsewhere (as
    // `.ci/spec-history` makes) reads the same documents.
    let dir = Path::new(polar_oauth2_spec_tools::FIXTURES).join("spec-history");
    for entry in fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let mut doc = load::read_file(&path).unwrap();
        downgrade::downgrade(&mut doc).unwrap();
        assert_eq!(check(&doc), Vec::<String>::new(), "{}", path.display());
    }
}

#[test]
fn a_fourth_grant_type_is_named() {
    let mut doc = vendored();
    let token = operation(&doc, TOKEN_OPERATION);
    let body = format!("{token}/requestBody/content/application~1x-www-form-urlencoded/schema");
    schema_mut(&mut doc, &body)["oneOf"]
        .as_array_mut()
        .unwrap()
        .push(json!({"$ref": "#/components/schemas/ClientCredentialsTokenRequest"}));
    doc["components"]["schemas"]["ClientCredentialsTokenRequest"] = json!({
        "type": "object",
        "properties": {"grant_type": {"enum": ["client_credentials"], "type": "string"},
                       "client_id": {"type": "string"}}
    });
    assert_eq!(
        check(&doc),
        [
            "token request grant_type `client_credentials` (`ClientCredentialsTokenRequest`) is not handled by TokenRequest"
        ]
    );
}

#[test]
fn a_new_field_in_a_grant_is_named() {
    let mut doc = vendored();
    doc["components"]["schemas"]["RefreshTokenRequest"]["properties"]["audience"] =
        json!({"type": "string"});
    assert_eq!(
        check(&doc),
        [
            "token request field `RefreshTokenRequest.audience` (grant_type `refresh_token`) is not sent by TokenRequest"
        ]
    );
}

#[test]
fn a_third_sub_type_is_named() {
    let mut doc = vendored();
    let authorize = operation(&doc, AUTHORIZE_OPERATION);
    let union = format!("{authorize}/responses/200/content/application~1json/schema");
    schema_mut(&mut doc, &union)["discriminator"]["mapping"]["team"] =
        json!("#/components/schemas/AuthorizeResponseUser");
    assert_eq!(
        check(&doc),
        ["authorize response sub_type `team` is not handled by AuthorizeResponse"]
    );
}

#[test]
fn a_new_scope_is_not_a_coverage_failure_and_still_decodes() {
    let mut doc = vendored();
    doc.pointer_mut("/components/schemas/Scope/enum")
        .and_then(Value::as_array_mut)
        .expect("the spec has a Scope enum")
        .push("teleport:write".into());
    assert_eq!(check(&doc), Vec::<String>::new());
    assert_eq!(
        "teleport:write".parse::<Scope>().unwrap(),
        Scope::Unknown("teleport:write".into())
    );
}

/// `Token` requires exactly what the spec's `TokenResponse` requires: a spec that makes a field
/// optional or required fails here, naming the difference. The one
/// exception is the pair Polar's server leaves out whatever a document says: `refresh_token`
/// (no `refresh_token` grant) and `id_token` (no `openid` scope); the documents before 2026-04
/// listed them as required, and a token response without them is still valid tokens.
#[test]
fn token_requires_exactly_the_fields_the_spec_requires() {
    const SERVER_OMITS: [&str; 2] = ["refresh_token", "id_token"];
    let doc = vendored();
    let required: std::collections::BTreeSet<&str> = doc
        .pointer("/components/schemas/TokenResponse/required")
        .and_then(Value::as_array)
        .expect("TokenResponse has a required list")
        .iter()
        .filter_map(Value::as_str)
        .filter(|field| !SERVER_OMITS.contains(field))
        .collect();
    let ours: std::collections::BTreeSet<&str> = Token::REQUIRED_FIELDS.iter().copied().collect();
    assert_eq!(
        ours, required,
        "Token::REQUIRED_FIELDS vs the spec's TokenResponse.required"
    );
    // And the decoder enforces it: each required field, removed, is named in the error.
    let full = json!({"access_token": "a", "token_type": "Bearer", "expires_in": 1, "scope": ""});
    for field in &required {
        let mut body = full.clone();
        body.as_object_mut().unwrap().remove(*field);
        let e = serde_json::from_value::<Token>(body)
            .unwrap_err()
            .to_string();
        assert!(e.contains(&format!("`{field}`")), "{field}: {e}");
    }
}

#[test]
fn a_new_secret_looking_field_is_named_until_the_secrets_table_knows_it() {
    let mut doc = vendored();
    doc["components"]["schemas"]["RevokeTokenRequest"]["properties"]["device_secret"] =
        json!({"type": "string"});
    assert_eq!(
        check(&doc),
        [
            "field `device_secret` (at #/components/schemas/RevokeTokenRequest/properties/device_secret) looks like a secret but is in neither table of codegen/src/secrets.rs"
        ]
    );
}

#[test]
fn a_new_registration_field_is_named() {
    let mut doc = vendored();
    doc["components"]["schemas"]["OAuth2ClientConfiguration"]["properties"]["jwks_uri"] =
        json!({"type": "string"});
    assert_eq!(
        check(&doc),
        ["field `OAuth2ClientConfiguration.jwks_uri` is not handled by ClientRegistration"]
    );
}

/// `spec-drift` flags a changed default on the fields the facade leaves to the server; that
/// list and the facade's must be the same.
#[test]
fn the_drift_check_knows_exactly_the_fields_the_facade_leaves_to_the_server() {
    let mut facade: Vec<(&str, &str)> = vec![("WebTokenRequest", "sub_type")];
    for schema in [
        "OAuth2ClientConfiguration",
        "OAuth2ClientConfigurationUpdate",
    ] {
        facade.extend(
            ClientRegistration::SERVER_DEFAULTED
                .iter()
                .map(|field| (schema, *field)),
        );
    }
    let mut drift = SERVER_DEFAULTED_FIELDS.to_vec();
    facade.sort_unstable();
    drift.sort_unstable();
    assert_eq!(facade, drift);
    // And the facade does leave it out: a web grant without `sub_type` sends none.
    let grant = WebGrant::new(
        ClientCredentials::confidential("polar_ci_x", ClientSecret::new("polar_cs_test_x")),
        SessionToken::new("polar_test_session"),
    );
    let form = serde_urlencoded::to_string(TokenRequest::from(grant)).unwrap();
    assert!(!form.contains("sub_type"), "{form}");
}
