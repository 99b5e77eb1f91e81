//! `GET /v1/oauth2/authorize`: the consent data behind Polar's authorization page.
//!
//! The response is a union chosen by `sub_type` (the spec's `discriminator`). typify ignores
//! discriminators (an organization payload with `sub: null` would decode as the user arm), so
//! this crate decodes it itself: the tag decides, in one pass over the input (see
//! [`AuthorizeResponse`]'s `Deserialize`).

mod params;
mod response;
mod sub_type;
#[cfg(test)]
mod tests;

pub use params::{AuthorizeParams, PkceMethod};
pub use response::AuthorizeResponse;
pub use sub_type::SubType;
