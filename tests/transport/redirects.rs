//! Redirects are never followed, and no credential crosses to another origin.
use polar_oauth2::{Client, Error, Server as Polar};

use super::support::{Reply, Server};
use super::{AUTHORIZE_BODY, TOKEN_BODY, authorize, http_status, retrying, retrying_client, token};

/// The server `redirect` answers every request with `status` to `elsewhere`.
async fn redirecting(status: u16, elsewhere: &Server) -> Server {
    Server::start(vec![Reply::json(status, "{}").header(
        "location",
        &format!("{}/v1/oauth2/token", elsewhere.base_url),
    )])
    .await
}

#[tokio::test]
async fn redirects_are_never_followed() {
    for status in [301, 302, 303, 307, 308] {
        let elsewhere = Server::start(vec![Reply::json(200, TOKEN_BODY)]).await;
        let server = redirecting(status, &elsewhere).await;
        let client = retrying_client(&server);
        assert_eq!(http_status(&token(&client).await.unwrap_err()), status);
        assert_eq!(http_status(&authorize(&client).await.unwrap_err()), status);
        assert_eq!(
            server.request_count(),
            2,
            "{status}: one token, one authorize request"
        );
        assert_eq!(elsewhere.request_count(), 0, "{status} was followed");
    }
}

/// An HTTP client that follows redirects (reqwest's default policy), as a caller might pass.
fn following_http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().build().unwrap()
}

#[tokio::test]
async fn a_token_request_is_never_resent_to_another_origin_even_by_a_following_http_client() {
    for status in [301, 302, 303, 307, 308] {
        let elsewhere = Server::start(vec![Reply::json(200, TOKEN_BODY)]).await;
        let server = redirecting(status, &elsewhere).await;
        let client = Client::builder(Polar::Custom(server.base_url.clone()))
            .http_client(following_http_client())
            .retry(retrying())
            .build()
            .unwrap();
        let error = token(&client).await.unwrap_err();
        eprintln!(
            "{status}: {error}; elsewhere got {:?}",
            elsewhere.requests()
        );
        assert_eq!(server.request_count(), 1, "{status}");
        for request in elsewhere.requests() {
            // reqwest turns a followed 301/302/303 into a bodiless GET; nothing of the token
            // request (code, secret, form) goes along.
            assert_eq!(request.method, "GET", "{status}: {request:?}");
            assert!(request.body.is_empty(), "{status}: {request:?}");
            assert!(
                !format!("{request:?}").contains("polar_"),
                "{status}: {request:?}"
            );
        }
        match status {
            // The body cannot be cloned, so reqwest does not follow.
            307 | 308 => {
                assert_eq!(http_status(&error), status);
                assert_eq!(elsewhere.request_count(), 0, "{status}");
            }
            // Followed by reqwest, refused by the client: the other origin's answer (a
            // token!) is never read.
            _ => match &error {
                Error::InvalidRequest(m) => assert!(m.contains("redirect"), "{m}"),
                other => panic!("{status}: {other:?}"),
            },
        }
    }
}

#[tokio::test]
async fn consent_data_never_carries_the_session_across_a_redirect() {
    let elsewhere = Server::start(vec![Reply::json(200, AUTHORIZE_BODY)]).await;
    let server = Server::start(vec![Reply::json(302, "{}").header(
        "location",
        &format!("{}/v1/oauth2/authorize", elsewhere.base_url),
    )])
    .await;
    let client = Client::builder(Polar::Custom(server.base_url.clone()))
        .http_client(following_http_client())
        .build()
        .unwrap();
    let error = authorize(&client).await.unwrap_err();
    assert!(matches!(error, Error::InvalidRequest(_)), "{error:?}");
    assert_eq!(server.request_count(), 1);
    let sent = server.requests();
    assert!(sent[0].header("cookie").is_some());
    for request in elsewhere.requests() {
        assert_eq!(request.header("cookie"), None, "{request:?}");
    }
}
