//! Whether the type generated for one schema accepts every value of another: the question an
//! untagged union (serde tries its arms in order, the first that decodes wins) depends on.
//!
//! The model is that of the code typify writes for a downgraded (3.0) schema: a struct ignores
//! unknown properties unless `additionalProperties: false`; a missing property is accepted when
//! it is optional, nullable (an `Option` field) or has a `default`; an enum accepts its values
//! only. Where the model does not know a construct it answers "no": a union is then left as the
//! document wrote it, never reordered on a guess.

use serde_json::{Map, Value};

/// How deep references and nested schemas are followed (Polar's deepest union arms nest 4-5).
const DEPTH: usize = 12;

/// A schema with its `$ref`s and one-arm `allOf` wrappers resolved, and whether null is allowed
/// along the way (`allOf: [$ref]` + `nullable: true` is the downgrade's nullable reference).
pub struct View<'a> {
    /// The schema object at the end of the references.
    pub schema: &'a Map<String, Value>,
    /// `nullable: true` anywhere on the way.
    pub nullable: bool,
}

/// Resolve `schema` in `doc` (see [`View`]); `None` for a dangling reference or a non-object.
pub fn view<'a>(doc: &'a Value, schema: &'a Value) -> Option<View<'a>> {
    let mut node = schema.as_object()?;
    let mut nullable = false;
    for _ in 0..DEPTH {
        nullable |= node.get("nullable") == Some(&Value::Bool(true));
        if let Some(target) = node.get("$ref").and_then(Value::as_str) {
            node = doc.pointer(target.strip_prefix('#')?)?.as_object()?;
            continue;
        }
        match node
            .get("allOf")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
        {
            Some([only]) if !node.contains_key("properties") => node = only.as_object()?,
            _ => break,
        }
    }
    Some(View {
        schema: node,
        nullable,
    })
}

/// The schema's `type`, `object` when it only lists `properties`.
fn kind(schema: &Map<String, Value>) -> Option<&str> {
    match schema.get("type").and_then(Value::as_str) {
        Some(t) => Some(t),
        None if schema.contains_key("properties") => Some("object"),
        None => None,
    }
}

/// Whether `schema` is an object (a struct or a map once generated), not a union of them.
pub fn is_object(doc: &Value, schema: &Value) -> bool {
    view(doc, schema).is_some_and(|v| {
        kind(v.schema) == Some("object")
            && !["oneOf", "anyOf", "allOf"]
                .iter()
                .any(|key| v.schema.contains_key(*key))
    })
}

/// The properties a value must carry to be accepted (required, not nullable, no default).
pub fn needed(doc: &Value, schema: &Map<String, Value>) -> Vec<String> {
    let props = schema.get("properties").and_then(Value::as_object);
    required(schema)
        .into_iter()
        .filter(|name| {
            let prop = props.and_then(|p| p.get(name));
            let optional = prop
                .and_then(|p| view(doc, p))
                .is_some_and(|v| v.nullable || v.schema.contains_key("default"));
            !optional
        })
        .collect()
}

fn required(schema: &Map<String, Value>) -> Vec<String> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| r.as_str().map(str::to_owned))
        .collect()
}

/// Does the type generated for `a` accept every value of `b`?
pub fn covers(doc: &Value, a: &Value, b: &Value) -> bool {
    covers_at(doc, a, b, 0)
}

fn covers_at(doc: &Value, a: &Value, b: &Value, depth: usize) -> bool {
    if depth > DEPTH {
        return false;
    }
    let (Some(va), Some(vb)) = (view(doc, a), view(doc, b)) else {
        return false;
    };
    if vb.nullable && !va.nullable {
        return false;
    }
    let (sa, sb) = (va.schema, vb.schema);
    if sa == sb {
        return true;
    }
    // Unions: `b` is covered arm by arm; `a` covers what one of its arms covers.
    for key in ["oneOf", "anyOf"] {
        if let Some(arms) = sb.get(key).and_then(Value::as_array) {
            return arms.iter().all(|arm| covers_at(doc, a, arm, depth + 1));
        }
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(arms) = sa.get(key).and_then(Value::as_array) {
            let b = Value::Object(sb.clone());
            return arms.iter().any(|arm| covers_at(doc, arm, &b, depth + 1));
        }
    }
    if sa.contains_key("allOf") || sb.contains_key("allOf") || sa.contains_key("not") {
        return false;
    }
    match (sa.get("enum"), sb.get("enum")) {
        (Some(Value::Array(ea)), Some(Value::Array(eb))) => {
            return eb.iter().all(|v| v.is_null() || ea.contains(v));
        }
        (Some(_), _) => return false,
        _ => {}
    }
    let Some(ta) = kind(sa) else {
        // No type, no enum, no union: anything goes.
        return true;
    };
    let tb = match (kind(sb), sb.get("enum").and_then(Value::as_array)) {
        (Some(t), _) => t,
        // An untyped enum: the type of its values.
        (None, Some(values)) => match values.iter().find(|v| !v.is_null()) {
            Some(Value::String(_)) => "string",
            Some(Value::Bool(_)) => "boolean",
            Some(Value::Number(n)) if n.is_i64() || n.is_u64() => "integer",
            Some(Value::Number(_)) => "number",
            _ => return false,
        },
        (None, None) => return false,
    };
    // Constraints of `a` that `b` does not share may reject some of `b`'s values.
    let constrained = [
        "format",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "minItems",
        "maxItems",
        "uniqueItems",
    ]
    .iter()
    .any(|key| sa.get(*key).is_some_and(|v| sb.get(*key) != Some(v)));
    if constrained {
        return false;
    }
    match (ta, tb) {
        ("number", "integer") => true,
        ("array", "array") => match (sa.get("items"), sb.get("items")) {
            (None, _) => true,
            (Some(ia), Some(ib)) => covers_at(doc, ia, ib, depth + 1),
            (Some(_), None) => false,
        },
        ("object", "object") => object_covers(doc, sa, sb, depth),
        (ta, tb) => ta == tb,
    }
}

