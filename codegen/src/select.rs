//! Which operations of the documents in `spec/` become the client, and the parts they need.
//!
//! Polar publishes one document for its whole API; the client is made of a selection of its
//! operations, declared once in `spec/select.toml` ([`SELECTION_FILE`]):
//!
//! ```toml
//! # Every operation whose path starts with one of these prefixes ("/" selects all).
//! paths = ["/v1/oauth2/"]
//! ```
//!
//! Without the file the selection is [`DEFAULT_PATHS`]. [`apply`] keeps the selected path items
//! and only the components they reach, transitively (schemas, parameters, responses, bodies,
//! headers, and the security schemes their `security` names), before anything else reads the
//! document: so Polar's whole file and the OAuth2 cut of it give the same client. `webhooks`
//! describe requests Polar sends, not ones a client makes, and go too.
//!
//! The file is a subset of TOML (one key, a list of basic strings, `#` comments) read by
//! [`parse`]: a TOML library in the build script would compile for every build of every crate
//! that depends on this one, for one list of strings. Anything outside the subset is an error
//! naming the file and line, so a file this accepts means the same to any TOML reader.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::error::{Error, pointer};
use crate::load::Document;
use crate::walk::METHODS;

/// Name of the selection file in the spec directory.
pub const SELECTION_FILE: &str = "select.toml";

/// The selection without a file: Polar's OAuth2 API.
pub const DEFAULT_PATHS: &[&str] = &["/v1/oauth2/"];

/// The operations that become the client: those whose path starts with one of `paths`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// Path prefixes (`/v1/oauth2/`); `/` selects every operation.
    pub paths: Vec<String>,
    /// The file the selection was read from (`None`: the default).
    pub file: Option<PathBuf>,
}

impl Default for Selection {
    fn default() -> Self {
        Self {
            paths: DEFAULT_PATHS.iter().map(|p| (*p).to_owned()).collect(),
            file: None,
        }
    }
}

impl Selection {
    /// Every operation of the document.
    #[must_use]
    pub fn all() -> Self {
        Self {
            paths: vec!["/".to_owned()],
            file: None,
        }
    }

    /// Whether the path `path` is selected.
    #[must_use]
    pub fn selects(&self, path: &str) -> bool {
        self.paths.iter().any(|prefix| path.starts_with(prefix))
    }
}

/// The selection of `spec_dir`: its [`SELECTION_FILE`], or the default when there is none.
pub fn read(spec_dir: &Path) -> Result<Selection, Error> {
    let file = spec_dir.join(SELECTION_FILE);
    match fs::read_to_string(&file) {
        Ok(text) => parse(&file, &text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Selection::default()),
        Err(e) => Err(Error::in_file(
            &file,
            "",
            format!("cannot read the file: {e}"),
        )),
    }
}

/// Parse a selection file's text (see the module docs for the format).
pub fn parse(file: &Path, text: &str) -> Result<Selection, Error> {
    let at = |line: usize, message: String| {
        Error::in_file(file, "", format!("line {}: {message}", line + 1))
    };
    let mut paths: Option<Vec<String>> = None;
    let mut lines = text.lines().enumerate();
    while let Some((number, line)) = lines.next() {
        let line = strip_comment(line).trim();
        if line.is_empty() {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(at(
                number,
                format!("expected `paths = [...]`, found `{line}`"),
            ));
        };
        let key = key.trim();
        if key != "paths" {
            return Err(at(
                number,
                format!("unknown key `{key}`; the only key is `paths` (a list of path prefixes)"),
            ));
        }
        if paths.is_some() {
            return Err(at(number, "`paths` is given twice".to_owned()));
        }
        // The list may span lines, up to its closing bracket.
        let mut list = value.trim().to_owned();
        while !list.ends_with(']') {
            let Some((_, next)) = lines.next() else {
                return Err(at(
                    number,
                    "the list of `paths` has no closing `]`".to_owned(),
                ));
            };
            list.push(' ');
            list.push_str(strip_comment(next).trim());
        }
        paths = Some(string_list(&list).map_err(|m| at(number, m))?);
    }
    let paths = paths.ok_or_else(|| {
        Error::in_file(
            file,
            "",
            "no `paths = [...]`: list the path prefixes of the operations to generate",
        )
    })?;
    if paths.is_empty() {
        return Err(Error::in_file(
            file,
            "",
            "`paths` is empty: the client would have no operation",
        ));
    }
    if let Some(bad) = paths.iter().find(|p| !p.starts_with('/')) {
        return Err(Error::in_file(
            file,
            "",
            format!("`{bad}` is not a path prefix: it must start with `/`"),
        ));
    }
    Ok(Selection {
        paths,
        file: Some(file.to_path_buf()),
    })
}

