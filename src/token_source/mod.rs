//! A valid access token on demand for one grant: refreshed when it is about to expire, once
//! for all callers, persisted before it is handed out.

mod builder;
mod error;
mod refresh;
mod source;

pub use builder::{DEFAULT_REFRESH_MARGIN, TokenSourceBuilder};
pub use error::{PersistError, TokenSourceError};
pub use source::TokenSource;
