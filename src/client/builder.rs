//! [`ClientBuilder`]: servers, TLS, timeouts, limits, retries.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderValue;
use tokio::sync::Semaphore;

use super::base_url::{base_path, validate_base_url, without_password};
use super::config::Hooks;
use super::pools::{RuntimePools, default_http_client};
use super::{
    Client, DEFAULT_MAX_CONCURRENT_REQUESTS, DEFAULT_MAX_RESPONSE_BODY, DEFAULT_TIMEOUT, Server,
    USER_AGENT_VALUE,
};
use crate::error::Error;
use crate::generated;
use crate::retry::RetryPolicy;

impl Client {
    /// A client for `server` with default settings (see [`ClientBuilder`]).
    ///
    /// ```
    /// use polar_oauth2::{Client, Server};
    ///
    /// // One per app: clones share the connection pool.
    /// let client = Client::new(Server::Production)?;
    /// # Ok::<(), polar_oauth2::Error>(())
    /// ```
    pub fn new(server: Server) -> Result<Self, Error> {
        ClientBuilder::new(server).build()
    }

    /// Settings for a client.
    ///
    /// ```
    /// use std::time::Duration;
    /// use polar_oauth2::{Client, RetryPolicy, Server};
    ///
    /// let client = Client::builder(Server::Production)
    ///     .timeout(Some(Duration::from_secs(10)))
    ///     .retry(RetryPolicy::new(2))
    ///     .build()?;
    /// # Ok::<(), polar_oauth2::Error>(())
    /// ```
    pub fn builder(server: Server) -> ClientBuilder {
        ClientBuilder::new(server)
    }
}

/// Settings for a [`Client`]. `Debug` hides a password in the base URL.
///
/// ```
/// use std::time::Duration;
/// use polar_oauth2::{Client, RetryPolicy, Server};
///
/// let client = Client::builder(Server::Sandbox)
///     .timeout(Some(Duration::from_secs(10)))
///     .retry(RetryPolicy::new(2))
///     .polar_version("2026-10")
///     .build()?;
/// # let _ = client;
/// # Ok::<(), polar_oauth2::Error>(())
/// ```
#[derive(Clone)]
#[must_use]
pub struct ClientBuilder {
    server: Server,
    timeout: Option<Duration>,
    polar_version: Option<String>,
    http: Option<reqwest::Client>,
    allow_insecure_http: bool,
    max_response_body: u64,
    max_concurrent_requests: Option<usize>,
    retry: RetryPolicy,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &without_password(self.server.base_url()))
            .field("timeout", &self.timeout)
            .field("polar_version", &self.polar_version)
            .field(
                "http",
                &self.http.as_ref().map(|_| "caller's reqwest::Client"),
            )
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("max_response_body", &self.max_response_body)
            .field("max_concurrent_requests", &self.max_concurrent_requests)
            .field("retry", &self.retry)
            .finish()
    }
}

impl ClientBuilder {
    /// Settings for `server` with the defaults: [`DEFAULT_TIMEOUT`], no `Polar-Version`,
    /// [`DEFAULT_MAX_RESPONSE_BODY`], [`DEFAULT_MAX_CONCURRENT_REQUESTS`], no retries.
    ///
    /// ```
    /// use polar_oauth2::{ClientBuilder, Server};
    ///
    /// // The same as `Client::builder(Server::Production)`.
    /// let client = ClientBuilder::new(Server::Production).build()?;
    /// # Ok::<(), polar_oauth2::Error>(())
    /// ```
    pub fn new(server: Server) -> Self {
        Self {
            server,
            timeout: Some(DEFAULT_TIMEOUT),
            polar_version: None,
            http: None,
            allow_insecure_http: false,
            max_response_body: DEFAULT_MAX_RESPONSE_BODY,
            max_concurrent_requests: Some(DEFAULT_MAX_CONCURRENT_REQUESTS),
            retry: RetryPolicy::none(),
        }
    }

    /// Retry failed calls under `policy` (default: [`RetryPolicy::none`]). A token request is
    /// retried only when the connection could not be established; see [`RetryPolicy`].
    ///
    /// ```
    /// use polar_oauth2::{Client, RetryPolicy, Server};
    ///
    /// let client = Client::builder(Server::Production).retry(RetryPolicy::new(1)).build()?;
    /// # Ok::<(), polar_oauth2::Error>(())
    /// ```
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The largest response body accepted, in bytes (default [`DEFAULT_MAX_RESPONSE_BODY`]).
    /// A larger successful response fails with [`Error::Transport`] (`body_too_large`) as soon
    /// as its `Content-Length` or the bytes read so far exceed the cap; it is never read whole.
    /// Error responses are read only up to 64 KiB for their excerpt, whatever their size.
    ///
    /// ```
    /// use polar_oauth2::{Client, Server};
    ///
    /// let client = Client::builder(Server::Production).max_response_body(64 * 1024).build()?;
    /// # Ok::<(), polar_oauth2::Error>(())
    /// ```
    pub fn max_response_body(mut self, bytes: u64) -> Self {
        self.max_response_body = bytes;
        self
    }

