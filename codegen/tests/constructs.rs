//! Each construct of Polar's whole API that progenitor or typify cannot take as it is, on a
//! minimal document: Polar's OAuth2 section (the facade's operations) plus one operation or
//! schema with the construct, every operation selected. Each test fails if its rewrite goes.

use std::fs;
use std::path::{Path, PathBuf};

use polar_oauth2_codegen::{Error, Output, generate_dir};
use serde_json::{Value, json};

const NEWEST: &str = "tests/fixtures/spec-history/oauth2-subset.2026-08-20.790b7ebcd6.yaml";

/// Polar's OAuth2 section with `change` applied.
fn oauth2_with(change: impl FnOnce(&mut Value)) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(NEWEST);
    let mut doc: Value = serde_yaml::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    change(&mut doc);
    doc
}

/// `doc` alone in a spec directory with every operation selected, through the pipeline.
fn generate(name: &str, doc: &Value) -> (PathBuf, Result<Output, Error>) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("construct-{name}"));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("polar.json"), serde_json::to_string(doc).unwrap()).unwrap();
    fs::write(dir.join("select.toml"), "paths = [\"/\"]\n").unwrap();
    let result = generate_dir(&dir);
    (dir, result)
}

fn generated(name: &str, doc: &Value) -> (String, Vec<String>) {
    let (_, result) = generate(name, doc);
    let output = result.unwrap_or_else(|e| panic!("{name}: {e}"));
    (output.client, output.warnings)
}

/// The generated method `name`'s signature, on one line.
fn signature(code: &str, name: &str) -> String {
    let file = syn::parse_file(code).unwrap();
    for item in &file.items {
        if let syn::Item::Impl(imp) = item {
            for item in &imp.items {
                if let syn::ImplItem::Fn(f) = item
                    && f.sig.ident == name
                {
                    let sig = &f.sig;
                    return quote_sig(sig);
                }
            }
        }
    }
    panic!("no method `{name}`");
}

