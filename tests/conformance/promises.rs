//! What the embedded server's docs promise, checked against Polar's own answers: discovery,
//! the JWKS, token prefixes and lifetimes.

use polar_oauth2::{AuthorizationRequest, Scope};
use serde_json::{Value, json};

use crate::target::Target;
use crate::{Failure, Outcome, browser, ensure, ensure_eq};

/// Discovery names issuer `https://polar.sh` and this server's API endpoints, the grants
/// `authorization_code`, `refresh_token` and `web`, the three client authentication methods,
/// RS256, and among the scopes neither the reserved `web:*` nor
/// `organization_access_tokens:*`; its `authorization_endpoint` is the web app's page.
pub async fn discovery_document(target: &Target) -> Outcome {
    let base = &target.base_url;
    let document: Value = browser::http()?
        .get(format!("{base}/.well-known/openid-configuration"))
        .send()
        .await?
        .json()
        .await?;
    ensure_eq!(document["issuer"], json!("https://polar.sh"), "issuer");
    // The page is Polar's web app (its own origin), not a route of the API server.
    let page = document["authorization_endpoint"]
        .as_str()
        .unwrap_or_default();
    ensure!(
        page.ends_with("/oauth2/authorize") && !page.starts_with(&format!("{base}/")),
        "authorization_endpoint {page:?}: Polar names its web app's page, not one of {base}"
    );
    for (field, path) in [
        ("token_endpoint", "/v1/oauth2/token"),
        ("jwks_uri", "/.well-known/jwks.json"),
        ("registration_endpoint", "/v1/oauth2/register"),
        ("revocation_endpoint", "/v1/oauth2/revoke"),
        ("introspection_endpoint", "/v1/oauth2/introspect"),
        ("userinfo_endpoint", "/v1/oauth2/userinfo"),
    ] {
        ensure_eq!(document[field], json!(format!("{base}{path}")), field);
    }
    let mut grants: Vec<&str> = document["grant_types_supported"]
        .as_array()
        .map(|list| list.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    grants.sort_unstable();
    ensure_eq!(
        grants,
        ["authorization_code", "refresh_token", "web"],
        "grant_types_supported (sorted)"
    );
    ensure_eq!(
        document["token_endpoint_auth_methods_supported"],
        json!(["client_secret_basic", "client_secret_post", "none"]),
        "token_endpoint_auth_methods_supported"
    );
    ensure_eq!(
        document["id_token_signing_alg_values_supported"],
        json!(["RS256"]),
        "id_token_signing_alg_values_supported"
    );
    let scopes: Vec<&str> = document["scopes_supported"]
        .as_array()
        .ok_or_else(|| Failure("no scopes_supported".into()))?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let unexpected: Vec<&&str> = scopes
        .iter()
        .filter(|s| s.starts_with("web:") || s.starts_with("organization_access_tokens:"))
        .collect();
    ensure!(
        unexpected.is_empty(),
        "scopes_supported lists {unexpected:?}, which Polar leaves out"
    );
    ensure!(
        scopes.contains(&Scope::Openid.as_str()),
        "scopes_supported lacks openid"
    );
    Ok(())
}

/// The JWKS holds one RSA key with `kid`, `n` and `e`, and neither `alg` nor `use`.
pub async fn jwks_has_one_rsa_key(target: &Target) -> Outcome {
    let jwks: Value = browser::http()?
        .get(format!("{}/.well-known/jwks.json", target.base_url))
        .send()
        .await?
        .json()
        .await?;
    let keys = jwks["keys"]
        .as_array()
        .ok_or_else(|| Failure(format!("no keys in {jwks}")))?;
    let [key] = keys.as_slice() else {
        return Err(Failure(format!("{} keys, Polar has one", keys.len())));
    };
    ensure_eq!(key["kty"], json!("RSA"), "kty");
    for member in ["kid", "n", "e"] {
        ensure!(key[member].is_string(), "the key has no `{member}`");
    }
    for member in ["alg", "use"] {
        ensure!(
            key.get(member).is_none(),
            "the key has `{member}`, Polar's has none"
        );
    }
    Ok(())
}

/// From a code: `polar_at_u_` for 864000 s and `polar_rt_u_`; from a refresh: 3600 s.
pub async fn token_prefixes_and_lifetimes(target: &Target) -> Outcome {
    let credentials = target.clients.confidential_post.credentials();
    let (token, _) = target.connect_settled(&credentials, "openid").await?;
    ensure_eq!(
        token.expires_in().map(|d| d.as_secs()),
        Some(864_000),
        "expires_in from a code"
    );
    let refresh = token
        .refresh_token()
        .ok_or_else(|| Failure("no refresh token".into()))?;
    ensure!(
        refresh.secret().starts_with("polar_rt_u_"),
        "no polar_rt_u_ refresh token"
    );
    let renewed = target.client()?.refresh(&credentials, refresh).await?;
    ensure!(
        renewed.access_token().secret().starts_with("polar_at_u_"),
        "no polar_at_u_ after refresh"
    );
    ensure_eq!(
        renewed.expires_in().map(|d| d.as_secs()),
        Some(3600),
        "expires_in from a refresh"
    );
    Ok(())
}

/// The browser is sent to the page discovery names (`authorization_endpoint`: Polar's web
/// app, not an API route), never to a page guessed from the API's base URL: a request for a
/// custom server without its page is refused, and one with discovery's page completes the flow.
pub async fn authorization_url_is_discoverys_page(target: &Target) -> Outcome {
    let unguessed = AuthorizationRequest::new(
        &target.server(),
        &target.clients.confidential_post.client_id,
        &target.redirect_uri,
    )
    .build();
    ensure!(unguessed.is_err(), "a custom server's page was guessed");
    let pending = target
        .request(&target.clients.confidential_post.client_id, "openid")
        .build()?;
    ensure!(
        pending
            .url()
            .starts_with(&format!("{}?", target.authorization_page)),
        "the authorization URL is not discovery's page"
    );
    let (token, _) = target
        .connect(&target.clients.confidential_post.credentials(), "openid")
        .await?;
    ensure!(
        token.access_token().secret().starts_with("polar_at_u_"),
        "no user token"
    );
    Ok(())
}
