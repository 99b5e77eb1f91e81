//! The OAuth2 operations beyond the token and consent calls, one file per family: revocation
//! (RFC 7009), introspection (RFC 7662), OpenID Connect userinfo, client registration (RFC
//! 7591/7592). The calls are methods of [`Client`](crate::Client).

pub mod clients;
pub mod introspect;
pub mod revoke;
pub mod userinfo;
