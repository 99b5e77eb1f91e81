//! The classification rules of the table in [`super`]: one function per part of the surface.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::render::{short, short_pair};
use super::{Change, Kind, OPEN_ENUMS, SERVER_DEFAULTED_FIELDS, rename, security};
use crate::surface::{Direction, Node, NodeId, Place, Surface};

/// Every change from `old` to `new`, unsorted.
pub(super) fn classify(old: &Surface, new: &Surface) -> Vec<Change> {
    let mut out = Out::default();
    let renames = rename::find(old, new);
    let renamed;
    let old = if renames.is_empty() {
        old
    } else {
        for (from, to) in &renames {
            out.push(
                Kind::Breaking,
                to.as_str(),
                "schema renamed (same structure; the generated type is renamed)",
                format!("{from} -> {to}"),
            );
        }
        renamed = rename::apply(old, &renames);
        &renamed
    };
    document(old, new, &mut out);
    operations(old, new, &mut out);
    nodes(old, new, &mut out);
    out.0
}

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
fn directed(dir: Direction, request: Kind, response: Kind) -> Kind {
    match (dir.request, dir.response) {
        (true, false) => request,
        (false, true) => response,
        _ => request.min(response),
    }
}

/// Loosening data (optional, nullable, wider constraint): fine to send, a surprise to read.
fn loosened(dir: Direction) -> Kind {
    directed(dir, Kind::Additive, Kind::Breaking)
}

/// Tightening data (required, non-nullable, narrower constraint): a surprise to send, fine to read.
fn tightened(dir: Direction) -> Kind {
    directed(dir, Kind::Breaking, Kind::Additive)
}

fn union_keys<'a, K: Ord + 'a, V: 'a>(
    a: &'a BTreeMap<K, V>,
    b: &'a BTreeMap<K, V>,
) -> BTreeSet<&'a K> {
    a.keys().chain(b.keys()).collect()
}

