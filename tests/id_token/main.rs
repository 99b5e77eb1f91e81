//! ID token verification over real HTTP: a loopback provider serves the discovery document and
//! a JWKS of fake RSA keys generated for these tests; tokens are signed here with the private
//! keys. One module each for the claims, the signature and the fetching of keys.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../support/mod.rs"]
mod support;

mod claims;
mod fixtures;
mod keys;
mod signatures;
