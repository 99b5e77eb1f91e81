//! The listing's lines, order and directions on minimal documents, and on the vendored spec.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{Value, json};

use super::schema::security_alternatives;
use super::{Surface, downgrade, surface, surface_dir};

fn doc(paths: Value, schemas: Value) -> Value {
    json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
           "paths": paths, "components": {"schemas": schemas}})
}

#[test]
fn fields_show_type_required_and_nullable() {
    let d = doc(
        json!({}),
        json!({"TokenResponse": {"type": "object", "required": ["access_token"],
            "properties": {
                "access_token": {"type": "string", "title": "Access Token"},
                "id_token": {"type": "string", "nullable": true, "description": "x"},
                "expires_at": {"type": "string", "format": "date-time"}}}}),
    );
    assert_eq!(
        surface(&d),
        "info version: 1\n\
         schema TokenResponse: object\n\
         field TokenResponse.access_token: string, required\n\
         field TokenResponse.expires_at: string(date-time), optional\n\
         field TokenResponse.id_token: string, optional, nullable\n"
    );
}

#[test]
fn enum_values_are_sorted_one_per_line() {
    let d = doc(
        json!({}),
        json!({"Scope": {"type": "string", "enum": ["openid", "email", "metrics:write"],
                         "enumNames": {"openid": "OpenID"}}}),
    );
    let s = surface(&d);
    assert!(
        s.contains(
            "schema Scope: string\nenum Scope = \"email\"\nenum Scope = \"metrics:write\"\n\
             enum Scope = \"openid\"\n"
        ),
        "{s}"
    );
    assert!(!s.contains("OpenID"), "{s}");
}

#[test]
fn operations_list_parameters_body_responses_and_unions() {
    let d = doc(
        json!({"/v1/x/{id}": {
            "parameters": [{"name": "id", "in": "path", "required": true,
                            "schema": {"type": "string"}}],
            "delete": {"operationId": "x:delete", "summary": "Delete",
                "responses": {"204": {"description": "Deleted"}}},
            "post": {"operationId": "x:post", "security": [{}],
                "parameters": [{"name": "q", "in": "query", "schema": {"type": "integer"}}],
                "requestBody": {"required": true, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/A"}}}},
                "responses": {"200": {"content": {"application/json": {"schema": {
                    "oneOf": [{"$ref": "#/components/schemas/A"},
                              {"type": "object", "properties": {"k": {"type": "string"}}}],
                    "discriminator": {"propertyName": "k",
                        "mapping": {"a": "#/components/schemas/A"}}}}}}}}}}),
        json!({"A": {"type": "object"}}),
    );
    let expected = "\
info version: 1
operation DELETE /v1/x/{id}: x:delete
security DELETE /v1/x/{id}: none
param DELETE /v1/x/{id} path:id: string, required
response DELETE /v1/x/{id} 204: none
operation POST /v1/x/{id}: x:post
security POST /v1/x/{id}: none
param POST /v1/x/{id} path:id: string, required
param POST /v1/x/{id} query:q: integer, optional
body POST /v1/x/{id} body: A, required, application/json
response POST /v1/x/{id} 200: oneOf, application/json
arm POST /v1/x/{id} 200 = A
arm POST /v1/x/{id} 200 = #1 object
discriminator POST /v1/x/{id} 200: k
mapping POST /v1/x/{id} 200 = a -> A
schema POST /v1/x/{id} 200#1: object
field POST /v1/x/{id} 200#1.k: string, optional
schema A: object
";
    assert_eq!(surface(&d), expected);
}

#[test]
fn nested_items_and_maps_get_their_own_lines_only_when_not_plain() {
    let d = doc(
        json!({}),
        json!({"C": {"type": "object", "properties": {
            "uris": {"type": "array", "items": {"type": "string", "format": "uri",
                                                 "minLength": 1}},
            "scopes": {"type": "array", "items": {"$ref": "#/components/schemas/Scope"}},
            "names": {"type": "object", "additionalProperties": {"type": "string"}},
            "grants": {"type": "array", "items": {"type": "string",
                                                   "enum": ["refresh_token"]}}}}}),
    );
    let s = surface(&d);
    for expected in [
        "field C.uris: array<string(uri)>, optional\nschema C.uris[]: string(uri)\n\
         constraint C.uris[]: minLength = 1\n",
        "field C.scopes: array<Scope>, optional\n",
        "field C.names: map<string>, optional\n",
        "schema C.grants[]: string\nenum C.grants[] = \"refresh_token\"\n",
    ] {
        assert!(s.contains(expected), "missing {expected:?} in\n{s}");
    }
    assert!(!s.contains("C.scopes[]"), "{s}");
    assert!(!s.contains("C.names{}"), "{s}");
}

#[test]
fn downgraded_nullable_ref_shows_the_referenced_type() {
    let mut d = json!({"openapi": "3.1.0", "paths": {}, "components": {"schemas": {
        "R": {"type": "object", "required": ["sub"], "properties": {"sub": {
            "anyOf": [{"$ref": "#/components/schemas/U"}, {"type": "null"}]}}},
        "U": {"type": "object"}}}});
    downgrade::downgrade(&mut d).unwrap();
    assert!(
        surface(&d).contains("field R.sub: U, required, nullable\n"),
        "{}",
        surface(&d)
    );
}

#[test]
fn directions_follow_references_from_requests_and_responses() {
    let d = doc(
        json!({"/t": {"post": {
            "requestBody": {"content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Req"}}}},
            "responses": {"200": {"content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Resp"}}}}}}}}),
        json!({"Req": {"properties": {"s": {"$ref": "#/components/schemas/Shared"}}},
               "Resp": {"properties": {"s": {"$ref": "#/components/schemas/Shared"}}},
               "Shared": {"type": "string"}, "Unused": {"type": "string"}}),
    );
    let s = Surface::from_doc(&d);
    let dir = |k: &str| {
        let id = (0..s.nodes.len()).find(|&id| s.path(id) == k).unwrap();
        let d = s.nodes[id].direction;
        (d.request, d.response)
    };
    assert_eq!(dir("Req"), (true, false));
    assert_eq!(dir("Req.s"), (true, false));
    assert_eq!(dir("Resp"), (false, true));
    assert_eq!(dir("Shared"), (true, true));
    assert_eq!(dir("Unused"), (false, false));
    assert_eq!(dir("POST /t body"), (true, false));
    assert_eq!(dir("POST /t 200"), (false, true));
}