/// Documentation differences, one entry per changed leaf (objects are compared key by key).
fn cosmetic(item: &str, path: &str, old: Option<&Value>, new: Option<&Value>, out: &mut Out) {
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

fn cosmetic_maps(
    item: &str,
    old: &BTreeMap<String, Value>,
    new: &BTreeMap<String, Value>,
    out: &mut Out,
) {
    for key in union_keys(old, new) {
        cosmetic(item, key, old.get(key), new.get(key), out);
    }
}

/// `info`, servers, security schemes, tags and other top-level documentation.
fn document(old: &Surface, new: &Surface, out: &mut Out) {
    cosmetic_maps("document", &old.cosmetic, &new.cosmetic, out);
    for url in union_keys(&old.servers, &new.servers) {
        match (old.servers.get(url), new.servers.get(url)) {
            (Some(_), None) => out.push(Kind::Breaking, url.as_str(), "server removed", ""),
            (None, Some(_)) => out.push(Kind::Additive, url.as_str(), "server added", ""),
            (Some(a), Some(b)) => cosmetic_maps(url, a, b, out),
            (None, None) => {}
        }
    }
    // What a scheme's name stands for matters only where an operation requires it: that is
    // judged per operation, by the credential sent (see `security`).
    for name in union_keys(&old.security_schemes, &new.security_schemes) {
        let item = format!("security scheme {name}");
        match (
            old.security_schemes.get(name),
            new.security_schemes.get(name),
        ) {
            (Some(a), None) => out.push(Kind::Cosmetic, item, "security scheme removed", &a.kind),
            (None, Some(b)) => out.push(Kind::Cosmetic, item, "security scheme added", &b.kind),
            (Some(a), Some(b)) => {
                if a.kind != b.kind {
                    out.push(
                        Kind::Cosmetic,
                        item.as_str(),
                        "security scheme changed",
                        format!("{} -> {}", a.kind, b.kind),
                    );
                }
                cosmetic_maps(&item, &a.cosmetic, &b.cosmetic, out);
            }
            (None, None) => {}
        }
    }
}

fn operations(old: &Surface, new: &Surface, out: &mut Out) {
    for key in union_keys(&old.operations, &new.operations) {
        match (old.operations.get(key), new.operations.get(key)) {
            (Some(o), None) => out.push(
                Kind::Breaking,
                o.label.as_str(),
                "operation removed",
                o.id.clone().unwrap_or_default(),
            ),
            (None, Some(n)) => out.push(
                Kind::Additive,
                n.label.as_str(),
                "operation added",
                n.id.clone().unwrap_or_default(),
            ),
            (Some(o), Some(n)) => {
                let item = n.label.as_str();
                if o.id != n.id {
                    out.push(
                        Kind::Breaking,
                        item,
                        "operationId changed (the generated method is renamed)",
                        format!(
                            "{} -> {}",
                            o.id.as_deref().unwrap_or("none"),
                            n.id.as_deref().unwrap_or("none")
                        ),
                    );
                }
                security::compare(item, (old, &o.security), (new, &n.security), out);
                cosmetic_maps(item, &o.cosmetic, &n.cosmetic, out);
            }
            (None, None) => {}
        }
    }
}

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
fn nodes(old: &Surface, new: &Surface, out: &mut Out) {
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

/// A plain display of an enum value: strings without quotes.
fn plain(value: &Value) -> String {
    value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_owned)
}

fn compare(key: &str, o: &Node, n: &Node, paired_from: Option<&str>, out: &mut Out) {
    let dir = o.direction.union(n.direction);
    let body = |node: &Node| match &node.media {
        Some(media) => format!("{}, {media}", node.ty),
        None => node.ty.clone(),
    };
    if let Some(from) = paired_from {
        let to = n.status.as_deref().unwrap_or("?");
        let mut detail = format!("{from} -> {to}");
        if body(o) != body(n) {
            detail.push_str(&format!("; body {} -> {}", body(o), body(n)));
        }
        let item = match key.strip_prefix(&format!("{} {to}", n.op.as_deref().unwrap_or(""))) {
            Some(rest) => format!("{} {from}{rest}", n.op.as_deref().unwrap_or("")),
            None => key.to_owned(),
        };
        out.push(Kind::Breaking, item, "status changed", detail);
    } else {
        if o.ty != n.ty {
            out.push(
                Kind::Breaking,
                key,
                "type changed",
                format!("{} -> {}", o.ty, n.ty),
            );
        }
        if o.media != n.media {
            out.push(
                Kind::Breaking,
                key,
                "media type changed",
                format!(
                    "{} -> {}",
                    o.media.as_deref().unwrap_or("none"),
                    n.media.as_deref().unwrap_or("none")
                ),
            );
        }
    }
    presence(key, o, n, dir, out);
    values(key, o, n, dir, out);
    arms(key, o, n, dir, out);
    constraints(key, o, n, dir, out);
    for k in union_keys(&o.other, &n.other) {
        let (a, b) = (o.other.get(k), n.other.get(k));
        if !same_text(a.map(String::as_str), b.map(String::as_str)) {
            out.push(
                Kind::Breaking,
                key,
                format!("keyword {k} changed"),
                format!(
                    "{} -> {}",
                    a.map_or("none", String::as_str),
                    b.map_or("none", String::as_str)
                ),
            );
        }
    }
    let defaulted = dir.request && is_server_defaulted(key);
    if defaulted {
        server_default(
            key,
            o.cosmetic.get("default"),
            n.cosmetic.get("default"),
            out,
        );
    }
    for k in union_keys(&o.cosmetic, &n.cosmetic) {
        if !(defaulted && k == "default") {
            cosmetic(key, k, o.cosmetic.get(k), n.cosmetic.get(k), out);
        }
    }
}

/// Is `key` (`Schema.field`) a request field the facade omits so that the server's default
/// applies ([`SERVER_DEFAULTED_FIELDS`])?
fn is_server_defaulted(key: &str) -> bool {
    key.split_once('.').is_some_and(|(schema, field)| {
        SERVER_DEFAULTED_FIELDS
            .iter()
            .any(|&(s, f)| s == schema && f == field)
    })
}

/// A changed `default` of a field the server fills in: the same request now means something
/// else.
fn server_default(key: &str, old: Option<&Value>, new: Option<&Value>, out: &mut Out) {
    const WHY: &str = "the facade omits this field: the server applies its new default \
                       to the same code";
    let (change, detail) = match (old, new) {
        (Some(a), Some(b)) if same_value(a, b) => return,
        (Some(a), Some(b)) => ("default changed", short_pair(a, b)),
        (None, Some(b)) => ("default added", short(b)),
        (Some(a), None) => ("default removed", short(a)),
        (None, None) => return,
    };
    out.push(Kind::Behaviour, key, format!("{change} ({WHY})"), detail);
}

/// Is the generated Rust value an `Option<T>`? typify makes a field optional unless it is
/// required or has a default, and nullable makes it optional anyway; a parameter or body is an
/// `Option` argument unless required.
fn is_option(node: &Node) -> bool {
    match node.place {
        Place::Field => {
            node.nullable || (node.required != Some(true) && !node.cosmetic.contains_key("default"))
        }
        Place::Param | Place::Body | Place::Header => node.required != Some(true) || node.nullable,
        _ => node.nullable,
    }
}

/// Required and nullable, reported together when they move the same way
/// (`made optional and nullable`).
fn presence(key: &str, o: &Node, n: &Node, dir: Direction, out: &mut Out) {
    // Some(true): tightened (required / non-nullable); Some(false): loosened.
    let required = match (o.required, n.required) {
        (Some(false), Some(true)) => Some(true),
        (Some(true), Some(false)) => Some(false),
        _ => None,
    };
    let non_null = (o.nullable != n.nullable).then_some(!n.nullable);
    let detail = format!("{} -> {}", o.attributes(), n.attributes());
    // The wire's verdict; the Rust API breaks too when the generated type switches between `T`
    // and `Option<T>` (struct literals and readers of the field stop compiling).
    let flips = is_option(o) != is_option(n);
    let kind = |tight: bool| {
        let wire = if tight { tightened(dir) } else { loosened(dir) };
        if flips { Kind::Breaking } else { wire }
    };
    let note = |change: &str, tight: bool| {
        let wire = if tight { tightened(dir) } else { loosened(dir) };
        if flips && wire != Kind::Breaking {
            format!("{change} (the generated Rust type switches between T and Option<T>)")
        } else {
            change.to_owned()
        }
    };
    match (required, non_null) {
        (Some(a), Some(b)) if a == b => {
            let change = if a {
                "made required and non-nullable"
            } else {
                "made optional and nullable"
            };
            out.push(kind(a), key, note(change, a), detail);
        }
        _ => {
            if let Some(tight) = required {
                let change = if tight {
                    "made required"
                } else {
                    "made optional"
                };
                out.push(kind(tight), key, note(change, tight), detail.as_str());
            }
            if let Some(tight) = non_null {
                let change = if tight {
                    "made non-nullable"
                } else {
                    "made nullable"
                };
                out.push(kind(tight), key, note(change, tight), detail.as_str());
            }
        }
    }
}

fn values(key: &str, o: &Node, n: &Node, dir: Direction, out: &mut Out) {
    if o.values == n.values {
        return;
    }
    if o.values.is_empty() || n.values.is_empty() {
        let list = |node: &Node| {
            node.values
                .values()
                .map(plain)
                .collect::<Vec<_>>()
                .join(", ")
        };
        // Either way the generated type switches between a string and an enum.
        if o.values.is_empty() {
            out.push(
                Kind::Breaking,
                key,
                "restricted to enum values (the generated type becomes an enum)",
                list(n),
            );
        } else {
            out.push(
                Kind::Breaking,
                key,
                "enum restriction removed (the generated enum is replaced)",
                list(o),
            );
        }
        return;
    }
    // Numbers by value: `1` and `1.0` are one value.
    let canonical = |node: &Node| -> BTreeMap<String, Value> {
        node.values
            .values()
            .map(|v| (number_text(v).unwrap_or_else(|| v.to_string()), v.clone()))
            .collect()
    };
    let (before, after) = (canonical(o), canonical(n));
    for (text, value) in &before {
        if !after.contains_key(text) {
            out.push(Kind::Breaking, key, "enum value removed", plain(value));
        }
    }
    let open = OPEN_ENUMS.contains(&key);
    for (text, value) in &after {
        if before.contains_key(text) {
            continue;
        }
        let kind = if open { Kind::Additive } else { loosened(dir) };
        let change = if kind == Kind::Breaking {
            "enum value added to a closed response enum (a client built from the old spec rejects it)"
        } else {
            "enum value added"
        };
        out.push(kind, key, change, plain(value));
    }
}

fn arms(key: &str, o: &Node, n: &Node, dir: Direction, out: &mut Out) {
    let (before, after): (BTreeSet<&String>, BTreeSet<&String>) =
        (o.arms.iter().collect(), n.arms.iter().collect());
    for arm in before.difference(&after) {
        out.push(Kind::Breaking, key, "union arm removed", arm.as_str());
    }
    for arm in after.difference(&before) {
        let kind = loosened(dir);
        let change = if kind == Kind::Breaking {
            "union arm added (a client built from the old spec cannot decode it)"
        } else {
            "union arm added"
        };
        out.push(kind, key, change, arm.as_str());
    }
    if before == after && o.arms != n.arms {
        let detail = format!("{} -> {}", o.arms.join(" | "), n.arms.join(" | "));
        // Only decoding depends on the order of untagged arms, and requests are never decoded.
        match (
            n.discriminator.is_some(),
            directed(dir, Kind::Cosmetic, Kind::Breaking),
        ) {
            (true, _) => out.push(Kind::Cosmetic, key, "union arms reordered", detail),
            (false, Kind::Breaking) => out.push(
                Kind::Breaking,
                key,
                "union arms reordered (untagged: decoding tries the arms in order)",
                detail,
            ),
            (false, kind) => out.push(
                kind,
                key,
                "union arms reordered (request data: requests are never decoded)",
                detail,
            ),
        }
    }
    if o.discriminator != n.discriminator {
        out.push(
            Kind::Breaking,
            key,
            "discriminator changed",
            format!(
                "{} -> {}",
                o.discriminator.as_deref().unwrap_or("none"),
                n.discriminator.as_deref().unwrap_or("none")
            ),
        );
    }
    for value in union_keys(&o.mapping, &n.mapping) {
        match (o.mapping.get(value), n.mapping.get(value)) {
            (Some(a), None) => out.push(
                Kind::Breaking,
                key,
                "discriminator value removed",
                format!("{value} -> {a}"),
            ),
            (None, Some(b)) => {
                let kind = loosened(dir);
                let change = if kind == Kind::Breaking {
                    "discriminator value added (a client built from the old spec cannot decode it)"
                } else {
                    "discriminator value added"
                };
                out.push(kind, key, change, format!("{value} -> {b}"));
            }
            (Some(a), Some(b)) if a != b => out.push(
                Kind::Breaking,
                key,
                "discriminator target changed",
                format!("{value}: {a} -> {b}"),
            ),
            _ => {}
        }
    }
}

/// Whether a constraint change narrows or widens the accepted values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Narrowing {
    Tighter,
    Looser,
    Unknown,
}

