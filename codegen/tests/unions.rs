//! Untagged unions decode to the arm the server meant (`codegen/src/unions.rs`).
//!
//! Each case is a minimal union added to Polar's OAuth2 section, every operation selected, run
//! through the whole pipeline. The generated types are compiled in a scratch crate and each
//! arm's own `example` (from the document) is decoded: it must come back as its own arm.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use polar_oauth2_codegen::select::{self, Selection};
use polar_oauth2_codegen::{Output, generate_dir, load, prepare, unions};
use serde_json::{Value, json};

const NEWEST: &str = "tests/fixtures/spec-history/oauth2-subset.2026-08-20.790b7ebcd6.yaml";
const WHOLE: &str = "tests/fixtures/polar-spec/openapi.2026-04-03.e4b36aaad8.yaml";

/// A union `name` of the object `arms` (`(component, schema)`, each with its `example`) under
/// `keyword`, as a component returned by `GET /v1/unions/<name>`.
struct Case {
    name: &'static str,
    keyword: &'static str,
    arms: Vec<(String, Value)>,
    /// Components the arms refer to.
    extra: Vec<(String, Value)>,
}

fn object(required: &[&str], properties: Value, example: Value) -> Value {
    json!({"type": "object", "required": required, "properties": properties, "example": example})
}

/// An earlier arm needs a subset of a later arm's properties and ignores the rest.
fn required_subset() -> Case {
    let id = json!({"type": "string"});
    Case {
        name: "Subset",
        keyword: "oneOf",
        arms: vec![
            (
                "SubsetShort".to_owned(),
                object(&["id"], json!({"id": id}), json!({"id": "a"})),
            ),
            (
                "SubsetLong".to_owned(),
                object(
                    &["id", "extra"],
                    json!({"id": id, "extra": {"type": "integer"}}),
                    json!({"id": "a", "extra": 3}),
                ),
            ),
        ],
        extra: Vec::new(),
    }
}

/// Polar's `Discount`: both arms share one `duration` enum, so it is no tag.
fn shared_enum() -> Case {
    let duration = json!({"type": "string", "enum": ["once", "forever", "repeating"]});
    Case {
        name: "Duration",
        keyword: "oneOf",
        arms: vec![
            (
                "DurationOnceForever".to_owned(),
                object(
                    &["duration"],
                    json!({"duration": duration}),
                    json!({"duration": "once"}),
                ),
            ),
            (
                "DurationRepeating".to_owned(),
                object(
                    &["duration", "duration_in_months"],
                    json!({"duration": duration, "duration_in_months": {"type": "integer"}}),
                    json!({"duration": "repeating", "duration_in_months": 3}),
                ),
            ),
        ],
        extra: Vec::new(),
    }
}

/// An arm whose properties are all optional accepts any object (an `anyOf`, which typify would
/// otherwise make a struct holding every arm that decodes).
fn all_optional() -> Case {
    let note = json!({"type": "string"});
    Case {
        name: "Optional",
        keyword: "anyOf",
        arms: vec![
            (
                "OptionalNote".to_owned(),
                object(&[], json!({"note": note}), json!({"note": "n"})),
            ),
            (
                "OptionalTicket".to_owned(),
                object(
                    &["ticket"],
                    json!({"note": note, "ticket": {"type": "string"}}),
                    json!({"note": "n", "ticket": "t"}),
                ),
            ),
        ],
        extra: Vec::new(),
    }
}

/// Two arms with only optional properties accept each other's values: no order helps.
fn ambiguous() -> Case {
    Case {
        name: "Either",
        keyword: "oneOf",
        arms: vec![
            (
                "EitherLeft".to_owned(),
                object(
                    &[],
                    json!({"left": {"type": "string"}}),
                    json!({"left": "l"}),
                ),
            ),
            (
                "EitherRight".to_owned(),
                object(
                    &[],
                    json!({"right": {"type": "string"}}),
                    json!({"right": "r"}),
                ),
            ),
        ],
        extra: Vec::new(),
    }
}

/// A `const` per arm (an `enum` after the downgrade), disjoint: a tag, left alone.
fn disjoint_tag() -> Case {
    let arm = |kind: &str, required: &[&str], extra: Value, example: Value| {
        let mut properties = json!({"kind": {"type": "string", "const": kind}});
        if let (Some(p), Some(e)) = (properties.as_object_mut(), extra.as_object()) {
            p.extend(e.clone());
        }
        object(required, properties, example)
    };
    Case {
        name: "Tagged",
        keyword: "oneOf",
        arms: vec![
            (
                "TaggedPlain".to_owned(),
                arm("plain", &["kind"], json!({}), json!({"kind": "plain"})),
            ),
            (
                "TaggedRich".to_owned(),
                arm(
                    "rich",
                    &["kind", "extra"],
                    json!({"extra": {"type": "integer"}}),
                    json!({"kind": "rich", "extra": 1}),
                ),
            ),
        ],
        extra: Vec::new(),
    }
}

