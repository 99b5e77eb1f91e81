//! What the tests of the generator share: Polar's published documents (`fixtures/`), scratch
//! directories, running the pipeline with no panic escaping it, and reading the generated code
//! with `syn` (so that a test names the item it wants rather than a formatting).
#![allow(dead_code)]

use std::fs;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use polar_oauth2_codegen::{Error, Output, generate_dir};
use serde_json::Value;

// Fixtures and scratch directories

/// The four snapshots, oldest first.
pub const HISTORY: [&str; 4] = [
    "oauth2-subset.2026-03-05.2c3e674089.yaml",
    "oauth2-subset.2026-04-03.e4b36aaad8.yaml",
    "oauth2-subset.2026-06-18.1e0b520ed1.yaml",
    "oauth2-subset.2026-08-20.790b7ebcd6.yaml",
];
/// The newest snapshot: the base the malformed documents are made from.
pub const NEWEST: &str = HISTORY[3];

/// The methods of Polar's 9 OAuth2 operations, in document order.
pub const ALL_METHODS: [&str; 9] = [
    "oauth2_clients_oauth2_create_client",
    "oauth2_clients_oauth2_get_client",
    "oauth2_clients_oauth2_update_client",
    "oauth2_clients_oauth2_delete_client",
    "oauth2_authorize",
    "oauth2_request_token",
    "oauth2_revoke_token",
    "oauth2_introspect_token",
    "oauth2_userinfo",
];

pub fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

