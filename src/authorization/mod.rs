//! The browser step of the authorization code flow: the URL the user is sent to, and the URL
//! Polar redirects back to (RFC 6749 §4.1.1–§4.1.2, PKCE per RFC 7636).
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use polar_oauth2::{AuthorizationRequest, parse_callback};
//! use polar_oauth2::{Scope, Server};
//!
//! // 1. Send the user's browser to `pending.url()`; keep `state` and the PKCE verifier in the
//! //    user's session (they are never sent anywhere else).
//! let pending = AuthorizationRequest::new(&Server::Sandbox, "polar_ci_…", "https://app.example/callback")
//!     .scope(Scope::Openid)
//!     .scope(Scope::Email)
//!     .build()?;
//! println!("open {}", pending.url());
//!
//! // 2. Polar redirects to `https://app.example/callback?code=…&state=…`; check it.
//! # let redirected_to = "https://app.example/callback?code=polar_ac_x&state=y";
//! let code = parse_callback(redirected_to, pending.state())?;
//! // 3. Exchange `code` with `Client::exchange_code`, passing `pending.pkce_verifier()`.
//! # let _ = code; Ok(()) }
//! ```
//!
//! State and PKCE are on by default: `state` is a fresh 256-bit random value checked in
//! constant time, and the challenge is `S256` ([`PkceMethod::Plain`] only when asked for).

mod callback;
mod pending;
mod pkce;
mod request;
mod state;
mod stored;
#[cfg(test)]
mod tests;

pub use callback::{AuthorizationError, CallbackError, parse_callback};
pub use pending::PendingAuthorization;
pub use request::{AuthorizationRequest, PRODUCTION_AUTHORIZE_URL, SANDBOX_AUTHORIZE_URL};
pub use state::CsrfToken;
