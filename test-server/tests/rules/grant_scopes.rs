//! Which scopes a token carries: the client's registration bounds them, no scope asked
//! means the registered ones, and the `web` grant is for first-party clients only.

use polar_oauth2::{Scope, ScopeSet};
use polar_oauth2_test_server::{CONFIDENTIAL_CLIENT_ID, CONFIDENTIAL_CLIENT_SECRET, TestClient};
use reqwest::StatusCode;

use crate::support::*;

/// A client that may hold `web:write`, like Polar's first-party clients.
fn first_party_client() -> TestClient {
    let scope: ScopeSet = Scope::KNOWN.iter().cloned().chain([web_write()]).collect();
    TestClient::confidential("polar_ci_test_first_party", "polar_cs_test_first_party").scope(&scope)
}

/// Reserved for Polar's own clients; Polar removed it from the spec in 2026-06, its server
/// still knows it.
fn web_write() -> Scope {
    Scope::from_wire("web:write").unwrap()
}

#[tokio::test]
async fn scopes_outside_the_clients_registration_are_left_out_of_tokens() {
    let (server, client) = start_with_client().await;
    // `web:write` is reserved for Polar's own clients: asking is allowed, getting it is not.
    let token = tokens(&server, &client, &[Scope::UserRead, web_write()]).await;
    assert_eq!(token.scope().to_string(), "user:read");
}

#[tokio::test]
async fn no_scope_asked_means_the_clients_registered_scopes() {
    let (server, client) = start_with_client().await;
    let token = tokens(&server, &client, &[]).await;
    assert!(token.scope().contains(&Scope::Openid));
    assert!(token.scope().contains(&Scope::OrdersRead));
    assert!(!token.scope().contains(&web_write()));
    // `openid` among them: an ID token comes too.
    assert!(token.id_token().is_some());
}

#[tokio::test]
async fn web_grant_is_only_for_clients_allowed_to_use_it() {
    let (server, _client) = start_with_client().await;
    let session = server.web_session_token();
    let web = |client_id, secret| {
        [
            ("grant_type", "web"),
            ("client_id", client_id),
            ("client_secret", secret),
            ("session_token", session.secret()),
        ]
    };
    let (status, _, body) = json(
        post_token(
            &server,
            &web(CONFIDENTIAL_CLIENT_ID, CONFIDENTIAL_CLIENT_SECRET),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "unauthorized_client");

    server.register_client(first_party_client().grant_types(["web"]));
    let form = web("polar_ci_test_first_party", "polar_cs_test_first_party");
    let (status, _, body) = json(post_token(&server, &form).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body["access_token"]
            .as_str()
            .unwrap()
            .starts_with("polar_at_u_")
    );
    assert_eq!(body["expires_in"], 3600);
    assert!(body.get("refresh_token").is_none());
}
