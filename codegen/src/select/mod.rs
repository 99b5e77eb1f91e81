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
//! Without the file the selection is the OAuth2 paths. [`apply`] keeps the selected path items
//! and only the components they reach, transitively (schemas, parameters, responses, bodies,
//! headers, and the security schemes their `security` names), before anything else reads the
//! document: so Polar's whole file and the OAuth2 cut of it give the same client. `webhooks`
//! describe requests Polar sends, not ones a client makes, and go too.
//!
//! The file is a subset of TOML (one key, a list of basic strings, `#` comments) read by
//! [`parse`]: a TOML library in the build script would compile for every build of every crate
//! that depends on this one, for one list of strings. Anything outside the subset is an error
//! naming the file and line, so a file this accepts means the same to any TOML reader.

mod selection;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::error::{Error, pointer};
use crate::load::Document;
use crate::walk::METHODS;

pub use selection::{SELECTION_FILE, Selection, parse, read};

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
pub(crate) fn prune(doc: &mut Value) {
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