fn quote_sig(sig: &syn::Signature) -> String {
    let file: syn::File = syn::parse_quote! { trait T { #sig; } };
    prettyplease::unparse(&file)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn add_operation(doc: &mut Value, path: &str, method: &str, operation: Value) {
    doc["paths"][path][method] = operation;
}

fn json_response(schema: &str) -> Value {
    json!({"description": "x", "content": {"application/json": {"schema": {
        "$ref": format!("#/components/schemas/{schema}")}}}})
}

fn order_schemas(doc: &mut Value) {
    let schemas = &mut doc["components"]["schemas"];
    schemas["Order"] = json!({"type": "object", "required": ["id"],
        "properties": {"id": {"type": "string"}}});
    schemas["ResourceNotFound"] = json!({"type": "object",
        "properties": {"detail": {"type": "string"}}});
}

#[test]
fn several_error_bodies_per_operation_become_the_facades_one_error() {
    let doc = oauth2_with(|doc| {
        order_schemas(doc);
        add_operation(
            doc,
            "/v1/orders/{id}",
            "get",
            json!({"operationId": "orders:get",
                "parameters": [{"name": "id", "in": "path", "required": true,
                                "schema": {"type": "string"}}],
                "responses": {"200": json_response("Order"),
                              "404": json_response("ResourceNotFound"),
                              "422": json_response("HTTPValidationError")}}),
        );
    });
    let (code, _) = generated("errors", &doc);
    let sig = signature(&code, "orders_get");
    assert!(
        sig.contains("Result<ResponseValue<types::Order>, Error<()>>"),
        "{sig}"
    );
}

#[test]
fn several_success_bodies_become_raw_bytes_with_their_status() {
    let doc = oauth2_with(|doc| {
        order_schemas(doc);
        add_operation(
            doc,
            "/v1/orders/",
            "post",
            json!({"operationId": "orders:create",
                "responses": {"201": json_response("Order"), "202": {"description": "queued"}}}),
        );
        // One schema under two statuses is one type: left alone.
        add_operation(
            doc,
            "/v1/orders/{id}",
            "put",
            json!({"operationId": "orders:update",
                "parameters": [{"name": "id", "in": "path", "required": true,
                                "schema": {"type": "string"}}],
                "responses": {"200": json_response("Order"), "201": json_response("Order")}}),
        );
    });
    let (code, _) = generated("successes", &doc);
    let create = signature(&code, "orders_create");
    assert!(create.contains("ResponseValue<ByteStream>"), "{create}");
    let update = signature(&code, "orders_update");
    assert!(update.contains("ResponseValue<types::Order>"), "{update}");
}

#[test]
fn deep_object_query_parameters_get_a_type_that_writes_name_key_pairs() {
    let doc = oauth2_with(|doc| {
        order_schemas(doc);
        doc["components"]["schemas"]["MetadataQuery"] = json!({"anyOf": [
            {"type": "object", "additionalProperties": {"type": "string"}}, {"type": "null"}],
            "title": "MetadataQuery"});
        add_operation(
            doc,
            "/v1/orders/",
            "get",
            json!({"operationId": "orders:list",
                "parameters": [{"name": "metadata", "in": "query", "required": false,
                    "style": "deepObject",
                    "schema": {"$ref": "#/components/schemas/MetadataQuery"}}],
                "responses": {"200": json_response("Order")}}),
        );
    });
    let (code, _) = generated("deep-object", &doc);
    let sig = signature(&code, "orders_list");
    assert!(
        sig.contains("metadata: Option<&'a crate::generated::deep_object::Metadata>"),
        "{sig}"
    );
    let flat = code.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("pub mod deep_object {"),
        "no deep_object module"
    );
    assert!(
        flat.contains(r#"::std::format!("{}[{}]", "metadata", key)"#),
        "the key is not written as metadata[key]"
    );
    assert!(
        code.contains("\"metadata\""),
        "the query name is the parameter's"
    );
}

#[test]
fn enum_values_that_collide_as_rust_names_get_distinct_variants_and_keep_their_values() {
    let doc = oauth2_with(|doc| {
        doc["components"]["schemas"]["TimeZone"] = json!({"type": "string",
            "enum": ["Etc/GMT+1", "Etc/GMT-1", "UTC"]});
        doc["components"]["schemas"]["Settings"] = json!({"type": "object", "properties": {
            "tz": {"allOf": [{"$ref": "#/components/schemas/TimeZone"}], "default": "Etc/GMT-1"}}});
        add_operation(
            doc,
            "/v1/settings",
            "get",
            json!({"operationId": "settings:get",
                "responses": {"200": json_response("Settings")}}),
        );
    });
    let (code, _) = generated("enum-collision", &doc);
    let file = syn::parse_file(&code).unwrap();
    let variants = enum_variants(&file, "TimeZone");
    assert_eq!(
        variants,
        [
            ("EtcGmtPlus1".to_owned(), "Etc/GMT+1".to_owned()),
            ("EtcGmtMinus1".to_owned(), "Etc/GMT-1".to_owned()),
            ("Utc".to_owned(), "UTC".to_owned()),
        ]
    );
    assert!(
        code.contains("super::TimeZone::EtcGmtMinus1"),
        "the default"
    );
    assert!(!code.contains("GMT plus"), "a placeholder is left");
}

#[test]
fn inline_schemas_named_alike_become_distinct_types() {
    let doc = oauth2_with(|doc| {
        let auth = |values: Value, default: &str| {
            json!({"type": "string", "enum": values, "title": "Token Endpoint Auth Method",
                   "default": default})
        };
        let schemas = &mut doc["components"]["schemas"];
        schemas["CountryAlpha2Input"] = json!({"type": "string", "enum": ["AD", "AE"]});
        schemas["Address"] = json!({"type": "object", "properties": {
            "country": {"type": "string", "enum": ["AD", "AE", "AF"], "title": "CountryAlpha2Input"},
            "input": {"$ref": "#/components/schemas/CountryAlpha2Input"},
            "auth": auth(json!(["a", "b"]), "b")}});
        schemas["Other"] = json!({"type": "object", "properties": {
            "auth": auth(json!(["c"]), "c")}});
        add_operation(
            doc,
            "/v1/address",
            "get",
            json!({"operationId": "address:get", "responses": {"200": json_response("Address")}}),
        );
        add_operation(
            doc,
            "/v1/other",
            "get",
            json!({"operationId": "other:get", "responses": {"200": json_response("Other")}}),
        );
    });
    let (code, _) = generated("type-names", &doc);
    let file = syn::parse_file(&code).unwrap();
    let types = type_names(&file);
    let mut unique = types.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), types.len(), "a type is defined twice");
    for name in [
        "CountryAlpha2Input",
        "AddressCountry",
        "AddressAuth",
        "OtherAuth",
    ] {
        assert!(types.iter().any(|t| t == name), "no `{name}` in {types:?}");
    }
    assert!(
        code.contains("super::OtherAuth::C"),
        "a default checked against its own type"
    );
}

#[test]
fn patterns_are_dropped_with_one_warning() {
    let doc = oauth2_with(|doc| {
        let schemas = &mut doc["components"]["schemas"];
        schemas["Locale"] = json!({"type": "object", "properties": {
            "a": {"type": "string", "pattern": "^[a-z]{2}$"},
            "b": {"type": "string", "pattern": "^[A-Z]{2}$", "maxLength": 2}}});
        add_operation(
            doc,
            "/v1/locale",
            "get",
            json!({"operationId": "locale:get", "responses": {"200": json_response("Locale")}}),
        );
    });
    let (code, warnings) = generated("pattern", &doc);
    let patterns: Vec<&String> = warnings.iter().filter(|w| w.contains("pattern")).collect();
    assert_eq!(patterns.len(), 1, "{warnings:#?}");
    assert!(
        patterns[0].starts_with("2 `pattern` constraint(s) dropped, first at #/components/schemas/Locale/properties/a/pattern"),
        "{}",
        patterns[0]
    );
    assert!(!code.contains("regress"), "the client would need `regress`");
}

#[test]
fn the_documents_own_schemas_named_like_the_shaping_steps_keep_their_names() {
    let doc = oauth2_with(|doc| {
        let schemas = &mut doc["components"]["schemas"];
        // Polar's whole API has an `AuthorizeResponse` of its own; and a name in our prefix.
        schemas["AuthorizeResponse"] = json!({"type": "object", "required": ["url"],
            "properties": {"url": {"type": "string"}}});
        schemas["PolarOauth2SecretClientSecret"] =
            json!({"type": "object", "properties": {"n": {"type": "integer"}}});
        schemas["Holder"] = json!({"type": "object", "properties": {
            "s": {"$ref": "#/components/schemas/PolarOauth2SecretClientSecret"}}});
        add_operation(
            doc,
            "/v1/integrations/authorize",
            "get",
            json!({"operationId": "integrations:authorize",
                "responses": {"200": json_response("AuthorizeResponse")}}),
        );
        add_operation(
            doc,
            "/v1/holder",
            "get",
            json!({"operationId": "holder:get", "responses": {"200": json_response("Holder")}}),
        );
    });
    let (code, _) = generated("hoisted-names", &doc);
    let authorize = signature(&code, "oauth2_authorize");
    assert!(
        authorize.contains("ResponseValue<crate::authorize::AuthorizeResponse>"),
        "the facade's union: {authorize}"
    );
    let theirs = signature(&code, "integrations_authorize");
    assert!(
        theirs.contains("ResponseValue<types::AuthorizeResponse>"),
        "the document's own schema: {theirs}"
    );
    let file = syn::parse_file(&code).unwrap();
    let fields = struct_fields(&file, "Holder");
    assert!(
        fields.iter().any(|(n, t)| n == "s"
            && t.contains("PolarOauth2SecretClientSecret")
            && !t.contains("crate::secret")),
        "{fields:?}"
    );
    let revoke = struct_fields(&file, "RevokeTokenRequest");
    assert!(
        revoke
            .iter()
            .any(|(n, t)| n == "client_secret" && t.contains("crate::secret::ClientSecret")),
        "{revoke:?}"
    );
}

#[test]
fn a_construct_no_rewrite_knows_is_named_by_its_own_operation() {
    let doc = oauth2_with(|doc| {
        order_schemas(doc);
        add_operation(
            doc,
            "/v1/orders/",
            "get",
            json!({"operationId": "orders:list",
                "parameters": [{"name": "ids", "in": "query", "style": "spaceDelimited",
                                "schema": {"type": "array", "items": {"type": "string"}}}],
                "responses": {"200": json_response("Order")}}),
        );
    });
    let (dir, result) = generate("unknown-style", &doc);
    let err = result.expect_err("spaceDelimited is not supported");
    assert_eq!(err.pointer, "/paths/~1v1~1orders~1/get", "{err}");
    assert_eq!(err.files, [dir.join("polar.json")]);
    assert!(
        err.message.contains("unsupported style of query parameter"),
        "{err}"
    );
}

fn type_names(file: &syn::File) -> Vec<String> {
    types_module(file)
        .iter()
        .filter_map(|item| match item {
            syn::Item::Struct(s) => Some(s.ident.to_string()),
            syn::Item::Enum(e) => Some(e.ident.to_string()),
            _ => None,
        })
        .collect()
}

fn types_module(file: &syn::File) -> &[syn::Item] {
    file.items
        .iter()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "types" => m.content.as_ref().map(|(_, i)| &i[..]),
            _ => None,
        })
        .expect("a `types` module")
}

