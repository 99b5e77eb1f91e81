//! `sub_type=organization`: since mid-2026 Polar issues a *user* token limited to the one
//! organization the user picks.

use polar_oauth2::{SubType, TokenEndpointAuthMethod};
use serde_json::{Value, json};

use crate::target::{Target, credentials_of};
use crate::{Outcome, browser, ensure, ensure_eq, settled};

const SCOPE: &str = "openid email organizations:read";

/// The consent data says `sub_type: "user"` and `requires_single_organization: true`; the
/// user picks an organization (`organizations=<id>`); the token is a user token
/// (`polar_at_u_`), userinfo's `sub` is the user, and introspection's `organizations` is
/// exactly the organization picked.
pub async fn organization_request_yields_a_user_token(target: &Target) -> Outcome {
    let registered = target
        .fresh_client(TokenEndpointAuthMethod::ClientSecretPost)
        .await?;
    let credentials = credentials_of(&registered);
    let pending = target
        .request(&registered.client_id, SCOPE)
        .sub_type(SubType::Organization)
        .build()?;
    let data = browser::consent_data(target, pending.url()).await?;
    ensure_eq!(data.status().as_u16(), 200, "consent data status");
    let data: Value = data.json().await?;
    ensure_eq!(data["sub_type"], json!("user"), "consent data sub_type");
    ensure_eq!(
        data["requires_single_organization"],
        json!(true),
        "requires_single_organization"
    );
    let token = target.finish(&credentials, &pending).await?;
    ensure!(
        token.access_token().secret().starts_with("polar_at_u_"),
        "an organization request gave no user token (polar_at_u_)"
    );
    let client = target.client()?;
    // Polar commits the token just after answering (see `just_issued_tokens_work_at_once`).
    settled(|| async {
        let me = client.userinfo(token.access_token()).await?;
        ensure_eq!(me.sub, target.user.id, "userinfo sub");
        Ok(())
    })
    .await?;
    let introspection = client
        .introspect(&credentials, token.access_token())
        .await?;
    let Some(active) = introspection.active() else {
        crate::fail!("the fresh token is inactive");
    };
    ensure_eq!(active.sub_type, SubType::User, "introspection sub_type");
    ensure_eq!(active.sub, target.user.id, "introspection sub");
    ensure_eq!(
        active.organizations,
        vec![target.organization()?.id.clone()],
        "introspection organizations"
    );
    Ok(())
}

/// A returning user asking again for `sub_type=organization` without `prompt`: Polar answers
/// 400 JSON `invalid_request` (the app gets no callback).
pub async fn returning_user_without_prompt_is_invalid_request(target: &Target) -> Outcome {
    let registered = target
        .fresh_client(TokenEndpointAuthMethod::ClientSecretPost)
        .await?;
    let first = target
        .request(&registered.client_id, SCOPE)
        .sub_type(SubType::Organization)
        .build()?;
    browser::approve(target, first.url()).await?;
    let again = target
        .request(&registered.client_id, SCOPE)
        .sub_type(SubType::Organization)
        .build()?;
    let answer = browser::consent_data(target, again.url()).await?;
    ensure_eq!(answer.status().as_u16(), 400, "status");
    let body: Value = answer.json().await?;
    ensure_eq!(body["error"], json!("invalid_request"), "error");
    Ok(())
}
