//! Tokens and pending authorizations survive storage: serde round trips keep every secret, the
//! scopes and the absolute expiry, while a token response still counts its expiry from arrival.

use std::time::{Duration, SystemTime};

use polar_oauth2::{
    AuthorizationRequest, PendingAuthorization, PkceMethod, Scope, Server, SubType, Token,
};
use serde_json::Value;

const RESPONSE: &str = r#"{"access_token":"polar_at_u_test_a","token_type":"Bearer","expires_in":3600,"refresh_token":"polar_rt_u_test_r","id_token":"eyJ.test.id","scope":"openid email"}"#;

fn close(a: SystemTime, b: SystemTime) -> bool {
    a.max(b).duration_since(a.min(b)).unwrap() < Duration::from_millis(50)
}

#[test]
fn a_token_round_trips_with_its_secrets_scopes_and_absolute_expiry() {
    let token: Token = serde_json::from_str(RESPONSE).unwrap();
    let stored = serde_json::to_value(&token).unwrap();
    assert_eq!(stored["access_token"], "polar_at_u_test_a");
    assert_eq!(stored["refresh_token"], "polar_rt_u_test_r");
    assert_eq!(stored["id_token"], "eyJ.test.id");
    assert_eq!(stored["scope"], "openid email");
    assert_eq!(stored["lifetime"], 3600);
    assert!(stored.get("expires_in").is_none(), "{stored}");

    let restored: Token = serde_json::from_value(stored.clone()).unwrap();
    assert_eq!(restored.access_token(), token.access_token());
    assert_eq!(restored.refresh_token(), token.refresh_token());
    assert_eq!(restored.id_token(), token.id_token());
    assert_eq!(restored.scope(), token.scope());
    assert_eq!(restored.token_type(), token.token_type());
    assert_eq!(restored.expires_in(), Some(Duration::from_secs(3600)));
    assert!(close(
        restored.expires_at_system().unwrap(),
        token.expires_at_system().unwrap()
    ));
    // Stored again, it is the same document.
    assert_eq!(
        serde_json::to_value(&restored).unwrap()["expires_at"],
        stored["expires_at"]
    );
}

#[test]
fn a_restored_token_keeps_the_expiry_it_was_stored_with_not_a_new_one() {
    // Stored 50 minutes into a one-hour lifetime: ten minutes left, not a fresh hour.
    let expires_at = SystemTime::now() + Duration::from_secs(600);
    let at = chrono::DateTime::<chrono::Utc>::from(expires_at).to_rfc3339();
    let row = format!(
        r#"{{"access_token":"polar_at_u_test_a","token_type":"Bearer","expires_at":"{at}","lifetime":3600,"refresh_token":"polar_rt_u_test_r","scope":"openid"}}"#
    );
    let token: Token = serde_json::from_str(&row).unwrap();
    assert!(close(token.expires_at_system().unwrap(), expires_at));
    assert!(!token.is_expired());
    assert!(token.expires_within(Duration::from_secs(601)));
    assert!(!token.expires_within(Duration::from_secs(590)));
}

#[test]
fn a_token_stored_after_expiry_is_restored_expired() {
    let expired: Token = serde_json::from_str(
        r#"{"access_token":"polar_at_u_test_a","token_type":"Bearer","expires_in":0,"scope":"openid"}"#,
    )
    .unwrap();
    let restored: Token = serde_json::from_value(serde_json::to_value(&expired).unwrap()).unwrap();
    assert!(restored.is_expired());
    assert!(restored.refresh_token().is_none());

    let past =
        chrono::DateTime::<chrono::Utc>::from(SystemTime::now() - Duration::from_secs(86_400));
    let row = format!(
        r#"{{"access_token":"a","token_type":"Bearer","expires_at":"{}","lifetime":3600,"scope":""}}"#,
        past.to_rfc3339()
    );
    let token: Token = serde_json::from_str(&row).unwrap();
    assert!(token.is_expired());
}

#[test]
fn a_document_with_no_expiry_at_all_is_refused() {
    // The spec requires `expires_in`; a stored token always has `expires_at`.
    let error = serde_json::from_str::<Token>(
        r#"{"access_token":"polar_at_u_test_a","token_type":"Bearer","scope":"openid"}"#,
    )
    .unwrap_err();
    assert!(
        error.to_string().contains("missing field `expires_in`"),
        "{error}"
    );
}

#[test]
fn a_token_response_still_counts_its_expiry_from_arrival() {
    // A response that also carries a provider's own `expires_at` number: `expires_in` wins.
    let before = SystemTime::now();
    let token: Token = serde_json::from_str(
        r#"{"access_token":"a","token_type":"bearer","expires_in":120,"expires_at":1,"lifetime":"x","scope":"openid"}"#,
    )
    .unwrap();
    let at = token.expires_at_system().unwrap();
    assert!(at >= before + Duration::from_secs(119), "{at:?}");
    assert!(at <= SystemTime::now() + Duration::from_secs(121), "{at:?}");
}

#[test]
fn a_stored_token_with_a_bad_expiry_is_an_error_not_a_fresh_token() {
    let error = serde_json::from_str::<Token>(
        r#"{"access_token":"a","token_type":"Bearer","expires_at":"next tuesday","lifetime":60,"scope":""}"#,
    )
    .unwrap_err();
    assert!(error.to_string().contains("RFC 3339"), "{error}");
}

