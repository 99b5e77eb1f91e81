//! The component names the shaping steps choose for the schemas they add, recorded in the
//! document for the generator.

use std::collections::BTreeMap;

use heck::ToUpperCamelCase;
use serde_json::Value;

/// Root extension in which `shape` records the [`Names`] it chose, for `crate::generate`.
pub(crate) const NAMES_EXTENSION: &str = "x-polar-oauth2-names";

/// Prefix of the fallback names (and of the secret components): kept apart from Polar's names.
pub(crate) const NAME_PREFIX: &str = "PolarOauth2";

/// The component names the shaping step gave the schemas it adds, by the name it wanted
/// (`AUTHORIZE_RESPONSE`, a secret's `crate::secrets::component_name`, …).
///
/// A document may already have a *different* schema whose Rust name is the wanted one (Polar's
/// whole API has its own `AuthorizeResponse`): the hoisted schema then gets the first free name
/// of `PolarOauth2<Wanted>`, `PolarOauth2<Wanted>2`, `PolarOauth2<Wanted>3`, … (deterministic:
/// it depends only on the document). An identical schema under the wanted name is reused.
/// [`crate::generate::replacements`] reads these names back from the document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Names(BTreeMap<String, String>);

impl Names {
    /// The name chosen for `wanted` (`wanted` itself when nothing was chosen).
    #[must_use]
    pub(crate) fn get(&self, wanted: &str) -> String {
        self.0
            .get(wanted)
            .cloned()
            .unwrap_or_else(|| wanted.to_owned())
    }

    /// The names recorded in a shaped document ([`NAMES_EXTENSION`]).
    #[must_use]
    pub(crate) fn from_doc(doc: &Value) -> Self {
        let names = doc.get(NAMES_EXTENSION).and_then(Value::as_object);
        Self(
            names
                .into_iter()
                .flatten()
                .filter_map(|(w, c)| Some((w.clone(), c.as_str()?.to_owned())))
                .collect(),
        )
    }

    /// The name for `wanted`, claiming one for `schema` on first use (see the type's docs).
    pub(crate) fn claim(&mut self, doc: &Value, wanted: &str, schema: &Value) -> String {
        if let Some(chosen) = self.0.get(wanted) {
            return chosen.clone();
        }
        let schemas = doc
            .pointer("/components/schemas")
            .and_then(Value::as_object);
        let chosen = (0..)
            .map(|n| match n {
                0 => wanted.to_owned(),
                1 => format!("{NAME_PREFIX}{}", wanted.trim_start_matches(NAME_PREFIX)),
                n => format!("{NAME_PREFIX}{}{n}", wanted.trim_start_matches(NAME_PREFIX)),
            })
            .find(|candidate| {
                let rust_name = candidate.to_upper_camel_case();
                let ours = self.0.values().any(|c| c == candidate);
                !ours
                    && schemas.into_iter().flatten().all(|(key, existing)| {
                        key.to_upper_camel_case() != rust_name
                            || (key == candidate && existing == schema)
                    })
            })
            .unwrap_or_else(|| wanted.to_owned());
        self.0.insert(wanted.to_owned(), chosen.clone());
        chosen
    }

    pub(super) fn record(&self, doc: &mut Value) {
        if let Some(root) = doc.as_object_mut() {
            let names = self
                .0
                .iter()
                .map(|(w, c)| (w.clone(), Value::String(c.clone())))
                .collect();
            root.insert(NAMES_EXTENSION.to_owned(), Value::Object(names));
        }
    }
}
