//! Userinfo (OpenID Connect Core §5.3) by scope.

use polar_oauth2::AccessToken;
use reqwest::header::{AUTHORIZATION, CONTENT_LENGTH};
use serde_json::Value;

use crate::target::Target;
use crate::{Outcome, browser, ensure, ensure_eq, expect_status};

/// With `openid` alone Polar sends `sub` only.
pub async fn openid_only_gives_sub(target: &Target) -> Outcome {
    let credentials = target.clients.confidential_post.credentials();
    let (token, _) = target.connect(&credentials, "openid").await?;
    let me = target.client()?.userinfo(token.access_token()).await?;
    ensure_eq!(me.sub, target.user.id, "sub");
    ensure_eq!(me.email, None, "email without the email scope");
    ensure_eq!(
        me.email_verified,
        None,
        "email_verified without the email scope"
    );
    ensure_eq!(me.name, None, "name of a user");
    Ok(())
}

/// `profile` adds nothing Polar knows for a user (no `name`), and no email.
pub async fn profile_adds_no_email(target: &Target) -> Outcome {
    let credentials = target.clients.confidential_post.credentials();
    let (token, _) = target.connect(&credentials, "openid profile").await?;
    let me = target.client()?.userinfo(token.access_token()).await?;
    ensure_eq!(me.sub, target.user.id, "sub");
    ensure_eq!(me.email, None, "email without the email scope");
    ensure_eq!(me.name, None, "name of a user");
    Ok(())
}

/// `email` adds the user's `email` and `email_verified`.
pub async fn email_gives_email(target: &Target) -> Outcome {
    let credentials = target.clients.confidential_post.credentials();
    let (token, _) = target.connect(&credentials, "openid email").await?;
    let me = target.client()?.userinfo(token.access_token()).await?;
    ensure_eq!(me.sub, target.user.id, "sub");
    ensure_eq!(
        me.email.as_deref(),
        Some(target.user.email.as_str()),
        "email"
    );
    ensure_eq!(me.email_verified, Some(true), "email_verified");
    Ok(())
}

/// `POST /v1/oauth2/userinfo` answers as `GET` does.
pub async fn post_works_like_get(target: &Target) -> Outcome {
    let credentials = target.clients.confidential_post.credentials();
    let (token, _) = target.connect_settled(&credentials, "openid email").await?;
    let answer = browser::http()?
        .post(format!("{}/v1/oauth2/userinfo", target.base_url))
        .header(
            AUTHORIZATION,
            format!("Bearer {}", token.access_token().secret()),
        )
        // Polar's server wants a length on a POST (411 without one); reqwest sends none for
        // an empty body.
        .header(CONTENT_LENGTH, "0")
        .send()
        .await?;
    ensure_eq!(answer.status().as_u16(), 200, "status of POST userinfo");
    let body: Value = answer.json().await?;
    ensure_eq!(body["sub"].as_str(), Some(target.user.id.as_str()), "sub");
    ensure_eq!(
        body["email"].as_str(),
        Some(target.user.email.as_str()),
        "email"
    );
    Ok(())
}

/// A personal access token is no OAuth2 access token: 401 `invalid_token`.
pub async fn personal_access_token_is_invalid_token(target: &Target) -> Outcome {
    let pat = AccessToken::new(&target.personal_access_token);
    expect_status(
        target.client()?.userinfo(&pat).await,
        401,
        "userinfo with a personal access token",
    )?;
    Ok(())
}

/// A token Polar has just issued works at once, every time: an app's callback calls userinfo
/// right after the exchange (50 times in a row here).
pub async fn just_issued_tokens_work_at_once(target: &Target) -> Outcome {
    let credentials = target.clients.confidential_post.credentials();
    let client = target.client()?;
    let mut failures = Vec::new();
    for attempt in 0..50 {
        let (token, _) = target.connect(&credentials, "openid email").await?;
        if let Err(error) = client.userinfo(token.access_token()).await {
            failures.push(format!("#{attempt}: {error}"));
        }
    }
    ensure!(
        failures.is_empty(),
        "{} of 50 just-issued tokens failed at userinfo: {}",
        failures.len(),
        failures.join("; ")
    );
    Ok(())
}
