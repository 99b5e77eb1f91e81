//! Scopes as they arrive: `scope_display_names` stores the spec's labels as one bit each and
//! keeps only what differs, yet every entry comes back exactly (getters, iteration, serialized
//! again); large scope lists and display-name maps decode whole, repeated entries keeping the
//! last. How decoding time grows with the input is measured by `examples/decode_scaling.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeMap;

use polar_oauth2::{
    AuthorizeParams, AuthorizeResponse, Scope, ScopeDisplayNames, SessionToken, Token,
};
use serde_json::{Map, Value, json};
use support::{Reply, Server};

const CLIENT: &str = r#"{"created_at":"2025-01-14T10:22:31Z","modified_at":null,"client_id":"polar_ci_x","client_name":"Acme","client_uri":null,"logo_uri":null,"tos_uri":null,"policy_uri":null}"#;

/// The spec's display names, as Polar sends them when nothing changed.
fn spec_names() -> Vec<(String, String)> {
    Scope::KNOWN
        .iter()
        .filter_map(|s| Some((s.as_str().to_owned(), s.display_name()?.to_owned())))
        .collect()
}

/// A user consent response carrying `names` (entries in this order), sent from a loopback
/// server and decoded by the client.
async fn fetch(sub_type: &str, names: &[(String, String)]) -> AuthorizeResponse {
    let names: Map<String, Value> = names
        .iter()
        .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
        .collect();
    // Written by hand to keep the entries in the order given (serde_json's map may sort).
    let names_json = format!(
        "{{{}}}",
        names
            .iter()
            .map(|(k, v)| format!("{}:{v}", Value::from(k.as_str())))
            .collect::<Vec<_>>()
            .join(",")
    );
    // `organizations`: required in both arms by newer documents, ignored by older ones.
    let extra = r#","organizations":[]"#;
    let body = format!(
        r#"{{"client":{CLIENT},"sub_type":"{sub_type}","sub":null,"scopes":["openid"],"scope_display_names":{names_json}{extra}}}"#
    );
    let server = Server::reply(Reply::json(200, body)).await;
    server
        .client()
        .consent_data(
            &SessionToken::new("polar_at_u_x"),
            &AuthorizeParams::new("polar_ci_x"),
        )
        .await
        .expect("authorize")
}

/// Every way of reading `names` gives back exactly `sent`.
fn assert_round_trips(names: &ScopeDisplayNames, sent: &[(String, String)]) {
    let expected: BTreeMap<&str, &str> = sent.iter().map(|(k, v)| (&**k, &**v)).collect();
    assert_eq!(names.len(), expected.len());
    for (scope, label) in &expected {
        assert_eq!(names.get(scope), Some(*label), "{scope}");
    }
    let iterated: BTreeMap<&str, &str> = names.iter().collect();
    assert_eq!(iterated, expected, "iter()");
    assert_eq!(
        names.iter().count(),
        expected.len(),
        "iter() repeats an entry"
    );
    let serialized = serde_json::to_value(names).expect("serialize");
    let expected_json: Map<String, Value> = expected
        .iter()
        .map(|(k, v)| ((*k).to_owned(), Value::from(*v)))
        .collect();
    assert_eq!(serialized, Value::Object(expected_json), "serialized");
}

#[tokio::test]
async fn names_as_the_spec_has_them_round_trip_without_differences() {
    let sent = spec_names();
    assert!(!sent.is_empty(), "the spec labels its scopes");
    let response = fetch("user", &sent).await;
    let names = response.scope_display_names();
    assert_round_trips(&names, &sent);
    assert_eq!(names.differences().count(), 0);
}

