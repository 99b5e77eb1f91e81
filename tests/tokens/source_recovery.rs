//! The token source recovering: rotating refresh tokens, a cancelled caller, `Retry-After`, an
//! answer without a refresh token, a persist callback that panics.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::support::{self, Reply, Server};
use polar_oauth2::{RetryPolicy, Token, TokenSource, TokenSourceError};

use super::source::{credentials, expired, refreshed_reply, token, token_requests};

/// Against the embedded server, whose refresh tokens rotate as Polar's do: concurrent callers
/// of one source all succeed, while a second source holding the old refresh token is told to
/// connect again.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn with_rotating_refresh_tokens_one_source_succeeds_and_a_stale_copy_must_reconnect() {
    use polar_oauth2::Scope;
    use polar_oauth2_test_server::{CODE_ACCESS_TOKEN_LIFETIME, TestServer};
    use serde_json::json;

    let server = TestServer::start().await.unwrap();
    let client = server.client().unwrap();
    let token = support::tokens(&server, &client, &[Scope::Openid]).await;
    // The same token as stored 30 s before it expires (within the default 60 s margin).
    let mut stored = serde_json::to_value(&token).unwrap();
    let soon = chrono::DateTime::<chrono::Utc>::from(
        std::time::SystemTime::now() + Duration::from_secs(30),
    );
    stored["expires_at"] = json!(soon.to_rfc3339());
    assert_eq!(stored["lifetime"], CODE_ACCESS_TOKEN_LIFETIME.as_secs());
    let token: Token = serde_json::from_value(stored).unwrap();
    let near_expiry =
        |token: Token| TokenSource::new(client.clone(), server.confidential_client(), token);
    let (source, stale) = (near_expiry(token.clone()), near_expiry(token.clone()));
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let source = source.clone();
            tokio::spawn(async move { source.access_token().await })
        })
        .collect();
    let mut first = None;
    for task in tasks {
        let access = task.await.unwrap().unwrap();
        let first = first.get_or_insert_with(|| access.clone());
        assert_eq!(&access, first, "every caller shares one refresh");
    }
    assert_ne!(first.as_ref(), Some(token.access_token()));

    let error = stale.access_token().await.unwrap_err();
    assert!(
        matches!(error, TokenSourceError::ReconnectRequired(_)),
        "{error}"
    );
}

/// A token endpoint on its own thread and runtime (so that a blocking `answer` holds up none of
/// the callers), with rotation as Polar does it: each refresh token works once.
fn rotating_server(answer: impl Fn(&support::Recorded) -> Reply + Send + Sync + 'static) -> Server {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            tx.send(Server::answering(answer).await).unwrap();
            std::future::pending::<()>().await;
        });
    });
    rx.recv().unwrap()
}

