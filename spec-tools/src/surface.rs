//! A stable, sorted, human-readable listing of the API surface of an OpenAPI document.
//!
//! The listing is taken from the *downgraded* document (after [`polar_oauth2_codegen::downgrade`], before
//! [`polar_oauth2_codegen::shape`]), so that it reflects the spec as Polar publishes it. One item per line,
//! every line names its item in full (so a one-line diff is self-explanatory), sections and items
//! in a fixed order: the document (API version, servers, security schemes), then the operations
//! (by path, then method) with their parameters, request bodies and responses, then the
//! component schemas by name. Enum values are sorted, one per line, so that a new scope is a
//! one-line diff. Descriptions, titles, examples, defaults, display names and `x-` extensions do
//! not appear: they are kept in the model for [`crate::drift`] only.
//!
//! Line kinds (`KIND ITEM: ATTRIBUTES` or `KIND ITEM = VALUE`):
//!
//! ```text
//! info version: 0.1.0
//! server https://api.polar.sh
//! security-scheme oidc: openIdConnect /.well-known/openid-configuration
//! operation POST /v1/oauth2/token: oauth2:request_token
//! security POST /v1/oauth2/token: none
//! param GET /v1/oauth2/register/{client_id} path:client_id: string, required
//! body POST /v1/oauth2/token: oneOf, required, application/x-www-form-urlencoded
//! response GET /v1/oauth2/authorize 200: oneOf, application/json
//! arm GET /v1/oauth2/authorize 200 = AuthorizeResponseUser
//! discriminator GET /v1/oauth2/authorize 200: sub_type
//! mapping GET /v1/oauth2/authorize 200 = user -> AuthorizeResponseUser
//! schema TokenResponse: object
//! field TokenResponse.id_token: string, optional, nullable
//! enum Scope = "metrics:write"
//! constraint AuthorizationCodeTokenRequest.redirect_uri: maxLength = 2083
//! ```
//!
//! Inline schemas get a path below their parent: `X.field` for a property, `X[]` for array
//! items, `X{}` for additional properties, `X#0` for an inline union arm. A child that is a plain
//! `$ref` or a plain `type`/`format` is shown in its parent's type (`array<Scope>`,
//! `map<string>`) instead of on a line of its own.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use polar_oauth2_codegen::walk::METHODS;
use serde_json::{Map, Value};

use polar_oauth2_codegen::downgrade;
use polar_oauth2_codegen::downgrade::CONSTRAINT_KEYWORDS;
use polar_oauth2_codegen::Error;

/// Schema keywords that only document: they never change what a client sends or accepts.
const COSMETIC: &[&str] = &[
    "title",
    "description",
    "default",
    "example",
    "examples",
    "enumNames",
    "deprecated",
    "externalDocs",
    "xml",
    "readOnly",
    "writeOnly",
    "$comment",
];

/// Schema keywords this module interprets into a node's type, fields, values or arms.
const STRUCTURAL: &[&str] = &[
    "type",
    "format",
    "$ref",
    "nullable",
    "enum",
    "properties",
    "required",
    "items",
    "additionalProperties",
    "oneOf",
    "anyOf",
    "allOf",
    "discriminator",
];

/// Is `key` documentation only (see [`COSMETIC`]) or a vendor extension?
fn is_cosmetic(key: &str) -> bool {
    key.starts_with("x-") || COSMETIC.contains(&key)
}

/// Which way data described by a schema travels.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Direction {
    /// Reachable from a parameter or a request body: the client sends it.
    pub(crate) request: bool,
    /// Reachable from a response: the client reads it.
    pub(crate) response: bool,
}

impl Direction {
    /// Both directions together.
    pub(crate) fn union(self, other: Direction) -> Direction {
        Direction {
            request: self.request || other.request,
            response: self.response || other.response,
        }
    }
}

/// Where a schema position sits in the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    /// `components/schemas/NAME`.
    Component,
    /// A property of an object schema.
    Field,
    /// An operation parameter.
    Param,
    /// An operation's request body (one media type).
    Body,
    /// One response of an operation (one status, one media type).
    Response,
    /// A header of a response.
    Header,
    /// Array items, additional properties, an inline union arm.
    Nested,
}

impl Place {
    /// The first word of the node's line in the listing.
    fn word(self) -> &'static str {
        match self {
            Place::Component | Place::Nested => "schema",
            Place::Field => "field",
            Place::Param => "param",
            Place::Body => "body",
            Place::Response => "response",
            Place::Header => "header",
        }
    }
}

/// One schema position, flattened: its type head and everything a client depends on.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    /// Where it sits.
    pub(crate) place: Place,
    /// The key of the enclosing node, if any (`None` for components and operation parts).
    pub(crate) parent: Option<String>,
    /// The operation (`GET /path`) it belongs to, if any.
    pub(crate) op: Option<String>,
    /// The response status, for [`Place::Response`].
    pub(crate) status: Option<String>,
    /// Which way its data travels (filled in once every reference is known).
    pub(crate) direction: Direction,
    /// The type head: `string(date-time)`, `array<Scope>`, `object`, `oneOf`, `Scope`, `any`.
    pub(crate) ty: String,
    /// For fields, parameters and bodies: is it required?
    pub(crate) required: Option<bool>,
    /// `nullable: true`.
    pub(crate) nullable: bool,
    /// The media type of a body or response.
    pub(crate) media: Option<String>,
    /// Enum values, keyed by their JSON text.
    pub(crate) values: BTreeMap<String, Value>,
    /// Union (or multi-`allOf`) arms, in document order.
    pub(crate) arms: Vec<String>,
    /// `discriminator.propertyName`.
    pub(crate) discriminator: Option<String>,
    /// `discriminator.mapping`: value -> target schema name.
    pub(crate) mapping: BTreeMap<String, String>,
    /// Validation keywords (JSON text of their values).
    pub(crate) constraints: BTreeMap<String, String>,
    /// Keywords this module does not interpret and that are not documentation (JSON text).
    pub(crate) other: BTreeMap<String, String>,
    /// Documentation: titles, descriptions, defaults, examples, display names, `x-` extensions.
    pub(crate) cosmetic: BTreeMap<String, Value>,
}