pub(super) fn narrowing(name: &str, old: Option<&str>, new: Option<&str>) -> Narrowing {
    // Flags: does the value restrict?
    let restricts = |v: Option<&str>| match name {
        "additionalProperties" => v == Some("false"),
        _ => v == Some("true"),
    };
    let number = |v: Option<&str>| v.and_then(|v| v.parse::<f64>().ok());
    match name {
        "exclusiveMinimum" | "exclusiveMaximum" | "uniqueItems" | "additionalProperties" => {
            match (restricts(old), restricts(new)) {
                (false, true) => Narrowing::Tighter,
                (true, false) => Narrowing::Looser,
                // Same flag but a different spelling (a 3.1 number): cannot tell.
                _ => Narrowing::Unknown,
            }
        }
        _ => match (old, new) {
            (None, Some(_)) => Narrowing::Tighter,
            (Some(_), None) => Narrowing::Looser,
            _ => match (number(old), number(new)) {
                (Some(a), Some(b)) if name.starts_with("min") => {
                    if b > a {
                        Narrowing::Tighter
                    } else {
                        Narrowing::Looser
                    }
                }
                (Some(a), Some(b)) if name.starts_with("max") => {
                    if b < a {
                        Narrowing::Tighter
                    } else {
                        Narrowing::Looser
                    }
                }
                _ => Narrowing::Unknown,
            },
        },
    }
}

