//! The changes found so far, and the verdict helpers every rule shares: direction, loosening
//! and tightening, documentation diffs, values compared as data.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::change::{Change, Kind};
use super::render::{short, short_pair};
use crate::surface::Direction;

/// The changes found so far.
#[derive(Default)]
pub(super) struct Out(pub(super) Vec<Change>);

impl Out {
    pub(super) fn push(
        &mut self,
        kind: Kind,
        item: impl Into<String>,
        change: impl Into<String>,
        detail: impl Into<String>,
    ) {
        self.0.push(Change {
            kind,
            item: item.into(),
            change: change.into(),
            detail: detail.into(),
        });
    }
}

/// The kind of a change that is `request` for data the client sends and `response` for data it
/// reads; data of both directions (or of none: progenitor still generates it) gets the stricter.
pub(super) fn directed(dir: Direction, request: Kind, response: Kind) -> Kind {
    match (dir.request, dir.response) {
        (true, false) => request,
        (false, true) => response,
        _ => request.min(response),
    }
}

/// Loosening data (optional, nullable, wider constraint): fine to send, a surprise to read.
pub(super) fn loosened(dir: Direction) -> Kind {
    directed(dir, Kind::Additive, Kind::Breaking)
}

/// Tightening data (required, non-nullable, narrower constraint): a surprise to send, fine to read.
pub(super) fn tightened(dir: Direction) -> Kind {
    directed(dir, Kind::Breaking, Kind::Additive)
}

pub(super) fn union_keys<'a, K: Ord + 'a, V: 'a>(
    a: &'a BTreeMap<K, V>,
    b: &'a BTreeMap<K, V>,
) -> BTreeSet<&'a K> {
    a.keys().chain(b.keys()).collect()
}

/// Documentation differences, one entry per changed leaf (objects are compared key by key).
pub(super) fn cosmetic(
    item: &str,
    path: &str,
    old: Option<&Value>,
    new: Option<&Value>,
    out: &mut Out,
) {
    match (old, new) {
        (Some(a), Some(b)) if same_value(a, b) => {}
        (Some(Value::Object(a)), Some(Value::Object(b))) => {
            let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for key in keys {
                cosmetic(item, &format!("{path}.{key}"), a.get(key), b.get(key), out);
            }
        }
        (Some(a), Some(b)) => out.push(
            Kind::Cosmetic,
            item,
            format!("{path} changed"),
            short_pair(a, b),
        ),
        (None, Some(b)) => out.push(Kind::Cosmetic, item, format!("{path} added"), short(b)),
        (Some(a), None) => out.push(Kind::Cosmetic, item, format!("{path} removed"), short(a)),
        (None, None) => {}
    }
}

pub(super) fn cosmetic_maps(
    item: &str,
    old: &BTreeMap<String, Value>,
    new: &BTreeMap<String, Value>,
    out: &mut Out,
) {
    for key in union_keys(old, new) {
        cosmetic(item, key, old.get(key), new.get(key), out);
    }
}

/// A number's value as text (`1` and `1.0` both give `1`); `None` for anything else.
pub(super) fn number_text(value: &Value) -> Option<String> {
    value.as_f64().map(|n| n.to_string())
}

/// JSON values equal as data: numbers by value (`1 == 1.0`), recursively.
pub(super) fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_value(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_value(v, w)))
        }
        _ => a == b,
    }
}

/// Two keyword values kept as JSON text, compared as data (see [`same_value`]).
pub(super) fn same_text(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) if a == b => true,
        (Some(a), Some(b)) => {
            match (
                serde_json::from_str::<Value>(a),
                serde_json::from_str::<Value>(b),
            ) {
                (Ok(x), Ok(y)) => same_value(&x, &y),
                _ => false,
            }
        }
        (None, None) => true,
        _ => false,
    }
}
