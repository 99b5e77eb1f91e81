//! Real and malformed documents through the whole pipeline (load, downgrade, shape, generate).
//!
//! - The four snapshots of Polar's OAuth2 section in `fixtures/spec-history/` (9 operations each)
//!   generate without warnings, and the generated code has what the facade relies on: one
//!   `grant_type` enum per token request arm, authorize arms without `sub_type`, the facade's
//!   types in place of the unions, every operation's method.
//! - The vendored `spec/` (two files) generates the same way, and so does each snapshot split in
//!   two files.
//! - A malformed or unsupported document is one readable error naming the file and the JSON
//!   pointer, never a panic from inside the generator.
//! - The build script: what it tells cargo, what it writes, how it fails.
//!
//! The generated code is inspected with `syn`, not by searching text, so that a test names the
//! item it wants (`enum AuthorizationCodeTokenRequestGrantType`) rather than a formatting.

use std::fs;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use polar_oauth2_codegen::build_script::{self, CLIENT_FILE, SCOPES_FILE, TIMINGS_VAR};
use polar_oauth2_codegen::{Error, Output, generate, generate_dir, load, prepare, walk};
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------
// Fixtures and scratch directories

/// The four snapshots, oldest first.
const HISTORY: [&str; 4] = [
    "oauth2-subset.2026-03-05.2c3e674089.yaml",
    "oauth2-subset.2026-04-03.e4b36aaad8.yaml",
    "oauth2-subset.2026-06-18.1e0b520ed1.yaml",
    "oauth2-subset.2026-08-20.790b7ebcd6.yaml",
];
/// The newest snapshot: the base the malformed documents are made from.
const NEWEST: &str = HISTORY[3];

