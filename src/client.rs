//! The facade `Client`: servers, TLS, headers, timeouts, and the two OAuth2 calls.
//!
//! Every request goes through the generated client's methods; cross-cutting behaviour (user
//! agent, `Polar-Version`, timeouts, header hygiene) lives in one `ClientHooks` implementation
//! rather than at each call site.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::{AUTHORIZATION, HeaderName, HeaderValue, USER_AGENT};
use reqwest::{StatusCode, Url};
use serde::de::DeserializeOwned;

use crate::authorize::{AuthorizeParams, AuthorizeResponse};
use crate::error::Error;
use crate::generated;
use crate::secret::{AccessToken, AuthorizationCode, PkceCodeVerifier, RefreshToken};
use crate::token::{
    AuthorizationCodeGrant, ClientCredentials, RefreshTokenGrant, Token, TokenRequest,
};

/// The `User-Agent` every request carries.
pub const USER_AGENT_VALUE: &str = concat!("polar-oauth2-rust/", env!("CARGO_PKG_VERSION"));

/// Default limit for a whole request (connect, send, response headers and body).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

const POLAR_VERSION: HeaderName = HeaderName::from_static("polar-version");
const API_VERSION: HeaderName = HeaderName::from_static("api-version");
const AUTHORIZE: &str = "oauth2:authorize";
const REQUEST_TOKEN: &str = "oauth2:request_token";
/// progenitor's name for the token operation (`operationId` with `:` as `_`).
const REQUEST_TOKEN_METHOD: &str = "oauth2_request_token";

/// Which Polar API to talk to.
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
    #[must_use]
    pub fn base_url(&self) -> &str {
        match self {
            Server::Production => "https://api.polar.sh",
            Server::Sandbox => "https://sandbox-api.polar.sh",
            Server::Custom(url) => url,
        }
    }
}

/// Per-client settings read by the generated client's hooks (one per [`Client`]).
#[derive(Debug, Clone)]
pub struct Hooks {
    user_agent: HeaderValue,
    polar_version: Option<HeaderValue>,
    timeout: Option<Duration>,
}

/// Settings for a [`Client`].
#[derive(Debug, Clone)]
#[must_use]
pub struct ClientBuilder {
    server: Server,
    timeout: Option<Duration>,
    polar_version: Option<String>,
    http: Option<reqwest::Client>,
    allow_insecure_http: bool,
}

impl ClientBuilder {
    /// Settings for `server` with the defaults: [`DEFAULT_TIMEOUT`], no `Polar-Version`.
    pub fn new(server: Server) -> Self {
        Self {
            server,
            timeout: Some(DEFAULT_TIMEOUT),
            polar_version: None,
            http: None,
            allow_insecure_http: false,
        }
    }

    /// Limit for each whole request; `None` for no limit (not recommended).
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// Send `Polar-Version: <version>` (`YYYY-MM`), which pins the API version Polar's server
    /// answers with. Without it the server uses its default.
    pub fn polar_version(mut self, version: impl Into<String>) -> Self {
        self.polar_version = Some(version.into());
        self
    }

    /// Use this `reqwest::Client` (its proxy, TLS and pool settings) instead of building one.
    /// The timeout set here still applies to each request.
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// Allow a plain `http` base URL on a non-loopback host. Credentials then cross the
    /// network unencrypted: only for a trusted network.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Build the client.
    pub fn build(self) -> Result<Client, Error> {
        let base = validate_base_url(self.server.base_url(), self.allow_insecure_http)?;
        let http = match self.http {
            Some(http) => http,
            None => default_http_client()?,
        };
        let polar_version = self
            .polar_version
            .map(|v| {
                HeaderValue::try_from(v).map_err(|_| {
                    Error::InvalidRequest("Polar-Version is not a valid header value".into())
                })
            })
            .transpose()?;
        let hooks = Hooks {
            user_agent: HeaderValue::from_static(USER_AGENT_VALUE),
            polar_version,
            timeout: self.timeout,
        };
        Ok(Client {
            api: Arc::new(generated::Client::new_with_client(&base, http, hooks)),
        })
    }
}

