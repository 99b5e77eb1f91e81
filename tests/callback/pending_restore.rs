//! A pending authorization restored from storage holds the builder's rules, and the callback
//! is finished only by the connector it was made for (same authorization page, client and
//! `redirect_uri`): a changed stored form never sends the browser, or the code, elsewhere.

use polar_oauth2::{
    AuthorizationRequest, ClientCredentials, ConnectError, Connector, PendingAuthorization, Scope,
    Server,
};
use polar_oauth2_test_server::{
    CONFIDENTIAL_CLIENT_ID, PUBLIC_CLIENT_ID, REDIRECT_URI, TestServer,
};
use serde_json::Value;

use crate::connector;

/// Through the stored form and back, as an app's session does between redirect and callback.
fn restored(pending: &PendingAuthorization) -> PendingAuthorization {
    serde_json::from_str(&serde_json::to_string(pending).unwrap()).unwrap()
}

/// A request like the connector's, built by hand for this client, redirect_uri and page.
fn request(
    polar: &TestServer,
    client_id: &str,
    redirect_uri: &str,
    page: &str,
) -> PendingAuthorization {
    AuthorizationRequest::new(&polar.server(), client_id, redirect_uri)
        .endpoint(page)
        .scope(Scope::Openid)
        .random_nonce()
        .build()
        .unwrap()
}

/// `connector` finishing `pending` once the user approved refuses it before exchanging its
/// code (naming `names`): the code Polar issued is still unspent, and the right `credentials`
/// can still finish the flow with it.
async fn assert_finish_refused(
    connector: &Connector,
    pending: PendingAuthorization,
    names: &str,
    polar: &TestServer,
    credentials: &ClientCredentials,
) {
    let redirected_to = polar.approve(pending.url()).unwrap();
    let result = connector.finish(pending.clone(), &redirected_to).await;
    let err = result.expect_err("a pending authorization of another connector was finished");
    assert!(
        !matches!(err, ConnectError::Exchange(_)),
        "the code was sent to Polar: {err}"
    );
    assert!(err.refuse_browser(), "{err}");
    assert_eq!(err.status(), 400);
    assert!(
        err.to_string().contains(names),
        "{err} does not name {names}"
    );
    let code = pending.callback(&redirected_to).unwrap();
    let verifier = Some(pending.pkce_verifier().clone());
    polar
        .client()
        .unwrap()
        .exchange_code(credentials, code, REDIRECT_URI, verifier)
        .await
        .expect("the refused callback spent the code");
}

#[tokio::test]
async fn finish_refuses_a_restored_pending_whose_url_names_another_authorization_page() {
    let polar = TestServer::start().await.unwrap();
    let connector = connector(&polar);
    // Every field consistent, so the stored form restores; only the page is not the connector's.
    let elsewhere = request(
        &polar,
        CONFIDENTIAL_CLIENT_ID,
        REDIRECT_URI,
        "https://evil.example/oauth2/authorize",
    );
    let pending = restored(&elsewhere);
    assert!(pending.url().starts_with("https://evil.example/"));
    let credentials = polar.confidential_client();
    assert_finish_refused(
        &connector,
        pending,
        "authorization page",
        &polar,
        &credentials,
    )
    .await;
}

#[tokio::test]
async fn finish_refuses_a_pending_made_for_another_redirect_uri() {
    let polar = TestServer::start().await.unwrap();
    let other = Connector::new(
        &polar.client().unwrap(),
        polar.confidential_client(),
        "https://other.example/callback",
    )
    .authorization_page(polar.authorization_endpoint());
    let pending = restored(&connector(&polar).authorization_request().build().unwrap());
    let credentials = polar.confidential_client();
    assert_finish_refused(&other, pending, "redirect_uri", &polar, &credentials).await;
}

#[tokio::test]
async fn finish_refuses_a_pending_made_for_another_client() {
    let polar = TestServer::start().await.unwrap();
    let page = polar.authorization_endpoint();
    let pending = restored(&request(&polar, PUBLIC_CLIENT_ID, REDIRECT_URI, &page));
    let credentials = ClientCredentials::public(PUBLIC_CLIENT_ID);
    assert_finish_refused(&connector(&polar), pending, "client", &polar, &credentials).await;
}

#[test]
fn an_authorization_page_with_a_fragment_is_refused_when_built_and_when_restored() {
    let built = AuthorizationRequest::new(&Server::Sandbox, "polar_ci_test", REDIRECT_URI)
        .endpoint("https://sandbox.polar.sh/oauth2/authorize#top")
        .build();
    assert!(built.is_err(), "a page with a fragment was built");

    let pending = AuthorizationRequest::new(&Server::Sandbox, "polar_ci_test", REDIRECT_URI)
        .build()
        .unwrap();
    let mut stored = serde_json::to_value(&pending).unwrap();
    stored["url"] = Value::from(format!("{}#top", pending.url()));
    assert!(
        serde_json::from_value::<PendingAuthorization>(stored).is_err(),
        "a stored URL with a fragment was restored"
    );
}

#[test]
fn a_stored_url_whose_query_differs_from_the_stored_fields_is_refused() {
    let pending = AuthorizationRequest::new(&Server::Sandbox, "polar_ci_test", REDIRECT_URI)
        .scope(Scope::Openid)
        .build()
        .unwrap();
    let stored = serde_json::to_value(&pending).unwrap();
    let state = pending.state().secret().to_owned();
    let challenge = url::Url::parse(pending.url())
        .unwrap()
        .query_pairs()
        .find(|(name, _)| name == "code_challenge")
        .unwrap()
        .1
        .into_owned();
    for (what, from, to) in [
        (
            "state",
            state.as_str(),
            "another-state-of-the-same-length-000000000",
        ),
        (
            "code_challenge",
            challenge.as_str(),
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        ),
        ("redirect_uri", "app.example.com", "evil.example"),
    ] {
        let mut value = stored.clone();
        value["url"] = Value::from(pending.url().replacen(from, to, 1));
        assert_ne!(value["url"], stored["url"], "{what}: nothing replaced");
        assert!(
            serde_json::from_value::<PendingAuthorization>(value).is_err(),
            "a URL with another {what} was restored"
        );
    }
}
