//! Polar's whole published API document (2026-04-03: 174 operations, 619 schemas) in `spec/`.
//!
//! - With the default selection it is the OAuth2 client: the same generated code as the OAuth2
//!   cut of the same document (`fixtures/spec-history/…2026-04-03…`).
//! - With every operation selected it generates, and the generated code compiles: a scratch
//!   crate holding the generated file, with stand-ins for the facade types the generator
//!   replaces (read from [`generate::replacements`], so they stay in step), is `cargo check`ed.
//!   The numbers (operations, lines, bytes, times) are printed: `.ci/whole-api` shows them.
//!
//! The whole document is vendored in `fixtures/polar-spec/` (left out of the published package:
//! these tests run from the repository). The compile check is the longest test of the crate; it
//! runs with every `cargo test`, in CI included.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use polar_oauth2_codegen::select::{SELECTION_FILE, Selection};
use polar_oauth2_codegen::{generate, generate_dir, load, prepare, select, walk};
use serde_json::Value;

/// Polar's file as published (JSON, despite its name), vendored for these tests.
const WHOLE: &str = "tests/fixtures/polar-spec/openapi.2026-04-03.e4b36aaad8.yaml";
const CUT: &str = "tests/fixtures/spec-history/oauth2-subset.2026-04-03.e4b36aaad8.yaml";

/// The vendored whole document (left out of the published package: these tests run from the
/// repository).
fn whole() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(WHOLE)
}

/// A spec directory of its own under the test target dir, holding `files` (copied).
fn spec_dir(name: &str, files: &[&Path], selection: Option<&str>) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("spec-{name}"));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    for file in files {
        fs::copy(file, dir.join(file.file_name().unwrap())).unwrap();
    }
    if let Some(selection) = selection {
        fs::write(dir.join(SELECTION_FILE), selection).unwrap();
    }
    dir
}

fn operations(doc: &Value) -> usize {
    let paths = doc.get("paths").and_then(Value::as_object);
    paths
        .into_iter()
        .flat_map(|p| p.values())
        .map(|item| {
            walk::METHODS
                .iter()
                .filter(|m| item.get(**m).is_some())
                .count()
        })
        .sum()
}

#[test]
fn the_whole_document_with_the_default_selection_is_the_oauth2_client_of_its_cut() {
    let whole = whole();
    let cut = Path::new(env!("CARGO_MANIFEST_DIR")).join(CUT);
    let whole_dir = spec_dir("whole-default", &[&whole], None);
    let cut_dir = spec_dir("cut", &[&cut], None);

    let from_whole = generate_dir(&whole_dir).unwrap_or_else(|e| panic!("{e}"));
    let from_cut = generate_dir(&cut_dir).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        from_whole.client == from_cut.client,
        "the generated clients differ"
    );
    assert_eq!(from_whole.scopes, from_cut.scopes);
    assert_eq!(from_whole.warnings, from_cut.warnings);
}

/// Widened to every operation: the whole document generates and the output compiles.
#[test]
fn the_whole_document_with_every_operation_generates_and_compiles() {
    let whole = whole();
    let dir = spec_dir("whole-all", &[&whole], Some("paths = [\"/\"]\n"));
    let total = operations(&load::read_file(&whole).unwrap());

    let start = Instant::now();
    let output = generate_dir(&dir).unwrap_or_else(|e| panic!("{e}"));
    let generate_time = start.elapsed();
    let lines = output.client.lines().count();
    let file = syn::parse_file(&output.client).unwrap();
    let generated = count_operation_methods(&file);
    assert_eq!(generated, total, "every operation becomes a method");

    let loaded = load::load_dir(&dir).unwrap();
    let selected = select::apply(loaded, &Selection::all()).unwrap();
    let (shaped, _) = prepare(&selected).unwrap();
    let crate_dir = scratch_crate(&output.client, &generate::replacements(&shaped));
    let start = Instant::now();
    let check = Command::new(env!("CARGO"))
        .args(["check", "--quiet", "--offline", "--message-format", "short"])
        .current_dir(&crate_dir)
        .env("CARGO_TARGET_DIR", target_dir())
        .env_remove("RUSTFLAGS")
        .output()
        .unwrap();
    let compile_time = start.elapsed();
    let stderr = String::from_utf8_lossy(&check.stderr);
    let errors: Vec<&str> = stderr.lines().filter(|l| l.contains("error")).collect();
    assert!(
        check.status.success(),
        "the generated code does not compile ({} error lines):\n{}",
        errors.len(),
        errors
            .iter()
            .take(40)
            .copied()
            .collect::<Vec<_>>()
            .join("\n")
    );
    let query = deep_object_query(&file);
    assert_eq!(
        query, "metadata%5Bplan%5D=pro&metadata%5Bplan%5D=team&metadata%5Bseats%5D=3",
        "Polar's server reads `metadata[key]=value`, a repeated key matching any of its values"
    );
    println!(
        "whole API: {generated}/{total} operations, {lines} lines, {} bytes generated in {:.1} s (test profile); cargo check {:.1} s",
        output.client.len(),
        generate_time.as_secs_f64(),
        compile_time.as_secs_f64()
    );
}

