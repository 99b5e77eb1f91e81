//! The token source against a real loopback token endpoint: single-flight refresh, persistence
//! before use, `invalid_grant` told apart from transient failures.
// Tests state their expectations with unwrap/expect/panic: a failure is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use polar_oauth2::{
    ClientCredentials, ClientSecret, RetryPolicy, Token, TokenSource, TokenSourceError,
};
use support::{Reply, Server};

fn credentials() -> ClientCredentials {
    ClientCredentials::confidential(
        "polar_ci_test_source",
        ClientSecret::new("polar_cs_test_source"),
    )
}

/// A token as the token endpoint sends it, expiring in `expires_in` seconds.
fn token(access: &str, refresh: Option<&str>, expires_in: i64) -> Token {
    let refresh = refresh.map_or(String::new(), |r| format!(r#","refresh_token":"{r}""#));
    serde_json::from_str(&format!(
        r#"{{"access_token":"{access}","token_type":"Bearer","expires_in":{expires_in},"scope":"openid"{refresh}}}"#
    ))
    .unwrap()
}

fn refreshed_reply() -> Reply {
    Reply::json(
        200,
        r#"{"access_token":"polar_at_u_test_new","token_type":"Bearer","expires_in":3600,"refresh_token":"polar_rt_u_test_new","scope":"openid"}"#,
    )
}

fn token_requests(server: &Server) -> Vec<support::Recorded> {
    server
        .requests()
        .into_iter()
        .filter(|r| r.path() == "/v1/oauth2/token")
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_concurrent_callers_near_expiry_cause_exactly_one_refresh() {
    let server = Server::reply(refreshed_reply()).await;
    let persisted: Arc<Mutex<Vec<String>>> = Arc::default();
    let handed_out = Arc::new(AtomicUsize::new(0));
    let (saved, seen) = (Arc::clone(&persisted), Arc::clone(&handed_out));
    let source = TokenSource::builder(
        server.client(),
        credentials(),
        token("polar_at_u_test_old", Some("polar_rt_u_test_old"), 30),
    )
    .on_refresh(move |token: Token| {
        let (saved, seen) = (Arc::clone(&saved), Arc::clone(&seen));
        async move {
            // Slow storage: every caller is waiting by now, and none has the new token yet.
            tokio::time::sleep(Duration::from_millis(100)).await;
            assert_eq!(
                seen.load(Ordering::SeqCst),
                0,
                "a caller got the token before it was stored"
            );
            saved
                .lock()
                .unwrap()
                .push(token.refresh_token().unwrap().secret().to_owned());
            Ok::<(), std::io::Error>(())
        }
    })
    .build();

    let barrier = Arc::new(tokio::sync::Barrier::new(200));
    let tasks: Vec<_> = (0..200)
        .map(|_| {
            let (source, barrier, seen) = (
                source.clone(),
                Arc::clone(&barrier),
                Arc::clone(&handed_out),
            );
            tokio::spawn(async move {
                barrier.wait().await;
                let access = source.access_token().await.unwrap();
                seen.fetch_add(1, Ordering::SeqCst);
                access.secret().to_owned()
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), "polar_at_u_test_new");
    }
    let requests = token_requests(&server);
    assert_eq!(requests.len(), 1, "one refresh for 200 callers");
    let form = requests[0].form();
    assert!(
        form.contains(&("grant_type".into(), "refresh_token".into())),
        "{form:?}"
    );
    assert!(
        form.contains(&("refresh_token".into(), "polar_rt_u_test_old".into())),
        "{form:?}"
    );
    assert_eq!(*persisted.lock().unwrap(), ["polar_rt_u_test_new"]);
    // The new token is far from expiry: no more requests.
    source.access_token().await.unwrap();
    assert_eq!(token_requests(&server).len(), 1);
}

#[tokio::test]
async fn a_fresh_token_is_handed_out_without_a_request() {
    let server = Server::reply(refreshed_reply()).await;
    let source = TokenSource::new(
        server.client(),
        credentials(),
        token("polar_at_u_test_old", Some("polar_rt_u_test_old"), 3600),
    );
    assert_eq!(
        source.access_token().await.unwrap().secret(),
        "polar_at_u_test_old"
    );
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn the_refresh_margin_decides_when_to_refresh() {
    let server = Server::reply(refreshed_reply()).await;
    let old = || token("polar_at_u_test_old", Some("polar_rt_u_test_old"), 300);
    let source = TokenSource::new(server.client(), credentials(), old());
    assert_eq!(
        source.access_token().await.unwrap().secret(),
        "polar_at_u_test_old"
    );
    let source = TokenSource::builder(server.client(), credentials(), old())
        .refresh_margin(Duration::from_secs(600))
        .build();
    assert_eq!(
        source.access_token().await.unwrap().secret(),
        "polar_at_u_test_new"
    );
    assert_eq!(token_requests(&server).len(), 1);
}

#[tokio::test]
async fn invalid_grant_means_connect_again_and_stops_requesting() {
    let server = Server::reply(Reply::json(
        400,
        r#"{"error":"invalid_grant","error_description":"The refresh token is invalid."}"#,
    ))
    .await;
    let source = TokenSource::new(
        server.client(),
        credentials(),
        token("polar_at_u_test_old", Some("polar_rt_u_test_old"), 0),
    );
    let error = source.access_token().await.unwrap_err();
    assert!(
        matches!(error, TokenSourceError::ReconnectRequired(_)),
        "{error}"
    );
    assert!(error.must_reconnect());
    let again = source.access_token().await.unwrap_err();
    assert!(again.must_reconnect(), "{again}");
    assert_eq!(
        token_requests(&server).len(),
        1,
        "a refused refresh token is not sent again"
    );
}

#[tokio::test]
async fn a_transient_failure_is_not_connect_again_and_the_next_call_retries() {
    let server = Server::start(vec![
        Reply::json(503, r#"{"detail":"maintenance"}"#),
        refreshed_reply(),
    ])
    .await;
    // No back-off: the next call may try again at once.
    let source = TokenSource::builder(
        server.client(),
        credentials(),
        token("polar_at_u_test_old", Some("polar_rt_u_test_old"), 0),
    )
    .refresh_backoff(RetryPolicy::none().initial_backoff(Duration::ZERO))
    .build();
    let error = source.access_token().await.unwrap_err();
    match &error {
        TokenSourceError::Refresh(e) => assert!(e.is_retryable(), "{e}"),
        other => panic!("expected a transient refresh failure, got {other}"),
    }
    assert!(!error.must_reconnect());
    assert_eq!(
        source.access_token().await.unwrap().secret(),
        "polar_at_u_test_new"
    );
    assert_eq!(token_requests(&server).len(), 2);
}

#[tokio::test]
async fn an_expired_token_without_refresh_token_means_connect_again() {
    let server = Server::reply(refreshed_reply()).await;
    let source = TokenSource::new(
        server.client(),
        credentials(),
        token("polar_at_u_test_old", None, 0),
    );
    let error = source.access_token().await.unwrap_err();
    assert!(matches!(error, TokenSourceError::NoRefreshToken), "{error}");
    assert!(error.must_reconnect());
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn a_failed_persist_withholds_the_token_and_is_retried_without_a_second_refresh() {
    let server = Server::reply(refreshed_reply()).await;
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&calls);
    let source = TokenSource::builder(
        server.client(),
        credentials(),
        token("polar_at_u_test_old", Some("polar_rt_u_test_old"), 0),
    )
    .on_refresh(move |_token: Token| {
        let n = counted.fetch_add(1, Ordering::SeqCst);
        async move {
            if n == 0 {
                Err(std::io::Error::other("database down"))
            } else {
                Ok(())
            }
        }
    })
    .build();
    let error = source.access_token().await.unwrap_err();
    assert!(
        matches!(&error, TokenSourceError::Persist(e) if e.to_string() == "database down"),
        "{error}"
    );
    assert_eq!(
        source.access_token().await.unwrap().secret(),
        "polar_at_u_test_new"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert_eq!(
        token_requests(&server).len(),
        1,
        "the new token was kept, not fetched again"
    );
}

// One thread: every caller is polled (and queues) while the first attempt is in flight.
#[tokio::test(flavor = "current_thread")]
async fn callers_waiting_on_a_failed_refresh_share_its_failure() {
    // A slow failing server, on its own thread and runtime so that its sleep blocks none of
    // the callers: every caller has arrived while the first attempt is in flight.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let server = Server::answering(|_| {
                std::thread::sleep(Duration::from_millis(300));
                Reply::json(503, r#"{"detail":"maintenance"}"#)
            })
            .await;
            tx.send(server).unwrap();
            std::future::pending::<()>().await;
        });
    });
    let server = rx.recv().unwrap();
    let source = TokenSource::new(
        server.client(),
        credentials(),
        token("polar_at_u_test_old", Some("polar_rt_u_test_old"), 0),
    );
    let barrier = Arc::new(tokio::sync::Barrier::new(50));
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let (source, barrier) = (source.clone(), Arc::clone(&barrier));
            tokio::spawn(async move {
                barrier.wait().await;
                source.access_token().await.unwrap_err()
            })
        })
        .collect();
    for task in tasks {
        let error = task.await.unwrap();
        assert!(matches!(error, TokenSourceError::Refresh(_)), "{error}");
    }
    // Those that waited through the attempt share its failure; a later call tries again.
    let requests = token_requests(&server).len();
    assert_eq!(requests, 1, "{requests} refresh requests for 50 callers");
}

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
    let pending = server
        .authorization_request()
        .scope(Scope::Openid)
        .build()
        .unwrap();
    let code = pending
        .callback(&server.approve(pending.url()).unwrap())
        .unwrap();
    let token = client
        .exchange_code(
            &server.confidential_client(),
            code,
            pending.redirect_uri(),
            Some(pending.pkce_verifier().clone()),
        )
        .await
        .unwrap();
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
    let source = TokenSource::builder(
        server.client(),
        credentials(),
        token("polar_at_u_test_old", Some("polar_rt_u_test_old"), 0),
    )
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
    let source = TokenSource::new(
        server.client(),
        credentials(),
        token("polar_at_u_test_old", Some("polar_rt_u_test_old"), 0),
    );
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
    let source = TokenSource::builder(
        server.client(),
        credentials(),
        token("polar_at_u_test_old", Some("polar_rt_u_test_old"), 0),
    )
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
    let source = TokenSource::builder(
        server.client(),
        credentials(),
        token("polar_at_u_test_old", Some("polar_rt_u_test_old"), 0),
    )
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
    let source = TokenSource::builder(
        server.client(),
        credentials(),
        token("polar_at_u_test_old", Some("polar_rt_u_test_old"), 0),
    )
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