impl Node {
    fn new(place: Place, parent: Option<String>, op: Option<String>) -> Self {
        Node {
            place,
            parent,
            op,
            status: None,
            direction: Direction::default(),
            ty: String::new(),
            required: None,
            nullable: false,
            media: None,
            values: BTreeMap::new(),
            arms: Vec::new(),
            discriminator: None,
            mapping: BTreeMap::new(),
            constraints: BTreeMap::new(),
            other: BTreeMap::new(),
            cosmetic: BTreeMap::new(),
        }
    }

    /// The node's attributes as they are listed: `string, optional, nullable`.
    pub(crate) fn attributes(&self) -> String {
        let mut parts = vec![self.ty.clone()];
        match self.required {
            Some(true) => parts.push("required".into()),
            Some(false) => parts.push("optional".into()),
            None => {}
        }
        if self.nullable {
            parts.push("nullable".into());
        }
        if let Some(media) = &self.media {
            parts.push(media.clone());
        }
        parts.join(", ")
    }
}

/// One operation: `METHOD /path`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Operation {
    /// `GET /v1/oauth2/authorize`.
    pub(crate) label: String,
    /// `operationId` (progenitor names the generated method after it).
    pub(crate) id: Option<String>,
    /// Effective security: one entry per alternative, `none` for anonymous access.
    pub(crate) security: BTreeSet<String>,
    /// Summary, description, tags, `x-` extensions, ...
    pub(crate) cosmetic: BTreeMap<String, Value>,
}

/// A security scheme of `components/securitySchemes`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SecurityScheme {
    /// `http bearer`, `openIdConnect URL`, `apiKey header:NAME`, `oauth2 {flows}`.
    pub(crate) kind: String,
    /// Description and `x-` extensions.
    pub(crate) cosmetic: BTreeMap<String, Value>,
}

/// The API surface of one (downgraded) OpenAPI document.
///
/// Built by [`Surface::from_doc`]; listed by [`Surface::render`]; compared by
/// [`crate::drift::diff`].
#[derive(Debug, Clone, PartialEq)]
pub struct Surface {
    pub(crate) info_version: Option<String>,
    /// Server URL -> description and `x-` extensions.
    pub(crate) servers: BTreeMap<String, BTreeMap<String, Value>>,
    pub(crate) security_schemes: BTreeMap<String, SecurityScheme>,
    /// Keyed by (path, METHOD) so that the listing groups a path's operations.
    pub(crate) operations: BTreeMap<(String, String), Operation>,
    /// Every schema position, keyed by its readable path.
    pub(crate) nodes: BTreeMap<String, Node>,
    /// Top-level documentation: `info`, `tags`, `externalDocs`, `x-` extensions.
    pub(crate) cosmetic: BTreeMap<String, Value>,
}

/// The listing of `doc`, an OpenAPI document already passed through [`downgrade::downgrade`].
pub fn surface(doc: &Value) -> String {
    Surface::from_doc(doc).render()
}

/// Load every document in `spec_dir`, merge, keep the selection ([`polar_oauth2_codegen::select`]),
/// downgrade, and list the surface.
pub fn surface_dir(spec_dir: &Path) -> Result<String, Error> {
    let doc = polar_oauth2_codegen::load_spec(spec_dir)?;
    let mut value = doc.value.clone();
    downgrade::downgrade(&mut value).map_err(|e| doc.locate(e))?;
    Ok(surface(&value))
}

