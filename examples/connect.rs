//! "Connect with Polar" in one file: an axum app with `/login`, `/callback`, `/me` and
//! `/logout`, a background refresh, and nothing else.
//!
//! - `/login` builds the authorization URL (random `state`, PKCE S256, a nonce) and keeps the
//!   pending request in a signed, `HttpOnly` cookie (its serde form), then redirects to Polar.
//! - `/callback` checks `state`, exchanges the code, verifies the ID token (signature, issuer,
//!   audience, expiry, nonce) and keeps the tokens in a [`TokenSource`] for the session.
//! - `/me` asks userinfo with an access token the token source keeps valid.
//! - `/logout` revokes the refresh token (and with it the access token) and ends the session.
//!
//! ```sh
//! cargo run --example connect    # offline: against the embedded server, prints the login URL
//! ```
//!
//! `tests/example_app.rs` drives it end to end against the embedded server.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use polar_oauth2::id_token::IdTokenVerifier;
use polar_oauth2::token_source::TokenSource;
use polar_oauth2::{
    AuthorizationRequest, Client, ClientCredentials, PendingAuthorization, Scope, Server,
};
use ring::hmac;
use tokio::sync::RwLock;

/// What the app is configured with.
pub struct Config {
    /// Polar's API (or the embedded server).
    pub server: Server,
    /// The authorization page, for a `Server::Custom` (its discovery's `authorization_endpoint`).
    pub authorization_page: Option<String>,
    /// This app's OAuth2 client.
    pub credentials: ClientCredentials,
    /// Where Polar sends the browser back: this app's `/callback`.
    pub redirect_uri: String,
    /// Key that signs the app's cookies (32 random bytes; keep it out of the repository).
    pub cookie_key: Vec<u8>,
}

/// The app's state: one Polar client, the ID token verifier, the signed-in sessions.
pub struct App {
    config: Config,
    client: Client,
    verifier: IdTokenVerifier,
    key: hmac::Key,
    sessions: RwLock<HashMap<String, Session>>,
}

struct Session {
    sub: String,
    tokens: TokenSource,
}

impl App {
    /// The app for `config`.
    pub fn new(config: Config) -> Result<Arc<App>, polar_oauth2::Error> {
        let client = Client::new(config.server.clone())?;
        let verifier = client.id_token_verifier(config.credentials.client_id());
        let key = hmac::Key::new(hmac::HMAC_SHA256, &config.cookie_key);
        Ok(Arc::new(App {
            config,
            client,
            verifier,
            key,
            sessions: RwLock::new(HashMap::new()),
        }))
    }
}

/// The routes.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/login", get(login))
        .route("/callback", get(callback))
        .route("/me", get(me))
        .route("/logout", get(logout))
        .with_state(app)
}

async fn login(State(app): State<Arc<App>>) -> Result<Response, AppError> {
    let pending = AuthorizationRequest::new(
        &app.config.server,
        app.config.credentials.client_id(),
        &app.config.redirect_uri,
    );
    let pending = match &app.config.authorization_page {
        Some(page) => pending.endpoint(page),
        None => pending,
    }
    .scope(Scope::Openid)
    .scope(Scope::Email)
    .random_nonce()
    .build()?;
    let stored = serde_json::to_vec(&pending).map_err(AppError::internal)?;
    let mut response = Redirect::to(pending.url()).into_response();
    set_cookie(&mut response, "pending", &sign(&app.key, &stored))?;
    Ok(response)
}

async fn callback(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, AppError> {
    let stored = cookie(&headers, "pending")
        .and_then(|c| verify(&app.key, c))
        .ok_or_else(|| AppError::bad_request("no sign-in in progress"))?;
    let pending: PendingAuthorization =
        serde_json::from_slice(&stored).map_err(AppError::internal)?;
    // `state` must match the one this browser was given (RFC 6749 §10.12).
    let code = pending.callback(&uri.to_string())?;
    let token = app
        .client
        .exchange_code(
            &app.config.credentials,
            code,
            pending.redirect_uri(),
            Some(pending.pkce_verifier().clone()),
        )
        .await?;
    let id_token = token
        .id_token()
        .ok_or_else(|| AppError::bad_request("no ID token: was `openid` granted?"))?;
    let claims = app.verifier.verify(id_token, pending.nonce()).await?;
    let tokens = TokenSource::new(app.client.clone(), app.config.credentials.clone(), token);
    let session = random_id()?;
    app.sessions.write().await.insert(
        session.clone(),
        Session {
            sub: claims.sub,
            tokens,
        },
    );
    let mut response = Redirect::to("/me").into_response();
    set_cookie(&mut response, "pending", "")?;
    set_cookie(
        &mut response,
        "session",
        &sign(&app.key, session.as_bytes()),
    )?;
    Ok(response)
}

async fn me(State(app): State<Arc<App>>, headers: HeaderMap) -> Result<Response, AppError> {
    let id = session_id(&app, &headers)?;
    let sessions = app.sessions.read().await;
    let session = sessions.get(&id).ok_or_else(AppError::signed_out)?;
    let access_token = session.tokens.access_token().await?;
    let me = app.client.userinfo(&access_token).await?;
    let body = serde_json::json!({"sub": session.sub, "email": me.email});
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response())
}

