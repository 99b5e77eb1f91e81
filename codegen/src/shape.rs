//! Shape the (downgraded) document for the hand-written facade.
//!
//! progenitor replaces a generated type by a hand-written one only for schemas under
//! `components/schemas`, matched by their key. The two unions the facade owns (the authorize
//! response, the token request body) are inline in Polar's documents, so they are hoisted there
//! under a name first. The facade's internally tagged enums consume the tag property, so it is
//! removed from the arms. Each step is one named function with its reason.

use serde_json::{Map, Value, json};

use crate::error::{Error, pointer};

/// `operationId` of the consent-data operation.
pub const AUTHORIZE_OPERATION: &str = "oauth2:authorize";
/// `operationId` of the token operation.
pub const TOKEN_OPERATION: &str = "oauth2:request_token";

/// Component names the hoisted schemas get (progenitor matches replacements by these keys).
pub const AUTHORIZE_RESPONSE: &str = "AuthorizeResponse";
/// See [`AUTHORIZE_RESPONSE`].
pub const TOKEN_REQUEST: &str = "TokenRequest";
/// See [`AUTHORIZE_RESPONSE`].
pub const SCOPE_DISPLAY_NAMES: &str = "ScopeDisplayNames";

/// The query parameters Polar's server reads on `GET /v1/oauth2/authorize` but the spec omits
/// (the consent screen passes the authorization request through, RFC 6749 §4.1.1 + PKCE).
pub const AUTHORIZE_QUERY_PARAMETERS: [&str; 10] = [
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

/// Apply every facade step, in order.
pub fn shape(doc: &mut Value) -> Result<(), Error> {
    let authorize = find_operation(doc, AUTHORIZE_OPERATION)?;
    let token = find_operation(doc, TOKEN_OPERATION)?;
    let union_ptr = format!("{authorize}/responses/200/content/application~1json/schema");
    let arms = union_arms(doc, &union_ptr)?;
    let tag = discriminator_property(doc, &union_ptr)?;
    hoist(doc, &union_ptr, AUTHORIZE_RESPONSE)?;
    for arm in &arms {
        strip_tag_property(doc, arm, &tag)?;
        hoist_property(doc, arm, "scope_display_names", SCOPE_DISPLAY_NAMES)?;
    }
    hoist(
        doc,
        &format!("{token}/requestBody/content/application~1x-www-form-urlencoded/schema"),
        TOKEN_REQUEST,
    )?;
    authorize_query_parameters(doc, &authorize)?;
    facade_decodes_errors(doc, &authorize);
    facade_decodes_errors(doc, &token);
    Ok(())
}

/// Pointer of the operation with `operation_id` (matched by id, so a moved path still works).
pub fn find_operation(doc: &Value, operation_id: &str) -> Result<String, Error> {
    let paths = doc.get("paths").and_then(Value::as_object);
    for (path, item) in paths.into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            if op.get("operationId").and_then(Value::as_str) == Some(operation_id) {
                return Ok(pointer(["paths", path.as_str(), method.as_str()]));
            }
        }
    }
    Err(Error::at(
        "/paths",
        format!("no operation `{operation_id}`: the facade needs it"),
    ))
}

/// The component names of a `oneOf` union's `$ref` arms.
pub fn union_arms(doc: &Value, union_ptr: &str) -> Result<Vec<String>, Error> {
    let union = resolve(doc, union_ptr)?;
    let arms = union
        .get("oneOf")
        .and_then(Value::as_array)
        .ok_or_else(|| Error::at(union_ptr, "expected a `oneOf` union"))?;
    arms.iter()
        .enumerate()
        .map(|(i, arm)| {
            component_name(arm)
                .map(str::to_owned)
                .ok_or_else(|| Error::at(format!("{union_ptr}/oneOf/{i}"), "expected a `$ref`"))
        })
        .collect()
}

/// The union's `discriminator.propertyName`.
pub fn discriminator_property(doc: &Value, union_ptr: &str) -> Result<String, Error> {
    resolve(doc, union_ptr)?
        .pointer("/discriminator/propertyName")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| Error::at(union_ptr, "expected a `discriminator.propertyName`"))
}

/// `#/components/schemas/X` -> `X`.
pub fn component_name(schema: &Value) -> Option<&str> {
    schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
}

