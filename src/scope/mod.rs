//! OAuth2 scopes: an open enum generated from the spec's `Scope` schema (a value this build does
//! not know is kept, RFC 6749 §3.3), scope sets, and the display names of Polar's consent page.

mod display_names;
mod set;
#[cfg(test)]
mod tests;
mod value;

pub use display_names::ScopeDisplayNames;
pub use set::ScopeSet;
pub(crate) use set::WireStr;
pub use value::{InvalidScope, Scope};