/// A line without its `#` comment (a `#` inside a string is kept).
fn strip_comment(line: &str) -> &str {
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '#' if !in_string => return &line[..i],
            _ => {}
        }
    }
    line
}

/// `["a", "b",]` -> `[a, b]`: TOML basic strings with the escapes `\"` and `\\` only.
fn string_list(text: &str) -> Result<Vec<String>, String> {
    let inner = text
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .ok_or_else(|| format!("expected a list of strings in brackets, found `{text}`"))?;
    let mut items = Vec::new();
    let mut rest = inner.trim_start();
    while !rest.is_empty() {
        let body = rest
            .strip_prefix('"')
            .ok_or_else(|| format!("expected a \"quoted\" path prefix, found `{rest}`"))?;
        let mut item = String::new();
        let mut chars = body.char_indices();
        let end = loop {
            match chars.next() {
                Some((i, '"')) => break i,
                Some((_, '\\')) => match chars.next() {
                    Some((_, c @ ('"' | '\\'))) => item.push(c),
                    _ => return Err("only the escapes \\\" and \\\\ are supported".to_owned()),
                },
                Some((_, c)) => item.push(c),
                None => return Err(format!("unterminated string `\"{body}`")),
            }
        };
        items.push(item);
        rest = body[end + 1..].trim_start();
        match rest.strip_prefix(',') {
            Some(after) => rest = after.trim_start(),
            None if rest.is_empty() => {}
            None => return Err(format!("expected `,` between the strings, found `{rest}`")),
        }
    }
    Ok(items)
}

/// Keep the selected operations of `doc` and only what they reach (see the module docs).
/// Pointers stay valid: parts are removed, never moved, so errors still name the file's places.
/// Takes the document by value: Polar's whole file is 2 MB of JSON, not worth a copy.
pub fn apply(doc: Document, selection: &Selection) -> Result<Document, Error> {
    let mut selected = doc;
    let Some(root) = selected.value.as_object_mut() else {
        return Ok(selected);
    };
    let Some(Value::Object(paths)) = root.get_mut("paths") else {
        return Ok(selected);
    };
    paths.retain(|path, _| selection.selects(path));
    let operations: usize = paths
        .values()
        .filter_map(Value::as_object)
        .map(|item| {
            item.keys()
                .filter(|k| METHODS.contains(&k.as_str()))
                .count()
        })
        .sum();
    if operations == 0 {
        let prefixes = selection.paths.join("`, `");
        let message = format!("no operation of the document has a path starting with `{prefixes}`");
        return Err(match &selection.file {
            Some(file) => Error::in_file(file, "", message),
            None => Error::at("/paths", format!("{message} (the default selection)")),
        });
    }
    prune(&mut selected.value);
    Ok(selected)
}

/// Remove from `doc` what its `paths` do not reach: unused components, `webhooks`, tags.
pub fn prune(doc: &mut Value) {
    let reached = reached_components(doc);
    let Some(root) = doc.as_object_mut() else {
        return;
    };
    root.remove("webhooks");
    if let Some(Value::Object(components)) = root.get_mut("components") {
        for (section, entries) in components.iter_mut() {
            if let Value::Object(entries) = entries {
                entries.retain(|name, _| reached.contains(&(section.clone(), name.clone())));
            }
        }
        components.retain(|_, entries| entries.as_object().is_none_or(|e| !e.is_empty()));
    }
    if root
        .get("components")
        .and_then(Value::as_object)
        .is_some_and(Map::is_empty)
    {
        root.remove("components");
    }
    keep_used_tags(root);
}