/// Polar's own `Discount` (2026-04), with every schema it refers to, each arm with an example
/// shaped like the server's answer: a fixed or percentage discount (by the arm's
/// `basis_points`), repeating when the arm has `duration_in_months`.
fn polar_discount() -> Option<Case> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(WHOLE);
    let whole = load::read_file(&path).ok()?;
    let schemas = whole.pointer("/components/schemas")?.as_object()?;
    let mut names = BTreeSet::new();
    let mut todo = vec!["Discount".to_owned()];
    while let Some(name) = todo.pop() {
        if let Some(schema) = schemas.get(&name)
            && names.insert(name)
        {
            let text = schema.to_string();
            todo.extend(
                text.split("#/components/schemas/")
                    .skip(1)
                    .filter_map(|rest| rest.split('"').next().map(str::to_owned)),
            );
        }
    }
    let arm_names: Vec<String> = schemas["Discount"]["oneOf"]
        .as_array()?
        .iter()
        .filter_map(|arm| arm["$ref"].as_str()?.rsplit('/').next().map(str::to_owned))
        .collect();
    let arms = arm_names
        .iter()
        .map(|name| {
            let mut schema = schemas[name].clone();
            let has = |property: &str| schema["properties"].get(property).is_some();
            let mut example = json!({"created_at": "2026-04-03T10:00:00Z", "modified_at": null,
                "id": "6f1c7e52-5d0a-4c1e-9d7b-2f8a1f0c3b11", "metadata": {}, "name": "Launch",
                "code": null, "starts_at": null, "ends_at": null, "max_redemptions": null,
                "redemptions_count": 0, "organization_id": "1dbfc517-0bbf-4301-9ba8-555ca42b9737",
                "products": [], "duration": "once"});
            if has("basis_points") {
                example["type"] = json!("percentage");
                example["basis_points"] = json!(1000);
            } else {
                example["type"] = json!("fixed");
                example["amount"] = json!(1000);
                example["currency"] = json!("usd");
                example["amounts"] = json!({"usd": 1000});
            }
            if has("duration_in_months") {
                example["duration"] = json!("repeating");
                example["duration_in_months"] = json!(3);
            }
            schema["example"] = example;
            (name.clone(), schema)
        })
        .collect();
    let extra = names
        .into_iter()
        .filter(|name| name != "Discount" && !arm_names.contains(name))
        .map(|name| {
            let schema = schemas[&name].clone();
            (name, schema)
        })
        .collect();
    Some(Case {
        name: "Discount",
        keyword: "oneOf",
        arms,
        extra,
    })
}

fn cases() -> Vec<Case> {
    vec![
        required_subset(),
        shared_enum(),
        all_optional(),
        ambiguous(),
        disjoint_tag(),
    ]
}

/// Polar's OAuth2 section with every case added.
fn document(cases: &[Case]) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(NEWEST);
    let mut doc: Value = serde_yaml::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    for case in cases {
        let refs: Vec<Value> = case
            .arms
            .iter()
            .map(|(arm, _)| json!({"$ref": format!("#/components/schemas/{arm}")}))
            .collect();
        let schemas = &mut doc["components"]["schemas"];
        schemas[case.name] = json!({ case.keyword: refs });
        for (arm, schema) in case.arms.iter().chain(&case.extra) {
            schemas[arm.as_str()] = schema.clone();
        }
        doc["paths"][format!("/v1/unions/{}", case.name)]["get"] = json!({
            "operationId": format!("unions:{}", case.name),
            "responses": {"200": {"description": "x", "content": {"application/json": {
                "schema": {"$ref": format!("#/components/schemas/{}", case.name)}}}}}});
    }
    doc
}

fn generate(name: &str, doc: &Value) -> Output {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("unions-{name}"));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("polar.json"), serde_json::to_string(doc).unwrap()).unwrap();
    fs::write(dir.join("select.toml"), "paths = [\"/\"]\n").unwrap();
    generate_dir(&dir).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn warnings_about<'a>(output: &'a Output, case: &Case) -> Vec<&'a str> {
    let at = format!("#/components/schemas/{}/{}", case.name, case.keyword);
    output
        .warnings
        .iter()
        .filter(|w| w.contains(&format!("{at}:")) || w.contains(&format!("{at} ")))
        .map(String::as_str)
        .collect()
}

#[test]
fn shadowed_unions_are_reordered_with_one_warning_each_and_ambiguous_ones_named() {
    let cases = cases();
    let output = generate("warnings", &document(&cases));
    for case in &cases[..3] {
        let warnings = warnings_about(&output, case);
        let (general, specific) = (&case.arms[0].0, &case.arms[1].0);
        assert_eq!(warnings.len(), 1, "{}: {:#?}", case.name, output.warnings);
        assert!(
            warnings[0].contains(&format!(
                "arm `{general}` accepts every value of the later arm `{specific}`"
            )) && warnings[0].ends_with(&format!(
                "arms reordered most specific first: {specific}, {general}{}",
                if case.keyword == "anyOf" {
                    "; read as `oneOf`, one arm per value"
                } else {
                    ""
                }
            )),
            "{}",
            warnings[0]
        );
    }
    let either = &cases[3];
    let warnings = warnings_about(&output, either);
    assert_eq!(warnings.len(), 1, "{:#?}", output.warnings);
    assert!(
        warnings[0].contains(&format!(
            "#/components/schemas/{}/oneOf is ambiguous: arms `{}` and `{}` accept the same values",
            either.name, either.arms[0].0, either.arms[1].0
        )),
        "{}",
        warnings[0]
    );
    assert_eq!(warnings_about(&output, &cases[4]), Vec::<&str>::new());
}

