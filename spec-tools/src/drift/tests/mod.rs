//! The rules of the table on minimal documents: fields, types and directions here; enum
//! values, arms, statuses and operations in `variants`; documentation, constraints and reports
//! in `texts`.

use super::classify::{Narrowing, narrowing};
use super::render::short_pair;
use super::*;
use serde_json::json;

/// A document with one request schema (`Req`, the body of `POST /r`) and one response schema
/// (`Resp`, the 200 of `GET /s`), plus `extra` schemas.
fn doc(req: Value, resp: Value, extra: Value) -> Value {
    let mut schemas = json!({"Req": req, "Resp": resp});
    for (k, v) in extra.as_object().into_iter().flatten() {
        schemas[k] = v.clone();
    }
    json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
        "paths": {
            "/r": {"post": {"operationId": "r", "requestBody": {"required": true,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Req"}}}},
                "responses": {"204": {"description": "ok"}}}},
            "/s": {"get": {"operationId": "s", "responses": {"200": {"description": "ok",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Resp"}}}}}}}},
        "components": {"schemas": schemas}})
}

fn obj(props: Value, required: &[&str]) -> Value {
    json!({"type": "object", "properties": props, "required": required})
}

/// The changes as `kind item: change` strings.
fn lines(old: &Value, new: &Value) -> Vec<String> {
    diff(old, new)
        .into_iter()
        .map(|c| format!("{} {}: {}", c.kind, c.item, c.change))
        .collect()
}

#[test]
fn identical_documents_have_no_changes() {
    let d = doc(
        obj(json!({"a": {"type": "string"}}), &["a"]),
        obj(json!({}), &[]),
        json!({}),
    );
    assert_eq!(diff(&d, &d), []);
    assert_eq!(render_human(&[]), "no changes\n");
}

#[test]
fn optional_breaks_a_response_on_the_wire_and_a_request_in_rust() {
    let field = json!({"f": {"type": "string"}});
    let loose = json!({"f": {"type": "string", "nullable": true}});
    let old = doc(obj(field.clone(), &["f"]), obj(field, &["f"]), json!({}));
    let new = doc(obj(loose.clone(), &[]), obj(loose, &[]), json!({}));
    // The wire: a response may now lack it. Rust: `String` -> `Option<String>` either way.
    assert_eq!(
        lines(&old, &new),
        [
            "breaking Req.f: made optional and nullable \
             (the generated Rust type switches between T and Option<T>)",
            "breaking Resp.f: made optional and nullable",
        ]
    );
    // And back: tightening breaks the sender on the wire, the reader in Rust.
    assert_eq!(
        lines(&new, &old),
        [
            "breaking Req.f: made required and non-nullable",
            "breaking Resp.f: made required and non-nullable \
             (the generated Rust type switches between T and Option<T>)",
        ]
    );
}

#[test]
fn loosening_that_keeps_the_rust_type_is_additive_for_a_request() {
    // Required and nullable, then optional and nullable: `Option<String>` both times.
    let field = json!({"f": {"type": "string", "nullable": true}});
    let old = doc(obj(field.clone(), &["f"]), obj(json!({}), &[]), json!({}));
    let new = doc(obj(field, &[]), obj(json!({}), &[]), json!({}));
    assert_eq!(lines(&old, &new), ["additive Req.f: made optional"]);
    // A default keeps an optional field a plain `T` (typify fills it in).
    let with_default = json!({"f": {"type": "string", "default": "x"}});
    let old = doc(
        obj(with_default.clone(), &["f"]),
        obj(json!({}), &[]),
        json!({}),
    );
    let new = doc(obj(with_default, &[]), obj(json!({}), &[]), json!({}));
    assert_eq!(lines(&old, &new), ["additive Req.f: made optional"]);
}

#[test]
fn a_schema_used_both_ways_gets_the_stricter_kind() {
    let shared = |required: &[&str]| obj(json!({"f": {"type": "string"}}), required);
    let uses = obj(
        json!({"s": {"$ref": "#/components/schemas/Shared"}}),
        &["s"],
    );
    let old = doc(
        uses.clone(),
        uses.clone(),
        json!({"Shared": shared(&["f"])}),
    );
    let new = doc(uses.clone(), uses, json!({"Shared": shared(&[])}));
    assert_eq!(lines(&old, &new), ["breaking Shared.f: made optional"]);
}

#[test]
fn new_fields_required_in_requests_break_required_in_responses_do_not() {
    let old = doc(obj(json!({}), &[]), obj(json!({}), &[]), json!({}));
    let new = doc(
        obj(
            json!({"a": {"type": "string"}, "b": {"type": "string"}}),
            &["a"],
        ),
        obj(
            json!({"a": {"type": "string"}, "b": {"type": "string"}}),
            &["a"],
        ),
        json!({}),
    );
    assert_eq!(
        lines(&old, &new),
        [
            "breaking Req.a: field added (required)",
            "breaking Req.b: field added (optional; a new pub field: struct literals of this request type stop compiling)",
            "additive Resp.a: field added (required)",
            "additive Resp.b: field added (optional)",
        ]
    );
    assert_eq!(
        lines(&new, &old),
        [
            "breaking Req.a: field removed",
            "breaking Req.b: field removed",
            "breaking Resp.a: field removed",
            "breaking Resp.b: field removed",
        ]
    );
}

#[test]
fn type_change_breaks_and_hides_the_children_it_replaces() {
    let old = doc(
        obj(
            json!({"a": {"type": "object", "properties": {"x": {"type": "string"}}}}),
            &[],
        ),
        obj(json!({}), &[]),
        json!({}),
    );
    let new = doc(
        obj(json!({"a": {"type": "string"}}), &[]),
        obj(json!({}), &[]),
        json!({}),
    );
    assert_eq!(lines(&old, &new), ["breaking Req.a: type changed"]);
}

mod texts;
mod variants;
