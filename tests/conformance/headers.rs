//! The caching headers apps and proxies rely on.

use reqwest::header::{AUTHORIZATION, CACHE_CONTROL, PRAGMA};
use serde_json::json;

use crate::target::Target;
use crate::{Failure, Outcome, browser, ensure};

fn header(response: &reqwest::Response, name: reqwest::header::HeaderName) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Token answers, success and error, carry `Cache-Control: no-store` and `Pragma: no-cache`
/// (RFC 6749 §5.1).
pub async fn token_answers_are_no_store_no_cache(target: &Target) -> Outcome {
    let seed = &target.clients.confidential_post;
    let pending = target.request(&seed.client_id, "openid").build()?;
    let code = pending.callback(&browser::approve(target, pending.url()).await?)?;
    let secret = seed.client_secret.clone().unwrap_or_default();
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.secret()),
        ("redirect_uri", pending.redirect_uri()),
        ("client_id", seed.client_id.as_str()),
        ("client_secret", secret.as_str()),
        ("code_verifier", pending.pkce_verifier().secret()),
    ];
    let http = browser::http()?;
    let url = format!("{}/v1/oauth2/token", target.base_url);
    let mut problems = Vec::new();
    for attempt in ["exchange", "reused code (error)"] {
        let answer = http.post(&url).form(&form).send().await?;
        let (cache, pragma) = (header(&answer, CACHE_CONTROL), header(&answer, PRAGMA));
        if cache.as_deref() != Some("no-store") || pragma.as_deref() != Some("no-cache") {
            problems.push(format!(
                "{attempt} (HTTP {}): Cache-Control {cache:?}, Pragma {pragma:?}",
                answer.status()
            ));
        }
    }
    ensure!(
        problems.is_empty(),
        "Polar sends Cache-Control: no-store and Pragma: no-cache: {}",
        problems.join("; ")
    );
    Ok(())
}

/// Polar answers consent data, userinfo, discovery, JWKS and a 422 with
/// `Cache-Control: private, no-store`, and a userinfo 401 and a registration with `no-store`.
pub async fn other_answers_are_private_no_store(target: &Target) -> Outcome {
    let credentials = target.clients.confidential_post.credentials();
    let (token, _) = target.connect_settled(&credentials, "openid").await?;
    let http = browser::http()?;
    let base = &target.base_url;
    let bearer = format!("Bearer {}", token.access_token().secret());
    let fresh = target
        .request(credentials.client_id(), "openid")
        .prompt("consent")
        .build()?;
    let answers = [
        (
            "consent data",
            "private, no-store",
            browser::consent_data(target, fresh.url()).await?,
        ),
        (
            "userinfo",
            "private, no-store",
            http.get(format!("{base}/v1/oauth2/userinfo"))
                .header(AUTHORIZATION, &bearer)
                .send()
                .await?,
        ),
        (
            "userinfo 401",
            "no-store",
            http.get(format!("{base}/v1/oauth2/userinfo"))
                .header(
                    AUTHORIZATION,
                    "Bearer polar_at_u_conformanceUnknownConformanceUnknown00",
                )
                .send()
                .await?,
        ),
        (
            "discovery",
            "private, no-store",
            http.get(format!("{base}/.well-known/openid-configuration"))
                .send()
                .await?,
        ),
        (
            "JWKS",
            "private, no-store",
            http.get(format!("{base}/.well-known/jwks.json"))
                .send()
                .await?,
        ),
        (
            "registration",
            "no-store",
            http.post(format!("{base}/v1/oauth2/register"))
                .json(
                    &json!({"client_name": "conformance", "redirect_uris": [target.redirect_uri]}),
                )
                .send()
                .await?,
        ),
        (
            "registration 422",
            "private, no-store",
            http.post(format!("{base}/v1/oauth2/register"))
                .json(&json!({"client_name": "conformance"}))
                .send()
                .await?,
        ),
    ];
    let problems: Vec<String> = answers
        .iter()
        .filter_map(|(what, expected, answer)| {
            let cache = header(answer, CACHE_CONTROL);
            (cache.as_deref() != Some(*expected)).then(|| {
                format!(
                    "{what} (HTTP {}): {cache:?}, Polar sends {expected:?}",
                    answer.status()
                )
            })
        })
        .collect();
    if !problems.is_empty() {
        return Err(Failure(format!("Cache-Control: {}", problems.join("; "))));
    }
    Ok(())
}
