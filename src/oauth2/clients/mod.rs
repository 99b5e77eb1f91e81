//! Client registration (RFC 7591) and management (RFC 7592): `POST /v1/oauth2/register` and
//! `GET|PUT|DELETE /v1/oauth2/register/{client_id}`.

mod auth_method;
mod registered;
mod registration;

pub use auth_method::TokenEndpointAuthMethod;
pub use registered::RegisteredClient;
pub use registration::{ClientRegistration, ClientUpdate};
