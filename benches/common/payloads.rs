//! The payloads Polar sends, and the credentials and inputs the benchmarks send it.

use std::fmt::Write as _;

pub const CLIENT_ID: &str = "polar_ci_Xq3kP9vTz2LmN8bR4wYc6D";
pub const CLIENT_SECRET: &str = "polar_cs_hV7nQ2xK9pL4mT8rW3zB6yF1cJ5gD0sA";
pub const REFRESH_TOKEN: &str = "polar_rt_u_Zk4Jm8Qp2Vx7Nc3Lb9Ht5Rw1Fy6Gd0Sa";
pub const ACCESS_TOKEN: &str = "polar_at_u_Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv";
/// What the canned answers hand out, distinct from what the calls send: the crate treats a
/// credential it has just received specially for a few seconds (Polar's commit race), and a
/// steady-state round trip must not carry one.
pub const ISSUED_ACCESS_TOKEN: &str = "polar_at_u_Zy9Xw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe";
pub const ISSUED_CLIENT_ID: &str = "polar_ci_Rg5Tb7Yn9Um2Ik4Ol6Pa8Sd0F";
pub const ISSUED_REGISTRATION_TOKEN: &str = "polar_crt_Mz3Nx5Bc7Vl9Kj1Hg3Fd5Sa7Qw9Er";
/// The signed-in user's web session the consent-data calls carry.
pub const SESSION_TOKEN: &str = "polar_us_Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv";
pub const REDIRECT_URI: &str = "https://app.example.com/oauth/callback";
pub const STATE: &str = "af0ifjsldkj3Rk8mZq1wX2";
pub const CODE_CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// The ten scopes asked for (and granted) in every payload.
pub const SCOPES: [&str; 10] = [
    "openid",
    "profile",
    "email",
    "user:read",
    "organizations:read",
    "products:read",
    "products:write",
    "customers:read",
    "orders:read",
    "webhooks:write",
];

/// Every known scope's label, as Polar sends `scope_display_names` when nothing changed (the
/// spec's `enumNames`, which the build reads: the fixture follows the vendored spec).
pub fn spec_display_names() -> Vec<(String, String)> {
    let names: Vec<(String, String)> = polar_oauth2::Scope::KNOWN
        .iter()
        .filter_map(|s| Some((s.as_str().to_owned(), s.display_name()?.to_owned())))
        .collect();
    assert!(!names.is_empty(), "the spec labels its scopes");
    names
}

pub fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// A `sub_type: user` authorize response, fields in the order Polar's server writes them
/// (compact JSON, as Starlette's `JSONResponse` does).
pub fn authorize_body() -> Vec<u8> {
    let mut body = String::from(concat!(
        r#"{"client":{"created_at":"2025-01-14T10:22:31.123456Z","#,
        r#""modified_at":"2025-06-02T08:01:12.654321Z","#,
        r#""client_id":"polar_ci_Xq3kP9vTz2LmN8bR4wYc6D","client_name":"Acme Analytics","#,
        r#""client_uri":"https://acme.example.com","#,
        r#""logo_uri":"https://acme.example.com/static/logo.png","#,
        r#""tos_uri":"https://acme.example.com/terms","#,
        r#""policy_uri":"https://acme.example.com/privacy"},"#,
        r#""sub_type":"user","#,
        r#""sub":{"id":"3f2b8c1e-6a4d-4e7f-9b0a-5c8d2e1f4a6b","email":"jane.doe@example.com","#,
        r#""avatar_url":"https://avatars.githubusercontent.com/u/1234567?v=4"},"#,
        r#""scopes":["#,
    ));
    for (i, scope) in SCOPES.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(&json_str(scope));
    }
    body.push_str(r#"],"organizations":[],"scope_display_names":{"#);
    for (i, (scope, name)) in spec_display_names().iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        let _ = write!(body, "{}:{}", json_str(scope), json_str(name));
    }
    body.push_str("}}");
    body.into_bytes()
}

