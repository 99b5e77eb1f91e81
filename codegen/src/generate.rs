//! Run progenitor on the downgraded, shaped document and pretty-print the result.

use std::cell::Cell;
use std::collections::BTreeSet;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

use crate::walk::METHODS;
use heck::ToUpperCamelCase;
use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle, TypeImpl};
use serde_json::{Value, json};

use crate::error::{Error, escape_token, pointer};
use crate::secrets;
use crate::shape::{
    AUTHORIZE_RESPONSE, CLIENT_REGISTRATION, CLIENT_UPDATE, DEEP_OBJECT_EXTENSION, INTROSPECTION,
    Names, REGISTERED_CLIENT, SCOPE_DISPLAY_NAMES, TOKEN_REQUEST, USER_INFO,
};
use crate::{rust_names, select};

/// Spec schemas the facade replaces, by component key, with the Rust type used instead: the
/// unions and open types of [`crate::shape`] under the names it chose (read from the shaped
/// document, see [`Names`]), one secret type per entry of [`crate::secrets::SECRET_FIELDS`], and
/// the deepObject query parameters' types this module writes (`deep_object_types`).
///
/// progenitor silently ignores a replacement whose name matches no schema (the generated type
/// comes back, and with it the mis-decoding unions), so [`check_replacements`] refuses that.
pub fn replacements(doc: &Value) -> Vec<(String, String)> {
    let names = Names::from_doc(doc);
    let facade = [
        (AUTHORIZE_RESPONSE, "crate::authorize::AuthorizeResponse"),
        (TOKEN_REQUEST, "crate::token::TokenRequest"),
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
    // Polar's own schemas, by their names in the document.
    let document = [
        ("TokenResponse", "crate::token::Token"),
        ("Scope", "crate::scope::Scope"),
    ];
    facade
        .iter()
        .map(|(wanted, rust_type)| (names.get(wanted), (*rust_type).to_owned()))
        .chain(
            document
                .iter()
                .map(|(schema, rust_type)| ((*schema).to_owned(), (*rust_type).to_owned())),
        )
        .chain(secrets::SECRET_FIELDS.iter().map(|(_, rust_type)| {
            (
                names.get(&secrets::component_name(rust_type)),
                format!("crate::secret::{rust_type}"),
            )
        }))
        .chain(deep_objects(doc).into_iter().map(|d| {
            (
                d.component,
                format!("{GENERATED_MODULE}::deep_object::{}", d.rust_name),
            )
        }))
        .collect()
}

/// Where the library includes the generated file: the path of the types this module writes.
pub const GENERATED_MODULE: &str = "crate::generated";

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
pub fn settings(doc: &Value) -> GenerationSettings {
    let mut settings = GenerationSettings::new();
    settings
        .with_interface(InterfaceStyle::Positional)
        .with_tag(TagStyle::Merged)
        .with_hooks(HooksMode::Expected)
        .with_inner_type(INNER_TYPE.parse().unwrap_or_default());
    for (schema, rust_type) in replacements(doc) {
        settings.with_replacement(&schema, &rust_type, std::iter::empty::<TypeImpl>());
    }
    settings
}

/// Every replaced schema must exist after shaping.
pub fn check_replacements(doc: &Value) -> Result<(), Error> {
    for (schema, rust_type) in replacements(doc) {
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
    let mut doc = doc.clone();
    rust_names::distinct_type_names(&mut doc);
    let variants = rust_names::distinct_enum_variants(&mut doc);
    let spec = parse_openapi(&doc)?;
    let settings = settings(&doc);
    let tokens = run_progenitor(&spec, &settings).map_err(|message| {
        let ptr = locate_generator_failure(&doc, &settings, &message).unwrap_or_default();
        Error::at(
            ptr,
            format!("progenitor cannot generate this: {}", one_line(&message)),
        )
    })?;
    let tokens = variants.restore(tokens);
    let mut file = syn::parse2::<syn::File>(tokens).map_err(|e| {
        Error::at(
            "",
            format!("progenitor produced code that does not parse: {e}"),
        )
    })?;
    file.items.extend(deep_object_types(&doc)?);
    crate::requests::rewrite(&mut file).map_err(|message| {
        Error::at(
            "",
            format!("cannot rewrite progenitor's request building: {message}"),
        )
    })?;
    Ok(prettyplease::unparse(&file))
}

/// A deepObject query parameter (see [`crate::shape::deep_object_parameters`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeepObject {
    /// The component that stands for it.
    pub component: String,
    /// The parameter's name in the query (`metadata`).
    pub api_name: String,
    /// The type's name in `deep_object` (`Metadata`).
    pub rust_name: String,
}

/// The deepObject parameters of a shaped document, by component name.
pub fn deep_objects(doc: &Value) -> Vec<DeepObject> {
    let schemas = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object);
    let mut found: Vec<DeepObject> = schemas
        .into_iter()
        .flatten()
        .filter_map(|(component, schema)| {
            let api_name = schema.get(DEEP_OBJECT_EXTENSION)?.as_str()?.to_owned();
            Some(DeepObject {
                component: component.clone(),
                rust_name: component
                    .strip_prefix(&format!("{}DeepObject", crate::shape::NAME_PREFIX))
                    .filter(|n| !n.is_empty())
                    .unwrap_or(component)
                    .to_upper_camel_case(),
                api_name,
            })
        })
        .collect();
    found.sort_by(|a, b| a.component.cmp(&b.component));
    found
}

