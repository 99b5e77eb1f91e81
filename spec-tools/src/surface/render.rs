//! The listing: one item per line, every line naming its item in full, in a stable order.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::model::{Node, NodeId, Place, Surface};

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

impl Surface {
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
        // Every line names its node in full, so the paths are as large as the listing itself.
        let mut paths: Vec<String> = Vec::with_capacity(self.nodes.len());
        for node in &self.nodes {
            let parent = node.parent.map_or("", |p| paths[p].as_str());
            paths.push(format!("{parent}{}", node.name));
        }
        let mut by_op: BTreeMap<&str, Vec<NodeId>> = BTreeMap::new();
        let mut components: Vec<NodeId> = Vec::new();
        for (id, node) in self.nodes.iter().enumerate() {
            match &node.op {
                Some(op) => by_op.entry(op.as_str()).or_default().push(id),
                None => components.push(id),
            }
        }
        for op in self.operations.values() {
            let id = op.id.as_deref().unwrap_or("(no operationId)");
            line(&mut out, format_args!("operation {}: {id}", op.label));
            let security = op.security.iter().cloned().collect::<Vec<_>>().join(" | ");
            line(&mut out, format_args!("security {}: {security}", op.label));
            // Parameters, then the request body, then the responses.
            let mut parts = by_op.remove(op.label.as_str()).unwrap_or_default();
            parts.sort_by(|&a, &b| (self.rank(a), &paths[a]).cmp(&(self.rank(b), &paths[b])));
            for id in parts {
                render_node(&mut out, &paths[id], &self.nodes[id]);
            }
        }
        components.sort_by(|&a, &b| paths[a].cmp(&paths[b]));
        for id in components {
            render_node(&mut out, &paths[id], &self.nodes[id]);
        }
        out
    }

    /// Where an operation's node is listed: parameters, body, responses.
    fn rank(&self, id: NodeId) -> u8 {
        match self.nodes[self.root(id)].place {
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
