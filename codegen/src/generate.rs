//! Run progenitor on the downgraded, shaped document and pretty-print the result.

use std::cell::Cell;
use std::collections::BTreeSet;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

use crate::walk::METHODS;
use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle, TypeImpl};
use serde_json::Value;

use crate::error::{Error, escape_token, pointer};
use crate::secrets;
use crate::shape::{
    AUTHORIZE_RESPONSE, CLIENT_REGISTRATION, CLIENT_UPDATE, INTROSPECTION, REGISTERED_CLIENT,
    SCOPE_DISPLAY_NAMES, TOKEN_REQUEST, USER_INFO,
};

/// Spec schemas the facade replaces, by component key, with the Rust type used instead: the
/// unions and open types of [`crate::shape`], then one secret type per entry of
/// [`crate::secrets::SECRET_FIELDS`].
///
/// progenitor silently ignores a replacement whose name matches no schema (the generated type
/// comes back, and with it the mis-decoding unions), so [`check_replacements`] refuses that.
pub fn replacements() -> Vec<(String, String)> {
    let facade = [
        (AUTHORIZE_RESPONSE, "crate::authorize::AuthorizeResponse"),
        (TOKEN_REQUEST, "crate::token::TokenRequest"),
        ("TokenResponse", "crate::token::Token"),
        ("Scope", "crate::scope::Scope"),
        (SCOPE_DISPLAY_NAMES, "crate::scope::ScopeDisplayNames"),
        (USER_INFO, "crate::oauth2::userinfo::UserInfo"),
        (INTROSPECTION, "crate::oauth2::introspect::Introspection"),
        (
            REGISTERED_CLIENT,
            "crate::oauth2::clients::RegisteredClient",
        ),
        (
            CLIENT_REGISTRATION,
            "crate::oauth2::clients::ClientRegistration",
        ),
        (CLIENT_UPDATE, "crate::oauth2::clients::ClientUpdate"),
    ];
    facade
        .iter()
        .map(|(schema, rust_type)| ((*schema).to_owned(), (*rust_type).to_owned()))
        .chain(secrets::SECRET_FIELDS.iter().map(|(_, rust_type)| {
            (
                secrets::component_name(rust_type),
                format!("crate::secret::{rust_type}"),
            )
        }))
        .collect()
}

/// Per-client state the facade's hooks read (user agent, `Polar-Version`, timeout).
pub const INNER_TYPE: &str = "crate::client::Hooks";

/// The generator settings, chosen on purpose:
/// - `Positional` + `Merged`: one method per operation on one `Client`. The facade calls these
///   methods, never users, so a builder interface buys nothing; `Separate` tags are either
///   unimplemented (positional) or ambiguous for Polar's `[oauth2, public]` tags (builder).
/// - `HooksMode::Expected`: the facade implements `ClientHooks` itself (user agent,
///   `Polar-Version`, no `api-version`, sensitive bearer header, body size cap); a missing
///   implementation is then one clear compile error. The hooks read [`INNER_TYPE`].
/// - replacements: the facade's types for what typify gets wrong, and the secret types (see
///   [`replacements`]).
pub fn settings() -> GenerationSettings {
    let mut settings = GenerationSettings::new();
    settings
        .with_interface(InterfaceStyle::Positional)
        .with_tag(TagStyle::Merged)
        .with_hooks(HooksMode::Expected)
        .with_inner_type(INNER_TYPE.parse().unwrap_or_default());
    for (schema, rust_type) in replacements() {
        settings.with_replacement(&schema, &rust_type, std::iter::empty::<TypeImpl>());
    }
    settings
}

/// Every replaced schema must exist after shaping.
pub fn check_replacements(doc: &Value) -> Result<(), Error> {
    for (schema, rust_type) in replacements() {
        let ptr = format!("/components/schemas/{}", escape_token(&schema));
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

/// Every operation needs an `operationId`, unique in the document: progenitor names the client
/// method after it, and reports a missing or repeated one without saying where.
pub fn check_operation_ids(doc: &Value) -> Result<(), Error> {
    let mut seen: Vec<(&str, String)> = Vec::new();
    for (path, item) in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for (method, op) in item.as_object().into_iter().flatten() {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            let ptr = pointer(["paths", path.as_str(), method.as_str()]);
            let Some(id) = op.get("operationId").and_then(Value::as_str) else {
                return Err(Error::at(
                    ptr,
                    "the operation has no `operationId`; the client method is named after it",
                ));
            };
            if let Some((_, first)) = seen.iter().find(|(seen_id, _)| *seen_id == id) {
                return Err(Error::at(
                    format!("{ptr}/operationId"),
                    format!(
                        "`operationId` `{id}` is already used at #{first}; each operation needs its own"
                    ),
                ));
            }
            seen.push((id, ptr));
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
    check_operation_ids(doc)?;
    check_replacements(doc)?;
    let spec = parse_openapi(doc)?;
    let tokens = run_progenitor(&spec).map_err(|message| {
        let ptr = locate_generator_failure(doc).unwrap_or_default();
        Error::at(
            ptr,
            format!("progenitor cannot generate this: {}", one_line(&message)),
        )
    })?;
    let file = syn::parse2::<syn::File>(tokens).map_err(|e| {
        Error::at(
            "",
            format!("progenitor produced code that does not parse: {e}"),
        )
    })?;
    Ok(prettyplease::unparse(&file))
}

/// A generator message on one line, at most 300 characters (some are whole `Debug` dumps).
fn one_line(message: &str) -> String {
    let line = message.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(300) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

thread_local! {
    /// Set while this thread runs the generator: its panics are caught and reported, not printed.
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// Run `f`, catching a panic without the default printout (a backtrace from inside the
/// generator). The panic hook is process-wide: swapping it around each call would race with
/// other threads (tests run in parallel) and could leave every later panic silent, so a hook
/// that stays quiet only on a thread inside `f` is installed once, in front of the previous one.
fn quietly<T>(f: impl FnOnce() -> T) -> std::thread::Result<T> {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                previous(info);
            }
        }));
    });
    let was_quiet = QUIET.with(|q| q.replace(true));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(was_quiet));
    result
}