/// Run the generated `deep_object::Metadata` (the whole API's deepObject parameter) through
/// serde_urlencoded, which is what reqwest's `query` (and so progenitor's `QueryParam`, which
/// hands a map to it unchanged) writes with: the query string a request carries.
fn deep_object_query(file: &syn::File) -> String {
    let module = file
        .items
        .iter()
        .find(|item| matches!(item, syn::Item::Mod(m) if m.ident == "deep_object"))
        .expect("the whole API has deepObject parameters");
    let mut alone: syn::File = syn::parse_quote! {};
    alone.items.push(module.clone());
    let code = prettyplease::unparse(&alone);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("deep-object-run");
    fs::create_dir_all(dir.join("src")).unwrap();
    write_if_changed(
        &dir.join("Cargo.toml"),
        "[package]\nname = \"polar-deep-object-run\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[workspace]\n\n[dependencies]\nserde = \"1\"\nserde_urlencoded = \"0.7\"\n",
    );
    if !dir.join("Cargo.lock").exists() {
        let lock = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.lock");
        fs::copy(lock, dir.join("Cargo.lock")).unwrap();
    }
    write_if_changed(&dir.join("src/deep_object.rs"), &code);
    write_if_changed(
        &dir.join("src/main.rs"),
        "#![allow(dead_code)]\ninclude!(\"deep_object.rs\");\nfn main() {\n    let q = deep_object::Metadata::new().with(\"plan\", \"pro\").with(\"plan\", \"team\").with(\"seats\", 3);\n    print!(\"{}\", serde_urlencoded::to_string(&q).unwrap());\n}\n",
    );
    let run = Command::new(env!("CARGO"))
        .args(["run", "--quiet", "--offline"])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", target_dir())
        .env_remove("RUSTFLAGS")
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    String::from_utf8(run.stdout).unwrap()
}

/// The `pub async fn` methods of `impl Client`.
fn count_operation_methods(file: &syn::File) -> usize {
    file.items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Impl(imp) if imp.trait_.is_none() => Some(imp),
            _ => None,
        })
        .filter(|imp| matches!(&*imp.self_ty, syn::Type::Path(p) if p.path.is_ident("Client")))
        .flat_map(|imp| &imp.items)
        .filter(|item| matches!(item, syn::ImplItem::Fn(f) if f.sig.asyncness.is_some()))
        .count()
}

/// The workspace's target directory (the scratch crate's dependencies are the library's).
fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .map(|t| t.join("whole-api"))
        .unwrap()
}

