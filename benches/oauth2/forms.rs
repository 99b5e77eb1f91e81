//! The form body of each grant against `serde_urlencoded` of a plain struct.

use criterion::Criterion;
use polar_oauth2::{
    AuthorizationCode, AuthorizationCodeGrant, ClientCredentials, ClientSecret, PkceCodeVerifier,
    RefreshToken, RefreshTokenGrant, Scope, ScopeSet, SessionToken, SubType, TokenRequest,
    WebGrant,
};
use serde::Serialize;

use crate::common::*;
use crate::measure::pair;

#[derive(Serialize)]
struct BaselineAuthorizationCodeForm {
    grant_type: &'static str,
    client_id: String,
    client_secret: String,
    code: String,
    redirect_uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    code_verifier: Option<String>,
}

#[derive(Serialize)]
struct BaselineRefreshForm {
    grant_type: &'static str,
    client_id: String,
    client_secret: String,
    refresh_token: String,
}

#[derive(Serialize)]
struct BaselineWebForm {
    grant_type: &'static str,
    client_id: String,
    client_secret: String,
    session_token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<String>,
}

pub fn form_encoding(c: &mut Criterion) {
    let credentials = ClientCredentials::confidential(CLIENT_ID, ClientSecret::new(CLIENT_SECRET));
    let scope: ScopeSet = SCOPES
        .iter()
        .filter_map(|s| Scope::from_wire(s).ok())
        .collect();
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let code = "polar_ac_Qw8Er4Ty6Ui2Op0As3Df5Gh7Jk9Lz1Xc";
    let session = "polar_us_Mn4Bv6Cx8Zl2Kj0Hg3Fd5Sa7Qw9Er1Ty";
    let sub = "3f2b8c1e-6a4d-4e7f-9b0a-5c8d2e1f4a6b";

    let ours: TokenRequest = AuthorizationCodeGrant::new(
        credentials.clone(),
        AuthorizationCode::new(code),
        REDIRECT_URI,
    )
    .code_verifier(PkceCodeVerifier::new(verifier))
    .into();
    let base = BaselineAuthorizationCodeForm {
        grant_type: "authorization_code",
        client_id: CLIENT_ID.to_owned(),
        client_secret: CLIENT_SECRET.to_owned(),
        code: code.to_owned(),
        redirect_uri: REDIRECT_URI.to_owned(),
        code_verifier: Some(verifier.to_owned()),
    };
    form_pair(c, "form_authorization_code", &ours, &base);

    let ours: TokenRequest =
        RefreshTokenGrant::new(credentials.clone(), RefreshToken::new(REFRESH_TOKEN)).into();
    let base = BaselineRefreshForm {
        grant_type: "refresh_token",
        client_id: CLIENT_ID.to_owned(),
        client_secret: CLIENT_SECRET.to_owned(),
        refresh_token: REFRESH_TOKEN.to_owned(),
    };
    form_pair(c, "form_refresh_token", &ours, &base);

    let ours: TokenRequest = WebGrant::new(credentials, SessionToken::new(session))
        .sub_type(SubType::Organization)
        .sub(sub)
        .scope(scope)
        .into();
    let base = BaselineWebForm {
        grant_type: "web",
        client_id: CLIENT_ID.to_owned(),
        client_secret: CLIENT_SECRET.to_owned(),
        session_token: session.to_owned(),
        sub_type: Some("organization"),
        sub: Some(sub.to_owned()),
        scope: Some(SCOPES.join(" ")),
    };
    form_pair(c, "form_web", &ours, &base);
}

/// Both bodies must be byte-identical before they are timed.
fn form_pair(c: &mut Criterion, group: &'static str, ours: &TokenRequest, base: &impl Serialize) {
    let ours_form = serde_urlencoded::to_string(ours).expect("crate form");
    assert_eq!(
        ours_form,
        serde_urlencoded::to_string(base).expect("baseline form"),
        "{group}"
    );
    pair(
        c,
        group,
        "crate",
        || serde_urlencoded::to_string(base).expect("baseline form"),
        || serde_urlencoded::to_string(ours).expect("crate form"),
    );
}