/// A refresh grant's response (RFC 6749 §5.1) with an OpenID Connect ID token, as Polar sends it.
pub fn token_body() -> Vec<u8> {
    let id_token = format!(
        "eyJhbGciOiJSUzI1NiIsImtpZCI6InBvbGFyLTIwMjUiLCJ0eXAiOiJKV1QifQ.{}.{}",
        "eyJpc3MiOiJodHRwczovL3BvbGFyLnNoIiwic3ViIjoiM2YyYjhjMWUtNmE0ZC00ZTdmLTliMGEtNWM4ZDJlMWY0YTZiIiwiYXVkIjoicG9sYXJfY2lfWHEza1A5dlR6MkxtTjhiUjR3WWM2RCIsImV4cCI6MTc1MDAwMDAwMCwiaWF0IjoxNzQ5OTk2NDAwLCJhdXRoX3RpbWUiOjE3NDk5OTY0MDAsIm5vbmNlIjoibjAxIiwiZW1haWwiOiJqYW5lLmRvZUBleGFtcGxlLmNvbSIsImVtYWlsX3ZlcmlmaWVkIjp0cnVlfQ",
        "c2lnbmF0dXJlLXBsYWNlaG9sZGVyLXRoYXQtaXMtYXMtbG9uZy1hcy1hbi1yczI1Ni1zaWduYXR1cmUtd291bGQtYmUtaW4tcHJhY3RpY2UtMjU2LWJ5dGVzLWJhc2U2NHVybC1lbmNvZGVkLXNvLXRoaXMtcGFkcy1pdC1vdXQtYS1iaXQtbW9yZQ",
    );
    format!(
        r#"{{"access_token":"{ISSUED_ACCESS_TOKEN}","token_type":"Bearer","expires_in":3600,"refresh_token":"polar_rt_u_Nw2Qe8Rt4Yu6Io0Pa3Sd5Fg7Hj9Kl1Zx","id_token":"{id_token}","scope":"{}"}}"#,
        SCOPES.join(" ")
    )
    .into_bytes()
}

pub const REGISTRATION_TOKEN: &str = "polar_crt_Lk9Jh7Gf5Ds3Aq1Zw2Xe4Cr6Vt8By0Nu";
pub const SUB: &str = "3f2b8c1e-6a4d-4e7f-9b0a-5c8d2e1f4a6b";

/// An active access token's introspection (RFC 7662 §2.2, Polar's claims).
pub fn introspect_body() -> Vec<u8> {
    format!(
        r#"{{"active":true,"client_id":"{CLIENT_ID}","token_type":"access_token","scope":"{}","sub_type":"user","sub":"{SUB}","organizations":[],"aud":"{CLIENT_ID}","iss":"https://polar.sh","exp":1767225600,"iat":1766361600}}"#,
        SCOPES.join(" ")
    )
    .into_bytes()
}

/// A user token's userinfo with `openid email`.
pub fn userinfo_body() -> Vec<u8> {
    format!(r#"{{"sub":"{SUB}","email":"jane.doe@example.com","email_verified":true}}"#)
        .into_bytes()
}

/// A registered client (RFC 7591 §3.2.1), as create, get and update answer.
pub fn client_body() -> Vec<u8> {
    format!(
        r#"{{"client_id":"{ISSUED_CLIENT_ID}","client_secret":"{CLIENT_SECRET}","client_id_issued_at":1767225600,"client_secret_expires_at":0,"registration_access_token":"{ISSUED_REGISTRATION_TOKEN}","registration_client_uri":"https://api.polar.sh/v1/oauth2/register/{ISSUED_CLIENT_ID}","client_name":"Acme Analytics","redirect_uris":["{REDIRECT_URI}"],"token_endpoint_auth_method":"client_secret_post","grant_types":["authorization_code","refresh_token"],"response_types":["code"],"scope":"{}","client_uri":"https://acme.example.com","logo_uri":"https://acme.example.com/static/logo.png","tos_uri":"https://acme.example.com/terms","policy_uri":"https://acme.example.com/privacy","default_sub_type":"user"}}"#,
        SCOPES.join(" ")
    )
    .into_bytes()
}
