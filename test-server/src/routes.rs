//! The axum router, one handler per operation, and the two middlewares around every route
//! (Polar's version routing, bearer checks). Handlers translate HTTP to the calls of
//! `state/` and back, nothing more.

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use axum::http::{Request, StatusCode};
use axum::routing::get;
use http_body_util::{BodyExt, Limited};
use serde_json::{Value, json};

use crate::constants::{
    AUTHORIZATION_PAGE_PATH, CONSENT_DATA_PATH, CONSENT_PATH, INTROSPECT_PATH, ISSUER, JWKS_PATH,
    OPENID_CONFIGURATION_PATH, REGISTER_PATH, REVOKE_PATH, TOKEN_PATH, USERINFO_PATH, web_app_page,
};
use crate::failure::{Failure, Reply};
use crate::params::{Params, bearer_token, supported_scopes};
use crate::shared::Shared;
use crate::state::{Caller, Inner};
use polar_oauth2::POLAR_VERSIONS;

const POLAR_VERSION: HeaderName = HeaderName::from_static("polar-version");
/// The version Polar's server answers with when the request names none.
const DEFAULT_POLAR_VERSION: &str = "2026-04";

type AppState = State<Arc<Shared>>;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(TOKEN_PATH, axum::routing::post(token))
        .route(CONSENT_DATA_PATH, get(consent_data))
        .route(CONSENT_PATH, axum::routing::post(consent))
        .route(AUTHORIZATION_PAGE_PATH, get(authorization_page))
        .route(REVOKE_PATH, axum::routing::post(revoke))
        .route(INTROSPECT_PATH, axum::routing::post(introspect))
        .route(USERINFO_PATH, get(userinfo).post(userinfo))
        .route(REGISTER_PATH, axum::routing::post(create_client))
        .route(
            &format!("{REGISTER_PATH}/{{client_id}}"),
            get(read_client).put(update_client).delete(delete_client),
        )
        .route(OPENID_CONFIGURATION_PATH, get(openid_configuration))
        .route(JWKS_PATH, get(jwks))
        .fallback(|| async { Reply::detail(StatusCode::NOT_FOUND, "Not Found") })
        .method_not_allowed_fallback(|| async {
            Reply::detail(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed")
        })
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&shared),
            authenticate_bearer,
        ))
        .layer(axum::middleware::from_fn(polar_version_and_cache_control))
        .with_state(shared)
}

/// The API version a request asks for, or `None` for one Polar does not serve.
fn requested_version(headers: &HeaderMap) -> Option<&'static str> {
    match headers.get(POLAR_VERSION) {
        None => Some(DEFAULT_POLAR_VERSION),
        Some(value) => {
            let value = value.to_str().ok()?;
            POLAR_VERSIONS.iter().copied().find(|v| *v == value)
        }
    }
}

/// Polar's version routing and its header middleware, around every route: a `Polar-Version`
/// it does not serve is a bare 404 (the router answers before the middleware adds headers);
/// otherwise the answer names the version in use and, unless it set its own, gets
/// `Cache-Control: private, no-store`.
async fn polar_version_and_cache_control(
    request: Request<Body>,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let Some(version) = requested_version(request.headers()) else {
        let mut response =
            axum::response::Response::new(Body::from(json!({"detail": "Not Found"}).to_string()));
        *response.status_mut() = StatusCode::NOT_FOUND;
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        return response;
    };
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("private, no-store"));
    headers.insert(POLAR_VERSION, HeaderValue::from_static(version));
    response
}

/// Polar's `AuthSubjectMiddleware`, which runs before every route: a bearer token that is
/// none of Polar's live credentials is 401 `invalid_token`, whatever the endpoint (a token
/// request that leaks a stale bearer fails on Polar too). A registration access token passes
/// (authlib checks it), and so does this server's stand-in for the web session cookie.
async fn authenticate_bearer(
    State(shared): AppState,
    request: Request<Body>,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let authorization = header_value(request.headers(), header::AUTHORIZATION);
    let known = match bearer_token(authorization.as_deref()) {
        None => true,
        Some(bearer) => shared.lock().is_known_bearer(bearer),
    };
    if known {
        next.run(request).await
    } else {
        axum::response::IntoResponse::into_response(Failure::invalid_token())
    }
}

