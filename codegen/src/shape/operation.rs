//! Rewrites of one operation: the authorize query parameters the spec omits, error responses
//! handed over raw, several success bodies made raw bytes.

use serde_json::{Value, json};

use crate::error::Error;

/// The query parameters Polar's server reads on `GET /v1/oauth2/authorize` but the spec omits
/// (the consent screen passes the authorization request through, RFC 6749 §4.1.1 + PKCE).
pub(crate) const AUTHORIZE_QUERY_PARAMETERS: [&str; 10] = [
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "prompt",
    "code_challenge",
    "code_challenge_method",
    "sub_type",
];

/// The `parameters` list of the operation at `op_ptr`, made empty if it has none.
pub(crate) fn parameters_mut<'d>(
    doc: &'d mut Value,
    op_ptr: &str,
) -> Result<&'d mut Vec<Value>, Error> {
    let op = doc
        .pointer_mut(op_ptr)
        .and_then(Value::as_object_mut)
        .ok_or_else(|| Error::at(op_ptr, "expected an operation"))?;
    op.entry("parameters")
        .or_insert_with(|| json!([]))
        .as_array_mut()
        .ok_or_else(|| Error::at(format!("{op_ptr}/parameters"), "expected a list"))
}

/// Add the authorization-request query parameters the spec omits. Parameters the spec already
/// declares are left as they are.
pub(crate) fn authorize_query_parameters(doc: &mut Value, op_ptr: &str) -> Result<(), Error> {
    let params = parameters_mut(doc, op_ptr)?;
    let declared = |params: &Vec<Value>, name: &str, place: &str| {
        params.iter().any(|p| {
            p.get("name").and_then(Value::as_str) == Some(name)
                && p.get("in").and_then(Value::as_str) == Some(place)
        })
    };
    for name in AUTHORIZE_QUERY_PARAMETERS {
        if !declared(params, name, "query") {
            params.push(json!({"name": name, "in": "query", "required": false,
                               "schema": {"type": "string"}}));
        }
    }
    Ok(())
}

/// The facade decodes every non-2xx response itself (RFC 6749 §5.2 errors, FastAPI 422s, HTML
/// from a proxy), so the generated methods should hand them over raw rather than half-typed.
pub(crate) fn facade_decodes_errors(doc: &mut Value, op_ptr: &str) {
    let responses = doc
        .pointer_mut(&format!("{op_ptr}/responses"))
        .and_then(Value::as_object_mut);
    if let Some(responses) = responses {
        responses.retain(|status, _| status.starts_with('2'));
    }
}

/// progenitor asserts that an operation's successful responses have one type. When several
/// 2xx responses of one operation carry different bodies (a JSON 200 and an empty 202), they
/// all become raw bytes (`application/octet-stream`): the generated method then returns the
/// byte stream with its status, and the caller decodes by status. One body type (or the same
/// schema under several statuses) is left as it is.
pub(crate) fn one_success_body(doc: &mut Value, op_ptr: &str) -> Result<(), Error> {
    let Some(responses) = doc
        .pointer_mut(&format!("{op_ptr}/responses"))
        .and_then(Value::as_object_mut)
    else {
        return Ok(());
    };
    let kind = |response: &Value| {
        let content = response.get("content").and_then(Value::as_object);
        match content.filter(|c| !c.is_empty()) {
            None => json!("none"),
            Some(content) => content
                .iter()
                .find(|(media, _)| {
                    *media == "application/json" || media.starts_with("application/json;")
                })
                .map_or_else(
                    || json!("raw"),
                    |(_, mt)| mt.get("schema").cloned().unwrap_or(json!({})),
                ),
        }
    };
    let mut kinds: Vec<Value> = Vec::new();
    for response in responses.values() {
        let k = kind(response);
        if !kinds.contains(&k) {
            kinds.push(k);
        }
    }
    if kinds.len() <= 1 {
        return Ok(());
    }
    for response in responses.values_mut() {
        if let Some(response) = response.as_object_mut() {
            response.insert(
                "content".into(),
                json!({"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}),
            );
        }
    }
    Ok(())
}
