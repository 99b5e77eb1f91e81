//! Errors and answers: authlib's `OAuth2Error` with Polar's statuses, FastAPI's and Polar's own
//! error bodies.

use axum::body::Body;
use axum::http::header::{self, HeaderName, HeaderValue};
use axum::http::{Response, StatusCode};
use axum::response::IntoResponse;
use serde_json::{Map, Value, json};

use crate::constants::REALM;
use crate::params::with_query;
use polar_oauth2::{OAuthError, OAuthErrorCode};

/// An OAuth2 error (authlib's `OAuth2Error`): a JSON body, or a redirect when the request
/// identified a valid redirect URI.
#[derive(Debug)]
pub(super) struct Failure {
    status: StatusCode,
    error: &'static str,
    description: Option<String>,
    state: Option<String>,
    redirect_uri: Option<String>,
    www_authenticate: Option<String>,
}

impl Failure {
    pub(super) fn new(status: StatusCode, error: &'static str) -> Self {
        Self {
            status,
            error,
            description: None,
            state: None,
            redirect_uri: None,
            www_authenticate: None,
        }
    }

    pub(super) fn describe(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    pub(super) fn state(mut self, state: Option<String>) -> Self {
        self.state = state.filter(|s| !s.is_empty());
        self
    }

    pub(super) fn redirect_to(mut self, redirect_uri: &str) -> Self {
        self.redirect_uri = Some(redirect_uri.to_owned());
        self
    }

    pub(super) fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request").describe(description)
    }

    pub(super) fn invalid_grant(description: &str) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_grant").describe(description)
    }

    pub(super) fn invalid_scope() -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_scope")
            .describe("The requested scope is invalid, unknown, or malformed.")
    }

    pub(super) fn access_denied() -> Self {
        Self::new(StatusCode::BAD_REQUEST, "access_denied")
            .describe("The resource owner or authorization server denied the request")
    }

    /// 401 comes with `WWW-Authenticate: Basic` (authlib's `InvalidClientError`).
    pub(super) fn invalid_client(status: StatusCode, description: impl Into<String>) -> Self {
        let mut failure = Self::new(status, "invalid_client").describe(description);
        if status == StatusCode::UNAUTHORIZED {
            let description = failure
                .description
                .as_deref()
                .unwrap_or_default()
                .replace('"', "|");
            failure.www_authenticate = Some(format!(
                "Basic error=\"invalid_client\", error_description=\"{description}\""
            ));
        }
        failure
    }

    /// authlib's `InvalidTokenError` with Polar's realm (RFC 6750 §3.1), 401.
    pub(super) fn invalid_token() -> Self {
        Self::bearer(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "The access token provided is expired, revoked, malformed, or invalid for other reasons.",
            None,
        )
    }

    /// RFC 6750 §3 errors of a protected resource.
    pub(super) fn bearer(
        status: StatusCode,
        error: &'static str,
        description: &str,
        scope: Option<&str>,
    ) -> Self {
        let mut challenge = format!("Bearer realm=\"{REALM}\"");
        if let Some(scope) = scope {
            challenge.push_str(&format!(", scope=\"{scope}\""));
        }
        challenge.push_str(&format!(
            ", error=\"{error}\", error_description=\"{description}\""
        ));
        let mut failure = Self::new(status, error).describe(description);
        failure.www_authenticate = Some(challenge);
        failure
    }

    pub(super) fn params(&self) -> Vec<(&str, String)> {
        let mut params = vec![("error", self.error.to_owned())];
        if let Some(d) = &self.description {
            params.push(("error_description", d.clone()));
        }
        if let Some(s) = &self.state {
            params.push(("state", s.clone()));
        }
        params
    }

    pub(super) fn redirect_location(&self) -> Option<String> {
        self.redirect_uri
            .as_deref()
            .map(|uri| with_query(uri, &self.params()))
    }

    pub(super) fn into_reply(self) -> Reply {
        if let Some(location) = self.redirect_location() {
            return Reply::Redirect(location);
        }
        let body: Map<String, Value> = self
            .params()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), Value::String(v)))
            .collect();
        Reply::Json {
            status: self.status,
            body: Value::Object(body),
            no_store: true,
            www_authenticate: self.www_authenticate,
        }
    }

    pub(super) fn into_oauth_error(self) -> OAuthError {
        OAuthError {
            code: OAuthErrorCode::from_wire(self.error),
            description: self.description,
            uri: None,
            status: self.status,
            www_authenticate: self.www_authenticate,
            retry_after: None,
        }
    }
}

