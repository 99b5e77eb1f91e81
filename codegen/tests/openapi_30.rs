//! What the downgrade leaves of each of Polar's published documents is plain OpenAPI 3.0 for
//! openapiv3, with nothing it would drop without a word.

mod support;

use polar_oauth2_codegen::{load, prepare, run, walk};
use serde_json::Value;
use support::*;

/// What the downgrade leaves must be plain OpenAPI 3.0 for openapiv3, with nothing that
/// openapiv3 would drop without a word (it ignores unknown fields rather than failing).
#[test]
fn no_31_construct_survives_the_downgrade() {
    /// The 3.1-only keywords a schema of these documents could still carry.
    fn check_schema(schema: &serde_json::Map<String, Value>, ptr: &str, doc: &str) {
        for key in ["const", "examples", "prefixItems", "$defs"] {
            assert!(!schema.contains_key(key), "{doc}: `{key}` left at #{ptr}");
        }
        if schema.contains_key("$ref") {
            assert_eq!(schema.len(), 1, "{doc}: `$ref` with siblings at #{ptr}");
        }
        if let Some(ty) = schema.get("type") {
            assert!(
                ty.is_string() && ty != "null",
                "{doc}: 3.1 `type: {ty}` at #{ptr}"
            );
        }
        if let Some(bound) = schema.get("exclusiveMinimum") {
            assert!(bound.is_boolean(), "{doc}: numeric bound at #{ptr}");
        }
    }
    let mut schemes_checked = 0;
    for name in HISTORY {
        let scratch = Scratch::new(&format!("downgrade-{name}"));
        let source = history_value(name);
        scratch.write_yaml(name, &source);
        let loaded = load::load_dir(scratch.path()).unwrap_or_else(|e| panic!("{e}"));
        let (prepared, warnings) = prepare(&loaded).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(warnings, Vec::<String>::new(), "{name}");
        assert_eq!(prepared["openapi"], "3.0.3", "{name}");
        assert_eq!(prepared.pointer("/info/summary"), None, "{name}");
        assert_eq!(
            prepared.pointer("/info/x-summary"),
            source.pointer("/info/summary"),
            "{name}: info.summary is kept as an extension"
        );
        assert_eq!(prepared.get("webhooks"), None, "{name}");
        let mut schemas = 0;
        walk::for_each_schema(&mut prepared.clone(), &mut |schema, ptr| {
            schemas += 1;
            check_schema(schema, ptr, name);
        });
        assert!(schemas > 100, "{name}: only {schemas} schemas visited");

        // Security schemes (`openIdConnect`, `http` bearer) are 3.0 already and survive parsing.
        let spec = run::parse_openapi(&prepared).unwrap_or_else(|e| panic!("{name}: {e}"));
        let parsed = spec.components.expect("components").security_schemes;
        let no_schemes = serde_json::Map::new();
        let declared = source
            .pointer("/components/securitySchemes")
            .and_then(Value::as_object)
            .unwrap_or(&no_schemes);
        assert_eq!(
            parsed.keys().collect::<Vec<_>>(),
            declared.keys().collect::<Vec<_>>(),
            "{name}"
        );
        schemes_checked += declared.len();
        for (scheme, value) in declared {
            let parsed = parsed[scheme].as_item().expect("an inline scheme");
            match (value["type"].as_str(), parsed) {
                (
                    Some("openIdConnect"),
                    openapiv3::SecurityScheme::OpenIDConnect {
                        open_id_connect_url,
                        ..
                    },
                ) => assert_eq!(open_id_connect_url, "/.well-known/openid-configuration"),
                (Some("http"), openapiv3::SecurityScheme::HTTP { scheme, .. }) => {
                    assert_eq!(scheme, "bearer")
                }
                (ty, other) => panic!("{name}: scheme `{scheme}` of type {ty:?} read as {other:?}"),
            }
        }
    }
    // The newest snapshot's `oidc` (openIdConnect) and `pat` (http bearer).
    assert_eq!(schemes_checked, 2);
}
