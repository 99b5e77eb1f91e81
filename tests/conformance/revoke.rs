//! Revocation (RFC 7009) and its cascades.

use polar_oauth2::AccessToken;

use crate::target::Target;
use crate::{Failure, Outcome, ensure, expect_oauth, expect_status, settled};

const SCOPE: &str = "openid email";

/// (Polar commits a revocation just after answering: its effect is awaited with `settled`.)
///
/// Revoking the access token revokes its refresh token too: userinfo is 401, the refresh is
/// 400 `invalid_grant`, introspection says inactive.
pub async fn revoking_access_token_kills_its_refresh_token(target: &Target) -> Outcome {
    let credentials = target.clients.confidential_post.credentials();
    let (token, _) = target.connect_settled(&credentials, SCOPE).await?;
    let client = target.client()?;
    let refresh = token
        .refresh_token()
        .ok_or_else(|| Failure("no refresh token".into()))?;
    client.revoke(&credentials, token.access_token()).await?;
    settled(|| async {
        expect_status(
            client.userinfo(token.access_token()).await,
            401,
            "userinfo with a revoked access token",
        )
        .map(drop)
    })
    .await?;
    let introspection = client
        .introspect(&credentials, token.access_token())
        .await?;
    ensure!(
        !introspection.is_active(),
        "a revoked access token is active"
    );
    expect_oauth(
        client.refresh(&credentials, refresh).await,
        "invalid_grant",
        400,
        "refresh after its access token was revoked",
    )?;
    Ok(())
}

/// Revoking the refresh token revokes its access token too.
pub async fn revoking_refresh_token_kills_its_access_token(target: &Target) -> Outcome {
    let credentials = target.clients.confidential_post.credentials();
    let (token, _) = target.connect_settled(&credentials, SCOPE).await?;
    let client = target.client()?;
    let refresh = token
        .refresh_token()
        .ok_or_else(|| Failure("no refresh token".into()))?;
    client.revoke(&credentials, refresh).await?;
    settled(|| async {
        let introspection = client.introspect(&credentials, refresh).await?;
        ensure!(
            !introspection.is_active(),
            "a revoked refresh token is active"
        );
        Ok(())
    })
    .await?;
    expect_status(
        client.userinfo(token.access_token()).await,
        401,
        "userinfo after the refresh token was revoked",
    )?;
    Ok(())
}

/// An unknown token is revoked with success (RFC 7009 §2.2).
pub async fn revoking_unknown_token_is_success(target: &Target) -> Outcome {
    let credentials = target.clients.confidential_post.credentials();
    let unknown = AccessToken::new("polar_at_u_conformanceUnknownTokenConformanceUnknown0");
    target.client()?.revoke(&credentials, &unknown).await?;
    Ok(())
}

/// Another client's token: 400 `invalid_grant`, and the token keeps working.
pub async fn revoking_other_clients_token_is_invalid_grant(target: &Target) -> Outcome {
    let owner = target.clients.web.credentials();
    let (token, _) = target.connect_settled(&owner, SCOPE).await?;
    let client = target.client()?;
    let other = target.clients.confidential_post.credentials();
    expect_oauth(
        client.revoke(&other, token.access_token()).await,
        "invalid_grant",
        400,
        "revoking another client's token",
    )?;
    client.userinfo(token.access_token()).await?;
    Ok(())
}
