//! The consent data (`GET /v1/oauth2/authorize`) as Polar's consent page reads it.

use polar_oauth2::{AuthorizeResponse, SessionToken, SubType, TokenEndpointAuthMethod};
use serde_json::{Value, json};

use crate::target::Target;
use crate::{Outcome, browser, ensure, ensure_eq, fail};

/// With the session cookie, a client the user has not consented to yet gets the consent data:
/// `sub_type` `user`, `sub` the user, the client, the scopes, the user's organizations, and
/// `requires_single_organization: false`; it decodes as the crate's `AuthorizeResponse`.
pub async fn consent_data_with_session_cookie(target: &Target) -> Outcome {
    let registered = target
        .fresh_client(TokenEndpointAuthMethod::ClientSecretPost)
        .await?;
    let pending = target
        .request(&registered.client_id, "openid email")
        .build()?;
    let answer = browser::consent_data(target, pending.url()).await?;
    ensure_eq!(answer.status().as_u16(), 200, "status");
    let text = answer.text().await?;
    let body: Value = serde_json::from_str(&text)?;
    ensure_eq!(body["sub_type"], json!("user"), "sub_type");
    ensure_eq!(body["sub"]["id"], json!(target.user.id), "sub.id");
    ensure_eq!(
        body["client"]["client_id"],
        json!(registered.client_id),
        "client.client_id"
    );
    // Polar lists the scopes in the order of a Python set, which changes from one server
    // process to the next: compared as a set.
    let mut scopes: Vec<&str> = body["scopes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    scopes.sort_unstable();
    ensure_eq!(scopes, ["email", "openid"], "scopes");
    ensure_eq!(
        body["requires_single_organization"],
        json!(false),
        "requires_single_organization"
    );
    let organizations: Vec<&str> = body["organizations"]
        .as_array()
        .map(|list| list.iter().filter_map(|o| o["id"].as_str()).collect())
        .unwrap_or_default();
    let expected: Vec<&str> = target.organizations.iter().map(|o| o.id.as_str()).collect();
    ensure_eq!(organizations, expected, "organizations");
    let decoded: AuthorizeResponse = serde_json::from_str(&text)?;
    ensure_eq!(decoded.sub_type(), SubType::User, "decoded sub_type");
    Ok(())
}

/// The crate reads the consent data for the signed-in user (Polar takes the web session from
/// its `polar_session` cookie; a session sent as a bearer token is 401 `invalid_token`).
pub async fn consent_data_through_the_crate(target: &Target) -> Outcome {
    let registered = target
        .fresh_client(TokenEndpointAuthMethod::ClientSecretPost)
        .await?;
    let pending = target
        .request(&registered.client_id, "openid email")
        .build()?;
    let session = SessionToken::new(&target.web_session);
    let data = target
        .client()?
        .consent_data(&session, &pending.authorize_params())
        .await?;
    ensure_eq!(data.sub_type(), SubType::User, "sub_type");
    ensure_eq!(data.client().client_id, registered.client_id, "client_id");
    Ok(())
}

/// Once the user consented, the consent data request redirects at once with a new code and
/// the new request's `state`.
pub async fn consented_client_skips_the_consent_step(target: &Target) -> Outcome {
    let registered = target
        .fresh_client(TokenEndpointAuthMethod::ClientSecretPost)
        .await?;
    let first = target.request(&registered.client_id, "openid").build()?;
    browser::approve(target, first.url()).await?;
    let second = target.request(&registered.client_id, "openid").build()?;
    let answer = browser::consent_data(target, second.url()).await?;
    ensure!(
        answer.status().is_redirection(),
        "consent data for a consented client: HTTP {}, Polar redirects",
        answer.status()
    );
    let Some(location) = answer
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|l| l.to_str().ok())
    else {
        fail!("redirect without Location");
    };
    second.callback(location)?;
    Ok(())
}

/// Polar reads the web session only from its cookie: sent as a bearer token it is 401, for the
/// consent data and for registration alike.
pub async fn session_as_bearer_is_refused(target: &Target) -> Outcome {
    let pending = target
        .request(&target.clients.confidential_post.client_id, "openid")
        .build()?;
    let http = browser::http()?;
    let bearer = format!("Bearer {}", target.web_session);
    let data = http
        .get(format!(
            "{}/v1/oauth2/authorize?{}",
            target.base_url,
            browser::query_of(pending.url())
        ))
        .header(reqwest::header::AUTHORIZATION, &bearer)
        .send()
        .await?;
    ensure_eq!(
        data.status().as_u16(),
        401,
        "consent data with the session as bearer"
    );
    let registration = http
        .post(format!("{}/v1/oauth2/register", target.base_url))
        .header(reqwest::header::AUTHORIZATION, &bearer)
        .json(&json!({"client_name": "conformance", "redirect_uris": [target.redirect_uri]}))
        .send()
        .await?;
    ensure_eq!(
        registration.status().as_u16(),
        401,
        "registration with the session as bearer"
    );
    Ok(())
}
