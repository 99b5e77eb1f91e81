//! What the server's handlers, its accept loop and the [`TestServer`] handle share: the
//! state behind one lock, the base URL and the connection limits.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crate::constants::MAX_BODY;
use crate::state::Inner;
#[cfg(doc)]
use crate::{TestServer, TestServerBuilder};

/// The connection limits of a server (see [`TestServerBuilder`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) header_read_timeout: Duration,
    pub(crate) body_read_timeout: Duration,
    pub(crate) max_body_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(10),
            max_body_bytes: MAX_BODY,
        }
    }
}

/// What every handler shares.
pub(crate) struct Shared {
    pub(crate) inner: Mutex<Inner>,
    pub(crate) base_url: String,
    pub(crate) limits: Limits,
}

impl Shared {
    /// A panic while holding the lock cannot leave the maps half-updated in a way that matters
    /// to a test server: keep serving.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
