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
    .random_nonce()
    .build()?;
    let answer = browser::consent_data(target, pending.url()).await?;
    ensure_eq!(answer.status().as_u16(), 400, "status");
    let body: Value = answer.json().await?;
    ensure!(body["error"].is_string(), "no `error` in {body}");
    Ok(())
}
