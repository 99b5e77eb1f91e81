//! Token introspection (RFC 7662): an inactive token is an answer, not an error.

use polar_oauth2::AccessToken;

use super::spec::{ACCESS, credentials};
use super::support::{Reply, Server};

#[tokio::test]
async fn an_inactive_token_is_inactive_not_an_error() {
    let server = Server::reply(Reply::json(200, r#"{"active":false}"#)).await;
    let introspection = server
        .client()
        .introspect(&credentials(), &AccessToken::new(ACCESS))
        .await
        .unwrap();
    assert!(!introspection.is_active());
}
