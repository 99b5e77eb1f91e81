//! Compare two spec documents and classify each change for code that depends on this crate.
//!
//! Both documents are read as the library reads them (merged if a directory, then downgraded to
//! 3.0) and flattened into a [`Surface`]; the two surfaces are compared item by item, so the
//! order of keys, parameters, `required` lists and enum values never produces an entry.
//!
//! # Whose view
//!
//! A change is judged twice: on the **wire** (does a program built from the old spec still talk
//! to the new server?) and in the **Rust API** (does code compiled against the crate still
//! compile? progenitor generates pub structs with pub fields, enums without
//! `#[non_exhaustive]`, and positional methods, one argument per parameter). The verdict is the
//! worse of the two; the exit status is driven by the verdict (1 for `breaking` or `behaviour`).
//!
//! Direction decides many rows: a schema is *request* data if it is reachable (through `$ref`s)
//! from a parameter or request body, *response* data if reachable from a response. The caller
//! *builds* request data (a new struct field breaks its struct literals) and *reads* response
//! data (a new enum variant breaks its `match`). A schema that is both, or neither (progenitor
//! still generates a type for it), gets the stricter verdict.
//!
//! # The table
//!
//! This table is the specification of the rules; `spec-tools/DRIFT.md` reproduces it (a test keeps
//! the two equal).
//!
//! | Change | Wire impact | Rust API impact | Verdict |
//! |---|---|---|---|
//! | operation removed | calls fail | generated method removed | breaking |
//! | operation added | none | new method | additive |
//! | `operationId` changed | none | generated method renamed | breaking |
//! | parameter or request body removed | the server may reject what is still sent | method argument removed | breaking |
//! | parameter or request body added, required | old calls are rejected | new method argument | breaking |
//! | parameter added, optional | none | new positional argument: call sites stop compiling | breaking |
//! | parameter made required / optional | required: old calls rejected; optional: none | argument switches between `T` and `Option<T>` | breaking |
//! | response removed, or the only success status replaced (`200` -> `204`) | the expected response is gone | return type changes | breaking |
//! | success status (`1xx`-`3xx`) added | the old client calls it an unexpected response | none | breaking |
//! | error status added | none | none | additive |
//! | type or media type changed | payload no longer encodes or decodes | field or argument type changes | breaking |
//! | schema removed | none | generated type removed | breaking |
//! | schema added | none | new type | additive |
//! | schema renamed with the same structure (found by structure, reported once) | none: JSON carries no type names | generated type renamed | breaking |
//! | field removed | response: data missing; request: the server may reject it | pub field removed | breaking |
//! | field added to request data, required | old requests rejected | new pub field | breaking |
//! | field added to request data, optional | none | new pub field: struct literals of a type the caller builds stop compiling | breaking |
//! | field added to response-only data | none | new pub field; code that reads the type compiles | additive |
//! | response field made optional or nullable | decoding fails on an absent or null value | `T` -> `Option<T>` | breaking |
//! | request field made required or non-nullable | old requests rejected | `Option<T>` -> `T` | breaking |
//! | request field made optional or nullable, response field made required or non-nullable | none | breaking when the field switches between `T` and `Option<T>`, else none | breaking / additive |
//! | enum value or union arm removed; discriminator changed or a value removed | data no longer accepted | variant removed | breaking |
//! | enum value, union arm or discriminator value added to response data (closed enum) | decoding fails on the new value | new variant: a `match` stops compiling | breaking |
//! | enum value or union arm added to request data, or a value added to an open enum ([`OPEN_ENUMS`]: `Scope` keeps unknown values) | none | new variant; code that builds values compiles | additive |
//! | untagged union arms reordered in response data | decoding tries the arms in order: another arm may match | none | breaking |
//! | union arms reordered in request data (requests are never decoded), or in a tagged union | none | none | cosmetic |
//! | untagged union made shadowed (an earlier arm accepts every value of a later one) or ambiguous (two arms accept the same values) | decoding changes meaning: a value comes back as another arm, or the generator reorders the arms (an `anyOf` then becomes an enum) | the generated union may change shape | breaking |
//! | constraint tightened on request data, or loosened on response data | refused by the server / data not seen before | none | breaking |
//! | constraint loosened on request data, or tightened on response data | none | none | additive |
//! | a number spelled differently (`1` vs `1.0`) | none | none | no entry |
//! | `pattern` added, changed or removed | none | none: dropped by the generator (a client must not reject server data on a regex; the server validates) | cosmetic |
//! | authentication required where it was optional; a credential alternative removed; more scopes required | the old client's request is refused | none (no authentication is generated) | breaking |
//! | authentication made optional or dropped; an alternative added; fewer scopes required | a client that keeps sending its token still works | none | additive |
//! | security scheme renamed or re-declared with the same credential (`http bearer`, `openIdConnect` and `oauth2` all send `Authorization: Bearer`; `apiKey` by location and name) | the same header is sent | none | cosmetic |
//! | `default` changed on a request field the facade omits ([`SERVER_DEFAULTED_FIELDS`]) | the same request now gets the server's new default | none: the same code silently gets a different result | behaviour |
//! | `default` changed on any other field | none: the crate sends the field, or the server sends it back | generated default functions follow | cosmetic |
//! | server URL removed / added | the base URL is gone / none | none | breaking / additive |
//! | a keyword this tool does not interpret changed | unknown | unknown | breaking |
//! | descriptions, summaries, titles, examples, display names (`enumNames`), tags, `info`, `deprecated`, `x-` extensions | none | doc comments | cosmetic |
//!
//! `behaviour` is its own verdict rather than `breaking`: nothing fails to compile or to decode,
//! and the API-surface snapshot (which lists no defaults) does not change, so it is acknowledged
//! by a `CHANGELOG.md` entry alone (see [`git`]), while `breaking` needs the snapshot too.

