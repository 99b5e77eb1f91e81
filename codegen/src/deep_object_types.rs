//! The deepObject query parameters' types (`?name[key]=value`), which the generator writes
//! beside progenitor's output because progenitor cannot generate that style.

use heck::ToUpperCamelCase;
use serde_json::Value;

use crate::error::Error;
use crate::shape::{DEEP_OBJECT_EXTENSION, NAME_PREFIX};

/// A deepObject query parameter (see [`crate::shape::deep_object_parameters`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeepObject {
    /// The component that stands for it.
    pub component: String,
    /// The parameter's name in the query (`metadata`).
    pub api_name: String,
    /// The type's name in `deep_object` (`Metadata`).
    pub rust_name: String,
}

/// The deepObject parameters of a shaped document, by component name.
pub fn deep_objects(doc: &Value) -> Vec<DeepObject> {
    let schemas = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object);
    let mut found: Vec<DeepObject> = schemas
        .into_iter()
        .flatten()
        .filter_map(|(component, schema)| {
            let api_name = schema.get(DEEP_OBJECT_EXTENSION)?.as_str()?.to_owned();
            Some(DeepObject {
                component: component.clone(),
                rust_name: component
                    .strip_prefix(&format!("{}DeepObject", NAME_PREFIX))
                    .filter(|n| !n.is_empty())
                    .unwrap_or(component)
                    .to_upper_camel_case(),
                api_name,
            })
        })
        .collect();
    found.sort_by(|a, b| a.component.cmp(&b.component));
    found
}

/// The `deep_object` module: one type per deepObject query parameter, serialized the way
/// Polar's server reads it, `?name[key]=value`, one pair per value (a repeated key matches any
/// of its values). The caller builds it with `new().with("key", "value")`.
pub fn deep_object_types(doc: &Value) -> Result<Vec<syn::Item>, Error> {
    let objects = deep_objects(doc);
    if objects.is_empty() {
        return Ok(Vec::new());
    }
    let mut code = String::from(
        "/// Query parameters in OpenAPI's `deepObject` style, encoded as Polar's server reads them.\npub mod deep_object {\n",
    );
    for d in &objects {
        let (api, ty) = (&d.api_name, &d.rust_name);
        let api_lit = format!("{api:?}");
        code.push_str(&format!(
            r#"
    /// The `{api}` query parameter: `?{api}[key]=value` pairs, in the order added.
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct {ty} {{
        pairs: ::std::vec::Vec<(::std::string::String, ::std::string::String)>,
    }}

    impl {ty} {{
        /// No pairs.
        pub fn new() -> Self {{
            Self::default()
        }}

        /// Add `key=value`; a key added several times matches any of its values.
        #[must_use]
        pub fn with(mut self, key: impl Into<::std::string::String>, value: impl ::std::fmt::Display) -> Self {{
            self.pairs.push((key.into(), value.to_string()));
            self
        }}

        /// The `(key, value)` pairs, in the order added.
        pub fn pairs(&self) -> &[(::std::string::String, ::std::string::String)] {{
            &self.pairs
        }}
    }}

    impl ::serde::Serialize for {ty} {{
        fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {{
            use ::serde::ser::SerializeMap as _;
            let mut map = serializer.serialize_map(::std::option::Option::Some(self.pairs.len()))?;
            for (key, value) in &self.pairs {{
                map.serialize_entry(&::std::format!("{{}}[{{}}]", {api_lit}, key), value)?;
            }}
            map.end()
        }}
    }}
"#
        ));
    }
    code.push_str("}\n");
    let file = syn::parse_str::<syn::File>(&code).map_err(|e| {
        Error::at(
            "/components/schemas",
            format!("cannot write the deepObject parameter types: {e}"),
        )
    })?;
    Ok(file.items)
}
