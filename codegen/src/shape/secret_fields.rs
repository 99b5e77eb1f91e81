//! Secret properties become references to the components the generator replaces with the
//! library's secret types.

use serde_json::{Map, Value, json};

use std::collections::BTreeMap;

use super::hoist::components_schemas;
use super::names::Names;
use crate::error::Error;
use crate::{secrets, walk};

/// Every string property named in [`secrets::SECRET_FIELDS`], in every schema of the document,
/// becomes a reference to a component the generator replaces with the library's secret type,
/// so no generated struct can print it. The components are added whether used or not (a
/// replacement needs its schema to exist). A property of another type with a secret's name
/// (an object called `token`) is refused: the generator would print it.
pub(crate) fn secret_fields(doc: &mut Value, names: &mut Names) -> Result<(), Error> {
    let string = json!({"type": "string"});
    let chosen: BTreeMap<&str, String> = secrets::SECRET_FIELDS
        .iter()
        .map(|(_, rust_type)| {
            let name = names.claim(doc, &secrets::component_name(rust_type), &string);
            (*rust_type, name)
        })
        .collect();
    let component = |rust_type: &str| chosen.get(rust_type).cloned().unwrap_or_default();
    let mut refused = None;
    walk::for_each_schema_mut(doc, &mut |schema, ptr| {
        let Some(Value::Object(props)) = schema.get_mut("properties") else {
            return;
        };
        for (name, prop) in props.iter_mut() {
            let Some(rust_type) = secrets::secret_type(name) else {
                continue;
            };
            let Some(prop) = prop.as_object_mut() else {
                continue;
            };
            // Already rewritten (a document shaped twice).
            if prop
                .get("$ref")
                .and_then(Value::as_str)
                .is_some_and(|r| r.ends_with(&format!("/{}", component(rust_type))))
            {
                continue;
            }
            if prop.get("type").and_then(Value::as_str) != Some("string") {
                refused.get_or_insert_with(|| {
                    Error::at(
                        format!("{ptr}/properties/{}", crate::error::escape_token(name)),
                        format!(
                            "`{name}` carries a secret (`{rust_type}`) but is not a string here; add its shape to codegen/src/secrets.rs"
                        ),
                    )
                });
                continue;
            }
            let reference = json!({
                "$ref": format!("#/components/schemas/{}", component(rust_type))
            });
            let nullable = prop.get("nullable").and_then(Value::as_bool) == Some(true);
            // A `$ref` takes no siblings in OpenAPI 3.0; the nullable wrapper keeps the docs.
            let replacement = if nullable {
                let mut wrapper = json!({"allOf": [reference], "nullable": true});
                for key in ["description", "default"] {
                    if let (Some(value), Some(obj)) = (prop.get(key), wrapper.as_object_mut()) {
                        obj.insert(key.to_owned(), value.clone());
                    }
                }
                wrapper
            } else {
                reference
            };
            *prop = match replacement {
                Value::Object(map) => map,
                _ => Map::new(),
            };
        }
    });
    if let Some(error) = refused {
        return Err(error);
    }
    let schemas = components_schemas(doc)?;
    for name in chosen.into_values() {
        schemas.entry(name).or_insert_with(|| string.clone());
    }
    Ok(())
}
