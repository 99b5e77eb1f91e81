//! Rust names for what the document names: types and enum variants that would collide.
//!
//! typify names an inline schema after its `title` (`Token Endpoint Auth Method` ->
//! `TokenEndpointAuthMethod`). In Polar's whole API one title names different schemas (an enum
//! in one object, another enum or a string in the next) or a component's own name
//! (`CountryAlpha2Input`): typify then checks one schema's `default` against the other's type, or
//! emits two definitions of one name, which fails in rustc. [`distinct_type_names`] removes the
//! title of every inline schema whose name another schema also takes, so typify names it after
//! where it is (`OAuth2ClientConfigurationTokenEndpointAuthMethod`): deterministic, and only
//! where a collision exists (identical inline copies keep their shared name).
//!
//! typify names a string enum's variants after their values in PascalCase, dropping what is not
//! an identifier character, and gives up (a panic) when two values get one name: `Etc/GMT+1`
//! and `Etc/GMT-1` are both `EtcGmt1`. typify 0.8 reads no variant-name extension
//! (`x-enum-varnames` is unknown to it), so [`distinct_enum_variants`] renames the colliding
//! values *for the generator only*: their punctuation spelled out (`Etc/GMT plus 1`, hence
//! `EtcGmtPlus1` and `EtcGmtMinus1`), in every enum and `default` that has them; then
//! [`Renamed::restore`] puts the real values back into every string literal of the generated
//! code (serde renames, `Display`, `FromStr`, docs), so the wire format is the document's.

use std::collections::{BTreeMap, BTreeSet};

use heck::ToUpperCamelCase;
use proc_macro2::{Group, Literal, TokenStream, TokenTree};
use serde_json::Value;

use crate::walk::for_each_schema_mut;

/// The values renamed for the generator: placeholder -> real value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Renamed(BTreeMap<String, String>);

impl Renamed {
    /// Whether nothing was renamed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The placeholder used for `value`, if it was renamed.
    #[cfg(test)]
    fn placeholder(&self, value: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(_, real)| *real == value)
            .map(|(p, _)| p.as_str())
    }

    /// The generated code with every placeholder inside a string literal replaced by its value.
    #[must_use]
    pub fn restore(&self, tokens: TokenStream) -> TokenStream {
        if self.0.is_empty() {
            return tokens;
        }
        tokens
            .into_iter()
            .map(|tree| match tree {
                TokenTree::Group(group) => {
                    let mut restored = Group::new(group.delimiter(), self.restore(group.stream()));
                    restored.set_span(group.span());
                    TokenTree::Group(restored)
                }
                TokenTree::Literal(literal) => TokenTree::Literal(self.restore_literal(literal)),
                other => other,
            })
            .collect()
    }

    fn restore_literal(&self, literal: Literal) -> Literal {
        let Ok(text) = syn::parse2::<syn::LitStr>(TokenTree::Literal(literal.clone()).into())
        else {
            return literal;
        };
        let mut value = text.value();
        let mut changed = false;
        for (placeholder, real) in &self.0 {
            if value.contains(placeholder.as_str()) {
                value = value.replace(placeholder.as_str(), real);
                changed = true;
            }
        }
        if !changed {
            return literal;
        }
        let mut restored = Literal::string(&value);
        restored.set_span(literal.span());
        restored
    }
}

/// Schema keywords that make typify define a named type for a schema (rather than use `String`,
/// `i64`, a referenced type…), or for its items: an array's items are named after the array's
/// title (`Response Types` -> `ResponseTypesItem`).
const DEFINES_A_TYPE: &[&str] = &[
    "items",
    "enum",
    "properties",
    "additionalProperties",
    "oneOf",
    "anyOf",
    "allOf",
    "not",
];

/// Remove the `title` of every inline schema whose title-derived name is also a component's
/// name, or another, different, inline schema's (see the module docs). Returns the pointers of
/// the schemas renamed that way, in document order.
pub fn distinct_type_names(doc: &mut Value) -> Vec<String> {
    let components: BTreeSet<String> = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|s| s.keys())
        .map(|k| k.to_upper_camel_case())
        .collect();
    let is_component = |ptr: &str| {
        ptr.strip_prefix("/components/schemas/")
            .is_some_and(|rest| !rest.contains('/'))
    };
    let defines_a_type = |schema: &serde_json::Map<String, Value>| {
        DEFINES_A_TYPE
            .iter()
            .chain(crate::downgrade::CONSTRAINT_KEYWORDS)
            .any(|k| schema.contains_key(*k))
    };
    // Title-derived name -> the distinct inline schemas (without title) that take it.
    let mut by_name: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for_each_schema_mut(doc, &mut |schema, ptr| {
        if is_component(ptr) || !defines_a_type(schema) {
            return;
        }
        let Some(title) = schema.get("title").and_then(Value::as_str) else {
            return;
        };
        let name = title.to_upper_camel_case();
        let mut untitled = schema.clone();
        untitled.remove("title");
        let untitled = Value::Object(untitled);
        let schemas = by_name.entry(name).or_default();
        if !schemas.contains(&untitled) {
            schemas.push(untitled);
        }
    });
    let mut renamed = Vec::new();
    for_each_schema_mut(doc, &mut |schema, ptr| {
        if is_component(ptr) || !defines_a_type(schema) {
            return;
        }
        let Some(name) = schema
            .get("title")
            .and_then(Value::as_str)
            .map(ToUpperCamelCase::to_upper_camel_case)
        else {
            return;
        };
        let shared = by_name.get(&name).is_some_and(|s| s.len() > 1);
        if shared || components.contains(&name) {
            schema.remove("title");
            renamed.push(ptr.to_owned());
        }
    });
    renamed
}

