//! Reading documents (YAML, JSON, name order) and merging them: identical repeats merge,
//! conflicting definitions name both files.

use super::*;
use serde_json::json;

fn doc(paths: Value, schemas: Value) -> Value {
    json!({"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
           "paths": paths, "components": {"schemas": schemas}})
}

#[test]
fn identical_shared_parts_merge() {
    let a = doc(json!({"/a": {}}), json!({"S": {"type": "string"}}));
    let b = doc(json!({"/b": {}}), json!({"S": {"type": "string"}}));
    let d = merge(vec![("a.yaml".into(), a), ("b.yaml".into(), b)]).unwrap();
    assert_eq!(d.value["paths"].as_object().unwrap().len(), 2);
    assert_eq!(d.origin("/paths/~1b/get"), Some(Path::new("b.yaml")));
    assert_eq!(d.origin("/components/schemas/S"), Some(Path::new("a.yaml")));
}

#[test]
fn conflicting_component_names_both_files_and_the_key() {
    let a = doc(json!({"/a": {}}), json!({"S": {"type": "string"}}));
    let b = doc(json!({"/b": {}}), json!({"S": {"type": "integer"}}));
    let err = merge(vec![("a.yaml".into(), a), ("b.yaml".into(), b)]).unwrap_err();
    assert_eq!(
        err.files,
        vec![PathBuf::from("a.yaml"), PathBuf::from("b.yaml")]
    );
    assert_eq!(err.pointer, "/components/schemas/S");
    assert!(err.to_string().contains("a.yaml and b.yaml"), "{err}");
}

#[test]
fn conflicting_paths_are_an_error() {
    let a = doc(json!({"/a": {"get": {"operationId": "x"}}}), json!({}));
    let b = doc(json!({"/a": {"get": {"operationId": "y"}}}), json!({}));
    let err = merge(vec![("a.yaml".into(), a), ("b.yaml".into(), b)]).unwrap_err();
    assert_eq!(err.pointer, "/paths/~1a");
}

#[test]
fn yaml_syntax_error_names_file_and_line() {
    let err = parse(Path::new("spec/bad.yaml"), "openapi: 3.1.0\npaths: [\n").unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.starts_with("spec/bad.yaml: invalid YAML at line"),
        "{msg}"
    );
}

#[test]
fn json_in_a_yaml_named_file_is_read_as_json_and_yaml_flow_style_still_parses() {
    let json = parse(
        Path::new("spec/openapi.yaml"),
        r#"{"openapi": "3.1.0", "paths": {}}"#,
    );
    assert_eq!(json.unwrap()["openapi"], "3.1.0");
    // Flow-style YAML is not JSON (unquoted keys): it falls back to the YAML reader.
    let yaml = parse(
        Path::new("spec/openapi.yaml"),
        "{openapi: 3.1.0, paths: {}}",
    );
    assert_eq!(yaml.unwrap()["openapi"], "3.1.0");
}

#[test]
fn document_without_paths_is_rejected() {
    let err = parse(Path::new("spec/x.yaml"), "openapi: 3.1.0\ninfo: {}\n").unwrap_err();
    assert!(err.to_string().contains("no `paths`"), "{err}");
}

#[test]
fn files_are_read_in_name_order_and_filtered_by_extension() {
    let dir = std::env::temp_dir().join(format!("polar-codegen-load-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    for name in ["b.yml", "a.json", "c.yaml", "notes.md"] {
        fs::write(dir.join(name), "{}").unwrap();
    }
    let names: Vec<_> = spec_files(&dir)
        .unwrap()
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    fs::remove_dir_all(&dir).unwrap();
    assert_eq!(names, ["a.json", "b.yml", "c.yaml"]);
}