/// progenitor reports some problems as errors and others as panics (`todo!`); both become a
/// message here.
fn run_progenitor(spec: &openapiv3::OpenAPI) -> Result<proc_macro2::TokenStream, String> {
    let result = quietly(|| Generator::new(&settings()).generate_tokens(spec));
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

/// Find the operation or schema at fault by generating smaller documents: first each path
/// alone, then each of its operations alone; or, when the schemas alone fail, each schema with
/// the schemas it refers to, smallest first (so a schema is blamed before the ones using it).
/// Only runs when generation already failed.
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
                let path_ptr = pointer(["paths", path.as_str()]);
                let Some(item) = item.as_object() else {
                    return Some(path_ptr);
                };
                for method in METHODS.iter().filter(|m| item.contains_key(**m)) {
                    let mut only = item.clone();
                    only.retain(|key, _| key == method || !METHODS.contains(&key.as_str()));
                    let mut one = without_paths.clone();
                    one["paths"][path] = Value::Object(only);
                    if fails(&one) {
                        return Some(format!("{path_ptr}/{method}"));
                    }
                }
                return Some(path_ptr);
            }
        }
        return None;
    }
    let schemas = doc.pointer("/components/schemas")?.as_object()?;
    let mut candidates: Vec<(&String, BTreeSet<String>)> = schemas
        .keys()
        .map(|name| (name, referenced_schemas(schemas, name)))
        .collect();
    candidates.sort_by_key(|(_, closure)| closure.len());
    for (name, closure) in candidates {
        let mut one = without_paths.clone();
        one["components"]["schemas"] = closure
            .iter()
            .filter_map(|n| Some((n.clone(), schemas.get(n)?.clone())))
            .collect::<serde_json::Map<_, _>>()
            .into();
        if fails(&one) {
            return Some(pointer(["components", "schemas", name.as_str()]));
        }
    }
    None
}

/// `name` and every component schema it refers to, directly or not.
fn referenced_schemas(schemas: &serde_json::Map<String, Value>, name: &str) -> BTreeSet<String> {
    fn refs(node: &Value, out: &mut Vec<String>) {
        match node {
            Value::Object(map) => {
                if let Some(target) = map
                    .get("$ref")
                    .and_then(Value::as_str)
                    .and_then(|r| r.strip_prefix("#/components/schemas/"))
                {
                    out.push(target.replace("~1", "/").replace("~0", "~"));
                }
                map.values().for_each(|v| refs(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut seen = BTreeSet::new();
    let mut todo = vec![name.to_owned()];
    while let Some(next) = todo.pop() {
        if let Some(schema) = schemas.get(&next)
            && seen.insert(next)
        {
            refs(schema, &mut todo);
        }
    }
    seen
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
    fn missing_and_repeated_operation_ids_are_named() {
        let doc = json!({"paths": {"/a": {"parameters": [], "get": {"operationId": "x"},
                                          "put": {}}}});
        assert_eq!(
            check_operation_ids(&doc).unwrap_err().pointer,
            "/paths/~1a/put"
        );
        let doc = json!({"paths": {"/a": {"get": {"operationId": "x"}},
                                   "/b": {"post": {"operationId": "x"}}}});
        let e = check_operation_ids(&doc).unwrap_err();
        assert_eq!(e.pointer, "/paths/~1b/post/operationId");
        assert!(e.message.contains("#/paths/~1a/get"), "{e}");
    }

    #[test]
    fn generator_messages_fit_on_one_line() {
        assert_eq!(
            one_line("a:\n  MediaType {\n    x\n}"),
            "a: MediaType { x }"
        );
        assert_eq!(one_line(&"é".repeat(400)).chars().count(), 301);
    }

    #[test]
    fn a_caught_panic_leaves_the_panic_hook_working() {
        assert!(quietly(|| panic!("inside the generator")).is_err());
        assert!(!QUIET.with(Cell::get));
        assert_eq!(quietly(|| 1).ok(), Some(1));
    }

    #[test]
    fn referenced_schemas_follow_refs_transitively() {
        let schemas = json!({"A": {"properties": {"b": {"$ref": "#/components/schemas/B"}}},
                             "B": {"items": {"$ref": "#/components/schemas/C"}},
                             "C": {"$ref": "#/components/schemas/A"}, "D": {}});
        let closure = referenced_schemas(schemas.as_object().unwrap(), "B");
        assert_eq!(closure.into_iter().collect::<Vec<_>>(), ["A", "B", "C"]);
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
