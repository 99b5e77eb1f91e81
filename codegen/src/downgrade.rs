//! OpenAPI 3.1 -> 3.0 rewrites, so that openapiv3 and progenitor read Polar's documents.
//!
//! One small named function per construct. Each says why it exists; each is tested on a minimal
//! input. A construct none of them knows is reported as a warning (never silently dropped), and
//! [`downgrade`] returns those warnings for the build script to print.

use serde_json::{Map, Value, json};

use crate::error::{Error, escape_token};
use crate::generate::check_refs;
use crate::walk::{for_each_schema, for_each_schema_mut};

/// Validation keywords of an OpenAPI 3.0 schema: they narrow the values of a type.
pub const CONSTRAINT_KEYWORDS: &[&str] = &[
    "multipleOf",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "maxProperties",
    "minProperties",
];

/// The other keywords an OpenAPI 3.0 schema object may carry (OpenAPI 3.0.3 §4.7.24), plus the
/// ones we read ourselves (`enumNames`: the scope display names, read by [`crate::scopes`]).
const OTHER_SCHEMA_KEYWORDS: &[&str] = &[
    "title",
    "required",
    "enum",
    "type",
    "allOf",
    "oneOf",
    "anyOf",
    "not",
    "items",
    "properties",
    "additionalProperties",
    "description",
    "format",
    "default",
    "nullable",
    "discriminator",
    "readOnly",
    "writeOnly",
    "xml",
    "externalDocs",
    "example",
    "deprecated",
    "$ref",
    "enumNames",
];

fn is_known_schema_keyword(key: &str) -> bool {
    CONSTRAINT_KEYWORDS.contains(&key) || OTHER_SCHEMA_KEYWORDS.contains(&key)
}

/// Rewrite `doc` (OpenAPI 3.1) in place into OpenAPI 3.0.3; returns warnings for constructs
/// that no rewrite knows.
pub fn downgrade(doc: &mut Value) -> Result<Vec<String>, Error> {
    let mut warnings = Vec::new();
    openapi_version(doc)?;
    // Before any rewrite moves a `$ref` (`anyOf/0` -> `allOf/0`), so that the pointer of a
    // dangling one is where it is in the file.
    check_refs(doc)?;
    drop_31_top_level(doc, &mut warnings);
    info_summary(doc);
    for_each_schema_mut(doc, &mut |schema, _ptr| {
        ref_siblings_to_all_of(schema);
        null_arm_to_nullable(schema);
        null_type_to_nullable(schema);
        const_to_enum(schema);
        exclusive_bounds(schema);
        examples_to_example(schema);
        uuid4_format(schema);
        discriminator_mapping_refs(schema);
    });
    for_each_schema(doc, &mut |schema, ptr| {
        for key in schema.keys() {
            if !key.starts_with("x-") && !is_known_schema_keyword(key) {
                warnings.push(format!(
                    "schema keyword `{key}` at #{ptr}/{} is not OpenAPI 3.0 and no rewrite knows it; the generator ignores it",
                    escape_token(key)
                ));
            }
        }
    });
    Ok(warnings)
}

/// typify turns a `pattern` into a newtype checked by the `regress` crate on every decode: the
/// library would need `regress`, and a response would fail to decode on a regex the server
/// did not mean as a promise (Polar's server validates what it receives). The generator drops
/// every `pattern`, with ONE warning naming how many and the first pointer. Run by the
/// generator only ([`crate::prepare`]), after [`downgrade`]: the API surface and spec drift
/// still see the patterns (drift reports a changed one as cosmetic).
pub fn drop_patterns(doc: &mut Value) -> Option<String> {
    let mut dropped = Vec::new();
    for_each_schema_mut(doc, &mut |schema, ptr| {
        if schema.get("pattern").is_some_and(Value::is_string) {
            schema.remove("pattern");
            dropped.push(format!("#{ptr}/pattern"));
        }
    });
    let first = dropped.first()?;
    Some(format!(
        "{} `pattern` constraint(s) dropped, first at {first}: the client does not check strings against regular expressions (the server validates)",
        dropped.len()
    ))
}

