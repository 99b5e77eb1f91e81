//! Every user's token ([`Tokens`] over a [`TokenStore`]): one refresh per user at a time,
//! persisted before use, surviving the cancellation of the caller that started it, and a
//! disconnect that no refresh in flight can undo, against a scripted token endpoint that rotates
//! refresh tokens (a used one gets `invalid_grant`, as at Polar).

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use polar_oauth2::{
    AccessToken, ClientCredentials, ClientSecret, MemoryStore, Token, TokenStore, Tokens,
    TokensError,
};
use tokio::sync::{Notify, Semaphore};

use super::support::{Recorded, Reply, Server};

const TOKEN_PATH: &str = "/v1/oauth2/token";

const REVOKE_PATH: &str = "/v1/oauth2/revoke";

pub fn credentials() -> ClientCredentials {
    ClientCredentials::confidential(
        "polar_ci_test_tokens",
        ClientSecret::new("polar_cs_test_tokens"),
    )
}

/// A token as the token endpoint sends it for `name`, expiring in `expires_in` seconds.
pub fn token(name: &str, expires_in: u64) -> Token {
    serde_json::from_str(&format!(
        r#"{{"access_token":"polar_at_u_test_{name}","token_type":"Bearer","expires_in":{expires_in},"refresh_token":"polar_rt_u_test_{name}","scope":"openid"}}"#
    ))
    .unwrap()
}

/// A token endpoint that rotates: refresh token `polar_rt_u_test_N` gives `…_Nx` (access and
/// refresh), once; used again it is `invalid_grant`. With `hold`, each refresh waits for
/// [`Polar::release`] after telling [`Polar::received`].
struct Polar {
    server: Server,
    script: Arc<Script>,
}

struct Script {
    hold: AtomicBool,
    received: Notify,
    release: Semaphore,
    used: Mutex<HashSet<String>>,
}

impl Script {
    async fn answer(&self, request: Recorded) -> Reply {
        if request.path() == REVOKE_PATH {
            return Reply::json(200, "{}");
        }
        let form = request.form();
        let refresh_token = form
            .iter()
            .find(|(n, _)| n == "refresh_token")
            .map(|(_, v)| v.clone())
            .unwrap();
        if self.hold.load(Ordering::SeqCst) {
            self.received.notify_one();
            self.release.acquire().await.unwrap().forget();
        }
        if !self.used.lock().unwrap().insert(refresh_token.clone()) {
            return Reply::json(400, r#"{"error":"invalid_grant"}"#);
        }
        let name = format!("{}x", refresh_token.trim_start_matches("polar_rt_u_test_"));
        Reply::json(
            200,
            format!(
                r#"{{"access_token":"polar_at_u_test_{name}","token_type":"Bearer","expires_in":3600,"refresh_token":"polar_rt_u_test_{name}","scope":"openid"}}"#
            ),
        )
    }
}

impl Polar {
    async fn start(hold: bool) -> Self {
        let script = Arc::new(Script {
            hold: AtomicBool::new(hold),
            received: Notify::new(),
            release: Semaphore::new(0),
            used: Mutex::default(),
        });
        let answering = Arc::clone(&script);
        let server = Server::answering_later(move |request| {
            let script = Arc::clone(&answering);
            async move { script.answer(request).await }
        })
        .await;
        Self { server, script }
    }

    fn tokens(&self) -> Tokens<MemoryStore> {
        Tokens::new(self.server.client(), credentials(), MemoryStore::new())
    }

    /// Wait until a refresh request has arrived (and is being held).
    async fn received(&self) {
        self.script.received.notified().await;
    }

    fn release(&self) {
        self.script.release.add_permits(1);
    }

    fn requests_to(&self, path: &str) -> Vec<Recorded> {
        self.server
            .requests()
            .into_iter()
            .filter(|r| r.path() == path)
            .collect()
    }