fn resolve<'a>(doc: &'a Value, ptr: &str) -> Result<&'a Value, Error> {
    let value = doc
        .pointer(ptr)
        .ok_or_else(|| Error::at(ptr, "expected a schema here"))?;
    match component_name(value) {
        Some(name) => doc
            .pointer(&pointer(["components", "schemas", name]))
            .ok_or_else(|| Error::at(ptr, format!("`$ref` to missing schema `{name}`"))),
        None => Ok(value),
    }
}

/// Move the inline schema at `ptr` to `components/schemas/<name>` and refer to it. A schema that
/// is already a `$ref` is copied under `name` instead, so the replacement still finds it.
pub fn hoist(doc: &mut Value, ptr: &str, name: &str) -> Result<(), Error> {
    let schema = resolve(doc, ptr)?.clone();
    let target = pointer(["components", "schemas", name]);
    if doc
        .pointer(&target)
        .is_some_and(|existing| *existing != schema)
    {
        return Err(Error::at(
            &target,
            format!("the document already has a different schema named `{name}`"),
        ));
    }
    let schemas = components_schemas(doc)?;
    schemas.insert(name.to_owned(), schema);
    if let Some(slot) = doc.pointer_mut(ptr) {
        *slot = json!({ "$ref": format!("#/components/schemas/{name}") });
    }
    Ok(())
}

fn components_schemas(doc: &mut Value) -> Result<&mut Map<String, Value>, Error> {
    let root = doc
        .as_object_mut()
        .ok_or_else(|| Error::at("", "the document is not a mapping"))?;
    let components = root
        .entry("components")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .ok_or_else(|| Error::at("/components", "`components` must be a mapping"))?;
    components
        .entry("schemas")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .ok_or_else(|| Error::at("/components/schemas", "`schemas` must be a mapping"))
}

fn arm_mut<'a>(doc: &'a mut Value, arm: &str) -> Result<&'a mut Map<String, Value>, Error> {
    let ptr = pointer(["components", "schemas", arm]);
    doc.pointer_mut(&ptr)
        .and_then(Value::as_object_mut)
        .ok_or_else(|| Error::at(ptr, format!("the union arm `{arm}` is missing")))
}

/// A serde internally tagged enum consumes its tag, so the arm structs must not declare it:
/// kept, every decode fails with "missing field `sub_type`".
pub fn strip_tag_property(doc: &mut Value, arm: &str, tag: &str) -> Result<(), Error> {
    let schema = arm_mut(doc, arm)?;
    if let Some(Value::Object(props)) = schema.get_mut("properties") {
        props.remove(tag);
    }
    if let Some(Value::Array(required)) = schema.get_mut("required") {
        required.retain(|r| r != tag);
    }
    Ok(())
}

/// Give an inline property schema a component name (so it can be replaced) and drop its
/// `default`: the 62-entry display-name map would otherwise become a ~150-line default function
/// in every struct that has it. The facade knows those names from the `Scope` schema.
pub fn hoist_property(doc: &mut Value, arm: &str, property: &str, name: &str) -> Result<(), Error> {
    let schema = arm_mut(doc, arm)?;
    let Some(prop) = schema
        .get_mut("properties")
        .and_then(|p| p.get_mut(property))
    else {
        return Ok(());
    };
    let mut hoisted = prop.clone();
    if let Some(obj) = hoisted.as_object_mut() {
        for key in ["default", "title", "description"] {
            obj.remove(key);
        }
    }
    *prop = json!({ "$ref": format!("#/components/schemas/{name}") });
    let target = pointer(["components", "schemas", name]);
    match doc.pointer(&target) {
        Some(existing) if *existing != hoisted => Err(Error::at(
            pointer(["components", "schemas", arm, "properties", property]),
            format!("`{property}` differs from the one already hoisted as `{name}`"),
        )),
        Some(_) => Ok(()),
        None => {
            components_schemas(doc)?.insert(name.to_owned(), hoisted);
            Ok(())
        }
    }
}

