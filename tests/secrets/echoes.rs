//! Hostile answers: a server that echoes the request's secrets back, each in another place of
//! its response (an OAuth error, a validation error, an HTML page, a header, wrong-typed JSON).

use super::canaries::SECRETS;
use super::support::{Reply, Server};

/// How a hostile server answers: given the raw request, the raw response.
pub type Echo = fn(&str) -> String;

/// The scripted server answering every request with `echo(raw request)`, then closing.
pub async fn hostile(echo: Echo) -> Server {
    Server::answering(move |request| Reply::raw(echo(&request.raw_text()))).await
}

pub fn response(status: u16, headers: &[(&str, &str)], body: &str) -> String {
    let mut out = format!(
        "HTTP/1.1 {status} X\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (n, v) in headers {
        out.push_str(&format!("{n}: {v}\r\n"));
    }
    out.push_str("\r\n");
    out.push_str(body);
    out
}

/// The values the request carried, decoded: the bearer token and every form field's value.
fn values_in(raw: &str) -> Vec<String> {
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((raw, ""));
    let mut values: Vec<String> = head
        .lines()
        .filter(|l| l.to_ascii_lowercase().starts_with("authorization:"))
        .map(|l| {
            l["authorization:".len()..]
                .trim()
                .trim_start_matches("Bearer ")
                .to_owned()
        })
        .collect();
    let form: Vec<(String, String)> = serde_urlencoded::from_str(body).unwrap_or_default();
    values.extend(form.into_iter().map(|(_, v)| v));
    values
}

/// All of them, space-separated.
pub fn secrets_in(raw: &str) -> String {
    values_in(raw).join(" ")
}

/// The request's secret: the bearer token or the last form field (a code grant's verifier, a
/// refresh token, a web grant's scope).
fn last_value(raw: &str) -> String {
    let values = values_in(raw);
    let secret = values
        .iter()
        .rev()
        .find(|v| SECRETS.contains(&v.as_str()))
        .or(values.last());
    secret.cloned().unwrap_or_default()
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

/// Hostile answers, each echoing the request's secrets back in a different place.
pub const ECHOES: &[(&str, Echo)] = &[
    ("OAuth error echoing the request", |raw| {
        let s = secrets_in(raw);
        let body = format!(
            r#"{{"error":"invalid_grant","error_description":{},"error_uri":{}}}"#,
            json_string(&format!("you sent {s}")),
            json_string(&format!("https://polar.example/e?{s}"))
        );
        response(
            401,
            &[
                ("content-type", "application/json"),
                ("www-authenticate", &format!("Bearer error=\"{s}\"")),
            ],
            &body,
        )
    }),
    ("OAuth error whose code is a secret", |raw| {
        let body = format!(r#"{{"error":{}}}"#, json_string(&last_value(raw)));
        response(400, &[("content-type", "application/json")], &body)
    }),
    ("validation error echoing the form", |raw| {
        let s = secrets_in(raw);
        let detail: Vec<_> = s
            .split_whitespace()
            .map(|v| serde_json::json!({"loc": ["body", v], "msg": format!("bad value {v}"), "type": v}))
            .collect();
        let body = serde_json::json!({ "detail": detail }).to_string();
        response(422, &[("content-type", "application/json")], &body)
    }),
    ("HTML error page reflecting the raw request", |raw| {
        let body = format!("<html><pre>{raw}</pre></html>");
        response(
            500,
            &[(
                "content-type",
                &format!("text/html; x={}", secrets_in(raw).trim()),
            )],
            &body,
        )
    }),
    ("503 plain text echo with Retry-After", |raw| {
        response(
            503,
            &[("content-type", "text/plain"), ("retry-after", "0")],
            &secrets_in(raw),
        )
    }),
    ("200 with wrong-typed fields holding the secrets", |raw| {
        let s = secrets_in(raw);
        let body = format!(
            r#"{{"access_token": 1, "token_type": {}, "sub_type": {}, "scopes": {}}}"#,
            json_string(&s),
            json_string(&s),
            json_string(&s)
        );
        response(200, &[("content-type", "application/json")], &body)
    }),
    (
        "200 whose unknown variant or mistyped value is a secret",
        |raw| {
            let s = json_string(&last_value(raw));
            let body = format!(
                r#"{{"sub_type": {s}, "access_token": {s}, "token_type": {s}, "expires_in": {s}}}"#
            );
            response(200, &[("content-type", "application/json")], &body)
        },
    ),
    ("200 invalid JSON around the secrets", |raw| {
        let body = format!("{{\"note\": \"{}\" oops", secrets_in(raw));
        response(200, &[("content-type", "application/json")], &body)
    }),
    ("200 JSON-escaped echo", |raw| {
        // `\/` and `\u` escapes decode to the secret itself.
        let s = secrets_in(raw).replace('_', "\\u005f");
        let body = format!(r#"{{"error":"invalid_request","error_description":"{s}"}}"#);
        response(400, &[("content-type", "application/json")], &body)
    }),
];
