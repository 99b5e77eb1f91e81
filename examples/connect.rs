//! "Connect with Polar" in one file: an axum app with `/login`, `/callback`, `/me` and
//! `POST /logout`, its users' tokens kept across restarts.
//!
//! - `/login` sends the browser to Polar (random `state`, PKCE S256, a nonce) and keeps the
//!   pending request in an encrypted cookie: the browser can neither read its PKCE verifier
//!   nor change it.
//! - `/callback` finishes the flow in one call ([`Connector::finish`]: `state`, code exchange,
//!   ID token signature, issuer `https://polar.sh`, nonce), answering 400 to a forged, replayed
//!   or denied callback and 502 when Polar is unreachable; the session is an encrypted cookie
//!   holding the Polar user ID and a CSRF token.
//! - `/me` calls userinfo with a token [`Tokens`] keeps valid (refreshed, persisted to files).
//! - `/logout` is a `POST` carrying the session's CSRF token, compared in constant time; it
//!   revokes the grant at Polar and forgets it. `SameSite=Lax` already keeps cookies off
//!   cross-site `POST`s in current browsers, but not off requests from a sibling subdomain
//!   (same site) nor in browsers without SameSite: the token is what such a page cannot know.
//!   (`Strict` would drop the session on the way back from Polar.)
//!
//! ```sh
//! POLAR_CLIENT_ID=polar_ci_… POLAR_CLIENT_SECRET=polar_cs_… APP_URL=http://127.0.0.1:3000 \
//! COOKIE_KEY=$(openssl rand -base64 64 | tr -d '\n') TOKEN_DIR=./polar-tokens \
//! POLAR_API_URL=https://sandbox-api.polar.sh BIND=127.0.0.1:3000 cargo run --example connect
//! ```
//!
//! `tests/example_app.rs` drives it end to end against the embedded server.

use std::error::Error;

