//! Error answers of any operation: OAuth errors, Polar's envelope, validation errors, HTML
//! pages and bodies that do not decode, each a typed error naming what was wrong.

use polar_oauth2::Error;
use polar_oauth2::{AuthorizeParams, OAuthErrorCode, SessionToken};

use super::support::{Reply, Server};
use super::{creds, token};

/// The error of a refresh against a server answering with `reply`.
async fn refresh_error(reply: Reply) -> Error {
    let server = Server::reply(reply).await;
    server
        .client()
        .refresh(&creds(), &polar_oauth2::RefreshToken::new("r"))
        .await
        .unwrap_err()
}

#[tokio::test]
async fn invalid_grant_is_an_oauth_error() {
    let err = token(
        400,
        r#"{"error":"invalid_grant","error_description":"Refresh token revoked"}"#,
    )
    .await
    .unwrap_err();
    let oauth = err.as_oauth().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!(oauth.code, OAuthErrorCode::InvalidGrant);
    assert_eq!(oauth.status.as_u16(), 400);
    assert_eq!(oauth.description.as_deref(), Some("Refresh token revoked"));
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn invalid_client_keeps_www_authenticate() {
    let err = refresh_error(
        Reply::json(401, r#"{"error":"invalid_client"}"#)
            .header("www-authenticate", "Bearer realm=\"polar\"")
            .header("cache-control", "no-store"),
    )
    .await;
    let oauth = err.as_oauth().unwrap();
    assert_eq!(oauth.code, OAuthErrorCode::InvalidClient);
    assert_eq!(oauth.status.as_u16(), 401);
    assert_eq!(
        oauth.www_authenticate.as_deref(),
        Some("Bearer realm=\"polar\"")
    );
}

#[tokio::test]
async fn unknown_oauth_error_code_is_kept() {
    let err = token(400, r#"{"error":"slow_down"}"#).await.unwrap_err();
    assert_eq!(
        err.as_oauth().unwrap().code,
        OAuthErrorCode::Extension("slow_down".into())
    );
}

#[tokio::test]
async fn polars_error_envelope_keeps_its_name_and_detail() {
    for (status, body, name, detail) in [
        (401, r#"{"detail":"Unauthorized"}"#, None, "Unauthorized"),
        (
            403,
            r#"{"error":"NotPermitted","detail":"Not permitted"}"#,
            Some("NotPermitted"),
            "Not permitted",
        ),
        (404, r#"{"detail":"Not Found"}"#, None, "Not Found"),
    ] {
        let server = Server::reply(Reply::json(status, body)).await;
        let err = server
            .client()
            .consent_data(
                &SessionToken::new("polar_us_test"),
                &AuthorizeParams::default(),
            )
            .await
            .unwrap_err();
        let Error::Polar(polar) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(polar.status.as_u16(), status);
        assert_eq!(polar.error.as_deref(), name);
        assert_eq!(polar.detail, detail);
        assert!(err.to_string().contains(detail), "{err}");
    }
}

/// Polar's 422 carries `"error": "RequestValidationError"` beside FastAPI's list: still a
/// validation error, its issues kept.
#[tokio::test]
async fn polars_validation_envelope_is_a_validation_error() {
    let body = r#"{"error":"RequestValidationError","detail":[{"type":"missing","loc":["body","client_name"],"msg":"Field required","input":{}}]}"#;
    let err = token(422, body).await.unwrap_err();
    let Error::Validation(v) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(v.detail[0].loc, ["body", "client_name"]);
}

#[tokio::test]
async fn validation_error_lists_fields() {
    let body = r#"{"detail":[{"loc":["body","grant_type"],"msg":"Field required","type":"missing"},{"loc":["body",0],"msg":"x","type":"y"}]}"#;
    let err = token(422, body).await.unwrap_err();
    let Error::Validation(v) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(v.detail[0].loc, ["body", "grant_type"]);
    assert_eq!(v.detail[0].kind, "missing");
    assert_eq!(v.detail[1].loc, ["body", "0"]);
    assert!(
        err.to_string().contains("body.grant_type: Field required"),
        "{err}"
    );
}

#[tokio::test]
async fn html_500_is_an_http_error_with_an_excerpt() {
    let err = refresh_error(Reply::with_content_type(
        500,
        "text/html",
        "<html><body>Internal Server Error</body></html>",
    ))
    .await;
    let Error::Http(http) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(http.status.as_u16(), 500);
    assert_eq!(http.content_type.as_deref(), Some("text/html"));
    assert!(http.excerpt.contains("Internal Server Error"));
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn invalid_json_200_is_a_decode_error_with_position() {
    let err = token(200, r#"{"access_token": "polar_at_u_secret", oops}"#)
        .await
        .unwrap_err();
    let Error::Decode(d) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(d.line, 1);
    assert!(d.column > 0);
    assert!(!err.to_string().contains("polar_at_u_secret"), "{err}");
}

#[tokio::test]
async fn empty_200_is_a_decode_error() {
    let err = token(200, "").await.unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
    assert!(err.to_string().contains("empty body"), "{err}");
}

#[tokio::test]
async fn token_missing_access_token_names_the_field() {
    let err = token(
        200,
        r#"{"token_type":"Bearer","expires_in":1,"scope":"","refresh_token":"polar_rt_u_leak"}"#,
    )
    .await
    .unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("missing field `access_token`"), "{msg}");
    assert!(!msg.contains("polar_rt_u_leak"), "{msg}");
}
