//! The response bodies the fuzz properties send: arbitrary bytes, and valid token, consent and
//! error JSON structurally mutated (fields missing, null, wrong-typed, huge, deeply nested).

use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{Value, json};

/// Statuses that carry a body; 200 (the one success the spec defines) weighted up.
pub fn status() -> impl Strategy<Value = u16> {
    prop_oneof![
        4 => Just(200u16),
        6 => prop::sample::select(vec![
            201u16, 202, 203, 206, 300, 301, 302, 307, 308, 400, 401, 402, 403, 404, 405, 409,
            410, 413, 415, 418, 422, 429, 451, 500, 501, 502, 503, 504, 599,
        ]),
    ]
}

pub fn headers() -> impl Strategy<Value = Vec<(String, String)>> {
    let content_type = prop_oneof![
        Just(None),
        prop::sample::select(vec![
            "application/json",
            "application/json; charset=utf-8",
            "application/problem+json",
            "text/html; charset=utf-8",
            "text/plain",
            "application/x-www-form-urlencoded",
            "application/octet-stream",
        ])
        .prop_map(|s| Some(s.to_owned())),
        "[ -~]{0,60}".prop_map(Some),
    ];
    let retry_after = prop_oneof![
        Just(None),
        "[0-9]{1,25}".prop_map(Some),
        "[ -~]{0,30}".prop_map(Some),
    ];
    let www_authenticate = prop_oneof![Just(None), "[ -~]{0,80}".prop_map(Some)];
    (content_type, retry_after, www_authenticate).prop_map(|(ct, ra, wa)| {
        [
            ("content-type", ct),
            ("retry-after", ra),
            ("www-authenticate", wa),
        ]
        .into_iter()
        .filter_map(|(n, v)| Some((n.to_owned(), v?.trim().to_owned())))
        .collect()
    })
}

pub fn arbitrary_body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..64),
        prop::collection::vec(any::<u8>(), 0..4096),
        // Printable, JSON-ish noise is more likely to get past the first byte.
        "[{}\\[\\]\":,a-z0-9_ .-]{0,512}".prop_map(String::into_bytes),
    ]
}

pub fn token_json() -> Value {
    json!({
        "access_token": "polar_at_u_test_access",
        "token_type": "Bearer",
        "expires_in": 864000,
        "refresh_token": "polar_rt_u_test_refresh",
        "scope": "openid email orders:read",
        "id_token": "eyJ.test.sig",
    })
}

pub fn authorize_json(sub_type: &str) -> Value {
    let mut v = json!({
        "client": {
            "created_at": "2026-01-02T03:04:05Z",
            "modified_at": null,
            "client_id": "polar_ci_test_client",
            "client_name": "Test App",
            "client_uri": "https://app.example",
            "logo_uri": null,
            "tos_uri": null,
            "policy_uri": null,
        },
        "sub_type": sub_type,
        "sub": {"id": "0b9f7c56-2a57-4c4f-a1b8-6a9d2c3e4f50", "email": "ada@example.com", "avatar_url": null},
        "scopes": ["openid", "email", "orders:read"],
        "scope_display_names": {"openid": "OpenID", "email": "Read your email address"},
        // Required in both arms by newer documents; older ones ignore it.
        "organizations": [{"id": "5f0c4d5e-6a4b-4c1e-9d55-2f2a7c0b1a11", "slug": "acme", "avatar_url": null}],
    });
    if sub_type == "organization" {
        v["sub"] = json!({"id": "5f0c4d5e-6a4b-4c1e-9d55-2f2a7c0b1a11", "slug": "acme", "avatar_url": null});
    }
    v
}

pub fn oauth_error_json() -> Value {
    json!({"error": "invalid_grant", "error_description": "The code has expired", "error_uri": "https://polar.sh/docs"})
}

pub fn validation_error_json() -> Value {
    json!({"detail": [{"loc": ["body", "grant_type"], "msg": "Field required", "type": "missing"}, {"loc": ["body", 0], "msg": "x", "type": "y"}]})
}

/// A value of the wrong kind, or an extreme one of the right kind.
fn replacement() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        prop::sample::select(vec![0i64, -1, i64::MIN, i64::MAX]).prop_map(Value::from),
        ".{0,40}".prop_map(Value::String),
        Just(json!([])),
        Just(json!({})),
        Just(json!(["openid", 1, null, {"a": []}])),
        Just(json!({"sub_type": "user", "error": 3})),
        // Huge: under the 1 MiB cap, and over it.
        (1usize..300_000).prop_map(|n| Value::String("x".repeat(n))),
        Just(Value::String("polar_".repeat(250_000))),
        (1usize..20_000).prop_map(|n| Value::Array(vec![Value::from(1); n])),
        // Deeply nested, up to past serde_json's recursion limit (128) and far beyond.
        (1usize..100_000, any::<bool>()).prop_map(|(depth, objects)| nested(depth, objects)),
    ]
}

/// Marks where [`to_bytes`] writes `depth` nested arrays or objects. A real `Value` that deep
/// would overflow the stack in this test's own `Clone`, `Drop` and `Debug`, which recurse.
const NESTED: &str = "\u{0}nested";

