//! The provider's documents fetched through the client's hooks (user agent, timeout, in-flight
//! limit, body cap), and how long a fetched key set may be kept.

use progenitor_client::{ClientHooks, OperationInfo};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, CACHE_CONTROL, HeaderMap, HeaderValue};
use serde::de::DeserializeOwned;
use std::time::Duration;

use crate::client::Client;
use crate::error::Error;

use super::error::{IdTokenError, quoted};

/// Error bodies are read only for an excerpt.
const ERROR_BODY_CAP: usize = 64 * 1024;

/// `jwks_uri` must be https, or on the same origin as the (already validated) base URL.
pub(super) fn check_jwks_uri(base: &str, jwks_uri: &str) -> Result<(), IdTokenError> {
    let uri = url::Url::parse(jwks_uri).map_err(|e| {
        IdTokenError::InvalidJwksUri(format!("{:?} is not a URL: {e}", quoted(jwks_uri)))
    })?;
    let same_origin = url::Url::parse(base).is_ok_and(|b| b.origin() == uri.origin());
    if uri.scheme() == "https" || same_origin {
        Ok(())
    } else {
        Err(IdTokenError::InvalidJwksUri(format!(
            "{:?} is neither https nor on the server's origin",
            quoted(jwks_uri)
        )))
    }
}

/// `GET url` as JSON through the client's hooks (user agent, timeout, in-flight limit, body
/// cap).
pub(super) async fn fetch_json<T: DeserializeOwned>(
    client: &Client,
    url: &str,
    operation: &'static str,
) -> Result<(T, HeaderMap), IdTokenError> {
    let fail = |e: Error| IdTokenError::Fetch(e);
    let url = reqwest::Url::parse(url)
        .map_err(|e| fail(Error::InvalidRequest(format!("{url:?} is not a URL: {e}"))))?;
    let api = client.generated();
    let mut request = reqwest::Request::new(reqwest::Method::GET, url);
    request
        .headers_mut()
        .insert(ACCEPT, HeaderValue::from_static("application/json"));
    let info = OperationInfo {
        operation_id: operation,
    };
    api.pre::<()>(&mut request, &info)
        .await
        .map_err(|e| fail(Error::InvalidRequest(e.to_string())))?;
    let response = api
        .exec(request, &info)
        .await
        .map_err(|e| fail(Error::from_reqwest(e, None)))?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .bytes()
        .await
        .map_err(|e| fail(Error::from_reqwest(e, None)))?;
    if status != StatusCode::OK {
        let excerpt = &body[..body.len().min(ERROR_BODY_CAP)];
        return Err(fail(Error::from_response(status, &headers, excerpt)));
    }
    let value = serde_json::from_slice(&body)
        .map_err(|e| fail(Error::decode::<T>(operation, Some(status), &body, &e)))?;
    Ok((value, headers))
}

/// A response's freshness lifetime from `Cache-Control` (RFC 9111 §5.2.2.1): its `max-age`,
/// zero for `no-store` or `no-cache`, `None` when it says neither. A `max-age` too large for
/// a number of seconds is the largest one.
pub(super) fn max_age(headers: &HeaderMap) -> Option<Duration> {
    let mut found = None;
    let directives = headers
        .get_all(CACHE_CONTROL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','));
    for directive in directives {
        let (name, value) = directive.split_once('=').unwrap_or((directive, ""));
        let name = name.trim();
        if name.eq_ignore_ascii_case("no-store") || name.eq_ignore_ascii_case("no-cache") {
            return Some(Duration::ZERO);
        }
        if name.eq_ignore_ascii_case("max-age") {
            let digits = value.trim().trim_matches('"');
            if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                let seconds = digits.parse::<u64>().unwrap_or(u64::MAX);
                found = Some(Duration::from_secs(seconds));
            }
        }
    }
    found
}
