//! Run progenitor on the downgraded, shaped document and pretty-print the result.

use std::panic::{self, AssertUnwindSafe};

use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle, TypeImpl};
use serde_json::Value;

use crate::error::{Error, escape_token};
use crate::shape::{AUTHORIZE_RESPONSE, SCOPE_DISPLAY_NAMES, TOKEN_REQUEST};

/// Spec schemas the facade replaces, by component key, with the Rust type used instead.
///
/// progenitor silently ignores a replacement whose name matches no schema (the generated type
/// comes back, and with it the mis-decoding unions), so [`check_replacements`] refuses that.
pub const REPLACEMENTS: [(&str, &str); 5] = [
    (AUTHORIZE_RESPONSE, "crate::authorize::AuthorizeResponse"),
    (TOKEN_REQUEST, "crate::token::TokenRequest"),
    ("TokenResponse", "crate::token::Token"),
    ("Scope", "crate::scope::Scope"),
    (SCOPE_DISPLAY_NAMES, "crate::scope::ScopeDisplayNames"),
];

/// The generator settings, chosen on purpose:
/// - `Positional` + `Merged`: one method per operation on one `Client`. The facade calls these
///   methods, never users, so a builder interface buys nothing; `Separate` tags are either
///   unimplemented (positional) or ambiguous for Polar's `[oauth2, public]` tags (builder).
/// - `HooksMode::Expected`: the facade implements `ClientHooks` itself (user agent,
///   `Polar-Version`, no `api-version`, sensitive bearer header, body size cap); a missing
///   implementation is then one clear compile error.
/// - replacements: the facade's types for what typify gets wrong (see [`REPLACEMENTS`]).
pub fn settings() -> GenerationSettings {
    let mut settings = GenerationSettings::new();
    settings
        .with_interface(InterfaceStyle::Positional)
        .with_tag(TagStyle::Merged)
        .with_hooks(HooksMode::Expected);
    for (schema, rust_type) in REPLACEMENTS {
        settings.with_replacement(schema, rust_type, std::iter::empty::<TypeImpl>());
    }
    settings
}

/// Every replaced schema must exist after shaping.
pub fn check_replacements(doc: &Value) -> Result<(), Error> {
    for (schema, rust_type) in REPLACEMENTS {
        let ptr = format!("/components/schemas/{}", escape_token(schema));
        if doc.pointer(&ptr).is_none() {
            return Err(Error::at(
                ptr,
                format!(
                    "schema `{schema}` (replaced by `{rust_type}`) is missing; without it the facade type would be silently ignored"
                ),
            ));
        }
    }
    Ok(())
}