/// A crate holding `client` as `crate::generated`, with stand-ins for every replaced type.
fn scratch_crate(client: &str, replacements: &[(String, String)]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("whole-api-crate");
    fs::create_dir_all(dir.join("src")).unwrap();
    let manifest = r#"[package]
name = "polar-whole-api-check"
version = "0.0.0"
edition = "2024"
publish = false

# Not part of the polar-oauth2 workspace.
[workspace]

[dependencies]
progenitor-client = "0.15.1"
reqwest = { version = "0.13", default-features = false, features = ["json", "form", "query", "http2", "rustls-no-provider"] }
serde = { version = "1", features = ["derive"] }
serde_json = "1"
chrono = { version = "0.4", default-features = false, features = ["serde", "std"] }
uuid = { version = "1", default-features = false, features = ["serde", "std"] }
"#;
    write_if_changed(&dir.join("Cargo.toml"), manifest);
    // The library's lock file: the same versions, nothing to resolve or download.
    let lock = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.lock");
    if !dir.join("Cargo.lock").exists() {
        fs::copy(lock, dir.join("Cargo.lock")).unwrap();
    }
    write_if_changed(&dir.join("src/generated.rs"), client);
    write_if_changed(&dir.join("src/lib.rs"), &stand_ins(replacements));
    dir
}

fn write_if_changed(path: &Path, text: &str) {
    if fs::read_to_string(path).is_ok_and(|old| old == text) {
        return;
    }
    fs::write(path, text).unwrap();
}

/// `lib.rs`: the generated module and a stand-in per replaced type, in its module
/// (`crate::oauth2::clients::RegisteredClient` -> `pub mod oauth2 { pub mod clients { … } }`).
/// A stand-in has what the generated code may need of the real type: `Debug`, `Clone`,
/// `Default`, `PartialEq`, serde both ways.
fn stand_ins(replacements: &[(String, String)]) -> String {
    use std::collections::BTreeMap;
    #[derive(Default)]
    struct Module(BTreeMap<String, Module>, Vec<String>);
    let mut root = Module::default();
    let generated = polar_oauth2_codegen::generate::GENERATED_MODULE;
    for (_, path) in replacements {
        if path.starts_with(&format!("{generated}::")) {
            continue;
        }
        let mut parts: Vec<&str> = path.trim_start_matches("crate::").split("::").collect();
        let name = parts.pop().unwrap().to_owned();
        let mut module = &mut root;
        for part in parts {
            module = module.0.entry(part.to_owned()).or_default();
        }
        if !module.1.contains(&name) {
            module.1.push(name);
        }
    }
    fn render(module: &Module, out: &mut String) {
        for name in &module.1 {
            out.push_str(&format!(
                "#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]\npub struct {name}(pub serde_json::Value);\n"
            ));
        }
        for (name, child) in &module.0 {
            out.push_str(&format!("pub mod {name} {{\n"));
            render(child, out);
            out.push_str("}\n");
        }
    }
    let mut out = String::from(
        "#![allow(warnings, clippy::all)]\n\
         pub mod generated { include!(\"generated.rs\"); }\n\
         pub mod client {\n\
             #[derive(Debug, Clone, Default)]\n\
             pub struct Hooks;\n\
             impl Hooks {\n\
                 pub(crate) fn url(&self, _index: usize, path: &str) -> reqwest::Url {\n\
                     reqwest::Url::parse(\"http://127.0.0.1\").unwrap().join(path).unwrap()\n\
                 }\n\
                 pub(crate) fn url_from(&self, pieces: &[&str], args: &[&str]) -> Result<reqwest::Url, String> {\n\
                     let _ = args;\n\
                     Ok(self.url(0, &pieces.concat()))\n\
                 }\n\
             }\n\
             impl progenitor_client::ClientHooks<Hooks> for crate::generated::Client {}\n\
             pub async fn decode<T: serde::de::DeserializeOwned, E>(\n\
                 response: reqwest::Response,\n\
             ) -> Result<progenitor_client::ResponseValue<T>, progenitor_client::Error<E>> {\n\
                 progenitor_client::ResponseValue::from_response(response).await\n\
             }\n\
             pub fn encode_path_segment(value: &str) -> String {\n\
                 progenitor_client::encode_path(value)\n\
             }\n\
             pub fn empty(response: reqwest::Response) -> progenitor_client::ResponseValue<()> {\n\
                 progenitor_client::ResponseValue::empty(response)\n\
             }\n\
         }\n",
    );
    render(&root, &mut out);
    out
}
