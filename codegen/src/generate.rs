//! The generator proper: progenitor, configured only through its documented extension points
//! (type replacements, the inner type, hooks), on the downgraded and shaped document; its
//! output is kept as it is, with the generator's own items beside it, then pretty-printed.

use progenitor::{GenerationSettings, HooksMode, InterfaceStyle, TagStyle, TypeImpl};
use serde_json::Value;

use crate::deep_object_types::{deep_object_types, deep_objects};
use crate::error::{Error, escape_token, pointer};
use crate::refs::check_refs;
use crate::run::{locate_generator_failure, one_line, parse_openapi, run_progenitor};
use crate::shape::{
    AUTHORIZE_RESPONSE, CLIENT_REGISTRATION, CLIENT_UPDATE, INTROSPECTION, Names,
    REGISTERED_CLIENT, SCOPE_DISPLAY_NAMES, TOKEN_REQUEST, USER_INFO,
};
use crate::walk::METHODS;
use crate::{operation_paths, rust_names, secrets};

// The facade's names the generator relies on: the generated code refers to these items of the
// library, so renaming one there means renaming it here (the build then fails to compile the
// generated client, naming the path).

/// The facade's types for the unions and open types of [`crate::shape`], by the name shaping
/// wanted for the component (the name it chose is read back from the document, see [`Names`]).
const FACADE_TYPES: [(&str, &str); 8] = [
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

/// The facade's types for Polar's own schemas, by their names in the document.
const DOCUMENT_TYPES: [(&str, &str); 2] = [
    ("TokenResponse", "crate::token::Token"),
    ("Scope", "crate::scope::Scope"),
];

/// The module of the library's secret types, one per entry of [`secrets::SECRET_FIELDS`].
const SECRET_MODULE: &str = "crate::secret";

/// Where the library includes the generated file: the path of the types this generator writes
/// beside progenitor's (`deep_object`).
pub const GENERATED_MODULE: &str = "crate::generated";

/// Per-client state the library's `ClientHooks` implementation reads (user agent,
/// `Polar-Version`, timeout, limits).
pub const INNER_TYPE: &str = "crate::client::Hooks";

/// Spec schemas the facade replaces, by component key, with the Rust type used instead: the
/// `FACADE_TYPES` under the names shaping chose, the `DOCUMENT_TYPES`, one secret type per
/// entry of [`secrets::SECRET_FIELDS`], and the deepObject query parameters' types
/// (`deep_object_types.rs`).
///
/// progenitor silently ignores a replacement whose name matches no schema (the generated type
/// comes back, and with it the mis-decoding unions), so [`check_replacements`] refuses that.
pub fn replacements(doc: &Value) -> Vec<(String, String)> {
    let names = Names::from_doc(doc);
    FACADE_TYPES
        .iter()
        .map(|(wanted, rust_type)| (names.get(wanted), (*rust_type).to_owned()))
        .chain(
            DOCUMENT_TYPES
                .iter()
                .map(|(schema, rust_type)| ((*schema).to_owned(), (*rust_type).to_owned())),
        )
        .chain(secrets::SECRET_FIELDS.iter().map(|(_, rust_type)| {
            (
                names.get(&secrets::component_name(rust_type)),
                format!("{SECRET_MODULE}::{rust_type}"),
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

/// The generator settings, chosen on purpose:
/// - `Positional` + `Merged`: one method per operation on one `Client`. The facade calls these
///   methods, never users, so a builder interface buys nothing; `Separate` tags are either
///   unimplemented (positional) or ambiguous for Polar's `[oauth2, public]` tags (builder).
/// - `HooksMode::Expected`: the library implements `ClientHooks` itself (headers, limits, body
///   cap, retries, the path guard); a missing implementation is then one clear compile error.
///   The hooks read [`INNER_TYPE`].
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

/// Generate the client source for a 3.0 document: progenitor's output as it is, followed by
/// the deepObject parameters' types and the operations' path templates
/// (`operation_paths.rs`).
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
    file.items.push(operation_paths::table(&doc)?);
    Ok(prettyplease::unparse(&file))
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
    fn missing_replacement_target_is_refused() {
        let doc = json!({"components": {"schemas": {}}});
        let e = check_replacements(&doc).unwrap_err();
        assert!(e.message.contains("silently ignored"), "{e}");
    }
}