mod args;
mod classify;
pub mod git;
mod rename;
mod render;
mod security;
mod shadowing;

use std::fmt;
use std::path::Path;

use serde_json::Value;

pub use crate::coverage::SERVER_DEFAULTED_FIELDS;
use crate::surface::Surface;
use polar_oauth2_codegen::Error;
use polar_oauth2_codegen::{downgrade, load};

pub use args::{Args, Command, Format, Source, USAGE, parse_args};
pub use render::{render, render_human, render_json, render_markdown};

/// Component enums the hand-written facade keeps open: an unknown value decodes (as
/// `Scope::Unknown`), so a new value breaks no one.
pub const OPEN_ENUMS: &[&str] = &["Scope"];

/// The verdict on a change for code that depends on this crate. Ordered from the most to the
/// least severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// Code or data that worked with the old spec may fail with the new one, on the wire or
    /// when compiling against the regenerated crate.
    Breaking,
    /// Nothing fails, but the same code silently gets a different result (a server default the
    /// crate relies on changed).
    Behaviour,
    /// New capabilities or stronger guarantees; nothing that worked breaks.
    Additive,
    /// Documentation only, or nothing the generated client sees.
    Cosmetic,
}

impl Kind {
    /// Every kind, from the most to the least severe.
    pub const ALL: [Kind; 4] = [
        Kind::Breaking,
        Kind::Behaviour,
        Kind::Additive,
        Kind::Cosmetic,
    ];

