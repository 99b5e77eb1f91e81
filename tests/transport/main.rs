//! The transport under faults, limits and odd runtimes, over real HTTP on 127.0.0.1 against
//! the scripted server of `tests/support`: every fault ends in a typed error (never a panic or
//! a hang), only what may be retried is retried, and a token request is never sent twice once it
//! may have reached the server. One module per kind of trouble.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../support/mod.rs"]
mod support;

mod body_cap;
mod faults;
mod fuzz;
mod fuzz_bodies;
mod keep_alive;
mod redirects;
mod retries;
mod runtimes;
mod slow;

use std::time::Duration;

use polar_oauth2::{
    AuthorizationCode, AuthorizationCodeGrant, AuthorizeParams, Client, ClientCredentials,
    ClientSecret, Error, RetryPolicy, Server as Polar, SessionToken, TokenRequest,
};
use support::Server;

const TOKEN_BODY: &str = r#"{"access_token":"polar_at_u_test_access","token_type":"Bearer","expires_in":864000,"refresh_token":"polar_rt_u_test_refresh","scope":"openid email"}"#;
const AUTHORIZE_BODY: &str = r#"{"client":{"created_at":"2026-01-02T03:04:05Z","modified_at":null,"client_id":"polar_ci_test_client","client_name":"Test App","client_uri":null,"logo_uri":null,"tos_uri":null,"policy_uri":null},"sub_type":"user","sub":{"id":"0b9f7c56-2a57-4c4f-a1b8-6a9d2c3e4f50","email":"ada@example.com","avatar_url":null},"scopes":["openid"],"organizations":[]}"#;
const CODE: &str = "polar_ac_test_single_use_code";

/// `call`'s outcome, failing the test if it has not finished after `limit`: a guard against a
/// hang, set far above the time the call takes, not a measurement.
async fn within<T>(limit: Duration, call: impl Future<Output = T>) -> T {
    tokio::time::timeout(limit, call)
        .await
        .unwrap_or_else(|_| panic!("still running after {limit:?}"))
}

fn client_for(base: &str, timeout: Duration, retry: RetryPolicy) -> Client {
    Client::builder(Polar::Custom(base.to_owned()))
        .timeout(Some(timeout))
        .retry(retry)
        .build()
        .unwrap()
}

fn client(server: &Server) -> Client {
    client_for(
        &server.base_url,
        Duration::from_secs(10),
        RetryPolicy::none(),
    )
}

/// Generous retries that wait little, to show what is (not) retried.
fn retrying() -> RetryPolicy {
    RetryPolicy::new(3)
        .initial_backoff(Duration::from_millis(20))
        .max_backoff(Duration::from_millis(50))
}

fn retrying_client(server: &Server) -> Client {
    client_for(&server.base_url, Duration::from_secs(10), retrying())
}

fn code_grant() -> TokenRequest {
    AuthorizationCodeGrant::new(
        ClientCredentials::confidential(
            "polar_ci_test_client",
            ClientSecret::new("polar_cs_test_secret"),
        ),
        AuthorizationCode::new(CODE),
        "https://app.example/callback",
    )
    .into()
}

async fn token(client: &Client) -> Result<polar_oauth2::Token, Error> {
    client.request_token(&code_grant()).await
}

async fn authorize(client: &Client) -> Result<polar_oauth2::AuthorizeResponse, Error> {
    client
        .consent_data(
            &SessionToken::new("polar_at_u_test_bearer"),
            &AuthorizeParams::new("polar_ci_test_client"),
        )
        .await
}

fn transport(e: &Error) -> &polar_oauth2::TransportError {
    match e {
        Error::Transport(t) => t,
        other => panic!("expected a transport error, got {other:?}"),
    }
}

fn http_status(e: &Error) -> u16 {
    match e {
        Error::Http(h) => h.status.as_u16(),
        other => panic!("expected an HTTP error, got {other:?}"),
    }
}