#[tokio::test]
async fn changed_extra_and_missing_entries_round_trip_exactly() {
    let mut sent = spec_names();
    // A missing entry.
    sent.retain(|(k, _)| k != "webhooks:read");
    // A changed label, in the middle of the map.
    let email = sent.iter_mut().find(|(k, _)| k == "email").expect("email");
    email.1 = "Read your e-mail address".to_owned();
    // Scopes no spec of 2026 knows, and a label that
    // needs JSON escapes (not borrowable from the input).
    sent.insert(10, ("teleport:write".into(), "Teleport your orders".into()));
    sent.push(("beam:read".into(), "Beam reading".into()));
    sent.push((
        "customers:read".into(),
        "Read \"customers\"\tand\u{e9}".into(),
    ));
    sent.retain(|(k, v)| k != "customers:read" || v.contains('"'));

    let response = fetch("user", &sent).await;
    let names = response.scope_display_names();
    assert_round_trips(&names, &sent);
    assert_eq!(names.get("webhooks:read"), None);
    assert_eq!(
        names.get_scope(&Scope::Email),
        Some("Read your e-mail address")
    );
    // Only what differs from the spec is stored as strings, in the order received.
    let differences: Vec<(&str, &str)> = names.differences().collect();
    assert_eq!(
        differences,
        [
            ("email", "Read your e-mail address"),
            ("teleport:write", "Teleport your orders"),
            ("beam:read", "Beam reading"),
            ("customers:read", "Read \"customers\"\tand\u{e9}"),
        ]
    );

    // And once more through the whole response: serialized, then decoded again.
    let again: AuthorizeResponse =
        serde_json::from_value(serde_json::to_value(&response).expect("serialize"))
            .expect("decode");
    assert_round_trips(&again.scope_display_names(), &sent);
}

#[tokio::test]
async fn every_entry_replaced_keeps_every_entry() {
    let sent: Vec<(String, String)> = spec_names()
        .into_iter()
        .map(|(k, v)| (k, v.to_uppercase()))
        .chain([("a:b".to_owned(), String::new())])
        .collect();
    let response = fetch("organization", &sent).await;
    let names = response.scope_display_names();
    assert_round_trips(&names, &sent);
    assert_eq!(names.differences().count(), sent.len());
}

#[tokio::test]
async fn an_empty_map_stays_empty_and_an_absent_one_is_the_spec_default() {
    let response = fetch("user", &[]).await;
    assert!(response.scope_display_names().is_empty());

    let body = format!(
        r#"{{"client":{CLIENT},"sub_type":"user","sub":null,"scopes":[],"organizations":[]}}"#
    );
    let server = Server::reply(Reply::json(200, body)).await;
    let response = server
        .client()
        .consent_data(
            &SessionToken::new("polar_at_u_x"),
            &AuthorizeParams::new("polar_ci_x"),
        )
        .await
        .expect("authorize");
    assert_round_trips(&response.scope_display_names(), &spec_names());
    assert_eq!(
        serde_json::to_value(ScopeDisplayNames::spec_default()).expect("serialize"),
        json!(spec_names().into_iter().collect::<BTreeMap<_, _>>())
    );
}

fn token_body(scopes: usize) -> Vec<u8> {
    let scope: Vec<String> = (0..scopes).map(|i| format!("x{i}:read")).collect();
    serde_json::to_vec(&json!({
        "access_token": "polar_at_u_x",
        "token_type": "Bearer",
        "expires_in": 3600,
        "scope": scope.join(" "),
    }))
    .unwrap()
}

fn display_names_body(entries: usize) -> Vec<u8> {
    let map: Map<String, Value> = (0..entries)
        .map(|i| (format!("x{i}:read"), format!("Read x{i}").into()))
        .collect();
    serde_json::to_vec(&map).unwrap()
}

#[test]
fn ten_thousand_scopes_decode_into_the_token() {
    let large_len = serde_json::from_slice::<Token>(&token_body(10_000))
        .unwrap()
        .scope()
        .len();
    assert_eq!(large_len, 10_000);
}

#[test]
fn ten_thousand_display_names_decode() {
    let decoded: ScopeDisplayNames = serde_json::from_slice(&display_names_body(10_000)).unwrap();
    assert_eq!(decoded.len(), 10_000);
}

#[test]
fn repeated_display_name_entries_keep_the_last() {
    // Every key twice: each repeat replaces the earlier entry (and moves it to the end).
    let body = |n: usize| {
        let mut text = String::from("{");
        for i in 0..n {
            if i > 0 {
                text.push(',');
            }
            text.push_str(&format!("\"k{}\": \"v{i}\"", i % (n / 2)));
        }
        text.push('}');
        text.into_bytes()
    };
    let names: ScopeDisplayNames = serde_json::from_slice(&body(20_000)).unwrap();
    assert_eq!(names.len(), 10_000);
    assert_eq!(names.get("k7"), Some("v10007"));
    assert_eq!(names.iter().next(), Some(("k0", "v10000")));
}
