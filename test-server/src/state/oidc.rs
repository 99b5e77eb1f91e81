//! OpenID Connect: ID tokens and userinfo (Core §2, §5.3), as authlib and Polar's
//! `userinfo.py` make them.

use super::caller::unauthorized;
use super::*;

impl Inner {
    /// An OpenID Connect ID token as authlib's `OpenIDCode`/`OpenIDToken` make it for Polar
    /// (`JWT_CONFIG`: RS256, issuer `https://polar.sh`, 3600 s): `iss`, `aud` (a list with the
    /// client id), `iat`, `exp`, `auth_time`, `nonce` (`null` when the authorization request
    /// had none: authlib 1.7's `get_authorization_code_claims` copies it as is), `at_hash`,
    /// then the userinfo claims (`generate_user_info`).
    pub(super) fn id_token(
        &self,
        client: &TestClient,
        scope: &[String],
        nonce: Option<String>,
        auth_time: Duration,
        token: &Value,
    ) -> Result<String, Failure> {
        let now = self.now().as_secs();
        let mut claims = Map::new();
        claims.insert("iss".into(), ISSUER.into());
        claims.insert("aud".into(), json!([client.client_id]));
        claims.insert("iat".into(), now.into());
        claims.insert("exp".into(), now.saturating_add(ID_TOKEN_LIFETIME).into());
        claims.insert("auth_time".into(), auth_time.as_secs().into());
        claims.insert("nonce".into(), nonce.map_or(Value::Null, Value::from));
        if let Some(access_token) = token.get("access_token").and_then(Value::as_str) {
            let hash = digest::digest(&digest::SHA256, access_token.as_bytes());
            let half = &hash.as_ref()[..16];
            claims.insert("at_hash".into(), URL_SAFE_NO_PAD.encode(half).into());
        }
        claims.extend(userinfo_claims(scope));
        self.signing_key.sign(&Value::Object(claims)).map_err(|e| {
            Failure::new(StatusCode::INTERNAL_SERVER_ERROR, "server_error").describe(e)
        })
    }

    /// `GET|POST /v1/oauth2/userinfo`: a bearer that is not a live access token is 401
    /// `invalid_token` (RFC 6750 §3.1); no bearer at all is Polar's `Unauthorized`.
    pub(crate) fn userinfo(&self, authorization: Option<&str>) -> Reply {
        let Some(bearer) = bearer_token(authorization) else {
            return unauthorized();
        };
        match self.live_access_token(bearer) {
            Some(token) => {
                Reply::json(StatusCode::OK, Value::Object(userinfo_claims(&token.scope)))
            }
            None => Failure::invalid_token().into_reply(),
        }
    }
}

/// Polar's `generate_user_info` for the test user: `sub` always, `email` and
/// `email_verified` with the `email` scope (never `name`).
pub(crate) fn userinfo_claims(scope: &[String]) -> Map<String, Value> {
    let mut claims = Map::new();
    claims.insert("sub".into(), USER_ID.to_string().into());
    if scope.iter().any(|granted| granted == "email") {
        claims.insert("email".into(), USER_EMAIL.into());
        claims.insert("email_verified".into(), true.into());
    }
    claims
}
