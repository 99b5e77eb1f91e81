//! Each grant's form, and the token response's lifetime and required fields.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::time::{Duration, SystemTime};

use super::*;
use crate::secret::{AuthorizationCode, ClientSecret, RefreshToken, SessionToken};

fn creds() -> ClientCredentials {
    ClientCredentials::confidential("polar_ci_test", ClientSecret::new("polar_cs_test"))
}

#[test]
fn each_grant_encodes_its_own_grant_type_first() {
    let requests: [TokenRequest; 3] = [
        AuthorizationCodeGrant::new(creds(), AuthorizationCode::new("c"), "https://a/cb").into(),
        RefreshTokenGrant::new(creds(), RefreshToken::new("r")).into(),
        WebGrant::new(creds(), SessionToken::new("s")).into(),
    ];
    for (request, expected) in requests.iter().zip(TokenRequest::GRANT_TYPES) {
        let form = serde_urlencoded::to_string(request).unwrap();
        assert!(
            form.starts_with(&format!("grant_type={expected}&")),
            "{form}"
        );
        assert_eq!(form.matches("grant_type=").count(), 1, "{form}");
    }
}

#[test]
fn token_type_is_case_insensitive_and_lifetime_gives_expiry() {
    let t: Token = serde_json::from_str(
        r#"{"access_token":"a","token_type":"bearer","expires_in":3600,"scope":"openid"}"#,
    )
    .unwrap();
    assert_eq!(t.token_type(), &TokenType::Bearer);
    assert!(!t.is_expired());
    assert!(t.expires_within(Duration::from_secs(3600)));
    assert!(t.refresh_token().is_none());
}

#[test]
fn wall_clock_expiry_is_arrival_plus_lifetime() {
    let slack = Duration::from_secs(1);
    let before = SystemTime::now();
    let t: Token = serde_json::from_str(
        r#"{"access_token":"a","token_type":"Bearer","expires_in":3600,"scope":"openid email"}"#,
    )
    .unwrap();
    let after = SystemTime::now();
    let at = t.expires_at_system().unwrap();
    assert!(at + slack >= before + Duration::from_secs(3600), "{at:?}");
    assert!(at <= after + Duration::from_secs(3600) + slack, "{at:?}");
    assert_eq!(t.scope().len(), 2);

    let expired: Token = serde_json::from_str(
        r#"{"access_token":"a","token_type":"Bearer","expires_in":0,"scope":""}"#,
    )
    .unwrap();
    assert!(expired.is_expired());
    assert!(expired.expires_at_system().unwrap() <= SystemTime::now() + slack);
    assert!(expired.scope().is_empty());
}

fn with_expires_in(expires_in: &str) -> Result<Token, serde_json::Error> {
    serde_json::from_str(&format!(
        r#"{{"access_token":"a","token_type":"Bearer","expires_in":{expires_in},"scope":"openid"}}"#
    ))
}

#[test]
fn expires_in_is_accepted_in_every_form_of_a_non_negative_integer() {
    let max = Duration::from_secs(Token::MAX_EXPIRES_IN);
    for (wire, secs) in [
        ("3600", Duration::from_secs(3600)),
        ("3600.0", Duration::from_secs(3600)),
        ("3.6e3", Duration::from_secs(3600)),
        ("0", Duration::ZERO),
        ("-0", Duration::ZERO),
        ("-0.0", Duration::ZERO),
        ("1e10", Duration::from_secs(10_000_000_000)),
        ("9223372036854775807", max),
        ("9223372036854775808", max),
        ("18446744073709551615", max),
        ("18446744073709551616", max),
        ("1e300", max),
    ] {
        let token = with_expires_in(wire).unwrap_or_else(|e| panic!("{wire}: {e}"));
        assert_eq!(token.expires_in(), Some(secs), "{wire}");
        // Never a panic on the clock arithmetic either.
        let _ = (
            token.expires_at(),
            token.expires_at_system(),
            token.is_expired(),
        );
    }
}

#[test]
fn fractional_negative_and_non_numeric_expires_in_are_rejected_with_a_reason() {
    for (wire, reason) in [
        ("3600.5", "not a whole number"),
        ("1e-3", "not a whole number"),
        ("-5", "cannot be negative"),
        ("-1e10", "cannot be negative"),
        ("\"3600\"", "non-negative whole number of seconds"),
        ("null", "non-negative whole number of seconds"),
    ] {
        let e = with_expires_in(wire).unwrap_err().to_string();
        assert!(e.contains(reason), "{wire}: {e}");
    }
}

#[test]
fn a_response_without_a_required_field_is_an_error_naming_it() {
    let full = serde_json::json!({
        "access_token": "a", "token_type": "Bearer", "expires_in": 3600, "scope": "openid",
    });
    for field in Token::REQUIRED_FIELDS {
        let mut body = full.clone();
        body.as_object_mut().unwrap().remove(*field);
        let e = serde_json::from_value::<Token>(body)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(&format!("missing field `{field}`")),
            "{field}: {e}"
        );
    }
    assert!(serde_json::from_value::<Token>(full).is_ok());
}
