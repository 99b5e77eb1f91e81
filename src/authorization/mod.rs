//! The browser step of the authorization code flow (RFC 6749 §4.1.1–§4.1.2, PKCE per RFC
//! 7636): the URL the user is sent to, what the session keeps, and the redirect back.

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