impl Surface {
    /// Read the surface of `doc` (a downgraded document). Malformed parts are listed as they
    /// are (`?` for a missing name) rather than refused: the loader has already checked the
    /// document's shape, and a listing should show what is there.
    pub fn from_doc(doc: &Value) -> Surface {
        let mut b = Builder {
            doc,
            nodes: BTreeMap::new(),
            request_refs: BTreeSet::new(),
            response_refs: BTreeSet::new(),
        };
        let operations = b.operations();
        b.components();
        b.assign_directions();
        let root = doc.as_object();
        let info_version = doc
            .pointer("/info/version")
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned));
        let mut servers = BTreeMap::new();
        for server in doc
            .get("servers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let url = server
                .get("url")
                .and_then(Value::as_str)
                .unwrap_or("?")
                .to_owned();
            servers.insert(url, cosmetic_of(server, |k| k != "url"));
        }
        let mut security_schemes = BTreeMap::new();
        for (name, scheme) in doc
            .pointer("/components/securitySchemes")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            security_schemes.insert(name.clone(), security_scheme(scheme));
        }
        let mut cosmetic = BTreeMap::new();
        for (key, value) in root.into_iter().flatten() {
            match key.as_str() {
                // Interpreted elsewhere, or rewritten by the downgrade.
                "openapi" | "paths" | "servers" | "security" | "webhooks" | "jsonSchemaDialect" => {
                }
                "components" => {
                    for (section, entries) in value.as_object().into_iter().flatten() {
                        // Schemas and security schemes are interpreted; parameters, bodies,
                        // responses and headers show where operations use them.
                        let shown = [
                            "schemas",
                            "securitySchemes",
                            "parameters",
                            "requestBodies",
                            "responses",
                            "headers",
                        ];
                        if !shown.contains(&section.as_str()) {
                            cosmetic.insert(format!("components.{section}"), entries.clone());
                        }
                    }
                }
                _ => {
                    cosmetic.insert(key.clone(), value.clone());
                }
            }
        }
        Surface {
            info_version,
            servers,
            security_schemes,
            operations,
            nodes: b.nodes,
            cosmetic,
        }
    }

    /// The listing: one item per line, in a stable order (see the module docs).
    pub fn render(&self) -> String {
        let mut out = String::new();
        if let Some(version) = &self.info_version {
            line(&mut out, format_args!("info version: {version}"));
        }
        for url in self.servers.keys() {
            line(&mut out, format_args!("server {url}"));
        }
        for (name, scheme) in &self.security_schemes {
            line(
                &mut out,
                format_args!("security-scheme {name}: {}", scheme.kind),
            );
        }
        for op in self.operations.values() {
            let id = op.id.as_deref().unwrap_or("(no operationId)");
            line(&mut out, format_args!("operation {}: {id}", op.label));
            let security = op.security.iter().cloned().collect::<Vec<_>>().join(" | ");
            line(&mut out, format_args!("security {}: {security}", op.label));
            // Parameters, then the request body, then the responses.
            let mut parts: Vec<(u8, &String, &Node)> = self
                .nodes
                .iter()
                .filter(|(_, node)| node.op.as_deref() == Some(op.label.as_str()))
                .map(|(key, node)| (self.rank(node), key, node))
                .collect();
            parts.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
            for (_, key, node) in parts {
                render_node(&mut out, key, node);
            }
        }
        for (key, node) in &self.nodes {
            if node.op.is_none() {
                render_node(&mut out, key, node);
            }
        }
        out
    }
}

impl Surface {
    /// Where an operation's node is listed: parameters, body, responses.
    fn rank(&self, node: &Node) -> u8 {
        let mut root = node;
        // Bounded: keys are unique and every parent is a shorter key.
        while let Some(parent) = root.parent.as_ref().and_then(|p| self.nodes.get(p)) {
            root = parent;
        }
        match root.place {
            Place::Param => 0,
            Place::Body => 1,
            _ => 2,
        }
    }
}

fn line(out: &mut String, args: std::fmt::Arguments<'_>) {
    // Writing to a String cannot fail.
    let _ = out.write_fmt(args);
    out.push('\n');
}

fn render_node(out: &mut String, key: &str, node: &Node) {
    line(
        out,
        format_args!("{} {key}: {}", node.place.word(), node.attributes()),
    );
    for value in node.values.keys() {
        line(out, format_args!("enum {key} = {value}"));
    }
    for arm in &node.arms {
        line(out, format_args!("arm {key} = {arm}"));
    }
    if let Some(property) = &node.discriminator {
        line(out, format_args!("discriminator {key}: {property}"));
    }
    for (value, target) in &node.mapping {
        line(out, format_args!("mapping {key} = {value} -> {target}"));
    }
    for (name, value) in &node.constraints {
        line(out, format_args!("constraint {key}: {name} = {value}"));
    }
    for (name, value) in &node.other {
        line(out, format_args!("keyword {key}: {name} = {value}"));
    }
}