/// `https`, or `http` on a loopback host, or anything when the caller opted in.
fn validate_base_url(base: &str, allow_insecure_http: bool) -> Result<String, Error> {
    let url = Url::parse(base)
        .map_err(|e| Error::InvalidRequest(format!("base URL {base:?} is not a URL: {e}")))?;
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback || allow_insecure_http => {}
        "http" => {
            return Err(Error::InvalidRequest(format!(
                "base URL {base:?} uses plain http on a non-loopback host: tokens and secrets would cross the network unencrypted; use https, or ClientBuilder::allow_insecure_http(true) on a trusted network"
            )));
        }
        other => {
            return Err(Error::InvalidRequest(format!(
                "base URL {base:?} has scheme {other:?}; expected https"
            )));
        }
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::InvalidRequest(format!(
            "base URL {base:?} must not have a query or fragment"
        )));
    }
    Ok(base.trim_end_matches('/').to_owned())
}

/// rustls with *ring* and the platform's certificate verifier: no system OpenSSL, and no
/// aws-lc-sys build.
fn default_http_client() -> Result<reqwest::Client, Error> {
    use rustls_platform_verifier::BuilderVerifierExt;
    let tls_error = |e: rustls::Error| Error::InvalidRequest(format!("cannot set up TLS: {e}"));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(tls_error)?
        .with_platform_verifier()
        .map_err(tls_error)?
        .with_no_client_auth();
    tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        // Redirects are never followed: a token request must not be re-sent elsewhere.
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| Error::InvalidRequest(format!("cannot build the HTTP client: {e}")))
}

/// A Polar OAuth2 client. Cheap to clone; clones share one connection pool.
#[derive(Debug, Clone)]
pub struct Client {
    api: Arc<generated::Client>,
}

impl Client {
    /// A client for `server` with default settings (see [`ClientBuilder`]).
    pub fn new(server: Server) -> Result<Self, Error> {
        ClientBuilder::new(server).build()
    }

    /// Settings for a client.
    pub fn builder(server: Server) -> ClientBuilder {
        ClientBuilder::new(server)
    }

    /// The base URL in use.
    #[must_use]
    pub fn base_url(&self) -> &str {
        self.api.baseurl()
    }

    /// The generated client, for operations beyond the two this facade wraps.
    #[must_use]
    pub fn generated(&self) -> &generated::Client {
        &self.api
    }

    /// `GET /v1/oauth2/authorize`: the consent data for an authorization request, with the
    /// user's access token (sent as `Authorization: Bearer`, RFC 6750 §2.1, and nowhere else).
    pub async fn authorize(
        &self,
        access_token: &AccessToken,
        params: &AuthorizeParams,
    ) -> Result<AuthorizeResponse, Error> {
        let bearer = format!("Bearer {}", access_token.secret());
        let result = self
            .api
            .oauth2_authorize(
                params.client_id.as_deref(),
                params.code_challenge.as_deref(),
                params.code_challenge_method.map(|m| m.as_str()),
                params.nonce.as_deref(),
                params.prompt.as_deref(),
                params.redirect_uri.as_deref(),
                params.client_id.as_ref().map(|_| "code"),
                params.scope.as_deref(),
                params.state.as_deref(),
                params.sub_type.map(|s| s.as_str()),
                &bearer,
            )
            .await;
        match result {
            Ok(response) => Ok(response.into_inner()),
            Err(e) => Err(self.convert::<AuthorizeResponse>(e, AUTHORIZE).await),
        }
    }

    /// `POST /v1/oauth2/token` with any grant. Never sends an `Authorization` header.
    ///
    /// Not retried by this crate: an authorization code is single-use, and a request that
    /// reached the server may have consumed it.
    pub async fn request_token(&self, request: &TokenRequest) -> Result<Token, Error> {
        match self.api.oauth2_request_token(request).await {
            Ok(response) => Ok(response.into_inner()),
            Err(e) => Err(self.convert::<Token>(e, REQUEST_TOKEN).await),
        }
    }

    /// Exchange an authorization code (RFC 6749 §4.1.3), with the PKCE verifier if the
    /// authorization request had a challenge (always, for public clients).
    pub async fn exchange_code(
        &self,
        credentials: &ClientCredentials,
        code: AuthorizationCode,
        redirect_uri: &str,
        code_verifier: Option<PkceCodeVerifier>,
    ) -> Result<Token, Error> {
        let mut grant = AuthorizationCodeGrant::new(credentials.clone(), code, redirect_uri);
        if let Some(verifier) = code_verifier {
            grant = grant.code_verifier(verifier);
        }
        self.request_token(&grant.into()).await
    }

