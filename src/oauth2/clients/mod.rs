//! Client registration (RFC 7591) and management (RFC 7592): `POST /v1/oauth2/register` and
//! `GET|PUT|DELETE /v1/oauth2/register/{client_id}`.
//!
//! Polar registers clients anonymously (RFC 7591 open registration; its server refuses personal
//! access tokens and OAuth2 tokens here since 2026-04, although its spec still lists `oidc` and
//! `pat`). Managing a client takes the client's own [`RegistrationAccessToken`] (RFC 7592 §3),
//! returned once by registration (or the web session of the user who registered it). The
//! response carries the client's secret ([`ClientSecret`]): store it with the registration
//! token.
//!
//! The request types send only what was set: a field left out gets the server's default (the
//! spec's defaults are listed in the snapshot; `default_sub_type` changed from `organization` to
//! `user` on 2026-08-20, so set it when it matters).

mod auth_method;
mod registered;
mod registration;

pub use auth_method::TokenEndpointAuthMethod;
pub use registered::RegisteredClient;
pub use registration::{ClientRegistration, ClientUpdate};