/// An HTTP answer.
pub(super) enum Reply {
    Json {
        status: StatusCode,
        body: Value,
        /// `Cache-Control: no-store` and `Pragma: no-cache` (RFC 6749 §5.1, §5.2).
        no_store: bool,
        www_authenticate: Option<String>,
    },
    /// `302 Found` to this location.
    Redirect(String),
    Text {
        status: StatusCode,
        body: &'static str,
    },
    /// No body (`204 No Content` of RFC 7592 §2.3), optionally not cacheable.
    Empty { status: StatusCode, no_store: bool },
}

impl Reply {
    /// FastAPI's `{"detail": ...}` error body.
    pub(super) fn detail(status: StatusCode, detail: &str) -> Self {
        Reply::Json {
            status,
            body: json!({ "detail": detail }),
            no_store: false,
            www_authenticate: None,
        }
    }

    pub(super) fn text(status: StatusCode, body: &'static str) -> Self {
        Reply::Text { status, body }
    }

    /// JSON with `Cache-Control: no-store` (authlib's `default_json_headers`).
    pub(super) fn no_store(status: StatusCode, body: Value) -> Self {
        Reply::Json {
            status,
            body,
            no_store: true,
            www_authenticate: None,
        }
    }

    /// Plain JSON, as FastAPI answers a route's return value.
    pub(super) fn json(status: StatusCode, body: Value) -> Self {
        Reply::Json {
            status,
            body,
            no_store: false,
            www_authenticate: None,
        }
    }

    /// Polar's own errors (`PolarError`): `{"error": <class name>, "detail": <message>}`.
    pub(super) fn polar_error(status: StatusCode, error: &str, detail: Value) -> Self {
        Reply::json(status, json!({"error": error, "detail": detail}))
    }

    fn into_http(self) -> Response<Body> {
        let mut headers: Vec<(HeaderName, String)> = Vec::new();
        let (status, body) = match self {
            Reply::Json {
                status,
                body,
                no_store,
                www_authenticate,
            } => {
                headers.push((header::CONTENT_TYPE, "application/json".into()));
                if no_store {
                    headers.push((header::CACHE_CONTROL, "no-store".into()));
                    headers.push((header::PRAGMA, "no-cache".into()));
                }
                if let Some(challenge) = www_authenticate {
                    headers.push((header::WWW_AUTHENTICATE, challenge));
                }
                (status, Body::from(body.to_string()))
            }
            Reply::Redirect(location) => {
                headers.push((header::LOCATION, location));
                (StatusCode::FOUND, Body::empty())
            }
            Reply::Text { status, body } => {
                headers.push((header::CONTENT_TYPE, "text/plain; charset=utf-8".into()));
                (status, Body::from(body))
            }
            Reply::Empty { status, no_store } => {
                if no_store {
                    headers.push((header::CACHE_CONTROL, "no-store".into()));
                    headers.push((header::PRAGMA, "no-cache".into()));
                }
                (status, Body::empty())
            }
        };
        let mut response = Response::new(body);
        *response.status_mut() = status;
        for (name, value) in headers {
            match HeaderValue::from_str(&value) {
                Ok(value) => {
                    response.headers_mut().insert(name, value);
                }
                // Only a registered redirect URI with raw non-ASCII characters gets here.
                Err(_) => {
                    let mut failed = Response::new(Body::from("Internal Server Error"));
                    *failed.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
                    return failed;
                }
            }
        }
        response
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> axum::response::Response {
        self.into_http()
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> axum::response::Response {
        self.into_reply().into_http()
    }
}