    /// Refresh (RFC 6749 §6). Polar revokes `refresh_token` and returns a new one: store it.
    pub async fn refresh(
        &self,
        credentials: &ClientCredentials,
        refresh_token: &RefreshToken,
    ) -> Result<Token, Error> {
        let grant = RefreshTokenGrant::new(credentials.clone(), refresh_token.clone());
        self.request_token(&grant.into()).await
    }

    /// Turn the generated client's error into this crate's, reading the body of an
    /// unsuccessful response.
    async fn convert<T: DeserializeOwned>(
        &self,
        error: progenitor_client::Error<()>,
        operation: &'static str,
    ) -> Error {
        let timeout = self.api.inner.timeout;
        match error {
            progenitor_client::Error::InvalidRequest(m) | progenitor_client::Error::Custom(m) => {
                Error::InvalidRequest(m)
            }
            progenitor_client::Error::CommunicationError(e)
            | progenitor_client::Error::InvalidUpgrade(e)
            | progenitor_client::Error::ResponseBodyError(e) => Error::from_reqwest(e, timeout),
            progenitor_client::Error::InvalidResponsePayload(body, e) => {
                Error::decode::<T>(operation, Some(StatusCode::OK), &body, &e)
            }
            progenitor_client::Error::ErrorResponse(response) => {
                Error::from_response(response.status(), response.headers(), b"")
            }
            progenitor_client::Error::UnexpectedResponse(response) => {
                let status = response.status();
                let headers = response.headers().clone();
                match read_capped(response, ERROR_BODY_CAP).await {
                    Ok(body) if status.is_success() => Error::decode::<T>(
                        operation,
                        Some(status),
                        &body,
                        &serde::de::Error::custom(format!(
                            "unexpected status {status} for a successful response"
                        )),
                    ),
                    Ok(body) => Error::from_response(status, &headers, &body),
                    Err(e) => Error::from_reqwest(e, timeout),
                }
            }
        }
    }
}

/// Error bodies are read only for an excerpt and the OAuth2 fields: 64 KiB is plenty.
const ERROR_BODY_CAP: usize = 64 * 1024;

async fn read_capped(
    mut response: reqwest::Response,
    cap: usize,
) -> Result<Vec<u8>, reqwest::Error> {
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

impl ClientHooks<Hooks> for generated::Client {
    /// Header hygiene for every request: our user agent; `Polar-Version` when configured;
    /// progenitor's `api-version` (the spec's `info.version`, which Polar's server ignores)
    /// removed; the bearer header marked sensitive (never printed by `Debug`); no
    /// `Authorization` on token requests, whatever put it there.
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        let hooks = &self.inner;
        let headers = request.headers_mut();
        headers.remove(API_VERSION);
        headers.insert(USER_AGENT, hooks.user_agent.clone());
        if let Some(version) = &hooks.polar_version {
            headers.insert(POLAR_VERSION, version.clone());
        }
        if info.operation_id == REQUEST_TOKEN_METHOD {
            headers.remove(AUTHORIZATION);
        } else if let Some(value) = headers.get_mut(AUTHORIZATION) {
            value.set_sensitive(true);
        }
        if let Some(timeout) = hooks.timeout {
            *request.timeout_mut() = Some(timeout);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_must_be_https_unless_loopback() {
        assert!(validate_base_url("https://api.polar.sh/", false).is_ok());
        assert!(validate_base_url("http://127.0.0.1:8080", false).is_ok());
        assert!(validate_base_url("http://localhost:1", false).is_ok());
        assert!(validate_base_url("http://[::1]:1", false).is_ok());
        let e = validate_base_url("http://example.com", false).unwrap_err();
        assert!(e.to_string().contains("allow_insecure_http"), "{e}");
        assert!(validate_base_url("http://example.com", true).is_ok());
        assert!(validate_base_url("ftp://example.com", true).is_err());
    }

    #[test]
    fn base_url_loses_its_trailing_slash() {
        assert_eq!(
            validate_base_url("https://api.polar.sh/", false).unwrap(),
            "https://api.polar.sh"
        );
    }
}