fn header_value(headers: &HeaderMap, name: HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The body, within the size limit and the body timeout (a slow body is a slowloris too).
async fn read_body(shared: &Shared, body: Body) -> Result<Bytes, Reply> {
    let limited = Limited::new(body, shared.limits.max_body_bytes);
    match tokio::time::timeout(shared.limits.body_read_timeout, limited.collect()).await {
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(error)) if error.is::<http_body_util::LengthLimitError>() => Err(Reply::detail(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Payload Too Large",
        )),
        Ok(Err(_)) => Err(Reply::detail(StatusCode::BAD_REQUEST, "Bad Request")),
        Err(_) => Err(Reply::detail(
            StatusCode::REQUEST_TIMEOUT,
            "Request Timeout",
        )),
    }
}

/// A form body as Starlette reads it: any other content type is an empty form.
async fn read_form(shared: &Shared, request: Request<Body>) -> Result<(HeaderMap, Params), Reply> {
    let (parts, body) = request.into_parts();
    let is_form = header_value(&parts.headers, header::CONTENT_TYPE).is_some_and(|ct| {
        ct.to_ascii_lowercase()
            .starts_with("application/x-www-form-urlencoded")
    });
    let body = read_body(shared, body).await?;
    let form = if is_form {
        Params::parse_bytes(&body)
    } else {
        Params::default()
    };
    Ok((parts.headers, form))
}

/// A form-encoded client endpoint (token, revoke, introspect): the form and any client
/// `Authorization` header, handed to `endpoint` with the server state.
async fn form_endpoint(
    shared: &Shared,
    request: Request<Body>,
    endpoint: fn(&mut Inner, &Params, Option<&str>) -> Result<Reply, Failure>,
) -> Reply {
    let (headers, form) = match read_form(shared, request).await {
        Ok(read) => read,
        Err(reply) => return reply,
    };
    let authorization = header_value(&headers, header::AUTHORIZATION);
    endpoint(&mut shared.lock(), &form, authorization.as_deref())
        .unwrap_or_else(|failure| failure.into_reply())
}

async fn token(State(shared): AppState, request: Request<Body>) -> Reply {
    form_endpoint(&shared, request, Inner::token_endpoint).await
}

async fn revoke(State(shared): AppState, request: Request<Body>) -> Reply {
    form_endpoint(&shared, request, Inner::revoke).await
}

async fn introspect(State(shared): AppState, request: Request<Body>) -> Reply {
    form_endpoint(&shared, request, |state, form, authorization| {
        state.introspect(form, authorization)
    })
    .await
}

