//! Dynamic client registration (RFC 7591/7592): the JSON it sends, and the credentials it
//! keeps from an answer that deviates from the spec.

use polar_oauth2::ClientRegistration;
use serde_json::{Value, json};

use super::spec::{
    CLIENT_ID, CLIENT_SECRET, REGISTRATION, by_path, call_every_operation, polar_like,
    registered_client,
};
use super::support::{Reply, Server};

#[tokio::test]
async fn registration_sends_json_with_only_the_fields_that_were_set() {
    let server = polar_like().await;
    call_every_operation(&server.client()).await;
    let requests = server.requests();
    let create = by_path(&requests, "POST", "/v1/oauth2/register");
    assert_eq!(create.header("content-type"), Some("application/json"));
    let body: Value = serde_json::from_slice(&create.body).unwrap();
    assert_eq!(body["client_name"], "Operations");
    assert_eq!(body["scope"], "openid email");
    assert_eq!(body["default_sub_type"], "user");
    for left_out in [
        "token_endpoint_auth_method",
        "grant_types",
        "response_types",
    ] {
        assert!(
            body.get(left_out).is_none(),
            "{left_out} must be the server's default"
        );
    }
    let path = format!("/v1/oauth2/register/{CLIENT_ID}");
    let update = by_path(&requests, "PUT", &path);
    let body: Value = serde_json::from_slice(&update.body).unwrap();
    assert_eq!(body["client_id"], CLIENT_ID);
    by_path(&requests, "GET", &path);
    let delete = by_path(&requests, "DELETE", &path);
    assert!(delete.body.is_empty());
}

/// A registration answered 201 whose ancillary fields deviate from the spec still gives the
/// new client's credentials: the client exists at Polar, and its secret is shown only once.
#[tokio::test]
async fn a_registration_whose_ancillary_fields_deviate_still_yields_the_credentials() {
    let mut deviant = registered_client();
    deviant["grant_types"] = Value::Null;
    deviant["response_types"] = Value::Null;
    deviant["redirect_uris"] = Value::Null;
    deviant["client_id_issued_at"] = json!(1_767_225_600.5);
    deviant["client_secret_expires_at"] = json!("never");
    deviant["default_sub_type"] = json!("team");
    deviant["token_endpoint_auth_method"] = json!(7);
    deviant["scope"] = json!(["openid"]);
    deviant["client_name"] = json!({"en": "Operations"});
    deviant["logo_uri"] = json!(false);
    let server = Server::reply(Reply::json(201, deviant.to_string())).await;
    let metadata = ClientRegistration::new("Operations", ["https://app.example.com/callback"]);
    let created = server
        .client()
        .register_client(None, &metadata)
        .await
        .unwrap();
    assert_eq!(created.client_id, CLIENT_ID);
    assert_eq!(
        created.client_secret.as_ref().map(|s| s.secret()),
        Some(CLIENT_SECRET)
    );
    assert_eq!(
        created
            .registration_access_token
            .as_ref()
            .map(|t| t.secret()),
        Some(REGISTRATION)
    );
    assert_eq!(created.client_id_issued_at, Some(1_767_225_600));
    assert!(created.grant_types.is_empty());
    assert_eq!(created.default_sub_type, None);
}