fn nested(depth: usize, objects: bool) -> Value {
    Value::String(format!("{NESTED}:{depth}:{objects}"))
}

fn write_nested(marker: &str, out: &mut Vec<u8>) -> bool {
    let Some(spec) = marker.strip_prefix(NESTED) else {
        return false;
    };
    let mut parts = spec.trim_start_matches(':').split(':');
    let depth: usize = parts.next().and_then(|d| d.parse().ok()).unwrap_or(1);
    let (open, close): (&[u8], &[u8]) = if parts.next() == Some("true") {
        (br#"{"a":"#, b"}")
    } else {
        (b"[", b"]")
    };
    out.extend(open.repeat(depth));
    out.push(b'0');
    out.extend(close.repeat(depth));
    true
}

#[derive(Debug, Clone)]
enum Mutation {
    Remove(Index),
    Replace(Index, Value),
    /// Add an unknown field holding `value` to the object at `Index`.
    AddField(Index, String, Value),
    /// Rename a key (a typo'd or re-cased field).
    Rename(Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<Index>().prop_map(Mutation::Remove),
        (any::<Index>(), replacement()).prop_map(|(i, v)| Mutation::Replace(i, v)),
        (
            any::<Index>(),
            prop_oneof![
                Just("sub_type".to_owned()),
                Just("error".to_owned()),
                Just("detail".to_owned()),
                "[a-z_]{1,12}"
            ],
            replacement()
        )
            .prop_map(|(i, k, v)| Mutation::AddField(i, k, v)),
        any::<Index>().prop_map(Mutation::Rename),
    ]
}

/// JSON pointers to every value in `v` (the root included).
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                pointers(
                    child,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate().take(8) {
                pointers(child, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(at);
}

fn apply(mut v: Value, m: &Mutation) -> Value {
    let mut all = Vec::new();
    pointers(&v, String::new(), &mut all);
    let pick = |i: &Index| all[i.index(all.len())].clone();
    match m {
        Mutation::Remove(i) => {
            let at = pick(i);
            if let Some((parent, key)) = at.rsplit_once('/')
                && let Some(p) = v.pointer_mut(parent)
            {
                match p {
                    Value::Object(map) => {
                        map.remove(&key.replace("~1", "/").replace("~0", "~"));
                    }
                    Value::Array(items) => {
                        if let Ok(k) = key.parse::<usize>()
                            && k < items.len()
                        {
                            items.remove(k);
                        }
                    }
                    _ => {}
                }
            }
        }
        Mutation::Replace(i, value) => {
            if let Some(target) = v.pointer_mut(&pick(i)) {
                *target = value.clone();
            }
        }
        Mutation::AddField(i, key, value) => {
            if let Some(Value::Object(map)) = v.pointer_mut(&pick(i)) {
                map.insert(key.clone(), value.clone());
            }
        }
        Mutation::Rename(i) => {
            let at = pick(i);
            if let Some((parent, key)) = at.rsplit_once('/')
                && let Some(Value::Object(map)) = v.pointer_mut(parent)
                && let Some(child) = map.remove(key)
            {
                map.insert(key.to_ascii_uppercase(), child);
            }
        }
    }
    v
}

pub fn mutated(base: Value) -> impl Strategy<Value = Vec<u8>> {
    (prop::collection::vec(mutation(), 1..4), any::<bool>()).prop_map(move |(ms, pretty)| {
        let v = ms.iter().fold(base.clone(), apply);
        to_bytes(&v, pretty)
    })
}

/// Serialise, writing [`nested`] markers out as the deep values they stand for.
pub fn to_bytes(v: &Value, pretty: bool) -> Vec<u8> {
    enum Step<'a> {
        Value(&'a Value),
        Raw(&'static str),
        Key(&'a str),
    }
    let mut out = Vec::new();
    let mut stack = vec![Step::Value(v)];
    while let Some(step) = stack.pop() {
        match step {
            Step::Raw(s) => out.extend_from_slice(s.as_bytes()),
            Step::Key(k) => {
                out.extend_from_slice(serde_json::to_string(k).unwrap().as_bytes());
                out.extend_from_slice(if pretty { b": " } else { b":" });
            }
            Step::Value(Value::Array(items)) => {
                out.push(b'[');
                stack.push(Step::Raw("]"));
                for (i, item) in items.iter().enumerate().rev() {
                    stack.push(Step::Value(item));
                    if i > 0 {
                        stack.push(Step::Raw(","));
                    }
                }
            }
            Step::Value(Value::Object(map)) => {
                out.push(b'{');
                stack.push(Step::Raw("}"));
                let entries: Vec<_> = map.iter().collect();
                for (i, (k, item)) in entries.into_iter().enumerate().rev() {
                    stack.push(Step::Value(item));
                    stack.push(Step::Key(k));
                    if i > 0 {
                        stack.push(Step::Raw(if pretty { ",\n  " } else { "," }));
                    }
                }
            }
            Step::Value(Value::String(s)) if write_nested(s, &mut out) => {}
            Step::Value(scalar) => out.extend_from_slice(scalar.to_string().as_bytes()),
        }
    }
    out
}
