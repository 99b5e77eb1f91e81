//! Introspection (RFC 7662).

use polar_oauth2::{AccessToken, SubType};

use crate::target::Target;
use crate::{Failure, Outcome, ensure, ensure_eq};

const SCOPE: &str = "openid email user:read";

/// An active access token: `client_id` and `aud` the client, `token_type` `Bearer` (what
/// Polar stores, although its spec's enum says `access_token`),
/// the scope granted, `sub_type` `user`, `sub` the user, `iss` `https://polar.sh`, and
/// `exp - iat` its lifetime (864000 s from a code).
pub async fn active_access_token_fields(target: &Target) -> Outcome {
    let credentials = target.clients.confidential_post.credentials();
    let (token, _) = target.connect_settled(&credentials, SCOPE).await?;
    let introspection = target
        .client()?
        .introspect(&credentials, token.access_token())
        .await?;
    let Some(active) = introspection.active() else {
        crate::fail!("a fresh access token is inactive");
    };
    ensure_eq!(active.client_id, credentials.client_id(), "client_id");
    ensure_eq!(active.aud, credentials.client_id(), "aud");
    ensure_eq!(active.token_type.as_str(), "Bearer", "token_type");
    ensure_eq!(active.scope.to_string(), SCOPE, "scope");
    ensure_eq!(active.sub_type, SubType::User, "sub_type");
    ensure_eq!(active.sub, target.user.id, "sub");
    ensure_eq!(active.iss, "https://polar.sh", "iss");
    ensure_eq!(active.exp.saturating_sub(active.iat), 864_000, "exp - iat");
    Ok(())
}

/// An active refresh token: the same claims (`token_type` `Bearer` too).
pub async fn active_refresh_token_fields(target: &Target) -> Outcome {
    let credentials = target.clients.confidential_post.credentials();
    let (token, _) = target.connect_settled(&credentials, SCOPE).await?;
    let refresh = token
        .refresh_token()
        .ok_or_else(|| Failure("no refresh token".into()))?;
    let introspection = target.client()?.introspect(&credentials, refresh).await?;
    let Some(active) = introspection.active() else {
        crate::fail!("a fresh refresh token is inactive");
    };
    ensure_eq!(active.token_type.as_str(), "Bearer", "token_type");
    ensure_eq!(active.client_id, credentials.client_id(), "client_id");
    ensure_eq!(active.sub, target.user.id, "sub");
    Ok(())
}

/// Polar answers only for the calling client's tokens: another client's is inactive.
pub async fn other_clients_token_is_inactive(target: &Target) -> Outcome {
    let (token, _) = target
        .connect_settled(&target.clients.web.credentials(), SCOPE)
        .await?;
    let introspection = target
        .client()?
        .introspect(
            &target.clients.confidential_post.credentials(),
            token.access_token(),
        )
        .await?;
    ensure!(
        !introspection.is_active(),
        "another client's token is active"
    );
    Ok(())
}

/// An unknown token is `{"active": false}`.
pub async fn unknown_token_is_inactive(target: &Target) -> Outcome {
    let unknown = AccessToken::new("polar_at_u_conformanceUnknownTokenConformanceUnknown0");
    let introspection = target
        .client()?
        .introspect(&target.clients.confidential_post.credentials(), &unknown)
        .await?;
    ensure!(!introspection.is_active(), "an unknown token is active");
    Ok(())
}
