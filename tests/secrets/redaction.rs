//! Secrets a server sends back in disguise, over real HTTP on 127.0.0.1: the new tokens of a 200 token body that does not decode (form-encoded,
//! `\u`-escaped), and the request's own secrets echoed short, base64, lowercase-percent or
//! RFC 3986 encoded. Each error is checked in `Display` and `Debug`.

use super::support::{Reply, Server};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use polar_oauth2::{
    AuthorizationCode, AuthorizeParams, ClientCredentials, ClientSecret, Error, PkceCodeVerifier,
    SessionToken,
};

const CLIENT_ID: &str = "polar_ci_redaction";
const SECRET: &str = "cs~Sec ret/42";
const CODE: &str = "c0de"; // under 8 bytes: too short for a scrubber that skips short values
const VERIFIER: &str = "verifier-with.some~chars_0123456789abcdefghijklmnop";
const NEW_ACCESS: &str = "NEWACCESS0123456789";
const NEW_REFRESH: &str = "NEWREFRESH0123456789";

fn assert_clean(label: &str, error: &Error, secrets: &[&str]) {
    let shown = format!("{error} {error:?}");
    for secret in secrets {
        assert!(!shown.contains(secret), "{label}: {secret:?} in {shown}");
    }
}

async fn exchange(server: &Server) -> Error {
    let credentials = ClientCredentials::confidential(CLIENT_ID, ClientSecret::new(SECRET));
    server
        .client()
        .exchange_code(
            &credentials,
            AuthorizationCode::new(CODE),
            "https://app.example/cb",
            Some(PkceCodeVerifier::new(VERIFIER)),
        )
        .await
        .unwrap_err()
}

/// A Polar token written as `\uXXXX` escapes, character by character.
fn escaped_token() -> String {
    format!("polar_at_u_{NEW_ACCESS}")
        .chars()
        .map(|c| format!("\\u{:04x}", c as u32))
        .collect()
}

#[tokio::test]
async fn new_tokens_in_a_200_body_that_does_not_decode_stay_out_of_the_error() {
    let bodies = [
        (
            "form-encoded",
            "application/x-www-form-urlencoded",
            format!(
                "access_token={NEW_ACCESS}&token_type=Bearer&expires_in=3600&refresh_token={NEW_REFRESH}&scope=openid"
            ),
        ),
        (
            "\\u-escaped keys, a field missing",
            "application/json",
            format!(
                r#"{{"\u0061ccess_token": "{NEW_ACCESS}", "refresh\u005ftoken": "{NEW_REFRESH}", "token_type": "Bearer", "scope": ""}}"#
            ),
        ),
        (
            "\\u-escaped values under an unknown key",
            "application/json",
            format!(r#"{{"access": "{}", "token_type": 1}}"#, escaped_token()),
        ),
    ];
    for (label, content_type, body) in bodies {
        let server = Server::reply(Reply::with_content_type(200, content_type, body)).await;
        let error = exchange(&server).await;
        assert!(matches!(error, Error::Decode(_)), "{label}: {error:?}");
        let Error::Decode(decode) = &error else {
            unreachable!()
        };
        assert!(!decode.excerpt.is_empty(), "{label}");
        let escaped = escaped_token();
        let escaped_tail = &escaped[escaped.len() - 12..];
        assert_clean(label, &error, &[NEW_ACCESS, NEW_REFRESH, escaped_tail]);
    }
}

#[tokio::test]
async fn echoed_request_secrets_in_every_encoding_stay_out_of_the_error() {
    let lower_percent = |s: &str| -> String {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() {
                    char::from(b).to_string()
                } else {
                    format!("%{b:02x}")
                }
            })
            .collect()
    };
    let rfc3986 = |s: &str| -> String {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    char::from(b).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    };
    let echoes = [
        ("short code", format!("invalid code {CODE}")),
        (
            "lowercase percent",
            format!("bad secret {}", lower_percent(SECRET)),
        ),
        ("RFC 3986", format!("bad verifier {}", rfc3986(VERIFIER))),
        ("base64 secret", format!("got {}", STANDARD.encode(SECRET))),
        (
            "Basic id:secret",
            format!(
                "got Basic {}",
                STANDARD.encode(format!("{CLIENT_ID}:{SECRET}"))
            ),
        ),
    ];
    for (label, description) in echoes {
        let body = serde_json::json!({"error": "invalid_grant", "error_description": description});
        let server = Server::reply(Reply::json(400, body.to_string())).await;
        let error = exchange(&server).await;
        assert!(matches!(error, Error::OAuth(_)), "{label}: {error:?}");
        let base64_secret = STANDARD.encode(SECRET);
        let basic = STANDARD.encode(format!("{CLIENT_ID}:{SECRET}"));
        assert_clean(
            label,
            &error,
            &[
                CODE,
                SECRET,
                &lower_percent(SECRET),
                &rfc3986(VERIFIER),
                &base64_secret,
                &basic,
            ],
        );
    }
}

#[tokio::test]
async fn authorize_scrubs_state_nonce_and_a_plain_challenge_echoed_back() {
    let (state, nonce, challenge) = ("st8", "n0nce-value", "plain-challenge-is-the-verifier");
    let body = format!(
        "<html>state={} nonce={} challenge={}</html>",
        state,
        nonce.replace('-', "%2d"),
        challenge
    );
    let server = Server::reply(Reply::with_content_type(403, "text/html", body)).await;
    let params = AuthorizeParams::new(CLIENT_ID)
        .state(state)
        .nonce(nonce)
        .code_challenge(challenge, polar_oauth2::PkceMethod::Plain);
    let error = server
        .client()
        .consent_data(&SessionToken::new("polar_at_u_bearer_x"), &params)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Http(_)), "{error:?}");
    assert_clean("authorize", &error, &[state, "n0nce", challenge]);
}

