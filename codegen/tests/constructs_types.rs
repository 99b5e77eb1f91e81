//! Constructs of Polar's whole API in schemas that typify cannot take as they are (colliding
//! enum values, inline schemas named alike, patterns, names the shaping steps want), on a
//! minimal document: Polar's OAuth2 section plus one schema with the construct.

use construct_support::*;
use serde_json::{Value, json};

mod construct_support;

#[test]
fn enum_values_that_collide_as_rust_names_get_distinct_variants_and_keep_their_values() {
    let doc = oauth2_with(|doc| {
        doc["components"]["schemas"]["TimeZone"] = json!({"type": "string",
            "enum": ["Etc/GMT+1", "Etc/GMT-1", "UTC"]});
        doc["components"]["schemas"]["Settings"] = json!({"type": "object", "properties": {
            "tz": {"allOf": [{"$ref": "#/components/schemas/TimeZone"}], "default": "Etc/GMT-1"}}});
        add_operation(
            doc,
            "/v1/settings",
            "get",
            json!({"operationId": "settings:get",
                "responses": {"200": json_response("Settings")}}),
        );
    });
    let (code, _) = generated("enum-collision", &doc);
    let file = syn::parse_file(&code).unwrap();
    let variants = enum_variants(&file, "TimeZone");
    assert_eq!(
        variants,
        [
            ("EtcGmtPlus1".to_owned(), "Etc/GMT+1".to_owned()),
            ("EtcGmtMinus1".to_owned(), "Etc/GMT-1".to_owned()),
            ("Utc".to_owned(), "UTC".to_owned()),
        ]
    );
    assert!(
        code.contains("super::TimeZone::EtcGmtMinus1"),
        "the default"
    );
    assert!(!code.contains("GMT plus"), "a placeholder is left");
}

#[test]
fn inline_schemas_named_alike_become_distinct_types() {
    let doc = oauth2_with(|doc| {
        let auth = |values: Value, default: &str| {
            json!({"type": "string", "enum": values, "title": "Token Endpoint Auth Method",
                   "default": default})
        };
        let schemas = &mut doc["components"]["schemas"];
        schemas["CountryAlpha2Input"] = json!({"type": "string", "enum": ["AD", "AE"]});
        schemas["Address"] = json!({"type": "object", "properties": {
            "country": {"type": "string", "enum": ["AD", "AE", "AF"], "title": "CountryAlpha2Input"},
            "input": {"$ref": "#/components/schemas/CountryAlpha2Input"},
            "auth": auth(json!(["a", "b"]), "b")}});
        schemas["Other"] = json!({"type": "object", "properties": {
            "auth": auth(json!(["c"]), "c")}});
        add_operation(
            doc,
            "/v1/address",
            "get",
            json!({"operationId": "address:get", "responses": {"200": json_response("Address")}}),
        );
        add_operation(
            doc,
            "/v1/other",
            "get",
            json!({"operationId": "other:get", "responses": {"200": json_response("Other")}}),
        );
    });
    let (code, _) = generated("type-names", &doc);
    let file = syn::parse_file(&code).unwrap();
    let types = type_names(&file);
    let mut unique = types.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), types.len(), "a type is defined twice");
    for name in [
        "CountryAlpha2Input",
        "AddressCountry",
        "AddressAuth",
        "OtherAuth",
    ] {
        assert!(types.iter().any(|t| t == name), "no `{name}` in {types:?}");
    }
    assert!(
        code.contains("super::OtherAuth::C"),
        "a default checked against its own type"
    );
}

#[test]
fn patterns_are_dropped_with_one_warning() {
    let doc = oauth2_with(|doc| {
        let schemas = &mut doc["components"]["schemas"];
        schemas["Locale"] = json!({"type": "object", "properties": {
            "a": {"type": "string", "pattern": "^[a-z]{2}$"},
            "b": {"type": "string", "pattern": "^[A-Z]{2}$", "maxLength": 2}}});
        add_operation(
            doc,
            "/v1/locale",
            "get",
            json!({"operationId": "locale:get", "responses": {"200": json_response("Locale")}}),
        );
    });
    let (code, warnings) = generated("pattern", &doc);
    let patterns: Vec<&String> = warnings.iter().filter(|w| w.contains("pattern")).collect();
    assert_eq!(patterns.len(), 1, "{warnings:#?}");
    assert!(
        patterns[0].starts_with("2 `pattern` constraint(s) dropped, first at #/components/schemas/Locale/properties/a/pattern"),
        "{}",
        patterns[0]
    );
    assert!(!code.contains("regress"), "the client would need `regress`");
}

#[test]
fn the_documents_own_schemas_named_like_the_shaping_steps_keep_their_names() {
    let doc = oauth2_with(|doc| {
        let schemas = &mut doc["components"]["schemas"];
        // Polar's whole API has an `AuthorizeResponse` of its own; and a name in our prefix.
        schemas["AuthorizeResponse"] = json!({"type": "object", "required": ["url"],
            "properties": {"url": {"type": "string"}}});
        schemas["PolarOauth2SecretClientSecret"] =
            json!({"type": "object", "properties": {"n": {"type": "integer"}}});
        schemas["Holder"] = json!({"type": "object", "properties": {
            "s": {"$ref": "#/components/schemas/PolarOauth2SecretClientSecret"}}});
        add_operation(
            doc,
            "/v1/integrations/authorize",
            "get",
            json!({"operationId": "integrations:authorize",
                "responses": {"200": json_response("AuthorizeResponse")}}),
        );
        add_operation(
            doc,
            "/v1/holder",
            "get",
            json!({"operationId": "holder:get", "responses": {"200": json_response("Holder")}}),
        );
    });
    let (code, _) = generated("hoisted-names", &doc);
    let authorize = signature(&code, "oauth2_authorize");
    assert!(
        authorize.contains("ResponseValue<crate::authorize::AuthorizeResponse>"),
        "the facade's union: {authorize}"
    );
    let theirs = signature(&code, "integrations_authorize");
    assert!(
        theirs.contains("ResponseValue<types::AuthorizeResponse>"),
        "the document's own schema: {theirs}"
    );
    let file = syn::parse_file(&code).unwrap();
    let fields = struct_fields(&file, "Holder");
    assert!(
        fields.iter().any(|(n, t)| n == "s"
            && t.contains("PolarOauth2SecretClientSecret")
            && !t.contains("crate::secret")),
        "{fields:?}"
    );
    let revoke = struct_fields(&file, "RevokeTokenRequest");
    assert!(
        revoke
            .iter()
            .any(|(n, t)| n == "client_secret" && t.contains("crate::secret::ClientSecret")),
        "{revoke:?}"
    );
}