pub fn history_text(name: &str) -> String {
    let path = manifest_dir()
        .join("tests/fixtures/spec-history")
        .join(name);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn history_value(name: &str) -> Value {
    serde_yaml::from_str(&history_text(name)).expect("the fixture is YAML")
}

/// The workspace's vendored `spec/` directory.
pub fn vendored_spec() -> PathBuf {
    manifest_dir().join("../spec")
}

/// A directory of its own under the system temp dir, removed when dropped.
pub struct Scratch(PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "polar-oauth2-codegen-{name}-{}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("create a scratch directory");
        Self(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn write(&self, file: &str, text: &str) -> PathBuf {
        let path = self.0.join(file);
        fs::write(&path, text).expect("write a scratch file");
        path
    }

    pub fn write_yaml(&self, file: &str, doc: &Value) -> PathBuf {
        self.write(file, &serde_yaml::to_string(doc).expect("serialize YAML"))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// `text` with `from` replaced, which must occur exactly once (so a fixture change cannot make
/// a test silently test nothing).
pub fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "`{from}` must occur once");
    text.replacen(from, to, 1)
}

/// Run the pipeline on `dir`, asserting that no panic escapes it.
pub fn generate_caught(dir: &Path) -> Result<Output, Error> {
    panic::catch_unwind(AssertUnwindSafe(|| generate_dir(dir)))
        .unwrap_or_else(|_| panic!("a panic escaped the pipeline on {}", dir.display()))
}

/// One document alone in a scratch directory, through the whole pipeline.
pub fn generate_one(
    name: &str,
    file: &str,
    text: &str,
) -> (Scratch, PathBuf, Result<Output, Error>) {
    let scratch = Scratch::new(name);
    let path = scratch.write(file, text);
    let result = generate_caught(scratch.path());
    (scratch, path, result)
}

/// The newest snapshot with `change` applied, alone in a scratch directory: the error it gives.
pub fn newest_changed(name: &str, change: impl FnOnce(&mut Value)) -> (Scratch, PathBuf, Error) {
    let mut doc = history_value(NEWEST);
    change(&mut doc);
    let scratch = Scratch::new(name);
    let path = scratch.write_yaml("oauth2.yaml", &doc);
    let err = generate_caught(scratch.path()).expect_err("the changed document must fail");
    (scratch, path, err)
}

// ---------------------------------------------------------------------------------------------
// Reading the generated code

/// The generated client, parsed.
pub struct Code {
    file: syn::File,
    text: String,
}

impl Code {
    pub fn parse(output: &Output) -> Self {
        let file = syn::parse_file(&output.client).expect("generated code parses");
        Self {
            file,
            text: output.client.clone(),
        }
    }

    /// The items of `pub mod types`.
    pub fn types(&self) -> &[syn::Item] {
        self.file
            .items
            .iter()
            .find_map(|item| match item {
                syn::Item::Mod(m) if m.ident == "types" => m.content.as_ref(),
                _ => None,
            })
            .map(|(_, items)| items.as_slice())
            .expect("a `types` module")
    }

    pub fn type_names(&self) -> Vec<String> {
        self.types()
            .iter()
            .filter_map(|item| match item {
                syn::Item::Struct(s) => Some(s.ident.to_string()),
                syn::Item::Enum(e) => Some(e.ident.to_string()),
                syn::Item::Type(t) => Some(t.ident.to_string()),
                _ => None,
            })
            .collect()
    }

    pub fn enum_(&self, name: &str) -> &syn::ItemEnum {
        self.types()
            .iter()
            .find_map(|item| match item {
                syn::Item::Enum(e) if e.ident == name => Some(e),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no `enum {name}` in types: {:?}", self.type_names()))
    }

    /// The values an enum of strings (de)serializes as.
    pub fn enum_values(&self, name: &str) -> Vec<String> {
        self.enum_(name)
            .variants
            .iter()
            .map(|v| serde_rename(&v.attrs).unwrap_or_else(|| v.ident.to_string()))
            .collect()
    }

    /// A struct's fields: name and type (rendered).
    pub fn fields(&self, name: &str) -> Vec<(String, String)> {
        let item = self
            .types()
            .iter()
            .find_map(|item| match item {
                syn::Item::Struct(s) if s.ident == name => Some(s),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no `struct {name}` in types: {:?}", self.type_names()));
        item.fields
            .iter()
            .map(|f| {
                let ident = f
                    .ident
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                (ident, render_type(&f.ty))
            })
            .collect()
    }

    pub fn field(&self, strukt: &str, field: &str) -> Option<String> {
        self.fields(strukt)
            .into_iter()
            .find(|(name, _)| name == field)
            .map(|(_, ty)| ty)
    }

    /// The async methods of `impl Client` (one per operation).
    pub fn operation_methods(&self) -> Vec<&syn::ImplItemFn> {
        self.file
            .items
            .iter()
            .filter_map(|item| match item {
                syn::Item::Impl(i) if i.trait_.is_none() && is_client(&i.self_ty) => Some(i),
                _ => None,
            })
            .flat_map(|i| &i.items)
            .filter_map(|item| match item {
                syn::ImplItem::Fn(f) if f.sig.asyncness.is_some() => Some(f),
                _ => None,
            })
            .collect()
    }

    pub fn method_names(&self) -> Vec<String> {
        self.operation_methods()
            .iter()
            .map(|f| f.sig.ident.to_string())
            .collect()
    }

    /// A method's parameters (name, type) and its return type, rendered.
    pub fn signature(&self, name: &str) -> (Vec<(String, String)>, String) {
        let method = self
            .operation_methods()
            .into_iter()
            .find(|f| f.sig.ident == name)
            .unwrap_or_else(|| panic!("no method `{name}`: {:?}", self.method_names()));
        let params = method
            .sig
            .inputs
            .iter()
            .filter_map(|arg| match arg {
                syn::FnArg::Typed(p) => match &*p.pat {
                    syn::Pat::Ident(id) => Some((id.ident.to_string(), render_type(&p.ty))),
                    _ => None,
                },
                syn::FnArg::Receiver(_) => None,
            })
            .collect();
        let output = match &method.sig.output {
            syn::ReturnType::Type(_, ty) => render_type(ty),
            syn::ReturnType::Default => "()".to_owned(),
        };
        (params, output)
    }

    /// Each operation method's `OperationInfo` id (what the hooks receive) and the request its
    /// doc says it sends (`POST /v1/oauth2/token`), read from the method's text.
    pub fn operation_infos(&self) -> Vec<(String, String)> {
        self.operation_methods()
            .iter()
            .map(|f| {
                let mut file = syn::parse_file("impl Client {}").expect("an impl block");
                if let Some(syn::Item::Impl(block)) = file.items.first_mut() {
                    block.items.push(syn::ImplItem::Fn((*f).clone()));
                }
                let text = prettyplease::unparse(&file);
                let between = |from: &str, to: &str| {
                    text.split_once(from)
                        .and_then(|(_, rest)| rest.split_once(to))
                        .map(|(inside, _)| inside.to_owned())
                        .unwrap_or_else(|| panic!("`{from}` in {}", f.sig.ident))
                };
                let id = between("operation_id: \"", "\"");
                let request = between("Sends a `", "`\n").replacen("` request to `", " ", 1);
                (id, request)
            })
            .collect()
    }

    /// The generated `OPERATION_PATHS` table: (operation id, path template).
    pub fn operation_paths(&self) -> Vec<(String, String)> {
        let table = self
            .file
            .items
            .iter()
            .find_map(|item| match item {
                syn::Item::Const(c) if c.ident == "OPERATION_PATHS" => Some(&*c.expr),
                _ => None,
            })
            .expect("an OPERATION_PATHS table");
        let syn::Expr::Reference(reference) = table else {
            panic!("OPERATION_PATHS is not `&[…]`");
        };
        let syn::Expr::Array(entries) = &*reference.expr else {
            panic!("OPERATION_PATHS is not `&[…]`");
        };
        let string = |e: &syn::Expr| match e {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => s.value(),
            _ => panic!("not a string literal in OPERATION_PATHS"),
        };
        entries
            .elems
            .iter()
            .map(|entry| match entry {
                syn::Expr::Tuple(t) if t.elems.len() == 2 => {
                    (string(&t.elems[0]), string(&t.elems[1]))
                }
                _ => panic!("not a pair in OPERATION_PATHS"),
            })
            .collect()
    }

    /// Every `crate::…` path the generated code names.
    pub fn crate_paths(&self) -> std::collections::BTreeSet<String> {
        let text = &self.text;
        text.match_indices("crate::")
            .filter(|(at, _)| {
                !text[..*at]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$')
            })
            .map(|(at, _)| {
                text[at..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                    .collect::<String>()
                    .trim_end_matches(':')
                    .to_owned()
            })
            .collect()
    }

    /// The source with all whitespace runs collapsed to one space (for the few checks on
    /// function bodies).
    pub fn flat(&self) -> String {
        self.text.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

pub fn is_client(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.path.is_ident("Client"))
}

/// `#[serde(rename = "x")]` -> `x`.
pub fn serde_rename(attrs: &[syn::Attribute]) -> Option<String> {
    let mut rename = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                rename = Some(meta.value()?.parse::<syn::LitStr>()?.value());
            } else if meta.input.peek(syn::Token![=]) {
                meta.value()?.parse::<syn::Expr>()?;
            }
            Ok(())
        })
        .expect("a serde attribute");
    }
    rename
}

/// A type as prettyplease prints it, on one line: `::std::vec::Vec<crate::scope::Scope>`.
pub fn render_type(ty: &syn::Type) -> String {
    let mut file = syn::parse_file("type T = ();").expect("a type alias");
    if let Some(syn::Item::Type(alias)) = file.items.first_mut() {
        *alias.ty = ty.clone();
    }
    let text = prettyplease::unparse(&file);
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    flat.strip_prefix("type T = ")
        .and_then(|t| t.strip_suffix(';'))
        .map(str::to_owned)
        .unwrap_or(flat)
}
