//! Compare two spec documents and classify each change for a client of this crate.
//!
//! Both documents are read as the library reads them (merged if a directory, then downgraded to
//! 3.0) and flattened into a [`Surface`]; the two surfaces are compared item by item, so the
//! order of keys, parameters, `required` lists and enum values never produces an entry.
//!
//! Each change is one of three [`Kind`]s:
//!
//! - **breaking**: code or data that worked before may fail: an operation, field, parameter,
//!   schema, enum value, union arm, server or security scheme removed; a type or media type
//!   changed; an `operationId` changed (the generated method is renamed); a response status
//!   changed or removed; a request field or parameter newly required or made non-nullable; a
//!   response field made optional or nullable; a new value in a *closed* response enum or a new
//!   arm in a response union (a client built from the old spec cannot decode it); a new success
//!   (`1xx`-`3xx`) status (the old client calls it an unexpected response); authentication now
//!   required; a request constraint tightened or a response constraint loosened; an unknown
//!   keyword changed.
//! - **additive**: nothing that worked breaks: a new operation, schema, optional field or
//!   parameter, enum value of a request enum or of an open enum ([`OPEN_ENUMS`]: the facade's
//!   `Scope` keeps unknown values), error status, server or security scheme; a new *required*
//!   field in a response (the server now promises it); a response field made required or
//!   non-nullable; a request field made optional or nullable.
//! - **cosmetic**: documentation only: descriptions, summaries, titles, examples, defaults,
//!   display names (`enumNames`), tags, `info`, `deprecated`, `x-` extensions.
//!
//! Direction decides between the first two: a schema is *request* data if it is reachable (through
//! `$ref`s) from a parameter or request body, *response* data if reachable from a response. A
//! schema that is both, or neither (progenitor still generates a type for it), gets the stricter
//! classification.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::error::Error;
use crate::surface::{Direction, Node, Place, Surface};
use crate::{downgrade, load};

/// Component enums the hand-written facade keeps open: an unknown value decodes (as
/// `Scope::Unknown`), so a new value breaks no one.
pub const OPEN_ENUMS: &[&str] = &["Scope"];

/// How a change affects a client of this crate. Ordered from the most to the least severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// Code or data that worked with the old spec may fail with the new one.
    Breaking,
    /// New capabilities or stronger guarantees; nothing that worked breaks.
    Additive,
    /// Documentation only.
    Cosmetic,
}

