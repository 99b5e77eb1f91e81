//! Every operation of the spec, called through the facade against a loopback server that checks
//! the wire: method, path, form or JSON body, and `Authorization` present exactly where the
//! spec's `security` asks for one. The operations and their security come from the spec the
//! build reads (the generator's own rules), not from a list written here.

// Tests state their expectations with unwrap/expect/panic: a failure is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeMap;
use std::path::PathBuf;

use polar_oauth2::{
    AccessToken, AuthorizeParams, Client, ClientCredentials, ClientRegistration, ClientSecret,
    ClientUpdate, Error, IntrospectedTokenType, RefreshToken, RegistrationAccessToken, Scope,
    Server as PolarServer, SessionToken, SubType,
};
use polar_oauth2_codegen::downgrade;
use polar_oauth2_codegen::shape::{Bearer, bearer, operations};
use serde_json::{Value, json};
use support::{Recorded, Reply, Server, TOKEN_BODY, USER_SUB, authorize_body};

const CLIENT_ID: &str = "polar_ci_test_operations";
const CLIENT_SECRET: &str = "polar_cs_test_operations_secret";
const ACCESS: &str = "polar_at_u_test_operations_access";
const REFRESH: &str = "polar_rt_u_test_operations_refresh";
const SESSION: &str = "polar_us_test_operations_session";
const REGISTRATION: &str = "polar_crt_test_operations_registration";

/// One operation of the spec: method, path template, `operationId`, whether it takes a bearer.
#[derive(Debug, Clone)]
struct Operation {
    method: String,
    path: String,
    id: String,
    bearer: Bearer,
    /// Whether a success response of the spec has a JSON body.
    json_response: bool,
}

/// The operations of the vendored spec, read the way the build reads it.
fn spec_operations() -> Vec<Operation> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut doc = polar_oauth2_codegen::load_spec(&root.join("spec"))
        .unwrap()
        .value;
    downgrade::downgrade(&mut doc).unwrap();
    operations(&doc)
        .into_iter()
        .map(|ptr| {
            let op = doc.pointer(&ptr).unwrap();
            let mut parts = ptr.trim_start_matches("/paths/").rsplitn(2, '/');
            let method = parts.next().unwrap().to_ascii_uppercase();
            let path = parts.next().unwrap().replace("~1", "/").replace("~0", "~");
            Operation {
                method,
                path,
                id: op["operationId"].as_str().unwrap().to_owned(),
                bearer: bearer(&doc, &ptr),
                json_response: op["responses"].as_object().into_iter().flatten().any(
                    |(status, response)| {
                        status.starts_with('2')
                            && response.pointer("/content/application~1json").is_some()
                    },
                ),
            }
        })
        .collect()
}

/// Whether `path` is an instance of the template `template` (`{name}` matches one segment).
fn matches(template: &str, path: &str) -> bool {
    let (t, p): (Vec<_>, Vec<_>) = (template.split('/').collect(), path.split('/').collect());
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(t, p)| (t.starts_with('{') && t.ends_with('}')) || t == p)
}

fn registered_client() -> Value {
    json!({
        "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
        "client_id_issued_at": 1_767_225_600, "client_secret_expires_at": 0,
        "client_name": "Operations", "redirect_uris": ["https://app.example.com/callback"],
        "token_endpoint_auth_method": "client_secret_post",
        "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"],
        "scope": "openid email", "registration_access_token": REGISTRATION,
        "registration_client_uri": "https://api.polar.sh/v1/oauth2/register/polar_ci_test_operations",
    })
}

