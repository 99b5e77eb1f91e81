//! The minimal unions of `tests/unions.rs`, one per way an arm can shadow another, plus Polar's
//! own `Discount`.

use std::collections::BTreeSet;
use std::path::Path;

use polar_oauth2_codegen::load;
use serde_json::{Value, json};

/// Polar's whole published document (absent from the published package).
pub const WHOLE: &str = "tests/fixtures/polar-spec/openapi.2026-04-03.e4b36aaad8.yaml";

/// A union `name` of the object `arms` (`(component, schema)`, each with its `example`) under
/// `keyword`, as a component returned by `GET /v1/unions/<name>`.
pub struct Case {
    pub name: &'static str,
    pub keyword: &'static str,
    pub arms: Vec<(String, Value)>,
    /// Components the arms refer to.
    pub extra: Vec<(String, Value)>,
}

fn object(required: &[&str], properties: Value, example: Value) -> Value {
    json!({"type": "object", "required": required, "properties": properties, "example": example})
}

/// An earlier arm needs a subset of a later arm's properties and ignores the rest.
fn required_subset() -> Case {
    let id = json!({"type": "string"});
    Case {
        name: "Subset",
        keyword: "oneOf",
        arms: vec![
            (
                "SubsetShort".to_owned(),
                object(&["id"], json!({"id": id}), json!({"id": "a"})),
            ),
            (
                "SubsetLong".to_owned(),
                object(
                    &["id", "extra"],
                    json!({"id": id, "extra": {"type": "integer"}}),
                    json!({"id": "a", "extra": 3}),
                ),
            ),
        ],
        extra: Vec::new(),
    }
}

/// Polar's `Discount`: both arms share one `duration` enum, so it is no tag.
fn shared_enum() -> Case {
    let duration = json!({"type": "string", "enum": ["once", "forever", "repeating"]});
    Case {
        name: "Duration",
        keyword: "oneOf",
        arms: vec![
            (
                "DurationOnceForever".to_owned(),
                object(
                    &["duration"],
                    json!({"duration": duration}),
                    json!({"duration": "once"}),
                ),
            ),
            (
                "DurationRepeating".to_owned(),
                object(
                    &["duration", "duration_in_months"],
                    json!({"duration": duration, "duration_in_months": {"type": "integer"}}),
                    json!({"duration": "repeating", "duration_in_months": 3}),
                ),
            ),
        ],
        extra: Vec::new(),
    }
}

/// An arm whose properties are all optional accepts any object (an `anyOf`, which typify would
/// otherwise make a struct holding every arm that decodes).
fn all_optional() -> Case {
    let note = json!({"type": "string"});
    Case {
        name: "Optional",
        keyword: "anyOf",
        arms: vec![
            (
                "OptionalNote".to_owned(),
                object(&[], json!({"note": note}), json!({"note": "n"})),
            ),
            (
                "OptionalTicket".to_owned(),
                object(
                    &["ticket"],
                    json!({"note": note, "ticket": {"type": "string"}}),
                    json!({"note": "n", "ticket": "t"}),
                ),
            ),
        ],
        extra: Vec::new(),
    }
}

/// Two arms with only optional properties accept each other's values: no order helps.
fn ambiguous() -> Case {
    Case {
        name: "Either",
        keyword: "oneOf",
        arms: vec![
            (
                "EitherLeft".to_owned(),
                object(
                    &[],
                    json!({"left": {"type": "string"}}),
                    json!({"left": "l"}),
                ),
            ),
            (
                "EitherRight".to_owned(),
                object(
                    &[],
                    json!({"right": {"type": "string"}}),
                    json!({"right": "r"}),
                ),
            ),
        ],
        extra: Vec::new(),
    }
}

/// A `const` per arm (an `enum` after the downgrade), disjoint: a tag, left alone.
fn disjoint_tag() -> Case {
    let arm = |kind: &str, required: &[&str], extra: Value, example: Value| {
        let mut properties = json!({"kind": {"type": "string", "const": kind}});
        if let (Some(p), Some(e)) = (properties.as_object_mut(), extra.as_object()) {
            p.extend(e.clone());
        }
        object(required, properties, example)
    };
    Case {
        name: "Tagged",
        keyword: "oneOf",
        arms: vec![
            (
                "TaggedPlain".to_owned(),
                arm("plain", &["kind"], json!({}), json!({"kind": "plain"})),
            ),
            (
                "TaggedRich".to_owned(),
                arm(
                    "rich",
                    &["kind", "extra"],
                    json!({"extra": {"type": "integer"}}),
                    json!({"kind": "rich", "extra": 1}),
                ),
            ),
        ],
        extra: Vec::new(),
    }
}

