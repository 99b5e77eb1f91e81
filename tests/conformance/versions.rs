//! `Polar-Version`: Polar serves `2026-04` and `2026-10`; any other value makes every route 404.

use polar_oauth2::{AccessToken, Client};
use reqwest::header::AUTHORIZATION;

use crate::target::Target;
use crate::{Failure, Outcome, browser, ensure, ensure_eq};

/// Userinfo, introspection and a refresh through a client pinned to `version`.
async fn works_with(target: &Target, version: &str) -> Outcome {
    let credentials = target.clients.confidential_post.credentials();
    let (token, _) = target.connect_settled(&credentials, "openid email").await?;
    let client = Client::builder(target.server())
        .polar_version(version)
        .build()?;
    let me = client.userinfo(token.access_token()).await?;
    ensure_eq!(me.sub, target.user.id, "userinfo sub");
    let introspection = client
        .introspect(&credentials, token.access_token())
        .await?;
    ensure!(introspection.is_active(), "fresh token inactive");
    let refresh = token
        .refresh_token()
        .ok_or_else(|| Failure("no refresh token".into()))?;
    client.refresh(&credentials, refresh).await?;
    Ok(())
}

/// `Polar-Version: 2026-04` works.
pub async fn polar_version_2026_04(target: &Target) -> Outcome {
    works_with(target, "2026-04").await
}

/// `Polar-Version: 2026-10` works.
pub async fn polar_version_2026_10(target: &Target) -> Outcome {
    works_with(target, "2026-10").await
}

/// Any other version is 404 on every route; through the crate, such a client never gets an
/// answer for a valid token.
pub async fn unknown_polar_version_is_404(target: &Target) -> Outcome {
    let credentials = target.clients.confidential_post.credentials();
    let (token, _) = target.connect_settled(&credentials, "openid").await?;
    let answer = browser::http()?
        .get(format!("{}/v1/oauth2/userinfo", target.base_url))
        .header(
            AUTHORIZATION,
            format!("Bearer {}", token.access_token().secret()),
        )
        .header("Polar-Version", "2025-01")
        .send()
        .await?;
    ensure_eq!(
        answer.status().as_u16(),
        404,
        "userinfo with Polar-Version 2025-01"
    );
    let through_crate = match Client::builder(target.server())
        .polar_version("2025-01")
        .build()
    {
        Ok(client) => client
            .userinfo(&AccessToken::new(token.access_token().secret()))
            .await
            .is_ok(),
        Err(_) => false,
    };
    ensure!(
        !through_crate,
        "a client pinned to Polar-Version 2025-01 got an answer"
    );
    Ok(())
}
