//! The spec's operations read the way the build reads them, a loopback server answering each
//! as Polar does, and a run of the facade calling every one of them once.

use std::collections::BTreeMap;
use std::path::PathBuf;

use polar_oauth2::{
    AccessToken, AuthorizeParams, Client, ClientCredentials, ClientRegistration, ClientSecret,
    ClientUpdate, IntrospectedTokenType, RefreshToken, RegistrationAccessToken, Scope,
    SessionToken, SubType,
};
use polar_oauth2_codegen::downgrade;
use polar_oauth2_codegen::shape::{Bearer, bearer, operations};
use serde_json::{Value, json};

use super::support::{Recorded, Reply, Server, TOKEN_BODY, USER_SUB, authorize_body};

pub const CLIENT_ID: &str = "polar_ci_test_operations";
pub const CLIENT_SECRET: &str = "polar_cs_test_operations_secret";
pub const ACCESS: &str = "polar_at_u_test_operations_access";
pub const REFRESH: &str = "polar_rt_u_test_operations_refresh";
pub const SESSION: &str = "polar_us_test_operations_session";
pub const REGISTRATION: &str = "polar_crt_test_operations_registration";

/// One operation of the spec: method, path template, `operationId`, whether it takes a bearer.
#[derive(Debug, Clone)]
pub struct Operation {
    pub method: String,
    pub path: String,
    pub id: String,
    pub bearer: Bearer,
    /// Whether a success response of the spec has a JSON body.
    pub json_response: bool,
}

/// The operations of the vendored spec, read the way the build reads it.
pub fn spec_operations() -> Vec<Operation> {
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
pub fn matches(template: &str, path: &str) -> bool {
    let (t, p): (Vec<_>, Vec<_>) = (template.split('/').collect(), path.split('/').collect());
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(t, p)| (t.starts_with('{') && t.ends_with('}')) || t == p)
}

pub fn registered_client() -> Value {
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
pub async fn polar_like() -> Server {
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

pub fn credentials() -> ClientCredentials {
    ClientCredentials::confidential(CLIENT_ID, ClientSecret::new(CLIENT_SECRET))
}

/// Call every operation of the facade once, in the spec's order of paths.
pub async fn call_every_operation(client: &Client) {
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

/// The request of `method` to `path` among `requests`.
pub fn by_path(requests: &[Recorded], method: &str, path: &str) -> Recorded {
    requests
        .iter()
        .find(|r| r.method == method && r.path() == path)
        .cloned()
        .unwrap_or_else(|| panic!("no {method} {path}"))
}

/// The request's form, checking it was sent as one.
pub fn form(request: &Recorded) -> BTreeMap<String, String> {
    assert_eq!(
        request.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    request.form().into_iter().collect()
}