/// The entries of `holder` whose key passes `keep`, as a sorted map.
fn cosmetic_of(holder: &Value, keep: impl Fn(&str) -> bool) -> BTreeMap<String, Value> {
    holder
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| keep(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn security_scheme(scheme: &Value) -> SecurityScheme {
    let field = |k: &str| scheme.get(k).and_then(Value::as_str).unwrap_or("?");
    let ty = field("type");
    let kind = match ty {
        "http" => {
            let mut kind = format!("http {}", field("scheme"));
            if let Some(format) = scheme.get("bearerFormat").and_then(Value::as_str) {
                let _ = write!(kind, " ({format})");
            }
            kind
        }
        "apiKey" => format!("apiKey {}:{}", field("in"), field("name")),
        "openIdConnect" => format!("openIdConnect {}", field("openIdConnectUrl")),
        "oauth2" => format!(
            "oauth2 {}",
            scheme
                .get("flows")
                .map(Value::to_string)
                .unwrap_or_default()
        ),
        other => other.to_owned(),
    };
    SecurityScheme {
        kind,
        cosmetic: cosmetic_of(scheme, |k| k == "description" || k.starts_with("x-")),
    }
}

/// The name of the component a `#/components/schemas/NAME` reference points to.
pub(crate) fn schema_ref_name(reference: &str) -> Option<String> {
    reference
        .strip_prefix("#/components/schemas/")
        .map(|name| name.replace("~1", "/").replace("~0", "~"))
}

/// How a reference is shown: the component name, or the reference itself.
fn ref_display(reference: &str) -> String {
    schema_ref_name(reference).unwrap_or_else(|| reference.to_owned())
}

/// Every schema component referenced anywhere inside `value` (`$ref`s and discriminator
/// mapping targets).
fn collect_refs(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                if key == "$ref" {
                    if let Some(name) = child.as_str().and_then(schema_ref_name) {
                        out.insert(name);
                    }
                } else if key == "mapping" {
                    for target in child.as_object().into_iter().flatten().map(|(_, t)| t) {
                        if let Some(name) = target.as_str().and_then(schema_ref_name) {
                            out.insert(name);
                        }
                    }
                }
                collect_refs(child, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_refs(item, out)),
        _ => {}
    }
}

/// Is `schema` shown well enough by its head in the parent's type (`Scope`, `string(uri)`)?
fn is_plain(schema: &Value) -> bool {
    match schema {
        Value::Object(map) => {
            map.keys().all(|k| k == "type" || k == "format")
                || (map.len() == 1 && map.contains_key("$ref"))
        }
        Value::Bool(true) => true,
        _ => false,
    }
}

/// A single-arm `allOf` of an inline schema (the downgrade leaves `allOf: [$ref]`): merge the arm
/// into the outer schema, the outer keywords winning.
fn flatten_single_all_of(schema: &Map<String, Value>) -> Option<Map<String, Value>> {
    let [Value::Object(arm)] = schema.get("allOf")?.as_array()?.as_slice() else {
        return None;
    };
    if arm.contains_key("$ref") {
        return None;
    }
    let mut merged = schema.clone();
    merged.remove("allOf");
    for (k, v) in arm {
        merged.entry(k.clone()).or_insert_with(|| v.clone());
    }
    Some(merged)
}

/// The type head of a schema, as its parent shows it.
fn head(schema: &Value) -> String {
    let map = match schema {
        Value::Object(map) => map,
        Value::Bool(true) => return "any".into(),
        Value::Bool(false) => return "never".into(),
        other => return format!("invalid schema {other}"),
    };
    if let Some(merged) = flatten_single_all_of(map) {
        return head(&Value::Object(merged));
    }
    if let Some(reference) = map.get("$ref") {
        return match reference.as_str() {
            Some(r) => ref_display(r),
            None => format!("invalid $ref {reference}"),
        };
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(Value::Array(arms)) = map.get(key) {
            if key == "allOf" && arms.len() == 1 {
                return head(&arms[0]);
            }
            return key.into();
        }
    }
    let ty = match map.get("type") {
        Some(Value::String(t)) => Some(t.clone()),
        Some(Value::Array(ts)) => Some(
            ts.iter()
                .map(|t| t.as_str().map_or_else(|| t.to_string(), str::to_owned))
                .collect::<Vec<_>>()
                .join(" | "),
        ),
        Some(other) => Some(other.to_string()),
        None => None,
    };
    let is_array = ty.as_deref() == Some("array") || (ty.is_none() && map.contains_key("items"));
    if is_array {
        let items = map.get("items").map_or_else(|| "any".into(), head);
        return format!("array<{items}>");
    }
    let is_object = ty.as_deref() == Some("object")
        || (ty.is_none()
            && (map.contains_key("properties") || map.contains_key("additionalProperties")));
    if is_object {
        let has_props = map
            .get("properties")
            .and_then(Value::as_object)
            .is_some_and(|p| !p.is_empty());
        return match map.get("additionalProperties") {
            Some(Value::Bool(false)) | None => "object".into(),
            Some(_) if has_props => "object".into(),
            Some(Value::Bool(true)) => "map<any>".into(),
            Some(ap) => format!("map<{}>", head(ap)),
        };
    }
    match (ty, map.get("format").and_then(Value::as_str)) {
        (Some(t), Some(f)) => format!("{t}({f})"),
        (Some(t), None) => t,
        (None, _)
            if map
                .get("enum")
                .is_some_and(|e| e == &serde_json::json!([null])) =>
        {
            "null".into()
        }
        (None, _) if map.contains_key("enum") => "enum".into(),
        (None, _) => "any".into(),
    }
}

/// Where a node comes from, for [`Builder::add`].
struct Origin {
    key: String,
    place: Place,
    parent: Option<String>,
    op: Option<String>,
    required: Option<bool>,
    media: Option<String>,
    /// Documentation of the holder (parameter, body, response), already prefixed.
    cosmetic: BTreeMap<String, Value>,
}

struct Builder<'a> {
    doc: &'a Value,
    nodes: BTreeMap<String, Node>,
    /// Components referenced from parameters and request bodies.
    request_refs: BTreeSet<String>,
    /// Components referenced from responses.
    response_refs: BTreeSet<String>,
}

impl<'a> Builder<'a> {
    /// Follow a local reference to a parameter, body, response or header (not to a schema).
    fn resolve(&self, mut value: &'a Value) -> &'a Value {
        for _ in 0..16 {
            let Some(target) = value
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix('#'))
                .and_then(|p| self.doc.pointer(p))
            else {
                return value;
            };
            value = target;
        }
        value
    }

