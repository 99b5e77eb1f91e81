//! The claims of a validly signed token: issuer, audience, nonce, times, required claims.

use std::time::Duration;

use polar_oauth2::IdTokenError;
use polar_oauth2::POLAR_ISSUER;
use serde_json::json;

use super::fixtures::{
    CLIENT_ID, HEADER_A, KEY_A_N, NONCE, Provider, accepts_good_token, claims, claims_text_with,
    jwk, now, rejection, sign, sign_raw,
};

#[tokio::test]
async fn a_valid_token_gives_its_claims() {
    let provider = Provider::polar().await;
    let verifier = provider.verifier().issuer(POLAR_ISSUER);
    let claims = accepts_good_token(&verifier).await;
    assert_eq!(claims.sub, "0b4d2a1e-6b6a-4a57-9d0b-1f1c1f2a3b4c");
    assert_eq!(claims.aud, [CLIENT_ID]);
    assert_eq!(claims.email.as_deref(), Some("user@example.com"));
    assert_eq!(claims.email_verified, Some(true));
    assert!(claims.extra.is_empty(), "{:?}", claims.extra);
    let request = &provider.server.requests()[0];
    assert_eq!(request.path(), "/.well-known/openid-configuration");
    assert!(
        request
            .header("user-agent")
            .unwrap()
            .starts_with("polar-oauth2-rust/")
    );
}

#[tokio::test]
async fn a_wrong_issuer_is_rejected() {
    let mut c = claims();
    c["iss"] = json!("https://evil.example");
    let error = rejection(&c).await;
    assert!(
        matches!(&error, IdTokenError::IssuerMismatch { expected, found } if expected == POLAR_ISSUER && found == "https://evil.example"),
        "{error}"
    );
}

#[tokio::test]
async fn a_discovery_document_naming_another_issuer_than_the_pinned_one_is_rejected() {
    let provider = Provider::start("https://other.example", vec![jwk("key-a", KEY_A_N)]).await;
    let error = provider
        .verifier()
        .issuer(POLAR_ISSUER)
        .verify(&sign(&claims()), Some(NONCE))
        .await
        .unwrap_err();
    assert!(
        matches!(error, IdTokenError::DiscoveryIssuerMismatch { .. }),
        "{error}"
    );
}

#[tokio::test]
async fn a_wrong_audience_is_rejected() {
    let mut c = claims();
    c["aud"] = json!("polar_ci_someone_else");
    let error = rejection(&c).await;
    assert!(
        matches!(&error, IdTokenError::AudienceMismatch { found, .. } if found == &["polar_ci_someone_else"]),
        "{error}"
    );
}

#[tokio::test]
async fn extra_audiences_need_trust_and_azp() {
    let provider = Provider::polar().await;
    let mut c = claims();
    c["aud"] = json!([CLIENT_ID, "polar_ci_other"]);
    let error = provider.rejects(&sign(&c)).await;
    assert!(
        matches!(&error, IdTokenError::UntrustedAudience(a) if a == "polar_ci_other"),
        "{error}"
    );

    let trusting = provider.verifier().trust_audience("polar_ci_other");
    let error = trusting.verify(&sign(&c), Some(NONCE)).await.unwrap_err();
    assert!(
        matches!(
            &error,
            IdTokenError::AuthorizedPartyMismatch { found: None, .. }
        ),
        "{error}"
    );

    c["azp"] = json!(CLIENT_ID);
    trusting.verify(&sign(&c), Some(NONCE)).await.unwrap();
    c["azp"] = json!("polar_ci_other");
    let error = trusting.verify(&sign(&c), Some(NONCE)).await.unwrap_err();
    assert!(
        matches!(
            error,
            IdTokenError::AuthorizedPartyMismatch { found: Some(_), .. }
        ),
        "{error}"
    );
}

#[tokio::test]
async fn a_wrong_or_missing_nonce_is_rejected() {
    let provider = Provider::polar().await;
    let verifier = provider.verifier();
    let error = verifier
        .verify(&sign(&claims()), Some("another-nonce"))
        .await
        .unwrap_err();
    assert!(matches!(error, IdTokenError::NonceMismatch), "{error}");
    let mut c = claims();
    c.as_object_mut().unwrap().remove("nonce");
    let error = verifier.verify(&sign(&c), Some(NONCE)).await.unwrap_err();
    assert!(matches!(error, IdTokenError::MissingNonce), "{error}");
    // No nonce was sent: none is required.
    verifier.verify(&sign(&c), None).await.unwrap();
}

