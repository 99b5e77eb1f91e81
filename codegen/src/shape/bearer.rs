//! Whether an operation takes a bearer token, from its `security`.

use serde_json::Value;

/// How an operation authenticates, as far as the client is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bearer {
    /// No `Authorization` header: the client never sends one.
    None,
    /// `Authorization: Bearer …` may be sent (an anonymous alternative exists).
    Optional,
    /// `Authorization: Bearer …` is required.
    Required,
}

/// Whether the operation at `op_ptr` takes a bearer token (RFC 6750 §2.1), from its `security`
/// (or the document's): an `http` `bearer`, `oauth2` or `openIdConnect` scheme means a bearer
/// token in `Authorization`; an empty requirement `{}`, or Polar's `x-polar-allowed-subjects`
/// listing `Anonymous`, makes it optional. An operation without `security` in a document that
/// describes no security schemes at all (Polar's documents before 2026-08 did not) is taken to
/// require one, unless it says `security: [{}]`.
pub fn bearer(doc: &Value, op_ptr: &str) -> Bearer {
    let schemes = doc
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object);
    let requirements = doc
        .pointer(op_ptr)
        .and_then(|op| op.get("security"))
        .or_else(|| doc.get("security"))
        .and_then(Value::as_array);
    let Some(requirements) = requirements else {
        return if schemes.is_none_or(|s| s.is_empty()) {
            Bearer::Required
        } else {
            Bearer::None
        };
    };
    let is_bearer = |name: &str| {
        schemes.and_then(|s| s.get(name)).is_some_and(|scheme| {
            let kind = scheme.get("type").and_then(Value::as_str);
            let http = scheme.get("scheme").and_then(Value::as_str);
            matches!(kind, Some("oauth2" | "openIdConnect"))
                || (kind == Some("http") && http.is_some_and(|s| s.eq_ignore_ascii_case("bearer")))
        })
    };
    let mut any_bearer = false;
    let mut anonymous = false;
    for requirement in requirements {
        match requirement.as_object() {
            Some(r) if r.is_empty() => anonymous = true,
            Some(r) if r.keys().any(|name| is_bearer(name)) => any_bearer = true,
            _ => {}
        }
    }
    let allows_anonymous = doc
        .pointer(op_ptr)
        .and_then(|op| op.get("x-polar-allowed-subjects"))
        .and_then(Value::as_array)
        .is_some_and(|subjects| subjects.iter().any(|s| s == "Anonymous"));
    match (any_bearer, anonymous || allows_anonymous) {
        (false, _) => Bearer::None,
        (true, true) => Bearer::Optional,
        (true, false) => Bearer::Required,
    }
}
