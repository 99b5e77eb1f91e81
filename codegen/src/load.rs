//! Read every document in `spec/` and merge them into one.
//!
//! Polar publishes one OpenAPI document per operation; each repeats `info`, `servers`, the
//! security schemes and the shared schemas. Identical repeats merge; two *different* definitions
//! of one path or component are an error naming both files, since picking one would silently
//! generate the wrong client.

use std::collections::BTreeMap;
use std::fs;
use std::ops::Bound;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::error::{Error, pointer};

/// File name endings read from the spec directory.
pub const EXTENSIONS: [&str; 3] = ["yaml", "yml", "json"];

/// The merged document and where each part of it came from.
#[derive(Debug, Clone)]
pub struct Document {
    /// The merged OpenAPI document, still in its original (3.1) dialect.
    pub value: Value,
    /// Every file read, in merge order.
    pub files: Vec<PathBuf>,
    /// Pointer of each path / component / top-level key -> the first file that defined it.
    origins: BTreeMap<String, PathBuf>,
}

impl Document {
    /// The file that defined the part of the document `pointer` falls in, if known.
    pub fn origin(&self, pointer: &str) -> Option<&Path> {
        // The longest recorded prefix that ends at a token boundary.
        self.origins
            .range::<str, _>((Bound::Unbounded, Bound::Included(pointer)))
            .rev()
            .find(|(prefix, _)| {
                pointer == prefix.as_str()
                    || (pointer.starts_with(prefix.as_str())
                        && pointer.as_bytes().get(prefix.len()) == Some(&b'/'))
            })
            .map(|(_, file)| file.as_path())
            .or_else(|| (self.files.len() == 1).then(|| self.files[0].as_path()))
    }

    /// Attach the file that `err.pointer` points into.
    pub fn locate(&self, err: Error) -> Error {
        let file = self.origin(&err.pointer).map(Path::to_path_buf);
        err.with_file(file.as_deref())
    }
}

/// The spec files in `dir`, sorted by file name (the merge order).
pub fn spec_files(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let entries = fs::read_dir(dir)
        .map_err(|e| Error::in_file(dir, "", format!("cannot read the spec directory: {e}")))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| Error::in_file(dir, "", format!("cannot list the spec directory: {e}")))?
            .path();
        let is_spec = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| EXTENSIONS.contains(&e));
        if is_spec && path.is_file() {
            files.push(path);
        }
    }
    files.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    if files.is_empty() {
        return Err(Error::in_file(
            dir,
            "",
            "no OpenAPI document (*.yaml, *.yml or *.json) in the spec directory",
        ));
    }
    Ok(files)
}

/// Read and merge every spec file in `dir`.
pub fn load_dir(dir: &Path) -> Result<Document, Error> {
    let files = spec_files(dir)?;
    let docs = files
        .iter()
        .map(|f| Ok((f.clone(), read_file(f)?)))
        .collect::<Result<Vec<_>, Error>>()?;
    merge(docs)
}

/// Read one document: JSON by its extension, YAML otherwise.
pub fn read_file(path: &Path) -> Result<Value, Error> {
    let text = fs::read_to_string(path)
        .map_err(|e| Error::in_file(path, "", format!("cannot read the file: {e}")))?;
    parse(path, &text)
}

/// Parse one document's text; `path` is used for its extension and in error messages.
///
/// JSON (by its `.json` extension, or a YAML-named file whose text starts with `{`, as Polar's
/// whole published `openapi.yaml` does) is read with serde_json: on the 68,000-line whole
/// document that is about twenty times faster than serde_yaml, which matters in a build script.
/// A YAML-named file that starts with `{` but is not JSON is read as YAML.
pub fn parse(path: &Path, text: &str) -> Result<Value, Error> {
    let is_json = path.extension().and_then(|e| e.to_str()) == Some("json");
    let looks_json = text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with('{');
    let value: Value = if !is_json
        && looks_json
        && let Ok(value) = serde_json::from_str::<Value>(text)
    {
        value
    } else if is_json {
        serde_json::from_str(text).map_err(|e| {
            Error::in_file(
                path,
                "",
                format!(
                    "invalid JSON at line {} column {}: {e}",
                    e.line(),
                    e.column()
                ),
            )
        })?
    } else {
        serde_yaml::from_str(text).map_err(|e| {
            let place = e
                .location()
                .map(|l| format!(" at line {} column {}", l.line(), l.column()))
                .unwrap_or_default();
            Error::in_file(path, "", format!("invalid YAML{place}: {e}"))
        })?
    };
    check_shape(path, &value)?;
    Ok(value)
}

/// The minimum every document must have before it is worth merging.
fn check_shape(path: &Path, doc: &Value) -> Result<(), Error> {
    let Some(root) = doc.as_object() else {
        return Err(Error::in_file(
            path,
            "",
            "the document is not a mapping of OpenAPI fields",
        ));
    };
    match root.get("paths") {
        Some(Value::Object(_)) => Ok(()),
        Some(_) => Err(Error::in_file(
            path,
            "/paths",
            "`paths` must be a mapping of paths to operations",
        )),
        None => Err(Error::in_file(
            path,
            "",
            "no `paths`: an OpenAPI document must list its operations",
        )),
    }
}