    fn operations(&mut self) -> BTreeMap<(String, String), Operation> {
        let mut ops = BTreeMap::new();
        let doc = self.doc;
        let global_security = doc.get("security");
        for (path, item) in doc
            .get("paths")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let item = self.resolve(item);
            let path_cosmetic = cosmetic_of(item, |k| {
                !METHODS.contains(&k) && k != "parameters" && k != "$ref"
            });
            for method in METHODS {
                let Some(op) = item.get(method) else {
                    continue;
                };
                let label = format!("{} {path}", method.to_uppercase());
                let mut cosmetic = cosmetic_of(op, |k| {
                    ![
                        "operationId",
                        "parameters",
                        "requestBody",
                        "responses",
                        "security",
                    ]
                    .contains(&k)
                });
                for (k, v) in &path_cosmetic {
                    cosmetic.insert(format!("path.{k}"), v.clone());
                }
                let security = op.get("security").or(global_security);
                ops.insert(
                    (path.clone(), method.to_uppercase()),
                    Operation {
                        label: label.clone(),
                        id: op
                            .get("operationId")
                            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned)),
                        security: security_alternatives(security),
                        cosmetic,
                    },
                );
                self.parameters(&label, item, op);
                self.request_body(&label, op);
                self.responses(&label, op);
            }
        }
        ops
    }

    fn parameters(&mut self, label: &str, item: &Value, op: &Value) {
        // Path-level parameters apply unless the operation redefines (in, name).
        let mut params: BTreeMap<(String, String), &Value> = BTreeMap::new();
        for holder in [item, op] {
            for param in holder
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let param = self.resolve(param);
                let text = |k: &str| param.get(k).and_then(Value::as_str).unwrap_or("?");
                params.insert((text("in").to_owned(), text("name").to_owned()), param);
            }
        }
        for ((location, name), param) in params {
            collect_refs(param, &mut self.request_refs);
            let mut cosmetic = BTreeMap::new();
            let mut other = BTreeMap::new();
            for (k, v) in param.as_object().into_iter().flatten() {
                match k.as_str() {
                    "name" | "in" | "required" | "schema" | "content" => {}
                    "style" | "explode" | "allowReserved" | "allowEmptyValue" => {
                        other.insert(k.clone(), v.to_string());
                    }
                    _ => {
                        cosmetic.insert(format!("parameter.{k}"), v.clone());
                    }
                }
            }
            let (schema, media) = match param.get("content").and_then(Value::as_object) {
                Some(content) if param.get("schema").is_none() => {
                    let first = content.iter().next();
                    (
                        first.and_then(|(_, m)| m.get("schema")),
                        first.map(|(m, _)| m.clone()),
                    )
                }
                _ => (param.get("schema"), None),
            };
            let key = format!("{label} {location}:{name}");
            let any = Value::Object(Map::new());
            self.add(
                schema.unwrap_or(&any),
                Origin {
                    key: key.clone(),
                    place: Place::Param,
                    parent: None,
                    op: Some(label.to_owned()),
                    required: Some(param.get("required") == Some(&Value::Bool(true))),
                    media,
                    cosmetic,
                },
            );
            if let Some(node) = self.nodes.get_mut(&key) {
                node.other.extend(other);
            }
        }
    }

    fn request_body(&mut self, label: &str, op: &Value) {
        let Some(body) = op.get("requestBody") else {
            return;
        };
        let body = self.resolve(body);
        collect_refs(body, &mut self.request_refs);
        let required = body.get("required") == Some(&Value::Bool(true));
        let cosmetic = prefixed(body, "requestBody", &["content", "required"]);
        self.content(
            body,
            &format!("{label} body"),
            Place::Body,
            label,
            Some(required),
            cosmetic,
            None,
        );
    }

    fn responses(&mut self, label: &str, op: &Value) {
        for (status, response) in op
            .get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let response = self.resolve(response);
            collect_refs(response, &mut self.response_refs);
            let key = format!("{label} {status}");
            let cosmetic = prefixed(response, "response", &["content", "headers"]);
            self.content(
                response,
                &key,
                Place::Response,
                label,
                None,
                cosmetic,
                Some(status),
            );
            for (name, header) in response
                .get("headers")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                let header = self.resolve(header);
                let any = Value::Object(Map::new());
                self.add(
                    header.get("schema").unwrap_or(&any),
                    Origin {
                        key: format!("{key} header:{name}"),
                        place: Place::Header,
                        parent: None,
                        op: Some(label.to_owned()),
                        required: Some(header.get("required") == Some(&Value::Bool(true))),
                        media: None,
                        cosmetic: prefixed(header, "header", &["schema", "required", "content"]),
                    },
                );
            }
        }
    }

    /// A request body or response: one node per media type (the key names the media type only
    /// when there are several), or a `none` node when there is no content.
    #[allow(clippy::too_many_arguments)]
    fn content(
        &mut self,
        holder: &Value,
        key: &str,
        place: Place,
        label: &str,
        required: Option<bool>,
        mut cosmetic: BTreeMap<String, Value>,
        status: Option<&String>,
    ) {
        let content: Vec<(&String, &Value)> = holder
            .get("content")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .collect();
        if content.is_empty() {
            let mut node = Node::new(place, None, Some(label.to_owned()));
            node.ty = "none".into();
            node.required = required;
            node.cosmetic = cosmetic;
            node.status = status.cloned();
            self.nodes.insert(key.to_owned(), node);
            return;
        }
        let many = content.len() > 1;
        for (media, entry) in content {
            let key = if many {
                format!("{key} {media}")
            } else {
                key.to_owned()
            };
            // The holder's documentation goes to the first media type only.
            let mut cosmetic = std::mem::take(&mut cosmetic);
            cosmetic.extend(prefixed(entry, "media", &["schema", "encoding"]));
            self.add(
                entry.get("schema").unwrap_or(&Value::Bool(true)),
                Origin {
                    key: key.clone(),
                    place,
                    parent: None,
                    op: Some(label.to_owned()),
                    required,
                    media: Some(media.clone()),
                    cosmetic,
                },
            );
            if let Some(node) = self.nodes.get_mut(&key) {
                node.status = status.cloned();
                // How a form body encodes its fields changes what is sent.
                if let Some(encoding) = entry.get("encoding") {
                    node.other.insert("encoding".into(), encoding.to_string());
                }
            }
        }
    }

    fn components(&mut self) {
        let doc = self.doc;
        for (name, schema) in doc
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            self.add(
                schema,
                Origin {
                    key: name.clone(),
                    place: Place::Component,
                    parent: None,
                    op: None,
                    required: None,
                    media: None,
                    cosmetic: BTreeMap::new(),
                },
            );
        }
    }

    /// Add the node for `schema` at `origin.key`, and nodes for its inline children.
    fn add(&mut self, schema: &Value, origin: Origin) {
        let mut node = Node::new(origin.place, origin.parent, origin.op.clone());
        node.required = origin.required;
        node.media = origin.media;
        node.cosmetic = origin.cosmetic;
        node.ty = head(schema);
        let key = origin.key;
        let empty = Map::new();
        let merged;
        let map = match schema {
            Value::Object(map) => match flatten_single_all_of(map) {
                Some(m) => {
                    merged = m;
                    &merged
                }
                None => map,
            },
            _ => &empty,
        };
        let child = |suffix: String, place: Place, required: Option<bool>| Origin {
            key: format!("{key}{suffix}"),
            place,
            parent: Some(key.clone()),
            op: origin.op.clone(),
            required,
            media: None,
            cosmetic: BTreeMap::new(),
        };
        let mut children: Vec<(&Value, Origin)> = Vec::new();
        let required: BTreeSet<&str> = map
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        for (k, v) in map {
            match k.as_str() {
                "nullable" => node.nullable = v == &Value::Bool(true),
                "enum" => {
                    for value in v.as_array().into_iter().flatten() {
                        node.values.insert(value.to_string(), value.clone());
                    }
                }
                "properties" => {
                    for (name, prop) in v.as_object().into_iter().flatten() {
                        let origin = child(
                            format!(".{name}"),
                            Place::Field,
                            Some(required.contains(name.as_str())),
                        );
                        children.push((prop, origin));
                    }
                }
                "items" if !is_plain(v) => {
                    children.push((v, child("[]".into(), Place::Nested, None)));
                }
                "additionalProperties" => match v {
                    Value::Bool(false) => {
                        node.constraints.insert(k.clone(), "false".into());
                    }
                    // `object` with properties does not show the map's type: list it.
                    _ if !is_plain(v) || node.ty == "object" => {
                        children.push((v, child("{}".into(), Place::Nested, None)));
                    }
                    _ => {}
                },
                "oneOf" | "anyOf" | "allOf" => {
                    let arms = v.as_array().map(Vec::as_slice).unwrap_or_default();
                    // A single-arm `allOf: [$ref]` is the referenced type itself.
                    if k == "allOf" && arms.len() == 1 && is_plain(&arms[0]) {
                        continue;
                    }
                    if node.ty != k.as_str() {
                        // A second union keyword next to the first: keep it visible.
                        node.other.insert(k.clone(), v.to_string());
                        continue;
                    }
                    for (i, arm) in arms.iter().enumerate() {
                        if is_plain(arm) {
                            node.arms.push(head(arm));
                        } else {
                            node.arms.push(format!("#{i} {}", head(arm)));
                            children.push((arm, child(format!("#{i}"), Place::Nested, None)));
                        }
                    }
                }
                "discriminator" => {
                    node.discriminator = Some(
                        v.get("propertyName")
                            .and_then(Value::as_str)
                            .unwrap_or("?")
                            .to_owned(),
                    );
                    for (value, target) in v
                        .get("mapping")
                        .and_then(Value::as_object)
                        .into_iter()
                        .flatten()
                    {
                        let target = target
                            .as_str()
                            .or_else(|| target.get("$ref").and_then(Value::as_str))
                            .map_or_else(|| target.to_string(), ref_display);
                        node.mapping.insert(value.clone(), target);
                    }
                    for (dk, dv) in v.as_object().into_iter().flatten() {
                        if dk != "propertyName" && dk != "mapping" {
                            node.cosmetic
                                .insert(format!("discriminator.{dk}"), dv.clone());
                        }
                    }
                }
                _ if CONSTRAINT_KEYWORDS.contains(&k.as_str()) => {
                    node.constraints.insert(k.clone(), v.to_string());
                }
                _ if is_cosmetic(k) => {
                    node.cosmetic.insert(k.clone(), v.clone());
                }
                _ if STRUCTURAL.contains(&k.as_str()) => {}
                _ => {
                    node.other.insert(k.clone(), v.to_string());
                }
            }
        }
        self.nodes.insert(key, node);
        for (schema, origin) in children {
            self.add(schema, origin);
        }
    }

    /// Mark each node with the directions its data travels: components by reachability from
    /// request and response roots, operation parts by what they are.
    fn assign_directions(&mut self) {
        let doc = self.doc;
        let mut graph: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
        for (name, schema) in doc
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let mut refs = BTreeSet::new();
            collect_refs(schema, &mut refs);
            graph.insert(name, refs);
        }
        let reach = |roots: &BTreeSet<String>| {
            let mut seen: BTreeSet<String> = BTreeSet::new();
            let mut todo: Vec<String> = roots.iter().cloned().collect();
            while let Some(name) = todo.pop() {
                if seen.insert(name.clone()) {
                    todo.extend(graph.get(name.as_str()).into_iter().flatten().cloned());
                }
            }
            seen
        };
        let request = reach(&self.request_refs);
        let response = reach(&self.response_refs);
        // The component each node belongs to, or the operation part.
        let keys: Vec<String> = self.nodes.keys().cloned().collect();
        for key in keys {
            let mut root = key.clone();
            while let Some(parent) = self.nodes.get(&root).and_then(|n| n.parent.clone()) {
                root = parent;
            }
            let Some(root_node) = self.nodes.get(&root) else {
                continue;
            };
            let direction = match root_node.place {
                Place::Param | Place::Body => Direction {
                    request: true,
                    response: false,
                },
                Place::Response | Place::Header => Direction {
                    request: false,
                    response: true,
                },
                _ => Direction {
                    request: request.contains(&root),
                    response: response.contains(&root),
                },
            };
            if let Some(node) = self.nodes.get_mut(&key) {
                node.direction = direction;
            }
        }
    }
}