/// `(variant, serde rename)` of the enum `name`.
fn enum_variants(file: &syn::File, name: &str) -> Vec<(String, String)> {
    let e = types_module(file)
        .iter()
        .find_map(|item| match item {
            syn::Item::Enum(e) if e.ident == name => Some(e),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no enum `{name}`"));
    e.variants
        .iter()
        .map(|v| {
            let rename = v
                .attrs
                .iter()
                .find_map(|a| {
                    let mut found = None;
                    if a.path().is_ident("serde") {
                        let _ = a.parse_nested_meta(|m| {
                            if m.path.is_ident("rename") {
                                found = Some(m.value()?.parse::<syn::LitStr>()?.value());
                            }
                            Ok(())
                        });
                    }
                    found
                })
                .unwrap_or_default();
            (v.ident.to_string(), rename)
        })
        .collect()
}

fn struct_fields(file: &syn::File, name: &str) -> Vec<(String, String)> {
    let s = types_module(file)
        .iter()
        .find_map(|item| match item {
            syn::Item::Struct(s) if s.ident == name => Some(s),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no struct `{name}`"));
    s.fields
        .iter()
        .map(|f| {
            let ty = &f.ty;
            let file: syn::File = syn::parse_quote! { type T = #ty; };
            (
                f.ident
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                prettyplease::unparse(&file).replace(char::is_whitespace, ""),
            )
        })
        .collect()
}
