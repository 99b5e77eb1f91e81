//! `GET /v1/oauth2/authorize`: the consent data behind Polar's authorization page, a union chosen
//! by `sub_type` that this crate decodes itself (typify ignores the spec's `discriminator`).

mod params;
mod response;
mod sub_type;
#[cfg(test)]
mod tests;

pub use params::{AuthorizeParams, PkceMethod};
pub use response::AuthorizeResponse;
pub use sub_type::SubType;
