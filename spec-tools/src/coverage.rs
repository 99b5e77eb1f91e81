//! Does the hand-written facade handle everything the spec's unions can hold?
//!
//! The facade replaces three generated types with hand-written ones: the authorize response
//! (chosen by `sub_type`), the token request (chosen by `grant_type`) and the token response.
//! When Polar adds a `team` sub_type, a `client_credentials` grant or a token-request field, the
//! build still succeeds (the replacement hides the new schema), so this check names what the
//! facade is missing. New scopes are *not* reported: `Scope` is open and they decode as
//! `Scope::Unknown`; they show in the API-surface snapshot instead.

use serde_json::Value;

use polar_oauth2_codegen::shape::{
    AUTHORIZE_OPERATION, TOKEN_OPERATION, component_name, find_operation,
};

/// Request fields the facade may leave out so that the server's `default` applies:
/// `(schema, field)` of `components/schemas`.
///
/// The single source of truth for "the crate relies on the server's default here": when Polar
/// changes one of these defaults, the same code silently gets a different result, and
/// [`crate::drift`] reports a `behaviour` change (which fails the check) instead of a cosmetic
/// one. **Keep it in step with the facade**: a call that can omit a defaulted field must list it
/// here, and a field the facade always sends must not be listed.
///
/// - `WebTokenRequest.sub_type`: `WebGrant` omits `sub_type` unless set.
/// - `OAuth2ClientConfiguration` (register) and `OAuth2ClientConfigurationUpdate` (update):
///   the registration calls may omit the authentication method, grant and response types, the
///   scope and the default `sub_type` (Polar changed `default_sub_type`'s default from
///   `organization` to `user` on 2026-08-20).
pub const SERVER_DEFAULTED_FIELDS: &[(&str, &str)] = &[
    ("WebTokenRequest", "sub_type"),
    ("OAuth2ClientConfiguration", "token_endpoint_auth_method"),
    ("OAuth2ClientConfiguration", "grant_types"),
    ("OAuth2ClientConfiguration", "response_types"),
    ("OAuth2ClientConfiguration", "scope"),
    ("OAuth2ClientConfiguration", "default_sub_type"),
    (
        "OAuth2ClientConfigurationUpdate",
        "token_endpoint_auth_method",
    ),
    ("OAuth2ClientConfigurationUpdate", "grant_types"),
    ("OAuth2ClientConfigurationUpdate", "response_types"),
    ("OAuth2ClientConfigurationUpdate", "scope"),
    ("OAuth2ClientConfigurationUpdate", "default_sub_type"),
];

/// What the facade handles (the library passes its constants in; this crate does not depend
/// on the library).
#[derive(Debug, Clone, Copy)]
pub struct Handled<'a> {
    /// `sub_type` values `AuthorizeResponse` decodes.
    pub sub_types: &'a [&'a str],
    /// `grant_type` values `TokenRequest` sends, each with the form fields it can write.
    pub grants: &'a [(&'a str, &'a [&'a str])],
    /// Fields `Token` reads from a token response.
    pub token_response_fields: &'a [&'a str],
    /// Other schemas the facade replaces by hand-written types: (schema, the Rust type, the
    /// fields it sends or reads). Every property of the schema must be among them.
    pub schema_fields: &'a [(&'a str, &'a str, &'a [&'a str])],
}

/// Everything in `doc` (a downgraded, *unshaped* document) the facade does not handle, one
/// readable line each; empty when covered.
pub fn uncovered(doc: &Value, handled: &Handled<'_>) -> Vec<String> {
    let mut missing = Vec::new();
    authorize_union(doc, handled, &mut missing);
    token_union(doc, handled, &mut missing);
    token_response(doc, handled, &mut missing);
    schema_fields(doc, handled, &mut missing);
    for field in polar_oauth2_codegen::secrets::unclassified(doc) {
        missing.push(format!(
            "field {field} looks like a secret but is in neither table of codegen/src/secrets.rs"
        ));
    }
    missing
}

fn schema_fields(doc: &Value, handled: &Handled<'_>, missing: &mut Vec<String>) {
    for (schema_name, rust_type, fields) in handled.schema_fields {
        let Some(schema) = doc.pointer(&format!("/components/schemas/{schema_name}")) else {
            missing.push(format!(
                "schema `{schema_name}` (handled by {rust_type}) is missing"
            ));
            continue;
        };
        for field in properties(schema) {
            if !fields.contains(&field) {
                missing.push(format!(
                    "field `{schema_name}.{field}` is not handled by {rust_type}"
                ));
            }
        }
    }
}

/// The discriminator's values: from `mapping` keys and each arm's one-value `sub_type` enum.
fn authorize_union(doc: &Value, handled: &Handled<'_>, missing: &mut Vec<String>) {
    let Ok(op) = find_operation(doc, AUTHORIZE_OPERATION) else {
        missing.push(format!("operation `{AUTHORIZE_OPERATION}` is missing"));
        return;
    };
    let ptr = format!("{op}/responses/200/content/application~1json/schema");
    let Some(union) = doc.pointer(&ptr) else {
        missing.push(format!("`{AUTHORIZE_OPERATION}` has no 200 JSON response"));
        return;
    };
    let tag = union
        .pointer("/discriminator/propertyName")
        .and_then(Value::as_str)
        .unwrap_or("sub_type");
    let mut values: Vec<String> = union
        .pointer("/discriminator/mapping")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    for arm in arms(union) {
        let name = component_name(arm).unwrap_or("(inline)");
        match arm_schema(doc, arm).and_then(|s| tag_value(s, tag)) {
            Some(value) => values.push(value),
            None => missing.push(format!(
                "authorize response arm `{name}` has no one-value `{tag}` the facade could match"
            )),
        }
    }
    values.sort();
    values.dedup();
    for value in values {
        if !handled.sub_types.contains(&value.as_str()) {
            missing.push(format!(
                "authorize response {tag} `{value}` is not handled by AuthorizeResponse"
            ));
        }
    }
}

