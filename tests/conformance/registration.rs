//! Dynamic client registration (RFC 7591) and management (RFC 7592).

use polar_oauth2::{
    ClientRegistration, ClientUpdate, RegistrationAccessToken, ScopeSet, SessionToken,
    TokenEndpointAuthMethod,
};
use serde_json::json;

use crate::browser;
use crate::target::{Target, credentials_of};
use crate::{Failure, Outcome, ensure, ensure_eq, settled};

/// Anyone may register a client (no credential): 201 with `polar_ci_`/`polar_cs_`, its
/// registration access token and URI; with that token it is read, renamed, and deleted, after
/// which the token no longer reads it.
pub async fn anonymous_registration_and_management(target: &Target) -> Outcome {
    let registered = target
        .fresh_client(TokenEndpointAuthMethod::ClientSecretPost)
        .await?;
    ensure!(
        registered.client_id.starts_with("polar_ci_"),
        "client_id is not polar_ci_…"
    );
    ensure!(
        registered
            .client_secret
            .as_ref()
            .is_some_and(|s| s.secret().starts_with("polar_cs_")),
        "no polar_cs_ secret"
    );
    ensure!(
        registered.client_id_issued_at.is_some(),
        "no client_id_issued_at"
    );
    ensure_eq!(
        registered.client_secret_expires_at,
        Some(0),
        "client_secret_expires_at"
    );
    let token = registered
        .registration_access_token
        .clone()
        .ok_or_else(|| Failure("no registration_access_token".into()))?;
    ensure_eq!(
        registered.registration_client_uri.as_deref(),
        Some(
            format!(
                "{}/v1/oauth2/register/{}",
                target.base_url, registered.client_id
            )
            .as_str()
        ),
        "registration_client_uri"
    );
    let client = target.client()?;
    let read = client.get_client(&token, &registered.client_id).await?;
    ensure_eq!(read.client_id, registered.client_id, "client_id read back");
    ensure_eq!(
        read.client_name.as_deref(),
        Some("conformance"),
        "client_name"
    );
    let renamed = ClientRegistration::new(
        "conformance renamed",
        [
            target.redirect_uri.clone(),
            target.other_redirect_uri.clone(),
        ],
    )
    .scope(ScopeSet::from_wire("openid email"));
    let update = ClientUpdate::new(&registered.client_id, renamed);
    let updated = client.update_client(&token, &update).await?;
    ensure_eq!(
        updated.client_name.as_deref(),
        Some("conformance renamed"),
        "client_name after update"
    );
    client.delete_client(&token, &registered.client_id).await?;
    // Polar commits the deletion just after answering.
    settled(|| async {
        ensure!(
            client
                .get_client(&token, &registered.client_id)
                .await
                .is_err(),
            "a deleted client can still be read"
        );
        Ok(())
    })
    .await?;
    Ok(())
}

/// A public client (`none`) gets no secret.
pub async fn public_client_registration_has_no_secret(target: &Target) -> Outcome {
    let registered = target.fresh_client(TokenEndpointAuthMethod::None).await?;
    ensure!(
        registered.client_secret.is_none(),
        "a public client got a secret"
    );
    ensure_eq!(
        registered.token_endpoint_auth_method,
        Some(TokenEndpointAuthMethod::None),
        "token_endpoint_auth_method"
    );
    Ok(())
}

/// A client works for the whole flow as soon as it is registered.
pub async fn registered_client_completes_the_flow(target: &Target) -> Outcome {
    let registered = target
        .fresh_client(TokenEndpointAuthMethod::ClientSecretPost)
        .await?;
    let (token, _) = target
        .connect(&credentials_of(&registered), "openid email")
        .await?;
    let me = target.client()?.userinfo(token.access_token()).await?;
    ensure_eq!(me.sub, target.user.id, "userinfo sub");
    Ok(())
}

