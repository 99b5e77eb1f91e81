//! Moving inline schemas under `components/schemas`, where progenitor's replacements find them,
//! and dropping the tag property the facade's tagged enums consume.

use serde_json::{Map, Value, json};

use super::lookup::resolve;
use super::names::Names;
use crate::error::{Error, pointer};

/// Move the inline schema at `ptr` to `components/schemas/<name>` and refer to it. A schema that
/// is already a `$ref` is copied under `name` instead, so the replacement still finds it.
pub(crate) fn hoist(
    doc: &mut Value,
    ptr: &str,
    wanted: &str,
    names: &mut Names,
) -> Result<(), Error> {
    let schema = resolve(doc, ptr)?.clone();
    let name = &names.claim(doc, wanted, &schema);
    let target = pointer(["components", "schemas", name]);
    if doc
        .pointer(&target)
        .is_some_and(|existing| *existing != schema)
    {
        return Err(Error::at(
            &target,
            format!("the document already has a different schema named `{name}`"),
        ));
    }
    let schemas = components_schemas(doc)?;
    schemas.insert(name.to_owned(), schema);
    if let Some(slot) = doc.pointer_mut(ptr) {
        *slot = json!({ "$ref": format!("#/components/schemas/{name}") });
    }
    Ok(())
}

pub(super) fn components_schemas(doc: &mut Value) -> Result<&mut Map<String, Value>, Error> {
    let root = doc
        .as_object_mut()
        .ok_or_else(|| Error::at("", "the document is not a mapping"))?;
    let components = root
        .entry("components")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .ok_or_else(|| Error::at("/components", "`components` must be a mapping"))?;
    components
        .entry("schemas")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .ok_or_else(|| Error::at("/components/schemas", "`schemas` must be a mapping"))
}

fn arm_mut<'a>(doc: &'a mut Value, arm: &str) -> Result<&'a mut Map<String, Value>, Error> {
    let ptr = pointer(["components", "schemas", arm]);
    doc.pointer_mut(&ptr)
        .and_then(Value::as_object_mut)
        .ok_or_else(|| Error::at(ptr, format!("the union arm `{arm}` is missing")))
}

/// A serde internally tagged enum consumes its tag, so the arm structs must not declare it:
/// kept, every decode fails with "missing field `sub_type`".
pub(crate) fn strip_tag_property(doc: &mut Value, arm: &str, tag: &str) -> Result<(), Error> {
    let schema = arm_mut(doc, arm)?;
    if let Some(Value::Object(props)) = schema.get_mut("properties") {
        props.remove(tag);
    }
    if let Some(Value::Array(required)) = schema.get_mut("required") {
        required.retain(|r| r != tag);
    }
    Ok(())
}

/// Give an inline property schema a component name (so it can be replaced) and drop its
/// `default`: the 62-entry display-name map would otherwise become a ~150-line default function
/// in every struct that has it. The facade knows those names from the `Scope` schema.
pub(crate) fn hoist_property(
    doc: &mut Value,
    arm: &str,
    property: &str,
    wanted: &str,
    names: &mut Names,
) -> Result<(), Error> {
    let schema = arm_mut(doc, arm)?;
    let Some(prop) = schema.get_mut("properties").and_then(|p| p.get(property)) else {
        return Ok(());
    };
    let mut hoisted = prop.clone();
    if let Some(obj) = hoisted.as_object_mut() {
        for key in ["default", "title", "description"] {
            obj.remove(key);
        }
    }
    let name = &names.claim(doc, wanted, &hoisted);
    if let Some(prop) = arm_mut(doc, arm)?
        .get_mut("properties")
        .and_then(|p| p.get_mut(property))
    {
        *prop = json!({ "$ref": format!("#/components/schemas/{name}") });
    }
    let target = pointer(["components", "schemas", name]);
    match doc.pointer(&target) {
        Some(existing) if *existing != hoisted => Err(Error::at(
            pointer(["components", "schemas", arm, "properties", property]),
            format!("`{property}` differs from the one already hoisted as `{name}`"),
        )),
        Some(_) => Ok(()),
        None => {
            components_schemas(doc)?.insert(name.to_owned(), hoisted);
            Ok(())
        }
    }
}
