//! Rust names for what the document names: enum values whose Rust variant names collide.
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
    #[must_use]
    pub fn placeholder(&self, value: &str) -> Option<&str> {
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
/// gets (see the module docs). The caller restores the values in the generated code.
pub fn distinct_enum_variants(doc: &mut Value) -> Renamed {
    let mut colliding: BTreeSet<String> = BTreeSet::new();
    let mut all_values: BTreeSet<String> = BTreeSet::new();
    for_each_schema_mut(doc, &mut |schema, _| {
        let Some(Value::Array(values)) = schema.get("enum") else {
            return;
        };
        let mut by_name: BTreeMap<String, Vec<&str>> = BTreeMap::new();
        for value in values.iter().filter_map(Value::as_str) {
            all_values.insert(value.to_owned());
            by_name.entry(variant_name(value)).or_default().push(value);
        }
        for group in by_name.into_values().filter(|g| g.len() > 1) {
            colliding.extend(group.into_iter().map(str::to_owned));
        }
    });
    let mut renamed = Renamed::default();
    for value in colliding {
        let mut placeholder = spelled_out(&value);
        while all_values.contains(&placeholder) || renamed.0.contains_key(&placeholder) {
            placeholder.push_str(" x");
        }
        renamed.0.insert(placeholder, value);
    }
    if renamed.is_empty() {
        return renamed;
    }
    let to_placeholder: BTreeMap<String, String> = renamed
        .0
        .iter()
        .map(|(p, v)| (v.clone(), p.clone()))
        .collect();
    let swap = |value: &mut Value| {
        if let Some(p) = value.as_str().and_then(|v| to_placeholder.get(v)) {
            *value = Value::String(p.clone());
        }
    };
    for_each_schema_mut(doc, &mut |schema, _| {
        if let Some(Value::Array(values)) = schema.get_mut("enum") {
            values.iter_mut().for_each(swap);
        }
        if let Some(default) = schema.get_mut("default") {
            swap(default);
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
        assert_eq!(doc["components"]["schemas"]["Other"]["enum"][0], "Etc GMT plus 1");
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
    fn no_collision_changes_nothing() {
        let mut doc = json!({"components": {"schemas": {"S": {"enum": ["a_b", "c"]}}}});
        let before = doc.clone();
        assert!(distinct_enum_variants(&mut doc).is_empty());
        assert_eq!(doc, before);
    }
}