/// A loopback server answering each operation as Polar does.
async fn polar_like() -> Server {
    Server::answering(|request| {
        let path = request.path();
        match (request.method.as_str(), path) {
            ("POST", "/v1/oauth2/token") => Reply::json(200, TOKEN_BODY),
            ("POST", "/v1/oauth2/revoke") => Reply::json(200, "{}"),
            ("POST", "/v1/oauth2/introspect") => Reply::json(
                200,
                json!({"active": true, "client_id": CLIENT_ID, "token_type": "access_token",
                       "scope": "openid email", "sub_type": "user",
                       "sub": "0b9f7c56-2a57-4c4f-a1b8-6a9d2c3e4f50", "organizations": [],
                       "aud": CLIENT_ID, "iss": "https://polar.sh", "exp": 1_767_225_600,
                       "iat": 1_766_361_600})
                .to_string(),
            ),
            ("GET", "/v1/oauth2/userinfo") => Reply::json(
                200,
                r#"{"sub":"0b9f7c56-2a57-4c4f-a1b8-6a9d2c3e4f50","email":"ada@example.com","email_verified":true}"#,
            ),
            ("GET", "/v1/oauth2/authorize") => Reply::json(200, authorize_body("user", USER_SUB, "")),
            ("DELETE", _) => Reply::with_content_type(204, "application/json", Vec::new()),
            // Polar answers registration with 201 Created (the spec says 200).
            ("POST", "/v1/oauth2/register") => Reply::json(201, registered_client().to_string()),
            (_, p) if p.starts_with("/v1/oauth2/register") => {
                Reply::json(200, registered_client().to_string())
            }
            _ => Reply::json(404, r#"{"detail":"Not Found"}"#),
        }
    })
    .await
}

fn credentials() -> ClientCredentials {
    ClientCredentials::confidential(CLIENT_ID, ClientSecret::new(CLIENT_SECRET))
}

/// Call every operation of the facade once, in the spec's order of paths.
async fn call_every_operation(client: &Client) {
    let access = AccessToken::new(ACCESS);
    let refresh = RefreshToken::new(REFRESH);
    let session = SessionToken::new(SESSION);
    let registration = RegistrationAccessToken::new(REGISTRATION);
    let metadata = ClientRegistration::new("Operations", ["https://app.example.com/callback"])
        .scope([Scope::Openid, Scope::Email].into_iter().collect())
        .default_sub_type(SubType::User);

    // As the signed-in user (the session cookie); Polar also registers anonymously.
    let created = client
        .register_client(Some(&session), &metadata)
        .await
        .unwrap();
    assert_eq!(created.client_id, CLIENT_ID);
    assert_eq!(
        created
            .registration_access_token
            .as_ref()
            .map(|t| t.secret()),
        Some(REGISTRATION)
    );
    let read = client.get_client(&registration, CLIENT_ID).await.unwrap();
    assert_eq!(read.client_name.as_deref(), Some("Operations"));
    client
        .update_client(&session, &ClientUpdate::new(CLIENT_ID, metadata.clone()))
        .await
        .unwrap();
    client
        .delete_client(&registration, CLIENT_ID)
        .await
        .unwrap();
    let consent = client
        .consent_data(&session, &AuthorizeParams::new(CLIENT_ID).state("s"))
        .await
        .unwrap();
    assert_eq!(consent.sub_type(), SubType::User);
    let token = client.refresh(&credentials(), &refresh).await.unwrap();
    assert!(token.scope().contains(&Scope::Email));
    client.revoke(&credentials(), &refresh).await.unwrap();
    let introspection = client.introspect(&credentials(), &access).await.unwrap();
    let active = introspection.active().expect("active");
    assert_eq!(active.token_type, IntrospectedTokenType::AccessToken);
    let me = client.userinfo(&access).await.unwrap();
    assert_eq!(me.email_verified, Some(true));
}

#[tokio::test]
async fn every_operation_of_the_spec_goes_through_the_facade_with_its_method_and_path() {
    let server = polar_like().await;
    call_every_operation(&server.client()).await;
    let requests = server.requests();
    let spec = spec_operations();
    assert!(!spec.is_empty());
    let mut called: BTreeMap<String, usize> = BTreeMap::new();
    for request in &requests {
        let op = spec
            .iter()
            .find(|op| op.method == request.method && matches(&op.path, request.path()))
            .unwrap_or_else(|| {
                panic!(
                    "{} {} is no operation of the spec",
                    request.method, request.target
                )
            });
        *called.entry(op.id.clone()).or_default() += 1;
    }
    let missing: Vec<&str> = spec
        .iter()
        .filter(|op| !called.contains_key(&op.id))
        .map(|op| op.id.as_str())
        .collect();
    assert!(
        missing.is_empty(),
        "operations the facade never called: {missing:?}"
    );
}

#[tokio::test]
async fn a_credential_is_sent_exactly_where_the_spec_asks_for_one() {
    let server = polar_like().await;
    call_every_operation(&server.client()).await;
    let spec = spec_operations();
    for request in server.requests() {
        let op = spec
            .iter()
            .find(|op| op.method == request.method && matches(&op.path, request.path()))
            .unwrap();
        let authorization = request.header("authorization");
        match op.bearer {
            Bearer::None => assert_eq!(authorization, None, "{}", op.id),
            // The signed-in user's credential is the session cookie, not a bearer (Polar reads
            // a web session from nowhere else), whatever the document says.
            Bearer::Optional | Bearer::Required if request.header("cookie").is_some() => {
                assert_eq!(authorization, None, "{}", op.id);
            }
            // Sent when the caller has one.
            Bearer::Optional if authorization.is_none() => {}
            Bearer::Optional | Bearer::Required => {
                let value = authorization.unwrap_or_else(|| panic!("{}: no bearer", op.id));
                let token = value.strip_prefix("Bearer ").expect("a bearer token");
                assert!(
                    [ACCESS, REGISTRATION].contains(&token),
                    "{}: {value}",
                    op.id
                );
                assert_eq!(request.header_count("authorization"), 1, "{}", op.id);
            }
        }
    }
}

/// Polar reads a web session only from its `polar_session` cookie: the session never travels
/// as a bearer, and the cookie only goes where the spec lets a signed-in user in.
#[tokio::test]
async fn the_web_session_travels_as_polars_session_cookie_and_only_there() {
    let server = polar_like().await;
    call_every_operation(&server.client()).await;
    let spec = spec_operations();
    let mut with_cookie = 0;
    for request in server.requests() {
        let op = spec
            .iter()
            .find(|op| op.method == request.method && matches(&op.path, request.path()))
            .unwrap();
        assert!(
            request
                .header("authorization")
                .is_none_or(|a| !a.contains(SESSION)),
            "{}: the session as a bearer",
            op.id
        );
        if let Some(cookie) = request.header("cookie") {
            assert_eq!(cookie, format!("polar_session={SESSION}"), "{}", op.id);
            assert!(
                op.bearer != Bearer::None,
                "{}: a cookie without a credential",
                op.id
            );
            with_cookie += 1;
        }
    }
    // Consent data, registration and the update were called with the session.
    assert_eq!(with_cookie, 3);
}

/// Header hygiene on every operation: this crate's user agent once, one `Accept`
/// (`application/json` where the spec answers with JSON), and no `api-version` (the spec's `info.version`, which progenitor would add and Polar
/// ignores; the generator no longer builds it, see `codegen/src/requests.rs`).
#[tokio::test]
async fn every_operation_carries_our_user_agent_and_no_api_version() {
    let server = polar_like().await;
    call_every_operation(&server.client()).await;
    let requests = server.requests();
    assert!(!requests.is_empty());
    let spec = spec_operations();
    for request in requests {
        let target = &request.target;
        let op = spec
            .iter()
            .find(|op| op.method == request.method && matches(&op.path, request.path()))
            .unwrap();
        // A JSON answer is asked for as progenitor asks; otherwise reqwest's default.
        let accept = if op.json_response {
            "application/json"
        } else {
            "*/*"
        };
        assert_eq!(request.header_count("api-version"), 0, "{target}");
        assert_eq!(request.header_count("user-agent"), 1, "{target}");
        assert_eq!(
            request.header("user-agent"),
            Some(concat!("polar-oauth2-rust/", env!("CARGO_PKG_VERSION"))),
            "{target}"
        );
        assert_eq!(request.header_count("accept"), 1, "{target}");
        assert_eq!(request.header("accept"), Some(accept), "{target}");
    }
}

fn by_path(requests: &[Recorded], method: &str, path: &str) -> Recorded {
    requests
        .iter()
        .find(|r| r.method == method && r.path() == path)
        .cloned()
        .unwrap_or_else(|| panic!("no {method} {path}"))
}

fn form(request: &Recorded) -> BTreeMap<String, String> {
    assert_eq!(
        request.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    request.form().into_iter().collect()
}

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

#[tokio::test]
async fn an_inactive_token_is_inactive_not_an_error() {
    let server = Server::reply(Reply::json(200, r#"{"active":false}"#)).await;
    let introspection = server
        .client()
        .introspect(&credentials(), &AccessToken::new(ACCESS))
        .await
        .unwrap();
    assert!(!introspection.is_active());
}

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

#[tokio::test]
async fn a_caller_client_with_a_default_authorization_header_is_refused_before_any_request() {
    // A caller's own reqwest client needs a process-wide rustls provider (reqwest's
    // `rustls-no-provider`); the app installs one, as here.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let server = polar_like().await;
    let mut defaults = reqwest::header::HeaderMap::new();
    defaults.insert(
        reqwest::header::AUTHORIZATION,
        reqwest::header::HeaderValue::from_static("Bearer polar_pat_test_leaked"),
    );
    let http = reqwest::Client::builder()
        .default_headers(defaults)
        .build()
        .unwrap();
    let e = Client::builder(PolarServer::Custom(server.base_url.clone()))
        .http_client(http)
        .build()
        .unwrap_err();
    assert!(
        e.to_string().contains("default Authorization header"),
        "{e}"
    );
    assert!(!e.to_string().contains("polar_pat_test_leaked"));
    assert!(server.requests().is_empty());

    // The same client without that header works, and token requests carry no Authorization.
    let mut defaults = reqwest::header::HeaderMap::new();
    defaults.insert("x-app", reqwest::header::HeaderValue::from_static("1"));
    let http = reqwest::Client::builder()
        .default_headers(defaults)
        .build()
        .unwrap();
    let client = Client::builder(PolarServer::Custom(server.base_url.clone()))
        .http_client(http)
        .build()
        .unwrap();
    client
        .refresh(&credentials(), &RefreshToken::new(REFRESH))
        .await
        .unwrap();
    client
        .revoke(&credentials(), &RefreshToken::new(REFRESH))
        .await
        .unwrap();
    for request in server.requests() {
        assert_eq!(request.header("x-app"), Some("1"));
        assert_eq!(request.header("authorization"), None, "{}", request.target);
    }
}

/// A client id that URL parsing would resolve away (`..` climbs a segment) or that names no
/// segment is refused before anything is sent, by every operation whose path has a parameter.
#[tokio::test]
async fn a_path_parameter_that_is_a_dot_segment_or_empty_is_refused_before_sending() {
    let server = Server::reply(Reply::json(200, registered_client().to_string())).await;
    let client = server.client();
    let registration = RegistrationAccessToken::new(REGISTRATION);
    let metadata = ClientRegistration::new("Operations", ["https://app.example.com/callback"]);
    let with_parameters: Vec<Operation> = spec_operations()
        .into_iter()
        .filter(|op| op.path.contains('{'))
        .collect();
    assert!(!with_parameters.is_empty());
    for op in &with_parameters {
        for id in [".", "..", "", "%2e", "%2E%2e", ".%2e"] {
            let result = match (op.method.as_str(), op.path.as_str()) {
                ("GET", "/v1/oauth2/register/{client_id}") => {
                    client.get_client(&registration, id).await.map(drop)
                }
                ("PUT", "/v1/oauth2/register/{client_id}") => client
                    .update_client(&registration, &ClientUpdate::new(id, metadata.clone()))
                    .await
                    .map(drop),
                ("DELETE", "/v1/oauth2/register/{client_id}") => {
                    client.delete_client(&registration, id).await
                }
                (method, path) => panic!("{method} {path}: call it here"),
            };
            // `%2e` as typed by the caller is a plain id: its `%` is encoded, it stays a segment.
            if id.contains('%') {
                result.unwrap_or_else(|e| panic!("{} {id:?}: {e}", op.id));
                let sent = server.requests().pop().unwrap();
                let encoded = id.replace('%', "%25");
                assert_eq!(
                    sent.path(),
                    format!("/v1/oauth2/register/{encoded}"),
                    "{}",
                    op.id
                );
                continue;
            }
            let before = server.requests().len();
            match result {
                Err(Error::InvalidRequest(message)) => {
                    assert!(message.contains("path parameter"), "{message}")
                }
                other => panic!("{} {id:?}: expected a refusal, got {other:?}", op.id),
            }
            assert_eq!(server.requests().len(), before, "{} {id:?}: sent", op.id);
        }
    }
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