#[test]
fn key_order_does_not_change_the_listing() {
    let a = doc(
        json!({"/a": {"get": {"operationId": "a", "responses": {}}},
               "/b": {"get": {"operationId": "b", "responses": {}}}}),
        json!({"S": {"type": "object", "required": ["x", "y"],
                     "properties": {"x": {"type": "string"}, "y": {"type": "integer"}}}}),
    );
    let b = doc(
        json!({"/b": {"get": {"responses": {}, "operationId": "b"}},
               "/a": {"get": {"operationId": "a", "responses": {}}}}),
        json!({"S": {"properties": {"y": {"type": "integer"}, "x": {"type": "string"}},
                     "required": ["y", "x"], "type": "object"}}),
    );
    assert_eq!(surface(&a), surface(&b));
}

#[test]
fn security_alternatives_are_rendered_and_sorted() {
    assert_eq!(
        security_alternatives(Some(&json!([{"pat": []}, {"oidc": ["openid"]}]))),
        BTreeSet::from(["oidc[openid]".to_owned(), "pat".to_owned()])
    );
    assert_eq!(
        security_alternatives(Some(&json!([{}]))),
        BTreeSet::from(["none".to_owned()])
    );
    assert_eq!(
        security_alternatives(None),
        BTreeSet::from(["none".to_owned()])
    );
}

#[test]
fn vendored_spec_lists_scopes_and_the_token_response() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec");
    let s = surface_dir(&dir).unwrap();
    assert!(
        s.contains("enum Scope = \"openid\"\n"),
        "{}",
        &s[..s.len().min(2000)]
    );
    assert!(s.contains("operation POST /v1/oauth2/token: oauth2:request_token\n"));
    assert!(s.contains("field TokenResponse.access_token: string, required\n"));
    assert!(!s.contains("description"));
}