impl Kind {
    /// `breaking`, `additive` or `cosmetic`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Breaking => "breaking",
            Kind::Additive => "additive",
            Kind::Cosmetic => "cosmetic",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One classified change.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Change {
    /// How it affects a client.
    pub kind: Kind,
    /// The item, by a readable path: `TokenResponse.id_token`, `GET /v1/oauth2/authorize 200`,
    /// `Scope`, `POST /v1/oauth2/token`, `document`.
    pub item: String,
    /// What happened to it: `field removed`, `made optional and nullable`, `enum value added`.
    pub change: String,
    /// The values involved (`string -> integer`, `metrics:write`); may be empty.
    pub detail: String,
}

/// Read a spec for comparison: a file, or a directory merged like `spec/`; then downgraded.
pub fn load_spec(path: &Path) -> Result<Value, Error> {
    if path.is_dir() {
        let doc = load::load_dir(path)?;
        let mut value = doc.value.clone();
        downgrade::downgrade(&mut value).map_err(|e| doc.locate(e))?;
        Ok(value)
    } else {
        let mut value = load::read_file(path)?;
        downgrade::downgrade(&mut value).map_err(|e| e.with_file(Some(path)))?;
        Ok(value)
    }
}

/// Compare the specs at two paths (files or directories).
pub fn diff_paths(old: &Path, new: &Path) -> Result<Vec<Change>, Error> {
    Ok(diff(&load_spec(old)?, &load_spec(new)?))
}

/// Compare two downgraded documents.
pub fn diff(old: &Value, new: &Value) -> Vec<Change> {
    diff_surfaces(&Surface::from_doc(old), &Surface::from_doc(new))
}

/// Compare two surfaces; the result is sorted by kind, then item, then change.
pub fn diff_surfaces(old: &Surface, new: &Surface) -> Vec<Change> {
    let mut out = Out::default();
    document(old, new, &mut out);
    operations(old, new, &mut out);
    nodes(old, new, &mut out);
    let mut changes = out.0;
    changes.sort();
    changes.dedup();
    changes
}

/// Does any change break a client?
pub fn is_breaking(changes: &[Change]) -> bool {
    changes.iter().any(|c| c.kind == Kind::Breaking)
}

/// The human report: a count line, then one group per kind, one change per line.
pub fn render_human(changes: &[Change]) -> String {
    if changes.is_empty() {
        return "no changes\n".into();
    }
    let count = |kind| changes.iter().filter(|c| c.kind == kind).count();
    let mut out = format!(
        "{} breaking, {} additive, {} cosmetic\n",
        count(Kind::Breaking),
        count(Kind::Additive),
        count(Kind::Cosmetic)
    );
    for kind in [Kind::Breaking, Kind::Additive, Kind::Cosmetic] {
        let mut group = changes.iter().filter(|c| c.kind == kind).peekable();
        if group.peek().is_none() {
            continue;
        }
        out.push('\n');
        out.push_str(kind.as_str());
        out.push_str(":\n");
        for c in group {
            out.push_str("  ");
            out.push_str(&c.item);
            out.push_str(": ");
            out.push_str(&c.change);
            if !c.detail.is_empty() {
                out.push_str(" (");
                out.push_str(&c.detail);
                out.push(')');
            }
            out.push('\n');
        }
    }
    out
}

/// The JSON report: an array of `{kind, item, change, detail}`, pretty-printed.
pub fn render_json(changes: &[Change]) -> String {
    let array: Vec<Value> = changes
        .iter()
        .map(|c| json!({"kind": c.kind.as_str(), "item": c.item, "change": c.change, "detail": c.detail}))
        .collect();
    format!("{:#}\n", Value::Array(array))
}

/// Command-line arguments of `spec-drift`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Args {
    /// The old spec (file or directory).
    pub old: PathBuf,
    /// The new spec (file or directory).
    pub new: PathBuf,
    /// `--json`: print JSON instead of the human report.
    pub json: bool,
}

/// How to call `spec-drift`.
pub const USAGE: &str = "usage: spec-drift OLD NEW [--json]

Compare two Polar OpenAPI specs (each a file, or a directory of documents merged like spec/)
and classify every change for a client of polar-oauth2: breaking, additive or cosmetic.

  --json      print a JSON array of {kind, item, change, detail} instead of the report
  -h, --help  print this help

Exit status: 0 when nothing breaks, 1 when something breaks, 2 on a usage or load error.";

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Compare two specs.
    Compare(Args),
    /// Print [`USAGE`].
    Help,
}

/// Parse the arguments after the program name; the error is a one-line message for stderr.
pub fn parse_args(args: &[String]) -> Result<Command, String> {
    let mut paths = Vec::new();
    let mut json = false;
    let mut options_done = false;
    for arg in args {
        match arg.as_str() {
            "--" if !options_done => options_done = true,
            "--json" if !options_done => json = true,
            "-h" | "--help" if !options_done => return Ok(Command::Help),
            flag if flag.starts_with('-') && flag.len() > 1 && !options_done => {
                return Err(format!("unknown option `{flag}`"));
            }
            path => paths.push(PathBuf::from(path)),
        }
    }
    match <[PathBuf; 2]>::try_from(paths) {
        Ok([old, new]) => Ok(Command::Compare(Args { old, new, json })),
        Err(paths) => Err(format!(
            "expected two specs (OLD and NEW, each a file or a directory), got {}",
            paths.len()
        )),
    }
}

