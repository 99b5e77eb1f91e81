//! The operations' path templates, written beside progenitor's output as `OPERATION_PATHS`, so
//! that the library's hooks can check that the URL a request is about to go to is still the
//! operation's path: progenitor's `encode_path` leaves a `.` or `..` parameter as it is, and URL
//! parsing then resolves it away (`DELETE /v1/oauth2/register/..` would become
//! `DELETE /v1/oauth2/`).

use heck::ToSnakeCase;
use serde_json::Value;

use crate::error::Error;
use crate::walk::METHODS;

/// The name of the generated table of `(operation id, path template)` pairs.
pub const TABLE: &str = "OPERATION_PATHS";

/// The operation id progenitor hands to the hooks (`OperationInfo::operation_id`) for a spec
/// `operationId`: progenitor's own method naming (`sanitize(id, Case::Snake)` in
/// progenitor-impl), which is not public. `codegen/tests` checks, on every vendored document,
/// that each generated `OperationInfo` id is in the table.
#[must_use]
pub fn operation_id(spec_id: &str) -> String {
    let snake = match spec_id {
        "+1" => "plus1".to_owned(),
        "-1" => "minus1".to_owned(),
        _ => spec_id
            .replace('\'', "")
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || c == '_' {
                    c
                } else {
                    '-'
                }
            })
            .collect::<String>()
            .to_snake_case(),
    };
    let named = match snake.chars().next() {
        None => "x".to_owned(),
        Some(c) if c.is_alphabetic() => snake,
        Some(_) => format!("_{snake}"),
    };
    // A keyword is not an identifier: progenitor appends `_`.
    if syn::parse_str::<syn::Ident>(&named).is_ok() {
        named
    } else {
        format!("{named}_")
    }
}

/// Every operation of the document as `(operation id as progenitor names it, path template)`,
/// in document order.
#[must_use]
pub fn operation_paths(doc: &Value) -> Vec<(String, String)> {
    let paths = doc.get("paths").and_then(Value::as_object);
    let mut found = Vec::new();
    for (path, item) in paths.into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                found.push((operation_id(id), path.clone()));
            }
        }
    }
    found
}

/// The generated `OPERATION_PATHS` constant for a document.
pub fn table(doc: &Value) -> Result<syn::Item, Error> {
    let entries: Vec<String> = operation_paths(doc)
        .iter()
        .map(|(id, path)| format!("({id:?}, {path:?})"))
        .collect();
    let code = format!(
        "/// Each operation's path template, by the operation id the hooks receive: a request's URL\n\
         /// must still have this path (each `{{parameter}}` one non-empty segment) when it is sent.\n\
         pub const {TABLE}: &[(&str, &str)] = &[{}];",
        entries.join(", ")
    );
    syn::parse_str::<syn::Item>(&code).map_err(|e| {
        Error::at(
            "/paths",
            format!("cannot write the operations' path table: {e}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn operation_ids_are_named_as_progenitor_names_its_methods() {
        assert_eq!(operation_id("oauth2:request_token"), "oauth2_request_token");
        assert_eq!(
            operation_id("oauth2:clients:oauth2:get_client"),
            "oauth2_clients_oauth2_get_client"
        );
        assert_eq!(operation_id("getThing"), "get_thing");
        assert_eq!(operation_id("1st"), "_1st");
        assert_eq!(operation_id("type"), "type_");
        assert_eq!(operation_id(""), "x");
    }

    #[test]
    fn the_table_lists_every_operation_with_its_template() {
        let doc = json!({"paths": {
            "/v1/a/{id}": {"parameters": [], "get": {"operationId": "a:get"},
                           "delete": {"operationId": "a:delete"}},
            "/v1/b": {"post": {"operationId": "b"}}}});
        assert_eq!(
            operation_paths(&doc),
            [
                ("a_get".to_owned(), "/v1/a/{id}".to_owned()),
                ("a_delete".to_owned(), "/v1/a/{id}".to_owned()),
                ("b".to_owned(), "/v1/b".to_owned()),
            ]
        );
        let mut file = syn::parse_file("").unwrap();
        file.items.push(table(&doc).unwrap());
        let code = prettyplease::unparse(&file)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            code.contains(r#"("a_delete", "/v1/a/{id}"), ("b", "/v1/b")"#),
            "{code}"
        );
    }
}
