//! The conversion of the generated client's errors into this crate's [`Error`] (RFC 6749 §5.2,
//! FastAPI 422, HTTP, decode, timeout, transport), with the secrets the request carried
//! scrubbed from whatever the server sent back.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

use super::guard::{BodyFailure, body_failure};
use super::redact::Echoes;
use crate::error::{Error, TimeoutError, TransportError};

/// Settle what the generated client could not: turn its error into this crate's, reading the
/// body of an unexpected response, which may still be a success the spec did not list (Polar
/// answers registration with 201 where the spec says 200): any 2xx is decoded as `T`. The
/// secrets the request carried (`sent`) are scrubbed from whatever the server sent back.
/// `timeout` is the client's (for the message of a timeout), `max_response_body` its cap.
pub(crate) async fn settle<T: DeserializeOwned>(
    error: progenitor_client::Error<()>,
    operation: &'static str,
    sent: &Echoes,
    timeout: Option<Duration>,
    max_response_body: u64,
) -> Result<T, Error> {
    let error = match error {
        progenitor_client::Error::InvalidRequest(m) | progenitor_client::Error::Custom(m) => {
            Error::InvalidRequest(m)
        }
        progenitor_client::Error::CommunicationError(e)
        | progenitor_client::Error::InvalidUpgrade(e)
        | progenitor_client::Error::ResponseBodyError(e) => transport_error(e, timeout),
        progenitor_client::Error::InvalidResponsePayload(body, e) => {
            Error::decode::<T>(operation, Some(StatusCode::OK), &sent.scrub_body(&body), &e)
        }
        progenitor_client::Error::ErrorResponse(response) => {
            Error::from_response(response.status(), response.headers(), b"")
        }
        progenitor_client::Error::UnexpectedResponse(response) => {
            let status = response.status();
            let headers = response.headers().clone();
            // A success body is read whole (up to the cap); an error body only for its excerpt.
            let limit = if status.is_success() {
                max_response_body
            } else {
                ERROR_BODY_CAP.min(max_response_body)
            };
            match read_capped(response, limit).await {
                Ok(body) if status.is_success() => {
                    match classify::<T>(operation, status, &headers, &body) {
                        Ok(value) => return Ok(value),
                        Err(e) => e,
                    }
                }
                Ok(body) => {
                    let body = sent.scrub_body(&body);
                    match classify::<T>(operation, status, &headers, &body) {
                        Err(e) => e,
                        Ok(_) => Error::decode::<T>(
                            operation,
                            Some(status),
                            &body,
                            &serde::de::Error::custom("an error status reached the success path"),
                        ),
                    }
                }
                Err(e) => transport_error(e, timeout),
            }
        }
    };
    Err(sent.scrub_error(error))
}

/// What a client does with a response it has read (`body` at most the cap): decode a 2xx as
/// `T`; any other status is an error.
pub(crate) fn classify<T: DeserializeOwned>(
    operation: &'static str,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<T, Error> {
    if status.is_success() {
        serde_json::from_slice(body)
            .map_err(|e| Error::decode::<T>(operation, Some(status), body, &e))
    } else {
        Err(Error::from_response(status, headers, body))
    }
}

/// A reqwest error, recognising the failures the response guard raises inside the body stream.
fn transport_error(e: reqwest::Error, timeout: Option<Duration>) -> Error {
    let message = match body_failure(&e) {
        None => return Error::from_reqwest(e, timeout),
        Some(BodyFailure::QueueTimeout(after)) => {
            return Error::Timeout(TimeoutError {
                after: Some(*after),
                source: None,
            });
        }
        Some(failure @ BodyFailure::Redirected) => {
            return Error::InvalidRequest(failure.to_string());
        }
        Some(failure @ BodyFailure::TooLarge { .. }) => failure.to_string(),
    };
    Error::Transport(TransportError {
        message,
        body_too_large: true,
        source: Some(e.without_url()),
    })
}

/// Error bodies are read only for an excerpt and the OAuth2 fields: 64 KiB is plenty.
pub(crate) const ERROR_BODY_CAP: u64 = 64 * 1024;

async fn read_capped(mut response: reqwest::Response, cap: u64) -> Result<Vec<u8>, reqwest::Error> {
    let cap = usize::try_from(cap).unwrap_or(usize::MAX);
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let room = cap.saturating_sub(body.len());
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= cap {
            break;
        }
    }
    Ok(body)
}

/// Response handling without a network, for `cargo fuzz` (see `fuzz/README.md`): what a client
/// makes of a response with this status, these headers and this body, read up to the default
/// cap. Built only with `--cfg fuzzing`.
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing {
    use super::*;
    use crate::authorize::AuthorizeResponse;
    use crate::client::DEFAULT_MAX_RESPONSE_BODY;
    use crate::token::Token;
    use reqwest::header::{HeaderName, HeaderValue};

    const AUTHORIZE: &str = "oauth2:authorize";
    const REQUEST_TOKEN: &str = "oauth2:request_token";

    fn headers(raw: &[(&str, &[u8])]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in raw {
            if let (Ok(n), Ok(v)) = (HeaderName::try_from(*name), HeaderValue::from_bytes(value)) {
                map.append(n, v);
            }
        }
        map
    }

    fn respond<T: DeserializeOwned>(
        operation: &'static str,
        status: u16,
        raw_headers: &[(&str, &[u8])],
        body: &[u8],
        sent: &[&str],
    ) -> Result<T, Error> {
        let status =
            StatusCode::from_u16(status).map_err(|e| Error::InvalidRequest(e.to_string()))?;
        let limit = if status == StatusCode::OK {
            DEFAULT_MAX_RESPONSE_BODY
        } else {
            ERROR_BODY_CAP
        };
        let body = &body[..body.len().min(usize::try_from(limit).unwrap_or(usize::MAX))];
        let sent = Echoes::of(sent.iter().copied());
        classify::<T>(
            operation,
            status,
            &headers(raw_headers),
            &sent.scrub_body(body),
        )
        .map_err(|e| sent.scrub_error(e))
    }

    /// A token response; `sent` are the secrets the request carried.
    pub fn token_response(
        status: u16,
        headers: &[(&str, &[u8])],
        body: &[u8],
        sent: &[&str],
    ) -> Result<Token, Error> {
        respond(REQUEST_TOKEN, status, headers, body, sent)
    }

    /// An authorize response; `sent` are the secrets the request carried.
    pub fn authorize_response(
        status: u16,
        headers: &[(&str, &[u8])],
        body: &[u8],
        sent: &[&str],
    ) -> Result<AuthorizeResponse, Error> {
        respond(AUTHORIZE, status, headers, body, sent)
    }
}
