#![doc = include_str!("crate-docs.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

mod authorization;
mod authorize;
mod client;
mod connect;
mod error;
/// The client progenitor generated from `spec/`, unedited: an escape hatch for an operation
/// the facade does not wrap yet ([`Client::generated`]). Its requests go through the same hooks
/// as the facade's (headers, limits, retries), but it returns progenitor's error type and takes
/// credentials as header values (`Bearer …`, `polar_session=…`); prefer the facade's calls.
pub mod generated;
mod id_token;
mod oauth2;
mod redact;
mod retry;
mod scope;
mod secret;
#[cfg(test)]
mod spec_coverage;
mod tls;
mod token;
mod token_source;

pub use authorization::{
    AuthorizationError, AuthorizationRequest, CallbackError, CsrfToken, PRODUCTION_AUTHORIZE_URL,
    PendingAuthorization, SANDBOX_AUTHORIZE_URL, parse_callback,
};
pub use authorize::{AuthorizeParams, AuthorizeResponse, PkceMethod, SubType};
#[cfg(fuzzing)]
pub use client::fuzzing;
pub use client::{
    Client, ClientBuilder, ClientManagement, DEFAULT_MAX_CONCURRENT_REQUESTS,
    DEFAULT_MAX_RESPONSE_BODY, DEFAULT_TIMEOUT, POLAR_VERSIONS, SESSION_COOKIE, Server,
};
pub use connect::{
    ConnectError, Connection, Connector, FileStore, MemoryStore, TokenStore, Tokens, TokensError,
};
pub use error::{
    DecodeError, Error, HttpError, OAuthError, OAuthErrorCode, PolarError, TimeoutError,
    TransportError, ValidationError, ValidationIssue,
};
pub use id_token::{
    DEFAULT_KEY_SET_LIFETIME, DEFAULT_KEY_SET_LIFETIME_BOUNDS, DEFAULT_LEEWAY,
    DEFAULT_REFETCH_COOLDOWN, IdTokenClaims, IdTokenError, IdTokenVerifier, POLAR_ISSUER,
};
pub use oauth2::clients::{
    ClientRegistration, ClientUpdate, RegisteredClient, TokenEndpointAuthMethod,
};
pub use oauth2::introspect::{ActiveToken, InactiveToken, IntrospectedTokenType, Introspection};
pub use oauth2::revoke::IssuedToken;
pub use oauth2::userinfo::UserInfo;
pub use retry::RetryPolicy;
pub use scope::{InvalidScope, Scope, ScopeDisplayNames, ScopeSet};
pub use secret::{
    AccessToken, AuthorizationCode, ClientSecret, IdToken, OpaqueToken, PkceCodeVerifier,
    RefreshToken, RegistrationAccessToken, SessionToken,
};
pub use tls::install_crypto_provider;
pub use token::{
    AuthorizationCodeGrant, ClientCredentials, RefreshTokenGrant, Token, TokenRequest, TokenType,
    WebGrant,
};
pub use token_source::{
    DEFAULT_REFRESH_MARGIN, PersistError, TokenSource, TokenSourceBuilder, TokenSourceError,
};

/// The README's examples, compiled and run as doctests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
