//! Each 3.1 -> 3.0 rewrite on a minimal input, and the warnings for constructs none knows.

use super::*;
use serde_json::{Map, json};

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
    let mut s = obj(json!({"oneOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}]}));
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
