//! Which way a schema's data travels: sent (reachable from a parameter or request body), read
//! (reachable from a response), or both.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::builder::Builder;
use super::model::{Direction, NodeId, Place};
use super::schema::collect_refs;

impl Builder<'_> {
    /// Mark each node with the directions its data travels: components by reachability from
    /// request and response roots, operation parts by what they are.
    pub(super) fn assign_directions(&mut self) {
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
        // Parents come before their children: a node's root is its parent's.
        let mut roots: Vec<NodeId> = Vec::with_capacity(self.nodes.len());
        for id in 0..self.nodes.len() {
            let root = self.nodes[id].parent.map_or(id, |p| roots[p]);
            roots.push(root);
            let root_node = &self.nodes[root];
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
                    request: request.contains(&root_node.name),
                    response: response.contains(&root_node.name),
                },
            };
            self.nodes[id].direction = direction;
        }
    }
}