fn token_union(doc: &Value, handled: &Handled<'_>, missing: &mut Vec<String>) {
    let Ok(op) = find_operation(doc, TOKEN_OPERATION) else {
        missing.push(format!("operation `{TOKEN_OPERATION}` is missing"));
        return;
    };
    let ptr = format!("{op}/requestBody/content/application~1x-www-form-urlencoded/schema");
    let Some(union) = doc.pointer(&ptr) else {
        missing.push(format!("`{TOKEN_OPERATION}` has no form request body"));
        return;
    };
    for arm in arms(union) {
        let name = component_name(arm).unwrap_or("(inline)");
        let Some(schema) = arm_schema(doc, arm) else {
            missing.push(format!("token request arm `{name}` cannot be resolved"));
            continue;
        };
        let Some(grant) = tag_value(schema, "grant_type") else {
            missing.push(format!(
                "token request arm `{name}` has no one-value `grant_type`"
            ));
            continue;
        };
        let Some((_, fields)) = handled.grants.iter().find(|(g, _)| *g == grant) else {
            missing.push(format!(
                "token request grant_type `{grant}` (`{name}`) is not handled by TokenRequest"
            ));
            continue;
        };
        for field in properties(schema) {
            if !fields.contains(&field) {
                missing.push(format!(
                    "token request field `{name}.{field}` (grant_type `{grant}`) is not sent by TokenRequest"
                ));
            }
        }
    }
}

fn token_response(doc: &Value, handled: &Handled<'_>, missing: &mut Vec<String>) {
    let Some(schema) = doc.pointer("/components/schemas/TokenResponse") else {
        missing.push("schema `TokenResponse` is missing".to_owned());
        return;
    };
    for field in properties(schema) {
        if !handled.token_response_fields.contains(&field) {
            missing.push(format!(
                "token response field `TokenResponse.{field}` is not read by Token"
            ));
        }
    }
}

fn arms(union: &Value) -> impl Iterator<Item = &Value> {
    ["oneOf", "anyOf"]
        .into_iter()
        .filter_map(|k| union.get(k).and_then(Value::as_array))
        .flatten()
}

fn arm_schema<'a>(doc: &'a Value, arm: &'a Value) -> Option<&'a Value> {
    match component_name(arm) {
        Some(name) => doc.pointer(&format!("/components/schemas/{name}")),
        None => Some(arm),
    }
}

/// The single value of property `tag` (`enum: [v]` after the downgrade, or `const: v`).
fn tag_value(schema: &Value, tag: &str) -> Option<String> {
    let prop = schema.get("properties")?.get(tag)?;
    if let Some(v) = prop.get("const").and_then(Value::as_str) {
        return Some(v.to_owned());
    }
    match prop
        .get("enum")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
    {
        Some([Value::String(v)]) => Some(v.clone()),
        _ => None,
    }
}

fn properties(schema: &Value) -> impl Iterator<Item = &str> {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|p| p.keys().map(String::as_str))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const HANDLED: Handled<'static> = Handled {
        sub_types: &["user"],
        grants: &[("refresh_token", &["grant_type", "refresh_token"])],
        token_response_fields: &["access_token"],
        schema_fields: &[],
    };

    fn doc(extra_grant_field: bool) -> Value {
        let mut refresh = json!({"properties": {
            "grant_type": {"enum": ["refresh_token"]}, "refresh_token": {"type": "string"}}});
        if extra_grant_field {
            refresh["properties"]["scope"] = json!({"type": "string"});
        }
        json!({
            "paths": {
                "/a": {"get": {"operationId": "oauth2:authorize", "responses": {"200": {"content": {
                    "application/json": {"schema": {
                        "oneOf": [{"$ref": "#/components/schemas/U"}],
                        "discriminator": {"propertyName": "sub_type"}}}}}}}},
                "/t": {"post": {"operationId": "oauth2:request_token", "requestBody": {"content": {
                    "application/x-www-form-urlencoded": {"schema": {
                        "oneOf": [{"$ref": "#/components/schemas/R"}]}}}}}}
            },
            "components": {"schemas": {
                "U": {"properties": {"sub_type": {"enum": ["user"]}}},
                "R": refresh,
                "TokenResponse": {"properties": {"access_token": {"type": "string"}}}
            }}
        })
    }

    #[test]
    fn covered_document_has_nothing_missing() {
        assert_eq!(uncovered(&doc(false), &HANDLED), Vec::<String>::new());
    }

    #[test]
    fn new_grant_field_is_named() {
        assert_eq!(
            uncovered(&doc(true), &HANDLED),
            [
                "token request field `R.scope` (grant_type `refresh_token`) is not sent by TokenRequest"
            ]
        );
    }
}