use axum::extract::{Form, FromRef, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use axum_extra::extract::cookie::{Cookie, Key, PrivateCookieJar, SameSite};
use base64::{Engine as _, engine::general_purpose::STANDARD};
use polar_oauth2::{Client, ClientCredentials, ClientSecret, Connector, CsrfToken, FileStore};
use polar_oauth2::{Scope, Server, Tokens};

/// Handlers answer a failure with its status alone: nothing internal reaches the browser.
type Reply = Result<Response, StatusCode>;

/// The app's state: the flow, every user's tokens, the cookie key.
#[derive(Clone)]
pub struct App {
    /// Finishes callbacks to `{APP_URL}/callback` (the redirect URI registered at Polar).
    pub connector: Connector,
    /// Every user's tokens, in owner-only files: users stay connected across restarts.
    pub tokens: Tokens<FileStore>,
    /// Encrypts the cookies (AES-256-GCM): the browser can neither read nor change them.
    pub cookie_key: Key,
    /// `Secure` cookies are not sent back over plain HTTP, which only loopback may use.
    pub secure: bool,
}

impl FromRef<App> for Key {
    fn from_ref(app: &App) -> Key {
        app.cookie_key.clone()
    }
}

impl App {
    /// `POLAR_CLIENT_ID`, `POLAR_CLIENT_SECRET`, `APP_URL`, `COOKIE_KEY` (64 random bytes in
    /// base64), `TOKEN_DIR`; `POLAR_API_URL=https://sandbox-api.polar.sh` for the sandbox.
    pub fn from_env() -> Result<Self, Box<dyn Error>> {
        let env = |name: &str| std::env::var(name).map_err(|_| format!("{name} is not set"));
        let client = Client::new(env("POLAR_API_URL").map_or(Server::Production, Server::Custom))?;
        let secret = ClientSecret::new(env("POLAR_CLIENT_SECRET")?);
        let credentials = ClientCredentials::confidential(env("POLAR_CLIENT_ID")?, secret);
        let app_url = env("APP_URL")?;
        Ok(App {
            connector: Connector::new(&client, credentials.clone(), format!("{app_url}/callback")),
            tokens: Tokens::new(client, credentials, FileStore::open(env("TOKEN_DIR")?)?),
            cookie_key: Key::try_from(STANDARD.decode(env("COOKIE_KEY")?)?.as_slice())?,
            secure: !app_url.starts_with("http://127.0.0.1:"),
        })
    }

    /// `/login`, `/callback`, `/me`, `POST /logout` (a `GET` is 405).
    pub fn router(self) -> Router {
        Router::new()
            .route("/login", get(login))
            .route("/callback", get(callback))
            .route("/me", get(me))
            .route("/logout", post(logout))
            .with_state(self)
    }

    fn cookie(&self, name: &'static str, value: String) -> Cookie<'static> {
        let cookie = Cookie::build((name, value)).path("/").http_only(true);
        cookie.secure(self.secure).same_site(SameSite::Lax).build()
    }
}

async fn login(State(app): State<App>, jar: PrivateCookieJar) -> Reply {
    let pending = app.connector.authorization_request().scope(Scope::Email);
    let pending = pending.build()?;
    let stored = serde_json::to_string(&pending).map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    let jar = jar.add(app.cookie("pending", stored));
    Ok((jar, Redirect::to(pending.url())).into_response())
}

/// 400 for a forged, replayed or denied callback, 502 when Polar is unavailable.
async fn callback(State(app): State<App>, jar: PrivateCookieJar, uri: Uri) -> Reply {
    let pending = jar.get("pending").ok_or(StatusCode::BAD_REQUEST)?;
    let pending = serde_json::from_str(pending.value()).map_err(|_| StatusCode::BAD_REQUEST)?;
    let connection = app.connector.finish(pending, &uri.to_string()).await?;
    let user = connection.claims.sub;
    app.tokens.connect(&user, connection.token).await?;
    // Single-use: a replayed callback finds no pending request.
    let jar = jar.remove(app.cookie("pending", String::new()));
    let jar = jar.add(app.cookie("user", user));
    let jar = jar.add(app.cookie("csrf", CsrfToken::new_random()?.secret().to_owned()));
    Ok((jar, Redirect::to("/me")).into_response())
}

async fn me(State(app): State<App>, jar: PrivateCookieJar) -> Reply {
    let (user, csrf) = session(&jar)?;
    let token = app.tokens.access_token(&user).await?;
    let me = app.tokens.client().userinfo(&token).await?;
    // A page would put `csrf` in its logout form; JSON keeps the example short.
    Ok(Json(serde_json::json!({"sub": me.sub, "email": me.email, "csrf": csrf})).into_response())
}

#[derive(serde::Deserialize)]
struct Logout {
    csrf: String,
}

async fn logout(State(app): State<App>, jar: PrivateCookieJar, form: Form<Logout>) -> Reply {
    let (user, csrf) = session(&jar)?;
    if !CsrfToken::new(csrf)?.matches(&form.csrf) {
        return Err(StatusCode::FORBIDDEN);
    }
    app.tokens.disconnect(&user).await?;
    let jar = jar.remove(app.cookie("user", String::new()));
    Ok((jar.remove(app.cookie("csrf", String::new())), "signed out").into_response())
}

/// The signed-in user's Polar ID and CSRF token.
fn session(jar: &PrivateCookieJar) -> Result<(String, String), StatusCode> {
    let value = |name| jar.get(name).map(|c| c.value().to_owned());
    let user = value("user").ok_or(StatusCode::UNAUTHORIZED)?;
    Ok((user, value("csrf").ok_or(StatusCode::UNAUTHORIZED)?))
}

#[allow(dead_code)]
#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let listener = tokio::net::TcpListener::bind(std::env::var("BIND")?).await?;
    axum::serve(listener, App::from_env()?.router()).await?;
    Ok(())
}