/// Add the authorization-request query parameters the spec omits, and the bearer token as a
/// header parameter (progenitor generates no authentication). Parameters the spec already
/// declares are left as they are.
pub fn authorize_query_parameters(doc: &mut Value, op_ptr: &str) -> Result<(), Error> {
    let op = doc
        .pointer_mut(op_ptr)
        .and_then(Value::as_object_mut)
        .ok_or_else(|| Error::at(op_ptr, "expected an operation"))?;
    let params = op
        .entry("parameters")
        .or_insert_with(|| json!([]))
        .as_array_mut()
        .ok_or_else(|| Error::at(format!("{op_ptr}/parameters"), "expected a list"))?;
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
    if !declared(params, "Authorization", "header") {
        params.push(
            json!({"name": "Authorization", "in": "header", "required": true,
                           "schema": {"type": "string"}}),
        );
    }
    Ok(())
}

/// The facade decodes every non-2xx response itself (RFC 6749 §5.2 errors, FastAPI 422s, HTML
/// from a proxy), so the generated methods should hand them over raw rather than half-typed.
pub fn facade_decodes_errors(doc: &mut Value, op_ptr: &str) {
    let responses = doc
        .pointer_mut(&format!("{op_ptr}/responses"))
        .and_then(Value::as_object_mut);
    if let Some(responses) = responses {
        responses.retain(|status, _| status.starts_with('2'));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Value {
        json!({
            "paths": {
                "/v1/oauth2/authorize": {"get": {"operationId": "oauth2:authorize", "responses": {
                    "200": {"content": {"application/json": {"schema": {
                        "oneOf": [{"$ref": "#/components/schemas/U"}, {"$ref": "#/components/schemas/O"}],
                        "discriminator": {"propertyName": "sub_type"}}}}},
                    "422": {"description": "x"}}}},
                "/v1/oauth2/token": {"post": {"operationId": "oauth2:request_token",
                    "requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": {
                        "oneOf": [{"$ref": "#/components/schemas/R"}]}}}},
                    "responses": {"200": {}}}}
            },
            "components": {"schemas": {
                "U": {"properties": {"sub_type": {"enum": ["user"]},
                      "scope_display_names": {"type": "object", "additionalProperties": {"type": "string"},
                                              "default": {"openid": "OpenID"}, "title": "T"}},
                      "required": ["sub_type"]},
                "O": {"properties": {"sub_type": {"enum": ["organization"]}}, "required": ["sub_type"]},
                "R": {"properties": {}}
            }}
        })
    }

    #[test]
    fn unions_are_hoisted_under_replaceable_names() {
        let mut d = doc();
        shape(&mut d).unwrap();
        let resp =
            "/paths/~1v1~1oauth2~1authorize/get/responses/200/content/application~1json/schema";
        assert_eq!(
            d.pointer(resp).unwrap(),
            &json!({"$ref": "#/components/schemas/AuthorizeResponse"})
        );
        assert!(
            d.pointer("/components/schemas/AuthorizeResponse/oneOf")
                .is_some()
        );
        assert!(
            d.pointer("/components/schemas/TokenRequest/oneOf")
                .is_some()
        );
    }

    #[test]
    fn tag_property_is_removed_from_the_arms() {
        let mut d = doc();
        shape(&mut d).unwrap();
        for arm in ["U", "O"] {
            let s = &d["components"]["schemas"][arm];
            assert!(s["properties"].get("sub_type").is_none(), "{arm}");
            assert_eq!(s["required"], json!([]), "{arm}");
        }
    }

    #[test]
    fn display_names_are_hoisted_without_their_default() {
        let mut d = doc();
        shape(&mut d).unwrap();
        assert_eq!(
            d["components"]["schemas"]["ScopeDisplayNames"],
            json!({"type": "object", "additionalProperties": {"type": "string"}})
        );
    }

    #[test]
    fn authorize_gets_query_parameters_and_bearer_header_and_no_error_responses() {
        let mut d = doc();
        shape(&mut d).unwrap();
        let op = &d["paths"]["/v1/oauth2/authorize"]["get"];
        let names: Vec<_> = op["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert!(
            names.contains(&"code_challenge") && names.contains(&"Authorization"),
            "{names:?}"
        );
        assert!(op["responses"].get("422").is_none());
    }

    #[test]
    fn missing_operation_is_named() {
        let mut d = doc();
        d["paths"]
            .as_object_mut()
            .unwrap()
            .remove("/v1/oauth2/token");
        let e = shape(&mut d).unwrap_err();
        assert!(e.message.contains("oauth2:request_token"), "{e}");
    }
}