fn constraints(key: &str, o: &Node, n: &Node, dir: Direction, out: &mut Out) {
    for name in union_keys(&o.constraints, &n.constraints) {
        let (a, b) = (
            o.constraints.get(name).map(String::as_str),
            n.constraints.get(name).map(String::as_str),
        );
        if same_text(a, b) {
            continue;
        }
        if name == "pattern" {
            // See `downgrade`: the generator drops `pattern`; the server validates.
            let change = match (a, b) {
                (None, _) => "constraint pattern added",
                (_, None) => "constraint pattern removed",
                _ => "constraint pattern changed",
            };
            out.push(
                Kind::Cosmetic,
                key,
                format!("{change} (dropped by the generator: the client does not check it)"),
                format!("{} -> {}", a.unwrap_or("none"), b.unwrap_or("none")),
            );
            continue;
        }
        let kind = match narrowing(name, a, b) {
            Narrowing::Tighter => tightened(dir),
            Narrowing::Looser => loosened(dir),
            Narrowing::Unknown => Kind::Breaking,
        };
        let change = match (a, b) {
            (None, _) => format!("constraint {name} added"),
            (_, None) => format!("constraint {name} removed"),
            _ => format!("constraint {name} changed"),
        };
        out.push(
            kind,
            key,
            change,
            format!("{} -> {}", a.unwrap_or("none"), b.unwrap_or("none")),
        );
    }
}

/// A number's value as text (`1` and `1.0` both give `1`); `None` for anything else.
fn number_text(value: &Value) -> Option<String> {
    value.as_f64().map(|n| n.to_string())
}

/// JSON values equal as data: numbers by value (`1 == 1.0`), recursively.
fn same_value(a: &Value, b: &Value) -> bool {
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
fn same_text(a: Option<&str>, b: Option<&str>) -> bool {
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
