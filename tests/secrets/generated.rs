//! Every request and response type of every operation that holds a secret prints none: the
//! types are found in the spec the build reads (a schema with a property the generator turned
//! into a secret type), an instance of each is made from its schema with a canary in every
//! secret field, decoded into the Rust type, and its `Debug` searched for the canaries. A new
//! type with a secret in a future document fails here until the table below names it.

use std::collections::BTreeSet;
use std::path::PathBuf;

use polar_oauth2::generated::types;
use polar_oauth2_codegen::{prepare, secrets};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

/// A decoder per secret-holding schema: JSON in, `Debug` out.
type Render = fn(Value) -> String;

fn render<T: DeserializeOwned + std::fmt::Debug>(value: Value) -> String {
    let decoded: T = serde_json::from_value(value.clone())
        .unwrap_or_else(|e| panic!("{} from {value}: {e}", std::any::type_name::<T>()));
    format!("{decoded:?}")
}

/// The Rust type behind each schema that carries a secret (generated or the facade's).
const TYPES: &[(&str, Render)] = &[
    (
        "AuthorizationCodeTokenRequest",
        render::<types::AuthorizationCodeTokenRequest>,
    ),
    ("RefreshTokenRequest", render::<types::RefreshTokenRequest>),
    ("WebTokenRequest", render::<types::WebTokenRequest>),
    ("RevokeTokenRequest", render::<types::RevokeTokenRequest>),
    (
        "IntrospectTokenRequest",
        render::<types::IntrospectTokenRequest>,
    ),
    ("TokenResponse", render::<polar_oauth2::Token>),
    ("RegisteredClient", render::<polar_oauth2::RegisteredClient>),
];

fn shaped() -> Value {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let doc = polar_oauth2_codegen::load_spec(&root.join("spec")).unwrap();
    prepare(&doc).unwrap().0
}

/// The secret component a property refers to, if any.
fn secret_ref(prop: &Value) -> Option<&str> {
    let reference = prop
        .get("$ref")
        .or_else(|| prop.pointer("/allOf/0/$ref"))?
        .as_str()?;
    let name = reference.strip_prefix("#/components/schemas/")?;
    name.starts_with(secrets::COMPONENT_PREFIX).then_some(name)
}

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => doc.pointer(r.trim_start_matches('#')).unwrap(),
        None => schema,
    }
}

/// A value for `schema`: canaries in secret fields (by name, whether or not the generator
/// rewrote them: a field it missed must fail here too), something valid everywhere else.
fn instance(doc: &Value, schema: &Value, field: &str) -> Value {
    if secret_ref(schema).is_some() || secrets::secret_type(field).is_some() {
        return json!(format!("test_CANARY_{field}"));
    }
    let schema = resolve(doc, schema);
    if let Some(first) = schema.get("enum").and_then(|e| e.get(0)) {
        return first.clone();
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(first) = schema.get(key).and_then(|e| e.get(0)) {
            return instance(doc, first, field);
        }
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("string") => match schema.get("format").and_then(Value::as_str) {
            Some("date-time") => json!("2026-01-01T00:00:00Z"),
            Some("uuid" | "uuid4") => json!("3f2b8c1e-6a4d-4e7f-9b0a-5c8d2e1f4a6b"),
            Some("uri") => json!("https://app.example.com/x"),
            _ if field == "scope" => json!("openid email"),
            _ if field == "token_type" => json!("Bearer"),
            _ => json!("x"),
        },
        Some("integer") => json!(1),
        Some("number") => json!(1.5),
        Some("boolean") => json!(true),
        Some("array") => json!([instance(doc, &schema["items"], field)]),
        _ => {
            let mut object = Map::new();
            for (name, prop) in schema
                .get("properties")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                object.insert(name.clone(), instance(doc, prop, name));
            }
            Value::Object(object)
        }
    }
}

/// Component schemas with at least one property named as a secret (or rewritten into one).
fn secret_holders(doc: &Value) -> BTreeSet<String> {
    doc["components"]["schemas"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, schema)| {
            schema
                .get("properties")
                .and_then(Value::as_object)
                .is_some_and(|props| {
                    props.iter().any(|(name, p)| {
                        secret_ref(p).is_some() || secrets::secret_type(name).is_some()
                    })
                })
        })
        .map(|(name, _)| name.clone())
        .collect()
}

#[test]
fn every_type_of_the_spec_that_holds_a_secret_is_checked_here() {
    let doc = shaped();
    let holders = secret_holders(&doc);
    assert!(!holders.is_empty());
    let missing: Vec<&String> = holders
        .iter()
        .filter(|name| !TYPES.iter().any(|(n, _)| n == name))
        .collect();
    assert!(
        missing.is_empty(),
        "schemas with secret fields the test does not check: {missing:?}"
    );
}

#[test]
fn no_generated_or_facade_type_prints_a_secret() {
    let doc = shaped();
    let holders = secret_holders(&doc);
    for (name, render) in TYPES {
        let mut value = match doc.pointer(&format!("/components/schemas/{name}")) {
            Some(schema) if holders.contains(*name) => instance(&doc, schema, name),
            // The registered client is untyped in the spec (`{}`): its secrets by RFC 7591.
            Some(_) => json!({"client_id": "polar_ci_test",
                              "client_secret": "test_CANARY_client_secret",
                              "registration_access_token": "test_CANARY_registration"}),
            None => panic!("{name} is not in the spec any more: update the table"),
        };
        if *name == "TokenResponse" {
            value["expires_in"] = json!(3600);
        }
        let canaries: Vec<String> = value
            .as_object()
            .unwrap()
            .values()
            .filter_map(Value::as_str)
            .filter(|s| s.starts_with("test_CANARY_"))
            .map(str::to_owned)
            .collect();
        assert!(!canaries.is_empty(), "{name}: no secret field in {value}");
        let debug = render(value);
        for canary in &canaries {
            assert!(
                !debug.contains(canary.as_str()),
                "{name} prints {canary}: {debug}"
            );
        }
        assert!(debug.contains("[redacted]"), "{name}: {debug}");
    }
}
