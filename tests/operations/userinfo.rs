//! The userinfo endpoint: its errors are typed and hold no token.

use polar_oauth2::{AccessToken, ClientRegistration, Error};

use super::spec::ACCESS;
use super::support::{Reply, Server};

#[tokio::test]
async fn userinfo_errors_and_registration_validation_errors_are_typed_and_scrubbed() {
    let server = Server::reply(
        Reply::json(
            401,
            format!(r#"{{"error":"invalid_token","error_description":"{ACCESS} is revoked"}}"#),
        )
        .header(
            "www-authenticate",
            "Bearer realm=\"polar\", error=\"invalid_token\"",
        ),
    )
    .await;
    let e = server
        .client()
        .userinfo(&AccessToken::new(ACCESS))
        .await
        .unwrap_err();
    let oauth = e.as_oauth().expect("an OAuth error");
    assert_eq!(oauth.code.as_str(), "invalid_token");
    assert!(!format!("{e} {e:?}").contains(ACCESS), "{e:?}");

    let server = Server::reply(Reply::json(
        422,
        r#"{"detail":[{"loc":["body","redirect_uris",0],"msg":"invalid URL","type":"url_parsing"}]}"#,
    ))
    .await;
    let e = server
        .client()
        .register_client(None, &ClientRegistration::new("x", ["not a url"]))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Validation(_)), "{e:?}");
}
