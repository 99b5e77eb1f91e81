//! The credential header parameters the generated methods take. progenitor generates no
//! authentication, so each way Polar's server lets a caller in becomes an optional header
//! parameter here, and only there: an operation that takes no credential of a kind has no
//! parameter through which one could be sent.
//!
//! - `Authorization` on an operation whose `security` asks for a bearer (RFC 6750 §2.1), see
//!   [`shape::bearer`](crate::shape::bearer);
//! - `Authorization` on an operation whose request body carries `client_secret`: the client's
//!   credentials as HTTP Basic instead (`client_secret_basic`, RFC 6749 §2.3.1), which Polar's
//!   token endpoint requires of a client registered with that method;
//! - `Cookie` on an operation that takes a bearer and whose `x-polar-allowed-subjects` lets a
//!   `User` in: Polar reads a signed-in user's web session only from its session cookie, never
//!   from a bearer.
//!
//! Every parameter is optional in the generated signature even where the spec requires it, so
//! that a signature does not change when Polar moves an operation between "required" and
//! "optional": the facade passes the credential wherever the operation needs one.

use serde_json::{Value, json};

use super::bearer::{Bearer, bearer};
use super::lookup::operations;
use super::operation::parameters_mut;
use crate::error::Error;

/// Add the credential header parameters to every operation of `doc` (see the module docs).
pub fn credential_parameters(doc: &mut Value) -> Result<(), Error> {
    for op_ptr in operations(doc) {
        let takes_bearer = bearer(doc, &op_ptr) != Bearer::None;
        let authorization = takes_bearer || body_has_client_secret(doc, &op_ptr);
        let cookie = takes_bearer && admits_web_user(doc, &op_ptr);
        for (wanted, name) in [(authorization, "Authorization"), (cookie, "Cookie")] {
            if wanted {
                set_header_parameter(doc, &op_ptr, name)?;
            }
        }
    }
    Ok(())
}

/// Whether Polar lets a signed-in user in (`x-polar-allowed-subjects` lists `User`).
pub fn admits_web_user(doc: &Value, op_ptr: &str) -> bool {
    doc.pointer(op_ptr)
        .and_then(|op| op.get("x-polar-allowed-subjects"))
        .and_then(Value::as_array)
        .is_some_and(|subjects| subjects.iter().any(|s| s == "User"))
}

/// Whether the operation's request body (any media type, any arm of a union) has a
/// `client_secret` property: the client authenticates itself on this operation.
pub fn body_has_client_secret(doc: &Value, op_ptr: &str) -> bool {
    let content = doc
        .pointer(op_ptr)
        .and_then(|op| op.pointer("/requestBody/content"))
        .and_then(Value::as_object);
    content.into_iter().flatten().any(|(_, media)| {
        media
            .get("schema")
            .is_some_and(|schema| has_property(doc, schema, "client_secret", 0))
    })
}

/// How many `$ref`/union levels [`has_property`] follows: a request body is a union of flat
/// forms, a few levels at most; the bound keeps a cyclic document from looping.
const MAX_DEPTH: usize = 8;

fn has_property(doc: &Value, schema: &Value, name: &str, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    if let Some(target) = schema.get("$ref").and_then(Value::as_str) {
        return target
            .strip_prefix('#')
            .and_then(|ptr| doc.pointer(ptr))
            .is_some_and(|s| has_property(doc, s, name, depth + 1));
    }
    if schema
        .get("properties")
        .and_then(Value::as_object)
        .is_some_and(|p| p.contains_key(name))
    {
        return true;
    }
    ["oneOf", "anyOf", "allOf"].iter().any(|key| {
        schema
            .get(*key)
            .and_then(Value::as_array)
            .is_some_and(|arms| arms.iter().any(|a| has_property(doc, a, name, depth + 1)))
    })
}

/// Replace any header parameter called `name` (any letter case) by an optional string one.
fn set_header_parameter(doc: &mut Value, op_ptr: &str, name: &str) -> Result<(), Error> {
    let params = parameters_mut(doc, op_ptr)?;
    params.retain(|p| {
        !(p.get("in").and_then(Value::as_str) == Some("header")
            && p.get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| n.eq_ignore_ascii_case(name)))
    });
    params.push(json!({"name": name, "in": "header", "required": false,
                       "schema": {"type": "string"}}));
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn doc() -> Value {
        json!({
            "openapi": "3.0.3",
            "components": {
                "securitySchemes": {"oidc": {"type": "openIdConnect", "openIdConnectUrl": "/x"}},
                "schemas": {
                    "Grant": {"oneOf": [{"$ref": "#/components/schemas/Code"}]},
                    "Code": {"type": "object", "properties": {"client_secret": {"type": "string"}}}
                }
            },
            "paths": {
                "/token": {"post": {"requestBody": {"content": {"application/x-www-form-urlencoded":
                    {"schema": {"$ref": "#/components/schemas/Grant"}}}}}},
                "/consent": {"get": {"security": [{"oidc": []}],
                    "x-polar-allowed-subjects": ["Anonymous", "User"]}},
                "/userinfo": {"get": {"security": [{"oidc": []}]}},
                "/public": {"get": {"security": [{}]}}
            }
        })
    }

    fn headers(doc: &Value, path: &str, method: &str) -> Vec<String> {
        doc["paths"][path][method]["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "header")
            .map(|p| p["name"].as_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn each_credential_goes_where_polar_accepts_it_and_nowhere_else() {
        let mut d = doc();
        credential_parameters(&mut d).unwrap();
        assert_eq!(headers(&d, "/token", "post"), ["Authorization"]);
        assert_eq!(headers(&d, "/consent", "get"), ["Authorization", "Cookie"]);
        assert_eq!(headers(&d, "/userinfo", "get"), ["Authorization"]);
        assert!(headers(&d, "/public", "get").is_empty());
    }

    #[test]
    fn a_header_the_document_declares_is_replaced_not_doubled() {
        let mut d = doc();
        d["paths"]["/userinfo"]["get"]["parameters"] =
            json!([{"name": "authorization", "in": "header", "required": true}]);
        credential_parameters(&mut d).unwrap();
        credential_parameters(&mut d).unwrap();
        assert_eq!(headers(&d, "/userinfo", "get"), ["Authorization"]);
        assert_eq!(
            d["paths"]["/userinfo"]["get"]["parameters"][0]["required"],
            json!(false)
        );
    }

    #[test]
    fn a_cyclic_body_schema_ends() {
        let mut d = doc();
        d["components"]["schemas"]["Code"] =
            json!({"oneOf": [{"$ref": "#/components/schemas/Grant"}]});
        credential_parameters(&mut d).unwrap();
        assert!(headers(&d, "/token", "post").is_empty());
    }
}