#[test]
fn the_oauth2_section_alone_has_no_union_warning() {
    // Its only untagged union of objects, the userinfo response, is the facade's own type.
    let output = generate("oauth2", &document(&[]));
    let about_unions: Vec<&String> = output
        .warnings
        .iter()
        .filter(|w| w.contains("untagged union"))
        .collect();
    assert_eq!(about_unions, Vec::<&String>::new());
}

#[test]
fn each_arms_own_example_decodes_to_its_own_arm() {
    let mut cases: Vec<Case> = cases().into_iter().filter(|c| c.name != "Either").collect();
    // Absent from the published package, like the whole document it comes from.
    cases.extend(polar_discount());
    let output = generate("decode", &document(&cases));
    let file = syn::parse_file(&output.client).unwrap();
    let types = file
        .items
        .iter()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "types" => m.content.as_ref().map(|(_, i)| i),
            _ => None,
        })
        .expect("a `types` module");
    let mut modules = String::new();
    let mut main = String::from("fn main() {\n");
    for case in &cases {
        let module = case.name.to_lowercase();
        let items = reachable(types, case.name);
        modules.push_str(&format!(
            "#[allow(warnings)]\nmod {module} {{\n{items}\n}}\n"
        ));
        for (arm, schema) in &case.arms {
            let example = serde_json::to_string(&schema["example"]).unwrap();
            main.push_str(&format!(
                "    println!(\"{arm} {{:?}}\", serde_json::from_str::<{module}::{}>({example:?}).map_err(|e| e.to_string()));\n",
                case.name
            ));
        }
    }
    main.push_str("}\n");
    modules.push_str(&secret_stand_ins(&modules));
    let stdout = run_scratch(&format!("{modules}\n{main}"));
    println!("{stdout}");
    for case in &cases {
        for (arm, _) in &case.arms {
            let line = stdout
                .lines()
                .find(|l| l.starts_with(&format!("{arm} ")))
                .unwrap_or_else(|| panic!("no line for {arm}:\n{stdout}"));
            assert!(
                line.contains(&format!("({arm} {{")),
                "{}: the example of `{arm}` decodes as another arm: {line}",
                case.name
            );
        }
    }
}

/// The library's secret types that the generated code names (`crate::secret::AuthorizationCode`),
/// as plain strings.
fn secret_stand_ins(code: &str) -> String {
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
fn reachable(types: &[syn::Item], root: &str) -> String {
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
fn run_scratch(main_rs: &str) -> String {
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

/// Polar's whole 2026-04 document: every union the document's order decodes wrong is either
/// reordered or named as ambiguous, and once reordered no arm shadows a later one any more.
#[test]
fn every_shadowed_union_of_the_whole_document_is_reordered_or_reported() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(WHOLE);
    if !path.exists() {
        eprintln!("skipped: no {WHOLE} (the published package leaves it out)");
        return;
    }
    let doc = load::merge(vec![(path.clone(), load::read_file(&path).unwrap())]).unwrap();
    let doc = select::apply(doc, &Selection::all()).unwrap();
    let (shaped, warnings) = prepare(&doc).unwrap();
    // The document as the generator saw it before reordering, less the facade's own types.
    let mut before = doc.value.clone();
    polar_oauth2_codegen::downgrade::downgrade(&mut before).unwrap();
    polar_oauth2_codegen::shape::shape(&mut before).unwrap();
    let replaced: Vec<String> = polar_oauth2_codegen::generate::replacements(&before)
        .into_iter()
        .map(|(component, _)| format!("/components/schemas/{component}/"))
        .collect();
    let found: Vec<_> = unions::find(&before)
        .into_iter()
        .filter(|u| !replaced.iter().any(|r| u.pointer.starts_with(r)))
        .collect();
    assert!(
        found
            .iter()
            .any(|u| u.pointer == "/components/schemas/Discount/oneOf"),
        "Polar's `Discount` is shadowed"
    );
    for union in &found {
        let named = warnings
            .iter()
            .any(|w| w.starts_with(&format!("untagged union at #{}", union.pointer)));
        assert!(named, "{} is not reported: {warnings:#?}", union.pointer);
    }
    for union in unions::find(&shaped) {
        assert!(
            !union.reordered(),
            "{} still has an arm shadowing a later one",
            union.pointer
        );
    }
    for warning in warnings.iter().filter(|w| w.contains("untagged union")) {
        println!("warning: {warning}");
    }
}
