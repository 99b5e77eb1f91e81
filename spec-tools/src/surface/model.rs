//! What a surface is made of: nodes in an arena keyed by (parent, own name), operations,
//! security schemes, and the direction data travels.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

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

/// A node's index in [`Surface`]'s arena.
pub(crate) type NodeId = usize;

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

/// One schema position, flattened: its type head and everything a client depends on.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    /// Where it sits.
    pub(crate) place: Place,
    /// The enclosing node, if any (`None` for components and operation parts).
    pub(crate) parent: Option<NodeId>,
    /// Its own name: the whole key of a root (`TokenResponse`, `GET /p 200`), else the suffix
    /// below its parent (`.field`, `[]`, `{}`, `#0`).
    pub(crate) name: String,
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
    pub(super) fn new(
        place: Place,
        parent: Option<NodeId>,
        name: String,
        op: Option<String>,
    ) -> Self {
        Node {
            place,
            parent,
            name,
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
    /// Every schema position; a parent comes before its children.
    pub(crate) nodes: Vec<Node>,
    /// The nodes by (parent, own name).
    pub(crate) keys: BTreeMap<(Option<NodeId>, String), NodeId>,
    /// Top-level documentation: `info`, `tags`, `externalDocs`, `x-` extensions.
    pub(crate) cosmetic: BTreeMap<String, Value>,
}

impl Surface {
    /// The node named `name` below `parent` (a root when `parent` is `None`).
    pub(crate) fn child(&self, parent: Option<NodeId>, name: &str) -> Option<NodeId> {
        self.keys.get(&(parent, name.to_owned())).copied()
    }

    /// The children of `parent` (the roots when `None`), by own name.
    pub(crate) fn children(
        &self,
        parent: Option<NodeId>,
    ) -> impl Iterator<Item = (&str, NodeId)> + '_ {
        let end = match parent {
            None => (Some(0), String::new()),
            Some(id) => (Some(id + 1), String::new()),
        };
        self.keys
            .range((parent, String::new())..end)
            .map(|((_, name), id)| (name.as_str(), *id))
    }

    /// The full path of a node (`TokenResponse.scopes[]`): its ancestors' names and its own.
    #[cfg(test)]
    pub(crate) fn path(&self, id: NodeId) -> String {
        let (mut chain, mut at) = (vec![id], id);
        while let Some(parent) = self.nodes[at].parent {
            chain.push(parent);
            at = parent;
        }
        chain
            .iter()
            .rev()
            .map(|&i| self.nodes[i].name.as_str())
            .collect()
    }

    /// The root a node belongs to (itself for a root).
    pub(crate) fn root(&self, mut id: NodeId) -> NodeId {
        while let Some(parent) = self.nodes[id].parent {
            id = parent;
        }
        id
    }
}
