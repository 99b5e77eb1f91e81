#![doc = include_str!("crate-docs.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

pub mod authorization;
pub mod authorize;
pub mod client;
pub mod connect;
pub mod error;
pub mod generated;
pub mod id_token;
pub mod oauth2;
pub mod retry;
pub mod scope;
pub mod secret;
pub mod tls;
pub mod token;
pub mod token_source;

pub use authorization::{
    AuthorizationError, AuthorizationRequest, CallbackError, CsrfToken, PendingAuthorization,
    parse_callback,
};
pub use authorize::{AuthorizeParams, AuthorizeResponse, PkceMethod, SubType};
pub use client::{Client, ClientBuilder, ClientManagement, POLAR_VERSIONS, SESSION_COOKIE, Server};
pub use connect::{
    ConnectError, Connection, Connector, FileStore, MemoryStore, TokenStore, Tokens, TokensError,
};
pub use error::{Error, OAuthError, OAuthErrorCode, PolarError};
pub use id_token::{IdTokenClaims, IdTokenError, IdTokenVerifier};
pub use oauth2::clients::{
    ClientRegistration, ClientUpdate, RegisteredClient, TokenEndpointAuthMethod,
};
pub use oauth2::introspect::{ActiveToken, InactiveToken, IntrospectedTokenType, Introspection};
pub use oauth2::revoke::IssuedToken;
pub use oauth2::userinfo::UserInfo;
pub use retry::RetryPolicy;
pub use scope::{Scope, ScopeDisplayNames, ScopeSet};
pub use secret::{
    AccessToken, AuthorizationCode, ClientSecret, IdToken, OpaqueToken, PkceCodeVerifier,
    RefreshToken, RegistrationAccessToken, SessionToken,
};
pub use tls::install_crypto_provider;
pub use token::{
    AuthorizationCodeGrant, ClientCredentials, RefreshTokenGrant, Token, TokenRequest, TokenType,
    WebGrant,
};
pub use token_source::{TokenSource, TokenSourceBuilder, TokenSourceError};
