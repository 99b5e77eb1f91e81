//! Reading one schema or holder object: its type head, which keywords only document, which
//! components it references, and the security it requires.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde_json::{Map, Value};

use super::model::SecurityScheme;

/// Schema keywords that only document: they never change what a client sends or accepts.
pub(super) const COSMETIC: &[&str] = &[
    "title",
    "description",
    "default",
    "example",
    "examples",
    "enumNames",
    "deprecated",
    "externalDocs",
    "xml",
    "readOnly",
    "writeOnly",
    "$comment",
];

/// Schema keywords this module interprets into a node's type, fields, values or arms.
pub(super) const STRUCTURAL: &[&str] = &[
    "type",
    "format",
    "$ref",
    "nullable",
    "enum",
    "properties",
    "required",
    "items",
    "additionalProperties",
    "oneOf",
    "anyOf",
    "allOf",
    "discriminator",
];

/// Is `key` documentation only (see [`COSMETIC`]) or a vendor extension?
pub(super) fn is_cosmetic(key: &str) -> bool {
    key.starts_with("x-") || COSMETIC.contains(&key)
}

/// The entries of `holder` whose key passes `keep`, as a sorted map.
pub(super) fn cosmetic_of(holder: &Value, keep: impl Fn(&str) -> bool) -> BTreeMap<String, Value> {
    holder
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| keep(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

pub(super) fn security_scheme(scheme: &Value) -> SecurityScheme {
    let field = |k: &str| scheme.get(k).and_then(Value::as_str).unwrap_or("?");
    let ty = field("type");
    let kind = match ty {
        "http" => {
            let mut kind = format!("http {}", field("scheme"));
            if let Some(format) = scheme.get("bearerFormat").and_then(Value::as_str) {
                let _ = write!(kind, " ({format})");
            }
            kind
        }
        "apiKey" => format!("apiKey {}:{}", field("in"), field("name")),
        "openIdConnect" => format!("openIdConnect {}", field("openIdConnectUrl")),
        "oauth2" => format!(
            "oauth2 {}",
            scheme
                .get("flows")
                .map(Value::to_string)
                .unwrap_or_default()
        ),
        other => other.to_owned(),
    };
    SecurityScheme {
        kind,
        cosmetic: cosmetic_of(scheme, |k| k == "description" || k.starts_with("x-")),
    }
}

/// The name of the component a `#/components/schemas/NAME` reference points to.
pub(super) fn schema_ref_name(reference: &str) -> Option<String> {
    reference
        .strip_prefix("#/components/schemas/")
        .map(|name| name.replace("~1", "/").replace("~0", "~"))
}

/// How a reference is shown: the component name, or the reference itself.
pub(super) fn ref_display(reference: &str) -> String {
    schema_ref_name(reference).unwrap_or_else(|| reference.to_owned())
}

/// Every schema component referenced anywhere inside `value` (`$ref`s and discriminator
/// mapping targets).
pub(super) fn collect_refs(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                if key == "$ref" {
                    if let Some(name) = child.as_str().and_then(schema_ref_name) {
                        out.insert(name);
                    }
                } else if key == "mapping" {
                    for target in child.as_object().into_iter().flatten().map(|(_, t)| t) {
                        if let Some(name) = target.as_str().and_then(schema_ref_name) {
                            out.insert(name);
                        }
                    }
                }
                collect_refs(child, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_refs(item, out)),
        _ => {}
    }
}

/// Is `schema` shown well enough by its head in the parent's type (`Scope`, `string(uri)`)?
pub(super) fn is_plain(schema: &Value) -> bool {
    match schema {
        Value::Object(map) => {
            map.keys().all(|k| k == "type" || k == "format")
                || (map.len() == 1 && map.contains_key("$ref"))
        }
        Value::Bool(true) => true,
        _ => false,
    }
}

/// A single-arm `allOf` of an inline schema (the downgrade leaves `allOf: [$ref]`): merge the arm
/// into the outer schema, the outer keywords winning.
pub(super) fn flatten_single_all_of(schema: &Map<String, Value>) -> Option<Map<String, Value>> {
    let [Value::Object(arm)] = schema.get("allOf")?.as_array()?.as_slice() else {
        return None;
    };
    if arm.contains_key("$ref") {
        return None;
    }
    let mut merged = schema.clone();
    merged.remove("allOf");
    for (k, v) in arm {
        merged.entry(k.clone()).or_insert_with(|| v.clone());
    }
    Some(merged)
}

/// The type head of a schema, as its parent shows it.
pub(super) fn head(schema: &Value) -> String {
    let map = match schema {
        Value::Object(map) => map,
        Value::Bool(true) => return "any".into(),
        Value::Bool(false) => return "never".into(),
        other => return format!("invalid schema {other}"),
    };
    if let Some(merged) = flatten_single_all_of(map) {
        return head(&Value::Object(merged));
    }
    if let Some(reference) = map.get("$ref") {
        return match reference.as_str() {
            Some(r) => ref_display(r),
            None => format!("invalid $ref {reference}"),
        };
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(Value::Array(arms)) = map.get(key) {
            if key == "allOf" && arms.len() == 1 {
                return head(&arms[0]);
            }
            return key.into();
        }
    }
    let ty = match map.get("type") {
        Some(Value::String(t)) => Some(t.clone()),
        Some(Value::Array(ts)) => Some(
            ts.iter()
                .map(|t| t.as_str().map_or_else(|| t.to_string(), str::to_owned))
                .collect::<Vec<_>>()
                .join(" | "),
        ),
        Some(other) => Some(other.to_string()),
        None => None,
    };
    let is_array = ty.as_deref() == Some("array") || (ty.is_none() && map.contains_key("items"));
    if is_array {
        let items = map.get("items").map_or_else(|| "any".into(), head);
        return format!("array<{items}>");
    }
    let is_object = ty.as_deref() == Some("object")
        || (ty.is_none()
            && (map.contains_key("properties") || map.contains_key("additionalProperties")));
    if is_object {
        let has_props = map
            .get("properties")
            .and_then(Value::as_object)
            .is_some_and(|p| !p.is_empty());
        return match map.get("additionalProperties") {
            Some(Value::Bool(false)) | None => "object".into(),
            Some(_) if has_props => "object".into(),
            Some(Value::Bool(true)) => "map<any>".into(),
            Some(ap) => format!("map<{}>", head(ap)),
        };
    }
    match (ty, map.get("format").and_then(Value::as_str)) {
        (Some(t), Some(f)) => format!("{t}({f})"),
        (Some(t), None) => t,
        (None, _)
            if map
                .get("enum")
                .is_some_and(|e| e == &serde_json::json!([null])) =>
        {
            "null".into()
        }
        (None, _) if map.contains_key("enum") => "enum".into(),
        (None, _) => "any".into(),
    }
}

/// The documentation entries of a parameter/body/response/header/media object, keyed
/// `prefix.key`; `skip` lists the keys interpreted elsewhere.
pub(super) fn prefixed(holder: &Value, prefix: &str, skip: &[&str]) -> BTreeMap<String, Value> {
    cosmetic_of(holder, |k| !skip.contains(&k) && k != "$ref")
        .into_iter()
        .map(|(k, v)| (format!("{prefix}.{k}"), v))
        .collect()
}

/// Effective security alternatives: `none` for anonymous access (no requirement, an empty list
/// or an empty requirement object), else `a + b[scope]` per requirement object.
pub(super) fn security_alternatives(security: Option<&Value>) -> BTreeSet<String> {
    let mut alternatives = BTreeSet::new();
    for requirement in security.and_then(Value::as_array).into_iter().flatten() {
        let mut schemes: Vec<String> = requirement
            .as_object()
            .into_iter()
            .flatten()
            .map(|(name, scopes)| {
                let scopes: Vec<&str> = scopes
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                if scopes.is_empty() {
                    name.clone()
                } else {
                    format!("{name}[{}]", scopes.join(" "))
                }
            })
            .collect();
        schemes.sort();
        alternatives.insert(if schemes.is_empty() {
            "none".to_owned()
        } else {
            schemes.join(" + ")
        });
    }
    if alternatives.is_empty() {
        alternatives.insert("none".to_owned());
    }
    alternatives
}
