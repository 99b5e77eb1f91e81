//! Read every document in `spec/` and merge them into one.
//!
//! Polar publishes one OpenAPI document per operation; each repeats `info`, `servers`, the
//! security schemes and the shared schemas. Identical repeats merge; two *different* definitions
//! of one path or component are an error naming both files, since picking one would silently
//! generate the wrong client.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::Error;

mod document;
mod merge;
#[cfg(test)]
mod tests;
mod yaml;

pub use document::Document;
pub use merge::merge;
pub use yaml::MAX_FLOW_DEPTH;
use yaml::{check_flow_depth, parse_yaml};

/// File name endings read from the spec directory.
pub const EXTENSIONS: [&str; 3] = ["yaml", "yml", "json"];

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
/// whole published `openapi.yaml` does) is read with serde_json, much faster than serde_yaml on
/// a large document, which matters in a build script.
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
