//! Finding things in a document: operations by id, a union's arms and tag, a `$ref`'s
//! component.

use serde_json::Value;

use crate::error::{Error, pointer};
use crate::walk::METHODS;

/// The pointer of every operation in `doc`, in document order.
pub fn operations(doc: &Value) -> Vec<String> {
    let paths = doc.get("paths").and_then(Value::as_object);
    paths
        .into_iter()
        .flatten()
        .flat_map(|(path, item)| {
            item.as_object()
                .into_iter()
                .flatten()
                .filter(|(method, _)| METHODS.contains(&method.as_str()))
                .map(move |(method, _)| pointer(["paths", path.as_str(), method.as_str()]))
        })
        .collect()
}

/// Pointer of the operation with `operation_id` (matched by id, so a moved path still works).
pub fn find_operation(doc: &Value, operation_id: &str) -> Result<String, Error> {
    let paths = doc.get("paths").and_then(Value::as_object);
    for (path, item) in paths.into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            if op.get("operationId").and_then(Value::as_str) == Some(operation_id) {
                return Ok(pointer(["paths", path.as_str(), method.as_str()]));
            }
        }
    }
    Err(Error::at(
        "/paths",
        format!("no operation `{operation_id}`: the facade needs it"),
    ))
}

/// The component names of a `oneOf` union's `$ref` arms.
pub(crate) fn union_arms(doc: &Value, union_ptr: &str) -> Result<Vec<String>, Error> {
    let union = resolve(doc, union_ptr)?;
    let arms = union
        .get("oneOf")
        .and_then(Value::as_array)
        .ok_or_else(|| Error::at(union_ptr, "expected a `oneOf` union"))?;
    arms.iter()
        .enumerate()
        .map(|(i, arm)| {
            component_name(arm)
                .map(str::to_owned)
                .ok_or_else(|| Error::at(format!("{union_ptr}/oneOf/{i}"), "expected a `$ref`"))
        })
        .collect()
}

/// The union's `discriminator.propertyName`.
pub(crate) fn discriminator_property(doc: &Value, union_ptr: &str) -> Result<String, Error> {
    resolve(doc, union_ptr)?
        .pointer("/discriminator/propertyName")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| Error::at(union_ptr, "expected a `discriminator.propertyName`"))
}

/// `#/components/schemas/X` -> `X`.
pub fn component_name(schema: &Value) -> Option<&str> {
    schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
}

pub(super) fn resolve<'a>(doc: &'a Value, ptr: &str) -> Result<&'a Value, Error> {
    let value = doc
        .pointer(ptr)
        .ok_or_else(|| Error::at(ptr, "expected a schema here"))?;
    match component_name(value) {
        Some(name) => doc
            .pointer(&pointer(["components", "schemas", name]))
            .ok_or_else(|| Error::at(ptr, format!("`$ref` to missing schema `{name}`"))),
        None => Ok(value),
    }
}
