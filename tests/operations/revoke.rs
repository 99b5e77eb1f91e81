//! Token revocation (RFC 7009): the form it sends, who may call it, and which answers are a
//! success.

use polar_oauth2::{ClientCredentials, Error, RefreshToken, RegistrationAccessToken};

use super::spec::{
    ACCESS, CLIENT_ID, CLIENT_SECRET, REFRESH, REGISTRATION, by_path, call_every_operation,
    credentials, form, polar_like,
};
use super::support::{Reply, Server};

#[tokio::test]
async fn revoke_and_introspect_send_the_token_its_hint_and_client_credentials_in_the_form() {
    let server = polar_like().await;
    call_every_operation(&server.client()).await;
    let requests = server.requests();
    let revoke = form(&by_path(&requests, "POST", "/v1/oauth2/revoke"));
    assert_eq!(revoke["token"], REFRESH);
    assert_eq!(revoke["token_type_hint"], "refresh_token");
    assert_eq!(revoke["client_id"], CLIENT_ID);
    assert_eq!(revoke["client_secret"], CLIENT_SECRET);
    let introspect = form(&by_path(&requests, "POST", "/v1/oauth2/introspect"));
    assert_eq!(introspect["token"], ACCESS);
    assert_eq!(introspect["token_type_hint"], "access_token");
    assert_eq!(introspect.len(), 4, "{introspect:?}");
}

#[tokio::test]
async fn a_public_client_cannot_revoke_or_introspect_and_nothing_is_sent() {
    let server = polar_like().await;
    let client = server.client();
    let public = ClientCredentials::public(CLIENT_ID);
    let refresh = RefreshToken::new(REFRESH);
    let e = client.revoke(&public, &refresh).await.unwrap_err();
    assert!(matches!(e, Error::InvalidRequest(_)), "{e:?}");
    assert!(e.to_string().contains("confidential"), "{e}");
    let e = client.introspect(&public, &refresh).await.unwrap_err();
    assert!(matches!(e, Error::InvalidRequest(_)), "{e:?}");
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn revoke_and_delete_succeed_on_any_2xx_whatever_the_body() {
    for reply in [
        Reply::with_content_type(204, "application/json", Vec::new()),
        Reply::json(200, "{}"),
        Reply::with_content_type(200, "text/plain", "revoked"),
    ] {
        let server = Server::reply(reply).await;
        let client = server.client();
        client
            .revoke(&credentials(), &RefreshToken::new(REFRESH))
            .await
            .unwrap();
        client
            .delete_client(&RegistrationAccessToken::new(REGISTRATION), CLIENT_ID)
            .await
            .unwrap();
    }
    let server = Server::reply(Reply::json(503, "{}")).await;
    let e = server
        .client()
        .delete_client(&RegistrationAccessToken::new(REGISTRATION), CLIENT_ID)
        .await
        .unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(503));
}
