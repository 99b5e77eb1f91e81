//! Shared by `constructs_*.rs`: Polar's OAuth2 section with one construct added, run through
//! the pipeline, and readers of the generated code.
// Each test binary uses its own subset of these helpers.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

use polar_oauth2_codegen::{Error, Output, generate_dir};
use serde_json::{Value, json};

pub const NEWEST: &str = "tests/fixtures/spec-history/oauth2-subset.2026-08-20.790b7ebcd6.yaml";

/// Polar's OAuth2 section with `change` applied.
pub fn oauth2_with(change: impl FnOnce(&mut Value)) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(NEWEST);
    let mut doc: Value = serde_yaml::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    change(&mut doc);
    doc
}

/// `doc` alone in a spec directory with every operation selected, through the pipeline.
pub fn generate(name: &str, doc: &Value) -> (PathBuf, Result<Output, Error>) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("construct-{name}"));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("polar.json"), serde_json::to_string(doc).unwrap()).unwrap();
    fs::write(dir.join("select.toml"), "paths = [\"/\"]\n").unwrap();
    let result = generate_dir(&dir);
    (dir, result)
}

pub fn generated(name: &str, doc: &Value) -> (String, Vec<String>) {
    let (_, result) = generate(name, doc);
    let output = result.unwrap_or_else(|e| panic!("{name}: {e}"));
    (output.client, output.warnings)
}

/// The generated method `name`'s signature, on one line.
pub fn signature(code: &str, name: &str) -> String {
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

pub fn quote_sig(sig: &syn::Signature) -> String {
    let file: syn::File = syn::parse_quote! { trait T { #sig; } };
    prettyplease::unparse(&file)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn add_operation(doc: &mut Value, path: &str, method: &str, operation: Value) {
    doc["paths"][path][method] = operation;
}

pub fn json_response(schema: &str) -> Value {
    json!({"description": "x", "content": {"application/json": {"schema": {
        "$ref": format!("#/components/schemas/{schema}")}}}})
}

pub fn order_schemas(doc: &mut Value) {
    let schemas = &mut doc["components"]["schemas"];
    schemas["Order"] = json!({"type": "object", "required": ["id"],
        "properties": {"id": {"type": "string"}}});
    schemas["ResourceNotFound"] = json!({"type": "object",
        "properties": {"detail": {"type": "string"}}});
}

pub fn type_names(file: &syn::File) -> Vec<String> {
    types_module(file)
        .iter()
        .filter_map(|item| match item {
            syn::Item::Struct(s) => Some(s.ident.to_string()),
            syn::Item::Enum(e) => Some(e.ident.to_string()),
            _ => None,
        })
        .collect()
}

pub fn types_module(file: &syn::File) -> &[syn::Item] {
    file.items
        .iter()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "types" => m.content.as_ref().map(|(_, i)| &i[..]),
            _ => None,
        })
        .expect("a `types` module")
}

/// `(variant, serde rename)` of the enum `name`.
pub fn enum_variants(file: &syn::File, name: &str) -> Vec<(String, String)> {
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

pub fn struct_fields(file: &syn::File, name: &str) -> Vec<(String, String)> {
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