/// The `deep_object` module: one type per deepObject query parameter, serialized the way
/// Polar's server reads it, `?name[key]=value`, one pair per value (a repeated key matches any
/// of its values). The caller builds it with `new().with("key", "value")`.
fn deep_object_types(doc: &Value) -> Result<Vec<syn::Item>, Error> {
    let objects = deep_objects(doc);
    if objects.is_empty() {
        return Ok(Vec::new());
    }
    let mut code = String::from(
        "/// Query parameters in OpenAPI's `deepObject` style, encoded as Polar's server reads them.\npub mod deep_object {\n",
    );
    for d in &objects {
        let (api, ty) = (&d.api_name, &d.rust_name);
        let api_lit = format!("{api:?}");
        code.push_str(&format!(
            r#"
    /// The `{api}` query parameter: `?{api}[key]=value` pairs, in the order added.
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct {ty} {{
        pairs: ::std::vec::Vec<(::std::string::String, ::std::string::String)>,
    }}

    impl {ty} {{
        /// No pairs.
        pub fn new() -> Self {{
            Self::default()
        }}

        /// Add `key=value`; a key added several times matches any of its values.
        #[must_use]
        pub fn with(mut self, key: impl Into<::std::string::String>, value: impl ::std::fmt::Display) -> Self {{
            self.pairs.push((key.into(), value.to_string()));
            self
        }}

        /// The `(key, value)` pairs, in the order added.
        pub fn pairs(&self) -> &[(::std::string::String, ::std::string::String)] {{
            &self.pairs
        }}
    }}

    impl ::serde::Serialize for {ty} {{
        fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {{
            use ::serde::ser::SerializeMap as _;
            let mut map = serializer.serialize_map(::std::option::Option::Some(self.pairs.len()))?;
            for (key, value) in &self.pairs {{
                map.serialize_entry(&::std::format!("{{}}[{{}}]", {api_lit}, key), value)?;
            }}
            map.end()
        }}
    }}
"#
        ));
    }
    code.push_str("}\n");
    let file = syn::parse_str::<syn::File>(&code).map_err(|e| {
        Error::at(
            "/components/schemas",
            format!("cannot write the deepObject parameter types: {e}"),
        )
    })?;
    Ok(file.items)
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
fn run_progenitor(
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
fn locate_generator_failure(
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

    /// The bug this guards against: progenitor reads every operation's parameters before it
    /// writes any method, so a document can fail on a deepObject parameter of a *later* path
    /// while an earlier path (two error bodies: a failure of the writing phase) also fails
    /// alone. The locator used to blame the earlier one.
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
        let settings = settings(&doc);
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
