//! Schemas renamed with the same structure (`SubscriptionRecurringInterval` ->
//! `RecurringInterval`).
//!
//! The wire never carries a schema's name, so for the wire nothing changed; for Rust the public
//! generated type is renamed. Reported once, as a rename, instead of a removed schema, an added
//! one and a type change at every use: the old surface is rewritten to the new names before it
//! is compared.

use std::collections::{BTreeMap, HashMap};

use crate::surface::{NodeId, Surface};

/// `(old name, new name)` of every component that disappeared while exactly one new component
/// with the same structure appeared (and no other disappearing one has that structure).
pub(super) fn find(old: &Surface, new: &Surface) -> Vec<(String, String)> {
    let components = |s: &Surface| -> Vec<(String, NodeId)> {
        s.children(None)
            .filter(|(_, id)| s.nodes[*id].op.is_none())
            .map(|(name, id)| (name.to_owned(), id))
            .collect()
    };
    let (before, after) = (components(old), components(new));
    let removed: Vec<&(String, NodeId)> = before
        .iter()
        .filter(|(name, _)| new.child(None, name).is_none())
        .collect();
    let added: Vec<&(String, NodeId)> = after
        .iter()
        .filter(|(name, _)| old.child(None, name).is_none())
        .collect();
    if removed.is_empty() || added.is_empty() {
        return Vec::new();
    }
    let mut by_shape: BTreeMap<String, (Vec<&String>, Vec<&String>)> = BTreeMap::new();
    for (name, id) in removed {
        by_shape.entry(shape(old, *id)).or_default().0.push(name);
    }
    for (name, id) in added {
        by_shape.entry(shape(new, *id)).or_default().1.push(name);
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

/// Everything a client depends on in component `root` and its inline children (depth first, by
/// depth and own name), with the component's own name replaced (so that a self-reference
/// matches), documentation left out.
fn shape(surface: &Surface, root: NodeId) -> String {
    let name = surface.nodes[root].name.as_str();
    let own = |t: &str| rename_in(t, &HashMap::from([(name, "Self")]));
    let mut text = String::new();
    let mut todo = vec![(root, 0usize)];
    while let Some((id, depth)) = todo.pop() {
        let node = &surface.nodes[id];
        let label = if id == root { "" } else { node.name.as_str() };
        text.push_str(&format!(
            "{depth} {label}|{:?}|{}|{:?}|{}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}\n",
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
        let children: Vec<NodeId> = surface.children(Some(id)).map(|(_, c)| c).collect();
        todo.extend(children.into_iter().rev().map(|c| (c, depth + 1)));
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
    let mut surface = old.clone();
    for (from, to) in renames {
        if let Some(id) = surface.keys.remove(&(None, from.clone())) {
            surface.nodes[id].name = to.clone();
            surface.keys.insert((None, to.clone()), id);
        }
    }
    for node in &mut surface.nodes {
        node.ty = rename_in(&node.ty, &names);
        node.arms = node.arms.iter().map(|a| rename_in(a, &names)).collect();
        for target in node.mapping.values_mut() {
            *target = rename_in(target, &names);
        }
    }
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
    }
}