#[tokio::test]
async fn an_expired_token_is_rejected_beyond_the_leeway() {
    let mut c = claims();
    c["exp"] = json!(now() - 61);
    c["iat"] = json!(now() - 3661);
    let error = rejection(&c).await;
    assert!(matches!(error, IdTokenError::Expired { .. }), "{error}");

    // Within the default 60 s leeway it is accepted; with no leeway it is not.
    let provider = Provider::polar().await;
    c["exp"] = json!(now() - 30);
    provider
        .verifier()
        .verify(&sign(&c), Some(NONCE))
        .await
        .unwrap();
    let error = provider
        .verifier()
        .leeway(Duration::ZERO)
        .verify(&sign(&c), Some(NONCE))
        .await
        .unwrap_err();
    assert!(matches!(error, IdTokenError::Expired { .. }), "{error}");
}

#[tokio::test]
async fn a_token_issued_in_the_future_or_not_yet_valid_is_rejected() {
    let mut c = claims();
    c["iat"] = json!(now() + 600);
    let error = rejection(&c).await;
    assert!(
        matches!(error, IdTokenError::IssuedInFuture { .. }),
        "{error}"
    );
    let mut c = claims();
    c["nbf"] = json!(now() + 600);
    let error = rejection(&c).await;
    assert!(matches!(error, IdTokenError::NotYetValid { .. }), "{error}");
}

#[tokio::test]
async fn missing_required_claims_are_named() {
    for claim in ["iss", "sub", "aud", "exp", "iat"] {
        let mut c = claims();
        c.as_object_mut().unwrap().remove(claim);
        let error = rejection(&c).await;
        assert!(
            matches!(error, IdTokenError::MissingClaim(name) if name == claim),
            "{claim}: {error}"
        );
    }
}

#[tokio::test]
async fn nbf_must_be_an_integer_numeric_date_like_exp_and_iat() {
    let provider = Provider::polar().await;
    let verifier = provider.verifier();
    let future = now() + 600;
    for claim in ["nbf", "exp", "iat"] {
        for text in [
            format!("{future}.0"),
            format!("{future}.5"),
            "9e9".to_owned(),
            format!("\"{future}\""),
            "9223372036854775808".to_owned(),
            "1e300".to_owned(),
        ] {
            let token = sign_raw(HEADER_A, &claims_text_with(claim, &text));
            let error = verifier.verify(&token, Some(NONCE)).await.unwrap_err();
            assert!(
                matches!(error, IdTokenError::InvalidClaims(_)),
                "{claim}: {text}: {error}"
            );
        }
    }
    // The largest integer is a time far in the future, never one that wraps into the past.
    let token = sign_raw(HEADER_A, &claims_text_with("nbf", &i64::MAX.to_string()));
    let error = verifier.verify(&token, Some(NONCE)).await.unwrap_err();
    assert!(matches!(error, IdTokenError::NotYetValid { .. }), "{error}");
    let token = sign_raw(HEADER_A, &claims_text_with("iat", &i64::MAX.to_string()));
    let error = verifier.verify(&token, Some(NONCE)).await.unwrap_err();
    assert!(
        matches!(error, IdTokenError::IssuedInFuture { .. }),
        "{error}"
    );
    // An integer `nbf` in the past is accepted, and returned.
    let token = sign_raw(
        HEADER_A,
        &claims_text_with("nbf", &(now() - 10).to_string()),
    );
    let claims = verifier.verify(&token, Some(NONCE)).await.unwrap();
    assert!(claims.nbf.is_some());
}

#[tokio::test]
async fn a_huge_value_in_a_token_gives_a_bounded_error() {
    let provider = Provider::polar().await;
    let verifier = provider.verifier();
    let huge = "k".repeat(1 << 20);
    // Four times the documented 256-byte excerpt.
    let bound = 4 * 256;
    let header = |alg: &str, kid: &str| json!({"alg": alg, "kid": kid}).to_string();
    let mut c = claims();
    c["iss"] = json!(huge);
    let mut many = claims();
    many["aud"] = json!(vec!["polar_ci_other"; 100_000]);
    let tokens = [
        (
            "kid",
            sign_raw(&header("RS256", &huge), &claims().to_string()),
        ),
        (
            "alg",
            sign_raw(&header(&huge, "key-a"), &claims().to_string()),
        ),
        ("iss", sign_raw(HEADER_A, &c.to_string())),
        ("aud", sign_raw(HEADER_A, &many.to_string())),
    ];
    for (what, token) in tokens {
        let error = verifier.verify(&token, Some(NONCE)).await.unwrap_err();
        let shown = format!("{error}");
        let debug = format!("{error:?}");
        assert!(shown.len() < bound, "{what}: {} bytes", shown.len());
        assert!(debug.len() < bound, "{what}: {} bytes", debug.len());
        assert!(shown.contains("kkkk") || what == "aud", "{what}: {shown}");
    }
}