/// A struct for `a` accepts every value of `b`: what it needs, `b` always has; what both
/// declare, `a` accepts in `b`'s form; what `b` adds, `a` ignores (unless it refuses unknown
/// properties).
fn object_covers(
    doc: &Value,
    a: &Map<String, Value>,
    b: &Map<String, Value>,
    depth: usize,
) -> bool {
    let empty = Map::new();
    let props_a = a
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let props_b = b
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let always_b = required(b);
    if !needed(doc, a).iter().all(|name| always_b.contains(name)) {
        return false;
    }
    let shared_ok = props_a.iter().all(|(name, pa)| match props_b.get(name) {
        Some(pb) => covers_at(doc, pa, pb, depth + 1),
        None => true,
    });
    if !shared_ok {
        return false;
    }
    let extra: Vec<&Value> = props_b
        .iter()
        .filter(|(name, _)| !props_a.contains_key(*name))
        .map(|(_, schema)| schema)
        .collect();
    match (a.get("additionalProperties"), b.get("additionalProperties")) {
        (None | Some(Value::Bool(true)), _) => true,
        (Some(Value::Bool(false)), Some(Value::Bool(false))) => extra.is_empty(),
        (Some(Value::Bool(false)), _) => false,
        // A map of extra properties: each of `b`'s own must fit it.
        (Some(map), addl_b) => {
            extra.iter().all(|p| covers_at(doc, map, p, depth + 1))
                && addl_b.is_none_or(|addl| covers_at(doc, map, addl, depth + 1))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({"components": {"schemas": {
            "Duration": {"type": "string", "enum": ["once", "forever", "repeating"]}}}})
    }

    #[test]
    fn a_struct_ignores_what_it_does_not_declare_unless_it_refuses_unknown_properties() {
        let d = doc();
        let short = json!({"type": "object", "required": ["id"],
            "properties": {"id": {"type": "string"}}});
        let long = json!({"type": "object", "required": ["id", "n"],
            "properties": {"id": {"type": "string"}, "n": {"type": "integer"}}});
        assert!(covers(&d, &short, &long));
        assert!(!covers(&d, &long, &short));
        let mut strict = short.clone();
        strict["additionalProperties"] = json!(false);
        assert!(!covers(&d, &strict, &long));
    }

    #[test]
    fn a_required_property_that_is_nullable_or_defaulted_is_not_needed() {
        let d = doc();
        let a = json!({"type": "object", "required": ["x", "y"], "properties": {
            "x": {"type": "string", "nullable": true},
            "y": {"type": "string", "default": "v"}}});
        assert!(covers(&d, &a, &json!({"type": "object", "properties": {}})));
        assert_eq!(needed(&d, a.as_object().unwrap()), Vec::<String>::new());
    }

    #[test]
    fn enums_cover_by_value_and_a_shared_reference_covers_itself() {
        let d = doc();
        let r = json!({"$ref": "#/components/schemas/Duration"});
        assert!(covers(&d, &r, &r));
        assert!(covers(&d, &r, &json!({"type": "string", "enum": ["once"]})));
        assert!(!covers(
            &d,
            &json!({"type": "string", "enum": ["a"]}),
            &json!({"type": "string", "enum": ["b"]})
        ));
        assert!(!covers(
            &d,
            &json!({"type": "string", "enum": ["a"]}),
            &json!({"type": "string"})
        ));
        assert!(covers(
            &d,
            &json!({"type": "string"}),
            &json!({"enum": ["a"]})
        ));
    }

    #[test]
    fn null_formats_and_bounds_are_not_covered_by_a_schema_that_refuses_them() {
        let d = doc();
        let nullable = json!({"type": "string", "nullable": true});
        assert!(!covers(&d, &json!({"type": "string"}), &nullable));
        assert!(covers(&d, &nullable, &json!({"type": "string"})));
        assert!(!covers(
            &d,
            &json!({"type": "string", "format": "uuid"}),
            &json!({"type": "string"})
        ));
        assert!(covers(
            &d,
            &json!({"type": "number"}),
            &json!({"type": "integer"})
        ));
        assert!(!covers(
            &d,
            &json!({"type": "integer", "maximum": 3}),
            &json!({"type": "integer"})
        ));
    }

    #[test]
    fn a_dangling_reference_covers_nothing() {
        let d = doc();
        let missing = json!({"$ref": "#/components/schemas/Nope"});
        assert!(!covers(&d, &missing, &json!({"type": "string"})));
        assert!(!is_object(&d, &missing));
    }
}