/// The methods of Polar's 9 OAuth2 operations, in document order.
const ALL_METHODS: [&str; 9] = [
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

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn history_text(name: &str) -> String {
    let path = manifest_dir()
        .join("tests/fixtures/spec-history")
        .join(name);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn history_value(name: &str) -> Value {
    serde_yaml::from_str(&history_text(name)).expect("the fixture is YAML")
}

/// The workspace's vendored `spec/` directory.
fn vendored_spec() -> PathBuf {
    manifest_dir().join("../spec")
}

/// A directory of its own under the system temp dir, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "polar-oauth2-codegen-{name}-{}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("create a scratch directory");
        Self(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    fn write(&self, file: &str, text: &str) -> PathBuf {
        let path = self.0.join(file);
        fs::write(&path, text).expect("write a scratch file");
        path
    }

    fn write_yaml(&self, file: &str, doc: &Value) -> PathBuf {
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
fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "`{from}` must occur once");
    text.replacen(from, to, 1)
}

/// Run the pipeline on `dir`, asserting that no panic escapes it.
fn generate_caught(dir: &Path) -> Result<Output, Error> {
    panic::catch_unwind(AssertUnwindSafe(|| generate_dir(dir)))
        .unwrap_or_else(|_| panic!("a panic escaped the pipeline on {}", dir.display()))
}

/// One document alone in a scratch directory, through the whole pipeline.
fn generate_one(name: &str, file: &str, text: &str) -> (Scratch, PathBuf, Result<Output, Error>) {
    let scratch = Scratch::new(name);
    let path = scratch.write(file, text);
    let result = generate_caught(scratch.path());
    (scratch, path, result)
}

/// The newest snapshot with `change` applied, alone in a scratch directory: the error it gives.
fn newest_changed(name: &str, change: impl FnOnce(&mut Value)) -> (Scratch, PathBuf, Error) {
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
struct Code {
    file: syn::File,
    text: String,
}

impl Code {
    fn parse(output: &Output) -> Self {
        let file = syn::parse_file(&output.client).expect("generated code parses");
        Self {
            file,
            text: output.client.clone(),
        }
    }

    /// The items of `pub mod types`.
    fn types(&self) -> &[syn::Item] {
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

    fn type_names(&self) -> Vec<String> {
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

    fn enum_(&self, name: &str) -> &syn::ItemEnum {
        self.types()
            .iter()
            .find_map(|item| match item {
                syn::Item::Enum(e) if e.ident == name => Some(e),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no `enum {name}` in types: {:?}", self.type_names()))
    }

    /// The values an enum of strings (de)serializes as.
    fn enum_values(&self, name: &str) -> Vec<String> {
        self.enum_(name)
            .variants
            .iter()
            .map(|v| serde_rename(&v.attrs).unwrap_or_else(|| v.ident.to_string()))
            .collect()
    }

    /// A struct's fields: name and type (rendered).
    fn fields(&self, name: &str) -> Vec<(String, String)> {
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

    fn field(&self, strukt: &str, field: &str) -> Option<String> {
        self.fields(strukt)
            .into_iter()
            .find(|(name, _)| name == field)
            .map(|(_, ty)| ty)
    }

    /// The async methods of `impl Client` (one per operation).
    fn operation_methods(&self) -> Vec<&syn::ImplItemFn> {
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

    fn method_names(&self) -> Vec<String> {
        self.operation_methods()
            .iter()
            .map(|f| f.sig.ident.to_string())
            .collect()
    }

    /// A method's parameters (name, type) and its return type, rendered.
    fn signature(&self, name: &str) -> (Vec<(String, String)>, String) {
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

    /// The source with all whitespace runs collapsed to one space (for the few checks on
    /// function bodies).
    fn flat(&self) -> String {
        self.text.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

fn is_client(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.path.is_ident("Client"))
}

/// `#[serde(rename = "x")]` -> `x`.
fn serde_rename(attrs: &[syn::Attribute]) -> Option<String> {
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
fn render_type(ty: &syn::Type) -> String {
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

/// What the facade relies on, in the code generated from any document that has the authorize
/// and token operations (each snapshot, the vendored spec).
fn assert_facade_seams(code: &Code, doc: &str) {
    // Each token request arm has its own grant_type enum with exactly its own value: with one
    // shared `GrantType` enum (typify names inline enums after their title), a refresh request
    // would send `grant_type=authorization_code`.
    for (arm, value) in [
        ("AuthorizationCodeTokenRequest", "authorization_code"),
        ("RefreshTokenRequest", "refresh_token"),
        ("WebTokenRequest", "web"),
    ] {
        let enum_name = format!("{arm}GrantType");
        assert_eq!(code.enum_values(&enum_name), [value], "{doc}: {enum_name}");
        assert_eq!(
            code.field(arm, "grant_type").as_deref(),
            Some(enum_name.as_str()),
            "{doc}: {arm}.grant_type"
        );
    }
    let names = code.type_names();
    assert!(
        !names.iter().any(|n| n == "GrantType"),
        "{doc}: a shared `GrantType` enum came back: {names:?}"
    );

    // The authorize arms lose their tag: the facade's internally tagged enum consumes it.
    for arm in ["AuthorizeResponseUser", "AuthorizeResponseOrganization"] {
        let fields = code.fields(arm);
        assert!(
            !fields.iter().any(|(name, _)| name == "sub_type"),
            "{doc}: {arm} still has `sub_type`: {fields:?}"
        );
        assert_eq!(
            code.field(arm, "scopes").as_deref(),
            Some("::std::vec::Vec<crate::scope::Scope>"),
            "{doc}: {arm}.scopes"
        );
        assert_eq!(
            code.field(arm, "scope_display_names").as_deref(),
            Some("::std::option::Option<crate::scope::ScopeDisplayNames>"),
            "{doc}: {arm}.scope_display_names"
        );
    }

    // The replaced schemas are not generated at all; the methods use the facade's types.
    for replaced in [
        "AuthorizeResponse",
        "TokenRequest",
        "TokenResponse",
        "Scope",
        "ScopeDisplayNames",
        "ResponseOauth2Authorize",
        "Oauth2RequestTokenBody",
    ] {
        assert!(
            !names.iter().any(|n| n == replaced),
            "{doc}: `{replaced}` was generated: {names:?}"
        );
    }
    let (_, authorize) = code.signature("oauth2_authorize");
    assert_eq!(
        authorize, "Result<ResponseValue<crate::authorize::AuthorizeResponse>, Error<()>>",
        "{doc}"
    );
    let (params, token) = code.signature("oauth2_request_token");
    // `Authorization` carries a `client_secret_basic` client's credentials.
    assert_eq!(
        params,
        [
            ("authorization".to_owned(), "Option<&'a str>".to_owned()),
            (
                "body".to_owned(),
                "&'a crate::token::TokenRequest".to_owned()
            )
        ],
        "{doc}"
    );
    assert_eq!(
        token, "Result<ResponseValue<crate::token::Token>, Error<()>>",
        "{doc}"
    );
}

// ---------------------------------------------------------------------------------------------
// The four snapshots

/// One snapshot alone: generates, with no warning, with every seam and all 9 methods.
fn check_snapshot(name: &str) -> Code {
    let (_scratch, _, result) = generate_one(name, name, &history_text(name));
    let output = result.unwrap_or_else(|e| panic!("{name}: {e}"));
    // Empty on purpose: every construct these documents use has a rewrite in `downgrade`
    // (see `no_31_construct_survives_the_downgrade`) or is plain 3.0, so a warning here would
    // mean something new is being lost.
    assert_eq!(output.warnings, Vec::<String>::new(), "{name}");
    let code = Code::parse(&output);
    assert_facade_seams(&code, name);
    assert_request_rewrites(&output.client, name);
    assert_eq!(code.method_names(), ALL_METHODS, "{name}");
    code
}

/// `polar_oauth2_codegen::requests` found progenitor's shapes in every method: no static URL is
/// formatted, no `api-version` header is built, no `Authorization` name is parsed from a string,
/// and every JSON response goes through the library's `decode`.
fn assert_request_rewrites(client: &str, doc: &str) {
    assert!(
        !client.contains("api-version"),
        "{doc}: an api-version header is built"
    );
    assert!(
        !client.contains("ResponseValue::from_response")
            && !client.contains("ResponseValue::empty"),
        "{doc}: a response is not decoded by crate::client::decode or empty"
    );
    assert!(client.contains("crate::client::decode(response)"), "{doc}");
    assert!(
        !client.contains(r#"append("Authorization""#),
        "{doc}: an Authorization header name is parsed from a string"
    );
    let flat: String = client.split_whitespace().collect::<Vec<_>>().join(" ");
    for (i, _) in flat
        .match_indices(r#"format!( "{}/"#)
        .chain(flat.match_indices(r#"format!("{}/"#))
    {
        let literal = flat[i..].split('"').nth(1).unwrap_or_default();
        assert!(
            literal.matches("{}").count() > 1,
            "{doc}: the URL of a path without parameters is formatted: {literal}"
        );
    }
    assert!(client.contains("self.inner.url("), "{doc}");
}

#[test]
fn snapshot_2026_03_05_generates() {
    let code = check_snapshot(HISTORY[0]);
    assert_eq!(code.field("AuthorizeResponseUser", "organizations"), None);
}

#[test]
fn snapshot_2026_04_03_generates() {
    check_snapshot(HISTORY[1]);
}

#[test]
fn snapshot_2026_06_18_generates() {
    let code = check_snapshot(HISTORY[2]);
    assert_eq!(code.field("AuthorizeResponseUser", "organizations"), None);
    // `default_sub_type: {$ref: SubType, default: organization}`: the `$ref` sibling is kept.
    assert!(
        code.flat().contains(
            "fn o_auth2_client_configuration_default_sub_type() -> super::SubType { super::SubType::Organization }"
        ),
        "the default of `default_sub_type` was lost"
    );
}

#[test]
fn snapshot_2026_08_20_generates_with_its_drift() {
    let code = check_snapshot(HISTORY[3]);
    // The real drift of this snapshot shows in the generated code.
    assert_eq!(
        code.field("AuthorizeResponseUser", "organizations")
            .as_deref(),
        Some("::std::vec::Vec<AuthorizeOrganization>")
    );
    assert_eq!(
        code.field("AuthorizeResponseUser", "requires_single_organization")
            .as_deref(),
        Some("bool")
    );
    assert_eq!(
        code.field("OAuth2ClientConfiguration", "default_sub_type")
            .as_deref(),
        Some("SubType")
    );
    assert!(
        code.flat().contains(
            "fn o_auth2_client_configuration_default_sub_type() -> super::SubType { super::SubType::User }"
        ),
        "the default of `default_sub_type` was lost"
    );
    // `DELETE /v1/oauth2/register/{client_id}` now answers 204 (it was 200 with a JSON body).
    let (_, delete) = code.signature("oauth2_clients_oauth2_delete_client");
    assert_eq!(delete, "Result<ResponseValue<()>, Error<()>>");
}

/// What the downgrade leaves must be plain OpenAPI 3.0 for openapiv3, with nothing that
/// openapiv3 would drop without a word (it ignores unknown fields rather than failing).
#[test]
fn no_31_construct_survives_the_downgrade() {
    /// The 3.1-only keywords a schema of these documents could still carry.
    fn check_schema(schema: &serde_json::Map<String, Value>, ptr: &str, doc: &str) {
        for key in ["const", "examples", "prefixItems", "$defs"] {
            assert!(!schema.contains_key(key), "{doc}: `{key}` left at #{ptr}");
        }
        if schema.contains_key("$ref") {
            assert_eq!(schema.len(), 1, "{doc}: `$ref` with siblings at #{ptr}");
        }
        if let Some(ty) = schema.get("type") {
            assert!(
                ty.is_string() && ty != "null",
                "{doc}: 3.1 `type: {ty}` at #{ptr}"
            );
        }
        if let Some(bound) = schema.get("exclusiveMinimum") {
            assert!(bound.is_boolean(), "{doc}: numeric bound at #{ptr}");
        }
    }
    let mut schemes_checked = 0;
    for name in HISTORY {
        let scratch = Scratch::new(&format!("downgrade-{name}"));
        let source = history_value(name);
        scratch.write_yaml(name, &source);
        let loaded = load::load_dir(scratch.path()).unwrap_or_else(|e| panic!("{e}"));
        let (prepared, warnings) = prepare(&loaded).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(warnings, Vec::<String>::new(), "{name}");
        assert_eq!(prepared["openapi"], "3.0.3", "{name}");
        assert_eq!(prepared.pointer("/info/summary"), None, "{name}");
        assert_eq!(
            prepared.pointer("/info/x-summary"),
            source.pointer("/info/summary"),
            "{name}: info.summary is kept as an extension"
        );
        assert_eq!(prepared.get("webhooks"), None, "{name}");
        let mut schemas = 0;
        walk::for_each_schema(&mut prepared.clone(), &mut |schema, ptr| {
            schemas += 1;
            check_schema(schema, ptr, name);
        });
        assert!(schemas > 100, "{name}: only {schemas} schemas visited");

        // Security schemes (`openIdConnect`, `http` bearer) are 3.0 already and survive parsing.
        let spec = generate::parse_openapi(&prepared).unwrap_or_else(|e| panic!("{name}: {e}"));
        let parsed = spec.components.expect("components").security_schemes;
        let no_schemes = serde_json::Map::new();
        let declared = source
            .pointer("/components/securitySchemes")
            .and_then(Value::as_object)
            .unwrap_or(&no_schemes);
        assert_eq!(
            parsed.keys().collect::<Vec<_>>(),
            declared.keys().collect::<Vec<_>>(),
            "{name}"
        );
        schemes_checked += declared.len();
        for (scheme, value) in declared {
            let parsed = parsed[scheme].as_item().expect("an inline scheme");
            match (value["type"].as_str(), parsed) {
                (
                    Some("openIdConnect"),
                    openapiv3::SecurityScheme::OpenIDConnect {
                        open_id_connect_url,
                        ..
                    },
                ) => assert_eq!(open_id_connect_url, "/.well-known/openid-configuration"),
                (Some("http"), openapiv3::SecurityScheme::HTTP { scheme, .. }) => {
                    assert_eq!(scheme, "bearer")
                }
                (ty, other) => panic!("{name}: scheme `{scheme}` of type {ty:?} read as {other:?}"),
            }
        }
    }
    // The newest snapshot's `oidc` (openIdConnect) and `pat` (http bearer).
    assert_eq!(schemes_checked, 2);
}

/// Each snapshot split in two files (the operations shared out, the components repeated, as
/// Polar publishes one document per operation) merges back into the same client.
#[test]
fn each_snapshot_split_in_two_files_generates_the_same_client() {
    for name in HISTORY {
        let whole = history_value(name);
        let paths = whole["paths"].as_object().expect("paths");
        let half = paths.len() / 2;
        let (mut first, mut second) = (whole.clone(), whole.clone());
        first["paths"] = paths
            .iter()
            .take(half)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        second["paths"] = paths
            .iter()
            .skip(half)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();

        let alone = Scratch::new(&format!("whole-{name}"));
        alone.write_yaml("oauth2.yaml", &whole);
        let split = Scratch::new(&format!("split-{name}"));
        split.write_yaml("oauth2-a.yaml", &first);
        split.write_yaml("oauth2-b.yaml", &second);

        let expected = generate_caught(alone.path()).unwrap_or_else(|e| panic!("{e}"));
        let merged = generate_caught(split.path()).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            merged.client == expected.client,
            "{name}: the split generates other code"
        );
        assert_eq!(merged.scopes, expected.scopes, "{name}");
        assert_eq!(merged.warnings, expected.warnings, "{name}");
    }
}

/// The vendored `spec/`, whatever documents it holds: one client method per operation, named
/// after its `operationId`, and the facade's seams in place.
#[test]
fn vendored_spec_generates_with_the_facade_seams() {
    let doc = load::load_dir(&vendored_spec()).unwrap_or_else(|e| panic!("{e}"));
    let mut expected: Vec<String> = doc.value["paths"]
        .as_object()
        .into_iter()
        .flatten()
        .flat_map(|(_, item)| item.as_object().into_iter().flatten())
        .filter_map(|(_, op)| op.get("operationId")?.as_str())
        .map(|id| id.replace(':', "_"))
        .collect();
    expected.sort();
    let output = generate_caught(&vendored_spec()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(output.warnings, Vec::<String>::new());
    let code = Code::parse(&output);
    assert_facade_seams(&code, "spec/");
    assert_request_rewrites(&output.client, "spec/");
    let mut methods = code.method_names();
    methods.sort();
    assert_eq!(methods, expected);
}

/// How long the pipeline takes on the vendored `spec/` and how much it generates (printed with
/// `--nocapture`). No bound is asserted on a shared machine; the build script prints the same
/// numbers with `POLAR_OAUTH2_CODEGEN_TIMINGS=1`.
#[test]
fn measure_the_vendored_spec() {
    let _ = generate_caught(&vendored_spec()); // warm the file cache
    let runs = 5;
    let mut best = Duration::MAX;
    let mut output = None;
    for _ in 0..runs {
        let start = Instant::now();
        let out = generate_caught(&vendored_spec()).unwrap_or_else(|e| panic!("{e}"));
        best = best.min(start.elapsed());
        output = Some(out);
    }
    let output = output.expect("at least one run");
    let phases: Vec<_> = output
        .timings
        .iter()
        .map(|(phase, took)| format!("{phase} {:.1} ms", took.as_secs_f64() * 1e3))
        .collect();
    println!(
        "vendored spec/: best of {runs} runs {:.1} ms ({}); {} lines, {} bytes generated",
        best.as_secs_f64() * 1e3,
        phases.join(", "),
        output.client.lines().count(),
        output.client.len()
    );
    assert!(output.client.lines().count() > 100);
}

// ---------------------------------------------------------------------------------------------
// Malformed and unsupported documents: one readable error naming the file and the pointer

#[test]
fn yaml_syntax_error_names_the_file_and_line() {
    let text = history_text(NEWEST);
    // One space of indentation lost: the token path no longer belongs to `paths`.
    let line = 1 + text
        .lines()
        .position(|l| l == "  /v1/oauth2/token:")
        .expect("the token path");
    let broken = replace_once(&text, "\n  /v1/oauth2/token:", "\n /v1/oauth2/token:");
    let (_scratch, file, result) = generate_one("yaml", "oauth2.yaml", &broken);
    let err = result.expect_err("invalid YAML");
    let shown = err.to_string();
    let expected = format!("{}: invalid YAML at line {line} column 2: ", file.display());
    assert!(shown.starts_with(&expected), "{shown}");
    assert_eq!(err.files, [file]);
}

#[test]
fn document_without_paths_is_named() {
    let (_scratch, file, err) = newest_changed("no-paths", |doc| {
        doc.as_object_mut().expect("a mapping").remove("paths");
    });
    assert_eq!(
        err.to_string(),
        format!(
            "{}: no `paths`: an OpenAPI document must list its operations",
            file.display()
        )
    );
}

#[test]
fn dangling_ref_is_named_where_the_file_has_it() {
    let cases = [
        // A request body.
        (
            "/paths/~1v1~1oauth2~1introspect/post/requestBody/content/application~1x-www-form-urlencoded/schema/$ref",
            "dangling-body",
        ),
        // The arm of a nullable `anyOf` (the downgrade turns it into `allOf`: the pointer must
        // still be the one in the file).
        (
            "/components/schemas/AuthorizeResponseUser/properties/sub/anyOf/0/$ref",
            "dangling-nullable",
        ),
        // An arm of the authorize union (which `shape` hoists).
        (
            "/paths/~1v1~1oauth2~1authorize/get/responses/200/content/application~1json/schema/oneOf/0/$ref",
            "dangling-union",
        ),
    ];
    for (ptr, name) in cases {
        let (_scratch, file, err) = newest_changed(name, |doc| {
            *doc.pointer_mut(ptr).expect("the fixture has this $ref") =
                json!("#/components/schemas/Nope");
        });
        assert_eq!(
            err.to_string(),
            format!(
                "{} at #{ptr}: `$ref` to `#/components/schemas/Nope`, which does not exist",
                file.display()
            )
        );
    }
}

#[test]
fn conflicting_snapshots_name_both_files_and_the_key() {
    // Two snapshots of different dates side by side: `info.version` differs first.
    let scratch = Scratch::new("conflict-snapshots");
    let old = scratch.write("oauth2-a.yaml", &history_text(HISTORY[0]));
    let new = scratch.write("oauth2-b.yaml", &history_text(HISTORY[3]));
    let err = generate_caught(scratch.path()).expect_err("a conflict");
    assert_eq!(
        err.to_string(),
        format!(
            "{} and {} at #/info: two different definitions of `info`; make the documents agree or remove one",
            old.display(),
            new.display()
        )
    );
}

#[test]
fn conflicting_component_in_the_vendored_split_names_both_files_and_the_key() {
    // The vendored document split in two, the token half with a newer `Scope` (one more
    // value) than the authorize half's.
    let scratch = Scratch::new("conflict-scope");
    let whole = load::load_dir(&vendored_spec())
        .unwrap_or_else(|e| panic!("{e}"))
        .value;
    let authorize = whole.clone();
    let mut token = whole;
    let mut scope = authorize["components"]["schemas"]["Scope"].clone();
    scope["enum"]
        .as_array_mut()
        .expect("scope values")
        .push(json!("teleport:write"));
    token["components"]["schemas"]["Scope"] = scope;
    let first = scratch.write_yaml("oauth2-authorize.yaml", &authorize);
    let second = scratch.write_yaml("oauth2-token.yaml", &token);
    let err = generate_caught(scratch.path()).expect_err("a conflict");
    assert_eq!(
        err.to_string(),
        format!(
            "{} and {} at #/components/schemas/Scope: two different definitions of `Scope`; make the documents agree or remove one",
            first.display(),
            second.display()
        )
    );
}

#[test]
fn openapi_2_and_swagger_2_are_refused_by_name() {
    let text = history_text(NEWEST);
    let cases = [
        // Unquoted, YAML reads a number.
        (
            "openapi: 2.0",
            "#/openapi: unsupported OpenAPI version `2.0`; expected 3.0.x or 3.1.x",
        ),
        (
            "openapi: '2.0'",
            "#/openapi: unsupported OpenAPI version `2.0`; expected 3.0.x or 3.1.x",
        ),
        (
            "swagger: \"2.0\"",
            "#/swagger: Swagger 2.0 documents are not supported; expected OpenAPI 3.0.x or 3.1.x",
        ),
    ];
    for (i, (version, message)) in cases.into_iter().enumerate() {
        let changed = replace_once(&text, "openapi: 3.1.0", version);
        let (_scratch, file, result) =
            generate_one(&format!("version-{i}"), "oauth2.yaml", &changed);
        let err = result.expect_err("an unsupported version");
        assert_eq!(err.to_string(), format!("{} at {message}", file.display()));
    }
}

#[test]
fn missing_or_repeated_operation_id_is_named() {
    let (_scratch, file, err) = newest_changed("no-operation-id", |doc| {
        doc["paths"]["/v1/oauth2/register/{client_id}"]["put"]
            .as_object_mut()
            .expect("an operation")
            .remove("operationId");
    });
    assert_eq!(
        err.to_string(),
        format!(
            "{} at #/paths/~1v1~1oauth2~1register~1{{client_id}}/put: the operation has no `operationId`; the client method is named after it",
            file.display()
        )
    );
    let (_scratch, file, err) = newest_changed("same-operation-id", |doc| {
        doc["paths"]["/v1/oauth2/userinfo"]["get"]["operationId"] = json!("oauth2:revoke_token");
    });
    assert_eq!(
        err.to_string(),
        format!(
            "{} at #/paths/~1v1~1oauth2~1userinfo/get/operationId: `operationId` `oauth2:revoke_token` is already used at #/paths/~1v1~1oauth2~1revoke/post; each operation needs its own",
            file.display()
        )
    );
}

/// Documents progenitor or typify would panic on (`todo!`, `expect`, `panic!`) or refuse without
/// saying where: the panic is caught, and the operation or schema at fault is named.
#[test]
fn generator_failures_are_caught_and_located() {
    type Change = fn(&mut Value);
    let cases: [(&str, Change, &str, &str); 7] = [
        (
            // A second media type for the token body (`todo!` in progenitor).
            "two-media-types",
            |doc| {
                let content =
                    &mut doc["paths"]["/v1/oauth2/token"]["post"]["requestBody"]["content"];
                content["application/json"] = content["application/x-www-form-urlencoded"].clone();
            },
            "/paths/~1v1~1oauth2~1token/post",
            "progenitor cannot generate this: not yet implemented: more media types than expected for oauth2:request_token: 2",
        ),
        (
            // A form `encoding` (`todo!` with a multi-line Debug dump: shown on one line).
            "form-encoding",
            |doc| {
                doc["paths"]["/v1/oauth2/revoke"]["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"]
                    ["encoding"] = json!({"token": {"contentType": "text/plain"}});
            },
            "/paths/~1v1~1oauth2~1revoke/post",
            "progenitor cannot generate this: not yet implemented: media type encoding not empty: MediaType {",
        ),
        (
            // A path parameter the operation does not declare (`expect` in progenitor).
            "undeclared-path-parameter",
            |doc| {
                let paths = doc["paths"].as_object_mut().expect("paths");
                let item = paths.remove("/v1/oauth2/userinfo").expect("userinfo");
                paths.insert("/v1/oauth2/userinfo/{id}".into(), item);
            },
            "/paths/~1v1~1oauth2~1userinfo~1{id}/get",
            "progenitor cannot generate this: missing path name mapping id",
        ),
        (
            // A path item `$ref` (an error from progenitor that names no place).
            "path-item-ref",
            |doc| {
                let mut item = doc["paths"]["/v1/oauth2/userinfo"].clone();
                item["get"]["operationId"] = json!("oauth2:userinfo_again");
                doc["components"]["pathItems"] = json!({ "UserInfo": item });
                doc["paths"]["/v1/oauth2/userinfo2"] =
                    json!({"$ref": "#/components/pathItems/UserInfo"});
            },
            "/paths/~1v1~1oauth2~1userinfo2",
            "progenitor cannot generate this: unexpected or unhandled format in the OpenAPI document path /v1/oauth2/userinfo2 uses reference, unsupported",
        ),
        (
            // Two enum values with one Rust name get distinct ones (`codegen/tests/constructs.rs`);
            // what is left is the default outside the enum, in a schema that refers to others.
            "clashing-enum-values",
            |doc| {
                doc["components"]["schemas"]["OAuth2ClientConfiguration"]["properties"]["token_endpoint_auth_method"]
                    ["enum"] = json!(["client_secret_basic", "client-secret-basic"]);
            },
            "/components/schemas/OAuth2ClientConfiguration",
            "progenitor cannot generate this: type error value does not conform to the given schema",
        ),
        (
            // A `not` schema (`todo!` in typify).
            "not-schema",
            |doc| {
                doc["components"]["schemas"]["UserInfoUser"]["properties"]["sub"]["not"] =
                    json!({"type": "object"});
            },
            "/components/schemas/UserInfoUser",
            "progenitor cannot generate this: not yet implemented: unhandled not schema",
        ),
        (
            // A default that does not fit its type (an error from typify that names no place).
            "bad-default",
            |doc| {
                doc["components"]["schemas"]["IntrospectTokenResponse"]["properties"]["exp"]["default"] =
                    json!("soon");
            },
            "/components/schemas/IntrospectTokenResponse",
            "progenitor cannot generate this: type error value does not conform to the given schema",
        ),
    ];
    for (name, change, ptr, message) in cases {
        let (_scratch, file, err) = newest_changed(name, change);
        let shown = err.to_string();
        let expected = format!("{} at #{ptr}: {message}", file.display());
        assert!(shown.starts_with(&expected), "{name}:\n{shown}\n{expected}");
        assert!(!shown.contains('\n'), "{name}: {shown}");
        assert_eq!(err.pointer, ptr, "{name}");
    }
}

// ---------------------------------------------------------------------------------------------
// The build script

/// Run the build script's logic with the workspace as the package and `out` as `OUT_DIR`.
fn build(manifest: &Path, out: &Path, timings: bool) -> (Result<(), Error>, Vec<String>) {
    let mut lines = Vec::new();
    let result =
        build_script::generate_into(manifest, "spec", out, timings, &mut |l| lines.push(l));
    (result, lines)
}

#[test]
fn build_script_writes_the_client_and_reruns_only_on_spec_changes() {
    let workspace = manifest_dir().join("..");
    let out = Scratch::new("build-out");
    let (result, lines) = build(&workspace, out.path(), false);
    result.unwrap_or_else(|e| panic!("{e}"));
    let spec = workspace.join("spec");
    let files = load::spec_files(&spec).unwrap_or_else(|e| panic!("{e}"));
    assert!(!files.is_empty());
    let selection = Some(spec.join("select.toml")).filter(|f| f.is_file());
    let expected_lines: Vec<String> = std::iter::once(spec.clone())
        .chain(files)
        .chain(selection)
        .map(|f| format!("cargo:rerun-if-changed={}", f.display()))
        .chain([format!("cargo:rerun-if-env-changed={TIMINGS_VAR}")])
        .collect();
    assert_eq!(lines, expected_lines);
    let expected = generate_caught(&spec).unwrap_or_else(|e| panic!("{e}"));
    let client = out.path().join(CLIENT_FILE);
    assert!(fs::read_to_string(&client).ok() == Some(expected.client));
    assert_eq!(
        fs::read_to_string(out.path().join(SCOPES_FILE)).ok(),
        Some(expected.scopes)
    );

    // A second run with nothing changed does not touch the files (cargo would otherwise
    // recompile the library on every build).
    let long_ago = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    fs::File::options()
        .write(true)
        .open(&client)
        .and_then(|f| f.set_modified(long_ago))
        .expect("set the mtime");
    let (result, _) = build(&workspace, out.path(), false);
    result.unwrap_or_else(|e| panic!("{e}"));
    let modified = fs::metadata(&client).and_then(|m| m.modified()).ok();
    assert_eq!(
        modified,
        Some(long_ago),
        "an unchanged client was rewritten"
    );

    // A stale file is replaced.
    fs::write(&client, "stale").expect("write");
    let (result, _) = build(&workspace, out.path(), false);
    result.unwrap_or_else(|e| panic!("{e}"));
    assert_ne!(fs::read_to_string(&client).ok().as_deref(), Some("stale"));
}

#[test]
fn build_script_prints_warnings_and_timings_for_cargo() {
    let package = Scratch::new("build-warnings");
    fs::create_dir_all(package.path().join("spec")).expect("spec dir");
    let mut doc = history_value(NEWEST);
    doc["components"]["schemas"]["IntrospectTokenResponse"]["properties"]["client_id"]["pattern"] =
        json!("^polar_ci_");
    package.write_yaml("spec/oauth2.yaml", &doc);
    let out = Scratch::new("build-warnings-out");
    let (result, lines) = build(package.path(), out.path(), true);
    result.unwrap_or_else(|e| panic!("{e}"));
    let warnings: Vec<_> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("cargo:warning="))
        .collect();
    assert_eq!(
        warnings[0],
        "1 `pattern` constraint(s) dropped, first at #/components/schemas/IntrospectTokenResponse/properties/client_id/pattern: the client does not check strings against regular expressions (the server validates)"
    );
    let phases: Vec<_> = warnings[1..]
        .iter()
        .map(|w| w.split(':').next().unwrap_or_default())
        .collect();
    assert_eq!(
        phases,
        [
            "codegen load",
            "codegen select",
            "codegen downgrade+shape",
            "codegen generate",
            "codegen write",
            "codegen total",
        ]
    );
    assert!(warnings[6].ends_with(" lines generated"), "{}", warnings[6]);
}

#[test]
fn build_script_failure_is_one_message_with_paths_relative_to_the_package() {
    let package = Scratch::new("build-failure");
    fs::create_dir_all(package.path().join("spec")).expect("spec dir");
    let text = replace_once(&history_text(NEWEST), "openapi: 3.1.0", "swagger: '2.0'");
    package.write("spec/oauth2.yaml", &text);
    let out = Scratch::new("build-failure-out");
    let (result, lines) = build(package.path(), out.path(), false);
    let err = result.expect_err("a Swagger document");
    assert_eq!(
        build_script::failure_message("spec", &err),
        "error: cannot generate the Polar OAuth2 client from spec/: spec/oauth2.yaml at #/swagger: Swagger 2.0 documents are not supported; expected OpenAPI 3.0.x or 3.1.x"
    );
    // Cargo still learns what to watch, so fixing the file reruns the script.
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(!out.path().join(CLIENT_FILE).exists());

    // An empty spec directory is named the same way.
    fs::remove_file(package.path().join("spec/oauth2.yaml")).expect("remove");
    let (result, _) = build(package.path(), out.path(), false);
    assert_eq!(
        build_script::failure_message("spec", &result.expect_err("no documents")),
        "error: cannot generate the Polar OAuth2 client from spec/: spec: no OpenAPI document (*.yaml, *.yml or *.json) in the spec directory"
    );
}
