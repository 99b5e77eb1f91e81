//! Reading a document's operations (parameters, bodies, responses, headers) and components
//! into nodes.

use std::collections::BTreeMap;

use polar_oauth2_codegen::walk::METHODS;
use serde_json::{Map, Value};

use super::builder::{Builder, Origin};
use super::model::{Node, Operation, Place};
use super::schema::{collect_refs, cosmetic_of, prefixed, security_alternatives};

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

    pub(super) fn operations(&mut self) -> BTreeMap<(String, String), Operation> {
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
            let any = Value::Object(Map::new());
            let id = self.add(
                schema.unwrap_or(&any),
                Origin {
                    name: format!("{label} {location}:{name}"),
                    place: Place::Param,
                    parent: None,
                    op: Some(label.to_owned()),
                    required: Some(param.get("required") == Some(&Value::Bool(true))),
                    media,
                    cosmetic,
                },
            );
            self.nodes[id].other.extend(other);
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
                        name: format!("{key} header:{name}"),
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
            let mut node = Node::new(place, None, String::new(), Some(label.to_owned()));
            node.ty = "none".into();
            node.required = required;
            node.cosmetic = cosmetic;
            node.status = status.cloned();
            node.name = key.to_owned();
            self.insert(node);
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
            let id = self.add(
                entry.get("schema").unwrap_or(&Value::Bool(true)),
                Origin {
                    name: key,
                    place,
                    parent: None,
                    op: Some(label.to_owned()),
                    required,
                    media: Some(media.clone()),
                    cosmetic,
                },
            );
            let node = &mut self.nodes[id];
            node.status = status.cloned();
            // How a form body encodes its fields changes what is sent.
            if let Some(encoding) = entry.get("encoding") {
                node.other.insert("encoding".into(), encoding.to_string());
            }
        }
    }

    pub(super) fn components(&mut self) {
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
                    name: name.clone(),
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
}
