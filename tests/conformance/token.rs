//! The token endpoint: every grant and client authentication method, and its refusals.

use polar_oauth2::{PkceCodeVerifier, PkceMethod, SessionToken, TokenType, WebGrant};

use crate::target::Target;
use crate::{Outcome, browser, ensure, ensure_eq, expect_oauth};

const SCOPE: &str = "openid profile email user:read";

/// Polar issues a user token for a code to a `client_secret_post` client: `polar_at_u_`,
/// `polar_rt_u_`, `Bearer`, the scope asked for, an ID token with `openid`.
pub async fn code_with_client_secret_post(target: &Target) -> Outcome {
    let credentials = target.clients.confidential_post.credentials();
    let (token, _) = target.connect(&credentials, SCOPE).await?;
    ensure!(
        token.access_token().secret().starts_with("polar_at_u_"),
        "access token is not a user token (polar_at_u_)"
    );
    ensure!(
        token
            .refresh_token()
            .is_some_and(|t| t.secret().starts_with("polar_rt_u_")),
        "no user refresh token (polar_rt_u_)"
    );
    ensure_eq!(token.token_type(), &TokenType::Bearer, "token_type");
    ensure_eq!(
        crate::scope_words(&token.scope().to_string()),
        crate::scope_words(SCOPE),
        "scope"
    );
    ensure!(
        token.id_token().is_some(),
        "no ID token although openid was granted"
    );
    let me = target.client()?.userinfo(token.access_token()).await?;
    ensure_eq!(me.sub, target.user.id, "userinfo sub");
    Ok(())
}

/// A client registered with `client_secret_basic` exchanges codes with its secret in an
/// `Authorization: Basic` header (RFC 6749 §2.3.1); authlib refuses any other method for it.
pub async fn code_with_client_secret_basic(target: &Target) -> Outcome {
    let credentials = target.clients.confidential_basic.credentials();
    let (token, _) = target.connect(&credentials, SCOPE).await?;
    let me = target.client()?.userinfo(token.access_token()).await?;
    ensure_eq!(me.sub, target.user.id, "userinfo sub");
    Ok(())
}

/// A public client (`none`) exchanges its code with the S256 PKCE verifier and no secret.
pub async fn code_for_public_client_with_pkce(target: &Target) -> Outcome {
    let credentials = target.clients.public.credentials();
    let (token, _) = target.connect(&credentials, SCOPE).await?;
    ensure!(
        token.refresh_token().is_some(),
        "public client got no refresh token"
    );
    let me = target.client()?.userinfo(token.access_token()).await?;
    ensure_eq!(me.sub, target.user.id, "userinfo sub");
    Ok(())
}

/// Polar accepts the `plain` PKCE method too.
pub async fn code_with_plain_pkce(target: &Target) -> Outcome {
    let credentials = target.clients.public.credentials();
    let pending = target
        .request(credentials.client_id(), SCOPE)
        .pkce_method(PkceMethod::Plain)
        .build()?;
    let token = target.finish(&credentials, &pending).await?;
    ensure!(
        token.access_token().secret().starts_with("polar_at_u_"),
        "no user token"
    );
    Ok(())
}

/// A code works once: the second exchange is 400 `invalid_grant`.
pub async fn code_is_single_use(target: &Target) -> Outcome {
    let credentials = target.clients.confidential_post.credentials();
    let pending = target.request(credentials.client_id(), SCOPE).build()?;
    let code = pending.callback(&browser::approve(target, pending.url()).await?)?;
    let client = target.client()?;
    let verifier = Some(pending.pkce_verifier().clone());
    client
        .exchange_code(
            &credentials,
            code.clone(),
            pending.redirect_uri(),
            verifier.clone(),
        )
        .await?;
    let again = client
        .exchange_code(&credentials, code, pending.redirect_uri(), verifier)
        .await;
    expect_oauth(again, "invalid_grant", 400, "second exchange of a code")?;
    Ok(())
}

/// The code must be exchanged with the `redirect_uri` it was issued for, even one that is
/// registered too: 400 `invalid_grant`.
pub async fn code_with_other_redirect_uri_is_invalid_grant(target: &Target) -> Outcome {
    let credentials = target.clients.confidential_post.credentials();
    let pending = target.request(credentials.client_id(), SCOPE).build()?;
    let code = pending.callback(&browser::approve(target, pending.url()).await?)?;
    let result = target
        .client()?
        .exchange_code(
            &credentials,
            code,
            &target.other_redirect_uri,
            Some(pending.pkce_verifier().clone()),
        )
        .await;
    expect_oauth(
        result,
        "invalid_grant",
        400,
        "exchange with another redirect_uri",
    )?;
    Ok(())
}

/// A PKCE verifier that does not match the challenge: 400 `invalid_grant`.
pub async fn code_with_wrong_pkce_verifier_is_invalid_grant(target: &Target) -> Outcome {
    let credentials = target.clients.public.credentials();
    let pending = target.request(credentials.client_id(), SCOPE).build()?;
    let code = pending.callback(&browser::approve(target, pending.url()).await?)?;
    let wrong = PkceCodeVerifier::new("a".repeat(64));
    let result = target
        .client()?
        .exchange_code(&credentials, code, pending.redirect_uri(), Some(wrong))
        .await;
    expect_oauth(
        result,
        "invalid_grant",
        400,
        "exchange with a wrong verifier",
    )?;
    Ok(())
}

/// A code issued with a PKCE challenge and exchanged without a verifier: 400
/// `invalid_request` (authlib: missing `code_verifier`).
pub async fn public_client_without_verifier_is_invalid_request(target: &Target) -> Outcome {
    let credentials = target.clients.public.credentials();
    let pending = target.request(credentials.client_id(), SCOPE).build()?;
    let code = pending.callback(&browser::approve(target, pending.url()).await?)?;
    let result = target
        .client()?
        .exchange_code(&credentials, code, pending.redirect_uri(), None)
        .await;
    expect_oauth(
        result,
        "invalid_request",
        400,
        "exchange without a verifier",
    )?;
    Ok(())
}

/// The `web` grant: a client allowed it trades the user's web session for a user token
/// (3600 s) without a consent step.
pub async fn web_grant_for_the_signed_in_user(target: &Target) -> Outcome {
    let credentials = target.clients.web.credentials();
    let grant = WebGrant::new(credentials, SessionToken::new(&target.web_session));
    let token = target.client()?.request_token(&grant.into()).await?;
    ensure!(
        token.access_token().secret().starts_with("polar_at_u_"),
        "web grant gave no user token"
    );
    let me = target.client()?.userinfo(token.access_token()).await?;
    ensure_eq!(me.sub, target.user.id, "userinfo sub");
    Ok(())
}
