//! Documentation changes, long texts, constraints and the rendered reports.

use super::*;

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
