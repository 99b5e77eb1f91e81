//! One `Client` keeps one keep-alive connection: sequential calls never pay for a new TCP
//! connection (and, against the real API, a new TLS handshake). The loopback server counts the
//! connections it accepts.

use super::support::{Reply, Server};
use polar_oauth2::{
    AuthorizeParams, ClientCredentials, ClientSecret, Error, RefreshToken, SessionToken, SubType,
};

const TOKEN: &str = r#"{"access_token":"polar_at_u_a","token_type":"Bearer","expires_in":3600,"refresh_token":"polar_rt_u_b","scope":"openid email"}"#;
const AUTHORIZE: &str = r#"{"client":{"created_at":"2025-01-14T10:22:31Z","modified_at":null,"client_id":"polar_ci_x","client_name":"Acme","client_uri":null,"logo_uri":null,"tos_uri":null,"policy_uri":null},"sub_type":"user","sub":null,"scopes":["openid","email"],"organizations":[],"scope_display_names":{"openid":"OpenID","email":"Read your email address"}}"#;
const INVALID_GRANT: &str =
    r#"{"error":"invalid_grant","error_description":"The refresh token was revoked."}"#;

/// A keep-alive server on `127.0.0.1:0` answering every token request with `token` (status and
/// body) and every authorize request with a consent response; it counts accepted connections.
async fn counting_server(token: (u16, &'static str)) -> Server {
    Server::answering(move |request| {
        if request.path() == "/v1/oauth2/token" {
            Reply::json(token.0, token.1).header("cache-control", "no-store")
        } else {
            Reply::json(200, AUTHORIZE)
        }
    })
    .await
}

fn credentials() -> ClientCredentials {
    ClientCredentials::confidential("polar_ci_x", ClientSecret::new("polar_cs_y"))
}

#[tokio::test]
async fn hundred_sequential_calls_use_one_connection() {
    let server = counting_server((200, TOKEN)).await;
    let client = server.client();
    let refresh_token = RefreshToken::new("polar_rt_u_a");
    let session = SessionToken::new("polar_us_a");
    let params = AuthorizeParams::new("polar_ci_x").state("s");
    for call in 0..100 {
        // Both operations, alternating: each must leave the connection ready for the next.
        if call % 2 == 0 {
            let token = client
                .refresh(&credentials(), &refresh_token)
                .await
                .unwrap();
            assert_eq!(token.scope().len(), 2);
        } else {
            let consent = client.consent_data(&session, &params).await.unwrap();
            assert_eq!(consent.sub_type(), SubType::User);
        }
    }
    assert_eq!(server.requests().len(), 100);
    assert_eq!(server.connections(), 1, "connections opened for 100 calls");
}

#[tokio::test]
async fn clones_share_the_connection() {
    let server = counting_server((200, TOKEN)).await;
    let client = server.client();
    let refresh_token = RefreshToken::new("polar_rt_u_a");
    for _ in 0..10 {
        let clone = client.clone();
        clone.refresh(&credentials(), &refresh_token).await.unwrap();
    }
    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn oauth_error_responses_keep_the_connection() {
    let server = counting_server((400, INVALID_GRANT)).await;
    let client = server.client();
    let refresh_token = RefreshToken::new("polar_rt_u_revoked");
    for _ in 0..20 {
        let error = client
            .refresh(&credentials(), &refresh_token)
            .await
            .unwrap_err();
        assert!(
            matches!(&error, Error::OAuth(e) if e.code.as_str() == "invalid_grant"),
            "{error:?}"
        );
    }
    assert_eq!(server.requests().len(), 20);
    assert_eq!(
        server.connections(),
        1,
        "connections opened for 20 error responses"
    );
}
