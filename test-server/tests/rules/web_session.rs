//! Who may read consent data and manage clients: the `polar_session` cookie only; API
//! tokens are not permitted and the session sent as a bearer is an invalid token.

use polar_oauth2::Scope;
use polar_oauth2_test_server::{CONFIDENTIAL_CLIENT_ID, TestServer};
use reqwest::StatusCode;
use serde_json::json;

use crate::support::*;

async fn consent_data_with_bearer(
    server: &TestServer,
    url: &str,
    bearer: &str,
) -> reqwest::Response {
    get_with_bearer(consent_data_url(server, url), bearer).await
}

#[tokio::test]
async fn the_web_session_as_a_bearer_is_an_invalid_token_for_consent_data_and_registration() {
    let server = start().await;
    let session = server.web_session_token();
    let pending = openid_request(&server);
    let (status, headers, body) =
        json(consent_data_with_bearer(&server, pending.url(), session.secret()).await).await;
    assert_authlib_invalid_token(status, &headers, &body);
    let (status, headers, body) =
        json(create_client(&server, Some(session.secret()), &register_body()).await).await;
    assert_authlib_invalid_token(status, &headers, &body);
    let url = format!(
        "{}/v1/oauth2/register/{CONFIDENTIAL_CLIENT_ID}",
        server.base_url()
    );
    let (status, headers, body) = json(get_with_bearer(&url, session.secret()).await).await;
    assert_authlib_invalid_token(status, &headers, &body);
}

#[tokio::test]
async fn api_tokens_are_not_permitted_to_read_consent_data_or_manage_clients() {
    let server = start().await;
    let pending = openid_request(&server);
    let token = token_for(&server, &[Scope::Openid]).await;
    let pat = server.personal_access_token();
    let url = format!(
        "{}/v1/oauth2/register/{CONFIDENTIAL_CLIENT_ID}",
        server.base_url()
    );
    for bearer in [field(&token, "access_token"), pat.secret()] {
        let (status, _, body) =
            json(consent_data_with_bearer(&server, pending.url(), bearer).await).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert_eq!(
            body,
            json!({"error": "NotPermitted", "detail": "Not permitted"})
        );
        let (status, _, body) = json(get_with_bearer(&url, bearer).await).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert_eq!(
            body,
            json!({"error": "NotPermitted", "detail": "Not permitted"})
        );
    }
}

#[tokio::test]
async fn consent_data_without_a_session_is_401_unauthorized() {
    let server = start().await;
    let pending = openid_request(&server);
    let response = get(consent_data_url(&server, pending.url())).await;
    let (status, _, body) = json(response).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body, json!({"detail": "Unauthorized"}));
}

#[tokio::test]
async fn registration_and_management_take_the_session_cookie() {
    let server = start().await;
    let cookie = session_cookie(&server);
    let response = http()
        .post(format!("{}/v1/oauth2/register", server.base_url()))
        .header("cookie", &cookie)
        .json(&register_body())
        .send()
        .await
        .unwrap();
    let (status, _, created) = json(response).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let url = format!(
        "{}/v1/oauth2/register/{}",
        server.base_url(),
        field(&created, "client_id")
    );
    let (status, _, read) = json(
        http()
            .get(&url)
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{read}");
    assert_eq!(read["client_id"], created["client_id"]);
}
