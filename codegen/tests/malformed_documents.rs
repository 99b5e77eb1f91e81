//! Malformed and unsupported documents: one readable error naming the file and the JSON pointer,
//! never a panic from inside the generator.

mod support;

use polar_oauth2_codegen::load;
use serde_json::{Value, json};
use support::*;

#[test]
fn yaml_syntax_error_names_the_file_and_line() {
    let text = history_text(NEWEST);
    // One space of indentation lost: the token path no longer belongs to `paths`.
    let line = 1 + text
        .lines()
        .position(|l| l == "  /v1/oauth2/token:")
        .expect("the token path");
    let broken = replace_once(&text, "\n  /v1/oauth2/token:", "\n /v1/oauth2/token:");
    let (_scratch, file, result) = generate_one("yaml", "oauth2.yaml", &broken);
    let err = result.expect_err("invalid YAML");
    let shown = err.to_string();
    let expected = format!("{}: invalid YAML at line {line} column 2: ", file.display());
    assert!(shown.starts_with(&expected), "{shown}");
    assert_eq!(err.files, [file]);
}

#[test]
fn document_without_paths_is_named() {
    let (_scratch, file, err) = newest_changed("no-paths", |doc| {
        doc.as_object_mut().expect("a mapping").remove("paths");
    });
    assert_eq!(
        err.to_string(),
        format!(
            "{}: no `paths`: an OpenAPI document must list its operations",
            file.display()
        )
    );
}

#[test]
fn dangling_ref_is_named_where_the_file_has_it() {
    let cases = [
        // A request body.
        (
            "/paths/~1v1~1oauth2~1introspect/post/requestBody/content/application~1x-www-form-urlencoded/schema/$ref",
            "dangling-body",
        ),
        // The arm of a nullable `anyOf` (the downgrade turns it into `allOf`: the pointer must
        // still be the one in the file).
        (
            "/components/schemas/AuthorizeResponseUser/properties/sub/anyOf/0/$ref",
            "dangling-nullable",
        ),
        // An arm of the authorize union (which `shape` hoists).
        (
            "/paths/~1v1~1oauth2~1authorize/get/responses/200/content/application~1json/schema/oneOf/0/$ref",
            "dangling-union",
        ),
    ];
    for (ptr, name) in cases {
        let (_scratch, file, err) = newest_changed(name, |doc| {
            *doc.pointer_mut(ptr).expect("the fixture has this $ref") =
                json!("#/components/schemas/Nope");
        });
        assert_eq!(
            err.to_string(),
            format!(
                "{} at #{ptr}: `$ref` to `#/components/schemas/Nope`, which does not exist",
                file.display()
            )
        );
    }
}

#[test]
fn conflicting_snapshots_name_both_files_and_the_key() {
    // Two snapshots of different dates side by side: `info.version` differs first.
    let scratch = Scratch::new("conflict-snapshots");
    let old = scratch.write("oauth2-a.yaml", &history_text(HISTORY[0]));
    let new = scratch.write("oauth2-b.yaml", &history_text(HISTORY[3]));
    let err = generate_caught(scratch.path()).expect_err("a conflict");
    assert_eq!(
        err.to_string(),
        format!(
            "{} and {} at #/info: two different definitions of `info`; make the documents agree or remove one",
            old.display(),
            new.display()
        )
    );
}

#[test]
fn conflicting_component_in_the_vendored_split_names_both_files_and_the_key() {
    // The vendored document split in two, the token half with a newer `Scope` (one more
    // value) than the authorize half's.
    let scratch = Scratch::new("conflict-scope");
    let whole = load::load_dir(&vendored_spec())
        .unwrap_or_else(|e| panic!("{e}"))
        .value;
    let authorize = whole.clone();
    let mut token = whole;
    let mut scope = authorize["components"]["schemas"]["Scope"].clone();
    scope["enum"]
        .as_array_mut()
        .expect("scope values")
        .push(json!("teleport:write"));
    token["components"]["schemas"]["Scope"] = scope;
    let first = scratch.write_yaml("oauth2-authorize.yaml", &authorize);
    let second = scratch.write_yaml("oauth2-token.yaml", &token);
    let err = generate_caught(scratch.path()).expect_err("a conflict");
    assert_eq!(
        err.to_string(),
        format!(
            "{} and {} at #/components/schemas/Scope: two different definitions of `Scope`; make the documents agree or remove one",
            first.display(),
            second.display()
        )
    );
}

#[test]
fn openapi_2_and_swagger_2_are_refused_by_name() {
    let text = history_text(NEWEST);
    let cases = [
        // Unquoted, YAML reads a number.
        (
            "openapi: 2.0",
            "#/openapi: unsupported OpenAPI version `2.0`; expected 3.0.x or 3.1.x",
        ),
        (
            "openapi: '2.0'",
            "#/openapi: unsupported OpenAPI version `2.0`; expected 3.0.x or 3.1.x",
        ),
        (
            "swagger: \"2.0\"",
            "#/swagger: Swagger 2.0 documents are not supported; expected OpenAPI 3.0.x or 3.1.x",
        ),
    ];
    for (i, (version, message)) in cases.into_iter().enumerate() {
        let changed = replace_once(&text, "openapi: 3.1.0", version);
        let (_scratch, file, result) =
            generate_one(&format!("version-{i}"), "oauth2.yaml", &changed);
        let err = result.expect_err("an unsupported version");
        assert_eq!(err.to_string(), format!("{} at {message}", file.display()));
    }
}

