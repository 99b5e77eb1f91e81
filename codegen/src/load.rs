//! Read every document in `spec/` and merge them into one.
//!
//! Polar publishes one OpenAPI document per operation; each repeats `info`, `servers`, the
//! security schemes and the shared schemas. Identical repeats merge; two *different* definitions
//! of one path or component are an error naming both files, since picking one would silently
//! generate the wrong client.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::ops::Bound;
use std::path::{Path, PathBuf};

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use crate::error::{Error, pointer};

/// File name endings read from the spec directory.
pub const EXTENSIONS: [&str; 3] = ["yaml", "yml", "json"];

/// Deepest nesting of YAML flow collections (`[`, `{`) accepted: serde_yaml's and serde_json's
/// own recursion limit. Checked by a linear scan before the YAML parser sees the text, whose
/// cost in the depth of flow collections is quadratic.
pub const MAX_FLOW_DEPTH: usize = 128;

/// How much a YAML document may weigh once its aliases are expanded, per byte of its text
/// (plus [`EXPANSION_SLACK`]): one per node and one per byte of a string or key. Without
/// aliases a document weighs at most about twice its length, so this leaves room for some
/// reuse and none for an anchor that grows the document a thousandfold.
pub const EXPANSION_PER_BYTE: usize = 4;

/// See [`EXPANSION_PER_BYTE`].
pub const EXPANSION_SLACK: usize = 1 << 16;

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
        check_flow_depth(text).map_err(|line| {
            Error::in_file(
                path,
                "",
                format!(
                    "flow collections (`[`, `{{`) nested more than {MAX_FLOW_DEPTH} deep at line {line}"
                ),
            )
        })?;
        parse_yaml(text).map_err(|e| {
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

/// YAML text as JSON values, refused as soon as its alias expansion passes the budget (see
/// [`EXPANSION_PER_BYTE`]): serde_yaml replays an anchor's events at each alias, so a small
/// file can otherwise expand to gigabytes.
fn parse_yaml(text: &str) -> Result<Value, serde_yaml::Error> {
    let budget = Budget {
        left: Cell::new(
            text.len()
                .saturating_mul(EXPANSION_PER_BYTE)
                .saturating_add(EXPANSION_SLACK),
        ),
    };
    Expanding { budget: &budget }.deserialize(serde_yaml::Deserializer::from_str(text))
}

struct Budget {
    left: Cell<usize>,
}

impl Budget {
    fn spend<E: de::Error>(&self, weight: usize) -> Result<(), E> {
        match self.left.get().checked_sub(weight) {
            Some(left) => {
                self.left.set(left);
                Ok(())
            }
            None => Err(E::custom(format!(
                "the document expands (through YAML aliases) to more than {EXPANSION_PER_BYTE} times its size"
            ))),
        }
    }
}

/// A JSON value built from serde events, each node and string byte paid for from the budget.
#[derive(Clone, Copy)]
struct Expanding<'b> {
    budget: &'b Budget,
}

impl<'de> DeserializeSeed<'de> for Expanding<'_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Expanding<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        self.budget.spend(1)?;
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        self.budget.spend(1)?;
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        self.budget.spend(1)?;
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        self.budget.spend(1)?;
        // As serde_json's own `Value`: a NaN or an infinity is null.
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        self.budget.spend(v.len().saturating_add(1))?;
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        self.budget.spend(v.len().saturating_add(1))?;
        Ok(Value::String(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        self.budget.spend(1)?;
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        self.visit_unit()
    }

    fn visit_some<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        self.budget.spend(1)?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        self.budget.spend(1)?;
        let mut entries = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            self.budget.spend(key.len())?;
            let value = map.next_value_seed(self)?;
            entries.insert(key, value);
        }
        Ok(Value::Object(entries))
    }
}

/// Check, in one pass over `text`, that YAML flow collections nest at most
/// [`MAX_FLOW_DEPTH`] deep; `Err(line)` where they pass it. Brackets inside quoted scalars,
/// comments and block scalars do not count; a bracket inside a block context's plain scalar
/// counts only where it could start a node, so ordinary prose never reaches the limit.
fn check_flow_depth(text: &str) -> Result<(), usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut line = 1usize;
    let mut i = 0;
    // Indentation of the current line, and of the line that opened a block scalar.
    let mut indent = 0usize;
    let mut at_line_start = true;
    let mut block_scalar: Option<usize> = None;
    while i < bytes.len() {
        let c = bytes[i];
        if at_line_start {
            let spaces = bytes[i..].iter().take_while(|b| **b == b' ').count();
            let blank = matches!(bytes.get(i + spaces), None | Some(b'\n' | b'\r'));
            if let Some(parent) = block_scalar {
                if blank || spaces > parent {
                    // A line of the block scalar: text, whatever it holds.
                    let end = memchr_newline(bytes, i);
                    line += 1;
                    i = end + 1;
                    continue;
                }
                block_scalar = None;
            }
            indent = spaces;
            at_line_start = false;
            i += spaces;
            continue;
        }
        // Looked at only for the few bytes that matter: each looks back over the blanks just
        // before it, so the scan stays linear.
        let starts_node = || {
            if depth > 0 {
                flow_node_start(bytes, i)
            } else {
                block_node_start(bytes, i)
            }
        };
        match c {
            b'\n' => {
                line += 1;
                at_line_start = true;
            }
            b'#' if i == 0 || bytes[i - 1].is_ascii_whitespace() => {
                i = memchr_newline(bytes, i);
                continue;
            }
            b'"' if starts_node() => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    if bytes.get(i) == Some(&b'\n') {
                        line += 1;
                    }
                    i += 1;
                }
            }
            b'\'' if starts_node() => {
                i += 1;
                while i < bytes.len() {
                    if bytes[i] == b'\'' {
                        if bytes.get(i + 1) == Some(&b'\'') {
                            i += 1;
                        } else {
                            break;
                        }
                    }
                    if bytes[i] == b'\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
            b'|' | b'>' if depth == 0 && starts_node() => block_scalar = Some(indent),
            b'[' | b'{' if starts_node() => {
                depth += 1;
                if depth > MAX_FLOW_DEPTH {
                    return Err(line);
                }
            }
            b']' | b'}' if depth > 0 => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// Index of the newline at or after `from`, or the end of `bytes`.
fn memchr_newline(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|b| *b == b'\n')
        .map_or(bytes.len(), |p| from + p)
}

/// Whether a node may start at `i` in a block context: first on its line (after the
/// indentation), or after `- `, `? ` or `: `.
fn block_node_start(bytes: &[u8], i: usize) -> bool {
    let mut j = i;
    let mut spaced = false;
    while j > 0 && matches!(bytes[j - 1], b' ' | b'\t') {
        j -= 1;
        spaced = true;
    }
    match j.checked_sub(1).map(|p| bytes[p]) {
        None | Some(b'\n' | b'\r') => true,
        Some(b'-' | b'?' | b':') => spaced,
        Some(_) => false,
    }
}

/// Whether a node may start at `i` inside a flow collection: after `[`, `{`, `,` or `:`.
fn flow_node_start(bytes: &[u8], i: usize) -> bool {
    let mut j = i;
    while j > 0 && matches!(bytes[j - 1], b' ' | b'\t' | b'\n' | b'\r') {
        j -= 1;
    }
    j.checked_sub(1)
        .is_none_or(|p| matches!(bytes[p], b'[' | b'{' | b',' | b':'))
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