#[derive(Default)]
struct Out(Vec<Change>);

impl Out {
    fn push(
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

/// The longest detail text, in characters.
const SHORT: usize = 80;

/// A value as a short one-line string: strings bare, everything else as JSON.
fn short(value: &Value) -> String {
    let text = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() > SHORT {
        let mut cut: String = text.chars().take(SHORT - 1).collect();
        cut.push('…');
        cut
    } else {
        text
    }
}

/// `old -> new`, short; two long texts are cut to the words that differ, with one word of
/// context: `… metrics:read webhooks:read … -> … metrics:read metrics:write webhooks:read …`.
fn short_pair(old: &Value, new: &Value) -> String {
    let (Value::String(a), Value::String(b)) = (old, new) else {
        return format!("{} -> {}", short(old), short(new));
    };
    let (a, b): (Vec<&str>, Vec<&str>) = (
        a.split_whitespace().collect(),
        b.split_whitespace().collect(),
    );
    if a.join(" ").chars().count() <= SHORT && b.join(" ").chars().count() <= SHORT {
        return format!("{} -> {}", a.join(" "), b.join(" "));
    }
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let max_suffix = a.len().min(b.len()) - prefix;
    let suffix = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take(max_suffix)
        .take_while(|(x, y)| x == y)
        .count();
    let cut = |words: &[&str]| {
        let start = prefix.saturating_sub(1);
        let end = (words.len() - suffix + 1).min(words.len());
        let mut text = words[start..end].join(" ");
        if start > 0 {
            text.insert_str(0, "… ");
        }
        if end < words.len() {
            text.push_str(" …");
        }
        short(&Value::String(text))
    };
    format!("{} -> {}", cut(&a), cut(&b))
}

/// Documentation differences, one entry per changed leaf (objects are compared key by key).
fn cosmetic(item: &str, path: &str, old: Option<&Value>, new: Option<&Value>, out: &mut Out) {
    match (old, new) {
        (Some(a), Some(b)) if a == b => {}
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
    for name in union_keys(&old.security_schemes, &new.security_schemes) {
        let item = format!("security scheme {name}");
        match (
            old.security_schemes.get(name),
            new.security_schemes.get(name),
        ) {
            (Some(a), None) => out.push(Kind::Breaking, item, "security scheme removed", &a.kind),
            (None, Some(b)) => out.push(Kind::Additive, item, "security scheme added", &b.kind),
            (Some(a), Some(b)) => {
                if a.kind != b.kind {
                    out.push(
                        Kind::Breaking,
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
                security(item, &o.security, &n.security, out);
                cosmetic_maps(item, &o.cosmetic, &n.cosmetic, out);
            }
            (None, None) => {}
        }
    }
}

fn security(item: &str, old: &BTreeSet<String>, new: &BTreeSet<String>, out: &mut Out) {
    if old == new {
        return;
    }
    let join = |s: &BTreeSet<String>| s.iter().cloned().collect::<Vec<_>>().join(" | ");
    let detail = format!("{} -> {}", join(old), join(new));
    let anonymous = |s: &BTreeSet<String>| s.contains("none");
    if anonymous(old) && !anonymous(new) {
        out.push(Kind::Breaking, item, "authentication now required", detail);
    } else if old.difference(new).next().is_some() {
        out.push(Kind::Breaking, item, "security alternative removed", detail);
    } else {
        out.push(Kind::Additive, item, "security alternative added", detail);
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

/// Responses of an operation whose single success status was replaced by another (`200` ->
/// `204`): the old nodes renamed to the new status, and the paired response roots (new key ->
/// old status).
fn pair_statuses(
    old: &Surface,
    new: &Surface,
) -> (BTreeMap<String, Node>, BTreeMap<String, String>) {
    let statuses = |s: &Surface, label: &str| -> BTreeSet<String> {
        s.nodes
            .values()
            .filter(|n| n.place == Place::Response && n.op.as_deref() == Some(label))
            .filter_map(|n| n.status.clone())
            .collect()
    };
    let mut renamed = old.nodes.clone();
    let mut paired = BTreeMap::new();
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
        renamed = renamed
            .into_iter()
            .map(|(k, mut node)| {
                if node.op.as_deref() != Some(label) {
                    return (k, node);
                }
                if let Some(parent) = node.parent.as_deref()
                    && let Some(p) = rename_status(parent, label, from, to)
                {
                    node.parent = Some(p);
                }
                match rename_status(&k, label, from, to) {
                    Some(k) => {
                        if node.place == Place::Response {
                            node.status = Some((*to).clone());
                            paired.insert(k.clone(), (*from).clone());
                        }
                        (k, node)
                    }
                    None => (k, node),
                }
            })
            .collect();
    }
    (renamed, paired)
}

fn nodes(old: &Surface, new: &Surface, out: &mut Out) {
    let (old_nodes, paired) = pair_statuses(old, new);
    let op_in = |s: &Surface, label: &str| s.operations.values().any(|o| o.label == label);
    for key in union_keys(&old_nodes, &new.nodes) {
        let (o, n) = (old_nodes.get(key), new.nodes.get(key));
        match (o, n) {
            (Some(o), Some(n)) => {
                let from = paired.get(key).map(String::as_str);
                compare(key, o, n, from, out);
            }
            (Some(one), None) | (None, Some(one)) => {
                let removed = n.is_none();
                // Covered by the change of an enclosing item?
                if let Some(parent) = &one.parent {
                    let (Some(po), Some(pn)) = (old_nodes.get(parent), new.nodes.get(parent))
                    else {
                        continue;
                    };
                    if po.ty != pn.ty {
                        continue;
                    }
                } else if let Some(label) = &one.op
                    && !(op_in(old, label) && op_in(new, label))
                {
                    continue;
                }
                if one.place == Place::Nested {
                    // A child that became (or stopped being) a plain type: compare with its plain
                    // form, so that the constraints or values it gained or lost show.
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
            (None, None) => {}
        }
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
        Place::Field => (Kind::Additive, "field added (optional)"),
        Place::Param if required => (Kind::Breaking, "parameter added (required)"),
        Place::Param => (Kind::Additive, "parameter added (optional)"),
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
        if a != b {
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
    cosmetic_maps(key, &o.cosmetic, &n.cosmetic, out);
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
    let kind = |tight: bool| if tight { tightened(dir) } else { loosened(dir) };
    match (required, non_null) {
        (Some(a), Some(b)) if a == b => {
            let change = if a {
                "made required and non-nullable"
            } else {
                "made optional and nullable"
            };
            out.push(kind(a), key, change, detail);
        }
        _ => {
            if let Some(tight) = required {
                let change = if tight {
                    "made required"
                } else {
                    "made optional"
                };
                out.push(kind(tight), key, change, detail.as_str());
            }
            if let Some(tight) = non_null {
                let change = if tight {
                    "made non-nullable"
                } else {
                    "made nullable"
                };
                out.push(kind(tight), key, change, detail.as_str());
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
        if o.values.is_empty() {
            out.push(tightened(dir), key, "restricted to enum values", list(n));
        } else {
            out.push(loosened(dir), key, "enum restriction removed", list(o));
        }
        return;
    }
    for (text, value) in &o.values {
        if !n.values.contains_key(text) {
            out.push(Kind::Breaking, key, "enum value removed", plain(value));
        }
    }
    let open = OPEN_ENUMS.contains(&key);
    for (text, value) in &n.values {
        if o.values.contains_key(text) {
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
        if n.discriminator.is_some() {
            out.push(Kind::Cosmetic, key, "union arms reordered", detail);
        } else {
            out.push(
                Kind::Breaking,
                key,
                "union arms reordered (untagged: decoding tries the arms in order)",
                detail,
            );
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
enum Narrowing {
    Tighter,
    Looser,
    Unknown,
}

fn narrowing(name: &str, old: Option<&str>, new: Option<&str>) -> Narrowing {
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
        if a == b {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A document with one request schema (`Req`, the body of `POST /r`) and one response schema
    /// (`Resp`, the 200 of `GET /s`), plus `extra` schemas.
    fn doc(req: Value, resp: Value, extra: Value) -> Value {
        let mut schemas = json!({"Req": req, "Resp": resp});
        for (k, v) in extra.as_object().into_iter().flatten() {
            schemas[k] = v.clone();
        }
        json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {
                "/r": {"post": {"operationId": "r", "requestBody": {"required": true,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Req"}}}},
                    "responses": {"204": {"description": "ok"}}}},
                "/s": {"get": {"operationId": "s", "responses": {"200": {"description": "ok",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Resp"}}}}}}}},
            "components": {"schemas": schemas}})
    }

    fn obj(props: Value, required: &[&str]) -> Value {
        json!({"type": "object", "properties": props, "required": required})
    }

    /// The changes as `kind item: change` strings.
    fn lines(old: &Value, new: &Value) -> Vec<String> {
        diff(old, new)
            .into_iter()
            .map(|c| format!("{} {}: {}", c.kind, c.item, c.change))
            .collect()
    }

    #[test]
    fn identical_documents_have_no_changes() {
        let d = doc(
            obj(json!({"a": {"type": "string"}}), &["a"]),
            obj(json!({}), &[]),
            json!({}),
        );
        assert_eq!(diff(&d, &d), []);
        assert_eq!(render_human(&[]), "no changes\n");
    }

    #[test]
    fn optional_and_nullable_breaks_a_response_field_but_not_a_request_field() {
        let field = json!({"f": {"type": "string"}});
        let loose = json!({"f": {"type": "string", "nullable": true}});
        let old = doc(obj(field.clone(), &["f"]), obj(field, &["f"]), json!({}));
        let new = doc(obj(loose.clone(), &[]), obj(loose, &[]), json!({}));
        assert_eq!(
            lines(&old, &new),
            [
                "breaking Resp.f: made optional and nullable",
                "additive Req.f: made optional and nullable",
            ]
        );
        // And back: tightening breaks the sender.
        assert_eq!(
            lines(&new, &old),
            [
                "breaking Req.f: made required and non-nullable",
                "additive Resp.f: made required and non-nullable",
            ]
        );
    }

    #[test]
    fn a_schema_used_both_ways_gets_the_stricter_kind() {
        let shared = |required: &[&str]| obj(json!({"f": {"type": "string"}}), required);
        let uses = obj(
            json!({"s": {"$ref": "#/components/schemas/Shared"}}),
            &["s"],
        );
        let old = doc(
            uses.clone(),
            uses.clone(),
            json!({"Shared": shared(&["f"])}),
        );
        let new = doc(uses.clone(), uses, json!({"Shared": shared(&[])}));
        assert_eq!(lines(&old, &new), ["breaking Shared.f: made optional"]);
    }

    #[test]
    fn new_fields_required_in_requests_break_required_in_responses_do_not() {
        let old = doc(obj(json!({}), &[]), obj(json!({}), &[]), json!({}));
        let new = doc(
            obj(
                json!({"a": {"type": "string"}, "b": {"type": "string"}}),
                &["a"],
            ),
            obj(
                json!({"a": {"type": "string"}, "b": {"type": "string"}}),
                &["a"],
            ),
            json!({}),
        );
        assert_eq!(
            lines(&old, &new),
            [
                "breaking Req.a: field added (required)",
                "additive Req.b: field added (optional)",
                "additive Resp.a: field added (required)",
                "additive Resp.b: field added (optional)",
            ]
        );
        assert_eq!(
            lines(&new, &old),
            [
                "breaking Req.a: field removed",
                "breaking Req.b: field removed",
                "breaking Resp.a: field removed",
                "breaking Resp.b: field removed",
            ]
        );
    }

    #[test]
    fn type_change_breaks_and_hides_the_children_it_replaces() {
        let old = doc(
            obj(
                json!({"a": {"type": "object", "properties": {"x": {"type": "string"}}}}),
                &[],
            ),
            obj(json!({}), &[]),
            json!({}),
        );
        let new = doc(
            obj(json!({"a": {"type": "string"}}), &[]),
            obj(json!({}), &[]),
            json!({}),
        );
        assert_eq!(lines(&old, &new), ["breaking Req.a: type changed"]);
    }

    #[test]
    fn enum_values_open_scope_closed_response_and_request() {
        let e = |values: &[&str]| json!({"type": "string", "enum": values});
        let old = doc(
            obj(json!({"hint": e(&["a"])}), &[]),
            obj(
                json!({"kind": e(&["a"]), "scopes": {"type": "array",
                "items": {"$ref": "#/components/schemas/Scope"}}}),
                &[],
            ),
            json!({"Scope": e(&["openid", "web:read"])}),
        );
        let new = doc(
            obj(json!({"hint": e(&["a", "b"])}), &[]),
            obj(
                json!({"kind": e(&["a", "b"]), "scopes": {"type": "array",
                "items": {"$ref": "#/components/schemas/Scope"}}}),
                &[],
            ),
            json!({"Scope": e(&["openid", "metrics:write"])}),
        );
        let changes = diff(&old, &new);
        let find = |item: &str, detail: &str| {
            changes
                .iter()
                .find(|c| c.item == item && c.detail == detail)
                .map(|c| (c.kind, c.change.as_str()))
        };
        assert_eq!(
            find("Scope", "metrics:write"),
            Some((Kind::Additive, "enum value added"))
        );
        assert_eq!(
            find("Scope", "web:read"),
            Some((Kind::Breaking, "enum value removed"))
        );
        assert_eq!(
            find("Req.hint", "b"),
            Some((Kind::Additive, "enum value added"))
        );
        assert_eq!(find("Resp.kind", "b").map(|(k, _)| k), Some(Kind::Breaking));
        assert_eq!(changes.len(), 4, "{changes:#?}");
    }

    #[test]
    fn union_arms_and_discriminator_values() {
        let union = |arms: &[&str]| {
            let refs: Vec<Value> = arms
                .iter()
                .map(|a| json!({"$ref": format!("#/components/schemas/{a}")}))
                .collect();
            let mapping: serde_json::Map<String, Value> = arms
                .iter()
                .map(|a| (a.to_lowercase(), json!(format!("#/components/schemas/{a}"))))
                .collect();
            json!({"oneOf": refs, "discriminator": {"propertyName": "t", "mapping": mapping}})
        };
        let extra = json!({"A": {"type": "object"}, "B": {"type": "object"}});
        let old = doc(union(&["A"]), union(&["A"]), extra.clone());
        let new = doc(union(&["A", "B"]), union(&["A", "B"]), extra);
        let kinds: Vec<(Kind, String)> = diff(&old, &new)
            .into_iter()
            .map(|c| (c.kind, format!("{} {}", c.item, c.detail)))
            .collect();
        assert_eq!(
            kinds,
            [
                (Kind::Breaking, "Resp b -> B".to_owned()),
                (Kind::Breaking, "Resp B".to_owned()),
                (Kind::Additive, "Req b -> B".to_owned()),
                (Kind::Additive, "Req B".to_owned()),
            ]
        );
    }

    #[test]
    fn success_status_replaced_is_one_breaking_change() {
        let with = |responses: Value| {
            json!({"openapi": "3.0.3", "paths": {"/c/{id}": {"delete": {"operationId": "d",
                "responses": responses}}}})
        };
        let old = with(json!({"200": {"description": "ok",
            "content": {"application/json": {"schema": {}}}},
            "422": {"description": "bad"}}));
        let new = with(json!({"204": {"description": "deleted"}, "422": {"description": "bad"}}));
        let changes = diff(&old, &new);
        assert_eq!(
            changes[0],
            Change {
                kind: Kind::Breaking,
                item: "DELETE /c/{id} 200".into(),
                change: "status changed".into(),
                detail: "200 -> 204; body any, application/json -> none".into(),
            }
        );
        assert!(
            changes[1..].iter().all(|c| c.kind == Kind::Cosmetic),
            "{changes:#?}"
        );
    }

    #[test]
    fn statuses_added_and_removed() {
        let with = |responses: Value| json!({"openapi": "3.0.3", "paths": {"/x": {"get": {"responses": responses}}}});
        let old = with(json!({"200": {}}));
        let new = with(json!({"200": {}, "201": {}, "404": {}}));
        assert_eq!(
            lines(&old, &new),
            [
                "breaking GET /x 201: success status added (a client built from the old spec rejects it)",
                "additive GET /x 404: response status added",
            ]
        );
        assert_eq!(
            lines(&new, &old),
            [
                "breaking GET /x 201: response removed",
                "breaking GET /x 404: response removed"
            ]
        );
    }

    #[test]
    fn operations_parameters_and_security() {
        let op = |params: Value, security: Value| {
            json!({"openapi": "3.0.3", "paths": {"/x": {"get": {"operationId": "x",
                "parameters": params, "security": security, "responses": {}}}}})
        };
        let q = |name: &str, required: bool| json!({"name": name, "in": "query", "required": required, "schema": {"type": "string"}});
        let old = op(json!([q("a", false), q("gone", false)]), json!([{}]));
        let new = op(
            json!([q("a", true), q("b", true), q("c", false)]),
            json!([{"oidc": []}]),
        );
        assert_eq!(
            lines(&old, &new),
            [
                "breaking GET /x: authentication now required",
                "breaking GET /x query:a: made required",
                "breaking GET /x query:b: parameter added (required)",
                "breaking GET /x query:gone: parameter removed",
                "additive GET /x query:c: parameter added (optional)",
            ]
        );
        let none = json!({"openapi": "3.0.3", "paths": {}});
        assert_eq!(lines(&none, &new), ["additive GET /x: operation added"]);
        assert_eq!(lines(&new, &none), ["breaking GET /x: operation removed"]);
    }

    #[test]
    fn descriptions_titles_examples_defaults_and_extensions_are_cosmetic() {
        let old = doc(
            obj(
                json!({"a": {"type": "string", "title": "A", "description": "old",
                               "default": "x"}}),
                &[],
            ),
            json!({"type": "string", "enum": ["u"], "enumNames": {"u": "User"}}),
            json!({}),
        );
        let new = doc(
            obj(
                json!({"a": {"type": "string", "title": "Ay", "description": "new",
                               "default": "y", "example": "z", "x-speakeasy": true}}),
                &[],
            ),
            json!({"type": "string", "enum": ["u"], "enumNames": {"u": "A user"}}),
            json!({}),
        );
        let changes = diff(&old, &new);
        assert_eq!(
            lines(&old, &new),
            [
                "cosmetic Req.a: default changed",
                "cosmetic Req.a: description changed",
                "cosmetic Req.a: example added",
                "cosmetic Req.a: title changed",
                "cosmetic Req.a: x-speakeasy added",
                "cosmetic Resp: enumNames.u changed",
            ]
        );
        assert_eq!(changes[0].detail, "x -> y");
        assert!(!is_breaking(&changes));
    }

    #[test]
    fn long_texts_show_the_words_that_differ() {
        let words = |extra: &str| {
            Value::String(format!(
                "openid profile email user:read user:write organizations:read \
                 organizations:write metrics:read {extra}webhooks:read webhooks:write \
                 license_keys:read license_keys:write"
            ))
        };
        assert_eq!(
            short_pair(&words(""), &words("metrics:write ")),
            "… metrics:read webhooks:read … -> … metrics:read metrics:write webhooks:read …"
        );
        assert_eq!(short_pair(&json!("a"), &json!(1)), "a -> 1");
        let long = "x ".repeat(50);
        assert_eq!(
            short_pair(&json!(long), &json!(format!("{long}y"))),
            "… x -> … x y"
        );
    }

    #[test]
    fn constraints_narrowing_depends_on_direction() {
        let s = |c: Value| {
            let mut f = json!({"type": "string"});
            for (k, v) in c.as_object().into_iter().flatten() {
                f[k] = v.clone();
            }
            obj(json!({ "f": f }), &[])
        };
        let old = doc(
            s(json!({"maxLength": 10})),
            s(json!({"maxLength": 10})),
            json!({}),
        );
        let new = doc(
            s(json!({"maxLength": 5, "pattern": "^a"})),
            s(json!({"maxLength": 5, "pattern": "^a"})),
            json!({}),
        );
        assert_eq!(
            lines(&old, &new),
            [
                "breaking Req.f: constraint maxLength changed",
                "breaking Req.f: constraint pattern added",
                "additive Resp.f: constraint maxLength changed",
                "additive Resp.f: constraint pattern added",
            ]
        );
        assert_eq!(
            narrowing("minLength", Some("1"), Some("0")),
            Narrowing::Looser
        );
        assert_eq!(
            narrowing("pattern", Some("\"a\""), Some("\"b\"")),
            Narrowing::Unknown
        );
    }

    #[test]
    fn items_that_gain_a_constraint_report_it_on_the_items() {
        let old = doc(
            obj(
                json!({"u": {"type": "array", "items": {"type": "string"}}}),
                &[],
            ),
            obj(json!({}), &[]),
            json!({}),
        );
        let new = doc(
            obj(
                json!({"u": {"type": "array", "items": {"type": "string", "minLength": 1}}}),
                &[],
            ),
            obj(json!({}), &[]),
            json!({}),
        );
        assert_eq!(
            lines(&old, &new),
            ["breaking Req.u[]: constraint minLength added"]
        );
    }

    #[test]
    fn args_are_two_paths_and_an_optional_json_flag() {
        let args = |a: &[&str]| parse_args(&a.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(
            args(&["a.yaml", "--json", "b"]),
            Ok(Command::Compare(Args {
                old: "a.yaml".into(),
                new: "b".into(),
                json: true
            }))
        );
        assert_eq!(args(&["--help"]), Ok(Command::Help));
        assert!(args(&["a"]).unwrap_err().contains("got 1"));
        assert!(
            args(&["a", "b", "--yaml"])
                .unwrap_err()
                .contains("`--yaml`")
        );
        assert_eq!(
            args(&["--", "-odd", "b"]),
            Ok(Command::Compare(Args {
                old: "-odd".into(),
                new: "b".into(),
                json: false
            }))
        );
    }

    #[test]
    fn reports_render_grouped_and_as_json() {
        let changes = vec![
            Change {
                kind: Kind::Breaking,
                item: "T.f".into(),
                change: "field removed".into(),
                detail: "string".into(),
            },
            Change {
                kind: Kind::Cosmetic,
                item: "T".into(),
                change: "title changed".into(),
                detail: String::new(),
            },
        ];
        assert_eq!(
            render_human(&changes),
            "1 breaking, 0 additive, 1 cosmetic\n\nbreaking:\n  T.f: field removed (string)\n\n\
             cosmetic:\n  T: title changed\n"
        );
        let parsed: Value = serde_json::from_str(&render_json(&changes)).unwrap();
        assert_eq!(
            parsed[0],
            json!({"kind": "breaking", "item": "T.f", "change": "field removed", "detail": "string"})
        );
    }
}
