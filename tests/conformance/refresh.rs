//! Refresh with rotation.

use crate::target::Target;
use crate::{Failure, Outcome, ensure, ensure_eq, expect_oauth, expect_status, settled};

const SCOPE: &str = "openid email user:read";

/// A refresh returns a new pair and revokes the old one: the old refresh token is then 400
/// `invalid_grant` and the old access token 401 at userinfo; the new access token works.
pub async fn refresh_rotates_and_old_refresh_token_dies(target: &Target) -> Outcome {
    let credentials = target.clients.confidential_post.credentials();
    let (token, _) = target.connect_settled(&credentials, SCOPE).await?;
    let client = target.client()?;
    let old_refresh = token
        .refresh_token()
        .ok_or_else(|| Failure("no refresh token".into()))?;
    let renewed = client.refresh(&credentials, old_refresh).await?;
    let new_refresh = renewed
        .refresh_token()
        .ok_or_else(|| Failure("the refresh gave no new refresh token".into()))?;
    ensure!(
        new_refresh != old_refresh,
        "the refresh token was not rotated"
    );
    ensure_eq!(
        crate::scope_words(&renewed.scope().to_string()),
        crate::scope_words(SCOPE),
        "scope after refresh"
    );
    let me = client.userinfo(renewed.access_token()).await?;
    ensure_eq!(me.sub, target.user.id, "userinfo sub with the new token");
    // Polar revokes the old pair when it commits, just after answering.
    settled(|| async {
        expect_status(
            client.userinfo(token.access_token()).await,
            401,
            "userinfo with the access token of the rotated-out pair",
        )
        .map(drop)
    })
    .await?;
    expect_oauth(
        client.refresh(&credentials, old_refresh).await,
        "invalid_grant",
        400,
        "refresh with the rotated-out refresh token",
    )?;
    Ok(())
}

/// A public client refreshes with its client id alone.
pub async fn refresh_for_public_client(target: &Target) -> Outcome {
    let credentials = target.clients.public.credentials();
    let (token, _) = target.connect_settled(&credentials, SCOPE).await?;
    let refresh = token
        .refresh_token()
        .ok_or_else(|| Failure("no refresh token".into()))?;
    let renewed = target.client()?.refresh(&credentials, refresh).await?;
    ensure!(
        renewed.access_token().secret().starts_with("polar_at_u_"),
        "no user token after refresh"
    );
    Ok(())
}

/// A `client_secret_basic` client refreshes with its secret in `Authorization: Basic`.
pub async fn refresh_with_client_secret_basic(target: &Target) -> Outcome {
    let credentials = target.clients.confidential_basic.credentials();
    let (token, _) = target.connect_settled(&credentials, SCOPE).await?;
    let refresh = token
        .refresh_token()
        .ok_or_else(|| Failure("no refresh token".into()))?;
    target.client()?.refresh(&credentials, refresh).await?;
    Ok(())
}