fn sent_refresh_token(request: &support::Recorded) -> String {
    request
        .form()
        .into_iter()
        .find(|(name, _)| name == "refresh_token")
        .map(|(_, value)| value)
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_whose_caller_is_cancelled_still_completes_and_is_persisted() {
    // The server has read the refresh request (and revoked the old refresh token) before the
    // caller goes away; it answers only once the caller is gone.
    let (reached_tx, reached_rx) = tokio::sync::oneshot::channel::<()>();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let reached_tx = Mutex::new(Some(reached_tx));
    let release_rx = Mutex::new(release_rx);
    let used = Mutex::new(Vec::<String>::new());
    let server = rotating_server(move |request| {
        let sent = sent_refresh_token(request);
        {
            let mut used = used.lock().unwrap();
            if used.contains(&sent) {
                return Reply::json(400, r#"{"error":"invalid_grant"}"#);
            }
            used.push(sent);
        }
        if let Some(reached) = reached_tx.lock().unwrap().take() {
            reached.send(()).unwrap();
            release_rx.lock().unwrap().recv().unwrap();
        }
        refreshed_reply()
    });
    let persisted: Arc<Mutex<Vec<String>>> = Arc::default();
    let saved = Arc::clone(&persisted);
    let source = TokenSource::builder(server.client(), credentials(), expired())
        .on_refresh(move |token: Token| {
            let saved = Arc::clone(&saved);
            async move {
                let refresh = token.refresh_token().unwrap().secret().to_owned();
                saved.lock().unwrap().push(refresh);
                Ok::<(), std::io::Error>(())
            }
        })
        .build();

    let first = tokio::spawn({
        let source = source.clone();
        async move { source.access_token().await }
    });
    reached_rx.await.unwrap();
    first.abort();
    assert!(first.await.unwrap_err().is_cancelled());
    release_tx.send(()).unwrap();

    let access = source.access_token().await.unwrap();
    assert_eq!(access.secret(), "polar_at_u_test_new");
    assert_eq!(
        token_requests(&server).len(),
        1,
        "the rotated token was read, not asked for again with a revoked refresh token"
    );
    assert_eq!(*persisted.lock().unwrap(), ["polar_rt_u_test_new"]);
}

#[tokio::test]
async fn a_failed_refresh_inside_the_margin_hands_out_the_still_valid_token() {
    let server = Server::reply(Reply::json(503, r#"{"detail":"maintenance"}"#)).await;
    let source = TokenSource::new(
        server.client(),
        credentials(),
        token("polar_at_u_test_old", Some("polar_rt_u_test_old"), 30),
    );
    assert_eq!(
        source.access_token().await.unwrap().secret(),
        "polar_at_u_test_old"
    );
    assert_eq!(token_requests(&server).len(), 1, "a refresh was attempted");
    // The failure is kept for the app to see.
    let kept = source.last_refresh_error().unwrap();
    assert!(matches!(kept, TokenSourceError::Refresh(_)), "{kept}");
}

#[tokio::test]
async fn after_a_failed_refresh_retry_after_is_honoured_without_new_requests() {
    let unavailable = Reply::json(503, r#"{"detail":"maintenance"}"#).header("retry-after", "30");
    // Still valid (inside the margin): callers keep getting it during the back-off.
    let server = Server::reply(unavailable.clone()).await;
    let source = TokenSource::new(
        server.client(),
        credentials(),
        token("polar_at_u_test_old", Some("polar_rt_u_test_old"), 30),
    );
    for _ in 0..100 {
        assert_eq!(
            source.access_token().await.unwrap().secret(),
            "polar_at_u_test_old"
        );
    }
    assert_eq!(
        token_requests(&server).len(),
        1,
        "one request in the back-off"
    );

    // Expired: callers get the last error during the back-off, without a request.
    let server = Server::reply(unavailable).await;
    let source = TokenSource::new(server.client(), credentials(), expired());
    for _ in 0..100 {
        let error = source.access_token().await.unwrap_err();
        match &error {
            TokenSourceError::Refresh(e) => {
                assert_eq!(e.retry_after(), Some(Duration::from_secs(30)), "{e}");
            }
            other => panic!("expected the refresh failure, got {other}"),
        }
    }
    assert_eq!(
        token_requests(&server).len(),
        1,
        "one request in the back-off"
    );

    // Without its own back-off, the token source still waits as long as the server asked.
    let server = Server::start(vec![
        Reply::json(503, r#"{"detail":"maintenance"}"#).header("retry-after", "30"),
        refreshed_reply(),
    ])
    .await;
    let source = TokenSource::builder(server.client(), credentials(), expired())
        .refresh_backoff(RetryPolicy::none().initial_backoff(Duration::ZERO))
        .build();
    for _ in 0..10 {
        source.access_token().await.unwrap_err();
    }
    assert_eq!(token_requests(&server).len(), 1, "Retry-After was honoured");
}

#[tokio::test]
async fn a_refresh_answer_without_a_refresh_token_keeps_the_old_one_in_the_stored_grant() {
    let server = Server::reply(Reply::json(
        200,
        r#"{"access_token":"polar_at_u_test_new","token_type":"Bearer","expires_in":3600,"scope":"openid"}"#,
    ))
    .await;
    let persisted: Arc<Mutex<Vec<Token>>> = Arc::default();
    let saved = Arc::clone(&persisted);
    let source = TokenSource::builder(server.client(), credentials(), expired())
        .on_refresh(move |token: Token| {
            saved.lock().unwrap().push(token);
            async { Ok::<(), std::io::Error>(()) }
        })
        .build();
    let token = source.token().await.unwrap();
    assert_eq!(token.access_token().secret(), "polar_at_u_test_new");
    assert_eq!(
        token.refresh_token().map(|r| r.secret()),
        Some("polar_rt_u_test_old")
    );
    let persisted = persisted.lock().unwrap();
    assert_eq!(persisted.len(), 1);
    // What the app stores restores to a grant that can still be refreshed.
    let restored: Token =
        serde_json::from_str(&serde_json::to_string(&persisted[0]).unwrap()).unwrap();
    assert_eq!(
        restored.refresh_token().map(|r| r.secret()),
        Some("polar_rt_u_test_old")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_persist_callback_that_panics_loses_no_token_and_is_called_again() {
    let server = Server::reply(refreshed_reply()).await;
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&calls);
    let source = TokenSource::builder(server.client(), credentials(), expired())
        .on_refresh(move |_token: Token| {
            let n = counted.fetch_add(1, Ordering::SeqCst);
            async move {
                assert!(n > 0, "storage crashed");
                Ok::<(), std::io::Error>(())
            }
        })
        .build();
    let error = source.access_token().await.unwrap_err();
    assert!(matches!(error, TokenSourceError::Interrupted), "{error}");
    assert_eq!(
        source.access_token().await.unwrap().secret(),
        "polar_at_u_test_new"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert_eq!(
        token_requests(&server).len(),
        1,
        "the refreshed token was kept"
    );
}
