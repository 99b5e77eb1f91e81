//! The refusals an app meets, as Polar answers them.

use polar_oauth2::{
    CallbackError, ClientCredentials, ClientSecret, RefreshToken, TokenEndpointAuthMethod,
};
use serde_json::Value;

use crate::target::Target;
use crate::{Outcome, browser, ensure, ensure_eq, expect_oauth, fail};

/// A wrong client secret: 401 `invalid_client` with `WWW-Authenticate`.
pub async fn wrong_client_secret_is_401_invalid_client(target: &Target) -> Outcome {
    let credentials = ClientCredentials::confidential(
        &target.clients.confidential_post.client_id,
        ClientSecret::new("polar_cs_conformanceWrongSecretConformanceWrongSecret0"),
    );
    let refresh = RefreshToken::new("polar_rt_u_conformanceUnknownConformanceUnknownToken0");
    let error = expect_oauth(
        target.client()?.refresh(&credentials, &refresh).await,
        "invalid_client",
        401,
        "refresh with a wrong client secret",
    )?;
    ensure!(
        error.www_authenticate.is_some(),
        "401 invalid_client without WWW-Authenticate"
    );
    Ok(())
}

/// An unknown client id: 400 `invalid_client`.
pub async fn unknown_client_is_400_invalid_client(target: &Target) -> Outcome {
    let credentials = ClientCredentials::confidential(
        "polar_ci_conformanceUnknownClientConformanceUnknown00",
        ClientSecret::new("polar_cs_conformanceWrongSecretConformanceWrongSecret0"),
    );
    let refresh = RefreshToken::new("polar_rt_u_conformanceUnknownConformanceUnknownToken0");
    expect_oauth(
        target.client()?.refresh(&credentials, &refresh).await,
        "invalid_client",
        400,
        "refresh for an unknown client",
    )?;
    Ok(())
}

/// "Deny" sends the browser back with `error=access_denied` and the request's `state`.
pub async fn denied_consent_redirects_access_denied(target: &Target) -> Outcome {
    let registered = target
        .fresh_client(TokenEndpointAuthMethod::ClientSecretPost)
        .await?;
    let pending = target.request(&registered.client_id, "openid").build()?;
    let redirected_to = browser::deny(target, pending.url()).await?;
    match pending.callback(&redirected_to) {
        Err(CallbackError::Authorization(error)) => {
            ensure_eq!(error.code.as_str(), "access_denied", "error");
        }
        Err(other) => fail!("callback after Deny: {other}"),
        Ok(_) => fail!("callback after Deny carries a code"),
    }
    Ok(())
}

/// The consent form without the session cookie: 401.
pub async fn consent_without_session_is_401(target: &Target) -> Outcome {
    let credentials = target.clients.confidential_post.credentials();
    let pending = target.request(credentials.client_id(), "openid").build()?;
    let answer =
        browser::post_consent(target, pending.url(), false, &[("action", "allow")]).await?;
    ensure_eq!(answer.status().as_u16(), 401, "consent without the session");
    Ok(())
}

/// A redirect URI the client did not register is never redirected to (RFC 6749 §4.1.2.1):
/// the consent data is a 400 JSON error.
pub async fn unknown_redirect_uri_is_not_redirected(target: &Target) -> Outcome {
    let pending = polar_oauth2::AuthorizationRequest::new(
        &target.server(),
        &target.clients.confidential_post.client_id,
        "http://127.0.0.1:9/not-registered",
    )
    .endpoint(&target.authorization_page)
    .random_nonce()
    .build()?;
    let answer = browser::consent_data(target, pending.url()).await?;
    ensure_eq!(answer.status().as_u16(), 400, "status");
    let body: Value = answer.json().await?;
    ensure!(body["error"].is_string(), "no `error` in {body}");
    Ok(())
}

/// Polar authenticates any bearer token before routing: one that is none of its live
/// credentials is 401 `invalid_token` on every route, even the token endpoint and the JWKS.
pub async fn stale_bearer_is_401_on_any_route(target: &Target) -> Outcome {
    let http = browser::http()?;
    let stale = "Bearer polar_at_u_conformanceUnknownConformanceUnknown00";
    let jwks = http
        .get(format!("{}/.well-known/jwks.json", target.base_url))
        .header(reqwest::header::AUTHORIZATION, stale)
        .send()
        .await?;
    ensure_eq!(jwks.status().as_u16(), 401, "JWKS with a stale bearer");
    let token = http
        .post(format!("{}/v1/oauth2/token", target.base_url))
        .header(reqwest::header::AUTHORIZATION, stale)
        .form(&[("grant_type", "refresh_token"), ("refresh_token", "x")])
        .send()
        .await?;
    ensure_eq!(
        token.status().as_u16(),
        401,
        "token endpoint with a stale bearer"
    );
    let body: Value = token.json().await?;
    ensure_eq!(body["error"].as_str(), Some("invalid_token"), "error");
    Ok(())
}

/// `prompt=none` for a client the user has not consented to: redirected with
/// `error=consent_required` and the `state`.
pub async fn prompt_none_without_consent_is_consent_required(target: &Target) -> Outcome {
    let registered = target
        .fresh_client(TokenEndpointAuthMethod::ClientSecretPost)
        .await?;
    let pending = target
        .request(&registered.client_id, "openid")
        .prompt("none")
        .build()?;
    let answer = browser::consent_data(target, pending.url()).await?;
    ensure!(
        answer.status().is_redirection(),
        "prompt=none without consent: HTTP {}, Polar redirects",
        answer.status()
    );
    let location = answer
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    match pending.callback(&location) {
        Err(CallbackError::Authorization(error)) => {
            ensure_eq!(error.code.as_str(), "consent_required", "error");
        }
        Err(other) => fail!("callback after prompt=none: {other}"),
        Ok(_) => fail!("prompt=none without consent gave a code"),
    }
    Ok(())
}
