//! Token requests (the `grant_type` union, form-encoded) and the token response.
//!
//! `POST /v1/oauth2/token` takes `application/x-www-form-urlencoded` (RFC 6749 §4.1.3, §6).
//! Polar authenticates a client by the method it was registered with (RFC 6749 §2.3.1):
//! `client_secret_post` (the default: the secret in the form body), `client_secret_basic`
//! (`Authorization: Basic`), or `none` (a public client: no secret, PKCE, RFC 7636 §4.5).

mod credentials;
mod grant;
mod json;
mod request;
mod response;
#[cfg(test)]
mod tests;

pub use credentials::ClientCredentials;
pub use grant::{AuthorizationCodeGrant, RefreshTokenGrant, WebGrant};
pub use request::TokenRequest;
pub use response::{Token, TokenType};
