//! Schema positions compared pairwise: roots by name, children by own name under a paired
//! parent; a replaced success status pairs the old response with the new.

use std::collections::{BTreeMap, BTreeSet};

use super::compare::compare;
use crate::drift::change::Kind;
use crate::drift::out::{Out, tightened};
use crate::surface::{Node, NodeId, Place, Surface};

/// `label 200…` -> `label 204…` for every key of a paired response.
fn rename_status(key: &str, label: &str, from: &str, to: &str) -> Option<String> {
    let prefix = format!("{label} {from}");
    let rest = key.strip_prefix(&prefix)?;
    if rest.chars().next().is_some_and(char::is_alphanumeric) {
        return None;
    }
    Some(format!("{label} {to}{rest}"))
}

/// Operations whose single success status was replaced by another (`200` -> `204`): the old
/// roots of the old status (response, media types, headers) by id, with their name under the new
/// status and, for a response, the old status.
fn pair_statuses(old: &Surface, new: &Surface) -> BTreeMap<NodeId, (String, Option<String>)> {
    let statuses = |s: &Surface, label: &str| -> BTreeSet<String> {
        s.children(None)
            .map(|(_, id)| &s.nodes[id])
            .filter(|n| n.place == Place::Response && n.op.as_deref() == Some(label))
            .filter_map(|n| n.status.clone())
            .collect()
    };
    let mut renamed = BTreeMap::new();
    for (key, op) in &new.operations {
        if !old.operations.contains_key(key) {
            continue;
        }
        let label = op.label.as_str();
        let (before, after) = (statuses(old, label), statuses(new, label));
        let success = |s: &&String| s.starts_with('2');
        let gone: Vec<&String> = before.difference(&after).filter(success).collect();
        let came: Vec<&String> = after.difference(&before).filter(success).collect();
        let ([from], [to]) = (gone.as_slice(), came.as_slice()) else {
            continue;
        };
        for (name, id) in old.children(None) {
            let node = &old.nodes[id];
            if node.op.as_deref() != Some(label) {
                continue;
            }
            if let Some(name) = rename_status(name, label, from, to) {
                let paired = (node.place == Place::Response).then(|| (*from).clone());
                renamed.insert(id, (name, paired));
            }
        }
    }
    renamed
}

/// Every node, compared with the node of the same path: roots by name, then the children of
/// each pair by own name. The path is built only for the nodes being compared.
pub(super) fn nodes(old: &Surface, new: &Surface, out: &mut Out) {
    let renamed = pair_statuses(old, new);
    let mut old_roots: BTreeMap<&str, (NodeId, Option<&str>)> = BTreeMap::new();
    for (name, id) in old.children(None) {
        match renamed.get(&id) {
            Some((to, from)) => old_roots.insert(to.as_str(), (id, from.as_deref())),
            None => old_roots.insert(name, (id, None)),
        };
    }
    let new_roots: BTreeMap<&str, NodeId> = new.children(None).collect();
    let op_in = |s: &Surface, label: &str| s.operations.values().any(|o| o.label == label);
    let names: BTreeSet<&str> = old_roots.keys().chain(new_roots.keys()).copied().collect();
    let mut path = String::new();
    for name in names {
        path.clear();
        path.push_str(name);
        let (one, removed) = match (old_roots.get(name), new_roots.get(name)) {
            (Some(&(o, from)), Some(&n)) => {
                pair(old, new, (o, n), from, &mut path, out);
                continue;
            }
            (Some(&(o, _)), None) => (&old.nodes[o], true),
            (None, Some(&n)) => (&new.nodes[n], false),
            (None, None) => continue,
        };
        // Covered by the removal or addition of its operation?
        if let Some(label) = &one.op
            && !(op_in(old, label) && op_in(new, label))
        {
            continue;
        }
        one_side(&path, one, removed, out);
    }
}