/// Polar takes no API token at registration or management: a personal access token or an
/// OAuth2 access token is 403 `NotPermitted` (the crate's types take neither; the request is
/// made by hand), while the client's registration access token reads it.
pub async fn api_tokens_cannot_register_or_manage(target: &Target) -> Outcome {
    let seed = &target.clients.confidential_post;
    let token = seed
        .registration_access_token
        .as_deref()
        .map(RegistrationAccessToken::new)
        .ok_or_else(|| Failure("the seed has no registration_access_token".into()))?;
    let read = target.client()?.get_client(&token, &seed.client_id).await?;
    ensure_eq!(read.client_id, seed.client_id, "client_id read back");
    let (oauth, _) = target
        .connect_settled(&target.clients.confidential_post.credentials(), "openid")
        .await?;
    let http = browser::http()?;
    for (what, bearer) in [
        (
            "a personal access token",
            target.personal_access_token.clone(),
        ),
        (
            "an OAuth2 access token",
            oauth.access_token().secret().to_owned(),
        ),
    ] {
        let register = http
            .post(format!("{}/v1/oauth2/register", target.base_url))
            .bearer_auth(&bearer)
            .json(&json!({"client_name": "conformance", "redirect_uris": [target.redirect_uri]}))
            .send()
            .await?;
        let status = register.status().as_u16();
        let body: serde_json::Value = register.json().await?;
        ensure_eq!(status, 403, format!("registration with {what}"));
        ensure_eq!(
            body["error"],
            json!("NotPermitted"),
            format!("registration with {what}")
        );
        let manage = http
            .get(format!(
                "{}/v1/oauth2/register/{}",
                target.base_url, seed.client_id
            ))
            .bearer_auth(&bearer)
            .send()
            .await?;
        ensure_eq!(
            manage.status().as_u16(),
            403,
            format!("reading a client with {what}")
        );
    }
    Ok(())
}

/// The signed-in user registers a client with their web session (Polar reads it from the
/// `polar_session` cookie) and may then manage it with the session; the client's own
/// registration access token works as well.
pub async fn web_session_registers_through_the_crate(target: &Target) -> Outcome {
    let session = SessionToken::new(&target.web_session);
    let registration = ClientRegistration::new("conformance", [target.redirect_uri.clone()]);
    let client = target.client()?;
    let registered = client
        .register_client(Some(&session), &registration)
        .await?;
    let token: RegistrationAccessToken = registered
        .registration_access_token
        .ok_or_else(|| Failure("no registration_access_token".into()))?;
    let by_session = client.get_client(&session, &registered.client_id).await?;
    ensure_eq!(
        by_session.client_id,
        registered.client_id,
        "read with the session"
    );
    client.get_client(&token, &registered.client_id).await?;
    client.delete_client(&token, &registered.client_id).await?;
    Ok(())
}

/// A client registered without `scope` gets Polar's default: every public scope but the
/// reserved `web:*` and the `organization_access_tokens:*` ones; grants `authorization_code`
/// and `refresh_token`; `client_secret_post`; response type `code`.
pub async fn registration_defaults(target: &Target) -> Outcome {
    let registration = ClientRegistration::new("conformance", [target.redirect_uri.clone()]);
    let registered = target
        .client()?
        .register_client(None, &registration)
        .await?;
    let scope = registered
        .scope
        .as_ref()
        .ok_or_else(|| Failure("no scope in the registration".into()))?;
    let unexpected: Vec<String> = scope
        .iter()
        .map(|s| s.as_str().to_owned())
        .filter(|s| s.starts_with("web:") || s.starts_with("organization_access_tokens:"))
        .collect();
    ensure!(
        unexpected.is_empty(),
        "the default scope lists {unexpected:?}, which Polar leaves out"
    );
    ensure!(
        scope.iter().any(|s| s.as_str() == "openid"),
        "no openid in the default scope"
    );
    ensure_eq!(
        registered.grant_types,
        ["authorization_code", "refresh_token"],
        "grant_types"
    );
    ensure_eq!(
        registered.token_endpoint_auth_method,
        Some(TokenEndpointAuthMethod::ClientSecretPost),
        "token_endpoint_auth_method"
    );
    ensure_eq!(registered.response_types, ["code"], "response_types");
    Ok(())
}

/// A registration without `redirect_uris` is Polar's 422 envelope:
/// `{"error": "RequestValidationError", "detail": [{"type": "missing", "loc": ["body",
/// "redirect_uris"], …}]}`.
pub async fn registration_422_shape(target: &Target) -> Outcome {
    let answer = crate::browser::http()?
        .post(format!("{}/v1/oauth2/register", target.base_url))
        .json(&serde_json::json!({"client_name": "conformance"}))
        .send()
        .await?;
    ensure_eq!(answer.status().as_u16(), 422, "status");
    let body: serde_json::Value = answer.json().await?;
    ensure_eq!(
        body["error"].as_str(),
        Some("RequestValidationError"),
        "error"
    );
    let first = &body["detail"][0];
    ensure_eq!(first["type"].as_str(), Some("missing"), "detail[0].type");
    ensure_eq!(
        first["loc"],
        serde_json::json!(["body", "redirect_uris"]),
        "detail[0].loc"
    );
    Ok(())
}