    /// `breaking`, `behaviour`, `additive` or `cosmetic`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Breaking => "breaking",
            Kind::Behaviour => "behaviour",
            Kind::Additive => "additive",
            Kind::Cosmetic => "cosmetic",
        }
    }

    /// Does a change of this kind fail the check (exit status 1)?
    pub fn fails(self) -> bool {
        matches!(self, Kind::Breaking | Kind::Behaviour)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One classified change.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Change {
    /// The verdict.
    pub kind: Kind,
    /// The item, by a readable path: `TokenResponse.id_token`, `GET /v1/oauth2/authorize 200`,
    /// `Scope`, `POST /v1/oauth2/token`, `document`.
    pub item: String,
    /// What happened to it: `field removed`, `made optional and nullable`, `enum value added`;
    /// a parenthesis says why when the verdict is not obvious.
    pub change: String,
    /// The values involved (`string -> integer`, `metrics:write`); may be empty.
    pub detail: String,
}

/// Downgrade a merged document for comparison, naming the file at fault on error.
pub fn prepare(doc: &load::Document) -> Result<Value, Error> {
    let mut value = doc.value.clone();
    downgrade::downgrade(&mut value).map_err(|e| doc.locate(e))?;
    Ok(value)
}

/// Read a spec for comparison: a file, or a directory merged like `spec/`; then downgraded.
pub fn load_spec(path: &Path) -> Result<Value, Error> {
    if path.is_dir() {
        // A spec directory is compared as the client sees it: its selection of operations.
        prepare(&polar_oauth2_codegen::load_spec(path)?)
    } else {
        let mut value = load::read_file(path)?;
        downgrade::downgrade(&mut value).map_err(|e| e.with_file(Some(path)))?;
        Ok(value)
    }
}

/// Compare the specs at two paths (files or directories).
pub fn diff_paths(old: &Path, new: &Path) -> Result<Vec<Change>, Error> {
    Ok(diff(&load_spec(old)?, &load_spec(new)?))
}

/// Compare two downgraded documents.
pub fn diff(old: &Value, new: &Value) -> Vec<Change> {
    let mut changes = diff_surfaces(&Surface::from_doc(old), &Surface::from_doc(new));
    changes.extend(shadowing::changes(old, new));
    changes.sort();
    changes.dedup();
    changes
}

/// Compare two surfaces; the result is sorted by kind, then item, then change.
pub fn diff_surfaces(old: &Surface, new: &Surface) -> Vec<Change> {
    let mut changes = classify::classify(old, new);
    changes.sort();
    changes.dedup();
    changes
}

/// Does any change break a client?
pub fn is_breaking(changes: &[Change]) -> bool {
    changes.iter().any(|c| c.kind == Kind::Breaking)
}

/// Does any change fail the check (breaking or behaviour)?
pub fn fails(changes: &[Change]) -> bool {
    changes.iter().any(|c| c.kind.fails())
}

#[cfg(test)]
mod tests {
    use super::classify::{Narrowing, narrowing};
    use super::render::short_pair;
    use super::*;
    use serde_json::json;

    /// A document with one request schema (`Req`, the body of `POST /r`) and one response schema
    /// (`Resp`, the 200 of `GET /s`), plus `extra` schemas.
    fn doc(req: Value, resp: Value, extra: Value) -> Value {
        let mut schemas = json!({"Req": req, "Resp": resp});
        for (k, v) in extra.as_object().into_iter().flatten() {
            schemas[k] = v.clone();
        }
        json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {
                "/r": {"post": {"operationId": "r", "requestBody": {"required": true,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Req"}}}},
                    "responses": {"204": {"description": "ok"}}}},
                "/s": {"get": {"operationId": "s", "responses": {"200": {"description": "ok",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Resp"}}}}}}}},
            "components": {"schemas": schemas}})
    }

    fn obj(props: Value, required: &[&str]) -> Value {
        json!({"type": "object", "properties": props, "required": required})
    }

    /// The changes as `kind item: change` strings.
    fn lines(old: &Value, new: &Value) -> Vec<String> {
        diff(old, new)
            .into_iter()
            .map(|c| format!("{} {}: {}", c.kind, c.item, c.change))
            .collect()
    }

    #[test]
    fn identical_documents_have_no_changes() {
        let d = doc(
            obj(json!({"a": {"type": "string"}}), &["a"]),
            obj(json!({}), &[]),
            json!({}),
        );
        assert_eq!(diff(&d, &d), []);
        assert_eq!(render_human(&[]), "no changes\n");
    }

    #[test]
    fn optional_breaks_a_response_on_the_wire_and_a_request_in_rust() {
        let field = json!({"f": {"type": "string"}});
        let loose = json!({"f": {"type": "string", "nullable": true}});
        let old = doc(obj(field.clone(), &["f"]), obj(field, &["f"]), json!({}));
        let new = doc(obj(loose.clone(), &[]), obj(loose, &[]), json!({}));
        // The wire: a response may now lack it. Rust: `String` -> `Option<String>` either way.
        assert_eq!(
            lines(&old, &new),
            [
                "breaking Req.f: made optional and nullable \
                 (the generated Rust type switches between T and Option<T>)",
                "breaking Resp.f: made optional and nullable",
            ]
        );
        // And back: tightening breaks the sender on the wire, the reader in Rust.
        assert_eq!(
            lines(&new, &old),
            [
                "breaking Req.f: made required and non-nullable",
                "breaking Resp.f: made required and non-nullable \
                 (the generated Rust type switches between T and Option<T>)",
            ]
        );
    }

    #[test]
    fn loosening_that_keeps_the_rust_type_is_additive_for_a_request() {
        // Required and nullable, then optional and nullable: `Option<String>` both times.
        let field = json!({"f": {"type": "string", "nullable": true}});
        let old = doc(obj(field.clone(), &["f"]), obj(json!({}), &[]), json!({}));
        let new = doc(obj(field, &[]), obj(json!({}), &[]), json!({}));
        assert_eq!(lines(&old, &new), ["additive Req.f: made optional"]);
        // A default keeps an optional field a plain `T` (typify fills it in).
        let with_default = json!({"f": {"type": "string", "default": "x"}});
        let old = doc(
            obj(with_default.clone(), &["f"]),
            obj(json!({}), &[]),
            json!({}),
        );
        let new = doc(obj(with_default, &[]), obj(json!({}), &[]), json!({}));
        assert_eq!(lines(&old, &new), ["additive Req.f: made optional"]);
    }

    #[test]
    fn a_schema_used_both_ways_gets_the_stricter_kind() {
        let shared = |required: &[&str]| obj(json!({"f": {"type": "string"}}), required);
        let uses = obj(
            json!({"s": {"$ref": "#/components/schemas/Shared"}}),
            &["s"],
        );
        let old = doc(
            uses.clone(),
            uses.clone(),
            json!({"Shared": shared(&["f"])}),
        );
        let new = doc(uses.clone(), uses, json!({"Shared": shared(&[])}));
        assert_eq!(lines(&old, &new), ["breaking Shared.f: made optional"]);
    }

    #[test]
    fn new_fields_required_in_requests_break_required_in_responses_do_not() {
        let old = doc(obj(json!({}), &[]), obj(json!({}), &[]), json!({}));
        let new = doc(
            obj(
                json!({"a": {"type": "string"}, "b": {"type": "string"}}),
                &["a"],
            ),
            obj(
                json!({"a": {"type": "string"}, "b": {"type": "string"}}),
                &["a"],
            ),
            json!({}),
        );
        assert_eq!(
            lines(&old, &new),
            [
                "breaking Req.a: field added (required)",
                "breaking Req.b: field added (optional; a new pub field: struct literals of this request type stop compiling)",
                "additive Resp.a: field added (required)",
                "additive Resp.b: field added (optional)",
            ]
        );
        assert_eq!(
            lines(&new, &old),
            [
                "breaking Req.a: field removed",
                "breaking Req.b: field removed",
                "breaking Resp.a: field removed",
                "breaking Resp.b: field removed",
            ]
        );
    }

    #[test]
    fn type_change_breaks_and_hides_the_children_it_replaces() {
        let old = doc(
            obj(
                json!({"a": {"type": "object", "properties": {"x": {"type": "string"}}}}),
                &[],
            ),
            obj(json!({}), &[]),
            json!({}),
        );
        let new = doc(
            obj(json!({"a": {"type": "string"}}), &[]),
            obj(json!({}), &[]),
            json!({}),
        );
        assert_eq!(lines(&old, &new), ["breaking Req.a: type changed"]);
    }

    #[test]
    fn enum_values_open_scope_closed_response_and_request() {
        let e = |values: &[&str]| json!({"type": "string", "enum": values});
        let old = doc(
            obj(json!({"hint": e(&["a"])}), &[]),
            obj(
                json!({"kind": e(&["a"]), "scopes": {"type": "array",
                "items": {"$ref": "#/components/schemas/Scope"}}}),
                &[],
            ),
            json!({"Scope": e(&["openid", "web:read"])}),
        );
        let new = doc(
            obj(json!({"hint": e(&["a", "b"])}), &[]),
            obj(
                json!({"kind": e(&["a", "b"]), "scopes": {"type": "array",
                "items": {"$ref": "#/components/schemas/Scope"}}}),
                &[],
            ),
            json!({"Scope": e(&["openid", "metrics:write"])}),
        );
        let changes = diff(&old, &new);
        let find = |item: &str, detail: &str| {
            changes
                .iter()
                .find(|c| c.item == item && c.detail == detail)
                .map(|c| (c.kind, c.change.as_str()))
        };
        assert_eq!(
            find("Scope", "metrics:write"),
            Some((Kind::Additive, "enum value added"))
        );
        assert_eq!(
            find("Scope", "web:read"),
            Some((Kind::Breaking, "enum value removed"))
        );
        assert_eq!(
            find("Req.hint", "b"),
            Some((Kind::Additive, "enum value added"))
        );
        assert_eq!(find("Resp.kind", "b").map(|(k, _)| k), Some(Kind::Breaking));
        assert_eq!(changes.len(), 4, "{changes:#?}");
    }

    #[test]
    fn union_arms_and_discriminator_values() {
        let union = |arms: &[&str]| {
            let refs: Vec<Value> = arms
                .iter()
                .map(|a| json!({"$ref": format!("#/components/schemas/{a}")}))
                .collect();
            let mapping: serde_json::Map<String, Value> = arms
                .iter()
                .map(|a| (a.to_lowercase(), json!(format!("#/components/schemas/{a}"))))
                .collect();
            json!({"oneOf": refs, "discriminator": {"propertyName": "t", "mapping": mapping}})
        };
        let extra = json!({"A": {"type": "object"}, "B": {"type": "object"}});
        let old = doc(union(&["A"]), union(&["A"]), extra.clone());
        let new = doc(union(&["A", "B"]), union(&["A", "B"]), extra);
        let kinds: Vec<(Kind, String)> = diff(&old, &new)
            .into_iter()
            .map(|c| (c.kind, format!("{} {}", c.item, c.detail)))
            .collect();
        assert_eq!(
            kinds,
            [
                (Kind::Breaking, "Resp b -> B".to_owned()),
                (Kind::Breaking, "Resp B".to_owned()),
                (Kind::Additive, "Req b -> B".to_owned()),
                (Kind::Additive, "Req B".to_owned()),
            ]
        );
    }

    #[test]
    fn success_status_replaced_is_one_breaking_change() {
        let with = |responses: Value| {
            json!({"openapi": "3.0.3", "paths": {"/c/{id}": {"delete": {"operationId": "d",
                "responses": responses}}}})
        };
        let old = with(json!({"200": {"description": "ok",
            "content": {"application/json": {"schema": {}}}},
            "422": {"description": "bad"}}));
        let new = with(json!({"204": {"description": "deleted"}, "422": {"description": "bad"}}));
        let changes = diff(&old, &new);
        assert_eq!(
            changes[0],
            Change {
                kind: Kind::Breaking,
                item: "DELETE /c/{id} 200".into(),
                change: "status changed".into(),
                detail: "200 -> 204; body any, application/json -> none".into(),
            }
        );
        assert!(
            changes[1..].iter().all(|c| c.kind == Kind::Cosmetic),
            "{changes:#?}"
        );
    }

    #[test]
    fn statuses_added_and_removed() {
        let with = |responses: Value| json!({"openapi": "3.0.3", "paths": {"/x": {"get": {"responses": responses}}}});
        let old = with(json!({"200": {}}));
        let new = with(json!({"200": {}, "201": {}, "404": {}}));
        assert_eq!(
            lines(&old, &new),
            [
                "breaking GET /x 201: success status added (a client built from the old spec rejects it)",
                "additive GET /x 404: response status added",
            ]
        );
        assert_eq!(
            lines(&new, &old),
            [
                "breaking GET /x 201: response removed",
                "breaking GET /x 404: response removed"
            ]
        );
    }

    #[test]
    fn operations_parameters_and_security() {
        let op = |params: Value, security: Value| {
            json!({"openapi": "3.0.3", "paths": {"/x": {"get": {"operationId": "x",
                "parameters": params, "security": security, "responses": {}}}}})
        };
        let q = |name: &str, required: bool| json!({"name": name, "in": "query", "required": required, "schema": {"type": "string"}});
        let old = op(json!([q("a", false), q("gone", false)]), json!([{}]));
        let new = op(
            json!([q("a", true), q("b", true), q("c", false)]),
            json!([{"oidc": []}]),
        );
        assert_eq!(
            lines(&old, &new),
            [
                "breaking GET /x: authentication now required",
                "breaking GET /x query:a: made required",
                "breaking GET /x query:b: parameter added (required)",
                "breaking GET /x query:c: parameter added (optional; the generated method gains an argument)",
                "breaking GET /x query:gone: parameter removed",
            ]
        );
        let none = json!({"openapi": "3.0.3", "paths": {}});
        assert_eq!(lines(&none, &new), ["additive GET /x: operation added"]);
        assert_eq!(lines(&new, &none), ["breaking GET /x: operation removed"]);
    }

    #[test]
    fn descriptions_titles_examples_defaults_and_extensions_are_cosmetic() {
        let old = doc(
            obj(
                json!({"a": {"type": "string", "title": "A", "description": "old",
                               "default": "x"}}),
                &[],
            ),
            json!({"type": "string", "enum": ["u"], "enumNames": {"u": "User"}}),
            json!({}),
        );
        let new = doc(
            obj(
                json!({"a": {"type": "string", "title": "Ay", "description": "new",
                               "default": "y", "example": "z", "x-speakeasy": true}}),
                &[],
            ),
            json!({"type": "string", "enum": ["u"], "enumNames": {"u": "A user"}}),
            json!({}),
        );
        let changes = diff(&old, &new);
        assert_eq!(
            lines(&old, &new),
            [
                "cosmetic Req.a: default changed",
                "cosmetic Req.a: description changed",
                "cosmetic Req.a: example added",
                "cosmetic Req.a: title changed",
                "cosmetic Req.a: x-speakeasy added",
                "cosmetic Resp: enumNames.u changed",
            ]
        );
        assert_eq!(changes[0].detail, "x -> y");
        assert!(!is_breaking(&changes));
    }

    #[test]
    fn long_texts_show_the_words_that_differ() {
        let words = |extra: &str| {
            Value::String(format!(
                "openid profile email user:read user:write organizations:read \
                 organizations:write metrics:read {extra}webhooks:read webhooks:write \
                 license_keys:read license_keys:write"
            ))
        };
        assert_eq!(
            short_pair(&words(""), &words("metrics:write ")),
            "… metrics:read webhooks:read … -> … metrics:read metrics:write webhooks:read …"
        );
        assert_eq!(short_pair(&json!("a"), &json!(1)), "a -> 1");
        let long = "x ".repeat(50);
        assert_eq!(
            short_pair(&json!(long), &json!(format!("{long}y"))),
            "… x -> … x y"
        );
    }

    #[test]
    fn constraints_narrowing_depends_on_direction() {
        let s = |c: Value| {
            let mut f = json!({"type": "string"});
            for (k, v) in c.as_object().into_iter().flatten() {
                f[k] = v.clone();
            }
            obj(json!({ "f": f }), &[])
        };
        let old = doc(
            s(json!({"maxLength": 10})),
            s(json!({"maxLength": 10})),
            json!({}),
        );
        let new = doc(
            s(json!({"maxLength": 5, "pattern": "^a"})),
            s(json!({"maxLength": 5, "pattern": "^a"})),
            json!({}),
        );
        assert_eq!(
            lines(&old, &new),
            [
                "breaking Req.f: constraint maxLength changed",
                "additive Resp.f: constraint maxLength changed",
                "cosmetic Req.f: constraint pattern added (dropped by the generator: the client does not check it)",
                "cosmetic Resp.f: constraint pattern added (dropped by the generator: the client does not check it)",
            ]
        );
        assert_eq!(
            narrowing("minLength", Some("1"), Some("0")),
            Narrowing::Looser
        );
        assert_eq!(
            narrowing("pattern", Some("\"a\""), Some("\"b\"")),
            Narrowing::Unknown
        );
    }

    #[test]
    fn items_that_gain_a_constraint_report_it_on_the_items() {
        let old = doc(
            obj(
                json!({"u": {"type": "array", "items": {"type": "string"}}}),
                &[],
            ),
            obj(json!({}), &[]),
            json!({}),
        );
        let new = doc(
            obj(
                json!({"u": {"type": "array", "items": {"type": "string", "minLength": 1}}}),
                &[],
            ),
            obj(json!({}), &[]),
            json!({}),
        );
        assert_eq!(
            lines(&old, &new),
            ["breaking Req.u[]: constraint minLength added"]
        );
    }

    #[test]
    fn reports_render_grouped_and_as_json() {
        let changes = vec![
            Change {
                kind: Kind::Breaking,
                item: "T.f".into(),
                change: "field removed".into(),
                detail: "string".into(),
            },
            Change {
                kind: Kind::Cosmetic,
                item: "T".into(),
                change: "title changed".into(),
                detail: String::new(),
            },
        ];
        assert_eq!(
            render_human(&changes),
            "1 breaking, 0 behaviour, 0 additive, 1 cosmetic\n\nbreaking:\n  T.f: field removed (string)\n\n\
             cosmetic:\n  T: title changed\n"
        );
        let parsed: Value = serde_json::from_str(&render_json(&changes)).unwrap();
        assert_eq!(
            parsed[0],
            json!({"kind": "breaking", "item": "T.f", "change": "field removed", "detail": "string"})
        );
    }
}
