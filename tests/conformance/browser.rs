//! The browser's part of the flow, which no API client does: Polar's web app reads the consent
//! data with the user's session cookie, then posts the user's decision to the consent form.

use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION};
use serde_json::Value;

use crate::target::Target;
use crate::{Failure, fail};

/// A plain HTTP client that shows redirects instead of following them.
pub fn http() -> Result<reqwest::Client, Failure> {
    Ok(reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?)
}

/// The query of a URL (everything after `?`, before any `#`).
pub fn query_of(url: &str) -> &str {
    let query = url.split_once('?').map_or("", |(_, query)| query);
    query.split_once('#').map_or(query, |(query, _)| query)
}

/// `GET /v1/oauth2/authorize?<query>` as the consent page asks for it, with the session cookie.
pub async fn consent_data(
    target: &Target,
    authorization_url: &str,
) -> Result<reqwest::Response, Failure> {
    Ok(http()?
        .get(format!(
            "{}/v1/oauth2/authorize?{}",
            target.base_url,
            query_of(authorization_url)
        ))
        .header(COOKIE, target.session_cookie())
        .send()
        .await?)
}

/// `POST /v1/oauth2/consent?<query>` with the session cookie and the form.
pub async fn post_consent(
    target: &Target,
    authorization_url: &str,
    cookie: bool,
    form: &[(&str, &str)],
) -> Result<reqwest::Response, Failure> {
    let mut request = http()?.post(format!(
        "{}/v1/oauth2/consent?{}",
        target.base_url,
        query_of(authorization_url)
    ));
    if cookie {
        request = request.header(COOKIE, target.session_cookie());
    }
    Ok(request.form(form).send().await?)
}

/// The user opens `authorization_url` and clicks "Allow" (picking the first organization when
/// the consent page asks for one): where the browser is sent back to.
pub async fn approve(target: &Target, authorization_url: &str) -> Result<String, Failure> {
    decide(target, authorization_url, "allow").await
}

/// The user opens `authorization_url` and clicks "Deny".
pub async fn deny(target: &Target, authorization_url: &str) -> Result<String, Failure> {
    decide(target, authorization_url, "deny").await
}

async fn decide(target: &Target, authorization_url: &str, action: &str) -> Result<String, Failure> {
    let data = consent_data(target, authorization_url).await?;
    if data.status().is_redirection() {
        // Consent given before: Polar redirects with a code at once.
        return location(data).await;
    }
    let status = data.status();
    let body = data.text().await?;
    if status != StatusCode::OK {
        fail!("consent data: HTTP {status} {body}");
    }
    let data: Value = serde_json::from_str(&body)?;
    let mut form = vec![("action", action)];
    let organization;
    if data["requires_single_organization"] == Value::Bool(true) {
        organization = target.organization()?.id.clone();
        form.push(("organizations", organization.as_str()));
    }
    let answer = post_consent(target, authorization_url, true, &form).await?;
    location(answer).await
}

/// The `Location` of a redirect, or a failure naming what came instead.
async fn location(response: reqwest::Response) -> Result<String, Failure> {
    let status = response.status();
    if let Some(Ok(location)) = response.headers().get(LOCATION).map(|l| l.to_str())
        && status.is_redirection()
    {
        return Ok(location.to_owned());
    }
    let body = response.text().await.unwrap_or_default();
    let excerpt: String = body.chars().take(300).collect();
    fail!("expected a redirect to the client, got HTTP {status} {excerpt}")
}