/// Compare a pair of nodes at `path`, then their children.
fn pair(
    old: &Surface,
    new: &Surface,
    (o, n): (NodeId, NodeId),
    paired_from: Option<&str>,
    path: &mut String,
    out: &mut Out,
) {
    let (on, nn) = (&old.nodes[o], &new.nodes[n]);
    compare(path, on, nn, paired_from, out);
    let old_children: BTreeMap<&str, NodeId> = old.children(Some(o)).collect();
    let new_children: BTreeMap<&str, NodeId> = new.children(Some(n)).collect();
    let names: BTreeSet<&str> = old_children
        .keys()
        .chain(new_children.keys())
        .copied()
        .collect();
    for name in names {
        let len = path.len();
        path.push_str(name);
        match (old_children.get(name), new_children.get(name)) {
            (Some(&a), Some(&b)) => pair(old, new, (a, b), None, path, out),
            // A child of a changed type is covered by the type change.
            (Some(&a), None) if on.ty == nn.ty => one_side(path, &old.nodes[a], true, out),
            (None, Some(&b)) if on.ty == nn.ty => one_side(path, &new.nodes[b], false, out),
            _ => {}
        }
        path.truncate(len);
    }
}

/// A node on one side only.
fn one_side(key: &str, one: &Node, removed: bool, out: &mut Out) {
    if one.place == Place::Nested {
        // A child that became (or stopped being) a plain type: compare with its plain form, so
        // that the constraints or values it gained or lost show.
        let plain = plain_form(one);
        if removed {
            compare(key, one, &plain, None, out);
        } else {
            compare(key, &plain, one, None, out);
        }
    } else if removed {
        removed_node(key, one, out);
    } else {
        added_node(key, one, out);
    }
}

/// `node` with only what its parent's type shows.
fn plain_form(node: &Node) -> Node {
    let mut plain = node.clone();
    plain.nullable = false;
    plain.values.clear();
    plain.arms.clear();
    plain.discriminator = None;
    plain.mapping.clear();
    plain.constraints.clear();
    plain.other.clear();
    plain.cosmetic.clear();
    plain
}

fn removed_node(key: &str, node: &Node, out: &mut Out) {
    let change = match node.place {
        Place::Component => "schema removed",
        Place::Field => "field removed",
        Place::Param => "parameter removed",
        Place::Body => "request body removed",
        Place::Response => "response removed",
        Place::Header => "response header removed",
        Place::Nested => "removed",
    };
    out.push(Kind::Breaking, key, change, node.attributes());
}

fn added_node(key: &str, node: &Node, out: &mut Out) {
    let required = node.required == Some(true);
    let (kind, change) = match node.place {
        Place::Component => (Kind::Additive, "schema added"),
        Place::Field if required => (tightened(node.direction), "field added (required)"),
        // A new pub field breaks the struct literals of a type the caller builds.
        Place::Field => match tightened(node.direction) {
            Kind::Breaking => (
                Kind::Breaking,
                "field added (optional; a new pub field: struct literals of this request type stop compiling)",
            ),
            kind => (kind, "field added (optional)"),
        },
        Place::Param if required => (Kind::Breaking, "parameter added (required)"),
        // progenitor's positional methods take one argument per parameter.
        Place::Param => (
            Kind::Breaking,
            "parameter added (optional; the generated method gains an argument)",
        ),
        Place::Body if required => (Kind::Breaking, "request body added (required)"),
        Place::Body => (Kind::Additive, "request body added (optional)"),
        Place::Response => match node.status.as_deref().and_then(|s| s.chars().next()) {
            // progenitor calls an undocumented status an unexpected response: a client built
            // from the old spec fails on a success it does not know.
            Some('1' | '2' | '3') => (
                Kind::Breaking,
                "success status added (a client built from the old spec rejects it)",
            ),
            _ => (Kind::Additive, "response status added"),
        },
        Place::Header => (Kind::Additive, "response header added"),
        Place::Nested => (Kind::Additive, "added"),
    };
    out.push(kind, key, change, node.attributes());
}
