//! Constructs of Polar's whole API in operations that progenitor cannot take as they are, on a
//! minimal document: Polar's OAuth2 section plus one operation with the construct, every
//! operation selected. Each test fails if its rewrite goes.

use construct_support::*;
use serde_json::json;

mod construct_support;

#[test]
fn several_error_bodies_per_operation_become_the_facades_one_error() {
    let doc = oauth2_with(|doc| {
        order_schemas(doc);
        add_operation(
            doc,
            "/v1/orders/{id}",
            "get",
            json!({"operationId": "orders:get",
                "parameters": [{"name": "id", "in": "path", "required": true,
                                "schema": {"type": "string"}}],
                "responses": {"200": json_response("Order"),
                              "404": json_response("ResourceNotFound"),
                              "422": json_response("HTTPValidationError")}}),
        );
    });
    let (code, _) = generated("errors", &doc);
    let sig = signature(&code, "orders_get");
    assert!(
        sig.contains("Result<ResponseValue<types::Order>, Error<()>>"),
        "{sig}"
    );
}

#[test]
fn several_success_bodies_become_raw_bytes_with_their_status() {
    let doc = oauth2_with(|doc| {
        order_schemas(doc);
        add_operation(
            doc,
            "/v1/orders/",
            "post",
            json!({"operationId": "orders:create",
                "responses": {"201": json_response("Order"), "202": {"description": "queued"}}}),
        );
        // One schema under two statuses is one type: left alone.
        add_operation(
            doc,
            "/v1/orders/{id}",
            "put",
            json!({"operationId": "orders:update",
                "parameters": [{"name": "id", "in": "path", "required": true,
                                "schema": {"type": "string"}}],
                "responses": {"200": json_response("Order"), "201": json_response("Order")}}),
        );
    });
    let (code, _) = generated("successes", &doc);
    let create = signature(&code, "orders_create");
    assert!(create.contains("ResponseValue<ByteStream>"), "{create}");
    let update = signature(&code, "orders_update");
    assert!(update.contains("ResponseValue<types::Order>"), "{update}");
}

#[test]
fn deep_object_query_parameters_get_a_type_that_writes_name_key_pairs() {
    let doc = oauth2_with(|doc| {
        order_schemas(doc);
        doc["components"]["schemas"]["MetadataQuery"] = json!({"anyOf": [
            {"type": "object", "additionalProperties": {"type": "string"}}, {"type": "null"}],
            "title": "MetadataQuery"});
        add_operation(
            doc,
            "/v1/orders/",
            "get",
            json!({"operationId": "orders:list",
                "parameters": [{"name": "metadata", "in": "query", "required": false,
                    "style": "deepObject",
                    "schema": {"$ref": "#/components/schemas/MetadataQuery"}}],
                "responses": {"200": json_response("Order")}}),
        );
    });
    let (code, _) = generated("deep-object", &doc);
    let sig = signature(&code, "orders_list");
    assert!(
        sig.contains("metadata: Option<&'a crate::generated::deep_object::Metadata>"),
        "{sig}"
    );
    let flat = code.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("pub mod deep_object {"),
        "no deep_object module"
    );
    assert!(
        flat.contains(r#"::std::format!("{}[{}]", "metadata", key)"#),
        "the key is not written as metadata[key]"
    );
    assert!(
        code.contains("\"metadata\""),
        "the query name is the parameter's"
    );
}

#[test]
fn a_construct_no_rewrite_knows_is_named_by_its_own_operation() {
    let doc = oauth2_with(|doc| {
        order_schemas(doc);
        add_operation(
            doc,
            "/v1/orders/",
            "get",
            json!({"operationId": "orders:list",
                "parameters": [{"name": "ids", "in": "query", "style": "spaceDelimited",
                                "schema": {"type": "array", "items": {"type": "string"}}}],
                "responses": {"200": json_response("Order")}}),
        );
    });
    let (dir, result) = generate("unknown-style", &doc);
    let err = result.expect_err("spaceDelimited is not supported");
    assert_eq!(err.pointer, "/paths/~1v1~1orders~1/get", "{err}");
    assert_eq!(err.files, [dir.join("polar.json")]);
    assert!(
        err.message.contains("unsupported style of query parameter"),
        "{err}"
    );
}
