//! The authorization URL, its random values, and the callback's forms.
#![allow(clippy::unwrap_used, clippy::panic)]

use url::Url;

use super::pkce::{base64url, pkce_challenge};
use super::state::constant_time_eq;
use super::*;
use crate::authorize::{PkceMethod, SubType};
use crate::client::Server;
use crate::scope::Scope;
use crate::secret::PkceCodeVerifier;

fn query(url: &str) -> Vec<(String, String)> {
    Url::parse(url)
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[test]
fn base64url_matches_rfc_4648_vectors_without_padding() {
    for (input, expected) in [
        ("", ""),
        ("f", "Zg"),
        ("fo", "Zm8"),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg"),
        ("fooba", "Zm9vYmE"),
        ("foobar", "Zm9vYmFy"),
    ] {
        assert_eq!(base64url(input.as_bytes()), expected, "{input:?}");
    }
    assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
}

#[test]
fn s256_challenge_matches_rfc_7636_appendix_b() {
    let verifier = PkceCodeVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
    assert_eq!(
        pkce_challenge(&verifier, PkceMethod::S256),
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    );
    assert_eq!(
        pkce_challenge(&verifier, PkceMethod::Plain),
        verifier.secret()
    );
}

#[test]
fn url_carries_state_and_s256_challenge_by_default() {
    let pending = AuthorizationRequest::new(
        &Server::Production,
        "polar_ci_test",
        "https://app.example/callback",
    )
    .scope(Scope::Openid)
    .scope(Scope::Email)
    .build()
    .unwrap();
    assert!(
        pending.url().starts_with(PRODUCTION_AUTHORIZE_URL),
        "{}",
        pending.url()
    );
    let q = query(pending.url());
    assert_eq!(param(&q, "response_type"), Some("code"));
    assert_eq!(param(&q, "client_id"), Some("polar_ci_test"));
    assert_eq!(
        param(&q, "redirect_uri"),
        Some("https://app.example/callback")
    );
    assert_eq!(param(&q, "scope"), Some("openid email"));
    assert_eq!(param(&q, "state"), Some(pending.state().secret()));
    assert_eq!(param(&q, "code_challenge_method"), Some("S256"));
    assert_eq!(
        param(&q, "code_challenge"),
        Some(pkce_challenge(pending.pkce_verifier(), PkceMethod::S256).as_str())
    );
    // The verifier never travels in the URL.
    assert!(!pending.url().contains(pending.pkce_verifier().secret()));
    assert_eq!(pending.state().secret().len(), 43);
    assert_eq!(pending.pkce_verifier().secret().len(), 43);
    for absent in ["nonce", "prompt", "sub_type"] {
        assert_eq!(param(&q, absent), None, "{absent}");
    }
}

#[test]
fn each_build_draws_fresh_state_and_verifier() {
    let request =
        AuthorizationRequest::new(&Server::Sandbox, "polar_ci_test", "https://a.example/cb");
    let a = request.clone().build().unwrap();
    let b = request.build().unwrap();
    assert_ne!(a.state().secret(), b.state().secret());
    assert_ne!(a.pkce_verifier().secret(), b.pkce_verifier().secret());
    assert!(a.url().starts_with(SANDBOX_AUTHORIZE_URL));
}

#[test]
fn optional_parameters_and_custom_base() {
    let pending = AuthorizationRequest::new(
        &Server::Custom("http://127.0.0.1:8080/".into()),
        "polar_ci_test",
        "http://127.0.0.1:3000/cb",
    )
    .endpoint("http://127.0.0.1:8080/oauth2/authorize")
    .state(CsrfToken::new("my-state-0123456789").unwrap())
    .pkce_method(PkceMethod::Plain)
    .nonce("n-1")
    .prompt("consent")
    .sub_type(SubType::Organization)
    .build()
    .unwrap();
    assert!(
        pending
            .url()
            .starts_with("http://127.0.0.1:8080/oauth2/authorize?")
    );
    let q = query(pending.url());
    assert_eq!(param(&q, "state"), Some("my-state-0123456789"));
    assert_eq!(param(&q, "code_challenge_method"), Some("plain"));
    assert_eq!(
        param(&q, "code_challenge"),
        Some(pending.pkce_verifier().secret())
    );
    assert_eq!(param(&q, "nonce"), Some("n-1"));
    assert_eq!(param(&q, "prompt"), Some("consent"));
    assert_eq!(param(&q, "sub_type"), Some("organization"));
    assert_eq!(param(&q, "scope"), None);
    assert_eq!(pending.nonce(), Some("n-1"));
    let params = pending.authorize_params();
    assert_eq!(params.state.as_deref(), Some("my-state-0123456789"));
    assert_eq!(params.sub_type, Some(SubType::Organization));
}

#[test]
fn insecure_page_and_fragment_redirect_are_rejected() {
    let e = AuthorizationRequest::new(
        &Server::Custom("https://api.polar.example".into()),
        "c",
        "https://a.example/cb",
    )
    .endpoint("http://polar.example/oauth2/authorize")
    .build()
    .unwrap_err();
    assert!(e.to_string().contains("https"), "{e}");
    let e = AuthorizationRequest::new(&Server::Production, "c", "https://a.example/cb#x")
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("fragment"), "{e}");
}