/// Polar's own `Discount` (2026-04), with every schema it refers to, each arm with an example
/// shaped like the server's answer: a fixed or percentage discount (by the arm's
/// `basis_points`), repeating when the arm has `duration_in_months`.
pub fn polar_discount() -> Option<Case> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(WHOLE);
    let whole = load::read_file(&path).ok()?;
    let schemas = whole.pointer("/components/schemas")?.as_object()?;
    let mut names = BTreeSet::new();
    let mut todo = vec!["Discount".to_owned()];
    while let Some(name) = todo.pop() {
        if let Some(schema) = schemas.get(&name)
            && names.insert(name)
        {
            let text = schema.to_string();
            todo.extend(
                text.split("#/components/schemas/")
                    .skip(1)
                    .filter_map(|rest| rest.split('"').next().map(str::to_owned)),
            );
        }
    }
    let arm_names: Vec<String> = schemas["Discount"]["oneOf"]
        .as_array()?
        .iter()
        .filter_map(|arm| arm["$ref"].as_str()?.rsplit('/').next().map(str::to_owned))
        .collect();
    let arms = arm_names
        .iter()
        .map(|name| {
            let mut schema = schemas[name].clone();
            let has = |property: &str| schema["properties"].get(property).is_some();
            let mut example = json!({"created_at": "2026-04-03T10:00:00Z", "modified_at": null,
                "id": "6f1c7e52-5d0a-4c1e-9d7b-2f8a1f0c3b11", "metadata": {}, "name": "Launch",
                "code": null, "starts_at": null, "ends_at": null, "max_redemptions": null,
                "redemptions_count": 0, "organization_id": "1dbfc517-0bbf-4301-9ba8-555ca42b9737",
                "products": [], "duration": "once"});
            if has("basis_points") {
                example["type"] = json!("percentage");
                example["basis_points"] = json!(1000);
            } else {
                example["type"] = json!("fixed");
                example["amount"] = json!(1000);
                example["currency"] = json!("usd");
                example["amounts"] = json!({"usd": 1000});
            }
            if has("duration_in_months") {
                example["duration"] = json!("repeating");
                example["duration_in_months"] = json!(3);
            }
            schema["example"] = example;
            (name.clone(), schema)
        })
        .collect();
    let extra = names
        .into_iter()
        .filter(|name| name != "Discount" && !arm_names.contains(name))
        .map(|name| {
            let schema = schemas[&name].clone();
            (name, schema)
        })
        .collect();
    Some(Case {
        name: "Discount",
        keyword: "oneOf",
        arms,
        extra,
    })
}

/// Polar's server's own answers for discounts (`fixtures/recorded/`), each with the arm of
/// `discount` (see [`polar_discount`]) it must decode to: the one with the most required
/// properties among those whose required properties the answer all has.
pub fn recorded_discounts(discount: &Case) -> Vec<(String, String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/recorded");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|entry| Some(entry.ok()?.path()))
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            let answer: Value = serde_json::from_str(&text).unwrap();
            let required = |schema: &Value| -> Vec<String> {
                schema["required"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|r| r.as_str().map(str::to_owned))
                    .collect()
            };
            let meant = discount
                .arms
                .iter()
                .filter(|(_, schema)| required(schema).iter().all(|r| answer.get(r).is_some()))
                .max_by_key(|(_, schema)| required(schema).len())
                .map(|(arm, _)| arm.clone())
                .unwrap_or_default();
            let label = path.file_stem().unwrap().to_string_lossy().into_owned();
            (label, text.trim().to_owned(), meant)
        })
        .collect()
}

pub fn cases() -> Vec<Case> {
    vec![
        required_subset(),
        shared_enum(),
        all_optional(),
        ambiguous(),
        disjoint_tag(),
    ]
}
