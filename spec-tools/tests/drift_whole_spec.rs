//! `spec-drift` on Polar's whole published API (2026-04-03) against a later version built from
//! it by the kinds of change Polar really makes: the false alarms are gone, the real changes stay.
//!
//! No later whole document is stored, so [`later`] constructs one. The test writes it to
//! `$CARGO_TARGET_TMPDIR/polar-openapi.later.json`, so that the release binary can be timed on
//! the pair:
//!
//! ```sh
//! cargo test -p polar-oauth2-spec-tools --test drift_whole_spec
//! cargo build --release -p polar-oauth2-spec-tools --bin spec-drift
//! time target/release/spec-drift codegen/tests/fixtures/polar-spec/openapi.2026-04-03.e4b36aaad8.yaml \
//!     target/tmp/polar-openapi.later.json
//! ```

use std::path::Path;

use polar_oauth2_codegen::load;
use polar_oauth2_spec_tools::FIXTURES;
use polar_oauth2_spec_tools::drift::{self, Change, Kind};
use serde_json::{Value, json};

/// Polar's whole API document, vendored with the generator's fixtures.
fn whole() -> std::path::PathBuf {
    Path::new(FIXTURES).join("polar-spec/openapi.2026-04-03.e4b36aaad8.yaml")
}

/// Every integer under a numeric keyword written as a float, as Polar's JSON export does.
fn floats(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                let numeric = matches!(
                    key.as_str(),
                    "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" | "default"
                );
                match child {
                    Value::Number(n) if numeric && n.is_i64() => {
                        *child = json!(n.as_f64().unwrap_or_default());
                    }
                    _ => floats(child),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(floats),
        _ => {}
    }
}