async fn consent_data(
    State(shared): AppState,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Reply {
    let query = Params::parse(query.as_deref().unwrap_or_default());
    let authorization = header_value(&headers, header::AUTHORIZATION);
    let cookie = header_value(&headers, header::COOKIE);
    shared
        .lock()
        .consent_data(&query, authorization.as_deref(), cookie.as_deref())
}

async fn consent(
    State(shared): AppState,
    RawQuery(query): RawQuery,
    request: Request<Body>,
) -> Reply {
    let query = Params::parse(query.as_deref().unwrap_or_default());
    let (headers, form) = match read_form(&shared, request).await {
        Ok(read) => read,
        Err(reply) => return reply,
    };
    let authorization = header_value(&headers, header::AUTHORIZATION);
    let cookie = header_value(&headers, header::COOKIE);
    shared
        .lock()
        .consent(&query, &form, authorization.as_deref(), cookie.as_deref())
}

async fn authorization_page(State(shared): AppState, RawQuery(query): RawQuery) -> Reply {
    let query = Params::parse(query.as_deref().unwrap_or_default());
    let mut inner = shared.lock();
    let organizations = inner.picked_organizations(&query);
    match inner.authorization_response(&query, true, true, &organizations) {
        Ok(location) => Reply::Redirect(location),
        Err(failure) => failure.into_reply(),
    }
}

async fn userinfo(State(shared): AppState, headers: HeaderMap) -> Reply {
    let authorization = header_value(&headers, header::AUTHORIZATION);
    shared.lock().userinfo(authorization.as_deref())
}

fn caller(shared: &Shared, headers: &HeaderMap) -> Result<Caller, Reply> {
    let authorization = header_value(headers, header::AUTHORIZATION);
    let cookie = header_value(headers, header::COOKIE);
    shared
        .lock()
        .registration_caller(authorization.as_deref(), cookie.as_deref())
}

async fn create_client(State(shared): AppState, request: Request<Body>) -> Reply {
    let (parts, body) = request.into_parts();
    let caller = match caller(&shared, &parts.headers) {
        Ok(caller) => caller,
        Err(reply) => return reply,
    };
    let body = match read_body(&shared, body).await {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    shared.lock().register(&caller, &body, &shared.base_url)
}

async fn read_client(
    State(shared): AppState,
    Path(client_id): Path<String>,
    headers: HeaderMap,
) -> Reply {
    match caller(&shared, &headers) {
        Ok(caller) => shared
            .lock()
            .read_client(&caller, &client_id, &shared.base_url),
        Err(reply) => reply,
    }
}

async fn update_client(
    State(shared): AppState,
    Path(client_id): Path<String>,
    request: Request<Body>,
) -> Reply {
    let (parts, body) = request.into_parts();
    let caller = match caller(&shared, &parts.headers) {
        Ok(caller) => caller,
        Err(reply) => return reply,
    };
    let body = match read_body(&shared, body).await {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    shared
        .lock()
        .update_client(&caller, &client_id, &body, &shared.base_url)
}

async fn delete_client(
    State(shared): AppState,
    Path(client_id): Path<String>,
    headers: HeaderMap,
) -> Reply {
    match caller(&shared, &headers) {
        Ok(caller) => shared.lock().delete_client(&caller, &client_id),
        Err(reply) => reply,
    }
}

/// Polar's `get_server_metadata` (OpenID Connect Discovery 1.0 §3, RFC 8414 §2), its members
/// and values, with this server's URLs; the `issuer` stays Polar's, as in the ID tokens. Its
/// `authorization_endpoint` is this server's stand-in page on another origin (see
/// [`TestServer::authorization_endpoint`](crate::TestServer::authorization_endpoint)), as
/// Polar's names its web app's page (`https://polar.sh/oauth2/authorize`), not an API route.
pub(super) fn openid_configuration_json(base_url: &str) -> Value {
    let scopes: Vec<&str> = supported_scopes().collect();
    json!({
        "issuer": ISSUER,
        "authorization_endpoint": web_app_page(base_url),
        "token_endpoint": format!("{base_url}{TOKEN_PATH}"),
        "jwks_uri": format!("{base_url}{JWKS_PATH}"),
        "registration_endpoint": format!("{base_url}{REGISTER_PATH}"),
        "scopes_supported": scopes,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "web", "refresh_token"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "service_documentation": "https://polar.sh/docs",
        "revocation_endpoint": format!("{base_url}{REVOKE_PATH}"),
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "introspection_endpoint": format!("{base_url}{INTROSPECT_PATH}"),
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["plain", "S256"],
        "userinfo_endpoint": format!("{base_url}{USERINFO_PATH}"),
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "claims_supported": ["sub", "name", "email", "email_verified"],
    })
}

async fn openid_configuration(State(shared): AppState) -> Reply {
    Reply::json(StatusCode::OK, openid_configuration_json(&shared.base_url))
}

async fn jwks(State(shared): AppState) -> Reply {
    let jwks = shared.lock().signing_key.jwks();
    Reply::json(StatusCode::OK, jwks)
}