/// progenitor accepts only `openapi: 3.0.*`. Everything 3.1-specific the documents use is
/// rewritten below, so the version can say 3.0.3; any other version is refused.
pub fn openapi_version(doc: &mut Value) -> Result<(), Error> {
    // YAML reads an unquoted `openapi: 2.0` as a number: name that version too.
    let version = doc.get("openapi").map(|v| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    });
    match version.as_deref() {
        Some(v) if v.starts_with("3.1.") || v.starts_with("3.0.") => {
            doc["openapi"] = json!("3.0.3");
            Ok(())
        }
        Some(v) => Err(Error::at(
            "/openapi",
            format!("unsupported OpenAPI version `{v}`; expected 3.0.x or 3.1.x"),
        )),
        None if doc.get("swagger").is_some() => Err(Error::at(
            "/swagger",
            "Swagger 2.0 documents are not supported; expected OpenAPI 3.0.x or 3.1.x",
        )),
        None => Err(Error::at(
            "/openapi",
            "missing `openapi` version field; expected 3.0.x or 3.1.x",
        )),
    }
}

/// `webhooks` and `jsonSchemaDialect` exist only in 3.1 and describe nothing a client calls.
pub fn drop_31_top_level(doc: &mut Value, warnings: &mut Vec<String>) {
    if let Some(root) = doc.as_object_mut() {
        for key in ["webhooks", "jsonSchemaDialect"] {
            if root.remove(key).is_some() {
                warnings.push(format!(
                    "#/{key} is OpenAPI 3.1 only and was left out of the generated client"
                ));
            }
        }
    }
}

/// `info.summary` is 3.1 only, and openapiv3 drops unknown `info` fields without a word.
/// progenitor documents the client with `info.title` and `info.description`: the summary becomes
/// the description when there is none, and is otherwise kept as the extension `x-summary`.
pub fn info_summary(doc: &mut Value) {
    let Some(info) = doc.get_mut("info").and_then(Value::as_object_mut) else {
        return;
    };
    if let Some(summary) = info.remove("summary") {
        let key = if info.contains_key("description") {
            "x-summary"
        } else {
            "description"
        };
        info.insert(key.into(), summary);
    }
}