/// The documentation entries of a parameter/body/response/header/media object, keyed
/// `prefix.key`; `skip` lists the keys interpreted elsewhere.
fn prefixed(holder: &Value, prefix: &str, skip: &[&str]) -> BTreeMap<String, Value> {
    cosmetic_of(holder, |k| !skip.contains(&k) && k != "$ref")
        .into_iter()
        .map(|(k, v)| (format!("{prefix}.{k}"), v))
        .collect()
}

/// Effective security alternatives: `none` for anonymous access (no requirement, an empty list
/// or an empty requirement object), else `a + b[scope]` per requirement object.
fn security_alternatives(security: Option<&Value>) -> BTreeSet<String> {
    let mut alternatives = BTreeSet::new();
    for requirement in security.and_then(Value::as_array).into_iter().flatten() {
        let mut schemes: Vec<String> = requirement
            .as_object()
            .into_iter()
            .flatten()
            .map(|(name, scopes)| {
                let scopes: Vec<&str> = scopes
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                if scopes.is_empty() {
                    name.clone()
                } else {
                    format!("{name}[{}]", scopes.join(" "))
                }
            })
            .collect();
        schemes.sort();
        alternatives.insert(if schemes.is_empty() {
            "none".to_owned()
        } else {
            schemes.join(" + ")
        });
    }
    if alternatives.is_empty() {
        alternatives.insert("none".to_owned());
    }
    alternatives
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(paths: Value, schemas: Value) -> Value {
        json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
               "paths": paths, "components": {"schemas": schemas}})
    }

    #[test]
    fn fields_show_type_required_and_nullable() {
        let d = doc(
            json!({}),
            json!({"TokenResponse": {"type": "object", "required": ["access_token"],
                "properties": {
                    "access_token": {"type": "string", "title": "Access Token"},
                    "id_token": {"type": "string", "nullable": true, "description": "x"},
                    "expires_at": {"type": "string", "format": "date-time"}}}}),
        );
        assert_eq!(
            surface(&d),
            "info version: 1\n\
             schema TokenResponse: object\n\
             field TokenResponse.access_token: string, required\n\
             field TokenResponse.expires_at: string(date-time), optional\n\
             field TokenResponse.id_token: string, optional, nullable\n"
        );
    }

    #[test]
    fn enum_values_are_sorted_one_per_line() {
        let d = doc(
            json!({}),
            json!({"Scope": {"type": "string", "enum": ["openid", "email", "metrics:write"],
                             "enumNames": {"openid": "OpenID"}}}),
        );
        let s = surface(&d);
        assert!(
            s.contains(
                "schema Scope: string\nenum Scope = \"email\"\nenum Scope = \"metrics:write\"\n\
                 enum Scope = \"openid\"\n"
            ),
            "{s}"
        );
        assert!(!s.contains("OpenID"), "{s}");
    }

    #[test]
    fn operations_list_parameters_body_responses_and_unions() {
        let d = doc(
            json!({"/v1/x/{id}": {
                "parameters": [{"name": "id", "in": "path", "required": true,
                                "schema": {"type": "string"}}],
                "delete": {"operationId": "x:delete", "summary": "Delete",
                    "responses": {"204": {"description": "Deleted"}}},
                "post": {"operationId": "x:post", "security": [{}],
                    "parameters": [{"name": "q", "in": "query", "schema": {"type": "integer"}}],
                    "requestBody": {"required": true, "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/A"}}}},
                    "responses": {"200": {"content": {"application/json": {"schema": {
                        "oneOf": [{"$ref": "#/components/schemas/A"},
                                  {"type": "object", "properties": {"k": {"type": "string"}}}],
                        "discriminator": {"propertyName": "k",
                            "mapping": {"a": "#/components/schemas/A"}}}}}}}}}}),
            json!({"A": {"type": "object"}}),
        );
        let expected = "\
info version: 1
operation DELETE /v1/x/{id}: x:delete
security DELETE /v1/x/{id}: none
param DELETE /v1/x/{id} path:id: string, required
response DELETE /v1/x/{id} 204: none
operation POST /v1/x/{id}: x:post
security POST /v1/x/{id}: none
param POST /v1/x/{id} path:id: string, required
param POST /v1/x/{id} query:q: integer, optional
body POST /v1/x/{id} body: A, required, application/json
response POST /v1/x/{id} 200: oneOf, application/json
arm POST /v1/x/{id} 200 = A
arm POST /v1/x/{id} 200 = #1 object
discriminator POST /v1/x/{id} 200: k
mapping POST /v1/x/{id} 200 = a -> A
schema POST /v1/x/{id} 200#1: object
field POST /v1/x/{id} 200#1.k: string, optional
schema A: object
";
        assert_eq!(surface(&d), expected);
    }

    #[test]
    fn nested_items_and_maps_get_their_own_lines_only_when_not_plain() {
        let d = doc(
            json!({}),
            json!({"C": {"type": "object", "properties": {
                "uris": {"type": "array", "items": {"type": "string", "format": "uri",
                                                     "minLength": 1}},
                "scopes": {"type": "array", "items": {"$ref": "#/components/schemas/Scope"}},
                "names": {"type": "object", "additionalProperties": {"type": "string"}},
                "grants": {"type": "array", "items": {"type": "string",
                                                       "enum": ["refresh_token"]}}}}}),
        );
        let s = surface(&d);
        for expected in [
            "field C.uris: array<string(uri)>, optional\nschema C.uris[]: string(uri)\n\
             constraint C.uris[]: minLength = 1\n",
            "field C.scopes: array<Scope>, optional\n",
            "field C.names: map<string>, optional\n",
            "schema C.grants[]: string\nenum C.grants[] = \"refresh_token\"\n",
        ] {
            assert!(s.contains(expected), "missing {expected:?} in\n{s}");
        }
        assert!(!s.contains("C.scopes[]"), "{s}");
        assert!(!s.contains("C.names{}"), "{s}");
    }

    #[test]
    fn downgraded_nullable_ref_shows_the_referenced_type() {
        let mut d = json!({"openapi": "3.1.0", "paths": {}, "components": {"schemas": {
            "R": {"type": "object", "required": ["sub"], "properties": {"sub": {
                "anyOf": [{"$ref": "#/components/schemas/U"}, {"type": "null"}]}}},
            "U": {"type": "object"}}}});
        downgrade::downgrade(&mut d).unwrap();
        assert!(
            surface(&d).contains("field R.sub: U, required, nullable\n"),
            "{}",
            surface(&d)
        );
    }

    #[test]
    fn directions_follow_references_from_requests_and_responses() {
        let d = doc(
            json!({"/t": {"post": {
                "requestBody": {"content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Req"}}}},
                "responses": {"200": {"content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Resp"}}}}}}}}),
            json!({"Req": {"properties": {"s": {"$ref": "#/components/schemas/Shared"}}},
                   "Resp": {"properties": {"s": {"$ref": "#/components/schemas/Shared"}}},
                   "Shared": {"type": "string"}, "Unused": {"type": "string"}}),
        );
        let s = Surface::from_doc(&d);
        let dir = |k: &str| {
            let d = s.nodes[k].direction;
            (d.request, d.response)
        };
        assert_eq!(dir("Req"), (true, false));
        assert_eq!(dir("Req.s"), (true, false));
        assert_eq!(dir("Resp"), (false, true));
        assert_eq!(dir("Shared"), (true, true));
        assert_eq!(dir("Unused"), (false, false));
        assert_eq!(dir("POST /t body"), (true, false));
        assert_eq!(dir("POST /t 200"), (false, true));
    }

    #[test]
    fn key_order_does_not_change_the_listing() {
        let a = doc(
            json!({"/a": {"get": {"operationId": "a", "responses": {}}},
                   "/b": {"get": {"operationId": "b", "responses": {}}}}),
            json!({"S": {"type": "object", "required": ["x", "y"],
                         "properties": {"x": {"type": "string"}, "y": {"type": "integer"}}}}),
        );
        let b = doc(
            json!({"/b": {"get": {"responses": {}, "operationId": "b"}},
                   "/a": {"get": {"operationId": "a", "responses": {}}}}),
            json!({"S": {"properties": {"y": {"type": "integer"}, "x": {"type": "string"}},
                         "required": ["y", "x"], "type": "object"}}),
        );
        assert_eq!(surface(&a), surface(&b));
    }

    #[test]
    fn security_alternatives_are_rendered_and_sorted() {
        assert_eq!(
            security_alternatives(Some(&json!([{"pat": []}, {"oidc": ["openid"]}]))),
            BTreeSet::from(["oidc[openid]".to_owned(), "pat".to_owned()])
        );
        assert_eq!(
            security_alternatives(Some(&json!([{}]))),
            BTreeSet::from(["none".to_owned()])
        );
        assert_eq!(
            security_alternatives(None),
            BTreeSet::from(["none".to_owned()])
        );
    }

    #[test]
    fn vendored_spec_lists_scopes_and_the_token_response() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec");
        let s = surface_dir(&dir).unwrap();
        assert!(
            s.contains("enum Scope = \"openid\"\n"),
            "{}",
            &s[..s.len().min(2000)]
        );
        assert!(s.contains("operation POST /v1/oauth2/token: oauth2:request_token\n"));
        assert!(s.contains("field TokenResponse.access_token: string, required\n"));
        assert!(!s.contains("description"));
    }
}