    /// At most `limit` requests in flight at once through this client and its clones (default
    /// [`DEFAULT_MAX_CONCURRENT_REQUESTS`]); the others wait their turn. A request holds its
    /// place until its response body is done, so this also bounds the connections the client
    /// opens over HTTP/1.1 to `limit` (rarely one more per place, when a request starts in the
    /// moment between a body's end and its connection's return to the pool; never more than
    /// twice `limit`); without it, a burst of `n` requests opens up to `n` connections. The
    /// wait for a place counts inside the request's timeout: a request whose timeout passes
    /// while it waits fails with [`Error::Timeout`] without being sent. `None`: no limit.
    ///
    /// ```
    /// use polar_oauth2::{Client, Server};
    ///
    /// let client = Client::builder(Server::Production).max_concurrent_requests(Some(8)).build()?;
    /// # Ok::<(), polar_oauth2::Error>(())
    /// ```
    pub fn max_concurrent_requests(mut self, limit: Option<usize>) -> Self {
        self.max_concurrent_requests = limit;
        self
    }

    /// Limit for each whole request, the wait for an in-flight place included; `None` for no
    /// limit (not recommended). A limit needs a Tokio runtime with timers (`enable_time`);
    /// without one, use `None` (retry waits need no timer).
    ///
    /// ```
    /// use std::time::Duration;
    /// use polar_oauth2::{Client, Server};
    ///
    /// let client = Client::builder(Server::Production)
    ///     .timeout(Some(Duration::from_secs(10))) // `None`: no limit
    ///     .build()?;
    /// # Ok::<(), polar_oauth2::Error>(())
    /// ```
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// Send `Polar-Version: <version>`, which pins the API version Polar's server answers
    /// with; without it the server uses its default. Polar serves only the versions in
    /// [`POLAR_VERSIONS`] and the one of the document this crate was generated from, and
    /// answers *every* route with 404 for any other, so [`build`](Self::build) refuses others.
    ///
    /// ```
    /// use polar_oauth2::{Client, Server};
    ///
    /// let client = Client::builder(Server::Production).polar_version("2026-10").build()?;
    /// # Ok::<(), polar_oauth2::Error>(())
    /// ```
    pub fn polar_version(mut self, version: impl Into<String>) -> Self {
        self.polar_version = Some(version.into());
        self
    }