/// `(section, name)` of every component the paths (and the top-level `security`) reach.
fn reached_components(doc: &Value) -> BTreeSet<(String, String)> {
    let mut reached = BTreeSet::new();
    let mut todo: Vec<&Value> = Vec::new();
    if let Some(paths) = doc.get("paths") {
        todo.push(paths);
    }
    let mut requirements: Vec<&Value> = doc.get("security").into_iter().collect();
    for item in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(Map::values)
    {
        for method in METHODS {
            if let Some(security) = item.get(method).and_then(|op| op.get("security")) {
                requirements.push(security);
            }
        }
    }
    for requirement in requirements
        .into_iter()
        .filter_map(Value::as_array)
        .flatten()
        .filter_map(Value::as_object)
    {
        for scheme in requirement.keys() {
            reached.insert(("securitySchemes".to_owned(), scheme.clone()));
        }
    }
    while let Some(node) = todo.pop() {
        match node {
            Value::Object(map) => {
                if let Some((section, name)) = map
                    .get("$ref")
                    .and_then(Value::as_str)
                    .and_then(component_of)
                    && reached.insert((section.clone(), name.clone()))
                    && let Some(target) = doc.pointer(&pointer(["components", &section, &name]))
                {
                    todo.push(target);
                }
                // A discriminator's mapping names its arms by reference too.
                if let Some(Value::Object(mapping)) =
                    map.get("discriminator").and_then(|d| d.get("mapping"))
                {
                    for reference in mapping.values() {
                        let reference = reference
                            .as_str()
                            .or_else(|| reference.get("$ref").and_then(Value::as_str));
                        if let Some((section, name)) = reference.and_then(component_of)
                            && reached.insert((section.clone(), name.clone()))
                            && let Some(target) =
                                doc.pointer(&pointer(["components", &section, &name]))
                        {
                            todo.push(target);
                        }
                    }
                }
                todo.extend(map.values());
            }
            Value::Array(items) => todo.extend(items),
            _ => {}
        }
    }
    reached
}

/// `#/components/schemas/A~1B` -> `("schemas", "A/B")`.
fn component_of(reference: &str) -> Option<(String, String)> {
    let rest = reference.strip_prefix("#/components/")?;
    let (section, name) = rest.split_once('/')?;
    let unescape = |t: &str| t.replace("~1", "/").replace("~0", "~");
    Some((unescape(section), unescape(name)))
}

