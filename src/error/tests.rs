//! Classifying responses, quoting them safely, and what may be retried.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use super::classify::retry_after;
use super::excerpt::{EXCERPT_LEN, excerpt};
use super::{Error, OAuthErrorCode, TransportError, redact};

#[test]
fn redact_hides_polar_tokens_and_secret_json_values() {
    let body = r#"{"access_token": "abc\"def", "token_type": "Bearer", "x": "polar_rt_u_123 ok"}"#;
    let r = redact(body);
    assert!(!r.contains("abc") && !r.contains("123"), "{r}");
    assert!(r.contains("\"token_type\": \"Bearer\""), "{r}");
    assert!(r.contains("polar_[redacted] ok"), "{r}");
}

#[test]
fn excerpt_is_short_and_escapes_control_characters() {
    let body = format!("<html>\n{}</html>", "x".repeat(1000));
    let e = excerpt(body.as_bytes());
    assert!(e.starts_with("<html>\\n"), "{e}");
    assert!(e.len() <= EXCERPT_LEN + 8, "{}", e.len());
}

#[test]
fn decode_error_path_and_message_are_bounded() {
    let key = "k".repeat(900_000);
    let body = format!(r#"{{"{key}": "not a number"}}"#);
    let first = serde_json::from_str::<std::collections::HashMap<String, u32>>(&body).unwrap_err();
    let e = Error::decode::<std::collections::HashMap<String, u32>>(
        "op",
        None,
        body.as_bytes(),
        &first,
    );
    let Error::Decode(d) = &e else {
        panic!("{e:?}")
    };
    assert!(d.path.len() <= EXCERPT_LEN + 4, "{}", d.path.len());
    assert!(d.path.starts_with("kkkk"), "{}", &d.path[..10]);
    assert!(
        e.to_string().len() < 8 * EXCERPT_LEN,
        "{}",
        e.to_string().len()
    );
}

#[test]
fn a_connection_of_a_runtime_that_is_gone_is_not_retryable() {
    let gone = Error::Transport(TransportError {
        message: "the request failed: client error (SendRequest): dispatch task is gone: runtime dropped the dispatch task".into(),
        body_too_large: false,
        source: None,
    });
    assert!(!gone.is_retryable());
    let reset = Error::Transport(TransportError {
        message: "connection reset".into(),
        body_too_large: false,
        source: None,
    });
    assert!(reset.is_retryable());
}

#[test]
fn retry_after_reads_seconds_and_http_dates() {
    let at = |value: &str| {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", value.parse().unwrap());
        retry_after(&headers)
    };
    assert_eq!(at("120"), Some(Duration::from_secs(120)));
    let in_a_minute = std::time::SystemTime::now() + Duration::from_secs(60);
    let wait = at(&httpdate::fmt_http_date(in_a_minute)).unwrap();
    assert!(
        wait > Duration::from_secs(55) && wait <= Duration::from_secs(60),
        "{wait:?}"
    );
    assert_eq!(at("Wed, 21 Oct 2015 07:28:00 GMT"), Some(Duration::ZERO));
    assert_eq!(at("soon"), None);
    assert_eq!(at("-1"), None);
}

#[test]
fn oauth_body_is_recognised() {
    let mut headers = HeaderMap::new();
    headers.insert("www-authenticate", "Basic".parse().unwrap());
    let e = Error::from_response(
        StatusCode::UNAUTHORIZED,
        &headers,
        br#"{"error": "invalid_client"}"#,
    );
    let Error::OAuth(o) = e else { panic!("{e:?}") };
    assert_eq!(o.code, OAuthErrorCode::InvalidClient);
    assert_eq!(o.www_authenticate.as_deref(), Some("Basic"));
}