    /// Use this `reqwest::Client` (its proxy, TLS and pool settings) instead of building one.
    /// The timeout set here still applies to each request.
    ///
    /// The client this crate builds has a connection pool per Tokio runtime and uses no proxy
    /// for a plain-`http` base URL (credentials would reach the proxy in clear text; an `https`
    /// base keeps the environment's `HTTPS_PROXY`/`ALL_PROXY`, as a tunnel sees only the host).
    /// A client given here is used as it is: give each Tokio runtime its own (a pooled
    /// connection belongs to the runtime that opened it, and a response is lost when that
    /// runtime shuts down; [`TransportError::is_runtime_gone`](crate::error::TransportError::is_runtime_gone)),
    /// and build it with `.no_proxy()` for plain http.
    ///
    /// It must not carry a default `Authorization` header: reqwest adds default headers after
    /// every hook of this crate has run, so nothing could keep that credential off the token,
    /// revoke and introspect requests. [`build`](Self::build) refuses such a client
    /// ([`Error::InvalidRequest`]); pass bearer tokens per call instead.
    ///
    /// Build it with `.redirect(reqwest::redirect::Policy::none())`, as the default client is.
    /// A response reached through a redirect is refused ([`Error::InvalidRequest`]), and a token
    /// request's body is never re-sent by a redirect, but reqwest would still send the
    /// redirected `GET` (without the bearer token when it crosses origins).
    ///
    /// ```
    /// use polar_oauth2::{Client, Server};
    ///
    /// polar_oauth2::install_crypto_provider();
    /// let http = reqwest::Client::builder().user_agent("acme/1.0").build()?;
    /// let client = Client::builder(Server::Production).http_client(http).build()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// Allow a plain `http` base URL on a non-loopback host. Credentials then cross the
    /// network unencrypted: only for a trusted network.
    ///
    /// ```
    /// use polar_oauth2::{Client, Server};
    ///
    /// // A proxy on the private network, without TLS (loopback needs no opt-in).
    /// let proxy = Server::Custom("http://polar-proxy.internal:8080".into());
    /// let client = Client::builder(proxy).allow_insecure_http(true).build()?;
    /// # Ok::<(), polar_oauth2::Error>(())
    /// ```
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Build the client.
    ///
    /// ```
    /// use std::time::Duration;
    /// use polar_oauth2::{Client, Server};
    ///
    /// let client = Client::builder(Server::Sandbox)
    ///     .timeout(Some(Duration::from_secs(5)))
    ///     .build()?;
    /// # Ok::<(), polar_oauth2::Error>(())
    /// ```
    pub fn build(self) -> Result<Client, Error> {
        crate::tls::install_crypto_provider();
        let base = validate_base_url(self.server.base_url(), self.allow_insecure_http)?;
        let own_http = self.http.is_none();
        if let Some(http) = &self.http {
            refuse_default_authorization(http)?;
        }
        // Plain http (loopback, or allowed) never goes through a proxy: credentials would
        // reach it in clear text. An https base keeps the environment's proxies (a CONNECT
        // tunnel sees only the host name).
        let direct = base.starts_with("http:");
        let http = match self.http {
            Some(http) => http,
            None => default_http_client(direct, self.timeout)?,
        };
        let polar_version = self.polar_version.map(polar_version).transpose()?;
        let hooks = Hooks {
            user_agent: HeaderValue::from_static(USER_AGENT_VALUE),
            polar_version,
            timeout: self.timeout,
            max_response_body: self.max_response_body,
            in_flight: self
                .max_concurrent_requests
                .map(|n| Arc::new(Semaphore::new(n.clamp(1, Semaphore::MAX_PERMITS)))),
            retry: self.retry,
            own_http,
            runtimes: own_http.then(|| Arc::new(RuntimePools::new(direct, self.timeout))),
            base_path: base_path(&base)?,
        };
        Ok(Client {
            api: Arc::new(generated::Client::new_with_client(&base, http, hooks)),
        })
    }
}

/// The API versions Polar's server serves (`server/polar/version.py`); any other
/// `Polar-Version` makes every route answer 404. The version of the document the client was
/// generated from is accepted too (see [`ClientBuilder::polar_version`]).
///
/// ```
/// use polar_oauth2::{Client, POLAR_VERSIONS, Server};
///
/// let newest = POLAR_VERSIONS[POLAR_VERSIONS.len() - 1];
/// let client = Client::builder(Server::Sandbox).polar_version(newest).build()?;
/// # Ok::<(), polar_oauth2::Error>(())
/// ```
pub const POLAR_VERSIONS: &[&str] = &["2026-04", "2026-10"];

/// A `Polar-Version` Polar serves, as a header value.
fn polar_version(version: String) -> Result<HeaderValue, Error> {
    use progenitor_client::ClientInfo as _;
    let spec = generated::Client::api_version();
    if !(POLAR_VERSIONS.contains(&version.as_str()) || version == spec) {
        let shown: String = version.chars().take(32).collect();
        return Err(Error::InvalidRequest(format!(
            "Polar-Version {shown:?} is not one Polar serves ({}, or {spec}, this build's document): its server would answer every route with 404",
            POLAR_VERSIONS.join(", ")
        )));
    }
    HeaderValue::try_from(version)
        .map_err(|_| Error::InvalidRequest("Polar-Version is not a valid header value".into()))
}

/// A caller's `reqwest::Client` with a default `Authorization` header is refused: reqwest merges
/// default headers into each request after this crate's hooks, so that credential would reach
/// operations that must not carry one (token, revoke, introspect). reqwest offers no accessor
/// for a client's default headers; its `Debug` lists them under `default_headers` (header names
/// in lowercase, values shown or `Sensitive`), which is what is read here. A test pins this
/// against the reqwest version in use.
fn refuse_default_authorization(http: &reqwest::Client) -> Result<(), Error> {
    let debug = format!("{http:?}");
    let defaults = debug
        .split_once("default_headers: {")
        .map(|(_, rest)| rest.split_once('}').map_or(rest, |(inside, _)| inside));
    if defaults.is_some_and(|d| d.contains("\"authorization\":")) {
        return Err(Error::InvalidRequest(
            "the reqwest::Client has a default Authorization header, which would reach the token, revoke and introspect requests; build it without one and pass bearer tokens per call".into(),
        ));
    }
    Ok(())
}
