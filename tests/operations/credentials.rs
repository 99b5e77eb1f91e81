//! How each credential travels: the client's own at the token endpoint (by its registered
//! method), the API version, and a credential the client has just received, which Polar's
//! server may not have committed yet.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use base64::Engine as _;
use polar_oauth2::{
    AccessToken, AuthorizationCode, Client, ClientCredentials, ClientSecret, Error, POLAR_VERSIONS,
    RegisteredClient, Server as PolarServer, TokenEndpointAuthMethod,
};

use super::support::{Reply, Server, TOKEN_BODY};

const CLIENT_ID: &str = "polar_ci_test_credentials";
/// Characters RFC 6749 §2.3.1 form-encodes before the Basic encoding.
const SECRET: &str = "polar_cs_test+secret/with:odd chars";
const FRESH_ACCESS: &str = "polar_at_u_test_access";

async fn exchange(client: &Client, credentials: &ClientCredentials) -> Result<(), Error> {
    client
        .exchange_code(
            credentials,
            AuthorizationCode::new("polar_ac_test_code"),
            "https://app.example/callback",
            None,
        )
        .await
        .map(drop)
}

#[tokio::test]
async fn a_client_secret_basic_client_sends_basic_and_no_secret_in_the_form() {
    let server = Server::reply(Reply::json(200, TOKEN_BODY)).await;
    let credentials = ClientCredentials::basic(CLIENT_ID, ClientSecret::new(SECRET));
    exchange(&server.client(), &credentials).await.unwrap();
    let request = server.only_request();
    let encoded = base64::engine::general_purpose::STANDARD
        .encode("polar_ci_test_credentials:polar_cs_test%2Bsecret%2Fwith%3Aodd+chars");
    assert_eq!(
        request.header("authorization"),
        Some(format!("Basic {encoded}").as_str())
    );
    let form = request.form();
    assert!(
        form.iter().all(|(name, _)| name != "client_secret"),
        "{form:?}"
    );
    assert!(
        form.contains(&("client_id".into(), CLIENT_ID.into())),
        "{form:?}"
    );
}

#[tokio::test]
async fn a_client_secret_post_client_sends_its_secret_in_the_form_only() {
    let server = Server::reply(Reply::json(200, TOKEN_BODY)).await;
    let credentials = ClientCredentials::confidential(CLIENT_ID, ClientSecret::new(SECRET));
    exchange(&server.client(), &credentials).await.unwrap();
    let request = server.only_request();
    assert_eq!(request.header("authorization"), None);
    assert!(
        request
            .form()
            .contains(&("client_secret".into(), SECRET.into()))
    );
}

#[test]
fn credentials_follow_the_method_the_client_was_registered_with() {
    let registered = |method: Option<&str>, secret: Option<&str>| {
        let mut json = serde_json::json!({"client_id": CLIENT_ID, "redirect_uris": []});
        if let Some(method) = method {
            json["token_endpoint_auth_method"] = method.into();
        }
        if let Some(secret) = secret {
            json["client_secret"] = secret.into();
        }
        let client: RegisteredClient = serde_json::from_value(json).unwrap();
        ClientCredentials::from(&client).auth_method()
    };
    assert_eq!(
        registered(Some("client_secret_basic"), Some(SECRET)),
        TokenEndpointAuthMethod::ClientSecretBasic
    );
    assert_eq!(
        registered(Some("client_secret_post"), Some(SECRET)),
        TokenEndpointAuthMethod::ClientSecretPost
    );
    assert_eq!(
        registered(None, Some(SECRET)),
        TokenEndpointAuthMethod::ClientSecretPost
    );
    assert_eq!(
        registered(Some("none"), None),
        TokenEndpointAuthMethod::None
    );
}

#[test]
fn polar_version_must_be_one_polar_serves() {
    let build = |version: &str| {
        Client::builder(PolarServer::Sandbox)
            .polar_version(version)
            .build()
    };
    for version in POLAR_VERSIONS {
        build(version).unwrap();
    }
    for wrong in ["2025-01", "2026-4", "latest", ""] {
        let e = build(wrong).unwrap_err();
        assert!(matches!(e, Error::InvalidRequest(_)), "{wrong}: {e:?}");
        assert!(e.to_string().contains("404"), "{e}");
    }
}

/// A server that issues `TOKEN_BODY` and refuses a bearer `refusals` times before accepting it,
/// as Polar does for a token it has not committed yet.
async fn committing_late(refusals: usize) -> (Server, Arc<AtomicUsize>) {
    let refused = Arc::new(AtomicUsize::new(0));
    let count = refused.clone();
    let server = Server::answering(move |request| match request.path() {
        "/v1/oauth2/token" => Reply::json(200, TOKEN_BODY),
        _ if count.fetch_add(1, Ordering::SeqCst) < refusals => Reply::json(
            401,
            r#"{"error":"invalid_token","error_description":"The access token provided is expired, revoked, malformed, or invalid for other reasons."}"#,
        ),
        _ => Reply::json(200, r#"{"sub":"7f2b3c4d-0000-4000-8000-000000000001"}"#),
    })
    .await;
    (server, refused)
}

#[tokio::test]
async fn a_token_refused_right_after_it_was_issued_is_tried_again() {
    let (server, _) = committing_late(2).await;
    let client = server.client();
    let credentials = ClientCredentials::confidential(CLIENT_ID, ClientSecret::new(SECRET));
    exchange(&client, &credentials).await.unwrap();
    let me = client
        .userinfo(&AccessToken::new(FRESH_ACCESS))
        .await
        .unwrap();
    assert_eq!(me.sub, "7f2b3c4d-0000-4000-8000-000000000001");
    assert_eq!(
        server.requests().len(),
        4,
        "token, two refusals, the answer"
    );
}

#[tokio::test]
async fn a_token_the_client_did_not_just_receive_is_refused_at_once() {
    let (server, _) = committing_late(1).await;
    let e = server
        .client()
        .userinfo(&AccessToken::new("polar_at_u_test_never_issued"))
        .await
        .unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_token_refused_for_good_is_tried_a_bounded_number_of_times() {
    let (server, _) = committing_late(usize::MAX).await;
    let client = server.client();
    let credentials = ClientCredentials::confidential(CLIENT_ID, ClientSecret::new(SECRET));
    exchange(&client, &credentials).await.unwrap();
    let e = client
        .userinfo(&AccessToken::new(FRESH_ACCESS))
        .await
        .unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(401));
    let attempts = server.requests().len() - 1;
    assert!((2..=5).contains(&attempts), "{attempts} attempts");
}

/// A revocation of an uncommitted token is a 200 that revokes nothing, so the client holds a
/// `POST` that carries a just-received token until Polar has had time to commit it.
#[tokio::test]
async fn a_post_carrying_a_just_received_token_waits_for_it_to_settle() {
    let (server, _) = committing_late(0).await;
    let client = server.client();
    let credentials = ClientCredentials::confidential(CLIENT_ID, ClientSecret::new(SECRET));
    exchange(&client, &credentials).await.unwrap();
    let received = Instant::now();
    client
        .revoke(&credentials, &AccessToken::new(FRESH_ACCESS))
        .await
        .unwrap();
    // A lower bound only: the request was held at least this long.
    assert!(received.elapsed() >= Duration::from_millis(200));
    let revoke = &server.requests()[1];
    assert!(
        revoke
            .form()
            .contains(&("token".into(), FRESH_ACCESS.into()))
    );
}