/// typify's first-choice variant name for a value (PascalCase of its identifier characters).
#[must_use]
pub fn variant_name(value: &str) -> String {
    value
        .replace('\'', "")
        .replace(|c: char| !(c.is_alphanumeric() || c == '_'), "-")
        .to_upper_camel_case()
}

/// The value with its punctuation spelled out as words, so that it keeps its own Rust name.
fn spelled_out(value: &str) -> String {
    let mut out = String::new();
    for c in value.chars() {
        let word = match c {
            '+' => "plus",
            '-' => "minus",
            '*' => "star",
            '&' => "and",
            '@' => "at",
            '#' => "hash",
            '%' => "percent",
            '=' => "equals",
            '<' => "lt",
            '>' => "gt",
            '!' => "not",
            '~' => "tilde",
            '^' => "caret",
            '|' => "or",
            '$' => "dollar",
            '?' => "question",
            c if c.is_alphanumeric() || c == '_' => {
                out.push(c);
                continue;
            }
            _ => {
                out.push(' ');
                continue;
            }
        };
        out.push(' ');
        out.push_str(word);
        out.push(' ');
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Rename, for the generator, every enum value whose Rust name another value of its enum also
/// gets (see the module docs). Within one enum, each colliding value has its punctuation spelled
/// out; a value with nothing to spell out keeps its name the first time and gets a number after
/// that (`code`, `Code` -> `Code`, `Code2`). A value is renamed the same way everywhere (the
/// restore is global). The caller restores the values in the generated code.
pub fn distinct_enum_variants(doc: &mut Value) -> Renamed {
    let mut enums: Vec<Vec<String>> = Vec::new();
    for_each_schema_mut(doc, &mut |schema, _| {
        if let Some(Value::Array(values)) = schema.get("enum") {
            enums.push(
                values
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect(),
            );
        }
    });
    let all_values: BTreeSet<&str> = enums.iter().flatten().map(String::as_str).collect();
    // Real value -> placeholder (the value itself when it keeps its name).
    let mut chosen: BTreeMap<String, String> = BTreeMap::new();
    for values in &enums {
        let mut by_name: BTreeMap<String, Vec<&str>> = BTreeMap::new();
        for value in values {
            by_name.entry(variant_name(value)).or_default().push(value);
        }
        let mut taken: BTreeSet<String> = by_name
            .iter()
            .filter(|(_, group)| group.len() == 1)
            .map(|(name, _)| name.clone())
            .collect();
        for group in by_name.into_values().filter(|g| g.len() > 1) {
            for value in group {
                let mut placeholder = chosen
                    .get(value)
                    .cloned()
                    .unwrap_or_else(|| spelled_out(value));
                let mut n = 1;
                while taken.contains(&variant_name(&placeholder))
                    || (placeholder != value && all_values.contains(placeholder.as_str()))
                {
                    n += 1;
                    placeholder = format!("{} {n}", spelled_out(value));
                }
                taken.insert(variant_name(&placeholder));
                chosen.entry(value.to_owned()).or_insert(placeholder);
            }
        }
    }
    chosen.retain(|value, placeholder| value != placeholder);
    let renamed = Renamed(chosen.iter().map(|(v, p)| (p.clone(), v.clone())).collect());
    if renamed.is_empty() {
        return renamed;
    }
    fn swap(value: &mut Value, chosen: &BTreeMap<String, String>) {
        match value {
            Value::String(s) => {
                if let Some(p) = chosen.get(s.as_str()) {
                    *s = p.clone();
                }
            }
            // A default may be a list or an object holding enum values.
            Value::Array(items) => items.iter_mut().for_each(|v| swap(v, chosen)),
            Value::Object(map) => map.values_mut().for_each(|v| swap(v, chosen)),
            _ => {}
        }
    }
    for_each_schema_mut(doc, &mut |schema, _| {
        if let Some(Value::Array(values)) = schema.get_mut("enum") {
            values.iter_mut().for_each(|v| swap(v, &chosen));
        }
        if let Some(default) = schema.get_mut("default") {
            swap(default, &chosen);
        }
    });
    renamed
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tokens(code: &str) -> TokenStream {
        code.parse().unwrap()
    }

    #[test]
    fn colliding_values_get_spelled_out_names_and_others_stay() {
        let mut doc = json!({"components": {"schemas": {
            "Tz": {"type": "string", "enum": ["Etc/GMT+1", "Etc/GMT-1", "UTC"], "default": "Etc/GMT-1"},
            "Other": {"type": "string", "enum": ["Etc/GMT+1", "x"]}}}});
        let renamed = distinct_enum_variants(&mut doc);
        assert_eq!(
            doc["components"]["schemas"]["Tz"]["enum"],
            json!(["Etc GMT plus 1", "Etc GMT minus 1", "UTC"])
        );
        assert_eq!(
            doc["components"]["schemas"]["Tz"]["default"],
            "Etc GMT minus 1"
        );
        // The same value in another enum is renamed too: the restore is global.
        assert_eq!(
            doc["components"]["schemas"]["Other"]["enum"][0],
            "Etc GMT plus 1"
        );
        assert_eq!(variant_name("Etc GMT plus 1"), "EtcGmtPlus1");
        assert_eq!(variant_name("Etc GMT minus 1"), "EtcGmtMinus1");
        assert_eq!(renamed.placeholder("Etc/GMT+1"), Some("Etc GMT plus 1"));
        assert_eq!(renamed.placeholder("UTC"), None);
    }

    #[test]
    fn restore_puts_the_real_values_into_every_string_literal() {
        let mut doc = json!({"components": {"schemas": {
            "Tz": {"enum": ["Etc/GMT+1", "Etc/GMT-1"]}}}});
        let renamed = distinct_enum_variants(&mut doc);
        let code = tokens(
            r#"#[doc = "one of \"Etc GMT plus 1\""] enum Tz { #[serde(rename = "Etc GMT plus 1")] EtcGmtPlus1 }
               fn f() -> &'static str { match 1 { _ => "Etc GMT minus 1" } }"#,
        );
        let restored = renamed.restore(code).to_string();
        assert!(restored.contains(r#"rename = "Etc/GMT+1""#), "{restored}");
        assert!(restored.contains(r#""Etc/GMT-1""#), "{restored}");
        assert!(restored.contains(r#"one of \"Etc/GMT+1\""#), "{restored}");
        assert!(restored.contains("EtcGmtPlus1"), "{restored}");
        assert!(!restored.contains("GMT plus"), "{restored}");
    }

    #[test]
    fn inline_schemas_sharing_a_name_lose_their_titles_and_identical_copies_keep_it() {
        let auth =
            |values: Value| json!({"type": "string", "enum": values, "title": "Auth Method"});
        let mut doc = json!({"components": {"schemas": {
            "CountryAlpha2Input": {"type": "string", "enum": ["AD"]},
            "A": {"properties": {"m": auth(json!(["x", "y"])), "n": auth(json!(["x", "y"]))}},
            "B": {"properties": {"m": auth(json!(["z"])),
                                 "c": {"title": "CountryAlpha2Input", "enum": ["AD", "AE"]},
                                 "s": {"title": "CountryAlpha2Input", "type": "string"}}},
            "C": {"properties": {"same": {"title": "Same", "enum": ["a"]},
                                 "again": {"title": "Same", "enum": ["a"]}}}}}});
        let renamed = distinct_type_names(&mut doc);
        assert_eq!(
            renamed,
            [
                "/components/schemas/A/properties/m",
                "/components/schemas/A/properties/n",
                "/components/schemas/B/properties/m",
                "/components/schemas/B/properties/c",
            ]
        );
        let schemas = &doc["components"]["schemas"];
        assert!(schemas["A"]["properties"]["m"].get("title").is_none());
        // A plain string defines no type: its title is harmless and stays.
        assert_eq!(
            schemas["B"]["properties"]["s"]["title"],
            "CountryAlpha2Input"
        );
        assert_eq!(schemas["C"]["properties"]["again"]["title"], "Same");
    }

    #[test]
    fn values_differing_only_in_case_get_a_number_and_list_defaults_follow() {
        let mut doc = json!({"components": {"schemas": {
            "Kind": {"enum": ["code", "Code", "CODE"]},
            "Uses": {"type": "array", "items": {"enum": ["Code"]}, "default": ["Code"]}}}});
        let renamed = distinct_enum_variants(&mut doc);
        let schemas = &doc["components"]["schemas"];
        assert_eq!(schemas["Kind"]["enum"], json!(["code", "Code 2", "CODE 3"]));
        assert_eq!(schemas["Uses"]["items"]["enum"], json!(["Code 2"]));
        assert_eq!(schemas["Uses"]["default"], json!(["Code 2"]));
        assert_eq!(renamed.placeholder("code"), None);
        let names: BTreeSet<_> = ["code", "Code 2", "CODE 3"].map(variant_name).into();
        assert_eq!(names.len(), 3);
    }

    #[test]
    fn no_collision_changes_nothing() {
        let mut doc = json!({"components": {"schemas": {"S": {"enum": ["a_b", "c"]}}}});
        let before = doc.clone();
        assert!(distinct_enum_variants(&mut doc).is_empty());
        assert_eq!(doc, before);
    }
}
