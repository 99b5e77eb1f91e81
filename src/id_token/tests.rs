//! The verifier's parsing rules that need no server: header algorithms, JWS parts, `jwks_uri`,
//! `max-age` and audiences.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::time::Duration;

use jsonwebtoken::Algorithm;
use reqwest::header::{CACHE_CONTROL, HeaderMap, HeaderValue};

use super::fetch::{check_jwks_uri, max_age};
use super::jws::{Jws, accepted_algorithm};
use super::*;

#[test]
fn header_algorithms_none_and_unknown_are_refused_before_any_key_is_looked_at() {
    assert!(matches!(
        accepted_algorithm("none"),
        Err(IdTokenError::Unsigned)
    ));
    assert!(matches!(
        accepted_algorithm("None"),
        Err(IdTokenError::Unsigned)
    ));
    assert!(matches!(
        accepted_algorithm("HS256"),
        Err(IdTokenError::SymmetricAlgorithm(a)) if a == "HS256"
    ));
    assert!(matches!(
        accepted_algorithm("XS1"),
        Err(IdTokenError::UnsupportedAlgorithm(a)) if a == "XS1"
    ));
    assert_eq!(accepted_algorithm("RS256").unwrap(), Algorithm::RS256);
}

#[test]
fn a_token_must_have_three_parts() {
    assert!(matches!(Jws::parse("a.b"), Err(IdTokenError::Malformed(_))));
    assert!(matches!(
        Jws::parse("a.b.c.d"),
        Err(IdTokenError::Malformed(_))
    ));
}

#[test]
fn jwks_uri_is_https_or_same_origin() {
    assert!(check_jwks_uri("http://127.0.0.1:9", "http://127.0.0.1:9/jwks").is_ok());
    assert!(check_jwks_uri("https://api.polar.sh", "https://keys.example/jwks").is_ok());
    assert!(check_jwks_uri("http://127.0.0.1:9", "http://example.com/jwks").is_err());
}

#[test]
fn max_age_is_read_from_every_cache_control_header() {
    let headers = |values: &[&str]| {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(CACHE_CONTROL, HeaderValue::from_str(v).unwrap());
        }
        h
    };
    let secs = Duration::from_secs;
    assert_eq!(max_age(&headers(&["public, max-age=300"])), Some(secs(300)));
    assert_eq!(
        max_age(&headers(&["public", "MAX-AGE = \"42\""])),
        Some(secs(42))
    );
    assert_eq!(
        max_age(&headers(&["private, no-store"])),
        Some(Duration::ZERO)
    );
    assert_eq!(
        max_age(&headers(&["max-age=600, no-cache"])),
        Some(Duration::ZERO)
    );
    assert_eq!(
        max_age(&headers(&["max-age=99999999999999999999999"])),
        Some(secs(u64::MAX))
    );
    assert_eq!(max_age(&headers(&["max-age=-5"])), None);
    assert_eq!(max_age(&headers(&["max-age=1e3"])), None);
    assert_eq!(max_age(&headers(&[])), None);
}

#[test]
fn audience_is_one_string_or_many() {
    let one: IdTokenClaims =
        serde_json::from_str(r#"{"iss":"i","sub":"s","aud":"a","exp":1,"iat":0,"x":true}"#)
            .unwrap();
    assert_eq!(one.aud, ["a"]);
    assert_eq!(one.extra["x"], serde_json::Value::Bool(true));
    let many: IdTokenClaims =
        serde_json::from_str(r#"{"iss":"i","sub":"s","aud":["a","b"],"exp":1,"iat":0}"#).unwrap();
    assert_eq!(many.aud, ["a", "b"]);
}
