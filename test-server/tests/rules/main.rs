//! The embedded server's rules, one module per operation or capability, each as Polar's
//! server applies it (`server/polar/oauth2/` in polarsource/polar), over real HTTP on
//! 127.0.0.1: raw requests where the library would hide the answer, the library's `Client`
//! where it shows it. A new rule's test goes in its operation's module; a helper that more
//! than one module needs goes in `support.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

mod authorize;
mod client_authentication;
mod code_grant;
mod commit_lag;
mod connections;
mod consent;
mod discovery;
mod every_route;
mod facade;
mod grant_scopes;
mod id_tokens;
mod introspect;
mod organizations;
mod pkce;
mod refresh;
mod registration;
mod registration_validation;
mod revoke;
mod userinfo;
mod web_session;