/// The top-level `tags` the kept operations use (the others describe operations left out).
fn keep_used_tags(root: &mut Map<String, Value>) {
    let used: BTreeSet<String> = root
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(Map::values)
        .filter_map(Value::as_object)
        .flat_map(|item| METHODS.iter().filter_map(|m| item.get(*m)))
        .filter_map(|op| op.get("tags").and_then(Value::as_array))
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    if let Some(Value::Array(tags)) = root.get_mut("tags") {
        tags.retain(|t| {
            t.get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| used.contains(n))
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load;
    use serde_json::json;

    fn document(value: Value) -> Document {
        load::merge(vec![("spec/whole.json".into(), value)]).unwrap()
    }

    fn whole() -> Value {
        json!({
            "openapi": "3.1.0", "info": {"title": "t", "version": "1"},
            "security": [{"access_token": []}],
            "tags": [{"name": "oauth2"}, {"name": "orders"}],
            "paths": {
                "/v1/oauth2/token": {"post": {"operationId": "token", "tags": ["oauth2"],
                    "security": [{}],
                    "responses": {"200": {"content": {"application/json": {"schema": {
                        "$ref": "#/components/schemas/Token"}}}},
                        "422": {"$ref": "#/components/responses/Invalid"}}}},
                "/v1/orders/": {"get": {"operationId": "orders", "tags": ["orders"],
                    "security": [{"pat": []}],
                    "responses": {"200": {"content": {"application/json": {"schema": {
                        "$ref": "#/components/schemas/Order"}}}}}}}
            },
            "webhooks": {"order.created": {"post": {"requestBody": {"content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Order"}}}}}}},
            "components": {
                "schemas": {
                    "Token": {"properties": {"scope": {"$ref": "#/components/schemas/Scope"}}},
                    "Scope": {"enum": ["openid"]},
                    "Error": {"properties": {"detail": {"type": "string"}}},
                    "Order": {"properties": {"n": {"type": "integer"}}},
                    "Union": {"oneOf": [{"$ref": "#/components/schemas/Token"}],
                              "discriminator": {"propertyName": "t", "mapping": {
                                  "x": "#/components/schemas/Order"}}}
                },
                "responses": {"Invalid": {"description": "x", "content": {"application/json":
                    {"schema": {"$ref": "#/components/schemas/Error"}}}}},
                "securitySchemes": {
                    "access_token": {"type": "http", "scheme": "bearer"},
                    "pat": {"type": "http", "scheme": "bearer"}}
            }
        })
    }

    #[test]
    fn keeps_the_selected_operations_and_what_they_reach() {
        let selected = apply(document(whole()), &Selection::default())
            .unwrap()
            .value;
        let paths: Vec<_> = selected["paths"].as_object().unwrap().keys().collect();
        assert_eq!(paths, ["/v1/oauth2/token"]);
        let schemas: Vec<_> = selected["components"]["schemas"]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        assert_eq!(schemas, ["Token", "Scope", "Error"]);
        assert!(selected["components"]["responses"].get("Invalid").is_some());
        // The top-level `security` applies to selected operations without their own.
        let schemes: Vec<_> = selected["components"]["securitySchemes"]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        assert_eq!(schemes, ["access_token"]);
        assert!(selected.get("webhooks").is_none());
        assert_eq!(selected["tags"], json!([{"name": "oauth2"}]));
    }

    #[test]
    fn discriminator_mappings_are_followed() {
        let mut doc = whole();
        doc["paths"]["/v1/oauth2/token"]["post"]["responses"]["200"]["content"]["application/json"]
            ["schema"] = json!({"$ref": "#/components/schemas/Union"});
        let selected = apply(document(doc), &Selection::default()).unwrap().value;
        assert!(selected["components"]["schemas"].get("Order").is_some());
    }

    #[test]
    fn everything_selects_the_whole_document_but_webhooks() {
        let selected = apply(document(whole()), &Selection::all()).unwrap().value;
        let mut expected = whole();
        expected.as_object_mut().unwrap().remove("webhooks");
        // `Union` is referred to by nothing.
        expected["components"]["schemas"]
            .as_object_mut()
            .unwrap()
            .remove("Union");
        assert_eq!(selected, expected);
    }

    #[test]
    fn a_selection_matching_nothing_names_the_file() {
        let selection = Selection {
            paths: vec!["/v2/".into()],
            file: Some("spec/select.toml".into()),
        };
        let e = apply(document(whole()), &selection).unwrap_err();
        assert_eq!(
            e.to_string(),
            "spec/select.toml: no operation of the document has a path starting with `/v2/`"
        );
    }

    #[test]
    fn the_file_is_a_toml_list_of_prefixes_with_comments() {
        let text = "# what becomes the client\npaths = [\n  \"/v1/oauth2/\", # OAuth2\n  \"/v1/#x\\\"\",\n]\n";
        let s = parse(Path::new("spec/select.toml"), text).unwrap();
        assert_eq!(s.paths, ["/v1/oauth2/", "/v1/#x\""]);
        let s = parse(Path::new("s.toml"), "paths = [\"/\"]").unwrap();
        assert!(s.selects("/v1/anything"));
    }

    #[test]
    fn a_bad_file_is_refused_by_line() {
        let cases = [
            ("operations = [\"/\"]", "line 1: unknown key `operations`"),
            (
                "paths = [\"/a\"]\npaths = [\"/b\"]",
                "line 2: `paths` is given twice",
            ),
            (
                "paths = [\"/a\"",
                "line 1: the list of `paths` has no closing `]`",
            ),
            ("paths = [/a]", "line 1: expected a \"quoted\" path prefix"),
            ("paths = [\"v1\"]", "`v1` is not a path prefix"),
            ("paths = []", "`paths` is empty"),
            ("# nothing", "no `paths = [...]`"),
            (
                "paths = [\"/a\" \"/b\"]",
                "line 1: expected `,` between the strings",
            ),
        ];
        for (text, expected) in cases {
            let e = parse(Path::new("spec/select.toml"), text).unwrap_err();
            assert!(
                e.to_string()
                    .starts_with(&format!("spec/select.toml: {expected}")),
                "{text}: {e}"
            );
        }
    }

    #[test]
    fn no_file_is_the_default_selection() {
        let dir = std::env::temp_dir().join(format!("polar-select-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        assert_eq!(read(&dir).unwrap(), Selection::default());
        fs::write(dir.join(SELECTION_FILE), "paths = [\"/\"]\n").unwrap();
        let read_back = read(&dir).unwrap();
        fs::remove_dir_all(&dir).unwrap();
        assert_eq!(read_back.paths, ["/"]);
    }
}
