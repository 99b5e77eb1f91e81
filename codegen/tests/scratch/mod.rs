//! Generated types compiled and run in a scratch crate of their own (serde, serde_json, chrono,
//! uuid), for tests that decode JSON with them.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The library's secret types that the generated code names (`crate::secret::AuthorizationCode`),
/// as plain strings.
pub fn secret_stand_ins(code: &str) -> String {
    let names: BTreeSet<&str> = code
        .split("crate::secret::")
        .skip(1)
        .filter_map(|rest| rest.split(|c: char| !c.is_alphanumeric()).next())
        .collect();
    let types: String = names
        .iter()
        .map(|name| {
            format!("#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]\npub struct {name}(pub String);\n")
        })
        .collect();
    format!("mod secret {{\n{types}}}\n")
}

/// The items of `types` that `root` needs: its own, and those of every name they mention.
pub fn reachable(types: &[syn::Item], root: &str) -> String {
    use quote::ToTokens;
    fn idents(tokens: proc_macro2::TokenStream, out: &mut BTreeSet<String>) {
        for token in tokens {
            match token {
                proc_macro2::TokenTree::Ident(i) => {
                    out.insert(i.to_string());
                }
                proc_macro2::TokenTree::Group(g) => idents(g.stream(), out),
                _ => {}
            }
        }
    }
    let name_of = |item: &syn::Item| -> Option<String> {
        match item {
            syn::Item::Struct(s) => Some(s.ident.to_string()),
            syn::Item::Enum(e) => Some(e.ident.to_string()),
            syn::Item::Mod(m) => Some(m.ident.to_string()),
            syn::Item::Impl(i) => match &*i.self_ty {
                syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
                _ => None,
            },
            _ => None,
        }
    };
    let mut wanted: BTreeSet<String> = [root.to_owned(), "error".to_owned()].into();
    loop {
        let mut seen = wanted.clone();
        for item in types {
            if name_of(item).is_some_and(|n| wanted.contains(&n)) {
                idents(item.to_token_stream(), &mut seen);
            }
        }
        if seen == wanted {
            break;
        }
        wanted = seen;
    }
    let kept: Vec<syn::Item> = types
        .iter()
        .filter(|item| name_of(item).is_some_and(|n| wanted.contains(&n)))
        .cloned()
        .collect();
    let mut file: syn::File = syn::parse_quote! {};
    file.items = kept;
    prettyplease::unparse(&file)
}

/// Compile and run `main_rs` with serde, serde_json, chrono and uuid (the generated types' own
/// dependencies); its standard output.
pub fn run(main_rs: &str) -> String {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("unions-decode");
    fs::create_dir_all(dir.join("src")).unwrap();
    write_if_changed(
        &dir.join("Cargo.toml"),
        "[package]\nname = \"polar-unions-decode\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[workspace]\n\n[dependencies]\nserde = { version = \"1\", features = [\"derive\"] }\nserde_json = \"1\"\nchrono = { version = \"0.4\", default-features = false, features = [\"serde\", \"std\"] }\nuuid = { version = \"1\", default-features = false, features = [\"serde\", \"std\"] }\n",
    );
    if !dir.join("Cargo.lock").exists() {
        let lock = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.lock");
        fs::copy(lock, dir.join("Cargo.lock")).unwrap();
    }
    write_if_changed(&dir.join("src/main.rs"), main_rs);
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

fn write_if_changed(path: &Path, text: &str) {
    if fs::read_to_string(path).is_ok_and(|old| old == text) {
        return;
    }
    fs::write(path, text).unwrap();
}

/// The scratch crates' shared target directory (as `whole_document.rs`'s).
fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .map(|t| t.join("whole-api"))
        .unwrap()
}
