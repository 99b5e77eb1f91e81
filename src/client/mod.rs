//! The facade [`Client`]: one method per operation of Polar's OAuth2 API, in one file per
//! operation family (`consent.rs`, `tokens.rs`, `registration.rs`); the settings
//! (`builder.rs`), the one `ClientHooks` implementation (`hooks.rs`) and what it uses, and the
//! conversion of failures into this crate's [`Error`] (`settle.rs`).

mod base_url;
pub(crate) mod builder;
mod config;
mod consent;
mod credential;
mod fresh;
mod guard;
mod hooks;
mod one_shot;
mod path_guard;
mod pools;
mod registration;
mod retrying;
mod sending;
mod settle;
mod tokens;

use crate::redact;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use progenitor_client::{ClientInfo, ResponseValue};
use serde::de::DeserializeOwned;

pub(crate) use base_url::check_transport;
pub use builder::{ClientBuilder, POLAR_VERSIONS};
pub use config::Hooks;
pub use credential::{ClientManagement, SESSION_COOKIE};
#[cfg(fuzzing)]
pub use settle::fuzzing;

use redact::Echoes;

use crate::error::Error;
use crate::generated;

/// The `User-Agent` every request carries.
pub const USER_AGENT_VALUE: &str = concat!("polar-oauth2-rust/", env!("CARGO_PKG_VERSION"));

/// Default limit for a whole request (connect, send, response headers and body).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Default cap on a response body, in bytes (1 MiB; a token response is under 2 KiB, a consent
/// response with every scope's display name under 16 KiB).
pub const DEFAULT_MAX_RESPONSE_BODY: u64 = 1024 * 1024;

/// Default number of requests a client (with its clones) has in flight at once.
pub const DEFAULT_MAX_CONCURRENT_REQUESTS: usize = 64;

/// Which Polar API to talk to.
///
/// ```
/// use polar_oauth2::{Client, Server};
///
/// assert_eq!(Server::Sandbox.base_url(), "https://sandbox-api.polar.sh");
/// let client = Client::new(Server::Sandbox)?; // test data and test payments
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Server {
    /// `https://api.polar.sh`.
    Production,
    /// `https://sandbox-api.polar.sh`: test data, test payments.
    Sandbox,
    /// Any base URL (a proxy, a local test server). `https` unless the host is loopback, or
    /// [`ClientBuilder::allow_insecure_http`] is set.
    Custom(String),
}

impl Server {
    /// The base URL requests are made against.
    ///
    /// ```
    /// use polar_oauth2::Server;
    ///
    /// assert_eq!(Server::Production.base_url(), "https://api.polar.sh");
    /// ```
    #[must_use]
    pub fn base_url(&self) -> &str {
        match self {
            Server::Production => "https://api.polar.sh",
            Server::Sandbox => "https://sandbox-api.polar.sh",
            Server::Custom(url) => url,
        }
    }
}

