//! Hostile documents stop at the loader, early and with a short message: YAML aliases that
//! would expand without bound, flow collections nested deeper than the parsers' recursion
//! limit (checked before any quadratic work), and errors that quote huge names.

use std::path::{Path, PathBuf};

use polar_oauth2_codegen::load::{self, MAX_FLOW_DEPTH};
use serde_json::{Value, json};

/// A minimal document whose `paths` are followed by `extra` (YAML, at the top level).
fn yaml_with(extra: &str) -> String {
    format!("openapi: 3.1.0\ninfo: {{title: t, version: '1'}}\npaths: {{}}\n{extra}\n")
}

fn parse_yaml(text: &str) -> Result<Value, polar_oauth2_codegen::Error> {
    load::parse(Path::new("hostile.yaml"), text)
}

#[test]
fn an_anchor_referenced_many_times_is_refused_before_it_expands() {
    // 1,000 strings under one anchor, then 2,000 aliases of it: 12 KB of text that would be
    // two million nodes.
    let anchor = vec!["x"; 1000].join(", ");
    let aliases = vec!["*big"; 2000].join(", ");
    let text = yaml_with(&format!("x-big: &big [{anchor}]\nx-many: [{aliases}]"));
    let error = parse_yaml(&text).unwrap_err();
    assert!(error.to_string().contains("expands"), "{error}");

    // Nested aliases (each level ten of the one before) are refused the same way.
    let mut text = String::from("x-l0: &l0 [a, a, a, a, a, a, a, a, a, a]\n");
    for level in 1..9 {
        let refs = vec![format!("*l{}", level - 1); 10].join(", ");
        text.push_str(&format!("x-l{level}: &l{level} [{refs}]\n"));
    }
    let error = parse_yaml(&yaml_with(&text)).unwrap_err();
    assert!(error.to_string().contains("expands"), "{error}");
}

#[test]
fn modest_alias_reuse_still_loads() {
    let text = yaml_with(
        "x-shared: &shared {type: string, maxLength: 10}\nx-a: *shared\nx-b: *shared\nx-c: [*shared, *shared]",
    );
    let value = parse_yaml(&text).unwrap();
    assert_eq!(value["x-c"][1], json!({"type": "string", "maxLength": 10}));
}

#[test]
fn deeply_nested_flow_collections_are_refused_by_the_depth_scan() {
    let depth = MAX_FLOW_DEPTH + 1;
    let documents = [
        (
            "brackets",
            yaml_with(&format!("x-deep: {}", "[".repeat(20_000))),
        ),
        (
            "mixed, closed",
            yaml_with(&format!(
                "x-deep: {}{}",
                "[{a: ".repeat(depth),
                "}]".repeat(depth)
            )),
        ),
        // A `.yaml` whose text is JSON: serde_json refuses it at its limit, then YAML would
        // take the same quadratic path.
        (
            "nested JSON",
            format!(
                r#"{{"openapi": "3.1.0", "paths": {{}}, "x": {}1{}}}"#,
                r#"{"a": "#.repeat(20_000),
                "}".repeat(20_000)
            ),
        ),
    ];
    for (label, text) in documents {
        let error = parse_yaml(&text).unwrap_err();
        assert!(
            error
                .to_string()
                .contains(&format!("nested more than {MAX_FLOW_DEPTH} deep")),
            "{label}: {error}"
        );
    }
}

#[test]
fn brackets_in_text_do_not_count_as_nesting() {
    let many = "[{".repeat(MAX_FLOW_DEPTH * 2);
    let text = yaml_with(&format!(
        "x-quoted: \"{many}\"\nx-single: '{many} it''s'\nx-plain: see {many}\n# {many}\nx-block: |\n  {many}\n  [[[[\nx-after: [1, [2, {{k: \"[[[\"}}]]"
    ));
    let value = parse_yaml(&text).unwrap();
    assert_eq!(value["x-quoted"], json!(many));
    assert_eq!(value["x-after"], json!([1, [2, {"k": "[[["}]]));
    // Nesting up to the limit is accepted.
    let limit = yaml_with(&format!(
        "x-deep: {}{}",
        "[".repeat(MAX_FLOW_DEPTH - 1),
        "]".repeat(MAX_FLOW_DEPTH - 1)
    ));
    parse_yaml(&limit).unwrap();
}

#[test]
fn an_error_quoting_a_huge_name_is_short() {
    let name = format!("/v1/{}", "n".repeat(10 << 20));
    let doc = |summary: &str| json!({"openapi": "3.1.0", "paths": {&name: {"get": {"summary": summary}}}});
    let error = load::merge(vec![
        (PathBuf::from("a.yaml"), doc("one")),
        (PathBuf::from("b.yaml"), doc("two")),
    ])
    .unwrap_err();
    let shown = error.to_string();
    assert!(
        shown.len() < 4 * polar_oauth2_codegen::error::EXCERPT_LEN,
        "{} bytes",
        shown.len()
    );
    assert!(
        shown.contains("two different definitions") && shown.contains("nnnn"),
        "{shown}"
    );
    assert!(shown.contains("a.yaml and b.yaml"), "{shown}");
}
