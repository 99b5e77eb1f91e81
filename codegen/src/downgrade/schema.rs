//! The rewrites of one schema object, each for one 3.1 construct that 3.0 does not have.

use serde_json::{Map, Value, json};

/// 3.1 lets a `$ref` carry sibling keywords (Polar writes `default_sub_type: {$ref: SubType,
/// default: user}`); 3.0 ignores them and openapiv3 drops them, so the default would be lost
/// without a word. Wrap the reference in `allOf`, where the siblings apply to it (typify reads a
/// one-arm `allOf` as the referenced type itself, keeping the default).
pub(crate) fn ref_siblings_to_all_of(schema: &mut Map<String, Value>) {
    if schema.len() < 2 || !schema.contains_key("$ref") {
        return;
    }
    let Some(reference) = schema.remove("$ref") else {
        return;
    };
    let arm = json!({ "$ref": reference });
    match schema.get_mut("allOf") {
        Some(Value::Array(arms)) => arms.insert(0, arm),
        None => {
            schema.insert("allOf".into(), json!([arm]));
        }
        // Not a list: leave the schema as it was for openapiv3 to report.
        Some(_) => {
            schema.insert("$ref".into(), arm["$ref"].clone());
        }
    }
}

/// `anyOf`/`oneOf` with a `{type: 'null'}` arm (3.1's way of saying "nullable") makes progenitor
/// panic. Drop the null arm and say `nullable: true`; a lone remaining `$ref` becomes
/// `allOf: [$ref]` (3.0 ignores siblings of `$ref`), a lone inline schema is merged in.
pub(crate) fn null_arm_to_nullable(schema: &mut Map<String, Value>) {
    for key in ["anyOf", "oneOf"] {
        let Some(Value::Array(arms)) = schema.get(key) else {
            continue;
        };
        if !arms.iter().any(is_null_schema) {
            continue;
        }
        let mut rest: Vec<Value> = arms
            .iter()
            .filter(|a| !is_null_schema(a))
            .cloned()
            .collect();
        schema.remove(key);
        schema.insert("nullable".into(), Value::Bool(true));
        match rest.len() {
            0 => {
                schema.insert("enum".into(), json!([null]));
            }
            1 => match rest.pop() {
                Some(Value::Object(arm)) if arm.contains_key("$ref") => {
                    schema.insert("allOf".into(), json!([arm]));
                }
                Some(Value::Object(arm)) => {
                    for (k, v) in arm {
                        // The outer schema's own title/description/default win.
                        schema.entry(k).or_insert(v);
                    }
                }
                Some(other) => {
                    schema.insert("allOf".into(), json!([other]));
                }
                None => {}
            },
            _ => {
                schema.insert(key.into(), Value::Array(rest));
            }
        }
    }
}

fn is_null_schema(v: &Value) -> bool {
    v.as_object().is_some_and(|o| {
        o.get("type") == Some(&json!("null")) && o.keys().all(|k| k == "type" || k == "title")
    })
}

/// `type: 'null'` alone, or a type list such as `type: [string, 'null']` (3.1): 3.0 has a single
/// `type` plus `nullable`.
pub(crate) fn null_type_to_nullable(schema: &mut Map<String, Value>) {
    match schema.get("type") {
        Some(Value::String(t)) if t == "null" => {
            schema.remove("type");
            schema.insert("nullable".into(), Value::Bool(true));
            schema.insert("enum".into(), json!([null]));
        }
        Some(Value::Array(types)) => {
            let nullable = types.iter().any(|t| t == "null");
            let others: Vec<Value> = types.iter().filter(|t| *t != "null").cloned().collect();
            schema.remove("type");
            if nullable {
                schema.insert("nullable".into(), Value::Bool(true));
            }
            match others.len() {
                0 => {
                    schema.insert("enum".into(), json!([null]));
                }
                1 => {
                    schema.insert("type".into(), others[0].clone());
                }
                _ => {
                    let arms = others.into_iter().map(|t| json!({ "type": t })).collect();
                    schema.insert("anyOf".into(), Value::Array(arms));
                }
            }
        }
        _ => {}
    }
}

/// openapiv3 silently drops `const`, so `grant_type: {const: refresh_token}` would accept (and
/// send) any string. Rewrite to a one-value `enum`. The `title` goes too: typify names inline
/// enums after their title, and the three token requests' `Grant Type` titles would otherwise
/// collapse into ONE enum whose only value is `authorization_code`.
pub(crate) fn const_to_enum(schema: &mut Map<String, Value>) {
    if let Some(value) = schema.remove("const") {
        schema.insert("enum".into(), Value::Array(vec![value]));
        schema.remove("title");
    }
}

/// 3.1 (JSON Schema 2020-12) writes `exclusiveMinimum: 5`; 3.0 writes `minimum: 5` plus
/// `exclusiveMinimum: true`. Same for the maximum.
pub(crate) fn exclusive_bounds(schema: &mut Map<String, Value>) {
    for (exclusive, inclusive) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if let Some(bound) = schema.get(exclusive).filter(|v| v.is_number()).cloned() {
            schema.insert(inclusive.into(), bound);
            schema.insert(exclusive.into(), Value::Bool(true));
        }
    }
}

/// A 3.1 schema has an `examples` list; a 3.0 schema has one `example`. Keep the first.
pub(crate) fn examples_to_example(schema: &mut Map<String, Value>) {
    if let Some(Value::Array(examples)) = schema.get("examples") {
        let first = examples.first().cloned();
        schema.remove("examples");
        if let Some(first) = first {
            schema.entry("example").or_insert(first);
        }
    }
}

/// Polar (pydantic) writes `format: uuid4`, which typify does not know (it would be a plain
/// `String`); `uuid` gives `uuid::Uuid`.
pub(crate) fn uuid4_format(schema: &mut Map<String, Value>) {
    if schema.get("format").and_then(Value::as_str) == Some("uuid4") {
        schema.insert("format".into(), json!("uuid"));
    }
}

/// Some Polar documents write `discriminator.mapping` values as `{$ref: ...}`; the standard (and
/// openapiv3) wants the reference string itself.
pub(crate) fn discriminator_mapping_refs(schema: &mut Map<String, Value>) {
    let Some(Value::Object(mapping)) = schema
        .get_mut("discriminator")
        .and_then(|d| d.get_mut("mapping"))
    else {
        return;
    };
    for value in mapping.values_mut() {
        if let Some(reference) = value.get("$ref").and_then(Value::as_str) {
            *value = Value::String(reference.to_owned());
        }
    }
}
