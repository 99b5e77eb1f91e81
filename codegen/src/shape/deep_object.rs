//! `style: deepObject` query parameters become a component the generator replaces with a type
//! that writes `name[key]=value` pairs.

use heck::ToUpperCamelCase;
use serde_json::{Map, Value, json};

use super::hoist::components_schemas;
use super::names::{NAME_PREFIX, Names};
use crate::error::{Error, pointer};
use crate::walk::METHODS;

/// Extension marking the component that stands for a deepObject query parameter: its value is
/// the parameter's name; [`crate::generate`] writes the type that encodes it.
pub(crate) const DEEP_OBJECT_EXTENSION: &str = "x-polar-oauth2-deep-object";

/// progenitor panics on `style: deepObject` query parameters. Polar's server reads them as
/// `?metadata[key]=value`, a key given several times matching any of its values
/// (`server/polar/kit/metadata.py`, `_get_metadata_query`: the regex `metadata\[([^\]]+)\]`
/// over the query's items; values compared as strings). Each such parameter becomes a `form`
/// parameter whose schema is a component marked with `DEEP_OBJECT_EXTENSION`, which the
/// generator replaces by a type that serializes to exactly those pairs. Parameters in
/// `components/parameters` are rewritten where they are defined.
pub fn deep_object_parameters(doc: &mut Value, names: &mut Names) -> Result<(), Error> {
    let mut lists: Vec<String> = Vec::new();
    for (path, item) in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let path_ptr = pointer(["paths", path.as_str()]);
        lists.push(format!("{path_ptr}/parameters"));
        for method in METHODS.iter().filter(|m| item.get(**m).is_some()) {
            lists.push(format!("{path_ptr}/{method}/parameters"));
        }
    }
    let mut params: Vec<String> = Vec::new();
    for list in lists {
        let count = doc
            .pointer(&list)
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        params.extend((0..count).map(|i| format!("{list}/{i}")));
    }
    for name in doc
        .pointer("/components/parameters")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(Map::keys)
    {
        params.push(pointer(["components", "parameters", name.as_str()]));
    }
    for ptr in params {
        let Some(param) = doc.pointer(&ptr) else {
            continue;
        };
        if param.get("style").and_then(Value::as_str) != Some("deepObject") {
            continue;
        }
        if param.get("in").and_then(Value::as_str) != Some("query") {
            return Err(Error::at(
                format!("{ptr}/style"),
                "`style: deepObject` is defined for query parameters only",
            ));
        }
        let Some(api_name) = param.get("name").and_then(Value::as_str).map(str::to_owned) else {
            return Err(Error::at(ptr, "the parameter has no `name`"));
        };
        let marker = json!({
            "type": "object",
            "description": format!("`?{api_name}[key]=value` pairs (OpenAPI `style: deepObject`)."),
            DEEP_OBJECT_EXTENSION: api_name,
        });
        let wanted = format!("{NAME_PREFIX}DeepObject{}", api_name.to_upper_camel_case());
        let name = names.claim(doc, &wanted, &marker);
        components_schemas(doc)?.insert(name.clone(), marker);
        if let Some(param) = doc.pointer_mut(&ptr).and_then(Value::as_object_mut) {
            param.remove("style");
            param.remove("explode");
            param.insert(
                "schema".into(),
                json!({"$ref": format!("#/components/schemas/{name}")}),
            );
        }
    }
    Ok(())
}