/// 3.1 lets a `$ref` carry sibling keywords (Polar writes `default_sub_type: {$ref: SubType,
/// default: user}`); 3.0 ignores them and openapiv3 drops them, so the default would be lost
/// without a word. Wrap the reference in `allOf`, where the siblings apply to it (typify reads a
/// one-arm `allOf` as the referenced type itself, keeping the default).
pub fn ref_siblings_to_all_of(schema: &mut Map<String, Value>) {
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
pub fn null_arm_to_nullable(schema: &mut Map<String, Value>) {
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
pub fn null_type_to_nullable(schema: &mut Map<String, Value>) {
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
pub fn const_to_enum(schema: &mut Map<String, Value>) {
    if let Some(value) = schema.remove("const") {
        schema.insert("enum".into(), Value::Array(vec![value]));
        schema.remove("title");
    }
}

/// 3.1 (JSON Schema 2020-12) writes `exclusiveMinimum: 5`; 3.0 writes `minimum: 5` plus
/// `exclusiveMinimum: true`. Same for the maximum.
pub fn exclusive_bounds(schema: &mut Map<String, Value>) {
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
pub fn examples_to_example(schema: &mut Map<String, Value>) {
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
pub fn uuid4_format(schema: &mut Map<String, Value>) {
    if schema.get("format").and_then(Value::as_str) == Some("uuid4") {
        schema.insert("format".into(), json!("uuid"));
    }
}

/// Some Polar documents write `discriminator.mapping` values as `{$ref: ...}`; the standard (and
/// openapiv3) wants the reference string itself.
pub fn discriminator_mapping_refs(schema: &mut Map<String, Value>) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn version_31_becomes_303() {
        let mut d = json!({"openapi": "3.1.0", "paths": {}});
        openapi_version(&mut d).unwrap();
        assert_eq!(d["openapi"], "3.0.3");
    }

    #[test]
    fn version_2_is_refused_naming_the_field() {
        let mut d = json!({"openapi": "2.0", "paths": {}});
        let e = openapi_version(&mut d).unwrap_err();
        assert_eq!(e.pointer, "/openapi");
        assert!(e.message.contains("`2.0`"), "{e}");
        let mut d = json!({"openapi": 2.0, "paths": {}});
        let e = openapi_version(&mut d).unwrap_err();
        assert_eq!(e.pointer, "/openapi");
        assert!(e.message.contains("`2.0`"), "{e}");
        let mut d = json!({"swagger": "2.0", "paths": {}});
        assert_eq!(openapi_version(&mut d).unwrap_err().pointer, "/swagger");
    }

    #[test]
    fn info_summary_is_kept_where_30_has_room() {
        let mut d = json!({"info": {"title": "t", "summary": "s", "description": "d"}});
        info_summary(&mut d);
        assert_eq!(
            d["info"],
            json!({"title": "t", "description": "d", "x-summary": "s"})
        );
        let mut d = json!({"info": {"title": "t", "summary": "s"}});
        info_summary(&mut d);
        assert_eq!(d["info"], json!({"title": "t", "description": "s"}));
    }

    #[test]
    fn ref_with_siblings_becomes_all_of() {
        let mut s = obj(json!({"$ref": "#/components/schemas/SubType", "default": "user"}));
        ref_siblings_to_all_of(&mut s);
        assert_eq!(
            Value::Object(s),
            json!({"default": "user", "allOf": [{"$ref": "#/components/schemas/SubType"}]})
        );
        let mut s = obj(json!({"$ref": "#/components/schemas/A", "allOf": [{"type": "object"}]}));
        ref_siblings_to_all_of(&mut s);
        assert_eq!(
            Value::Object(s),
            json!({"allOf": [{"$ref": "#/components/schemas/A"}, {"type": "object"}]})
        );
        let mut s = obj(json!({"$ref": "#/components/schemas/A"}));
        ref_siblings_to_all_of(&mut s);
        assert_eq!(Value::Object(s), json!({"$ref": "#/components/schemas/A"}));
    }

    #[test]
    fn null_arm_with_ref_becomes_nullable_all_of() {
        let mut s = obj(
            json!({"anyOf": [{"$ref": "#/components/schemas/U"}, {"type": "null"}],
                               "title": "Sub"}),
        );
        null_arm_to_nullable(&mut s);
        assert_eq!(
            Value::Object(s),
            json!({"allOf": [{"$ref": "#/components/schemas/U"}], "nullable": true, "title": "Sub"})
        );
    }

    #[test]
    fn null_arm_with_inline_schema_is_merged() {
        let mut s = obj(json!({"anyOf": [{"type": "string", "format": "date-time"},
                                          {"type": "null"}], "title": "Modified At"}));
        null_arm_to_nullable(&mut s);
        assert_eq!(
            Value::Object(s),
            json!({"title": "Modified At", "nullable": true, "type": "string", "format": "date-time"})
        );
    }

    #[test]
    fn null_arm_among_several_keeps_the_union() {
        let mut s =
            obj(json!({"oneOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}]}));
        null_arm_to_nullable(&mut s);
        assert_eq!(
            Value::Object(s),
            json!({"oneOf": [{"type": "string"}, {"type": "integer"}], "nullable": true})
        );
    }

    #[test]
    fn type_list_with_null_becomes_nullable() {
        let mut s = obj(json!({"type": ["string", "null"]}));
        null_type_to_nullable(&mut s);
        assert_eq!(
            Value::Object(s),
            json!({"type": "string", "nullable": true})
        );
        let mut s = obj(json!({"type": "null"}));
        null_type_to_nullable(&mut s);
        assert_eq!(Value::Object(s), json!({"nullable": true, "enum": [null]}));
    }

    #[test]
    fn const_becomes_single_enum_without_title() {
        let mut s = obj(json!({"const": "refresh_token", "title": "Grant Type", "type": "string"}));
        const_to_enum(&mut s);
        assert_eq!(
            Value::Object(s),
            json!({"type": "string", "enum": ["refresh_token"]})
        );
    }

    #[test]
    fn numeric_exclusive_bounds_become_30_booleans() {
        let mut s = obj(json!({"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 10}));
        exclusive_bounds(&mut s);
        assert_eq!(
            Value::Object(s),
            json!({"type": "integer", "minimum": 0, "exclusiveMinimum": true,
                   "maximum": 10, "exclusiveMaximum": true})
        );
    }

    #[test]
    fn examples_list_becomes_first_example() {
        let mut s = obj(json!({"type": "string", "examples": ["a", "b"]}));
        examples_to_example(&mut s);
        assert_eq!(Value::Object(s), json!({"type": "string", "example": "a"}));
    }

    #[test]
    fn uuid4_becomes_uuid() {
        let mut s = obj(json!({"type": "string", "format": "uuid4"}));
        uuid4_format(&mut s);
        assert_eq!(s["format"], "uuid");
    }

    #[test]
    fn mapping_ref_objects_become_strings() {
        let mut s = obj(json!({"discriminator": {"propertyName": "t",
            "mapping": {"a": {"$ref": "#/components/schemas/A"}, "b": "#/components/schemas/B"}}}));
        discriminator_mapping_refs(&mut s);
        assert_eq!(
            s["discriminator"]["mapping"],
            json!({"a": "#/components/schemas/A", "b": "#/components/schemas/B"})
        );
    }

    #[test]
    fn unknown_keyword_is_a_warning_naming_its_pointer() {
        let mut d = json!({"openapi": "3.1.0", "paths": {},
            "components": {"schemas": {"S": {"type": "array", "prefixItems": [{"type": "string"}]}}}});
        let warnings = downgrade(&mut d).unwrap();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].contains("`prefixItems` at #/components/schemas/S/prefixItems"),
            "{warnings:?}"
        );
    }

    #[test]
    fn dangling_ref_is_reported_where_the_file_has_it() {
        let mut d = json!({"openapi": "3.1.0", "paths": {}, "components": {"schemas": {"S": {
            "properties": {"p": {"anyOf": [{"$ref": "#/components/schemas/Nope"}, {"type": "null"}]}}}}}});
        let e = downgrade(&mut d).unwrap_err();
        assert_eq!(e.pointer, "/components/schemas/S/properties/p/anyOf/0/$ref");
    }

    #[test]
    fn patterns_are_dropped_with_one_warning_naming_the_count_and_the_first() {
        let mut d = json!({"openapi": "3.1.0", "paths": {"/a": {"get": {"parameters": [
            {"name": "q", "in": "query", "schema": {"type": "string", "pattern": "^q$"}}]}}},
            "components": {"schemas": {
                "S": {"properties": {"locale": {"anyOf": [{"type": "string", "pattern": "^[a-z]{2}$",
                                                           "maxLength": 5}]}}},
                "T": {"properties": {"pattern": {"type": "string"}}}}}});
        let warning = drop_patterns(&mut d).unwrap();
        assert_eq!(
            warning,
            "2 `pattern` constraint(s) dropped, first at #/components/schemas/S/properties/locale/anyOf/0/pattern: the client does not check strings against regular expressions (the server validates)"
        );
        assert!(!d.to_string().contains("\"^"), "{d}");
        // Other constraints and a property that is named `pattern` stay.
        assert_eq!(
            d["components"]["schemas"]["S"]["properties"]["locale"]["anyOf"][0]["maxLength"],
            5
        );
        assert!(
            d["components"]["schemas"]["T"]["properties"]
                .get("pattern")
                .is_some()
        );
        assert_eq!(drop_patterns(&mut d), None);
    }

    #[test]
    fn webhooks_are_dropped_with_a_warning() {
        let mut d = json!({"openapi": "3.1.0", "paths": {}, "webhooks": {}});
        let warnings = downgrade(&mut d).unwrap();
        assert!(d.get("webhooks").is_none());
        assert!(warnings[0].contains("#/webhooks"), "{warnings:?}");
    }
}