async fn logout(State(app): State<Arc<App>>, headers: HeaderMap) -> Result<Response, AppError> {
    let id = session_id(&app, &headers)?;
    let session = app.sessions.write().await.remove(&id);
    if let Some(session) = session {
        let token = session.tokens.token().await?;
        if let Some(refresh_token) = token.refresh_token() {
            app.client
                .revoke(&app.config.credentials, refresh_token)
                .await?;
        }
    }
    let mut response = "signed out".into_response();
    set_cookie(&mut response, "session", "")?;
    Ok(response)
}

/// Keep every session's tokens fresh in the background; drop the sessions whose user must
/// connect again (a revoked or expired refresh token).
pub fn spawn_refresher(app: Arc<App>, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(every);
        loop {
            interval.tick().await;
            let mut gone = Vec::new();
            for (id, session) in app.sessions.read().await.iter() {
                if let Err(e) = session.tokens.token().await
                    && e.must_reconnect()
                {
                    gone.push(id.clone());
                }
            }
            let mut sessions = app.sessions.write().await;
            for id in gone {
                sessions.remove(&id);
            }
        }
    })
}

fn session_id(app: &App, headers: &HeaderMap) -> Result<String, AppError> {
    let signed = cookie(headers, "session").ok_or_else(AppError::signed_out)?;
    let id = verify(&app.key, signed).ok_or_else(AppError::signed_out)?;
    String::from_utf8(id).map_err(|_| AppError::signed_out())
}

/// `payload.signature`, both base64url: tamper-evident, not secret (the pending request's state
/// and verifier are this browser's own, and the cookie is `HttpOnly`).
fn sign(key: &hmac::Key, payload: &[u8]) -> String {
    let tag = hmac::sign(key, payload);
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(payload),
        URL_SAFE_NO_PAD.encode(tag.as_ref())
    )
}

fn verify(key: &hmac::Key, cookie: &str) -> Option<Vec<u8>> {
    let (payload, tag) = cookie.split_once('.')?;
    let payload = URL_SAFE_NO_PAD.decode(payload).ok()?;
    let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
    hmac::verify(key, &payload, &tag).ok()?;
    Some(payload)
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, v)| *n == name && !v.is_empty())
        .map(|(_, v)| v)
}

fn set_cookie(response: &mut Response, name: &str, value: &str) -> Result<(), AppError> {
    let max_age = if value.is_empty() { "; Max-Age=0" } else { "" };
    let cookie = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax{max_age}");
    let value = HeaderValue::try_from(cookie).map_err(AppError::internal)?;
    response.headers_mut().append(header::SET_COOKIE, value);
    Ok(())
}

fn random_id() -> Result<String, AppError> {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 32];
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| AppError::internal("no system randomness"))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// Every failure as a status and a message that holds no secret (the crate's errors are
/// redacted).
#[derive(Debug)]
pub struct AppError(StatusCode, String);

impl AppError {
    fn bad_request(message: &str) -> Self {
        Self(StatusCode::BAD_REQUEST, message.to_owned())
    }

    fn signed_out() -> Self {
        Self(StatusCode::UNAUTHORIZED, "not signed in: /login".to_owned())
    }

    fn internal(e: impl std::fmt::Display) -> Self {
        Self(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
    }
}

impl<E: std::error::Error> From<E> for AppError {
    fn from(e: E) -> Self {
        Self(StatusCode::BAD_GATEWAY, e.to_string())
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        (self.0, self.1).into_response()
    }
}

/// Serve `app` on `listener` (with the background refresh).
pub async fn serve(app: Arc<App>, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    spawn_refresher(app.clone(), Duration::from_secs(30));
    axum::serve(listener, router(app)).await
}

/// Offline: the embedded server stands in for Polar, with this app registered as a client.
#[allow(dead_code)]
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    use polar_oauth2_test_server::{TestClient, TestServer};
    let polar = TestServer::start().await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr: SocketAddr = listener.local_addr()?;
    let redirect_uri = format!("http://{addr}/callback");
    polar.register_client(
        TestClient::confidential("polar_ci_test_connect", "polar_cs_test_connect")
            .redirect_uris([redirect_uri.clone()]),
    );
    let app = App::new(Config {
        server: polar.server(),
        authorization_page: Some(polar.authorization_endpoint()),
        credentials: ClientCredentials::confidential(
            "polar_ci_test_connect",
            polar_oauth2::ClientSecret::new("polar_cs_test_connect"),
        ),
        redirect_uri,
        cookie_key: random_id().map_err(|e| e.1)?.into_bytes(),
    })?;
    println!("open http://{addr}/login (Ctrl-C to stop)");
    serve(app, listener).await?;
    Ok(())
}