/// Merge documents in the given order (see the module docs for the rules).
pub fn merge(docs: Vec<(PathBuf, Value)>) -> Result<Document, Error> {
    let mut merged = Map::new();
    let mut origins = BTreeMap::new();
    let mut files = Vec::new();
    for (file, doc) in docs {
        let Value::Object(root) = doc else {
            return Err(Error::in_file(
                &file,
                "",
                "the document is not a mapping of OpenAPI fields",
            ));
        };
        for (key, value) in root {
            match key.as_str() {
                // Maps of named entries: merge entry by entry.
                "paths" | "webhooks" => {
                    merge_entries(&mut merged, &mut origins, &file, &[&key], value)?
                }
                "components" => {
                    let Value::Object(sections) = value else {
                        return Err(Error::in_file(
                            &file,
                            "/components",
                            "`components` must be a mapping",
                        ));
                    };
                    for (section, entries) in sections {
                        merge_entries(
                            &mut merged,
                            &mut origins,
                            &file,
                            &["components", &section],
                            entries,
                        )?;
                    }
                }
                "tags" => merge_tags(&mut merged, &mut origins, &file, value)?,
                // Everything else (openapi, info, servers, security, x-…) must agree.
                _ => insert_same(
                    &mut merged,
                    &mut origins,
                    &file,
                    &[&key],
                    key.clone(),
                    value,
                )?,
            }
        }
        files.push(file);
    }
    Ok(Document {
        value: Value::Object(merged),
        files,
        origins,
    })
}

/// Walk (creating) the object at `path` under `root`.
fn object_at<'a>(root: &'a mut Map<String, Value>, path: &[&str]) -> &'a mut Map<String, Value> {
    let mut current = root;
    for token in path {
        let slot = current
            .entry(token.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        if !slot.is_object() {
            *slot = Value::Object(Map::new());
        }
        let Value::Object(next) = slot else {
            unreachable!("just made an object")
        };
        current = next;
    }
    current
}

fn merge_entries(
    root: &mut Map<String, Value>,
    origins: &mut BTreeMap<String, PathBuf>,
    file: &Path,
    at: &[&str],
    entries: Value,
) -> Result<(), Error> {
    let Value::Object(entries) = entries else {
        return Err(Error::in_file(
            file,
            pointer(at.iter().copied()),
            "expected a mapping of named entries",
        ));
    };
    for (name, value) in entries {
        let mut path = at.to_vec();
        path.push(&name);
        let target = object_at(root, at);
        insert_same_in(target, origins, file, &path, name.clone(), value)?;
    }
    Ok(())
}

fn insert_same(
    root: &mut Map<String, Value>,
    origins: &mut BTreeMap<String, PathBuf>,
    file: &Path,
    path: &[&str],
    key: String,
    value: Value,
) -> Result<(), Error> {
    insert_same_in(root, origins, file, path, key, value)
}

/// Insert `key: value` into `target` unless an identical value is already there.
fn insert_same_in(
    target: &mut Map<String, Value>,
    origins: &mut BTreeMap<String, PathBuf>,
    file: &Path,
    path: &[&str],
    key: String,
    value: Value,
) -> Result<(), Error> {
    let ptr = pointer(path.iter().copied());
    match target.get(&key) {
        None => {
            target.insert(key, value);
            origins.insert(ptr, file.to_path_buf());
            Ok(())
        }
        Some(existing) if *existing == value => Ok(()),
        Some(_) => {
            let first = origins.get(&ptr).cloned().unwrap_or_default();
            Err(Error {
                files: vec![first, file.to_path_buf()],
                pointer: ptr,
                message: format!(
                    "two different definitions of `{key}`; make the documents agree or remove one"
                ),
            })
        }
    }
}

/// `tags` is a list keyed by `name`: identical tags merge, a different tag of one name conflicts.
fn merge_tags(
    root: &mut Map<String, Value>,
    origins: &mut BTreeMap<String, PathBuf>,
    file: &Path,
    tags: Value,
) -> Result<(), Error> {
    let Value::Array(tags) = tags else {
        return Err(Error::in_file(file, "/tags", "`tags` must be a list"));
    };
    let existing = root
        .entry("tags")
        .or_insert_with(|| Value::Array(Vec::new()));
    let Value::Array(existing) = existing else {
        unreachable!("tags are only ever inserted as a list")
    };
    for tag in tags {
        let name = tag.get("name").and_then(Value::as_str).unwrap_or_default();
        let ptr = pointer(["tags", name]);
        match existing
            .iter()
            .find(|t| t.get("name").and_then(Value::as_str) == Some(name))
        {
            None => {
                origins.insert(ptr, file.to_path_buf());
                existing.push(tag);
            }
            Some(same) if *same == tag => {}
            Some(_) => {
                let first = origins.get(&ptr).cloned().unwrap_or_default();
                return Err(Error {
                    files: vec![first, file.to_path_buf()],
                    pointer: "/tags".into(),
                    message: format!("two different definitions of tag `{name}`"),
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
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
}
