//! Rules every operation of the spec keeps: it goes through the facade with its method and
//! path, carries a credential exactly where the spec asks, the web session only as Polar's
//! cookie, this crate's user agent, and refuses a path parameter that is not one segment.

use std::collections::BTreeMap;

use polar_oauth2::{
    Client, ClientRegistration, ClientUpdate, Error, RefreshToken, RegistrationAccessToken,
    Server as PolarServer,
};
use polar_oauth2_codegen::shape::Bearer;

use super::spec::{
    ACCESS, Operation, REFRESH, REGISTRATION, SESSION, call_every_operation, credentials, matches,
    polar_like, registered_client, spec_operations,
};
use super::support::{Reply, Server};

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
/// (`application/json` where the spec answers with JSON), and no `api-version` (the spec's
/// `info.version`, which Polar ignores).
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
