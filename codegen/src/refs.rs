//! Every local `$ref` of a document resolves: checked before any rewrite moves one, so that an
//! error names where the dangling reference is in the file.

use serde_json::Value;

use crate::error::{Error, escape_token};

/// Every local `$ref` must resolve; progenitor would otherwise fail far from the cause.
pub(crate) fn check_refs(doc: &Value) -> Result<(), Error> {
    fn walk(doc: &Value, node: &Value, ptr: &mut String) -> Result<(), Error> {
        match node {
            Value::Object(map) => {
                if let Some(Value::String(reference)) = map.get("$ref") {
                    let target = reference.strip_prefix('#').ok_or_else(|| {
                        Error::at(
                            format!("{ptr}/$ref"),
                            format!("only local references are supported, found `{reference}`"),
                        )
                    })?;
                    if doc.pointer(target).is_none() {
                        return Err(Error::at(
                            format!("{ptr}/$ref"),
                            format!("`$ref` to `{reference}`, which does not exist"),
                        ));
                    }
                }
                for (key, value) in map {
                    let len = ptr.len();
                    ptr.push('/');
                    ptr.push_str(&escape_token(key));
                    walk(doc, value, ptr)?;
                    ptr.truncate(len);
                }
                Ok(())
            }
            Value::Array(items) => {
                for (i, value) in items.iter().enumerate() {
                    let len = ptr.len();
                    ptr.push_str(&format!("/{i}"));
                    walk(doc, value, ptr)?;
                    ptr.truncate(len);
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
    walk(doc, doc, &mut String::new())
}
