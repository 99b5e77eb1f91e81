//! The callback finished in one call ([`Connector::finish`]) against the embedded server:
//! what it accepts, and which status each refusal maps to (400 refuse the browser, 502 Polar
//! unavailable, 500 the app's configuration).

use http::StatusCode;
use polar_oauth2::{
    AuthorizationRequest, CallbackError, Client, ClientCredentials, ConnectError, Connector,
    IdTokenError, PendingAuthorization, Scope, Server,
};
use polar_oauth2_test_server::{CONFIDENTIAL_CLIENT_ID, REDIRECT_URI, TestServer, USER_ID};

use crate::connector;

/// The connector's own request, approved by the test user: the request and where the browser
/// is sent back to.
fn approved(connector: &Connector, polar: &TestServer) -> (PendingAuthorization, String) {
    let pending = connector.authorization_request().build().unwrap();
    let redirected_to = polar.approve(pending.url()).unwrap();
    (pending, redirected_to)
}

#[tokio::test]
async fn finish_checks_state_exchanges_the_code_and_verifies_the_id_token_and_nonce() {
    let polar = TestServer::start().await.unwrap();
    let connector = connector(&polar);
    let pending = connector
        .authorization_request()
        .scope(Scope::Email)
        .build()
        .unwrap();
    assert!(pending.nonce().is_some(), "a nonce is sent by default");
    let nonce = pending.nonce().map(str::to_owned);
    let redirected_to = polar.approve(pending.url()).unwrap();

    let connection = connector.finish(pending, &redirected_to).await.unwrap();
    assert_eq!(connection.claims.sub, USER_ID.to_string());
    assert_eq!(connection.claims.aud, [CONFIDENTIAL_CLIENT_ID]);
    assert_eq!(connection.claims.iss, "https://polar.sh");
    assert_eq!(connection.claims.nonce, nonce);
    assert!(connection.token.refresh_token().is_some());
    let me = polar
        .client()
        .unwrap()
        .userinfo(connection.token.access_token())
        .await
        .unwrap();
    assert_eq!(me.sub, USER_ID.to_string());
}

#[tokio::test]
async fn a_forged_state_is_refused_with_400_and_does_not_spend_the_code() {
    let polar = TestServer::start().await.unwrap();
    let connector = connector(&polar);
    let (pending, redirected_to) = approved(&connector, &polar);
    let (url, _) = redirected_to.split_once("state=").unwrap();

    let forged = connector
        .finish(
            pending.clone(),
            &format!("{url}state=forged-state-of-an-attacker"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(forged, ConnectError::Callback(CallbackError::StateMismatch)),
        "{forged:?}"
    );
    assert!(forged.refuse_browser() && !forged.polar_unavailable());
    assert_eq!(StatusCode::from(forged), StatusCode::BAD_REQUEST);
    // The code was never sent: the real callback still succeeds.
    connector.finish(pending, &redirected_to).await.unwrap();
}

#[tokio::test]
async fn a_replayed_callback_is_refused_with_400() {
    let polar = TestServer::start().await.unwrap();
    let connector = connector(&polar);
    let (pending, redirected_to) = approved(&connector, &polar);
    connector
        .finish(pending.clone(), &redirected_to)
        .await
        .unwrap();

    let replayed = connector.finish(pending, &redirected_to).await.unwrap_err();
    assert!(
        matches!(replayed, ConnectError::Exchange(_)),
        "{replayed:?}"
    );
    assert_eq!(replayed.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_denied_request_is_refused_with_400() {
    let polar = TestServer::start().await.unwrap();
    let connector = connector(&polar);
    let pending = connector.authorization_request().build().unwrap();
    let redirected_to = polar.deny(pending.url()).unwrap();
    let denied = connector.finish(pending, &redirected_to).await.unwrap_err();
    assert!(
        matches!(
            denied,
            ConnectError::Callback(CallbackError::Authorization(_))
        ),
        "{denied:?}"
    );
    assert_eq!(denied.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn polar_unreachable_at_the_exchange_is_502() {
    let polar = TestServer::start().await.unwrap();
    let connector = connector(&polar);
    let (pending, redirected_to) = approved(&connector, &polar);
    drop(polar);
    let down = connector.finish(pending, &redirected_to).await.unwrap_err();
    assert!(
        down.polar_unavailable() && !down.refuse_browser(),
        "{down:?}"
    );
    assert_eq!(down.status(), StatusCode::BAD_GATEWAY);
}

#[tokio::test]
async fn the_issuer_is_pinned_and_another_one_is_the_apps_error_500() {
    let polar = TestServer::start().await.unwrap();
    let connector = connector(&polar).issuer("https://issuer.example");
    let (pending, redirected_to) = approved(&connector, &polar);
    let e = connector.finish(pending, &redirected_to).await.unwrap_err();
    assert!(matches!(e, ConnectError::IdToken(_)), "{e:?}");
    assert_eq!(e.status(), StatusCode::INTERNAL_SERVER_ERROR);
}

#[tokio::test]
async fn without_the_openid_scope_there_is_no_id_token_to_verify() {
    let polar = TestServer::start().await.unwrap();
    let connector = connector(&polar);
    // Built by hand, without `openid`: the connector refuses to connect an unverified user.
    let pending = AuthorizationRequest::new(&polar.server(), CONFIDENTIAL_CLIENT_ID, REDIRECT_URI)
        .endpoint(polar.authorization_endpoint())
        .scope(Scope::Email)
        .build()
        .unwrap();
    let redirected_to = polar.approve(pending.url()).unwrap();
    let e = connector.finish(pending, &redirected_to).await.unwrap_err();
    assert!(matches!(e, ConnectError::NoIdToken), "{e:?}");
    assert_eq!(e.status(), StatusCode::INTERNAL_SERVER_ERROR);
}

#[test]
fn the_authorization_page_is_known_for_polar_and_its_sandbox_and_required_otherwise() {
    polar_oauth2::install_crypto_provider();
    let credentials = ClientCredentials::public("polar_ci_test_connector");
    for (server, page) in [
        (Server::Production, "https://polar.sh/oauth2/authorize?"),
        (
            Server::Sandbox,
            "https://sandbox.polar.sh/oauth2/authorize?",
        ),
    ] {
        let client = Client::new(server).unwrap();
        let connector = Connector::new(&client, credentials.clone(), "https://app.example/cb");
        let pending = connector.authorization_request().build().unwrap();
        assert!(pending.url().starts_with(page), "{}", pending.url());
        assert!(pending.url().contains("scope=openid"), "{}", pending.url());
        assert!(pending.nonce().is_some());
    }
    let custom = Client::new(Server::Custom("http://127.0.0.1:9".into())).unwrap();
    let connector = Connector::new(&custom, credentials, "https://app.example/cb");
    assert!(connector.authorization_request().build().is_err());
}

#[test]
fn id_token_errors_other_than_a_foreign_nonce_are_not_the_browsers_fault() {
    let nonce = ConnectError::IdToken(IdTokenError::NonceMismatch);
    assert_eq!(nonce.status(), StatusCode::BAD_REQUEST);
    let signature = ConnectError::IdToken(IdTokenError::InvalidSignature);
    assert_eq!(signature.status(), StatusCode::INTERNAL_SERVER_ERROR);
}
