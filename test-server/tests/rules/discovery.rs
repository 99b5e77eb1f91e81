//! `/.well-known/openid-configuration` and `/.well-known/jwks.json`: Polar's metadata with
//! this server's URLs, agreeing with the ID tokens it issues.

use polar_oauth2::{Scope, SubType};
use reqwest::StatusCode;
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn discovery_points_at_this_server_and_agrees_with_the_id_tokens() {
    let server = start().await;
    let base = server.base_url();
    let (status, _, config) = json(get(server.openid_configuration_url()).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(config["issuer"], server.issuer());
    assert_eq!(config["issuer"], "https://polar.sh");
    // The page is on the "web app" origin, as Polar's is its web app's, not an API route.
    assert_eq!(
        config["authorization_endpoint"],
        server.authorization_endpoint()
    );
    assert!(!server.authorization_endpoint().starts_with(base));
    for (key, path) in [
        ("token_endpoint", "/v1/oauth2/token"),
        ("jwks_uri", "/.well-known/jwks.json"),
        ("userinfo_endpoint", "/v1/oauth2/userinfo"),
        ("revocation_endpoint", "/v1/oauth2/revoke"),
        ("introspection_endpoint", "/v1/oauth2/introspect"),
        ("registration_endpoint", "/v1/oauth2/register"),
    ] {
        assert_eq!(config[key], format!("{base}{path}"), "{key}");
    }
    assert_eq!(
        config["id_token_signing_alg_values_supported"],
        json!(["RS256"])
    );
    assert_eq!(config["subject_types_supported"], json!(["public"]));
    assert_eq!(
        config["claims_supported"],
        json!(["sub", "name", "email", "email_verified"])
    );
    assert_eq!(
        config["code_challenge_methods_supported"],
        json!(["plain", "S256"])
    );
    let scopes: Vec<&str> = config["scopes_supported"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(scopes, polar_scopes_supported());
    let members: Vec<&str> = config
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut members = members;
    members.sort_unstable();
    let mut polars = vec![
        "issuer",
        "authorization_endpoint",
        "token_endpoint",
        "jwks_uri",
        "registration_endpoint",
        "scopes_supported",
        "response_types_supported",
        "response_modes_supported",
        "grant_types_supported",
        "token_endpoint_auth_methods_supported",
        "service_documentation",
        "revocation_endpoint",
        "revocation_endpoint_auth_methods_supported",
        "introspection_endpoint",
        "introspection_endpoint_auth_methods_supported",
        "code_challenge_methods_supported",
        "userinfo_endpoint",
        "subject_types_supported",
        "id_token_signing_alg_values_supported",
        "claims_supported",
    ];
    polars.sort_unstable();
    assert_eq!(members, polars);
    assert_eq!(
        config["grant_types_supported"],
        json!(["authorization_code", "web", "refresh_token"])
    );

    let (status, _, jwks) = json(get(format!("{base}/.well-known/jwks.json")).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(jwks, server.jwks_json());
    let key = &jwks["keys"][0];
    assert_eq!(key["kid"], server.signing_key_id());
    assert_eq!(key["kty"], "RSA");
    // Polar publishes `n`, `e`, `kty` and a named `kid`: no `use`, no `alg`.
    let mut members: Vec<&str> = key
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    members.sort_unstable();
    assert_eq!(members, ["e", "kid", "kty", "n"], "{key}");
    assert_eq!(key["e"], "AQAB");
    assert_eq!(b64(key["n"].as_str().unwrap()).len(), 256);
    assert!(
        key.get("d").is_none(),
        "private members must not be published: {key}"
    );

    let token = token_with(
        &server,
        &[Scope::Openid, Scope::Email],
        SubType::User,
        Some("n-0S6_WzA2Mj"),
    )
    .await;
    let (header, claims) = verify_with_jwks(field(&token, "id_token"), &jwks);
    assert_eq!(header["alg"], "RS256");
    assert_eq!(claims["iss"], config["issuer"]);
}
