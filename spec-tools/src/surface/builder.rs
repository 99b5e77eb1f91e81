//! The surface being read from one document, and one schema flattened into nodes: its own, and
//! one per inline child (field, items, map values, union arm) its parent's type head does not
//! show.

use std::collections::{BTreeMap, BTreeSet};

use polar_oauth2_codegen::downgrade::CONSTRAINT_KEYWORDS;
use serde_json::{Map, Value};

use super::model::{Node, NodeId, Place};
use super::schema::{STRUCTURAL, flatten_single_all_of, head, is_cosmetic, is_plain, ref_display};

/// The surface being read from one document.
pub(super) struct Builder<'a> {
    pub(super) doc: &'a Value,
    pub(super) nodes: Vec<Node>,
    pub(super) keys: BTreeMap<(Option<NodeId>, String), NodeId>,
    /// Components referenced from parameters and request bodies.
    pub(super) request_refs: BTreeSet<String>,
    /// Components referenced from responses.
    pub(super) response_refs: BTreeSet<String>,
}

/// Where a node comes from, for [`Builder::add`].
pub(super) struct Origin {
    /// The node's own name (see [`Node::name`]).
    pub(super) name: String,
    pub(super) place: Place,
    pub(super) parent: Option<NodeId>,
    pub(super) op: Option<String>,
    pub(super) required: Option<bool>,
    pub(super) media: Option<String>,
    /// Documentation of the holder (parameter, body, response), already prefixed.
    pub(super) cosmetic: BTreeMap<String, Value>,
}

impl Builder<'_> {
    /// Add the node for `schema` at `origin`, and nodes for its inline children.
    pub(super) fn add(&mut self, schema: &Value, origin: Origin) -> NodeId {
        let mut node = Node::new(origin.place, origin.parent, origin.name, origin.op.clone());
        node.required = origin.required;
        node.media = origin.media;
        node.cosmetic = origin.cosmetic;
        node.ty = head(schema);
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
        let child = |name: String, place: Place, required: Option<bool>| Origin {
            name,
            place,
            parent: None,
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
        let id = self.insert(node);
        for (schema, mut origin) in children {
            origin.parent = Some(id);
            self.add(schema, origin);
        }
        id
    }

    /// Store `node` under its parent and name (replacing a node of the same key).
    pub(super) fn insert(&mut self, node: Node) -> NodeId {
        let key = (node.parent, node.name.clone());
        match self.keys.get(&key) {
            Some(&id) => {
                self.nodes[id] = node;
                id
            }
            None => {
                let id = self.nodes.len();
                self.nodes.push(node);
                self.keys.insert(key, id);
                id
            }
        }
    }
}