#[test]
fn missing_or_repeated_operation_id_is_named() {
    let (_scratch, file, err) = newest_changed("no-operation-id", |doc| {
        doc["paths"]["/v1/oauth2/register/{client_id}"]["put"]
            .as_object_mut()
            .expect("an operation")
            .remove("operationId");
    });
    assert_eq!(
        err.to_string(),
        format!(
            "{} at #/paths/~1v1~1oauth2~1register~1{{client_id}}/put: the operation has no `operationId`; the client method is named after it",
            file.display()
        )
    );
    let (_scratch, file, err) = newest_changed("same-operation-id", |doc| {
        doc["paths"]["/v1/oauth2/userinfo"]["get"]["operationId"] = json!("oauth2:revoke_token");
    });
    assert_eq!(
        err.to_string(),
        format!(
            "{} at #/paths/~1v1~1oauth2~1userinfo/get/operationId: `operationId` `oauth2:revoke_token` is already used at #/paths/~1v1~1oauth2~1revoke/post; each operation needs its own",
            file.display()
        )
    );
}

/// Documents progenitor or typify would panic on (`todo!`, `expect`, `panic!`) or refuse without
/// saying where: the panic is caught, and the operation or schema at fault is named.
#[test]
fn generator_failures_are_caught_and_located() {
    type Change = fn(&mut Value);
    let cases: [(&str, Change, &str, &str); 7] = [
        (
            // A second media type for the token body (`todo!` in progenitor).
            "two-media-types",
            |doc| {
                let content =
                    &mut doc["paths"]["/v1/oauth2/token"]["post"]["requestBody"]["content"];
                content["application/json"] = content["application/x-www-form-urlencoded"].clone();
            },
            "/paths/~1v1~1oauth2~1token/post",
            "progenitor cannot generate this: not yet implemented: more media types than expected for oauth2:request_token: 2",
        ),
        (
            // A form `encoding` (`todo!` with a multi-line Debug dump: shown on one line).
            "form-encoding",
            |doc| {
                doc["paths"]["/v1/oauth2/revoke"]["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"]
                    ["encoding"] = json!({"token": {"contentType": "text/plain"}});
            },
            "/paths/~1v1~1oauth2~1revoke/post",
            "progenitor cannot generate this: not yet implemented: media type encoding not empty: MediaType {",
        ),
        (
            // A path parameter the operation does not declare (`expect` in progenitor).
            "undeclared-path-parameter",
            |doc| {
                let paths = doc["paths"].as_object_mut().expect("paths");
                let item = paths.remove("/v1/oauth2/userinfo").expect("userinfo");
                paths.insert("/v1/oauth2/userinfo/{id}".into(), item);
            },
            "/paths/~1v1~1oauth2~1userinfo~1{id}/get",
            "progenitor cannot generate this: missing path name mapping id",
        ),
        (
            // A path item `$ref` (an error from progenitor that names no place).
            "path-item-ref",
            |doc| {
                let mut item = doc["paths"]["/v1/oauth2/userinfo"].clone();
                item["get"]["operationId"] = json!("oauth2:userinfo_again");
                doc["components"]["pathItems"] = json!({ "UserInfo": item });
                doc["paths"]["/v1/oauth2/userinfo2"] =
                    json!({"$ref": "#/components/pathItems/UserInfo"});
            },
            "/paths/~1v1~1oauth2~1userinfo2",
            "progenitor cannot generate this: unexpected or unhandled format in the OpenAPI document path /v1/oauth2/userinfo2 uses reference, unsupported",
        ),
        (
            // Two enum values with one Rust name get distinct ones (`codegen/tests/constructs.rs`);
            // what is left is the default outside the enum, in a schema that refers to others.
            "clashing-enum-values",
            |doc| {
                doc["components"]["schemas"]["OAuth2ClientConfiguration"]["properties"]["token_endpoint_auth_method"]
                    ["enum"] = json!(["client_secret_basic", "client-secret-basic"]);
            },
            "/components/schemas/OAuth2ClientConfiguration",
            "progenitor cannot generate this: type error value does not conform to the given schema",
        ),
        (
            // A `not` schema (`todo!` in typify).
            "not-schema",
            |doc| {
                doc["components"]["schemas"]["UserInfoUser"]["properties"]["sub"]["not"] =
                    json!({"type": "object"});
            },
            "/components/schemas/UserInfoUser",
            "progenitor cannot generate this: not yet implemented: unhandled not schema",
        ),
        (
            // A default that does not fit its type (an error from typify that names no place).
            "bad-default",
            |doc| {
                doc["components"]["schemas"]["IntrospectTokenResponse"]["properties"]["exp"]["default"] =
                    json!("soon");
            },
            "/components/schemas/IntrospectTokenResponse",
            "progenitor cannot generate this: type error value does not conform to the given schema",
        ),
    ];
    for (name, change, ptr, message) in cases {
        let (_scratch, file, err) = newest_changed(name, change);
        let shown = err.to_string();
        let expected = format!("{} at #{ptr}: {message}", file.display());
        assert!(shown.starts_with(&expected), "{name}:\n{shown}\n{expected}");
        assert!(!shown.contains('\n'), "{name}: {shown}");
        assert_eq!(err.pointer, ptr, "{name}");
    }
}
