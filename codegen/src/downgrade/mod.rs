//! OpenAPI 3.1 -> 3.0 rewrites, so that openapiv3 and progenitor read Polar's documents.
//!
//! One small named function per construct. Each says why it exists; each is tested on a minimal
//! input. A construct none of them knows is reported as a warning (never silently dropped), and
//! [`downgrade`] returns those warnings for the build script to print.

mod schema;
#[cfg(test)]
mod tests;

use serde_json::{Value, json};

use crate::error::{Error, escape_token};
use crate::refs::check_refs;
use crate::walk::{for_each_schema, for_each_schema_mut};

use schema::{
    const_to_enum, discriminator_mapping_refs, examples_to_example, exclusive_bounds,
    null_arm_to_nullable, null_type_to_nullable, ref_siblings_to_all_of, uuid4_format,
};

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
pub(crate) fn drop_patterns(doc: &mut Value) -> Option<String> {
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
pub(crate) fn openapi_version(doc: &mut Value) -> Result<(), Error> {
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
pub(crate) fn drop_31_top_level(doc: &mut Value, warnings: &mut Vec<String>) {
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
pub(crate) fn info_summary(doc: &mut Value) {
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
