//! Errors made from hostile or broken servers (echoed secrets, refusals, timeouts, a body over
//! the cap, a followed redirect) hold no secret, and neither does any log record meanwhile.

use std::time::Duration;

use polar_oauth2::{AuthorizeParams, Client, Error, Server, SessionToken};

use super::canaries::{
    ACCESS_TOKEN, STATE, assert_error_clean, assert_logs_clean, client_for, logs, report,
    token_requests,
};
use super::echoes::{ECHOES, hostile, response, secrets_in};
use super::support::{Reply, Server as Scripted, refused_addr};

#[tokio::test]
async fn errors_from_hostile_servers_echoing_secrets_hold_none() {
    logs();
    let mut errors = 0;
    for (label, echo) in ECHOES {
        let server = hostile(*echo).await;
        let client = client_for(server.addr);
        for request in token_requests() {
            let error = client.request_token(&request).await.unwrap_err();
            assert_error_clean(&format!("{label} / {}", request.grant_type()), &error);
            errors += 1;
        }
        let error = client
            .consent_data(
                &SessionToken::new(ACCESS_TOKEN),
                &AuthorizeParams::new("polar_ci_test_client"),
            )
            .await
            .unwrap_err();
        assert_error_clean(&format!("{label} / authorize"), &error);
        errors += 1;
        // Authorize may be retried (once, on 503); token requests never are.
        let expected = if label.starts_with("503") { 5 } else { 4 };
        assert_eq!(server.request_count(), expected, "{label}");
    }
    assert_eq!(errors, ECHOES.len() * 4);
    let records = assert_logs_clean();
    eprintln!("{errors} errors from hostile servers, {records} log records");
    report("hostile servers");
}

#[tokio::test]
async fn transport_timeout_and_request_errors_hold_none() {
    logs();
    let mut errors = Vec::new();
    // Refused.
    let addr = refused_addr().await;
    let client = client_for(addr);
    for request in token_requests() {
        errors.push(client.request_token(&request).await.unwrap_err());
    }
    // Timeout: a server that never answers.
    let slow = Scripted::reply(Reply::hang()).await;
    let client = Client::builder(Server::Custom(slow.base_url.clone()))
        .timeout(Some(Duration::from_millis(200)))
        .build()
        .unwrap();
    errors.push(
        client
            .request_token(&token_requests()[0])
            .await
            .unwrap_err(),
    );
    errors.push(
        client
            .consent_data(
                &SessionToken::new(ACCESS_TOKEN),
                &AuthorizeParams::new("polar_ci_test_client").state(STATE),
            )
            .await
            .unwrap_err(),
    );
    // Closed without an answer (the echo writes nothing).
    let closing = hostile(|_| String::new()).await;
    let client = client_for(closing.addr);
    errors.push(
        client
            .request_token(&token_requests()[1])
            .await
            .unwrap_err(),
    );
    // Body over the cap.
    let capped = hostile(|raw| {
        response(
            200,
            &[],
            &format!("{}{}", secrets_in(raw), " ".repeat(4096)),
        )
    })
    .await;
    let client = Client::builder(Server::Custom(capped.base_url.clone()))
        .max_response_body(1024)
        .build()
        .unwrap();
    errors.push(
        client
            .request_token(&token_requests()[2])
            .await
            .unwrap_err(),
    );
    // A bearer token that is not a valid header value.
    let client = client_for(capped.addr);
    errors.push(
        client
            .consent_data(
                &SessionToken::new(format!("{ACCESS_TOKEN}\n{STATE}")),
                &AuthorizeParams::new("polar_ci_test_client"),
            )
            .await
            .unwrap_err(),
    );
    let kinds: Vec<&str> = errors
        .iter()
        .map(|e| match e {
            Error::Transport(_) => "transport",
            Error::Timeout(_) => "timeout",
            Error::InvalidRequest(_) => "invalid request",
            _ => "other",
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "transport",
            "transport",
            "transport",
            "timeout",
            "timeout",
            "transport",
            "transport",
            "invalid request"
        ]
    );
    for (i, error) in errors.iter().enumerate() {
        assert_error_clean(&format!("error {i} ({})", kinds[i]), error);
    }
    assert_logs_clean();
    report("transport, timeout and request errors");
}

#[tokio::test]
async fn a_followed_redirect_error_holds_none() {
    logs();
    let target = hostile(|_| response(200, &[], "{}")).await;
    let redirecting = hostile(|raw| {
        // Redirect to wherever the request said it was going, with its secrets in the URL.
        let s = secrets_in(raw).replace(' ', "+");
        let host = raw
            .lines()
            .find_map(|l| l.strip_prefix("x-target: "))
            .unwrap_or("127.0.0.1:9")
            .to_owned();
        response(
            302,
            &[("location", &format!("http://{host}/?leak={s}"))],
            "",
        )
    })
    .await;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-target", target.addr.to_string().parse().unwrap());
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap();
    let client = Client::builder(Server::Custom(redirecting.base_url.clone()))
        .http_client(http)
        .build()
        .unwrap();
    for request in token_requests() {
        let error = client.request_token(&request).await.unwrap_err();
        assert!(matches!(error, Error::InvalidRequest(_)), "{error:?}");
        assert_error_clean("followed redirect", &error);
    }
    assert_eq!(redirecting.request_count(), 3);
    assert_logs_clean();
    report("followed redirect");
}