    /// The `token` fields of the requests to `path`.
    fn tokens_sent_to(&self, path: &str) -> Vec<String> {
        self.requests_to(path)
            .iter()
            .flat_map(|r| r.form())
            .filter(|(n, _)| n == "token" || n == "refresh_token")
            .map(|(_, v)| v)
            .collect()
    }
}

pub fn secret(token: &AccessToken) -> &str {
    token.secret()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_users_with_four_concurrent_callers_each_near_expiry_cause_exactly_fifty_refreshes() {
    let polar = Polar::start(false).await;
    let tokens = polar.tokens();
    let users: Vec<String> = (0..50).map(|i| format!("user{i}")).collect();
    for user in &users {
        // 30 s left: within the default refresh margin of 60 s.
        tokens.connect(user, token(user, 30)).await.unwrap();
    }
    let barrier = Arc::new(tokio::sync::Barrier::new(users.len() * 4));
    let calls: Vec<_> = users
        .iter()
        .flat_map(|user| std::iter::repeat_n(user.clone(), 4))
        .map(|user| {
            let (tokens, barrier) = (tokens.clone(), Arc::clone(&barrier));
            tokio::spawn(async move {
                barrier.wait().await;
                let access_token = tokens.access_token(&user).await.unwrap();
                (user, secret(&access_token).to_owned())
            })
        })
        .collect();
    for call in calls {
        let (user, access_token) = call.await.unwrap();
        assert_eq!(access_token, format!("polar_at_u_test_{user}x"));
    }
    let refreshed = polar.tokens_sent_to(TOKEN_PATH);
    assert_eq!(refreshed.len(), users.len(), "{refreshed:?}");
    let distinct: HashSet<_> = refreshed.iter().collect();
    assert_eq!(distinct.len(), users.len(), "a user was refreshed twice");
    for user in &users {
        let stored = tokens.store().load(user).await.unwrap().unwrap();
        assert_eq!(
            stored.refresh_token().unwrap().secret(),
            format!("polar_rt_u_test_{user}x"),
            "the rotated refresh token is persisted"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disconnect_racing_a_refresh_stores_nothing_and_revokes_the_refreshed_grant() {
    let polar = Polar::start(true).await;
    let tokens = polar.tokens();
    tokens.connect("alice", token("alice", 30)).await.unwrap();
    let refreshing = tokio::spawn({
        let tokens = tokens.clone();
        async move { tokens.access_token("alice").await }
    });
    polar.received().await;
    // The refresh request is at Polar; the user logs out meanwhile.
    tokens.disconnect("alice").await.unwrap();
    assert!(tokens.current("alice").await.unwrap().is_none());
    polar.release();

    let outcome = refreshing.await.unwrap();
    assert!(
        matches!(outcome, Err(ref e @ TokensError::NotConnected) if e.must_reconnect()),
        "{outcome:?}"
    );
    assert!(tokens.store().load("alice").await.unwrap().is_none());
    assert!(tokens.current("alice").await.unwrap().is_none());
    // Both the grant's refresh token at disconnect and the one the refresh brought back.
    assert_eq!(
        polar.tokens_sent_to(REVOKE_PATH),
        ["polar_rt_u_test_alice", "polar_rt_u_test_alicex"]
    );
    assert!(matches!(
        tokens.access_token("alice").await,
        Err(TokensError::NotConnected)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_caller_that_started_a_refresh_cancelled_mid_flight_loses_nothing() {
    let polar = Polar::start(true).await;
    let tokens = polar.tokens();
    tokens.connect("bob", token("bob", 30)).await.unwrap();
    let started = tokio::spawn({
        let tokens = tokens.clone();
        async move { tokens.access_token("bob").await }
    });
    polar.received().await;
    // Another request for the same user waits for that refresh.
    let waiting = tokio::spawn({
        let tokens = tokens.clone();
        async move { tokens.access_token("bob").await }
    });
    started.abort();
    assert!(started.await.unwrap_err().is_cancelled());
    polar.release();

    // The refresh went on without its caller: the waiting request gets its token, and so does
    // the next one (from the store), and the rotated-away refresh token is never sent again
    // (it would be `invalid_grant`).
    let waited = waiting.await.unwrap().unwrap();
    assert_eq!(secret(&waited), "polar_at_u_test_bobx");
    let access_token = tokens.access_token("bob").await.unwrap();
    assert_eq!(secret(&access_token), "polar_at_u_test_bobx");
    assert_eq!(
        tokens
            .store()
            .load("bob")
            .await
            .unwrap()
            .unwrap()
            .refresh_token()
            .unwrap()
            .secret(),
        "polar_rt_u_test_bobx"
    );
    assert_eq!(polar.tokens_sent_to(TOKEN_PATH), ["polar_rt_u_test_bob"]);
}

#[tokio::test]
async fn a_refresh_after_unauthorized_happens_once_for_the_rejected_token() {
    let polar = Polar::start(false).await;
    let tokens = polar.tokens();
    // Far from expiry: only the 401 makes it refresh.
    tokens.connect("carol", token("carol", 3600)).await.unwrap();
    let rejected = tokens.access_token("carol").await.unwrap();
    assert!(polar.tokens_sent_to(TOKEN_PATH).is_empty());

    let fresh = tokens
        .refresh_after_unauthorized("carol", &rejected)
        .await
        .unwrap();
    assert_eq!(secret(&fresh), "polar_at_u_test_carolx");
    // A second request that was rejected with the same old token gets the new one as is.
    let again = tokens
        .refresh_after_unauthorized("carol", &rejected)
        .await
        .unwrap();
    assert_eq!(again, fresh);
    assert_eq!(polar.tokens_sent_to(TOKEN_PATH), ["polar_rt_u_test_carol"]);
}

#[tokio::test]
async fn a_disconnect_does_not_refresh_first_so_a_dead_grant_can_still_log_out() {
    let polar = Polar::start(false).await;
    let tokens = polar.tokens();
    // Expired, and its refresh token already used: a refresh would be `invalid_grant`.
    polar
        .script
        .used
        .lock()
        .unwrap()
        .insert("polar_rt_u_test_dave".into());
    tokens.connect("dave", token("dave", 0)).await.unwrap();
    let current = tokens.current("dave").await.unwrap().unwrap();
    assert!(current.is_expired(), "current() does not refresh");
    let refused = tokens.access_token("dave").await.unwrap_err();
    assert!(refused.must_reconnect(), "{refused:?}");

    tokens.disconnect("dave").await.unwrap();
    assert!(tokens.store().load("dave").await.unwrap().is_none());
    assert_eq!(polar.tokens_sent_to(REVOKE_PATH), ["polar_rt_u_test_dave"]);
    assert_eq!(
        polar.tokens_sent_to(TOKEN_PATH).len(),
        1,
        "only the refused refresh"
    );
    // Not connected is no error for a second logout.
    tokens.disconnect("dave").await.unwrap();
}

/// The app's own store (here over memory), telling the test when a token was saved.
#[derive(Clone, Default)]
struct Watched {
    tokens: Arc<MemoryStore>,
    saved: Arc<Notify>,
}

impl TokenStore for Watched {
    type Error = std::convert::Infallible;

    async fn load(&self, key: &str) -> Result<Option<Token>, Self::Error> {
        self.tokens.load(key).await
    }

    async fn save(&self, key: &str, token: &Token) -> Result<(), Self::Error> {
        self.tokens.save(key, token).await?;
        self.saved.notify_one();
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), Self::Error> {
        self.tokens.delete(key).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_in_flight_when_the_manager_is_dropped_is_still_stored() {
    let polar = Polar::start(true).await;
    let store = Watched::default();
    let tokens = Tokens::new(polar.server.client(), credentials(), store.clone());
    tokens.connect("gina", token("gina", 30)).await.unwrap();
    store.saved.notified().await;
    let started = tokio::spawn({
        let tokens = tokens.clone();
        async move { tokens.access_token("gina").await }
    });
    polar.received().await;
    // The app shuts down while Polar is rotating the refresh token.
    started.abort();
    assert!(started.await.unwrap_err().is_cancelled());
    drop(tokens);
    polar.release();

    // A liveness guard, not a timing assertion: without the save this would wait forever.
    let saved = tokio::time::timeout(std::time::Duration::from_secs(30), store.saved.notified());
    saved.await.expect("the refreshed token was never stored");
    let stored = store.tokens.load("gina").await.unwrap().unwrap();
    assert_eq!(
        stored.refresh_token().unwrap().secret(),
        "polar_rt_u_test_ginax"
    );
    assert!(polar.tokens_sent_to(REVOKE_PATH).is_empty());
}
