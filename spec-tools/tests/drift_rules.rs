//! One test per rule of the table in `polar_oauth2_spec_tools::drift`, on minimal documents.

use polar_oauth2_spec_tools::coverage::SERVER_DEFAULTED_FIELDS;
use polar_oauth2_spec_tools::drift::{self, Kind};
use serde_json::{Value, json};

/// A 3.0 document: `POST /r` sends `Req` (form), `GET /s` returns `Resp`; `extra` schemas and
/// security schemes are added; `security` is the operations' requirement.
fn doc(schemas: Value, schemes: Value, security: Value) -> Value {
    json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
        "paths": {
            "/r": {"post": {"operationId": "r", "security": security,
                "requestBody": {"required": true, "content": {"application/x-www-form-urlencoded":
                    {"schema": {"$ref": "#/components/schemas/Req"}}}},
                "responses": {"204": {"description": "ok"}}}},
            "/s": {"get": {"operationId": "s", "security": security,
                "responses": {"200": {"description": "ok",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Resp"}}}}}}}},
        "components": {"schemas": schemas, "securitySchemes": schemes}})
}

fn plain(schemas: Value) -> Value {
    doc(schemas, json!({}), json!([{}]))
}

fn object(props: Value) -> Value {
    json!({"type": "object", "properties": props})
}

/// `kind item: change` of every change.
fn lines(old: &Value, new: &Value) -> Vec<String> {
    drift::diff(old, new)
        .into_iter()
        .map(|c| format!("{} {}: {}", c.kind, c.item, c.change))
        .collect()
}

/// The same, without the cosmetic ones.
fn signal(old: &Value, new: &Value) -> Vec<String> {
    drift::diff(old, new)
        .into_iter()
        .filter(|c| c.kind != Kind::Cosmetic)
        .map(|c| format!("{} {}: {}", c.kind, c.item, c.change))
        .collect()
}

#[test]
fn numbers_are_compared_as_numbers() {
    let limit = |min: Value, max: Value, default: Value| {
        plain(json!({
            "Req": object(json!({"n": {"type": "integer", "minimum": min, "maximum": max,
                "exclusiveMinimum": false, "default": default}})),
            "Resp": object(json!({"k": {"type": "number", "enum": [1, 2]}}))}))
    };
    let ints = limit(json!(1), json!(100), json!(10));
    let mut floats = limit(json!(1.0), json!(100.0), json!(10.0));
    floats["components"]["schemas"]["Resp"]["properties"]["k"]["enum"] = json!([1.0, 2.0]);
    assert_eq!(lines(&ints, &floats), Vec::<String>::new());
    // A real change of value still shows.
    let tighter = limit(json!(2.0), json!(100.0), json!(10.0));
    assert_eq!(
        lines(&ints, &tighter),
        ["breaking Req.n: constraint minimum changed"]
    );
}

#[test]
fn a_security_scheme_renamed_with_the_same_kind_changes_nothing_on_the_wire() {
    let bearer = json!({"type": "http", "scheme": "bearer"});
    let old = doc(
        json!({"Req": object(json!({})), "Resp": object(json!({}))}),
        json!({"access_token": bearer}),
        json!([{"access_token": []}]),
    );
    let new = doc(
        json!({"Req": object(json!({})), "Resp": object(json!({}))}),
        json!({"pat": bearer}),
        json!([{"pat": []}]),
    );
    assert_eq!(signal(&old, &new), Vec::<String>::new());
    // Still visible, as documentation, once per operation and scheme.
    assert!(
        lines(&old, &new).contains(
            &"cosmetic POST /r: security requirement renamed (the same credential is sent)"
                .to_owned()
        ),
        "{:#?}",
        lines(&old, &new)
    );
    // openIdConnect and oauth2 send the same `Authorization: Bearer` too.
    let oidc = doc(
        json!({"Req": object(json!({})), "Resp": object(json!({}))}),
        json!({"oidc": {"type": "openIdConnect", "openIdConnectUrl": "/.well-known/openid-configuration"}}),
        json!([{"oidc": []}]),
    );
    assert_eq!(signal(&old, &oidc), Vec::<String>::new());
}

#[test]
fn an_api_key_is_compared_by_location_and_name() {
    let with = |place: &str, name: &str| {
        doc(
            json!({"Req": object(json!({})), "Resp": object(json!({}))}),
            json!({"key": {"type": "apiKey", "in": place, "name": name}}),
            json!([{"key": []}]),
        )
    };
    assert_eq!(
        signal(&with("header", "X-Key"), &with("header", "x-key")),
        Vec::<String>::new()
    );
    assert_eq!(
        signal(&with("header", "X-Key"), &with("query", "X-Key")),
        [
            "breaking GET /s: security alternative removed (a client sending this credential is refused)",
            "breaking POST /r: security alternative removed (a client sending this credential is refused)",
        ]
    );
}

#[test]
fn authentication_made_optional_or_dropped_are_alike_and_additive() {
    let schemes = json!({"pat": {"type": "http", "scheme": "bearer"}});
    let schemas = json!({"Req": object(json!({})), "Resp": object(json!({}))});
    let required = doc(schemas.clone(), schemes.clone(), json!([{"pat": []}]));
    let optional = doc(schemas.clone(), schemes.clone(), json!([{"pat": []}, {}]));
    let dropped = doc(schemas, schemes, json!([{}]));
    let expected = [
        "additive GET /s: authentication made optional or dropped (a client sending its token still works)",
        "additive POST /r: authentication made optional or dropped (a client sending its token still works)",
    ];
    assert_eq!(signal(&required, &optional), expected);
    assert_eq!(signal(&required, &dropped), expected);
    // The other way, both break a client that sends no token.
    for anonymous in [&optional, &dropped] {
        assert_eq!(
            signal(anonymous, &required),
            [
                "breaking GET /s: authentication now required",
                "breaking POST /r: authentication now required",
            ]
        );
    }
    // More scopes on the same credential can refuse a token that worked.
    let scoped = |scopes: Value| {
        doc(
            json!({"Req": object(json!({})), "Resp": object(json!({}))}),
            json!({"pat": {"type": "http", "scheme": "bearer"}}),
            json!([{ "pat": scopes }]),
        )
    };
    assert_eq!(
        signal(&scoped(json!(["a"])), &scoped(json!(["a", "b"]))),
        [
            "breaking GET /s: more scopes required (a token that worked may be refused)",
            "breaking POST /r: more scopes required (a token that worked may be refused)",
        ]
    );
}

#[test]
fn a_schema_renamed_with_the_same_structure_is_one_rename() {
    let interval = json!({"type": "string", "enum": ["day", "week", "month", "year"]});
    let uses = |name: &str| {
        let r = json!({"$ref": format!("#/components/schemas/{name}")});
        json!({"Req": object(json!({"interval": r})),
               "Resp": object(json!({"intervals": {"type": "array", "items": r}}))})
    };
    let mut old = uses("SubscriptionRecurringInterval");
    old["SubscriptionRecurringInterval"] = interval.clone();
    old["SubscriptionRecurringInterval"]["title"] = json!("SubscriptionRecurringInterval");
    let mut new = uses("RecurringInterval");
    new["RecurringInterval"] = interval;
    new["RecurringInterval"]["title"] = json!("RecurringInterval");
    let changes = drift::diff(&plain(old.clone()), &plain(new.clone()));
    let signal: Vec<_> = changes
        .iter()
        .filter(|c| c.kind != Kind::Cosmetic)
        .collect();
    assert_eq!(signal.len(), 1, "{changes:#?}");
    assert_eq!(
        (
            signal[0].kind,
            signal[0].item.as_str(),
            signal[0].detail.as_str()
        ),
        (
            Kind::Breaking,
            "RecurringInterval",
            "SubscriptionRecurringInterval -> RecurringInterval"
        )
    );
    assert!(signal[0].change.contains("generated type is renamed"));
    // A different structure is no rename: removed and added.
    new["RecurringInterval"]["enum"] = json!(["day", "week", "month"]);
    let lines = lines(&plain(old), &plain(new));
    assert!(
        lines.contains(&"breaking SubscriptionRecurringInterval: schema removed".to_owned())
            && lines.contains(&"additive RecurringInterval: schema added".to_owned()),
        "{lines:#?}"
    );
}

#[test]
fn request_union_order_is_ignored_response_union_order_is_not() {
    let union = |arms: &[&str]| {
        let arms: Vec<Value> = arms
            .iter()
            .map(|a| json!({"$ref": format!("#/components/schemas/{a}")}))
            .collect();
        json!({"anyOf": arms})
    };
    let with = |order: &[&str]| {
        plain(json!({"Req": union(order), "Resp": union(order),
            "A": object(json!({"a": {"type": "string"}})),
            "B": object(json!({"b": {"type": "string"}}))}))
    };
    assert_eq!(
        lines(&with(&["A", "B"]), &with(&["B", "A"])),
        [
            "breaking Resp: union arms reordered (untagged: decoding tries the arms in order)",
            "cosmetic Req: union arms reordered (request data: requests are never decoded)",
        ]
    );
}

/// The token request of the facade's web grant: `sub_type` with a server default.
fn web_token(default: &str) -> Value {
    plain(json!({
        "Req": {"$ref": "#/components/schemas/WebTokenRequest"},
        "Resp": object(json!({})),
        "WebTokenRequest": object(json!({
            "grant_type": {"type": "string", "enum": ["web"]},
            "sub_type": {"type": "string", "enum": ["user", "organization"], "default": default},
            "scope": {"type": "string", "default": default}}))}))
}

#[test]
fn a_changed_default_the_facade_relies_on_is_a_behaviour_change() {
    assert!(SERVER_DEFAULTED_FIELDS.contains(&("WebTokenRequest", "sub_type")));
    assert!(!SERVER_DEFAULTED_FIELDS.contains(&("WebTokenRequest", "scope")));
    let changes = drift::diff(&web_token("user"), &web_token("organization"));
    let detailed: Vec<String> = changes
        .iter()
        .map(|c| format!("{} {}: {} ({})", c.kind, c.item, c.change, c.detail))
        .collect();
    assert_eq!(
        detailed,
        [
            "behaviour WebTokenRequest.sub_type: default changed (the facade omits this field: \
             the server applies its new default to the same code) (user -> organization)",
            // `scope` is always sent when set, never relied on: documentation.
            "cosmetic WebTokenRequest.scope: default changed (user -> organization)",
        ]
    );
    assert!(drift::fails(&changes));
    assert!(!drift::is_breaking(&changes));
    // A default on response data documents what the server sends: cosmetic.
    let response = |default: &str| {
        plain(json!({"Req": object(json!({})),
            "Resp": object(json!({"sub_type": {"type": "string", "default": default}}))}))
    };
    assert_eq!(
        lines(&response("user"), &response("organization")),
        ["cosmetic Resp.sub_type: default changed"]
    );
}

#[test]
fn a_pattern_change_is_cosmetic_because_the_generator_drops_it() {
    let with = |pattern: Option<&str>| {
        let mut field = json!({"type": "string"});
        if let Some(p) = pattern {
            field["pattern"] = json!(p);
        }
        plain(json!({"Req": object(json!({"slug": field.clone()})),
                     "Resp": object(json!({"slug": field}))}))
    };
    for (old, new, change) in [
        (None, Some("^[a-z]+$"), "added"),
        (Some("^[a-z]+$"), Some("^[a-z0-9]+$"), "changed"),
        (Some("^[a-z]+$"), None, "removed"),
    ] {
        let changes = drift::diff(&with(old), &with(new));
        assert_eq!(changes.len(), 2, "{changes:#?}");
        for c in &changes {
            assert_eq!(c.kind, Kind::Cosmetic, "{c:?}");
            assert_eq!(
                c.change,
                format!(
                    "constraint pattern {change} (dropped by the generator: the client does not check it)"
                )
            );
        }
    }
}

#[test]
fn new_fields_break_what_the_caller_builds_new_variants_what_it_reads() {
    let old = plain(json!({
        "Req": object(json!({"kind": {"type": "string", "enum": ["a"]}})),
        "Resp": object(json!({"kind": {"type": "string", "enum": ["a"]}}))}));
    let new = plain(json!({
        "Req": object(json!({"kind": {"type": "string", "enum": ["a", "b"]},
                             "note": {"type": "string"}})),
        "Resp": object(json!({"kind": {"type": "string", "enum": ["a", "b"]},
                              "note": {"type": "string"}}))}));
    assert_eq!(
        lines(&old, &new),
        [
            "breaking Req.note: field added (optional; a new pub field: struct literals of this \
             request type stop compiling)",
            "breaking Resp.kind: enum value added to a closed response enum (a client built from \
             the old spec rejects it)",
            "additive Req.kind: enum value added",
            "additive Resp.note: field added (optional)",
        ]
    );
}

#[test]
fn drift_md_reproduces_the_table_of_the_module_docs() {
    let root = env!("CARGO_MANIFEST_DIR");
    let module = std::fs::read_to_string(format!("{root}/src/drift/mod.rs")).unwrap();
    let doc = std::fs::read_to_string(format!("{root}/DRIFT.md")).unwrap();
    let from_module: Vec<&str> = module
        .lines()
        .filter_map(|l| l.strip_prefix("//! "))
        .filter(|l| l.starts_with('|'))
        .collect();
    let from_doc: Vec<&str> = doc.lines().filter(|l| l.starts_with('|')).collect();
    assert!(from_module.len() > 20, "{from_module:#?}");
    assert_eq!(from_doc, from_module);
}

#[test]
fn a_union_made_shadowed_or_ambiguous_is_breaking() {
    let arm = |tag: Value, required: &[&str], props: Value| {
        let mut schema = object(props);
        schema["properties"]["kind"] = tag;
        schema["required"] = json!(required);
        schema
    };
    // `Long` needs more than `Short`; each arm's own `kind` tells them apart, until `Short`'s
    // accepts `Long`'s value too.
    let with = |short_kinds: Value| {
        plain(json!({"Req": object(json!({})),
            "Resp": {"oneOf": [{"$ref": "#/components/schemas/Short"},
                               {"$ref": "#/components/schemas/Long"}]},
            "Short": arm(json!({"type": "string", "enum": short_kinds}), &["kind"], json!({})),
            "Long": arm(json!({"type": "string", "enum": ["long"]}), &["kind", "extra"],
                        json!({"extra": {"type": "integer"}}))}))
    };
    let shadowed = lines(&with(json!(["short"])), &with(json!(["short", "long"])));
    assert!(
        shadowed.contains(&"breaking Resp: untagged union arm shadowed (an earlier arm accepts every value of a later one: decoding changes meaning)".to_owned()),
        "{shadowed:#?}"
    );
    // Two arms that need nothing of their own accept each other's values.
    let loose = |required: &[&str]| {
        plain(json!({"Req": object(json!({})),
            "Resp": {"oneOf": [{"$ref": "#/components/schemas/Left"},
                               {"$ref": "#/components/schemas/Right"}]},
            "Left": {"type": "object", "required": required.iter().filter(|r| **r == "l").collect::<Vec<_>>(),
                     "properties": {"l": {"type": "string"}}},
            "Right": {"type": "object", "required": required.iter().filter(|r| **r == "r").collect::<Vec<_>>(),
                      "properties": {"r": {"type": "string"}}}}))
    };
    let ambiguous = drift::diff(&loose(&["l", "r"]), &loose(&[]));
    let entries: Vec<String> = ambiguous
        .iter()
        .filter(|c| c.change.starts_with("untagged union"))
        .map(|c| format!("{} {}: {} ({})", c.kind, c.item, c.change, c.detail))
        .collect();
    assert_eq!(
        entries,
        [
            "breaking Resp: untagged union made ambiguous (two arms accept the same values) (Left and Right)"
        ]
    );
}
