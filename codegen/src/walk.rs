//! Visit every schema object of an OpenAPI document, with its JSON pointer.

use serde_json::{Map, Value};

use crate::error::escape_token;

/// HTTP methods of an OpenAPI path item (its other keys are not operations).
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Call `f` on every schema in `doc` (pre-order: a schema before the schemas inside it, so a
/// rewrite of a node is itself walked).
pub(crate) fn for_each_schema_mut(
    doc: &mut Value,
    f: &mut dyn FnMut(&mut Map<String, Value>, &str),
) {
    if let Some(Value::Object(components)) = doc.get_mut("components") {
        if let Some(Value::Object(schemas)) = components.get_mut("schemas") {
            for (name, schema) in schemas.iter_mut() {
                walk_schema(
                    schema,
                    &mut format!("/components/schemas/{}", escape_token(name)),
                    f,
                );
            }
        }
        for section in ["parameters", "headers", "requestBodies", "responses"] {
            if let Some(Value::Object(entries)) = components.get_mut(section) {
                for (name, entry) in entries.iter_mut() {
                    let ptr = format!("/components/{section}/{}", escape_token(name));
                    walk_holder(entry, &ptr, f);
                }
            }
        }
    }
    if let Some(Value::Object(paths)) = doc.get_mut("paths") {
        for (path, item) in paths.iter_mut() {
            let ptr = format!("/paths/{}", escape_token(path));
            walk_parameters(item, &ptr, f);
            for method in METHODS {
                let Some(op) = item.get_mut(method) else {
                    continue;
                };
                let ptr = format!("{ptr}/{method}");
                walk_parameters(op, &ptr, f);
                if let Some(body) = op.get_mut("requestBody") {
                    walk_holder(body, &format!("{ptr}/requestBody"), f);
                }
                if let Some(Value::Object(responses)) = op.get_mut("responses") {
                    for (status, response) in responses.iter_mut() {
                        walk_holder(response, &format!("{ptr}/responses/{status}"), f);
                    }
                }
            }
        }
    }
}

/// Read-only variant of `for_each_schema_mut`.
pub fn for_each_schema(doc: &mut Value, f: &mut dyn FnMut(&Map<String, Value>, &str)) {
    for_each_schema_mut(doc, &mut |schema, ptr| f(schema, ptr));
}

fn walk_parameters(
    holder: &mut Value,
    ptr: &str,
    f: &mut dyn FnMut(&mut Map<String, Value>, &str),
) {
    if let Some(Value::Array(params)) = holder.get_mut("parameters") {
        for (i, param) in params.iter_mut().enumerate() {
            walk_holder(param, &format!("{ptr}/parameters/{i}"), f);
        }
    }
}

/// A parameter, header, request body or response: `schema`, `content.*.schema`, `headers.*`.
fn walk_holder(holder: &mut Value, ptr: &str, f: &mut dyn FnMut(&mut Map<String, Value>, &str)) {
    if let Some(schema) = holder.get_mut("schema") {
        walk_schema(schema, &mut format!("{ptr}/schema"), f);
    }
    if let Some(Value::Object(content)) = holder.get_mut("content") {
        for (media, entry) in content.iter_mut() {
            if let Some(schema) = entry.get_mut("schema") {
                walk_schema(
                    schema,
                    &mut format!("{ptr}/content/{}/schema", escape_token(media)),
                    f,
                );
            }
        }
    }
    if let Some(Value::Object(headers)) = holder.get_mut("headers") {
        for (name, header) in headers.iter_mut() {
            walk_holder(header, &format!("{ptr}/headers/{}", escape_token(name)), f);
        }
    }
}

/// One schema and the schemas inside it; `ptr` is one buffer extended and cut back per child, so
/// a deep schema costs one pointer, not one per level.
fn walk_schema(
    schema: &mut Value,
    ptr: &mut String,
    f: &mut dyn FnMut(&mut Map<String, Value>, &str),
) {
    let Value::Object(node) = schema else {
        return;
    };
    f(node, ptr);
    let mut child = |schema: &mut Value, ptr: &mut String, segments: &[&str]| {
        let len = ptr.len();
        for segment in segments {
            ptr.push('/');
            ptr.push_str(segment);
        }
        walk_schema(schema, ptr, f);
        ptr.truncate(len);
    };
    if let Some(Value::Object(props)) = node.get_mut("properties") {
        for (name, prop) in props.iter_mut() {
            child(prop, ptr, &["properties", &escape_token(name)]);
        }
    }
    for key in ["items", "additionalProperties", "not"] {
        match node.get_mut(key) {
            Some(Value::Array(list)) => {
                for (i, s) in list.iter_mut().enumerate() {
                    child(s, ptr, &[key, &i.to_string()]);
                }
            }
            Some(schema @ Value::Object(_)) => child(schema, ptr, &[key]),
            _ => {}
        }
    }
    for key in ["allOf", "anyOf", "oneOf", "prefixItems"] {
        if let Some(Value::Array(list)) = node.get_mut(key) {
            for (i, s) in list.iter_mut().enumerate() {
                child(s, ptr, &[key, &i.to_string()]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn visits_component_operation_and_nested_schemas_with_pointers() {
        let mut doc = json!({
            "paths": {"/v1/x": {"get": {
                "parameters": [{"name": "q", "in": "query", "schema": {"type": "string"}}],
                "responses": {"200": {"content": {"application/json": {"schema": {
                    "oneOf": [{"$ref": "#/components/schemas/A"}]}}}}}}}},
            "components": {"schemas": {"A": {"properties": {"b": {"items": {"type": "string"}}}}}}
        });
        let mut seen = Vec::new();
        for_each_schema(&mut doc, &mut |_, p| seen.push(p.to_owned()));
        assert_eq!(
            seen,
            [
                "/components/schemas/A",
                "/components/schemas/A/properties/b",
                "/components/schemas/A/properties/b/items",
                "/paths/~1v1~1x/get/parameters/0/schema",
                "/paths/~1v1~1x/get/responses/200/content/application~1json/schema",
                "/paths/~1v1~1x/get/responses/200/content/application~1json/schema/oneOf/0",
            ]
        );
    }
}
