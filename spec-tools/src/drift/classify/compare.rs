//! One pair of nodes compared: type and media, presence (required, nullable), enum values and
//! union arms, server defaults, keywords.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::constraints::constraints;
use crate::coverage::SERVER_DEFAULTED_FIELDS;
use crate::drift::change::{Kind, OPEN_ENUMS};
use crate::drift::out::{
    Out, cosmetic, directed, loosened, number_text, same_text, same_value, tightened, union_keys,
};
use crate::drift::render::{short, short_pair};
use crate::surface::{Direction, Node, Place};

/// A plain display of an enum value: strings without quotes.
fn plain(value: &Value) -> String {
    value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_owned)
}

pub(super) fn compare(key: &str, o: &Node, n: &Node, paired_from: Option<&str>, out: &mut Out) {
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
