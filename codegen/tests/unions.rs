//! Untagged unions decode to the arm the server meant (`codegen/src/unions.rs`).
//!
//! Each case is a minimal union added to Polar's OAuth2 section, every operation selected, run
//! through the whole pipeline. The generated types are compiled in a scratch crate and each
//! arm's own `example` (from the document) is decoded: it must come back as its own arm.

mod scratch;
mod union_cases;

use std::fs;
use std::path::Path;

use polar_oauth2_codegen::select::{self, Selection};
use polar_oauth2_codegen::{Output, generate_dir, load, prepare, unions};
use serde_json::{Value, json};
use union_cases::{Case, WHOLE, cases, polar_discount, recorded_discounts};

const NEWEST: &str = "tests/fixtures/spec-history/oauth2-subset.2026-08-20.790b7ebcd6.yaml";

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
fn each_arms_own_example_and_polars_recorded_answers_decode_to_their_own_arm() {
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
        let items = scratch::reachable(types, case.name);
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
    // Polar's server's own answers, recorded: each to the arm the server meant.
    let recorded: Vec<(String, String, String)> = cases
        .iter()
        .filter(|case| case.name == "Discount")
        .flat_map(recorded_discounts)
        .collect();
    for (label, answer, _) in &recorded {
        main.push_str(&format!(
            "    println!(\"{label} {{:?}}\", serde_json::from_str::<discount::Discount>({answer:?}).map_err(|e| e.to_string()));\n"
        ));
    }
    main.push_str("}\n");
    modules.push_str(&scratch::secret_stand_ins(&modules));
    let stdout = scratch::run(&format!("{modules}\n{main}"));
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
    for (label, answer, meant) in &recorded {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(&format!("{label} ")))
            .unwrap_or_else(|| panic!("no line for {label}:\n{stdout}"));
        assert!(
            line.contains(&format!("({meant} {{")),
            "Polar's answer {label} decodes as another arm than `{meant}`: {line}"
        );
        if answer.contains("\"duration_in_months\":3") {
            assert!(line.contains("duration_in_months: 3"), "{line}");
        }
    }
}

/// Polar's whole 2026-04 document: every union the document's order decodes wrong is either
/// reordered or named as ambiguous, and once reordered no arm shadows a later one any more.
#[test]
fn every_shadowed_union_of_the_whole_document_is_reordered_or_reported() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(WHOLE);
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
