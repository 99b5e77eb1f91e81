//! The selection file's subset of TOML, and what a selection keeps of a document.

use std::fs;
use std::path::Path;

use super::*;
use crate::load;
use serde_json::json;

fn document(value: Value) -> Document {
    load::merge(vec![("spec/whole.json".into(), value)]).unwrap()
}

fn whole() -> Value {
    json!({
        "openapi": "3.1.0", "info": {"title": "t", "version": "1"},
        "security": [{"access_token": []}],
        "tags": [{"name": "oauth2"}, {"name": "orders"}],
        "paths": {
            "/v1/oauth2/token": {"post": {"operationId": "token", "tags": ["oauth2"],
                "security": [{}],
                "responses": {"200": {"content": {"application/json": {"schema": {
                    "$ref": "#/components/schemas/Token"}}}},
                    "422": {"$ref": "#/components/responses/Invalid"}}}},
            "/v1/orders/": {"get": {"operationId": "orders", "tags": ["orders"],
                "security": [{"pat": []}],
                "responses": {"200": {"content": {"application/json": {"schema": {
                    "$ref": "#/components/schemas/Order"}}}}}}}
        },
        "webhooks": {"order.created": {"post": {"requestBody": {"content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Order"}}}}}}},
        "components": {
            "schemas": {
                "Token": {"properties": {"scope": {"$ref": "#/components/schemas/Scope"}}},
                "Scope": {"enum": ["openid"]},
                "Error": {"properties": {"detail": {"type": "string"}}},
                "Order": {"properties": {"n": {"type": "integer"}}},
                "Union": {"oneOf": [{"$ref": "#/components/schemas/Token"}],
                          "discriminator": {"propertyName": "t", "mapping": {
                              "x": "#/components/schemas/Order"}}}
            },
            "responses": {"Invalid": {"description": "x", "content": {"application/json":
                {"schema": {"$ref": "#/components/schemas/Error"}}}}},
            "securitySchemes": {
                "access_token": {"type": "http", "scheme": "bearer"},
                "pat": {"type": "http", "scheme": "bearer"}}
        }
    })
}

#[test]
fn keeps_the_selected_operations_and_what_they_reach() {
    let selected = apply(document(whole()), &Selection::default())
        .unwrap()
        .value;
    let paths: Vec<_> = selected["paths"].as_object().unwrap().keys().collect();
    assert_eq!(paths, ["/v1/oauth2/token"]);
    let schemas: Vec<_> = selected["components"]["schemas"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(schemas, ["Token", "Scope", "Error"]);
    assert!(selected["components"]["responses"].get("Invalid").is_some());
    // The top-level `security` applies to selected operations without their own.
    let schemes: Vec<_> = selected["components"]["securitySchemes"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(schemes, ["access_token"]);
    assert!(selected.get("webhooks").is_none());
    assert_eq!(selected["tags"], json!([{"name": "oauth2"}]));
}

#[test]
fn discriminator_mappings_are_followed() {
    let mut doc = whole();
    doc["paths"]["/v1/oauth2/token"]["post"]["responses"]["200"]["content"]["application/json"]["schema"] =
        json!({"$ref": "#/components/schemas/Union"});
    let selected = apply(document(doc), &Selection::default()).unwrap().value;
    assert!(selected["components"]["schemas"].get("Order").is_some());
}

#[test]
fn everything_selects_the_whole_document_but_webhooks() {
    let selected = apply(document(whole()), &Selection::all()).unwrap().value;
    let mut expected = whole();
    expected.as_object_mut().unwrap().remove("webhooks");
    // `Union` is referred to by nothing.
    expected["components"]["schemas"]
        .as_object_mut()
        .unwrap()
        .remove("Union");
    assert_eq!(selected, expected);
}

#[test]
fn a_selection_matching_nothing_names_the_file() {
    let selection = Selection {
        paths: vec!["/v2/".into()],
        file: Some("spec/select.toml".into()),
    };
    let e = apply(document(whole()), &selection).unwrap_err();
    assert_eq!(
        e.to_string(),
        "spec/select.toml: no operation of the document has a path starting with `/v2/`"
    );
}

#[test]
fn the_file_is_a_toml_list_of_prefixes_with_comments() {
    let text =
        "# what becomes the client\npaths = [\n  \"/v1/oauth2/\", # OAuth2\n  \"/v1/#x\\\"\",\n]\n";
    let s = parse(Path::new("spec/select.toml"), text).unwrap();
    assert_eq!(s.paths, ["/v1/oauth2/", "/v1/#x\""]);
    let s = parse(Path::new("s.toml"), "paths = [\"/\"]").unwrap();
    assert!(s.selects("/v1/anything"));
}

#[test]
fn a_bad_file_is_refused_by_line() {
    let cases = [
        ("operations = [\"/\"]", "line 1: unknown key `operations`"),
        (
            "paths = [\"/a\"]\npaths = [\"/b\"]",
            "line 2: `paths` is given twice",
        ),
        (
            "paths = [\"/a\"",
            "line 1: the list of `paths` has no closing `]`",
        ),
        ("paths = [/a]", "line 1: expected a \"quoted\" path prefix"),
        ("paths = [\"v1\"]", "`v1` is not a path prefix"),
        ("paths = []", "`paths` is empty"),
        ("# nothing", "no `paths = [...]`"),
        (
            "paths = [\"/a\" \"/b\"]",
            "line 1: expected `,` between the strings",
        ),
    ];
    for (text, expected) in cases {
        let e = parse(Path::new("spec/select.toml"), text).unwrap_err();
        assert!(
            e.to_string()
                .starts_with(&format!("spec/select.toml: {expected}")),
            "{text}: {e}"
        );
    }
}

#[test]
fn no_file_is_the_default_selection() {
    let dir = std::env::temp_dir().join(format!("polar-select-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    assert_eq!(read(&dir).unwrap(), Selection::default());
    fs::write(dir.join(SELECTION_FILE), "paths = [\"/\"]\n").unwrap();
    let read_back = read(&dir).unwrap();
    fs::remove_dir_all(&dir).unwrap();
    assert_eq!(read_back.paths, ["/"]);
}
