//! OAuth2 scopes: an open enum, scope sets, and the display names Polar shows on its consent page.
//!
//! The known scopes and their display names come from the spec's `Scope` schema (`enum` and
//! `enumNames`), generated into `OUT_DIR/scopes.rs` at build time. Polar adds scopes about
//! monthly; a value this build does not know decodes as [`Scope::Unknown`] instead of failing
//! the whole response (RFC 6749 §3.3 scope tokens are open-ended).

mod display_names;
mod set;
#[cfg(test)]
mod tests;
mod value;

pub use display_names::ScopeDisplayNames;
pub use set::ScopeSet;
pub(crate) use set::WireStr;
pub use value::{InvalidScope, Scope};
