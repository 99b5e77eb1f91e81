//! Where every user's token is kept between requests and restarts: [`TokenStore`], keyed by the
//! app's own user key, and [`MemoryStore`] for tests and single-process apps.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::sync::{Mutex, PoisonError};

use crate::token::Token;

/// Storage for users' tokens, keyed by the app's own user key (its user ID, or the ID token's
/// `sub`). [`Tokens`](crate::Tokens) calls it: [`Self::save`] after a connect and after every
/// refresh (before the new access token is handed out: the old refresh token is revoked by
/// then), [`Self::delete`] on disconnect, [`Self::load`] once per key and process.
///
/// Store the whole [`Token`] (its serde form holds every secret and the absolute expiry);
/// encrypt it at rest if the storage is shared. Implementations: [`MemoryStore`],
/// [`FileStore`](crate::FileStore), or the app's database:
///
/// ```
/// use std::collections::HashMap;
/// use std::sync::Mutex;
/// use polar_oauth2::{Token, TokenStore};
///
/// /// Stands for the app's database: one row per user, the token's JSON in a column.
/// #[derive(Default)]
/// struct Db(Mutex<HashMap<String, String>>);
///
/// #[derive(Debug)]
/// struct DbError(String);
/// impl std::fmt::Display for DbError {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(&self.0) }
/// }
/// impl std::error::Error for DbError {}
///
/// impl TokenStore for Db {
///     type Error = DbError;
///     // `SELECT token FROM polar_tokens WHERE user_id = $1`
///     async fn load(&self, key: &str) -> Result<Option<Token>, DbError> {
///         let row = self.0.lock().map_err(|e| DbError(e.to_string()))?.get(key).cloned();
///         row.map(|json| serde_json::from_str(&json).map_err(|e| DbError(e.to_string()))).transpose()
///     }
///     // `INSERT … ON CONFLICT (user_id) DO UPDATE SET token = $2`
///     async fn save(&self, key: &str, token: &Token) -> Result<(), DbError> {
///         let json = serde_json::to_string(token).map_err(|e| DbError(e.to_string()))?;
///         self.0.lock().map_err(|e| DbError(e.to_string()))?.insert(key.to_owned(), json);
///         Ok(())
///     }
///     // `DELETE FROM polar_tokens WHERE user_id = $1`
///     async fn delete(&self, key: &str) -> Result<(), DbError> {
///         self.0.lock().map_err(|e| DbError(e.to_string()))?.remove(key);
///         Ok(())
///     }
/// }
/// # let _ = polar_oauth2::Tokens::new(polar_oauth2::Client::new(polar_oauth2::Server::Sandbox)?,
/// #     polar_oauth2::ClientCredentials::public("polar_ci_x"), Db::default());
/// # Ok::<(), polar_oauth2::Error>(())
/// ```
pub trait TokenStore: Send + Sync + 'static {
    /// Why storage failed (its message must hold no token).
    type Error: std::error::Error + Send + Sync + 'static;

    /// The token stored for `key`, if any.
    fn load(&self, key: &str) -> impl Future<Output = Result<Option<Token>, Self::Error>> + Send;

    /// Store `token` for `key`, replacing any other. Return only once it is durable: the
    /// refresh token it replaces no longer works.
    fn save(
        &self,
        key: &str,
        token: &Token,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Forget `key`'s token (nothing to do if there is none).
    ///
    /// ```
    /// use polar_oauth2::{MemoryStore, Token, TokenStore};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let store = MemoryStore::new();
    /// let token: Token = serde_json::from_str(
    ///     r#"{"access_token": "polar_at_u_test", "token_type": "Bearer", "expires_in": 3600,
    ///         "scope": "openid"}"#,
    /// )?;
    /// store.save("user-42", &token).await?;
    /// store.delete("user-42").await?;
    /// assert!(store.load("user-42").await?.is_none());
    /// # Ok(()) }
    /// ```
    fn delete(&self, key: &str) -> impl Future<Output = Result<(), Self::Error>> + Send;
}

/// Tokens in this process's memory: for tests, and for apps whose users connect again after a
/// restart.
///
/// ```
/// use polar_oauth2::{Client, ClientCredentials, MemoryStore, Server, Tokens};
///
/// let tokens = Tokens::new(
///     Client::new(Server::Sandbox)?,
///     ClientCredentials::public("polar_ci_example"),
///     MemoryStore::new(),
/// );
/// # let _ = tokens;
/// # Ok::<(), polar_oauth2::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct MemoryStore {
    tokens: Mutex<HashMap<String, Token>>,
}

impl MemoryStore {
    /// An empty store.
    ///
    /// ```
    /// use polar_oauth2::{MemoryStore, Token, TokenStore};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// // Lost on restart: for tests and tools that run in one process.
    /// let store = MemoryStore::new();
    /// let token: Token = serde_json::from_str(
    ///     r#"{"access_token": "polar_at_u_test", "token_type": "Bearer", "expires_in": 3600,
    ///         "scope": "openid"}"#,
    /// )?;
    /// store.save("user-42", &token).await?;
    /// assert!(store.load("user-42").await?.is_some());
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn with<R>(&self, f: impl FnOnce(&mut HashMap<String, Token>) -> R) -> R {
        // Nothing panics under the lock, so a poisoned map is still consistent.
        f(&mut self.tokens.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl TokenStore for MemoryStore {
    type Error = Infallible;

    async fn load(&self, key: &str) -> Result<Option<Token>, Infallible> {
        Ok(self.with(|tokens| tokens.get(key).cloned()))
    }

    async fn save(&self, key: &str, token: &Token) -> Result<(), Infallible> {
        self.with(|tokens| tokens.insert(key.to_owned(), token.clone()));
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), Infallible> {
        self.with(|tokens| tokens.remove(key));
        Ok(())
    }
}
