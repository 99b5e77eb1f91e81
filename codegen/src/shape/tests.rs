//! The shaping steps on a minimal OAuth2 document: hoisted unions, stripped tags, secret
//! fields, credential parameters, names that do not collide.

use super::*;
use crate::secrets;
use serde_json::json;

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
                "responses": {"200": {}}}},
            "/v1/oauth2/revoke": {"post": {"operationId": "oauth2:revoke_token",
                "requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": {
                    "$ref": "#/components/schemas/Rv"}}}},
                "responses": {"200": {}}}},
            "/v1/oauth2/introspect": {"post": {"operationId": "oauth2:introspect_token",
                "responses": {"200": {"content": {"application/json": {"schema": {}}}}}}},
            "/v1/oauth2/userinfo": {"get": {"operationId": "oauth2:userinfo",
                "responses": {"200": {"content": {"application/json": {"schema": {
                    "anyOf": [{"$ref": "#/components/schemas/U"}]}}}}}}},
            "/v1/oauth2/register": {"post": {"operationId": "oauth2:clients:oauth2:create_client",
                "requestBody": {"content": {"application/json": {"schema": {}}}},
                "responses": {"200": {"content": {"application/json": {"schema": {}}}}}}},
            "/v1/oauth2/register/{client_id}": {
                "get": {"operationId": "oauth2:clients:oauth2:get_client",
                    "responses": {"200": {"content": {"application/json": {"schema": {}}}}}},
                "put": {"operationId": "oauth2:clients:oauth2:update_client",
                    "requestBody": {"content": {"application/json": {"schema": {}}}},
                    "responses": {"200": {"content": {"application/json": {"schema": {}}}}}},
                "delete": {"operationId": "oauth2:clients:oauth2:delete_client",
                    "responses": {"204": {}, "422": {"description": "x"}}}}
        },
        "components": {"schemas": {
            "Rv": {"properties": {"token": {"type": "string"},
                   "client_secret": {"type": "string", "nullable": true},
                   "token_type_hint": {"type": "string"}}},
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
    let resp = "/paths/~1v1~1oauth2~1authorize/get/responses/200/content/application~1json/schema";
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
    let bearers = names.iter().filter(|n| **n == "Authorization").count();
    assert_eq!(bearers, 1);
}

#[test]
fn bearer_follows_security_and_older_documents_without_schemes() {
    let mut d = doc();
    shape(&mut d).unwrap();
    let has_bearer = |d: &Value, path: &str, method: &str| {
        d["paths"][path][method]["parameters"]
            .as_array()
            .is_some_and(|p| p.iter().any(|p| p["name"] == "Authorization"))
    };
    // No security schemes at all (Polar's documents before 2026-08): every operation is
    // taken to need a bearer, except one marked anonymous.
    assert!(has_bearer(&d, "/v1/oauth2/userinfo", "get"));
    let mut d = doc();
    d["paths"]["/v1/oauth2/token"]["post"]["security"] = json!([{}]);
    shape(&mut d).unwrap();
    assert!(!has_bearer(&d, "/v1/oauth2/token", "post"));

    let mut d = doc();
    d["components"]["securitySchemes"] = json!({
        "oidc": {"type": "openIdConnect", "openIdConnectUrl": "/x"},
        "pat": {"type": "http", "scheme": "bearer"},
        "key": {"type": "apiKey", "in": "header", "name": "X-Key"}});
    d["paths"]["/v1/oauth2/userinfo"]["get"]["security"] = json!([{"oidc": []}]);
    d["paths"]["/v1/oauth2/register"]["post"]["security"] = json!([{"pat": []}, {}]);
    d["paths"]["/v1/oauth2/introspect"]["post"]["security"] = json!([{"key": []}]);
    let ops: Vec<_> = operations(&d);
    let kinds: Vec<Bearer> = ops.iter().map(|op| bearer(&d, op)).collect();
    assert_eq!(
        bearer(&d, "/paths/~1v1~1oauth2~1userinfo/get"),
        Bearer::Required
    );
    assert_eq!(
        bearer(&d, "/paths/~1v1~1oauth2~1register/post"),
        Bearer::Optional
    );
    assert_eq!(
        bearer(&d, "/paths/~1v1~1oauth2~1introspect/post"),
        Bearer::None
    );
    // A document that describes its schemes: no `security` means none.
    assert_eq!(bearer(&d, "/paths/~1v1~1oauth2~1token/post"), Bearer::None);
    assert_eq!(kinds.len(), 9);
    d["paths"]["/v1/oauth2/userinfo"]["get"]["x-polar-allowed-subjects"] =
        json!(["User", "Anonymous"]);
    assert_eq!(
        bearer(&d, "/paths/~1v1~1oauth2~1userinfo/get"),
        Bearer::Optional
    );
    shape(&mut d).unwrap();
    let parameter = d["paths"]["/v1/oauth2/register"]["post"]["parameters"][0].clone();
    assert_eq!(parameter["name"], json!("Authorization"));
    assert_eq!(parameter["required"], json!(false));
    assert!(!has_bearer(&d, "/v1/oauth2/token", "post"));
}

#[test]
fn secret_fields_become_secret_components_nullable_kept() {
    let mut d = doc();
    shape(&mut d).unwrap();
    let props = &d["components"]["schemas"]["Rv"]["properties"];
    assert_eq!(
        props["token"],
        json!({"$ref": "#/components/schemas/PolarOauth2SecretOpaqueToken"})
    );
    assert_eq!(
        props["client_secret"],
        json!({"allOf": [{"$ref": "#/components/schemas/PolarOauth2SecretClientSecret"}],
               "nullable": true})
    );
    assert_eq!(props["token_type_hint"], json!({"type": "string"}));
    for (_, rust_type) in secrets::SECRET_FIELDS {
        let name = secrets::component_name(rust_type);
        assert_eq!(d["components"]["schemas"][&name], json!({"type": "string"}));
    }
}

#[test]
fn a_secret_named_field_that_is_not_a_string_is_refused_by_pointer() {
    let mut d = doc();
    d["components"]["schemas"]["Rv"]["properties"]["token"] = json!({"type": "object"});
    let e = shape(&mut d).unwrap_err();
    assert_eq!(e.pointer, "/components/schemas/Rv/properties/token");
}

#[test]
fn error_responses_are_dropped_from_every_operation() {
    let mut d = doc();
    shape(&mut d).unwrap();
    for op in operations(&d) {
        let responses = d.pointer(&format!("{op}/responses")).unwrap();
        assert!(
            responses
                .as_object()
                .unwrap()
                .keys()
                .all(|k| k.starts_with('2')),
            "{op}"
        );
    }
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
