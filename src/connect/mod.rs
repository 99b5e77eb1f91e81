//! The app's job: finishing the callback in one call ([`Connector`]) and keeping every user's
//! token ([`Tokens`] over a [`TokenStore`]); their errors convert to the status an app
//! answers with (`impl From<_> for http::StatusCode`).

mod callback;
mod connect_error;
mod file_store;
mod slots;
mod status;
mod store;
mod tokens;
mod tokens_error;

pub use callback::{Connection, Connector};
pub use connect_error::ConnectError;
pub use file_store::FileStore;
pub use store::{MemoryStore, TokenStore};
pub use tokens::Tokens;
pub use tokens_error::TokensError;
