//! The authorization code flow against the embedded server in one call each: start, approve,
//! exchange, and the OAuth2 error a call is expected to return.

use std::time::Duration;

use polar_oauth2::{
    AuthorizationCode, Client, ClientCredentials, Error, OAuthError, OAuthErrorCode,
    PendingAuthorization, Scope, Token,
};
use polar_oauth2_test_server::TestServer;
use reqwest::StatusCode;

/// A server whose writes are visible at once, for tests that follow the library's call with a
/// raw HTTP one using what it just got (the commit lag is tested in the server's own rules).
pub async fn start_with_client() -> (TestServer, Client) {
    let server = TestServer::builder()
        .commit_delay(Duration::ZERO)
        .start()
        .await
        .unwrap();
    let client = server.client().unwrap();
    (server, client)
}

/// The test user approves; the callback is checked against the request's own state.
pub fn approve(server: &TestServer, pending: &PendingAuthorization) -> AuthorizationCode {
    let redirected_to = server.approve(pending.url()).unwrap();
    pending.callback(&redirected_to).unwrap()
}

pub async fn exchange(
    client: &Client,
    credentials: &ClientCredentials,
    pending: &PendingAuthorization,
    code: AuthorizationCode,
) -> Result<Token, Error> {
    client
        .exchange_code(
            credentials,
            code,
            pending.redirect_uri(),
            Some(pending.pkce_verifier().clone()),
        )
        .await
}

/// The whole flow for the confidential client with these scopes: its token.
pub async fn tokens(server: &TestServer, client: &Client, scopes: &[Scope]) -> Token {
    let mut request = server.authorization_request();
    for scope in scopes {
        request = request.scope(scope.clone());
    }
    let pending = request.build().unwrap();
    let code = approve(server, &pending);
    exchange(client, &server.confidential_client(), &pending, code)
        .await
        .unwrap()
}

#[track_caller]
pub fn oauth_error<T: std::fmt::Debug>(result: Result<T, Error>) -> OAuthError {
    match result {
        Err(Error::OAuth(e)) => e,
        other => panic!("expected an OAuth2 error, got {other:?}"),
    }
}

#[track_caller]
pub fn assert_oauth<T: std::fmt::Debug>(
    result: Result<T, Error>,
    status: StatusCode,
    code: OAuthErrorCode,
) -> OAuthError {
    let e = oauth_error(result);
    assert_eq!((e.status, &e.code), (status, &code), "{e}");
    e
}
