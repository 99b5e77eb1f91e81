//! The OAuth2 operations beyond the token and consent calls, one file per family: revocation
//! (RFC 7009), introspection (RFC 7662), OpenID Connect userinfo, and client registration
//! (RFC 7591/7592). Each holds the types the generated client cannot get right by itself; the
//! calls are methods of [`Client`](crate::Client).

pub mod clients;
pub mod introspect;
pub mod revoke;
pub mod userinfo;
