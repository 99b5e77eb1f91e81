//! Running progenitor: the document read by openapiv3 (a mismatch named by its pointer), the
//! generator's panics caught, and a failure traced to the operation or schema at fault, so that
//! a build error names a JSON pointer instead of printing a backtrace.

use std::cell::Cell;
use std::collections::BTreeSet;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

use progenitor::{GenerationSettings, Generator};
use serde_json::{Value, json};

use crate::error::{Error, escape_token, pointer};
use crate::select;
use crate::walk::METHODS;

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

/// A generator message on one line, at most 300 characters (some are whole `Debug` dumps).
pub fn one_line(message: &str) -> String {
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
pub fn run_progenitor(
    spec: &openapiv3::OpenAPI,
    settings: &GenerationSettings,
) -> Result<proc_macro2::TokenStream, String> {
    let result = quietly(|| Generator::new(settings).generate_tokens(spec));
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

/// Find the operation or schema at fault by generating smaller documents that fail with the
/// *same* message as the whole one (`failure`): a document can fail for several reasons, and the
/// first operation failing for any of them is not the cause of this one. First each path alone
/// with only the components it reaches, then each of its operations alone; or, when the
/// components alone fail, each schema with the schemas it refers to, smallest first (so a schema
/// is blamed before the ones using it). Only runs when generation already failed.
pub fn locate_generator_failure(
    doc: &Value,
    settings: &GenerationSettings,
    failure: &str,
) -> Option<String> {
    let fails = |candidate: &Value| match parse_openapi(candidate) {
        Ok(spec) => run_progenitor(&spec, settings)
            .err()
            .is_some_and(|m| m == failure),
        Err(_) => false,
    };
    let alone = |paths: Value| {
        let mut one = doc.clone();
        one["paths"] = paths;
        select::prune(&mut one);
        one
    };
    let mut without_paths = doc.clone();
    without_paths["paths"] = Value::Object(Default::default());
    if !fails(&without_paths) {
        for (path, item) in doc["paths"].as_object()? {
            if !fails(&alone(json!({ path: item }))) {
                continue;
            }
            let path_ptr = pointer(["paths", path.as_str()]);
            let Some(item) = item.as_object() else {
                return Some(path_ptr);
            };
            for method in METHODS.iter().filter(|m| item.contains_key(**m)) {
                let mut only = item.clone();
                only.retain(|key, _| key == method || !METHODS.contains(&key.as_str()));
                if fails(&alone(json!({ path: only }))) {
                    return Some(format!("{path_ptr}/{method}"));
                }
            }
            return Some(path_ptr);
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

    /// The bug this guards against: progenitor reads every operation's parameters before it
    /// writes any method, so a document can fail on a deepObject parameter of a *later* path
    /// while an earlier path (two error bodies: a failure of the writing phase) also fails
    /// alone, and must not be blamed.
    #[test]
    fn the_locator_blames_the_construct_that_fails_the_document_not_the_first_failing_path() {
        let error = |schema: &str| {
            json!({"description": "x", "content": {"application/json": {"schema": {
                "$ref": format!("#/components/schemas/{schema}")}}}})
        };
        let doc = json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {
                "/v1/organizations/{id}": {"get": {"operationId": "org",
                    "parameters": [{"name": "id", "in": "path", "required": true,
                                    "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "ok"},
                                  "404": error("NotFound"), "422": error("Invalid")}}},
                "/v1/orders/": {"get": {"operationId": "orders",
                    "parameters": [{"name": "metadata", "in": "query", "style": "deepObject",
                                    "schema": {"type": "object"}}],
                    "responses": {"200": {"description": "ok"}}}}},
            "components": {"schemas": {
                "NotFound": {"type": "object", "properties": {"detail": {"type": "string"}}},
                "Invalid": {"type": "object", "properties": {"loc": {"type": "string"}}}}}});
        let settings = GenerationSettings::new();
        let spec = parse_openapi(&doc).unwrap();
        let failure = run_progenitor(&spec, &settings).unwrap_err();
        assert!(
            failure.contains("unsupported style of query parameter"),
            "{failure}"
        );
        // The first path does fail alone, for its own reason.
        let mut first = doc.clone();
        first["paths"]
            .as_object_mut()
            .unwrap()
            .remove("/v1/orders/");
        let alone = run_progenitor(&parse_openapi(&first).unwrap(), &settings).unwrap_err();
        assert!(alone.contains("response_types.len() <= 1"), "{alone}");
        assert_eq!(
            locate_generator_failure(&doc, &settings, &failure).as_deref(),
            Some("/paths/~1v1~1orders~1/get")
        );
    }

    #[test]
    fn serde_paths_become_pointers() {
        assert_eq!(path_to_pointer("paths./v1/x.get"), "/paths/~1v1~1x/get");
        assert_eq!(path_to_pointer("."), "");
    }
}
