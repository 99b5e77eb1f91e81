//! One grant's token source against a loopback token endpoint: single-flight refresh, the
//! refresh margin, `invalid_grant` told apart from transient failures, persistence before use.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::support::{self, Reply, Server};
use polar_oauth2::{
    ClientCredentials, ClientSecret, RetryPolicy, Token, TokenSource, TokenSourceError,
};

pub fn credentials() -> ClientCredentials {
    ClientCredentials::confidential(
        "polar_ci_test_source",
        ClientSecret::new("polar_cs_test_source"),
    )
}

/// A token as the token endpoint sends it, expiring in `expires_in` seconds.
pub fn token(access: &str, refresh: Option<&str>, expires_in: i64) -> Token {
    let refresh = refresh.map_or(String::new(), |r| format!(r#","refresh_token":"{r}""#));
    serde_json::from_str(&format!(
        r#"{{"access_token":"{access}","token_type":"Bearer","expires_in":{expires_in},"scope":"openid"{refresh}}}"#
    ))
    .unwrap()
}

/// The grant's old token, already expired: the next call refreshes it.
pub fn expired() -> Token {
    token("polar_at_u_test_old", Some("polar_rt_u_test_old"), 0)
}

pub fn refreshed_reply() -> Reply {
    Reply::json(
        200,
        r#"{"access_token":"polar_at_u_test_new","token_type":"Bearer","expires_in":3600,"refresh_token":"polar_rt_u_test_new","scope":"openid"}"#,
    )
}

pub fn token_requests(server: &Server) -> Vec<support::Recorded> {
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
    let source = TokenSource::new(server.client(), credentials(), expired());
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
    let source = TokenSource::builder(server.client(), credentials(), expired())
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
    let source = TokenSource::builder(server.client(), credentials(), expired())
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
    let source = TokenSource::new(server.client(), credentials(), expired());
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