#[test]
fn a_pending_authorization_round_trips_with_its_secrets() {
    let pending = AuthorizationRequest::new(
        &Server::Sandbox,
        "polar_ci_test_store",
        "https://app.example/callback",
    )
    .scope(Scope::Openid)
    .scope(Scope::Email)
    .random_nonce()
    .prompt("consent")
    .sub_type(SubType::User)
    .build()
    .unwrap();
    let stored = serde_json::to_value(&pending).unwrap();
    assert_eq!(stored["state"], Value::from(pending.state().secret()));
    assert_eq!(
        stored["pkce_verifier"],
        Value::from(pending.pkce_verifier().secret())
    );
    let restored: PendingAuthorization = serde_json::from_value(stored.clone()).unwrap();
    assert_eq!(restored.url(), pending.url());
    assert_eq!(restored.state(), pending.state());
    assert_eq!(restored.pkce_verifier(), pending.pkce_verifier());
    assert_eq!(restored.nonce(), pending.nonce());
    assert!(restored.nonce().is_some());
    assert_eq!(restored.redirect_uri(), pending.redirect_uri());
    assert!(restored.authorize_params() == pending.authorize_params());
    assert_eq!(serde_json::to_value(&restored).unwrap(), stored);

    // The restored request checks the callback as the original would.
    let callback = format!(
        "/callback?code=polar_ac_test&state={}",
        pending.state().secret()
    );
    assert_eq!(
        restored.callback(&callback).unwrap().secret(),
        "polar_ac_test"
    );
    assert!(
        restored
            .callback("/callback?code=polar_ac_test&state=forged")
            .is_err()
    );
}

#[test]
fn a_plain_pkce_pending_authorization_round_trips() {
    let pending = AuthorizationRequest::new(
        &Server::Sandbox,
        "polar_ci_test_store",
        "https://app.example/callback",
    )
    .pkce_method(PkceMethod::Plain)
    .build()
    .unwrap();
    let restored: PendingAuthorization =
        serde_json::from_str(&serde_json::to_string(&pending).unwrap()).unwrap();
    assert!(restored.authorize_params() == pending.authorize_params());
    assert_eq!(restored.nonce(), None);
}

#[test]
fn a_token_with_a_huge_expires_in_is_stored_and_restored_with_its_expiry() {
    // Past chrono's range (~8.2e12 s), past `SystemTime`'s (~9.2e18 s), and beyond `u64`.
    for expires_in in [
        "8300000000000",
        "9300000000000000000",
        "18446744073709551615",
        "1e300",
    ] {
        let token: Token = serde_json::from_str(&format!(
            r#"{{"access_token":"a","token_type":"Bearer","expires_in":{expires_in},"scope":""}}"#
        ))
        .unwrap();
        let stored = std::panic::catch_unwind(|| serde_json::to_value(&token))
            .unwrap_or_else(|_| panic!("{expires_in}: storing the token panicked"))
            .unwrap();
        assert!(stored["expires_at"].is_string(), "{expires_in}: {stored}");
        let restored: Token = serde_json::from_value(stored.clone())
            .unwrap_or_else(|e| panic!("{expires_in}: {e}: {stored}"));
        assert!(!restored.is_expired(), "{expires_in}");
        assert_eq!(restored.expires_in(), token.expires_in(), "{expires_in}");
        assert_eq!(serde_json::to_value(&restored).unwrap(), stored);
    }
}

/// A stored pending authorization is held to the builder's rules when restored: a URL the
/// builder could not have written, or one that does not carry the stored request, is refused.
#[test]
fn a_restored_pending_authorization_holds_the_builders_invariants() {
    let pending = AuthorizationRequest::new(
        &Server::Sandbox,
        "polar_ci_test_store",
        "https://app.example/callback",
    )
    .scope(Scope::Openid)
    .random_nonce()
    .build()
    .unwrap();
    let stored = serde_json::to_value(&pending).unwrap();
    let query = pending.url().split_once('?').unwrap().1.to_owned();
    let tampered = |edit: &dyn Fn(&mut Value)| {
        let mut value = stored.clone();
        edit(&mut value);
        serde_json::from_value::<PendingAuthorization>(value)
    };
    for (what, edit) in [
        (
            "a javascript: URL",
            Box::new(|v: &mut Value| v["url"] = Value::from("javascript:alert(document.cookie)"))
                as Box<dyn Fn(&mut Value)>,
        ),
        (
            "a plain-http page",
            Box::new(|v: &mut Value| {
                v["url"] = Value::from(format!("http://sandbox.polar.sh/oauth2/authorize?{query}"))
            }),
        ),
        (
            "a URL without the stored state",
            Box::new(|v: &mut Value| {
                v["url"] = Value::from("https://sandbox.polar.sh/oauth2/authorize?client_id=x")
            }),
        ),
        (
            "a URL sending the browser elsewhere afterwards",
            Box::new(|v: &mut Value| {
                let url = v["url"]
                    .as_str()
                    .unwrap()
                    .replace("app.example%2Fcallback", "evil.example%2Fcallback");
                v["url"] = Value::from(url);
            }),
        ),
        (
            "a redirect_uri with a fragment",
            Box::new(|v: &mut Value| {
                v["redirect_uri"] = Value::from("https://app.example/callback#x");
                v["params"]["redirect_uri"] = Value::from("https://app.example/callback#x");
            }),
        ),
        (
            "a PKCE verifier RFC 7636 refuses",
            Box::new(|v: &mut Value| v["pkce_verifier"] = Value::from("short")),
        ),
    ] {
        assert!(tampered(&*edit).is_err(), "{what} was restored");
    }
    // The untouched form still restores.
    let restored: PendingAuthorization = serde_json::from_value(stored).unwrap();
    assert_eq!(restored.url(), pending.url());
}