/// Rename a schema and every reference to it.
fn rename_schema(doc: &mut Value, from: &str, to: &str) {
    fn refs(value: &mut Value, from: &str, to: &str) {
        match value {
            Value::Object(map) => {
                for (key, child) in map.iter_mut() {
                    if key == "$ref" && child == &json!(from) {
                        *child = json!(to);
                    } else {
                        refs(child, from, to);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|i| refs(i, from, to)),
            _ => {}
        }
    }
    let schemas = doc["components"]["schemas"].as_object_mut().unwrap();
    let mut schema = schemas.remove(from).unwrap();
    schema["title"] = json!(to);
    schemas.insert(to.to_owned(), schema);
    refs(
        doc,
        &format!("#/components/schemas/{from}"),
        &format!("#/components/schemas/{to}"),
    );
}

/// Replace security scheme `from` by `to` (of the same kind) in every requirement.
fn rename_scheme(doc: &mut Value, from: &str, to: &str) {
    fn requirements(list: &mut Value, from: &str, to: &str) {
        for requirement in list.as_array_mut().into_iter().flatten() {
            if let Some(map) = requirement.as_object_mut()
                && let Some(scopes) = map.remove(from)
            {
                map.insert(to.to_owned(), scopes);
            }
        }
    }
    doc["components"]["securitySchemes"]
        .as_object_mut()
        .unwrap()
        .remove(from);
    requirements(&mut doc["security"], from, to);
    for item in doc["paths"].as_object_mut().unwrap().values_mut() {
        for op in item.as_object_mut().unwrap().values_mut() {
            if let Some(security) = op.get_mut("security") {
                requirements(security, from, to);
            }
        }
    }
}

/// Reverse the arms of every untagged union in request bodies.
fn reorder_request_unions(doc: &mut Value) -> usize {
    fn reverse(value: &mut Value) -> usize {
        let mut n = 0;
        if let Value::Object(map) = value {
            let tagged = map.contains_key("discriminator");
            for key in ["anyOf", "oneOf"] {
                if let Some(Value::Array(arms)) = map.get_mut(key)
                    && arms.len() > 1
                    && !tagged
                {
                    arms.reverse();
                    n += 1;
                }
            }
            for child in map.values_mut() {
                n += reverse(child);
            }
        } else if let Value::Array(items) = value {
            n += items.iter_mut().map(reverse).sum::<usize>();
        }
        n
    }
    let mut n = 0;
    for item in doc["paths"].as_object_mut().unwrap().values_mut() {
        for op in item.as_object_mut().unwrap().values_mut() {
            if let Some(body) = op.get_mut("requestBody") {
                n += reverse(body);
            }
        }
    }
    n
}

/// The later document, and the field it removes for real.
fn later(april: &Value) -> (Value, String) {
    let mut doc = april.clone();
    floats(&mut doc);
    rename_scheme(&mut doc, "access_token", "pat");
    rename_schema(
        &mut doc,
        "SubscriptionRecurringInterval",
        "RecurringInterval",
    );
    assert!(reorder_request_unions(&mut doc) > 0);
    let schemas = &mut doc["components"]["schemas"];
    // Real changes: Polar's 2026-08-20 default, a new pattern, a new scope, a field removed.
    for schema in [
        "OAuth2ClientConfiguration",
        "OAuth2ClientConfigurationUpdate",
    ] {
        schemas[schema]["properties"]["default_sub_type"]["default"] = json!("user");
    }
    schemas["OAuth2ClientConfiguration"]["properties"]["client_name"]["pattern"] = json!("^\\S");
    schemas["Scope"]["enum"]
        .as_array_mut()
        .unwrap()
        .push(json!("disputes:write"));
    let removed = "OAuth2ClientPublic.policy_uri".to_owned();
    let props = schemas["OAuth2ClientPublic"]["properties"]
        .as_object_mut()
        .unwrap();
    assert!(props.remove("policy_uri").is_some());
    (doc, removed)
}

/// `a -> b` where both sides are the same number.
fn same_number_both_sides(detail: &str) -> bool {
    let Some((a, b)) = detail.split_once(" -> ") else {
        return false;
    };
    matches!((a.parse::<f64>(), b.parse::<f64>()), (Ok(x), Ok(y)) if x == y)
}

#[test]
fn the_whole_spec_pair_has_only_the_real_changes() {
    let whole = whole();
    let april = load::read_file(&whole).unwrap();
    let (doc, removed) = later(&april);
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("polar-openapi.later.json");
    std::fs::write(&out, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    let changes = drift::diff_paths(&whole, &out).unwrap();
    let of = |kind: Kind| -> Vec<&Change> { changes.iter().filter(|c| c.kind == kind).collect() };

    // Exactly the real breaks: the rename (once) and the removed field.
    let breaking: Vec<String> = of(Kind::Breaking)
        .iter()
        .map(|c| format!("{}: {} ({})", c.item, c.change, c.detail))
        .collect();
    assert_eq!(breaking.len(), 2, "{breaking:#?}");
    assert!(
        breaking[0].starts_with(&format!("{removed}: field removed (")),
        "{breaking:#?}"
    );
    assert_eq!(
        breaking[1],
        "RecurringInterval: schema renamed (same structure; the generated type is renamed) \
         (SubscriptionRecurringInterval -> RecurringInterval)"
    );
    // Polar's new default for registration is a behaviour change, both times.
    let behaviour: Vec<&str> = of(Kind::Behaviour)
        .iter()
        .map(|c| c.item.as_str())
        .collect();
    assert_eq!(
        behaviour,
        [
            "OAuth2ClientConfiguration.default_sub_type",
            "OAuth2ClientConfigurationUpdate.default_sub_type"
        ]
    );
    assert!(
        of(Kind::Additive)
            .iter()
            .any(|c| c.item == "Scope" && c.detail == "disputes:write")
    );
    // The false alarms are gone, not just downgraded: no entry at all for a number respelled.
    assert!(
        !changes.iter().any(|c| same_number_both_sides(&c.detail)),
        "{:#?}",
        changes
            .iter()
            .filter(|c| same_number_both_sides(&c.detail))
            .take(5)
            .collect::<Vec<_>>()
    );
    // The scheme rename and the request unions: documentation only.
    for c in &changes {
        let security = c.change.contains("security") || c.change.contains("authentication");
        let reorder = c.change.contains("reordered");
        assert!(!(security || reorder) || c.kind == Kind::Cosmetic, "{c:?}");
    }
    assert!(
        changes
            .iter()
            .any(|c| c.item == "OAuth2ClientConfiguration.client_name"
                && c.kind == Kind::Cosmetic
                && c.change.contains("dropped by the generator"))
    );
    // Once: no removed schema, no type change at each use (the title changes with it).
    let mentions: Vec<&Change> = changes
        .iter()
        .filter(|c| c.kind != Kind::Cosmetic)
        .filter(|c| format!("{} {}", c.item, c.detail).contains("SubscriptionRecurringInterval"))
        .collect();
    assert_eq!(mentions.len(), 1, "{mentions:#?}");
}