/// A secret with no `polar_` prefix, 36 characters: only the exact-secret rules can find it.
const LONG_SECRET: &str = "cs0123456789abcdefghijklmnopqrstuvwx";
const LONG_CODE: &str = "ac_9f8e7d6c5b4a39281706f5e4d3c2b1a0";

async fn exchange_long(server: &Server) -> Error {
    let credentials = ClientCredentials::confidential(CLIENT_ID, ClientSecret::new(LONG_SECRET));
    server
        .client()
        .exchange_code(
            &credentials,
            AuthorizationCode::new(LONG_CODE),
            "https://app.example/cb",
            Some(PkceCodeVerifier::new(VERIFIER)),
        )
        .await
        .unwrap_err()
}

/// Whether some run of base64 characters in `text`, decoded from any of its first four
/// characters, contains one of `secrets`.
fn base64_reveals(text: &str, secrets: &[&str]) -> bool {
    let runs = text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '+' || c == '/'));
    runs.into_iter().any(|run| {
        (0..4.min(run.len())).any(|start| {
            let run = &run[start..];
            let run = &run[..run.len() / 4 * 4];
            STANDARD.decode(run).is_ok_and(|bytes| {
                secrets
                    .iter()
                    .any(|s| bytes.windows(s.len()).any(|w| w == s.as_bytes()))
            })
        })
    })
}

#[tokio::test]
async fn a_base64_echo_of_the_whole_request_body_hides_its_secrets_at_every_alignment() {
    let secrets = [LONG_SECRET, LONG_CODE, VERIFIER];
    for shift in 0..3 {
        let server = Server::answering(move |request| {
            let mut echoed = b"xx"[..shift].to_vec();
            echoed.extend_from_slice(&request.body);
            let description = format!("you sent {}", STANDARD.encode(&echoed));
            // The check below would see the secrets in the echo as sent.
            assert!(base64_reveals(&description, &secrets));
            let body =
                serde_json::json!({"error": "invalid_request", "error_description": description});
            Reply::json(400, body.to_string())
        })
        .await;
        let error = exchange_long(&server).await;
        assert!(matches!(error, Error::OAuth(_)), "{error:?}");
        let shown = format!("{error} {error:?}");
        assert!(!base64_reveals(&shown, &secrets), "shift {shift}: {shown}");
        assert_clean("base64 body", &error, &secrets);
    }
}

#[tokio::test]
async fn a_truncated_or_upper_cased_echo_of_the_client_secret_is_hidden() {
    let upper = LONG_SECRET.to_uppercase();
    let echoes = [
        ("first 24", LONG_SECRET[..24].to_owned()),
        ("last 24", LONG_SECRET[12..].to_owned()),
        ("middle 14", LONG_SECRET[10..24].to_owned()),
        ("upper-cased", upper.clone()),
        ("upper-cased, first 24", upper[..24].to_owned()),
    ];
    for (label, echo) in echoes {
        let description = format!("client_id ok, bad secret <{echo}>");
        let body = serde_json::json!({"error": "invalid_client", "error_description": description});
        let server = Server::reply(Reply::json(401, body.to_string())).await;
        let error = exchange_long(&server).await;
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains(&echo), "{label}: {shown}");
        assert!(
            shown.contains("bad secret <[redacted]>"),
            "{label}: {shown}"
        );
    }
}

#[tokio::test]
async fn a_200_that_does_not_decode_shows_no_value_whatever_its_field_names() {
    let bodies = [
        (
            "camelCase",
            "application/json",
            format!(
                r#"{{"accessToken": "{NEW_ACCESS}", "refreshToken": "{NEW_REFRESH}", "tokenType": "Bearer", "expiresIn": 3600}}"#
            ),
        ),
        (
            "PascalCase",
            "application/json",
            format!(
                r#"{{"AccessToken": "{NEW_ACCESS}", "RefreshToken": "{NEW_REFRESH}", "TokenType": "Bearer"}}"#
            ),
        ),
        (
            "XML",
            "application/xml",
            format!(
                "<TokenResponse><AccessToken>{NEW_ACCESS}</AccessToken><RefreshToken>{NEW_REFRESH}</RefreshToken></TokenResponse>"
            ),
        ),
        (
            "a secret where a number belongs",
            "application/json",
            format!(
                r#"{{"access_token": "x", "token_type": "Bearer", "expires_in": "{NEW_ACCESS}", "scope": ""}}"#
            ),
        ),
    ];
    for (label, content_type, body) in bodies {
        let server = Server::reply(Reply::with_content_type(200, content_type, body)).await;
        let error = exchange(&server).await;
        let Error::Decode(decode) = &error else {
            panic!("{label}: {error:?}")
        };
        assert_clean(label, &error, &[NEW_ACCESS, NEW_REFRESH]);
        // What is left still says what came back.
        assert!(!decode.excerpt.is_empty(), "{label}");
        if label == "camelCase" {
            assert!(decode.excerpt.contains("accessToken"), "{}", decode.excerpt);
        }
    }
}