#[test]
fn a_custom_server_needs_its_authorization_page_given() {
    let request = AuthorizationRequest::new(
        &Server::Custom("http://127.0.0.1:1/".into()),
        "c",
        "https://a/cb",
    );
    let e = request.clone().build().unwrap_err();
    assert!(e.to_string().contains("authorization_endpoint"), "{e}");
    let ok = request
        .endpoint("http://127.0.0.1:2/oauth2/authorize")
        .build()
        .unwrap();
    assert!(ok.url().starts_with("http://127.0.0.1:2/oauth2/authorize?"));
}

#[test]
fn debug_hides_state_and_plain_verifier() {
    let pending = AuthorizationRequest::new(&Server::Production, "c", "https://a.example/cb")
        .pkce_method(PkceMethod::Plain)
        .build()
        .unwrap();
    let debug = format!("{pending:?}");
    assert!(!debug.contains(pending.state().secret()), "{debug}");
    assert!(!debug.contains(pending.pkce_verifier().secret()), "{debug}");
    assert!(
        debug.contains("https://polar.sh/oauth2/authorize?[redacted]"),
        "{debug}"
    );
    assert_eq!(
        pending.state(),
        &CsrfToken::new(pending.state().secret()).unwrap()
    );
}

#[test]
fn constant_time_eq_compares_contents_and_lengths() {
    assert!(constant_time_eq(b"abc", b"abc"));
    assert!(!constant_time_eq(b"abc", b"abd"));
    assert!(!constant_time_eq(b"abc", b"abcd"));
    assert!(constant_time_eq(b"", b""));
}

#[test]
fn callback_query_accepts_url_path_and_bare_query() {
    let state = CsrfToken::new("s-0123456789abcdef").unwrap();
    for input in [
        "https://app.example/cb?code=c&state=s-0123456789abcdef",
        "/cb?code=c&state=s-0123456789abcdef#ignored",
        "?code=c&state=s-0123456789abcdef",
        "code=c&state=s-0123456789abcdef",
        // `://` in the query of a path or bare query is not an absolute URL (RFC 9207 `iss`).
        "/cb?iss=https://polar.sh&code=c&state=s-0123456789abcdef",
        "?iss=https://polar.sh&code=c&state=s-0123456789abcdef",
        "iss=https://polar.sh&code=c&state=s-0123456789abcdef",
        "https://app.example/cb?iss=https://polar.sh&code=c&state=s-0123456789abcdef",
    ] {
        let code = parse_callback(input, &state).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(code.secret(), "c", "{input}");
    }
    assert_eq!(
        parse_callback("https://app.example/cb", &state),
        Err(CallbackError::StateMismatch)
    );
    assert!(matches!(
        parse_callback("https://[bad/cb?code=c", &state),
        Err(CallbackError::Malformed(_))
    ));
}

#[test]
fn empty_and_short_states_are_refused_when_made() {
    for short in ["", "s", "0123456789abcde"] {
        let e = CsrfToken::new(short).err().unwrap();
        assert!(e.to_string().contains("at least 16"), "{e}");
    }
    assert!(CsrfToken::new("0123456789abcdef").is_ok());
    // The forged callback of a lost session (`state=` against `""`) cannot be checked
    // against an empty token, because there is none; a real one refuses it.
    let state = CsrfToken::new_random().unwrap();
    assert_eq!(
        parse_callback("/cb?code=c&state=", &state),
        Err(CallbackError::StateMismatch)
    );
    assert!(state.secret().len() >= CsrfToken::MIN_LEN);
}
