//! The refresh machinery: one attempt at a time for every caller (single-flight), run on a task
//! of its own, persisted before it is handed out, and backed off after a failure.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::client::Client;
use crate::error::{Error, OAuthErrorCode};
use crate::retry::RetryPolicy;
use crate::token::{ClientCredentials, Token};

use super::error::{PersistError, TokenSourceError};

pub(super) type Persist = Arc<
    dyn Fn(Token) -> Pin<Box<dyn Future<Output = Result<(), PersistError>> + Send>> + Send + Sync,
>;

/// What the callers waiting for one attempt get.
pub(super) type Outcome = Result<Token, TokenSourceError>;

pub(super) struct Inner {
    pub(super) client: Client,
    pub(super) credentials: ClientCredentials,
    pub(super) margin: Duration,
    pub(super) backoff: RetryPolicy,
    pub(super) persist: Option<Persist>,
    pub(super) state: Mutex<State>,
}

impl Inner {
    /// The state. It is never held across an `await` and nothing under it panics, so a
    /// poisoned lock still guards a consistent state.
    pub(super) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

pub(super) struct State {
    /// The grant: the newest token; its refresh token is the one to use next.
    pub(super) token: Token,
    /// `false` between a refresh and a successful `on_refresh`.
    pub(super) persisted: bool,
    /// The last refresh failure, until a refresh succeeds; final when it is `invalid_grant`.
    pub(super) failure: Option<TokenSourceError>,
    /// Refresh failures in a row (the back-off grows with them).
    pub(super) failures: u32,
    /// No refresh is attempted before this instant.
    pub(super) retry_at: Option<Instant>,
    /// The outcome of the attempt in flight, if there is one.
    pub(super) running: Option<watch::Receiver<Option<Outcome>>>,
    /// Refresh at the next call whatever the expiry says (a 401, or a test forcing it).
    pub(super) stale: bool,
}

impl State {
    /// The current token, if it may be handed out: stored and not expired.
    fn usable(&self) -> Option<Token> {
        (self.persisted && !self.stale && !self.token.is_expired()).then(|| self.token.clone())
    }

    /// Whether the next call must refresh first.
    fn due(&self, margin: Duration) -> bool {
        self.stale || self.token.expires_within(margin)
    }
}

/// What a caller does next.
enum Next {
    Done(Outcome),
    /// Wait for the attempt in flight.
    Wait(watch::Receiver<Option<Outcome>>),
    /// Run the attempt first: there is no Tokio runtime to run it on a task of its own.
    Run(
        Pin<Box<dyn Future<Output = ()> + Send>>,
        watch::Receiver<Option<Outcome>>,
    ),
}

impl Inner {
    /// The token at hand, or the outcome of the attempt this call starts or waits for.
    pub(super) async fn token(self: &Arc<Self>) -> Outcome {
        let next = self.next(&mut self.lock());
        let mut running = match next {
            Next::Done(outcome) => return outcome,
            Next::Wait(running) => running,
            Next::Run(attempt, running) => {
                attempt.await;
                running
            }
        };
        let outcome = match running.wait_for(Option::is_some).await {
            Ok(outcome) => outcome.clone(),
            Err(_) => None,
        };
        outcome.unwrap_or_else(|| {
            // The attempt was dropped unfinished: forget it, so that the next call starts one.
            let mut state = self.lock();
            if state
                .running
                .as_ref()
                .is_some_and(|r| r.same_channel(&running))
            {
                state.running = None;
            }
            Err(TokenSourceError::Interrupted)
        })
    }

    /// The token at hand, the attempt to wait for, or a new attempt.
    fn next(self: &Arc<Self>, state: &mut State) -> Next {
        if state.persisted && !state.due(self.margin) {
            return Next::Done(Ok(state.token.clone()));
        }
        if let Some(running) = &state.running {
            return Next::Wait(running.clone());
        }
        if let Some(failure @ TokenSourceError::ReconnectRequired(_)) = &state.failure {
            return Next::Done(Err(failure.clone()));
        }
        if state.persisted && state.token.refresh_token().is_none() {
            return Next::Done(state.usable().ok_or(TokenSourceError::NoRefreshToken));
        }
        if let (Some(retry_at), Some(failure)) = (state.retry_at, &state.failure)
            && Instant::now() < retry_at
        {
            return Next::Done(state.usable().ok_or_else(|| failure.clone()));
        }
        let (done, running) = watch::channel(None);
        state.running = Some(running.clone());
        let inner = Arc::clone(self);
        let attempt = async move {
            let outcome = inner.attempt().await;
            done.send_replace(Some(outcome));
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                // Not awaited by the caller: it finishes (and persists) if the caller goes away.
                drop(runtime.spawn(attempt));
                Next::Wait(running)
            }
            Err(_) => Next::Run(Box::pin(attempt), running),
        }
    }

    /// One attempt: refresh if still needed, then persist what is not persisted yet. The
    /// outcome for every caller that waited.
    async fn attempt(&self) -> Outcome {
        let outcome = self.refresh_and_persist().await;
        let mut state = self.lock();
        state.running = None;
        match outcome {
            Ok(()) => Ok(state.token.clone()),
            // A blip at the token endpoint is no outage while the current token is valid.
            Err(e @ TokenSourceError::Refresh(_)) => state.usable().ok_or(e),
            Err(e) => Err(e),
        }
    }

    async fn refresh_and_persist(&self) -> Result<(), TokenSourceError> {
        let refresh_token = {
            let state = self.lock();
            if state.due(self.margin) {
                let refresh_token = state.token.refresh_token().cloned();
                Some(refresh_token.ok_or(TokenSourceError::NoRefreshToken)?)
            } else {
                None
            }
        };
        if let Some(refresh_token) = refresh_token {
            let refreshed = self.client.refresh(&self.credentials, &refresh_token).await;
            self.record(refreshed)?;
        }
        let token = {
            let state = self.lock();
            if state.persisted {
                return Ok(());
            }
            state.token.clone()
        };
        if let Some(persist) = &self.persist {
            persist(token).await.map_err(TokenSourceError::Persist)?;
        }
        self.lock().persisted = true;
        Ok(())
    }

    /// Keep a refresh's outcome: the new token (whose refresh token replaces the old one), or
    /// the failure and the back-off it starts.
    fn record(&self, refreshed: Result<Token, Error>) -> Result<(), TokenSourceError> {
        let mut state = self.lock();
        match refreshed {
            Ok(token) => {
                state.token = token;
                state.stale = false;
                state.persisted = false;
                state.failure = None;
                state.failures = 0;
                state.retry_at = None;
                Ok(())
            }
            Err(e) => {
                let retry_after = e.retry_after();
                let failure = if is_invalid_grant(&e) {
                    TokenSourceError::ReconnectRequired(Arc::new(e))
                } else {
                    TokenSourceError::Refresh(Arc::new(e))
                };
                state.failures = state.failures.saturating_add(1);
                let pause = self.backoff.pause_after(state.failures, retry_after);
                state.retry_at = Instant::now().checked_add(pause);
                state.failure = Some(failure.clone());
                Err(failure)
            }
        }
    }
}

fn is_invalid_grant(error: &Error) -> bool {
    error
        .as_oauth()
        .is_some_and(|e| e.code == OAuthErrorCode::InvalidGrant)
}
