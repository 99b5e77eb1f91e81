//! Merging the documents of `spec/`: identical repeats merge, different definitions of one path
//! or component are an error naming both files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::document::Document;
use crate::error::{Error, pointer};

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