/// Every local `$ref` must resolve; progenitor would otherwise fail far from the cause.
pub fn check_refs(doc: &Value) -> Result<(), Error> {
    fn walk(doc: &Value, node: &Value, ptr: &mut String) -> Result<(), Error> {
        match node {
            Value::Object(map) => {
                if let Some(Value::String(reference)) = map.get("$ref") {
                    let target = reference.strip_prefix('#').ok_or_else(|| {
                        Error::at(
                            format!("{ptr}/$ref"),
                            format!("only local references are supported, found `{reference}`"),
                        )
                    })?;
                    if doc.pointer(target).is_none() {
                        return Err(Error::at(
                            format!("{ptr}/$ref"),
                            format!("`$ref` to `{reference}`, which does not exist"),
                        ));
                    }
                }
                for (key, value) in map {
                    let len = ptr.len();
                    ptr.push('/');
                    ptr.push_str(&escape_token(key));
                    walk(doc, value, ptr)?;
                    ptr.truncate(len);
                }
                Ok(())
            }
            Value::Array(items) => {
                for (i, value) in items.iter().enumerate() {
                    let len = ptr.len();
                    ptr.push_str(&format!("/{i}"));
                    walk(doc, value, ptr)?;
                    ptr.truncate(len);
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
    walk(doc, doc, &mut String::new())
}

/// Parse the (3.0) document with openapiv3; a mismatch names the field that failed.
pub fn parse_openapi(doc: &Value) -> Result<openapiv3::OpenAPI, Error> {
    serde_path_to_error::deserialize(doc).map_err(|e| {
        let ptr = path_to_pointer(&e.path().to_string());
        Error::at(
            ptr,
            format!("not a valid OpenAPI 3.0 document here: {}", e.inner()),
        )
    })
}

/// serde_path_to_error's `paths./v1/x.get` -> `/paths/~1v1~1x/get` (best effort).
fn path_to_pointer(path: &str) -> String {
    if path == "." {
        return String::new();
    }
    path.split('.')
        .map(|t| {
            let t = t.trim_start_matches('[').trim_end_matches(']');
            format!("/{}", escape_token(t))
        })
        .collect()
}

/// Generate the client source for a 3.0 document.
pub fn generate(doc: &Value) -> Result<String, Error> {
    check_refs(doc)?;
    check_replacements(doc)?;
    let spec = parse_openapi(doc)?;
    let tokens = run_progenitor(&spec).map_err(|message| {
        let ptr = locate_generator_failure(doc).unwrap_or_default();
        Error::at(ptr, format!("progenitor cannot generate this: {message}"))
    })?;
    let file = syn::parse2::<syn::File>(tokens).map_err(|e| {
        Error::at(
            "",
            format!("progenitor produced code that does not parse: {e}"),
        )
    })?;
    Ok(prettyplease::unparse(&file))
}

/// progenitor reports some problems as errors and others as panics (`todo!`); both become a
/// message here, and the panic's default printout (a backtrace from inside the generator) is
/// suppressed.
fn run_progenitor(spec: &openapiv3::OpenAPI) -> Result<proc_macro2::TokenStream, String> {
    let previous_hook = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        Generator::new(&settings()).generate_tokens(spec)
    }));
    panic::set_hook(previous_hook);
    match result {
        Ok(Ok(tokens)) => Ok(tokens),
        Ok(Err(e)) => Err(e.to_string()),
        Err(payload) => Err(payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "the generator panicked".to_owned())),
    }
}

/// Find the path or schema at fault by generating smaller documents: first each path alone,
/// then each schema alone. Only runs when generation already failed.
fn locate_generator_failure(doc: &Value) -> Option<String> {
    let fails = |candidate: &Value| {
        parse_openapi(candidate)
            .ok()
            .is_none_or(|spec| run_progenitor(&spec).is_err())
    };
    let mut without_paths = doc.clone();
    without_paths["paths"] = Value::Object(Default::default());
    if !fails(&without_paths) {
        for (path, item) in doc["paths"].as_object()? {
            let mut one = without_paths.clone();
            one["paths"][path] = item.clone();
            if fails(&one) {
                return Some(format!("/paths/{}", escape_token(path)));
            }
        }
        return None;
    }
    let schemas = doc.pointer("/components/schemas")?.as_object()?;
    for (name, schema) in schemas {
        let mut one = without_paths.clone();
        one["components"]["schemas"] = serde_json::json!({ name: schema });
        let self_contained = check_refs(&one).is_ok();
        if self_contained && fails(&one) {
            return Some(format!("/components/schemas/{}", escape_token(name)));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dangling_ref_is_named_by_pointer() {
        let doc = json!({"paths": {"/a": {"get": {"responses": {"200": {"content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Nope"}}}}}}}}});
        let e = check_refs(&doc).unwrap_err();
        assert_eq!(
            e.pointer,
            "/paths/~1a/get/responses/200/content/application~1json/schema/$ref"
        );
        assert!(e.message.contains("#/components/schemas/Nope"), "{e}");
    }

    #[test]
    fn missing_replacement_target_is_refused() {
        let doc = json!({"components": {"schemas": {}}});
        let e = check_replacements(&doc).unwrap_err();
        assert!(e.message.contains("silently ignored"), "{e}");
    }

    #[test]
    fn serde_paths_become_pointers() {
        assert_eq!(path_to_pointer("paths./v1/x.get"), "/paths/~1v1~1x/get");
        assert_eq!(path_to_pointer("."), "");
    }
}
