//! A valid access token on demand: refreshed when it is about to expire, once for all callers.
//!
//! Polar rotates refresh tokens: a refresh revokes the refresh token it used (RFC 6749 §6,
//! "the authorization server MAY issue a new refresh token"). Two concurrent refreshes with the
//! same refresh token therefore make one of them fail with `invalid_grant`, and a new token that
//! is not stored before it is used is lost at the next restart. A [`TokenSource`] refreshes
//! *once* for every caller waiting (single-flight), hands the new token to the app's
//! [`on_refresh`](TokenSourceBuilder::on_refresh) callback to persist, and only then gives the
//! new access token out. The refresh runs on a task of its own: once the request may have
//! reached Polar, its answer is read and persisted even if every caller has gone away.
//!
//! A failed refresh does not take a still-valid token away: callers keep getting it until it
//! expires, and no new refresh is tried before a back-off (at least the server's `Retry-After`)
//! has passed ([`refresh_backoff`](TokenSourceBuilder::refresh_backoff)).
//!
//! A token source holds one grant: a service acting for one user or organization. An app with
//! many users keeps them in [`Tokens`](crate::Tokens), which runs one token source per
//! connected user over a [`TokenStore`](crate::TokenStore) and adds a race-free disconnect.

mod builder;
mod error;
mod refresh;
mod source;

pub use builder::{DEFAULT_REFRESH_MARGIN, TokenSourceBuilder};
pub use error::{PersistError, TokenSourceError};
pub use source::TokenSource;
