//! Enum values, union arms, statuses, operations and security.

use super::*;

#[test]
fn enum_values_open_scope_closed_response_and_request() {
    let e = |values: &[&str]| json!({"type": "string", "enum": values});
    let old = doc(
        obj(json!({"hint": e(&["a"])}), &[]),
        obj(
            json!({"kind": e(&["a"]), "scopes": {"type": "array",
            "items": {"$ref": "#/components/schemas/Scope"}}}),
            &[],
        ),
        json!({"Scope": e(&["openid", "web:read"])}),
    );
    let new = doc(
        obj(json!({"hint": e(&["a", "b"])}), &[]),
        obj(
            json!({"kind": e(&["a", "b"]), "scopes": {"type": "array",
            "items": {"$ref": "#/components/schemas/Scope"}}}),
            &[],
        ),
        json!({"Scope": e(&["openid", "metrics:write"])}),
    );
    let changes = diff(&old, &new);
    let find = |item: &str, detail: &str| {
        changes
            .iter()
            .find(|c| c.item == item && c.detail == detail)
            .map(|c| (c.kind, c.change.as_str()))
    };
    assert_eq!(
        find("Scope", "metrics:write"),
        Some((Kind::Additive, "enum value added"))
    );
    assert_eq!(
        find("Scope", "web:read"),
        Some((Kind::Breaking, "enum value removed"))
    );
    assert_eq!(
        find("Req.hint", "b"),
        Some((Kind::Additive, "enum value added"))
    );
    assert_eq!(find("Resp.kind", "b").map(|(k, _)| k), Some(Kind::Breaking));
    assert_eq!(changes.len(), 4, "{changes:#?}");
}

#[test]
fn union_arms_and_discriminator_values() {
    let union = |arms: &[&str]| {
        let refs: Vec<Value> = arms
            .iter()
            .map(|a| json!({"$ref": format!("#/components/schemas/{a}")}))
            .collect();
        let mapping: serde_json::Map<String, Value> = arms
            .iter()
            .map(|a| (a.to_lowercase(), json!(format!("#/components/schemas/{a}"))))
            .collect();
        json!({"oneOf": refs, "discriminator": {"propertyName": "t", "mapping": mapping}})
    };
    let extra = json!({"A": {"type": "object"}, "B": {"type": "object"}});
    let old = doc(union(&["A"]), union(&["A"]), extra.clone());
    let new = doc(union(&["A", "B"]), union(&["A", "B"]), extra);
    let kinds: Vec<(Kind, String)> = diff(&old, &new)
        .into_iter()
        .map(|c| (c.kind, format!("{} {}", c.item, c.detail)))
        .collect();
    assert_eq!(
        kinds,
        [
            (Kind::Breaking, "Resp b -> B".to_owned()),
            (Kind::Breaking, "Resp B".to_owned()),
            (Kind::Additive, "Req b -> B".to_owned()),
            (Kind::Additive, "Req B".to_owned()),
        ]
    );
}

#[test]
fn success_status_replaced_is_one_breaking_change() {
    let with = |responses: Value| {
        json!({"openapi": "3.0.3", "paths": {"/c/{id}": {"delete": {"operationId": "d",
            "responses": responses}}}})
    };
    let old = with(json!({"200": {"description": "ok",
        "content": {"application/json": {"schema": {}}}},
        "422": {"description": "bad"}}));
    let new = with(json!({"204": {"description": "deleted"}, "422": {"description": "bad"}}));
    let changes = diff(&old, &new);
    assert_eq!(
        changes[0],
        Change {
            kind: Kind::Breaking,
            item: "DELETE /c/{id} 200".into(),
            change: "status changed".into(),
            detail: "200 -> 204; body any, application/json -> none".into(),
        }
    );
    assert!(
        changes[1..].iter().all(|c| c.kind == Kind::Cosmetic),
        "{changes:#?}"
    );
}

#[test]
fn statuses_added_and_removed() {
    let with = |responses: Value| json!({"openapi": "3.0.3", "paths": {"/x": {"get": {"responses": responses}}}});
    let old = with(json!({"200": {}}));
    let new = with(json!({"200": {}, "201": {}, "404": {}}));
    assert_eq!(
        lines(&old, &new),
        [
            "breaking GET /x 201: success status added (a client built from the old spec rejects it)",
            "additive GET /x 404: response status added",
        ]
    );
    assert_eq!(
        lines(&new, &old),
        [
            "breaking GET /x 201: response removed",
            "breaking GET /x 404: response removed"
        ]
    );
}

#[test]
fn operations_parameters_and_security() {
    let op = |params: Value, security: Value| {
        json!({"openapi": "3.0.3", "paths": {"/x": {"get": {"operationId": "x",
            "parameters": params, "security": security, "responses": {}}}}})
    };
    let q = |name: &str, required: bool| json!({"name": name, "in": "query", "required": required, "schema": {"type": "string"}});
    let old = op(json!([q("a", false), q("gone", false)]), json!([{}]));
    let new = op(
        json!([q("a", true), q("b", true), q("c", false)]),
        json!([{"oidc": []}]),
    );
    assert_eq!(
        lines(&old, &new),
        [
            "breaking GET /x: authentication now required",
            "breaking GET /x query:a: made required",
            "breaking GET /x query:b: parameter added (required)",
            "breaking GET /x query:c: parameter added (optional; the generated method gains an argument)",
            "breaking GET /x query:gone: parameter removed",
        ]
    );
    let none = json!({"openapi": "3.0.3", "paths": {}});
    assert_eq!(lines(&none, &new), ["additive GET /x: operation added"]);
    assert_eq!(lines(&new, &none), ["breaking GET /x: operation removed"]);
}
