//! Schemas renamed with the same structure (`SubscriptionRecurringInterval` ->
//! `RecurringInterval`).
//!
//! The wire never carries a schema's name, so for the wire nothing changed; for Rust the public
//! generated type is renamed. Reported once, as a rename, instead of a removed schema, an added
//! one and a type change at every use: the old surface is rewritten to the new names before it
//! is compared.

use std::collections::{BTreeMap, HashMap};

use crate::surface::{Node, Surface};

/// `(old name, new name)` of every component that disappeared while exactly one new component
/// with the same structure appeared (and no other disappearing one has that structure).
pub(super) fn find(old: &Surface, new: &Surface) -> Vec<(String, String)> {
    let components = |s: &Surface| -> Vec<String> {
        s.nodes
            .iter()
            .filter(|(_, n)| n.parent.is_none() && n.op.is_none())
            .map(|(k, _)| k.clone())
            .collect()
    };
    let (before, after) = (components(old), components(new));
    let removed: Vec<&String> = before
        .iter()
        .filter(|k| !new.nodes.contains_key(*k))
        .collect();
    let added: Vec<&String> = after
        .iter()
        .filter(|k| !old.nodes.contains_key(*k))
        .collect();
    if removed.is_empty() || added.is_empty() {
        return Vec::new();
    }
    let mut by_shape: BTreeMap<String, (Vec<&String>, Vec<&String>)> = BTreeMap::new();
    for name in removed {
        by_shape.entry(shape(old, name)).or_default().0.push(name);
    }
    for name in added {
        by_shape.entry(shape(new, name)).or_default().1.push(name);
    }
    by_shape
        .into_values()
        .filter_map(|pair| match pair {
            (from, to) if from.len() == 1 && to.len() == 1 => {
                Some((from[0].clone(), to[0].clone()))
            }
            _ => None,
        })
        .collect()
}

/// Is `key` the component `name` or a position inside it (`name.field`, `name[]`, `name{}`,
/// `name#0`)?
fn inside<'a>(key: &'a str, name: &str) -> Option<&'a str> {
    let rest = key.strip_prefix(name)?;
    (rest.is_empty() || rest.starts_with(['.', '[', '{', '#'])).then_some(rest)
}

/// Everything a client depends on in component `name` and its inline children, with the
/// component's own name replaced (so that a self-reference matches), documentation left out.
fn shape(surface: &Surface, name: &str) -> String {
    let mut text = String::new();
    for (key, node) in surface
        .nodes
        .range::<str, _>((std::ops::Bound::Included(name), std::ops::Bound::Unbounded))
    {
        let Some(rest) = inside(key, name) else {
            if !key.starts_with(name) {
                break;
            }
            continue;
        };
        let own = |t: &str| rename_in(t, &HashMap::from([(name, "Self")]));
        text.push_str(&format!(
            "{rest}|{:?}|{}|{:?}|{}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}\n",
            node.place,
            own(&node.ty),
            node.required,
            node.nullable,
            node.values.keys().collect::<Vec<_>>(),
            node.arms.iter().map(|a| own(a)).collect::<Vec<_>>(),
            node.discriminator,
            node.mapping,
            node.constraints,
            node.other,
        ));
    }
    text
}

/// Replace whole names in a type head or arm (`array<Old>`, `#1 Old`, `Old | null`).
fn rename_in(text: &str, names: &HashMap<&str, &str>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        out.push_str(names.get(word.as_str()).copied().unwrap_or(word));
        word.clear();
    };
    for c in text.chars() {
        if matches!(c, '<' | '>' | '|' | ',' | '(' | ')' | ' ') {
            flush(&mut word, &mut out);
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// `old` with every renamed component (and every use of it) under its new name.
pub(super) fn apply(old: &Surface, renames: &[(String, String)]) -> Surface {
    let names: HashMap<&str, &str> = renames
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let key = |k: &str| -> String {
        for (from, to) in renames {
            if let Some(rest) = inside(k, from) {
                return format!("{to}{rest}");
            }
        }
        k.to_owned()
    };
    let mut surface = old.clone();
    surface.nodes = old
        .nodes
        .iter()
        .map(|(k, node)| {
            let node = Node {
                parent: node.parent.as_deref().map(key),
                ty: rename_in(&node.ty, &names),
                arms: node.arms.iter().map(|a| rename_in(a, &names)).collect(),
                mapping: node
                    .mapping
                    .iter()
                    .map(|(v, target)| (v.clone(), rename_in(target, &names)))
                    .collect(),
                ..node.clone()
            };
            (key(k), node)
        })
        .collect();
    surface
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_replaced_as_whole_words() {
        let names = HashMap::from([("Interval", "RecurringInterval")]);
        assert_eq!(
            rename_in("array<Interval>", &names),
            "array<RecurringInterval>"
        );
        assert_eq!(rename_in("#1 Interval", &names), "#1 RecurringInterval");
        assert_eq!(rename_in("IntervalKind", &names), "IntervalKind");
        assert_eq!(inside("Interval.day", "Interval"), Some(".day"));
        assert_eq!(inside("IntervalKind", "Interval"), None);
    }
}
