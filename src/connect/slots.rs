//! Each user's slot: the lock and generation that order a connect, a refresh's save and a
//! disconnect, and the user's token source, loaded from the store at first use.

use std::collections::HashMap;
use std::error::Error as StdError;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use super::store::TokenStore;
use super::tokens_error::{Superseded, TokensError};
use crate::client::Client;
use crate::error::Error;
use crate::token::{ClientCredentials, Token};
use crate::token_source::TokenSource;

pub(super) struct Shared<S> {
    pub(super) client: Client,
    pub(super) credentials: ClientCredentials,
    /// Shared with the refreshes in flight, which may outlive this manager.
    pub(super) store: Arc<S>,
    pub(super) margin: Duration,
    /// One slot per key used since start (a few hundred bytes each); a slot is never replaced
    /// or removed, so that one key has one lock and one token source.
    pub(super) slots: Mutex<HashMap<String, Arc<Slot>>>,
    pub(super) generations: AtomicU64,
}

/// A user's loaded grant, behind the lock that orders connect, save and disconnect.
#[derive(Default)]
pub(super) struct Slot {
    pub(super) loaded: tokio::sync::Mutex<Option<Loaded>>,
}

pub(super) struct Loaded {
    pub(super) generation: u64,
    pub(super) source: TokenSource,
}

impl<S: TokenStore> Shared<S> {
    pub(super) fn slot(&self, key: &str) -> Arc<Slot> {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(slots.entry(key.to_owned()).or_default())
    }

    /// `key`'s token source, loaded from the store at first use.
    pub(super) async fn source(&self, key: &str) -> Result<TokenSource, TokensError> {
        let slot = self.slot(key);
        let mut loaded = slot.loaded.lock().await;
        if let Some(loaded) = &*loaded {
            return Ok(loaded.source.clone());
        }
        let token = self
            .store
            .load(key)
            .await
            .map_err(TokensError::storage)?
            .ok_or(TokensError::NotConnected)?;
        let source = loaded.insert(self.load(&slot, key, token)).source.clone();
        Ok(source)
    }

    /// A new generation of `key`'s grant, saving each refreshed token while it is current.
    pub(super) fn load(&self, slot: &Arc<Slot>, key: &str, token: Token) -> Loaded {
        let generation = self.generations.fetch_add(1, Ordering::Relaxed);
        let refresh = Refresh {
            store: Arc::clone(&self.store),
            slot: Arc::downgrade(slot),
            client: self.client.clone(),
            credentials: self.credentials.clone(),
            key: key.to_owned(),
            generation,
        };
        let source = TokenSource::builder(self.client.clone(), self.credentials.clone(), token)
            .refresh_margin(self.margin)
            .on_refresh(move |token: Token| refresh.clone().save(token))
            .build();
        Loaded { generation, source }
    }
}

/// Where a refresh of one generation of a user's grant saves its token. It holds no
/// reference to the manager (a refresh runs on a task of its own and may outlive it).
struct Refresh<S> {
    store: Arc<S>,
    slot: Weak<Slot>,
    client: Client,
    credentials: ClientCredentials,
    key: String,
    generation: u64,
}

impl<S> Clone for Refresh<S> {
    fn clone(&self) -> Self {
        Self {
            store: Arc::clone(&self.store),
            slot: Weak::clone(&self.slot),
            client: self.client.clone(),
            credentials: self.credentials.clone(),
            key: self.key.clone(),
            generation: self.generation,
        }
    }
}

impl<S: TokenStore> Refresh<S> {
    /// Store `token` if its generation is still the user's; else revoke it.
    async fn save(self, token: Token) -> Result<(), Box<dyn StdError + Send + Sync>> {
        let Some(slot) = self.slot.upgrade() else {
            // The manager is gone (the app shutting down): nobody can disconnect any more,
            // and the old refresh token is spent, so the new one must be kept.
            return Ok(self.store.save(&self.key, &token).await?);
        };
        let loaded = slot.loaded.lock().await;
        if loaded.as_ref().map(|l| l.generation) == Some(self.generation) {
            return Ok(self.store.save(&self.key, &token).await?);
        }
        drop(loaded);
        // Best effort: the user asked to be disconnected; the grant expires on its own otherwise.
        let _ = revoke(&self.client, &self.credentials, &token).await;
        Err(Box::new(Superseded))
    }
}

/// Revoke the grant `token` belongs to: its refresh token, else its access token.
pub(super) async fn revoke(
    client: &Client,
    credentials: &ClientCredentials,
    token: &Token,
) -> Result<(), Error> {
    match token.refresh_token() {
        Some(refresh_token) => client.revoke(credentials, refresh_token).await,
        None => client.revoke(credentials, token.access_token()).await,
    }
}
