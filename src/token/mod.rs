//! `POST /v1/oauth2/token` (RFC 6749 §4.1.3, §6): the client's credentials, the grants, the
//! form-encoded request, and the token response with its stored form.

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