/// A Polar OAuth2 client. Cheap to clone; clones share one connection pool per Tokio runtime
/// (a pooled connection belongs to the runtime that opened it), so a client may be used from
/// any number of runtimes. `Debug` hides a password in the base URL.
///
/// ```
/// use polar_oauth2::{Client, Server};
///
/// let production = Client::new(Server::Production)?;
/// let sandbox = Client::new(Server::Sandbox)?;
/// assert_eq!(sandbox.base_url(), "https://sandbox-api.polar.sh");
/// # let _ = production;
/// # Ok::<(), polar_oauth2::Error>(())
/// ```
///
/// # Operations
///
/// Every request goes through the generated client's methods and the one `ClientHooks`
/// implementation (`hooks.rs`: user agent, `Polar-Version`, timeout, header hygiene, the path
/// guard, the concurrency limit, the response body cap, refused redirects, retries by HTTP
/// method), and every failure becomes this crate's [`Error`] in one place (`settle.rs`), with
/// the secrets the request carried scrubbed from whatever the server echoed.
///
/// | operation | method | facade call | bearer | retried after |
/// |-----------|--------|-------------|--------|---------------|
/// | consent data | `GET /v1/oauth2/authorize` | [`Client::consent_data`] | web session | failure, 429/502/503/504 |
/// | token | `POST /v1/oauth2/token` | [`Client::exchange_code`], [`Client::refresh`], [`Client::request_token`] | Basic for `client_secret_basic` | no connection only |
/// | revoke (RFC 7009) | `POST /v1/oauth2/revoke` | [`Client::revoke`] | never | no connection only |
/// | introspect (RFC 7662) | `POST /v1/oauth2/introspect` | [`Client::introspect`] | never | no connection only |
/// | userinfo (OpenID Connect) | `GET /v1/oauth2/userinfo` | [`Client::userinfo`] | yes | failure, 429/502/503/504 |
/// | register (RFC 7591) | `POST /v1/oauth2/register` | [`Client::register_client`] | none or web session | no connection only |
/// | read (RFC 7592) | `GET /v1/oauth2/register/{id}` | [`Client::get_client`] | registration token or web session | failure, 429/502/503/504 |
/// | update (RFC 7592) | `PUT /v1/oauth2/register/{id}` | [`Client::update_client`] | registration token or web session | failure, 429/502/503/504 |
/// | delete (RFC 7592) | `DELETE /v1/oauth2/register/{id}` | [`Client::delete_client`] | registration token or web session | failure, 429/502/503/504 |
///
/// Which operations may carry which credential is decided in the generator
/// (`polar_oauth2_codegen::credentials`): an operation without a credential has no parameter
/// through which one could be sent. A credential the client itself has just received (a fresh
/// access token, a refresh token, a registration token) is handled for Polar's commit race:
/// a bearer call with one is tried again after a 401, a `POST` with one is held a moment
/// (`fresh.rs`).
#[derive(Clone)]
pub struct Client {
    pub(crate) api: Arc<generated::Client>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &base_url::without_password(self.api.baseurl()))
            .field("hooks", &self.api.inner)
            .finish()
    }
}

impl Client {
    /// The base URL in use.
    #[must_use]
    pub fn base_url(&self) -> &str {
        self.api.baseurl()
    }

    /// The generated client. Its requests go through the same hooks as the facade's (headers,
    /// timeout, limits, body cap, retries), but its methods return progenitor's error type and
    /// take the bearer header's whole value (`Bearer …`); prefer the facade's calls.
    #[must_use]
    pub fn generated(&self) -> &generated::Client {
        &self.api
    }

    /// Await a generated call and convert its failure into [`Error`], scrubbing `sent` (the
    /// secrets the request carried) from whatever the server sent back.
    ///
    /// `request` makes the generated call's future: passed as a closure, that future lives only
    /// in this future's await slot (rustc keeps an `async fn`'s arguments beside its locals, so
    /// a future passed by value would be held twice, and copied by every `spawn` or `block_on`).
    async fn call<T: DeserializeOwned, F>(
        &self,
        operation: &'static str,
        sent: impl FnOnce() -> Echoes,
        request: impl FnOnce() -> F,
    ) -> Result<T, Error>
    where
        F: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<()>>>,
    {
        let error = match request().await {
            Ok(response) => return Ok(response.into_inner()),
            Err(error) => error,
        };
        // Boxed: a failure's state (reading an error body) would otherwise be part of every
        // call's future.
        let sent = sent();
        let hooks = &self.api.inner;
        Box::pin(settle::settle::<T>(
            error,
            operation,
            &sent,
            hooks.timeout,
            hooks.max_response_body,
        ))
        .await
    }
}

/// Success whatever the body of a 2xx: revocation's body is ignored by the client (RFC 7009
/// §2.2), and deleting a client answers 204 (Polar's documents before 2026-08 said 200 with a
/// body), so neither may fail on the body's shape.
fn success<T>(result: Result<T, Error>) -> Result<(), Error> {
    match result {
        Ok(_) => Ok(()),
        Err(Error::Decode(e)) if e.status.is_some_and(|s| s.is_success()) => Ok(()),
        Err(e) => Err(e),
    }
}
