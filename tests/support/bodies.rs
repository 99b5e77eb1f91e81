//! Realistic response bodies: an authorize response for either subject type, a token.

/// A complete, realistic authorize response for `sub_type` with the spec's display names.
pub fn authorize_body(sub_type: &str, sub: &str, extra: &str) -> String {
    // Both arms carry the organizations (newer documents require them, older ones ignore them).
    let orgs = r#","organizations":[{"id":"5f0c4d5e-6a4b-4c1e-9d55-2f2a7c0b1a11","slug":"acme","avatar_url":null}]"#;
    format!(
        r#"{{"client":{{"created_at":"2026-01-02T03:04:05Z","modified_at":null,"client_id":"polar_ci_test_client","client_name":"Test App","client_uri":"https://app.example","logo_uri":null,"tos_uri":null,"policy_uri":null}},"sub_type":"{sub_type}","sub":{sub},"scopes":["openid","email","orders:read"],"scope_display_names":{{"openid":"OpenID","email":"Read your email address","orders:read":"Read orders made on your organizations"}}{orgs}{extra}}}"#
    )
}

pub const USER_SUB: &str =
    r#"{"id":"0b9f7c56-2a57-4c4f-a1b8-6a9d2c3e4f50","email":"ada@example.com","avatar_url":null}"#;
pub const ORG_SUB: &str = r#"{"id":"5f0c4d5e-6a4b-4c1e-9d55-2f2a7c0b1a11","slug":"acme","avatar_url":"https://img.example/a.png"}"#;

pub const TOKEN_BODY: &str = r#"{"access_token":"polar_at_u_test_access","token_type":"Bearer","expires_in":864000,"refresh_token":"polar_rt_u_test_refresh","scope":"openid email orders:read","id_token":"eyJ.test.sig"}"#;
